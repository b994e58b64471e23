import { AT_EXECFN, AT_NULL, AT_PLATFORM, AT_RANDOM } from '../../loader/auxv.js';
import type { InitialStack, InitialStackInput } from '../../loader/initial-stack.js';

/**
 * The initial stack of a 32-bit process (create_elf_tables with elf_addr_t = u32, as
 * compat_binfmt_elf builds it): the strings as for x86-64 (execfn highest, then the
 * environment, then the arguments), arch_align_stack, the platform string ("i686"), the 16
 * AT_RANDOM bytes, then argc, argv[], NULL, envp[], NULL and the auxv pairs as u32 words,
 * with ESP 16-byte aligned at argc.
 */
export function buildInitialStack32(input: InitialStackInput): InitialStack {
  const enc = new TextEncoder();
  const z = (s: string): Uint8Array => { const e = enc.encode(s); const b = new Uint8Array(e.length + 1); b.set(e); return b; };
  const execfn = z(input.execfn);
  const envs = input.envp.map(z);
  const args = input.argv.map(z);
  const platform = z(input.platform);
  const writes: Array<[number, Uint8Array]> = [];
  let p = input.stackTop - 4;
  p -= execfn.length;
  const execfnAddr = p;
  writes.push([p, execfn]);
  const place = (list: Uint8Array[]): number[] => {
    const total = list.reduce((n, s) => n + s.length, 0);
    p -= total;
    let at = p;
    return list.map((s) => { writes.push([at, s]); const a = at; at += s.length; return a; });
  };
  const envpAddrs = place(envs);
  const argvAddrs = place(args);
  p -= input.alignJitter;
  p -= p % 16;
  p -= platform.length;
  const platformAddr = p;
  writes.push([p, platform]);
  p -= 16;
  const randomAddr = p;
  writes.push([p, input.random]);
  const auxv: Array<[number, number]> = input.auxv.map(([k, v]) => {
    if (k === AT_RANDOM) return [k, randomAddr];
    if (k === AT_EXECFN) return [k, execfnAddr];
    if (k === AT_PLATFORM) return [k, platformAddr];
    return [k, v];
  });
  auxv.push([AT_NULL, 0]);
  const words = 1 + argvAddrs.length + 1 + envpAddrs.length + 1 + 2 * auxv.length;
  let sp = p - words * 4;
  sp -= ((sp % 16) + 16) % 16;
  const bytes = new Uint8Array(input.stackTop - sp);
  const view = new DataView(bytes.buffer);
  for (const [at, b] of writes) bytes.set(b, at - sp);
  let w = 0;
  const put = (v: number): void => { view.setUint32(w, v >>> 0, true); w += 4; };
  put(argvAddrs.length);
  argvAddrs.forEach(put);
  put(0);
  envpAddrs.forEach(put);
  put(0);
  for (const [k, v] of auxv) { put(k); put(v); }
  return { rsp: sp, base: sp, bytes, argvAddrs, envpAddrs, execfnAddr, platformAddr, randomAddr, auxv };
}
