// OrleansChat web client: plain ES modules on top of the SDK (served at /sdk/ by the gateway).
import { ChatClient, Body, login, refreshToken, roomConv, dmConv, dmPeer, describeActivity } from './sdk/index.js';
import { setupMediaUi, renderImage } from './media-ui.js';

const $ = (id) => document.getElementById(id);
const SESSION_KEY = 'orleanschat.session';
const BASE_URL = location.origin;
const PAGE = 30;

/** Per-conversation view state: entries sorted by key (seq, notices between seqs). */
const convs = new Map(); // conv -> {conv, kind, title, entries: [], seqs: Set, loaded, more, oldest, unread, online}
const pending = new Map(); // client id -> entry (sent, not yet echoed)
const names = new Map(); // user id -> display name
let client = null;
let session = null;
let active = null;

// ---- session -----------------------------------------------------------------------------------

function saveSession(s) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
}

function loadSession() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY));
  } catch {
    return null;
  }
}

function idFromName(name) {
  const id = name.trim().toLowerCase().replace(/\s+/g, '_').replace(/[^\p{L}\p{N}_-]/gu, '').slice(0, 64);
  return id || `user_${Math.random().toString(36).slice(2, 8)}`;
}

async function freshToken() {
  // Refresh a minute before expiry; when refreshing is refused (expired, past Auth:MaxSessionAge), log in again
  // (the dev login needs no password).
  if (Date.parse(session.expiresAt) - Date.now() < 60000) {
    const renewed = await refreshToken(BASE_URL, session.token).catch(() => login(BASE_URL, session.profile));
    session = { ...session, token: renewed.token, expiresAt: renewed.expiresAt };
    saveSession(session);
  }
  return session.token;
}

// The encrypt toggle is on by default when the server publishes a session key and this page has WebCrypto
// (browsers only offer crypto.subtle on https and localhost).
async function offerEncryption() {
  const box = $('login-encrypt');
  let reason = '';
  try {
    if (!globalThis.crypto || !globalThis.crypto.subtle) reason = 'needs https for WebCrypto';
    else if (!(await fetch(`${BASE_URL}/api/crypto/key`)).ok) reason = 'the server offers none';
  } catch {
    reason = 'the server offers none';
  }
  box.disabled = !!reason;
  box.checked = !reason;
  $('encrypt-hint').textContent = reason ? `(${reason})` : '(RSA-OAEP + AES-256-GCM)';
}
offerEncryption();

$('login-name').addEventListener('input', () => {
  $('login-id').placeholder = $('login-name').value ? idFromName($('login-name').value) : '(from the name)';
});

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const name = $('login-name').value.trim();
  const profile = { openId: $('login-id').value.trim() || idFromName(name), name, avatarUrl: $('login-avatar').value.trim() || undefined };
  $('login-btn').disabled = true;
  $('login-error').textContent = '';
  try {
    const issued = await login(BASE_URL, profile);
    session = { token: issued.token, expiresAt: issued.expiresAt, user: issued.user, profile, encrypt: $('login-encrypt').checked };
    saveSession(session);
    await start();
  } catch (err) {
    $('login-error').textContent = err.message;
  } finally {
    $('login-btn').disabled = false;
  }
});

$('logout-btn').addEventListener('click', () => {
  sessionStorage.removeItem(SESSION_KEY);
  if (client) client.close();
  location.reload();
});

// ---- connection --------------------------------------------------------------------------------

