import { Emitter } from './emitter.js';

const PREVIEW_LENGTH = 60; // as the server cuts previews (MessagePreview.MaxTextLength)
const TYPING_RENEW_MS = 3000; // the server passes a renewal on at most this often
const TYPING_SHOWN_MS = 6000; // and expires a typist after this without renewal

/**
 * The user's conversations as a chat list shows them, kept up to date from a ChatClient's events: the first page
 * comes with every `welcome` (so the list and its unread badges survive a reload and a reconnect), then messages,
 * `conv.read` from the user's other devices, pins, mutes, recalls, receipts and typing move it.
 *
 * Attach once: `const store = new ConversationStore(client)`. It only listens to the client's events and sends
 * requests through `client.request`, so the client needs no hook.
 *
 * Events: 'change' (the list or the total changed), 'typing' ({conv, user, on}), 'receipt' (the `conv.receipt` frame:
 * a DM peer's read seq, or a room's aggregated read counts; read them back with peerReadSeq / readCount),
 * 'requests' (the pending private-chat requests changed).
 */
export class ConversationStore extends Emitter {
  /** @param {import('./client.js').ChatClient} client */
  constructor(client) {
    super();
    this.client = client;
    /** @type {Map<string, object>} conv -> entry as conv.list gives it (conv, kind, title, last, lastSeq, readSeq, unread, pinned, muted...) */
    this.byConv = new Map();
    /** @type {object[]} pending private-chat requests ({conv, user, incoming, ts}) */
    this.requests = [];
    /** @type {Map<string, Set<number>>} seqs the user deleted for themselves, per conversation */
    this.deleted = new Map();
    /** @type {Map<string, Map<string, number>>} conv -> typing user id -> shown until (ms) */
    this._typing = new Map();
    this._lastTypingSent = new Map();
    /** @type {Map<string, number>} DM conv -> the peer's read seq, from receipts seen since this store was made */
    this._peerRead = new Map();
    /** @type {Map<string, Map<number, number>>} room conv -> seq -> how many members have read up to it */
    this._roomReads = new Map();
    /** @type {Map<string, number>} room conv -> its member count, as its last receipt said */
    this._roomMembers = new Map();
    this._unsubscribe = [
      client.on('welcome', (w) => this._welcome(w)),
      client.on('message', (m) => this._message(m)),
      client.on('conv.read', (e) => this._read(e.conv, e.seq, e.unread)),
      client.on('conv.settings', (e) => this._update(e.conv, { pinned: e.pinned, muted: e.muted })),
      client.on('conv.receipt', (e) => this._receipt(e)),
      client.on('dm.presence', (e) => this._presence(e)),
      client.on('msg.deleted', (e) => this._hide(e.conv, e.seq)),
      client.on('typing', (e) => this._typingEvent(e)),
      client.on('dm.request', (e) => this._addRequest({ conv: e.conv, user: e.from, incoming: true, ts: Date.now() })),
      client.on('dm.cancelled', (e) => this._dropRequest(e.conv)),
      client.on('dm.declined', (e) => this._dropRequest(e.conv)),
      client.on('dm.left', (e) => this._dropRequest(e.conv)), // a leave also withdraws a pending request
      client.on('dm.open', (e) => { this._dropRequest(e.conv); this.refresh().catch(() => {}); }),
    ];
  }

  detach() {
    for (const off of this._unsubscribe) off();
  }

  /** Pinned first, then the newest activity first: the server's order. */
  get list() {
    return [...this.byConv.values()].sort(compareEntries);
  }

  /** Unread over every conversation that is not muted. */
  get unreadTotal() {
    let total = 0;
    for (const entry of this.byConv.values()) if (!entry.muted) total += entry.unread || 0;
    return total;
  }

  /** Reloads every page of the list from the server. */
  async refresh() {
    const entries = [];
    let cursor;
    do {
      const page = await this.client.request({ type: 'conv.list', cursor });
      entries.push(...page.conversations);
      cursor = page.next;
    } while (cursor);
    this.byConv = new Map(entries.map((e) => [e.conv, e]));
    this._rememberPeerReads(entries);
    this.emit('change');
  }

  /** A DM entry's peerReadSeq (the peer's last receipt, kept by the server), so ticks survive a reload. */
  _rememberPeerReads(entries) {
    for (const e of entries) {
      if (typeof e.peerReadSeq === 'number') this._receipt({ conv: e.conv, user: e.peer ? e.peer.id : null, seq: e.peerReadSeq });
    }
  }

