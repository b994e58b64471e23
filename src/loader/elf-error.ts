/** A file the loader refuses to run; the message is one line naming what is wrong. */
export class ElfError extends Error {
  override name = 'ElfError';
}
