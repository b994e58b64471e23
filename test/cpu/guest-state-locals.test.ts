/**
 * Compiled blocks keep registers and flags in JavaScript locals (translator/
 * guest-state.ts) and write them back at exits, around handler calls and when an
 * instruction raises. The interpreter is the reference: whatever the block leaves in
 * the Cpu, after it or at an exception in its middle, must be what interpreting the same
 * instructions leaves.
 */
import { describe, expect, it } from 'vitest';
import { RAX, RCX, RDI, RSI } from '../../src/cpu/registers.js';
import { TestMachine } from './test-machine.js';

const CODE = 0x40_0000;
const SOURCE = 0x50_0000; // one mapped page; the page above it is not mapped
const DEST = 0x60_0000;

/**
 * mov eax,7; add rsi,0xff0; inc eax; rep movsb; add eax,1 — the copy's source runs off
 * its page after 16 bytes: REP MOVSB raises #PF with RCX/RSI/RDI at the faulting
 * iteration (SDM Vol. 2B REP: a repeated string instruction can be interrupted and
 * resumed). EAX and RSI were changed by templates before the handler ran.
 */
const COPY_OFF_THE_PAGE = [0xb8, 0x07, 0, 0, 0, 0x48, 0x81, 0xc6, 0xf0, 0x0f, 0, 0, 0xff, 0xc0, 0xf3, 0xa4, 0x83, 0xc0, 0x01];

interface Outcome {
  regs: number[];
  rflags: number;
  raised: number | null;
  copied: number[];
}

function run(code: number[], compiled: boolean, count: number): Outcome {
  const m = new TestMachine();
  m.map(CODE);
  m.map(SOURCE);
  m.map(DEST);
  m.writeBytes(CODE, code);
  m.writeBytes(SOURCE + 0xff0, Array.from({ length: 16 }, (_, j) => 0xa0 + j));
  const cpu = m.cpu;
  cpu.lo[RSI] = SOURCE;
  cpu.lo[RDI] = DEST;
  cpu.lo[RCX] = count;
  cpu.rip = CODE;
  const raised = m.runBlock(CODE, code.length, compiled);
  return {
    regs: [RAX, RCX, RSI, RDI].flatMap((r) => [cpu.lo[r], cpu.hi[r]]),
    rflags: cpu.getRflags(),
    raised,
    copied: Array.from(m.readBytes(DEST, 17)),
  };
}

describe('compiled blocks write their locals back', () => {
  // 100 bytes: compiled code calls the REP MOVSB handler (counts above 64, templates.ts
  // stringMove); 40: the template copies element by element itself.
  for (const [count, who] of [[100, 'a handler'], [40, 'a REP template']] as const) {
    it(`${who} that raises half-way keeps its progress; the templates before it are written back`, () => {
      const interpreted = run(COPY_OFF_THE_PAGE, false, count);
      // The reference itself: #PF after 16 bytes, with EAX = 8 from the templates.
      expect(interpreted.raised).toBe(14);
      expect(interpreted.regs).toEqual([8, 0, count - 16, 0, SOURCE + 0x1000, 0, DEST + 16, 0]);
      expect(interpreted.copied).toEqual([...Array.from({ length: 16 }, (_, j) => 0xa0 + j), 0]);
      expect(run(COPY_OFF_THE_PAGE, true, count)).toEqual(interpreted);
    });
  }
});
