// Frame dispatch of ChatClient: each server frame to its pending request, to the client's state and to events.
import { ChatError } from './errors.js';
import { roomConv } from './wire.js';

// The reply types of docs/protocol.md; any other frame whose `re` names a pending request settles it too.
const REPLY_TYPES = new Set(['ack', 'error', 'pong', 'members', 'history', 'sync', 'conversations', 'dm.requests', 'blocks', 'readers', 'rooms', 'notify.credits']);

/** ChatClient methods (incoming frames); client.js installs them on ChatClient.prototype (a partial class). */
export class ClientDispatch {
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
    // A reply is any frame carrying `re`: the fixed set below, and the typed replies of newer requests
    // (`conversations`, `dm.requests`, `blocks`, `readers`...) that settle the request waiting for them.
    if (frame.re != null && (REPLY_TYPES.has(frame.type) || this._pending.has(frame.re))) {
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
}
