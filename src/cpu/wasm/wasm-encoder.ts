/**
 * A minimal WebAssembly binary writer for compiled blocks: the opcodes the block
 * translator uses (WebAssembly Core Specification 2.0, §5.4 "Instructions"; SIMD
 * opcodes after the 0xFD prefix, §5.4.8), LEB128 immediates (§5.2.2), and the module
 * sections of one block module (§5.5).
 */
export const enum Op {
  Block = 0x02,
  Loop = 0x03,
  If = 0x04,
  Else = 0x05,
  End = 0x0b,
  Br = 0x0c,
  BrIf = 0x0d,
  Call = 0x10,
  CallIndirect = 0x11,
  Drop = 0x1a,
  Select = 0x1b,
  LocalGet = 0x20,
  LocalSet = 0x21,
  LocalTee = 0x22,
  I32Load = 0x28,
  I64Load = 0x29,
  F64Load = 0x2b,
  I64Load8U = 0x31,
  I64Load16U = 0x33,
  I64Load32U = 0x35,
  I32Store = 0x36,
  I64Store = 0x37,
  F64Store = 0x39,
  I64Store8 = 0x3c,
  I64Store16 = 0x3d,
  I64Store32 = 0x3e,
  I32Const = 0x41,
  I64Const = 0x42,
  I32Eqz = 0x45,
  I32Eq = 0x46,
  I32LtS = 0x48,
  I32GeS = 0x4e,
  I32LeU = 0x4d,
  I64Eqz = 0x50,
  I64Eq = 0x51,
  I64GtU = 0x56,
  I64LtS = 0x53,
  I64Ne = 0x52,
  F64Eq = 0x61,
  F64Ne = 0x62,
  I32Popcnt = 0x69,
  I32Add = 0x6a,
  I32Sub = 0x6b,
  I32Mul = 0x6c,
  I32And = 0x71,
  I32Or = 0x72,
  I32Xor = 0x73,
  I32Shl = 0x74,
  I32ShrU = 0x76,
  I32Rotl = 0x77,
  I32Rotr = 0x78,
  I64Add = 0x7c,
  I64Sub = 0x7d,
  I64Clz = 0x79,
  I64Ctz = 0x7a,
  I64Mul = 0x7e,
  I64DivS = 0x7f,
  I64DivU = 0x80,
  I64RemS = 0x81,
  I64RemU = 0x82,
  I64And = 0x83,
  I64Or = 0x84,
  I64Xor = 0x85,
  I64Shl = 0x86,
  I64ShrS = 0x87,
  I64ShrU = 0x88,
  I64Rotl = 0x89,
  I64Rotr = 0x8a,
  I32WrapI64 = 0xa7,
  I64TruncF64S = 0xb0,
  I64ExtendI32U = 0xad,
  F64ConvertI32S = 0xb7,
  F64ConvertI64S = 0xb9,
  SimdPrefix = 0xfd,
}

/** SIMD opcodes (after Op.SimdPrefix, as a LEB128 number). */
export const enum SimdOp {
  V128Load = 0x00,
  V128Store = 0x0b,
  I8x16Shuffle = 0x0d,
  I8x16Swizzle = 0x0e,
  I8x16Splat = 0x0f,
  I8x16Eq = 0x23,
  I8x16GtS = 0x27,
  I16x8Eq = 0x2d,
  I16x8GtS = 0x31,
  I32x4Eq = 0x37,
  I32x4GtS = 0x3b,
  V128And = 0x4e,
  V128AndNot = 0x4f,
  V128Or = 0x50,
  V128Xor = 0x51,
  I8x16Abs = 0x60,
  I8x16Bitmask = 0x64,
  I8x16NarrowI16x8S = 0x65,
  I8x16NarrowI16x8U = 0x66,
  I8x16Add = 0x6e,
  I8x16AddSatS = 0x6f,
  I8x16AddSatU = 0x70,
  I8x16Sub = 0x71,
  I8x16SubSatS = 0x72,
  I8x16SubSatU = 0x73,
  I8x16MinS = 0x76,
  I8x16MinU = 0x77,
  I8x16MaxS = 0x78,
  I8x16MaxU = 0x79,
  I8x16AvgrU = 0x7b,
  I16x8Abs = 0x80,
  I16x8NarrowI32x4S = 0x85,
  I16x8NarrowI32x4U = 0x86,
  I16x8Shl = 0x8b,
  I16x8ShrS = 0x8c,
  I16x8ShrU = 0x8d,
  I16x8Add = 0x8e,
  I16x8AddSatS = 0x8f,
  I16x8AddSatU = 0x90,
  I16x8Sub = 0x91,
  I16x8SubSatS = 0x92,
  I16x8SubSatU = 0x93,
  I16x8Mul = 0x95,
  I16x8MinS = 0x96,
  I16x8MinU = 0x97,
  I16x8MaxS = 0x98,
  I16x8MaxU = 0x99,
  I16x8AvgrU = 0x9b,
  I32x4Abs = 0xa0,
  I32x4Shl = 0xab,
  I32x4ShrS = 0xac,
  I32x4ShrU = 0xad,
  I32x4Add = 0xae,
  I32x4Sub = 0xb1,
  I32x4Mul = 0xb5,
  I32x4MinS = 0xb6,
  I32x4MinU = 0xb7,
  I32x4MaxS = 0xb8,
  I32x4MaxU = 0xb9,
  I64x2Shl = 0xcb,
  I64x2ShrU = 0xcd,
  I64x2Add = 0xce,
  I64x2Sub = 0xd1,
  I64x2Eq = 0xd6,
  I64x2GtS = 0xd9,
}

