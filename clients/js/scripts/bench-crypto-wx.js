// node scripts/bench-crypto-wx.js: what the mini-program crypto provider (node-forge + @noble/ciphers, pure JS)
// costs per frame of an encrypted session, next to WebCrypto, on this machine: the provider calls SecureChannel makes,
// one AES-256-GCM encrypt (a sent frame) plus one decrypt (a received frame) of a typical 275-byte message frame,
// and the RSA-OAEP wrap of the hello (once per connection). Phones are slower than a server core; read the figures
// as an order of magnitude. N=5000 node scripts/bench-crypto-wx.js for more frames.
import crypto from 'node:crypto';
import { createForgeCryptoProvider } from '../src/crypto-forge.js';
import { createWebCryptoProvider } from '../src/session-crypto.js';

const FRAME = JSON.stringify({ type: 'room.message', conv: 'room:lobby', seq: 1234, ts: Date.now(), id: 'c1', from: { id: 'o_alice', name: 'Alice' }, body: { kind: 'text', text: 'x'.repeat(120) } });
const N = Number(process.env.N || 2000);

async function measure(name, provider) {
  const { publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  const raw = await provider.randomBytes(32);
  let t = process.hrtime.bigint();
  const HELLOS = 20;
  for (let i = 0; i < HELLOS; i++) await provider.rsaOaepEncrypt(spki, raw);
  const helloMs = Number(process.hrtime.bigint() - t) / 1e6 / HELLOS;
  const key = await provider.importAesKey(raw);
  const plain = new TextEncoder().encode(FRAME);
  const nonce = new Uint8Array(12);
  for (let i = 0; i < 200; i++) await provider.aesGcmDecrypt(key, nonce, await provider.aesGcmEncrypt(key, nonce, plain)); // warm-up
  t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    new DataView(nonce.buffer).setUint32(8, i);
    await provider.aesGcmDecrypt(key, nonce, await provider.aesGcmEncrypt(key, nonce, plain));
  }
  const roundTripUs = Number(process.hrtime.bigint() - t) / 1e3 / N;
  console.log(`${name.padEnd(14)} hello (RSA-OAEP-2048 wrap): ${helloMs.toFixed(2)} ms; per ${plain.length}-byte frame, encrypt + decrypt: ${roundTripUs.toFixed(1)} µs`);
}

await measure('forge+noble', createForgeCryptoProvider({ randomBytes: (n) => new Uint8Array(crypto.randomBytes(n)) }));
await measure('webcrypto', createWebCryptoProvider());
