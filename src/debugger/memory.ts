import type { Machine } from '../machine.js';
import { ACCESS_READ, walk, WalkResult, WalkStep } from '../mmu/page-walker.js';
import { PAGE_SIZE } from '../mmu/physical-memory.js';
import { hexAddr } from './format.js';

/** A debugger command named memory it cannot show: one line for the user, never a stack trace. */
export class DebugError extends Error {}

const CANONICAL_LIMIT = 2 ** 47;

/**
 * Where a virtual address lives, found the way the MMU finds it but without its side
 * effects: no Accessed/Dirty bits set, no TLB fill, no fault. The walk is made as a
 * supervisor read, so the debugger can show kernel memory (the entry stubs, the GDT,
 * the kernel stack) as well as the user's.
 */
export function translate(machine: Machine, addr: number): { ok: true; physical: number } | { ok: false; why: string } {
  if (!Number.isSafeInteger(addr) || addr < -CANONICAL_LIMIT || addr >= CANONICAL_LIMIT) {
    return { ok: false, why: `${hexAddr(addr)} is not a canonical address (bits 63:47 must all equal bit 47)` };
  }
  const mmu = machine.mmu;
  const steps: WalkStep[] = []; // a walk with steps leaves the tables untouched (page-walker.ts)
  const r = walk(mmu.view, mmu.cr3, addr, ACCESS_READ, false, mmu.nxe, mmu.wp, new WalkResult(), steps);
  if (r.ok) return { ok: true, physical: r.physical };
  return { ok: false, why: unmappedReason(machine, addr, steps) };
}

/** Why nothing is mapped at `addr`, in terms of the process's areas (demand paging explains most). */
function unmappedReason(machine: Machine, addr: number, steps: WalkStep[]): string {
  const level = steps[steps.length - 1]?.level ?? 'PML4';
  const vma = addr >= 0 ? machine.kernel.process?.space.vmas.find((v) => addr >= v.start && addr < v.end) : undefined;
  if (vma) {
    const name = vma.name || 'an anonymous mapping';
    return `${hexAddr(addr)} is in ${name} but has no page yet (${level} entry not present): demand paging maps it at the first touch`;
  }
  return `cannot access memory at ${hexAddr(addr)}: nothing is mapped there (${level} entry not present)`;
}

/** Reads `length` bytes of virtual memory; throws DebugError naming the first unmapped byte. */
export function readMemory(machine: Machine, addr: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const at = addr + done;
    const t = translate(machine, at);
    if (!t.ok) throw new DebugError(t.why);
    const inPage = PAGE_SIZE - (((at % PAGE_SIZE) + PAGE_SIZE) % PAGE_SIZE);
    const n = Math.min(inPage, length - done);
    out.set(machine.mmu.bytes.subarray(t.physical, t.physical + n), done);
    done += n;
  }
  return out;
}

/** Reads as many bytes as are readable from `addr`, up to `length` (for disassembly near a page end). */
export function readUpTo(machine: Machine, addr: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const at = addr + done;
    const t = translate(machine, at);
    if (!t.ok) break;
    const n = Math.min(PAGE_SIZE - (((at % PAGE_SIZE) + PAGE_SIZE) % PAGE_SIZE), length - done);
    out.set(machine.mmu.bytes.subarray(t.physical, t.physical + n), done);
    done += n;
  }
  return out.subarray(0, done);
}

/** A little-endian unsigned 64-bit value at `addr`. */
export function readU64(machine: Machine, addr: number): bigint {
  const b = readMemory(machine, addr, 8);
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
}

/** A NUL-terminated string at `addr` (at most `max` bytes; `truncated` if no NUL came). */
export function readCString(machine: Machine, addr: number, max = 256): { bytes: Uint8Array; truncated: boolean } {
  const out: number[] = [];
  for (let i = 0; i < max; i++) {
    const t = translate(machine, addr + i);
    if (!t.ok) {
      if (i === 0) throw new DebugError(t.why);
      return { bytes: Uint8Array.from(out), truncated: true };
    }
    const b = machine.mmu.bytes[t.physical];
    if (b === 0) return { bytes: Uint8Array.from(out), truncated: false };
    out.push(b);
  }
  return { bytes: Uint8Array.from(out), truncated: true };
}

/** Whether the byte at `addr` is readable (no message). */
export function isReadable(machine: Machine, addr: number): boolean {
  return translate(machine, addr).ok;
}
