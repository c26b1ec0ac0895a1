const chat = require('../../utils/chat');

Page({
  data: { name: '', busy: false, error: '' },
  onLoad() {
    if (chat.resume()) wx.redirectTo({ url: '/pages/room/room' });
  },
  onName(e) {
    this.setData({ name: e.detail.value });
  },
  async enter() {
    if (!this.data.name.trim()) return;
    this.setData({ busy: true, error: '' });
    try {
      await chat.start(this.data.name);
      wx.redirectTo({ url: '/pages/room/room' });
    } catch (err) {
      this.setData({ error: err.message || String(err) });
    } finally {
      this.setData({ busy: false });
    }
  },
});
