/** Register kinds: general purpose, segment, control, debug, and the instruction pointer (for rip-relative). */
export type RegType = 'gpr' | 'seg' | 'cr' | 'dr' | 'ip';

export interface Reg {
  readonly type: RegType;
  readonly name: string;
  /** Width in bits (segment registers are 16, control/debug registers 64). */
  readonly size: 8 | 16 | 32 | 64;
  /** Register number 0..15 as encoded (ModRM reg/rm plus REX bit). ah..bh are 4..7. */
  readonly num: number;
  /** spl, bpl, sil, dil: need a REX prefix (any) to be encodable. */
  readonly needsRex: boolean;
  /** ah, ch, dh, bh: cannot be encoded together with a REX prefix. */
  readonly high: boolean;
}

const table = new Map<string, Reg>();

function add(type: RegType, name: string, size: Reg['size'], num: number, needsRex = false, high = false): void {
  table.set(name, { type, name, size, num, needsRex, high });
}

const q = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi'];
const d = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const w = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const b = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil'];
for (let i = 0; i < 8; i++) {
  add('gpr', q[i]!, 64, i);
  add('gpr', d[i]!, 32, i);
  add('gpr', w[i]!, 16, i);
  add('gpr', b[i]!, 8, i, i >= 4);
}
['ah', 'ch', 'dh', 'bh'].forEach((n, i) => add('gpr', n, 8, 4 + i, false, true));
for (let i = 8; i < 16; i++) {
  add('gpr', `r${i}`, 64, i);
  add('gpr', `r${i}d`, 32, i);
  add('gpr', `r${i}w`, 16, i);
  add('gpr', `r${i}b`, 8, i);
}
['es', 'cs', 'ss', 'ds', 'fs', 'gs'].forEach((n, i) => add('seg', n, 16, i));
for (let i = 0; i < 16; i++) add('cr', `cr${i}`, 64, i);
for (let i = 0; i < 8; i++) add('dr', `dr${i}`, 64, i);
add('ip', 'rip', 64, 0);
add('ip', 'eip', 32, 0);

/** Looks a register up by name, case-insensitively. */
export function lookupReg(name: string): Reg | undefined {
  return table.get(name.toLowerCase());
}

/** Segment override prefix bytes, indexed by segment register number (es, cs, ss, ds, fs, gs). */
export const SEG_PREFIX = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65] as const;
