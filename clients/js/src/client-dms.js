// Private chats (DMs) API of ChatClient: ask, accept, decline, leave and send.
import { dmConv } from './wire.js';

/** ChatClient methods (private chats); client.js installs them on ChatClient.prototype (a partial class). */
export class ClientDms {
  requestDm(to) {
    return this.request({ type: 'dm.request', to });
  }

  acceptDm(from) {
    return this.request({ type: 'dm.accept', from });
  }

  declineDm(from) {
    return this.request({ type: 'dm.decline', from });
  }

  /** Leaves (or cancels the request of) the private chat with `withUser`; it is gone from `dms` once acked. */
  async leaveDm(withUser) {
    const ack = await this.request({ type: 'dm.leave', with: withUser });
    if (this.user) this.dms = this.dms.filter((c) => c !== dmConv(this.user.id, withUser));
    return ack;
  }

  sendDm(to, body, { id } = {}) {
    return this.request({ type: 'dm.send', id, to, body: this._encrypt(body, { to }) });
  }
}
