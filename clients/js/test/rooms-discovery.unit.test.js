// The SDK's thin methods for conv.readers and room.list, and the room.presence / conv.receipt events, against a fake transport.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ChatClient } from '../src/index.js';

function fakeTransport() {
  const t = { conns: [] };
  t.open = (url, handlers) => {
    const conn = {
      sent: [],
      send(text) { conn.sent.push(JSON.parse(text)); },
      close() {},
      terminate() {},
      push(frame) { handlers.message(JSON.stringify(frame)); },
    };
    t.conns.push(conn);
    return conn;
  };
  Object.defineProperty(t, 'last', { get: () => t.conns.at(-1) });
  return t;
}

const tick = () => new Promise((r) => setImmediate(r));
const clients = [];
after(() => clients.forEach((c) => c.close()));

async function connected() {
  const t = fakeTransport();
  const client = new ChatClient({ baseUrl: 'https://chat.example/', token: 't', transport: t, backoff: { baseMs: 1, capMs: 5, minMs: 0 }, requestTimeoutMs: 500 });
  clients.push(client);
  const welcome = client.connect();
  await tick();
  t.last.push({ type: 'welcome', user: { id: 'me', name: 'Me' }, rooms: [], dms: [], ts: 1 });
  await welcome;
  return { t, client };
}

test('readers(conv, seq) sends conv.readers and resolves with the readers', async () => {
  const { t, client } = await connected();
  const asked = client.readers('room:lobby', 17);
  const frame = t.last.sent.at(-1);
  assert.deepEqual({ type: frame.type, conv: frame.conv, seq: frame.seq }, { type: 'conv.readers', conv: 'room:lobby', seq: 17 });
  t.last.push({ type: 'readers', re: frame.id, conv: 'room:lobby', seq: 17, readers: [{ id: 'bob', name: 'Bob' }] });
  assert.deepEqual(await asked, { conv: 'room:lobby', seq: 17, readers: [{ id: 'bob', name: 'Bob' }] });
});

test('listRooms(prefix, {after, limit}) sends room.list with the cursor and resolves with {rooms, next}', async () => {
  const { t, client } = await connected();
  const first = client.listRooms('ga', { limit: 2 });
  const ask = t.last.sent.at(-1);
  assert.deepEqual({ type: ask.type, prefix: ask.prefix, cursor: ask.cursor, limit: ask.limit }, { type: 'room.list', prefix: 'ga', cursor: undefined, limit: 2 });
  const rooms = [{ id: 'games', name: 'games', conv: 'room:games', members: 3 }, { id: 'garden', name: 'garden', conv: 'room:garden', members: 1 }];
  t.last.push({ type: 'rooms', re: ask.id, rooms, next: 'garden' });
  assert.deepEqual(await first, { rooms, next: 'garden' });

  const second = client.listRooms('ga', { after: 'garden' });
  const ask2 = t.last.sent.at(-1);
  assert.deepEqual({ prefix: ask2.prefix, cursor: ask2.cursor, limit: ask2.limit }, { prefix: 'ga', cursor: 'garden', limit: undefined });
  t.last.push({ type: 'rooms', re: ask2.id, rooms: [] });
  assert.deepEqual(await second, { rooms: [], next: null });

  const all = client.listRooms();
  const ask3 = t.last.sent.at(-1);
  assert.equal(ask3.prefix, undefined);
  t.last.push({ type: 'rooms', re: ask3.id, rooms: [] });
  await all;
});

test('room.presence and room conv.receipt arrive as events', async () => {
  const { t, client } = await connected();
  const seen = [];
  client.on('room.presence', (e) => seen.push(['presence', e.conv, e.online, e.offline]));
  client.on('conv.receipt', (e) => seen.push(['receipt', e.conv, e.reads, e.members]));
  t.last.push({ type: 'room.presence', room: 'lobby', conv: 'room:lobby', online: ['bob'], offline: [] });
  t.last.push({ type: 'conv.receipt', conv: 'room:lobby', reads: [{ seq: 3, count: 2 }], members: 4 });
  await tick();
  assert.deepEqual(seen, [
    ['presence', 'room:lobby', ['bob'], []],
    ['receipt', 'room:lobby', [{ seq: 3, count: 2 }], 4],
  ]);
});
