// A private conversation (opened after request/accept): read, scroll back, send, leave.
const chat = require('../../utils/chat');

Page({
  data: { conv: '', peer: '', messages: [], more: false, draft: '', lastKey: '' },
  onLoad(query) {
    const conv = decodeURIComponent(query.conv);
    const peer = chat.peerOf(conv);
    this.setData({ conv, peer });
    wx.setNavigationBarTitle({ title: peer });
    this.unsubscribe = chat.subscribe(conv, (c) => {
      const last = c.messages[c.messages.length - 1];
      this.setData({ messages: c.messages, more: c.more, lastKey: last ? last.key : '' });
    });
    chat.loadNewest(conv).catch((err) => wx.showToast({ title: err.message, icon: 'none' }));
  },
  onUnload() {
    if (this.unsubscribe) this.unsubscribe();
  },
  onDraft(e) {
    this.setData({ draft: e.detail.value });
  },
  send() {
    const text = this.data.draft.trim();
    if (!text) return;
    this.setData({ draft: '' });
    chat.sendDmText(this.data.peer, text);
  },
  older() {
    chat.loadOlder(this.data.conv);
  },
  leave() {
    chat.leaveDm(this.data.peer).then(() => wx.navigateBack());
  },
});
