/**
 * A byte pipe to one gdb: a TCP socket under Node (tcp-transport.ts), a WebSocket or
 * a test double elsewhere. The protocol engine (stub.ts) knows nothing else about it.
 */
export interface GdbConnection {
  /** Registers the handlers; the engine calls this once, before anything is written. */
  listen(onData: (bytes: Uint8Array) => void, onClose: () => void): void;
  write(bytes: Uint8Array): void;
  /** Flushes what was written, then closes. `onClose` runs once either side closes. */
  close(): void;
}

/** Defers a function to a later turn of the host's event loop (so socket input gets read). */
export type Scheduler = (fn: () => void) => void;

export const defaultScheduler: Scheduler =
  typeof setImmediate === 'function' ? (fn) => void setImmediate(fn) : (fn) => void setTimeout(fn, 0);
