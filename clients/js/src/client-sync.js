// Message delivery of ChatClient: history pages, sync after a reconnection or a hole, cursors and de-duplication.
import { ChatError } from './errors.js';
import { dmPeer } from './wire.js';

const MAX_SYNC_CONVERSATIONS = 100; // protocol limit per sync frame

/** ChatClient methods (history, sync and delivery); client.js installs them on ChatClient.prototype (a partial class). */
export class ClientSync {
  /**
   * A page of a conversation, ascending, just before `before` (the newest page when absent).
   * Resolves with {conv, messages, more}; the newest page also starts message tracking for conv.
   */
  async history(conv, { before, limit } = {}) {
    const frame = { type: 'history', conv };
    if (before !== undefined && before !== null) frame.before = before;
    if (limit) frame.limit = limit;
    const reply = await this.request(frame);
    const messages = reply.messages.map((m) => this._decrypt(m));
    if (frame.before === undefined) {
      if (messages.length === 0) this.cursors.baseline(conv, 0);
      for (const m of messages) this.cursors.accept(conv, m.seq);
    }
    return { conv: reply.conv, messages, more: !!reply.more };
  }

  /** The raw sync request. The client already syncs by itself after every reconnection. */
  sync(cursors = this.cursors.toJSON()) {
    return this.request({ type: 'sync', cursors }, { resend: false });
  }

  /**
   * After a reconnection (and to repair a hole, see gap-repair.js): fetch what was missed, conversation by
   * conversation (at most 100 per sync frame), again for those that say `more`, until nothing is left.
   */
  async _resync(cursors = this.cursors.toJSON()) {
    let queue = Object.entries(cursors);
    for (let round = 0; round < 10000 && queue.length > 0; round++) {
      const batch = Object.fromEntries(queue.slice(0, MAX_SYNC_CONVERSATIONS));
      queue = queue.slice(MAX_SYNC_CONVERSATIONS);
      let reply;
      try {
        reply = await this.sync(batch);
      } catch (err) {
        if (err.code !== 'disconnected' && err.code !== 'closed') this.emit('sync.error', err);
        return; // the next connection syncs again
      }
      for (const c of reply.conversations) {
        if (c.error) {
          // Not readable any more (left, or never a member): stop tracking it.
          if (c.error === 'forbidden' || c.error === 'not_found') this.cursors.forget(c.conv);
          this.emit('sync.error', new ChatError(c.error, `cannot sync ${c.conv}`), c.conv);
          continue;
        }
        for (const m of c.messages) this._deliver(this._frameOf(m), true);
        if (c.more && this.cursors.has(c.conv)) queue.push([c.conv, this.cursors.get(c.conv)]);
      }
    }
  }

  /** Starts tracking conv at its newest seq when nothing is known of it, so a later sync has a cursor. */
  _baseline(conv) {
    if (this.cursors.has(conv) || !this.connected) return;
    this.request({ type: 'history', conv, limit: 1 }, { resend: false }).then(
      (reply) => {
        const last = reply.messages.length ? reply.messages[reply.messages.length - 1].seq : 0;
        this.cursors.baseline(conv, last);
      },
      () => {},
    );
  }

  _frameOf(m) {
    if (m.conv.startsWith('room:')) return { type: 'room.message', room: m.conv.slice(5), ...m };
    return { type: 'dm.message', ...m, to: dmPeer(m.conv, m.from.id) };
  }

  _deliver(frame, synced) {
    if (!this.cursors.accept(frame.conv, frame.seq)) return; // already shown
    if (!synced) this.gapRepair.live(frame.conv);
    const decoded = this._decrypt(frame);
    const message = {
      kind: frame.type === 'room.message' ? 'room' : 'dm',
      conv: decoded.conv,
      seq: decoded.seq,
      ts: decoded.ts,
      from: decoded.from,
      body: decoded.body,
      id: decoded.id,
      room: decoded.room,
      to: decoded.to,
      mine: !!(this.user && decoded.from && decoded.from.id === this.user.id),
      synced,
    };
    this.emit(frame.type, decoded, { synced });
    this.emit('message', message);
  }

  _encrypt(body, target) {
    return this.crypto && this.crypto.encryptBody ? this.crypto.encryptBody(body, target) : body;
  }

  _decrypt(message) {
    return this.crypto && this.crypto.decryptBody ? { ...message, body: this.crypto.decryptBody(message.body, message) } : message;
  }
}
