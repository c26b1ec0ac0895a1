// The open conversation's thread: messages by seq with notices between them, older pages, rendering; recalled
// messages become a placeholder, messages deleted for me disappear, my messages carry their read state, and each
// message has a menu (recall, delete for me).
import { app, convs, pending, ensureConv, remember, nameOf } from './state.js';
import { $, toast } from './ui.js';
import { renderImage } from './media-ui.js';
import { askDm } from './dm-flows.js';
import { readIfVisible, receiptOf } from './read-state.js';
import { messageMenu, isMenuOpen, toggleMenu } from './message-menu.js';

export const PAGE = 30;

export function setupThread() {
  $('older-btn').addEventListener('click', loadOlder);
  $('messages').addEventListener('scroll', () => {
    if ($('messages').scrollTop < 40) loadOlder();
  });
}

/** Events that change messages already shown: deletes from any of my devices, and read receipts. */
export function watchThread(client, store) {
  client.on('msg.deleted', (e) => {
    const c = convs.get(e.conv);
    if (!c) return;
    c.entries = c.entries.filter((entry) => !(entry.message && entry.message.seq === e.seq));
    if (app.active === e.conv) render(false);
  });
  store.on('receipt', (e) => {
    if (app.active === e.conv) render(false);
  });
}

async function loadOlder() {
  const c = convs.get(app.active);
  if (!c || !c.more || c.loadingOlder) return;
  c.loadingOlder = true;
  const box = $('messages');
  const fromBottom = box.scrollHeight - box.scrollTop;
  try {
    const page = await app.client.history(c.conv, { before: c.oldest, limit: PAGE });
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

export function addMessages(c, messages) {
  for (const m of messages) addMessage(c, m);
}

function addMessage(c, m) {
  if (c.seqs.has(m.seq)) return false;
  c.seqs.add(m.seq);
  remember(m.from);
  if (c.oldest === null || m.seq < c.oldest) c.oldest = m.seq;
  if (m.seq > c.newest) c.newest = m.seq;
  if (m.id && pending.has(m.id)) {
    const p = pending.get(m.id);
    pending.delete(m.id);
    c.entries = c.entries.filter((e) => e !== p);
  }
  if (m.body && m.body.kind === 'recall') {
    applyRecall(c, m);
    return true; // shown as the recalled message's placeholder, not as an entry of its own
  }
  if (app.store && app.store.isDeleted(c.conv, m.seq)) return true; // sync still returns what I deleted
  insert(c, { key: m.seq, message: c.recalled.has(m.seq) ? { ...m, body: { kind: 'recalled' } } : m });
  return true;
}

/** A recall names the message it took back: that message shows a placeholder from now on (and if it comes later). */
function applyRecall(c, recall) {
  c.recalled.set(recall.body.seq, recall.from);
  const entry = c.entries.find((e) => e.message && e.message.seq === recall.body.seq);
  if (entry) entry.message = { ...entry.message, body: { kind: 'recalled' }, recalledBy: recall.from };
}

export function insert(c, entry) {
  let i = c.entries.length;
  while (i > 0 && c.entries[i - 1].key > entry.key) i--;
  c.entries.splice(i, 0, entry);
}

export function lastKey(c) {
  return c.entries.length ? c.entries[c.entries.length - 1].key : 0;
}

export function notice(conv, text) {
  const c = ensureConv(conv);
  insert(c, { key: Math.floor(lastKey(c)) + 0.5, notice: text, ts: Date.now() });
  if (app.active === conv) render(true);
}

export function onMessage(m) {
  const c = ensureConv(m.conv);
  const isNew = addMessage(c, m);
  if (!isNew || app.active !== m.conv) return;
  render(nearBottom() || m.mine);
  if (!m.mine) readIfVisible(m.conv);
}

function nearBottom() {
  const box = $('messages');
  return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
}

export function render(scrollToEnd) {
  const c = app.active ? convs.get(app.active) : null;
  $('empty').hidden = !!(c && c.entries.length);
  $('empty').textContent = c ? 'No messages yet. Say hello!' : 'No conversation selected.';
  $('older-btn').hidden = !(c && c.more);
  $('message-list').replaceChildren(...(c ? c.entries.map((entry) => renderEntry(c, entry)) : []));
  if (scrollToEnd) $('messages').scrollTop = $('messages').scrollHeight;
}

function renderEntry(c, entry) {
  const li = document.createElement('li');
  if (entry.notice) {
    li.className = 'notice';
    li.textContent = entry.notice;
    return li;
  }
  const m = entry.message;
  const me = app.session.user.id;
  const mine = m.from.id === me;
  if (m.body.kind === 'recalled') {
    const by = m.recalledBy || c.recalled.get(m.seq) || m.from;
    li.className = 'notice recalled';
    li.dataset.seq = m.seq;
    li.textContent = by.id === me ? 'You recalled a message' : `${by.name || nameOf(by.id)} recalled a message`;
    return li;
  }
  if (c.kind === 'room' && app.blocked.has(m.from.id)) {
    li.className = 'notice blocked';
    li.dataset.seq = m.seq;
    li.textContent = 'A message from someone you blocked';
    return li;
  }
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
  if (typeof m.seq === 'number') {
    const more = document.createElement('button');
    more.className = 'msg-more';
    more.textContent = '⋯';
    more.setAttribute('aria-label', 'Message options');
    more.setAttribute('aria-expanded', String(isMenuOpen(c.conv, m.seq)));
    more.addEventListener('click', () => toggleMenu(c.conv, m.seq));
    meta.append(more);
  }
  li.append(meta, renderBody(m.body));
  if (mine && typeof m.seq === 'number') {
    const receipt = receiptOf(c, m.seq);
    if (receipt) {
      const tick = document.createElement('div');
      tick.className = `receipt ${receipt.state}`;
      tick.textContent = receipt.text;
      li.append(tick);
    }
  }
  if (isMenuOpen(c.conv, m.seq)) li.append(messageMenu(c, m, mine));
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
