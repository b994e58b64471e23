/**
 * Guest state in JavaScript locals, for compiled blocks (compile-block.ts).
 *
 * Templates name general registers as `lo[N]` / `hi[N]` (the Cpu's Int32Arrays) and set
 * the lazy flags through `setFlags` (emit.ts). Element stores to a typed array are
 * memory traffic V8 must perform in order, and a flag update was five stores to the Cpu
 * object, most of them overwritten by the next instruction. A compiled block instead
 * keeps each register it touches in a pair of locals (`lo3`, `hi3`) and the lazy-flag
 * words in `fR fRT fA fAT fS`; TurboFan holds those in machine registers and drops the
 * computations nobody reads. They are written back to the Cpu only where something else
 * can look:
 *
 * - when the block ends (every exit goes through one epilogue),
 * - before an interpreter handler or an entry hook runs (and the registers are read
 *   again after it, which may have changed any of them),
 * - before a Cpu method that reads or replaces the flags (`setStatusFlags`); a
 *   condition or CF read is answered from the locals while they hold the flags,
 * - when an instruction raises: the catch writes them back, so the exception is
 *   delivered with the state of the instructions before it, as when interpreting. Not
 *   when a handler raised: its state was written back before the call, and what the
 *   handler itself left (a REP MOVS interrupted mid-way) must stand.
 */

const REGISTER_REF = /\b(lo|hi)\[(\d+)\]/g;
const REGISTER_WRITE = /\b(lo|hi)\[(\d+)\] =(?!=)/g;

/** Cpu methods that read the lazy flags or replace them, other than the two below. */
const FLAG_READER = /\bcpu\.(setFlagsCOA|setStatusFlags|getRflags|setRflags)\(/g;
/** Condition and carry reads, answered from the locals while they hold the flags. */
const CONDITION_READ = /\bcpu\.cond\((\d+)\)/g;
const CARRY_READ = /\bcpu\.getCF\(\)/g;

// The status flags from the locals, as Cpu.getCF ... getPF compute them (fS is never 0 here).
const CF = '((fAT >>> fS) & 1)';
const OF = '(((fAT >>> fS) ^ (fAT >>> (fS - 1))) & 1)';
const ZF = '((fR | fRT) === 0 ? 1 : 0)';
const SF = '((fRT >>> fS) & 1)';
const PF = 'rt.parityEven[fR & 0xff]';

/** Condition code tttn (SDM Vol. 2D B.1.4.7) from the flag locals, as Cpu.cond. */
function conditionFromLocals(cc: number): string {
  const test = [OF, CF, ZF, `(${CF} | ${ZF})`, SF, PF, `(${SF} ^ ${OF})`, `(${ZF} | (${SF} ^ ${OF}))`][cc >> 1];
  return `(${test} ^ ${cc & 1}) !== 0`;
}

/** Writes the flag locals back when a template set them since the last write-back (fd). */
const FLAGS_BACK = 'if (fd !== 0) { cpu.lzRes = fR; cpu.lzResTop = fRT; cpu.lzAux = fA; cpu.lzAuxTop = fAT; cpu.lzShift = fS; fd = 0; }';
/** The same as an expression that yields `cpu`, to put in front of a flag reader's call. */
const FLAGS_BACK_THEN_CPU = '(fd !== 0 && (cpu.lzRes = fR, cpu.lzResTop = fRT, cpu.lzAux = fA, cpu.lzAuxTop = fAT, cpu.lzShift = fS, fd = 0), cpu)';

/** Statements setting the lazy-flag locals (the Cpu's lzRes ... lzShift, see cpu.ts). */
export function setFlagLocals(res: string, resTop: string, aux: string, auxTop: string, shift: number): string {
  return `fR = ${res}; fRT = ${resTop}; fA = ${aux}; fAT = ${auxTop}; fS = ${shift}; fd = 1;`;
}

/** Collects which register halves a block reads and writes, and rewrites its code to use locals. */
export class RegisterLocals {
  private readonly used = new Set<string>();
  private readonly written = new Set<string>();

  /** `code` with register elements as locals and flag readers preceded by the flags' write-back. */
  localize(code: string): string {
    for (const m of code.matchAll(REGISTER_WRITE)) this.written.add(m[1] + m[2]);
    return code
      .replace(REGISTER_REF, (_, half: string, n: string) => {
        this.used.add(half + n);
        return half + n;
      })
      .replace(CONDITION_READ, (_, cc: string) => `(fd !== 0 ? ${conditionFromLocals(Number(cc))} : cpu.cond(${cc}))`)
      .replace(CARRY_READ, `(fd !== 0 ? ${CF} : cpu.getCF())`)
      .replace(FLAG_READER, `${FLAGS_BACK_THEN_CPU}.$1(`);
  }

  /** Declarations loading every register half the block uses. */
  prologue(): string {
    if (this.used.size === 0) return '';
    return `let ${[...this.used].map((name) => `${name} = ${arrayElement(name)}`).join(', ')};`;
  }

  /** Statements writing registers and flags back to the Cpu. */
  writeBack(): string {
    return [...this.written].map((name) => `${arrayElement(name)} = ${name};`).join(' ') + ' ' + FLAGS_BACK;
  }

  /** Statements reading the registers again (after a handler, which may have changed any). */
  reload(): string {
    return [...this.used].map((name) => `${name} = ${arrayElement(name)};`).join(' ');
  }
}

/** `lo3` → `lo[3]`. */
function arrayElement(name: string): string {
  return `${name.slice(0, 2)}[${name.slice(2)}]`;
}
