// End-to-end against a gateway in its default Security:Encryption Optional mode: encrypted sessions next to
// plaintext ones, tampering in both directions, the three token placements, rate limits, WeChat login errors
// and token refresh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { Body, ChatClient, createBrowserTransport, dmConv, login, refreshToken, wechatLogin, TokenSession } from '../src/index.js';
import { gatewayForFile, uniqueName, eventually, nextEvent } from '../testing/gateway.js';

const gateway = gatewayForFile({ args: ['--Security:Encryption', 'Optional'] });
const user = gateway.user;

/** The `ws` transport with hooks on what goes out and what comes in (for tampering and inspection). */
function hookedTransport({ outgoing = (d) => d, incoming = (d) => d, opened = () => {} } = {}) {
  const inner = createBrowserTransport({ WebSocket });
  return {
    tokenIn: inner.tokenIn,
    open(url, handlers, target) {
      opened(url, target);
      const conn = inner.open(url, { ...handlers, message: (data) => handlers.message(incoming(data)) }, target);
      return { ...conn, send: (data) => conn.send(outgoing(data)) };
    },
  };
}

/** Flips a ciphertext byte of the n-th binary frame (0-based) that passes, leaves the rest alone. */
function flipNthBinary(n) {
  let seen = 0;
  return (data) => {
    if (typeof data === 'string' || seen++ !== n) return data;
    const copy = new Uint8Array(data.slice ? data.slice(0) : data);
    copy[8] ^= 0x01; // the first ciphertext byte, just after the 8-byte counter
    return copy.buffer;
  };
}

test('an encrypted and a plaintext client chat in a room and privately', async () => {
  const room = uniqueName('secret');
  const binaryIn = [];
  const alice = await user('Alice', {
    encryption: 'required',
    transport: hookedTransport({ incoming: (d) => { binaryIn.push(typeof d !== 'string'); return d; } }),
  });
  const bob = await user('Bob'); // encryption 'off' (the default)
  assert.equal(alice.encrypted, true);
  assert.equal(bob.encrypted, false);

  await alice.joinRoom(room);
  await bob.joinRoom(room); // the ack's seq tells Bob's client where history ends: the next message is live
  const atBob = nextEvent(bob, 'message', (m) => m.body.text === 'sealed hello');
  const ack = await alice.sendText(room, 'sealed hello');
  assert.equal((await atBob).seq, ack.seq);
  const atAlice = nextEvent(alice, 'message', (m) => m.body.text === 'plain reply');
  await bob.sendText(room, 'plain reply');
  assert.equal((await atAlice).from.id, bob.user.id);

  const requested = nextEvent(bob, 'dm.request');
  await alice.requestDm(bob.user.id);
  await requested;
  await bob.acceptDm(alice.user.id);
  const dm = nextEvent(alice, 'message', (m) => m.kind === 'dm');
  await bob.sendDm(alice.user.id, Body.text('private, in the clear on this socket'));
  assert.equal((await dm).conv, dmConv(alice.user.id, bob.user.id));

  const page = await alice.history(`room:${room}`);
  assert.deepEqual(page.messages.map((m) => m.body.text), ['sealed hello', 'plain reply']);
  // After the hello every frame Alice received was binary (Optional mode may send a plaintext welcome first).
  assert.ok(binaryIn.filter(Boolean).length >= 6);
  assert.equal(binaryIn.slice(binaryIn.indexOf(true)).every(Boolean), true, 'nothing in the clear after the hello reply');
});

test("'optional' encrypts when the server offers it", async () => {
  const carol = await user('Carol', { encryption: 'optional' });
  assert.equal(carol.encrypted, true);
  assert.equal((await carol.ping()).type, 'pong');
});

test('a tampered client frame: the gateway closes with 1008, the SDK reports it and reconnects encrypted', async () => {
  const dave = await user('Dave', { encryption: 'required', transport: hookedTransport({ outgoing: flipNthBinary(0) }) });
  const closed = nextEvent(dave, 'disconnect');
  const failed = dave.ping().catch((e) => e);
  assert.equal(await closed, 1008);
  assert.equal((await failed).code, 'disconnected');
  await eventually(() => dave.connected, 'reconnected');
  assert.equal(dave.encrypted, true);
  assert.equal((await dave.ping()).type, 'pong', 'the new session works (the flip hit only the first frame)');
});

