import { PAGE_SIZE, PhysicalMemory } from './physical-memory.js';
import { PageFault } from './page-fault.js';
import { STATE_TLB_FRAME, STATE_TLB_READ, STATE_TLB_WRITE, TLB_ENTRIES } from './state-area.js';
import { ACCESS_EXEC, ACCESS_READ, ACCESS_WRITE, walk, WalkResult, WalkStep } from './page-walker.js';

/**
 * The MMU: virtual → physical translation through the guest's own page tables, with a
 * direct-mapped TLB in typed arrays.
 *
 * Virtual addresses are signed canonical numbers: user addresses are 0 .. 2^47-1, the
 * kernel half is -2^47 .. -1 (0xffff8000_00000000 and up). Doubles hold them exactly.
 *
 * TLB layout: two sets of TLB_SIZE entries, one used at CPL 0-2 and one at CPL 3, so a
 * privilege change is a single field write instead of a flush. Each entry has a virtual
 * page tag per access kind (read, write, execute: NaN when that kind is not cached), and
 * all tags present at one index always name the same page, so one frame column serves
 * them. A hit is one Math.floor, a fold of the page number (slot), one compare and one add.
 *
 * Writes never hit in the TLB for frames that hold decoded code (`codeFrames`): the slow
 * path reports them through `onCodeWrite` so cached decodings are dropped (self-modifying
 * code stays correct).
 */
export const TLB_SIZE = TLB_ENTRIES / 2;
/** How far the page number is shifted before it is folded into the TLB index (slot). */
export const TLB_FOLD = 12;
const TLB_MASK = TLB_SIZE - 1;
const USER_SET = TLB_SIZE;

/**
 * The TLB index of a virtual page number: its low bits folded with the next ones, so
 * that buffers a power-of-two number of MiB apart (a memcpy between two 4 MiB arrays)
 * do not take turns evicting each other from a direct-mapped table on every access.
 */
function slot(vpn: number): number {
  return (vpn ^ (vpn >>> TLB_FOLD)) & TLB_MASK;
}

export class Mmu {
  readonly phys: PhysicalMemory;
  readonly bytes: Uint8Array;
  readonly view: DataView;

  /** Page-table root (CR3), PML4 physical address. */
  cr3 = 0;
  /** EFER.NXE: execute-disable bits are honoured. */
  nxe = false;
  /** CR0.WP: supervisor writes respect read-only pages. */
  wp = true;

  /** High half of the last read64/readCode64 result. */
  hi = 0;
  /** TLB statistics, for the debugger and --stats. */
  misses = 0;

  readonly fault = new PageFault();
  /** Set by the CPU's code cache: called before a write lands in a frame holding code. */
  onCodeWrite: (frame: number) => void = () => {};

  /**
   * The TLB set in use (0 or TLB_SIZE). It, `tagRead`, `tagWrite`, `frameOf` and `view`
   * are read by compiled blocks, which inline the hit paths (translator/emit.ts).
   */
  set = 0;
  // (The first three in the state area, where WebAssembly blocks read them: state-area.ts.)
  readonly tagRead: Float64Array;
  readonly tagWrite: Float64Array;
  readonly frameOf: Int32Array;
  private readonly tagExec = new Float64Array(2 * TLB_SIZE).fill(NaN);
  private readonly globalEntry = new Uint8Array(2 * TLB_SIZE);
  private readonly codeFrames: Uint8Array;
  private readonly walkResult = new WalkResult();

  constructor(phys: PhysicalMemory) {
    this.phys = phys;
    this.bytes = phys.bytes;
    this.view = phys.view;
    this.codeFrames = new Uint8Array(phys.size / PAGE_SIZE);
    this.tagRead = phys.stateFloat64(STATE_TLB_READ, TLB_ENTRIES).fill(NaN);
    this.tagWrite = phys.stateFloat64(STATE_TLB_WRITE, TLB_ENTRIES).fill(NaN);
    this.frameOf = phys.stateInt32(STATE_TLB_FRAME, TLB_ENTRIES);
  }

  /** Selects the TLB set for the current privilege level. */
  setUserMode(user: boolean): void {
    this.set = user ? USER_SET : 0;
  }

  get userMode(): boolean {
    return this.set !== 0;
  }

  // ---- fast paths -------------------------------------------------------------------

