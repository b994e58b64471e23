"""Extracts the host's internal 68-bit log2 x for random x (see README.md).

  python3 extract.py OUT SEED COUNT [EXP] [--mid]

writes 'x_se x_sig g k' lines (L = k * 2^-g, g = 67 - floor(log2 L)); x = m * 2^EXP with
m random in [1, 2) (with --mid, in [1.1, 1.9): |s| large, where the polynomial shows)."""
import math
import random
import sys

from zen import exponent, extract_log2, F, log2_exact, value


def main():
    out, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    args = [a for a in sys.argv[4:] if not a.startswith('--')]
    e = int(args[0]) if args else 0
    mid = '--mid' in sys.argv
    rnd = random.Random(seed)
    with open(out, 'w') as f:
        for _ in range(count):
            frac = rnd.randrange(int(0.1 * 2 ** 63), int(0.9 * 2 ** 63)) if mid else rnd.getrandbits(63)
            x = (16383 + e, (1 << 63) | frac)
            lo, hi = extract_log2(x)
            g = 67 - exponent(log2_exact(value(*x)))
            q = F(2) ** -g
            k0, k1 = math.ceil(lo / q), math.floor(hi / q)
            if lo <= hi and k0 == k1:  # one 68-bit value left
                f.write('%x %x %d %d\n' % (x[0], x[1], g, k0))
                f.flush()


if __name__ == '__main__':
    main()
