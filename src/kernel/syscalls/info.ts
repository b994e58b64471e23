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
