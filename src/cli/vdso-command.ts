import { writeFileSync } from 'node:fs';
import { buildVdso64, formatVdsoInfo } from '../vdso/image.js';

/** `x64emu vdso dump FILE`: the image the kernel maps, for readelf/objdump/gdb. */
export function vdsoDump(file: string): number {
  const image = buildVdso64();
  writeFileSync(file, image.bytes);
  process.stdout.write(`wrote ${image.size} bytes (${image.soname}, ${image.functions.length} functions) to ${file}\n`);
  return 0;
}

/** `x64emu vdso info`: symbols, offsets and the vvar layout. */
export function vdsoInfo(): number {
  process.stdout.write(formatVdsoInfo(buildVdso64()) + '\n');
  return 0;
}
