// Counts the test binary's heap through global operator new and delete (which
// the sentencepiece library uses too), so tests can bound what a call allocates.
#pragma once

#include <cstddef>

namespace indorerank::test::heap {

/// operator new calls so far.
long allocations();
/// Bytes allocated with operator new and not yet deleted.
size_t live_bytes();
/// The most live_bytes() reached since the last reset_peak().
size_t peak_bytes();
void reset_peak();

}  // namespace indorerank::test::heap