  read8(addr: number): number {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const i = slot(vpn) + this.set;
    if (this.tagRead[i] === vpn) return this.bytes[this.frameOf[i] + (addr - vpn * PAGE_SIZE)];
    return this.bytes[this.translateOrFault(addr, ACCESS_READ)];
  }

  read16(addr: number): number {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const i = slot(vpn) + this.set;
    const off = addr - vpn * PAGE_SIZE;
    if (this.tagRead[i] === vpn && off <= PAGE_SIZE - 2) return this.view.getUint16(this.frameOf[i] + off, true);
    return this.read8(addr) | (this.read8(addr + 1) << 8);
  }

  read32(addr: number): number {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const i = slot(vpn) + this.set;
    const off = addr - vpn * PAGE_SIZE;
    if (this.tagRead[i] === vpn && off <= PAGE_SIZE - 4) return this.view.getInt32(this.frameOf[i] + off, true);
    return this.read16(addr) | (this.read16(addr + 2) << 16);
  }

  /** Returns the low half; the high half is left in `hi`. */
  read64(addr: number): number {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const i = slot(vpn) + this.set;
    const off = addr - vpn * PAGE_SIZE;
    if (this.tagRead[i] === vpn && off <= PAGE_SIZE - 8) {
      const p = this.frameOf[i] + off;
      this.hi = this.view.getInt32(p + 4, true);
      return this.view.getInt32(p, true);
    }
    // Page-crossing: translate both halves first so a fault leaves nothing half-done.
    const lo = this.read32(addr);
    this.hi = this.read32(addr + 4);
    return lo;
  }

  /**
   * Reads 16 bytes at `addr` into dst[at .. at+3] as four little-endian dwords (an XMM
   * operand): one translation when they lie in one page. Across pages the low quadword
   * is read first, so a fault names the lowest missing address, and dst is untouched.
   */
  read128(addr: number, dst: Int32Array, at: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const i = slot(vpn) + this.set;
    const off = addr - vpn * PAGE_SIZE;
    if (this.tagRead[i] === vpn && off <= PAGE_SIZE - 16) {
      const p = this.frameOf[i] + off;
      const view = this.view;
      dst[at] = view.getInt32(p, true);
      dst[at + 1] = view.getInt32(p + 4, true);
      dst[at + 2] = view.getInt32(p + 8, true);
      dst[at + 3] = view.getInt32(p + 12, true);
      return;
    }
    const q0 = this.read64(addr);
    const q0hi = this.hi;
    const q1 = this.read64(addr + 8);
    dst[at] = q0;
    dst[at + 1] = q0hi;
    dst[at + 2] = q1;
    dst[at + 3] = this.hi;
  }

  write8(addr: number, value: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const i = slot(vpn) + this.set;
    if (this.tagWrite[i] === vpn) {
      this.bytes[this.frameOf[i] + (addr - vpn * PAGE_SIZE)] = value;
      return;
    }
    this.bytes[this.translateForWrite(addr)] = value;
  }

  write16(addr: number, value: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const i = slot(vpn) + this.set;
    const off = addr - vpn * PAGE_SIZE;
    if (this.tagWrite[i] === vpn && off <= PAGE_SIZE - 2) {
      this.view.setUint16(this.frameOf[i] + off, value, true);
      return;
    }
    this.writeSlow(addr, value, 0, 2);
  }

  write32(addr: number, value: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const i = slot(vpn) + this.set;
    const off = addr - vpn * PAGE_SIZE;
    if (this.tagWrite[i] === vpn && off <= PAGE_SIZE - 4) {
      this.view.setInt32(this.frameOf[i] + off, value, true);
      return;
    }
    this.writeSlow(addr, value, 0, 4);
  }

  write64(addr: number, lo: number, hi: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const i = slot(vpn) + this.set;
    const off = addr - vpn * PAGE_SIZE;
    if (this.tagWrite[i] === vpn && off <= PAGE_SIZE - 8) {
      const p = this.frameOf[i] + off;
      this.view.setInt32(p, lo, true);
      this.view.setInt32(p + 4, hi, true);
      return;
    }
    this.writeSlow(addr, lo, hi, 8);
  }

