/**
 * The gdb remote stub without gdb: framing, checksums, escapes, the register layout of
 * GDB-REMOTE.md, target.xml, and whole sessions driven packet by packet through a fake
 * connection (deterministic: the test runs the stub's scheduled work itself).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseGdbAddress } from '../../src/debugger/gdb/address.js';
import {
  bytesToHex, byteStringToBytes, checksum, escapeBinary, expandRunLength, frame, hexToBytes, PacketDecoder, parseAddress, unescapeBinary,
} from '../../src/debugger/gdb/protocol.js';
import { REGISTER_BYTES, REGISTER_OFFSETS, REGISTERS, targetXml } from '../../src/debugger/gdb/registers.js';
import { GdbSessionEnd, GdbStub, gdbSignal } from '../../src/debugger/gdb/stub.js';
import type { GdbConnection } from '../../src/debugger/gdb/transport.js';
import { MemoryHost } from '../../src/kernel/host.js';
import { Machine } from '../../src/machine.js';
import { parseElf } from '../../src/loader/elf.js';
import { elfSymbols } from '../../src/debugger/symbols.js';
import { FIXTURES } from '../e2e/run-fixture.js';

const bytes = (s: string): Uint8Array => byteStringToBytes(s);

describe('framing', () => {
  it('checksums are the byte sum mod 256 in two hex digits (values from a gdb session)', () => {
    expect(frame('g')).toBe('$g#67');
    expect(frame('?')).toBe('$?#3f');
    expect(frame('vCont?')).toBe('$vCont?#49');
    expect(frame('Hg0')).toBe('$Hg0#df');
    expect(frame('QStartNoAckMode')).toBe('$QStartNoAckMode#b0');
    expect(frame('m4014f0,1')).toBe('$m4014f0,1#29');
    expect(checksum('')).toBe('00');
    expect(checksum('\xff\x01')).toBe('00');
  });

  it('the decoder reassembles packets split anywhere and reports acks, naks and Ctrl-C', () => {
    const d = new PacketDecoder();
    const wire = '+$qSupported:swbreak+#xx'.replace('xx', checksum('qSupported:swbreak+')) + '-\x03$g#67';
    const events = [];
    for (const ch of wire) events.push(...d.feed(bytes(ch)));
    expect(events).toEqual([
      { kind: 'ack' },
      { kind: 'packet', payload: 'qSupported:swbreak+' },
      { kind: 'nack' },
      { kind: 'interrupt' },
      { kind: 'packet', payload: 'g' },
    ]);
  });

  it('a bad checksum is reported as corrupt; noise between packets is ignored', () => {
    const d = new PacketDecoder();
    expect(d.feed(bytes('junk$g#00$?#3F'))).toEqual([
      { kind: 'corrupt', payload: 'g' },
      { kind: 'packet', payload: '?' },
    ]);
  });

  it('an escaped # inside a payload does not end the packet', () => {
    const payload = 'X1000,1:' + escapeBinary('#');
    const d = new PacketDecoder();
    expect(d.feed(bytes(frame(payload)))).toEqual([{ kind: 'packet', payload }]);
    expect(unescapeBinary(payload.slice(8))).toBe('#');
  });

  it('binary escapes cover $ # } * and round-trip every byte', () => {
    expect(escapeBinary('a$b#c}d*e')).toBe('a}\x04b}\x03c}]d}\x0ae');
    let all = '';
    for (let i = 0; i < 256; i++) all += String.fromCharCode(i);
    const escaped = escapeBinary(all);
    expect(escaped).not.toMatch(/[$#*]/);
    expect(unescapeBinary(escaped)).toBe(all);
  });

  it('run-length encoding expands as gdb reads it', () => {
    expect(expandRunLength('0* ')).toBe('0000'); // ' ' = 32: three more
    expect(expandRunLength('ab*"c')).toBe('abbbbbbc'); // '"' = 34: five more
  });

  it('hex helpers', () => {
    expect(bytesToHex(Uint8Array.of(0, 0xab, 0x10))).toBe('00ab10');
    expect(hexToBytes('00AB10')).toEqual(Uint8Array.of(0, 0xab, 0x10));
    expect(hexToBytes('abc')).toBeNull();
    expect(parseAddress('401000')).toBe(0x401000);
    expect(parseAddress('ffffffffff600000')).toBe(-0xa00000);
    expect(parseAddress('800000000000')).toBeNull(); // not canonical
  });

  it('gdb numbers signals its own way', () => {
    expect(gdbSignal(11)).toBe(11); // SIGSEGV
    expect(gdbSignal(7)).toBe(10); // SIGBUS is 10 to gdb
    expect(gdbSignal(10)).toBe(30); // SIGUSR1
  });
});

describe('the --gdb address', () => {
  it('accepts loopback hosts only', () => {
    expect(parseGdbAddress('127.0.0.1:1234')).toEqual({ host: '127.0.0.1', port: 1234 });
    expect(parseGdbAddress(':0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseGdbAddress('4000')).toEqual({ host: '127.0.0.1', port: 4000 });
    expect(parseGdbAddress('localhost:5')).toEqual({ host: '127.0.0.1', port: 5 });
    expect(parseGdbAddress('[::1]:7')).toEqual({ host: '::1', port: 7 });
    expect(parseGdbAddress('0.0.0.0:1234')).toHaveProperty('error');
    expect(parseGdbAddress('192.168.1.2:1234')).toHaveProperty('error');
    expect(parseGdbAddress('example.com:1')).toHaveProperty('error');
    expect(parseGdbAddress('127.0.0.1:70000')).toHaveProperty('error');
    expect(parseGdbAddress('nonsense')).toHaveProperty('error');
  });
});

describe('register layout (GDB-REMOTE.md)', () => {
  it('follows the table: numbers, names, sizes and g-packet offsets', () => {
    const names = REGISTERS.map((r) => r.name);
    expect(names.slice(0, 16)).toEqual(['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15']);
    expect(names.slice(16, 24)).toEqual(['rip', 'eflags', 'cs', 'ss', 'ds', 'es', 'fs', 'gs']);
    expect(names.slice(24, 32)).toEqual(['st0', 'st1', 'st2', 'st3', 'st4', 'st5', 'st6', 'st7']);
    expect(names.slice(32, 40)).toEqual(['fctrl', 'fstat', 'ftag', 'fiseg', 'fioff', 'foseg', 'fooff', 'fop']);
    expect(names.slice(40, 56)).toEqual(Array.from({ length: 16 }, (_, i) => `xmm${i}`));
    expect(names.slice(56)).toEqual(['mxcsr', 'orig_rax', 'fs_base', 'gs_base']);
    const sizes = REGISTERS.map((r) => r.size);
    expect(sizes.slice(0, 17).every((s) => s === 8)).toBe(true);
    expect(sizes.slice(17, 24).every((s) => s === 4)).toBe(true);
    expect(sizes.slice(24, 32).every((s) => s === 10)).toBe(true);
    expect(sizes.slice(32, 40).every((s) => s === 4)).toBe(true);
    expect(sizes.slice(40, 56).every((s) => s === 16)).toBe(true);
    expect(sizes.slice(56)).toEqual([4, 8, 8, 8]);
    expect(REGISTERS.every((r, i) => r.regnum === i)).toBe(true);
    expect(REGISTER_OFFSETS[16]).toBe(128); // rip
    expect(REGISTER_OFFSETS[24]).toBe(164); // st0
    expect(REGISTER_OFFSETS[40]).toBe(276); // xmm0
    expect(REGISTER_OFFSETS[57]).toBe(536); // orig_rax
    expect(REGISTER_BYTES).toBe(560);
  });

  it('target.xml names i386:x86-64 and the core, sse, linux and segments features with the same numbering', () => {
    const xml = targetXml();
    expect(xml).toContain('<architecture>i386:x86-64</architecture>');
    for (const f of ['core', 'sse', 'linux', 'segments']) expect(xml).toContain(`<feature name="org.gnu.gdb.i386.${f}">`);
    const regs = [...xml.matchAll(/<reg name="([^"]+)" bitsize="(\d+)"[^>]*regnum="(\d+)"/g)].map((m) => [m[1], Number(m[2]), Number(m[3])]);
    expect(regs).toEqual(REGISTERS.map((r) => [r.name, r.size * 8, r.regnum]));
    expect(xml).not.toMatch(/[$#*}]/); // nothing that needs escaping
  });
});

// ---- sessions through a fake connection -------------------------------------------------

class FakeGdb implements GdbConnection {
  private onData: (b: Uint8Array) => void = () => {};
  private onClose: () => void = () => {};
  private readonly decoder = new PacketDecoder();
  readonly replies: string[] = [];
  readonly raw: string[] = [];
  closed = false;
  private readonly tasks: Array<() => void> = [];
  readonly schedule = (fn: () => void): void => void this.tasks.push(fn);

  listen(onData: (b: Uint8Array) => void, onClose: () => void): void {
    this.onData = onData;
    this.onClose = onClose;
  }

  write(b: Uint8Array): void {
    const text = String.fromCharCode(...b);
    this.raw.push(text);
    for (const e of this.decoder.feed(b)) if (e.kind === 'packet') this.replies.push(e.payload);
  }

  close(): void {
    this.closed = true;
  }

  /** Sends a packet and runs the stub's scheduled work (at most `steps` turns); returns the replies it caused. */
  send(payload: string, steps = Infinity): string[] {
    const before = this.replies.length;
    this.onData(bytes(frame(payload)));
    this.run(steps);
    return this.replies.slice(before);
  }

  /** The one reply a packet gets. */
  ask(payload: string): string {
    const r = this.send(payload);
    expect(r.length, `replies to ${payload}: ${JSON.stringify(r)}`).toBe(1);
    return r[0];
  }

  run(steps = Infinity): void {
    for (let n = 0; n < steps && this.tasks.length; n++) this.tasks.shift()!();
  }

  get pending(): number {
    return this.tasks.length;
  }

  interrupt(): void {
    this.onData(Uint8Array.of(3));
  }

  hangUp(): void {
    this.onClose();
  }
}

