// GapRepair on a fake clock: when it syncs a hole and a quiet connection, and when it does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GapRepair } from '../src/gap-repair.js';
import { Cursors } from '../src/cursors.js';

function fakeClock() {
  let now = 0;
  let next = 1;
  const timers = new Map();
  return {
    now: () => now,
    setTimer: (fn, ms) => { const id = next++; timers.set(id, { at: now + ms, fn }); return id; },
    clearTimer: (id) => timers.delete(id),
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = end;
    },
  };
}

function repairOn(clock, cursors) {
  const calls = { repaired: [], syncedAll: 0 };
  const repair = new GapRepair({
    graceMs: 300,
    quietMs: 30000,
    now: clock.now,
    setTimer: clock.setTimer,
    clearTimer: clock.clearTimer,
    hasHole: (conv) => cursors.hasHole(conv),
    repair: (conv) => calls.repaired.push(conv),
    syncAll: () => { calls.syncedAll += 1; },
  });
  return { repair, calls };
}

test('a seq that skips ahead is repaired after the grace, unless the hole fills first', () => {
  const clock = fakeClock();
  const cursors = new Cursors({ 'room:a': 1, 'room:b': 1 });
  const { repair, calls } = repairOn(clock, cursors);
  repair.start();

  cursors.accept('room:a', 3);
  repair.live('room:a');
  cursors.accept('room:b', 3);
  repair.live('room:b');
  clock.advance(299);
  assert.deepEqual(calls.repaired, []);
  cursors.accept('room:b', 2); // reordered, not lost
  clock.advance(1);
  assert.deepEqual(calls.repaired, ['room:a']);
});

test('contiguous messages never trigger a repair', () => {
  const clock = fakeClock();
  const cursors = new Cursors({ 'room:a': 0 });
  const { repair, calls } = repairOn(clock, cursors);
  repair.start();
  for (let seq = 1; seq <= 5; seq++) {
    cursors.accept('room:a', seq);
    repair.live('room:a');
    clock.advance(100);
  }
  clock.advance(1000);
  assert.deepEqual(calls.repaired, []);
});

test('a connection quiet for the renewal period syncs everything, and a live message postpones it', () => {
  const clock = fakeClock();
  const cursors = new Cursors({ 'room:a': 0 });
  const { repair, calls } = repairOn(clock, cursors);
  repair.start();
  clock.advance(20000);
  cursors.accept('room:a', 1);
  repair.live('room:a');
  clock.advance(29999);
  assert.equal(calls.syncedAll, 0);
  clock.advance(1);
  assert.equal(calls.syncedAll, 1);
  clock.advance(30000);
  assert.equal(calls.syncedAll, 2);
});

test('nothing fires once stopped (disconnected)', () => {
  const clock = fakeClock();
  const cursors = new Cursors({ 'room:a': 1 });
  const { repair, calls } = repairOn(clock, cursors);
  repair.start();
  cursors.accept('room:a', 3);
  repair.live('room:a');
  repair.stop();
  clock.advance(60000);
  assert.deepEqual(calls.repaired, []);
  assert.equal(calls.syncedAll, 0);
});