test('a tampered server frame: the SDK drops the session with 1008 and session.error', async () => {
  const erin = await user('Erin', { encryption: 'required' });
  // From now on, corrupt the next binary frame the server sends (the reply to a ping).
  const raw = erin.connection.raw;
  const original = raw.onmessage;
  let armed = true;
  raw.onmessage = (event) => {
    if (armed && typeof event.data !== 'string') {
      armed = false;
      const copy = new Uint8Array(event.data.slice(0));
      copy[copy.length - 1] ^= 0x80; // the tag
      return original({ data: copy.buffer });
    }
    return original(event);
  };
  const problem = nextEvent(erin, 'session.error');
  const closed = new Promise((resolve) => erin.once('disconnect', (code, reason) => resolve({ code, reason })));
  erin.ping().catch(() => {});
  assert.equal((await problem).code, 'encryption_failed');
  assert.deepEqual(await closed, { code: 1008, reason: 'frame failed authentication' });
  await eventually(() => erin.connected && erin.encrypted, 'reconnected encrypted');
});

test('the token travels as a sub-protocol, a header or a query parameter', async () => {
  const placements = [];
  for (const tokenIn of ['protocol', 'header', 'query']) {
    const c = await user(`Tok_${tokenIn}`, {
      tokenIn,
      transport: hookedTransport({ opened: (url, target) => placements.push({ tokenIn, url, target }) }),
    });
    assert.equal((await c.ping()).type, 'pong');
    if (tokenIn === 'protocol') assert.equal(c.connection.raw.protocol, 'orleanschat.v1', 'the server selected the sub-protocol');
  }
  const [protocol, header, query] = placements;
  assert.deepEqual(protocol.target.protocols.map((p) => p.split('.')[0]), ['orleanschat', 'bearer']);
  assert.ok(!protocol.url.includes('access_token'));
  assert.match(header.target.headers.Authorization, /^Bearer ey/);
  assert.match(query.url, /access_token=ey/);
});

test('a forged sub-protocol token is refused before the upgrade', async () => {
  const c = new ChatClient({ baseUrl: gateway.url, token: 'not-a-jwt', transport: createBrowserTransport({ WebSocket }) });
  gateway.track(c);
  await assert.rejects(c.connect(), (e) => e.code === 'connect_failed');
});

test('rate_limited sends wait retryAfterMs in the outbox and are all acknowledged once', async () => {
  const room = uniqueName('flood');
  const frank = await user('Frank', { encryption: 'required' });
  const limited = [];
  frank.on('rate_limited', (e) => limited.push(e));
  await frank.joinRoom(room);
  const acks = await Promise.all(Array.from({ length: 35 }, (_, i) => frank.sendText(room, `m${i}`)));
  assert.ok(limited.length > 0, 'the burst of 20 sends per connection was exceeded');
  assert.ok(limited.every((e) => e.retryAfterMs > 0));
  assert.deepEqual(acks.map((a) => a.seq).sort((a, b) => a - b), Array.from({ length: 35 }, (_, i) => i + 1));
});

test('token refresh answers a new token for the same user; a TokenSession refreshes when due', async () => {
  const session = await login(gateway.url, { openId: uniqueName('ref'), name: 'Ref' });
  const fresh = await refreshToken(gateway.url, session.token);
  assert.equal(fresh.user.id, session.user.id);
  assert.ok(fresh.token);
  await assert.rejects(refreshToken(gateway.url, 'garbage'), (e) => e.code === 'unauthorized');

  let now = Date.now();
  const keeper = new TokenSession({ baseUrl: gateway.url, session, now: () => now });
  assert.equal(await keeper.get(), session.token, 'not due yet');
  now = keeper.refreshDueAt + 1; // past 80 % of the lifetime, before expiry
  const renewed = new Promise((resolve) => keeper.once('token', resolve));
  const token = await keeper.get();
  assert.equal((await renewed).token, token);
  const c = new ChatClient({ baseUrl: gateway.url, token, transport: createBrowserTransport({ WebSocket }) });
  gateway.track(c);
  assert.equal((await c.connect()).user.id, session.user.id, 'the refreshed token connects');
});

test('wechatLogin posts the code; without WeChat configured the gateway answers forbidden', async () => {
  await assert.rejects(wechatLogin(gateway.url, 'code-from-wx-login', { name: 'Wei' }), (e) => e.code === 'forbidden');
  await assert.rejects(wechatLogin(gateway.url, ''), (e) => e.code === 'bad_request' || e.code === 'forbidden');
});
