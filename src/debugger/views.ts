import { VECTOR_NAMES } from '../cpu/cpu-exception.js';
import { describeFlags } from '../cpu/flags.js';
import { SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS } from '../cpu/registers.js';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from '../kernel/address-space.js';
import { renderMaps } from '../kernel/files/procfs.js';
import { KERNEL_STACK_TOP, PERCPU_ADDR } from '../kernel/layout.js';
import { AT_EXECFN, AT_PLATFORM, AT_RANDOM, AT_SYSINFO_EHDR, auxvName } from '../loader/auxv.js';
import {
  CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC_RAW, CLOCK_REALTIME, CLOCK_REALTIME_COARSE, CLOCK_TAI,
  CS_HRES_COARSE, CS_RAW, VD_BASETIME, VD_CLOCK_MODE, VD_CYCLE_LAST, VD_HRTIMER_RES, VD_MULT, VD_RECORD_SIZE, VD_SEQ, VD_SHIFT,
  VD_TS_SIZE, VD_TZ_DSTTIME, VD_TZ_MINUTESWEST, VDSO_CLOCKMODE_NONE, VDSO_CLOCKMODE_TSC,
} from '../vdso/vvar-layout.js';
import type { DebugContext } from './context.js';
import { hex64, hexAddr, hexSmall, plural, quoteBytes, signedOf, u64Of } from './format.js';
import { DebugError, readCString, readMemory, readU64, translate } from './memory.js';

/**
 * The debugger's read-only views of the machine: registers, system registers and
 * tables, the process's memory map, aux vector and initial stack, the vDSO, a page
 * walk, a backtrace. Each returns lines of text; none changes guest state.
 */

// ---- registers ----------------------------------------------------------------------

const GPR_ORDER: Array<[string, number]> = [
  ['rax', 0], ['rbx', 3], ['rcx', 1], ['rdx', 2], ['rsi', 6], ['rdi', 7], ['rbp', 5], ['rsp', 4],
  ['r8', 8], ['r9', 9], ['r10', 10], ['r11', 11], ['r12', 12], ['r13', 13], ['r14', 14], ['r15', 15],
];

export function registersView(ctx: DebugContext): string[] {
  const cpu = ctx.machine.cpu;
  const out: string[] = [];
  for (let row = 0; row < GPR_ORDER.length; row += 4) {
    out.push(GPR_ORDER.slice(row, row + 4).map(([name, r]) => `${name.padEnd(3)} ${hex64(u64Of(cpu.lo[r], cpu.hi[r]))}`).join('  '));
  }
  out.push(`rip ${hex64(cpu.rip)} ${ctx.symbols.describe(cpu.rip) ? `<${ctx.symbols.describe(cpu.rip)}>` : ''}`.trimEnd());
  const flags = cpu.getRflags();
  out.push(`rflags ${hex64(flags)} ${describeFlags(flags)}`);
  const sel = cpu.selectors;
  const s = (name: string, i: number): string => `${name} ${hexSmall(sel[i])}`;
  out.push(`${[s('cs', SEG_CS), s('ss', SEG_SS), s('ds', SEG_DS), s('es', SEG_ES), s('fs', SEG_FS), s('gs', SEG_GS)].join('  ')}   CPL ${cpu.cpl} (${cpu.cpl === 3 ? 'user mode' : 'kernel mode'}: the RPL of CS)`);
  const percpu = (v: number): string => (v === PERCPU_ADDR ? ' (the kernel\'s per-CPU area)' : '');
  out.push(`fs_base ${hex64(cpu.segBase[1])}   gs_base ${hex64(cpu.segBase[2])}${percpu(cpu.segBase[2])}`);
  out.push(`kernel_gs_base ${hex64(cpu.kernelGsBase)}${percpu(cpu.kernelGsBase)}   (swapgs exchanges gs_base and kernel_gs_base)`);
  return out;
}

// ---- system registers and tables ------------------------------------------------------

function bitNames(value: number, names: Array<[number, string]>): string {
  return `[ ${names.filter(([bit]) => value & (2 ** bit) ? true : false).map(([, n]) => n).join(' ')} ]`;
}

