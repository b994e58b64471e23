"""Shared helpers for the Zen FYL2X measurements: exact arithmetic on 80-bit values
(fractions), the host probe, and the evaluation scheme that zen-log2.ts implements."""
import math
import os
import random
import subprocess
from fractions import Fraction as F

import mpmath

HERE = os.path.dirname(os.path.abspath(__file__))
PROBE = os.path.join(HERE, 'probe')
BITS = 68  # the host's internal precision (README.md)
mpmath.mp.prec = 300


def build_probe():
    if not os.path.exists(PROBE):
        subprocess.run(['cc', '-O1', '-o', PROBE, os.path.join(HERE, 'probe.c')], check=True)


def run_probe(queries):
    """queries: (op, x_se, x_sig, y_se, y_sig, cw) -> [(se, sig, sw)]"""
    build_probe()
    text = ''.join('%x %x %x %x %x %x\n' % q for q in queries)
    out = subprocess.run([PROBE], input=text, capture_output=True, text=True, check=True).stdout.split()
    return [(int(out[i], 16), int(out[i + 1], 16), int(out[i + 2], 16)) for i in range(0, len(out), 3)]


def value(se, sig):
    return (-1 if se & 0x8000 else 1) * F(sig) * F(2) ** ((se & 0x7fff) - 16383 - 63)


def next_toward(se, sig, up):
    """The neighbouring finite normal 80-bit value (toward +inf when up)."""
    grows = up != bool(se & 0x8000)
    if grows:
        return (se + 1, 1 << 63) if sig == (1 << 64) - 1 else (se, sig + 1)
    return (se - 1, (1 << 64) - 1) if sig == 1 << 63 else (se, sig - 1)


def exponent(v):
    v = abs(v)
    e = v.numerator.bit_length() - v.denominator.bit_length()
    if F(2) ** e > v:
        e -= 1
    if F(2) ** (e + 1) <= v:
        e += 1
    return e


def round_bits(v, bits=BITS):
    """v rounded to `bits` significant bits, ties to even."""
    if v == 0:
        return v
    q = F(2) ** (exponent(v) - bits + 1)
    t = v / q
    k = math.floor(t)
    d = t - k
    if d > F(1, 2) or (d == F(1, 2) and k % 2):
        k += 1
    return k * q


def to_fraction(x):
    sign, man, exp, _ = x._mpf_
    return (-1 if sign else 1) * F(int(man)) * F(2) ** int(exp)


def log2_exact(v):
    return to_fraction(mpmath.log(mpmath.mpf(v.numerator) / v.denominator, 2))


CW_DOWN, CW_UP = 0x077f, 0x0b7f


def extract_log2(x, queries=2500, seed=11):
    """Brackets the host's internal log2 x: FYL2X rounds y * L once, so a result r under
    round-down says r <= y L < next(r), and under round-up prev(r) < y L <= r. Returns
    the interval [lo, hi] that all the y (random in [1, 2)) leave for L."""
    rnd = random.Random(seed)
    ys = [(0x3fff, (1 << 63) | rnd.getrandbits(63)) for _ in range(queries)]
    qs = [(0, x[0], x[1], y[0], y[1], cw) for y in ys for cw in (CW_DOWN, CW_UP)]
    lo, hi = None, None
    for (_, _, _, yse, ysig, cw), (se, sig, _) in zip(qs, run_probe(qs)):
        yv = value(yse, ysig)
        r = value(se, sig)
        if cw == CW_DOWN:
            a, b = r / yv, value(*next_toward(se, sig, True)) / yv
        else:
            a, b = value(*next_toward(se, sig, False)) / yv, r / yv
        lo = a if lo is None else max(lo, a)
        hi = b if hi is None else min(hi, b)
    return lo, hi


# ---- the evaluation scheme (zen-log2.ts) -------------------------------------------------
K0 = round_bits(2 / to_fraction(mpmath.log(2)))
LOG2E = 1 / to_fraction(mpmath.log(2))
# Taylor coefficients of P(s2) = (2/ln2 atanh(s) - 2/ln2 s) / s^3 = sum_j 2/((2j+3) ln2) s2^j
TAYLOR = [2 * LOG2E / (2 * j + 3) for j in range(40)]
SQRT2_SIG = 0xb504f333f9de6485  # sqrt(2) * 2^63 rounded up
S2_MAX = 0.0295  # ((sqrt2 - 1) / (sqrt2 + 1))^2 = 0.02944 and a little


def parts(x):
    """(t, s, s2, s3, u) for x > 0 as in zen-log2.ts."""
    e = exponent(x)
    m = x / F(2) ** e
    c = 2 if m * F(2) ** 63 >= SQRT2_SIG else 1
    s = round_bits((m - c) / (m + c))
    s2 = round_bits(s * s)
    s3 = round_bits(s * s2)
    t = F(e + c - 1)
    u = round_bits(t + round_bits(s * K0))
    return t, s, s2, s3, u


def taylor_p(s2, terms=40):
    acc = F(0)
    for c in reversed(TAYLOR[:terms]):
        acc = acc * s2 + c
    return acc


def read_samples(paths):
    """Lines 'x_se x_sig g k': the host's L for x is k * 2^-g."""
    rows = []
    for path in paths:
        for line in open(path):
            p = line.split()
            if len(p) != 4:
                continue
            rows.append(((int(p[0], 16), int(p[1], 16)), F(int(p[3])) * F(2) ** -int(p[2])))
    return rows
