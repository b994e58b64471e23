import { EACCES, EEXIST, EINVAL, EISDIR, ELOOP, ENOENT, ENOTDIR, ENOTSUP, ENXIO } from '../errno.js';
import type { Kernel } from '../kernel.js';
import { HostFile } from './host-file.js';
import {
  O_ACCMODE, O_CLOEXEC, O_CREAT, O_DIRECTORY, O_EXCL, O_NOCTTY, O_NOFOLLOW, O_PATH, O_TMPFILE, O_TRUNC, OpenFile, S_IFDIR,
  S_IFLNK,
} from './open-file.js';
import { PathFile } from './path-file.js';
import { AT_FDCWD, MagicNode, walk, walkedComponents } from './path-walk.js';
import { guestPathOf, hostJoin, openDirectory } from './vfs.js';

/** What open(2) keeps of its flags in the open file (fs/open.c: f_flags). */
function statusFlags(flags: number): number {
  return flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
}

/**
 * open(2) on a guest path, relative to `dirfd`: walks the path inside the root
 * (path-walk.ts), creates the file with O_CREAT (mode less the umask), and opens what
 * it found: a host file, a directory, a device, a /proc file, or for /proc/self/fd/N
 * the file that descriptor has open. Returns the open file or -errno, as Linux.
 */
export function openPath(k: Kernel, dirfd: number, path: string, flags: number, mode: number): OpenFile | number {
  if ((flags & O_TMPFILE) === O_TMPFILE) return -ENOTSUP;
  const creating = (flags & O_CREAT) !== 0 && (flags & O_PATH) === 0;
  const follow = (flags & O_NOFOLLOW) === 0 && !(creating && flags & O_EXCL);
  const w = walk(k, dirfd, path, follow);
  if (typeof w === 'number') return w;
  const where = walkedComponents(w);
  const node = w.node;
  if (!node) {
    if (!creating) return -ENOENT;
    if (w.trailingSlash || w.name === null) return -EISDIR;
    if (flags & O_DIRECTORY) return -EINVAL;
    if (!w.parentNode.hostPath) return -EACCES; // the kernel's own directories
    const fs = k.host.fs;
    const handle = fs.open(hostJoin(w.parentNode.hostPath, w.name), flags & (O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC), mode & ~k.process.fsState.umask & 0o7777);
    if (handle < 0) return handle;
    return new HostFile(fs, handle, statusFlags(flags), where);
  }
  if (creating && flags & O_EXCL) return -EEXIST;
  if (node instanceof MagicNode) {
    // /proc/self/fd/N: a file with a path opens anew (own position, new flags); a pipe
    // or a standard stream is shared.
    const location = node.file.location;
    if (location && !(flags & O_PATH)) return openPath(k, AT_FDCWD, guestPathOf(location), flags & ~(O_CREAT | O_EXCL), 0);
    return node.file;
  }
  if (w.trailingSlash && node.type !== S_IFDIR) return node.type === S_IFLNK ? -ELOOP : -ENOTDIR;
  if (flags & O_DIRECTORY && node.type !== S_IFDIR && node.type !== S_IFLNK) return -ENOTDIR;
  if (flags & O_PATH) return new PathFile(node, statusFlags(flags) & (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), where);
  if (node.type === S_IFLNK) return -ELOOP; // O_NOFOLLOW on a symbolic link
  if (node.type === S_IFDIR) {
    if (creating) return -EISDIR;
    return openDirectory(node, w.parentNode, statusFlags(flags), where);
  }
  if (flags & O_DIRECTORY) return -ENOTDIR;
  if (!node.open) return -ENXIO;
  const file = node.open(k, flags, where);
  if (typeof file !== 'number') file.flags = statusFlags(flags);
  return file;
}
