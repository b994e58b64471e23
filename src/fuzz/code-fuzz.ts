/**
 * Fuzzer (b): random byte streams executed as user code. Each case builds a minimal
 * static ELF whose entry page is a prelude (registers pointed into a data area, or set
 * to edge values) followed by random bytes — uniform noise or an "instruction soup" of
 * prefixes, escapes, opcodes and ModRM bytes — and runs it for a bounded number of
 * instructions. The code page is sometimes writable, so self-modifying code reaches the
 * translator's invalidation. Half the cases first install a handler for the fault
 * signals (on an alternate stack) that steps the saved RIP one byte on and returns
 * through rt_sigreturn, so the stream runs on past each fault — which also puts signal
 * delivery under fire. The guest must end in an exit, a signal or the limit, and
 * kernel memory must not change.
 */
import { CaseContext, FuzzOptions, FuzzReport, fuzzLoop, fuzzMachine, judgeOutcome, kernelFingerprint } from './harness.js';
import { assemble } from '../vdso/asm/index.js';
import { buildMiniElf, Code, PF_R, PF_W, PF_X, REG } from './mini-elf.js';
import type { Rng } from './rng.js';

export interface CodeFuzzOptions extends FuzzOptions {
  /** Instructions each case may run (default 20,000). */
  instructions?: number;
}

const CODE = 0x40_0000;
const DATA = 0x60_0000;
const DATA_SIZE = 0x4000;
/** The fault handler, its sigaction and stack_t (read-only, away from the random code). */
const HANDLER = 0x50_0000;
const ALT_STACK = 0x70_0000;
const ALT_STACK_SIZE = 0x10000;
const FAULT_SIGNALS = [4, 5, 7, 8, 11]; // SIGILL SIGTRAP SIGBUS SIGFPE SIGSEGV

/**
 * handler(sig, info, uc): uc->uc_mcontext.rip += 1 (uc_mcontext at 40, rip is its 17th
 * register: 40 + 16 * 8 = 0xa8), then return into the restorer, which calls rt_sigreturn.
 * struct sigaction at +0x100 (SA_SIGINFO|SA_ONSTACK|SA_RESTORER|SA_NODEFER), stack_t at +0x200.
 */
function handlerPage(): Uint8Array {
  const { bytes } = assemble(
    `handler:
      inc qword ptr [rdx + 0xa8]
      ret
    restorer:
      mov eax, 15
      syscall
      .balign 256, 0xcc
    sigact:
      .quad handler, 0x4c000004, restorer, 0
      .balign 256, 0xcc
    altstack:
      .quad ${ALT_STACK}, 0, ${ALT_STACK_SIZE}`,
    { origin: HANDLER },
  );
  return bytes;
}

const PREFIXES = [0x66, 0x67, 0xf2, 0xf3, 0xf0, 0x2e, 0x3e, 0x26, 0x64, 0x65, 0x36];
const ESCAPES: ReadonlyArray<readonly [number, number[]]> = [
  [10, []],
  [6, [0x0f]],
  [2, [0x0f, 0x38]],
  [2, [0x0f, 0x3a]],
  [1, [0xc5]], // VEX: #UD on a CPU without AVX, as the real one
];

/** Register values: into the data area (so memory operands work), edges, or noise. */
function registerValue(rng: Rng): bigint {
  return rng.weighted<() => bigint>([
    [6, () => BigInt(DATA + rng.int(DATA_SIZE))],
    [2, () => BigInt(rng.range(0, 64))],
    [1, () => rng.pick([0n, -1n, 0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn, 0x8000_0000_0000n, 0xffff_ffff_8100_0000n])],
    [1, () => rng.u64()],
  ])();
}

/** One plausible-looking instruction: prefixes, REX, escape, opcode, ModRM, SIB/disp/imm noise. */
function soupInstruction(rng: Rng, out: number[]): void {
  while (rng.chance(0.2)) out.push(rng.pick(PREFIXES));
  if (rng.chance(0.4)) out.push(0x40 | rng.int(16));
  out.push(...rng.weighted(ESCAPES));
  out.push(rng.u32() & 0xff);
  // Registers and [reg] forms mostly (mod 3 or 0), so memory operands hit the data area.
  const mod = rng.weighted([[5, 3], [3, 0], [1, 1], [1, 2]] as const);
  out.push((mod << 6) | (rng.int(8) << 3) | rng.int(8));
  for (let n = rng.weighted([[4, 0], [2, 1], [1, 4], [1, 8]] as const); n > 0; n--) out.push(rng.u32() & 0xff);
}

export function fuzzCode(options: CodeFuzzOptions): FuzzReport {
  const limit = options.instructions ?? 20_000;
  return fuzzLoop('code', 2, options, (ctx: CaseContext) => {
    const { rng } = ctx;
    const code = new Code();
    const resume = rng.chance(0.5);
    if (resume) {
      code.movImm(REG.rax, 131n).movImm(REG.rdi, BigInt(HANDLER + 0x200)).movImm(REG.rsi, 0n).syscall(); // sigaltstack
      for (const sig of FAULT_SIGNALS) {
        code.movImm(REG.rax, 13n).movImm(REG.rdi, BigInt(sig)).movImm(REG.rsi, BigInt(HANDLER + 0x100)); // rt_sigaction
        code.movImm(REG.rdx, 0n).movImm(REG.r10, 8n).syscall();
      }
    }
    for (let r = 0; r < 16; r++) {
      if (r === REG.rsp && rng.chance(0.9)) continue; // keep the stack, mostly
      if (rng.chance(0.85)) code.movImm(r, registerValue(rng));
    }
    const soup = rng.chance(0.6);
    const body: number[] = [];
    while (body.length < 3000) {
      if (soup) soupInstruction(rng, body);
      else body.push(rng.u32() & 0xff);
    }
    code.bytes(Uint8Array.from(body));
    const writable = rng.chance(0.3);
    const image = buildMiniElf(CODE, [
      { vaddr: CODE, flags: PF_R | PF_X | (writable ? PF_W : 0), data: code.build(), memsz: 0x2000 },
      { vaddr: HANDLER, flags: PF_R | PF_X, data: handlerPage() },
      { vaddr: DATA, flags: PF_R | PF_W, data: rng.bytes(DATA_SIZE) },
      { vaddr: ALT_STACK, flags: PF_R | PF_W, data: new Uint8Array(0), memsz: ALT_STACK_SIZE },
    ]);
    ctx.input = image;
    const machine = fuzzMachine(rng);
    const before = kernelFingerprint(machine);
    machine.load({ image, path: '/fuzz/code', argv: ['code'], envp: [] });
    const outcome = machine.run(limit);
    const { label, problem } = judgeOutcome(outcome);
    const problems = problem ? [problem] : [];
    if (kernelFingerprint(machine) !== before) problems.push('kernel text or IDT changed');
    ctx.counters.userInstructions = (ctx.counters.userInstructions ?? 0) + machine.interp.userRetired;
    if (resume) ctx.counters.exceptions = (ctx.counters.exceptions ?? 0) + machine.kernel.stats.exceptions;
    return { outcome: label, problems, input: image };
  });
}
