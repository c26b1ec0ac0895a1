// Thin app shell: the chat connection lives in utils/chat.js (one socket for the whole app).
const chat = require('./utils/chat');

App({
  onLaunch() {
    // Resume a stored session (token still valid) without showing the login page again.
    chat.resume();
  },
  // The SDK also listens through wx.onAppShow/onAppHide (bindWxAppLifecycle); nothing else to do here.
  globalData: {},
});
