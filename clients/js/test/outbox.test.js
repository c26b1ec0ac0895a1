import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Outbox } from '../src/outbox.js';

test('due frames are those not yet written on this connection, oldest first', () => {
  const o = new Outbox();
  o.add({ id: 'a', type: 'room.send' });
  o.add({ id: 'b', type: 'room.send' });
  assert.deepEqual(o.due(1).map((f) => f.id), ['a', 'b']);
  o.markSent('a', 1);
  assert.deepEqual(o.due(1).map((f) => f.id), ['b']);
  o.markSent('b', 1);
  assert.deepEqual(o.due(1), []);
  assert.deepEqual(o.due(2).map((f) => f.id), ['a', 'b'], 'a new connection resends all, same ids');
  o.remove('a');
  assert.deepEqual(o.ids(), ['b']);
});

test('non-resendable frames are dropped with the connection they were written on', () => {
  const o = new Outbox();
  o.add({ id: 'p', type: 'ping' }, { resend: false });
  o.add({ id: 'q', type: 'ping' }, { resend: false });
  o.add({ id: 's', type: 'dm.send' });
  o.markSent('p', 1);
  o.markSent('s', 1);
  assert.deepEqual(o.dropNonResendable().map((f) => f.id), ['p']);
  assert.deepEqual(o.due(2).map((f) => f.id), ['q', 's'], 'an unwritten ping still goes out once');
  assert.throws(() => o.add({ type: 'x' }), TypeError);
});
