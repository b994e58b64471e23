import { ESPIPE } from '../errno.js';
import type { Kstat } from '../host.js';
import type { Kernel } from '../kernel.js';
import { makeStat, O_RDONLY, O_WRONLY, OpenFile, S_IFCHR, S_IFIFO } from './open-file.js';

/** Descriptors 0-2 at start: the host's standard streams. */
export class StdStream implements OpenFile {
  readonly description: string;
  flags: number;
  constructor(readonly hostFd: number) {
    this.description = ['stdin', 'stdout', 'stderr'][hostFd] ?? `host fd ${hostFd}`;
    this.flags = hostFd === 0 ? O_RDONLY : O_WRONLY;
  }

  read(k: Kernel, length: number): Uint8Array | number {
    const chunk = new Uint8Array(Math.min(length, 65536));
    const n = k.host.read(this.hostFd, chunk);
    return n < 0 ? n : chunk.subarray(0, n);
  }

  write(k: Kernel, data: Uint8Array): number {
    return data.length === 0 ? 0 : k.host.write(this.hostFd, data);
  }

  seek(): number {
    return -ESPIPE;
  }

  /** A character device when the host stream is a terminal, otherwise a pipe: that decides stdio buffering in libc. */
  stat(k: Kernel): Kstat {
    const tty = k.host.isTerminal(this.hostFd);
    return makeStat({
      dev: tty ? 0x16 : 0xd,
      ino: 3 + this.hostFd,
      mode: tty ? S_IFCHR | 0o620 : S_IFIFO | 0o600,
      gid: tty ? 5 : 1000,
      rdev: tty ? 0x8800 : 0,
      blksize: tty ? 1024 : 4096,
    });
  }

  isTerminal(k: Kernel): boolean {
    return k.host.isTerminal(this.hostFd);
  }
}
