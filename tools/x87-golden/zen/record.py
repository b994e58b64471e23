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


def fpatan_queries(rnd, count):
    queries = []
    for i in range(count):
        big = 16383 + rnd.randint(-20, 20)
        small = big - rnd.randint(9, 70) if i % 2 else big + rnd.randint(-2, 0)
        a, b = (big, small) if rnd.random() < 0.5 else (small, big)
        x = (rnd.choice([0, 0x8000]) | a, (1 << 63) | rnd.getrandbits(63))
        y = (rnd.choice([0, 0x8000]) | b, (1 << 63) | rnd.getrandbits(63))
        cw = 0x007f | (rnd.randrange(4) << 10) | (rnd.choice([0, 2, 3]) << 8)
        queries.append((1, x[0], x[1], y[0], y[1], cw))
    return queries


def fyl2xp1_queries(rnd, count):
    queries = []
    for _ in range(count):
        e = rnd.choice([-2, -3, -4, rnd.randint(-70, -2)])
        x = (rnd.choice([0, 0x8000]) | (16383 + e), (1 << 63) | rnd.getrandbits(63))
        y = rnd.choice([LN2, LG2, ONE, (rnd.choice([0, 0x8000]) | (16383 + rnd.randint(-40, 40)), (1 << 63) | rnd.getrandbits(63))])
        cw = 0x007f | (rnd.randrange(4) << 10) | (rnd.choice([0, 2, 3]) << 8)
        queries.append((2, x[0], x[1], y[0], y[1], cw))
    return queries


def fyl2x_queries(rnd, count):
    queries = []
    for _ in range(count):
        e = rnd.choice([0, 0, 1, -1, rnd.randint(-64, 64), rnd.randint(-16382, 16383)])
        x = (16383 + e, (1 << 63) | rnd.getrandbits(63))
        y = rnd.choice([LN2, LG2, ONE, (rnd.choice([0, 0x8000]) | (16383 + rnd.randint(-40, 40)), (1 << 63) | rnd.getrandbits(63))])
        cw = 0x007f | (rnd.randrange(4) << 10) | (rnd.choice([0, 2, 3]) << 8)
        queries.append((0, x[0], x[1], y[0], y[1], cw))
    return queries


def main():
    rnd = random.Random(int(sys.argv[2]))
    make = {'fyl2x': fyl2x_queries, 'fyl2xp1': fyl2xp1_queries, 'fpatan': fpatan_queries}[sys.argv[1]]
    queries = make(rnd, int(sys.argv[3]))
    for q, (se, sig, sw) in zip(queries, run_probe(queries)):
        print('%04x %016x %04x %016x %04x %04x %016x %04x' % (q[1:] + (se, sig, sw)))


if __name__ == '__main__':
    main()
