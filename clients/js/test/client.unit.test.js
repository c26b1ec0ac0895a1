// ChatClient against an in-process fake transport: no server needed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ChatClient, createWxTransport, bindWxAppLifecycle, describeActivity } from '../src/index.js';

function fakeTransport() {
  const t = { conns: [], urls: [] };
  t.open = (url, handlers) => {
    const conn = {
      url,
      handlers,
      sent: [],
      closed: false,
      send(text) { conn.sent.push(JSON.parse(text)); },
      close() { conn.closed = true; },
      terminate() { conn.closed = true; },
      push(frame) { handlers.message(JSON.stringify(frame)); },
      welcome(extra = {}) { conn.push({ type: 'welcome', user: { id: 'me', name: 'Me' }, rooms: [], dms: [], ts: 1, ...extra }); },
      drop(code = 1006) { conn.closed = true; handlers.close(code, ''); },
    };
    t.urls.push(url);
    t.conns.push(conn);
    return conn;
  };
  Object.defineProperty(t, 'last', { get: () => t.conns.at(-1) });
  return t;
}

const tick = () => new Promise((r) => setImmediate(r));
const msg = (conv, seq, extra = {}) => ({ type: 'room.message', room: conv.slice(5), conv, seq, ts: seq, from: { id: 'u', name: 'U' }, body: { kind: 'text', text: `m${seq}` }, ...extra });

const clients = [];
after(() => clients.forEach((c) => c.close()));

function newClient(transport, extra = {}) {
  return track({ baseUrl: 'https://chat.example/', token: 't k', transport, backoff: { baseMs: 1, capMs: 5, minMs: 0 }, requestTimeoutMs: 200, ...extra });
}
function track(options) {
  const c = new ChatClient(options);
  clients.push(c);
  return c;
}

test('connect derives the socket URL and resolves on welcome; requests resolve on their reply', async () => {
  const t = fakeTransport();
  const client = newClient(t);
  const connected = client.connect();
  await tick();
  assert.equal(t.last.url, 'wss://chat.example/ws?access_token=t%20k');
  t.last.welcome({ rooms: [] });
  const welcome = await connected;
  assert.equal(welcome.user.id, 'me');
  assert.equal(client.state, 'connected');

  const p = client.sendText('lobby', 'hi');
  const sent = t.last.sent.at(-1);
  assert.deepEqual({ type: sent.type, room: sent.room, body: sent.body }, { type: 'room.send', room: 'lobby', body: { kind: 'text', text: 'hi' } });
  assert.ok(sent.id);
  t.last.push({ type: 'ack', re: sent.id, conv: 'room:lobby', seq: 1, ts: 5 });
  assert.equal((await p).seq, 1);
  client.close();
});

test('a join ack says where history ends: messages after its seq are shown live, earlier ones are not', async () => {
  const t = fakeTransport();
  const client = newClient(t);
  const connected = client.connect();
  await tick();
  t.last.welcome({ rooms: [] });
  await connected;
  const seen = [];
  client.on('message', (m) => seen.push(m.seq));

  const joined = client.joinRoom('club');
  const join = t.last.sent.at(-1);
  assert.equal(join.type, 'room.join');
  t.last.push({ type: 'ack', re: join.id, conv: 'room:club', seq: 8 });
  await joined;
  t.last.push(msg('room:club', 8)); // the socket is indexed before the join: history may still trickle in
  t.last.push(msg('room:club', 9)); // the first message after the join
  t.last.push(msg('room:club', 10));
  await tick();
  assert.deepEqual(seen, [9, 10]);
  assert.equal(client.cursors.get('room:club'), 10);
  assert.equal(t.last.sent.filter((f) => f.type === 'history').length, 0, 'no baseline request needed');
  client.close();
});

test('an error reply rejects with its code; no reply rejects with timeout', async () => {
  const t = fakeTransport();
  const client = newClient(t, { requestTimeoutMs: 50 });
  const c = client.connect();
  await tick();
  t.last.welcome();
  await c;
  const p = client.requestDm('bob');
  t.last.push({ type: 'error', re: t.last.sent.at(-1).id, code: 'forbidden', message: 'no' });
  await assert.rejects(p, (e) => e.code === 'forbidden' && e.message === 'no');
  await assert.rejects(client.members('lobby'), (e) => e.code === 'timeout');
  client.close();
});

