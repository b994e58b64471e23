import type { OpcodeTable } from '../opcode-table.js';
import { nop } from '../ops/data.js';
import { x87Control } from '../ops/x87.js';

/** x87 FPU instructions (D8-DF escapes, and FWAIT). */
export function registerX87(t: OpcodeTable): void {
  t.add('9B', 'fwait', '', nop);
  t.add('D9 /7 mem', 'fnstcw', 'Mw', x87Control, { sub: 0 });
  t.add('D9 /5 mem', 'fldcw', 'Mw', x87Control, { sub: 1 });
  t.add('DB modrm=E3', 'fninit', '', x87Control, { sub: 2 });
  t.add('DD /7 mem', 'fnstsw', 'Mw', x87Control, { sub: 3 });
  t.add('DF modrm=E0', 'fnstsw', 'ax', x87Control, { sub: 4 });
}
