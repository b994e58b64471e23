import type { PhysicalMemory } from '../mmu/physical-memory.js';
import { PAGE_SIZE } from '../mmu/physical-memory.js';
import type { PageTables } from './page-tables.js';

export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

/** One virtual memory area, as /proc/self/maps lists them. */
export interface Vma {
  start: number;
  end: number;
  prot: number;
  /** "[heap]", "[stack]", "[vdso]", a file path, or "" for anonymous memory. */
  name: string;
  /** File offset of `start` for file-backed areas (shown in maps). */
  offset: number;
  /** The stack: faults just below it extend it downward (VM_GROWSDOWN). */
  growsDown?: boolean;
  /** MAP_NORESERVE: not charged against the commit limit (its pages may still OOM-kill). */
  noReserve?: boolean;
  /**
   * Special mappings ([vdso], [vvar]) are backed by fixed frames shared with the
   * kernel rather than private zeroed ones; frames[i] backs page i (0: none, SIGBUS).
   */
  frames?: number[];
}

/** Outcome of a user page fault: mapped now, no area (SEGV_MAPERR), or not allowed (SEGV_ACCERR). */
export const FAULT_FIXED = 0;
export const FAULT_MAPERR = 1;
export const FAULT_ACCERR = 2;
/** A special mapping's page with no backing ([vvar_vclock] without a paravirtual clock): SIGBUS. */
export const FAULT_BUS = 3;

/** Stack growth limit (RLIMIT_STACK default, 8 MiB). */
export const STACK_LIMIT = 8 * 1024 * 1024;

/** vm.max_map_count: more areas than this and mmap/mprotect fail with ENOMEM. */
export const MAX_MAP_COUNT = 65530;

/** Frames kept back from commitments for page tables and the kernel (see `canCommit`). */
const COMMIT_RESERVE_FRAMES = 32;

/**
 * Whether an area's pages are charged against guest memory when mapped (Linux's
 * accountable_mapping: private and writable, unless MAP_NORESERVE). Special mappings
 * ([vdso], [vvar]) have their own frames.
 */
export function accountable(v: Vma): boolean {
  return !v.frames && !v.noReserve && (v.prot & PROT_WRITE) !== 0;
}

export function pageFloor(a: number): number {
  return a - (((a % PAGE_SIZE) + PAGE_SIZE) % PAGE_SIZE);
}

export function pageCeil(a: number): number {
  return pageFloor(a + PAGE_SIZE - 1);
}

/**
 * A process's user address space: its VMAs and the user half of its page tables.
 * Anonymous memory is demand-paged: pages get a zeroed frame at the first touch (the
 * #PF goes through the IDT to the kernel, which calls `handleFault`), so a glibc that
 * reserves megabytes costs only what it uses.
 */
export class AddressSpace {
  readonly vmas: Vma[] = [];
  brkStart = 0;
  brk = 0;
  mmapBase = 0;
  /** Pages mapped by demand faults, for statistics. */
  demandFaults = 0;
  /** Frames backing pages of accountable areas (the part of the commitment already paid). */
  private backedAccountable = 0;

  constructor(
    private readonly phys: PhysicalMemory,
    readonly pageTables: PageTables,
  ) {}

  find(addr: number): Vma | undefined {
    for (const v of this.vmas) if (addr >= v.start && addr < v.end) return v;
    return undefined;
  }

  /** Adds an area, replacing whatever was mapped in [start, end) (MAP_FIXED semantics). */
  map(vma: Vma): Vma {
    this.unmap(vma.start, vma.end);
    let i = 0;
    while (i < this.vmas.length && this.vmas[i].start < vma.start) i++;
    this.vmas.splice(i, 0, vma);
    return vma;
  }

  /** Removes [start, end): splits areas at the edges and frees private frames. */
  unmap(start: number, end: number): void {
    this.splitAt(start);
    this.splitAt(end);
    for (let i = this.vmas.length - 1; i >= 0; i--) {
      const v = this.vmas[i];
      if (v.start >= start && v.end <= end) {
        this.releasePages(v);
        this.vmas.splice(i, 1);
      }
    }
  }

