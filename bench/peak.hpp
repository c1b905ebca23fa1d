// Peak multiply-accumulate rate of the one instruction a kernel is built on,
// measured with independent dependency chains (no memory traffic).
#pragma once

#include <string>

double instruction_peak_gmacs(const std::string& kernel);
