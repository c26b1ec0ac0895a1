// Encrypted session handshake of ChatClient: server key, hello, decrypting frames, falling back or failing.
import { ChatError } from './errors.js';
import { fetchRequest } from './transport-browser.js';
import { SecureChannel } from './session-crypto.js';
import { httpBaseOf } from './wire.js';

const POLICY_VIOLATION = 1008;
export const ENCRYPTION_UNAVAILABLE = 4996; // local: encryption 'required' but the server or the platform cannot

/** ChatClient methods (the encrypted session); client.js installs them on ChatClient.prototype (a partial class). */
export class ClientEncryption {
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
}