test('after a drop the client reconnects, resends unacked sends with the same id and syncs missed messages once', async () => {
  const t = fakeTransport();
  const client = newClient(t);
  const seen = [];
  const states = [];
  client.on('message', (m) => seen.push(`${m.conv}#${m.seq}${m.synced ? 's' : ''}`));
  client.on('state', (s) => states.push(s));
  const c = client.connect();
  await tick();
  t.last.welcome({ rooms: ['a'] });
  await c;
  t.last.push(msg('room:a', 1));
  t.last.push(msg('room:a', 2));
  const send = client.sendText('a', 'offline-safe');
  const id = t.last.sent.find((f) => f.type === 'room.send').id;
  t.last.drop();
  assert.equal(client.state, 'reconnecting');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(t.conns.length, 2);
  t.last.welcome({ rooms: ['a'] });
  await tick();
  const sync = t.last.sent.find((f) => f.type === 'sync');
  assert.deepEqual(sync.cursors, { 'room:a': 2 });
  const resent = t.last.sent.find((f) => f.type === 'room.send');
  assert.equal(resent.id, id, 'resent with the same id');
  t.last.push(msg('room:a', 4)); // live message overtakes the sync reply
  t.last.push({ type: 'ack', re: id, conv: 'room:a', seq: 3, ts: 3 });
  assert.equal((await send).seq, 3);
  const page = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => ({ conv: 'room:a', seq: from + i, ts: 0, from: { id: 'u', name: 'U' }, body: { kind: 'text', text: 'x' } }));
  t.last.push({ type: 'sync', re: sync.id, conversations: [{ conv: 'room:a', messages: page(2, 3), more: true }] });
  await tick();
  const sync2 = t.last.sent.filter((f) => f.type === 'sync').at(-1);
  assert.notEqual(sync2.id, sync.id, 'more: true syncs again');
  assert.deepEqual(sync2.cursors, { 'room:a': 4 });
  t.last.push({ type: 'sync', re: sync2.id, conversations: [{ conv: 'room:a', messages: page(4, 5), more: false }] });
  await tick();
  assert.deepEqual(seen, ['room:a#1', 'room:a#2', 'room:a#4', 'room:a#3s', 'room:a#5s']);
  assert.deepEqual(states, ['connecting', 'connected', 'reconnecting', 'connected']);
  client.close();
});

test('a first connection failure rejects connect; close rejects pending requests', async () => {
  const t = fakeTransport();
  const client = newClient(t);
  const c = client.connect();
  await tick();
  t.last.drop(1006);
  await assert.rejects(c, (e) => e.code === 'connect_failed');
  assert.equal(client.state, 'closed');
  const client2 = newClient(t);
  const c2 = client2.connect();
  const pending = client2.joinRoom('x'); // waits in the outbox until connected
  client2.close();
  await assert.rejects(c2, (e) => e.code === 'closed');
  await assert.rejects(pending, (e) => e.code === 'closed');
});

test('app hide pauses the heartbeat; show probes and reconnects a dead link promptly', async () => {
  const t = fakeTransport();
  const client = newClient(t, { probeTimeoutMs: 20, heartbeat: { intervalMs: 100000 } });
  const c = client.connect();
  await tick();
  t.last.welcome();
  await c;
  client.onAppHide();
  assert.equal(client.heartbeat.running, false);
  client.onAppShow();
  assert.equal(t.last.sent.at(-1).type, 'ping', 'probes at once');
  await new Promise((r) => setTimeout(r, 40)); // no pong
  assert.equal(client.state, 'reconnecting');
  client.onAppHide();
  await new Promise((r) => setTimeout(r, 20));
  const before = t.conns.length;
  client.onAppShow();
  assert.ok(t.conns.length >= before, 'reconnects on show');
  t.last.welcome();
  await tick();
  assert.equal(client.state, 'connected');
  client.close();
});

test('the wx transport adapts SocketTask and the app lifecycle', async () => {
  const tasks = [];
  const app = {};
  const wx = {
    connectSocket(opts) {
      const task = { opts, sent: [], closedWith: null };
      for (const ev of ['onOpen', 'onMessage', 'onClose', 'onError']) task[ev] = (fn) => (task[`_${ev}`] = fn);
      task.send = ({ data }) => task.sent.push(JSON.parse(data));
      task.close = ({ code }) => (task.closedWith = code);
      tasks.push(task);
      return task;
    },
    onAppHide: (fn) => (app.hide = fn),
    onAppShow: (fn) => (app.show = fn),
  };
  const client = newClient(createWxTransport(wx));
  bindWxAppLifecycle(client, wx);
  const c = client.connect();
  await tick();
  assert.equal(tasks.length, 1);
  tasks[0]._onOpen();
  tasks[0]._onMessage({ data: JSON.stringify({ type: 'welcome', user: { id: 'me', name: 'Me' }, rooms: ['r'], dms: [], ts: 1 }) });
  assert.deepEqual((await c).rooms, ['r']);
  const ping = client.ping();
  const id = tasks[0].sent.find((f) => f.type === 'ping').id;
  tasks[0]._onMessage({ data: JSON.stringify({ type: 'pong', re: id, ts: 2 }) });
  assert.equal((await ping).ts, 2);
  app.hide();
  assert.equal(client.hidden, true);
  app.show();
  assert.equal(client.hidden, false);
  client.close();
  assert.equal(tasks[0].closedWith, 1000);
  assert.equal(tasks.length, 1, 'exactly one socket');
});

