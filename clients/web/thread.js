// The open conversation's thread: messages by seq with notices between them, older pages, rendering.
import { app, convs, pending, ensureConv, remember } from './state.js';
import { $, toast } from './ui.js';
import { renderImage } from './media-ui.js';
import { renderLists } from './conversation-list.js';
import { askDm } from './dm-flows.js';

export const PAGE = 30;

export function setupThread() {
  $('older-btn').addEventListener('click', loadOlder);
  $('messages').addEventListener('scroll', () => {
    if ($('messages').scrollTop < 40) loadOlder();
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
  insert(c, { key: m.seq, message: m });
  if (m.id && pending.has(m.id)) {
    const p = pending.get(m.id);
    pending.delete(m.id);
    c.entries = c.entries.filter((e) => e !== p);
  }
  return true;
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
  if (!isNew) return;
  if (app.active === m.conv) render(nearBottom() || m.mine);
  else {
    c.unread += 1;
    renderLists();
  }
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
  const mine = m.from.id === app.session.user.id;
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