  /**
   * Writes src[at .. at+3] as 16 little-endian bytes at `addr` (an XMM store), as one
   * access: both pages are checked before either is written.
   */
  write128(addr: number, src: Int32Array, at: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const i = slot(vpn) + this.set;
    const off = addr - vpn * PAGE_SIZE;
    if (this.tagWrite[i] === vpn && off <= PAGE_SIZE - 16) {
      const p = this.frameOf[i] + off;
      const view = this.view;
      view.setInt32(p, src[at], true);
      view.setInt32(p + 4, src[at + 1], true);
      view.setInt32(p + 8, src[at + 2], true);
      view.setInt32(p + 12, src[at + 3], true);
      return;
    }
    this.checkWrite(addr, 16);
    this.write64(addr, src[at], src[at + 1]);
    this.write64(addr + 8, src[at + 2], src[at + 3]);
  }

  /**
   * Faults now if a write of `size` bytes at `addr` would fault. A read-modify-write
   * instruction checks write permission on its first access, so its #PF reports a write
   * even when the read is what could not proceed (SDM Vol. 3A §4.7; seen on hardware).
   */
  checkWrite(addr: number, size: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const i = slot(vpn) + this.set;
    const off = addr - vpn * PAGE_SIZE;
    if (this.tagWrite[i] === vpn && off <= PAGE_SIZE - size) return;
    this.translateForWrite(addr);
    // A crossing access faults at the first byte of the second page (its lowest missing byte).
    if (off > PAGE_SIZE - size) this.translateForWrite(addr - off + PAGE_SIZE);
  }

  /**
   * Physical address of `addr` for a read by the running instruction (#PF if not
   * allowed). The rest of its page is then readable too: string instructions move data a
   * page at a time through it.
   */
  physicalForRead(addr: number): number {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const i = slot(vpn) + this.set;
    if (this.tagRead[i] === vpn) return this.frameOf[i] + (addr - vpn * PAGE_SIZE);
    return this.translateOrFault(addr, ACCESS_READ);
  }

  /** As physicalForRead, for a write: a frame holding code drops its decodings first. */
  physicalForWrite(addr: number): number {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const i = slot(vpn) + this.set;
    if (this.tagWrite[i] === vpn) return this.frameOf[i] + (addr - vpn * PAGE_SIZE);
    return this.translateForWrite(addr);
  }

  /** Physical address of an instruction byte (execute permission checked). */
  translateExec(addr: number): number {
    const vpn = Math.floor(addr / PAGE_SIZE);
    const i = slot(vpn) + this.set;
    if (this.tagExec[i] === vpn) return this.frameOf[i] + (addr - vpn * PAGE_SIZE);
    return this.translateOrFault(addr, ACCESS_EXEC);
  }

  // ---- slow paths -------------------------------------------------------------------

  /**
   * Checks that every byte of a write is allowed before any is stored (an instruction
   * either completes or faults with memory unchanged), then stores little-endian.
   */
  private writeSlow(addr: number, lo: number, hi: number, size: number): void {
    const first = this.translateForWrite(addr);
    const inFirst = Math.min(size, PAGE_SIZE - (first % PAGE_SIZE));
    const second = inFirst < size ? this.translateForWrite(addr + inFirst) : 0;
    for (let k = 0; k < size; k++) {
      const byte = (k < 4 ? lo >>> (8 * k) : hi >>> (8 * (k - 4))) & 0xff;
      this.bytes[k < inFirst ? first + k : second + (k - inFirst)] = byte;
    }
  }

  private translateForWrite(addr: number): number {
    const p = this.translateOrFault(addr, ACCESS_WRITE);
    const frame = p - (p % PAGE_SIZE);
    if (this.codeFrames[frame / PAGE_SIZE]) {
      this.codeFrames[frame / PAGE_SIZE] = 0;
      this.onCodeWrite(frame);
    }
    return p;
  }

  /** Walks the tables, fills the TLB, and returns the physical address or throws #PF. */
  private translateOrFault(addr: number, access: number): number {
    const r = this.walkAndFill(addr, access, this.set !== 0);
    if (!r.ok) {
      this.fault.address = addr;
      this.fault.errorCode = r.errorCode;
      throw this.fault;
    }
    return r.physical;
  }

