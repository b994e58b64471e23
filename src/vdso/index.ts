/**
 * The vDSO: image builder, vvar layout and writer. See README.md in this folder.
 */
export {
  buildVdso64, formatVdsoInfo, linuxVersionCode, VDSO64_SONAME, VDSO64_VERSION, VDSO_LINUX_VERSION,
  type LinuxVersion, type Vdso64Function, type Vdso64Image, type Vdso64Options,
} from './image.js';
export { vdso64Source, vdso64Symbols, VDSO64_FUNCTIONS, VDSO64_ABI_SYMBOLS, type Vdso64SourceOptions } from './vdso64.js';
export * from './vvar-layout.js';
export {
  readVvar, vdsoClockGetres, vdsoClockGettime, vvarMemory, VvarWriter,
  type VvarMemory, type VvarRecordSnapshot, type VvarSnapshot, type VvarTime, type VvarUpdate,
} from './vvar-writer.js';
export {
  buildVdso32, formatVdso32Info, patchVdso32, vsyscall32EntryFor, VDSO32_KERNEL_VERSION, VDSO32_SONAME, VDSO32_VDSO_VERSION,
  type Vdso32Function, type Vdso32Image, type Vdso32Options,
} from './image32.js';
export { vdso32Source, vdso32Symbols, VDSO32_KERNEL_FUNCTIONS, VDSO32_VDSO_FUNCTIONS, type Vsyscall32Entry } from './vdso32.js';
