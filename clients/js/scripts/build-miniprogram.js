// npm run build:miniprogram: makes clients/miniprogram runnable from a clean clone.
// 1. The SDK bundle the sample requires (SDK + the pure-JS crypto provider for encrypted sessions), minified and
//    obfuscated, into miniprogram/utils/orleanschat.min.js (git-ignored).
// 2. The built mini-program, miniprogram/dist/ (git-ignored; project.config.json's miniprogramRoot): every page,
//    component and util of the sample with its JavaScript down-levelled to ES2017, minified and obfuscated (the
//    original system shipped its code readable), JSON compacted, WXML and WXSS copied.
import { transform } from 'esbuild';
import { mkdir, writeFile, readFile, readdir, rm, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleUmd, minifyAndObfuscate } from './bundle.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.resolve(root, '../miniprogram');
const out = path.join(source, 'dist');
const SDK_FILE = 'utils/orleanschat.min.js';
// Not part of the mini-program package: the project file (it points here), tests, docs, the output itself.
const SKIP = new Set(['dist', 'test', 'node_modules', 'README.md', 'project.config.json', 'project.private.config.json', '.gitignore']);

const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
const started = Date.now();

// node-forge requires Node's `crypto` only when it runs under Node (tests); a mini-program never reaches it.
const sdk = await bundleUmd(path.join(root, 'scripts/miniprogram/sdk-entry.js'), { external: ['crypto'] });
const sdkCode = `/*! OrleansChat SDK ${pkg.version} for mini-programs (protocol v1; node-forge, @noble/ciphers) */\n${sdk.obfuscated}`;
await writeFile(path.join(source, SDK_FILE), sdkCode);

async function* filesUnder(dir, relative = '') {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!relative && SKIP.has(entry.name)) continue;
    const rel = path.join(relative, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path.join(dir, entry.name), rel);
    else yield rel;
  }
}

// The sample's require() paths must stay literal strings: WeChat's packager follows them statically.
const KEEP_REQUIRE_PATHS = { reservedStrings: ['^\\.{1,2}/'] };

async function buildFile(rel) {
  const from = path.join(source, rel);
  const to = path.join(out, rel);
  await mkdir(path.dirname(to), { recursive: true });
  if (rel === SDK_FILE) return copyFile(from, to);
  const text = await readFile(from, 'utf8');
  if (rel.endsWith('.js')) {
    const lowered = await transform(text, { loader: 'js', target: 'es2017', format: 'cjs', legalComments: 'none' });
    const { obfuscated } = await minifyAndObfuscate(lowered.code, KEEP_REQUIRE_PATHS);
    return writeFile(to, obfuscated);
  }
  if (rel.endsWith('.json')) return writeFile(to, JSON.stringify(JSON.parse(text)));
  return writeFile(to, text);
}

await rm(out, { recursive: true, force: true });
let count = 0;
for await (const rel of filesUnder(source)) {
  await buildFile(rel);
  count += 1;
}
console.log(`wrote ${path.relative(process.cwd(), path.join(source, SDK_FILE))} (${sdkCode.length.toLocaleString()} bytes) and ${count} files into ${path.relative(process.cwd(), out)}/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
