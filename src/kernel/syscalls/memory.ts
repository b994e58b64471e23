import { accountable, MAX_MAP_COUNT, pageCeil, PROT_EXEC, PROT_READ, PROT_WRITE } from '../address-space.js';
import type { Vma } from '../address-space.js';
import { EEXIST, EFAULT, EINVAL, ENOMEM } from '../errno.js';
import { fillFromFile, mappedFile } from '../files/file-mapping.js';
import type { Kernel } from '../kernel.js';
import { TASK_SIZE } from '../layout.js';
import { PAGE_SIZE } from '../../mmu/physical-memory.js';

/** brk(addr): move the program break; returns the new break (the old one on failure). */
export function sysBrk(k: Kernel, a: number[]): number {
  const space = k.process.space;
  const wanted = a[0];
  if (wanted < space.brkStart || wanted >= TASK_SIZE) return space.brk;
  const oldEnd = pageCeil(space.brk);
  const newEnd = pageCeil(wanted);
  if (newEnd > oldEnd) {
    for (const v of space.vmas) if (v.start < newEnd && v.end > oldEnd && v.name !== '[heap]') return space.brk;
    // Not enough guest memory: the break stays (malloc then tries mmap, which fails too).
    if (!space.canCommit((newEnd - oldEnd) / PAGE_SIZE)) return space.brk;
    const heap = space.vmas.find((v) => v.name === '[heap]');
    if (heap) heap.end = newEnd;
    else space.map({ start: pageCeil(space.brkStart), end: newEnd, prot: PROT_READ | PROT_WRITE, name: '[heap]', offset: 0 });
  } else if (newEnd < oldEnd) {
    space.unmap(newEnd, oldEnd);
  }
  space.brk = wanted;
  return wanted;
}

const MAP_SHARED = 0x01;
const MAP_PRIVATE = 0x02;
const MAP_FIXED = 0x10;
const MAP_ANONYMOUS = 0x20;
const MAP_NORESERVE = 0x4000;
const MAP_FIXED_NOREPLACE = 0x100000;

/**
 * mmap(addr, length, prot, flags, fd, offset): anonymous private and shared memory, and
 * files, whose bytes are copied into the area's pages (files/file-mapping.ts).
 */
export function sysMmap(k: Kernel, a: number[]): number {
  const space = k.process.space;
  const [hint, length] = a;
  const prot = a[2] & (PROT_READ | PROT_WRITE | PROT_EXEC);
  const flags = a[3] | 0;
  if (length <= 0 || length > TASK_SIZE) return -EINVAL;
  if ((flags & (MAP_SHARED | MAP_PRIVATE)) === 0) return -EINVAL;
  const source = flags & MAP_ANONYMOUS ? null : mappedFile(k, a[4] | 0, a[5], prot, flags);
  if (typeof source === 'number') return source;
  if (space.vmas.length >= MAX_MAP_COUNT) return -ENOMEM;
  const size = pageCeil(length);
  let start: number;
  if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
    if (hint % PAGE_SIZE !== 0 || hint < 0 || hint + size > TASK_SIZE) return -EINVAL;
    if (flags & MAP_FIXED_NOREPLACE && space.vmas.some((v) => v.start < hint + size && v.end > hint)) return -EEXIST;
    start = hint;
  } else {
    // A free hint is honoured (Linux's get_unmapped_area); otherwise top-down search.
    const h = pageCeil(hint);
    const hintFree = h > 0 && h + size <= TASK_SIZE && !space.vmas.some((v) => v.start < h + size && v.end > h);
    start = hintFree ? h : space.findFree(size);
    if (!start) return -ENOMEM;
  }
  const vma: Vma = { start, end: start + size, prot, name: '', offset: 0 };
  if (flags & MAP_NORESERVE) vma.noReserve = true;
  // Charged against guest memory after a MAP_FIXED replacement is gone, as Linux 5.x did.
  if (accountable(vma)) {
    if (flags & MAP_FIXED) space.unmap(start, start + size);
    if (!space.canCommit(size / PAGE_SIZE)) return -ENOMEM;
  }
  space.map(vma);
  if (source) {
    const area = space.find(start)!;
    area.name = source.file.description;
    area.offset = source.offset;
    const filled = fillFromFile(k, start, size, source);
    if (filled < 0) {
      space.unmap(start, start + size);
      return filled;
    }
  }
  return start;
}

const MREMAP_MAYMOVE = 1;
const MREMAP_FIXED = 2;