async function start() {
  client = new ChatClient({ baseUrl: BASE_URL, token: freshToken, encryption: session.encrypt ? 'required' : 'off' });
  window.chat = client; // handy in the console and for tests
  client.on('state', showState);
  client.on('state', () => { $('lock').hidden = !client.encrypted; });
  client.on('session.error', (err) => console.warn('encrypted session', err.message));
  client.on('welcome', onWelcome);
  client.on('message', onMessage);
  client.on('room.joined', (e) => {
    remember(e.user);
    notice(roomConv(e.room), `${e.user.name} joined`);
    if (active === roomConv(e.room)) refreshMembers();
  });
  client.on('room.left', (e) => {
    notice(roomConv(e.room), `${e.user.name} left`);
    if (active === roomConv(e.room)) refreshMembers();
  });
  // Big rooms: joins and leaves of up to a second in one line; the member list is re-read, not patched (the frame
  // names at most 20 of each).
  client.on('room.activity', (e) => {
    [...e.joined, ...e.left].forEach(remember);
    notice(roomConv(e.room), describeActivity(e));
    if (active === roomConv(e.room)) refreshMembers();
  });
  client.on('dm.request', (e) => {
    remember(e.from);
    addRequest(e.from, e.conv);
  });
  client.on('dm.open', (e) => {
    remember(e.with);
    removeRequest(e.conv);
    const c = ensureConv(e.conv);
    c.online = true;
    renderLists();
    notice(e.conv, `Private chat with ${e.with.name} is open`);
    if (!active || active === e.conv || requestedByMe.has(e.with.id)) openConv(e.conv);
    requestedByMe.delete(e.with.id);
  });
  client.on('dm.declined', (e) => toast(`${e.by.name} declined the private chat`));
  client.on('dm.left', (e) => {
    notice(e.conv, `${e.by.name} left the private chat`);
    convs.delete(e.conv);
    if (active === e.conv) showConv(null);
    renderLists();
  });
  client.on('dm.presence', (e) => {
    const c = convs.get(e.conv);
    // Two quick changes can arrive swapped: only a newer version counts.
    if (c && !(e.version < c.presenceVersion)) {
      c.online = e.online;
      c.presenceVersion = e.version;
    }
    renderLists();
  });
  client.on('sync.error', (err, conv) => console.warn('sync', conv, err));
  client.on('error', (err) => toast(err.message));

  $('login-view').hidden = true;
  $('chat-view').hidden = false;
  $('logout-btn').hidden = false;
  $('me').hidden = false;
  $('me').textContent = `${session.user.name} (${session.user.id})`;
  try {
    await client.connect();
  } catch (err) {
    toast(`Could not connect: ${err.message}`);
    showState('closed');
  }
}

function showState(state) {
  const el = $('state');
  el.className = `state state-${state}`;
  el.dataset.state = state;
  el.querySelector('span').textContent = { idle: 'offline', connecting: 'connecting…', connected: 'connected', reconnecting: 'reconnecting…', closed: 'offline' }[state] || state;
}

function onWelcome(welcome) {
  remember(welcome.user);
  for (const room of welcome.rooms) ensureConv(roomConv(room));
  for (const conv of welcome.dms) ensureConv(conv);
  renderLists();
  if (!active && welcome.rooms.length) openConv(roomConv(welcome.rooms[0]));
}

// Browsers: pause when hidden, probe and reconnect promptly when shown or back online.
document.addEventListener('visibilitychange', () => {
  if (!client) return;
  if (document.hidden) client.onAppHide();
  else client.onAppShow();
});
window.addEventListener('online', () => client && client.state === 'reconnecting' && client.reconnectNow());

// ---- conversations -----------------------------------------------------------------------------

const requestedByMe = new Set();

function ensureConv(conv) {
  let c = convs.get(conv);
  if (!c) {
    const kind = conv.startsWith('room:') ? 'room' : 'dm';
    c = { conv, kind, entries: [], seqs: new Set(), loaded: false, more: false, oldest: null, unread: 0, online: undefined };
    convs.set(conv, c);
  }
  return c;
}

function titleOf(c) {
  if (c.kind === 'room') return `# ${c.conv.slice(5)}`;
  const peer = dmPeer(c.conv, session.user.id);
  return names.get(peer) ? `${names.get(peer)} (${peer})` : peer;
}

function remember(user) {
  if (user && user.id) names.set(user.id, user.name);
}

