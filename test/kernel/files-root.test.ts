import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeFileSystem } from '../../src/host/node-fs.js';
import { MemoryHost } from '../../src/kernel/host.js';
import { runFixture } from '../e2e/run-fixture.js';

/**
 * --root confinement: a guest under `--root DIR` cannot open, stat, list, create,
 * rename or remove anything outside DIR, whether it writes "..", an absolute path, or
 * goes through a symbolic link that points outside (relative or absolute). The guest
 * is fixtures/bin/fsprobe-musl, which performs the operations on its command line and
 * prints each result; the host directory around the root is checked afterwards.
 */
let outer: string;
let root: string;

function probe(...ops: string[]): string[] {
  const host = new MemoryHost();
  host.fs = new NodeFileSystem();
  const run = runFixture('bin/fsprobe-musl', ops, {}, { host, root });
  expect(run.outcome).toEqual({ kind: 'exited', status: 0 });
  return run.stdout.trimEnd().split('\n');
}

/** Everything under `outer` except the root itself: what the guest must not touch. */
function outside(): string[] {
  const seen: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (r === 'root') continue;
      seen.push(r);
      if (e.isDirectory()) walk(join(dir, e.name), r);
    }
  };
  walk(outer, '');
  return seen.sort();
}

beforeAll(() => {
  outer = realpathSync(mkdtempSync(join(tmpdir(), 'x64emu-root-')));
  root = join(outer, 'root');
  mkdirSync(root);
  writeFileSync(join(outer, 'secret.txt'), 'outside\n');
  mkdirSync(join(outer, 'private'));
  writeFileSync(join(outer, 'private', 'key'), 'k\n');
  writeFileSync(join(root, 'inside.txt'), 'inside\n');
  mkdirSync(join(root, 'dir'));
  symlinkSync('..', join(root, 'up')); // relative, climbs out of the root
  symlinkSync('../../secret.txt', join(root, 'dir', 'esc')); // relative, two levels out
  symlinkSync(outer, join(root, 'abs')); // absolute host path of the directory around the root
  symlinkSync(join(outer, 'secret.txt'), join(root, 'abs-secret')); // absolute, to a file outside
  symlinkSync('../new-outside.txt', join(root, 'dangling')); // creating through it must stay inside
  symlinkSync('/', join(root, 'slash'));
});

afterAll(() => {
  rmSync(outer, { recursive: true, force: true });
});

