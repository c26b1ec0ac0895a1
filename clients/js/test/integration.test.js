// End-to-end: the SDK against a real gateway process (see testing/gateway.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { Body, createBrowserTransport, dmConv, roomConv } from '../src/index.js';
import { gatewayForFile, uniqueName, eventually, nextEvent } from '../testing/gateway.js';

const gateway = gatewayForFile();
const user = gateway.user;

/** Every message event of a client, for exactly-once assertions. */
function record(client) {
  const messages = [];
  client.on('message', (m) => messages.push(m));
  return messages;
}

const countSeq = (messages, conv, seq) => messages.filter((m) => m.conv === conv && m.seq === seq).length;

test('two clients chat in a room', async () => {
  const room = uniqueName('room');
  const alice = await user('Alice');
  const bob = await user('Bob');
  const atAlice = record(alice);
  const atBob = record(bob);
  await alice.joinRoom(room);
  const joined = nextEvent(alice, 'room.joined', (e) => e.user.id === bob.user.id);
  await bob.joinRoom(room);
  assert.equal((await joined).room, room);

  const first = await alice.sendText(room, 'hello bob');
  assert.equal(first.conv, roomConv(room));
  assert.equal(first.seq, 1);
  const second = await bob.sendRoom(room, Body.image('https://img.example/cat.png', { width: 10, height: 20 }));
  assert.equal(second.seq, 2);

  await eventually(() => atBob.length >= 2 && atAlice.length >= 2, 'both see both messages');
  assert.equal(atBob[0].body.text, 'hello bob');
  assert.equal(atBob[0].from.name, 'Alice');
  assert.equal(atBob[0].mine, false);
  assert.equal(atAlice[1].body.kind, 'image');
  assert.equal(atAlice[0].mine, true);

  const members = await alice.members(room);
  assert.deepEqual(members.members.map((m) => m.user.id).sort(), [alice.user.id, bob.user.id].sort());
  assert.ok(members.members.every((m) => m.online));

  const page = await bob.history(roomConv(room), { limit: 1 });
  assert.deepEqual(page.messages.map((m) => m.seq), [2]);
  assert.equal(page.more, true);
  const older = await bob.history(roomConv(room), { before: 2 });
  assert.deepEqual(older.messages.map((m) => m.seq), [1]);

  const left = nextEvent(alice, 'room.left', (e) => e.user.id === bob.user.id);
  await bob.leaveRoom(room);
  await left;
  await assert.rejects(bob.sendText(room, 'gone'), (e) => e.code === 'forbidden');
});

test('private chat: request, accept, send', async () => {
  const alice = await user('Alice');
  const bob = await user('Bob');
  const atBob = record(bob);
  const conv = dmConv(alice.user.id, bob.user.id);

  await assert.rejects(alice.sendDm(bob.user.id, Body.text('too soon')), (e) => e.code === 'forbidden');
  const requested = nextEvent(bob, 'dm.request');
  await alice.requestDm(bob.user.id);
  const request = await requested;
  assert.equal(request.from.id, alice.user.id);
  assert.equal(request.conv, conv);

  const openAtAlice = nextEvent(alice, 'dm.open');
  await bob.acceptDm(alice.user.id);
  assert.equal((await openAtAlice).with.id, bob.user.id);
  assert.ok(alice.dms.includes(conv));

  const ack = await alice.sendDm(bob.user.id, Body.audio('https://cdn.example/a.mp3', 1500));
  assert.equal(ack.conv, conv);
  assert.equal(ack.seq, 1);
  await eventually(() => atBob.length === 1, 'bob gets the private message');
  assert.equal(atBob[0].kind, 'dm');
  assert.equal(atBob[0].to, bob.user.id);
  assert.equal(atBob[0].body.durationMs, 1500);

  await assert.rejects(bob.acceptDm(alice.user.id), (e) => e.code === 'conflict');
});

test('heartbeat pings are sent and answered', async () => {
  const alice = await user('Alice', { heartbeat: { intervalMs: 150, deadAfter: 3 } });
  const pongs = [];
  alice.on('pong', (p) => pongs.push(p));
  await eventually(() => pongs.length >= 3, 'three heartbeat pongs', 5000);
  assert.ok(pongs.every((p) => typeof p.ts === 'number' && p.re.startsWith('hb-')));
  assert.equal(alice.state, 'connected');
  const pong = await alice.ping();
  assert.equal(pong.type, 'pong');
});

