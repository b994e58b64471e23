// parseElf: an x86-64 ELF64 executable, validated whole before anything is mapped,
// so that a bad file ends in one ElfError line instead of a half-built process.

import { ET_EXEC, PF_R, PF_W, PF_X, PT_GNU_STACK, PT_INTERP, PT_LOAD, PT_TLS } from './elf-constants.js';
import { ElfError } from './elf-error.js';
import { ElfFields } from './elf-fields.js';
import { parseElfHeader } from './elf-header.js';
import { parseProgramHeaders, type ElfSegment } from './elf-program-headers.js';
import { hex } from './hex.js';

export { ElfError } from './elf-error.js';
export type { ElfSegment } from './elf-program-headers.js';

export interface ElfImage {
  /** 64, or 32 for an i386 program (parsed only with `{ allow32: true }`). */
  elfClass: 64 | 32;
  kind: 'exec' | 'dyn';         // ET_EXEC, or ET_DYN without PT_INTERP (static-pie)
  entry: number;                // e_entry (relative to the load bias for 'dyn')
  phoff: number;                // e_phoff, for AT_PHDR
  phentsize: number;            // e_phentsize, for AT_PHENT
  phnum: number;                // e_phnum, for AT_PHNUM
  segments: ElfSegment[];       // every program header, in table order
  loadSegments: ElfSegment[];   // the PT_LOAD ones, in table order
  tls?: ElfSegment;             // PT_TLS: the initial thread-local image
  gnuStack?: ElfSegment;        // PT_GNU_STACK: its PF_X says whether the stack is executable
  bytes: Uint8Array;            // the whole file
}

export interface ParseElfOptions {
  /** Accept i386 programs (ELFCLASS32, EM_386): the kernel's compat exec path. */
  allow32?: boolean;
}

export function parseElf(bytes: Uint8Array, options: ParseElfOptions = {}): ElfImage {
  const fields = new ElfFields(bytes);
  const header = parseElfHeader(bytes, fields, options.allow32 ?? false);
  const segments = parseProgramHeaders(fields, bytes.length, header);
  rejectInterpreter(bytes, segments);
  const loadSegments = segments.filter((segment) => segment.type === PT_LOAD);
  if (loadSegments.length === 0) throw new ElfError('no PT_LOAD segment: nothing to load');
  rejectOverlaps(loadSegments);
  checkEntry(header.entry, loadSegments);
  const tls = segments.find((segment) => segment.type === PT_TLS);
  const gnuStack = segments.find((segment) => segment.type === PT_GNU_STACK);
  return {
    elfClass: header.elfClass,
    kind: header.type === ET_EXEC ? 'exec' : 'dyn',
    entry: header.entry,
    phoff: header.phoff,
    phentsize: header.phentsize,
    phnum: header.phnum,
    segments,
    loadSegments,
    ...(tls && { tls }),
    ...(gnuStack && { gnuStack }),
    bytes,
  };
}

// PT_INTERP names the dynamic linker that would have to be loaded and run first;
// the emulator runs static programs only (ET_EXEC, or ET_DYN for static-pie).
function rejectInterpreter(bytes: Uint8Array, segments: ElfSegment[]): void {
  const interp = segments.find((segment) => segment.type === PT_INTERP);
  if (!interp) return;
  const pathBytes = bytes.subarray(interp.offset, interp.offset + interp.filesz);
  const terminator = pathBytes.indexOf(0);
  const path = new TextDecoder().decode(terminator < 0 ? pathBytes : pathBytes.subarray(0, terminator));
  throw new ElfError(`dynamically linked executables are not supported yet (interpreter ${printable(path)})`);
}

/**
 * A name from the file as one line of bounded length: control characters as \xNN, at most
 * 256 characters (the error is one line of the CLI's output; the elf fuzzer found a
 * PT_INTERP with a newline in it).
 */
function printable(name: string): string {
  const shown = name.length > 256 ? `${name.slice(0, 256)}...` : name;
  return shown.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

// Overlapping PT_LOADs would make one segment's bytes silently replace another's.
// Segments with no memory size occupy nothing and cannot overlap.
function rejectOverlaps(loadSegments: ElfSegment[]): void {
  const byAddress = loadSegments.filter((segment) => segment.memsz > 0).sort((a, b) => a.vaddr - b.vaddr);
  let reachesFurthest: ElfSegment | undefined;
  for (const segment of byAddress) {
    if (reachesFurthest && segment.vaddr < end(reachesFurthest)) {
      throw new ElfError(
        `segments ${reachesFurthest.index} (${describeRange(reachesFurthest)}) and ${segment.index} (${describeRange(segment)}) overlap`,
      );
    }
    if (!reachesFurthest || end(segment) > end(reachesFurthest)) reachesFurthest = segment;
  }
}

function checkEntry(entry: number, loadSegments: ElfSegment[]): void {
  const containing = loadSegments.find((segment) => entry >= segment.vaddr && entry < end(segment));
  if (!containing) throw new ElfError(`entry point ${hex(entry)} is not inside any PT_LOAD segment`);
  if ((containing.flags & PF_X) === 0) {
    throw new ElfError(
      `entry point ${hex(entry)} is in segment ${containing.index}, which is not executable (flags ${describeFlags(containing.flags)})`,
    );
  }
}

function end(segment: ElfSegment): number {
  return segment.vaddr + segment.memsz;
}

function describeRange(segment: ElfSegment): string {
  return `${hex(segment.vaddr)}-${hex(end(segment))}`;
}

// readelf's order (R, W, then E for PF_X), with '-' for a missing permission.
function describeFlags(flags: number): string {
  return `${flags & PF_R ? 'R' : '-'}${flags & PF_W ? 'W' : '-'}${flags & PF_X ? 'E' : '-'}`;
}
