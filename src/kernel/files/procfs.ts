import { PROT_EXEC, PROT_READ, PROT_WRITE } from '../address-space.js';
import { EBADF } from '../errno.js';
import type { Kstat } from '../host.js';
import type { Kernel } from '../kernel.js';
import { makeDev, makeStat, S_IFDIR, S_IFLNK, S_IFREG } from './open-file.js';
import type { OpenFile } from './open-file.js';
import { StdStream } from './std-stream.js';
import { cwdComponents } from './path-walk.js';
import { GeneratedFile, guestPathOf, VirtualDir, VirtualLink, VNode } from './vfs.js';

const TWO_POW_64 = 2 ** 64;
/** procfs's device number (st_dev). */
const PROC_DEV = makeDev(0, 0x16);

function hexAddress(a: number): string {
  // Kernel-half addresses ([vsyscall]) print as their unsigned 64-bit value.
  const unsigned = a < 0 ? BigInt(TWO_POW_64) + BigInt(a) : BigInt(a);
  return unsigned.toString(16).padStart(8, '0');
}

/**
 * /proc/self/maps in Linux's format (fs/proc/task_mmu.c show_map_vma): start-end,
 * permissions, offset, device, inode, and the name padded to column 73.
 */
export function renderMaps(k: Kernel): string {
  const lines: string[] = [];
  // Ordered by unsigned address, as Linux lists them: the kernel-half [vsyscall] comes last.
  const unsigned = (a: number): number => (a < 0 ? a + TWO_POW_64 : a);
  const areas = [...k.process.space.vmas, ...k.extraMaps()].sort((a, b) => unsigned(a.start) - unsigned(b.start));
  for (const v of areas) {
    const perms = `${v.prot & PROT_READ ? 'r' : '-'}${v.prot & PROT_WRITE ? 'w' : '-'}${v.prot & PROT_EXEC ? 'x' : '-'}p`;
    let line = `${hexAddress(v.start)}-${hexAddress(v.end)} ${perms} ${v.offset.toString(16).padStart(8, '0')} 00:00 0 `;
    if (v.name) line = line.padEnd(72, ' ') + ' ' + v.name;
    lines.push(line);
  }
  return lines.join('\n') + '\n';
}

/** /proc/self/auxv: the aux vector as the kernel saved it, (type, value) u64 pairs. */
export function renderAuxv(k: Kernel): Uint8Array {
  const pairs = k.process.auxv;
  const out = new Uint8Array(pairs.length * 16);
  const v = new DataView(out.buffer);
  pairs.forEach(([type, value], i) => {
    v.setUint32(i * 16, type, true);
    v.setUint32(i * 16 + 8, value >>> 0, true);
    v.setUint32(i * 16 + 12, Math.floor(value / 4294967296), true);
  });
  return out;
}

const encoder = new TextEncoder();

/** The executable's name as the kernel keeps it (task->comm): its base name, 15 bytes at most. */
function comm(k: Kernel): string {
  const base = k.process.exePath.split('/').pop() ?? '';
  return encoder.encode(base).length <= 15 ? base : new TextDecoder().decode(encoder.encode(base).subarray(0, 15));
}

/** The executable's path as the guest sees it: inside the root when it lies there. */
export function exeGuestPath(k: Kernel): string {
  const root = (k.options.root ?? '/').replace(/\/+$/, '');
  const exe = k.process.exePath;
  if (root === '') return exe;
  return exe.startsWith(root + '/') ? exe.slice(root.length) : exe;
}

function memoryTotals(k: Kernel): { vsize: number; stack: number; data: number; exe: number } {
  let vsize = 0;
  let stack = 0;
  let data = 0;
  let exe = 0;
  for (const v of k.process.space.vmas) {
    const size = v.end - v.start;
    vsize += size;
    if (v.name === '[stack]') stack += size;
    else if (v.prot & PROT_WRITE) data += size;
    else if (v.prot & PROT_EXEC) exe += size;
  }
  return { vsize, stack, data, exe };
}

/** /proc/self/stat (fs/proc/array.c do_task_stat): 52 fields on one line. */
function renderStat(k: Kernel): string {
  const p = k.process;
  const space = p.space;
  const { vsize } = memoryTotals(k);
  const code = space.vmas.filter((v) => v.prot & PROT_EXEC && v.name === p.exePath);
  const stackVma = space.vmas.find((v) => v.name === '[stack]');
  const startCode = code.length ? code[0].start : 0;
  const endCode = code.length ? code[code.length - 1].end : 0;
  const fields: Array<number | string> = [
    p.pid, `(${comm(k)})`, 'R', 1, p.pid, p.pid, 0, -1, 0x400000,
    0, 0, 0, 0, // minflt cminflt majflt cmajflt
    0, 0, 0, 0, // utime stime cutime cstime
    20, 0, 1, 0, // priority nice num_threads itrealvalue
    0, vsize, Math.ceil(space.demandFaults), '18446744073709551615', // starttime vsize rss rsslim
    startCode, endCode, stackVma ? stackVma.end : 0, 0, 0, // startcode endcode startstack kstkesp kstkeip
    0, 0, 0, 0, 0, 0, 0, // signal blocked sigignore sigcatch wchan nswap cnswap
    17, 0, 0, 0, 0, 0, 0, // exit_signal processor rt_priority policy delayacct guest_time cguest_time
    0, 0, space.brkStart, 0, 0, 0, 0, 0, 0, // start_data end_data start_brk arg_start arg_end env_start env_end exit_code
  ];
  return fields.join(' ') + '\n';
}

