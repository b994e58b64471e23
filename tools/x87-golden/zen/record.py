"""Records host FYL2X or FPATAN results for random operands (test vectors).

  python3 record.py fyl2x|fyl2xp1|fpatan SEED COUNT > vectors.txt

Lines 'x_se x_sig y_se y_sig cw r_se r_sig sw' (hex; x = ST(0), y = ST(1)); every rounding
control and precision control. FYL2X: x > 0 over the whole exponent range with extra
weight near 1 and in [1, 4); y is ln 2 or log10 2 (what logl and log10l pass), 1, or
random. FPATAN: both signs, and |y / x| (or |x / y|) below 2^-8 in half of them."""
import random
import sys

from zen import run_probe

LN2 = (0x3ffe, 0xb17217f7d1cf79ac)  # FLDLN2
LG2 = (0x3ffd, 0x9a209a84fbcff799)  # FLDLG2
ONE = (0x3fff, 1 << 63)


def significand(rnd):
    return (1 << 63) | rnd.getrandbits(63)


def signed_value(rnd, biased_exponent):
    sign = rnd.choice([0, 0x8000])
    return (sign | biased_exponent, significand(rnd))


def multiplier(rnd):
    """What logl and log10l pass (ln 2, log10 2), 1, or a random y."""
    sign = rnd.choice([0, 0x8000])
    e = rnd.randint(-40, 40)
    return rnd.choice([LN2, LG2, ONE, (sign | (16383 + e), significand(rnd))])


def control_word(rnd):
    return 0x007f | (rnd.randrange(4) << 10) | (rnd.choice([0, 2, 3]) << 8)


def fpatan_queries(rnd, count):
    queries = []
    for i in range(count):
        big = 16383 + rnd.randint(-20, 20)
        small = big - rnd.randint(9, 70) if i % 2 else big + rnd.randint(-2, 0)
        a, b = (big, small) if rnd.random() < 0.5 else (small, big)
        x = signed_value(rnd, a)
        y = signed_value(rnd, b)
        queries.append((1,) + x + y + (control_word(rnd),))
    return queries


def fyl2xp1_queries(rnd, count):
    queries = []
    for _ in range(count):
        x = signed_value(rnd, 16383 + rnd.choice([-2, -3, -4, rnd.randint(-70, -2)]))
        queries.append((2,) + x + multiplier(rnd) + (control_word(rnd),))
    return queries


def fyl2x_queries(rnd, count):
    queries = []
    for _ in range(count):
        e = rnd.choice([0, 0, 1, -1, rnd.randint(-64, 64), rnd.randint(-16382, 16383)])
        x = (16383 + e, significand(rnd))
        queries.append((0,) + x + multiplier(rnd) + (control_word(rnd),))
    return queries


def main():
    rnd = random.Random(int(sys.argv[2]))
    make = {'fyl2x': fyl2x_queries, 'fyl2xp1': fyl2xp1_queries, 'fpatan': fpatan_queries}[sys.argv[1]]
    queries = make(rnd, int(sys.argv[3]))
    for q, (se, sig, sw) in zip(queries, run_probe(queries)):
        print('%04x %016x %04x %016x %04x %04x %016x %04x' % (q[1:] + (se, sig, sw)))


if __name__ == '__main__':
    main()
