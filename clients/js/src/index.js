export { ChatClient, ChatError, Body, login, socketUrl, roomConv, dmConv, dmPeer } from './client.js';
export { createBrowserTransport, fetchRequest } from './transport-browser.js';
export { createWxTransport, wxRequest, bindWxAppLifecycle } from './transport-wx.js';
export { Heartbeat, DEFAULT_HEARTBEAT } from './heartbeat.js';
export { Reconnector, backoffDelay, backoffCeiling, DEFAULT_BACKOFF } from './reconnect.js';
export { Outbox } from './outbox.js';
export { Cursors } from './cursors.js';
export { Emitter } from './emitter.js';
