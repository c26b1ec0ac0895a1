/**
 * Repairs holes in what a connected client has seen, without waiting for a reconnection.
 *
 * - A live message whose seq skips ahead leaves a hole: the seqs in between were not delivered (a delivery lost
 *   while the server re-registered this client's gateway, e.g. after a silo died). After `graceMs` (a reply to
 *   an earlier sync can still bring them) the client syncs that conversation from its contiguous cursor.
 * - The server repairs a lost registration at the latest one renewal period later (a third of
 *   Chat:SubscriptionExpiry, 30 s by default). A connection that saw no live message for `quietMs` (default: that
 *   period) syncs every conversation anyway, so a hole with nothing after it is not hidden for ever.
 *
 * Duplicates are dropped by (conv, seq) in Cursors, so a repair that races the live message is harmless.
 */
export const DEFAULT_GAP_REPAIR = Object.freeze({ graceMs: 300, quietMs: 30000 });

export class GapRepair {
  /**
   * @param {object} o
   * @param {(conv: string) => boolean} o.hasHole  whether conv has seen seqs above a missing one
   * @param {(conv: string) => void} o.repair       syncs conv from its contiguous cursor
   * @param {() => void} o.syncAll                  syncs every tracked conversation
   */
  constructor({ hasHole, repair, syncAll, graceMs = DEFAULT_GAP_REPAIR.graceMs, quietMs = DEFAULT_GAP_REPAIR.quietMs,
    now = () => Date.now(), setTimer = (fn, ms) => setTimeout(fn, ms), clearTimer = (t) => clearTimeout(t) }) {
    if (!(graceMs >= 0)) throw new RangeError('gapRepair graceMs must be >= 0');
    if (!(quietMs > 0)) throw new RangeError('gapRepair quietMs must be > 0');
    Object.assign(this, { hasHole, repair, syncAll, graceMs, quietMs, now });
    this._setTimer = setTimer;
    this._clearTimer = clearTimer;
    this._graces = new Map(); // conv -> timer
    this._quiet = null;
    this._lastLiveAt = 0;
  }

  get running() {
    return this._quiet !== null;
  }

  /** The connection is up (welcomed): the quiet clock starts. */
  start() {
    this.stop();
    this._lastLiveAt = this.now();
    this._armQuiet(this.quietMs);
  }

  /** The connection is down: the next one syncs everything anyway. */
  stop() {
    for (const timer of this._graces.values()) this._clearTimer(timer);
    this._graces.clear();
    if (this._quiet !== null) this._clearTimer(this._quiet);
    this._quiet = null;
  }

  /** A live message of conv was shown: a hole it leaves is repaired after the grace. */
  live(conv) {
    this._lastLiveAt = this.now();
    if (!this.running || this._graces.has(conv) || !this.hasHole(conv)) return;
    this._graces.set(conv, this._setTimer(() => {
      this._graces.delete(conv);
      if (this.running && this.hasHole(conv)) this.repair(conv);
    }, this.graceMs));
  }

  _armQuiet(ms) {
    this._quiet = this._setTimer(() => {
      const quietFor = this.now() - this._lastLiveAt;
      if (quietFor >= this.quietMs) {
        this._lastLiveAt = this.now();
        this.syncAll();
        this._armQuiet(this.quietMs);
      } else {
        this._armQuiet(this.quietMs - quietFor);
      }
    }, ms);
  }
}