test('a frame over the size limit is refused locally and never queued', async () => {
  const t = fakeTransport();
  const client = newClient(t, { maxFrameBytes: 1024 });
  const c = client.connect();
  await tick();
  t.last.welcome();
  await c;
  await assert.rejects(client.sendText('lobby', '€'.repeat(400)), (e) => e.code === 'too_large');
  assert.equal(client.outbox.size, 0);
  assert.equal(t.last.sent.filter((f) => f.type === 'room.send').length, 0);
});

test('resync sends at most 100 cursors per sync and stops tracking unreadable conversations', async () => {
  const t = fakeTransport();
  const cursors = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`room:r${i}`, 1]));
  const client = newClient(t, { cursors });
  const errors = [];
  client.on('sync.error', (e, conv) => errors.push([e.code, conv]));
  const c = client.connect();
  await tick();
  t.last.welcome();
  await c;
  t.last.drop();
  await new Promise((r) => setTimeout(r, 20));
  t.last.welcome();
  await tick();
  const first = t.last.sent.find((f) => f.type === 'sync');
  assert.equal(Object.keys(first.cursors).length, 100);
  t.last.push({ type: 'sync', re: first.id, conversations: Object.keys(first.cursors).map((conv) => (conv === 'room:r0' ? { conv, messages: [], more: false, error: 'forbidden' } : { conv, messages: [], more: false })) });
  await tick();
  const second = t.last.sent.filter((f) => f.type === 'sync').at(-1);
  assert.equal(Object.keys(second.cursors).length, 50);
  assert.deepEqual(errors, [['forbidden', 'room:r0']]);
  assert.equal(client.cursors.has('room:r0'), false);
});

test('room moderation methods send their frames; being kicked drops the room', async () => {
  const t = fakeTransport();
  const client = newClient(t);
  const c = client.connect();
  await tick();
  t.last.welcome({ rooms: ['lobby'] });
  await c;
  const calls = [
    [() => client.createRoom('club', { visibility: 'private' }), { type: 'room.create', room: 'club', visibility: 'private' }],
    [() => client.invite('club', 'bob'), { type: 'room.invite', room: 'club', user: 'bob' }],
    [() => client.kick('club', 'bob', { reason: 'spam' }), { type: 'room.kick', room: 'club', user: 'bob', reason: 'spam' }],
    [() => client.mute('club', 'bob', 60000), { type: 'room.mute', room: 'club', user: 'bob', durationMs: 60000 }],
    [() => client.unmute('club', 'bob'), { type: 'room.unmute', room: 'club', user: 'bob' }],
    [() => client.ban('club', 'bob'), { type: 'room.ban', room: 'club', user: 'bob' }],
    [() => client.unban('club', 'bob'), { type: 'room.unban', room: 'club', user: 'bob' }],
    [() => client.setRole('club', 'bob', 'admin'), { type: 'room.role', room: 'club', user: 'bob', role: 'admin' }],
  ];
  for (const [call, expected] of calls) {
    const p = call();
    const { id, ...sent } = t.last.sent.at(-1);
    assert.deepEqual(sent, expected);
    t.last.push({ type: 'ack', re: id, conv: 'room:club' });
    await p;
  }
  assert.deepEqual(client.rooms, ['lobby', 'club']);

  t.last.push({ type: 'room.kicked', room: 'lobby', user: { id: 'someone', name: 'S' }, by: { id: 'x', name: 'X' }, ts: 1 });
  assert.deepEqual(client.rooms, ['lobby', 'club']);
  t.last.push({ type: 'room.kicked', room: 'lobby', user: { id: 'me', name: 'Me' }, by: { id: 'x', name: 'X' }, ts: 2 });
  assert.deepEqual(client.rooms, ['club']);
  client.close();
});

