import { describe, expect, it } from 'vitest';
import { AT_EXECFN, AT_NULL, AT_PAGESZ, AT_PLATFORM, AT_RANDOM } from '../../src/loader/auxv.js';
import { buildInitialStack, type InitialStack, type InitialStackInput } from '../../src/loader/initial-stack.js';
import {
  noArgumentsNoEnvironment, randomizedStack, threeArgumentsTwoEnvironmentStrings, utf8ArgumentOddWordCount,
  type KernelInitialStack,
} from './kernel-initial-stacks.js';

const STACK_TOP = 0x7ffffffff000;

function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16));
}

function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function auxvValue(auxv: Array<[number, number]>, type: number): number {
  return auxv.find(([entryType]) => entryType === type)![1];
}

/** The inputs the kernel had, read from a probe dump; the three address entries become placeholders. */
function inputFromKernel(observed: KernelInitialStack, alignJitter: number): InitialStackInput {
  const randomAt = auxvValue(observed.auxv, AT_RANDOM) - observed.rsp;
  return {
    stackTop: observed.stackTop,
    argv: observed.argv,
    envp: observed.envp,
    execfn: observed.execfn,
    platform: 'x86_64',
    random: hexToBytes(observed.bytes).slice(randomAt, randomAt + 16),
    alignJitter,
    auxv: observed.auxv.map(([type, value]) => [type, [AT_RANDOM, AT_EXECFN, AT_PLATFORM].includes(type) ? 0 : value]),
  };
}

/** Reads argc, argv, envp and auxv back from the image the way a libc's _start does. */
function readBack(stack: InitialStack) {
  const view = new DataView(stack.bytes.buffer, stack.bytes.byteOffset, stack.bytes.byteLength);
  let at = 0;
  const next = () => {
    const value = Number(view.getBigUint64(at, true));
    at += 8;
    return value;
  };
  const cString = (address: number) => {
    const start = address - stack.base;
    return new TextDecoder().decode(stack.bytes.subarray(start, stack.bytes.indexOf(0, start)));
  };
  const argc = next();
  const argv = Array.from({ length: argc }, () => cString(next()));
  const argvTerminator = next();
  const envp: string[] = [];
  for (let pointer = next(); pointer !== 0; pointer = next()) envp.push(cString(pointer));
  const auxv: Array<[number, number]> = [];
  for (;;) {
    const entry: [number, number] = [next(), next()];
    auxv.push(entry);
    if (entry[0] === AT_NULL) break;
  }
  return { argc, argv, argvTerminator, envp, auxv, auxvEnd: stack.base + at };
}

const SIMPLE: InitialStackInput = {
  stackTop: STACK_TOP,
  argv: ['/bin/prog', 'one'],
  envp: ['HOME=/root'],
  execfn: '/bin/prog',
  platform: 'x86_64',
  random: Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i),
  alignJitter: 0,
  auxv: [[AT_PAGESZ, 4096], [AT_RANDOM, 0], [AT_EXECFN, 0], [AT_PLATFORM, 0]],
};

