/**
 * Finds the vDSO's symbols the way its real consumers do (LINUX-ABI.md §4), with a small
 * parser that shares no code with the writer: glibc (`setup_vdso` + `_dl_setup_hash` +
 * `do_lookup_x`, GNU hash with the bloom check, version check as the dynamic loader does
 * it), musl (`__vdsosym`: DT_HASH's nchain, linear scan, verdef name match) and Go
 * (`vdsoInitFromSysinfoEhdr` + `vdsoFindVersion` + `vdsoParseSymbols`, GNU hash or old
 * DT_HASH, verdef hash match, hash constants taken from Go's source rather than computed).
 *
 * The image is "loaded" into a larger memory at a nonzero base surrounded by garbage, and
 * every pointer is computed the way each consumer computes it.
 */
import { describe, expect, it } from 'vitest';
import { buildVdsoImage, type VdsoImage, type VdsoImageSpec } from '../../../src/vdso/elf/index.js';
import { standard32Spec, standard64Spec } from './fixtures.js';

// --- a minimal ELF reader over "memory" -------------------------------------------------

const PT_LOAD = 1, PT_DYNAMIC = 2;
const DT_NULL = 0, DT_HASH = 4, DT_STRTAB = 5, DT_SYMTAB = 6, DT_GNU_HASH = 0x6ffffef5;
const DT_VERSYM = 0x6ffffff0, DT_VERDEF = 0x6ffffffc;
const STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_COMMON = 5, STT_TLS = 6, STT_GNU_IFUNC = 10;
const STB_GLOBAL = 1, STB_WEAK = 2, STB_GNU_UNIQUE = 10;
const VER_FLG_BASE = 1;

class Memory {
  readonly dv: DataView;
  readonly is64: boolean;
  constructor(readonly bytes: Uint8Array, ehdr: number) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.is64 = bytes[ehdr + 4] === 2; // EI_CLASS
  }
  get W(): number { return this.is64 ? 8 : 4; }
  u8(a: number): number { return this.dv.getUint8(a); }
  u16(a: number): number { return this.dv.getUint16(a, true); }
  u32(a: number): number { return this.dv.getUint32(a, true); }
  /** An Elf_Addr/Off/Xword: 64-bit fields must fit in a JS number here. */
  word(a: number): number {
    if (!this.is64) return this.u32(a);
    const hi = this.u32(a + 4);
    if (hi !== 0) throw new Error(`64-bit field at ${a.toString(16)} has a nonzero high half`);
    return this.u32(a);
  }
  bigWord(a: number): bigint { return this.is64 ? this.dv.getBigUint64(a, true) : BigInt(this.u32(a)); }
  str(a: number): string {
    let s = '';
    for (let c = this.u8(a); c !== 0; c = this.u8(++a)) s += String.fromCharCode(c);
    return s;
  }
}

interface Phdr { type: number; offset: number; vaddr: number }
function phdrs(m: Memory, ehdr: number): Phdr[] {
  const phoff = m.word(ehdr + (m.is64 ? 32 : 28));
  const phentsize = m.u16(ehdr + (m.is64 ? 54 : 42));
  const phnum = m.u16(ehdr + (m.is64 ? 56 : 44));
  const out: Phdr[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = ehdr + phoff + i * phentsize;
    out.push({ type: m.u32(p), offset: m.word(p + (m.is64 ? 8 : 4)), vaddr: m.word(p + (m.is64 ? 16 : 8)) });
  }
  return out;
}

/** Dynamic entries at `dyn` up to DT_NULL, unrelocated (callers add their own bias). */
function dynamicTable(m: Memory, dyn: number): Map<number, number> {
  const out = new Map<number, number>();
  for (let d = dyn; ; d += 2 * m.W) {
    const tag = m.word(d);
    if (tag === DT_NULL) return out;
    out.set(tag, m.word(d + m.W));
  }
}

interface Sym { name: number; info: number; shndx: number; value: number }
function sym(m: Memory, symtab: number, i: number): Sym {
  const s = symtab + i * (m.is64 ? 24 : 16);
  return m.is64
    ? { name: m.u32(s), info: m.u8(s + 4), shndx: m.u16(s + 6), value: m.word(s + 8) }
    : { name: m.u32(s), value: m.u32(s + 4), info: m.u8(s + 12), shndx: m.u16(s + 14) };
}

