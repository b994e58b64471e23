/**
 * A bare CPU + MMU for unit tests: 4-level page tables built in guest physical memory
 * for a few pages with chosen U/S, R/W, NX and G bits, and helpers to execute one
 * instruction directly (exceptions are returned, not delivered through an IDT).
 */
import { Cpu } from '../../src/cpu/cpu.js';
import { CpuException } from '../../src/cpu/cpu-exception.js';
import { INTEL_MODEL } from '../../src/cpu/cpu-model.js';
import type { CpuModel } from '../../src/cpu/cpu-model.js';
import { decode, InstructionTooLong, UndefinedOpcode } from '../../src/cpu/decoder.js';
import type { Insn } from '../../src/cpu/insn.js';
import { OPCODES } from '../../src/cpu/opcodes.js';
import { compileBlock } from '../../src/cpu/translator/compile-block.js';
import { Mmu } from '../../src/mmu/mmu.js';
import { PageFault } from '../../src/mmu/page-fault.js';
import { PTE_G, PTE_P, PTE_PS, PTE_RW, PTE_US, PTE_XD_HI } from '../../src/mmu/page-table-entry.js';
import { linear48 } from '../../src/mmu/page-walker.js';
import { PAGE_SIZE, PhysicalMemory } from '../../src/mmu/physical-memory.js';

export interface MapOptions {
  user?: boolean; //     U/S (default true)
  writable?: boolean; // R/W (default true)
  nx?: boolean; //       XD, bit 63 (default false)
  global?: boolean; //   G (default false)
  /** Physical frame to map (default: a fresh one). */
  frame?: number;
}

/** What executing one instruction raised, if anything. */
export interface Raised {
  vector: number;
  errorCode: number;
  /** CR2 for #PF. */
  address?: number;
  detail?: string;
}

export const LEVELS = ['PML4', 'PDPT', 'PD', 'PT'] as const;

export class TestMachine {
  readonly phys: PhysicalMemory;
  readonly mmu: Mmu;
  readonly cpu: Cpu;
  readonly pml4: number;

  constructor(memoryBytes = 8 << 20, model: CpuModel = INTEL_MODEL) {
    this.phys = new PhysicalMemory(memoryBytes);
    this.mmu = new Mmu(this.phys);
    this.pml4 = this.phys.allocFrame();
    this.mmu.cr3 = this.pml4;
    this.cpu = new Cpu(this.mmu, model);
    this.cpu.setCpl(3);
  }

  /** Physical address of the entry for `va` at a level (0 = PML4 .. 3 = PT), creating tables on the way. */
  entryAddress(va: number, level: number, create = true): number {
    const la = linear48(va);
    let table = this.pml4;
    for (let l = 0; l < 4; l++) {
      const index = Math.floor(la / 2 ** (39 - 9 * l)) % 512;
      const entry = table + index * 8;
      if (l === level) return entry;
      let lo = this.phys.view.getInt32(entry, true);
      if (!(lo & PTE_P)) {
        if (!create) return -1;
        // Intermediate entries allow everything: the leaf decides, unless a test edits them.
        lo = this.phys.allocFrame() | PTE_P | PTE_RW | PTE_US;
        this.phys.view.setInt32(entry, lo, true);
      }
      if (lo & PTE_PS) return -1;
      table = lo & ~0xfff;
    }
    throw new Error('unreachable');
  }

  /** Maps one 4 KiB page; returns the physical frame. */
  map(va: number, options: MapOptions = {}): number {
    const frame = options.frame ?? this.phys.allocFrame();
    this.setEntry(this.entryAddress(va, 3), frame, options, false);
    return frame;
  }

  /** Maps a 2 MiB page at a 2 MiB-aligned va onto 512 contiguous frames at `frame` (2 MiB aligned). */
  mapLarge(va: number, frame: number, options: MapOptions = {}): void {
    this.setEntry(this.entryAddress(va, 2), frame, options, true);
  }

