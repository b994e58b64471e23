#!/usr/bin/env node
// dist/cli.js: starts the bundled emulator (dist/x64emu.cjs) with V8's code cache.
//
// Compiling the ~1 MB bundle, and then each function the first time it runs, took about
// a third of a hello world's 220 ms (issue 6's start-up target is 250 ms). The build
// runs a hello world once with X64EMU_WRITE_CODE_CACHE set, and this loader then writes
// V8's serialized bytecode of everything that run compiled (vm.Script.createCachedData);
// later starts hand it back to V8 instead of compiling. A cache made by another Node
// version or for another bundle is rejected by V8 and the bundle compiles as usual.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const bundle = fileURLToPath(new URL('./x64emu.cjs', import.meta.url));
let cachedData;
try {
  cachedData = readFileSync(fileURLToPath(new URL('./x64emu.cache', import.meta.url)));
} catch {
  cachedData = undefined; // not built yet: compile without it
}
// The CommonJS module wrapper, as Node's own loader applies it.
const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(bundle, 'utf8')}\n})`;
const script = new Script(source, { filename: bundle, cachedData });
if (process.env.X64EMU_DEBUG) {
  const state = cachedData === undefined ? 'absent' : script.cachedDataRejected ? 'rejected' : 'accepted';
  process.stderr.write(`x64emu: code cache ${state}\n`);
}
const cacheOut = process.env.X64EMU_WRITE_CODE_CACHE;
if (cacheOut) process.on('exit', () => writeFileSync(cacheOut, script.createCachedData()));
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
