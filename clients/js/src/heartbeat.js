/**
 * Application-level heartbeat. Sends `ping` every `intervalMs` (25 s by default: well inside the server's
 * 75 s idle timeout) and declares the connection dead when no frame at all has arrived for
 * `deadAfter` intervals. Any incoming frame counts as a sign of life (call touch()).
 */
export const DEFAULT_HEARTBEAT = Object.freeze({ intervalMs: 25000, deadAfter: 2 });

export class Heartbeat {
  /**
   * @param {object} o
   * @param {() => void} o.sendPing  sends one ping frame
   * @param {() => void} o.onDead    the connection is considered dead
   */
  constructor({ sendPing, onDead, intervalMs = DEFAULT_HEARTBEAT.intervalMs, deadAfter = DEFAULT_HEARTBEAT.deadAfter,
    now = () => Date.now(), setTimer = (fn, ms) => setInterval(fn, ms), clearTimer = (t) => clearInterval(t) }) {
    if (!(intervalMs > 0)) throw new RangeError('heartbeat intervalMs must be > 0');
    if (!(deadAfter >= 1)) throw new RangeError('heartbeat deadAfter must be >= 1');
    Object.assign(this, { sendPing, onDead, intervalMs, deadAfter, now });
    this._setTimer = setTimer;
    this._clearTimer = clearTimer;
    this._timer = null;
    this.lastFrameAt = 0;
    this.paused = false;
  }

  get running() {
    return this._timer !== null;
  }

  start() {
    this.stop();
    this.paused = false;
    this.lastFrameAt = this.now();
    this._timer = this._setTimer(() => this.tick(), this.intervalMs);
  }

  stop() {
    if (this._timer !== null) {
      this._clearTimer(this._timer);
      this._timer = null;
    }
  }

  /** The app went to the background: timers are unreliable there, so stop checking. */
  pause() {
    this.stop();
    this.paused = true;
  }

  /** Back in the foreground: restart and probe at once (a ping) so a dead link is found quickly. */
  resume() {
    this.paused = false;
    this.stop();
    this._timer = this._setTimer(() => this.tick(), this.intervalMs);
    this.sendPing();
  }

  touch() {
    this.lastFrameAt = this.now();
  }

  /** One heartbeat period: dead when silent for deadAfter intervals, else ping. */
  tick() {
    const silentFor = this.now() - this.lastFrameAt;
    if (silentFor >= this.intervalMs * this.deadAfter) {
      this.stop();
      this.onDead(silentFor);
      return;
    }
    this.sendPing();
  }
}
