/**
 * The FXSAVE image in signal frames (src/kernel/signals/fpstate.ts) reports and accepts
 * the CPU model's MXCSR_MASK, as Linux's signal code relays the hardware's: 0xFFFF on
 * Intel, 0x2FFFF on AMD, whose MXCSR.MM (misaligned SSE mode, bit 17) FXSAVE on this
 * project's EPYC host reports and FXRSTOR accepts (test/golden/data/align.jsonl.gz).
 */
import { describe, expect, it } from 'vitest';
import { AMD_MODEL, INTEL_MODEL } from '../../src/cpu/cpu-model.js';
import { restoreFpstate, saveFpstate } from '../../src/kernel/signals/fpstate.js';
import { TestMachine } from '../cpu/test-machine.js';

const MXCSR_OFFSET = 24; // FXSAVE layout (SDM Vol. 1 Table 10-2): MXCSR, then MXCSR_MASK
const MM = 1 << 17;

describe('signal-frame fpstate and the MXCSR mask', () => {
  for (const [model, mask] of [[INTEL_MODEL, 0xffff], [AMD_MODEL, 0x2ffff]] as const) {
    it(`${model.vendorId}: reports ${mask.toString(16)} and takes MM back only if the mask has it`, () => {
      const cpu = new TestMachine(8 << 20, model).cpu;
      const image = saveFpstate(cpu);
      const view = new DataView(image.buffer);
      expect(view.getUint32(MXCSR_OFFSET + 4, true)).toBe(mask);
      view.setUint32(MXCSR_OFFSET, 0x1f80 | MM, true);
      expect(restoreFpstate(cpu, image)).toBe((mask & MM) !== 0);
      expect(cpu.mxcsr).toBe(mask & MM ? 0x1f80 | MM : 0x1f80);
    });
  }
});
