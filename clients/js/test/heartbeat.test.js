import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Heartbeat } from '../src/heartbeat.js';

function fakeClock() {
  const clock = { t: 0, timer: null };
  clock.now = () => clock.t;
  clock.setTimer = (fn, ms) => (clock.timer = { fn, ms });
  clock.clearTimer = () => (clock.timer = null);
  clock.advance = (ms) => {
    clock.t += ms;
    if (clock.timer) clock.timer.fn();
  };
  return clock;
}

test('pings every interval while frames arrive; dead after deadAfter silent intervals', () => {
  const clock = fakeClock();
  let pings = 0;
  let dead = null;
  const hb = new Heartbeat({ intervalMs: 1000, deadAfter: 2, sendPing: () => pings++, onDead: (ms) => (dead = ms), ...clock });
  hb.start();
  for (let i = 0; i < 5; i++) {
    clock.advance(1000);
    hb.touch(); // the pong
  }
  assert.equal(pings, 5);
  assert.equal(dead, null);
  clock.advance(1000); // silent 1 interval: still pings
  assert.equal(pings, 6);
  clock.advance(1000); // silent 2 intervals: dead
  assert.equal(dead, 2000);
  assert.equal(hb.running, false);
});

test('pause stops pinging; resume probes at once', () => {
  const clock = fakeClock();
  let pings = 0;
  const hb = new Heartbeat({ intervalMs: 1000, sendPing: () => pings++, onDead: () => {}, ...clock });
  hb.start();
  hb.pause();
  assert.equal(hb.running, false);
  assert.equal(hb.paused, true);
  hb.resume();
  assert.equal(pings, 1);
  assert.equal(hb.running, true);
  assert.throws(() => new Heartbeat({ intervalMs: 0, sendPing() {}, onDead() {} }), RangeError);
});
