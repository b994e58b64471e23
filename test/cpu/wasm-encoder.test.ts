/**
 * The WebAssembly writer (src/cpu/wasm/wasm-encoder.ts): LEB128 immediates against the
 * DWARF standard's worked examples (DWARF 5, §7.6, Figures 22 and 23), and modules that
 * V8 accepts and runs as the WebAssembly specification says.
 */
import { describe, expect, it } from 'vitest';
import { Op, ValType, WasmCode, wasmModule } from '../../src/cpu/wasm/wasm-encoder.js';

describe('the WebAssembly writer', () => {
  it('writes LEB128 numbers as DWARF does', () => {
    // Unsigned: 2 → 02, 127 → 7f, 128 → 80 01, 129 → 81 01, 12857 → b9 64.
    for (const [n, bytes] of [[2, [0x02]], [127, [0x7f]], [128, [0x80, 0x01]], [129, [0x81, 0x01]], [12857, [0xb9, 0x64]]] as const) {
      expect(new WasmCode().u32(n).bytes).toEqual(bytes);
    }
    // Signed: 2 → 02, -2 → 7e, 127 → ff 00, -127 → 81 7f, 128 → 80 01, -128 → 80 7f.
    for (const [n, bytes] of [[2, [0x02]], [-2, [0x7e]], [127, [0xff, 0x00]], [-127, [0x81, 0x7f]], [128, [0x80, 0x01]], [-128, [0x80, 0x7f]]] as const) {
      expect(new WasmCode().i32Const(n).bytes).toEqual([Op.I32Const, ...bytes]);
      expect(new WasmCode().i64Number(n).bytes).toEqual([Op.I64Const, ...bytes]);
    }
  });

  it('writes modules that compute what their code says', () => {
    // f(x: f64) = (i64(x) + 0x1_0000_0001) >> 32 (arithmetic), returned as an i32, and an
    // i64 constant whose halves exercise the signed encoding of 64-bit immediates.
    const body = new WasmCode().get(0).op(Op.I64TruncF64S).i64Const(1, 1).op(Op.I64Add).i64Number(32).op(Op.I64ShrS).op(Op.I32WrapI64);
    const bytes = wasmModule({
      imports: [],
      functions: [{ type: { params: [ValType.F64], results: [ValType.I32] }, locals: [ValType.I64, ValType.I64, ValType.I32], body }],
      exports: [{ name: 'f', func: 0 }],
    });
    const f = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.f as (x: number) => number;
    expect(f(0)).toBe(1);
    expect(f(2 ** 32 - 1)).toBe(2); // the carry out of the low half
    expect(f(-(2 ** 33))).toBe(-1);
    const negative = new WasmCode().i64Const(0, -2147483648).i64Number(32).op(Op.I64ShrS).op(Op.I32WrapI64);
    const g = new WebAssembly.Instance(
      new WebAssembly.Module(wasmModule({ imports: [], functions: [{ type: { params: [], results: [ValType.I32] }, locals: [], body: negative }], exports: [{ name: 'g', func: 0 }] })),
    ).exports.g as () => number;
    expect(g()).toBe(-2147483648);
  });
});
