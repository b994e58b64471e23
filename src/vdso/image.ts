/**
 * The 64-bit vDSO image builder (the project's vdso2c): lays out the ELF image, assembles
 * the code at its final offset with the vvar symbols, and writes the image.
 *
 *   const vdso = buildVdso64();
 *   // kernel: reserve VDSO_DATA_SIZE + vdso.size at a random page-aligned address A;
 *   //   [vvar] = A .. A+0x4000, [vvar_vclock] = A+0x4000 .. A+0x6000, [vdso] = A+0x6000 ..;
 *   //   AT_SYSINFO_EHDR = A + VDSO_DATA_SIZE; time data at AT_SYSINFO_EHDR + vdso.timeData
 *   //   (the first byte of [vvar]), written with VvarWriter.
 */

import { assemble } from './asm/index.js';
import { buildVdsoImage, layoutVdso, type VdsoImageSpec, type VdsoLayoutSpec } from './elf/index.js';
import { endLabel, vdso64Source, vdso64Symbols, VDSO64_FUNCTIONS, type Vdso64SourceOptions } from './vdso64.js';
import {
  PAGE_SIZE, VDSO_DATA_MAPPINGS, VDSO_DATA_PAGE_LIST, VDSO_DATA_SIZE, VDSO_DATA_START,
  VDSO_TIME_DATA_SIZE, VVAR_FIELDS, VVAR_TIME_DATA, VD_RECORD_SIZE, type VdsoDataPage, type VvarField,
} from './vvar-layout.js';

export const VDSO64_SONAME = 'linux-vdso.so.1';
export const VDSO64_VERSION = 'LINUX_2.6';

/**
 * The kernel version in the image's "Linux" note (LINUX_VERSION_CODE). 6.18.0: the data
 * layout mirrored here ([vvar] + [vvar_vclock], the 6.15+ data store) is that of 6.15 and
 * later, and 6.18 is the reference kernel of LINUX-ABI.md; `uname().release` should report
 * the same version (the kernel may pass another one to buildVdso64 to keep them equal).
 * It must be >= 3.2.0: glibc for x86-64 is configured with that minimum kernel, and its
 * dynamic loader (older releases) takes the running kernel's version from this note and
 * stops with "FATAL: kernel too old" below it.
 */
export const VDSO_LINUX_VERSION = { major: 6, minor: 18, patch: 0 } as const;

export interface LinuxVersion { major: number; minor: number; patch: number }

/** LINUX_VERSION_CODE: (major << 16) | (minor << 8) | min(patch, 255). */
export function linuxVersionCode(v: LinuxVersion): number {
  for (const [k, x, max] of [['major', v.major, 255], ['minor', v.minor, 255], ['patch', v.patch, 0x7fffffff]] as const) {
    if (!Number.isInteger(x) || x < 0 || x > max) throw new RangeError(`vdso: bad Linux version ${k} ${x}`);
  }
  if (v.major < 3 || (v.major === 3 && v.minor < 2)) throw new RangeError(`vdso: Linux version ${v.major}.${v.minor}.${v.patch} is below 3.2.0 (glibc: "kernel too old")`);
  return ((v.major << 16) | (v.minor << 8) | Math.min(v.patch, 255)) >>> 0;
}

export interface Vdso64Options extends Vdso64SourceOptions {
  /** Version for the "Linux" note; default VDSO_LINUX_VERSION. */
  linuxVersion?: LinuxVersion;
}

export interface Vdso64Function {
  name: string;
  /** Unversioned STB_WEAK alias (same value and size). */
  alias: string;
  /** Offset in the image (symbol value). */
  offset: number;
  size: number;
}

export interface Vdso64Image {
  /** The ELF file, zero-padded to a page multiple: what the kernel maps as [vdso]. */
  bytes: Uint8Array;
  /** bytes.length */
  size: number;
  /** Offset of .text in the image (the code was assembled for it). */
  textOffset: number;
  textSize: number;
  /** Every exported name (the five functions and their weak aliases) -> image offset. */
  symbols: Map<string, number>;
  functions: Vdso64Function[];
  soname: string;
  version: string;
  linuxVersion: LinuxVersion;
  linuxVersionCode: number;
  /** The data area below the image: [vvar] then [vvar_vclock]. */
  data: {
    /** Offset of its first byte relative to the image base (negative): -VDSO_DATA_SIZE. */
    start: number;
    size: number;
    pages: readonly VdsoDataPage[];
    mappings: readonly { name: '[vvar]' | '[vvar_vclock]'; offset: number; size: number }[];
  };
  /** Offset of struct vdso_time_data relative to the image base (negative). */
  timeData: number;
  timeDataSize: number;
  recordSize: number;
  vvarFields: readonly VvarField[];
  /** The assembly source and the symbols it was assembled with (for `vdso info`/debugging). */
  source: string;
  asmSymbols: Record<string, number>;
  /** All labels of the code -> image offset. */
  labels: Map<string, number>;
}

