import { PAGE_SIZE, OutOfPhysicalMemory } from '../../mmu/physical-memory.js';
import { PROT_WRITE } from '../address-space.js';
import { EACCES, EBADF, EINVAL, ENODEV, ENOMEM } from '../errno.js';
import type { Kernel } from '../kernel.js';
import { HOST_CHUNK } from './host-file.js';
import { canRead, canWrite, OpenFile } from './open-file.js';

const MAP_SHARED = 0x01;

/** What an mmap of a file copies from: the file, or nothing (/dev/zero). */
export interface MappedFile {
  file: OpenFile;
  offset: number;
}

/**
 * mmap's checks for a file mapping (mm/mmap.c do_mmap): the descriptor, the offset's
 * alignment, the access mode, and whether the file can be mapped at all. Files are
 * mapped by copying their bytes into the area's private pages (`fillFromFile`), so a
 * shared writable mapping, whose writes would have to reach the file, is -ENODEV.
 */
export function mappedFile(k: Kernel, fd: number, offset: number, prot: number, flags: number): MappedFile | number {
  const file = k.process.fds.get(fd);
  if (!file) return -EBADF;
  if (offset < 0 || offset % PAGE_SIZE !== 0) return -EINVAL;
  if (!file.mmap) return -ENODEV;
  if (!canRead(file.flags)) return -EACCES;
  if (flags & MAP_SHARED && prot & PROT_WRITE) {
    if (!canWrite(file.flags)) return -EACCES;
    if (file.mmap === 'copy') return -ENODEV;
  }
  return { file, offset };
}

/**
 * Copies the file's bytes from `offset` into the new area [start, start + size): the
 * pages past the end of the file stay zero. -ENOMEM when guest memory cannot hold them.
 */
export function fillFromFile(k: Kernel, start: number, size: number, source: MappedFile): number {
  const { file, offset } = source;
  if (file.mmap !== 'copy' || !file.pread) return 0;
  const st = file.stat(k);
  if (typeof st === 'number') return st;
  const length = Math.max(0, Math.min(size, st.size - offset));
  if (Math.ceil(length / PAGE_SIZE) + 8 > k.phys.framesFree) return -ENOMEM;
  const space = k.process.space;
  try {
    for (let done = 0; done < length; ) {
      const data = file.pread(k, Math.min(HOST_CHUNK, length - done), offset + done);
      if (typeof data === 'number') return data;
      if (data.length === 0) break;
      space.load(start + done, data);
      done += data.length;
    }
  } catch (e) {
    if (e instanceof OutOfPhysicalMemory) return -ENOMEM;
    throw e;
  }
  return 0;
}