/**
 * mremap(old, old_size, new_size, flags, new_address): resize in place, or move with
 * MREMAP_MAYMOVE (to new_address with MREMAP_FIXED). Moving [vdso] is allowed, as on
 * Linux (the vDSO code reaches vvar at a fixed distance, so movers move both, like CRIU).
 */
export function sysMremap(k: Kernel, a: number[]): number {
  const space = k.process.space;
  const [oldAddr, oldLen, newLen] = a;
  const flags = a[3] | 0;
  const newAddr = a[4];
  if (oldAddr % PAGE_SIZE !== 0 || flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) return -EINVAL;
  if (flags & MREMAP_FIXED && !(flags & MREMAP_MAYMOVE)) return -EINVAL;
  const oldSize = pageCeil(oldLen);
  const newSize = pageCeil(newLen);
  if (newSize <= 0) return -EINVAL;
  const v = space.find(oldAddr);
  if (!v || oldAddr + oldSize > v.end) return -EFAULT;
  if (flags & MREMAP_FIXED) {
    if (newAddr % PAGE_SIZE !== 0 || newAddr < 0 || newAddr + newSize > TASK_SIZE) return -EINVAL;
    if (newAddr < oldAddr + oldSize && newAddr + newSize > oldAddr) return -EINVAL; // overlapping ranges
    if (newSize > oldSize && accountable(v) && !space.canCommit((newSize - oldSize) / PAGE_SIZE)) return -ENOMEM;
    if (newSize < oldSize) space.unmap(oldAddr + newSize, oldAddr + oldSize);
    space.move(oldAddr, Math.min(oldSize, newSize), newAddr);
    if (newSize > oldSize) space.map({ ...v, start: newAddr + oldSize, end: newAddr + newSize, frames: undefined });
    return newAddr;
  }
  if (newSize <= oldSize) {
    space.unmap(oldAddr + newSize, oldAddr + oldSize);
    return oldAddr;
  }
  if (accountable(v) && !space.canCommit((newSize - oldSize) / PAGE_SIZE)) return -ENOMEM;
  // Grow in place when the following pages are free and the area ends here.
  const free = !space.vmas.some((o) => o.start < oldAddr + newSize && o.end > oldAddr + oldSize);
  if (free && v.end === oldAddr + oldSize && !v.frames) {
    v.end = oldAddr + newSize;
    return oldAddr;
  }
  if (!(flags & MREMAP_MAYMOVE) || v.frames) return -ENOMEM;
  const dest = space.findFree(newSize);
  if (!dest) return -ENOMEM;
  space.move(oldAddr, oldSize, dest);
  space.map({ ...v, start: dest + oldSize, end: dest + newSize, frames: undefined });
  return dest;
}

/** ia32 mmap2(addr, length, prot, flags, fd, pgoffset): mmap with the file offset in 4 KiB pages. */
export function sysMmap2(k: Kernel, a: number[]): number {
  return sysMmap(k, [a[0], a[1], a[2], a[3], a[4], (a[5] >>> 0) * PAGE_SIZE]);
}

/** munmap(addr, length) */
export function sysMunmap(k: Kernel, a: number[]): number {
  const [addr, length] = a;
  if (addr % PAGE_SIZE !== 0 || length <= 0 || addr < 0 || addr + length > TASK_SIZE) return -EINVAL;
  k.process.space.unmap(addr, addr + pageCeil(length));
  return 0;
}

/** mprotect(addr, length, prot) */
export function sysMprotect(k: Kernel, a: number[]): number {
  const [addr, length] = a;
  const prot = a[2] | 0;
  if (addr % PAGE_SIZE !== 0 || length < 0 || addr < 0) return -EINVAL;
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) return -EINVAL;
  if (length === 0) return 0;
  const space = k.process.space;
  const end = addr + pageCeil(length);
  if (space.vmas.length >= MAX_MAP_COUNT - 1) return -ENOMEM; // the split could pass the limit
  // Making private memory writable charges it (mprotect_fixup's VM_ACCOUNT).
  let newlyCharged = 0;
  for (const v of space.vmas) {
    if (v.end <= addr || v.start >= end || accountable(v)) continue;
    if (accountable({ ...v, prot })) newlyCharged += (Math.min(v.end, end) - Math.max(v.start, addr)) / PAGE_SIZE;
  }
  if (!space.canCommit(newlyCharged)) return -ENOMEM;
  return space.protect(addr, end, prot) ? 0 : -ENOMEM;
}
