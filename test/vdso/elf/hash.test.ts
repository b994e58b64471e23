import { describe, expect, it } from 'vitest';
import { elfHash, gnuHash } from '../../../src/vdso/elf/index.js';

// LINUX-ABI.md §1.2, "Precomputed values" (the same constants are in Go's runtime).
const TABLE: Array<[string, number, number | null]> = [
  ['LINUX_2.6', 0x03ae75f6, null],
  ['__vdso_clock_gettime', 0x0d35ec75, 0x6e43a318],
  ['__vdso_gettimeofday', 0x0315ca59, 0xb01bca00],
  ['__vdso_time', 0x0a33c485, 0x821e8e0d],
  ['__vdso_getcpu', 0x00b01045, 0x6562b026],
  ['__vdso_clock_getres', 0x04d35c83, 0x68308f53],
  ['__vdso_getrandom', 0x0025425d, 0x84a559bf],
];

describe('elfHash / gnuHash', () => {
  it.each(TABLE)('%s matches the LINUX-ABI.md table', (name, sysv, gnu) => {
    expect(elfHash(name)).toBe(sysv);
    if (gnu !== null) expect(gnuHash(name)).toBe(gnu);
  });

  it('hashes the verdef names as ld does', () => {
    // Observed vd_hash of the BASE record of the kernel's vDSO (LINUX-ABI.md §1.2).
    expect(elfHash('linux-vdso.so.1')).toBe(0x0deebfa1);
    // Go's runtime: vdsoLinuxVersion = vdsoVersionKey{"LINUX_2.6", 0x3ae75f6}; 61765110 in glibc.
    expect(elfHash('LINUX_2.6')).toBe(61765110);
  });

  it('handles the empty name, long names (top-nibble folding) and non-ASCII', () => {
    // Reference values from an independent Python implementation of both functions.
    expect(elfHash('')).toBe(0);
    expect(gnuHash('')).toBe(5381);
    expect(elfHash('printf')).toBe(0x077905a6);
    expect(gnuHash('printf')).toBe(0x156b2bb8);
    const long = 'a_rather_long_symbol_name_that_overflows_the_nibbles_0123456789';
    expect(elfHash(long)).toBe(0x0af55d09);
    expect(gnuHash(long)).toBe(0x3b030f0f);
    expect(elfHash('é')).toBe(0xcd9);       // UTF-8 bytes c3 a9
    expect(gnuHash('é')).toBe(0x598411);
    expect(elfHash(Uint8Array.of(0xc3, 0xa9))).toBe(0xcd9);
  });

  it('returns unsigned 32-bit values', () => {
    for (const [name] of TABLE) {
      for (const h of [elfHash(name), gnuHash(name)]) {
        expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true);
      }
    }
    expect(elfHash('x'.repeat(1000))).toBeLessThan(0x10000000); // SysV hash never sets the top nibble
  });
});
