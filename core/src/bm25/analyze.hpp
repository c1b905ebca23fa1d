// Internal: what the index needs from the analyzer beyond analyze().
#pragma once

namespace indorerank {

/// False when libstemmer has no Indonesian UTF-8 stemmer (a broken build).
bool indonesian_stemmer_available();

}  // namespace indorerank