export const enum ValType {
  I32 = 0x7f,
  I64 = 0x7e,
  F64 = 0x7c,
  V128 = 0x7b,
}

/** The empty block type (no parameters, no results). */
export const BLOCK_VOID = 0x40;

/** Bytes of a function body under construction. */
export class WasmCode {
  readonly bytes: number[] = [];

  op(op: Op): this {
    this.bytes.push(op);
    return this;
  }

  /** Appends several opcodes in order. */
  ops(...ops: Op[]): this {
    for (const op of ops) this.bytes.push(op);
    return this;
  }

  u32(n: number): this {
    pushUnsigned(this.bytes, n);
    return this;
  }

  i32Const(n: number): this {
    this.bytes.push(Op.I32Const);
    pushSigned(this.bytes, n | 0, n >> 31);
    return this;
  }

  /** An i64 constant from its two 32-bit halves. */
  i64Const(lo: number, hi: number): this {
    this.bytes.push(Op.I64Const);
    pushSigned(this.bytes, lo | 0, hi | 0);
    return this;
  }

  /** An i64 constant that is a safe integer. */
  i64Number(n: number): this {
    return this.i64Const(n | 0, Math.floor(n / 4294967296));
  }

  get(local: number): this {
    this.bytes.push(Op.LocalGet);
    pushUnsigned(this.bytes, local);
    return this;
  }

  set(local: number): this {
    this.bytes.push(Op.LocalSet);
    pushUnsigned(this.bytes, local);
    return this;
  }

  tee(local: number): this {
    this.bytes.push(Op.LocalTee);
    pushUnsigned(this.bytes, local);
    return this;
  }

  /** A load or store with a static offset (alignment hint 0: guest data is unaligned). */
  mem(op: Op, offset: number): this {
    this.bytes.push(op, 0);
    pushUnsigned(this.bytes, offset);
    return this;
  }

  simd(op: SimdOp): this {
    this.bytes.push(Op.SimdPrefix);
    pushUnsigned(this.bytes, op);
    return this;
  }

  simdMem(op: SimdOp, offset: number): this {
    this.simd(op);
    this.bytes.push(0);
    pushUnsigned(this.bytes, offset);
    return this;
  }

  /** i8x16.shuffle with its 16 lane indices (0-15 the first operand, 16-31 the second). */
  shuffle(lanes: readonly number[]): this {
    this.simd(SimdOp.I8x16Shuffle);
    for (const lane of lanes) this.bytes.push(lane);
    return this;
  }

  /** call_indirect through table 0 with the type at index `type`. */
  callIndirect(type: number): this {
    this.bytes.push(Op.CallIndirect);
    pushUnsigned(this.bytes, type);
    this.bytes.push(0);
    return this;
  }

  call(func: number): this {
    this.bytes.push(Op.Call);
    pushUnsigned(this.bytes, func);
    return this;
  }

  /** Structured control with the empty block type. */
  block(kind: Op.Block | Op.Loop | Op.If): this {
    this.bytes.push(kind, BLOCK_VOID);
    return this;
  }

  br(op: Op.Br | Op.BrIf, depth: number): this {
    this.bytes.push(op);
    pushUnsigned(this.bytes, depth);
    return this;
  }
}

export function pushUnsigned(out: number[], n: number): void {
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
}

