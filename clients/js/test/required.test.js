// End-to-end against a gateway with Security:Encryption Required and short-lived tokens (4 s): SDK clients chat
// encrypted, a plaintext client is refused, a session refreshes its token on time, and a gateway restart (SIGTERM:
// drain, 1012) is followed by an immediate reconnection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { ChatClient, createBrowserTransport, login } from '../src/index.js';
import { startGateway, connectUser, uniqueName, eventually, nextEvent } from '../testing/gateway.js';

let gateway;
const clients = [];
before(async () => {
  gateway = await startGateway({ args: ['--Security:Encryption', 'Required', '--Auth:TokenLifetime', '00:00:04'] });
});
after(async () => {
  for (const c of clients) c.close();
  if (gateway) await gateway.stop();
});

function track(client) {
  clients.push(client);
  return client;
}

test('Required: two SDK clients chat; everything they receive, the welcome included, is binary', async () => {
  const room = uniqueName('req');
  const kinds = [];
  const inner = createBrowserTransport({ WebSocket });
  const transport = { ...inner, open: (url, h, target) => inner.open(url, { ...h, message: (d) => { kinds.push(typeof d); h.message(d); } }, target) };
  const alice = track(await connectUser(gateway.url, 'Alice', { encryption: 'required', transport }));
  const bob = track(await connectUser(gateway.url, 'Bob', { encryption: 'optional' }));
  assert.ok(alice.encrypted && bob.encrypted);
  await alice.joinRoom(room);
  await bob.joinRoom(room); // the ack's seq tells Bob's client where history ends: the next message is live
  const got = nextEvent(bob, 'message', (m) => m.body.text === 'only ciphertext on the wire');
  await alice.sendText(room, 'only ciphertext on the wire');
  assert.equal((await got).from.id, alice.user.id);
  assert.ok(kinds.length >= 4);
  assert.deepEqual([...new Set(kinds)], ['object'], 'no text frame reached Alice');
});

test('Required: a plaintext socket gets nothing and its first frame closes it with 1008', async () => {
  const session = await login(gateway.url, { openId: uniqueName('plain'), name: 'Plain' });
  const ws = new WebSocket(`${gateway.url.replace('http', 'ws')}/ws`, ['orleanschat.v1', `bearer.${session.token}`]);
  const received = [];
  ws.on('message', (d) => received.push(String(d)));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
  ws.send(JSON.stringify({ type: 'ping', id: 'p1' }));
  assert.equal(await closed, 1008);
  assert.deepEqual(received, [], 'no welcome in the clear');
});

test('a session refreshes its token before expiry and reconnects with the new one', async () => {
  const session = await login(gateway.url, { openId: uniqueName('fresh'), name: 'Fresh' });
  const offered = [];
  const inner = createBrowserTransport({ WebSocket });
  const transport = { ...inner, open: (url, h, target) => { offered.push(target.protocols[1]); return inner.open(url, h, target); } };
  const c = track(new ChatClient({ baseUrl: gateway.url, session, transport, encryption: 'required' }));
  await c.connect();
  const renewed = await new Promise((resolve) => c.once('token', resolve)); // due at 80 % of 4 s
  assert.notEqual(renewed.token, session.token);
  assert.ok(Date.parse(renewed.expiresAt) > Date.parse(session.expiresAt));
  c.reconnectNow('test');
  await eventually(() => offered.length === 2 && c.connected, 'reconnected');
  assert.equal(offered[1], `bearer.${c.auth.token}`);
  assert.notEqual(offered[1], offered[0]);
});

test('a gateway restart (1012) is answered by an immediate reconnection attempt; chat goes on after it', async () => {
  const name = uniqueName('restart');
  // The restarted process signs with a new ephemeral key, so the token function logs in again. Each connection
  // attempt starts by asking for the token: its call times are the attempts' start times (the login itself may
  // then wait for the stopping process).
  const opens = [];
  const token = async () => {
    opens.push(Date.now());
    return (await login(gateway.url, { openId: name, name: 'Restart' })).token;
  };
  const c = track(new ChatClient({
    baseUrl: gateway.url, token, transport: createBrowserTransport({ WebSocket }), encryption: 'required',
    backoff: { baseMs: 200, capMs: 1000, minMs: 100 },
  }));
  await c.connect();
  let closedAt = 0;
  let firstClose = null;
  c.on('disconnect', (code) => { if (!firstClose) { firstClose = code; closedAt = Date.now(); } });
  const restarted = gateway.restart();
  await eventually(() => opens.length >= 2, 'a reconnection attempt', 15000);
  assert.equal(firstClose, 1012, 'the draining gateway said service restart');
  // No backoff: the attempt follows the close at once (a real deployment's load balancer picks another
  // gateway; here the single process is still stopping, so later attempts back off until it is back).
  assert.ok(opens[1] - closedAt < 150, `reconnected after ${opens[1] - closedAt} ms`);
  gateway = await restarted;
  await eventually(() => c.connected, 'reconnected to the new process', 30000);
  assert.equal(c.encrypted, true);
  assert.equal((await c.ping()).type, 'pong');
});
