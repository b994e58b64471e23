/**
 * The two symbol-hash functions of the ELF dynamic-linking world (LINUX-ABI.md §1.2).
 *
 * Both hash the name's bytes (UTF-8; vDSO names are ASCII) and return an unsigned 32-bit
 * number. They must never change: the values are baked into every .hash/.gnu.hash table
 * and every Verdef record, and consumers (glibc, musl, Go) recompute them at lookup time.
 */

/** UTF-8 bytes of `s`, without a terminating NUL. Small and dependency-free (no TextEncoder). */
export function utf8Bytes(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return Uint8Array.from(out);
}

function bytesOf(name: string | Uint8Array): Uint8Array {
  return typeof name === 'string' ? utf8Bytes(name) : name;
}

/**
 * The System V ABI `elf_hash`, used by DT_HASH (.hash) and by Verdef.vd_hash.
 * h = (h << 4) + c; the top nibble, when set, is folded into bits 4..7 and cleared.
 */
export function elfHash(name: string | Uint8Array): number {
  let h = 0;
  for (const c of bytesOf(name)) {
    h = ((h << 4) + c) >>> 0;
    const g = (h & 0xf0000000) >>> 0;
    if (g !== 0) h ^= g >>> 24;
    h = (h & ~g) >>> 0;
  }
  return h >>> 0;
}

/** The GNU hash (Bernstein's djb2: h = h * 33 + c from 5381, mod 2^32), used by DT_GNU_HASH. */
export function gnuHash(name: string | Uint8Array): number {
  let h = 5381;
  for (const c of bytesOf(name)) h = (Math.imul(h, 33) + c) >>> 0;
  return h;
}
