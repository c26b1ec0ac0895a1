// Connection lifecycle of ChatClient: open the transport, lose it, reconnect with backoff, app hide/show, write frames.
import { ChatError } from './errors.js';
import { socketUrl, SUBPROTOCOL } from './wire.js';
import { ENCRYPTION_UNAVAILABLE } from './client-encryption.js';

const SERVICE_RESTART = 1012;

/** ChatClient methods (the connection); client.js installs them on ChatClient.prototype (a partial class). */
export class ClientConnection {
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
}
