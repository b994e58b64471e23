import { EBADF, EINVAL, ENOSPC, ENXIO } from '../errno.js';
import type { Kstat } from '../host.js';
import type { Kernel } from '../kernel.js';
import { canRead, canWrite, makeDev, makeStat, OpenFile, S_IFCHR, S_IFDIR, S_IFLNK } from './open-file.js';
import { guestPathOf, VirtualDir, VirtualLink, VNode } from './vfs.js';

/** devtmpfs's device number, as /dev's entries report in st_dev. */
const DEV_DEV = makeDev(0, 5);

/** The memory devices (drivers/char/mem.c) and the controlling terminal. */
type DeviceKind = 'null' | 'zero' | 'full' | 'random' | 'urandom' | 'tty';

/** An open character device. Reads and writes ignore the position, as mem.c's do. */
class DeviceFile implements OpenFile {
  /** /dev/zero maps as zero pages (shmem_zero_setup); the other devices cannot be mapped. */
  readonly mmap: 'zero' | undefined;

  constructor(
    readonly description: string,
    private readonly kind: DeviceKind,
    public flags: number,
    private readonly attrs: Kstat,
    readonly hostFd: number,
  ) {
    this.mmap = kind === 'zero' ? 'zero' : undefined;
  }

  read(k: Kernel, length: number): Uint8Array | number {
    return this.pread(k, length);
  }

  pread(k: Kernel, length: number): Uint8Array | number {
    if (!canRead(this.flags)) return -EBADF;
    switch (this.kind) {
      case 'null':
        return new Uint8Array(0);
      case 'zero':
      case 'full':
        return new Uint8Array(Math.min(length, 1 << 20));
      case 'random':
      case 'urandom': {
        const out = new Uint8Array(Math.min(length, 1 << 20));
        k.random.fill(out);
        return out;
      }
      case 'tty': {
        const chunk = new Uint8Array(Math.min(length, 65536));
        const n = k.host.read(this.hostFd, chunk);
        return n < 0 ? n : chunk.subarray(0, n);
      }
    }
  }

  write(k: Kernel, data: Uint8Array): number {
    return this.pwrite(k, data);
  }

  pwrite(k: Kernel, data: Uint8Array): number {
    if (!canWrite(this.flags)) return -EBADF;
    if (this.kind === 'full') return -ENOSPC;
    if (this.kind === 'tty') return data.length === 0 ? 0 : k.host.write(this.hostFd, data);
    return data.length;
  }

  seek(): number {
    // mem.c's null_lseek: always 0; a terminal cannot seek.
    return this.kind === 'tty' ? -EINVAL : 0;
  }

  stat(): Kstat {
    return this.attrs;
  }

  isTerminal(): boolean {
    return this.kind === 'tty';
  }
}

function device(kind: DeviceKind, major: number, minor: number, ino: number, mode: number): VNode {
  const attrs = (): Kstat =>
    makeStat({ dev: DEV_DEV, ino, mode: S_IFCHR | mode, rdev: makeDev(major, minor), uid: 0, gid: kind === 'tty' ? 5 : 0, blksize: 4096 });
  return {
    type: S_IFCHR,
    stat: attrs,
    open(k: Kernel, flags: number, where: string[]): OpenFile | number {
      let hostFd = -1;
      if (kind === 'tty') {
        hostFd = terminalFd(k);
        if (hostFd < 0) return -ENXIO; // no controlling terminal
      }
      return new DeviceFile(guestPathOf(where), kind, flags, attrs(), hostFd);
    },
  };
}

/** The host stream that is a terminal, if any: /dev/tty talks to it. */
function terminalFd(k: Kernel): number {
  for (const fd of [0, 1, 2]) if (k.host.isTerminal(fd)) return fd;
  return -1;
}

function link(target: string, ino: number): VNode {
  return new VirtualLink(
    () => target,
    () => makeStat({ dev: DEV_DEV, ino, mode: S_IFLNK | 0o777, size: target.length, uid: 0, gid: 0 }),
  );
}

const DEVICES: Array<[string, VNode]> = [
  ['null', device('null', 1, 3, 4, 0o666)],
  ['zero', device('zero', 1, 5, 5, 0o666)],
  ['full', device('full', 1, 7, 6, 0o666)],
  ['random', device('random', 1, 8, 7, 0o666)],
  ['urandom', device('urandom', 1, 9, 8, 0o666)],
  ['fd', link('/proc/self/fd', 10)],
  ['stdin', link('/proc/self/fd/0', 11)],
  ['stdout', link('/proc/self/fd/1', 12)],
  ['stderr', link('/proc/self/fd/2', 13)],
];
const TTY: [string, VNode] = ['tty', device('tty', 5, 0, 9, 0o666)];

/** /dev: the memory devices, /dev/tty when the host has a terminal, and the fd links. */
export const devDirectory: VNode = new VirtualDir(
  () => makeStat({ dev: DEV_DEV, ino: 1, mode: S_IFDIR | 0o755, nlink: 2, uid: 0, gid: 0 }),
  (k) => (terminalFd(k) >= 0 ? [...DEVICES, TTY] : DEVICES),
);
