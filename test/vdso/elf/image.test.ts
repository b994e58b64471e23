/**
 * Structure of the written image, read back with DataView (no shared code with the
 * writer), the layout contract (text offset known before the code), the choices copied
 * from GNU ld, and input validation.
 */
import { describe, expect, it } from 'vitest';
import {
  buildVdsoImage, gnuHash, layoutVdso, type VdsoImage, type VdsoImageSpec,
} from '../../../src/vdso/elf/index.js';
import { STANDARD_64_SYMBOLS, TEXT_64, standard32Spec, standard64Spec } from './fixtures.js';

interface Shdr { name: string; type: number; flags: number; addr: number; offset: number; size: number; link: number; info: number; align: number; entsize: number }
interface Phdr { type: number; flags: number; offset: number; vaddr: number; paddr: number; filesz: number; memsz: number; align: number }

/** Reads headers of a little-endian ELF of either class; 64-bit fields must fit in 32 bits. */
function readHeaders(bytes: Uint8Array) {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const is64 = bytes[4] === 2;
  const u16 = (o: number) => dv.getUint16(o, true);
  const u32 = (o: number) => dv.getUint32(o, true);
  const w = (o: number) => {
    if (is64 && u32(o + 4) !== 0) throw new Error('high half set');
    return u32(o);
  };
  const e = is64
    ? { type: u16(16), machine: u16(18), version: u32(20), entry: w(24), phoff: w(32), shoff: w(40), flags: u32(48), ehsize: u16(52), phentsize: u16(54), phnum: u16(56), shentsize: u16(58), shnum: u16(60), shstrndx: u16(62) }
    : { type: u16(16), machine: u16(18), version: u32(20), entry: u32(24), phoff: u32(28), shoff: u32(32), flags: u32(36), ehsize: u16(40), phentsize: u16(42), phnum: u16(44), shentsize: u16(46), shnum: u16(48), shstrndx: u16(50) };
  const ph: Phdr[] = [];
  for (let i = 0; i < e.phnum; i++) {
    const p = e.phoff + i * e.phentsize;
    ph.push(is64
      ? { type: u32(p), flags: u32(p + 4), offset: w(p + 8), vaddr: w(p + 16), paddr: w(p + 24), filesz: w(p + 32), memsz: w(p + 40), align: w(p + 48) }
      : { type: u32(p), offset: u32(p + 4), vaddr: u32(p + 8), paddr: u32(p + 12), filesz: u32(p + 16), memsz: u32(p + 20), flags: u32(p + 24), align: u32(p + 28) });
  }
  const raw = [];
  for (let i = 0; i < e.shnum; i++) {
    const s = e.shoff + i * e.shentsize;
    raw.push(is64
      ? { nameOff: u32(s), type: u32(s + 4), flags: w(s + 8), addr: w(s + 16), offset: w(s + 24), size: w(s + 32), link: u32(s + 40), info: u32(s + 44), align: w(s + 48), entsize: w(s + 56) }
      : { nameOff: u32(s), type: u32(s + 4), flags: u32(s + 8), addr: u32(s + 12), offset: u32(s + 16), size: u32(s + 20), link: u32(s + 24), info: u32(s + 28), align: u32(s + 32), entsize: u32(s + 36) });
  }
  const cstr = (o: number) => { let s = ''; while (bytes[o]) s += String.fromCharCode(bytes[o++]!); return s; };
  const shstr = raw[e.shstrndx]!.offset;
  const sh: Shdr[] = raw.map(({ nameOff, ...r }) => ({ name: cstr(shstr + nameOff), ...r }));
  return { is64, dv, u16, u32, w, e, ph, sh, cstr, ident: Array.from(bytes.subarray(0, 16)) };
}

function dynamicTags(image: VdsoImage): Array<[number, number]> {
  const h = readHeaders(image.bytes);
  const dyn = h.sh.find((s) => s.name === '.dynamic')!;
  const W = h.is64 ? 8 : 4;
  const out: Array<[number, number]> = [];
  for (let o = dyn.offset; o < dyn.offset + dyn.size; o += 2 * W) out.push([h.w(o), h.w(o + W)]);
  return out;
}

