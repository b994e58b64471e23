import type { PhysicalMemory } from '../../mmu/physical-memory.js';
import { buildVdso32, patchVdso32, type Vdso32Image } from '../../vdso/image32.js';
import type { Vsyscall32Entry } from '../../vdso/vdso32.js';
import { VDSO_DATA_SIZE } from '../../vdso/vvar-layout.js';
import type { AddressSpace } from '../address-space.js';
import { copyToFrames, mapVdsoAreas } from '../vdso-mapping.js';

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
  readonly imageFrames: number[];

  constructor(phys: PhysicalMemory, private readonly vvarFrames: readonly number[], readonly entry: Vsyscall32Entry) {
    this.imageFrames = copyToFrames(phys, patchVdso32(this.image, entry), this.image.size);
  }

  get mappingSize(): number {
    return VDSO_DATA_SIZE + this.image.size;
  }

  /** Maps data + image at `start`; returns { base (AT_SYSINFO_EHDR), entry (AT_SYSINFO) }. */
  mapInto(space: AddressSpace, start: number): { base: number; entry: number } {
    const text = mapVdsoAreas(space, start, this.vvarFrames, this.imageFrames, this.image.size);
    return { base: text, entry: text + this.image.kernelVsyscall };
  }

}
