import type { Machine, RunOutcome } from '../../machine.js';
import { SIGKILL } from '../../kernel/signals.js';
import { isLoopback } from './address.js';
import { GdbSessionEnd, GdbStub, GdbStubOptions } from './stub.js';
import { listenTcp } from './tcp-transport.js';

export type { GdbSessionEnd } from './stub.js';

export interface GdbServerOptions extends GdbStubOptions {
  /** A loopback host (default 127.0.0.1). */
  host?: string;
  /** TCP port; 0 (the default) lets the system choose: read it back from `port`. */
  port?: number;
}

/** A gdb remote stub listening on TCP for one session with a machine. */
export interface GdbServer {
  readonly host: string;
  readonly port: number;
  /**
   * Resolves when the session is over: the program ended (`exited`), gdb killed it
   * (`killed`), detached (`detached`: the machine is left stopped where gdb left it),
   * or the connection dropped (`disconnected`). It also resolves with `disconnected`
   * if `close` is called before gdb connects.
   */
  readonly finished: Promise<GdbSessionEnd>;
  /** Stops listening, or ends the session without touching the machine. */
  close(): void;
}

/**
 * Serves one gdb session for `machine` on host:port. The machine must have a program
 * loaded; gdb finds it stopped where it is (at the entry point after `load`). While
 * the session lasts the stub owns the machine: its breakpoints, `kernel.debugStops`
 * and when the guest runs. When the session ends it removes its breakpoints and puts
 * the previous `debugStops` back.
 *
 * For the REPL's `gdbserver PORT`:
 *   const server = await createGdbServer(machine, { port });
 *   print(`waiting for gdb on ${server.host}:${server.port}`);
 *   const end = await server.finished;   // the REPL resumes when gdb is done
 */
export async function createGdbServer(machine: Machine, options: GdbServerOptions = {}): Promise<GdbServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host)) throw new Error(`refusing to listen on '${host}': only loopback hosts are allowed`);
  const listener = await listenTcp(host, options.port ?? 0);
  let stub: GdbStub | null = null;
  let closeEarly!: () => void;
  const early = new Promise<GdbSessionEnd>((resolve) => (closeEarly = () => resolve({ reason: 'disconnected' })));
  const finished = Promise.race([
    early,
    listener.connection.then(
      (connection) => {
        stub = new GdbStub(machine, connection, options);
        return stub.finished;
      },
      (): GdbSessionEnd => ({ reason: 'disconnected' }),
    ),
  ]);
  return {
    host: listener.host,
    port: listener.port,
    finished,
    close: () => {
      listener.close();
      if (stub) stub.abort();
      else closeEarly();
    },
  };
}

/**
 * `x64emu run --gdb HOST:PORT`: waits for gdb, lets it drive the program, and returns
 * how the program ended. After a detach the program runs on to its end (up to
 * `maxInstructions`); when gdb drops the connection without detaching, the program is
 * killed, as gdbserver --once does.
 */
export async function runUnderGdb(
  machine: Machine,
  address: { host: string; port: number },
  log: (line: string) => void,
  maxInstructions = Infinity,
): Promise<RunOutcome> {
  const server = await createGdbServer(machine, address);
  log(`x64emu: waiting for gdb on ${server.host}:${server.port} (in gdb: target remote ${server.host}:${server.port})`);
  const end = await server.finished;
  switch (end.reason) {
    case 'exited':
    case 'killed':
      return end.outcome;
    case 'detached':
      log('x64emu: gdb detached; the program runs on');
      return machine.continue(maxInstructions);
    case 'disconnected':
      log('x64emu: gdb closed the connection without detaching; killing the program');
      if (!machine.kernel.process.exit) machine.kernel.killBySignal(SIGKILL, 'gdb disconnected');
      return machine.kernel.process.exit!;
  }
}
