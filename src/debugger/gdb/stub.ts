import type { Machine, RunOutcome } from '../../machine.js';
import {
  bytesToByteString, bytesToHex, byteStringToBytes, escapeBinary, frame, hex8, hexToBytes, parseAddress, PacketDecoder, textToHex, unescapeBinary,
} from './protocol.js';
import type { WireEvent } from './protocol.js';
import { targetXml } from './registers.js';
import { MachineTarget, StopReason } from './target.js';
import { defaultScheduler } from './transport.js';
import type { GdbConnection, Scheduler } from './transport.js';

/** How a gdb session ended; the machine is left as the session left it. */
export type GdbSessionEnd =
  /** The program ended while gdb watched (W or X was sent), or the machine failed. */
  | { reason: 'exited'; outcome: RunOutcome }
  /** gdb killed it (`k`, `vKill`): the process died of SIGKILL. */
  | { reason: 'killed'; outcome: RunOutcome }
  /** gdb detached (`D`): the program is stopped where gdb left it, ready to run on. */
  | { reason: 'detached' }
  /** The connection closed without a detach or kill. */
  | { reason: 'disconnected' };

export interface GdbStubOptions {
  /** Defers work so socket input is read while the guest runs (default setImmediate). */
  schedule?: Scheduler;
  /** Guest instructions between checks for a Ctrl-C from gdb. */
  sliceInstructions?: number;
  /** Told of protocol traffic when set (debugging the stub). */
  trace?: (line: string) => void;
}

/** Largest packet the stub accepts and the largest reply gdb may ask for (PacketSize). */
export const PACKET_SIZE = 0x4000;

/**
 * gdb's own signal numbers (gdb/signals.def) for Linux's: the remote protocol speaks
 * gdb's numbering, which differs from Linux's for SIGBUS, SIGUSR1, SIGCHLD and others.
 */
const GDB_SIGNAL_OF_LINUX: Record<number, number> = {
  1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 10, 8: 8, 9: 9, 10: 30, 11: 11, 12: 31, 13: 13, 14: 14, 15: 15,
  17: 20, 18: 19, 19: 17, 20: 18, 21: 21, 22: 22, 23: 16, 24: 24, 25: 25, 26: 26, 27: 27, 28: 28, 29: 23,
  30: 32, 31: 12,
};
const GDB_SIGNAL_UNKNOWN = 143;

export function gdbSignal(linux: number): number {
  return GDB_SIGNAL_OF_LINUX[linux] ?? GDB_SIGNAL_UNKNOWN;
}

/** Exit status the emulator uses when the machine itself fails (EX_SOFTWARE), reported as an exit. */
const MACHINE_FAILURE_STATUS = 70;

type State = 'stopped' | 'running' | 'ended';

/**
 * The protocol engine of the gdb remote stub: one session with one gdb over a
 * GdbConnection, for a user-mode Linux process (GDB-REMOTE.md). It has no host
 * dependencies; the guest runs in slices between turns of the event loop so that a
 * Ctrl-C from gdb is seen.
 */
export class GdbStub {
  readonly target: MachineTarget;
  /** Resolves when the session is over. */
  readonly finished: Promise<GdbSessionEnd>;
  private resolveFinished!: (end: GdbSessionEnd) => void;
  private readonly decoder = new PacketDecoder();
  private readonly schedule: Scheduler;
  private readonly slice: number;
  private readonly trace: ((line: string) => void) | undefined;
  private state: State = 'stopped';
  private noAck = false;
  private swbreak = false;
  private lastSent = '';
  private interruptRequested = false;
  /** Packets that arrived while the guest ran (gdb should not send any; kept, not lost). */
  private readonly queued: string[] = [];
  private lastStop: StopReason = { kind: 'trap' };

  constructor(
    readonly machine: Machine,
    private readonly connection: GdbConnection,
    options: GdbStubOptions = {},
  ) {
    this.target = new MachineTarget(machine);
    this.schedule = options.schedule ?? defaultScheduler;
    this.slice = options.sliceInstructions ?? 1_000_000;
    this.trace = options.trace;
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
    connection.listen(
      (bytes) => this.receive(bytes),
      () => this.end({ reason: 'disconnected' }, false),
    );
  }

  // ---- wire -------------------------------------------------------------------------

  private receive(bytes: Uint8Array): void {
    for (const event of this.decoder.feed(bytes)) this.onWire(event);
  }

