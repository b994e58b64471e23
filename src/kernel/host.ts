import { MemoryFileSystem } from './files/memory-fs.js';

/** A time as Linux's struct timespec: whole seconds since the epoch and nanoseconds. */
export interface Timespec {
  sec: number;
  nsec: number;
}

/**
 * A file's attributes, as Linux's struct kstat: what stat, stat64 and statx are built
 * from. `mode` holds the type bits (S_IFMT) with Linux's values; `dev` and `rdev` are
 * glibc-encoded device numbers (makedev).
 */
export interface Kstat {
  dev: number;
  ino: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: number;
  size: number;
  blksize: number;
  /** 512-byte blocks allocated. */
  blocks: number;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
}

/** One directory entry as the host lists it ("." and ".." excluded). */
export interface HostDirEntry {
  name: string;
  ino: number;
  /** The entry's S_IFMT type bits (S_IFREG, S_IFDIR, S_IFLNK, ...); 0 if unknown. */
  type: number;
}

/**
 * The host's files, by HOST path (absolute, '/'-separated). The kernel never hands this
 * interface a path it has not resolved itself: it walks every guest path component by
 * component inside the guest's root, reading symbolic links with `readlink` and
 * following them itself (files/path-walk.ts), so the host is asked only about paths
 * whose every component is a real directory inside the root. That is why there is an
 * `lstat` and no `stat`, and why `open` must never follow a symbolic link in the last
 * component (O_NOFOLLOW): the host follows nothing on the guest's behalf. (The root is
 * a boundary against the guest, which is single-threaded and only acts through the
 * kernel; another host process that swaps a directory under the root for a symbolic
 * link between the walk and the call could still redirect that call.)
 *
 * Every method is synchronous and returns a result or -errno with Linux's numbers
 * (the implementation translates its own error codes). `open` opens or creates a
 * regular file: it takes Linux's O_* values, honours the access mode, O_CREAT, O_EXCL
 * and O_TRUNC and ignores the rest (the kernel keeps positions, O_APPEND and
 * O_NONBLOCK itself); a directory is -EISDIR and anything else (FIFO, socket, device)
 * -ENXIO, without blocking. Handles are the implementation's own small integers.
 * Created files and directories get `mode` less the guest's umask (the kernel applies
 * it); a host may further apply its own.
 */
export interface HostFileSystem {
  /** The host's current directory, absolute (the guest's cwd starts there when it lies inside the root). */
  cwd(): string;
  open(path: string, flags: number, mode: number): number;
  close(handle: number): number;
  /** Reads at `position` into `into`; bytes read (0 at end of file) or -errno. */
  pread(handle: number, into: Uint8Array, position: number): number;
  /** Writes `data` at `position`; bytes written or -errno. */
  pwrite(handle: number, data: Uint8Array, position: number): number;
  fstat(handle: number): Kstat | number;
  ftruncate(handle: number, length: number): number;
  fsync(handle: number): number;
  /** Attributes of the path itself (a symbolic link is not followed). */
  lstat(path: string): Kstat | number;
  readlink(path: string): string | number;
  readdir(path: string): HostDirEntry[] | number;
  mkdir(path: string, mode: number): number;
  rmdir(path: string): number;
  unlink(path: string): number;
  /** rename(2): replaces `to` if it exists, as Linux does. */
  rename(from: string, to: string): number;
  symlink(target: string, path: string): number;
  /** access(2) with F_OK/R_OK/W_OK/X_OK (0/4/2/1), for the host's own permission rules. */
  access(path: string, mode: number): number;
}

/**
 * What the kernel needs from the world outside the emulator. The core never imports
 * `node:` modules (DESIGN.md): the CLI hands it a Node implementation (src/host/), a
 * browser would hand it another.
 */
export interface Host {
  /** Writes to a host stream (1 = stdout, 2 = stderr). Returns bytes written or -errno. */
  write(fd: number, data: Uint8Array): number;
  /** Reads from a host stream (0 = stdin) into `into`; returns bytes read (0 at EOF) or -errno. */
  read(fd: number, into: Uint8Array): number;
  /** Whether a host stream is a terminal (decides ioctl TCGETS/TIOCGWINSZ). */
  isTerminal(fd: number): boolean;
  /** Window size of a terminal stream. */
  terminalSize(fd: number): { rows: number; columns: number };
  /** Wall-clock time in nanoseconds since the Unix epoch (a double; microsecond-exact). */
  realtimeNs(): number;
  /** A monotonic clock in nanoseconds (a double). */
  monotonicNs(): number;
  /** Fills `into` with random bytes. */
  randomBytes(into: Uint8Array): void;
  /** Files under the guest's root (`--root`, MachineOptions.root) are reached through this. */
  readonly fs: HostFileSystem;
}

/**
 * A host for tests and fixed runs: no terminal, captured output, deterministic clocks,
 * and an in-memory file system holding only `/` and `/tmp` (assign `fs` to give it
 * another, e.g. the Node one over a temporary directory).
 */
export class MemoryHost implements Host {
  fs: HostFileSystem = new MemoryFileSystem(['/tmp']);
  readonly output: Record<number, number[]> = { 1: [], 2: [] };
  constructor(private readonly input: Uint8Array = new Uint8Array(0), private now = 1_700_000_000_000_000_000) {}
  private inputPos = 0;
  write(fd: number, data: Uint8Array): number {
    (this.output[fd] ??= []).push(...data);
    return data.length;
  }
  read(_fd: number, into: Uint8Array): number {
    const n = Math.min(into.length, this.input.length - this.inputPos);
    into.set(this.input.subarray(this.inputPos, this.inputPos + n));
    this.inputPos += n;
    return n;
  }
  isTerminal(): boolean {
    return false;
  }
  terminalSize(): { rows: number; columns: number } {
    return { rows: 24, columns: 80 };
  }
  realtimeNs(): number {
    return (this.now += 1000);
  }
  monotonicNs(): number {
    return this.now - 1_600_000_000_000_000_000;
  }
  randomBytes(into: Uint8Array): void {
    for (let i = 0; i < into.length; i++) into[i] = (i * 37 + 11) & 0xff;
  }
  text(fd: number): string {
    return new TextDecoder().decode(Uint8Array.from(this.output[fd] ?? []));
  }
}
