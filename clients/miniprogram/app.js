// Thin app shell: the chat connection lives in utils/chat.js (one socket for the whole app); the login page
// resumes a stored session. The SDK listens to wx.onAppShow/onAppHide itself (bindWxAppLifecycle).
App({
  globalData: {},
});
