import { EAGAIN, EBADF, EPIPE, ESPIPE } from '../errno.js';
import type { Kstat, Timespec } from '../host.js';
import { makeDev, makeStat, O_RDONLY, O_WRONLY, OpenFile, S_IFIFO } from './open-file.js';

/** Linux's default pipe capacity (16 pages) and PIPE_BUF, the atomic write size. */
export const PIPE_CAPACITY = 65536;
export const PIPE_BUF = 4096;

let nextPipeIno = 0x10000;

/** The buffer both ends share: a ring of PIPE_CAPACITY bytes. */
class PipeBuffer {
  readonly data = new Uint8Array(PIPE_CAPACITY);
  start = 0;
  length = 0;
  readers = 1;
  writers = 1;
  readonly ino = nextPipeIno++;
  constructor(readonly created: Timespec) {}

  take(max: number): Uint8Array {
    const n = Math.min(max, this.length);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.data[(this.start + i) % PIPE_CAPACITY];
    this.start = (this.start + n) % PIPE_CAPACITY;
    this.length -= n;
    return out;
  }

  put(bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) this.data[(this.start + this.length + i) % PIPE_CAPACITY] = bytes[i];
    this.length += bytes.length;
  }
}

/**
 * One end of an in-kernel pipe (pipe2). The emulated process is single-threaded and
 * cannot fork, so nobody else could ever fill an empty pipe or drain a full one: where
 * Linux would block forever, these ends answer -EAGAIN (as with O_NONBLOCK) instead of
 * hanging the emulator. Writing with no reader left is -EPIPE.
 */
export class PipeEnd implements OpenFile {
  readonly hostFd = -1;
  readonly description: string;

  constructor(
    private readonly pipe: PipeBuffer,
    private readonly reading: boolean,
    public flags: number,
  ) {
    this.description = `pipe:[${pipe.ino}]`;
  }

  read(_k: unknown, length: number): Uint8Array | number {
    if (!this.reading) return -EBADF;
    if (length === 0) return new Uint8Array(0);
    if (this.pipe.length === 0) return this.pipe.writers === 0 ? new Uint8Array(0) : -EAGAIN;
    return this.pipe.take(length);
  }

  write(_k: unknown, data: Uint8Array): number {
    if (this.reading) return -EBADF;
    if (this.pipe.readers === 0) return -EPIPE;
    if (data.length === 0) return 0;
    const room = PIPE_CAPACITY - this.pipe.length;
    // Writes of at most PIPE_BUF bytes are atomic: all or nothing.
    if (room === 0 || (data.length <= PIPE_BUF && room < data.length)) return -EAGAIN;
    const n = Math.min(room, data.length);
    this.pipe.put(data.subarray(0, n));
    return n;
  }

  seek(): number {
    return -ESPIPE;
  }

  stat(): Kstat {
    const t = this.pipe.created;
    return makeStat({ dev: makeDev(0, 0xd), ino: this.pipe.ino, mode: S_IFIFO | 0o600, blksize: 4096, size: 0, atime: t, mtime: t, ctime: t });
  }

  available(): number {
    return this.reading ? this.pipe.length : 0;
  }

  isTerminal(): boolean {
    return false;
  }

  release(): void {
    if (this.reading) this.pipe.readers--;
    else this.pipe.writers--;
  }
}

/** Makes a pipe: [read end, write end], each with the given status flags (O_NONBLOCK). */
export function makePipe(statusFlags: number, now: Timespec): [PipeEnd, PipeEnd] {
  const buffer = new PipeBuffer(now);
  return [new PipeEnd(buffer, true, O_RDONLY | statusFlags), new PipeEnd(buffer, false, O_WRONLY | statusFlags)];
}
