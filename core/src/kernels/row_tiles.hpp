// Shared by the kernels: walk the rows of A in tiles of 4 plus a 1..3 tail,
// with the tile height as a compile-time constant.
#pragma once

#include <type_traits>

namespace indorerank::kernels {

/// Calls f(std::integral_constant<int, R>{}, first_row) for each row tile.
template <typename F>
inline void for_each_row_tile(int m, F&& f) {
  int r = 0;
  for (; r + 4 <= m; r += 4) f(std::integral_constant<int, 4>{}, r);
  switch (m - r) {
    case 3: f(std::integral_constant<int, 3>{}, r); break;
    case 2: f(std::integral_constant<int, 2>{}, r); break;
    case 1: f(std::integral_constant<int, 1>{}, r); break;
    default: break;
  }
}

}  // namespace indorerank::kernels