const CR0_BITS: Array<[number, string]> = [[0, 'PE'], [1, 'MP'], [2, 'EM'], [3, 'TS'], [4, 'ET'], [5, 'NE'], [16, 'WP'], [18, 'AM'], [29, 'NW'], [30, 'CD'], [31, 'PG']];
const CR4_BITS: Array<[number, string]> = [
  [0, 'VME'], [1, 'PVI'], [2, 'TSD'], [3, 'DE'], [4, 'PSE'], [5, 'PAE'], [6, 'MCE'], [7, 'PGE'], [8, 'PCE'], [9, 'OSFXSR'],
  [10, 'OSXMMEXCPT'], [11, 'UMIP'], [16, 'FSGSBASE'], [17, 'PCIDE'], [18, 'OSXSAVE'], [20, 'SMEP'], [21, 'SMAP'],
];
const EFER_BITS: Array<[number, string]> = [[0, 'SCE'], [8, 'LME'], [10, 'LMA'], [11, 'NXE']];

function descriptorText(lo: number, hi: number): string {
  const present = (hi >>> 15) & 1;
  if (!present && lo === 0 && hi === 0) return 'null';
  const dpl = (hi >>> 13) & 3;
  const system = ((hi >>> 12) & 1) === 0;
  const type = (hi >>> 8) & 15;
  const base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
  const rawLimit = (lo & 0xffff) | (hi & 0xf0000);
  const limit = hi & (1 << 23) ? rawLimit * 4096 + 4095 : rawLimit;
  const p = present ? '' : ', not present';
  if (system) {
    const kinds: Record<number, string> = { 2: 'LDT', 9: '64-bit TSS (available)', 11: '64-bit TSS (busy)' };
    return `${kinds[type] ?? `system type ${type}`}, base ${hexAddr(base)} (low 32 bits), limit ${hexSmall(limit)}, DPL ${dpl}${p}`;
  }
  if (type & 8) {
    const bits = hi & (1 << 21) ? '64-bit' : hi & (1 << 22) ? '32-bit' : '16-bit';
    return `${bits} code, DPL ${dpl}${type & 2 ? ', readable' : ''}${p}`;
  }
  return `data, DPL ${dpl}${type & 2 ? ', writable' : ', read-only'}, base ${hexAddr(base)}, limit ${hexSmall(limit)}${p}`;
}

