/**
 * The 32-bit vDSO image builder (vdso32, soname linux-gate.so.1): the same pipeline as
 * image.ts (layout, assemble at the final offset with `bits: 32`, write an ELFCLASS32
 * image), plus the boot-time patch of `__kernel_vsyscall` (the kernel's alternatives).
 *
 *   const vdso32 = buildVdso32();                       // once; same bytes every time
 *   const bytes = patchVdso32(vdso32, 'sysenter');      // what the kernel maps as [vdso]
 *   // AT_SYSINFO = base + vdso32.kernelVsyscall, AT_SYSINFO_EHDR = base; data pages below
 *   // exactly as for the 64-bit image (VDSO_DATA_SIZE).
 */

import { assemble } from './asm/index.js';
import { buildVdsoImage, layoutVdso, type VdsoImageSpec, type VdsoLayoutSpec } from './elf/index.js';
import { linuxVersionCode, VDSO_LINUX_VERSION, type LinuxVersion } from './image.js';
import { endLabel } from './vdso64.js';
import {
  VDSO32_KERNEL_FUNCTIONS, VDSO32_VDSO_FUNCTIONS, vdso32Source, vdso32Symbols, VSYSCALL32_ALT_END_LABEL,
  VSYSCALL32_ALT_LABEL, VSYSCALL32_LANDING_PAD, VSYSCALL32_REPLACEMENTS, type Vdso32SourceOptions, type Vsyscall32Entry,
} from './vdso32.js';
import { PAGE_SIZE, VDSO_DATA_SIZE, VDSO_DATA_START, VVAR_TIME_DATA } from './vvar-layout.js';

export const VDSO32_SONAME = 'linux-gate.so.1';
export const VDSO32_KERNEL_VERSION = 'LINUX_2.5';
export const VDSO32_VDSO_VERSION = 'LINUX_2.6';

export interface Vdso32Function {
  name: string;
  version: string;
  offset: number;
  size: number;
}

export interface Vdso32Image {
  /** The ELF file with the alternatives site unpatched (NOPs: int 0x80), page multiple. */
  bytes: Uint8Array;
  size: number;
  textOffset: number;
  textSize: number;
  symbols: Map<string, number>;
  functions: Vdso32Function[];
  soname: string;
  linuxVersion: LinuxVersion;
  /** Offsets in the image of __kernel_vsyscall (AT_SYSINFO - base = e_entry) and its landing pad. */
  kernelVsyscall: number;
  int80LandingPad: number;
  sigreturn: number;
  rtSigreturn: number;
  /** The alternatives site in __kernel_vsyscall and its replacements (machine code). */
  alternative: { offset: number; length: number; replacements: Record<'sysenter' | 'syscall', number[]> };
  data: { start: number; size: number };
  timeData: number;
  source: string;
  labels: Map<string, number>;
}

export interface Vdso32Options extends Vdso32SourceOptions {
  linuxVersion?: LinuxVersion;
}

function layoutSpec(): VdsoLayoutSpec {
  return {
    elfClass: 32,
    soname: VDSO32_SONAME,
    versions: [
      { name: VDSO32_VDSO_VERSION, symbols: VDSO32_VDSO_FUNCTIONS.map((name) => ({ name })) },
      { name: VDSO32_KERNEL_VERSION, symbols: VDSO32_KERNEL_FUNCTIONS.map((name) => ({ name })) },
    ],
  };
}

/** Builds the 32-bit vDSO. Deterministic. */
export function buildVdso32(options: Vdso32Options = {}): Vdso32Image {
  const linuxVersion = options.linuxVersion ?? VDSO_LINUX_VERSION;
  const code = linuxVersionCode(linuxVersion);
  const spec = layoutSpec();
  const { textOffset } = layoutVdso(spec);
  const source = vdso32Source(options);
  const asm = assemble(source, { origin: textOffset, bits: 32, symbols: vdso32Symbols(textOffset) });
  const at = (label: string): number => {
    const v = asm.labels.get(label);
    if (v === undefined) throw new Error(`vdso32: the source lacks ${label}`);
    return v;
  };
  const sym = (name: string) => ({ name, offset: at(name), size: at(endLabel(name)) - at(name) });
  const full: VdsoImageSpec = {
    ...spec,
    versions: [
      { name: VDSO32_VDSO_VERSION, symbols: VDSO32_VDSO_FUNCTIONS.map(sym) },
      { name: VDSO32_KERNEL_VERSION, symbols: VDSO32_KERNEL_FUNCTIONS.map(sym) },
    ],
    text: asm.bytes,
    linuxVersionCode: code,
    entry: '__kernel_vsyscall',
  };
  const image = buildVdsoImage(full);
  if (image.textOffset !== textOffset) throw new Error(`vdso32: .text moved from ${textOffset} to ${image.textOffset}`);

  const labels = new Map<string, number>();
  for (const [k, v] of asm.labels) labels.set(k, textOffset + v);
  const functions: Vdso32Function[] = [
    ...VDSO32_KERNEL_FUNCTIONS.map((n) => ({ ...sym(n), version: VDSO32_KERNEL_VERSION })),
    ...VDSO32_VDSO_FUNCTIONS.map((n) => ({ ...sym(n), version: VDSO32_VDSO_VERSION })),
  ].map((f) => ({ ...f, offset: textOffset + f.offset }));

  const altStart = at(VSYSCALL32_ALT_LABEL);
  const altLength = at(VSYSCALL32_ALT_END_LABEL) - altStart;
  const replacements = {} as Record<'sysenter' | 'syscall', number[]>;
  for (const k of ['sysenter', 'syscall'] as const) {
    const r = assemble(VSYSCALL32_REPLACEMENTS[k], { bits: 32 }).bytes;
    if (r.length > altLength) throw new Error(`vdso32: the ${k} replacement (${r.length} bytes) does not fit the ${altLength}-byte site`);
    replacements[k] = [...r];
  }
  return {
    bytes: image.bytes,
    size: image.size,
    textOffset,
    textSize: asm.bytes.length,
    symbols: image.symbols,
    functions,
    soname: VDSO32_SONAME,
    linuxVersion: { ...linuxVersion },
    kernelVsyscall: textOffset + at('__kernel_vsyscall'),
    int80LandingPad: textOffset + at(VSYSCALL32_LANDING_PAD),
    sigreturn: textOffset + at('__kernel_sigreturn'),
    rtSigreturn: textOffset + at('__kernel_rt_sigreturn'),
    alternative: { offset: textOffset + altStart, length: altLength, replacements },
    data: { start: VDSO_DATA_START, size: VDSO_DATA_SIZE },
    timeData: VVAR_TIME_DATA,
    source,
    labels,
  };
}

