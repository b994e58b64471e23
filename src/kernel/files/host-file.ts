import { EBADF, EINVAL, ENXIO } from '../errno.js';
import type { HostFileSystem, Kstat } from '../host.js';
import { canRead, canWrite, O_APPEND, OpenFile, SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET } from './open-file.js';
import { guestPathOf } from './vfs.js';

/** The most one host read is asked for; the read system call loops over larger counts. */
export const HOST_CHUNK = 1 << 20;

/**
 * A regular file on the host, open through a host handle. The kernel keeps the file
 * position and O_APPEND itself and transfers with pread/pwrite, so descriptors that
 * share the open file (dup) share the position, as on Linux.
 */
export class HostFile implements OpenFile {
  readonly hostFd = -1;
  readonly mmap = 'copy';
  readonly description: string;
  private position = 0;
  private closed = false;

  constructor(
    private readonly fs: HostFileSystem,
    private readonly handle: number,
    public flags: number,
    readonly location: string[],
  ) {
    this.description = guestPathOf(location);
  }

  read(k: unknown, length: number): Uint8Array | number {
    const data = this.pread(k, length, this.position);
    if (typeof data !== 'number') this.position += data.length;
    return data;
  }

  pread(_k: unknown, length: number, position: number): Uint8Array | number {
    if (!canRead(this.flags)) return -EBADF;
    const into = new Uint8Array(Math.min(length, HOST_CHUNK));
    const n = this.fs.pread(this.handle, into, position);
    return n < 0 ? n : into.subarray(0, n);
  }

  write(k: unknown, data: Uint8Array): number {
    if (!canWrite(this.flags)) return -EBADF;
    if (this.flags & O_APPEND) {
      const st = this.fs.fstat(this.handle);
      if (typeof st === 'number') return st;
      this.position = st.size;
    }
    const n = this.pwrite(k, data, this.position);
    if (n > 0) this.position += n;
    return n;
  }

  pwrite(_k: unknown, data: Uint8Array, position: number): number {
    if (!canWrite(this.flags)) return -EBADF;
    if (data.length === 0) return 0;
    return this.fs.pwrite(this.handle, data, position);
  }

  seek(offset: number, whence: number): number {
    let target: number;
    if (whence === SEEK_SET) target = offset;
    else if (whence === SEEK_CUR) target = this.position + offset;
    else if (whence === SEEK_END || whence === SEEK_DATA || whence === SEEK_HOLE) {
      const st = this.fs.fstat(this.handle);
      if (typeof st === 'number') return st;
      if (whence === SEEK_END) target = st.size + offset;
      else if (offset < 0) return -EINVAL;
      else if (offset >= st.size) return -ENXIO;
      // No holes are known: all data up to the end, the one hole at the end.
      else target = whence === SEEK_DATA ? offset : st.size;
    } else return -EINVAL;
    if (!(target >= 0) || target > Number.MAX_SAFE_INTEGER) return -EINVAL;
    this.position = target;
    return target;
  }

  stat(): Kstat | number {
    return this.fs.fstat(this.handle);
  }

  truncate(_k: unknown, length: number): number {
    if (!canWrite(this.flags)) return -EINVAL;
    return this.fs.ftruncate(this.handle, length);
  }

  sync(): number {
    return this.fs.fsync(this.handle);
  }

  available(): number {
    const st = this.fs.fstat(this.handle);
    return typeof st === 'number' ? st : Math.max(0, st.size - this.position);
  }

  isTerminal(): boolean {
    return false;
  }

  release(): void {
    if (this.closed) return;
    this.closed = true;
    this.fs.close(this.handle);
  }
}
