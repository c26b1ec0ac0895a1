// The one chat connection of the mini-program, on top of the SDK's dist build (copy it here with
// `npm run build` in clients/js). Pages stay thin: they subscribe to a conversation and call
// the actions below. Mini-programs allow 5 sockets; the SDK keeps exactly one.
const sdk = require('./orleanschat.min.js');
const config = require('./config');

const SESSION_KEY = 'orleanschat.session';
const CURSORS_KEY = 'orleanschat.cursors';

let client = null;
let session = null;
const store = {}; // conv -> {messages: [], seqs: {}, more, oldest}
const listeners = {}; // conv -> [fn]
const stateListeners = [];

function conversation(conv) {
  if (!store[conv]) store[conv] = { messages: [], seqs: {}, more: false, oldest: null, loaded: false };
  return store[conv];
}

function notify(conv) {
  (listeners[conv] || []).forEach((fn) => fn(store[conv]));
}

function addMessage(conv, m) {
  const c = conversation(conv);
  if (c.seqs[m.seq]) return false;
  c.seqs[m.seq] = true;
  if (c.oldest === null || m.seq < c.oldest) c.oldest = m.seq;
  const mine = session && m.from.id === session.user.id;
  const item = { key: `m${m.seq}`, seq: m.seq, ts: m.ts, from: m.from, body: m.body, mine };
  let i = c.messages.length;
  while (i > 0 && c.messages[i - 1].seq > m.seq) i--;
  c.messages.splice(i, 0, item);
  return true;
}

function addNotice(conv, text) {
  const c = conversation(conv);
  const last = c.messages.length ? c.messages[c.messages.length - 1].seq : 0;
  c.messages.push({ key: `n${Date.now()}${Math.random()}`, seq: last + 0.5, notice: text });
  notify(conv);
}

function saveCursors() {
  if (client) wx.setStorageSync(CURSORS_KEY, client.cursors.toJSON());
}

function createClient() {
  client = new sdk.ChatClient({
    baseUrl: config.BASE_URL,
    token: async () => {
      // Log in again shortly before the token expires (the development login has no password).
      if (Date.parse(session.expiresAt) - Date.now() < 60000) await login(session.profile.name, session.profile.openId);
      return session.token;
    },
    transport: sdk.createWxTransport(wx),
    cursors: wx.getStorageSync(CURSORS_KEY) || {},
  });
  sdk.bindWxAppLifecycle(client, wx); // pause the heartbeat in the background, reconnect promptly on show
  client.on('state', (state) => stateListeners.forEach((fn) => fn(state)));
  client.on('message', (m) => {
    if (addMessage(m.conv, m)) notify(m.conv);
    saveCursors();
  });
  client.on('room.joined', (e) => addNotice(sdk.roomConv(e.room), `${e.user.name} joined`));
  client.on('room.left', (e) => addNotice(sdk.roomConv(e.room), `${e.user.name} left`));
  // Big rooms announce joins and leaves together, at most once a second: one line such as "12 joined, 3 left".
  client.on('room.activity', (e) => addNotice(sdk.roomConv(e.room), sdk.describeActivity(e)));
  client.on('dm.request', (e) => {
    wx.showModal({
      title: 'Private chat',
      content: `${e.from.name} wants to chat with you`,
      confirmText: 'Accept',
      cancelText: 'Decline',
      success: (res) => {
        if (res.confirm) client.acceptDm(e.from.id).then(() => openDm(e.conv), toastError);
        else client.declineDm(e.from.id).catch(toastError);
      },
    });
  });
  client.on('dm.open', (e) => addNotice(e.conv, `Private chat with ${e.with.name} is open`));
  client.on('dm.declined', (e) => wx.showToast({ title: `${e.by.name} declined`, icon: 'none' }));
  client.on('dm.left', (e) => addNotice(e.conv, `${e.by.name} left the private chat`));
  return client;
}

function toastError(err) {
  wx.showToast({ title: (err && (err.message || err.code)) || 'error', icon: 'none' });
}

function openDm(conv) {
  wx.navigateTo({ url: `/pages/dm/dm?conv=${encodeURIComponent(conv)}` });
}

async function login(name, openId) {
  const profile = { openId: openId || name.trim().toLowerCase().replace(/\s+/g, '_'), name: name.trim() };
  const issued = await sdk.login(config.BASE_URL, profile, { request: sdk.wxRequest(wx) });
  session = { token: issued.token, expiresAt: issued.expiresAt, user: issued.user, profile };
  wx.setStorageSync(SESSION_KEY, session);
  return session;
}

module.exports = {
  /** Logs in (development login) and connects. */
  async start(name) {
    await login(name);
    if (!client) createClient();
    return client.connect();
  },

  /** Reconnects with a stored, unexpired session; false when the user must log in. */
  resume() {
    const stored = wx.getStorageSync(SESSION_KEY);
    if (!stored || !stored.token || Date.parse(stored.expiresAt) <= Date.now()) return false;
    session = stored;
    if (!client) createClient();
    client.connect().catch(toastError);
    return true;
  },

  /** Closes the connection and forgets the session. */
  logout() {
    if (client) client.close();
    client = null;
    session = null;
    wx.removeStorageSync(SESSION_KEY);
  },

  get user() {
    return session && session.user;
  },

  get state() {
    return client ? client.state : 'idle';
  },

  onState(fn) {
    stateListeners.push(fn);
    return () => stateListeners.splice(stateListeners.indexOf(fn), 1);
  },

  /** Calls fn(conversation) now and on every change; returns the unsubscribe function. */
  subscribe(conv, fn) {
    (listeners[conv] = listeners[conv] || []).push(fn);
    fn(conversation(conv));
    return () => listeners[conv].splice(listeners[conv].indexOf(fn), 1);
  },

  async joinRoom(room) {
    await client.joinRoom(room);
    return this.loadNewest(sdk.roomConv(room));
  },

  async loadNewest(conv) {
    const c = conversation(conv);
    if (c.loaded) return c;
    const page = await client.history(conv, { limit: config.PAGE_SIZE });
    page.messages.forEach((m) => addMessage(conv, m));
    c.more = page.more;
    c.loaded = true;
    notify(conv);
    return c;
  },

  async loadOlder(conv) {
    const c = conversation(conv);
    if (!c.more) return c;
    const page = await client.history(conv, { before: c.oldest, limit: config.PAGE_SIZE });
    page.messages.forEach((m) => addMessage(conv, m));
    c.more = page.more;
    notify(conv);
    return c;
  },

  sendRoomText(room, text) {
    return client.sendRoom(room, sdk.Body.text(text)).catch(toastError);
  },

  sendImage(target, url) {
    const body = sdk.Body.image(url);
    return (target.room ? client.sendRoom(target.room, body) : client.sendDm(target.to, body)).catch(toastError);
  },

  sendDmText(to, text) {
    return client.sendDm(to, sdk.Body.text(text)).catch(toastError);
  },

  members(room) {
    return client.members(room).then((r) => r.members);
  },

  requestDm(userId) {
    return client.requestDm(userId).then(() => wx.showToast({ title: 'Request sent', icon: 'none' }), toastError);
  },

  leaveDm(userId) {
    return client.leaveDm(userId).catch(toastError);
  },

  peerOf(conv) {
    return sdk.dmPeer(conv, session.user.id);
  },

  roomConv: (room) => sdk.roomConv(room),
};
