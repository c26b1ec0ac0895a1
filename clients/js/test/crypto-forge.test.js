// The mini-program crypto provider (node-forge RSA-OAEP-SHA256/MGF1-SHA256, @noble/ciphers AES-256-GCM) against
// node:crypto, i.e. what the gateway does with the hello and the frames; the real gateway's hello is exercised by
// test/miniprogram.test.js (an encrypted session of the rendered mini-program).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { createForgeCryptoProvider, wxRandomBytes } from '../src/crypto-forge.js';

const wx = { getRandomValues: ({ length, success }) => setTimeout(() => success({ randomValues: crypto.randomBytes(length).buffer })) };

test('the hello key wrap is RSA-OAEP with SHA-256 and MGF1-SHA-256, a fresh seed each time', async () => {
  const provider = createForgeCryptoProvider({ wx });
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  const aesKey = await provider.randomBytes(32);
  const a = await provider.rsaOaepEncrypt(spki, aesKey);
  const b = await provider.rsaOaepEncrypt(spki, aesKey);
  assert.equal(a.length, 256);
  assert.notDeepEqual(a, b, 'OAEP is randomized');
  const unwrap = (c) => crypto.privateDecrypt({ key: privateKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, c);
  assert.deepEqual(new Uint8Array(unwrap(a)), aesKey);
  assert.deepEqual(new Uint8Array(unwrap(b)), aesKey);
});

test('AES-256-GCM frames match node:crypto both ways, and a flipped bit is refused', async () => {
  const provider = createForgeCryptoProvider({ wx });
  const raw = crypto.randomBytes(32);
  const key = await provider.importAesKey(new Uint8Array(raw));
  const nonce = crypto.randomBytes(12);
  const sealed = await provider.aesGcmEncrypt(key, nonce, Buffer.from('{"type":"ping","id":"c1"}'));
  const decipher = crypto.createDecipheriv('aes-256-gcm', raw, nonce);
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  assert.equal(Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]).toString(), '{"type":"ping","id":"c1"}');

  const cipher = crypto.createCipheriv('aes-256-gcm', raw, nonce);
  const fromServer = Buffer.concat([cipher.update('{"type":"pong"}'), cipher.final(), cipher.getAuthTag()]);
  assert.equal(Buffer.from(await provider.aesGcmDecrypt(key, nonce, new Uint8Array(fromServer))).toString(), '{"type":"pong"}');
  fromServer[3] ^= 1;
  await assert.rejects(provider.aesGcmDecrypt(key, nonce, new Uint8Array(fromServer)));
});

test('randomness comes from wx.getRandomValues; without wx there is no provider', async () => {
  let asked = 0;
  const counting = { getRandomValues: (o) => { asked += o.length; wx.getRandomValues(o); } };
  assert.equal((await wxRandomBytes(counting)(12)).length, 12);
  assert.equal(asked, 12);
  assert.equal(createForgeCryptoProvider({ wx: null }), null);
  await assert.rejects(createForgeCryptoProvider({ randomBytes: () => new Uint8Array(3) }).randomBytes(4), /3 bytes, not 4/);
});
