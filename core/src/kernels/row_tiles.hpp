// Shared by the kernels: walk the rows of A in tiles of H rows plus a shorter
// tail, with the tile height as a compile-time constant.
#pragma once

#include <type_traits>

namespace indorerank::kernels {

template <int R, typename F>
inline void tail_tile(int left, int r, F& f) {
  if constexpr (R > 0) {
    if (left == R)
      f(std::integral_constant<int, R>{}, r);
    else
      tail_tile<R - 1>(left, r, f);
  }
}

/// Calls f(std::integral_constant<int, R>{}, first_row) for each row tile:
/// tiles of H rows, then one of 1..H-1 for the rest.
template <int H = 4, typename F>
inline void for_each_row_tile(int m, F&& f) {
  int r = 0;
  for (; r + H <= m; r += H) f(std::integral_constant<int, H>{}, r);
  tail_tile<H - 1>(m - r, r, f);
}

}  // namespace indorerank::kernels
