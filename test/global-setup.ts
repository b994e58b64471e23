import { execFileSync } from 'node:child_process';

/** The CLI tests run dist/cli.js: build it first (a no-op when it is up to date). */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { stdio: 'inherit' });
}
