import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { disassembleRange } from '../../src/cpu/disassembler.js';
import { elfSymbols } from '../../src/debugger/symbols.js';
import { parseElf } from '../../src/loader/elf.js';
import { MemoryHost } from '../../src/kernel/host.js';
import { Machine, MachineOptions } from '../../src/machine.js';
import { DebugSession, DebugSessionOptions } from '../../src/debugger/session.js';
import { FIXTURES } from '../e2e/run-fixture.js';

export interface ScriptRun {
  /** Every line the session printed, the prompts and commands included. */
  lines: string[];
  text: string;
  session: DebugSession;
  /** The machine the session ended with. */
  machine: Machine;
  /** Output of each command, by its index in the script. */
  outputs: string[][];
}

/**
 * Runs a debugger script against a fixture the way `x64emu debug --script` does, in
 * process, with a deterministic machine: no ASLR, a fixed seed, the virtual clock.
 */
export async function debugScript(
  binary: string,
  script: string[],
  options: Partial<MachineOptions> & { args?: string[]; session?: Partial<DebugSessionOptions> } = {},
): Promise<ScriptRun> {
  const { args = [], session: extra = {}, ...machineOptions } = options;
  const path = join(FIXTURES, binary);
  const image = readFileSync(path);
  const lines: string[] = [];
  let current: string[] = [];
  const outputs: string[][] = [];
  const session = new DebugSession({
    name: binary,
    print: (line) => {
      lines.push(line);
      current.push(line);
    },
    start: () => {
      const m = new Machine({ host: new MemoryHost(), aslr: false, seed: 7, clock: 'virtual', ...machineOptions });
      m.load({ image, path, execPath: binary, argv: [binary, ...args], envp: ['LANG=C'] });
      return m;
    },
    ...extra,
  });
  session.greet();
  for (const command of script) {
    lines.push(`(x64emu) ${command}`);
    current = [];
    outputs.push(current);
    if (!(await session.execute(command))) break;
  }
  return { lines, text: lines.join('\n'), session, machine: session.currentMachine, outputs };
}

/** Address of the first instruction of `symbol` in a fixture whose text starts with `mnemonic`. */
export function findInstruction(binary: string, symbol: string, mnemonic: string): { address: number; length: number } {
  const bytes = readFileSync(join(FIXTURES, binary));
  const elf = parseElf(bytes);
  const sym = elfSymbols(bytes).find((s) => s.name === symbol);
  if (!sym) throw new Error(`${binary} has no symbol ${symbol}`);
  const seg = elf.loadSegments.find((s) => sym.address >= s.vaddr && sym.address < s.vaddr + s.filesz)!;
  const off = seg.offset + (sym.address - seg.vaddr);
  for (const line of disassembleRange(bytes.subarray(off, off + sym.size), sym.address)) {
    if (line.text.split(' ')[0] === mnemonic) return { address: line.address, length: line.length };
  }
  throw new Error(`no ${mnemonic} in ${symbol}`);
}