/** Verdef walk: [flags, ndx, hash, name] per record. */
function verdefs(m: Memory, verdef: number, strtab: number): Array<{ flags: number; ndx: number; hash: number; name: string }> {
  const out = [];
  for (let d = verdef; ; ) {
    const aux = d + m.u32(d + 12);
    out.push({ flags: m.u16(d + 2), ndx: m.u16(d + 4), hash: m.u32(d + 8), name: m.str(strtab + m.u32(aux)) });
    const next = m.u32(d + 16);
    if (next === 0) return out;
    d += next;
  }
}

// Independent hash implementations (two lines each), checked against the ABI table below.
function sysvHash(s: string): number {
  let h = 0;
  for (const c of Buffer.from(s)) { h = (h << 4) + c; const g = h & 0xf0000000; if (g) h ^= g >>> 24; h &= ~g; }
  return h >>> 0;
}
function dlNewHash(s: string): number {
  let h = 5381;
  for (const c of Buffer.from(s)) h = (h * 33 + c) >>> 0;
  return h;
}

// --- glibc ---------------------------------------------------------------------------------

/**
 * glibc: setup_vdso (l_addr = ehdr - first PT_LOAD p_vaddr, l_ld = l_addr + PT_DYNAMIC
 * p_vaddr, pointer tags += l_addr), _dl_setup_hash (DT_GNU_HASH preferred, bloom size
 * must be a power of two), then do_lookup_x with the bloom filter and check_match.
 * `checkVersion` models the dynamic loader (static binaries have l_versyms == NULL).
 */
function glibcLookup(m: Memory, ehdr: number, name: string, version: string, checkVersion: boolean): number | null {
  const ph = phdrs(m, ehdr);
  const load = ph.find((p) => p.type === PT_LOAD)!;
  const dynPh = ph.find((p) => p.type === PT_DYNAMIC)!;
  const lAddr = ehdr - load.vaddr;
  const dyn = dynamicTable(m, lAddr + dynPh.vaddr);
  const at = (tag: number): number | undefined => (dyn.has(tag) ? lAddr + dyn.get(tag)! : undefined);
  const strtab = at(DT_STRTAB)!, symtab = at(DT_SYMTAB)!, gnu = at(DT_GNU_HASH);
  const versym = at(DT_VERSYM), verdef = at(DT_VERDEF);
  if (gnu === undefined) throw new Error('test models the GNU-hash path only');

  const nbuckets = m.u32(gnu), symbias = m.u32(gnu + 4), nwords = m.u32(gnu + 8), shift = m.u32(gnu + 12);
  if (nwords === 0 || (nwords & (nwords - 1)) !== 0) throw new Error('glibc asserts: bloom size not a power of 2');
  const bitmask = gnu + 16, buckets = bitmask + nwords * m.W, chainZero = buckets + 4 * nbuckets - 4 * symbias;
  const classBits = m.W * 8;

  // l_versions[ndx] from the verdefs (only when versions are checked).
  const versions = new Map<number, { name: string; hash: number }>();
  if (checkVersion && verdef !== undefined) for (const v of verdefs(m, verdef, strtab)) versions.set(v.ndx & 0x7fff, v);

  const h = dlNewHash(name);
  const word = m.bigWord(bitmask + m.W * (Math.floor(h / classBits) & (nwords - 1)));
  const bit1 = BigInt(h % classBits), bit2 = BigInt((h >>> shift) % classBits);
  if (((word >> bit1) & (word >> bit2) & 1n) === 0n) return null; // bloom says "not here"
  let symidx = m.u32(buckets + 4 * (h % nbuckets));
  if (symidx === 0) return null;
  for (;; symidx++) {
    const hv = m.u32(chainZero + 4 * symidx);
    if (((hv ^ h) >>> 1) === 0) {
      const s = sym(m, symtab, symidx);
      const stt = s.info & 0xf;
      const okType = [STT_NOTYPE, STT_OBJECT, STT_FUNC, STT_COMMON, STT_TLS, STT_GNU_IFUNC].includes(stt);
      const matches = (s.value !== 0 || stt === STT_TLS) && s.shndx !== 0 && okType && m.str(strtab + s.name) === name;
      let versionOk = true;
      if (matches && checkVersion && versym !== undefined) {
        const v = versions.get(m.u16(versym + 2 * symidx) & 0x7fff);
        versionOk = v !== undefined && v.hash === sysvHash(version) && v.name === version;
      }
      if (matches && versionOk) return lAddr + s.value;
    }
    if (hv & 1) return null; // end of chain
  }
}