describe('buildInitialStack reproduces stacks built by Linux 6.18 byte for byte', () => {
  // Address randomization off (setarch -R): arch_align_stack subtracts nothing.
  it.each([
    ['no arguments, no environment', noArgumentsNoEnvironment],
    ['three arguments, two environment strings', threeArgumentsTwoEnvironmentStrings],
    ['a UTF-8 argument, odd number of argc/argv/envp words', utf8ArgumentOddWordCount],
  ])('%s', (_, observed) => {
    const stack = buildInitialStack(inputFromKernel(observed, 0));
    expect(stack.rsp).toBe(observed.rsp);
    expect(stack.base).toBe(observed.rsp);
    expect(bytesToHex(stack.bytes)).toBe(observed.bytes);
    expect(stack.auxv).toEqual([...observed.auxv, [AT_NULL, 0]]);
    expect(stack.randomAddr).toBe(auxvValue(observed.auxv, AT_RANDOM));
    expect(stack.execfnAddr).toBe(auxvValue(observed.auxv, AT_EXECFN));
    expect(stack.platformAddr).toBe(auxvValue(observed.auxv, AT_PLATFORM));
  });

  it('with address randomization on, given the jitter arch_align_stack used', () => {
    // The kernel's random 0..8191 is not visible from user space, but the platform
    // string ends where arch_align_stack left p, so p = AT_PLATFORM + 7; any jitter
    // J with (argv[0] - J) rounded down to 16 == p reproduces it; take argv[0] - p.
    const observed = randomizedStack;
    const argv0 = Number(new DataView(hexToBytes(observed.bytes).buffer).getBigUint64(8, true));
    const alignedP = auxvValue(observed.auxv, AT_PLATFORM) + 'x86_64\0'.length;
    const jitter = argv0 - alignedP;
    expect(jitter).toBeGreaterThan(15); // really randomized, not just rounding
    const stack = buildInitialStack(inputFromKernel(observed, jitter));
    expect(stack.rsp).toBe(observed.rsp);
    expect(bytesToHex(stack.bytes)).toBe(observed.bytes);
    // The 15 jitter values just below give the same aligned p and so the same stack.
    expect(bytesToHex(buildInitialStack(inputFromKernel(observed, jitter - 15)).bytes)).toBe(observed.bytes);
    expect(buildInitialStack(inputFromKernel(observed, jitter + 1)).rsp).toBe(observed.rsp - 16);
  });
});

