// No server: the encrypted-session framing against an independent implementation (node:crypto), and the
// client's reactions to 1012, a 503 upgrade and rate_limited on a fake transport.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { ChatClient, SecureChannel, createWebCryptoProvider, createWxTransport, wechatLogin } from '../src/index.js';

const serverKeys = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicKey = { keyId: 'k1', spki: serverKeys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64') };

/** The gateway's side (FrameCipher.cs) written with node:crypto. */
function serverSide(hello) {
  const key = crypto.privateDecrypt({ key: serverKeys.privateKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(hello.key, 'base64'));
  const nonce = (direction, counter) => {
    const n = Buffer.alloc(12);
    n.writeUInt32BE(direction, 0);
    n.writeBigUInt64BE(BigInt(counter), 4);
    return n;
  };
  let sent = 0;
  let received = 0;
  return {
    key,
    seal(text) {
      const counter = sent++;
      const cipher = crypto.createCipheriv('aes-256-gcm', key, nonce(2, counter));
      const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
      const head = Buffer.alloc(8);
      head.writeBigUInt64BE(BigInt(counter));
      return Buffer.concat([head, body, cipher.getAuthTag()]);
    },
    open(frame) {
      const buf = Buffer.from(frame);
      const counter = Number(buf.readBigUInt64BE(0));
      assert.equal(counter, received++);
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, nonce(1, counter));
      decipher.setAuthTag(buf.subarray(buf.length - 16));
      return Buffer.concat([decipher.update(buf.subarray(8, buf.length - 16)), decipher.final()]).toString('utf8');
    },
  };
}

test('SecureChannel: hello wraps a 32-byte key; frames match the gateway layout both ways; replay and tamper fail', async () => {
  const { channel, hello } = await SecureChannel.create(createWebCryptoProvider(), publicKey, 'h9');
  assert.deepEqual({ type: hello.type, id: hello.id, keyId: hello.keyId }, { type: 'hello', id: 'h9', keyId: 'k1' });
  const server = serverSide(hello);
  assert.equal(server.key.length, 32);

  const texts = ['{"type":"ping","id":"a"}', '{"type":"room.send","body":{"kind":"text","text":"héllo 👋"}}'];
  const frames = await Promise.all(texts.map((t) => channel.seal(t)));
  assert.deepEqual(frames.map((f) => server.open(f)), texts, 'in order, decryptable by node:crypto');

  const first = server.seal('{"type":"hello","re":"h9","alg":"A256GCM"}');
  assert.equal(JSON.parse(await channel.open(first)).re, 'h9');
  await assert.rejects(channel.open(first), /replayed frame/);
  const second = server.seal('{"type":"pong","re":"a"}');
  const third = server.seal('{"type":"pong","re":"b"}');
  await assert.rejects(channel.open(third), /out of order/);
  const forged = Buffer.from(second);
  forged[9] ^= 1;
  await assert.rejects(channel.open(forged), /failed authentication/);
  await assert.rejects(channel.open(new Uint8Array(10)), /too short/);
});

function fakeTransport() {
  const t = { conns: [] };
  t.open = (url, handlers) => {
    const conn = {
      url,
      sent: [],
      send(text) { conn.sent.push(JSON.parse(text)); },
      close() {},
      terminate() {},
      push(frame) { handlers.message(JSON.stringify(frame)); },
      welcome() { conn.push({ type: 'welcome', user: { id: 'me', name: 'Me' }, rooms: [], dms: [], ts: 1 }); },
      drop(code, status, retryAfterMs) { handlers.close(code, '', { status, retryAfterMs }); },
    };
    t.conns.push(conn);
    return conn;
  };
  Object.defineProperty(t, 'last', { get: () => t.conns.at(-1) });
  return t;
}

const clients = [];
after(() => clients.forEach((c) => c.close()));
const tick = () => new Promise((r) => setImmediate(r));
function newClient(transport, extra = {}) {
  const c = new ChatClient({ baseUrl: 'https://chat.example', token: 't', transport, ...extra });
  clients.push(c);
  return c;
}

test('1012 reconnects at once without counting a backoff attempt; other closes back off', async () => {
  const t = fakeTransport();
  const client = newClient(t, { backoff: { baseMs: 60000, capMs: 60000, minMs: 60000 } });
  const c = client.connect();
  await tick();
  t.last.welcome();
  await c;
  t.last.drop(1012);
  await tick();
  assert.equal(t.conns.length, 2, 'no backoff wait');
  assert.equal(client.reconnector.attempt, 0);
  t.last.welcome();
  t.last.drop(1006);
  await tick();
  assert.equal(t.conns.length, 2, 'a 1006 waits for the (60 s) backoff');
  assert.ok(client.reconnector.scheduled);
});

test('a 503 upgrade refusal on the first connect backs off and retries instead of failing connect()', async () => {
  const t = fakeTransport();
  const client = newClient(t, { backoff: { baseMs: 1, capMs: 5, minMs: 0 } });
  const c = client.connect();
  await tick();
  t.last.drop(1006, 503);
  assert.equal(client.state, 'reconnecting');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(t.conns.length, 2);
  t.last.welcome();
  assert.equal((await c).user.id, 'me');
});

test('a 503 with Retry-After (seen by the transport) waits at least that long before the next attempt', async () => {
  const t = fakeTransport();
  const client = newClient(t, { backoff: { baseMs: 1, capMs: 5, minMs: 0 } });
  const c = client.connect();
  await tick();
  const refusedAt = Date.now();
  t.last.drop(1006, 503, 60);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(t.conns.length, 1, 'no new attempt before the Retry-After');
  while (t.conns.length < 2) await new Promise((r) => setTimeout(r, 5));
  assert.ok(Date.now() - refusedAt >= 55, `retried after ${Date.now() - refusedAt} ms`);
  t.last.welcome();
  assert.equal((await c).user.id, 'me');
});

test('rate_limited keeps the request pending and writes it again with the same id after retryAfterMs', async () => {
  const t = fakeTransport();
  const client = newClient(t);
  const c = client.connect();
  await tick();
  t.last.welcome();
  await c;
  const send = client.sendText('lobby', 'hi');
  const first = t.last.sent.at(-1);
  const started = Date.now();
  t.last.push({ type: 'error', re: first.id, code: 'rate_limited', message: 'slow down', retryAfterMs: 40 });
  assert.equal(t.last.sent.length, 1);
  await new Promise((r) => setTimeout(r, 80));
  const again = t.last.sent.at(-1);
  assert.equal(t.last.sent.length, 2);
  assert.equal(again.id, first.id);
  t.last.push({ type: 'ack', re: first.id, conv: 'room:lobby', seq: 1, ts: 1 });
  assert.equal((await send).seq, 1);
  assert.ok(Date.now() - started >= 40);
  const ping = client.ping();
  t.last.push({ type: 'error', re: t.last.sent.at(-1).id, code: 'rate_limited', retryAfterMs: 10 });
  await assert.rejects(ping, (e) => e.code === 'rate_limited', 'a ping is not resent');
});

test("encryption 'required' without a crypto provider fails the connection; 'optional' goes plaintext", async () => {
  const t = fakeTransport();
  const strict = newClient(t, { encryption: 'required', cryptoProvider: null });
  await assert.rejects(strict.connect(), (e) => e.code === 'connect_failed' && /encryption unavailable/.test(e.message));
  const relaxed = newClient(t, { encryption: 'optional', cryptoProvider: null });
  const c = relaxed.connect();
  await tick();
  await tick();
  t.last.welcome();
  await c;
  assert.equal(relaxed.encrypted, false);
});

test('wechatLogin posts the code; the wx transport sends the token as an Authorization header', async () => {
  const calls = [];
  const request = async (url, init) => { calls.push({ url, ...init }); return { status: 200, data: { token: 'jwt', expiresAt: '2030-01-01T00:00:00Z', user: { id: 'o1' } } }; };
  const session = await wechatLogin('https://chat.example/', 'wx-code', { name: 'Wei' }, { request });
  assert.equal(session.token, 'jwt');
  assert.equal(calls[0].url, 'https://chat.example/api/auth/wechat');
  assert.deepEqual(JSON.parse(calls[0].body), { code: 'wx-code', name: 'Wei' });

  const opened = [];
  const task = { onOpen() {}, onMessage() {}, onError() {}, onClose() {}, send() {}, close() {} };
  const wx = { connectSocket: (o) => { opened.push(o); return task; } };
  const client = newClient(createWxTransport(wx));
  client.connect().catch(() => {});
  await tick();
  assert.equal(opened[0].url, 'wss://chat.example/ws');
  assert.deepEqual(opened[0].header, { Authorization: 'Bearer t' });
});
