// The initial process stack of an x86-64 Linux process, byte for byte as the kernel
// builds it (LINUX-ABI.md section 5): fs/exec.c copies the strings, then
// create_elf_tables (fs/binfmt_elf.c) adds the platform string, AT_RANDOM bytes,
// argc, argv, envp and auxv below them. Pure: the caller copies `bytes` to `base`.

import { AT_EXECFN, AT_NULL, AT_PLATFORM, AT_RANDOM } from './auxv.js';
import { writeU64 } from './u64.js';

export interface InitialStackInput {
  stackTop: number;                // one past the highest stack byte, page aligned (e.g. 0x7ffffffff000)
  argv: string[];                  // strings are stored UTF-8 encoded, NUL terminated
  envp: string[];
  execfn: string;                  // the filename given to execve, for AT_EXECFN
  platform: string;                // "x86_64", for AT_PLATFORM
  random: Uint8Array;              // the 16 bytes for AT_RANDOM
  alignJitter: number;             // arch_align_stack's random 0..8191, 0 with ASLR off
  auxv: Array<[number, number]>;   // kernel order, no AT_NULL; AT_RANDOM/AT_EXECFN/AT_PLATFORM values are placeholders
}

export interface InitialStack {
  rsp: number;                     // 16-byte aligned, points at argc
  base: number;                    // address of bytes[0] (== rsp)
  bytes: Uint8Array;               // everything from rsp up to stackTop
  argvAddrs: number[];
  envpAddrs: number[];
  execfnAddr: number;
  platformAddr: number;
  randomAddr: number;
  auxv: Array<[number, number]>;   // the entries as written, ending with AT_NULL
}

const POINTER_SIZE = 8;
const AUXV_ENTRY_SIZE = 16;
const RANDOM_BYTES = 16;
const STACK_ALIGNMENT = 16;
// arch_align_stack subtracts get_random_u32_below(8192) (arch/x86/kernel/process.c).
const ALIGN_JITTER_LIMIT = 8192;

export function buildInitialStack(input: InitialStackInput): InitialStack {
  checkInput(input);
  const encoder = new TextEncoder();
  const nulTerminated = (text: string) => {
    const encoded = encoder.encode(text);
    const bytes = new Uint8Array(encoded.length + 1);
    bytes.set(encoded);
    return bytes;
  };
  const execfn = nulTerminated(input.execfn);
  const envStrings = input.envp.map(nulTerminated);
  const argStrings = input.argv.map(nulTerminated);
  const platform = nulTerminated(input.platform);

  // fs/exec.c: bprm->p starts one pointer below the top of the stack VMA (those 8
  // bytes stay zero), then the filename, the environment and the arguments are
  // copied downwards, each group last string first, so memory ascends argv[0] ..
  // argv[n-1], envp[0] .. envp[m-1], execfn.
  let p = input.stackTop - POINTER_SIZE;
  p -= execfn.length;
  const execfnAddr = p;
  const envpAddrs = placeDownwards(envStrings, p);
  p = envpAddrs[0] ?? p;
  const argvAddrs = placeDownwards(argStrings, p);
  p = argvAddrs[0] ?? p;

  // create_elf_tables: p = arch_align_stack(p), then STACK_ALLOC the platform
  // string and the random bytes right below it (no alignment for either).
  p = alignDown(p - input.alignJitter, STACK_ALIGNMENT);
  p -= platform.length;
  const platformAddr = p;
  p -= RANDOM_BYTES;
  const randomAddr = p;

  const auxv = finalAuxv(input.auxv, { execfnAddr, platformAddr, randomAddr });
  // STACK_ADD(p, ei_index) reserves the auxv pairs (AT_NULL included), then
  // STACK_ROUND(sp, items) reserves argc, argv + NULL, envp + NULL and rounds to 16.
  const words = 1 + (argStrings.length + 1) + (envStrings.length + 1);
  const rsp = alignDown(p - auxv.length * AUXV_ENTRY_SIZE - words * POINTER_SIZE, STACK_ALIGNMENT);

  const bytes = new Uint8Array(input.stackTop - rsp);
  const view = new DataView(bytes.buffer);
  const at = (address: number) => address - rsp;
  const place = (address: number, data: Uint8Array) => bytes.set(data, at(address));
  argStrings.forEach((data, i) => place(argvAddrs[i]!, data));
  envStrings.forEach((data, i) => place(envpAddrs[i]!, data));
  place(execfnAddr, execfn);
  place(platformAddr, platform);
  place(randomAddr, input.random);

  // Filled upwards from rsp: argc, argv[], NULL, envp[], NULL, then the auxv pairs.
  // The NULLs and AT_NULL's zeros are already there in a fresh array.
  let slot = 0;
  const push = (value: number) => {
    writeU64(view, slot, value);
    slot += POINTER_SIZE;
  };
  push(argStrings.length);
  argvAddrs.forEach(push);
  slot += POINTER_SIZE;
  envpAddrs.forEach(push);
  slot += POINTER_SIZE;
  for (const [type, value] of auxv) {
    push(type);
    push(value);
  }

  return { rsp, base: rsp, bytes, argvAddrs, envpAddrs, execfnAddr, platformAddr, randomAddr, auxv };
}

function checkInput(input: InitialStackInput): void {
  if (input.stackTop % STACK_ALIGNMENT !== 0) throw new RangeError(`stackTop ${input.stackTop} is not 16-byte aligned`);
  if (input.random.length !== RANDOM_BYTES) throw new RangeError(`AT_RANDOM needs ${RANDOM_BYTES} bytes, got ${input.random.length}`);
  if (!Number.isInteger(input.alignJitter) || input.alignJitter < 0 || input.alignJitter >= ALIGN_JITTER_LIMIT) {
    throw new RangeError(`alignJitter ${input.alignJitter} is outside 0..${ALIGN_JITTER_LIMIT - 1}`);
  }
  if (input.auxv.some(([type]) => type === AT_NULL)) throw new RangeError('auxv must not contain AT_NULL; the builder appends it');
}

/** Addresses of `strings` stored contiguously, ascending, ending just below `end`. */
function placeDownwards(strings: Uint8Array[], end: number): number[] {
  const addresses: number[] = new Array(strings.length);
  let p = end;
  for (let i = strings.length - 1; i >= 0; i--) {
    p -= strings[i]!.length;
    addresses[i] = p;
  }
  return addresses;
}

function finalAuxv(
  entries: Array<[number, number]>,
  addresses: { execfnAddr: number; platformAddr: number; randomAddr: number },
): Array<[number, number]> {
  const placed = new Map([
    [AT_EXECFN, addresses.execfnAddr],
    [AT_PLATFORM, addresses.platformAddr],
    [AT_RANDOM, addresses.randomAddr],
  ]);
  return [...entries.map(([type, value]): [number, number] => [type, placed.get(type) ?? value]), [AT_NULL, 0]];
}

// Addresses reach 2^47, beyond the 32 bits that `&` works on.
function alignDown(address: number, alignment: number): number {
  return address - (address % alignment);
}
