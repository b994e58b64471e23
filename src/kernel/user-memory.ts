import type { Mmu } from '../mmu/mmu.js';
import { ACCESS_READ, ACCESS_WRITE } from '../mmu/page-walker.js';
import { PAGE_SIZE } from '../mmu/physical-memory.js';
import { AddressSpace, FAULT_FIXED } from './address-space.js';

const TWO_POW_32 = 4294967296;
const USER_LIMIT = 2 ** 47;

/**
 * copy_from_user / copy_to_user: the kernel's accesses to user memory, checked as CPL 3
 * would make them, with demand paging, and reported as failure (→ -EFAULT) rather than
 * as a fault when the address is bad.
 */
export class UserMemory {
  constructor(
    private readonly mmu: Mmu,
    private readonly space: () => AddressSpace,
  ) {}

  /** Physical address of a user byte, faulting pages in; -1 if the access is not allowed. */
  private physical(addr: number, write: boolean): number {
    if (!(addr >= 0 && addr < USER_LIMIT)) return -1;
    const access = write ? ACCESS_WRITE : ACCESS_READ;
    let p = this.mmu.probe(addr, access, true);
    if (p >= 0) return p;
    if (this.space().handleFault(addr, write, false) !== FAULT_FIXED) return -1;
    p = this.mmu.probe(addr, access, true);
    return p;
  }

  read(addr: number, length: number): Uint8Array | null {
    // Check every page before allocating: a wild length must not cost the host memory.
    if (!this.accessible(addr, length, false)) return null;
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const a = addr + done;
      const p = this.physical(a, false);
      if (p < 0) return null;
      const n = Math.min(length - done, PAGE_SIZE - (a % PAGE_SIZE));
      out.set(this.mmu.bytes.subarray(p, p + n), done);
      done += n;
    }
    return out;
  }

  /**
   * Whether [addr, addr + length) can be accessed, page by page. Counted by offset, not
   * by address: above 2^53 `addr + length` rounds back to `addr`, which would skip the
   * check (a fuzz-found crash: uname(0x67f80b7f580c4c00) wrote at physical -1).
   */
  private accessible(addr: number, length: number, write: boolean): boolean {
    if (!(length >= 0 && length <= USER_LIMIT && addr >= 0 && addr + length <= USER_LIMIT)) return length === 0;
    for (let done = 0; done < length; ) {
      const a = addr + done;
      if (this.physical(a, write) < 0) return false;
      done += PAGE_SIZE - (a % PAGE_SIZE);
    }
    return true;
  }

  write(addr: number, data: Uint8Array): boolean {
    // Check every page first so a failure leaves user memory untouched.
    if (!this.accessible(addr, data.length, true)) return false;
    let done = 0;
    while (done < data.length) {
      const a = addr + done;
      const p = this.physical(a, true);
      if (p < 0) return false;
      const n = Math.min(data.length - done, PAGE_SIZE - (a % PAGE_SIZE));
      this.mmu.bytes.set(data.subarray(done, done + n), p);
      done += n;
    }
    return true;
  }

  /** Reads a NUL-terminated string of at most `max` bytes; null on a bad address or no terminator. */
  readCString(addr: number, max = 4096): string | null {
    const bytes: number[] = [];
    for (let i = 0; i < max; i++) {
      const p = this.physical(addr + i, false);
      if (p < 0) return null;
      const b = this.mmu.bytes[p];
      if (b === 0) return new TextDecoder().decode(Uint8Array.from(bytes));
      bytes.push(b);
    }
    return null;
  }

  /** Reads a u64 as a number (exact below 2^53; callers use it for pointers and sizes). */
  readU64(addr: number): number | null {
    const b = this.read(addr, 8);
    if (!b) return null;
    const v = new DataView(b.buffer);
    return v.getUint32(4, true) * TWO_POW_32 + v.getUint32(0, true);
  }

  writeU64(addr: number, value: number): boolean {
    const b = new Uint8Array(8);
    const v = new DataView(b.buffer);
    v.setUint32(0, value >>> 0, true);
    v.setInt32(4, Math.floor(value / TWO_POW_32), true);
    return this.write(addr, b);
  }

  writeU32(addr: number, value: number): boolean {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, true);
    return this.write(addr, b);
  }
}