// --- musl ------------------------------------------------------------------------------------

/** musl `__vdsosym(vername, name)`, src/internal/vdso.c. */
function muslVdsosym(m: Memory, ehdr: number, vername: string, name: string): number | null {
  let base = -1, dynv = -1;
  for (const p of phdrs(m, ehdr)) {
    if (p.type === PT_LOAD) base = ehdr + p.offset - p.vaddr; // the last PT_LOAD wins
    else if (p.type === PT_DYNAMIC) dynv = ehdr + p.offset;
  }
  if (dynv < 0 || base < 0) return null;
  const dyn = dynamicTable(m, dynv);
  const at = (tag: number): number | undefined => (dyn.has(tag) ? base + dyn.get(tag)! : undefined);
  const strings = at(DT_STRTAB), syms = at(DT_SYMTAB), hashtab = at(DT_HASH), verdef = at(DT_VERDEF);
  let versym = at(DT_VERSYM);
  if (strings === undefined || syms === undefined || hashtab === undefined) return null;
  if (verdef === undefined) versym = undefined;
  const OK_TYPES = (1 << STT_NOTYPE) | (1 << STT_OBJECT) | (1 << STT_FUNC) | (1 << STT_COMMON);
  const OK_BINDS = (1 << STB_GLOBAL) | (1 << STB_WEAK) | (1 << STB_GNU_UNIQUE);
  const nchain = m.u32(hashtab + 4);
  for (let i = 0; i < nchain; i++) {
    const s = sym(m, syms, i);
    if (!((1 << (s.info & 0xf)) & OK_TYPES)) continue;
    if (!((1 << (s.info >> 4)) & OK_BINDS)) continue;
    if (!s.shndx) continue;
    if (m.str(strings + s.name) !== name) continue;
    if (versym !== undefined && !muslCheckver(m, verdef!, m.u16(versym + 2 * i), vername, strings)) continue;
    return base + s.value;
  }
  return null;
}

function muslCheckver(m: Memory, def: number, vsym: number, vername: string, strings: number): boolean {
  vsym &= 0x7fff;
  for (;;) {
    if (!(m.u16(def + 2) & VER_FLG_BASE) && (m.u16(def + 4) & 0x7fff) === vsym) break;
    if (m.u32(def + 16) === 0) return false;
    def += m.u32(def + 16);
  }
  const aux = def + m.u32(def + 12);
  return m.str(strings + m.u32(aux)) === vername;
}

// --- Go ----------------------------------------------------------------------------------------

