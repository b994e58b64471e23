/**
 * Layout of a vDSO image: everything that can be decided before the code exists.
 *
 * The chicken-and-egg problem: vDSO code reaches the vvar page (mapped just below the
 * image) with rip-relative addressing, so the assembler must know at which image offset
 * `.text` will land, while the ELF writer needs the assembled code (and its label
 * offsets) to fill in the symbol values.
 *
 * The way out is that nothing in front of `.text` depends on the code. Following the
 * kernel's linker script (vdso-layout.lds.S), the image is
 *
 *   ELF header, program headers (PT_LOAD, PT_DYNAMIC, PT_NOTE)
 *   .hash .gnu.hash .dynsym .dynstr .gnu.version .gnu.version_d .dynamic .note
 *   .text                                  <- textOffset, aligned to textAlign
 *   .shstrtab, section header table       (after PT_LOAD, inside the mapped pages)
 *
 * and the sizes of everything before `.text` depend only on: the ELF class, the soname,
 * the version names, the symbol *names* (their count, lengths and hashes: hash-table
 * sizing, symbol order and string-table tail merging are all functions of the names),
 * whether weak aliases and version symbols are emitted, and `textAlign`. Symbol offsets,
 * sizes, the code bytes, the Linux version code and the entry symbol do not move
 * anything. So `layoutVdso()` takes the spec *without* code and returns `textOffset`;
 * the assembler assembles at that offset; `buildVdsoImage()` recomputes the same layout
 * from the full spec (same function, same inputs) and puts the code exactly there.
 */

import {
  DF_1_NOW, DF_BIND_NOW, DF_SYMBOLIC,
  DT_FLAGS, DT_FLAGS_1, DT_GNU_HASH, DT_HASH, DT_NULL, DT_SONAME, DT_STRSZ, DT_STRTAB,
  DT_SYMBOLIC, DT_SYMENT, DT_SYMTAB, DT_VERDEF, DT_VERDEFNUM, DT_VERSYM,
  VER_DEF_CURRENT, VER_FLG_BASE, VER_NDX_GLOBAL,
} from './constants.js';
import { elfHash, gnuHash } from './hash.js';
import { buildStringTable } from './strtab.js';

/** Prefix that `weakAliases` strips to form the unversioned alias (`__vdso_time` -> `time`). */
export const VDSO_PREFIX = '__vdso_';

/** What the layout needs to know about a version: names only, no code offsets. */
export interface VdsoVersionLayoutSpec {
  name: string;                                // "LINUX_2.6"
  symbols: ReadonlyArray<{ readonly name: string }>;
  weakAliases?: boolean;                       // add STB_WEAK `time` for `__vdso_time`, etc.
}

/**
 * The part of a vDSO spec that determines the layout. A full `VdsoImageSpec` is one of
 * these, so it can be passed to `layoutVdso()` as it is.
 */
export interface VdsoLayoutSpec {
  elfClass: 64 | 32;
  soname: string;                              // "linux-vdso.so.1" / "linux-gate.so.1"
  textAlign?: number;                          // power of two, default 16
  versions: ReadonlyArray<VdsoVersionLayoutSpec>;
  /**
   * Emit, per version, an `STT_OBJECT`/`STB_GLOBAL`/`SHN_ABS` symbol named after the
   * version with value 0, as GNU ld does for version-script nodes (the kernel's vDSO on
   * the reference 6.18 machine, linked by current binutils, has `LINUX_2.6` at ABS).
   * Default true, so the image lines up entry for entry with a real one. No consumer
   * looks these up, and all of them skip them: glibc rejects value 0, Go wants
   * STT_FUNC, musl would need the name "LINUX_2.6" asked for as a symbol.
   */
  versionSymbols?: boolean;
}

export interface VdsoSectionLayout {
  name: string;
  offset: number;   // file offset == virtual address (the image is linked at 0)
  size: number;
}

