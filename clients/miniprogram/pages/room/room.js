// A group room: join, read (with scroll-back), send, see members, start a private chat from a sender.
const chat = require('../../utils/chat');
const config = require('../../utils/config');

Page({
  data: { room: '', messages: [], more: false, draft: '', members: [], showMembers: false, lastKey: '' },
  async onLoad(query) {
    const room = query.room || config.ROOM;
    this.setData({ room });
    wx.setNavigationBarTitle({ title: `# ${room}` });
    this.unsubscribe = chat.subscribe(chat.roomConv(room), (c) => {
      const last = c.messages[c.messages.length - 1];
      this.setData({ messages: c.messages, more: c.more, lastKey: last ? last.key : '' });
    });
    try {
      await chat.joinRoom(room);
    } catch (err) {
      wx.showToast({ title: err.message, icon: 'none' });
    }
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
    chat.sendRoomText(this.data.room, text);
  },
  chooseImage() {
    // Media is sent by https URL: upload it to your CDN/object store first, then send the URL.
    wx.showModal({
      title: 'Image URL',
      editable: true,
      placeholderText: 'https://…',
      success: (res) => res.confirm && res.content && chat.sendImage({ room: this.data.room }, res.content),
    });
  },
  older() {
    chat.loadOlder(chat.roomConv(this.data.room));
  },
  async toggleMembers() {
    const show = !this.data.showMembers;
    this.setData({ showMembers: show });
    if (show) this.setData({ members: await chat.members(this.data.room) });
  },
  onSenderTap(e) {
    const user = e.detail.user;
    if (!user || (chat.user && user.id === chat.user.id)) return;
    wx.showActionSheet({
      itemList: [`Chat privately with ${user.name}`],
      success: () => chat.requestDm(user.id),
    });
  },
});
