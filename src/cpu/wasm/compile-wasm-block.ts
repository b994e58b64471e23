import type { BreakpointHandler, HookedHandler, Insn } from '../insn.js';
import { ENDS_BLOCK } from '../opcode-table.js';
import { callE, callRel, jccRel, jmpE, jmpRel, ret } from '../ops/control.js';
import type { BlockProfile } from '../translator/compile-block.js';
import { deadFlags, profiledPath } from '../translator/compile-block.js';
import { A, B, BlockEmitter, C, LOCAL_TYPES, LOOPED, P_BASE, P_BUDGET, R, RAISE_BAD_BRANCH, RET, X, Y } from './block-emitter.js';
import { Op, wasmModule } from './wasm-encoder.js';
import { BLOCK_TYPE, HOST_TYPE } from './wasm-runtime.js';
import type { WasmBlock, WasmRuntime } from './wasm-runtime.js';
import { pop, push, wasmTemplateFor } from './wasm-templates.js';

/**
 * The WebAssembly block translator: a hot decoded block becomes one WebAssembly
 * function. V8 compiles it at once with its baseline compiler (Liftoff) and optimizes it
 * later in the background, with no type feedback to gather and nothing to deoptimize, so
 * a block runs at compiled speed from its first call; a JavaScript block
 * (translator/compile-block.ts) runs several times slower than the interpreter until
 * TurboFan has compiled it (docs/performance.md, "Seventh session").
 *
 * Same contract and structure as compileBlock: the function returns the instructions
 * completed (RIP left in the state area), or ~k to finish the block in the interpreter
 * from instruction k; cold paths of the profile end that way. An instruction without a
 * WebAssembly template runs its interpreter handler through the host; a block with too
 * many of those, or with one that ends blocks, is compiled to JavaScript instead.
 */

/**
 * At most one instruction in this many (and at least one per block) may run its
 * interpreter handler through the host instead of a template; a block with more is
 * compiled to JavaScript, where TurboFan can inline the handlers.
 */
const HANDLER_SHARE = 4;

/**
 * Compiles `insns` (a block, with the interpreter's profile of it) to WebAssembly, or returns
 * null when too many of its instructions have no WebAssembly template, or one that ends blocks.
 */
