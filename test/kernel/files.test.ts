import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeFileSystem } from '../../src/host/node-fs.js';
import { MemoryHost } from '../../src/kernel/host.js';
import { MemoryFileSystem } from '../../src/kernel/files/memory-fs.js';
import { AT_FDCWD, initialCwd, walk, walkedComponents } from '../../src/kernel/files/path-walk.js';
import { Machine } from '../../src/machine.js';
import { FILE_CALLS_32, FILE_CALLS_64, FILE_CALLS_COMMON } from '../../src/kernel/syscalls/file-table.js';
import { sysClose, sysFstat, sysIoctl, sysLseek, sysOpen, sysOpenat, sysRead, sysWrite } from '../../src/kernel/syscalls/io.js';
import { sysMmap } from '../../src/kernel/syscalls/memory.js';
import { FIXTURES, runFixture } from '../e2e/run-fixture.js';

/**
 * Files (issue 7): the acceptance fixture (fixtures/src/files/files.c) run on the host's
 * files through the Node host, with its temporary directory inside a `--root` and
 * outside one, must print what it printed natively; the path walk and the in-memory
 * file system are checked directly.
 */
let scratch: string;

beforeAll(() => {
  scratch = realpathSync(mkdtempSync(join(tmpdir(), 'x64emu-files-test-')));
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function nodeHost(): MemoryHost {
  const host = new MemoryHost();
  host.fs = new NodeFileSystem();
  return host;
}

describe('the files fixture on host files matches its native run', () => {
  for (const libc of ['glibc', 'musl']) {
    const expected = (): string => readFileSync(join(FIXTURES, `expected/files-${libc}.stdout`), 'utf8');

    it(`${libc}: in a directory under --root (the guest sees it as /)`, () => {
      const run = runFixture(`bin/files-${libc}`, ['/'], { LANG: 'C' }, { host: nodeHost(), root: scratch });
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe(expected());
      expect(run.outcome).toEqual({ kind: 'exited', status: 0 });
    });

    it(`${libc}: with root "/", in a host temporary directory`, () => {
      const run = runFixture(`bin/files-${libc}`, [scratch], { LANG: 'C' }, { host: nodeHost() });
      expect(run.stdout).toBe(expected());
      expect(run.outcome).toEqual({ kind: 'exited', status: 0 });
    });
  }
});

describe("the emulator's /dev and /proc", () => {
  it('lists and reads them', () => {
    const ops = [
      'list', '/proc', 'readlink', '/proc/self', 'list', '/proc/self', 'list', '/proc/self/fd', 'readlink', '/proc/self/fd/1',
      'readlink', '/proc/self/exe', 'readlink', '/proc/self/cwd', 'cat', '/proc/self/comm', 'list', '/dev', 'stat', '/dev/zero',
      'readlink', '/dev/stdout', 'stat', '/dev/stdout', 'creat', '/proc/self/new', 'unlink', '/dev/null', 'mkdir', '/dev/x',
      'cat', '/proc/self/fd/7', 'stat', '/dev/tty',
    ];
    const run = runFixture('bin/fsprobe-musl', ops, {}, { host: new MemoryHost() });
    expect(run.stdout.trimEnd().split('\n')).toEqual([
      'list /proc = . .. 1000 self',
      'readlink /proc/self = 1000',
      'list /proc/self = . .. auxv cmdline comm cwd environ exe fd maps stat status',
      'list /proc/self/fd = . .. 0 1 2 3', // 3: the directory being listed
      'readlink /proc/self/fd/1 = pipe:[4]',
      `readlink /proc/self/exe = ${join(FIXTURES, 'bin/fsprobe-musl')}`,
      'readlink /proc/self/cwd = /', // the in-memory file system's cwd
      "cat /proc/self/comm = 'fsprobe-musl'",
      'list /dev = . .. fd full null random stderr stdin stdout urandom zero', // no terminal: no tty
      'stat /dev/zero = chr',
      'readlink /dev/stdout = /proc/self/fd/1',
      'stat /dev/stdout = fifo',
      'creat /proc/self/new = EACCES',
      'unlink /dev/null = EACCES',
      'mkdir /dev/x = EACCES',
      'cat /proc/self/fd/7 = ENOENT',
      'stat /dev/tty = ENOENT',
    ]);
  });
});

describe('pipes', () => {
  it('a write with no reader left is EPIPE and SIGPIPE, which ends the process by default', () => {
    const run = runFixture('bin/fsprobe-musl', ['sigpipe'], {}, { host: new MemoryHost() });
    expect(run.outcome).toMatchObject({ kind: 'signaled', signal: 13 });
  });
});

/** A machine with a process (hello-musl loaded, not run) over an in-memory tree. */
function machineOver(fs: MemoryFileSystem, root = '/'): Machine {
  const host = new MemoryHost();
  host.fs = fs;
  const m = new Machine({ host, root });
  const path = join(FIXTURES, 'bin/hello-musl');
  m.load({ image: readFileSync(path), path, argv: ['hello'], envp: [] });
  return m;
}

describe('path walk', () => {
  const fs = new MemoryFileSystem(['/r', '/r/a', '/r/a/b', '/outside']);
  fs.symlink('/a/b', '/r/abs'); // absolute: from the root
  fs.symlink('../..', '/r/a/b/up2'); // climbs to the root and would go past it
  fs.symlink('self', '/r/self'); // a loop
  fs.symlink('missing', '/r/dangling');
  for (let i = 0; i < 41; i++) fs.symlink(i === 0 ? 'a' : `c${i - 1}`, `/r/c${i}`); // c40 is 41 links deep
  const m = machineOver(fs, '/r');
  const k = m.kernel;
  const resolve = (path: string, follow = true): string | number => {
    const w = walk(k, AT_FDCWD, path, follow);
    if (typeof w === 'number') return w;
    return (w.node ? '' : 'new:') + '/' + walkedComponents(w).join('/');
  };

  it('resolves inside the root, ".." at the root staying there', () => {
    expect(resolve('/')).toBe('/');
    expect(resolve('..')).toBe('/');
    expect(resolve('/../../a/../../a/b')).toBe('/a/b');
    expect(resolve('a/b/up2')).toBe('/');
    expect(resolve('a/b/up2/../../outside')).toBe('new:/outside'); // the host's /outside is not what it names
    expect(resolve('abs')).toBe('/a/b');
    expect(resolve('abs', false)).toBe('/abs');
    expect(resolve('abs/up2/a')).toBe('/a');
    expect(resolve('a/new-file')).toBe('new:/a/new-file');
    expect(resolve('a/missing/x')).toBe(-2);
    expect(resolve('dangling')).toBe('new:/missing');
  });

  it('follows at most 40 links (ELOOP), and a loop is ELOOP', () => {
    expect(resolve('c39')).toBe('/a');
    expect(resolve('c40')).toBe(-40);
    expect(resolve('self')).toBe(-40);
    expect(resolve('self', false)).toBe('/self');
  });

  it('names the kernel\'s own /dev and /proc', () => {
    expect(resolve('/dev/null')).toBe('/dev/null');
    expect(resolve('/dev/stdin')).toBe('/proc/1000/fd/0'); // magic: stands for descriptor 0 itself
    expect(resolve('/proc/self/maps')).toBe('/proc/1000/maps');
    expect(resolve('/proc/self/fd/..')).toBe('/proc/1000');
  });

  it('maps the host cwd into the root, or "/" when it lies outside', () => {
    expect(initialCwd('/srv/root/work/x', '/srv/root')).toEqual(['work', 'x']);
    expect(initialCwd('/srv/root', '/srv/root')).toEqual([]);
    expect(initialCwd('/srv/rootless', '/srv/root')).toEqual([]);
    expect(initialCwd('/home/u', '/')).toEqual(['home', 'u']);
  });
});

describe('MemoryFileSystem', () => {
  it('keeps Linux semantics for the host interface', () => {
    const fs = new MemoryFileSystem(['/d']);
    const h = fs.open('/d/f', 0o102, 0o644); // O_CREAT | O_RDWR
    expect(h).toBeGreaterThan(0);
    expect(fs.pwrite(h, new TextEncoder().encode('hello'), 3)).toBe(5);
    const st = fs.fstat(h);
    expect(typeof st !== 'number' && st.size).toBe(8);
    const buf = new Uint8Array(16);
    expect(fs.pread(h, buf, 0)).toBe(8);
    expect([...buf.subarray(0, 4)]).toEqual([0, 0, 0, 104]);
    expect(fs.open('/d/f', 0o302, 0)).toBe(-17); // O_CREAT | O_EXCL: EEXIST
    expect(fs.open('/d', 0, 0)).toBe(-21); // EISDIR
    expect(fs.mkdir('/d', 0o755)).toBe(-17);
    expect(fs.rmdir('/d')).toBe(-39); // ENOTEMPTY
    expect(fs.unlink('/d')).toBe(-21);
    expect(fs.rename('/d', '/d/sub')).toBe(-22);
    expect(fs.lstat('/d/f/x')).toBe(-20); // ENOTDIR
    expect(fs.ftruncate(h, 100 * 1024 * 1024)).toBe(-27); // EFBIG: files are capped
    expect(fs.symlink('f', '/d/l')).toBe(0);
    expect(fs.open('/d/l', 0, 0)).toBe(-40); // never follows a link
    expect(fs.readdir('/d')).toEqual([
      { name: 'f', ino: expect.any(Number), type: 0o100000 },
      { name: 'l', ino: expect.any(Number), type: 0o120000 },
    ]);
  });
});

describe('file system calls with wild arguments', () => {
  it('return a number (a result or -errno) and never throw', () => {
    const m = machineOver(new MemoryFileSystem(['/tmp']));
    const k = m.kernel;
    const stack = m.cpu.rsp() - 8192;
    const put = (at: number, text: string): number => {
      k.user.write(at, new TextEncoder().encode(text + '\0'));
      return at;
    };
    const paths = [put(stack, '/tmp/f'), put(stack + 64, '..'), put(stack + 128, '/proc/self/fd/0'), put(stack + 192, '/dev/zero')];
    const values = [0, 1, 2, 3, -1, -100, 0x7fffffff, 2 ** 32 - 1, 2 ** 53, -(2 ** 63), 0x1000, stack - 0x100000, 2 ** 47 + 4096, ...paths];
    const handlers = {
      ...FILE_CALLS_COMMON, ...FILE_CALLS_64, ...FILE_CALLS_32,
      sysClose, sysFstat, sysIoctl, sysLseek, sysOpen, sysOpenat, sysRead, sysWrite, sysMmap,
    };
    let seed = 12345;
    const pick = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return values[seed % values.length];
    };
    let calls = 0;
    for (const path of ['syscall', 'int80'] as const) {
      k.currentPath = path;
      for (const [name, handler] of Object.entries(handlers)) {
        for (let i = 0; i < 60; i++) {
          const args = [pick(), pick(), pick(), pick(), pick(), pick()];
          let r: number;
          try {
            r = handler!(k, args);
          } catch (e) {
            throw new Error(`${name}(${args.join(', ')}) threw: ${(e as Error).stack}`);
          }
          expect(Number.isFinite(r), `${name}(${args.join(', ')}) = ${r}`).toBe(true);
          calls++;
          if (k.process.exit) k.process.exit = null; // a write may have ended the process (SIGPIPE is only queued)
        }
      }
    }
    expect(calls).toBeGreaterThan(5000);
  });
});