/** /proc/self/status (fs/proc/array.c proc_pid_status): the lines programs look for. */
function renderStatus(k: Kernel): string {
  const p = k.process;
  const { vsize, stack, data, exe } = memoryTotals(k);
  const kb = (n: number): string => `${String(Math.ceil(n / 1024)).padStart(8)} kB`;
  const rss = p.space.demandFaults * 4096;
  const lines = [
    `Name:\t${comm(k)}`,
    `Umask:\t${p.fsState.umask.toString(8).padStart(4, '0')}`,
    'State:\tR (running)',
    `Tgid:\t${p.pid}`,
    'Ngid:\t0',
    `Pid:\t${p.pid}`,
    'PPid:\t1',
    'TracerPid:\t0',
    'Uid:\t1000\t1000\t1000\t1000',
    'Gid:\t1000\t1000\t1000\t1000',
    'FDSize:\t64',
    'Groups:\t1000 ',
    `VmPeak:\t${kb(vsize)}`,
    `VmSize:\t${kb(vsize)}`,
    'VmLck:\t       0 kB',
    'VmPin:\t       0 kB',
    `VmHWM:\t${kb(rss)}`,
    `VmRSS:\t${kb(rss)}`,
    `VmData:\t${kb(data)}`,
    `VmStk:\t${kb(stack)}`,
    `VmExe:\t${kb(exe)}`,
    'VmLib:\t       0 kB',
    'VmSwap:\t       0 kB',
    'Threads:\t1',
    'SigQ:\t0/63423',
    'SigPnd:\t0000000000000000',
    'ShdPnd:\t0000000000000000',
    'SigBlk:\t0000000000000000',
    'SigIgn:\t0000000000000000',
    'SigCgt:\t0000000000000000',
    'CapInh:\t0000000000000000',
    'CapPrm:\t0000000000000000',
    'CapEff:\t0000000000000000',
    'CapBnd:\t000001ffffffffff',
    'CapAmb:\t0000000000000000',
    'NoNewPrivs:\t0',
    'Seccomp:\t0',
    'Cpus_allowed:\t1',
    'Cpus_allowed_list:\t0',
    'voluntary_ctxt_switches:\t0',
    'nonvoluntary_ctxt_switches:\t0',
  ];
  return lines.join('\n') + '\n';
}

/** A stable inode number for a procfs path (d_ino must not be 0: glibc skips such entries). */
function procIno(path: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 0x01000193) >>> 0;
  return (h % 0x7ffffff0) + 16;
}

function procAttrs(path: string, mode: number, size = 0): (k: Kernel) => Kstat {
  return () => makeStat({ dev: PROC_DEV, ino: procIno(path), mode, size, blksize: 1024 });
}

function text(path: string, render: (k: Kernel) => string): VNode {
  return new GeneratedFile((k) => encoder.encode(render(k)), procAttrs(path, S_IFREG | 0o444));
}

function bytes(path: string, render: (k: Kernel) => Uint8Array): VNode {
  return new GeneratedFile(render, procAttrs(path, S_IFREG | 0o400));
}

function procLink(path: string, target: (k: Kernel) => string, magic?: (k: Kernel) => OpenFile | number): VNode {
  return new VirtualLink(target, (k) => makeStat({ dev: PROC_DEV, ino: procIno(path), mode: S_IFLNK | 0o777, size: 64 }), magic);
}

/**
 * What /proc/self/fd/N reads as: the file's path, "pipe:[ino]" for a pipe, and for the
 * standard streams what they are on the host: a terminal or a pipe.
 */
export function fdLinkTarget(k: Kernel, file: OpenFile): string {
  if (file.location) return guestPathOf(file.location);
  if (file instanceof StdStream) {
    if (file.isTerminal(k)) return '/dev/pts/0';
    const st = file.stat(k);
    return `pipe:[${st.ino}]`;
  }
  return file.description;
}

/** /proc/self/fd: one magic link per open descriptor. */
const fdDirectory = new VirtualDir(procAttrs('/proc/self/fd', S_IFDIR | 0o500), (k) =>
  k.process.fds.entries().map(([fd, file]): [string, VNode] => [
    String(fd),
    procLink(`/proc/self/fd/${fd}`, (kk) => fdLinkTarget(kk, file), (kk) => kk.process.fds.get(fd) ?? -EBADF),
  ]),
);

const selfEntries: Array<[string, VNode]> = [
  ['auxv', bytes('/proc/self/auxv', renderAuxv)],
  ['cmdline', bytes('/proc/self/cmdline', (k) => encoder.encode(k.process.argv.map((a) => a + '\0').join('')))],
  ['comm', text('/proc/self/comm', (k) => comm(k) + '\n')],
  ['cwd', procLink('/proc/self/cwd', (k) => guestPathOf(cwdComponents(k)))],
  ['environ', bytes('/proc/self/environ', (k) => encoder.encode(k.process.envp.map((a) => a + '\0').join('')))],
  ['exe', procLink('/proc/self/exe', exeGuestPath)],
  ['fd', fdDirectory],
  ['maps', text('/proc/self/maps', renderMaps)],
  ['stat', text('/proc/self/stat', renderStat)],
  ['status', text('/proc/self/status', renderStatus)],
];

/** /proc/<pid>: the process's own directory. */
const pidDirectory = new VirtualDir(procAttrs('/proc/self', S_IFDIR | 0o555), () => selfEntries);

/** /proc: "self" (a link to the pid) and the one process's directory. */
export const procDirectory: VNode = new VirtualDir(
  () => makeStat({ dev: PROC_DEV, ino: 1, mode: S_IFDIR | 0o555, nlink: 3, uid: 0, gid: 0, blksize: 1024 }),
  (k) => [
    ['self', procLink('/proc/self', (kk) => String(kk.process.pid))],
    [String(k.process.pid), pidDirectory],
  ],
);
