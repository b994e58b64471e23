import { EBADF, EINVAL } from '../errno.js';
import type { Kernel } from '../kernel.js';
import { makeStat, OpenFile, S_IFREG, SEEK_CUR, SEEK_END, SEEK_SET } from './open-file.js';

/**
 * A read-only file whose contents the kernel generates when it is opened
 * (/proc/self/maps, /proc/self/auxv, ...). Like procfs, it reports size 0 in stat.
 */
export class VirtualFile implements OpenFile {
  readonly hostFd = -1;
  private position = 0;

  constructor(
    readonly description: string,
    private readonly contents: Uint8Array,
  ) {}

  read(_k: Kernel, length: number): Uint8Array {
    const out = this.contents.subarray(this.position, Math.min(this.contents.length, this.position + length));
    this.position += out.length;
    return out;
  }

  write(): number {
    return -EBADF;
  }

  seek(offset: number, whence: number): number {
    const base = whence === SEEK_SET ? 0 : whence === SEEK_CUR ? this.position : whence === SEEK_END ? this.contents.length : NaN;
    const target = base + offset;
    if (!(target >= 0)) return -EINVAL;
    this.position = target;
    return target;
  }

  stat(): Uint8Array {
    return makeStat({ dev: 0x16, mode: S_IFREG | 0o444, size: 0, blksize: 1024 });
  }

  isTerminal(): boolean {
    return false;
  }
}
