import { EBADF, EMFILE } from '../errno.js';
import type { OpenFile } from './open-file.js';
import { StdStream } from './std-stream.js';

/** RLIMIT_NOFILE's soft default. */
export const MAX_FDS = 1024;

interface Slot {
  file: OpenFile;
  /** FD_CLOEXEC: a per-descriptor flag, not shared by dup. */
  cloexec: boolean;
}

/**
 * A process's file descriptors: small integers naming open files, lowest free first.
 * Several descriptors may share one open file (dup); the file is released when the
 * last of them closes.
 */
export class FdTable {
  private readonly slots = new Map<number, Slot>();
  private readonly refs = new Map<OpenFile, number>();

  constructor() {
    for (const fd of [0, 1, 2]) this.set(fd, new StdStream(fd), false);
  }

  get(fd: number): OpenFile | undefined {
    return this.slots.get(fd)?.file;
  }

  /** Installs at the lowest free descriptor ≥ `min`; -EMFILE when none is left. */
  install(file: OpenFile, cloexec = false, min = 0): number {
    for (let fd = Math.max(0, min); fd < MAX_FDS; fd++) {
      if (!this.slots.has(fd)) {
        this.set(fd, file, cloexec);
        return fd;
      }
    }
    return -EMFILE;
  }

  /** dup2/dup3: puts `file` at `fd`, closing what was there. */
  installAt(fd: number, file: OpenFile, cloexec: boolean): number {
    if (fd < 0 || fd >= MAX_FDS) return -EBADF;
    const old = this.slots.get(fd);
    // Take the new reference before dropping the old one: dup2(fd, fd) keeps the file.
    this.set(fd, file, cloexec);
    if (old) this.unref(old.file);
    return fd;
  }

  close(fd: number): number {
    const slot = this.slots.get(fd);
    if (!slot) return -EBADF;
    this.slots.delete(fd);
    this.unref(slot.file);
    return 0;
  }

  /** Closes every descriptor (process exit). */
  closeAll(): void {
    for (const fd of [...this.slots.keys()]) this.close(fd);
  }

  /** Whether some descriptor refers to `file`. */
  holds(file: OpenFile): boolean {
    return this.refs.has(file);
  }

  getCloexec(fd: number): boolean {
    return this.slots.get(fd)?.cloexec ?? false;
  }

  setCloexec(fd: number, on: boolean): void {
    const slot = this.slots.get(fd);
    if (slot) slot.cloexec = on;
  }

  entries(): Array<[number, OpenFile]> {
    return [...this.slots.entries()].sort((a, b) => a[0] - b[0]).map(([fd, s]) => [fd, s.file]);
  }

  private set(fd: number, file: OpenFile, cloexec: boolean): void {
    this.slots.set(fd, { file, cloexec });
    this.refs.set(file, (this.refs.get(file) ?? 0) + 1);
  }

  private unref(file: OpenFile): void {
    const n = (this.refs.get(file) ?? 1) - 1;
    if (n > 0) {
      this.refs.set(file, n);
      return;
    }
    this.refs.delete(file);
    file.release?.();
  }
}