/** Go runtime/vdso_linux.go. `hashStyle: 'sysv'` models old releases that parsed only DT_HASH. */
function goLookup(
  m: Memory, ehdr: number, keys: Array<{ name: string; symHash: number; gnuHash: number }>,
  ver: { version: string; verHash: number }, hashStyle: 'gnu' | 'sysv',
): Map<string, number> {
  let loadOffset = 0, found = false, dyn = -1;
  for (const p of phdrs(m, ehdr)) {
    if (p.type === PT_LOAD && !found) { found = true; loadOffset = ehdr + p.offset - p.vaddr; }
    else if (p.type === PT_DYNAMIC) dyn = ehdr + p.offset;
  }
  const d = dynamicTable(m, dyn);
  const at = (tag: number): number | undefined => (d.has(tag) ? loadOffset + d.get(tag)! : undefined);
  const symstrings = at(DT_STRTAB)!, symtab = at(DT_SYMTAB)!;
  const hash = at(DT_HASH), gnuhash = hashStyle === 'gnu' ? at(DT_GNU_HASH) : undefined;
  let versym = at(DT_VERSYM);
  const verdef = at(DT_VERDEF);
  if (verdef === undefined) versym = undefined;
  let bucket: number[], chain: (i: number) => number, symOff = 0;
  const isGNU = gnuhash !== undefined;
  if (gnuhash !== undefined) {
    const nbucket = m.u32(gnuhash), bloomSize = m.u32(gnuhash + 8);
    symOff = m.u32(gnuhash + 4);
    const b = gnuhash + 16 + bloomSize * m.W;
    bucket = Array.from({ length: nbucket }, (_, i) => m.u32(b + 4 * i));
    chain = (i) => m.u32(b + 4 * nbucket + 4 * i); // Go's chain is indexed by symIndex - symOff
  } else {
    const nbucket = m.u32(hash!);
    bucket = Array.from({ length: nbucket }, (_, i) => m.u32(hash! + 8 + 4 * i));
    chain = (i) => m.u32(hash! + 8 + 4 * nbucket + 4 * i);
  }

  // vdsoFindVersion: no null check on verdef (a missing DT_VERDEF would crash here).
  let version = -1;
  for (let def = verdef!; ; def += m.u32(def + 16)) {
    if (!(m.u16(def + 2) & VER_FLG_BASE)) {
      const aux = def + m.u32(def + 12);
      if (m.u32(def + 8) === ver.verHash && m.str(symstrings + m.u32(aux)) === ver.version) {
        version = m.u16(def + 4) & 0x7fff;
        break;
      }
    }
    if (m.u32(def + 16) === 0) break;
  }

  const out = new Map<string, number>();
  const apply = (symIndex: number, k: { name: string }): boolean => {
    const s = sym(m, symtab, symIndex);
    const typ = s.info & 0xf, bind = s.info >> 4;
    if ((typ !== STT_FUNC && typ !== STT_NOTYPE) || (bind !== STB_GLOBAL && bind !== STB_WEAK) || s.shndx === 0) return false;
    if (k.name !== m.str(symstrings + s.name)) return false;
    if (versym !== undefined && version !== 0 && (m.u16(versym + 2 * symIndex) & 0x7fff) !== version) return false;
    out.set(k.name, loadOffset + s.value);
    return true;
  };
  for (const k of keys) {
    if (!isGNU) {
      for (let c = bucket[k.symHash % bucket.length]!; c !== 0; c = chain(c)) if (apply(c, k)) break;
      continue;
    }
    let symIndex = bucket[k.gnuHash % bucket.length]!;
    if (symIndex < symOff) continue;
    for (; ; symIndex++) {
      const h = chain(symIndex - symOff);
      if (((h | 1) >>> 0) === ((k.gnuHash | 1) >>> 0) && apply(symIndex, k)) break;
      if (h & 1) break;
    }
  }
  return out;
}

// Go's amd64 keys, constants as in runtime/vdso_linux_amd64.go (LINUX-ABI.md §1.2 table).
const GO_KEYS = [
  { name: '__vdso_gettimeofday', symHash: 0x315ca59, gnuHash: 0xb01bca00 },
  { name: '__vdso_clock_gettime', symHash: 0xd35ec75, gnuHash: 0x6e43a318 },
  { name: '__vdso_time', symHash: 0xa33c485, gnuHash: 0x821e8e0d },          // old releases
  { name: '__vdso_getrandom', symHash: 0x25425d, gnuHash: 0x84a559bf },      // absent here
];
const GO_LINUX_2_6 = { version: 'LINUX_2.6', verHash: 0x3ae75f6 };

// --- the tests ---------------------------------------------------------------------------------

/** Places the image at `base` in a memory full of garbage, as a mapping would. */
function load(image: VdsoImage, base: number): Memory {
  const mem = new Uint8Array(base + image.size + 0x3000).fill(0xa5);
  mem.set(image.bytes, base);
  return new Memory(mem, base);
}

/** Every exported name with its expected image offset, computed from the spec (not the writer's map). */
function expectedSymbols(spec: VdsoImageSpec, textOffset: number): Array<[string, number, string]> {
  const out: Array<[string, number, string]> = [];
  for (const v of spec.versions) {
    for (const s of v.symbols) {
      out.push([s.name, textOffset + s.offset, v.name]);
      if (v.weakAliases) out.push([s.name.replace(/^__vdso_/, ''), textOffset + s.offset, v.name]);
    }
  }
  return out;
}

