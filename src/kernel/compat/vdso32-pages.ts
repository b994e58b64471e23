import type { PhysicalMemory } from '../../mmu/physical-memory.js';
import { PAGE_SIZE } from '../../mmu/physical-memory.js';
import { buildVdso32, patchVdso32, type Vdso32Image } from '../../vdso/image32.js';
import type { Vsyscall32Entry } from '../../vdso/vdso32.js';
import { VDSO_DATA_SIZE, VVAR_SIZE, VVAR_VCLOCK_SIZE } from '../../vdso/vvar-layout.js';
import { AddressSpace, PROT_EXEC, PROT_READ } from '../address-space.js';

let image: Vdso32Image | null = null;
/** The vdso32 image (built once per run of the emulator, like the 64-bit one). */
export function vdso32Image(): Vdso32Image {
  return (image ??= buildVdso32());
}

/**
 * The vdso32 as the kernel keeps it: the image patched once for the CPU (apply_alternatives
 * on __kernel_vsyscall), in frames of its own, mapped above the *same* vvar frames as the
 * 64-bit vDSO (one timekeeper writes both), as [vvar], [vvar_vclock], [vdso].
 */
export class Vdso32Pages {
  readonly image = vdso32Image();
  readonly imageFrames: number[] = [];

  constructor(phys: PhysicalMemory, private readonly vvarFrames: readonly number[], readonly entry: Vsyscall32Entry) {
    const bytes = patchVdso32(this.image, entry);
    for (let off = 0; off < this.image.size; off += PAGE_SIZE) {
      const frame = phys.allocFrame();
      phys.bytes.set(bytes.subarray(off, off + PAGE_SIZE), frame);
      this.imageFrames.push(frame);
    }
  }

  get mappingSize(): number {
    return VDSO_DATA_SIZE + this.image.size;
  }

  /** Maps data + image at `start`; returns { base (AT_SYSINFO_EHDR), entry (AT_SYSINFO) }. */
  mapInto(space: AddressSpace, start: number): { base: number; entry: number } {
    const text = start + VDSO_DATA_SIZE;
    space.map({ start, end: start + VVAR_SIZE, prot: PROT_READ, name: '[vvar]', offset: 0, frames: this.vvarFrames.slice() });
    space.map({ start: start + VVAR_SIZE, end: text, prot: PROT_READ, name: '[vvar_vclock]', offset: 0, frames: new Array(VVAR_VCLOCK_SIZE / PAGE_SIZE).fill(0) });
    space.map({ start: text, end: text + this.image.size, prot: PROT_READ | PROT_EXEC, name: '[vdso]', offset: 0, frames: this.imageFrames.slice() });
    for (const v of space.vmas) {
      if (v.start < start || v.end > text + this.image.size || !v.frames) continue;
      for (let p = v.start; p < v.end; p += PAGE_SIZE) if (v.frames[(p - v.start) / PAGE_SIZE]) space.populate(v, p);
    }
    return { base: text, entry: text + this.image.kernelVsyscall };
  }
}
