import { disassembleAt, DisassembledLine } from '../cpu/disassembler.js';
import { OPCODES } from '../cpu/opcodes.js';
import { COMPAT_OPCODES } from '../cpu/opcodes32.js';
import { isCompat, vdso32Image } from '../kernel/compat/index.js';
import { VdsoPages } from '../kernel/vdso-mapping.js';
import { KERNEL_TEXT } from '../kernel/layout.js';
import type { Machine } from '../machine.js';
import { fromU64, hexAddr } from './format.js';
import { readUpTo } from './memory.js';
import { DebugSymbol, elfSymbols, labelsToSymbols, SymbolTable } from './symbols.js';

/**
 * What every view needs: the machine and the symbols that name its addresses. The
 * symbol table follows the vDSO if the program moves it (mremap) and is rebuilt when a
 * `run` starts the program over.
 */
export class DebugContext {
  readonly symbols = new SymbolTable();
  private programSymbols: DebugSymbol[] = [];
  private kernelSymbols: DebugSymbol[] = [];
  private vdsoBase = -1;

  constructor(public machine: Machine) {
    this.reset(machine);
  }

  /** Points the context at a (new) machine with its program loaded. */
  reset(machine: Machine): void {
    this.machine = machine;
    const exec = machine.exec;
    this.programSymbols = exec ? elfSymbols(exec.elf.bytes, exec.loadBias) : [];
    this.kernelSymbols = labelsToSymbols(machine.kernel.entry.labels, KERNEL_TEXT, 'kernel');
    this.vdsoBase = -1;
    this.refresh();
  }

  /** The vDSO's image base now (AT_SYSINFO_EHDR unless it moved), or 0 without one. */
  get vdsoImageBase(): number {
    return this.machine.kernel.process ? VdsoPages.baseIn(this.machine.kernel.process.space) : 0;
  }

  /** The program is a 32-bit one: its user code is compatibility-mode code. */
  get compat(): boolean {
    return this.machine.kernel.process ? isCompat(this.machine.kernel.process) : false;
  }

  /** Rebuilds the table if the vDSO moved. */
  refresh(): void {
    const base = this.vdsoImageBase;
    if (base === this.vdsoBase) return;
    this.vdsoBase = base;
    const vdso: DebugSymbol[] = [];
    if (base && this.compat) {
      // The vdso32 (linux-gate.so.1): its functions and the landing pad the fast entries return to.
      const image = vdso32Image();
      for (const f of image.functions) vdso.push({ name: f.name, address: base + f.offset, size: f.size, kind: 'func', rank: 2, origin: 'vdso' });
      vdso.push({ name: 'int80_landing_pad', address: base + image.int80LandingPad, size: 0, kind: 'label', rank: 1, origin: 'vdso' });
    } else if (base) {
      for (const f of this.machine.kernel.vdso.image.functions) {
        vdso.push({ name: f.name, address: base + f.offset, size: f.size, kind: 'func', rank: 2, origin: 'vdso' });
        vdso.push({ name: f.alias, address: base + f.offset, size: f.size, kind: 'func', rank: 1, origin: 'vdso' });
      }
    }
    this.symbols.replace([...this.programSymbols, ...this.kernelSymbols, ...vdso]);
  }

  /** `0x401136 <main+4>` (just the hex when no symbol covers it). */
  where(addr: number): string {
    const name = this.symbols.describe(addr);
    return name ? `${hexAddr(addr)} <${name}>` : hexAddr(addr);
  }

  /**
   * The disassembler's symbolizer. It passes 64-bit targets as numbers, which are exact
   * only below 2^53; kernel-half targets are named afterwards from the exact hex in the
   * text (instructionAt).
   */
  readonly symbolize = (target: number): string | undefined => {
    if (target > Number.MAX_SAFE_INTEGER) return undefined;
    return this.symbols.describe(target);
  };

  /** The instruction at `addr`, or undefined when its bytes are unreadable or unknown. */
  instructionAt(addr: number): DisassembledLine | undefined {
    const bytes = readUpTo(this.machine, addr, 16);
    if (bytes.length === 0) return undefined;
    // A 32-bit program's code (below 4 GiB) decodes in 32-bit mode, the kernel's in 64-bit mode.
    const table = this.compat && addr >= 0 && addr < 2 ** 32 ? COMPAT_OPCODES : OPCODES;
    const line = disassembleAt(bytes, 0, addr, this.symbolize, table);
    if (!line || !/\bffff[0-9a-f]{12}\b/.test(line.text)) return line;
    const text = line.text.replace(/\b(ffff[0-9a-f]{12})\b(?! <)/g, (hex) => {
      const name = this.symbols.describe(fromU64(BigInt('0x' + hex)));
      return name ? `${hex} <${name}>` : hex;
    });
    return { ...line, text };
  }

  /** `0x401136 <main+4>: sub rsp,0x8`. */
  instructionLine(addr: number): string {
    const line = this.instructionAt(addr);
    const text = line ? line.text : readUpTo(this.machine, addr, 1).length ? '(bad)' : '(memory not readable)';
    return `${this.where(addr)}: ${text}`;
  }

  /** The line shown at every stop: the next instruction and the privilege level. */
  locationLine(): string {
    const cpu = this.machine.cpu;
    return `=> ${this.instructionLine(cpu.rip)}  (CPL ${cpu.cpl}${cpu.cpl === 0 ? ', kernel' : ''})`;
  }
}
