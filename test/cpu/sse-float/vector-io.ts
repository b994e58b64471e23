/**
 * The golden-vector record for SSE floating point and its text form.
 *
 * One vector per line: `FORM|BYTES|INPUTS|STATUS OUTPUTS`. INPUTS and OUTPUTS are
 * space-separated key=hex pairs; an input that is absent has its default value (below),
 * an output that is absent equals the input. Keys: m MXCSR, f RFLAGS, x0..x3 the XMM
 * registers (32 digits in memory byte order), a RAX, c RCX, mem the 32 bytes at
 * DATA_BASE. STATUS is `ok` or `trap:N` (N the exception vector the host reported).
 * RFLAGS outputs are compared on the status flags only (STATUS_FLAGS).
 */

export const DATA_BASE = 0x20000000;
export const MEM_BYTES = 32;
/** OF SF ZF AF PF CF. */
export const STATUS_FLAGS = 0x8d5;
export const DEFAULT_MXCSR = 0x1f80;
export const DEFAULT_RFLAGS = 0x2;

export interface MachineState {
  mxcsr: number;
  rflags: number;
  /** xmm0..xmm3, 16 bytes each. */
  x: Uint8Array[];
  rax: bigint;
  rcx: bigint;
  mem: Uint8Array;
}

export interface Vector {
  form: string;
  bytes: number[];
  input: MachineState;
  status: string;
  output: MachineState;
}

export function emptyState(): MachineState {
  return { mxcsr: DEFAULT_MXCSR, rflags: DEFAULT_RFLAGS, x: [0, 1, 2, 3].map(() => new Uint8Array(16)), rax: 0n, rcx: 0n, mem: new Uint8Array(MEM_BYTES) };
}

export function cloneState(s: MachineState): MachineState {
  return { mxcsr: s.mxcsr, rflags: s.rflags, x: s.x.map((b) => b.slice()), rax: s.rax, rcx: s.rcx, mem: s.mem.slice() };
}

export function toHex(bytes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] & 0xff).toString(16).padStart(2, '0');
  return s;
}

export function fromHex(hex: string, n = hex.length / 2): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n && 2 * i < hex.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const u64 = (v: bigint): string => BigInt.asUintN(64, v).toString(16);

/** key=value pairs of `s` that differ from `base` (RFLAGS compared on the status flags when `flagsOnly`). */
function pairs(s: MachineState, base: MachineState, flagsOnly: boolean): string[] {
  const out: string[] = [];
  if (s.mxcsr !== base.mxcsr) out.push(`m=${s.mxcsr.toString(16)}`);
  const f = flagsOnly ? s.rflags & STATUS_FLAGS : s.rflags;
  const bf = flagsOnly ? base.rflags & STATUS_FLAGS : base.rflags;
  if (f !== bf) out.push(`f=${f.toString(16)}`);
  for (let r = 0; r < 4; r++) if (toHex(s.x[r]) !== toHex(base.x[r])) out.push(`x${r}=${toHex(s.x[r])}`);
  if (s.rax !== base.rax) out.push(`a=${u64(s.rax)}`);
  if (s.rcx !== base.rcx) out.push(`c=${u64(s.rcx)}`);
  if (toHex(s.mem) !== toHex(base.mem)) out.push(`mem=${toHex(s.mem)}`);
  return out;
}

function applyPairs(s: MachineState, text: string): void {
  for (const pair of text.split(' ')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    switch (key) {
      case 'm': s.mxcsr = parseInt(value, 16); break;
      case 'f': s.rflags = parseInt(value, 16); break;
      case 'a': s.rax = BigInt.asIntN(64, BigInt('0x' + value)); break;
      case 'c': s.rcx = BigInt.asIntN(64, BigInt('0x' + value)); break;
      case 'mem': s.mem = fromHex(value, MEM_BYTES); break;
      default:
        if (/^x[0-3]$/.test(key)) s.x[Number(key[1])] = fromHex(value, 16);
        else throw new Error(`unknown key ${key}`);
    }
  }
}

export function formatVector(v: Vector): string {
  const input = pairs(v.input, emptyState(), false).join(' ');
  const output = pairs(v.output, v.input, true).join(' ');
  return `${v.form}|${toHex(v.bytes)}|${input}|${v.status}${output ? ' ' + output : ''}`;
}

export function parseVector(line: string): Vector {
  const [form, bytes, inText, outText] = line.split('|');
  const input = emptyState();
  applyPairs(input, inText);
  const space = outText.indexOf(' ');
  const status = space < 0 ? outText : outText.slice(0, space);
  const output = cloneState(input);
  output.rflags &= STATUS_FLAGS;
  if (space >= 0) applyPairs(output, outText.slice(space + 1));
  return { form, bytes: Array.from(fromHex(bytes)), input, status, output };
}

/** The harness's request line (tools/sse-golden/sse-golden.c). */
export function requestLine(form: { bytes: number[] }, s: MachineState): string {
  return [toHex(form.bytes), s.mxcsr.toString(16), s.rflags.toString(16), ...s.x.map(toHex), u64(s.rax), u64(s.rcx), toHex(s.mem)].join(' ');
}

/** Reads the harness's answer line into a status and state. */
export function parseAnswer(line: string): { status: string; state: MachineState } {
  const [status, x0, x1, x2, x3, rax, rcx, rflags, mxcsr, mem] = line.trim().split(' ');
  return {
    status,
    state: {
      mxcsr: parseInt(mxcsr, 16),
      rflags: parseInt(rflags, 16) & STATUS_FLAGS,
      x: [x0, x1, x2, x3].map((h) => fromHex(h, 16)),
      rax: BigInt.asIntN(64, BigInt('0x' + rax)),
      rcx: BigInt.asIntN(64, BigInt('0x' + rcx)),
      mem: fromHex(mem, MEM_BYTES),
    },
  };
}
