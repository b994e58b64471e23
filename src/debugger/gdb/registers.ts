/**
 * The x86-64 register file as gdb numbers it (GDB-REMOTE.md's table) and the target
 * description that tells gdb so. The `g` packet is every register in this order,
 * little-endian, each its own size; target.xml lists the same registers with the same
 * numbers, grouped into the features gdb's amd64 Linux support requires (core, sse,
 * linux) plus segments (fs_base, gs_base).
 */

export interface RegisterInfo {
  name: string;
  /** gdb's register number: its position in the `g` packet. */
  regnum: number;
  /** Size in bytes. */
  size: number;
  /** Type in the target description. */
  type: string;
  group?: string;
  feature: 'core' | 'sse' | 'linux' | 'segments';
}

const GPR_NAMES = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

function buildLayout(): RegisterInfo[] {
  const regs: RegisterInfo[] = [];
  const add = (name: string, size: number, type: string, feature: RegisterInfo['feature'], group?: string): void => {
    regs.push({ name, regnum: regs.length, size, type, feature, ...(group ? { group } : {}) });
  };
  for (const name of GPR_NAMES) add(name, 8, name === 'rbp' || name === 'rsp' ? 'data_ptr' : 'int64', 'core');
  add('rip', 8, 'code_ptr', 'core');
  add('eflags', 4, 'i386_eflags', 'core');
  for (const name of ['cs', 'ss', 'ds', 'es', 'fs', 'gs']) add(name, 4, 'int32', 'core');
  for (let i = 0; i < 8; i++) add(`st${i}`, 10, 'i387_ext', 'core');
  for (const name of ['fctrl', 'fstat', 'ftag', 'fiseg', 'fioff', 'foseg', 'fooff', 'fop']) add(name, 4, 'int', 'core', 'float');
  for (let i = 0; i < 16; i++) add(`xmm${i}`, 16, 'vec128', 'sse');
  add('mxcsr', 4, 'i386_mxcsr', 'sse', 'vector');
  add('orig_rax', 8, 'int', 'linux');
  add('fs_base', 8, 'int', 'segments');
  add('gs_base', 8, 'int', 'segments');
  return regs;
}

/** Every register, indexed by gdb register number. */
export const REGISTERS: readonly RegisterInfo[] = buildLayout();

/** gdb register numbers of the registers the stub treats specially. */
export const REG = {
  rax: 0,
  rsp: 7,
  rip: 16,
  eflags: 17,
  cs: 18,
  gs: 23,
  st0: 24,
  fctrl: 32,
  fop: 39,
  xmm0: 40,
  mxcsr: 56,
  origRax: 57,
  fsBase: 58,
  gsBase: 59,
} as const;

/**
 * The CPU's encoding-order number (rax rcx rdx rbx rsp rbp rsi rdi r8..r15) of each of
 * gdb's general registers 0-15 (rax rbx rcx rdx rsi rdi rbp rsp r8..r15).
 */
export const GDB_GPR_TO_ENCODING: readonly number[] = [0, 3, 1, 2, 6, 7, 5, 4, 8, 9, 10, 11, 12, 13, 14, 15];

/** gdb's order of segment registers (cs ss ds es fs gs) as indices into cpu.selectors (es cs ss ds fs gs). */
export const GDB_SEG_TO_SELECTOR: readonly number[] = [1, 2, 3, 0, 4, 5];

/** Byte offset of each register in the `g` packet's data, and the total size. */
export const REGISTER_OFFSETS: readonly number[] = REGISTERS.map((_, i) => REGISTERS.slice(0, i).reduce((n, r) => n + r.size, 0));
export const REGISTER_BYTES = REGISTERS.reduce((n, r) => n + r.size, 0);

// ---- target.xml -------------------------------------------------------------------------

const EFLAGS_FIELDS: Array<[string, number]> = [
  ['CF', 0], ['', 1], ['PF', 2], ['AF', 4], ['ZF', 6], ['SF', 7], ['TF', 8], ['IF', 9], ['DF', 10], ['OF', 11],
  ['NT', 14], ['RF', 16], ['VM', 17], ['AC', 18], ['VIF', 19], ['VIP', 20], ['ID', 21],
];

const MXCSR_FIELDS: Array<[string, number]> = [
  ['IE', 0], ['DE', 1], ['ZE', 2], ['OE', 3], ['UE', 4], ['PE', 5], ['DAZ', 6], ['IM', 7], ['DM', 8], ['ZM', 9],
  ['OM', 10], ['UM', 11], ['PM', 12], ['FZ', 15],
];

const FEATURE_NAMES: Record<RegisterInfo['feature'], string> = {
  core: 'org.gnu.gdb.i386.core',
  sse: 'org.gnu.gdb.i386.sse',
  linux: 'org.gnu.gdb.i386.linux',
  segments: 'org.gnu.gdb.i386.segments',
};

function flags(id: string, fields: Array<[string, number]>): string {
  return [`    <flags id="${id}" size="4">`, ...fields.map(([n, b]) => `      <field name="${n}" start="${b}" end="${b}"/>`), '    </flags>'].join('\n');
}

const SSE_TYPES = `    <vector id="v4f" type="ieee_single" count="4"/>
    <vector id="v2d" type="ieee_double" count="2"/>
    <vector id="v16i8" type="int8" count="16"/>
    <vector id="v8i16" type="int16" count="8"/>
    <vector id="v4i32" type="int32" count="4"/>
    <vector id="v2i64" type="int64" count="2"/>
    <union id="vec128">
      <field name="v4_float" type="v4f"/>
      <field name="v2_double" type="v2d"/>
      <field name="v16_int8" type="v16i8"/>
      <field name="v8_int16" type="v8i16"/>
      <field name="v4_int32" type="v4i32"/>
      <field name="v2_int64" type="v2i64"/>
      <field name="uint128" type="uint128"/>
    </union>`;

/**
 * The target description: the features of gdb's own features/i386/64bit-core.xml,
 * 64bit-sse.xml, 64bit-linux.xml and 64bit-segments.xml, inline, with explicit
 * register numbers matching the `g` packet.
 */
export function targetXml(): string {
  const out = ['<?xml version="1.0"?>', '<!DOCTYPE target SYSTEM "gdb-target.dtd">', '<target version="1.0">', '  <architecture>i386:x86-64</architecture>', '  <osabi>GNU/Linux</osabi>'];
  for (const feature of ['core', 'sse', 'linux', 'segments'] as const) {
    out.push(`  <feature name="${FEATURE_NAMES[feature]}">`);
    if (feature === 'core') out.push(flags('i386_eflags', EFLAGS_FIELDS));
    if (feature === 'sse') out.push(SSE_TYPES, flags('i386_mxcsr', MXCSR_FIELDS));
    for (const r of REGISTERS.filter((x) => x.feature === feature)) {
      const group = r.group ? ` group="${r.group}"` : '';
      out.push(`    <reg name="${r.name}" bitsize="${r.size * 8}" type="${r.type}" regnum="${r.regnum}"${group}/>`);
    }
    out.push('  </feature>');
  }
  out.push('</target>');
  return out.join('\n') + '\n';
}
