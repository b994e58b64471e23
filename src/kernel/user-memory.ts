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
  /**
   * Where the kernel lays out a small structure (a timespec, a u64) before copying it out
   * with writeStaged: a fresh Uint8Array with a DataView on it cost a system call like
   * clock_gettime more than the rest of its work (V8 moves the buffer off its heap).
   */
  readonly staging = new DataView(new ArrayBuffer(64));
  private readonly stagingBytes = new Uint8Array(this.staging.buffer);

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
    return this.readInto(addr, out, length) ? out : null;
  }

  /** Copies `length` user bytes at `addr` into `out` (pages already checked by the caller or here). */
  private readInto(addr: number, out: Uint8Array, length: number): boolean {
    let done = 0;
    while (done < length) {
      const a = addr + done;
      const p = this.physical(a, false);
      if (p < 0) return false;
      const n = Math.min(length - done, PAGE_SIZE - (a % PAGE_SIZE));
      out.set(this.mmu.bytes.subarray(p, p + n), done);
      done += n;
    }
    return true;
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

  /** Copies the first `length` bytes of `data` to user memory at `addr`. */
  write(addr: number, data: Uint8Array, length = data.length): boolean {
    // Check every page first so a failure leaves user memory untouched.
    if (!this.accessible(addr, length, true)) return false;
    const bytes = this.mmu.bytes;
    let done = 0;
    while (done < length) {
      const a = addr + done;
      const p = this.physical(a, true);
      if (p < 0) return false;
      const n = Math.min(length - done, PAGE_SIZE - (a % PAGE_SIZE));
      // A timespec or a u64 byte by byte: a subarray would be an allocation per call.
      if (n <= 16) for (let k = 0; k < n; k++) bytes[p + k] = data[done + k];
      else bytes.set(data.subarray(done, done + n), p);
      done += n;
    }
    return true;
  }

  /** Copies the first `length` bytes of `staging` to user memory at `addr`. */
  writeStaged(addr: number, length: number): boolean {
    return this.write(addr, this.stagingBytes, length);
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
    if (!this.accessible(addr, 8, false) || !this.readInto(addr, this.stagingBytes, 8)) return null;
    return this.staging.getUint32(4, true) * TWO_POW_32 + this.staging.getUint32(0, true);
  }

  writeU64(addr: number, value: number): boolean {
    this.staging.setUint32(0, value >>> 0, true);
    this.staging.setInt32(4, Math.floor(value / TWO_POW_32), true);
    return this.writeStaged(addr, 8);
  }

  writeU32(addr: number, value: number): boolean {
    this.staging.setUint32(0, value >>> 0, true);
    return this.writeStaged(addr, 4);
  }
}
