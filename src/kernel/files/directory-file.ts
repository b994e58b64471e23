import { EBADF, EINVAL, EISDIR } from '../errno.js';
import type { Kstat } from '../host.js';
import type { Kernel } from '../kernel.js';
import { direntType, OpenFile, S_IFDIR, SEEK_CUR, SEEK_SET } from './open-file.js';
import type { DirEntry, VNode } from './vfs.js';

const encoder = new TextEncoder();

/**
 * An open directory: getdents64 lists it, and *at() calls and fchdir start from it.
 * The listing is taken at the first getdents64 (and again after a rewind to 0), with
 * "." and ".." first; the position is the index of the next entry, and each record's
 * d_off is the position after it, which lseek accepts back (telldir/seekdir).
 */
export class DirectoryFile implements OpenFile {
  readonly hostFd = -1;
  readonly isDirectory = true;
  readonly description: string;
  private entries: DirEntry[] | null = null;
  private position = 0;

  constructor(
    private readonly node: VNode,
    private readonly parent: VNode,
    public flags: number,
    readonly location: string[],
  ) {
    this.description = '/' + location.join('/');
  }

  read(): number {
    return -EISDIR;
  }

  write(): number {
    return -EBADF;
  }

  seek(offset: number, whence: number): number {
    let target: number;
    if (whence === SEEK_SET) target = offset;
    else if (whence === SEEK_CUR) target = this.position + offset;
    else return -EINVAL;
    if (!(target >= 0)) return -EINVAL;
    if (target === 0) this.entries = null; // rewinddir sees the directory anew
    this.position = target;
    return target;
  }

  stat(k: Kernel): Kstat | number {
    return this.node.stat(k);
  }

  isTerminal(): boolean {
    return false;
  }

  private list(k: Kernel): DirEntry[] | number {
    if (this.entries) return this.entries;
    const listed = this.node.list?.(k);
    if (listed === undefined) return [];
    if (typeof listed === 'number') return listed;
    const ino = (n: VNode): number => {
      const st = n.stat(k);
      return typeof st === 'number' || st.ino === 0 ? 1 : st.ino;
    };
    this.entries = [
      { name: '.', ino: ino(this.node), type: S_IFDIR },
      { name: '..', ino: ino(this.parent), type: S_IFDIR },
      ...listed.map((e) => ({ ...e, ino: e.ino || 1 })),
    ];
    return this.entries;
  }

  /**
   * struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; },
   * each record padded to 8 bytes. EINVAL when not even one record fits.
   */
  getdents(k: Kernel, size: number): Uint8Array | number {
    const entries = this.list(k);
    if (typeof entries === 'number') return entries;
    const records: Uint8Array[] = [];
    let used = 0;
    while (this.position < entries.length) {
      const e = entries[this.position];
      const name = encoder.encode(e.name);
      const reclen = (19 + name.length + 1 + 7) & ~7;
      if (used + reclen > size) {
        if (records.length === 0) return -EINVAL;
        break;
      }
      const r = new Uint8Array(reclen);
      const v = new DataView(r.buffer);
      v.setUint32(0, e.ino >>> 0, true);
      v.setUint32(4, Math.floor(e.ino / 4294967296), true);
      v.setUint32(8, this.position + 1, true);
      v.setUint16(16, reclen, true);
      r[18] = direntType(e.type);
      r.set(name, 19);
      records.push(r);
      used += reclen;
      this.position++;
    }
    const out = new Uint8Array(used);
    let at = 0;
    for (const r of records) {
      out.set(r, at);
      at += r.length;
    }
    return out;
  }
}