/** Signed LEB128 of the 64-bit two's-complement number hi:lo (int32 halves). */
function pushSigned(out: number[], lo: number, hi: number): void {
  for (;;) {
    const b = lo & 0x7f;
    lo = (lo >>> 7) | (hi << 25);
    hi >>= 7;
    if ((lo === 0 && hi === 0 && (b & 0x40) === 0) || (lo === -1 && hi === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

function vector(items: readonly number[][]): number[] {
  const out: number[] = [];
  pushUnsigned(out, items.length);
  for (const item of items) out.push(...item);
  return out;
}

function section(id: number, content: number[]): number[] {
  const out = [id];
  pushUnsigned(out, content.length);
  return out.concat(content);
}

function name(s: string): number[] {
  const bytes = [...Buffer.from(s, 'utf8')];
  const out: number[] = [];
  pushUnsigned(out, bytes.length);
  return out.concat(bytes);
}

export interface FunctionType {
  params: readonly ValType[];
  results: readonly ValType[];
}

function functionType(t: FunctionType): number[] {
  const out = [0x60];
  pushUnsigned(out, t.params.length);
  out.push(...t.params);
  pushUnsigned(out, t.results.length);
  out.push(...t.results);
  return out;
}

/** A function defined by a module: its type, its locals beyond the parameters, its body. */
export interface WasmFunction {
  type: FunctionType;
  locals: readonly ValType[];
  body: WasmCode;
}

export interface ModuleSpec {
  /** The shared memory `env.memory` of this many 64 KiB pages (minimum = maximum), or none. */
  memoryPages?: number;
  /** Functions imported from module `env`: they take the first function indices. */
  imports: ReadonlyArray<{ name: string; type: FunctionType }>;
  functions: readonly WasmFunction[];
  /** Funcref tables defined here, with their initial sizes and export names. */
  tables?: ReadonlyArray<{ size: number; name: string }>;
  /** Exported functions by name: their function index. */
  exports: ReadonlyArray<{ name: string; func: number }>;
  /** Types only named by call_indirect: indices after the functions' types. */
  indirectTypes?: readonly FunctionType[];
}

/** The binary of a module (WebAssembly Core Specification §5.5: sections in their required order). */
export function wasmModule(spec: ModuleSpec): Uint8Array {
  const types = [...spec.imports.map((i) => i.type), ...spec.functions.map((f) => f.type), ...(spec.indirectTypes ?? [])];
  const imports = spec.imports.map((imp, k) => [...name('env'), ...name(imp.name), 0x00, ...unsigned(k)]);
  if (spec.memoryPages !== undefined) imports.unshift([...name('env'), ...name('memory'), 0x02, 0x03, ...unsigned(spec.memoryPages), ...unsigned(spec.memoryPages)]);
  const tables = spec.tables ?? [];
  const exports = spec.exports.map((e) => [...name(e.name), 0x00, ...unsigned(e.func)]);
  exports.push(...tables.map((t, k) => [...name(t.name), 0x01, ...unsigned(k)]));
  // The function bodies (kilobytes each) are copied once, into the result; the small
  // sections are built as arrays. (Spreading the bodies through every level cost 0.9 ms
  // a block in V8's interpreter, which runs this code.)
  const heads = spec.functions.map((f) => {
    const groups: number[][] = [];
    for (let k = 0; k < f.locals.length; ) {
      let run = 1;
      while (k + run < f.locals.length && f.locals[k + run] === f.locals[k]) run++;
      groups.push([...unsigned(run), f.locals[k]]);
      k += run;
    }
    const locals = vector(groups);
    return [...unsigned(locals.length + f.body.bytes.length + 1), ...locals];
  });
  const codeSize = heads.reduce((n, head, k) => n + head.length + spec.functions[k].body.bytes.length + 1, unsigned(heads.length).length);
  const head = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types.map(functionType))),
    ...section(2, vector(imports)),
    ...section(3, vector(spec.functions.map((_, k) => unsigned(spec.imports.length + k)))),
    ...(tables.length ? section(4, vector(tables.map((t) => [0x70, 0x00, ...unsigned(t.size)]))) : []),
    ...section(7, vector(exports)),
    10, ...unsigned(codeSize), ...unsigned(heads.length),
  ];
  const out = new Uint8Array(head.length + codeSize - unsigned(heads.length).length);
  out.set(head);
  let at = head.length;
  spec.functions.forEach((f, k) => {
    out.set(heads[k], at);
    at += heads[k].length;
    out.set(f.body.bytes, at);
    at += f.body.bytes.length;
    out[at++] = Op.End;
  });
  return out;
}

function unsigned(n: number): number[] {
  const out: number[] = [];
  pushUnsigned(out, n);
  return out;
}
