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

/** getrandom(buf, count, flags): host randomness. */
export function sysGetrandom(k: Kernel, a: number[]): number {
  const count = Math.min(a[1], 33554431);
  if (count < 0) return -EINVAL;
  const bytes = new Uint8Array(count);
  k.random.fill(bytes);
  return k.user.write(a[0], bytes) ? count : -EFAULT;
}
