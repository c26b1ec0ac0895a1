/**
 * Per-conversation read cursors and message de-duplication.
 *
 * Seqs are gap-free per conversation, so for each conversation we keep `last`: the highest seq such that
 * every seq up to it has been seen, plus the seqs seen above it (live messages can overtake a sync reply).
 * A message is new when its seq is above `last` and not in that set. `last` is what a reconnecting client
 * puts in its `sync` cursors.
 *
 * The first time a conversation is seen (a live message, or a baseline from history), what came before is
 * treated as history: the cursor starts just below it. Use history() to page through older messages.
 */
const MAX_AHEAD = 10000; // bound on out-of-order seqs remembered per conversation

export class Cursors {
  constructor(initial = {}) {
    /** @type {Map<string, {last: number, ahead: Set<number>}>} */
    this._convs = new Map();
    this.load(initial);
  }

  /** Known conversations and their contiguous last seq: the `cursors` of a sync frame. */
  toJSON() {
    const out = {};
    for (const [conv, c] of this._convs) out[conv] = c.last;
    return out;
  }

  load(cursors) {
    for (const [conv, seq] of Object.entries(cursors || {})) {
      if (Number.isInteger(seq) && seq >= 0) this._entry(conv, seq);
    }
  }

  has(conv) {
    return this._convs.has(conv);
  }

  /** The contiguous last seq of conv, or undefined when unknown. */
  get(conv) {
    const c = this._convs.get(conv);
    return c ? c.last : undefined;
  }

  /** Starts tracking conv at `seq` (everything up to it counts as seen) unless it is already tracked. */
  baseline(conv, seq) {
    if (!this._convs.has(conv)) this._entry(conv, Math.max(0, seq | 0));
  }

  forget(conv) {
    this._convs.delete(conv);
  }

  /** Whether conv+seq was already seen (without recording it). */
  seen(conv, seq) {
    const c = this._convs.get(conv);
    return !!c && (seq <= c.last || c.ahead.has(seq));
  }

  /** Whether conv has seen seqs above a missing one (a hole to fetch). */
  hasHole(conv) {
    const c = this._convs.get(conv);
    return !!c && c.ahead.size > 0;
  }

  /**
   * Records conv+seq; true when it is new (show it), false when it is a duplicate (drop it).
   */
  accept(conv, seq) {
    if (typeof conv !== 'string' || !Number.isInteger(seq) || seq < 1) return true; // not a sequenced message
    let c = this._convs.get(conv);
    if (!c) c = this._entry(conv, seq - 1);
    if (seq <= c.last || c.ahead.has(seq)) return false;
    if (seq === c.last + 1) {
      c.last = seq;
      while (c.ahead.delete(c.last + 1)) c.last += 1;
    } else {
      c.ahead.add(seq);
      if (c.ahead.size > MAX_AHEAD) {
        // A hole that never fills (should not happen with gap-free seqs): give up on it.
        const min = Math.min(...c.ahead);
        c.ahead.delete(min);
        c.last = min;
        while (c.ahead.delete(c.last + 1)) c.last += 1;
      }
    }
    return true;
  }

  _entry(conv, last) {
    const c = { last, ahead: new Set() };
    this._convs.set(conv, c);
    return c;
  }
}
