/**
 * Symbols for the debugger: name <-> address. The program's come from its ELF `.symtab`
 * (the fixtures are not stripped), the vDSO's from the image the kernel built (added at
 * the base where it is mapped now), the kernel's entry stubs from the assembler's labels.
 */

const SHT_SYMTAB = 2;
const STT_NOTYPE = 0;
const STT_OBJECT = 1;
const STT_FUNC = 2;
const STT_SECTION = 3;
const STT_FILE = 4;
const STT_TLS = 6;
const STB_LOCAL = 0;
const STB_GLOBAL = 1;

export interface DebugSymbol {
  name: string;
  address: number;
  /** Bytes covered; 0 when unknown (assembly labels without `.size`). */
  size: number;
  kind: 'func' | 'object' | 'label';
  /** Preference among symbols at one address: global > weak > local. */
  rank: number;
  origin: 'program' | 'vdso' | 'kernel';
}

/** Where ELF64 and ELF32 keep what the symbol reader needs (ELF header, section header, Elf_Sym). */
const ELF64 = { shoff: 0x28, shentsize: 0x3a, shnum: 0x3c, shdrSize: 64, sh: { offset: 0x18, size: 0x20, link: 0x28, entsize: 0x38 }, sym: { info: 4, shndx: 6, value: 8, size: 16, length: 24 } };
const ELF32 = { shoff: 0x20, shentsize: 0x2e, shnum: 0x30, shdrSize: 40, sh: { offset: 0x10, size: 0x14, link: 0x18, entsize: 0x24 }, sym: { info: 12, shndx: 14, value: 4, size: 8, length: 16 } };
const ELFCLASS32 = 1;

/** Symbols with an address from an ELF file's `.symtab` (ELF64, or ELF32 for i386 programs); `bias` is the load bias of a static-pie. */
export function elfSymbols(bytes: Uint8Array, bias = 0): DebugSymbol[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 64) return [];
  const is32 = bytes[4] === ELFCLASS32;
  const L = is32 ? ELF32 : ELF64;
  const word = (o: number): number => (is32 ? view.getUint32(o, true) : Number(view.getBigUint64(o, true)));
  const shoff = word(L.shoff);
  const shentsize = view.getUint16(L.shentsize, true);
  const shnum = view.getUint16(L.shnum, true);
  if (!shoff || shentsize < L.shdrSize || shoff + shnum * shentsize > bytes.length) return [];
  const section = (i: number) => {
    const o = shoff + i * shentsize;
    return { type: view.getUint32(o + 4, true), offset: word(o + L.sh.offset), size: word(o + L.sh.size), link: view.getUint32(o + L.sh.link, true), entsize: word(o + L.sh.entsize) };
  };
  const out: DebugSymbol[] = [];
  const decoder = new TextDecoder();
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (s.type !== SHT_SYMTAB || s.entsize < L.sym.length || s.link >= shnum) continue;
    const strtab = section(s.link);
    if (s.offset + s.size > bytes.length || strtab.offset + strtab.size > bytes.length) continue;
    for (let o = s.offset; o + L.sym.length <= s.offset + s.size; o += s.entsize) {
      const nameOff = view.getUint32(o, true);
      const info = bytes[o + L.sym.info];
      const shndx = view.getUint16(o + L.sym.shndx, true);
      const value = word(o + L.sym.value);
      const size = word(o + L.sym.size);
      const type = info & 15;
      const bind = info >> 4;
      if (shndx === 0 || shndx >= 0xff00 || type === STT_SECTION || type === STT_FILE || type === STT_TLS || value === 0) continue;
      if (type !== STT_FUNC && type !== STT_OBJECT && type !== STT_NOTYPE) continue;
      let end = strtab.offset + nameOff;
      while (end < strtab.offset + strtab.size && bytes[end] !== 0) end++;
      const name = decoder.decode(bytes.subarray(strtab.offset + nameOff, end));
      if (!name || name.startsWith('.L')) continue;
      out.push({
        name,
        address: value + bias,
        size,
        kind: type === STT_FUNC ? 'func' : type === STT_OBJECT ? 'object' : 'label',
        rank: bind === STB_GLOBAL ? 2 : bind === STB_LOCAL ? 0 : 1,
        origin: 'program',
      });
    }
  }
  return out;
}

/** Labels without sizes (assembly): each one covers up to the next. */
export function labelsToSymbols(labels: Iterable<[string, number]>, base: number, origin: DebugSymbol['origin']): DebugSymbol[] {
  const list = [...labels].filter(([name]) => !name.startsWith('.')).sort((a, b) => a[1] - b[1]);
  return list.map(([name, offset], i) => ({
    name,
    address: base + offset,
    size: i + 1 < list.length ? list[i + 1][1] - offset : 0,
    kind: 'label' as const,
    rank: 2,
    origin,
  }));
}

/** How far past a size-less symbol an address may be and still be named after it. */
const UNSIZED_REACH = 256;

export class SymbolTable {
  private readonly byName = new Map<string, DebugSymbol>();
  private sorted: DebugSymbol[] = [];

  constructor(symbols: DebugSymbol[] = []) {
    this.replace(symbols);
  }

  /** Replaces the whole table. */
  replace(symbols: DebugSymbol[]): void {
    this.byName.clear();
    for (const s of symbols) {
      const seen = this.byName.get(s.name);
      if (!seen || s.rank > seen.rank || (s.rank === seen.rank && s.size > seen.size)) this.byName.set(s.name, s);
    }
    // Sorted by address; among symbols at one address the preferred name comes first.
    this.sorted = [...symbols].sort((a, b) => a.address - b.address || b.rank - a.rank || b.size - a.size || a.name.length - b.name.length);
  }

  lookup(name: string): DebugSymbol | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** The symbol that covers `address`, with the offset into it. */
  find(address: number): { symbol: DebugSymbol; offset: number } | undefined {
    const list = this.sorted;
    let lo = 0;
    let hi = list.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].address <= address) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (at < 0) return undefined;
    let group = at;
    while (group > 0 && list[group - 1].address === list[at].address) group--;
    for (let i = group; i <= at; i++) {
      const s = list[i];
      const offset = address - s.address;
      if (offset === 0 || (s.size > 0 ? offset < s.size : offset < UNSIZED_REACH)) return { symbol: s, offset };
    }
    // An earlier sized symbol may still cover it (a function around a local label).
    for (let i = group - 1; i >= 0 && i >= group - 32; i--) {
      const s = list[i];
      if (s.size > 0 && address < s.address + s.size) return { symbol: s, offset: address - s.address };
    }
    return undefined;
  }

  /** `main`, `main+0x1c`, or undefined. */
  describe(address: number): string | undefined {
    const f = this.find(address);
    if (!f) return undefined;
    return f.offset === 0 ? f.symbol.name : `${f.symbol.name}+0x${f.offset.toString(16)}`;
  }
}
