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
