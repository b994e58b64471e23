import { PROT_EXEC, PROT_READ, PROT_WRITE } from '../address-space.js';
import type { Kernel } from '../kernel.js';
import { VirtualFile } from './virtual-file.js';

const TWO_POW_64 = 2 ** 64;

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

/** /proc/self/cmdline: the arguments, each NUL-terminated. */
function renderCmdline(k: Kernel): Uint8Array {
  return new TextEncoder().encode(k.process.argv.map((a) => a + '\0').join(''));
}

/** Opens a file the kernel provides itself; null when `path` is not one. */
export function openProcFile(k: Kernel, path: string): VirtualFile | null {
  const self = path.replace(new RegExp(`^/proc/(self|${k.process.pid})/`), '/proc/self/');
  switch (self) {
    case '/proc/self/maps':
      return new VirtualFile(self, new TextEncoder().encode(renderMaps(k)));
    case '/proc/self/auxv':
      return new VirtualFile(self, renderAuxv(k));
    case '/proc/self/cmdline':
      return new VirtualFile(self, renderCmdline(k));
    default:
      return null;
  }
}
