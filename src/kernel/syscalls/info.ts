import { EFAULT, EINVAL } from '../errno.js';
import type { Kernel } from '../kernel.js';

/** The kernel release we claim: ≥ 3.2.0, which glibc's "kernel too old" check requires. */
export const KERNEL_RELEASE = '6.1.0-x64emu';
export const KERNEL_VERSION = '#1 SMP PREEMPT_DYNAMIC x64emu';

/** uname(buf): struct utsname, six 65-byte fields. */
export function sysUname(k: Kernel, a: number[]): number {
  const fields = ['Linux', 'x64emu', KERNEL_RELEASE, KERNEL_VERSION, 'x86_64', '(none)'];
  const buf = new Uint8Array(6 * 65);
  const enc = new TextEncoder();
  fields.forEach((f, i) => buf.set(enc.encode(f).subarray(0, 64), i * 65));
  return k.user.write(a[0], buf) ? 0 : -EFAULT;
}

/**
 * getrandom(buf, count, flags): host randomness, a page at a time as
 * get_random_bytes_user copies it: a fault after some bytes returns that many, a fault
 * before any is -EFAULT (so a bad buffer costs no 32 MiB of random bytes first).
 */
export function sysGetrandom(k: Kernel, a: number[]): number {
  const count = Math.min(a[1], 33554431);
  if (count < 0) return -EINVAL;
  const chunk = new Uint8Array(4096);
  let done = 0;
  while (done < count) {
    const part = chunk.subarray(0, Math.min(chunk.length, count - done));
    k.random.fill(part);
    if (!k.user.write(a[0] + done, part)) return done > 0 ? done : -EFAULT;
    done += part.length;
  }
  return count;
}

const CLOCK_BOOTTIME = 7;

/**
 * sysinfo(info) (do_sysinfo): uptime as boot time in seconds rounded up, no load (the
 * guest is the only process), the guest's RAM and free RAM in bytes (mem_unit 1: it is
 * under 4 GiB, so the compat layout needs no scaling either), no swap, one process.
 * struct sysinfo has unsigned longs: 112 bytes for x86-64, 64 in the compat ABI.
 */
function sysinfo(k: Kernel, addr: number, compat: boolean): number {
  const w = compat ? 4 : 8;
  const out = new Uint8Array(compat ? 64 : 112);
  const v = new DataView(out.buffer);
  const put = (at: number, value: number): void => {
    if (compat) v.setUint32(at, value, true);
    else v.setBigUint64(at, BigInt(value), true);
  };
  const boot = k.time.clockGettime(CLOCK_BOOTTIME) ?? { sec: 0, nsec: 0 };
  put(0, boot.sec + (boot.nsec ? 1 : 0));
  // loads[3] at w..4w stay 0; then totalram, freeram, sharedram, bufferram, totalswap, freeswap.
  put(4 * w, k.phys.size);
  put(5 * w, k.phys.framesFree * 4096);
  v.setUint16(10 * w, 1, true); // procs
  // totalhigh, freehigh (0), then mem_unit.
  v.setUint32(compat ? 52 : 104, 1, true);
  return k.user.write(addr, out) ? 0 : -EFAULT;
}

export function sysSysinfo(k: Kernel, a: number[]): number {
  return sysinfo(k, a[0], false);
}

/** ia32 sysinfo (116): struct compat_sysinfo. */
export function sysSysinfo32(k: Kernel, a: number[]): number {
  return sysinfo(k, a[0], true);
}
