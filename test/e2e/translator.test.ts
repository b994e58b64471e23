import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryHost } from '../../src/kernel/host.js';
import { Machine } from '../../src/machine.js';
import { collectStats } from '../../src/cli/stats.js';
import { FIXTURES, manifest } from './run-fixture.js';

/**
 * Whole programs with every block compiled at its first run: the translated code must
 * print exactly what the native run printed (the golden vectors check each template on
 * its own; this checks them together, with branches, faults and system calls).
 */
const chosen = ['hello-glibc', 'jit-glibc', 'jit-musl', 'argv-echo-musl', 'write-int80', 'clock-loop-musl', 'corpus-O2-musl-str', 'corpus-O2-glibc-mem', 'corpus-O2-musl-search', 'corpus-O3-glibc-bits', 'corpus-O0-musl-int128'];

describe('programs with every block translated', () => {
  // WebAssembly where a block's instructions all have a WebAssembly template, JavaScript
  // for the rest; and JavaScript only.
  for (const [entry, wasm] of manifest().filter((e) => chosen.includes(e.name) && !('knownFailing' in e)).flatMap((e) => [[e, true], [e, false]] as const)) {
    it(`${entry.name}${wasm ? '' : ' (JavaScript blocks only)'}`, () => {
      const host = new MemoryHost();
      const m = new Machine({ host });
      m.interp.compileThreshold = 1;
      m.interp.wasm = wasm;
      const path = join(FIXTURES, entry.binary);
      m.load({ image: readFileSync(path), path, execPath: entry.binary, argv: [entry.binary, ...entry.args], envp: Object.entries(entry.env).map(([k, v]) => `${k}=${v}`) });
      const outcome = m.run(2_000_000_000);
      expect(host.text(1)).toBe(readFileSync(join(FIXTURES, entry.stdout), 'utf8'));
      expect(outcome).toEqual({ kind: 'exited', status: entry.status });
      // --stats counts the blocks each translator made: WebAssembly only when it is on, and
      // then some (but none in write-int80, whose blocks all hold INT 0x80, which has no
      // WebAssembly template).
      const { compiledBlocks } = collectStats(m);
      expect(compiledBlocks.wasm + compiledBlocks.javascript).toBeGreaterThan(0);
      if (!wasm) expect(compiledBlocks.wasm).toBe(0);
      else if (entry.name !== 'write-int80') expect(compiledBlocks.wasm).toBeGreaterThan(0);
    }, 120_000);
  }
});
