/**
 * An ELF string table with tail merging, as GNU ld builds .dynstr: a string that is the
 * suffix of another is not stored twice ("time" points into "__vdso_time"). Offset 0 is
 * the empty string.
 */

import { utf8Bytes } from './hash.js';

export interface StringTable {
  bytes: Uint8Array;
  /** Offset of `s`, which must have been passed to `buildStringTable`. */
  offset(s: string): number;
}

/** Compares byte strings from their last byte backwards. */
function compareReversed(a: Uint8Array, b: Uint8Array): number {
  for (let i = 1; i <= Math.min(a.length, b.length); i++) {
    const d = a[a.length - i]! - b[b.length - i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function endsWith(s: Uint8Array, suffix: Uint8Array): boolean {
  if (suffix.length > s.length) return false;
  for (let i = 1; i <= suffix.length; i++) if (s[s.length - i] !== suffix[suffix.length - i]) return false;
  return true;
}

export function buildStringTable(strings: readonly string[]): StringTable {
  const unique = [...new Set(strings)].filter((s) => s.length > 0).map((s) => ({ s, b: utf8Bytes(s) }));
  // Sorting by the reversed bytes, longest-first among equal tails, puts every string
  // right after the strings it is a suffix of (the scheme of LLVM's StringTableBuilder).
  unique.sort((x, y) => compareReversed(y.b, x.b));
  const offsets = new Map<string, number>([['', 0]]);
  const parts: Uint8Array[] = [];
  let size = 1; // the leading NUL
  let previous: { b: Uint8Array; offset: number } | null = null;
  for (const { s, b } of unique) {
    if (previous && endsWith(previous.b, b)) {
      offsets.set(s, previous.offset + previous.b.length - b.length);
      continue;
    }
    offsets.set(s, size);
    parts.push(b);
    previous = { b, offset: size };
    size += b.length + 1;
  }
  const bytes = new Uint8Array(size);
  let at = 1;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.length + 1;
  }
  return {
    bytes,
    offset(s: string): number {
      const o = offsets.get(s);
      if (o === undefined) throw new Error(`vdso elf: internal error: "${s}" is not in the string table`);
      return o;
    },
  };
}
