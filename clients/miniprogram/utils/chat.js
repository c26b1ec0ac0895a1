// The one chat connection of the mini-program (mini-programs allow 5 sockets; the SDK keeps exactly one) and what
// the pages show: the conversation list (the SDK's ConversationStore: welcome + conv.list, unread, pins, typing,
// requests), one thread per open conversation, DM presence, uploads in progress. Pages subscribe with on(event)
// and call the actions below; they hold no chat state of their own.
const sdk = require('./orleanschat.min.js');
const config = require('./config');
const session = require('./session');

const CURSORS_KEY = 'orleanschat.cursors';
const MEDIA_KINDS = { image: '[Image]', audio: '[Voice]', recall: '[Recalled]', recalled: '[Recalled]' };

let client = null;
let store = null; // ConversationStore
let uploader = null;
let threads = {}; // conv -> {messages, seqs, more, oldest, loaded, readBy}
let presence = {}; // dm conv -> {online, version}
let openWhenAccepted = {}; // dm conv -> true: show the DM page as soon as it opens (we asked or accepted)
let pendingNo = 0;
const bus = new sdk.Emitter(); // 'state', 'list', 'requests', 'thread' (conv), 'typing' (conv), 'removed' (room)

function me() {
  return client && client.user ? client.user.id : null;
}

function toastError(err) {
  wx.showToast({ title: (err && (err.message || err.code)) || 'error', icon: 'none' });
}

function thread(conv) {
  if (!threads[conv]) threads[conv] = { conv, messages: [], seqs: {}, more: false, oldest: null, loaded: false, readBy: 0 };
  return threads[conv];
}

function changed(conv) {
  bus.emit('thread', conv, thread(conv));
}

// Media URLs are signed and relative to the gateway: absolute for <image> and InnerAudioContext.
function viewBody(body) {
  if (!body || (body.kind !== 'image' && body.kind !== 'audio')) return body;
  return { ...body, url: sdk.mediaUrl(config.BASE_URL, body.url), thumbUrl: sdk.mediaUrl(config.BASE_URL, body.thumbUrl || body.url) };
}

function addMessage(m) {
  const t = thread(m.conv);
  if (t.seqs[m.seq]) return false;
  t.seqs[m.seq] = true;
  if (t.oldest === null || m.seq < t.oldest) t.oldest = m.seq;
  if (m.body && m.body.kind === 'recall') {
    // The recall is a message of its own: blank the recalled one (if shown) and show nothing for the recall.
    const target = t.messages.find((x) => x.seq === m.body.seq);
    if (target) target.body = { kind: 'recalled' };
    return true;
  }
  const mine = !!(m.from && m.from.id === me());
  const item = { key: `m${m.seq}`, seq: m.seq, ts: m.ts, from: m.from, body: viewBody(m.body), mine };
  let i = t.messages.length;
  while (i > 0 && t.messages[i - 1].seq > m.seq) i--;
  t.messages.splice(i, 0, item);
  return true;
}

function addNotice(conv, text) {
  const t = thread(conv);
  const last = t.messages.length ? t.messages[t.messages.length - 1].seq : 0;
  t.messages.push({ key: `n${Date.now()}${Math.random().toString(36).slice(2)}`, seq: last + 0.5, notice: text });
  changed(conv);
}

function previewOf(entry) {
  const last = entry.last;
  if (!last) return '';
  const text = last.kind === 'text' ? last.text : MEDIA_KINDS[last.kind] || '';
  return entry.kind === 'room' && last.from ? `${last.from.name}: ${text}` : text;
}

function onlineOf(entry) {
  const p = presence[entry.conv];
  return p ? p.online : !!entry.online;
}

function saveCursors() {
  if (client) wx.setStorageSync(CURSORS_KEY, client.cursors.toJSON());
}

function isMe(user) {
  return !!user && user.id === me();
}