test('room.activity (coalesced joins and leaves of a big room) is emitted as is; setNotices sends room.notices', async () => {
  const t = fakeTransport();
  const client = newClient(t);
  const c = client.connect();
  await tick();
  t.last.welcome({ rooms: ['hall'] });
  await c;
  const seen = [];
  client.on('room.activity', (e) => seen.push(e));

  const frame = {
    type: 'room.activity', room: 'hall', joined: [{ id: 'b', name: 'Bob' }, { id: 'c', name: 'Cy' }], joinedCount: 12,
    left: [{ id: 'me', name: 'Me' }], leftCount: 1, members: 10234, ts: 5,
  };
  t.last.push(frame);
  assert.deepEqual(seen, [frame]);
  assert.deepEqual(client.rooms, ['hall'], 'the ack of leaveRoom drops a room, not a notice naming you');

  const p = client.setNotices('hall', 'off');
  const { id, ...sent } = t.last.sent.at(-1);
  assert.deepEqual(sent, { type: 'room.notices', room: 'hall', notices: 'off' });
  t.last.push({ type: 'ack', re: id, conv: 'room:hall' });
  assert.equal((await p).conv, 'room:hall');
  client.close();
});

test('describeActivity names a lone joiner or leaver and counts the rest', () => {
  const bob = { id: 'b', name: 'Bob' };
  assert.equal(describeActivity({ joined: [bob], joinedCount: 1, left: [], leftCount: 0 }), 'Bob joined');
  assert.equal(describeActivity({ joined: [bob], joinedCount: 12, left: [bob], leftCount: 3 }), '12 joined, 3 left');
  assert.equal(describeActivity({ joined: [], joinedCount: 0, left: [bob], leftCount: 1 }), 'Bob left');
});

test('members pages: no cursor asks for the first page, next is followed until the last page', async () => {
  const t = fakeTransport();
  const client = newClient(t);
  const connected = client.connect();
  await tick();
  t.last.welcome();
  await connected;
  const member = (id) => ({ user: { id, name: id }, online: false, role: 'member' });

  const first = client.members('club');
  const ask = t.last.sent.at(-1);
  assert.deepEqual({ type: ask.type, room: ask.room, cursor: ask.cursor, limit: ask.limit }, { type: 'room.members', room: 'club', cursor: undefined, limit: undefined });
  t.last.push({ type: 'members', re: ask.id, room: 'club', members: [member('a')] });
  assert.deepEqual(await first, { room: 'club', members: [member('a')], next: null });

  const all = client.allMembers('club', { limit: 2 });
  await tick();
  const page1 = t.last.sent.at(-1);
  assert.deepEqual({ cursor: page1.cursor, limit: page1.limit }, { cursor: undefined, limit: 2 });
  t.last.push({ type: 'members', re: page1.id, room: 'club', members: [member('a'), member('b')], next: 'b' });
  await tick();
  const page2 = t.last.sent.at(-1);
  assert.deepEqual({ cursor: page2.cursor, limit: page2.limit }, { cursor: 'b', limit: 2 });
  t.last.push({ type: 'members', re: page2.id, room: 'club', members: [member('c')] });
  assert.deepEqual((await all).map((m) => m.user.id), ['a', 'b', 'c']);
  client.close();
});

test('typed replies (conversations, dm.requests, blocks) settle their request; an event of the same type does not', async () => {
  const t = fakeTransport();
  const client = newClient(t);
  const connected = client.connect();
  await tick();
  t.last.welcome();
  await connected;
  const events = [];
  client.on('dm.requests', (e) => events.push(e));

  const list = client.request({ type: 'conv.list' });
  const requests = client.request({ type: 'dm.requests' });
  const [listFrame, requestsFrame] = t.last.sent.slice(-2);
  t.last.push({ type: 'conversations', re: listFrame.id, conversations: [{ conv: 'room:a' }], unread: 0 });
  t.last.push({ type: 'dm.requests', re: requestsFrame.id, requests: [] });
  assert.deepEqual((await list).conversations, [{ conv: 'room:a' }]);
  assert.deepEqual((await requests).requests, []);
  assert.equal(events.length, 0, 'a reply is not also an event');
  client.close();
});

test('leaving a private chat drops it from dms once acked', async () => {
  const t = fakeTransport();
  const client = newClient(t);
  const connected = client.connect();
  await tick();
  t.last.welcome({ dms: ['dm:bob:me'] });
  await connected;
  const left = client.leaveDm('bob');
  const sent = t.last.sent.at(-1);
  assert.deepEqual({ type: sent.type, with: sent.with }, { type: 'dm.leave', with: 'bob' });
  assert.deepEqual(client.dms, ['dm:bob:me'], 'kept until the server agrees');
  t.last.push({ type: 'ack', re: sent.id });
  await left;
  assert.deepEqual(client.dms, []);
  client.close();
});