test('a dropped socket reconnects and messages sent meanwhile arrive exactly once (sync)', async () => {
  const room = uniqueName('room');
  const alice = await user('Alice');
  // A fixed 1.5 s reconnect delay, so that alice's messages certainly land while bob is away.
  const bob = await user('Bob', { backoff: { baseMs: 1500, capMs: 1500, minMs: 1500 } });
  const atBob = record(bob);
  const states = [];
  bob.on('state', (s) => states.push(s));
  await alice.joinRoom(room);
  await bob.joinRoom(room);
  const conv = roomConv(room);
  await alice.sendText(room, 'before the drop');
  await eventually(() => atBob.length === 1, 'bob sees the first message');

  bob.connection.raw.terminate(); // the TCP connection dies, no close handshake
  await eventually(() => bob.state === 'reconnecting', 'bob notices the drop');
  for (let i = 1; i <= 5; i++) await alice.sendText(room, `while away ${i}`);

  await eventually(() => bob.state === 'connected', 'bob reconnects', 15000);
  await eventually(() => atBob.length >= 6, 'bob receives the missed messages', 10000);
  await alice.sendText(room, 'after the reconnect');
  await eventually(() => atBob.some((m) => m.seq === 7), 'bob receives live messages again');
  await new Promise((r) => setTimeout(r, 300)); // time for any duplicate to show up

  for (let seq = 1; seq <= 7; seq++) assert.equal(countSeq(atBob, conv, seq), 1, `seq ${seq} exactly once`);
  assert.equal(atBob.length, 7);
  assert.ok(atBob.filter((m) => m.synced).length >= 5, 'the missed ones came from sync');
  assert.deepEqual(states, ['reconnecting', 'connected']);
});

test('an unacknowledged send is resent after a drop with the same id and not duplicated', async () => {
  const room = uniqueName('room');
  // Alice's socket loses the first ack of a room.send and dies right then: the server has the message,
  // alice does not know it.
  let lostId = null;
  class AckLosingWebSocket extends WebSocket {
    set onmessage(handler) {
      super.onmessage = (event) => {
        const frame = JSON.parse(event.data);
        if (frame.type === 'ack' && frame.seq && lostId === null) {
          lostId = frame.re;
          this.terminate();
          return;
        }
        handler(event);
      };
    }

    get onmessage() {
      return super.onmessage;
    }
  }
  const alice = await user('Alice', { WebSocketImpl: AckLosingWebSocket, backoff: { baseMs: 50, capMs: 100, minMs: 50 } });
  const bob = await user('Bob');
  const atAlice = record(alice);
  const atBob = record(bob);
  await alice.joinRoom(room);
  await bob.joinRoom(room);

  const ack = await alice.sendText(room, 'exactly once please', { id: 'resend-me-1' });
  assert.equal(lostId, 'resend-me-1', 'the first ack was lost');
  assert.equal(ack.seq, 1, 'the resend is acknowledged with the original seq');
  await alice.sendText(room, 'second');
  await eventually(() => atBob.length >= 2 && atAlice.length >= 2, 'both messages everywhere');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(atBob.map((m) => [m.seq, m.id]), [[1, 'resend-me-1'], [2, atBob[1].id]]);
  assert.deepEqual(atAlice.map((m) => m.seq), [1, 2], 'alice sees her own message once too');
  const history = await bob.history(roomConv(room));
  assert.equal(history.messages.length, 2, 'stored once');
});

/** A transport that loses the incoming live messages `lose` picks, as a delivery lost between grain and gateway would. */
function losingTransport(lose) {
  const inner = createBrowserTransport({ WebSocket });
  return {
    ...inner,
    open(url, handlers, options) {
      return inner.open(url, {
        ...handlers,
        message: (data) => {
          if (typeof data === 'string' && lose(JSON.parse(data))) return;
          handlers.message(data);
        },
      }, options);
    },
  };
}

test('a live message lost while connected is fetched once a later one shows the hole', async () => {
  const room = uniqueName('room');
  const alice = await user('Alice');
  const bob = await user('Bob', { transport: losingTransport((f) => f.type === 'room.message' && f.seq === 2) });
  const atBob = record(bob);
  const shownAt = new Map();
  bob.on('message', (m) => shownAt.set(m.seq, Date.now()));
  await alice.joinRoom(room);
  await bob.joinRoom(room);
  const conv = roomConv(room);

  for (let i = 1; i <= 3; i++) await alice.sendText(room, `m${i}`);
  await eventually(() => atBob.some((m) => m.seq === 3), 'bob sees seq 3 live');
  await eventually(() => atBob.some((m) => m.seq === 2), 'bob fetches the lost seq 2', 2000);
  const repairedAfterMs = shownAt.get(2) - shownAt.get(3);
  await alice.sendText(room, 'm4');
  await eventually(() => atBob.some((m) => m.seq === 4), 'bob sees seq 4 live');

  for (let seq = 1; seq <= 4; seq++) assert.equal(countSeq(atBob, conv, seq), 1, `seq ${seq} exactly once`);
  assert.equal(atBob.find((m) => m.seq === 2).synced, true);
  assert.equal(bob.state, 'connected', 'repaired without a reconnection');
  assert.ok(repairedAfterMs >= 250, `not before the reordering grace (${repairedAfterMs} ms)`);
});

test('a connection quiet for the renewal period syncs and finds a lost last message', async () => {
  const room = uniqueName('room');
  const alice = await user('Alice');
  const bob = await user('Bob', {
    transport: losingTransport((f) => f.type === 'room.message' && f.seq === 1),
    gapRepair: { quietMs: 1000 },
  });
  const atBob = record(bob);
  await alice.joinRoom(room);
  await bob.joinRoom(room);
  await alice.sendText(room, 'the only message');
  await eventually(() => atBob.some((m) => m.seq === 1), 'bob syncs the lost message', 5000);
  assert.equal(atBob.length, 1);
  assert.equal(atBob[0].synced, true);
  assert.equal(bob.state, 'connected');
});
