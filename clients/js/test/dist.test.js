// The distribution build (npm run build -> dist/orleanschat.min.js), loaded as CommonJS the way a
// mini-program `require`s it, runs the room-chat scenario against a real gateway.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startGateway, uniqueName, eventually } from '../testing/gateway.js';

const distFile = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/orleanschat.min.js');
const missing = !existsSync(distFile);
const skip = missing ? `dist/orleanschat.min.js is missing: run "npm run build" first (skipping the dist test)` : false;
if (missing) console.log(`# ${skip}`);

let gateway;
let sdk;
const clients = [];
before(async () => {
  if (missing) return;
  sdk = createRequire(import.meta.url)(distFile);
  gateway = await startGateway({ args: ['--Security:Encryption', 'Optional'] });
});
after(async () => {
  for (const c of clients) c.close();
  if (gateway) await gateway.stop();
});

test('the built file exposes the SDK as CommonJS', { skip }, () => {
  for (const name of ['ChatClient', 'login', 'createBrowserTransport', 'createWxTransport', 'bindWxAppLifecycle', 'Body', 'dmConv', 'wechatLogin', 'createWebCryptoProvider']) {
    assert.equal(typeof sdk[name], name === 'Body' ? 'object' : 'function', name);
  }
});

test('two clients chat in a room through the dist build', { skip }, async () => {
  const connect = async (name, encryption = 'off') => {
    const session = await sdk.login(gateway.url, { openId: uniqueName(name), name });
    const client = new sdk.ChatClient({ baseUrl: gateway.url, token: session.token, transport: sdk.createBrowserTransport({ WebSocket }), encryption });
    clients.push(client);
    await client.connect();
    return client;
  };
  const room = uniqueName('room');
  const alice = await connect('Alice', 'required'); // the bundle's encrypted session, against plaintext Bob
  const bob = await connect('Bob');
  assert.equal(alice.encrypted, true);
  const atBob = [];
  bob.on('message', (m) => atBob.push(m));
  await alice.joinRoom(room);
  await bob.joinRoom(room);
  const ack = await alice.sendRoom(room, sdk.Body.text('hi from the bundle'));
  assert.equal(ack.seq, 1);
  await eventually(() => atBob.length === 1, 'bob receives the message');
  assert.equal(atBob[0].body.text, 'hi from the bundle');
  assert.equal(atBob[0].from.name, 'Alice');
  await assert.rejects(bob.sendText('not-a-member-room', 'x'), (e) => e.code === 'forbidden');
});
