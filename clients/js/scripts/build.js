// npm run build: bundles the SDK into dist/orleanschat.min.js, a UMD file (CommonJS `require` in
// mini-programs, a global `OrleansChat` elsewhere), down-levelled to ES2017, minified and obfuscated.
import { build } from 'esbuild';
import { minify } from 'terser';
import JavaScriptObfuscator from 'javascript-obfuscator';
import { mkdir, writeFile, readFile, copyFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));

const bundled = await build({
  entryPoints: [path.join(root, 'src/index.js')],
  bundle: true,
  write: false,
  format: 'iife',
  globalName: '__orleanschat',
  platform: 'neutral',
  target: 'es2017', // WeChat's older JS engines; esbuild lowers ?. ?? and class fields
  legalComments: 'none',
});
const iife = bundled.outputFiles[0].text;

const umd = `(function (root, factory) {
  var api = factory();
  if (typeof module === 'object' && module && module.exports) module.exports = api;
  else if (typeof define === 'function' && define.amd) define(function () { return api; });
  else root.OrleansChat = api;
})(typeof globalThis !== 'undefined' ? globalThis : this, function () {
${iife}
return __orleanschat;
});
`;

const minified = await minify(umd, { ecma: 2017, compress: { passes: 2 }, mangle: true, format: { comments: false } });
const obfuscated = JavaScriptObfuscator.obfuscate(minified.code, {
  target: 'browser',
  compact: true,
  identifierNamesGenerator: 'hexadecimal',
  stringArray: true,
  stringArrayThreshold: 0.75,
  stringArrayEncoding: ['base64'],
  rotateStringArray: true,
  // Off on purpose: they break in mini-program sandboxes (no eval/Function tricks, strict timing).
  selfDefending: false,
  debugProtection: false,
  disableConsoleOutput: false,
  controlFlowFlattening: false,
  deadCodeInjection: false,
  seed: 1, // reproducible output
}).getObfuscatedCode();

const banner = `/*! OrleansChat SDK ${pkg.version} (protocol v1) */\n`;
await mkdir(path.join(root, 'dist'), { recursive: true });
const out = path.join(root, 'dist/orleanschat.min.js');
await writeFile(out, banner + obfuscated);
// The package is "type": "module"; the bundle is CommonJS/UMD, so mark dist/ as such for Node.
await writeFile(path.join(root, 'dist/package.json'), '{ "type": "commonjs" }\n');
console.log(`wrote ${path.relative(process.cwd(), out)} (${(banner.length + obfuscated.length).toLocaleString()} bytes; bundle ${iife.length.toLocaleString()}, minified ${minified.code.length.toLocaleString()})`);

// The mini-program sample requires the same file from its utils/ (gitignored there).
const miniprogramUtils = path.resolve(root, '../miniprogram/utils');
if (await stat(miniprogramUtils).then((s) => s.isDirectory(), () => false)) {
  await copyFile(out, path.join(miniprogramUtils, 'orleanschat.min.js'));
  console.log(`copied to ${path.relative(process.cwd(), path.join(miniprogramUtils, 'orleanschat.min.js'))}`);
}
