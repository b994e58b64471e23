import { readSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { randomFillSync } from 'node:crypto';
// The module's object, not the global: globalThis.performance is a lazy getter, which cost
// ~15 ns more per read of the clock (every guest RDTSC reads it).
import { performance } from 'node:perf_hooks';
import type { Host } from '../kernel/host.js';
import { NodeFileSystem } from './node-fs.js';

const EAGAIN_RETRY_LIMIT = 1_000_000;

/** The Node.js host: the guest's standard streams are the process's, clocks are the system's, files are node:fs's. */
export class NodeHost implements Host {
  readonly fs = new NodeFileSystem();

  write(fd: number, data: Uint8Array): number {
    let done = 0;
    let spins = 0;
    while (done < data.length) {
      try {
        done += writeSync(fd, data, done, data.length - done);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // A non-blocking pipe (as Node may leave stdout) reports EAGAIN: try again.
        if (code === 'EAGAIN' && spins++ < EAGAIN_RETRY_LIMIT) continue;
        if (code === 'EPIPE') return done > 0 ? done : -32;
        return done > 0 ? done : -5;
      }
    }
    return done;
  }

  read(fd: number, into: Uint8Array): number {
    for (;;) {
      try {
        return readSync(fd, into, 0, into.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue;
        if (code === 'EOF') return 0;
        return -5;
      }
    }
  }

  isTerminal(fd: number): boolean {
    return isatty(fd);
  }

  terminalSize(fd: number): { rows: number; columns: number } {
    const stream = fd === 2 ? process.stderr : process.stdout;
    return { rows: stream.rows ?? 24, columns: stream.columns ?? 80 };
  }

  realtimeNs(): number {
    return (performance.timeOrigin + performance.now()) * 1e6;
  }

  monotonicNs(): number {
    // Every guest RDTSC reads this: performance.now() (the same monotonic clock, as a
    // double of milliseconds, exact to well under a nanosecond for a process's life)
    // costs about half of hrtime.bigint(), which allocates a BigInt per call.
    return performance.now() * 1e6;
  }

  randomBytes(into: Uint8Array): void {
    randomFillSync(into);
  }
}
