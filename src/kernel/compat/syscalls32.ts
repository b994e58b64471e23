import { EFAULT, EINVAL, ESRCH } from '../errno.js';
import type { Kernel } from '../kernel.js';
import { GDT_ADDR } from '../layout.js';
import { PAGE_SIZE } from '../../mmu/physical-memory.js';
import { STACK_LIMIT } from '../address-space.js';
import { sysMmap } from '../syscalls/memory.js';

/** GDT_ENTRY_TLS_MIN..MAX: the three per-thread TLS descriptors (selectors 0x63, 0x6b, 0x73). */
export const GDT_ENTRY_TLS_MIN = 12;
export const GDT_ENTRY_TLS_ENTRIES = 3;

/**
 * set_thread_area(struct user_desc *) (ia32 243; arch/x86/kernel/tls.c): installs a TLS
 * descriptor in the GDT. entry_number -1 picks the first free TLS slot and is written back.
 * i386 glibc sets up its thread pointer this way and then loads GS with (entry << 3) | 3.
 *   struct user_desc { u32 entry_number, base_addr, limit;
 *                      u32 seg_32bit:1, contents:2, read_exec_only:1, limit_in_pages:1,
 *                          seg_not_present:1, useable:1, lm:1; }
 */
export function sysSetThreadArea(k: Kernel, a: number[]): number {
  const bytes = k.user.read(a[0], 16);
  if (!bytes) return -EFAULT;
  const v = new DataView(bytes.buffer, bytes.byteOffset, 16);
  let entry = v.getInt32(0, true);
  const base = v.getUint32(4, true);
  const limit = v.getUint32(8, true) & 0xfffff;
  const flags = v.getUint32(12, true);
  const tls = tlsSlots(k);
  if (entry === -1) {
    entry = tls.findIndex((used) => !used);
    if (entry < 0) return -ESRCH;
    entry += GDT_ENTRY_TLS_MIN;
    const out = new Uint8Array(4);
    new DataView(out.buffer).setInt32(0, entry, true);
    if (!k.user.write(a[0], out)) return -EFAULT;
  }
  if (entry < GDT_ENTRY_TLS_MIN || entry >= GDT_ENTRY_TLS_MIN + GDT_ENTRY_TLS_ENTRIES) return -EINVAL;
  const seg32 = flags & 1;
  const contents = (flags >> 1) & 3;
  const readExecOnly = (flags >> 3) & 1;
  const pages = (flags >> 4) & 1;
  const notPresent = (flags >> 5) & 1;
  const useable = (flags >> 6) & 1;
  let lo = 0;
  let hi = 0;
  // LDT_empty: an all-zero descriptor clears the slot (fill_ldt / LDT_zero).
  if (!(base === 0 && limit === 0 && contents === 0 && readExecOnly === 1 && seg32 === 0 && pages === 0 && notPresent === 1 && useable === 0)) {
    const access = 0x10 | (3 << 5) | (notPresent ? 0 : 0x80) | (contents << 2) | (readExecOnly ? 0 : 2);
    lo = (limit & 0xffff) | ((base & 0xffff) << 16);
    hi = ((base >>> 16) & 0xff) | (access << 8) | (limit & 0xf0000) | (useable << 20) | (seg32 << 22) | (pages << 23) | (base & 0xff000000);
  }
  const addr = GDT_ADDR + entry * 8;
  k.mmu.write32(addr, lo);
  k.mmu.write32(addr + 4, hi);
  return 0;
}

function tlsSlots(k: Kernel): boolean[] {
  const out: boolean[] = [];
  for (let i = 0; i < GDT_ENTRY_TLS_ENTRIES; i++) {
    const addr = GDT_ADDR + (GDT_ENTRY_TLS_MIN + i) * 8;
    out.push((k.mmu.read32(addr) | k.mmu.read32(addr + 4)) !== 0);
  }
  return out;
}

const RLIMIT_STACK = 3;
const RLIMIT_NOFILE = 7;
const RLIM32_INFINITY = 0xffffffff;

/** ugetrlimit(resource, struct rlimit32 *) (ia32 191): two u32, COMPAT_RLIM_INFINITY clamps. */
export function sysUgetrlimit(k: Kernel, a: number[]): number {
  const resource = a[0] | 0;
  if (resource < 0 || resource > 15) return -EINVAL;
  let cur = RLIM32_INFINITY;
  let max = RLIM32_INFINITY;
  if (resource === RLIMIT_STACK) cur = Math.min(STACK_LIMIT, RLIM32_INFINITY);
  if (resource === RLIMIT_NOFILE) { cur = 1024; max = 1048576; }
  const out = new Uint8Array(8);
  const v = new DataView(out.buffer);
  v.setUint32(0, cur, true);
  v.setUint32(4, max, true);
  return k.user.write(a[1], out) ? 0 : -EFAULT;
}

/** set_robust_list(head, len) (ia32 311): the compat robust_list_head is 12 bytes. */
export function sysSetRobustList32(_k: Kernel, a: number[]): number {
  return a[1] === 12 ? 0 : -EINVAL;
}

/**
 * mmap (ia32 90, old_mmap): the six arguments in a struct mmap_arg_struct32 { u32 addr,
 * len, prot, flags, fd, offset; } in memory; the offset must be page-aligned
 * (compat_sys_ia32_mmap, then ksys_mmap_pgoff).
 */
export function sysOldMmap32(k: Kernel, a: number[]): number {
  const bytes = k.user.read(a[0], 24);
  if (!bytes) return -EFAULT;
  const v = new DataView(bytes.buffer, bytes.byteOffset, 24);
  const args = [0, 4, 8, 12, 16, 20].map((at) => v.getUint32(at, true));
  if (args[5] % PAGE_SIZE !== 0) return -EINVAL;
  return sysMmap(k, args);
}
