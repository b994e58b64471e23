import { readFileSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Host } from '../kernel/host.js';
import { ElfError } from '../loader/elf.js';
import { Machine } from '../machine.js';
import { NodeHost } from '../host/node-host.js';
import { createGdbServer } from '../debugger/gdb/server.js';
import { DebugSession } from '../debugger/session.js';
import { runRepl, writeLine } from '../debugger/repl-node.js';
import { machineOptions, RunOptions } from './run-command.js';
import { StraceWriter } from './strace.js';

export interface DebugOptions extends RunOptions {
  script?: string;
  stdin?: string;
}

/**
 * The guest's standard input under the debugger: the REPL reads the terminal (or the
 * piped commands), so the program reads `--stdin FILE` instead, or sees end of file.
 */
class DebugHost extends NodeHost {
  private pos = 0;
  constructor(private readonly input: Uint8Array) {
    super();
  }

  override read(fd: number, into: Uint8Array): number {
    if (fd !== 0) return super.read(fd, into);
    const n = Math.min(into.length, this.input.length - this.pos);
    into.set(this.input.subarray(this.pos, this.pos + n));
    this.pos += n;
    return n;
  }
}

/** `x64emu debug [options] <elf> [args...]`: the debugger REPL over a freshly loaded program. */
export async function debugCommand(file: string, args: string[], options: DebugOptions): Promise<number> {
  const path = resolve(file);
  let image: Uint8Array;
  let input = new Uint8Array(0);
  try {
    image = readFileSync(path);
    if (options.stdin) input = readFileSync(options.stdin);
    if (options.script) readFileSync(options.script);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    process.stderr.write(`x64emu: ${err.path ?? file}: ${err.code === 'ENOENT' ? 'No such file or directory' : err.message}\n`);
    return err.code === 'ENOENT' ? 127 : 126;
  }
  let settings;
  try {
    settings = machineOptions(options);
  } catch (e) {
    process.stderr.write(`x64emu: ${(e as Error).message}\n`);
    return 2;
  }
  const start = (): Machine => {
    const host: Host = new DebugHost(input);
    const machine = new Machine({ host, ...settings });
    machine.load({ image, path, execPath: file, argv: [file, ...args], envp: Object.entries(process.env).map(([k, v]) => `${k}=${v}`) });
    return machine;
  };
  let session: DebugSession;
  try {
    session = new DebugSession({
      start,
      name: file,
      print: writeLine,
      repeatOnEmpty: process.stdin.isTTY === true,
      gdbserver: (machine, port) => createGdbServer(machine, { port }),
      observer: options.strace ? (m) => new StraceWriter(m.kernel, (line) => writeSync(2, line + '\n')) : undefined,
    });
  } catch (e) {
    if (!(e instanceof ElfError)) throw e;
    process.stderr.write(`x64emu: ${file}: ${e.message}\n`);
    return 126;
  }
  await runRepl(session, { script: options.script });
  return 0;
}
