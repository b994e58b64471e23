import type { Cpu } from '../../cpu/cpu.js';

/**
 * The x87/SSE state of a signal frame: the 512-byte FXSAVE64 image (SDM Vol. 2A,
 * FXSAVE, Table 3-56) that Linux's copy_fpstate_to_sigframe writes on a CPU without
 * XSAVE (the emulated models advertise FXSR but not XSAVE), followed by the software
 * bytes of save_xstate_epilog in the reserved tail (464..511): FP_XSTATE_MAGIC1,
 * extended_size = 512 + 4, xfeatures = FP|SSE, xstate_size = 512. On such a CPU the
 * frame's uc_flags lacks UC_FP_XSTATE and there is no FP_XSTATE_MAGIC2 after the image.
 *
 * The images are built from the CPU's own state here rather than by running FXSAVE, the
 * way the kernel (not the user) does it.
 */
export const FXSAVE_SIZE = 512;
export const FP_XSTATE_MAGIC1 = 0x46505853;
const FP_XSTATE_MAGIC2_SIZE = 4;
const XFEATURE_MASK_FPSSE = 3;

/** Offsets in the image. */
const FCW = 0;
const FSW = 2;
const FTW = 4;
const FOP = 6;
const FIP = 8;
const FDP = 16;
const MXCSR = 24;
const MXCSR_MASK = 28;
const ST0 = 32;
const XMM0 = 160;
const SW_RESERVED = 464;

/** The parts of the x87 state this module needs, as src/cpu/x87/fpu.ts provides them. */
interface FpuImage {
  se: Uint16Array;
  sigLo: Int32Array;
  sigHi: Int32Array;
  valid: number;
  top: number;
  control: number;
  status: number;
  fip: number;
  fdp: number;
  readonly fop: number;
  setFop?(v: number): void;
}

function fpuOf(cpu: Cpu): FpuImage {
  return cpu.fpu as unknown as FpuImage;
}

function put64(v: DataView, at: number, value: number): void {
  v.setUint32(at, value >>> 0, true);
  v.setInt32(at + 4, Math.floor(value / 4294967296), true);
}

function get64(v: DataView, at: number): number {
  return v.getInt32(at + 4, true) * 4294967296 + v.getUint32(at, true);
}

/**
 * The signal frame's fpstate: FXSAVE64 of the current state plus the software bytes.
 * `headerSize` is that of an fsave header in front of it (ia32 frames), which
 * save_sw_bytes counts in extended_size.
 */
export function saveFpstate(cpu: Cpu, headerSize = 0): Uint8Array {
  const out = new Uint8Array(FXSAVE_SIZE);
  const v = new DataView(out.buffer);
  const f = fpuOf(cpu);
  v.setUint16(FCW, f.control, true);
  v.setUint16(FSW, f.status, true);
  v.setUint8(FTW, f.valid & 0xff);
  v.setUint16(FOP, f.fop & 0x7ff, true);
  put64(v, FIP, f.fip);
  put64(v, FDP, f.fdp);
  v.setUint32(MXCSR, cpu.mxcsr >>> 0, true);
  // The MXCSR_MASK FXSAVE reports: DAZ included, and on AMD MM (misaligned SSE) too.
  v.setUint32(MXCSR_MASK, cpu.model.mxcsrMask, true);
  for (let k = 0; k < 8; k++) {
    const p = (f.top + k) & 7; // ST(k)
    const at = ST0 + 16 * k;
    v.setInt32(at, f.sigLo[p], true);
    v.setInt32(at + 4, f.sigHi[p], true);
    v.setUint16(at + 8, f.se[p], true);
  }
  for (let k = 0; k < 64; k++) v.setInt32(XMM0 + 4 * k, cpu.xmm[k], true);
  // struct _fpx_sw_bytes: magic1, extended_size, xfeatures, xstate_size, padding.
  v.setUint32(SW_RESERVED, FP_XSTATE_MAGIC1, true);
  v.setUint32(SW_RESERVED + 4, FXSAVE_SIZE + FP_XSTATE_MAGIC2_SIZE + headerSize, true);
  put64(v, SW_RESERVED + 8, XFEATURE_MASK_FPSSE);
  v.setUint32(SW_RESERVED + 16, FXSAVE_SIZE, true);
  return out;
}

/**
 * FXRSTOR64 of a frame's image (fxrstor_from_user_sigframe). Returns false, changing
 * nothing, when MXCSR has reserved bits set: the instruction would #GP and rt_sigreturn
 * fails with SIGSEGV.
 */
export function restoreFpstate(cpu: Cpu, image: Uint8Array): boolean {
  const v = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const mxcsr = v.getUint32(MXCSR, true);
  if (mxcsr & ~cpu.model.mxcsrMask) return false;
  const f = fpuOf(cpu);
  f.control = v.getUint16(FCW, true);
  f.status = v.getUint16(FSW, true); // also sets TOP
  f.valid = v.getUint8(FTW);
  setFop(f, v.getUint16(FOP, true) & 0x7ff);
  f.fip = get64(v, FIP);
  f.fdp = get64(v, FDP);
  for (let k = 0; k < 8; k++) {
    const p = (f.top + k) & 7;
    const at = ST0 + 16 * k;
    f.sigLo[p] = v.getInt32(at, true);
    f.sigHi[p] = v.getInt32(at + 4, true);
    f.se[p] = v.getUint16(at + 8, true);
  }
  for (let k = 0; k < 64; k++) cpu.xmm[k] = v.getInt32(XMM0 + 4 * k, true);
  cpu.mxcsr = mxcsr;
  return true;
}

/**
 * fpu__clear_user_states: a signal handler starts with the initial FPU state (FCW
 * 0x37f, empty x87 stack, MXCSR 0x1f80, zeroed registers), as does a sigreturn whose
 * frame has no fpstate.
 */
export function resetFpstate(cpu: Cpu): void {
  const f = fpuOf(cpu);
  f.control = 0x37f;
  f.status = 0;
  f.valid = 0;
  f.fip = 0;
  f.fdp = 0;
  setFop(f, 0);
  f.se.fill(0);
  f.sigLo.fill(0);
  f.sigHi.fill(0);
  cpu.xmm.fill(0);
  cpu.mxcsr = 0x1f80;
}

/** FOP is loaded through setFop where the FPU derives it from the last instruction, else it is a plain field. */
function setFop(f: FpuImage, value: number): void {
  if (typeof f.setFop === 'function') f.setFop(value);
  else (f as unknown as { fop: number }).fop = value;
}
