import { ACCESS_READ } from '../mmu/page-walker.js';
import type { Cpu } from './cpu.js';
import { MachineHalted } from './cpu-exception.js';

/**
 * Reads of system structures (GDT, IDT, TSS) by linear address. The processor makes
 * these accesses as supervisor ("implicit supervisor-mode accesses", SDM Vol. 3A
 * §4.6), whatever the CPL.
 */
export function systemRead32(cpu: Cpu, addr: number): number {
  const p = cpu.mem.probe(addr, ACCESS_READ, false);
  if (p < 0) throw new MachineHalted(`system structure at 0x${addr.toString(16)} is not mapped`);
  return cpu.mem.view.getInt32(p, true);
}

/** Returns the low half; high half in cpu.resHi. */
export function systemRead64(cpu: Cpu, addr: number): number {
  const lo = systemRead32(cpu, addr);
  cpu.resHi = systemRead32(cpu, addr + 4);
  return lo;
}

/** A segment descriptor's fields (SDM Vol. 3A §3.4.5). */
export interface SegmentDescriptor {
  present: boolean;
  dpl: number;
  /** S = 1: code or data; S = 0: system (TSS, gates). */
  codeOrData: boolean;
  type: number;
  long: boolean;
  base: number;
  /** Limit in bytes minus one, after granularity scaling. */
  limit: number;
}

/** Reads a GDT entry; null when the selector is null or beyond the GDT limit. */
export function readDescriptor(cpu: Cpu, selector: number): SegmentDescriptor | null {
  const index = selector & ~7;
  if (index === 0 || selector & 4 || index + 7 > cpu.gdtLimit) return null; // no LDT here
  const lo = systemRead32(cpu, cpu.gdtBase + index);
  const hi = systemRead32(cpu, cpu.gdtBase + index + 4);
  const rawLimit = (lo & 0xffff) | (hi & 0xf0000);
  const granular = (hi & (1 << 23)) !== 0;
  return {
    present: (hi & (1 << 15)) !== 0,
    dpl: (hi >> 13) & 3,
    codeOrData: (hi & (1 << 12)) !== 0,
    type: (hi >> 8) & 15,
    long: (hi & (1 << 21)) !== 0,
    base: ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0,
    limit: granular ? rawLimit * 4096 + 4095 : rawLimit,
  };
}
