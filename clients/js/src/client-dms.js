// Private chats (DMs) API of ChatClient: ask, accept, decline, leave and send.

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

  leaveDm(withUser) {
    return this.request({ type: 'dm.leave', with: withUser });
  }

  sendDm(to, body, { id } = {}) {
    return this.request({ type: 'dm.send', id, to, body: this._encrypt(body, { to }) });
  }
}
