import { EBADF, EINVAL, ENXIO } from '../errno.js';
import type { Kstat } from '../host.js';
import { makeStat, OpenFile, S_IFREG, SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET } from './open-file.js';

/**
 * A read-only file whose contents the kernel generated when it was opened
 * (/proc/self/maps, /proc/self/auxv, ...). Like procfs, it reports size 0 in stat.
 */
export class VirtualFile implements OpenFile {
  readonly hostFd = -1;
  private position = 0;

  constructor(
    readonly description: string,
    private readonly contents: Uint8Array,
    public flags = 0,
    private readonly attrs: Kstat = makeStat({ dev: 0x16, mode: S_IFREG | 0o444, size: 0, blksize: 1024 }),
  ) {}

  read(_k: unknown, length: number): Uint8Array {
    const out = this.pread(_k, length, this.position);
    this.position += out.length;
    return out;
  }

  pread(_k: unknown, length: number, position: number): Uint8Array {
    return this.contents.subarray(Math.min(position, this.contents.length), Math.min(this.contents.length, position + length));
  }

  write(): number {
    return -EBADF;
  }

  pwrite(): number {
    return -EBADF;
  }

  seek(offset: number, whence: number): number {
    const size = this.contents.length;
    if ((whence === SEEK_DATA || whence === SEEK_HOLE) && offset >= size) return -ENXIO;
    const base = whence === SEEK_SET || whence === SEEK_DATA ? 0 : whence === SEEK_CUR ? this.position : whence === SEEK_END ? size : NaN;
    const target = whence === SEEK_HOLE ? size : base + offset;
    if (!(target >= 0)) return -EINVAL;
    this.position = target;
    return target;
  }

  stat(): Kstat {
    return this.attrs;
  }

  isTerminal(): boolean {
    return false;
  }
}
