import { Emitter } from './emitter.js';
import { Heartbeat, DEFAULT_HEARTBEAT } from './heartbeat.js';
import { Reconnector, DEFAULT_BACKOFF } from './reconnect.js';
import { Outbox } from './outbox.js';
import { Cursors } from './cursors.js';
import { GapRepair, DEFAULT_GAP_REPAIR } from './gap-repair.js';
import { createBrowserTransport, fetchRequest } from './transport-browser.js';
import { ChatError } from './errors.js';
import { login, trimSlash, TokenSession } from './auth.js';
import { SecureChannel, createWebCryptoProvider, ENCRYPTED_OVERHEAD } from './session-crypto.js';

export { ChatError, login };

/** Message bodies as the wire spells them. */
export const Body = Object.freeze({
  text: (text) => ({ kind: 'text', text }),
  image: (url, { width, height } = {}) => ({ kind: 'image', url, ...(width ? { width } : {}), ...(height ? { height } : {}) }),
  audio: (url, durationMs) => ({ kind: 'audio', url, durationMs }),
});

export const roomConv = (room) => `room:${room}`;
export const dmConv = (a, b) => (a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`);

/** The other user of a private conversation id, seen from `me`. */
export function dmPeer(conv, me) {
  const [, a, b] = conv.split(':');
  return a === me ? b : a;
}

const REPLY_TYPES = new Set(['ack', 'error', 'pong', 'members', 'history', 'sync']);
const SEND_TYPES = new Set(['room.send', 'dm.send']);
const MAX_SYNC_CONVERSATIONS = 100; // protocol limit per sync frame
const DEFAULT_MAX_FRAME_BYTES = 65536; // the gateway closes the socket (1009) beyond its Sockets:MaxFrameBytes

/** ws(s)://host/ws, with ?access_token=... when a token is given, from an http(s) base URL. */
export function socketUrl(baseUrl, token) {
  const base = `${trimSlash(baseUrl).replace(/^http(s?):\/\//i, 'ws$1://')}/ws`;
  return token === undefined ? base : `${base}?access_token=${encodeURIComponent(token)}`;
}

/** The sub-protocol the gateway selects; the token rides along as a second offer, `bearer.<token>`. */
export const SUBPROTOCOL = 'orleanschat.v1';

/**
 * One line for a 'room.activity' frame: "Bob joined", "12 joined, 3 left". A lone joiner or leaver is named; more
 * are counted, since the frame names only the first 20.
 */
export function describeActivity(frame) {
  const part = (named, count, verb) => {
    if (!count) return null;
    return count === 1 && named && named.length === 1 ? `${named[0].name} ${verb}` : `${count} ${verb}`;
  };
  return [part(frame.joined, frame.joinedCount, 'joined'), part(frame.left, frame.leftCount, 'left')].filter(Boolean).join(', ');
}
const ENCRYPTION_MODES = new Set(['off', 'optional', 'required']);
const SERVICE_RESTART = 1012;
const POLICY_VIOLATION = 1008;
const ENCRYPTION_UNAVAILABLE = 4996; // local: encryption 'required' but the server or the platform cannot

/** http(s)://host from a base URL or a ws(s)://host/ws socket URL. */
function httpBaseOf(url) {
  return trimSlash(String(url || '').replace(/^ws(s?):\/\//i, 'http$1://').replace(/\/ws(\?.*)?$/, ''));
}

function utf8Length(text) {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) { bytes += 4; i++; } // surrogate pair
    else bytes += 3;
  }
  return bytes;
}

/**
 * One chat connection for one user: requests as Promises, server events through on(type, handler),
 * heartbeat, automatic reconnection, resend of unacknowledged frames and gap-free message delivery.
 *
 * Events: 'state' (state, detail) with state idle|connecting|connected|reconnecting|closed;
 * 'welcome'; 'message' (normalised room or private message, each conv+seq at most once, with `synced`
 * when it came from a sync); every server event by its wire type ('room.message', 'room.joined',
 * 'room.left', 'room.activity', 'room.invited', 'room.kicked', 'room.banned', 'room.muted', 'room.unmuted',
 * 'room.role', 'dm.request', 'dm.open', 'dm.declined', 'dm.message', 'dm.left', 'dm.presence'); being kicked or
 * banned drops the room from `rooms`. 'room.activity' is how rooms above the server's Chat:AnnounceMaxMembers
 * announce joins and leaves, at most once a second: {room, joined, joinedCount, left, leftCount, members, ts}, the
 * lists naming at most 20 users each (see describeActivity);
 * 'pong'; 'error' (an error frame no request was waiting for); 'sync.error'; 'disconnect' (code, reason);
 * 'frame' (every raw frame, for debugging).
 */
export class ChatClient extends Emitter {
  /**
   * @param {object} options
   * @param {string} [options.baseUrl]   http(s) base of the gateway; the socket URL is derived from it
   * @param {string} [options.url]       explicit socket URL without the token (overrides baseUrl)
   * @param {string|(() => string|Promise<string>)} options.token  access token, or a function returning a fresh one
   * @param {object} [options.transport] createBrowserTransport() (default) or createWxTransport(wx)
   * @param {{intervalMs?: number, deadAfter?: number}} [options.heartbeat]
   * @param {{baseMs?: number, capMs?: number, minMs?: number}} [options.backoff]
   * @param {number} [options.requestTimeoutMs]  default 15 s
   * @param {number} [options.sendTimeoutMs]     messages stay in the outbox this long (default 60 s)
   * @param {number} [options.connectTimeoutMs]  socket open + welcome (default 15 s)
   * @param {number} [options.probeTimeoutMs]    answer expected after returning to the foreground (default 5 s)
   * @param {number} [options.healthyAfterMs]    a connection up this long resets the backoff (default 10 s)
   * @param {number} [options.maxFrameBytes]   the gateway's Sockets:MaxFrameBytes (default 64 KiB); bigger frames reject with too_large
   * @param {object} [options.cursors]  initial {conv: lastSeq}, e.g. restored from storage
   * @param {{graceMs?: number, quietMs?: number}} [options.gapRepair]  a live message that skips seqs makes the
   *        client sync that conversation after graceMs (300); no live message for quietMs (30 s, the server's
   *        renewal period) makes it sync every conversation (see gap-repair.js)
   * @param {{token: string, expiresAt: string}} [options.session]  a login's answer instead of `token`: the
   *        client refreshes it (POST /api/auth/refresh) at 80 % of its lifetime; see `client.auth` ('token' event)
   * @param {'query'|'protocol'|'header'} [options.tokenIn]  where the token goes on the upgrade; default: the
   *        transport's choice ('protocol' for WebSocket, 'header' for wx)
   * @param {'off'|'optional'|'required'} [options.encryption]  encrypted session (default 'off'): 'optional' uses
   *        it when the server and a crypto provider allow, 'required' fails the connection otherwise
   * @param {object} [options.cryptoProvider]  see session-crypto.js; default WebCrypto where present
   * @param {{keyId: string, spki: string}|null} [options.serverKey]  a pinned server key instead of GET /api/crypto/key
   * @param {Function} [options.request]  HTTP helper for the key and refresh (fetchRequest() default, wxRequest(wx))
   * @param {object|null} [options.crypto]  end-to-end encryption hook, NOT IMPLEMENTED YET (see README):
   *        `{ encryptBody(body, target) -> body, decryptBody(body, message) -> body }`, both synchronous.
   */
  constructor(options = {}) {
    super();
    if (options.session && !options.token) {
      this.auth = new TokenSession({ baseUrl: options.baseUrl || httpBaseOf(options.url), session: options.session, request: options.request });
      this.auth.on('token', (session) => this.emit('token', session));
      this.auth.on('token.error', (err) => this.emit('token.error', err));
      options = { ...options, token: () => this.auth.get() };
    }
    if (!options.token) throw new TypeError('ChatClient needs a token (string or function) or a session');
    if (options.encryption !== undefined && !ENCRYPTION_MODES.has(options.encryption)) {
      throw new TypeError("encryption must be 'off', 'optional' or 'required'");
    }
    if (!options.url && !options.baseUrl) throw new TypeError('ChatClient needs baseUrl or url');
    this.options = {
      requestTimeoutMs: 15000,
      sendTimeoutMs: 60000,
      connectTimeoutMs: 15000,
      probeTimeoutMs: 5000,
      healthyAfterMs: 10000,
      encryption: 'off',
      ...options,
    };
    this.cryptoProvider = options.cryptoProvider === undefined ? createWebCryptoProvider() : options.cryptoProvider;
    this.transport = options.transport || createBrowserTransport();
    this.crypto = options.crypto || null;
    this.cursors = new Cursors(options.cursors);
    this.outbox = new Outbox();
    this.gapRepair = new GapRepair({
      ...DEFAULT_GAP_REPAIR,
      ...(options.gapRepair || {}),
      hasHole: (conv) => this.cursors.hasHole(conv),
      repair: (conv) => this._resync({ [conv]: this.cursors.get(conv) }),
      syncAll: () => this._resync(),
    });
    this.reconnector = new Reconnector({ backoff: { ...DEFAULT_BACKOFF, ...(options.backoff || {}) }, random: options.random });
    this.heartbeat = new Heartbeat({
      ...DEFAULT_HEARTBEAT,
      ...(options.heartbeat || {}),
      sendPing: () => this._writePing(),
      onDead: (silentMs) => this._drop(`no frame for ${silentMs} ms`),
    });
    this.state = 'idle';
    this.user = null;
    this.rooms = [];
    this.dms = [];
    this.hidden = false;
    this._pending = new Map();
    this._live = null; // {no, conn, welcomed, timer}
    this._connNo = 0;
    this._everConnected = false;
    this._idSeq = 0;
    this._idBase = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    this._connectWaiter = null;
    this._probeTimer = null;
    this._received = 0;
  }

  static login(baseUrl, profile, options) {
    return login(baseUrl, profile, options);
  }

  /** True while the current connection is an encrypted session. */
  get encrypted() {
    return !!(this._live && this._live.encrypted);
  }

  /** The current transport connection ({send, close, terminate, raw}), or null. For diagnostics and tests. */
  get connection() {
    return this._live ? this._live.conn : null;
  }

  get connected() {
    return this.state === 'connected';
  }

  /** A fresh frame id (also the idempotency key of a send). */
  newId() {
    this._idSeq += 1;
    return `c${this._idBase}-${this._idSeq.toString(36)}`;
  }

  /** Opens the connection; resolves with the welcome frame. A failure of this first attempt rejects (no retry). */
  connect() {
    if (this.state === 'connected') return Promise.resolve(this.welcome);
    if (this._connectWaiter) return this._connectWaiter.promise;
    if (this.state === 'closed') this.state = 'idle';
    const waiter = {};
    waiter.promise = new Promise((resolve, reject) => Object.assign(waiter, { resolve, reject }));
    this._connectWaiter = waiter;
    this._open();
    return waiter.promise;
  }

  /** Closes for good: no reconnection; pending requests reject with code "closed". */
  close(code = 1000, reason = 'client closed') {
    const live = this._live;
    this._live = null;
    this.reconnector.cancel();
    this.heartbeat.stop();
    this.gapRepair.stop();
    this._clearProbe();
    if (this.auth) this.auth.stop();
    if (live) {
      clearTimeout(live.timer);
      clearTimeout(live.healthy);
      if (live.conn) live.conn.close(code, reason);
    }
    for (const id of [...this._pending.keys()]) this._settle(id, null, new ChatError('closed', 'the client was closed'));
    if (this._connectWaiter) {
      this._connectWaiter.reject(new ChatError('closed', 'the client was closed'));
      this._connectWaiter = null;
    }
    this._setState('closed');
  }

  // ---- requests -------------------------------------------------------------------------------

  /**
   * Sends a client frame and resolves with its reply (ack, pong, members, history or sync); rejects with a
   * ChatError carrying the server's `code` on an error reply, or `timeout`. While disconnected the frame
   * waits in the outbox and is written (with the same id) once connected again.
   */
  request(frame, { timeoutMs, resend = true } = {}) {
    if (this.state === 'closed') return Promise.reject(new ChatError('closed', 'the client is closed'));
    const id = frame.id || this.newId();
    const existing = this._pending.get(id);
    if (existing) return existing.promise;
    const out = { ...frame, id };
    // A frame the server would close the socket for must not enter the outbox: it would be resent forever.
    const size = utf8Length(JSON.stringify(out)) + (this.options.encryption === 'off' ? 0 : ENCRYPTED_OVERHEAD);
    if (size > (this.options.maxFrameBytes || DEFAULT_MAX_FRAME_BYTES)) {
      return Promise.reject(new ChatError('too_large', `the ${out.type} frame is ${size} bytes, over the server's limit`));
    }
    const timeout = timeoutMs || (SEND_TYPES.has(out.type) ? this.options.sendTimeoutMs : this.options.requestTimeoutMs);
    const pending = {};
    pending.promise = new Promise((resolve, reject) => {
      Object.assign(pending, { resolve, reject });
      pending.timer = setTimeout(
        () => this._settle(id, null, new ChatError('timeout', `no reply to ${out.type} within ${timeout} ms`)),
        timeout,
      );
    });
    this._pending.set(id, pending);
    pending.frame = out;
    this.outbox.add(out, { resend });
    if (this.connected) this._writeFrame(out);
    return pending.promise;
  }

  ping() {
    return this.request({ type: 'ping' }, { resend: false });
  }

  joinRoom(room) {
    return this.request({ type: 'room.join', room }).then((ack) => this._entered(room, ack));
  }

  leaveRoom(room) {
    return this.request({ type: 'room.leave', room }).then((ack) => {
      this.rooms = this.rooms.filter((r) => r !== room);
      this.cursors.forget(roomConv(room));
      return ack;
    });
  }

  /**
   * One page of the room's members in user id order: `{ members, next }`. Without `cursor` the first page; pass the
   * previous page's `next` for the following one (absent on the last page). `limit` defaults to the server's page size.
   */
  async members(room, { cursor, limit } = {}) {
    const frame = { type: 'room.members', room };
    if (cursor !== undefined && cursor !== null) frame.cursor = cursor;
    if (limit) frame.limit = limit;
    const reply = await this.request(frame);
    return { room: reply.room, members: reply.members, next: reply.next ?? null };
  }

  /** Every member of the room, page after page (one request per page; a big room is many pages). */
  async allMembers(room, { limit } = {}) {
    const all = [];
    let cursor = null;
    do {
      const page = await this.members(room, { cursor, limit });
      all.push(...page.members);
      cursor = page.next;
    } while (cursor);
    return all;
  }

  /** Creates a room you own; `visibility` 'public' (anyone may join) or 'private' (invited users only). */
  createRoom(room, { visibility = 'public' } = {}) {
    return this.request({ type: 'room.create', room, visibility }).then((ack) => this._entered(room, ack));
  }

  /**
   * After a join or create: the ack's seq is the room's last message as of the join, so everything after it is
   * shown live and everything up to it is history. (A server without it: baseline from the newest message.)
   */
  _entered(room, ack) {
    this._remember(this.rooms, room);
    if (Number.isInteger(ack.seq)) this.cursors.baseline(roomConv(room), ack.seq);
    else this._baseline(roomConv(room));
    return ack;
  }

  // Moderation (owner or admin; see the permission matrix in docs/protocol.md). Each resolves with the ack.
  invite(room, user) {
    return this.request({ type: 'room.invite', room, user });
  }

  kick(room, user, { reason } = {}) {
    return this.request({ type: 'room.kick', room, user, reason });
  }

  mute(room, user, durationMs) {
    return this.request({ type: 'room.mute', room, user, durationMs });
  }

  unmute(room, user) {
    return this.request({ type: 'room.unmute', room, user });
  }

  ban(room, user, { reason } = {}) {
    return this.request({ type: 'room.ban', room, user, reason });
  }

  unban(room, user) {
    return this.request({ type: 'room.unban', room, user });
  }

  /** Owner only: `role` 'admin' or 'member'. */
  setRole(room, user, role) {
    return this.request({ type: 'room.role', room, user, role });
  }

  /** Owner or admin: `notices` 'off' silences the room's join and leave notices, 'auto' brings them back. */
  setNotices(room, notices) {
    return this.request({ type: 'room.notices', room, notices });
  }

  /** Resolves with the ack {conv, seq, ts}. `id` (optional) is the idempotency key; reuse it to retry. */
  sendRoom(room, body, { id } = {}) {
    return this.request({ type: 'room.send', id, room, body: this._encrypt(body, { room }) });
  }

  sendText(room, text, options) {
    return this.sendRoom(room, Body.text(text), options);
  }

  requestDm(to) {
    return this.request({ type: 'dm.request', to });
  }

  acceptDm(from) {
    return this.request({ type: 'dm.accept', from });
  }

  declineDm(from) {
    return this.request({ type: 'dm.decline', from });
  }

  leaveDm(withUser) {
    return this.request({ type: 'dm.leave', with: withUser });
  }

  sendDm(to, body, { id } = {}) {
    return this.request({ type: 'dm.send', id, to, body: this._encrypt(body, { to }) });
  }

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

  // ---- app lifecycle (mini-programs: bindWxAppLifecycle; browsers: visibilitychange/online) --------

  onAppHide() {
    this.hidden = true;
    this._clearProbe();
    if (this.heartbeat.running) this.heartbeat.pause();
  }

  onAppShow() {
    this.hidden = false;
    if (this.state === 'reconnecting') {
      if (!this._live) this.reconnector.now(() => this._open());
      return;
    }
    if (this.state === 'connected') {
      const received = this._received;
      this.heartbeat.resume(); // pings at once
      this._clearProbe();
      this._probeTimer = setTimeout(() => {
        this._probeTimer = null;
        if (this.state === 'connected' && this._received === received) this._drop('no answer after returning to the foreground');
      }, this.options.probeTimeoutMs);
    }
  }

  /** Drops the current connection as if the network failed (then reconnects). Also used for testing. */
  reconnectNow(reason = 'reconnect requested') {
    if (this.state === 'reconnecting' && !this._live) this.reconnector.now(() => this._open());
    else this._drop(reason);
  }

  // ---- connection internals ---------------------------------------------------------------------

  async _open() {
    if (this.state === 'closed') return;
    if (this.auth) this.auth.start();
    this._setState(this._everConnected ? 'reconnecting' : 'connecting');
    const no = ++this._connNo;
    const live = { no, conn: null, welcomed: false, timer: null, channel: null, hello: null, encrypted: false, early: [] };
    this._live = live;
    live.timer = setTimeout(() => {
      if (this._live === live && !live.welcomed) this._drop('connect timeout');
    }, this.options.connectTimeoutMs);
    let target;
    try {
      const token = typeof this.options.token === 'function' ? await this.options.token() : this.options.token;
      target = this._socketTarget(token);
    } catch (err) {
      this._onClose(no, 4997, `token: ${err && err.message}`);
      return;
    }
    if (this._live !== live) return;
    try {
      await this._prepareEncryption(live);
    } catch (err) {
      if (this._live === live) this._onClose(no, ENCRYPTION_UNAVAILABLE, `encryption unavailable: ${err && err.message}`);
      return;
    }
    if (this._live !== live) return;
    try {
      live.conn = this.transport.open(target.url, {
        open: () => this._onOpen(live),
        message: (data) => this._onData(live, data),
        close: (code, reason, info) => this._onClose(no, code, reason, info),
        error: (err) => this.emit('transport.error', err),
      }, { protocols: target.protocols, headers: target.headers });
    } catch (err) {
      this._onClose(no, 1006, err && err.message);
    }
  }

  /** URL, sub-protocols and headers of the upgrade, with the token where `tokenIn` says. */
  _socketTarget(token) {
    const tokenIn = this.options.tokenIn || this.transport.tokenIn || 'query';
    const base = this.options.url || socketUrl(this.options.baseUrl);
    if (tokenIn === 'protocol') return { url: base, protocols: [SUBPROTOCOL, `bearer.${token}`] };
    if (tokenIn === 'header') return { url: base, headers: { Authorization: `Bearer ${token}` } };
    return { url: `${base}${base.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(token)}` };
  }

  /** Fetches the server key and makes this connection's session key; throws only when encryption is required. */
  async _prepareEncryption(live) {
    const mode = this.options.encryption;
    if (mode === 'off') return;
    try {
      if (!this.cryptoProvider) throw new Error('no crypto provider (WebCrypto is not available here)');
      const key = this.options.serverKey || (await this._fetchServerKey());
      const { channel, hello } = await SecureChannel.create(this.cryptoProvider, key, `hello-${this.newId()}`);
      live.channel = channel;
      live.hello = hello;
    } catch (err) {
      if (mode === 'required') throw err;
      this.emit('encryption.skipped', err); // 'optional': plaintext this time
    }
  }

  async _fetchServerKey() {
    const http = this.options.request || fetchRequest();
    const res = await http(`${httpBaseOf(this.options.url || this.options.baseUrl)}/api/crypto/key`, { method: 'GET' });
    if (res.status !== 200 || !res.data) throw new Error(`GET /api/crypto/key answered HTTP ${res.status}`);
    return res.data;
  }

  _onOpen(live) {
    if (this._live !== live || !live.hello) return;
    // The hello must be the first frame: in Optional mode the server decides on the first frame it reads.
    try {
      live.conn.send(JSON.stringify(live.hello));
    } catch (err) {
      this.emit('transport.error', err);
    }
  }

  /**
   * A frame from the transport. While the hello is unanswered, text frames (a plaintext welcome and events in
   * Optional mode) wait, so that nothing is written in plaintext after the hello; binary frames are decrypted
   * in order; a text frame after the session became encrypted is a protocol violation.
   */
  _onData(live, data) {
    if (this._live !== live) return;
    if (typeof data !== 'string') {
      if (!live.channel) {
        this.emit('transport.error', new Error('binary frame in a plaintext session'));
        return;
      }
      live.channel.open(data).then(
        (text) => this._onDecrypted(live, text),
        (err) => this._sessionFailed(live, err.message),
      );
      return;
    }
    if (live.encrypted) {
      this._sessionFailed(live, 'plaintext frame in an encrypted session');
      return;
    }
    if (live.hello) {
      if (this._isHelloRefusal(live, data)) this._encryptionRefused(live);
      else live.early.push(data);
      return;
    }
    this._onText(live.no, data);
  }

  _onDecrypted(live, text) {
    if (this._live !== live) return;
    if (live.encrypted) {
      this._onText(live.no, text);
      return;
    }
    let reply = null;
    try {
      reply = JSON.parse(text);
    } catch {
      // handled below
    }
    if (!reply || reply.type !== 'hello' || reply.re !== live.hello.id) {
      this._sessionFailed(live, 'the first encrypted frame is not the hello reply');
      return;
    }
    live.encrypted = true;
    live.hello = null;
    this.emit('encrypted', { alg: reply.alg });
    this._flushEarly(live);
  }

  /** A server without encryption answers the hello with an error (unknown frame type). */
  _isHelloRefusal(live, text) {
    try {
      const frame = JSON.parse(text);
      return frame.type === 'error' && frame.re === live.hello.id;
    } catch {
      return false;
    }
  }

  _encryptionRefused(live) {
    if (this.options.encryption === 'required') {
      this._dropWith(live, ENCRYPTION_UNAVAILABLE, 'encryption unavailable: the server does not offer it');
      return;
    }
    live.hello = null;
    live.channel = null;
    this.emit('encryption.skipped', new Error('the server does not offer encryption'));
    this._flushEarly(live);
  }

  _flushEarly(live) {
    const early = live.early;
    live.early = [];
    for (const text of early) this._onText(live.no, text);
  }

  /** A server frame failed to decrypt (tampered, replayed, reordered): report it as the server would, 1008. */
  _sessionFailed(live, reason) {
    if (this._live !== live) return;
    this.emit('session.error', new ChatError('encryption_failed', reason));
    this._dropWith(live, POLICY_VIOLATION, reason);
  }

  _dropWith(live, code, reason) {
    this._onClose(live.no, code, reason);
    if (live.conn) live.conn.terminate();
  }

  /** Treats the current connection as lost now and terminates it. */
  _drop(reason) {
    const live = this._live;
    if (!live) return;
    this._onClose(live.no, 4998, reason);
    if (live.conn) live.conn.terminate();
  }

  _onClose(no, code, reason, { status, retryAfterMs } = {}) {
    const live = this._live;
    if (!live || live.no !== no) return; // a stale connection
    this._live = null;
    clearTimeout(live.timer);
    clearTimeout(live.healthy);
    this.heartbeat.stop();
    this.gapRepair.stop();
    this._clearProbe();
    for (const frame of this.outbox.dropNonResendable()) {
      this._settle(frame.id, null, new ChatError('disconnected', `the connection dropped before the reply to ${frame.type}`));
    }
    this.emit('disconnect', code, reason, { status });
    if (this.state === 'closed') return;
    // A draining gateway (1012) or one refusing upgrades while it shuts down (503) is no fault of the client:
    // 1012 reconnects at once with no backoff penalty; 503 retries with backoff, also on the first connect, and
    // no sooner than its Retry-After when the transport can see it (a busy gateway's connect queue is full).
    if (!this._everConnected && status !== 503) {
      const waiter = this._connectWaiter;
      this._connectWaiter = null;
      this._setState('closed', { code, reason });
      for (const id of [...this._pending.keys()]) this._settle(id, null, new ChatError('connect_failed', 'could not connect'));
      if (waiter) waiter.reject(new ChatError('connect_failed', `could not connect (${code}${reason ? `: ${reason}` : ''})`));
      return;
    }
    this._setState('reconnecting', { code, reason, status });
    if (this.hidden) return; // onAppShow reconnects
    if (code === SERVICE_RESTART) this.reconnector.now(() => this._open());
    else this.reconnector.schedule(() => this._open(), retryAfterMs);
  }

  _onText(no, text) {
    const live = this._live;
    if (!live || live.no !== no) return;
    let frame;
    try {
      frame = JSON.parse(text);
    } catch {
      this.emit('transport.error', new Error('unparsable frame from the server'));
      return;
    }
    this.heartbeat.touch();
    this._received += 1;
    this.emit('frame', frame);
    if (frame.type === 'welcome') {
      this._onWelcome(live, frame);
      return;
    }
    if (frame.re != null && REPLY_TYPES.has(frame.type)) {
      if (frame.type === 'pong') this.emit('pong', frame);
      if (this._pending.has(frame.re)) {
        if (frame.type === 'error' && frame.code === 'rate_limited' && this._retryLater(frame)) return;
        if (frame.type === 'error') this._settle(frame.re, null, new ChatError(frame.code, frame.message, frame));
        else this._settle(frame.re, frame);
      } else if (frame.type === 'error') {
        this.emit('error', new ChatError(frame.code, frame.message, frame));
      }
      return;
    }
    switch (frame.type) {
      case 'room.message':
      case 'dm.message':
        this._deliver(frame, false);
        return;
      case 'error':
        this.emit('error', new ChatError(frame.code, frame.message, frame));
        return;
      case 'dm.open':
        this._remember(this.dms, frame.conv);
        this._baseline(frame.conv);
        break;
      case 'dm.left':
        this.dms = this.dms.filter((c) => c !== frame.conv);
        break;
      case 'room.kicked':
      case 'room.banned':
        if (this.user && frame.user.id === this.user.id) {
          this.rooms = this.rooms.filter((r) => r !== frame.room);
          this.cursors.forget(roomConv(frame.room));
        }
        break;
      default:
        break;
    }
    this.emit(frame.type, frame);
  }

  _onWelcome(live, welcome) {
    live.welcomed = true;
    clearTimeout(live.timer);
    const first = !this._everConnected;
    this._everConnected = true;
    this.welcome = welcome;
    this.user = welcome.user;
    this.rooms = [...welcome.rooms];
    this.dms = [...welcome.dms];
    // Reset the backoff only once the connection proved healthy, so a server that accepts and then drops
    // at once is not hammered.
    if (first) this.reconnector.reset();
    else live.healthy = setTimeout(() => this.reconnector.reset(), this.options.healthyAfterMs);
    if (!this.hidden) this.heartbeat.start();
    this.gapRepair.start();
    this._setState('connected', { first });
    this.emit('welcome', welcome, { first });
    if (!first) this._resync();
    for (const frame of this.outbox.due(live.no)) this._writeFrame(frame);
    for (const conv of [...this.rooms.map(roomConv), ...this.dms]) this._baseline(conv);
    if (this._connectWaiter) {
      this._connectWaiter.resolve(welcome);
      this._connectWaiter = null;
    }
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

  /**
   * rate_limited with retryAfterMs: the request stays pending and is written again (same id) once the server's
   * buckets have refilled, unless that is past its deadline or it is not resendable (ping).
   */
  _retryLater(error) {
    const pending = this._pending.get(error.re);
    const item = this.outbox.get(error.re);
    const waitMs = Number(error.retryAfterMs);
    if (!pending || !item || !item.resend || !(waitMs >= 0)) return false;
    this.outbox.defer(error.re, Date.now() + waitMs);
    this.emit('rate_limited', { id: error.re, type: pending.frame.type, retryAfterMs: waitMs });
    clearTimeout(pending.retry);
    pending.retry = setTimeout(() => {
      if (this._pending.get(error.re) === pending) this._writeFrame(pending.frame);
    }, waitMs);
    return true;
  }

  _writeFrame(frame) {
    const live = this._live;
    if (!live || !live.welcomed || !live.conn) return;
    if (this._send(live, JSON.stringify(frame))) this.outbox.markSent(frame.id, live.no);
  }

  _writePing() {
    const live = this._live;
    if (!live || !live.welcomed) return;
    this._send(live, JSON.stringify({ type: 'ping', id: `hb-${this.newId()}` }));
  }

  /** Writes a JSON frame, sealed in an encrypted session (in order: the channel chains its encryptions). */
  _send(live, text) {
    try {
      if (!live.encrypted) {
        live.conn.send(text);
        return true;
      }
      live.channel.seal(text).then(
        (binary) => {
          if (this._live === live) live.conn.send(binary);
        },
        (err) => this._sessionFailed(live, `encryption failed: ${err && err.message}`),
      );
      return true;
    } catch (err) {
      this.emit('transport.error', err);
      return false;
    }
  }

  _settle(id, value, error) {
    const pending = this._pending.get(id);
    if (!pending) return;
    this._pending.delete(id);
    this.outbox.remove(id);
    clearTimeout(pending.timer);
    clearTimeout(pending.retry);
    if (error) pending.reject(error);
    else pending.resolve(value);
  }

  _clearProbe() {
    if (this._probeTimer) {
      clearTimeout(this._probeTimer);
      this._probeTimer = null;
    }
  }

  _remember(list, item) {
    if (!list.includes(item)) list.push(item);
  }

  _setState(state, detail = {}) {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state, detail);
  }
}