function session(binary: string, slice = 1_000_000): { gdb: FakeGdb; stub: GdbStub; m: Machine; host: MemoryHost; ended: { value: GdbSessionEnd | null } } {
  const host = new MemoryHost();
  const m = new Machine({ host, aslr: false });
  const path = join(FIXTURES, binary);
  m.load({ image: readFileSync(path), path, execPath: binary, argv: [binary], envp: [] });
  const gdb = new FakeGdb();
  const stub = new GdbStub(m, gdb, { schedule: gdb.schedule, sliceInstructions: slice });
  const ended: { value: GdbSessionEnd | null } = { value: null };
  void stub.finished.then((e) => (ended.value = e));
  return { gdb, stub, m, host, ended };
}

/** Little-endian u64 from a register's hex. */
function u64(hex: string): bigint {
  const b = hexToBytes(hex)!;
  return new DataView(b.buffer).getBigUint64(0, true);
}

function hex64(v: bigint): string {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return bytesToHex(b);
}

const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('a session with the stub (no gdb)', () => {
  it('answers the connection handshake', () => {
    const { gdb } = session('bin/write-syscall');
    const features = gdb.ask('qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386').split(';');
    expect(features).toEqual(expect.arrayContaining(['PacketSize=4000', 'qXfer:features:read+', 'qXfer:auxv:read+', 'QCatchSyscalls+', 'swbreak+']));
    expect(gdb.raw[0]).toBe('+'); // acknowledged
    expect(gdb.ask('vMustReplyEmpty')).toBe('');
    expect(gdb.ask('QStartNoAckMode')).toBe('OK');
    const acksBefore = gdb.raw.filter((r) => r === '+').length;
    expect(gdb.ask('Hg0')).toBe('OK');
    expect(gdb.raw.filter((r) => r === '+').length).toBe(acksBefore); // no more acks
    const xml = targetXml();
    const part1 = gdb.ask('qXfer:features:read:target.xml:0,100');
    expect(part1).toBe('m' + xml.slice(0, 0x100));
    const rest = gdb.ask(`qXfer:features:read:target.xml:100,${(xml.length * 2).toString(16)}`);
    expect(rest).toBe('l' + xml.slice(0x100));
    expect(gdb.ask('qXfer:features:read:other.xml:0,100')).toBe('E00');
    expect(gdb.ask('?')).toBe('T05thread:3e8;');
    expect(gdb.ask('qC')).toBe('QC3e8');
    expect(gdb.ask('qfThreadInfo')).toBe('m3e8');
    expect(gdb.ask('qsThreadInfo')).toBe('l');
    expect(gdb.ask('qAttached')).toBe('0');
    expect(gdb.ask('vCont?')).toBe('vCont;c;C;s;S');
    expect(gdb.ask('qSomethingNew')).toBe('');
  });

  it('g reports the CPU in gdb order; p, P and G read and write single registers', () => {
    const { gdb, m } = session('bin/write-syscall');
    const cpu = m.cpu;
    // Distinct values in encoding order (rax rcx rdx rbx rsp rbp rsi rdi r8..r15).
    for (let r = 0; r < 16; r++) cpu.setReg64(r, 0x11111111 * (r + 1), r + 0x100);
    cpu.xmm.set([1, 2, 3, 4], 4 * 3);
    const g = hexToBytes(gdb.ask('g'))!;
    expect(g.length).toBe(REGISTER_BYTES);
    const view = new DataView(g.buffer);
    const reg64 = (gdbnum: number): bigint => view.getBigUint64(REGISTER_OFFSETS[gdbnum], true);
    const enc = (r: number): bigint => (BigInt(r + 0x100) << 32n) | BigInt((0x11111111 * (r + 1)) >>> 0);
    expect(reg64(0)).toBe(enc(0)); // rax
    expect(reg64(1)).toBe(enc(3)); // rbx
    expect(reg64(2)).toBe(enc(1)); // rcx
    expect(reg64(3)).toBe(enc(2)); // rdx
    expect(reg64(4)).toBe(enc(6)); // rsi
    expect(reg64(5)).toBe(enc(7)); // rdi
    expect(reg64(6)).toBe(enc(5)); // rbp
    expect(reg64(7)).toBe(enc(4)); // rsp
    expect(reg64(15)).toBe(enc(15)); // r15
    expect(reg64(16)).toBe(BigInt(cpu.rip)); // rip
    expect(view.getUint32(REGISTER_OFFSETS[17], true)).toBe(cpu.getRflags());
    expect(view.getUint32(REGISTER_OFFSETS[18], true)).toBe(0x33); // cs
    expect(view.getUint32(REGISTER_OFFSETS[19], true)).toBe(0x2b); // ss
    expect(view.getUint16(REGISTER_OFFSETS[32], true)).toBe(0x37f); // fctrl
    expect(view.getUint32(REGISTER_OFFSETS[43] + 8, true)).toBe(3); // xmm3 lane 2
    expect(view.getUint32(REGISTER_OFFSETS[56], true)).toBe(0x1f80); // mxcsr
    expect(reg64(57)).toBe(0xffffffffffffffffn); // orig_rax outside a system call
    expect(gdb.ask('p10')).toBe(bytesToHex(g.subarray(128, 136))); // rip
    expect(gdb.ask('P1=' + hex64(0x1234n))).toBe('OK'); // rbx
    expect(cpu.regSigned(3)).toBe(0x1234);
    expect(gdb.ask('p1')).toBe(hex64(0x1234n));
    // G writes the file back; a changed rdi lands in encoding slot 7.
    const image = Uint8Array.from(hexToBytes(gdb.ask('g'))!);
    new DataView(image.buffer).setBigUint64(REGISTER_OFFSETS[5], 0xdeadbeefn, true);
    expect(gdb.ask('G' + bytesToHex(image))).toBe('OK');
    expect(cpu.regSigned(7)).toBe(0xdeadbeef);
    expect(gdb.ask('G00')).toBe('E01');
    expect(gdb.ask('p99')).toBe('E01');
  });

  it('m and M read and write user memory, never the kernel half', () => {
    const { gdb, m } = session('bin/write-syscall');
    const elf = parseElf(readFileSync(join(FIXTURES, 'bin/write-syscall')));
    const msg = 'Hello from the syscall instruction!\n';
    // The message is in .rodata at 0x402000 (objdump: lea 0xfef(%rip),%rsi at 0x40100a).
    expect(Buffer.from(hexToBytes(gdb.ask('m402000,24'))!).toString()).toBe(msg);
    expect(gdb.ask(`m${elf.entry.toString(16)},5`)).toBe('b801000000'); // mov $1,%eax
    const rsp = BigInt(m.cpu.rsp());
    const sp = rsp.toString(16);
    expect(gdb.ask(`M${sp},4:01020304`)).toBe('OK');
    expect(gdb.ask(`m${sp},4`)).toBe('01020304');
    expect(gdb.ask(`X${sp},2:` + escapeBinary('#}'))).toBe('OK');
    expect(gdb.ask(`m${sp},2`)).toBe('237d');
    expect(gdb.ask('M402000,1:00')).toBe('E0e'); // read-only
    expect(gdb.ask('m0,10')).toBe('E0e');
    expect(gdb.ask('mffffffff80000000,8')).toBe('E0e'); // the kernel half
    // A read running off the end of a mapping returns what it could read.
    const stack = m.kernel.process.space.vmas.find((v) => v.growsDown)!;
    expect(gdb.ask(`m${(stack.end - 4).toString(16)},10`)).toHaveLength(8);
  });

  it('breakpoints stop before the instruction (swbreak) and continue runs it', () => {
    const { gdb, m, host } = session('bin/write-syscall');
    gdb.ask('qSupported:swbreak+');
    const entry = m.cpu.rip;
    expect(gdb.ask(`Z0,${(entry + 10).toString(16)},1`)).toBe('OK'); // the lea (objdump -d)
    expect(gdb.send('vCont;c')).toEqual(['T05thread:3e8;swbreak:;']);
    expect(m.cpu.rip).toBe(entry + 10);
    expect(gdb.ask('Z0,ffffffff81000000,1')).toBe('E01'); // the kernel is not the process
    expect(gdb.ask('Z2,402000,4')).toBe(''); // no watchpoints
    // Continuing from the breakpoint steps over it first.
    expect(gdb.send('c')).toEqual(['W00']);
    expect(host.text(1)).toBe('Hello from the syscall instruction!\n');
    expect(gdb.closed).toBe(true);
  });

  it('a breakpoint in a hot loop stops on every pass (compiled blocks included)', () => {
    const { gdb, m } = session('bin/clock-loop-glibc', 50_000);
    const image = readFileSync(join(FIXTURES, 'bin/clock-loop-glibc'));
    const fn = elfSymbols(image).find((s) => s.name === 'clock_gettime' || s.name === '__clock_gettime')!;
    expect(gdb.ask(`Z0,${fn.address.toString(16)},1`)).toBe('OK');
    for (let pass = 0; pass < 40; pass++) {
      expect(gdb.send('c')).toEqual(['T05thread:3e8;']);
      expect(m.cpu.rip).toBe(fn.address);
    }
    expect(gdb.ask(`z0,${fn.address.toString(16)},1`)).toBe('OK');
    gdb.send('k');
  });

  it('a step over `syscall` runs through the kernel and stops at the next user instruction', () => {
    const { gdb, m, host } = session('bin/write-syscall');
    const entry = m.cpu.rip;
    for (let i = 0; i < 4; i++) expect(gdb.send('vCont;s:3e8')).toEqual(['T05thread:3e8;']);
    expect(m.cpu.rip).toBe(entry + 22); // at the syscall
    expect(gdb.send('s')).toEqual(['T05thread:3e8;']);
    expect(m.cpu.cpl).toBe(3);
    expect(u64(gdb.ask('p10'))).toBe(BigInt(entry + 24));
    expect(u64(gdb.ask('p0'))).toBe(36n); // write's result
    expect(u64(gdb.ask('p2'))).toBe(BigInt(entry + 24)); // rcx = return RIP, as SYSCALL saved it
    expect(host.text(1)).toBe('Hello from the syscall instruction!\n');
  });

  it('QCatchSyscalls stops at entry and return with the user registers from pt_regs', () => {
    const { gdb, m, host } = session('bin/write-syscall');
    const entry = m.cpu.rip;
    expect(gdb.ask('QCatchSyscalls:1;1')).toBe('OK');
    expect(gdb.send('c')).toEqual(['T05syscall_entry:1;thread:3e8;']);
    expect(m.cpu.cpl).toBe(0); // inside the entry stub
    expect(u64(gdb.ask('p10'))).toBe(BigInt(entry + 24)); // user rip: after the syscall
    expect(u64(gdb.ask('p39'))).toBe(1n); // orig_rax = the call number
    expect(u64(gdb.ask('p0'))).toBe(BigInt.asUintN(64, -38n)); // rax = -ENOSYS, as Linux shows it
    expect(u64(gdb.ask('p7'))).toBe(BigInt(m.kernel.frame.get('rsp'))); // user rsp, not the kernel stack
    expect(hexToBytes(gdb.ask('p12'))![0]).toBe(0x33); // cs
    // Writing a register at entry changes the call: write only 5 bytes.
    expect(gdb.ask('P3=' + hex64(5n))).toBe('OK');
    expect(gdb.send('c')).toEqual(['T05syscall_return:1;thread:3e8;']);
    expect(host.text(1)).toBe('Hello');
    expect(u64(gdb.ask('p0'))).toBe(5n);
    // Changing the result and RIP at exit: the stub leaves through IRET with the frame's values.
    expect(gdb.ask('P0=' + hex64(99n))).toBe('OK');
    expect(gdb.send('s')).toEqual(['T05thread:3e8;']);
    expect(m.cpu.cpl).toBe(3);
    expect(m.cpu.regSigned(0)).toBe(99);
    expect(m.cpu.rip).toBe(entry + 24);
    expect(gdb.ask('QCatchSyscalls:0')).toBe('OK');
    expect(gdb.send('c')).toEqual(['W00']);
  });

  it('catching every call (QCatchSyscalls:1) stops at exit too; W carries the status', () => {
    const { gdb } = session('bin/exit42-glibc');
    expect(gdb.ask('QCatchSyscalls:1')).toBe('OK');
    const stops: string[] = [];
    for (;;) {
      const [reply] = gdb.send('c');
      stops.push(reply);
      if (!reply.startsWith('T')) break;
    }
    expect(stops.at(-2)).toBe('T05syscall_entry:e7;thread:3e8;'); // exit_group = 231
    expect(stops.at(-1)).toBe('W2a');
  });

  it('Ctrl-C stops a running program at a user instruction with SIGINT', () => {
    const { gdb, m } = session('bin/clock-loop-glibc', 1000);
    const replies = gdb.send('c', 3);
    expect(replies).toEqual([]);
    expect(gdb.pending).toBe(1); // still running, between slices
    gdb.interrupt();
    gdb.run();
    expect(gdb.replies.at(-1)).toBe('T02thread:3e8;');
    expect(m.cpu.cpl).toBe(3);
    expect(gdb.send('k')).toEqual([]);
    expect(m.kernel.process.exit).toMatchObject({ kind: 'signaled', signal: 9 });
  });

  it('qXfer:auxv:read gives /proc/self/auxv bytes, escaped', () => {
    const { gdb, m } = session('bin/hello-glibc');
    const reply = gdb.ask('qXfer:auxv:read::0,1000');
    expect(reply[0]).toBe('l');
    const data = byteStringToBytes(unescapeBinary(reply.slice(1)));
    const pairs: Array<[number, number]> = [];
    const v = new DataView(data.buffer);
    for (let i = 0; i < data.length; i += 16) pairs.push([Number(v.getBigUint64(i, true)), Number(v.getBigUint64(i + 8, true))]);
    expect(pairs).toEqual(m.kernel.process.auxv);
    expect(gdb.ask('qXfer:auxv:read::10,10')[0]).toBe('m');
  });

  it('D detaches: breakpoints and hooks are gone and the machine is left to the caller', async () => {
    const { gdb, m, ended } = session('bin/write-syscall');
    const before = m.kernel.debugStops;
    expect(before).not.toBeNull(); // the stub's hooks
    expect(gdb.ask(`Z0,${(m.cpu.rip + 10).toString(16)},1`)).toBe('OK');
    expect(gdb.send('D')).toEqual(['OK']);
    await flush();
    expect(ended.value).toEqual({ reason: 'detached' });
    expect(m.kernel.debugStops).toBeNull();
    expect(gdb.closed).toBe(true);
    expect(m.run()).toEqual({ kind: 'exited', status: 0 }); // no breakpoint left behind
  });

  it('a fatal fault stops with the signal first, then the program dies of it (X)', () => {
    const host = new MemoryHost();
    const m = new Machine({ host, aslr: false });
    const path = join(FIXTURES, 'bin/vsyscall-glibc');
    m.load({ image: readFileSync(path), path, execPath: 'vsyscall-glibc', argv: ['vsyscall-glibc', 'read'], envp: [] });
    const gdb = new FakeGdb();
    new GdbStub(m, gdb, { schedule: gdb.schedule });
    expect(gdb.send('c')).toEqual(['T0bthread:3e8;']);
    expect(m.kernel.process.exit).toBeNull();
    expect(gdb.send('C0b')).toEqual(['X0b']);
    expect(m.kernel.process.exit).toMatchObject({ kind: 'signaled', signal: 11 });
  });

  it('a dropped connection ends the session as disconnected', async () => {
    const { gdb, ended } = session('bin/write-syscall');
    gdb.hangUp();
    await flush();
    expect(ended.value).toEqual({ reason: 'disconnected' });
  });

  it('a corrupted packet is answered with - and ignored', () => {
    const { gdb } = session('bin/write-syscall');
    (gdb as unknown as { onData: (b: Uint8Array) => void }).onData(bytes('$g#00'));
    expect(gdb.raw).toEqual(['-']);
    expect(gdb.replies).toEqual([]);
  });
});
