/**
 * Bits of a 4-level paging entry (Intel SDM Vol. 3A §4.5, Tables 4-15 to 4-20).
 * Entries are 64 bits; we hold them as two 32-bit halves. All flags except XD live in
 * the low half; XD (execute-disable) is bit 63, i.e. bit 31 of the high half.
 */
export const PTE_P = 1 << 0; //   present
export const PTE_RW = 1 << 1; //  writable
export const PTE_US = 1 << 2; //  user-accessible
export const PTE_PWT = 1 << 3;
export const PTE_PCD = 1 << 4;
export const PTE_A = 1 << 5; //   accessed: set by the walker on any use
export const PTE_D = 1 << 6; //   dirty: set by the walker on a write (leaf entries only)
export const PTE_PS = 1 << 7; //  page size: 1 GiB in a PDPTE, 2 MiB in a PDE
export const PTE_G = 1 << 8; //   global: survives CR3 reloads in the TLB
export const PTE_XD_HI = 1 << 31; // execute-disable, bit 63 (honoured only with EFER.NXE)

/** Physical-address bits 12..31 of the low half; frames live below 2 GiB here. */
export const PTE_ADDR_MASK_LO = 0xfffff000 | 0;

/** #PF error code bits (SDM Vol. 3A §4.7, Figure 4-12). */
export const PF_P = 1 << 0; //    0: not-present page, 1: protection violation
export const PF_W = 1 << 1; //    access was a write
export const PF_U = 1 << 2; //    access came from CPL 3
export const PF_RSVD = 1 << 3; // reserved bit set in a paging entry
export const PF_I = 1 << 4; //    instruction fetch (reported when NXE is on)

export function describePteFlags(lo: number, hi: number): string {
  const f: string[] = [];
  f.push(lo & PTE_P ? 'P' : '-');
  f.push(lo & PTE_RW ? 'RW' : 'R');
  f.push(lo & PTE_US ? 'U' : 'S');
  if (lo & PTE_A) f.push('A');
  if (lo & PTE_D) f.push('D');
  if (lo & PTE_PS) f.push('PS');
  if (lo & PTE_G) f.push('G');
  if (hi & PTE_XD_HI) f.push('XD');
  return f.join(' ');
}
