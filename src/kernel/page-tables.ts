import type { Mmu } from '../mmu/mmu.js';
import { PTE_ADDR_MASK_LO, PTE_G, PTE_P, PTE_RW, PTE_US, PTE_XD_HI } from '../mmu/page-table-entry.js';
import { linear48 } from '../mmu/page-walker.js';
import type { PhysicalMemory } from '../mmu/physical-memory.js';

/** Permissions of one 4 KiB mapping. */
export interface PageFlags {
  user: boolean;
  writable: boolean;
  executable: boolean;
  global?: boolean;
}

/**
 * The kernel's side of paging: builds and edits 4-level tables in guest physical memory
 * (the same tables the MMU walks). Intermediate entries are permissive (P, RW, and US
 * for the user half), so the leaf alone decides, as Linux arranges it. Every change to
 * a present entry invalidates that page in the TLB, as `invlpg` would.
 */
export class PageTables {
  readonly root: number;

  constructor(
    private readonly phys: PhysicalMemory,
    private readonly mmu: Mmu,
  ) {
    this.root = phys.allocFrame();
  }

  /** Maps the page containing `vaddr` to `frame`, replacing any earlier mapping. */
  map(vaddr: number, frame: number, flags: PageFlags): void {
    const entry = this.leafEntry(vaddr, true, flags.user);
    const wasPresent = (this.phys.view.getInt32(entry, true) & PTE_P) !== 0;
    let lo = frame | PTE_P;
    if (flags.writable) lo |= PTE_RW;
    if (flags.user) lo |= PTE_US;
    if (flags.global) lo |= PTE_G;
    this.phys.view.setInt32(entry, lo, true);
    this.phys.view.setInt32(entry + 4, flags.executable ? 0 : PTE_XD_HI, true);
    // The TLB never holds a page that was not present (a failed walk fills nothing, SDM
    // Vol. 3A §4.10.2.3), so a first mapping — every demand-paging fault — flushes nothing
    // and leaves the caches keyed by virtual address intact.
    if (wasPresent) this.mmu.invalidatePage(vaddr);
  }

  /** Removes a mapping; returns the frame it pointed at, or 0 if there was none. */
  unmap(vaddr: number): number {
    const entry = this.leafEntry(vaddr, false);
    if (entry < 0) return 0;
    const lo = this.phys.view.getInt32(entry, true);
    if (!(lo & PTE_P)) return 0;
    this.phys.view.setInt32(entry, 0, true);
    this.phys.view.setInt32(entry + 4, 0, true);
    this.mmu.invalidatePage(vaddr);
    return lo & PTE_ADDR_MASK_LO;
  }

  /** Changes the permissions of a present mapping; returns false if none. */
  protect(vaddr: number, flags: PageFlags): boolean {
    const frame = this.lookup(vaddr);
    if (frame < 0) return false;
    this.map(vaddr, frame, flags);
    return true;
  }

  /**
   * The present 4 KiB mappings in [start, end) of the lower half, as [page, frame]
   * pairs, found by walking only the tables that exist: a terabyte-sized area with a
   * few pages touched costs those pages, not 2^28 lookups (munmap and mprotect of such
   * an area once kept the host busy for an hour).
   */
  present(start: number, end: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    const lo = Math.max(start, 0);
    const hi = Math.min(end, 2 ** 47);
    const walk = (table: number, level: number, base: number): void => {
      const span = 2 ** (39 - 9 * level);
      const first = Math.max(0, Math.floor((lo - base) / span));
      const last = Math.min(511, Math.floor((hi - 1 - base) / span));
      for (let i = first; i <= last; i++) {
        const entry = this.phys.view.getInt32(table + i * 8, true);
        if (!(entry & PTE_P)) continue;
        if (level === 3) out.push([base + i * span, entry & PTE_ADDR_MASK_LO]);
        else walk(entry & PTE_ADDR_MASK_LO, level + 1, base + i * span);
      }
    };
    if (lo < hi) walk(this.root, 0, 0);
    return out;
  }

  /** Frame mapped at `vaddr`, or -1. */
  lookup(vaddr: number): number {
    const entry = this.leafEntry(vaddr, false);
    if (entry < 0) return -1;
    const lo = this.phys.view.getInt32(entry, true);
    return lo & PTE_P ? lo & PTE_ADDR_MASK_LO : -1;
  }

  /**
   * Physical address of the PTE for `vaddr`, creating tables on the way if asked; -1 if
   * absent. A user mapping in the kernel half (the vsyscall page) also marks the upper
   * levels user-accessible, as Linux's set_vsyscall_pgtable_user_bits does.
   */
  private leafEntry(vaddr: number, create: boolean, userLeaf = false): number {
    const la = linear48(vaddr);
    const user = vaddr >= 0 || userLeaf;
    let table = this.root;
    for (let level = 0; level < 3; level++) {
      const index = Math.floor(la / 2 ** (39 - 9 * level)) & 511;
      const entry = table + index * 8;
      let lo = this.phys.view.getInt32(entry, true);
      if (!(lo & PTE_P)) {
        if (!create) return -1;
        const next = this.phys.allocFrame();
        lo = next | PTE_P | PTE_RW | (user ? PTE_US : 0);
        this.phys.view.setInt32(entry, lo, true);
        this.phys.view.setInt32(entry + 4, 0, true);
      } else if (user && !(lo & PTE_US)) {
        lo |= PTE_US;
        this.phys.view.setInt32(entry, lo, true);
      }
      table = lo & PTE_ADDR_MASK_LO;
    }
    return table + (Math.floor(la / 4096) & 511) * 8;
  }
}
