import type { Machine } from '../machine.js';

/** The run's statistics, the shape `--stats-json` writes (documented in the README). */
export interface RunStats {
  instructions: { total: number; user: number; kernel: number };
  wallSeconds: number;
  mips: number;
  syscalls: { total: number; byPath: Record<string, number>; byName: Record<string, number> };
  vdsoCalls: Record<string, number>;
  pageFaults: number;
  exceptions: number;
  /** Hot blocks translated, to WebAssembly and to JavaScript (src/cpu/wasm, src/cpu/translator). */
  compiledBlocks: { wasm: number; javascript: number };
}

export function collectStats(machine: Machine): RunStats {
  const total = machine.cpu.retired;
  const user = machine.interp.userRetired;
  const s = machine.kernel.stats;
  return {
    instructions: { total, user, kernel: total - user },
    wallSeconds: machine.wallSeconds,
    mips: machine.wallSeconds > 0 ? total / machine.wallSeconds / 1e6 : 0,
    syscalls: { total: s.syscallsTotal, byPath: { ...s.byPath }, byName: { ...s.byName } },
    vdsoCalls: { ...s.vdsoCalls },
    pageFaults: s.pageFaults,
    exceptions: s.exceptions,
    compiledBlocks: { ...machine.interp.compiledBlocks },
  };
}

/** `--stats`: a short human summary on stderr. */
export function formatStats(st: RunStats): string {
  const top = Object.entries(st.syscalls.byName)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([n, c]) => `${n} ${c}`)
    .join(', ');
  const vdso = Object.entries(st.vdsoCalls).map(([n, c]) => `${n} ${c}`).join(', ') || 'none';
  return [
    `x64emu: ${st.instructions.total} instructions (${st.instructions.user} user, ${st.instructions.kernel} kernel) in ${st.wallSeconds.toFixed(3)} s, ${st.mips.toFixed(1)} MIPS`,
    `x64emu: ${st.syscalls.total} system calls (syscall ${st.syscalls.byPath.syscall}, int80 ${st.syscalls.byPath.int80}, sysenter ${st.syscalls.byPath.sysenter})${top ? `: ${top}` : ''}`,
    `x64emu: vDSO calls without a kernel entry: ${vdso}; ${st.pageFaults} page faults`,
    `x64emu: hot blocks compiled: ${st.compiledBlocks.wasm} to WebAssembly, ${st.compiledBlocks.javascript} to JavaScript`,
  ].join('\n');
}
