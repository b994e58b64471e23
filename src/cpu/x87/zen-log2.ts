/**
 * log2 x as the AMD Zen FPU computes it inside FYL2X (and log2(1 + x) inside FYL2XP1):
 * the 68-bit value L that the instruction then multiplies by ST(1) and rounds once to
 * the register format.
 *
 * Nothing in the manuals describes it; it was measured on the host (tools/x87-golden/
 * zen/README.md). FYL2X rounds y × L with the rounding control, so results for many
 * y under round-down and round-up bracket L to about 2^-75 relative: L always sits on a
 * 68-bit grid, and a search over evaluation schemes found the one below. It reproduces
 * 99.75% of the extracted L (the rest one unit off, where the fitted polynomial rounds
 * the other way) and all of 20,000 host FYL2X results bit for bit (glibc's and musl's
 * logl and log10l are FYL2X with ln 2 and log10 2):
 *
 *   x = m × 2^e, m in [1, 2); c = 2 when m > √2, else 1; t = e + c - 1
 *   s = R((m - c) / (m + c))                         (|s| ≤ 0.1716)
 *   s2 = R(s × s), s3 = R(s × s2)
 *   u = R(t + R(s × K0)),   K0 = R(2 / ln 2)
 *   L = R(u + s3 × A),      A = R(P(s2))
 *
 * with R rounding to 68 significant bits, to nearest-even. log2 m = t + 2/ln2 ×
 * atanh(s) and P(s2) approximates (2/ln2 × atanh(s) - K0 s) / s³; the host's P is not
 * the Taylor series (its value sits up to 2^-58 off it near s = 0), so its coefficients
 * are fitted to the extracted values (Taylor terms plus the fitted difference).
 */
import { quotientZen as quotient68, roundZen as round68, type Scaled } from './zen-precision.js';

function times(a: Scaled, b: Scaled): Scaled {
  return { m: a.m * b.m, e: a.e + b.e };
}

function plus(a: Scaled, b: Scaled): Scaled {
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  return { m: (a.m << BigInt(a.e - e)) + (b.m << BigInt(b.e - e)), e };
}

/** 2 / ln 2 rounded to 68 bits (K0 above). */
const K0: Scaled = { m: 0xb8aa3b295c17f0bbcn, e: -66 };

/**
 * P's coefficients for s2^0, s2^1, ... as integers over 2^COEFF_SCALE: the Taylor terms
 * 2 / ((2j + 1) ln 2) plus the difference fitted by tools/x87-golden/zen/fit.py.
 */
const COEFF_SCALE = 140;
const P_COEFFS: bigint[] = [
  0xf6384ee1d01feb55105774b57599db6139dn,
  0x93bb62877ce09338a2c6bd47b2235c44ff8n,
  0x6985d8a9eb0d1bee22d9af4a6043560d87an,
  0x5212c4f6160b34f091e19a5a74be6ee501dn,
  0x4326a11ea340efab8150795a4876041501an,
  0x38d1ebd0ad095d3b8b4f5027ef670e4b3d4n,
  0x313e602a85a80f90443c0613ab102088618n,
  0x2b74883dc1dd84427d6948c479044874134n,
  0x26d8cfa1677c59c2ff8461bd25a66b3e694n,
  0x232c9d8df92921a9db261827b27f79a02cdn,
  0x201d9afc100429ddde5a6f191d6942871ddn,
  0x1d8be0817f5ffd8eadd851baf21928b9bf4n,
  0x1b5b96fca558e14b38abd9e5fc9c0943b11n,
  0x19789566cee8d1c19eb1a78f8141d3a8f45n,
  0x17d3e699fb5ded839474a5021e144a222een,
  0x166235b77002e6e0742f83bc2bc57bf190en,
  0x151ac4eec8b24765e9e3a817d17faf601aen,
  0x13f6ba49a917584ba5e5304de1d9a5e549en,
  0x12f0a39b3764eabdec283464250990428e5n,
  0x12041ebf5a27cc8f31ced42d4ef01f139a1n,
  0x112d9a57323dc30b82d711c009c72f7dda6n,
  0x106a2764633553f9eecd82bd312a6bf56a4n,
  0xfb756bcb622b7e4675d46b5242e10373a3n,
  0xf131ef3b3ed0e6d5debc13595a458b25c6n,
  0xe7bc867a2d4b3822d0faf97e0165f41f45n,
  0xdefddd2d1d181434d2c133b3367a41da78n,
  0xd6e203adcce8a86ac1c823db3dce3f756fn,
  0xcf57d6a335ffeedbc874c4485217da6cd2n,
  0xc850859956e18ffb62341011cd240fc440n,
  0xc1bf317b21ac00c4fa432486b9d3243bb8n,
  0xbb989d9fdb8608df3b75d6290d5288ab9an,
  0xb5d2ef6bad62671f4181f6f496c235b223n,
];

/** √2 × 2^63 rounded up: m > √2 exactly when the significand is at least this. */
const SQRT2_SIG = 0xb504f333f9de6485n;

/** Horner in fixed point with COEFF_SCALE fraction bits; A = R(P(s2)). */
function polynomial(s2: Scaled): Scaled {
  const shift = s2.e + COEFF_SCALE;
  const x = shift >= 0 ? s2.m << BigInt(shift) : s2.m >> BigInt(-shift);
  let acc = P_COEFFS[P_COEFFS.length - 1];
  for (let j = P_COEFFS.length - 2; j >= 0; j--) acc = P_COEFFS[j] + ((acc * x) >> BigInt(COEFF_SCALE));
  // The fixed-point sum is within a few 2^-140 of P: never an exact tie.
  return round68(acc, -COEFF_SCALE, true);
}

/**
 * L for x = sig × 2^(exp - 63), sig a normalised 64-bit significand (top bit set), x
 * positive, finite and not a power of two (FYL2X gives those exactly).
 */
export function zenLog2(sig: bigint, exp: number): Scaled {
  const c = sig >= SQRT2_SIG ? 2n : 1n;
  return fromReduced(BigInt(exp) + c - 1n, quotient68(sig - (c << 63n), sig + (c << 63n)));
}

/**
 * log2(1 + x) for FYL2XP1, x = m × 2^e (m signed, √2/2 - 1 ≤ x ≤ √2 - 1): the same
 * evaluation with t = 0 and s = R(x / R(2 + x)). That 2 + x is rounded to 68 bits first
 * shows for x in [1/16, 1/8), where it needs 69: 2.3% of host results differ without it.
 */
export function zenLog2p1(m: bigint, e: number): Scaled {
  // x / (2 + x) = m / (2^(1 - e) + m) for e < 0, with 2 + x rounded to 68 bits first.
  const d = round68((1n << BigInt(1 - e)) + m, e);
  const shift = d.e - e;
  return fromReduced(0n, shift >= 0 ? quotient68(m, d.m << BigInt(shift)) : quotient68(m << BigInt(-shift), d.m));
}

/** L = R(R(t + R(s K0)) + s3 × A) for the integer part t and the reduced argument s. */
function fromReduced(t: bigint, s: Scaled): Scaled {
  const s2 = round68(s.m * s.m, 2 * s.e);
  const s3 = round68(s.m * s2.m, s.e + s2.e);
  const sk = times(s, K0);
  const tsk = plus({ m: t, e: 0 }, round68(sk.m, sk.e));
  const u = round68(tsk.m, tsk.e);
  const sum = plus(u, times(s3, polynomial(s2)));
  return round68(sum.m, sum.e);
}