  /**
   * Moves the pages of [oldStart, oldStart + size) to newStart (mremap's move): the
   * destination is unmapped first, frames travel with their pages (so cached code and
   * shared vDSO frames stay valid), and the area keeps its name and protection.
   * The source must lie inside one area.
   */
  move(oldStart: number, size: number, newStart: number): boolean {
    const v = this.find(oldStart);
    if (!v || oldStart + size > v.end) return false;
    this.unmap(newStart, newStart + size);
    this.splitAt(oldStart);
    this.splitAt(oldStart + size);
    const moving = this.find(oldStart)!;
    const moved: Vma = { ...moving, start: newStart, end: newStart + size };
    for (const [page] of this.pageTables.present(oldStart, oldStart + size)) {
      const frame = this.pageTables.unmap(page);
      if (frame > 0) this.pageTables.map(newStart + (page - oldStart), frame, this.flagsFor(moving.prot));
    }
    this.vmas.splice(this.vmas.indexOf(moving), 1);
    let i = 0;
    while (i < this.vmas.length && this.vmas[i].start < newStart) i++;
    this.vmas.splice(i, 0, moved);
    return true;
  }

  /** Changes protection of [start, end); returns false if part of it is unmapped (ENOMEM). */
  protect(start: number, end: number, prot: number): boolean {
    for (let a = start; a < end; ) {
      const v = this.find(a);
      if (!v) return false;
      a = v.end;
    }
    this.splitAt(start);
    this.splitAt(end);
    for (const v of this.vmas) {
      if (v.start < start || v.end > end) continue;
      const wasAccountable = accountable(v);
      v.prot = prot;
      const change = (accountable(v) ? 1 : 0) - (wasAccountable ? 1 : 0);
      for (const [p, frame] of this.pageTables.present(v.start, v.end)) {
        this.backedAccountable += change;
        // PROT_NONE keeps the frame (contents survive a later mprotect) but makes the page fault.
        if (prot === PROT_NONE) this.pageTables.map(p, frame, { user: false, writable: false, executable: false });
        else this.pageTables.map(p, frame, this.flagsFor(prot));
      }
    }
    return true;
  }

  /** Splits the area containing `addr` so that an area boundary falls on it. */
  private splitAt(addr: number): void {
    const v = this.find(addr);
    if (!v || v.start === addr) return;
    const tail: Vma = { ...v, start: addr, offset: v.offset + (addr - v.start) };
    if (v.frames) {
      const cut = (addr - v.start) / PAGE_SIZE;
      tail.frames = v.frames.slice(cut);
      v.frames = v.frames.slice(0, cut);
    }
    v.end = addr;
    this.vmas.splice(this.vmas.indexOf(v) + 1, 0, tail);
  }

  private releasePages(v: Vma): void {
    for (const [p] of this.pageTables.present(v.start, v.end)) {
      const frame = this.pageTables.unmap(p);
      if (frame > 0 && !v.frames) {
        this.phys.freeFrame(frame);
        if (accountable(v)) this.backedAccountable--;
      }
    }
  }

  /** Pages of accountable areas (Linux's Committed_AS for this process). */
  committedPages(): number {
    let n = 0;
    for (const v of this.vmas) if (accountable(v)) n += (v.end - v.start) / PAGE_SIZE;
    return n;
  }

  /**
   * Whether `pages` more accountable pages fit: every page already promised (mapped in
   * an accountable area but not yet backed) and the new ones must find a free frame,
   * with room left for the page tables that map them (Linux's overcommit_memory = 2,
   * with guest physical memory as the commit limit). Callers answer -ENOMEM when not.
   */
  canCommit(pages: number): boolean {
    if (pages <= 0) return true;
    const promised = this.committedPages() - this.backedAccountable;
    const tables = Math.ceil(pages / 512) + 2;
    return this.phys.framesFree - COMMIT_RESERVE_FRAMES - promised >= pages + tables;
  }

