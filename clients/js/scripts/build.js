// npm run build:sdk: bundles the SDK into dist/orleanschat.min.js, a UMD file (CommonJS `require` in
// mini-programs, a global `OrleansChat` elsewhere), down-levelled to ES2017, minified and obfuscated.
// (npm run build also runs build-miniprogram.js: the mini-program's own bundle and its built folder.)
import { mkdir, writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleUmd } from './bundle.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));

const { iife, minified, obfuscated } = await bundleUmd(path.join(root, 'src/index.js'));
const banner = `/*! OrleansChat SDK ${pkg.version} (protocol v1) */\n`;
await mkdir(path.join(root, 'dist'), { recursive: true });
const out = path.join(root, 'dist/orleanschat.min.js');
await writeFile(out, banner + obfuscated);
// The package is "type": "module"; the bundle is CommonJS/UMD, so mark dist/ as such for Node.
await writeFile(path.join(root, 'dist/package.json'), '{ "type": "commonjs" }\n');
console.log(`wrote ${path.relative(process.cwd(), out)} (${(banner.length + obfuscated.length).toLocaleString()} bytes; bundle ${iife.length.toLocaleString()}, minified ${minified.length.toLocaleString()})`);