  /** Marks `conv` read up to `seq` (its last message by default); `private`: no read receipt. */
  async markRead(conv, seq, { private: privately = false } = {}) {
    const entry = this.byConv.get(conv);
    const upTo = seq ?? (entry ? entry.lastSeq : 0);
    const ack = await this.client.request({ type: 'conv.read', conv, seq: upTo, private: privately || undefined });
    this._read(conv, ack.seq, entry ? Math.max(0, countAfter(entry, ack.seq)) : 0);
    return ack;
  }

  pin(conv, pinned = true) {
    return this.client.request({ type: 'conv.pin', conv, pinned });
  }

  mute(conv, muted = true) {
    return this.client.request({ type: 'conv.mute', conv, muted });
  }

  /** Recalls a message of yours (within the server's window) or, as a room owner or admin, anyone's. */
  recall(conv, seq) {
    return this.client.request({ type: 'msg.recall', conv, seq });
  }

  /** Hides a message for you only, on all your devices. */
  deleteForMe(conv, seq) {
    return this.client.request({ type: 'msg.delete', conv, seq });
  }

  isDeleted(conv, seq) {
    const seqs = this.deleted.get(conv);
    return !!seqs && seqs.has(seq);
  }

  /**
   * Call on every keystroke: sends `typing` at most every 3 s while the user types, and `on: false` when `on` is false.
   * Returns the request, or null when throttled.
   */
  typing(conv, on = true, now = Date.now()) {
    const last = this._lastTypingSent.get(conv);
    if (on && last !== undefined && now - last < TYPING_RENEW_MS) return null;
    if (!on && last === undefined) return null;
    if (on) this._lastTypingSent.set(conv, now);
    else this._lastTypingSent.delete(conv);
    return this.client.request({ type: 'typing', conv, on }, { resend: false });
  }

  /** The users shown typing in `conv` now (ids). */
  typingIn(conv, now = Date.now()) {
    const users = this._typing.get(conv);
    if (!users) return [];
    return [...users].filter(([, until]) => until > now).map(([id]) => id);
  }

  /** The DM peer's read seq as its receipts told (undefined before the first receipt: receipts are live only). */
  peerReadSeq(conv) {
    return this._peerRead.get(conv);
  }

  /**
   * How many room members have read up to `seq`, from the room's aggregated receipts; undefined when no receipt
   * covered it. A count given for a later seq is a lower bound for an earlier one (whoever read past it read it).
   */
  readCount(conv, seq) {
    const counts = this._roomReads.get(conv);
    if (!counts) return undefined;
    if (counts.has(seq)) return counts.get(seq);
    let best;
    for (const [s, n] of counts) if (s > seq && (best === undefined || s < best[0])) best = [s, n];
    return best && best[1];
  }

  /** A room's member count as its last receipt said (undefined before one came). */
  roomMembers(conv) {
    return this._roomMembers.get(conv);
  }

  /** Who has read message `seq` of a room: the `readers` reply of `conv.readers` (`readers`: profiles, sender left out). */
  readers(conv, seq) {
    if (typeof this.client.readers === 'function') return this.client.readers(conv, seq);
    return this.client.request({ type: 'conv.readers', conv, seq });
  }

  async loadRequests() {
    const reply = await this.client.request({ type: 'dm.requests' });
    this.requests = reply.requests || [];
    this.emit('requests');
    return this.requests;
  }

  cancelRequest(to) {
    return this.client.request({ type: 'dm.cancel', to });
  }

  block(user) {
    return this.client.request({ type: 'user.block', user });
  }

  unblock(user) {
    return this.client.request({ type: 'user.unblock', user });
  }

  async blocks() {
    return (await this.client.request({ type: 'user.blocks' })).users;
  }

  _welcome(welcome) {
    if (Array.isArray(welcome.conversations)) {
      this.byConv = new Map(welcome.conversations.map((e) => [e.conv, e]));
      this._rememberPeerReads(welcome.conversations);
      if (welcome.next) this.refresh().catch(() => {}); // the rest of the list, beyond the first page
    }
    this.requests = welcome.requests || [];
    this.emit('requests');
    this.emit('change');
  }