function renderLists() {
  const rooms = [...convs.values()].filter((c) => c.kind === 'room');
  const dms = [...convs.values()].filter((c) => c.kind === 'dm');
  renderList($('room-list'), rooms);
  renderList($('dm-list'), dms);
}

function renderList(ul, items) {
  ul.replaceChildren(...items.map((c) => {
    const li = document.createElement('li');
    li.className = c.conv === active ? 'active' : '';
    li.dataset.conv = c.conv;
    const btn = document.createElement('button');
    if (c.kind === 'dm') {
      const dot = document.createElement('i');
      dot.className = `dot${c.online ? ' online' : ''}`;
      btn.append(dot);
    }
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = titleOf(c);
    btn.append(name);
    if (c.unread) {
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.textContent = String(c.unread);
      btn.append(badge);
    }
    btn.addEventListener('click', () => openConv(c.conv));
    li.append(btn);
    return li;
  }));
}

async function openConv(conv) {
  const c = ensureConv(conv);
  c.unread = 0;
  showConv(conv);
  closeSidebar();
  if (!c.loaded) {
    c.loaded = true;
    try {
      const page = await client.history(conv, { limit: PAGE });
      addMessages(c, page.messages);
      c.more = page.more;
      if (active === conv) render(true);
    } catch (err) {
      c.loaded = false;
      toast(`History: ${err.message}`);
    }
  }
}

function showConv(conv) {
  active = conv;
  const c = conv ? convs.get(conv) : null;
  $('conv-title').textContent = c ? titleOf(c) : 'Pick or join a room';
  $('conv-sub').textContent = c ? (c.kind === 'room' ? 'room' : 'private chat') : '';
  $('composer').hidden = !c;
  $('members-btn').hidden = !c || c.kind !== 'room';
  $('leave-btn').hidden = !c;
  $('members').hidden = true;
  renderLists();
  render(true);
  if (c) $('composer-input').focus();
}

async function loadOlder() {
  const c = convs.get(active);
  if (!c || !c.more || c.loadingOlder) return;
  c.loadingOlder = true;
  const box = $('messages');
  const fromBottom = box.scrollHeight - box.scrollTop;
  try {
    const page = await client.history(c.conv, { before: c.oldest, limit: PAGE });
    addMessages(c, page.messages);
    c.more = page.more;
    render(false);
    box.scrollTop = box.scrollHeight - fromBottom; // keep the reading position
  } catch (err) {
    toast(`History: ${err.message}`);
  } finally {
    c.loadingOlder = false;
  }
}

$('older-btn').addEventListener('click', loadOlder);
$('messages').addEventListener('scroll', () => {
  if ($('messages').scrollTop < 40) loadOlder();
});

function addMessages(c, messages) {
  for (const m of messages) addMessage(c, m);
}

function addMessage(c, m) {
  if (c.seqs.has(m.seq)) return false;
  c.seqs.add(m.seq);
  remember(m.from);
  if (c.oldest === null || m.seq < c.oldest) c.oldest = m.seq;
  insert(c, { key: m.seq, message: m });
  if (m.id && pending.has(m.id)) {
    const p = pending.get(m.id);
    pending.delete(m.id);
    c.entries = c.entries.filter((e) => e !== p);
  }
  return true;
}

function insert(c, entry) {
  let i = c.entries.length;
  while (i > 0 && c.entries[i - 1].key > entry.key) i--;
  c.entries.splice(i, 0, entry);
}

function lastKey(c) {
  return c.entries.length ? c.entries[c.entries.length - 1].key : 0;
}

function notice(conv, text) {
  const c = ensureConv(conv);
  insert(c, { key: Math.floor(lastKey(c)) + 0.5, notice: text, ts: Date.now() });
  if (active === conv) render(true);
}

function onMessage(m) {
  const c = ensureConv(m.conv);
  const isNew = addMessage(c, m);
  if (!isNew) return;
  if (active === m.conv) render(nearBottom() || m.mine);
  else {
    c.unread += 1;
    renderLists();
  }
}