function wire(c) {
  c.on('state', (state) => bus.emit('state', state));
  c.on('message', (m) => {
    if (addMessage(m)) changed(m.conv);
    saveCursors();
  });
  c.on('room.joined', (e) => addNotice(sdk.roomConv(e.room), `${e.user.name} joined`));
  c.on('room.left', (e) => addNotice(sdk.roomConv(e.room), `${e.user.name} left`));
  c.on('room.activity', (e) => addNotice(sdk.roomConv(e.room), sdk.describeActivity(e)));
  const removed = (verb) => (e) => {
    const conv = sdk.roomConv(e.room);
    if (!isMe(e.user)) return addNotice(conv, `${e.user.name} was ${verb} by ${e.by.name}`);
    delete threads[conv];
    store.refresh().catch(() => {});
    bus.emit('removed', e.room, `You were ${verb} from ${e.room}${e.reason ? `: ${e.reason}` : ''}`);
    return undefined;
  };
  c.on('room.kicked', removed('removed'));
  c.on('room.banned', removed('banned'));
  c.on('dm.request', (e) => wx.showToast({ title: `${e.from.name} asks to chat`, icon: 'none' }));
  c.on('dm.open', (e) => {
    addNotice(e.conv, `Private chat with ${e.with.name} is open`);
    if (typeof e.online === 'boolean' && !presence[e.conv]) presence[e.conv] = { online: e.online, version: 0 };
    if (openWhenAccepted[e.conv]) {
      delete openWhenAccepted[e.conv];
      openDm(e.conv);
    }
  });
  c.on('dm.declined', (e) => wx.showToast({ title: `${e.by.name} declined`, icon: 'none' }));
  c.on('dm.left', (e) => addNotice(e.conv, `${e.by.name} left the private chat`));
  c.on('dm.presence', (e) => {
    const known = presence[e.conv];
    if (known && known.version >= e.version) return; // two quick changes may arrive swapped
    presence[e.conv] = { online: e.online, version: e.version };
    bus.emit('list');
    bus.emit('presence', e.conv, e.online);
  });
  c.on('welcome', () => bus.emit('welcome'));
}

function wireStore(s) {
  s.on('change', () => bus.emit('list'));
  s.on('requests', () => bus.emit('requests'));
  s.on('typing', (e) => {
    bus.emit('typing', e.conv);
    setTimeout(() => bus.emit('typing', e.conv), 6100); // a typist who stops renewing fades out
  });
  s.on('receipt', (e) => {
    if (Array.isArray(e.reads)) { changed(e.conv); return; } // a room's read counts: the page asks readCount
    const t = thread(e.conv);
    if (e.user === me() || e.seq <= t.readBy) return;
    t.readBy = e.seq;
    changed(e.conv);
  });
}

function createClient() {
  client = new sdk.ChatClient({
    baseUrl: config.BASE_URL,
    token: () => session.token(),
    transport: sdk.createWxTransport(wx),
    request: sdk.wxRequest(wx),
    encryption: config.ENCRYPTION,
    cryptoProvider: sdk.createForgeCryptoProvider({ wx }),
    cursors: wx.getStorageSync(CURSORS_KEY) || {},
  });
  sdk.bindWxAppLifecycle(client, wx); // pause the heartbeat in the background, reconnect promptly on show
  store = new sdk.ConversationStore(client);
  uploader = new sdk.MediaUploader({ baseUrl: config.BASE_URL, token: () => session.token(), wx });
  wire(client);
  wireStore(store);
  return client;
}

function openDm(conv) {
  wx.navigateTo({ url: `/pages/dm/dm?conv=${encodeURIComponent(conv)}` });
}

/** An upload, retried once after a new login when the gateway answers 401 (an expired or revoked token). */
async function upload(path, options) {
  try {
    return await uploader.upload(path, options);
  } catch (err) {
    if (err.code !== 'unauthorized' && err.code !== 'http_401') throw err;
    await session.loginAgain();
    return uploader.upload(path, options);
  }
}