  private onWire(event: WireEvent): void {
    if (this.state === 'ended') return;
    switch (event.kind) {
      case 'packet':
        this.trace?.(`<- ${event.payload}`);
        if (!this.noAck) this.connection.write(Uint8Array.of(0x2b)); // '+'
        if (this.state === 'running') this.queued.push(event.payload);
        else this.dispatch(event.payload);
        break;
      case 'corrupt':
        this.trace?.(`<- (bad checksum) ${event.payload}`);
        if (!this.noAck) this.connection.write(Uint8Array.of(0x2d)); // '-'
        break;
      case 'nack':
        if (!this.noAck && this.lastSent) this.connection.write(byteStringToBytes(this.lastSent));
        break;
      case 'interrupt':
        if (this.state === 'running') this.interruptRequested = true;
        break;
      case 'ack':
        break;
    }
  }

  /** Sends one packet; `payload` is a byte string, already escaped where binary. */
  private send(payload: string): void {
    this.trace?.(`-> ${payload.length > 200 ? payload.slice(0, 200) + '...' : payload}`);
    const framed = frame(payload);
    this.lastSent = framed;
    this.connection.write(byteStringToBytes(framed));
  }

  /** Ends the session from this side, leaving the machine as it is. */
  abort(): void {
    this.end({ reason: 'disconnected' });
  }

