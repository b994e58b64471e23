import { readFileSync, writeSync } from 'node:fs';
import * as readline from 'node:readline';
import type { DebugSession } from './session.js';

/**
 * The debugger's terminal front end: node:readline with a prompt, history and tab
 * completion at a terminal; piped stdin and `--script FILE` are read line by line and
 * each command is echoed after the prompt, so a transcript reads like a session.
 * Output goes through writeSync so that it interleaves with the guest's own writes
 * (the Node host writes synchronously too) in the order they happened.
 */

const PROMPT = '(x64emu) ';

export function writeLine(line: string): void {
  const data = Buffer.from(line + '\n');
  let done = 0;
  while (done < data.length) {
    try {
      done += writeSync(1, data, done);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') process.exit(0); // the reader went away (| head): nothing left to say
      if (code !== 'EAGAIN') throw e;
    }
  }
}

export interface ReplOptions {
  /** Commands to run first (from --script); the session ends after them unless stdin is a terminal. */
  script?: string;
}

export async function runRepl(session: DebugSession, options: ReplOptions = {}): Promise<void> {
  session.greet();
  if (options.script !== undefined) {
    const lines = readFileSync(options.script, 'utf8').split('\n');
    for (const line of lines) {
      if (!line.trim()) continue;
      writeLine(PROMPT + line);
      if (!(await session.execute(line))) return;
    }
    if (!process.stdin.isTTY) return;
  }
  const terminal = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const rl = readline.createInterface({
    input: process.stdin,
    output: terminal ? process.stdout : undefined,
    terminal,
    prompt: PROMPT,
    historySize: 1000,
    completer: (line: string): [string[], string] => [session.complete(line), line],
  });
  let busy = false;
  rl.on('SIGINT', () => {
    if (busy) session.interrupt();
    else {
      writeLine('');
      writeLine('(Ctrl-C: type quit to leave)');
      rl.prompt();
    }
  });
  if (terminal) rl.prompt();
  try {
    for await (const line of rl) {
      if (!terminal) writeLine(PROMPT + line);
      busy = true;
      const goOn = await session.execute(line);
      busy = false;
      if (!goOn) break;
      if (terminal) rl.prompt();
    }
  } finally {
    rl.close();
  }
}
