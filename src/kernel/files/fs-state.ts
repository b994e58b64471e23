/** A process's file-system context (Linux's fs_struct): current directory and umask. */
export class FsState {
  /** The current directory as symbolic-link-free guest path components; null until first use (then the host's cwd mapped into the root). */
  cwd: string[] | null = null;
  umask = 0o022;
}
