// Sign in with WeChat: the user picks an avatar and a nickname (WeChat's fill-in components: no profile API
// any more), then wx.login's code is exchanged by the gateway (POST /api/auth/wechat). The development login
// (a typed user id) exists only when utils/config.js turns DEV_LOGIN on.
const chat = require('../../utils/chat');
const config = require('../../utils/config');

Page({
  data: { name: '', avatarUrl: '', devLogin: config.DEV_LOGIN, devId: '', busy: false, error: '' },
  onLoad() {
    if (chat.resume()) wx.redirectTo({ url: '/pages/chats/chats' });
  },
  onChooseAvatar(e) {
    this.setData({ avatarUrl: e.detail.avatarUrl });
  },
  onName(e) {
    this.setData({ name: e.detail.value });
  },
  onDevId(e) {
    this.setData({ devId: e.detail.value });
  },
  async enter() {
    const name = this.data.name.trim();
    if (!name) return this.setData({ error: 'Choose a nickname' });
    this.setData({ busy: true, error: '' });
    try {
      const devId = config.DEV_LOGIN ? this.data.devId.trim() || undefined : undefined;
      await chat.start({ name, avatarUrl: this.data.avatarUrl || undefined, devId });
      wx.redirectTo({ url: '/pages/chats/chats' });
    } catch (err) {
      this.setData({ error: err.message || String(err) });
    }
    return this.setData({ busy: false });
  },
});