describe('independent hash helpers', () => {
  it('agree with the ABI table', () => {
    for (const k of GO_KEYS) {
      expect(sysvHash(k.name)).toBe(k.symHash);
      expect(dlNewHash(k.name)).toBe(k.gnuHash);
    }
    expect(sysvHash('LINUX_2.6')).toBe(GO_LINUX_2_6.verHash);
  });
});

/** 120 functions in two versions, with aliases: many buckets, a multi-word bloom filter. */
function manySpec(): VdsoImageSpec {
  const fn = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ name: `__vdso_${prefix}${i}`, offset: 4 * i, size: 4 }));
  return standard64Spec({
    text: new Uint8Array(4 * 80).fill(0xc3),
    versions: [
      { name: 'LINUX_2.6', symbols: [...fn('clock_gettime', 1), ...fn('f', 59)], weakAliases: true },
      { name: 'LINUX_2.7', symbols: fn('g', 60) },
    ],
  });
}

describe.each([
  ['x86-64', standard64Spec()],
  ['i386', standard32Spec()],
  ['many-symbol', manySpec()],
])('consumers find every symbol of the %s image', (label, spec) => {
  const image = buildVdsoImage(spec);
  const expected = expectedSymbols(spec, image.textOffset);

  it('the writer reports the same offsets', () => {
    expect(new Map(expected.map(([n, o]) => [n, o]))).toEqual(image.symbols);
  });

  for (const base of [0x0, 0x7000, 0x23000]) {
    describe(`loaded at 0x${base.toString(16)}`, () => {
      const m = load(image, base);

      it('glibc (static: GNU hash + bloom, no version check)', () => {
        for (const [name, off] of expected) expect(glibcLookup(m, base, name, 'LINUX_2.6', false)).toBe(base + off);
        expect(glibcLookup(m, base, '__vdso_nonexistent', 'LINUX_2.6', false)).toBeNull();
        expect(glibcLookup(m, base, 'LINUX_2.6', 'LINUX_2.6', false)).toBeNull(); // ABS, value 0
      });

      it('glibc (dynamic loader: versions checked)', () => {
        for (const [name, off, ver] of expected) {
          expect(glibcLookup(m, base, name, ver, true)).toBe(base + off);
          expect(glibcLookup(m, base, name, 'LINUX_9.9', true)).toBeNull();
        }
      });

      it('musl (DT_HASH nchain, linear scan, verdef name)', () => {
        for (const [name, off, ver] of expected) {
          expect(muslVdsosym(m, base, ver, name)).toBe(base + off);
          expect(muslVdsosym(m, base, ver === 'LINUX_2.6' ? 'LINUX_2.5' : 'LINUX_2.6', name)).toBeNull();
        }
        expect(muslVdsosym(m, base, 'LINUX_2.6', 'nonexistent')).toBeNull();
      });

      it.each(['gnu', 'sysv'] as const)('Go (%s hash table, verdef hash match)', (style) => {
        const found = goLookup(m, base, GO_KEYS, GO_LINUX_2_6, style);
        const want = new Map(expected.filter(([n]) => GO_KEYS.some((k) => k.name === n)).map(([n, o]) => [n, base + o]));
        expect(found).toEqual(want);
        if (label === 'x86-64') expect(found.size).toBe(3);
      });

      it('the SysV and GNU tables each reach every symbol by its own hash', () => {
        // Generic walk of both tables for all names (also the i386 LINUX_2.5 ones).
        const keys = expected.map(([name]) => ({ name, symHash: sysvHash(name), gnuHash: dlNewHash(name) }));
        for (const style of ['gnu', 'sysv'] as const) {
          for (const ver of new Set(expected.map(([, , v]) => v))) {
            const found = goLookup(m, base, keys, { version: ver, verHash: sysvHash(ver) }, style);
            const want = new Map(expected.filter(([, , v]) => v === ver).map(([n, o]) => [n, base + o]));
            expect(found).toEqual(want);
          }
        }
      });
    });
  }
});
