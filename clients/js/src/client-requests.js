// Request/reply correlation of ChatClient: pending requests by frame id, the outbox, timeouts, rate_limited retries.
import { ChatError } from './errors.js';
import { ENCRYPTED_OVERHEAD } from './session-crypto.js';

const SEND_TYPES = new Set(['room.send', 'dm.send']);
const DEFAULT_MAX_FRAME_BYTES = 65536; // the gateway closes the socket (1009) beyond its Sockets:MaxFrameBytes

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

/** ChatClient methods (requests and their replies); client.js installs them on ChatClient.prototype (a partial class). */
export class ClientRequests {
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
}
