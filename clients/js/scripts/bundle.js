// The SDK's UMD bundle, shared by the browser/Node distribution (build.js) and the mini-program build
// (build-miniprogram.js): esbuild (bundled, down-levelled to ES2017), terser, then javascript-obfuscator.
import { build } from 'esbuild';
import { minify } from 'terser';
import JavaScriptObfuscator from 'javascript-obfuscator';

// Off on purpose: selfDefending, debugProtection, controlFlowFlattening and deadCodeInjection break in
// mini-program sandboxes (no eval/Function tricks, strict timing) or cost too much at run time.
export const OBFUSCATION = {
  target: 'browser',
  compact: true,
  identifierNamesGenerator: 'hexadecimal',
  stringArray: true,
  stringArrayThreshold: 0.75,
  stringArrayEncoding: ['base64'],
  rotateStringArray: true,
  selfDefending: false,
  debugProtection: false,
  disableConsoleOutput: false,
  controlFlowFlattening: false,
  deadCodeInjection: false,
  seed: 1, // reproducible output
};

/** Minifies then obfuscates one script (ES2017 in, ES2017 out). `obfuscation` adds to OBFUSCATION. */
export async function minifyAndObfuscate(code, obfuscation = {}) {
  const minified = await minify(code, { ecma: 2017, compress: { passes: 2 }, mangle: true, format: { comments: false } });
  const obfuscated = JavaScriptObfuscator.obfuscate(minified.code, { ...OBFUSCATION, ...obfuscation }).getObfuscatedCode();
  return { minified: minified.code, obfuscated };
}

/**
 * Bundles `entry` as UMD (CommonJS `require` in mini-programs, a global `OrleansChat` elsewhere).
 * `external`: modules left as require() calls (node-forge asks for Node's `crypto` only when it runs in Node).
 */
export async function bundleUmd(entry, { external = [] } = {}) {
  const bundled = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: '__orleanschat',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    external,
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
  const { minified, obfuscated } = await minifyAndObfuscate(umd);
  return { iife, minified, obfuscated };
}
