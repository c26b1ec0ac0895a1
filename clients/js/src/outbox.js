/**
 * Requests not answered yet, by frame id, in the order they were made. Everything in the outbox is (re)sent
 * when a connection is (re)established, with the SAME id: the server acknowledges a resent message with the
 * seq of the first delivery and does not deliver it again, so a send is never lost or duplicated by a drop.
 */
export class Outbox {
  constructor() {
    /** @type {Map<string, {frame: object, sentOn: number, resend: boolean}>} */
    this._items = new Map();
  }

  get size() {
    return this._items.size;
  }

  has(id) {
    return this._items.has(id);
  }

  get(id) {
    return this._items.get(id);
  }

  /** @param {boolean} resend false for frames that are only worth sending on the current connection (ping). */
  add(frame, { resend = true } = {}) {
    if (!frame || typeof frame.id !== 'string') throw new TypeError('an outbox frame needs a string id');
    this._items.set(frame.id, { frame, sentOn: -1, resend, notBefore: 0 });
  }

  /** The server said rate_limited: the frame counts as unsent and is not due again before `notBefore` (ms). */
  defer(id, notBefore) {
    const item = this._items.get(id);
    if (!item) return false;
    item.sentOn = -1;
    item.notBefore = notBefore;
    return true;
  }

  /** Marks the frame as written on connection number `connection`. */
  markSent(id, connection) {
    const item = this._items.get(id);
    if (item) item.sentOn = connection;
  }

  remove(id) {
    const item = this._items.get(id);
    this._items.delete(id);
    return item;
  }

  /** Frames to write on connection `connection`: those not yet written on it (nor deferred past `now`), oldest first. */
  due(connection, now = Date.now()) {
    const out = [];
    for (const item of this._items.values()) {
      if (item.notBefore > now) continue;
      if (item.sentOn !== connection && (item.resend || item.sentOn === -1)) out.push(item.frame);
    }
    return out;
  }

  /** Frames that must not survive a lost connection (sent once, not resendable). */
  dropNonResendable() {
    const dropped = [];
    for (const [id, item] of this._items) {
      if (!item.resend && item.sentOn !== -1) {
        this._items.delete(id);
        dropped.push(item.frame);
      }
    }
    return dropped;
  }

  ids() {
    return [...this._items.keys()];
  }
}
