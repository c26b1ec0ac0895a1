import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cursors } from '../src/cursors.js';

test('messages in order are new once, then duplicates', () => {
  const c = new Cursors();
  assert.equal(c.accept('room:a', 1), true);
  assert.equal(c.accept('room:a', 2), true);
  assert.equal(c.accept('room:a', 2), false);
  assert.equal(c.accept('room:a', 1), false);
  assert.deepEqual(c.toJSON(), { 'room:a': 2 });
});

test('the first message seen starts the cursor just below it', () => {
  const c = new Cursors();
  assert.equal(c.accept('room:a', 42), true);
  assert.equal(c.get('room:a'), 42);
  assert.equal(c.accept('room:a', 41), false, 'older messages are history, not new');
});

test('a live message overtaking a sync leaves the cursor at the gap and the sync fills it', () => {
  const c = new Cursors({ 'room:a': 3 });
  assert.equal(c.accept('room:a', 7), true); // live, while 4-6 are still missing
  assert.equal(c.get('room:a'), 3, 'sync must still ask for everything after 3');
  for (const seq of [4, 5, 6, 7]) assert.equal(c.accept('room:a', seq), seq !== 7, `seq ${seq}`);
  assert.equal(c.get('room:a'), 7);
  assert.equal(c.accept('room:a', 8), true);
  assert.equal(c.get('room:a'), 8);
});

test('conversations are independent; dedupe is by conv and seq', () => {
  const c = new Cursors();
  assert.equal(c.accept('room:a', 1), true);
  assert.equal(c.accept('room:b', 1), true);
  assert.equal(c.accept('dm:x:y', 1), true);
  assert.equal(c.accept('room:b', 1), false);
  assert.deepEqual(c.toJSON(), { 'room:a': 1, 'room:b': 1, 'dm:x:y': 1 });
});

test('baseline only applies to unknown conversations; forget drops it', () => {
  const c = new Cursors();
  c.baseline('room:a', 10);
  c.baseline('room:a', 3);
  assert.equal(c.get('room:a'), 10);
  assert.equal(c.accept('room:a', 10), false);
  assert.equal(c.accept('room:a', 11), true);
  c.baseline('room:new', 0);
  assert.equal(c.accept('room:new', 1), true);
  c.forget('room:a');
  assert.equal(c.has('room:a'), false);
});

test('restored cursors ignore junk and frames without a seq pass through', () => {
  const c = new Cursors({ 'room:a': 5, 'room:b': -1, 'room:c': 'x' });
  assert.deepEqual(c.toJSON(), { 'room:a': 5 });
  assert.equal(c.accept('room:a', undefined), true);
  assert.equal(c.seen('room:a', 5), true);
  assert.equal(c.seen('room:a', 6), false);
});
