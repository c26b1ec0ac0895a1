import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffCeiling, backoffDelay, Reconnector, DEFAULT_BACKOFF } from '../src/reconnect.js';

test('the backoff ceiling doubles per attempt and is capped', () => {
  const o = { baseMs: 500, capMs: 30000 };
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((a) => backoffCeiling(a, o)), [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  assert.equal(backoffCeiling(10000, o), 30000, 'huge attempts stay finite and capped');
});

test('full jitter stays within [min, ceiling] for every attempt', () => {
  for (let attempt = 0; attempt < 40; attempt++) {
    const ceiling = backoffCeiling(attempt, DEFAULT_BACKOFF);
    for (const r of [0, 1e-9, 0.25, 0.5, 0.999999]) {
      const d = backoffDelay(attempt, DEFAULT_BACKOFF, () => r);
      assert.ok(d >= DEFAULT_BACKOFF.minMs && d <= ceiling, `attempt ${attempt} r ${r}: ${d}`);
    }
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(attempt);
      assert.ok(d >= DEFAULT_BACKOFF.minMs && d <= ceiling);
    }
  }
});

test('full jitter is spread over the whole range, not clustered', () => {
  const samples = Array.from({ length: 4000 }, () => backoffDelay(6, { baseMs: 500, capMs: 30000, minMs: 0 }));
  const low = samples.filter((d) => d < 10000).length;
  const high = samples.filter((d) => d > 20000).length;
  assert.ok(low > 1000 && high > 1000, `expected a uniform spread, got ${low} low / ${high} high`);
});

test('a tiny cap wins over minMs', () => {
  assert.equal(backoffDelay(0, { baseMs: 10, capMs: 20, minMs: 100 }, () => 0), 10);
});

test('Reconnector grows the delay per attempt and resets', () => {
  const timers = [];
  const r = new Reconnector({ random: () => 1, backoff: { baseMs: 100, capMs: 1000, minMs: 0 }, setTimer: (fn, ms) => { timers.push({ fn, ms }); return timers.length; }, clearTimer: () => {} });
  let runs = 0;
  assert.equal(r.schedule(() => runs++), 100);
  assert.equal(r.schedule(() => runs++), 200);
  assert.equal(r.schedule(() => runs++), 400);
  assert.equal(r.schedule(() => runs++), 800);
  assert.equal(r.schedule(() => runs++), 1000);
  timers.at(-1).fn();
  assert.equal(runs, 1);
  assert.equal(r.scheduled, false);
  r.reset();
  assert.equal(r.schedule(() => {}), 100);
  let now = 0;
  r.now(() => now++);
  assert.equal(now, 1);
  assert.equal(r.scheduled, false);
});

test('Reconnector puts a Retry-After first and the jittered backoff on top', () => {
  const timers = [];
  const r = new Reconnector({ random: () => 0.5, backoff: { baseMs: 100, capMs: 1000, minMs: 0 }, setTimer: (fn, ms) => { timers.push({ fn, ms }); return timers.length; }, clearTimer: () => {} });
  assert.equal(r.schedule(() => {}, 2000), 2050);
  assert.equal(r.schedule(() => {}), 100, 'without one, the plain backoff');
});