function layoutSpec(): VdsoLayoutSpec {
  return {
    elfClass: 64,
    soname: VDSO64_SONAME,
    versions: [{ name: VDSO64_VERSION, symbols: VDSO64_FUNCTIONS.map((name) => ({ name })), weakAliases: true }],
  };
}

/** Builds the 64-bit vDSO. Deterministic: the same options give the same bytes. */
export function buildVdso64(options: Vdso64Options = {}): Vdso64Image {
  const linuxVersion = options.linuxVersion ?? VDSO_LINUX_VERSION;
  const code = linuxVersionCode(linuxVersion);
  const spec = layoutSpec();
  const { textOffset } = layoutVdso(spec);
  const source = vdso64Source(options);
  const asmSymbols = vdso64Symbols(textOffset);
  const asm = assemble(source, { origin: textOffset, symbols: asmSymbols });

  const symbols = VDSO64_FUNCTIONS.map((name) => {
    const start = asm.labels.get(name);
    const end = asm.labels.get(endLabel(name));
    if (start === undefined || end === undefined) throw new Error(`vdso: the source lacks ${name} or ${endLabel(name)}`);
    return { name, offset: start, size: end - start };
  });
  const full: VdsoImageSpec = {
    ...spec,
    versions: [{ ...spec.versions[0]!, symbols }],
    text: asm.bytes,
    linuxVersionCode: code,
  };
  const image = buildVdsoImage(full);
  if (image.textOffset !== textOffset) throw new Error(`vdso: .text moved from ${textOffset} to ${image.textOffset}`);

  const labels = new Map<string, number>();
  for (const [k, v] of asm.labels) labels.set(k, textOffset + v);
  const functions = symbols.map((s) => ({
    name: s.name,
    alias: s.name.replace(/^__vdso_/, ''),
    offset: textOffset + s.offset,
    size: s.size,
  }));
  return {
    bytes: image.bytes,
    size: image.size,
    textOffset,
    textSize: asm.bytes.length,
    symbols: image.symbols,
    functions,
    soname: VDSO64_SONAME,
    version: VDSO64_VERSION,
    linuxVersion: { ...linuxVersion },
    linuxVersionCode: code,
    data: { start: VDSO_DATA_START, size: VDSO_DATA_SIZE, pages: VDSO_DATA_PAGE_LIST, mappings: VDSO_DATA_MAPPINGS },
    timeData: VVAR_TIME_DATA,
    timeDataSize: VDSO_TIME_DATA_SIZE,
    recordSize: VD_RECORD_SIZE,
    vvarFields: VVAR_FIELDS,
    source,
    asmSymbols,
    labels,
  };
}

const hex = (n: number): string => (n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`);

/** Human-readable description for `x64emu vdso info`. */
export function formatVdsoInfo(v: Vdso64Image): string {
  const out: string[] = [];
  const { major, minor, patch } = v.linuxVersion;
  out.push(`[vdso] ${v.soname}: ${v.size} bytes (${v.size / PAGE_SIZE} pages), .text at ${hex(v.textOffset)} (${v.textSize} bytes), Linux note ${major}.${minor}.${patch}`);
  out.push('');
  out.push(`symbols (version ${v.version}, offsets from the image base = AT_SYSINFO_EHDR):`);
  for (const f of v.functions) {
    out.push(`  ${hex(f.offset).padStart(6)}  ${String(f.size).padStart(4)}  ${f.name}@@${v.version}  (weak ${f.alias})`);
  }
  out.push('');
  out.push(`data area below the image (${v.data.size / PAGE_SIZE} pages, ${hex(v.data.size)} bytes):`);
  for (const m of v.data.mappings) out.push(`  ${hex(m.offset).padStart(8)}  ${hex(m.size)}  ${m.name}`);
  for (const p of v.data.pages) out.push(`  ${hex(p.offset).padStart(8)}  page ${p.index}  ${p.name}${p.backed ? '' : ' (not backed)'}`);
  out.push('');
  out.push(`vvar time data at ${hex(v.timeData)}: struct vdso_time_data[2] (record 0 CS_HRES_COARSE, record 1 CS_RAW at +${v.recordSize})`);
  for (const f of v.vvarFields) {
    out.push(`  +${String(f.offset).padStart(3)}  ${f.type.padEnd(13)} ${f.name.padEnd(15)} ${f.what}`);
  }
  return out.join('\n') + '\n';
}
