import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Emitter } from '../src/emitter.js';
import { ConversationStore } from '../src/conversations.js';

/** A stand-in for ChatClient: events are emitted by the test, requests are recorded and answered by `answer`. */
function fakeClient(answer = () => ({})) {
  const client = new Emitter();
  client.user = { id: 'alice', name: 'Alice' };
  client.sent = [];
  client.request = async (frame) => {
    client.sent.push(frame);
    return answer(frame);
  };
  return client;
}

const entry = (conv, fields = {}) => ({ conv, kind: 'room', title: conv, lastSeq: 0, readSeq: 0, unread: 0, pinned: false, muted: false, ...fields });
const message = (conv, seq, from, body = { kind: 'text', text: `m${seq}` }) =>
  ({ conv, seq, ts: 1000 + seq, from: { id: from }, body, mine: from === 'alice' });

test('welcome fills the list; messages of others count, own messages read everything before', () => {
  const client = fakeClient();
  const store = new ConversationStore(client);
  client.emit('welcome', { conversations: [entry('room:a', { unread: 2, lastSeq: 2 }), entry('room:b', { muted: true, unread: 5 })], requests: [] });
  assert.equal(store.unreadTotal, 2, 'muted conversations stay out of the total');

  client.emit('message', message('room:b', 1, 'bob'));
  client.emit('message', message('room:a', 3, 'bob', { kind: 'text', text: 'x'.repeat(80) }));
  assert.equal(store.byConv.get('room:a').unread, 3);
  assert.equal(store.byConv.get('room:a').last.text.length, 60);
  assert.deepEqual(store.list.map((e) => e.conv), ['room:a', 'room:b'], 'newest activity first');

  client.emit('message', message('room:a', 4, 'alice'));
  assert.deepEqual([store.byConv.get('room:a').unread, store.byConv.get('room:a').readSeq], [0, 4]);
});

test('a read on another device and a recall lower the badge; pins order the list', () => {
  const client = fakeClient();
  const store = new ConversationStore(client);
  client.emit('welcome', { conversations: [entry('room:a', { unread: 3, lastSeq: 3, last: { ts: 5 } }), entry('room:b', { last: { ts: 1 } })] });

  client.emit('conv.read', { conv: 'room:a', seq: 2, unread: 1 });
  assert.equal(store.unreadTotal, 1);
  client.emit('conv.read', { conv: 'room:a', seq: 1, unread: 2 });
  assert.equal(store.unreadTotal, 1, 'never backwards');
  client.emit('message', message('room:a', 4, 'bob', { kind: 'recall', seq: 3 }));
  assert.equal(store.unreadTotal, 0);
  assert.equal(store.byConv.get('room:a').last.kind, 'recall');

  client.emit('conv.settings', { conv: 'room:b', pinned: true, muted: false });
  assert.deepEqual(store.list.map((e) => e.conv), ['room:b', 'room:a']);
});

test('typing is throttled when sent and expires when shown; requests and deletes are kept', () => {
  const client = fakeClient();
  const store = new ConversationStore(client);
  client.emit('welcome', { conversations: [], requests: [{ conv: 'dm:alice:bob', user: { id: 'bob' }, incoming: true, ts: 1 }] });
  assert.equal(store.requests.length, 1);

  store.typing('dm:alice:bob', true, 0);
  assert.equal(store.typing('dm:alice:bob', true, 1000), null, 'renewed too soon');
  store.typing('dm:alice:bob', true, 3500);
  store.typing('dm:alice:bob', false, 4000);
  assert.deepEqual(client.sent.map((f) => f.on), [true, true, false]);

  client.emit('typing', { conv: 'dm:alice:bob', user: { id: 'bob' }, on: true, expiresInMs: 6000 });
  assert.deepEqual(store.typingIn('dm:alice:bob'), ['bob']);
  assert.deepEqual(store.typingIn('dm:alice:bob', Date.now() + 7000), [], 'expired without renewal');

  client.emit('dm.cancelled', { conv: 'dm:alice:bob', by: { id: 'bob' } });
  assert.equal(store.requests.length, 0);
  client.emit('msg.deleted', { conv: 'room:a', seq: 7 });
  assert.equal(store.isDeleted('room:a', 7), true);
});

