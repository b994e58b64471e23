/**
 * Thrown (as one preallocated object per MMU) when a translation fails, so the CPU can
 * abort the instruction and deliver #PF (vector 14) with CR2 = address and this error
 * code. Reusing one object keeps faults allocation-free.
 */
export class PageFault {
  /** The faulting linear address as a signed canonical number. */
  address = 0;
  /** Architectural #PF error code (PF_* bits in page-table-entry.ts). */
  errorCode = 0;
}