describe('buildInitialStack layout rules (LINUX-ABI.md section 5, checked against the dumps above)', () => {
  const stack = buildInitialStack(SIMPLE);

  it('puts the execfn string last, ending at 0x7fffffffeff8, then 8 zero bytes up to stackTop', () => {
    const execfnEnd = stack.execfnAddr + '/bin/prog\0'.length;
    expect(execfnEnd).toBe(0x7fffffffeff8);
    expect(Array.from(stack.bytes.subarray(stack.bytes.length - 8))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('stores argv[0] .. argv[n-1], envp[0] .. envp[m-1], execfn contiguously and ascending', () => {
    expect(stack.argvAddrs[1]).toBe(stack.argvAddrs[0]! + '/bin/prog\0'.length);
    expect(stack.envpAddrs[0]).toBe(stack.argvAddrs[1]! + 'one\0'.length);
    expect(stack.execfnAddr).toBe(stack.envpAddrs[0]! + 'HOME=/root\0'.length);
  });

  it('ends the platform string at argv[0] rounded down to 16, with the random bytes right below it', () => {
    // Strings from 0x7fffffffeff8 down: "/bin/prog" (10 bytes with NUL), "HOME=/root" (11),
    // "one" (4), "/bin/prog" (10), so argv[0] is at 0x7fffffffefd5. The probe observed the
    // same rounding: argv[0] 0x7fffffffefe8 -> platform end 0x7fffffffefe0, 0x...efd9 ->
    // 0x...efd0, 0x...efde -> 0x...efd0 (kernel-initial-stacks.ts).
    expect(stack.argvAddrs[0]).toBe(0x7fffffffefd5);
    expect(stack.platformAddr + 'x86_64\0'.length).toBe(0x7fffffffefd0);
    expect(stack.randomAddr).toBe(stack.platformAddr - 16);
    const at = stack.randomAddr - stack.base;
    expect(Array.from(stack.bytes.subarray(at, at + 16))).toEqual(Array.from(SIMPLE.random));
  });

  it('subtracts alignJitter from argv[0] before rounding down to 16', () => {
    const jittered = (alignJitter: number) => buildInitialStack({ ...SIMPLE, alignJitter }).platformAddr + 7;
    expect(jittered(5)).toBe(0x7fffffffefd0);
    expect(jittered(6)).toBe(0x7fffffffefc0);
    expect(jittered(8191)).toBe(0x7fffffffefd0 - 0x2000);
  });

  it('leaves 9 or 1 bytes between the AT_NULL pair and the random bytes, by the parity of the word count', () => {
    // p is 16-aligned and 7 + 16 bytes sit below it, so the auxv pairs end at 9 mod 16;
    // the argc/argv/envp words keep that when their count is even and shift it by 8
    // when odd. The probe observed 9 with 4 and 8 words, 1 with 5 words.
    const padding = (input: InitialStackInput) => {
      const built = buildInitialStack(input);
      return built.randomAddr - readBack(built).auxvEnd;
    };
    expect(padding(SIMPLE)).toBe(9); // argc + 2 argv + NULL + 1 envp + NULL = 6 words
    expect(padding({ ...SIMPLE, envp: [] })).toBe(1); // 5 words
  });

  it('keeps rsp 16-byte aligned for any number of arguments, environment strings and jitter', () => {
    for (let argc = 0; argc <= 4; argc++) {
      for (let envc = 0; envc <= 3; envc++) {
        for (const alignJitter of [0, 1, 7, 8, 15, 4095, 8191]) {
          const argv = Array.from({ length: argc }, (_, i) => 'a'.repeat(i + 1));
          const envp = Array.from({ length: envc }, (_, i) => `V${i}=${'x'.repeat(i)}`);
          const built = buildInitialStack({ ...SIMPLE, argv, envp, alignJitter });
          expect(built.rsp % 16).toBe(0);
          expect(built.bytes.length).toBe(STACK_TOP - built.rsp);
        }
      }
    }
  });

  it('writes argc, argv, envp and auxv so that a C start-up reads them back', () => {
    const back = readBack(stack);
    expect(back.argc).toBe(2);
    expect(back.argv).toEqual(SIMPLE.argv);
    expect(back.argvTerminator).toBe(0);
    expect(back.envp).toEqual(SIMPLE.envp);
    expect(back.auxv).toEqual(stack.auxv);
  });

  it('replaces the AT_RANDOM, AT_EXECFN and AT_PLATFORM placeholders, keeps the rest in order, adds AT_NULL', () => {
    expect(stack.auxv).toEqual([
      [AT_PAGESZ, 4096],
      [AT_RANDOM, stack.randomAddr],
      [AT_EXECFN, stack.execfnAddr],
      [AT_PLATFORM, stack.platformAddr],
      [AT_NULL, 0],
    ]);
  });

  it('stores strings UTF-8 encoded and NUL terminated', () => {
    const built = buildInitialStack({ ...SIMPLE, argv: ['héllo→'] });
    const at = built.argvAddrs[0]! - built.base;
    // U+00E9 is C3 A9 and U+2192 is E2 86 92 in UTF-8 (Unicode Standard, table 3-6).
    expect(bytesToHex(built.bytes.subarray(at, at + 10))).toBe('68c3a96c6c6fe2869200');
  });

  it('handles argc 0 (execve with an empty argv)', () => {
    const built = buildInitialStack({ ...SIMPLE, argv: [] });
    const back = readBack(built);
    expect(back.argc).toBe(0);
    expect(back.argvTerminator).toBe(0);
    expect(back.envp).toEqual(SIMPLE.envp);
    expect(built.argvAddrs).toEqual([]);
  });

  it('rejects inputs the kernel could never have produced', () => {
    expect(() => buildInitialStack({ ...SIMPLE, random: new Uint8Array(8) })).toThrow(RangeError);
    expect(() => buildInitialStack({ ...SIMPLE, alignJitter: 8192 })).toThrow(RangeError);
    expect(() => buildInitialStack({ ...SIMPLE, alignJitter: -1 })).toThrow(RangeError);
    expect(() => buildInitialStack({ ...SIMPLE, stackTop: STACK_TOP - 8 })).toThrow(RangeError);
    expect(() => buildInitialStack({ ...SIMPLE, auxv: [[AT_PAGESZ, 4096], [AT_NULL, 0]] })).toThrow(RangeError);
  });
});