export function cpuInfoView(ctx: DebugContext): string[] {
  const { machine } = ctx;
  const cpu = machine.cpu;
  const out: string[] = [];
  out.push(`CPU model: ${cpu.model.vendor}, CPL ${cpu.cpl}, ${cpu.retired} instructions retired (${machine.interp.userRetired} at CPL 3)`);
  out.push(`CR0 ${hex64(cpu.cr0 >>> 0)} ${bitNames(cpu.cr0 >>> 0, CR0_BITS)}`);
  out.push(`CR2 ${hex64(cpu.cr2)} (the address of the last page fault)`);
  out.push(`CR3 ${hex64(machine.mmu.cr3)} (physical address of the PML4 table)`);
  out.push(`CR4 ${hex64(cpu.cr4 >>> 0)} ${bitNames(cpu.cr4 >>> 0, CR4_BITS)}`);
  out.push(`EFER ${hex64(cpu.efer >>> 0)} ${bitNames(cpu.efer >>> 0, EFER_BITS)}`);
  out.push('');
  out.push(`GDT at ${hexAddr(cpu.gdtBase)}, limit ${hexSmall(cpu.gdtLimit)} (${(cpu.gdtLimit + 1) / 8} entries):`);
  try {
    const gdt = readMemory(machine, cpu.gdtBase, cpu.gdtLimit + 1);
    const v = new DataView(gdt.buffer);
    for (let i = 0; i * 8 < gdt.length; i++) {
      const lo = v.getUint32(i * 8, true);
      const hi = v.getUint32(i * 8 + 4, true);
      if (lo === 0 && hi === 0) continue;
      let text = descriptorText(lo, hi);
      if (i > 0 && !((hi >>> 12) & 1) && ((hi >>> 8) & 15) >= 9) {
        // A 16-byte system descriptor: the next slot holds base bits 63:32.
        const upper = v.getUint32(i * 8 + 8, true);
        const base = upper * 4294967296 + (((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0);
        text = text.replace(/base 0x[0-9a-f]+ \(low 32 bits\)/, `base ${hexAddr(signedOf(base >>> 0, upper))}`);
        out.push(`  ${hexSmall(i * 8).padEnd(5)} ${text}${i * 8 === cpu.trSelector ? '  <- TR' : ''}`);
        i++;
        continue;
      }
      const users: string[] = [];
      if (cpu.selectors[SEG_CS] === i * 8 + cpu.cpl) users.push('CS');
      if ((cpu.selectors[SEG_SS] & ~3) === i * 8) users.push('SS');
      out.push(`  ${hexSmall(i * 8).padEnd(5)} ${text}${users.length ? `  <- ${users.join(', ')}` : ''}`);
    }
  } catch (e) {
    out.push(`  (${(e as Error).message})`);
  }
  out.push('');
  out.push(`IDT at ${hexAddr(cpu.idtBase)}, limit ${hexSmall(cpu.idtLimit)}; present gates:`);
  try {
    const idt = readMemory(machine, cpu.idtBase, cpu.idtLimit + 1);
    const v = new DataView(idt.buffer);
    for (let vec = 0; vec * 16 < idt.length; vec++) {
      const w0 = v.getUint32(vec * 16, true);
      const w1 = v.getUint32(vec * 16 + 4, true);
      const w2 = v.getUint32(vec * 16 + 8, true);
      if (!((w1 >>> 15) & 1)) continue;
      const target = signedOf(((w1 & 0xffff0000) | (w0 & 0xffff)) >>> 0, w2);
      const type = (w1 >>> 8) & 15;
      const dpl = (w1 >>> 13) & 3;
      const ist = w1 & 7;
      const name = VECTOR_NAMES[vec] ?? (vec === 0x80 ? 'int 0x80' : '');
      out.push(`  ${hexSmall(vec).padEnd(5)} ${name.padEnd(8)} -> ${ctx.where(target)}, ${type === 0xe ? 'interrupt' : type === 0xf ? 'trap' : `type ${type}`} gate, DPL ${dpl}${ist ? `, IST ${ist}` : ''}${dpl === 3 ? ' (reachable from user mode)' : ''}`);
    }
  } catch (e) {
    out.push(`  (${(e as Error).message})`);
  }
  out.push('');
  out.push(`TSS at ${hexAddr(cpu.trBase)} (TR = ${hexSmall(cpu.trSelector)}):`);
  try {
    const rsp = (off: number): number => {
      const b = readMemory(machine, cpu.trBase + off, 8);
      const v = new DataView(b.buffer);
      return signedOf(v.getUint32(0, true), v.getUint32(4, true));
    };
    out.push(`  RSP0 ${hex64(rsp(4))} (the kernel stack an interrupt from CPL 3 switches to)`);
    const ists = Array.from({ length: 7 }, (_, i) => rsp(0x24 + i * 8));
    out.push(`  RSP1 ${hex64(rsp(12))}  RSP2 ${hex64(rsp(20))}  IST1-7 ${ists.every((x) => x === 0) ? 'all 0 (unused)' : ists.map(hexAddr).join(' ')}`);
    const iomap = readMemory(machine, cpu.trBase + 0x66, 2);
    out.push(`  I/O map base ${hexSmall(iomap[0] | (iomap[1] << 8))} (beyond the limit: no I/O bitmap, so IN/OUT at CPL 3 fault)`);
  } catch (e) {
    out.push(`  (${(e as Error).message})`);
  }
  out.push('');
  out.push('MSRs:');
  const star = u64Of(cpu.starLo, cpu.starHi);
  const syscallCs = cpu.starHi & 0xffff;
  const sysretBase = (cpu.starHi >>> 16) & 0xffff;
  out.push(`  IA32_STAR         ${hex64(star)} (SYSCALL: CS ${hexSmall(syscallCs)} SS ${hexSmall(syscallCs + 8)}; SYSRET to 64-bit: CS ${hexSmall((sysretBase + 16) | 3)} SS ${hexSmall((sysretBase + 8) | 3)})`);
  out.push(`  IA32_LSTAR        ${hex64(cpu.lstar)} ${ctx.where(cpu.lstar).replace(/^0x[0-9a-f]+ ?/, '')} (where SYSCALL jumps)`);
  out.push(`  IA32_CSTAR        ${hex64(cpu.cstar)} (SYSCALL from compatibility mode; unused)`);
  out.push(`  IA32_FMASK        ${hex64(cpu.fmask >>> 0)} ${describeFlags(cpu.fmask)} (RFLAGS bits SYSCALL clears)`);
  out.push(`  IA32_SYSENTER_CS  ${hex64(cpu.sysenterCs)}`);
  out.push(`  IA32_SYSENTER_ESP ${hex64(cpu.sysenterEsp)}`);
  out.push(`  IA32_SYSENTER_EIP ${hex64(cpu.sysenterEip)} ${ctx.where(cpu.sysenterEip).replace(/^0x[0-9a-f]+ ?/, '')}`);
  out.push(`  IA32_FS_BASE      ${hex64(cpu.segBase[1])}`);
  out.push(`  IA32_GS_BASE      ${hex64(cpu.segBase[2])}`);
  out.push(`  IA32_KERNEL_GS_BASE ${hex64(cpu.kernelGsBase)}`);
  out.push(`  IA32_TSC_AUX      ${hex64(cpu.tscAux)} (RDTSCP/RDPID: (node << 12) | cpu)`);
  out.push(`  IA32_EFER         ${hex64(cpu.efer >>> 0)} ${bitNames(cpu.efer >>> 0, EFER_BITS)}`);
  return out;
}

// ---- the process's memory --------------------------------------------------------------

/**
 * The user's RIP, RSP and RBP while the CPU is in the kernel. Every entry builds its
 * frame down from KERNEL_STACK_TOP (entry-stubs.ts): the IRET-frame part first (rip at
 * TOP-40, rsp at TOP-16), then pt_regs below it (rbp in slot 4 of 21). Right after
 * SYSCALL nothing is pushed yet: the return address is in RCX and RSP is still the user's.
 */
export function userState(ctx: DebugContext): { rip: number; rsp: number; rbp: number; where: string } {
  const cpu = ctx.machine.cpu;
  const reg = (r: number): number => signedOf(cpu.lo[r], cpu.hi[r]);
  if (cpu.cpl === 3) return { rip: cpu.rip, rsp: reg(4), rbp: reg(5), where: 'registers' };
  const rsp = reg(4);
  const q = (a: number): number => Number(BigInt.asIntN(64, readU64(ctx.machine, a)));
  const onKernelStack = rsp < KERNEL_STACK_TOP && rsp >= KERNEL_STACK_TOP - 4 * 4096;
  try {
    if (onKernelStack && rsp <= KERNEL_STACK_TOP - 40) {
      const full = rsp <= KERNEL_STACK_TOP - 21 * 8;
      return {
        rip: q(KERNEL_STACK_TOP - 40),
        rsp: q(KERNEL_STACK_TOP - 16),
        rbp: full ? q(KERNEL_STACK_TOP - 21 * 8 + 4 * 8) : reg(5),
        where: full ? `pt_regs at ${hexAddr(KERNEL_STACK_TOP - 21 * 8)}` : 'the IRET frame on the kernel stack',
      };
    }
  } catch {
    // fall through: the frame is not readable
  }
  const userRsp = rsp >= 0 ? rsp : (() => {
    try {
      return q(PERCPU_ADDR + 8);
    } catch {
      return 0;
    }
  })();
  return { rip: reg(1), rsp: userRsp, rbp: reg(5), where: 'RCX (as SYSCALL saved it)' };
}

/** /proc/self/maps, with arrows at the areas that hold RIP and RSP. */
export function mapsView(ctx: DebugContext): string[] {
  const { machine } = ctx;
  const cpu = machine.cpu;
  const userRsp = userState(ctx).rsp;
  const lines = renderMaps(machine.kernel).trimEnd().split('\n');
  return lines.map((line) => {
    const m = /^([0-9a-f]+)-([0-9a-f]+)/.exec(line);
    if (!m) return line;
    const start = Number(BigInt.asIntN(64, BigInt('0x' + m[1])));
    const end = Number(BigInt.asIntN(64, BigInt('0x' + m[2])));
    const marks: string[] = [];
    if (cpu.rip >= start && cpu.rip < end) marks.push('rip');
    if (userRsp >= start && userRsp < end) marks.push(cpu.cpl === 3 ? 'rsp' : 'user rsp');
    return marks.length ? `${line.padEnd(90)}  <- ${marks.join(', ')}` : line;
  });
}

const AUXV_MEANING: Record<string, string> = {
  AT_SYSINFO_EHDR: 'the vDSO\'s ELF header',
  AT_MINSIGSTKSZ: 'minimal signal stack size',
  AT_HWCAP: 'CPUID.1:EDX feature bits',
  AT_PAGESZ: 'page size',
  AT_CLKTCK: 'times() ticks per second',
  AT_PHDR: 'the program headers in memory',
  AT_PHENT: 'size of one program header',
  AT_PHNUM: 'number of program headers',
  AT_BASE: 'interpreter base (0: static)',
  AT_FLAGS: 'flags',
  AT_ENTRY: 'the program\'s entry point',
  AT_UID: 'real uid',
  AT_EUID: 'effective uid',
  AT_GID: 'real gid',
  AT_EGID: 'effective gid',
  AT_SECURE: 'secure mode (setuid exec)',
  AT_RANDOM: '16 random bytes (stack protector, pointer guard)',
  AT_HWCAP2: 'more feature bits',
  AT_EXECFN: 'the path given to execve',
  AT_PLATFORM: 'platform string',
  AT_RSEQ_FEATURE_SIZE: 'rseq feature size',
  AT_RSEQ_ALIGN: 'rseq alignment',
  AT_NULL: 'end of the vector',
};

function auxvValue(ctx: DebugContext, type: number, value: number): string {
  const text = hexAddr(value);
  try {
    if (type === AT_PLATFORM || type === AT_EXECFN) return `${text} ${quoteBytes(readCString(ctx.machine, value).bytes, 256)}`;
    if (type === AT_RANDOM) return `${text} [${Array.from(readMemory(ctx.machine, value, 16), (b) => b.toString(16).padStart(2, '0')).join(' ')}]`;
  } catch {
    return text;
  }
  const where = ctx.symbols.describe(value);
  if (value < 0x10000) return String(value);
  return where && type !== AT_SYSINFO_EHDR ? `${text} <${where}>` : text;
}

/** The aux vector the kernel gave the program (as `LD_SHOW_AUXV=1` shows it, with meanings). */
export function auxvView(ctx: DebugContext): string[] {
  const auxv = ctx.machine.kernel.process.auxv;
  if (!auxv.length) return ['No aux vector (no program loaded).'];
  return auxv.map(([type, value]) => {
    const name = auxvName(type);
    return `${name.padEnd(20)} ${auxvValue(ctx, type, value).padEnd(30)}  ${AUXV_MEANING[name] ?? ''}`.trimEnd();
  });
}

/**
 * The initial stack as the kernel built it at exec (LINUX-ABI.md §5): argc, argv[],
 * NULL, envp[], NULL, the aux vector, then the AT_RANDOM bytes, the platform string and
 * the strings themselves, each with its address.
 */
export function stackView(ctx: DebugContext): string[] {
  const exec = ctx.machine.exec;
  if (!exec) return ['No program loaded.'];
  const st = exec.stack;
  const view = new DataView(st.bytes.buffer, st.bytes.byteOffset, st.bytes.byteLength);
  const at = (addr: number): number => signedOf(view.getUint32(addr - st.base, true), view.getUint32(addr - st.base + 4, true));
  const str = (addr: number): string => {
    let end = addr - st.base;
    while (end < st.bytes.length && st.bytes[end] !== 0) end++;
    return quoteBytes(st.bytes.subarray(addr - st.base, end), 200);
  };
  const row = (addr: number, label: string, text: string): string => `  ${hexAddr(addr).padEnd(16)} ${label.padEnd(24)} ${text}`;
  const out: string[] = [];
  out.push(`The initial stack, as the kernel built it at exec (RSP was ${hexAddr(st.rsp)}):`);
  let p = st.rsp;
  const argc = at(p);
  out.push(row(p, 'argc', String(argc)));
  p += 8;
  for (let i = 0; i < st.argvAddrs.length; i++, p += 8) out.push(row(p, `argv[${i}]`, `${hexAddr(at(p))} -> ${str(at(p))}`));
  out.push(row(p, `argv[${st.argvAddrs.length}]`, 'NULL'));
  p += 8;
  for (let i = 0; i < st.envpAddrs.length; i++, p += 8) out.push(row(p, `envp[${i}]`, `${hexAddr(at(p))} -> ${str(at(p))}`));
  out.push(row(p, `envp[${st.envpAddrs.length}]`, 'NULL'));
  p += 8;
  for (const [type, value] of st.auxv) {
    out.push(row(p, `auxv ${auxvName(type)}`, type === 0 ? '0 (end)' : value > 0xffff ? hexAddr(value) : String(value)));
    p += 16;
  }
  out.push(`  ... ${st.randomAddr - p} bytes of padding and alignment ...`);
  out.push(row(st.randomAddr, 'AT_RANDOM bytes', `[${Array.from(st.bytes.subarray(st.randomAddr - st.base, st.randomAddr - st.base + 16), (b) => b.toString(16).padStart(2, '0')).join(' ')}]`));
  out.push(row(st.platformAddr, 'AT_PLATFORM string', str(st.platformAddr)));
  if (st.argvAddrs.length) out.push(row(st.argvAddrs[0], 'argument strings', `${plural(st.argvAddrs.length, 'string')} from ${hexAddr(st.argvAddrs[0])}`));
  if (st.envpAddrs.length) out.push(row(st.envpAddrs[0], 'environment strings', `${plural(st.envpAddrs.length, 'string')} from ${hexAddr(st.envpAddrs[0])}`));
  out.push(row(st.execfnAddr, 'AT_EXECFN string', str(st.execfnAddr)));
  out.push(row(st.base + st.bytes.length, 'top of the stack', '(8 zero bytes below it end the strings area)'));
  return out;
}

// ---- the vDSO ------------------------------------------------------------------------------

const CLOCK_LABELS: Array<[number, string]> = [
  [CLOCK_REALTIME, 'CLOCK_REALTIME'], [CLOCK_MONOTONIC, 'CLOCK_MONOTONIC'], [CLOCK_BOOTTIME, 'CLOCK_BOOTTIME'], [CLOCK_TAI, 'CLOCK_TAI'],
  [CLOCK_REALTIME_COARSE, 'CLOCK_REALTIME_COARSE'], [CLOCK_MONOTONIC_COARSE, 'CLOCK_MONOTONIC_COARSE'],
];

export function vdsoView(ctx: DebugContext): string[] {
  const { machine } = ctx;
  const image = machine.kernel.vdso.image;
  const base = ctx.vdsoImageBase;
  const out: string[] = [];
  if (!base) {
    out.push('This process has no vDSO (--no-vdso, Linux\'s vdso=0): AT_SYSINFO_EHDR is absent and libc makes');
    out.push('a real system call for every clock read. Try `catch syscall clock_gettime`.');
    return out;
  }
  const calls = machine.kernel.stats.vdsoCalls;
  out.push(`[vdso] ${image.soname} at ${hexAddr(base)} (AT_SYSINFO_EHDR), ${image.size} bytes, version ${image.version}`);
  out.push(`  code that runs in user mode: a clock read through it never enters the kernel`);
  out.push('symbols (address, size, calls so far):');
  for (const f of image.functions) {
    out.push(`  ${hexAddr(base + f.offset).padEnd(16)} ${String(f.size).padStart(4)}  ${f.name.padEnd(24)} (weak ${f.alias})  ${calls[f.name] ?? 0} calls`);
  }
  const dataStart = base + image.data.start;
  out.push(`data pages below the image (read-only to the program, written by the kernel's timekeeper):`);
  for (const m of image.data.mappings) out.push(`  ${hexAddr(base + m.offset).padEnd(16)} ${hexSmall(m.size).padEnd(7)} ${m.name}`);
  const td = base + image.timeData;
  out.push(`vvar time data (struct vdso_time_data) at ${hexAddr(td)}${td === dataStart ? ', the start of [vvar]' : ` ([vvar] + ${td - dataStart})`}, read live:`);
  try {
    const raw = readMemory(machine, td, 2 * VD_RECORD_SIZE);
    const v = new DataView(raw.buffer);
    const u32 = (o: number): number => v.getUint32(o, true);
    const u64 = (o: number): bigint => v.getBigUint64(o, true);
    for (const record of [CS_HRES_COARSE, CS_RAW]) {
      const r = record * VD_RECORD_SIZE;
      const mode = v.getInt32(r + VD_CLOCK_MODE, true);
      const modeName = mode === VDSO_CLOCKMODE_TSC ? 'TSC (read the counter in user mode)' : mode === VDSO_CLOCKMODE_NONE ? 'NONE (fall back to the system call)' : String(mode);
      const seq = u32(r + VD_SEQ);
      out.push(`  record ${record} (${record === CS_RAW ? 'CS_RAW' : 'CS_HRES_COARSE'}): seq ${seq}${seq & 1 ? ' (odd: an update is in progress)' : ''}, clock_mode ${mode} ${modeName}`);
      const shift = u32(r + VD_SHIFT);
      out.push(`    cycle_last ${u64(r + VD_CYCLE_LAST)}  mult ${u32(r + VD_MULT)}  shift ${shift}   (ns = basetime + ((tsc - cycle_last) * mult >> shift))`);
      const clocks = record === CS_RAW ? ([[CLOCK_MONOTONIC_RAW, 'CLOCK_MONOTONIC_RAW']] as Array<[number, string]>) : CLOCK_LABELS;
      for (const [id, name] of clocks) {
        const o = r + VD_BASETIME + id * VD_TS_SIZE;
        const sec = u64(o);
        const nsecRaw = u64(o + 8);
        const coarse = id === CLOCK_REALTIME_COARSE || id === CLOCK_MONOTONIC_COARSE;
        const nsec = coarse ? nsecRaw : nsecRaw >> BigInt(shift);
        out.push(`    basetime[${name}] ${sec}.${nsec.toString().padStart(9, '0')} s${coarse ? '' : ` (nsec stored << ${shift})`}`);
      }
      if (record === CS_HRES_COARSE) {
        out.push(`    tz_minuteswest ${v.getInt32(r + VD_TZ_MINUTESWEST, true)}  tz_dsttime ${v.getInt32(r + VD_TZ_DSTTIME, true)}  hrtimer_res ${u32(r + VD_HRTIMER_RES)} ns`);
      }
    }
  } catch (e) {
    out.push(`  (${(e as Error).message})`);
  }
  return out;
}

// ---- page walk -------------------------------------------------------------------------------

const PTE_BITS: Array<[number, string]> = [[0, 'P'], [1, 'RW'], [2, 'US'], [3, 'PWT'], [4, 'PCD'], [5, 'A'], [6, 'D'], [7, 'PS'], [8, 'G']];
const LEVEL_BITS: Record<string, string> = { PML4: '47:39', PDPT: '38:30', PD: '29:21', PT: '20:12' };

function pteFlags(lo: number, hi: number): string {
  const names = PTE_BITS.filter(([bit]) => lo & (1 << bit)).map(([, n]) => n);
  if (hi & 0x80000000) names.push('NX');
  return names.join(' ');
}

/**
 * The 4-level walk of one address as the MMU makes it (SDM Vol. 3A §4.5): each level's
 * index (which address bits choose it), the entry's physical address, value and flags,
 * then the physical address and whether the TLB holds the translation. The walk is made
 * for display only: no Accessed bit is set (mmu.describeWalk).
 */
export function pagewalkView(ctx: DebugContext, addr: number): string[] {
  const { machine } = ctx;
  const t = translate(machine, addr);
  if (!t.ok && /canonical/.test(t.why)) throw new DebugError(t.why);
  const { steps, result, inTlb } = machine.mmu.describeWalk(addr);
  const la = addr < 0 ? addr + 2 ** 48 : addr;
  const out: string[] = [];
  out.push(`pagewalk ${hexAddr(addr)}: CR3 = ${hexAddr(machine.mmu.cr3)}, linear address bits 47:0 = ${hexAddr(la)}`);
  for (const s of steps) {
    const entry = u64Of(s.lo, s.hi);
    const present = s.lo & 1;
    const next = present ? ` -> ${s.lo & 0x80 && s.level !== 'PT' ? 'large page' : s.level === 'PT' ? 'frame' : 'table'} at ${hexAddr(s.lo & 0xfffff000)}` : ' (not present)';
    out.push(`  ${s.level.padEnd(4)}[${String(s.index).padStart(3)}]  bits ${LEVEL_BITS[s.level]}  entry at phys ${hexAddr(s.entryAddress).padEnd(9)} = ${hex64(entry)}  ${pteFlags(s.lo, s.hi).padEnd(16)}${next}`);
  }
  if (!result.ok) {
    out.push(`  not mapped: ${t.ok ? 'the walk failed' : t.why}`);
    return out;
  }
  const perms = `${result.user ? 'user' : 'supervisor-only'}, ${result.writable ? 'writable' : 'read-only'}, ${result.executable ? 'executable' : 'no-execute'}${result.global ? ', global' : ''}`;
  out.push(`  physical address ${hexAddr(result.physical)} (frame ${hexAddr(result.frame)} + offset ${hexSmall(la % 4096)}): ${perms}`);
  out.push(`  TLB: ${inTlb ? 'holds this page (the next access needs no walk)' : 'does not hold this page (the next access walks the tables)'}`);
  const vma = addr >= 0 ? machine.kernel.process.space.vmas.find((v) => addr >= v.start && addr < v.end) : undefined;
  if (vma) {
    const prot = `${vma.prot & PROT_READ ? 'r' : '-'}${vma.prot & PROT_WRITE ? 'w' : '-'}${vma.prot & PROT_EXEC ? 'x' : '-'}`;
    out.push(`  area: ${vma.name || '(anonymous)'} ${hexAddr(vma.start)}-${hexAddr(vma.end)} ${prot}`);
  }
  return out;
}

// ---- backtrace ---------------------------------------------------------------------------------

/**
 * A backtrace by frame pointers (RBP chain: [rbp] = caller's rbp, [rbp+8] = return
 * address). Code built without frame pointers (glibc at -O2) breaks the chain; then the
 * stack is scanned for values that point just after a call instruction, and those are
 * shown as likely callers.
 */
export function backtraceView(ctx: DebugContext): string[] {
  const { machine } = ctx;
  const cpu = machine.cpu;
  const out: string[] = [];
  let rip = cpu.rip;
  let rbp = signedOf(cpu.lo[5], cpu.hi[5]);
  let rsp = signedOf(cpu.lo[4], cpu.hi[4]);
  if (cpu.cpl === 0) {
    out.push(`#0  ${ctx.where(rip)}  (kernel entry code, CPL 0)`);
    const user = userState(ctx);
    rip = user.rip;
    rbp = user.rbp;
    rsp = user.rsp;
    out.push(`    the user's state is in ${user.where}; the user frames:`);
  }
  const stack = machine.kernel.process.space.vmas.find((v) => rsp >= v.start && rsp < v.end);
  const inStack = (a: number): boolean => !!stack && a >= stack.start && a + 16 <= stack.end;
  const frames: string[] = [`${ctx.where(rip)}`];
  let fp = rbp;
  let ok = true;
  for (let depth = 0; depth < 64 && inStack(fp) && fp >= rsp; depth++) {
    let ret: number;
    let next: number;
    try {
      ret = Number(BigInt.asIntN(64, readU64(machine, fp + 8)));
      next = Number(BigInt.asIntN(64, readU64(machine, fp)));
    } catch {
      ok = false;
      break;
    }
    if (!ctx.symbols.find(ret) && !looksLikeReturn(ctx, ret)) break;
    frames.push(ctx.where(ret));
    if (next <= fp) break;
    fp = next;
  }
  const start = out.length ? 1 : 0;
  frames.forEach((f, i) => out.push(`#${i + start}  ${f}`));
  if (frames.length === 1 || !ok) {
    out.push('    (no frame-pointer chain here: the code was built without frame pointers)');
    const scanned = scanForReturns(ctx, rsp);
    if (scanned.length) {
      out.push(`    return addresses found on the stack above RSP (likely callers, innermost first):`);
      for (const [slot, ret] of scanned) out.push(`      [${hexAddr(slot)}] ${ctx.where(ret)}`);
    }
  }
  return out;
}

/** Whether `addr` follows a call instruction (a plausible return address). */
function looksLikeReturn(ctx: DebugContext, addr: number): boolean {
  if (addr <= 0) return false;
  for (const back of [5, 6, 2, 3, 7]) {
    const line = ctx.instructionAt(addr - back);
    if (line && line.length === back && line.text.startsWith('call')) return true;
  }
  return false;
}

function scanForReturns(ctx: DebugContext, rsp: number): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  const exec = ctx.machine.kernel.process.space.vmas.filter((v) => v.prot & PROT_EXEC);
  for (let slot = rsp; slot < rsp + 4096 && found.length < 12; slot += 8) {
    let v: number;
    try {
      v = Number(BigInt.asIntN(64, readU64(ctx.machine, slot)));
    } catch {
      break;
    }
    if (!exec.some((a) => v >= a.start && v < a.end)) continue;
    if (ctx.symbols.find(v)?.offset === 0) continue; // a function's address, not a return address
    if (looksLikeReturn(ctx, v)) found.push([slot, v]);
  }
  return found;
}

/** One summary line about where the program is (used by `info` and the stop banner). */
export function programSummary(ctx: DebugContext, name: string): string {
  const exec = ctx.machine.exec;
  if (!exec) return name;
  const kind = exec.elf.kind === 'exec' ? 'static executable' : 'static-pie';
  const vdso = ctx.vdsoImageBase ? `vDSO at ${hexAddr(ctx.vdsoImageBase)}` : 'no vDSO';
  return `${name}: ${kind}, entry ${ctx.where(exec.entry)}, ${plural(ctx.symbols.names().length, 'symbol')}, ${vdso}, pid ${ctx.machine.kernel.process.pid}`;
}