const SHT = { NULL: 0, PROGBITS: 1, STRTAB: 3, HASH: 5, DYNAMIC: 6, NOTE: 7, DYNSYM: 11, GNU_HASH: 0x6ffffff6, VERDEF: 0x6ffffffd, VERSYM: 0x6fffffff };

describe.each([
  ['x86-64', standard64Spec()],
  ['i386', standard32Spec()],
])('%s image structure', (_label, spec) => {
  const image = buildVdsoImage(spec);
  const h = readHeaders(image.bytes);
  const is64 = spec.elfClass === 64;
  const W = is64 ? 8 : 4;
  const sec = (name: string) => h.sh.find((s) => s.name === name)!;

  it('is page-padded and deterministic', () => {
    expect(image.size).toBe(image.bytes.length);
    expect(image.size % 4096).toBe(0);
    expect(buildVdsoImage(spec).bytes).toEqual(image.bytes);
  });

  it('has the ELF header of an ET_DYN for the right machine', () => {
    expect(h.ident).toEqual([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(h.e).toMatchObject({
      type: 3, machine: is64 ? 62 : 3, version: 1, flags: 0, phoff: is64 ? 64 : 52,
      ehsize: is64 ? 64 : 52, phentsize: is64 ? 56 : 32, phnum: 3, shentsize: is64 ? 64 : 40, shnum: 11, shstrndx: 10,
    });
    expect(h.e.entry).toBe(spec.entry === undefined ? 0 : image.symbols.get(spec.entry));
  });

  it('passes vdso2c\'s checks: one PT_LOAD at 0/0 with filesz == memsz, PT_DYNAMIC, no relocations', () => {
    const loads = h.ph.filter((p) => p.type === 1);
    expect(loads).toEqual([{ type: 1, flags: 5, offset: 0, vaddr: 0, paddr: 0, filesz: image.loadSize, memsz: image.loadSize, align: 4096 }]);
    const dyn = h.ph.find((p) => p.type === 2)!;
    const note = h.ph.find((p) => p.type === 4)!;
    expect(dyn).toMatchObject({ flags: 4, offset: sec('.dynamic').offset, vaddr: sec('.dynamic').offset, filesz: sec('.dynamic').size, align: W });
    expect(note).toMatchObject({ flags: 4, offset: sec('.note').offset, vaddr: sec('.note').offset, filesz: 24, align: 4 });
    const tags = dynamicTags(image).map(([t]) => t);
    for (const bad of [7, 8, 9, 17, 18, 19, 22, 0x6ffffff9, 0x6ffffffa]) expect(tags).not.toContain(bad); // RELA*, REL*, TEXTREL, *RELCOUNT
    expect(loads[0]!.filesz).toBe(sec('.text').offset + sec('.text').size);
  });

  it('places the sections in the linker script\'s order, offset == address, inside PT_LOAD', () => {
    expect(h.sh.map((s) => s.name)).toEqual(['', '.hash', '.gnu.hash', '.dynsym', '.dynstr', '.gnu.version',
      '.gnu.version_d', '.dynamic', '.note', '.text', '.shstrtab']);
    let end = h.e.phoff + h.e.phnum * h.e.phentsize;
    for (const s of h.sh.slice(1, 10)) {
      expect(s.addr, s.name).toBe(s.offset);
      expect(s.offset % s.align, s.name).toBe(0);
      expect(s.offset, s.name).toBeGreaterThanOrEqual(end);
      end = s.offset + s.size;
      expect(end).toBeLessThanOrEqual(image.loadSize);
    }
    expect(sec('.shstrtab')).toMatchObject({ addr: 0, flags: 0, offset: image.loadSize });
    expect(h.e.shoff).toBeGreaterThanOrEqual(sec('.shstrtab').offset + sec('.shstrtab').size);
    expect(h.e.shoff + h.e.shnum * h.e.shentsize).toBeLessThanOrEqual(image.size);
    expect(sec('.text').offset).toBe(image.textOffset);
    expect(image.bytes.subarray(image.textOffset, image.textOffset + spec.text.length)).toEqual(spec.text);
  });

  it('sets sh_type, sh_flags, sh_link, sh_info and sh_entsize as ld does', () => {
    const A = 2, WR = 1, X = 4;
    const nver = spec.versions.length + 1;
    expect(h.sh[0]).toEqual({ name: '', type: 0, flags: 0, addr: 0, offset: 0, size: 0, link: 0, info: 0, align: 0, entsize: 0 });
    const want: Record<string, Partial<Shdr>> = {
      '.hash': { type: SHT.HASH, flags: A, link: 3, info: 0, entsize: 4, align: W },
      '.gnu.hash': { type: SHT.GNU_HASH, flags: A, link: 3, info: 0, entsize: is64 ? 0 : 4, align: W },
      '.dynsym': { type: SHT.DYNSYM, flags: A, link: 4, info: 1, entsize: is64 ? 24 : 16, align: W },
      '.dynstr': { type: SHT.STRTAB, flags: A, link: 0, info: 0, entsize: 0, align: 1 },
      '.gnu.version': { type: SHT.VERSYM, flags: A, link: 3, info: 0, entsize: 2, align: 2 },
      '.gnu.version_d': { type: SHT.VERDEF, flags: A, link: 4, info: nver, entsize: 0, align: W, size: nver * 28 },
      '.dynamic': { type: SHT.DYNAMIC, flags: A | WR, link: 4, info: 0, entsize: 2 * W, align: W },
      '.note': { type: SHT.NOTE, flags: A, link: 0, info: 0, size: 24, align: 4 },
      '.text': { type: SHT.PROGBITS, flags: A | X, size: spec.text.length, align: 16 },
      '.shstrtab': { type: SHT.STRTAB, flags: 0, align: 1 },
    };
    for (const [name, fields] of Object.entries(want)) expect(sec(name), name).toMatchObject(fields);
    expect(sec('.dynsym').size / sec('.dynsym').entsize).toBe(sec('.gnu.version').size / 2);
  });

  it('has the dynamic tags, pointing at the sections', () => {
    const tags = new Map(dynamicTags(image));
    const dynstr = sec('.dynstr');
    expect(dynamicTags(image).map(([t]) => t)).toEqual([14, 16, 4, 0x6ffffef5, 5, 6, 10, 11, 0x6ffffffc, 0x6ffffffd, 30, 0x6ffffffb, 0x6ffffff0, 0]);
    expect(h.cstr(dynstr.offset + tags.get(14)!)).toBe(spec.soname);
    expect(tags.get(4)).toBe(sec('.hash').offset);
    expect(tags.get(0x6ffffef5)).toBe(sec('.gnu.hash').offset);
    expect(tags.get(5)).toBe(dynstr.offset);
    expect(tags.get(6)).toBe(sec('.dynsym').offset);
    expect(tags.get(10)).toBe(dynstr.size);
    expect(tags.get(11)).toBe(is64 ? 24 : 16);
    expect(tags.get(0x6ffffffc)).toBe(sec('.gnu.version_d').offset);
    expect(tags.get(0x6ffffffd)).toBe(spec.versions.length + 1);
    expect(tags.get(30)).toBe(0x2 | 0x8);          // DF_SYMBOLIC | DF_BIND_NOW
    expect(tags.get(0x6ffffffb)).toBe(0x1);        // DF_1_NOW
    expect(tags.get(0x6ffffff0)).toBe(sec('.gnu.version').offset);
  });

  it('writes the Linux version note', () => {
    const o = sec('.note').offset;
    expect([h.u32(o), h.u32(o + 4), h.u32(o + 8)]).toEqual([6, 4, 0]);
    expect(Array.from(image.bytes.subarray(o + 12, o + 20))).toEqual([0x4c, 0x69, 0x6e, 0x75, 0x78, 0, 0, 0]);
    expect(h.u32(o + 20)).toBe(spec.linuxVersionCode);
  });

  it('writes the verdefs: BASE for the soname, then one per version with its elf_hash', () => {
    const vd = sec('.gnu.version_d').offset, str = sec('.dynstr').offset;
    const names = [spec.soname, ...spec.versions.map((v) => v.name)];
    names.forEach((name, i) => {
      const o = vd + 28 * i;
      expect([h.u16(o), h.u16(o + 2), h.u16(o + 4), h.u16(o + 6), h.u32(o + 12), h.u32(o + 16)])
        .toEqual([1, i === 0 ? 1 : 0, i + 1, 1, 20, i === names.length - 1 ? 0 : 28]);
      expect(h.cstr(str + h.u32(o + 20))).toBe(name);
      expect(h.u32(o + 24)).toBe(0);
    });
    if (is64) {
      expect(h.u32(vd + 8)).toBe(0x0deebfa1);      // elf_hash("linux-vdso.so.1"), as observed
      expect(h.u32(vd + 28 + 8)).toBe(0x03ae75f6); // elf_hash("LINUX_2.6")
    }
  });

  it('writes the symbols: null, GLOBAL FUNCs, WEAK aliases, ABS version symbols; versym = version index', () => {
    const ds = sec('.dynsym'), str = sec('.dynstr'), vs = sec('.gnu.version');
    const n = ds.size / ds.entsize;
    const syms = Array.from({ length: n }, (_, i) => {
      const o = ds.offset + i * ds.entsize;
      return is64
        ? { name: h.cstr(str.offset + h.u32(o)), info: image.bytes[o + 4]!, other: image.bytes[o + 5]!, shndx: h.u16(o + 6), value: h.w(o + 8), size: h.w(o + 16), versym: h.u16(vs.offset + 2 * i) }
        : { name: h.cstr(str.offset + h.u32(o)), value: h.u32(o + 4), size: h.u32(o + 8), info: image.bytes[o + 12]!, other: image.bytes[o + 13]!, shndx: h.u16(o + 14), versym: h.u16(vs.offset + 2 * i) };
    });
    expect(syms[0]).toEqual({ name: '', info: 0, other: 0, shndx: 0, value: 0, size: 0, versym: 0 });
    const byName = new Map(syms.map((s) => [s.name, s]));
    let count = 1;
    spec.versions.forEach((v, vi) => {
      for (const s of v.symbols) {
        const want = { info: 0x12, other: 0, shndx: 9, value: image.textOffset + s.offset, size: s.size, versym: vi + 2 };
        expect(byName.get(s.name), s.name).toEqual({ name: s.name, ...want });
        count++;
        if (v.weakAliases) {
          const alias = s.name.slice('__vdso_'.length);
          expect(byName.get(alias), alias).toEqual({ name: alias, ...want, info: 0x22 });
          count++;
        }
      }
      expect(byName.get(v.name)).toEqual({ name: v.name, info: 0x11, other: 0, shndx: 0xfff1, value: 0, size: 0, versym: vi + 2 });
      count++;
    });
    expect(n).toBe(count);
  });

  it('builds a GNU hash table glibc can use: sorted by bucket, chain end bits, a real bloom filter', () => {
    const g = sec('.gnu.hash').offset;
    const [nbuckets, symoffset, words, shift] = [h.u32(g), h.u32(g + 4), h.u32(g + 8), h.u32(g + 12)];
    const ds = sec('.dynsym');
    const n = ds.size / ds.entsize;
    expect(symoffset).toBe(1);
    expect(words & (words - 1)).toBe(0);
    const names = Array.from({ length: n }, (_, i) => h.cstr(sec('.dynstr').offset + h.u32(ds.offset + i * ds.entsize)));
    const buckets = Array.from({ length: nbuckets }, (_, b) => h.u32(g + 16 + words * W + 4 * b));
    const chainAt = (i: number) => h.u32(g + 16 + words * W + 4 * nbuckets + 4 * (i - symoffset));
    const bucketOf = (i: number) => gnuHash(names[i]!) % nbuckets;
    for (let i = symoffset + 1; i < n; i++) expect(bucketOf(i)).toBeGreaterThanOrEqual(bucketOf(i - 1));
    for (let b = 0; b < nbuckets; b++) {
      const members = [...Array(n).keys()].filter((i) => i >= symoffset && bucketOf(i) === b);
      expect(buckets[b]).toBe(members[0] ?? 0);
      members.forEach((i, k) => {
        expect(chainAt(i) >>> 1).toBe(gnuHash(names[i]!) >>> 1);
        expect(chainAt(i) & 1).toBe(k === members.length - 1 ? 1 : 0);
      });
    }
    // Bloom: contains every symbol, is not all ones, and rejects most absent names.
    const bits = W * 8;
    const word = (k: number) => (is64 ? h.dv.getBigUint64(g + 16 + 8 * k, true) : BigInt(h.u32(g + 16 + 4 * k)));
    const maybe = (name: string) => {
      const hv = gnuHash(name);
      const wv = word(Math.floor(hv / bits) & (words - 1));
      return ((wv >> BigInt(hv % bits)) & (wv >> BigInt((hv >>> shift) % bits)) & 1n) === 1n;
    };
    for (const name of names.slice(1)) expect(maybe(name), name).toBe(true);
    const allOnes = is64 ? 0xffffffffffffffffn : 0xffffffffn;
    expect([...Array(words).keys()].every((k) => word(k) === allOnes)).toBe(false);
    const absent = Array.from({ length: 200 }, (_, i) => `__vdso_absent_${i}`);
    expect(absent.filter(maybe).length).toBeLessThan(100);
  });

  it('builds a SysV hash table with nchain == number of symbols', () => {
    const o = sec('.hash').offset;
    const ds = sec('.dynsym');
    expect(h.u32(o + 4)).toBe(ds.size / ds.entsize);
    expect(sec('.hash').size).toBe(4 * (2 + h.u32(o) + h.u32(o + 4)));
  });
});

describe('layout before assembling', () => {
  it('layoutVdso needs only names and gives the offset buildVdsoImage uses', () => {
    const layout = layoutVdso({
      elfClass: 64, soname: 'linux-vdso.so.1',
      versions: [{ name: 'LINUX_2.6', weakAliases: true, symbols: STANDARD_64_SYMBOLS.map(({ name }) => ({ name })) }],
    });
    expect(buildVdsoImage(standard64Spec()).textOffset).toBe(layout.textOffset);
    expect(buildVdsoImage(standard64Spec()).layout).toEqual(layout);
    expect(layoutVdso(standard64Spec())).toEqual(layout); // a full spec is accepted as it is
  });

  it('does not depend on code, symbol offsets and sizes, the version code or the entry', () => {
    const base = buildVdsoImage(standard64Spec());
    const other = buildVdsoImage(standard64Spec({
      text: new Uint8Array(0x3000).fill(0x90),
      versions: [{ name: 'LINUX_2.6', weakAliases: true, symbols: STANDARD_64_SYMBOLS.map((s, i) => ({ ...s, offset: 0x2000 + i * 0x100, size: 0x80 })) }],
      linuxVersionCode: 0x030200,
      entry: '__vdso_time',
    }));
    expect(other.textOffset).toBe(base.textOffset);
    expect(other.layout).toEqual(base.layout);
    expect(other.size).toBe(0x4000);
    // The tables in front of .text are byte-identical; only the symbol values differ.
    const dynsym = base.layout.sections.find((s) => s.name === '.dynsym')!;
    expect(other.bytes.subarray(dynsym.offset + dynsym.size, base.textOffset - 4))
      .toEqual(base.bytes.subarray(dynsym.offset + dynsym.size, base.textOffset - 4));
  });

  it('matches what GNU ld 2.40 produces for the same symbols', () => {
    // `ld -shared --hash-style=both -Bsymbolic -soname linux-vdso.so.1` with the kernel's
    // section order and version script, on an object defining the same ten names:
    // .hash 0xe8/0x44, .gnu.hash 0x130/0x50 (nbuckets 3, symoffset 1, 1 bloom word,
    // shift 6, bloom 0xa100654605383489), .dynsym 0x180/0x120, .dynstr 0x2a0/0x72,
    // .gnu.version 0x312/0x18, .gnu.version_d 0x330/0x38, .dynamic 0x368.
    // (ld's .dynamic then has 5 spare DT_NULL slots, which we do not write.)
    const image = buildVdsoImage(standard64Spec());
    const l = image.layout;
    expect(l.sections.slice(0, 7).map((s) => [s.name, s.offset, s.size])).toEqual([
      ['.hash', 0xe8, 0x44], ['.gnu.hash', 0x130, 0x50], ['.dynsym', 0x180, 0x120], ['.dynstr', 0x2a0, 0x72],
      ['.gnu.version', 0x312, 0x18], ['.gnu.version_d', 0x330, 0x38], ['.dynamic', 0x368, 14 * 16],
    ]);
    expect(l.hashBuckets).toBe(3);
    expect(l.gnuHash).toEqual({ nbuckets: 3, symoffset: 1, bloomWords: 1, bloomShift: 6 });
    const dv = new DataView(image.bytes.buffer);
    expect(dv.getBigUint64(0x140, true)).toBe(0xa100654605383489n);
    expect(l.textOffset).toBe(0x460);
    // The kernel's own image (13 hashed symbols with getrandom): 2 bloom words, shift 7.
    const withGetrandom = layoutVdso({
      elfClass: 64, soname: 'linux-vdso.so.1',
      versions: [{ name: 'LINUX_2.6', weakAliases: true, symbols: [...STANDARD_64_SYMBOLS, { name: '__vdso_getrandom' }] }],
    });
    expect(withGetrandom.gnuHash).toEqual({ nbuckets: 3, symoffset: 1, bloomWords: 2, bloomShift: 7 });
    expect(withGetrandom.dynsymCount).toBe(14);
  });

  it('writes the same bloom filter as GNU ld 2.40 for 101 symbols (16 words, shift 10)', () => {
    // ld -shared --hash-style=both -soname x.so, version script `V { global: __vdso_f*; local: *; };`
    // over __vdso_f0 .. __vdso_f99: nbuckets 97, symoffset 1, 16 bloom words, shift 10.
    const ld = '00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000200000e07f0000c0ff000080ff010800ff030000fe070000fc0f0000f81f0000f03f0000e07f000000f03f000040000000000000000000000000000000000000000000000000000000000000000000';
    const image = buildVdsoImage({
      elfClass: 64, soname: 'x.so', text: new Uint8Array(100), linuxVersionCode: 0,
      versions: [{ name: 'V', symbols: Array.from({ length: 100 }, (_, i) => ({ name: `__vdso_f${i}`, offset: i, size: 1 })) }],
    });
    expect(image.layout.gnuHash).toEqual({ nbuckets: 97, symoffset: 1, bloomWords: 16, bloomShift: 10 });
    expect(image.layout.hashBuckets).toBe(97);
    const g = image.layout.sections.find((s) => s.name === '.gnu.hash')!.offset;
    expect(Buffer.from(image.bytes.subarray(g + 16, g + 16 + 128)).toString('hex')).toBe(ld);
  });

  it('sizes the hash tables with ld\'s bucket table as symbols grow', () => {
    const many = (n: number) => layoutVdso({
      elfClass: 64, soname: 'x.so',
      versions: [{ name: 'V', symbols: Array.from({ length: n }, (_, i) => ({ name: `__vdso_f${i}` })) }],
      versionSymbols: false,
    });
    expect([1, 2, 3, 16, 17, 36, 37, 100].map((n) => [many(n).hashBuckets, many(n).gnuHash.nbuckets]))
      .toEqual([[1, 2], [1, 2], [3, 3], [3, 3], [17, 17], [17, 17], [37, 37], [97, 97]]);
    expect(many(100).gnuHash).toMatchObject({ bloomWords: 16, bloomShift: 10 }); // ld: same for 101 names
  });

  it('honours textAlign', () => {
    const l16 = layoutVdso(standard64Spec());
    const l256 = layoutVdso(standard64Spec({ textAlign: 256 }));
    expect(l256.textOffset % 256).toBe(0);
    expect(l256.textOffset).toBeGreaterThanOrEqual(l16.textOffset);
    const img = buildVdsoImage(standard64Spec({ textAlign: 256 }));
    expect(img.textOffset).toBe(l256.textOffset);
    expect(readHeaders(img.bytes).sh[9]!.align).toBe(256);
  });

  it('can leave out the version symbols', () => {
    const image = buildVdsoImage(standard64Spec({ versionSymbols: false }));
    expect(image.layout.dynsymCount).toBe(11);
    expect(image.layout.textOffset).toBeLessThanOrEqual(buildVdsoImage(standard64Spec()).textOffset);
    expect([...image.symbols.keys()].sort()).toEqual([...buildVdsoImage(standard64Spec()).symbols.keys()].sort());
  });

  it('writes a valid image with no exported symbols at all', () => {
    const image = buildVdsoImage({ elfClass: 64, soname: 'linux-vdso.so.1', text: new Uint8Array(0), versions: [], linuxVersionCode: 0, versionSymbols: false });
    const h = readHeaders(image.bytes);
    expect(h.sh.find((s) => s.name === '.dynsym')!.size).toBe(24);
    expect(image.symbols.size).toBe(0);
  });
});

describe('input validation', () => {
  const bad = (overrides: Partial<VdsoImageSpec>, message: RegExp) => expect(() => buildVdsoImage(standard64Spec(overrides))).toThrow(message);
  const v = (symbols: VdsoImageSpec['versions'][number]['symbols'], weakAliases = true) => [{ name: 'LINUX_2.6', symbols, weakAliases }];

  it('rejects duplicate names and colliding aliases', () => {
    bad({ versions: v([STANDARD_64_SYMBOLS[0]!, STANDARD_64_SYMBOLS[0]!]) }, /defined twice/);
    bad({ versions: v([STANDARD_64_SYMBOLS[0]!, { name: 'clock_gettime', offset: 0, size: 1 }], false).map((x) => ({ ...x, weakAliases: true })) }, /weakAliases needs/);
    bad({ versions: [{ name: 'LINUX_2.6', symbols: [STANDARD_64_SYMBOLS[0]!], weakAliases: true }, { name: 'LINUX_2.7', symbols: [{ name: 'clock_gettime', offset: 0, size: 1 }] }] }, /defined twice/);
    bad({ versions: [{ name: 'LINUX_2.6', symbols: [] }, { name: 'LINUX_2.6', symbols: [] }] }, /used twice/);
    bad({ versions: [{ name: 'LINUX_2.6', symbols: [{ name: 'LINUX_2.6', offset: 0, size: 1 }] }] }, /defined twice/);
  });

  it('rejects aliases without the __vdso_ prefix', () => {
    bad({ versions: v([{ name: '__kernel_vsyscall', offset: 0, size: 1 }]) }, /weakAliases needs "__vdso_name"/);
    bad({ versions: v([{ name: '__vdso_', offset: 0, size: 1 }]) }, /weakAliases needs/);
  });

  it('rejects symbols outside the text and bad numbers', () => {
    bad({ versions: v([{ name: '__vdso_x', offset: TEXT_64.length, size: 1 }]) }, /extends past the end of text/);
    bad({ versions: v([{ name: '__vdso_x', offset: -1, size: 1 }]) }, /offset of __vdso_x/);
    bad({ versions: v([{ name: '__vdso_x', offset: 1.5, size: 1 }]) }, /offset of __vdso_x/);
    bad({ versions: v([{ name: '__vdso_x', offset: 0, size: Number.NaN }]) }, /size of __vdso_x/);
    bad({ linuxVersionCode: -1 }, /linuxVersionCode/);
    bad({ linuxVersionCode: 2 ** 32 }, /linuxVersionCode/);
  });

  it('rejects bad names, classes, alignments and entries', () => {
    bad({ soname: '' }, /soname/);
    bad({ versions: v([{ name: '__vdso_a\0b', offset: 0, size: 1 }]) }, /NUL/);
    bad({ elfClass: 16 as unknown as 64 }, /elfClass/);
    bad({ textAlign: 12 }, /textAlign/);
    bad({ textAlign: 8192 }, /textAlign/);
    bad({ entry: '__vdso_nope' }, /entry symbol "__vdso_nope"/);
    bad({ entry: 'LINUX_2.6' }, /entry symbol/);
  });

  it('accepts an entry that is a weak alias', () => {
    const image = buildVdsoImage(standard64Spec({ entry: 'time' }));
    expect(readHeaders(image.bytes).e.entry).toBe(image.symbols.get('__vdso_time'));
  });
});