  private setEntry(entry: number, frame: number, o: MapOptions, large: boolean): void {
    let lo = frame | PTE_P;
    if (o.user ?? true) lo |= PTE_US;
    if (o.writable ?? true) lo |= PTE_RW;
    if (o.global) lo |= PTE_G;
    if (large) lo |= PTE_PS;
    this.phys.view.setInt32(entry, lo, true);
    this.phys.view.setInt32(entry + 4, o.nx ? PTE_XD_HI : 0, true);
  }

  readEntry(entry: number): { lo: number; hi: number } {
    return { lo: this.phys.view.getInt32(entry, true), hi: this.phys.view.getInt32(entry + 4, true) };
  }

  /** Physical address behind a mapped va (no permission checks, no A/D bits). */
  physOf(va: number): number {
    const pte = this.entryAddress(va, 3, false);
    if (pte < 0) {
      const pde = this.entryAddress(va, 2, false);
      return (this.phys.view.getInt32(pde, true) & ~0x1fffff) + (linear48(va) % (2 << 20));
    }
    return (this.phys.view.getInt32(pte, true) & ~0xfff) + (linear48(va) % PAGE_SIZE);
  }

  writeBytes(va: number, bytes: ArrayLike<number>): void {
    for (let i = 0; i < bytes.length; i++) this.phys.bytes[this.physOf(va + i)] = bytes[i];
  }

  readBytes(va: number, n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.phys.bytes[this.physOf(va + i)];
    return out;
  }

  /** Decodes the instruction at RIP through the MMU (execute permission checked). */
  decodeAt(rip: number): Insn {
    return decode(OPCODES, (o) => this.mmu.bytes[this.mmu.translateExec(rip + o)]);
  }

  /** The `length` bytes at `start` as one straight-line block, offsets set as the translator expects them. */
  decodeBlock(start: number, length: number): Insn[] {
    const insns: Insn[] = [];
    for (let offset = 0; offset < length; ) {
      const insn = this.decodeAt(start + offset);
      insn.offset = offset;
      offset += insn.length;
      insn.nextOffset = offset;
      insns.push(insn);
    }
    return insns;
  }

  /**
   * Runs the `length` bytes at `start` (cpu.rip there) as one block, through the block
   * translator or instruction by instruction as the interpreter does; returns the vector
   * an instruction raised, or null.
   */
  runBlock(start: number, length: number, compiled: boolean): number | null {
    const cpu = this.cpu;
    const insns = this.decodeBlock(start, length);
    try {
      if (compiled) compileBlock(insns)(cpu, start);
      else for (const i of insns) {
        cpu.rip = start + i.nextOffset;
        i.exec(cpu, i);
      }
    } catch (e) {
      return raisedFrom(e).vector;
    }
    return null;
  }

  /**
   * Executes the instruction at cpu.rip. Returns null, or what it raised; on an exception
   * RIP stays at the instruction (a fault).
   */
  step(): Raised | null {
    const cpu = this.cpu;
    const start = cpu.rip;
    try {
      const insn = this.decodeAt(start);
      cpu.rip = start + insn.length;
      insn.exec(cpu, insn);
      return null;
    } catch (e) {
      cpu.rip = start;
      return raisedFrom(e);
    }
  }
}

/** Turns what a handler threw into a vector and error code (the interpreter's deliver() does the same). */
export function raisedFrom(e: unknown): Raised {
  if (e instanceof PageFault) return { vector: 14, errorCode: e.errorCode, address: e.address };
  if (e instanceof CpuException) return { vector: e.vector, errorCode: e.errorCode, detail: e.detail };
  if (e instanceof UndefinedOpcode) return { vector: 6, errorCode: 0, detail: e.bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ') };
  if (e instanceof InstructionTooLong) return { vector: 13, errorCode: 0, detail: 'instruction longer than 15 bytes' };
  throw e;
}

/** Sets a 64-bit register from a BigInt. */
export function setReg(cpu: Cpu, r: number, v: bigint): void {
  const u = BigInt.asUintN(64, v);
  cpu.lo[r] = Number(u & 0xffffffffn) | 0;
  cpu.hi[r] = Number(u >> 32n) | 0;
}

export function getReg(cpu: Cpu, r: number): bigint {
  return (BigInt(cpu.hi[r] >>> 0) << 32n) | BigInt(cpu.lo[r] >>> 0);
}