export interface VdsoLayout {
  elfClass: 64 | 32;
  /** Offset (== address relative to the image base) where `.text` starts. */
  textOffset: number;
  textAlign: number;
  /** The allocated sections in front of `.text`, in file order (.hash ... .note). */
  sections: VdsoSectionLayout[];
  /** Number of .dynsym entries, including the null symbol at index 0. */
  dynsymCount: number;
  /** SysV .hash parameters. */
  hashBuckets: number;
  /** GNU hash parameters, chosen the way GNU ld chooses them. */
  gnuHash: { nbuckets: number; symoffset: number; bloomWords: number; bloomShift: number };
}

// ---------------------------------------------------------------------------
// Internal plan: the layout plus the finished bytes of every code-independent table.

export type DynsymKind = 'null' | 'func' | 'alias' | 'version';

export interface DynsymPlan {
  name: string;
  nameOffset: number;   // into .dynstr
  kind: DynsymKind;
  versym: number;       // .gnu.version entry: 2 + index into spec.versions
  versionIndex: number; // index into spec.versions
  symbolIndex: number;  // index into that version's symbols (-1 for a version symbol)
}

export interface VdsoPlan {
  layout: VdsoLayout;
  is64: boolean;
  /** Word (pointer) size: 8 or 4. Also the alignment of the hash, symbol, verdef and dynamic tables. */
  wordSize: number;
  ehdrSize: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  symentsize: number;
  dynsym: DynsymPlan[];             // index 0 is the null symbol
  dynstr: Uint8Array;
  hash: Uint8Array;                 // complete .hash contents
  gnuHash: Uint8Array;              // complete .gnu.hash contents
  versym: Uint8Array;               // complete .gnu.version contents
  verdef: Uint8Array;               // complete .gnu.version_d contents
  verdefCount: number;              // BASE + one per version
  dynamic: Uint8Array;              // complete .dynamic contents
  offsets: {
    hash: number; gnuHash: number; dynsym: number; dynstr: number;
    versym: number; verdef: number; dynamic: number; note: number; text: number;
  };
}

/** Size of the kernel-version note: Nhdr (12) + "Linux\0" padded to 8 + 4-byte descriptor. */
export const LINUX_NOTE_SIZE = 12 + 8 + 4;

const VERDEF_SIZE = 20;   // Elf32_Verdef and Elf64_Verdef are the same
const VERDAUX_SIZE = 8;

/**
 * The bucket counts GNU ld (and gold) use when not optimizing (`-O0`): the largest entry
 * of this table that is <= the number of hashed symbols. With the five standard vDSO
 * functions, their aliases and `LINUX_2.6` (11 symbols) this is 3, as on Linux.
 */
const LD_BUCKETS = [1, 3, 17, 37, 67, 97, 131, 197, 263, 521, 1031, 2053, 4099, 8209, 16411, 32771];

function ldBucketCount(nsyms: number, forGnuHash: boolean): number {
  let n = 1;
  for (const b of LD_BUCKETS) {
    if (nsyms < b) break;
    n = b;
  }
  // ld never emits a single-bucket .gnu.hash.
  return forGnuHash && n < 2 ? 2 : n;
}

/**
 * GNU ld's bloom sizing (bfd/elflink.c, identical in gold): maskbitslog2 starts at the bit
 * length of nsyms, then gets +3 if the bit below the top one is set, else +2 (minimum 5;
 * 6 on 64-bit). The filter has 2^maskbitslog2 bits, in words of the ELF class's size, and
 * the second hash bit is taken from `h >> maskbitslog2` (so bloom_shift == maskbitslog2).
 */