/** NOP padding (the SDM's recommended multi-byte NOPs) for `n` <= 8 bytes. */
const NOPS: number[][] = [
  [], [0x90], [0x66, 0x90], [0x0f, 0x1f, 0x00], [0x0f, 0x1f, 0x40, 0x00], [0x0f, 0x1f, 0x44, 0x00, 0x00],
  [0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00], [0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00],
  [0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
];

/**
 * The image with `__kernel_vsyscall` patched for an entry (apply_alternatives at boot):
 * the replacement, padded with one NOP, or the original NOP for `int80`. A new array.
 */
export function patchVdso32(image: Vdso32Image, entry: Vsyscall32Entry): Uint8Array {
  const out = image.bytes.slice();
  const { offset, length, replacements } = image.alternative;
  const code = entry === 'int80' ? [] : replacements[entry];
  const pad = NOPS[length - code.length];
  if (!pad) throw new Error(`vdso32: no ${length - code.length}-byte NOP`);
  out.set([...code, ...pad], offset);
  return out;
}

/** Which entry a CPU vendor's kernel patches in (X86_FEATURE_SYSENTER32 / SYSCALL32 / neither). */
export function vsyscall32EntryFor(features: { sysenter32: boolean; syscall32: boolean }): Vsyscall32Entry {
  return features.sysenter32 ? 'sysenter' : features.syscall32 ? 'syscall' : 'int80';
}

const hex = (n: number): string => (n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`);

/** `x64emu vdso info --32`. */
export function formatVdso32Info(v: Vdso32Image, entry?: Vsyscall32Entry): string {
  const out: string[] = [];
  const { major, minor, patch } = v.linuxVersion;
  out.push(`[vdso] ${v.soname} (ELF32, i386): ${v.size} bytes (${v.size / PAGE_SIZE} pages), .text at ${hex(v.textOffset)} (${v.textSize} bytes), Linux note ${major}.${minor}.${patch}`);
  out.push(`e_entry = AT_SYSINFO - AT_SYSINFO_EHDR = ${hex(v.kernelVsyscall)} (__kernel_vsyscall)`);
  out.push('');
  out.push('symbols (offsets from the image base = AT_SYSINFO_EHDR):');
  for (const f of v.functions) out.push(`  ${hex(f.offset).padStart(6)}  ${String(f.size).padStart(4)}  ${f.name}@@${f.version}`);
  out.push('');
  out.push(`__kernel_vsyscall: push ecx; push edx; push ebp; <${v.alternative.length}-byte alternatives site at ${hex(v.alternative.offset)}>; int 0x80; int80_landing_pad (${hex(v.int80LandingPad)}): pop ebp; pop edx; pop ecx; ret`);
  const bytes = (b: number[]): string => b.map((x) => x.toString(16).padStart(2, '0')).join(' ');
  out.push(`  sysenter (--cpu intel):  ${bytes(v.alternative.replacements.sysenter)}  mov ebp, esp; sysenter`);
  out.push(`  syscall  (--cpu amd):    ${bytes(v.alternative.replacements.syscall)}  mov ebp, ecx; syscall`);
  out.push(`  int 0x80 (--cpu legacy): NOPs, falls into int 0x80`);
  if (entry) out.push(`patched to: ${entry === 'int80' ? 'int 0x80' : entry}`);
  out.push('');
  out.push(`data area below the image: ${hex(v.data.start)} (${v.data.size / PAGE_SIZE} pages, the 64-bit image's layout); time data at ${hex(v.timeData)}`);
  return out.join('\n') + '\n';
}
