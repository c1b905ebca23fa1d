#!/usr/bin/python3
"""Recompute the GELU polynomial of core/src/gelu_poly.hpp and its error.

  /usr/bin/python3 tools/gelu_fit.py [--clamp 4.5] [--degree 10]

g(a) = -a Phi(-a) on [0, clamp], interpolated at Chebyshev nodes in
u = a * 2/clamp - 1, then written in powers of u and rounded to float32.
Prints the coefficients (highest degree first) and the worst error of
max(x, 0) + p(u), evaluated in float32 exactly as ops.cpp does, against the
erf definition on [-12, 12] in steps of 0.001.
"""

import argparse
import math

import numpy as np
from numpy.polynomial import chebyshev

ap = argparse.ArgumentParser()
ap.add_argument("--clamp", type=float, default=4.5)
ap.add_argument("--degree", type=int, default=10)
args = ap.parse_args()

erf = np.vectorize(math.erf)
erfc = np.vectorize(math.erfc)
nodes = np.cos(np.pi * (np.arange(2000) + 0.5) / 2000)
a = (nodes + 1) * args.clamp / 2
cheb = chebyshev.chebfit(nodes, -a * 0.5 * erfc(a / math.sqrt(2)), args.degree)
coef = chebyshev.cheb2poly(cheb).astype(np.float32)[::-1]

f32 = np.float32
x = (np.arange(-12000, 12001) * 0.001).astype(f32)
ax = np.minimum(np.abs(x), f32(args.clamp))
u = ax * f32(2 / args.clamp) + f32(-1)
# E(u^2) + u O(u^2), the even and odd powers each by Horner's rule (degree even).
assert len(coef) % 2 == 1, "the split form needs an even degree"
w = u * u
e = np.full_like(u, coef[0])
o = np.full_like(u, coef[1])
for k in range(2, len(coef) - 1, 2):
    e = e * w + coef[k]
    o = o * w + coef[k + 1]
p = (e * w + coef[-1]) + o * u
y = np.where(x > 0, x, f32(0)) + p
xd = x.astype(np.float64)
err = np.abs(y - 0.5 * xd * (1 + erf(xd / math.sqrt(2))))
inner = np.abs(xd) <= 6
print("coefficients:", ", ".join("%.9ef" % c for c in coef))
print("worst error %.2e (|x| <= 6: %.2e)" % (err.max(), err[inner].max()))
