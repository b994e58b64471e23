import type { Host } from './host.js';

/**
 * Where the kernel's randomness comes from: the host's generator normally; with
 * `--seed N` a deterministic generator, so a run's layout (and AT_RANDOM, getrandom)
 * can be repeated exactly.
 */
export interface RandomSource {
  /** A uniformly random unsigned 32-bit integer. */
  next32(): number;
  fill(into: Uint8Array): void;
}

export class HostRandom implements RandomSource {
  private readonly buffer = new Uint32Array(256);
  private used = 256;
  constructor(private readonly host: Host) {}

  next32(): number {
    if (this.used === this.buffer.length) {
      this.host.randomBytes(new Uint8Array(this.buffer.buffer));
      this.used = 0;
    }
    return this.buffer[this.used++];
  }

  fill(into: Uint8Array): void {
    this.host.randomBytes(into);
  }
}

/** xoshiro128** (Blackman and Vigna), seeded through splitmix32; 32-bit arithmetic only. */
export class SeededRandom implements RandomSource {
  private readonly s = new Uint32Array(4);

  constructor(seed: number) {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }

  next32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  fill(into: Uint8Array): void {
    for (let i = 0; i < into.length; i++) into[i] = this.next32() & 0xff;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A random number of `bits` bits (up to 52), from two 32-bit draws when needed. */
export function randomBits(rng: RandomSource, bits: number): number {
  if (bits <= 32) return bits === 32 ? rng.next32() : rng.next32() & ((1 << bits) - 1);
  const high = rng.next32() & ((1 << (bits - 32)) - 1);
  return high * 4294967296 + rng.next32();
}
