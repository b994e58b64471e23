import { EBADF, EMFILE } from '../errno.js';
import type { OpenFile } from './open-file.js';
import { StdStream } from './std-stream.js';

/** RLIMIT_NOFILE's soft default. */
export const MAX_FDS = 1024;

/** A process's file descriptors: small integers naming open files, lowest free first. */
export class FdTable {
  private readonly files = new Map<number, OpenFile>();

  constructor() {
    for (const fd of [0, 1, 2]) this.files.set(fd, new StdStream(fd));
  }

  get(fd: number): OpenFile | undefined {
    return this.files.get(fd);
  }

  /** Installs at the lowest free descriptor; -EMFILE when none is left. */
  install(file: OpenFile): number {
    for (let fd = 0; fd < MAX_FDS; fd++) {
      if (!this.files.has(fd)) {
        this.files.set(fd, file);
        return fd;
      }
    }
    return -EMFILE;
  }

  close(fd: number): number {
    return this.files.delete(fd) ? 0 : -EBADF;
  }

  entries(): Array<[number, OpenFile]> {
    return [...this.files.entries()];
  }
}
