import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The ELF fuzzer's corpus: every ELF executable in `dir` (the fixtures) no larger than 2 MiB. */
export function fixtureCorpus(dir: string): Array<{ name: string; image: Uint8Array }> {
  return readdirSync(dir)
    .sort()
    .map((name) => ({ name, image: new Uint8Array(readFileSync(join(dir, name))) }))
    .filter((f) => f.image.length <= 2 << 20 && f.image[0] === 0x7f && f.image[1] === 0x45);
}