test('receipts: a DM peer\'s read seq only grows; a room\'s counts answer exact and later seqs; leaves and presence', () => {
  const client = fakeClient();
  const store = new ConversationStore(client);
  client.emit('welcome', {
    conversations: [entry('dm:alice:bob', { kind: 'dm', online: false })],
    requests: [{ conv: 'dm:alice:cy', user: { id: 'cy' }, incoming: false, ts: 1 }],
  });
  const seen = [];
  store.on('receipt', (e) => seen.push(e.conv));

  assert.equal(store.peerReadSeq('dm:alice:bob'), undefined, 'unknown before the first receipt');
  client.emit('conv.receipt', { conv: 'dm:alice:bob', user: 'bob', seq: 4 });
  client.emit('conv.receipt', { conv: 'dm:alice:bob', user: 'bob', seq: 2 });
  assert.equal(store.peerReadSeq('dm:alice:bob'), 4, 'never backwards');

  client.emit('conv.receipt', { conv: 'room:r', user: null, seq: null, reads: [{ seq: 7, count: 1 }, { seq: 5, count: 3 }], members: 4 });
  assert.equal(store.readCount('room:r', 5), 3);
  assert.equal(store.readCount('room:r', 6), 1, 'whoever read 7 read 6');
  assert.equal(store.readCount('room:r', 8), undefined);
  assert.equal(store.readCount('room:other', 1), undefined);
  assert.equal(store.roomMembers('room:r'), 4);
  assert.deepEqual(seen, ['dm:alice:bob', 'dm:alice:bob', 'room:r']);

  client.emit('dm.presence', { conv: 'dm:alice:bob', user: 'bob', online: true, version: 2 });
  client.emit('dm.presence', { conv: 'dm:alice:bob', user: 'bob', online: false, version: 1 });
  assert.equal(store.byConv.get('dm:alice:bob').online, true, 'an older presence change arriving late is ignored');

  client.emit('dm.left', { conv: 'dm:alice:cy', by: { id: 'cy' } });
  assert.equal(store.requests.length, 0, 'a leave withdraws the pending request');
});

test('readers asks conv.readers, through the client\'s own method when it has one', async () => {
  const client = fakeClient((frame) => ({ type: 'readers', conv: frame.conv, seq: frame.seq, readers: [{ id: 'cy' }] }));
  const store = new ConversationStore(client);
  assert.deepEqual((await store.readers('room:r', 3)).readers, [{ id: 'cy' }]);
  assert.deepEqual(client.sent.at(-1), { type: 'conv.readers', conv: 'room:r', seq: 3 });
  client.readers = async (conv, seq) => ({ conv, seq, readers: [{ id: 'bob' }] });
  assert.deepEqual((await store.readers('room:r', 3)).readers, [{ id: 'bob' }]);
});

test("a DM's peerReadSeq from the list seeds the peer's read seq, so ticks survive a reload; receipts only move it on", () => {
  const client = fakeClient();
  const store = new ConversationStore(client);
  client.emit('welcome', {
    conversations: [entry('dm:alice:bob', { kind: 'dm', peer: { id: 'bob' }, peerReadSeq: 3 }), entry('dm:alice:cy', { kind: 'dm', peer: { id: 'cy' } })],
    requests: [],
  });
  assert.equal(store.peerReadSeq('dm:alice:bob'), 3);
  assert.equal(store.peerReadSeq('dm:alice:cy'), undefined, 'no peerReadSeq: the peer read nothing yet');
  client.emit('conv.receipt', { conv: 'dm:alice:bob', user: 'bob', seq: 2 });
  assert.equal(store.peerReadSeq('dm:alice:bob'), 3, 'an older receipt does not move it back');
  client.emit('conv.receipt', { conv: 'dm:alice:bob', user: 'bob', seq: 5 });
  assert.equal(store.peerReadSeq('dm:alice:bob'), 5);
});
