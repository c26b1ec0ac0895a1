// A crypto provider for the encrypted session where there is no WebCrypto (WeChat mini-programs): RSA-OAEP from
// node-forge, AES-256-GCM from @noble/ciphers (audited), randomness from wx.getRandomValues. Both libraries are
// pure JS; the mini-program build (scripts/build-miniprogram.js) bundles them, the browser SDK does not import
// this file (it has WebCrypto). The interface is session-crypto.js's provider.
import forge from 'node-forge/lib/forge.js';
import 'node-forge/lib/asn1.js';
import 'node-forge/lib/rsa.js';
import 'node-forge/lib/sha256.js';
import { gcm } from '@noble/ciphers/aes.js';

/** wx.getRandomValues as a Promise of n bytes (it is callback-based and at most 1024 bytes a call). */
export function wxRandomBytes(wx) {
  return (n) => new Promise((resolve, reject) => {
    wx.getRandomValues({
      length: n,
      success: (res) => resolve(new Uint8Array(res.randomValues)),
      fail: (err) => reject(new Error((err && err.errMsg) || 'wx.getRandomValues failed')),
    });
  });
}

/** forge works on "binary strings" (one char per byte). */
function toBinaryString(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
  return s;
}

function fromBinaryString(s) {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * The provider. `randomBytes(n)` must be cryptographically random (a Promise or a value of n bytes); by default
 * wx.getRandomValues of `wx` (or the global `wx`). The OAEP seed comes from it too: forge's own generator is
 * never used.
 */
export function createForgeCryptoProvider({ wx = globalThis.wx, randomBytes } = {}) {
  const random = randomBytes || (wx && typeof wx.getRandomValues === 'function' ? wxRandomBytes(wx) : null);
  if (!random) return null;
  const keys = new Map(); // spki (base64 of the DER) -> parsed forge key: one parse per server key
  return {
    name: 'forge+noble',
    randomBytes: async (n) => {
      const bytes = await random(n);
      if (!bytes || bytes.length !== n) throw new Error(`the random source gave ${bytes ? bytes.length : 0} bytes, not ${n}`);
      return bytes;
    },
    async rsaOaepEncrypt(spki, data) {
      const der = toBinaryString(spki);
      let key = keys.get(der);
      if (!key) keys.set(der, (key = forge.pki.publicKeyFromAsn1(forge.asn1.fromDer(der))));
      const seed = toBinaryString(await this.randomBytes(32)); // hLen of SHA-256
      const encrypted = key.encrypt(toBinaryString(data), 'RSA-OAEP', {
        md: forge.md.sha256.create(),
        mgf1: { md: forge.md.sha256.create() },
        seed,
      });
      return fromBinaryString(encrypted);
    },
    importAesKey: async (raw) => {
      if (raw.length !== 32) throw new Error('an AES-256 key has 32 bytes');
      return Uint8Array.from(raw);
    },
    aesGcmEncrypt: async (key, nonce, plaintext) => gcm(key, nonce).encrypt(plaintext),
    // noble throws when the tag does not verify: the async function rejects, as the interface asks.
    aesGcmDecrypt: async (key, nonce, data) => gcm(key, nonce).decrypt(data),
  };
}