  private walkAndFill(addr: number, access: number, user: boolean): WalkResult {
    this.misses++;
    const r = walk(this.view, this.cr3, addr, access, user, this.nxe, this.wp, this.walkResult);
    if (!r.ok) return r;
    const vpn = Math.floor(addr / PAGE_SIZE);
    const i = slot(vpn) + (user ? USER_SET : 0);
    if (this.tagRead[i] !== vpn || this.frameOf[i] !== r.frame) {
      this.tagRead[i] = NaN;
      this.tagWrite[i] = NaN;
      this.tagExec[i] = NaN;
    }
    this.frameOf[i] = r.frame;
    this.globalEntry[i] = r.global ? 1 : 0;
    this.tagRead[i] = vpn;
    // A write entry is cached only after a write walk (so Dirty is set) and never for a
    // frame holding code; an execute entry only when execution is allowed.
    if (access === ACCESS_WRITE && !this.codeFrames[r.frame / PAGE_SIZE]) this.tagWrite[i] = vpn;
    if (r.executable) this.tagExec[i] = vpn;
    return r;
  }

  /**
   * Translation for the kernel and the debugger: no exception, no fault state.
   * `user` checks the access as CPL 3 would make it (copy_to_user semantics).
   * Returns the physical address, or -1 with the would-be error code in `probeError`.
   */
  probe(addr: number, access: number, user: boolean): number {
    // A TLB hit answers at once: a write entry exists only after a write walk (Dirty set)
    // and never for a frame holding code, so a write hit needs nothing more.
    if (access !== ACCESS_EXEC) {
      const vpn = Math.floor(addr / PAGE_SIZE);
      const i = slot(vpn) + (user ? USER_SET : 0);
      if ((access === ACCESS_READ ? this.tagRead[i] : this.tagWrite[i]) === vpn) return this.frameOf[i] + (addr - vpn * PAGE_SIZE);
    }
    const r = this.walkAndFill(addr, access, user);
    if (!r.ok) {
      this.probeError = r.errorCode;
      return -1;
    }
    if (access === ACCESS_WRITE) {
      const frameIndex = r.frame / PAGE_SIZE;
      if (this.codeFrames[frameIndex]) {
        this.codeFrames[frameIndex] = 0;
        this.onCodeWrite(r.frame);
      }
    }
    return r.physical;
  }

  probeError = 0;

  /** A walk that changes nothing (no A/D bits, no TLB fill), recording each level. */
  describeWalk(addr: number): { steps: WalkStep[]; result: WalkResult; inTlb: boolean } {
    const steps: WalkStep[] = [];
    const result = walk(this.view, this.cr3, addr, ACCESS_READ, false, this.nxe, this.wp, new WalkResult(), steps);
    const vpn = Math.floor(addr / PAGE_SIZE);
    const i = slot(vpn);
    const inTlb = this.tagRead[i] === vpn || this.tagRead[i + USER_SET] === vpn;
    return { steps, result, inTlb };
  }

  /** Marks a frame as holding decoded code: its writes must take the slow path. */
  markCodeFrame(frame: number): void {
    const index = frame / PAGE_SIZE;
    if (this.codeFrames[index]) return;
    this.codeFrames[index] = 1;
    // Any entry may map the frame (aliases); indexOf scans natively, where a loop in
    // not-yet-optimized code cost ~50 µs per new code page at start-up.
    const frameOf = this.frameOf;
    for (let i = frameOf.indexOf(frame); i >= 0; i = frameOf.indexOf(frame, i + 1)) this.tagWrite[i] = NaN;
  }

  /**
   * Counts changes to translations (invalidations and flushes), so caches keyed by
   * virtual address (the interpreter's RIP → block cache) know when to forget.
   */
  mappingGeneration = 0;

  /** CR3 load: drop every non-global entry (SDM Vol. 3A §4.10.4.1). */
  flushNonGlobal(): void {
    this.mappingGeneration++;
    for (let i = 0; i < 2 * TLB_SIZE; i++) {
      if (!this.globalEntry[i]) {
        this.tagRead[i] = NaN;
        this.tagWrite[i] = NaN;
        this.tagExec[i] = NaN;
      }
    }
  }

  /** INVLPG, or the kernel changing one mapping: drop that page in both sets. */
  invalidatePage(addr: number): void {
    this.mappingGeneration++;
    const vpn = Math.floor(addr / PAGE_SIZE);
    for (let i = slot(vpn); i < 2 * TLB_SIZE; i += USER_SET) {
      this.tagRead[i] = NaN;
      this.tagWrite[i] = NaN;
      this.tagExec[i] = NaN;
    }
  }

  flushAll(): void {
    this.mappingGeneration++;
    this.tagRead.fill(NaN);
    this.tagWrite.fill(NaN);
    this.tagExec.fill(NaN);
  }
}