  private end(end: GdbSessionEnd, close = true): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.target.release();
    if (close) this.connection.close();
    this.resolveFinished(end);
  }

  // ---- packets ----------------------------------------------------------------------

  private dispatch(packet: string): void {
    let reply: string | null;
    try {
      reply = this.handle(packet);
    } catch (e) {
      // A bug in the stub or the machine must not take the session down silently.
      this.trace?.(`!! ${e instanceof Error ? e.stack : String(e)}`);
      reply = 'E01';
    }
    if (reply !== null) this.send(reply);
    if (packet === 'QStartNoAckMode' && reply === 'OK') this.noAck = true;
  }

  /** The reply to a packet, or null when the reply comes later (resume) or never (k). */
  private handle(p: string): string | null {
    const t = this.target;
    const first = p[0];
    if (p.startsWith('qSupported')) return this.supported(p);
    if (p === 'QStartNoAckMode') return 'OK';
    if (p.startsWith('qXfer:')) return this.xfer(p);
    if (p.startsWith('QCatchSyscalls:')) return this.catchSyscalls(p.slice('QCatchSyscalls:'.length));
    if (p === 'qAttached' || p.startsWith('qAttached:')) return '0'; // the stub created the process
    if (p === 'qC') return `QC${t.threadId.toString(16)}`;
    if (p === 'qfThreadInfo') return `m${t.threadId.toString(16)}`;
    if (p === 'qsThreadInfo') return 'l';
    if (p === 'qSymbol::') return 'OK';
    if (p.startsWith('vCont')) return this.vCont(p);
    if (p.startsWith('vKill')) {
      this.kill(true);
      return null;
    }
    switch (first) {
      case '?':
        return this.stopReply(this.lastStop);
      case 'H':
        return 'OK';
      case 'T':
        return 'OK'; // the one thread is alive
      case 'g':
        return bytesToHex(t.readRegisters());
      case 'G': {
        const bytes = hexToBytes(p.slice(1));
        return bytes && t.writeRegisters(bytes) ? 'OK' : 'E01';
      }
      case 'p': {
        const n = parseInt(p.slice(1), 16);
        const value = Number.isNaN(n) ? null : t.readRegister(n);
        return value ? bytesToHex(value) : 'E01';
      }
      case 'P': {
        const m = /^P([0-9a-fA-F]+)=([0-9a-fA-F]*)$/.exec(p);
        const bytes = m ? hexToBytes(m[2]) : null;
        return m && bytes && t.writeRegister(parseInt(m[1], 16), bytes) ? 'OK' : 'E01';
      }
      case 'm':
        return this.readMemory(p.slice(1));
      case 'M':
        return this.writeMemory(p.slice(1), false);
      case 'X':
        return this.writeMemory(p.slice(1), true);
      case 'Z':
      case 'z':
        return this.breakpoint(p);
      case 'c':
      case 's':
        return this.resumeAt(first === 's', p.slice(1));
      case 'C':
      case 'S': {
        // The signal gdb passes is the one the program received; resuming delivers it
        // as the kernel would have (a fatal exception ends the process).
        const semi = p.indexOf(';');
        return this.resumeAt(first === 'S', semi < 0 ? '' : p.slice(semi + 1));
      }
      case 'k':
        this.kill(false);
        return null;
      case 'D':
        this.send('OK');
        this.end({ reason: 'detached' });
        return null;
      default:
        return ''; // not supported
    }
  }

  private supported(p: string): string {
    const theirs = p.slice('qSupported:'.length).split(';');
    this.swbreak = theirs.includes('swbreak+');
    const features = [
      `PacketSize=${PACKET_SIZE.toString(16)}`,
      'qXfer:features:read+',
      'qXfer:auxv:read+',
      'QCatchSyscalls+',
      'QStartNoAckMode+',
      'vContSupported+',
    ];
    if (this.swbreak) features.push('swbreak+');
    if (theirs.includes('hwbreak+')) features.push('hwbreak+');
    return features.join(';');
  }

  /** qXfer:OBJECT:read:ANNEX:OFFSET,LENGTH: `m` plus data while more follows, `l` for the last part. */
  private xfer(p: string): string {
    const m = /^qXfer:([^:]+):read:([^:]*):([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(p);
    if (!m) return p.includes(':read:') ? 'E00' : '';
    const [, object, annex] = m;
    let data: string;
    if (object === 'features') {
      if (annex !== 'target.xml') return 'E00';
      data = targetXml();
    } else if (object === 'auxv') {
      if (annex !== '') return 'E00';
      data = bytesToByteString(this.target.auxv());
    } else return '';
    const offset = parseInt(m[3], 16);
    const length = Math.min(parseInt(m[4], 16), PACKET_SIZE - 5);
    const chunk = data.slice(offset, offset + length);
    return (offset + length >= data.length ? 'l' : 'm') + escapeBinary(chunk);
  }

  /** QCatchSyscalls:1[;NR...] catches those calls (all when none is listed); QCatchSyscalls:0 stops. */
  private catchSyscalls(args: string): string {
    const [on, ...numbers] = args.split(';');
    if (on === '0' && numbers.length === 0) {
      this.target.catchSyscalls(null);
      return 'OK';
    }
    if (on !== '1') return 'E01';
    const parsed = numbers.map((n) => parseInt(n, 16));
    if (parsed.some((n) => Number.isNaN(n))) return 'E01';
    this.target.catchSyscalls(parsed);
    return 'OK';
  }

  private readMemory(args: string): string {
    const m = /^([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(args);
    const addr = m ? parseAddress(m[1]) : null;
    if (!m || addr === null) return 'E01';
    const length = Math.min(parseInt(m[2], 16), PACKET_SIZE / 2);
    if (length === 0) return '';
    const bytes = this.target.readMemory(addr, length);
    return bytes.length ? bytesToHex(bytes) : 'E0e'; // EFAULT
  }

  /** M ADDR,LEN:HEX and X ADDR,LEN:BINARY. */
  private writeMemory(args: string, binary: boolean): string {
    const colon = args.indexOf(':');
    const m = /^([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(colon < 0 ? '' : args.slice(0, colon));
    const addr = m ? parseAddress(m[1]) : null;
    if (!m || addr === null) return 'E01';
    const length = parseInt(m[2], 16);
    const body = args.slice(colon + 1);
    const data = binary ? byteStringToBytes(unescapeBinary(body)) : hexToBytes(body);
    if (!data || data.length !== length) return 'E01';
    if (length === 0) return 'OK';
    return this.target.writeMemory(addr, data) ? 'OK' : 'E0e';
  }

  /** Z0/z0 (software) and Z1/z1 (hardware, served the same way) breakpoints; no watchpoints. */
  private breakpoint(p: string): string {
    const m = /^([Zz])([01]),([0-9a-fA-F]+),([0-9a-fA-F]+)/.exec(p);
    if (!m) return /^[Zz][0-4],/.test(p) ? '' : 'E01';
    const addr = parseAddress(m[3]);
    if (addr === null || (addr < 0 && m[1] === 'Z')) return 'E01'; // user addresses only: gdb sees the process, not the kernel
    if (m[1] === 'Z') this.target.insertBreakpoint(addr);
    else this.target.removeBreakpoint(addr);
    return 'OK';
  }

  /** vCont? lists the actions; vCont;ACTION[:TID][;ACTION...] resumes with the action for our thread. */
  private vCont(p: string): string | null {
    if (p === 'vCont?') return 'vCont;c;C;s;S';
    if (!p.startsWith('vCont;')) return '';
    const tid = this.target.threadId;
    for (const part of p.slice('vCont;'.length).split(';')) {
      const [action, thread] = part.split(':');
      if (thread !== undefined && thread !== '-1' && parseThreadId(thread) !== tid) continue;
      const kind = action[0];
      if (kind === 'c' || kind === 'C') return this.resume(false);
      if (kind === 's' || kind === 'S') return this.resume(true);
      return 'E01'; // t, r: not for an all-stop, single-thread target
    }
    return 'E01';
  }

  /** c/s with an optional address to resume at. */
  private resumeAt(step: boolean, address: string): string | null {
    if (address) {
      const addr = parseAddress(address);
      const bytes = new Uint8Array(8);
      if (addr === null) return 'E01';
      new DataView(bytes.buffer).setBigInt64(0, BigInt(addr), true);
      if (!this.target.writeRegister(16, bytes)) return 'E01';
    }
    return this.resume(step);
  }

  // ---- execution --------------------------------------------------------------------

  private resume(step: boolean): null {
    if (this.target.ended) {
      this.report({ kind: 'ended', outcome: this.machine.kernel.process.exit! });
      return null;
    }
    this.state = 'running';
    this.interruptRequested = false;
    const stop = this.guarded(() => (step ? this.target.step() ?? { kind: 'trap' } : this.target.prepareContinue()));
    if (stop) this.report(stop);
    else this.schedule(() => this.runSlice());
    return null;
  }

  private runSlice(): void {
    if (this.state !== 'running') return;
    if (this.interruptRequested) {
      this.interruptRequested = false;
      this.report(this.guarded(() => this.target.interrupt()) ?? { kind: 'signal', signal: 2 });
      return;
    }
    const stop = this.guarded(() => this.target.runSlice(this.slice));
    if (stop) this.report(stop);
    else this.schedule(() => this.runSlice());
  }

  /** Runs machine work; an exception out of the emulator becomes the machine's failure. */
  private guarded(work: () => StopReason | null): StopReason | null {
    try {
      return work();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.trace?.(`!! ${e instanceof Error ? e.stack : message}`);
      return { kind: 'ended', outcome: { kind: 'fatal', message } };
    }
  }

  private report(stop: StopReason): void {
    if (this.state === 'ended') return;
    this.lastStop = stop;
    this.state = 'stopped';
    if (stop.kind === 'ended') {
      const outcome = stop.outcome;
      if (outcome.kind === 'fatal') this.send('O' + textToHex(`x64emu: machine stopped: ${outcome.message}\n`));
      this.send(this.stopReply(stop));
      this.end({ reason: 'exited', outcome });
      return;
    }
    this.send(this.stopReply(stop));
    while (this.state === 'stopped' && this.queued.length) this.dispatch(this.queued.shift()!);
  }

  /** The stop reply packet (T, W, X) for a stop. */
  private stopReply(stop: StopReason): string {
    const thread = `thread:${this.target.threadId.toString(16)};`;
    switch (stop.kind) {
      case 'trap':
        return `T05${thread}${stop.breakpoint && this.swbreak ? 'swbreak:;' : ''}`;
      case 'syscall-entry':
        return `T05syscall_entry:${(stop.nr >>> 0).toString(16)};${thread}`;
      case 'syscall-return':
        return `T05syscall_return:${(stop.nr >>> 0).toString(16)};${thread}`;
      case 'signal':
        return `T${hex8(gdbSignal(stop.signal))}${thread}`;
      case 'ended': {
        const o = stop.outcome;
        if (o.kind === 'exited') return `W${hex8(o.status)}`;
        if (o.kind === 'signaled') return `X${hex8(gdbSignal(o.signal))}`;
        return `W${hex8(MACHINE_FAILURE_STATUS)}`;
      }
    }
  }

  private kill(reply: boolean): void {
    const outcome = this.target.kill();
    if (reply) this.send('OK');
    this.end({ reason: 'killed', outcome });
  }
}

/** A thread id as gdb writes it: hex, or p<pid>.<tid> in multiprocess syntax. */
function parseThreadId(text: string): number {
  const m = /^p[0-9a-fA-F]+\.([0-9a-fA-F]+)$/.exec(text);
  return parseInt(m ? m[1] : text, 16);
}
