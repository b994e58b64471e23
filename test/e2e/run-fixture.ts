import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MemoryHost } from '../../src/kernel/host.js';
import { Machine, MachineOptions, RunOutcome } from '../../src/machine.js';

export const FIXTURES = resolve(__dirname, '../../fixtures');

export interface ManifestEntry {
  name: string;
  binary: string;
  args: string[];
  env: Record<string, string>;
  stdout: string;
  status: number;
}

export function manifest(): ManifestEntry[] {
  return JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8'));
}

export interface FixtureRun {
  outcome: RunOutcome;
  stdout: string;
  stderr: string;
  machine: Machine;
}

/** Runs a fixture in-process as the native recording ran it: argv[0] as in the manifest, exactly its environment. */
export function runFixture(binary: string, args: string[] = [], env: Record<string, string> = {}, options: Partial<MachineOptions> = {}): FixtureRun {
  const host = options.host instanceof MemoryHost ? options.host : new MemoryHost();
  const machine = new Machine({ host, ...options });
  const path = join(FIXTURES, binary);
  machine.load({
    image: readFileSync(path),
    path,
    execPath: binary,
    argv: [binary, ...args],
    envp: Object.entries(env).map(([k, v]) => `${k}=${v}`),
  });
  const outcome = machine.run(500_000_000);
  return { outcome, stdout: host.text(1), stderr: host.text(2), machine };
}