  flagsFor(prot: number): { user: boolean; writable: boolean; executable: boolean } {
    return { user: true, writable: (prot & PROT_WRITE) !== 0, executable: (prot & PROT_EXEC) !== 0 };
  }

  /**
   * A user access to `addr` missed in the page tables (or hit a protected page):
   * maps a page on demand, grows the stack, or reports why it is a SIGSEGV.
   */
  handleFault(addr: number, write: boolean, exec: boolean): number {
    let v = this.find(addr);
    if (!v) {
      v = this.growStack(addr);
      if (!v) return FAULT_MAPERR;
    }
    if ((write && !(v.prot & PROT_WRITE)) || (exec && !(v.prot & PROT_EXEC)) || v.prot === PROT_NONE) return FAULT_ACCERR;
    const page = pageFloor(addr);
    if (v.frames && !v.frames[(page - v.start) / PAGE_SIZE]) return FAULT_BUS;
    if (this.pageTables.lookup(page) >= 0) {
      // Present but the PTE was stricter than the area (e.g. after mprotect): refresh it.
      this.pageTables.protect(page, this.flagsFor(v.prot));
      return FAULT_FIXED;
    }
    this.populate(v, page);
    this.demandFaults++;
    return FAULT_FIXED;
  }

  /** Gives a page of an area its frame: the special mapping's, or a fresh zeroed one. */
  populate(v: Vma, page: number): number {
    const frame = v.frames ? v.frames[(page - v.start) / PAGE_SIZE] : this.phys.allocFrame();
    try {
      this.pageTables.map(page, frame, this.flagsFor(v.prot));
    } catch (e) {
      if (!v.frames) this.phys.freeFrame(frame); // no frame for a page table: give this one back
      throw e;
    }
    if (accountable(v)) this.backedAccountable++;
    return frame;
  }

  /** The stack VMA extends down to cover a fault within RLIMIT_STACK of its top. */
  private growStack(addr: number): Vma | undefined {
    const stack = this.vmas.find((v) => v.growsDown && addr < v.start);
    if (!stack) return undefined;
    const top = stack.end;
    if (top - addr > STACK_LIMIT) return undefined;
    const newStart = pageFloor(addr);
    const below = this.vmas.filter((v) => v !== stack && v.end > newStart && v.start < stack.start);
    if (below.length) return undefined;
    // Growth is charged like any commitment (acct_stack_growth); no memory is a SIGSEGV.
    if (accountable(stack) && !this.canCommit((stack.start - newStart) / PAGE_SIZE)) return undefined;
    stack.start = newStart;
    return stack;
  }

  /**
   * Finds room for `length` bytes, top-down from mmapBase (Linux's default
   * arch_get_unmapped_area_topdown); returns 0 when nothing fits.
   */
  findFree(length: number, floor = 0x10000): number {
    let end = this.mmapBase;
    const byStartDescending = [...this.vmas].sort((a, b) => b.start - a.start);
    for (const v of byStartDescending) {
      if (v.start >= end) continue; // entirely above the candidate
      if (end - v.end >= length) return end - length; // the gap above v fits
      end = v.start;
    }
    return end - length >= floor ? end - length : 0;
  }

  /** Copies bytes into user pages (populating them), ignoring protection: the loader's path. */
  load(addr: number, bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) {
      const a = addr + done;
      const page = pageFloor(a);
      const v = this.find(a);
      if (!v) throw new Error(`loader: no area at 0x${a.toString(16)}`);
      let frame = this.pageTables.lookup(page);
      if (frame < 0) frame = this.populate(v, page);
      const n = Math.min(bytes.length - done, page + PAGE_SIZE - a);
      this.phys.bytes.set(bytes.subarray(done, done + n), frame + (a - page));
      done += n;
    }
  }

  /** Total bytes of user memory currently backed by frames. */
  residentBytes(): number {
    let n = 0;
    for (const v of this.vmas) n += this.pageTables.present(v.start, v.end).length * PAGE_SIZE;
    return n;
  }
}
