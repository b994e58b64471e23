"""Fits the host's FYL2X polynomial P to extracted samples and prints zen-log2.ts's table.

  python3 fit.py SAMPLES...            (files written by extract.py)

Each sample L of x gives, through L = R(u + s3 A) and A = R(P(s2)), an interval for P(s2).
The difference P - Taylor is fitted as a Chebyshev polynomial in s2 on [0, S2_MAX] by a
linear programme that keeps every sample inside its interval with the largest margin;
the script reports the margin, checks a held-out half, and prints the coefficients of P
(Taylor plus the fitted difference) as integers over 2^140."""
import random
import sys

import numpy as np
from scipy.optimize import linprog

from zen import BITS, exponent, F, parts, read_samples, round_bits, S2_MAX, TAYLOR, taylor_p, value

DEGREE = 8  # enough: a degree-6 difference is already feasible; higher adds no margin
UNIT = F(2) ** -64  # the fitted difference is expressed in units of 2^-64
SCALE = 140
TERMS = 32


def neighbour(v, up):
    e = exponent(v)
    q = F(2) ** (e - BITS + 1)
    if up:
        return v + q if v > 0 or -v != F(2) ** e else v + q / 2
    return v - q / 2 if v > 0 and v == F(2) ** e else v - q


def intervals(rows, s_min=0.005):
    out = []
    for x, L in rows:
        t, s, s2, s3, u = parts(value(*x))
        if abs(s) < s_min:
            continue  # P's share is below the rounding there
        # s3 A may itself be rounded to 68 bits before the sum: allow an ulp of it (generous:
        # half would do).
        lo = (L + neighbour(L, False)) / 2 - u
        hi = (L + neighbour(L, True)) / 2 - u
        slack = F(2) ** (exponent(lo if lo != 0 else hi) - BITS + 1)
        lo, hi = sorted([(lo - slack) / s3, (hi + slack) / s3])
        ref = taylor_p(s2)
        out.append((float(s2), float((lo - ref) / UNIT), float((hi - ref) / UNIT)))
    return out


def basis(s2):
    return np.polynomial.chebyshev.chebvander(2 * np.asarray(s2) / S2_MAX - 1, DEGREE)


def fit(rows):
    iv = intervals(rows)
    s2 = np.array([i[0] for i in iv])
    lo = np.array([i[1] for i in iv])
    hi = np.array([i[2] for i in iv])
    a = basis(s2)
    n = DEGREE + 1
    ones = np.ones((len(s2), 1))
    res = linprog(np.r_[np.zeros(n), -1], A_ub=np.vstack([np.hstack([a, ones]), np.hstack([-a, ones])]),
                  b_ub=np.r_[hi, -lo], bounds=[(None, None)] * n + [(None, 50)], method='highs')
    return res.x[:n], -res.fun


def monomials(cheb):
    """The Chebyshev difference as exact monomial coefficients in s2 (units of 2^-64)."""
    a, b = 2 / F(S2_MAX), F(-1)
    mul = lambda p, q: [sum(p[i] * q[k - i] for i in range(len(p)) if 0 <= k - i < len(q)) for k in range(len(p) + len(q) - 1)]
    t = [[F(1)], [b, a]]
    while len(t) <= DEGREE:
        nxt = mul([2 * b, 2 * a], t[-1])
        prev = t[-2] + [F(0)] * (len(nxt) - len(t[-2]))
        t.append([x - y for x, y in zip(nxt, prev)])
    out = [F(0)] * (DEGREE + 1)
    for k, c in enumerate(cheb):
        for i, v in enumerate(t[k]):
            out[i] += F(float(c)) * v
    return out


def predict(x, coeffs):
    t, s, s2, s3, u = parts(value(*x))
    if s == 0:
        return t
    acc = F(0)
    for c in reversed(coeffs):
        acc = acc * s2 + c
    return round_bits(u + s3 * round_bits(acc))


def main():
    rows = read_samples(sys.argv[1:])
    shuffled = rows[:]
    random.Random(1).shuffle(shuffled)
    half = len(shuffled) // 2
    cheb, margin = fit(shuffled[:half])
    diff = monomials(cheb)
    coeffs = [TAYLOR[j] + (diff[j] * UNIT if j < len(diff) else 0) for j in range(TERMS)]
    miss = sum(predict(x, coeffs) != L for x, L in shuffled[half:])
    print('// held-out check: fitted on %d samples (margin %.4f x 2^-64), %d of %d others reproduced'
          % (half, margin, len(shuffled) - half - miss, len(shuffled) - half), file=sys.stderr)
    cheb, margin = fit(rows)
    diff = monomials(cheb)
    coeffs = [TAYLOR[j] + (diff[j] * UNIT if j < len(diff) else 0) for j in range(TERMS)]
    miss = sum(predict(x, coeffs) != L for x, L in rows)
    print('// all %d samples: margin %.4f x 2^-64, %d not reproduced' % (len(rows), margin, miss), file=sys.stderr)
    for c in coeffs:
        print('  0x%xn,' % round(c * F(2) ** SCALE))


if __name__ == '__main__':
    main()
