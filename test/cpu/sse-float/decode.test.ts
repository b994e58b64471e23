/** The table entries for SSE floating point: every golden form decodes to its mnemonic; #XM vs #UD. */
import { describe, expect, it } from 'vitest';
import { decode } from '../../../src/cpu/decoder.js';
import { OPCODES } from '../../../src/cpu/opcodes.js';
import { SseMachine } from './emulate.js';
import { FORMS } from './forms.js';
import { emptyState } from './vector-io.js';

describe('SSE floating-point opcode table', () => {
  it('decodes every golden form to its mnemonic', () => {
    for (const form of FORMS) {
      const bytes = form.hasImm ? [...form.bytes, 0] : form.bytes;
      const insn = decode(OPCODES, (o) => bytes[o] ?? 0);
      expect(insn.def?.mnemonic, form.name).toBe(form.name.split(' ')[0]);
      expect(insn.length, form.name).toBe(bytes.length);
    }
  });
});

describe('SIMD floating-point exceptions', () => {
  // divss xmm1, xmm2 with 1.0 / 0.0 and ZE unmasked.
  const vector = () => {
    const input = emptyState();
    input.mxcsr = 0x1f80 & ~0x200;
    input.x[1].set([0, 0, 0x80, 0x3f]);
    return { form: 'divss', bytes: [0xf3, 0x0f, 0x5e, 0xca], input, status: 'trap:19', output: emptyState() };
  };

  it('raises #XM with the flag set and the destination unchanged', () => {
    const m = new SseMachine();
    const v = vector();
    const got = m.run(v);
    expect(got.status).toBe('trap:19');
    expect(got.state.mxcsr).toBe(0x1d84);
    expect(Array.from(got.state.x[1])).toEqual(Array.from(v.input.x[1]));
  });

  it('raises #UD instead when CR4.OSXMMEXCPT is clear (SDM Vol. 3A §2.5)', () => {
    const m = new SseMachine();
    m.m.cpu.cr4 &= ~(1 << 10);
    expect(m.run(vector()).status).toBe('trap:6');
  });
});
