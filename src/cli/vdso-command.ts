import { writeFileSync } from 'node:fs';
import { buildVdso64, formatVdsoInfo } from '../vdso/image.js';
import { buildVdso32, formatVdso32Info, patchVdso32 } from '../vdso/image32.js';
import type { Vsyscall32Entry } from '../vdso/vdso32.js';

export interface VdsoCommandOptions {
  /** The 32-bit image (linux-gate.so.1) instead of the 64-bit one. */
  '32'?: boolean;
  /** CPU model whose __kernel_vsyscall to show: intel (sysenter), amd (syscall), legacy (int 0x80). */
  cpu?: string;
}

/** The entry the kernel patches into __kernel_vsyscall for a CPU model name. */
export function vsyscallEntryForCpu(cpu: string): Vsyscall32Entry {
  if (cpu === 'intel') return 'sysenter';
  if (cpu === 'amd') return 'syscall';
  if (cpu === 'legacy') return 'int80';
  throw new Error(`unknown CPU model '${cpu}' (intel, amd or legacy)`);
}

/** `x64emu vdso dump FILE`: the image the kernel maps, for readelf/objdump/gdb. */
export function vdsoDump(file: string, options: VdsoCommandOptions = {}): number {
  if (options['32']) {
    const image = buildVdso32();
    writeFileSync(file, patchVdso32(image, vsyscallEntryForCpu(options.cpu ?? 'intel')));
    process.stdout.write(`wrote ${image.size} bytes (${image.soname}, ${image.functions.length} functions) to ${file}\n`);
    return 0;
  }
  const image = buildVdso64();
  writeFileSync(file, image.bytes);
  process.stdout.write(`wrote ${image.size} bytes (${image.soname}, ${image.functions.length} functions) to ${file}\n`);
  return 0;
}

/** `x64emu vdso info`: symbols, offsets and the vvar layout (`--32`: the 32-bit image). */
export function vdsoInfo(options: VdsoCommandOptions = {}): number {
  if (options['32']) {
    process.stdout.write(formatVdso32Info(buildVdso32(), vsyscallEntryForCpu(options.cpu ?? 'intel')) + '\n');
    return 0;
  }
  process.stdout.write(formatVdsoInfo(buildVdso64()) + '\n');
  return 0;
}