  _message(m) {
    const entry = this.byConv.get(m.conv);
    if (!entry) {
      this.refresh().catch(() => {}); // a conversation this list does not know yet: ask for it
      return;
    }
    if (m.seq <= (entry.lastSeq || 0) && entry.last) return;
    const recall = m.body && m.body.kind === 'recall';
    const counts = !m.mine && !recall && !(entry.uncounted && entry.uncounted.has(m.seq));
    const text = m.body && m.body.kind === 'text' ? m.body.text.slice(0, PREVIEW_LENGTH) : undefined;
    const changes = {
      last: { kind: m.body ? m.body.kind : 'unknown', text, from: m.from, ts: m.ts, seq: m.seq },
      lastSeq: m.seq,
    };
    if (m.mine) {
      changes.readSeq = m.seq; // sending reads everything before
      changes.unread = 0;
    } else if (counts) {
      changes.unread = (entry.unread || 0) + 1;
    } else if (recall && m.body.seq > (entry.readSeq || 0) && (entry.unread || 0) > 0) {
      changes.unread = entry.unread - 1; // the recalled message no longer counts
    }
    this._update(m.conv, changes);
  }

  _read(conv, seq, unread) {
    const entry = this.byConv.get(conv);
    if (!entry || seq < (entry.readSeq || 0)) return;
    this._update(conv, { readSeq: seq, unread });
  }

  _receipt(e) {
    if (e.user !== undefined && typeof e.seq === 'number') {
      if (!(e.seq <= (this._peerRead.get(e.conv) || 0))) this._peerRead.set(e.conv, e.seq);
    } else {
      const counts = roomReadCounts(e);
      if (counts.length) {
        let known = this._roomReads.get(e.conv);
        if (!known) this._roomReads.set(e.conv, (known = new Map()));
        for (const [seq, count] of counts) known.set(seq, count);
      }
      if (typeof e.members === 'number') this._roomMembers.set(e.conv, e.members);
    }
    this.emit('receipt', e);
  }

  _presence(e) {
    const entry = this.byConv.get(e.conv);
    // Two quick changes can arrive swapped: only a newer version counts.
    if (!entry || e.version < (entry.presenceVersion || 0)) return;
    this._update(e.conv, { online: e.online, presenceVersion: e.version });
  }

  _hide(conv, seq) {
    let seqs = this.deleted.get(conv);
    if (!seqs) this.deleted.set(conv, (seqs = new Set()));
    seqs.add(seq);
    this.emit('change');
  }

  _typingEvent(e) {
    const userId = e.user && e.user.id;
    if (!userId || (this.client.user && userId === this.client.user.id)) return;
    let users = this._typing.get(e.conv);
    if (!users) this._typing.set(e.conv, (users = new Map()));
    if (e.on) users.set(userId, Date.now() + (e.expiresInMs || TYPING_SHOWN_MS));
    else users.delete(userId);
    this.emit('typing', { conv: e.conv, user: e.user, on: e.on });
  }

  _addRequest(request) {
    this.requests = [...this.requests.filter((r) => r.conv !== request.conv), request];
    this.emit('requests');
  }

  _dropRequest(conv) {
    const before = this.requests.length;
    this.requests = this.requests.filter((r) => r.conv !== conv);
    if (this.requests.length !== before) this.emit('requests');
  }

  _update(conv, changes) {
    const entry = this.byConv.get(conv);
    if (!entry) return;
    this.byConv.set(conv, { ...entry, ...changes });
    this.emit('change');
  }
}

/**
 * [seq, count] pairs of a room's aggregated `conv.receipt`: `reads: [{seq, count}]` (also accepted as `counts`
 * or with `readers`/`n` for the count, or as an object `{seq: count}`), or one `seq` with its `count`.
 */
function roomReadCounts(e) {
  const list = e.reads ?? e.counts;
  const pairs = [];
  if (Array.isArray(list)) {
    for (const r of list) {
      const count = r.count ?? r.readers ?? r.n;
      if (typeof r.seq === 'number' && typeof count === 'number') pairs.push([r.seq, count]);
    }
  } else if (list && typeof list === 'object') {
    for (const [seq, count] of Object.entries(list)) if (typeof count === 'number') pairs.push([Number(seq), count]);
  } else if (typeof e.seq === 'number' && typeof e.count === 'number') {
    pairs.push([e.seq, e.count]);
  }
  return pairs;
}

function activityOf(entry) {
  return entry.last ? entry.last.ts : 0;
}

function compareEntries(a, b) {
  if (!!a.pinned !== !!b.pinned) return a.pinned ? -1 : 1;
  const byActivity = activityOf(b) - activityOf(a);
  if (byActivity !== 0) return byActivity;
  return a.conv < b.conv ? -1 : a.conv > b.conv ? 1 : 0;
}

/** What stays unread after reading up to `seq`, from what the entry knew (exact again with the next conv.list). */
function countAfter(entry, seq) {
  const readBefore = entry.readSeq || 0;
  return (entry.unread || 0) - Math.max(0, Math.min(seq, entry.lastSeq || 0) - readBefore);
}
