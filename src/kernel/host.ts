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
}

/** A host for tests and fixed runs: no terminal, captured output, deterministic clocks. */
export class MemoryHost implements Host {
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
