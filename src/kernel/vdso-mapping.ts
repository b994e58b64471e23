import type { PhysicalMemory } from '../mmu/physical-memory.js';
import { PAGE_SIZE } from '../mmu/physical-memory.js';
import type { Vdso64Image } from '../vdso/image.js';
import { bootImages } from './boot-images.js';
import { VDSO_DATA_SIZE, VVAR_PAGES, VVAR_SIZE, VVAR_VCLOCK_SIZE } from '../vdso/vvar-layout.js';
import { vvarMemory, VvarMemory } from '../vdso/vvar-writer.js';
import { AddressSpace, PROT_EXEC, PROT_READ } from './address-space.js';

/**
 * The vDSO as the kernel keeps it (arch/x86/entry/vdso/vma.c): one image built at boot,
 * its pages and the vvar data pages owned by the kernel and shared into each process,
 * mapped as `[vvar]` (4 pages: time data, timens, rng, arch), `[vvar_vclock]` (2 pages,
 * pvclock and hvclock: not backed here, so touching them is SIGBUS as on a machine
 * without a paravirtual clock) and `[vdso]` directly above.
 */
export class VdsoPages {
  readonly image: Vdso64Image;
  readonly imageFrames: number[];
  readonly vvarFrames: number[] = [];
  /** The time data (`struct vdso_time_data`) at the start of the first vvar page. */
  readonly timeData: VvarMemory;

  constructor(phys: PhysicalMemory) {
    this.image = bootImages().vdso;
    this.imageFrames = copyToFrames(phys, this.image.bytes, this.image.size);
    for (let i = 0; i < VVAR_PAGES; i++) this.vvarFrames.push(phys.allocFrame());
    this.timeData = vvarMemory(phys.view, this.vvarFrames[0]);
  }

  /** Total bytes of one mapping: data pages then the image. */
  get mappingSize(): number {
    return VDSO_DATA_SIZE + this.image.size;
  }

  /**
   * Maps data + image at `start` (page aligned; data first), replacing what was there.
   * Returns the image base, which becomes AT_SYSINFO_EHDR.
   */
  mapInto(space: AddressSpace, start: number): number {
    return mapVdsoAreas(space, start, this.vvarFrames, this.imageFrames, this.image.size);
  }


  /** Where the image of a process currently is: the [vdso] area's start, or 0 if none. */
  static baseIn(space: AddressSpace): number {
    return space.vmas.find((v) => v.name === '[vdso]')?.start ?? 0;
  }
}

/** Copies an image into fresh frames, one per page (the tail of the last page stays zero). */
export function copyToFrames(phys: PhysicalMemory, bytes: Uint8Array, size: number): number[] {
  const frames: number[] = [];
  for (let off = 0; off < size; off += PAGE_SIZE) {
    const frame = phys.allocFrame();
    phys.bytes.set(bytes.subarray(off, off + PAGE_SIZE), frame);
    frames.push(frame);
  }
  return frames;
}

/**
 * Maps [vvar], [vvar_vclock] (unbacked) and [vdso] at `start`, data first, replacing what
 * was there, with their pages present; returns the image's base (AT_SYSINFO_EHDR). Shared
 * by the 64-bit vDSO and the vdso32.
 */
export function mapVdsoAreas(space: AddressSpace, start: number, vvarFrames: readonly number[], imageFrames: readonly number[], imageSize: number): number {
  const text = start + VDSO_DATA_SIZE;
  space.map({ start, end: start + VVAR_SIZE, prot: PROT_READ, name: '[vvar]', offset: 0, frames: vvarFrames.slice() });
  space.map({ start: start + VVAR_SIZE, end: text, prot: PROT_READ, name: '[vvar_vclock]', offset: 0, frames: new Array(VVAR_VCLOCK_SIZE / PAGE_SIZE).fill(0) });
  space.map({ start: text, end: text + imageSize, prot: PROT_READ | PROT_EXEC, name: '[vdso]', offset: 0, frames: imageFrames.slice() });
  for (const v of space.vmas) {
    if (v.start < start || v.end > text + imageSize || !v.frames) continue;
    for (let p = v.start; p < v.end; p += PAGE_SIZE) if (v.frames[(p - v.start) / PAGE_SIZE]) space.populate(v, p);
  }
  return text;
}
