// A group room: the thread (see utils/thread-page.js), members, a private chat from a sender, and the way out
// when the user is kicked or banned.
const chat = require('../../utils/chat');
const threadPage = require('../../utils/thread-page');

Page(threadPage({
  convOf: (query) => chat.roomConv(decodeURIComponent(query.room)),
  title: (conv) => `# ${conv.slice(5)}`,
  onLoaded(conv) {
    this.setData({ room: conv.slice(5) });
    this.offRemoved = chat.on('removed', (room, text) => {
      if (room !== this.data.room) return;
      wx.showModal({ title: this.data.room, content: text, showCancel: false, complete: () => wx.navigateBack() });
    });
    // Joining again is harmless for a member and makes the room live on this connection.
    return chat.joinRoom(this.data.room);
  },
  extra: {
    data: { room: '', members: [], showMembers: false },
    onUnload() {
      if (this.offRemoved) this.offRemoved();
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
        success: (res) => res.tapIndex === 0 && chat.requestDm(user.id),
      });
    },
  },
}));