function nearBottom() {
  const box = $('messages');
  return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
}

// ---- rendering messages ------------------------------------------------------------------------

function render(scrollToEnd) {
  const c = active ? convs.get(active) : null;
  $('empty').hidden = !!(c && c.entries.length);
  $('empty').textContent = c ? 'No messages yet. Say hello!' : 'No conversation selected.';
  $('older-btn').hidden = !(c && c.more);
  $('message-list').replaceChildren(...(c ? c.entries.map(renderEntry) : []));
  if (scrollToEnd) $('messages').scrollTop = $('messages').scrollHeight;
}

function renderEntry(entry) {
  const li = document.createElement('li');
  if (entry.notice) {
    li.className = 'notice';
    li.textContent = entry.notice;
    return li;
  }
  const m = entry.message;
  const mine = m.from.id === session.user.id;
  li.className = `msg${mine ? ' mine' : ''}${entry.pending ? ' pending' : ''}${entry.failed ? ' failed' : ''}`;
  li.dataset.seq = m.seq ?? '';
  const meta = document.createElement('div');
  meta.className = 'meta';
  const from = document.createElement(mine ? 'span' : 'button');
  from.className = 'from';
  from.textContent = mine ? 'You' : m.from.name;
  if (!mine) {
    from.title = `Chat privately with ${m.from.name}`;
    from.addEventListener('click', () => askDm(m.from.id));
  }
  const time = document.createElement('time');
  time.textContent = entry.failed ? `not sent: ${entry.failed}` : entry.pending ? 'sending…' : new Date(m.ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  meta.append(from, time);
  li.append(meta, renderBody(m.body));
  return li;
}

function renderBody(body) {
  if (body.kind === 'image') return renderImage(body);
  if (body.kind === 'audio') {
    const audio = document.createElement('audio');
    audio.controls = true;
    audio.preload = 'none';
    audio.src = body.url;
    return audio;
  }
  const p = document.createElement('div');
  p.className = 'text';
  p.textContent = body.text ?? `[${body.kind}]`;
  return p;
}

// ---- actions -----------------------------------------------------------------------------------

$('join-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const room = $('room-input').value.trim();
  try {
    await client.joinRoom(room);
    $('room-input').value = '';
    ensureConv(roomConv(room));
    await openConv(roomConv(room));
  } catch (err) {
    toast(`Join: ${err.message}`);
  }
});

$('dm-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  await askDm($('dm-user-input').value.trim());
  $('dm-user-input').value = '';
});

async function askDm(userId) {
  if (!userId || userId === session.user.id) return;
  const conv = dmConv(session.user.id, userId);
  if (convs.has(conv) && client.dms.includes(conv)) {
    openConv(conv);
    return;
  }
  try {
    requestedByMe.add(userId);
    await client.requestDm(userId);
    toast(`Asked ${names.get(userId) || userId} to chat privately…`);
  } catch (err) {
    requestedByMe.delete(userId);
    toast(`Private chat: ${err.message}`);
  }
}

function addRequest(from, conv) {
  removeRequest(conv);
  const li = document.createElement('li');
  li.className = 'dm-request';
  li.dataset.conv = conv;
  const label = document.createElement('span');
  label.textContent = `${from.name} wants to chat`;
  const accept = document.createElement('button');
  accept.className = 'accept primary';
  accept.textContent = 'Accept';
  accept.addEventListener('click', async () => {
    try {
      await client.acceptDm(from.id);
      removeRequest(conv);
      openConv(conv);
    } catch (err) {
      toast(`Accept: ${err.message}`);
    }
  });
  const decline = document.createElement('button');
  decline.className = 'decline';
  decline.textContent = 'Decline';
  decline.addEventListener('click', async () => {
    removeRequest(conv);
    try {
      await client.declineDm(from.id);
    } catch (err) {
      toast(`Decline: ${err.message}`);
    }
  });
  li.append(label, accept, decline);
  $('dm-requests').append(li);
  toast(`${from.name} wants to chat privately`);
}