/** Sends a picked image or a recording: shown at once with its upload progress, replaced by the message. */
async function sendMedia(target, conv, kind, path) {
  const t = thread(conv);
  const pending = { key: `p${++pendingNo}`, seq: Number.MAX_SAFE_INTEGER, pending: true, mine: true, progress: 0, body: { kind, localPath: path } };
  t.messages.push(pending);
  changed(conv);
  const drop = () => {
    t.messages = t.messages.filter((x) => x !== pending);
    changed(conv);
  };
  try {
    const done = await upload(path, { onProgress: (f) => { pending.progress = Math.round(f * 100); changed(conv); } });
    await sdk.sendUpload(client, target, done);
    drop();
  } catch (err) {
    drop();
    toastError(err);
  }
}

// Typing is best effort: a lost one is renewed by the next keystroke.
function quiet(request) {
  if (request && request.catch) request.catch(() => {});
}

function targetOf(conv) {
  return conv.indexOf('room:') === 0 ? { room: conv.slice(5) } : { to: sdk.dmPeer(conv, me()) };
}

const chat = {
  /** Logs in ({name, avatarUrl, devId?}: devId only with config.DEV_LOGIN) and connects. */
  async start(profile) {
    await session.signIn(profile);
    if (!client) createClient();
    return client.connect();
  },

  /** Reconnects with a stored, valid session; false when the user must log in. */
  resume() {
    if (!session.resume()) return false;
    if (!client) createClient();
    client.connect().catch(toastError);
    return true;
  },

  /** Closes the connection and forgets everything of the user: session, profile, cursors, lists, threads. */
  logout() {
    if (client) client.close();
    if (store) store.detach();
    client = null;
    store = null;
    uploader = null;
    threads = {};
    presence = {};
    openWhenAccepted = {};
    session.clear();
    wx.removeStorageSync(CURSORS_KEY);
    bus.emit('state', 'idle');
  },

  on: (event, fn) => bus.on(event, fn),

  get client() {
    return client;
  },
  get user() {
    return client && client.user;
  },
  get profile() {
    return session.profile;
  },
  get state() {
    return client ? client.state : 'idle';
  },
  get encrypted() {
    return !!(client && client.encrypted);
  },

  /** The list as the chats page shows it: pinned first, then the newest activity. */
  conversations() {
    if (!store) return [];
    return store.list.map((e) => ({
      conv: e.conv,
      kind: e.kind,
      title: e.kind === 'room' ? `# ${e.title}` : e.title,
      preview: previewOf(e),
      unread: e.muted ? 0 : e.unread || 0,
      pinned: !!e.pinned,
      online: e.kind === 'dm' && onlineOf(e),
    }));
  },

  requests() {
    return store ? store.requests.map((r) => ({ conv: r.conv, user: r.user, incoming: !!r.incoming })) : [];
  },

  /** How many members read your room message `seq` (undefined until the room sends a receipt covering it). */
  readCount(conv, seq) {
    return store ? store.readCount(conv, seq) : undefined;
  },

  /** Template ids of WeChat subscribe messages the gateway announces (none: no "notify me"). */
  notifyTemplates() {
    const w = client && client.welcome;
    const templates = w && w.notify && w.notify.templates;
    return Array.isArray(templates) ? templates : [];
  },

  /** Asks the user for subscribe-message credits and tells the gateway what they granted. */
  requestNotify() {
    const tmplIds = chat.notifyTemplates();
    return new Promise((resolve, reject) => wx.requestSubscribeMessage({
      tmplIds,
      success: (result) => {
        if (typeof client.reportNotifyCredits === 'function') Promise.resolve(client.reportNotifyCredits(result)).then(resolve, reject);
        else resolve(result);
      },
      fail: (err) => reject(new Error((err && err.errMsg) || 'requestSubscribeMessage failed')),
    }));
  },

  async pin(conv, pinned) {
    return store.pin(conv, pinned);
  },

  thread(conv) {
    return thread(conv);
  },

  typingIn(conv) {
    if (!store) return [];
    return store.typingIn(conv);
  },

  online(conv) {
    const entry = store && store.byConv.get(conv);
    return entry ? onlineOf(entry) : !!(presence[conv] && presence[conv].online);
  },

  async joinRoom(room) {
    await client.joinRoom(room);
    store.refresh().catch(() => {});
    return room;
  },

  /** Public rooms to discover; null when the gateway (or this SDK) has no room.list. */
  async discoverRooms() {
    try {
      const reply = typeof client.listRooms === 'function' ? await client.listRooms() : await client.request({ type: 'room.list' });
      return (reply.rooms || []).map((r) => (typeof r === 'string' ? { room: r } : { room: r.room || r.name, members: r.members }));
    } catch (err) {
      return null;
    }
  },

  async loadNewest(conv) {
    const t = thread(conv);
    if (t.loaded) return t;
    const page = await client.history(conv, { limit: config.PAGE_SIZE });
    page.messages.forEach(addMessage);
    t.more = page.more;
    t.loaded = true;
    changed(conv);
    return t;
  },

  async loadOlder(conv) {
    const t = thread(conv);
    if (!t.more) return t;
    const page = await client.history(conv, { before: t.oldest, limit: config.PAGE_SIZE });
    page.messages.forEach(addMessage);
    t.more = page.more;
    changed(conv);
    return t;
  },

  /** Marks what the open thread shows as read (the badge clears; the DM peer gets a receipt). */
  markRead(conv) {
    const t = thread(conv);
    const last = t.messages.filter((m) => !m.notice && !m.pending).pop();
    if (!last || !store) return Promise.resolve(null);
    const entry = store.byConv.get(conv);
    if (entry && (entry.readSeq || 0) >= last.seq) return Promise.resolve(null);
    return store.markRead(conv, last.seq).catch(() => null);
  },

  sendText(conv, text) {
    const body = sdk.Body.text(text);
    const target = targetOf(conv);
    quiet(store && store.typing(conv, false));
    return (target.room ? client.sendRoom(target.room, body) : client.sendDm(target.to, body)).catch(toastError);
  },

  typing(conv) {
    quiet(store && store.typing(conv, true));
  },

  /** wx.chooseMedia, then upload with progress, then send. */
  async sendImage(conv) {
    let path;
    try {
      path = await sdk.wxChooseImage(wx);
    } catch (err) {
      return; // cancelled
    }
    await sendMedia(targetOf(conv), conv, 'image', path);
  },

  /** Hold-to-talk: returns {stop(), cancel()}; stop() uploads and sends the recording. */
  recordVoice(conv) {
    const started = Date.now();
    const recording = sdk.wxRecordVoice(wx, { maxMs: config.VOICE_MAX_MS });
    return {
      async stop() {
        const path = await recording.stop();
        if (Date.now() - started < config.VOICE_MIN_MS) return wx.showToast({ title: 'Hold to talk', icon: 'none' });
        return sendMedia(targetOf(conv), conv, 'audio', path);
      },
      cancel() {
        recording.stop().catch(() => {});
      },
    };
  },

  recall(conv, seq) {
    return store.recall(conv, seq).catch(toastError);
  },

  members(room) {
    return client.members(room).then((r) => r.members);
  },

  /** Asks for a private chat; the DM page opens by itself once the peer accepts. */
  requestDm(userId) {
    openWhenAccepted[sdk.dmConv(me(), userId)] = true;
    return client.requestDm(userId).then(() => wx.showToast({ title: 'Request sent', icon: 'none' }), toastError);
  },

  acceptDm(userId) {
    openWhenAccepted[sdk.dmConv(me(), userId)] = true;
    return client.acceptDm(userId).catch(toastError);
  },

  declineDm(userId) {
    return client.declineDm(userId).then(() => store.loadRequests(), toastError);
  },

  cancelDm(userId) {
    return store.cancelRequest(userId).then(() => store.loadRequests(), toastError);
  },

  leaveDm(userId) {
    return client.leaveDm(userId).then(() => store.refresh(), toastError);
  },

  openDm,
  peerOf: (conv) => sdk.dmPeer(conv, me()),
  roomConv: (room) => sdk.roomConv(room),
};

module.exports = chat;