describe('--root confinement', () => {
  it('the root is the guest\'s "/", and ".." at the root stays there', () => {
    expect(probe('list', '/', 'list', '..', 'list', '/..', 'list', '../../..', 'list', 'up', 'list', 'slash', 'cwd')).toEqual([
      'list / = . .. abs abs-secret dangling dev dir inside.txt proc slash up',
      'list .. = . .. abs abs-secret dangling dev dir inside.txt proc slash up',
      'list /.. = . .. abs abs-secret dangling dev dir inside.txt proc slash up',
      'list ../../.. = . .. abs abs-secret dangling dev dir inside.txt proc slash up',
      'list up = . .. abs abs-secret dangling dev dir inside.txt proc slash up',
      'list slash = . .. abs abs-secret dangling dev dir inside.txt proc slash up',
      'cwd = /', // the host's cwd lies outside the root
    ]);
  });

  it('cannot open or stat a file outside through "..", absolute paths or symbolic links', () => {
    const secret = join(outer, 'secret.txt');
    expect(probe(
      'cat', 'inside.txt',
      'cat', '../secret.txt',
      'cat', '/../secret.txt',
      'cat', '../../../../../secret.txt',
      'cat', secret, // the host path names nothing inside the root
      'cat', 'up/secret.txt',
      'cat', 'up/up/up/secret.txt',
      'cat', 'dir/esc',
      'cat', 'abs/secret.txt',
      'cat', 'abs-secret',
      'cat', 'slash/../secret.txt',
      'stat', '../secret.txt',
      'stat', 'dir/esc',
      'stat', 'abs-secret',
      'stat', secret,
      'lstat', 'abs-secret',
      'access', 'up/secret.txt',
      'list', 'abs',
      'list', 'up/private',
      'list', `${outer}/private`,
      'readlink', 'dir/esc',
    )).toEqual([
      "cat inside.txt = 'inside'",
      'cat ../secret.txt = ENOENT',
      'cat /../secret.txt = ENOENT',
      'cat ../../../../../secret.txt = ENOENT',
      `cat ${secret} = ENOENT`,
      'cat up/secret.txt = ENOENT',
      'cat up/up/up/secret.txt = ENOENT',
      'cat dir/esc = ENOENT',
      'cat abs/secret.txt = ENOENT',
      'cat abs-secret = ENOENT',
      'cat slash/../secret.txt = ENOENT',
      'stat ../secret.txt = ENOENT',
      'stat dir/esc = ENOENT',
      'stat abs-secret = ENOENT',
      `stat ${secret} = ENOENT`,
      'lstat abs-secret = link', // the link itself is inside; its target is not reachable
      'access up/secret.txt = ENOENT',
      'list abs = ENOENT',
      'list up/private = ENOENT',
      `list ${outer}/private = ENOENT`,
      'readlink dir/esc = ../../secret.txt',
    ]);
  });

  it('creates, renames and removes only inside the root', () => {
    const before = outside();
    const lines = probe(
      'write', '../created.txt', 'one',
      'write', 'up/created2.txt', 'two',
      'write', 'dangling', 'three', // a dangling link to ../new-outside.txt: created inside
      'creat', `${outer}/abs-created.txt`,
      'mkdir', '../made',
      'mkdir', 'abs/made',
      'rename', 'inside.txt', '../moved.txt',
      'rename', '../secret.txt', 'stolen.txt',
      'rename', 'abs-secret', 'renamed-link',
      'unlink', '../secret.txt',
      'unlink', 'up/private/key',
      'rmdir', 'abs/private',
      'symlink', '/etc/passwd', 'pw',
      'cat', 'pw',
      'truncate', 'dir/esc',
      'truncate', 'up/secret.txt',
    );
    expect(lines).toEqual([
      'write ../created.txt = 0',
      'write up/created2.txt = 0',
      'write dangling = 0',
      `creat ${outer}/abs-created.txt = ENOENT`,
      'mkdir ../made = 0',
      'mkdir abs/made = ENOENT',
      'rename inside.txt ../moved.txt = 0',
      'rename ../secret.txt stolen.txt = ENOENT',
      'rename abs-secret renamed-link = 0', // renames the link itself, inside the root
      'unlink ../secret.txt = ENOENT',
      'unlink up/private/key = ENOENT',
      'rmdir abs/private = ENOENT',
      'symlink /etc/passwd pw = 0',
      'cat pw = ENOENT', // resolved inside the root, which has no /etc
      'truncate dir/esc = ENOENT',
      'truncate up/secret.txt = ENOENT',
    ]);
    // What the guest made is inside the root; outside, nothing changed.
    expect(readFileSync(join(root, 'created.txt'), 'utf8')).toBe('one');
    expect(readFileSync(join(root, 'created2.txt'), 'utf8')).toBe('two');
    expect(readFileSync(join(root, 'new-outside.txt'), 'utf8')).toBe('three');
    expect(existsSync(join(root, 'made'))).toBe(true);
    expect(readFileSync(join(root, 'moved.txt'), 'utf8')).toBe('inside\n');
    expect(outside()).toEqual(before);
    expect(readFileSync(join(outer, 'secret.txt'), 'utf8')).toBe('outside\n');
    expect(readFileSync(join(outer, 'private', 'key'), 'utf8')).toBe('k\n');
  });

  it('chdir cannot leave the root either', () => {
    expect(probe('chdir', '..', 'cwd', 'chdir', 'dir', 'chdir', '../../..', 'cwd', 'chdir', 'up', 'cwd', 'chdir', 'abs', 'chdir', 'dir', 'cat', '../../secret.txt')).toEqual([
      'chdir .. = 0',
      'cwd = /',
      'chdir dir = 0',
      'chdir ../../.. = 0',
      'cwd = /',
      'chdir up = 0',
      'cwd = /',
      'chdir abs = ENOENT',
      'chdir dir = 0',
      'cat ../../secret.txt = ENOENT',
    ]);
  });
});

describe('x64emu run --root', () => {
  const cli = resolve(__dirname, '../../dist/cli.js');
  const fsprobe = resolve(__dirname, '../../fixtures/bin/fsprobe-musl');
  const run = (args: string[]) => spawnSync(process.execPath, [cli, 'run', ...args], { encoding: 'utf8', cwd: outer });

  it('confines a program run from the command line', () => {
    const r = run(['--root', root, fsprobe, 'cat', '../secret.txt', 'list', '/', 'cwd']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('cat ../secret.txt = ENOENT');
    expect(r.stdout).toMatch(/^list \/ = \. \.\. .*dev dir .*proc/m);
    expect(r.stdout).toMatch(/^cwd = \/$/m); // the command's cwd (outer) lies outside the root
  });

  it('starts in the host cwd mapped into the root', () => {
    const r = spawnSync(process.execPath, [cli, 'run', '--root', outer, fsprobe, 'cwd', 'cat', 'secret.txt'], { encoding: 'utf8', cwd: join(outer, 'private') });
    expect(r.stdout).toBe("cwd = /private\ncat secret.txt = ENOENT\n");
  });

  it('refuses a root that is not a directory, in one line', () => {
    for (const bad of [join(outer, 'nonexistent'), join(outer, 'secret.txt')]) {
      const r = run(['--root', bad, fsprobe, 'cwd']);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^x64emu: --root must be (an existing|a) directory, got /);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });
});