function removeRequest(conv) {
  for (const li of $('dm-requests').querySelectorAll('li')) if (li.dataset.conv === conv) li.remove();
}

$('kind').addEventListener('change', () => {
  const kind = $('kind').value;
  $('duration-input').hidden = kind !== 'audio';
  $('composer-input').placeholder = kind === 'text' ? 'Write a message…' : `https://… ${kind} URL`;
  $('composer-input').type = kind === 'text' ? 'text' : 'url';
});

setupMediaUi({
  client: () => client,
  target: () => { const c = convs.get(active); return !c ? null : c.kind === 'room' ? { room: c.conv.slice(5) } : { to: dmPeer(c.conv, session.user.id) }; },
});

$('composer').addEventListener('submit', async (e) => {
  e.preventDefault();
  const c = convs.get(active);
  const value = $('composer-input').value.trim();
  if (!c || !value) return;
  const kind = $('kind').value;
  const body = kind === 'image' ? Body.image(value) : kind === 'audio' ? Body.audio(value, Math.round(Number($('duration-input').value || 1) * 1000)) : Body.text(value);
  const id = client.newId();
  const entry = { key: lastKey(c) + 0.9, pending: true, message: { id, from: session.user, body, ts: Date.now() } };
  pending.set(id, entry);
  insert(c, entry);
  $('composer-input').value = '';
  render(true);
  try {
    if (c.kind === 'room') await client.sendRoom(c.conv.slice(5), body, { id });
    else await client.sendDm(dmPeer(c.conv, session.user.id), body, { id });
    // The echo (a 'message' event with this id) replaces the pending entry.
  } catch (err) {
    entry.failed = err.code || err.message;
    entry.pending = false;
    pending.delete(id);
    if (active === c.conv) render(false);
  }
});

$('leave-btn').addEventListener('click', async () => {
  const c = convs.get(active);
  if (!c) return;
  try {
    if (c.kind === 'room') await client.leaveRoom(c.conv.slice(5));
    else await client.leaveDm(dmPeer(c.conv, session.user.id));
    convs.delete(c.conv);
    showConv(null);
  } catch (err) {
    toast(`Leave: ${err.message}`);
  }
});

$('members-btn').addEventListener('click', () => {
  $('members').hidden = !$('members').hidden;
  if (!$('members').hidden) refreshMembers();
});

async function refreshMembers() {
  const c = convs.get(active);
  if (!c || c.kind !== 'room' || $('members').hidden) return;
  try {
    const reply = await client.members(c.conv.slice(5));
    $('member-list').replaceChildren(...reply.members.map(({ user, online }) => {
      remember(user);
      const li = document.createElement('li');
      const dot = document.createElement('i');
      dot.className = `dot${online ? ' online' : ''}`;
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = user.id === session.user.id ? `${user.name} (you)` : user.name;
      name.title = user.id;
      li.append(dot, name);
      if (user.id !== session.user.id) {
        const dm = document.createElement('button');
        dm.className = 'link-btn';
        dm.textContent = 'Chat';
        dm.addEventListener('click', () => askDm(user.id));
        li.append(dm);
      }
      return li;
    }));
  } catch (err) {
    toast(`Members: ${err.message}`);
  }
}

// ---- small UI helpers --------------------------------------------------------------------------

$('menu-btn').addEventListener('click', () => {
  const open = $('sidebar').classList.toggle('open');
  $('menu-btn').setAttribute('aria-expanded', String(open));
});

function closeSidebar() {
  $('sidebar').classList.remove('open');
  $('menu-btn').setAttribute('aria-expanded', 'false');
}

let toastTimer = null;
function toast(text) {
  $('toast').textContent = text;
  $('toast').hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => ($('toast').hidden = true), 3500);
}

// ---- boot --------------------------------------------------------------------------------------

session = loadSession();
if (session && session.token && Date.parse(session.expiresAt) > Date.now()) start();
else showState('idle');