export function compileWasmBlock(runtime: WasmRuntime, insns: Insn[], profile?: BlockProfile): WasmBlock | null {
  const n = insns.length;
  const exits = profile?.exits ?? new Array<number>(n + 1).fill(0);
  const { reach, cold } = profiledPath(exits);
  const profiledLength = profile?.profiledLength ?? n;
  const lastFallThrough = profile && profile.profiledLength === n ? profile.lastFallThrough : NaN;
  const flagsDead = deadFlags(insns);

  const e = new BlockEmitter(runtime.state);
  const c = e.c;
  c.get(P_BASE).op(Op.I64TruncF64S).set(B);
  e.loadFlags();
  c.i32Const(0).set(LOOPED);
  e.exitLabel = e.open(Op.Block);
  const top = e.open(Op.Loop);
  e.knownShift = null; // a loop's next iteration starts with the flags of the last one

  /** A taken branch to base + offset, or back to the block's start (a loop) after `length` instructions. */
  const jumpOrLoop = (i: Insn, length: number): void => {
    const offset = i.nextOffset + i.imm;
    if (offset !== 0) {
      c.get(B).i64Number(offset).op(Op.I64Add).set(A);
      e.checkCanonical(A, RAISE_BAD_BRANCH);
      e.setRip(A);
      return;
    }
    // Iterate again unless the run loop's budget would be spent.
    c.get(LOOPED).i32Const(length).op(Op.I32Add).get(P_BUDGET).op(Op.I32LtS);
    e.open(Op.If);
    c.get(LOOPED).i32Const(length).op(Op.I32Add).set(LOOPED);
    e.br(top);
    e.close();
    e.setRipOffset(0);
  };

  let ripSet = false;
  let handlerCalls = 0;
  const maxHandlerCalls = Math.max(1, Math.floor(n / HANDLER_SHARE));
  for (let k = 0; k < n; k++) {
    const i = insns[k];
    const last = k === n - 1;
    e.k = k;
    if (k > 0 && k <= profiledLength && cold(reach[k])) {
      e.leave(~k);
      ripSet = true;
      break;
    }
    if (!last && i.exec === jmpRel) continue; // a jump the superblock follows
    e.position();
    if (i.exec === jccRel) {
      e.condition(i.sub);
      c.set(C);
      if (!last) {
        // Inside a superblock the branch leaves one way: taken, or (a path retraced along the taken side) not taken.
        const followsTaken = insns[k + 1].offset !== i.nextOffset;
        c.get(C);
        if (followsTaken) c.op(Op.I32Eqz);
        e.open(Op.If);
        if (k < profiledLength && cold(exits[k + 1])) e.leave(~k);
        else {
          if (followsTaken) e.setRipOffset(i.nextOffset);
          else jumpOrLoop(i, k + 1);
          e.leave(k + 1);
        }
        e.close();
        continue;
      }
      c.get(C);
      if (cold(exits[n] - lastFallThrough)) {
        e.open(Op.If);
        e.leave(~k);
        e.close();
        e.setRipOffset(i.nextOffset);
      } else if (cold(lastFallThrough)) {
        c.op(Op.I32Eqz);
        e.open(Op.If);
        e.leave(~k);
        e.close();
        jumpOrLoop(i, n);
      } else {
        e.open(Op.If);
        jumpOrLoop(i, n);
        e.elseArm();
        e.setRipOffset(i.nextOffset);
        e.close();
      }
      ripSet = true;
      continue;
    }
    if (last && emitBranch(e, i, jumpOrLoop, n)) {
      ripSet = true;
      continue;
    }
    // Behind an entry hook (a counted vDSO entry): the hook through the host, then the instruction.
    const hooked = i.exec as Partial<HookedHandler>;
    const template = wasmTemplateFor(hooked.inner ?? i.exec)?.(i);
    if (template) {
      if (hooked.hook) e.callHook(runtime.hookIndex(hooked.hook));
      template(e, last, flagsDead[k]);
      continue;
    }
    // Otherwise the interpreter's handler, called through the host, unless the instruction
    // ends blocks (a branch, SYSCALL, IRET...: control flow stays the run loop's), has a
    // debugger breakpoint, or the block would be more handler calls than WebAssembly (then
    // it is compiled to JavaScript).
    const breakpoint = (i.exec as Partial<BreakpointHandler>).breakpoint === true;
    if ((i.def && i.def.attrs & ENDS_BLOCK) || breakpoint || ++handlerCalls > maxHandlerCalls) return null;
    e.callHandler(i.nextOffset);
    if (last) c.op(Op.Drop);
    else {
      e.open(Op.If);
      e.leave(~(k + 1));
      e.close();
    }
  }
  if (!ripSet) e.setRipOffset(insns[n - 1].nextOffset);
  e.leave(n);
  e.close(); // loop
  e.close(); // exit
  e.flushFlags();
  c.get(RET);

  const bytes = wasmModule({
    memoryPages: runtime.pages,
    imports: [{ name: 'host', type: HOST_TYPE }],
    functions: [{ type: BLOCK_TYPE, locals: LOCAL_TYPES, body: c }],
    exports: [{ name: 'f', func: 1 }],
  });
  return runtime.add(new WebAssembly.Instance(new WebAssembly.Module(bytes), runtime.blockImports).exports.f, insns);
}

/** The block-ending branches other than Jcc; false when `i` is none of them (or a form they leave). */
function emitBranch(e: BlockEmitter, i: Insn, jumpOrLoop: (i: Insn, length: number) => void, n: number): boolean {
  const c = e.c;
  const loadTarget = (): boolean => {
    if (i.opsize !== 8) return false;
    if (i.rm >= 0) e.reg(i.rm, 8), c.set(X);
    else e.effectiveAddress(i), e.load(8, X);
    return true;
  };
  /** CALL: the target (in R) is checked before the return address base + next is pushed (ops/control.ts callTo). */
  const callTo = (): void => {
    e.checkCanonical(R, RAISE_BAD_BRANCH);
    c.get(B).i64Number(i.nextOffset).op(Op.I64Add).set(Y);
    push(e, Y, true);
    e.setRip(R);
  };
  switch (i.exec) {
    case jmpRel:
      jumpOrLoop(i, n);
      return true;
    case callRel:
      c.get(B).i64Number(i.nextOffset + i.imm).op(Op.I64Add).set(R);
      callTo();
      return true;
    case callE:
      if (!loadTarget()) return false;
      c.get(X).set(R);
      callTo();
      return true;
    case jmpE:
      if (!loadTarget()) return false;
      e.checkCanonical(X, RAISE_BAD_BRANCH);
      e.setRip(X);
      return true;
    case ret:
      if (i.sub) return false;
      pop(e);
      e.checkCanonical(X, RAISE_BAD_BRANCH);
      e.setRip(X);
      return true;
    default:
      return false;
  }
}
