// A private chat: the thread (see utils/thread-page.js), the peer's presence, leave.
const chat = require('../../utils/chat');
const threadPage = require('../../utils/thread-page');

Page(threadPage({
  convOf: (query) => decodeURIComponent(query.conv),
  title: (conv) => chat.peerOf(conv),
  onLoaded(conv) {
    const peer = chat.peerOf(conv);
    this.setData({ peer, online: chat.online(conv) });
    // The list (conv.list's `online`) and dm.presence events both move it; the list may come after this page.
    const show = () => this.setData({ online: chat.online(conv) });
    this.offPresence = [chat.on('presence', show), chat.on('list', show)];
    return Promise.resolve();
  },
  extra: {
    data: { peer: '', online: false },
    onUnload() {
      (this.offPresence || []).forEach((off) => off());
    },
    leave() {
      return chat.leaveDm(this.data.peer).then(() => wx.navigateBack());
    },
  },
}));
