import { EFAULT, EINVAL, ENOSYS, EPERM } from '../errno.js';
import type { Kernel } from '../kernel.js';
import { TASK_SIZE } from '../layout.js';
import { STACK_LIMIT } from '../address-space.js';

/** exit(status): ends the (only) thread, hence the process. */
export function sysExit(k: Kernel, a: number[]): number {
  k.exitProcess(a[0] | 0);
  return 0;
}

/** getpid / gettid: one process with one thread; tid == pid. */
export function sysGetpid(k: Kernel): number {
  return k.process.pid;
}

/** getuid, geteuid, getgid, getegid: the ids the aux vector announced (AT_UID...). */
export function sysGetId(): number {
  return 1000;
}

/** set_tid_address(tidptr): remembers the pointer, returns the caller's tid. */
export function sysSetTidAddress(k: Kernel, a: number[]): number {
  k.process.clearChildTid = a[0];
  return k.process.pid;
}

/** set_robust_list(head, len): accepted (len must be sizeof(struct robust_list_head) = 24). */
export function sysSetRobustList(_k: Kernel, a: number[]): number {
  return a[1] === 24 ? 0 : -EINVAL;
}

/** rseq: not provided; glibc then sets __rseq_size = 0 and carries on (LINUX-ABI.md §7.1). */
export function sysRseq(): number {
  return -ENOSYS;
}

const RLIMIT_STACK = 3;
const RLIMIT_NOFILE = 7;
const RLIM_INFINITY = 2 ** 64 - 1;

/** prlimit64(pid, resource, new, old): reports Linux's default limits; setting is accepted. */
export function sysPrlimit64(k: Kernel, a: number[]): number {
  const pid = a[0] | 0;
  const resource = a[1] | 0;
  if (pid !== 0 && pid !== k.process.pid) return -EPERM;
  if (resource < 0 || resource > 15) return -EINVAL;
  // The new limits are read (and then ignored) before the old ones are written, as do_prlimit's caller does.
  if (a[2] !== 0 && !k.user.read(a[2], 16)) return -EFAULT;
  if (a[3] !== 0) {
    let cur: number | null = RLIM_INFINITY;
    let max: number | null = RLIM_INFINITY;
    if (resource === RLIMIT_STACK) cur = STACK_LIMIT;
    if (resource === RLIMIT_NOFILE) {
      cur = 1024;
      max = 1048576;
    }
    const out = new Uint8Array(16);
    const v = new DataView(out.buffer);
    writeU64(v, 0, cur);
    writeU64(v, 8, max);
    if (!k.user.write(a[3], out)) return -EFAULT;
  }
  return 0;
}

function writeU64(v: DataView, at: number, value: number): void {
  if (value === RLIM_INFINITY) {
    v.setInt32(at, -1, true);
    v.setInt32(at + 4, -1, true);
  } else {
    v.setUint32(at, value >>> 0, true);
    v.setUint32(at + 4, Math.floor(value / 4294967296), true);
  }
}

const ARCH_SET_GS = 0x1001;
const ARCH_SET_FS = 0x1002;
const ARCH_GET_FS = 0x1003;
const ARCH_GET_GS = 0x1004;
const ARCH_MAP_VDSO_64 = 0x2003;

/** arch_prctl(code, addr): FS/GS base; unknown codes are -EINVAL (LINUX-ABI.md §7.1). */
export function sysArchPrctl(k: Kernel, a: number[]): number {
  const code = a[0] | 0;
  const addr = a[1];
  switch (code) {
    case ARCH_SET_FS:
    case ARCH_SET_GS:
      if (addr < 0 || addr >= TASK_SIZE) return -EPERM;
      if (code === ARCH_SET_FS) k.cpu.segBase[1] = addr;
      else k.userGsBase = addr;
      return 0;
    case ARCH_GET_FS:
      return k.user.writeU64(addr, k.cpu.segBase[1]) ? 0 : -EFAULT;
    case ARCH_GET_GS:
      return k.user.writeU64(addr, k.userGsBase) ? 0 : -EFAULT;
    case ARCH_MAP_VDSO_64:
      // prctl_map_vdso: map one (data pages at the hint) if the process has none (CRIU).
      return k.mapVdsoAt(addr);
    default:
      return -EINVAL;
  }
}