function ldBloomSizing(nsyms: number, is64: boolean): { words: number; shift: number } {
  let log2 = 1;
  for (let x = nsyms >>> 1; x !== 0; x >>>= 1) log2++;
  if (log2 < 3) log2 = 5;
  else if (((1 << (log2 - 2)) & nsyms) !== 0) log2 += 3;
  else log2 += 2;
  const shift1 = is64 ? 6 : 5;   // log2(bits per bloom word)
  if (is64 && log2 === 5) log2 = 6;
  return { words: 1 << (log2 - shift1), shift: log2 };
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

function checkName(what: string, name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new Error(`vdso elf: ${what} must be a non-empty string`);
  if (name.includes('\0')) throw new Error(`vdso elf: ${what} "${name.replace(/\0/g, '\\0')}" contains a NUL byte`);
}

/** Computes the layout of a vDSO image from names alone; see the file comment. */
export function layoutVdso(spec: VdsoLayoutSpec): VdsoLayout {
  return planVdso(spec).layout;
}

/** @internal Layout plus the bytes of every table that does not depend on the code. */
export function planVdso(spec: VdsoLayoutSpec): VdsoPlan {
  if (spec.elfClass !== 64 && spec.elfClass !== 32) throw new Error(`vdso elf: elfClass must be 64 or 32, not ${String(spec.elfClass)}`);
  const is64 = spec.elfClass === 64;
  const wordSize = is64 ? 8 : 4;
  const textAlign = spec.textAlign ?? 16;
  if (!isPowerOfTwo(textAlign) || textAlign > 4096) throw new Error(`vdso elf: textAlign ${textAlign} is not a power of two <= 4096`);
  checkName('soname', spec.soname);
  const versionSymbols = spec.versionSymbols ?? true;

  // --- the dynamic symbols, in "natural" order (spec order) ------------------------------
  const natural: Omit<DynsymPlan, 'nameOffset'>[] = [];
  const versionNames = new Set<string>();
  spec.versions.forEach((v, vi) => {
    checkName('version name', v.name);
    if (versionNames.has(v.name) || v.name === spec.soname) throw new Error(`vdso elf: version name "${v.name}" is used twice`);
    versionNames.add(v.name);
    const versym = VER_NDX_GLOBAL + 1 + vi;
    v.symbols.forEach((s, si) => {
      checkName('symbol name', s.name);
      natural.push({ name: s.name, kind: 'func', versym, versionIndex: vi, symbolIndex: si });
      if (v.weakAliases) {
        if (!s.name.startsWith(VDSO_PREFIX) || s.name.length === VDSO_PREFIX.length) {
          throw new Error(`vdso elf: weakAliases needs "${VDSO_PREFIX}name" symbols, got "${s.name}" in ${v.name}`);
        }
        natural.push({ name: s.name.slice(VDSO_PREFIX.length), kind: 'alias', versym, versionIndex: vi, symbolIndex: si });
      }
    });
    if (versionSymbols) natural.push({ name: v.name, kind: 'version', versym, versionIndex: vi, symbolIndex: -1 });
  });
  const seen = new Set<string>();
  for (const e of natural) {
    if (seen.has(e.name)) throw new Error(`vdso elf: symbol "${e.name}" is defined twice`);
    seen.add(e.name);
  }

  // --- GNU hash order: every exported symbol is hashed (symoffset 1, after the null
  // symbol), and the hashed symbols must be sorted by bucket. A stable sort keeps spec
  // order inside a bucket, so the result is deterministic.
  const nsyms = natural.length;
  const gnuBuckets = ldBucketCount(nsyms, true);
  const hashes = new Map<string, number>();
  for (const e of natural) hashes.set(e.name, gnuHash(e.name));
  const sorted = natural
    .map((e, i) => ({ e, i, b: hashes.get(e.name)! % gnuBuckets }))
    .sort((x, y) => x.b - y.b || x.i - y.i)
    .map((x) => x.e);

  // --- .dynstr (tail-merged like ld: "clock_gettime" lives inside "__vdso_clock_gettime")
  const strtab = buildStringTable([spec.soname, ...spec.versions.map((v) => v.name), ...sorted.map((e) => e.name)]);
  const dynsym: DynsymPlan[] = [
    { name: '', nameOffset: 0, kind: 'null', versym: 0, versionIndex: -1, symbolIndex: -1 },
    ...sorted.map((e) => ({ ...e, nameOffset: strtab.offset(e.name) })),
  ];
  const nDynsym = dynsym.length;
  const symentsize = is64 ? 24 : 16;

  // --- SysV .hash: nbucket, nchain, bucket[], chain[]; chains end at index 0 ---------
  const nbucket = ldBucketCount(nsyms, false);
  const hash = new Uint8Array((2 + nbucket + nDynsym) * 4);
  {
    const dv = new DataView(hash.buffer);
    const bucket = new Uint32Array(nbucket);
    const chain = new Uint32Array(nDynsym);
    for (let i = 1; i < nDynsym; i++) {
      const b = elfHash(dynsym[i]!.name) % nbucket;
      chain[i] = bucket[b]!;
      bucket[b] = i;
    }
    dv.setUint32(0, nbucket, true);
    dv.setUint32(4, nDynsym, true);
    bucket.forEach((v, i) => dv.setUint32(8 + 4 * i, v, true));
    chain.forEach((v, i) => dv.setUint32(8 + 4 * (nbucket + i), v, true));
  }

  // --- .gnu.hash: header, bloom[], buckets[], chain[] ----------------------------------
  const symoffset = 1;
  const bloom = ldBloomSizing(nsyms, is64);
  const bloomBits = wordSize * 8;
  const gnuHashBytes = new Uint8Array(16 + bloom.words * wordSize + gnuBuckets * 4 + nsyms * 4);
  {
    const dv = new DataView(gnuHashBytes.buffer);
    dv.setUint32(0, gnuBuckets, true);
    dv.setUint32(4, symoffset, true);
    dv.setUint32(8, bloom.words, true);
    dv.setUint32(12, bloom.shift, true);
    // Bloom words as 32-bit halves (64-bit words are little-endian: low half first).
    const halves = new Uint32Array((bloom.words * wordSize) / 4);
    const setBit = (word: number, bit: number): void => {
      const idx = word * (wordSize / 4) + (bit >>> 5);
      halves[idx] = (halves[idx]! | (1 << (bit & 31))) >>> 0;
    };
    const bucketsOff = 16 + bloom.words * wordSize;
    const chainOff = bucketsOff + gnuBuckets * 4;
    for (let i = symoffset; i < nDynsym; i++) {
      const h = hashes.get(dynsym[i]!.name)!;
      // The probe glibc makes (dl-lookup.c): word (h / bits) & (words - 1), bits
      // h % bits and (h >> shift) % bits.
      const word = Math.floor(h / bloomBits) & (bloom.words - 1);
      setBit(word, h % bloomBits);
      setBit(word, (h >>> bloom.shift) % bloomBits);
      const b = h % gnuBuckets;
      if (dv.getUint32(bucketsOff + 4 * b, true) === 0) dv.setUint32(bucketsOff + 4 * b, i, true);
      const next = dynsym[i + 1];
      const last = next === undefined || hashes.get(next.name)! % gnuBuckets !== b;
      // Chain entries hold the hash with bit 0 replaced by "last in this bucket".
      dv.setUint32(chainOff + 4 * (i - symoffset), ((h & ~1) | (last ? 1 : 0)) >>> 0, true);
    }
    halves.forEach((v, i) => dv.setUint32(16 + 4 * i, v, true));
  }

  // --- .gnu.version: one u16 per dynsym; 0 (local) for the null symbol -------------------
  const versym = new Uint8Array(nDynsym * 2);
  {
    const dv = new DataView(versym.buffer);
    dynsym.forEach((s, i) => dv.setUint16(2 * i, s.versym, true));
  }

  // --- .gnu.version_d: BASE (the soname, index 1), then one record per version ---------
  const verdefCount = 1 + spec.versions.length;
  const verdef = new Uint8Array(verdefCount * (VERDEF_SIZE + VERDAUX_SIZE));
  {
    const dv = new DataView(verdef.buffer);
    const names = [spec.soname, ...spec.versions.map((v) => v.name)];
    names.forEach((name, i) => {
      const o = i * (VERDEF_SIZE + VERDAUX_SIZE);
      const isLast = i === names.length - 1;
      dv.setUint16(o + 0, VER_DEF_CURRENT, true);                // vd_version
      dv.setUint16(o + 2, i === 0 ? VER_FLG_BASE : 0, true);     // vd_flags
      dv.setUint16(o + 4, VER_NDX_GLOBAL + i, true);             // vd_ndx
      dv.setUint16(o + 6, 1, true);                              // vd_cnt: one Verdaux (no parents)
      dv.setUint32(o + 8, elfHash(name), true);                  // vd_hash
      dv.setUint32(o + 12, VERDEF_SIZE, true);                   // vd_aux: Verdaux follows
      dv.setUint32(o + 16, isLast ? 0 : VERDEF_SIZE + VERDAUX_SIZE, true); // vd_next
      dv.setUint32(o + 20, strtab.offset(name), true);           // vda_name
      dv.setUint32(o + 24, 0, true);                             // vda_next
    });
  }

  // --- offsets of the tables in front of .text -------------------------------------------
  const ehdrSize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const phnum = 3; // PT_LOAD, PT_DYNAMIC, PT_NOTE
  const dynTagCount = 14;
  const dynamicSize = dynTagCount * 2 * wordSize;
  let off = ehdrSize + phnum * phentsize;
  const place = (align: number, size: number): number => {
    off = alignUp(off, align);
    const at = off;
    off += size;
    return at;
  };
  const offsets = {
    hash: place(wordSize, hash.length),
    gnuHash: place(wordSize, gnuHashBytes.length),
    dynsym: place(wordSize, nDynsym * symentsize),
    dynstr: place(1, strtab.bytes.length),
    versym: place(2, versym.length),
    verdef: place(wordSize, verdef.length),
    dynamic: place(wordSize, dynamicSize),
    note: place(4, LINUX_NOTE_SIZE),
    text: 0,
  };
  offsets.text = alignUp(off, textAlign);

  // --- .dynamic, in the order ld writes it for the kernel's vDSO (LINUX-ABI.md §1.2).
  // DT_SYMBOLIC and DF_SYMBOLIC come from -Bsymbolic, DF_BIND_NOW/DF_1_NOW from -z now
  // as observed; there is nothing to bind, so they only describe the truth.
  const tags: Array<[number, number]> = [
    [DT_SONAME, strtab.offset(spec.soname)],
    [DT_SYMBOLIC, 0],
    [DT_HASH, offsets.hash],
    [DT_GNU_HASH, offsets.gnuHash],
    [DT_STRTAB, offsets.dynstr],
    [DT_SYMTAB, offsets.dynsym],
    [DT_STRSZ, strtab.bytes.length],
    [DT_SYMENT, symentsize],
    [DT_VERDEF, offsets.verdef],
    [DT_VERDEFNUM, verdefCount],
    [DT_FLAGS, DF_SYMBOLIC | DF_BIND_NOW],
    [DT_FLAGS_1, DF_1_NOW],
    [DT_VERSYM, offsets.versym],
    [DT_NULL, 0],
  ];
  if (tags.length !== dynTagCount) throw new Error('vdso elf: internal error: dynamic tag count');
  const dynamic = new Uint8Array(dynamicSize);
  {
    const dv = new DataView(dynamic.buffer);
    tags.forEach(([tag, val], i) => {
      // All tags and values here are < 2^32; the high halves of Elf64_Dyn stay 0.
      dv.setUint32(i * 2 * wordSize, tag, true);
      dv.setUint32(i * 2 * wordSize + wordSize, val, true);
    });
  }

  const sections: VdsoSectionLayout[] = [
    { name: '.hash', offset: offsets.hash, size: hash.length },
    { name: '.gnu.hash', offset: offsets.gnuHash, size: gnuHashBytes.length },
    { name: '.dynsym', offset: offsets.dynsym, size: nDynsym * symentsize },
    { name: '.dynstr', offset: offsets.dynstr, size: strtab.bytes.length },
    { name: '.gnu.version', offset: offsets.versym, size: versym.length },
    { name: '.gnu.version_d', offset: offsets.verdef, size: verdef.length },
    { name: '.dynamic', offset: offsets.dynamic, size: dynamicSize },
    { name: '.note', offset: offsets.note, size: LINUX_NOTE_SIZE },
  ];

  return {
    layout: {
      elfClass: spec.elfClass,
      textOffset: offsets.text,
      textAlign,
      sections,
      dynsymCount: nDynsym,
      hashBuckets: nbucket,
      gnuHash: { nbuckets: gnuBuckets, symoffset, bloomWords: bloom.words, bloomShift: bloom.shift },
    },
    is64,
    wordSize,
    ehdrSize,
    phentsize,
    phnum,
    shentsize: is64 ? 64 : 40,
    symentsize,
    dynsym,
    dynstr: strtab.bytes,
    hash,
    gnuHash: gnuHashBytes,
    versym,
    verdef,
    verdefCount,
    dynamic,
    offsets,
  };
}
