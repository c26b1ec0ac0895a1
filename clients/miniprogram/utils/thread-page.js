// What the room and DM pages share: the thread (live, with scroll-back), the composer (text, image, hold-to-talk
// voice), typing, read ticks, recall by long-press, read marking. `extra` adds each page's own data and methods.
const chat = require('./chat');

// Ticks on your own messages: in a DM read (the peer's receipt), in a room how many members read it (the room's
// aggregated receipt; rooms above the server's receipt cap send none, and show none).
function view(t) {
  const room = t.conv.startsWith('room:');
  return t.messages.map((m) => {
    if (m.notice || !m.mine || m.pending) return m;
    return room ? { ...m, readCount: chat.readCount(t.conv, m.seq) } : { ...m, read: t.readBy >= m.seq };
  });
}

function typingLine(conv) {
  const ids = chat.typingIn(conv);
  return ids.length ? `${ids.length === 1 ? 'typing' : `${ids.length} people typing`}…` : '';
}

module.exports = function threadPage({ convOf, title, onLoaded, extra = {} }) {
  const { data: extraData, onUnload: extraUnload, ...methods } = extra;
  const page = {
    data: { conv: '', messages: [], more: false, draft: '', lastKey: '', typing: '', recording: false, ...(extraData || {}) },
    onLoad(query) {
      const conv = convOf(query);
      this.setData({ conv });
      wx.setNavigationBarTitle({ title: title(conv) });
      const show = (t) => {
        const messages = view(t);
        const last = messages[messages.length - 1];
        this.setData({ messages, more: t.more, lastKey: last ? last.key : '' });
      };
      this.offs = [
        chat.on('thread', (c, t) => {
          if (c !== conv) return;
          show(t);
          if (this.visible) chat.markRead(conv);
        }),
        chat.on('typing', (c) => c === conv && this.setData({ typing: typingLine(conv) })),
      ];
      show(chat.thread(conv));
      this.visible = true;
      const loaded = (onLoaded ? onLoaded.call(this, conv) : Promise.resolve()).then(() => chat.loadNewest(conv));
      this.ready = loaded.then(() => chat.markRead(conv), (err) => wx.showToast({ title: err.message || String(err), icon: 'none' }));
    },
    onShow() {
      this.visible = true;
    },
    onHide() {
      this.visible = false;
    },
    onUnload() {
      this.visible = false;
      (this.offs || []).forEach((off) => off());
      if (extraUnload) extraUnload.call(this);
    },
    onDraft(e) {
      this.setData({ draft: e.detail.value });
      if (e.detail.value) chat.typing(this.data.conv);
    },
    send() {
      const text = this.data.draft.trim();
      if (!text) return Promise.resolve();
      this.setData({ draft: '' });
      return chat.sendText(this.data.conv, text);
    },
    chooseImage() {
      return chat.sendImage(this.data.conv);
    },
    // Hold-to-talk: press starts the recorder, release sends, sliding away (touchcancel) drops it.
    voiceStart() {
      this.setData({ recording: true });
      this.recording = chat.recordVoice(this.data.conv);
    },
    voiceEnd() {
      const recording = this.recording;
      this.recording = null;
      this.setData({ recording: false });
      return recording ? recording.stop() : Promise.resolve();
    },
    voiceCancel() {
      if (this.recording) this.recording.cancel();
      this.recording = null;
      this.setData({ recording: false });
    },
    older() {
      return chat.loadOlder(this.data.conv);
    },
    onMessageLongPress(e) {
      const m = e.detail.message;
      if (!m || !m.mine || m.pending || (m.body && m.body.kind === 'recalled')) return;
      wx.showActionSheet({
        itemList: ['Recall'],
        success: (res) => res.tapIndex === 0 && chat.recall(this.data.conv, m.seq),
      });
    },
    onSenderTap() {},
  };
  return Object.assign(page, methods);
};
