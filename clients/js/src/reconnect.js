/**
 * Reconnection policy: exponential backoff with "full jitter" (a uniformly random delay in
 * [0, min(cap, base * 2^attempt)]), so that many clients dropped at once do not reconnect in lockstep.
 */
export const DEFAULT_BACKOFF = Object.freeze({ baseMs: 500, capMs: 30000, minMs: 100 });

/** Upper bound of the delay before reconnect attempt number `attempt` (0-based). */
export function backoffCeiling(attempt, { baseMs = DEFAULT_BACKOFF.baseMs, capMs = DEFAULT_BACKOFF.capMs } = {}) {
  const exp = Math.min(attempt, 30); // 2^30 already dwarfs any sane cap; avoids Infinity
  return Math.min(capMs, baseMs * 2 ** exp);
}

/**
 * Delay before attempt `attempt`: full jitter in [minMs, ceiling]. `random` is injectable for tests.
 * minMs keeps a dead network from being hammered in a tight loop when random() is near 0.
 */
export function backoffDelay(attempt, options = {}, random = Math.random) {
  const { minMs = DEFAULT_BACKOFF.minMs } = options;
  const ceiling = backoffCeiling(attempt, options);
  const floor = Math.min(minMs, ceiling);
  return Math.floor(floor + random() * (ceiling - floor));
}

/** Schedules reconnect attempts one at a time with growing delays; reset() after a successful connection. */
export class Reconnector {
  constructor({ backoff = {}, random = Math.random, setTimer = (fn, ms) => setTimeout(fn, ms), clearTimer = (t) => clearTimeout(t) } = {}) {
    this.backoff = { ...DEFAULT_BACKOFF, ...backoff };
    this.random = random;
    this.attempt = 0;
    this._timer = null;
    this._setTimer = setTimer;
    this._clearTimer = clearTimer;
  }

  get scheduled() {
    return this._timer !== null;
  }

  /**
   * Runs `fn` after the next backoff delay; returns that delay. Any previous schedule is replaced. `atLeastMs`
   * (a refusal's Retry-After) comes first and the jittered backoff on top, so that clients refused together do
   * not all return at the same instant.
   */
  schedule(fn, atLeastMs = 0) {
    this.cancel();
    const delay = Math.max(0, atLeastMs) + backoffDelay(this.attempt, this.backoff, this.random);
    this.attempt += 1;
    this._timer = this._setTimer(() => {
      this._timer = null;
      fn();
    }, delay);
    return delay;
  }

  /** Runs `fn` right now instead of waiting for the scheduled delay (e.g. the app came back to the foreground). */
  now(fn) {
    this.cancel();
    fn();
  }

  cancel() {
    if (this._timer !== null) {
      this._clearTimer(this._timer);
      this._timer = null;
    }
  }

  reset() {
    this.cancel();
    this.attempt = 0;
  }
}
