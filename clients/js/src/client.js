// ChatClient: one chat connection for one user; its state, options and the public entry points (connect, close).
import { Emitter } from './emitter.js';
import { Heartbeat, DEFAULT_HEARTBEAT } from './heartbeat.js';
import { Reconnector, DEFAULT_BACKOFF } from './reconnect.js';
import { Outbox } from './outbox.js';
import { Cursors } from './cursors.js';
import { GapRepair, DEFAULT_GAP_REPAIR } from './gap-repair.js';
import { createBrowserTransport } from './transport-browser.js';
import { ChatError } from './errors.js';
import { login, TokenSession } from './auth.js';
import { createWebCryptoProvider } from './session-crypto.js';
import { httpBaseOf } from './wire.js';
import { ClientConnection } from './client-connection.js';
import { ClientEncryption } from './client-encryption.js';
import { ClientDispatch } from './client-dispatch.js';
import { ClientRequests } from './client-requests.js';
import { ClientRooms } from './client-rooms.js';
import { ClientDms } from './client-dms.js';
import { ClientSync } from './client-sync.js';
import { ClientNotify } from './client-notify.js';

export { ChatError, login };
export { Body, roomConv, dmConv, dmPeer, socketUrl, SUBPROTOCOL, describeActivity } from './wire.js';

const ENCRYPTION_MODES = new Set(['off', 'optional', 'required']);

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
 *
 * The class is split by concern, one file per part (see the end of this file): client-connection.js (lifecycle and
 * transport), client-encryption.js (encrypted session handshake), client-dispatch.js (frames to events),
 * client-requests.js (request/reply correlation), client-rooms.js, client-dms.js, client-sync.js (history, sync,
 * delivery) and client-notify.js (WeChat subscribe messages).
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

// The rest of ChatClient lives in one file per concern, like a C# partial class: each part's methods are
// defined on ChatClient.prototype here, and a name defined twice is a mistake caught at load.
for (const part of [ClientConnection, ClientEncryption, ClientDispatch, ClientRequests, ClientRooms, ClientDms, ClientSync, ClientNotify]) {
  for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(part.prototype))) {
    if (name === 'constructor') continue;
    if (Object.prototype.hasOwnProperty.call(ChatClient.prototype, name)) throw new Error(`ChatClient.${name} is defined twice`);
    Object.defineProperty(ChatClient.prototype, name, descriptor);
  }
}
