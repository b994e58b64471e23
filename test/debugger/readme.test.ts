import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The README's "Debugging a program" transcript is what the debugger prints: its
 * commands are replayed through the CLI and the output compared line by line. Where a
 * line depends on things outside the debugger (how many entry-stub labels the kernel
 * has, which physical frames the page tables got, where the reader cloned the
 * repository) only its shape is compared.
 */

const ROOT = resolve(__dirname, '../..');

function normalize(line: string): string {
  let l = line.replace(/\d+ symbols/, 'N symbols').replace(/area: \S+\/fixtures\//, 'area: .../fixtures/');
  if (/^ {2}(PML4|PDPT|PD |PT |physical)/.test(l)) l = l.replace(/0x[0-9a-f]+/g, '0x?');
  return l;
}

describe('README transcript', () => {
  it('replays as documented', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Debugging a program'));
    const block = /```\n(\$ npm start -- debug (.*)\n[\s\S]*?)```/.exec(section);
    expect(block, 'the README has a transcript starting with `$ npm start -- debug`').not.toBeNull();
    const [command, ...expected] = block![1].trimEnd().split('\n');
    const args = command.replace('$ npm start -- debug ', '').split(' ');
    const input = expected.filter((l) => l.startsWith('(x64emu) ')).map((l) => l.slice(9)).join('\n') + '\n';
    const r = spawnSync(process.execPath, [join(ROOT, 'dist/cli.js'), 'debug', ...args], { cwd: ROOT, input, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
    expect(r.stderr).toBe('');
    expect(r.stdout.trimEnd().split('\n').map(normalize)).toEqual(expected.map(normalize));
  });
});
