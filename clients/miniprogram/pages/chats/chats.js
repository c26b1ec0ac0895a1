// The conversation list: rooms and private chats (pinned first, previews, unread badges, peer presence), the
// pending-request inbox, joining and discovering rooms, "notify me" (WeChat subscribe messages) and logout.
const chat = require('../../utils/chat');

Page({
  data: { conversations: [], requests: [], rooms: null, roomName: '', notify: false, me: '', avatarUrl: '' },
  onLoad() {
    const refresh = () => this.setData({ conversations: chat.conversations() });
    const requests = () => this.setData({ requests: chat.requests() });
    const welcome = () => {
      this.setData({ me: chat.user ? chat.user.name : '', notify: chat.notifyTemplates().length > 0 && typeof wx.requestSubscribeMessage === 'function' });
      this.discover();
    };
    this.offs = [chat.on('list', refresh), chat.on('requests', requests), chat.on('welcome', welcome)];
    const profile = chat.profile;
    this.setData({ avatarUrl: (profile && profile.avatarUrl) || '' });
    refresh();
    requests();
    if (chat.user) welcome();
  },
  onUnload() {
    (this.offs || []).forEach((off) => off());
  },
  open(e) {
    const { conv, kind } = e.currentTarget.dataset;
    if (kind === 'dm') return chat.openDm(conv);
    return wx.navigateTo({ url: `/pages/room/room?room=${encodeURIComponent(conv.slice(5))}` });
  },
  onEntryLongPress(e) {
    const { conv, pinned } = e.currentTarget.dataset;
    wx.showActionSheet({
      itemList: [pinned ? 'Unpin' : 'Pin to top'],
      success: (res) => res.tapIndex === 0 && chat.pin(conv, !pinned),
    });
  },
  accept(e) {
    return chat.acceptDm(e.currentTarget.dataset.user);
  },
  decline(e) {
    return chat.declineDm(e.currentTarget.dataset.user);
  },
  cancel(e) {
    return chat.cancelDm(e.currentTarget.dataset.user);
  },
  onRoomName(e) {
    this.setData({ roomName: e.detail.value });
  },
  async join(e) {
    const room = ((e && e.currentTarget.dataset.room) || this.data.roomName).trim();
    if (!room) return;
    try {
      await chat.joinRoom(room);
      this.setData({ roomName: '' });
      wx.navigateTo({ url: `/pages/room/room?room=${encodeURIComponent(room)}` });
    } catch (err) {
      wx.showToast({ title: err.message || String(err), icon: 'none' });
    }
  },
  // Room discovery needs the gateway's room.list; without it the section stays hidden (rooms: null).
  async discover() {
    const rooms = await chat.discoverRooms();
    this.setData({ rooms: rooms && rooms.length ? rooms : null });
  },
  notifyMe() {
    return chat.requestNotify().then(
      () => wx.showToast({ title: 'You will be notified', icon: 'none' }),
      (err) => wx.showToast({ title: err.message || String(err), icon: 'none' }),
    );
  },
  logout() {
    chat.logout();
    wx.reLaunch({ url: '/pages/login/login' });
  },
});
