import { PF_I, PF_P, PF_U, PF_W, PTE_A, PTE_ADDR_MASK_LO, PTE_D, PTE_P, PTE_PS, PTE_RW, PTE_US, PTE_XD_HI } from './page-table-entry.js';

/** Access kinds, also used as indices by the TLB. */
export const ACCESS_READ = 0;
export const ACCESS_WRITE = 1;
export const ACCESS_EXEC = 2;

const TWO_POW_48 = 2 ** 48;

/** The 48-bit linear address behind a signed canonical address. */
export function linear48(addr: number): number {
  return addr < 0 ? addr + TWO_POW_48 : addr;
}

/** Result of a walk; one instance per walker, overwritten by each walk. */
export class WalkResult {
  ok = false;
  /** Physical address of the byte, when ok. */
  physical = 0;
  /** Physical base of the 4 KiB frame that holds it, when ok. */
  frame = 0;
  /** #PF error code, when not ok. */
  errorCode = 0;
  writable = false;
  user = false;
  executable = false;
  global = false;
}

/** One level of a walk, for the debugger's `pagewalk` view. */
export interface WalkStep {
  level: 'PML4' | 'PDPT' | 'PD' | 'PT';
  index: number;
  entryAddress: number;
  lo: number;
  hi: number;
}

const LEVEL_NAMES: WalkStep['level'][] = ['PML4', 'PDPT', 'PD', 'PT'];

/**
 * Bytes one entry maps at each level (2^39 .. 2^12): constants, because `2 ** shift`
 * with a variable exponent is a call to the C library's pow in V8 (7% of a run that
 * takes a page fault per page).
 */
const LEVEL_SPAN = [2 ** 39, 2 ** 30, 2 ** 21, 2 ** 12];

/** The entries a walk used, for the Accessed bits: reused, so a walk allocates nothing. */
const walkedEntries = new Float64Array(4);

/**
 * The 4-level page walk of Intel SDM Vol. 3A §4.5 over tables in guest physical memory.
 * Checks P, R/W, U/S and XD (with EFER.NXE), honours CR0.WP for supervisor writes,
 * supports 2 MiB and 1 GiB pages, and sets Accessed on every entry used and Dirty on the
 * leaf for writes (§4.8). Permissions combine across levels (§4.6): a page is writable
 * or user-accessible only if every level says so, and executable unless any level sets XD.
 */
export function walk(
  view: DataView,
  cr3: number,
  addr: number,
  access: number,
  user: boolean,
  nxe: boolean,
  wp: boolean,
  out: WalkResult,
  steps?: WalkStep[],
): WalkResult {
  const la = linear48(addr);
  let table = cr3 & PTE_ADDR_MASK_LO;
  let writable = true;
  let userOk = true;
  let executable = true;
  let leafLo = 0;
  let leafLevel = 3;
  let entryAddr = 0;
  out.ok = false;
  for (let level = 0; level < 4; level++) {
    const index = Math.floor(la / LEVEL_SPAN[level]) & 511;
    entryAddr = table + index * 8;
    const lo = view.getInt32(entryAddr, true);
    const hi = view.getInt32(entryAddr + 4, true);
    steps?.push({ level: LEVEL_NAMES[level], index, entryAddress: entryAddr, lo, hi });
    if (!(lo & PTE_P)) {
      out.errorCode = faultBits(access, user, nxe);
      return out;
    }
    walkedEntries[level] = entryAddr;
    writable &&= (lo & PTE_RW) !== 0;
    userOk &&= (lo & PTE_US) !== 0;
    if (nxe && hi & PTE_XD_HI) executable = false;
    leafLo = lo;
    leafLevel = level;
    if (level === 3 || (level >= 1 && lo & PTE_PS)) break;
    table = lo & PTE_ADDR_MASK_LO;
  }
  const denied =
    (user && !userOk) ||
    (access === ACCESS_WRITE && !writable && (user || wp)) ||
    (access === ACCESS_EXEC && !executable);
  if (denied) {
    out.errorCode = PF_P | faultBits(access, user, nxe);
    return out;
  }
  // Accessed on every level, Dirty on the leaf for a write (SDM §4.8). A walk made only
  // to show the tables to a person (steps given) leaves them untouched.
  if (!steps) {
    for (let level = 0; level <= leafLevel; level++) {
      const e = walkedEntries[level];
      view.setInt32(e, view.getInt32(e, true) | PTE_A, true);
    }
  }
  if (!steps && access === ACCESS_WRITE) view.setInt32(entryAddr, view.getInt32(entryAddr, true) | PTE_D, true);

  // Large pages: the leaf maps LEVEL_SPAN[level] bytes (2 MiB, 1 GiB); we hand out the
  // 4 KiB frame inside it, which is what the TLB caches.
  const pageSize = LEVEL_SPAN[leafLevel];
  const pageBase = leafLo & (leafLevel === 3 ? PTE_ADDR_MASK_LO : -pageSize) & PTE_ADDR_MASK_LO;
  const offsetInPage = la % pageSize;
  out.physical = pageBase + offsetInPage;
  out.frame = out.physical - (out.physical % 4096);
  out.writable = writable;
  out.user = userOk;
  out.executable = executable;
  out.global = (leafLo & 0x100) !== 0;
  out.ok = true;
  return out;
}

function faultBits(access: number, user: boolean, nxe: boolean): number {
  return (access === ACCESS_WRITE ? PF_W : 0) | (user ? PF_U : 0) | (access === ACCESS_EXEC && nxe ? PF_I : 0);
}
