import type { Mmu } from '../mmu/mmu.js';
import { PT_REGS_NAMES, PT_REGS_SLOT_OF_GPR, PtRegName } from './pt-regs.js';

const TWO_POW_32 = 4294967296;
const SLOTS = PT_REGS_NAMES.length;
const SLOT_OF = Object.fromEntries(PT_REGS_NAMES.map((n, i) => [n, i])) as Record<PtRegName, number>;

/**
 * A working copy of the pt_regs frame the entry stub pushed: loaded from the kernel
 * stack at the hypercall, edited by the handlers, stored back before the stub pops it.
 */
export class PtRegsFrame {
  readonly lo = new Int32Array(SLOTS);
  readonly hi = new Int32Array(SLOTS);
  address = 0;

  /** Reads the frame. The CPU is at CPL 0 in the stub, so these are ordinary kernel accesses through the TLB. */
  load(mmu: Mmu, address: number): void {
    this.address = address;
    for (let i = 0; i < SLOTS; i++) {
      this.lo[i] = mmu.read64(address + i * 8);
      this.hi[i] = mmu.hi;
    }
  }

  store(mmu: Mmu): void {
    for (let i = 0; i < SLOTS; i++) mmu.write64(this.address + i * 8, this.lo[i], this.hi[i]);
  }

  slot(name: PtRegName): number {
    return SLOT_OF[name];
  }

  /** A register as a signed number (exact within ±2^53). */
  get(name: PtRegName): number {
    const i = this.slot(name);
    return this.hi[i] * TWO_POW_32 + (this.lo[i] >>> 0);
  }

  set(name: PtRegName, value: number): void {
    const i = this.slot(name);
    this.lo[i] = value | 0;
    this.hi[i] = Math.floor(value / TWO_POW_32);
  }

  /** General register n in encoding order (rax=0 ... r15=15) as a signed number. */
  gpr(n: number): number {
    const i = PT_REGS_SLOT_OF_GPR[n];
    return this.hi[i] * TWO_POW_32 + (this.lo[i] >>> 0);
  }

  /** Low 32 bits of general register n. */
  gpr32(n: number): number {
    return this.lo[PT_REGS_SLOT_OF_GPR[n]];
  }
}
