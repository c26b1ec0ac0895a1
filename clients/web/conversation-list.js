// The conversation list in the sidebar (rooms and private chats from the SDK's ConversationStore: pinned first, newest
// activity first, previews, unread badges, muted and pinned marks, pin/mute/block from a row's menu), the total unread
// in the page title, and the conversation open beside the list (title, leave).
import { dmPeer } from './sdk/index.js';
import { app, convs, ensureConv, titleOf, nameOf } from './state.js';
import { $, toast, closeSidebar } from './ui.js';
import { PAGE, addMessages, render } from './thread.js';
import { readIfVisible } from './read-state.js';
import { block, unblock } from './dm-flows.js';
import { showTyping } from './typing-ui.js';

const BASE_TITLE = 'OrleansChat';
let menuFor = null; // the conv whose row menu is open

/**
 * The store's list, then conversations the client belongs to that the list has not caught up with yet (a room just
 * joined, a chat just opened; the next conv.list brings them).
 */
function rows() {
  const listed = app.store ? app.store.list : [];
  const known = new Set(listed.map((e) => e.conv));
  const member = (c) => (c.kind === 'room' ? app.client.rooms.includes(c.conv.slice(5)) : app.client.dms.includes(c.conv));
  const extra = [...convs.values()].filter((c) => !known.has(c.conv) && member(c)).map((c) => ({ conv: c.conv, kind: c.kind }));
  return [...listed, ...extra];
}

export function renderLists() {
  $('conv-list').replaceChildren(...rows().map(renderRow));
  const total = app.store ? app.store.unreadTotal : 0;
  $('unread-total').hidden = !total;
  $('unread-total').textContent = String(total);
  document.title = total ? `(${total}) ${BASE_TITLE}` : BASE_TITLE;
}

function renderRow(entry) {
  const c = ensureConv(entry.conv);
  const li = document.createElement('li');
  li.className = [entry.conv === app.active && 'active', entry.pinned && 'pinned', entry.muted && 'muted'].filter(Boolean).join(' ');
  li.dataset.conv = entry.conv;
  const open = document.createElement('button');
  open.className = 'open';
  if (c.kind === 'dm') {
    const dot = document.createElement('i');
    const online = entry.online ?? c.online;
    dot.className = `dot${online ? ' online' : ''}`;
    dot.title = online ? 'online' : 'offline';
    open.append(dot);
  }
  const text = document.createElement('span');
  text.className = 'row-text';
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = titleOf(c);
  const preview = document.createElement('span');
  preview.className = 'preview';
  preview.textContent = previewOf(entry);
  text.append(name, preview);
  open.append(text);
  const marks = document.createElement('span');
  marks.className = 'marks';
  if (entry.pinned) marks.append(mark('pin-mark', '📌', 'pinned'));
  if (entry.muted) marks.append(mark('mute-mark', '🔕', 'muted'));
  if (entry.blocked) marks.append(mark('block-mark', '⛔', 'blocked'));
  if (entry.unread) {
    const badge = document.createElement('span');
    badge.className = `badge${entry.muted ? ' quiet' : ''}`;
    badge.textContent = entry.unread > 99 ? '99+' : String(entry.unread);
    marks.append(badge);
  }
  open.append(marks);
  open.addEventListener('click', () => openConv(entry.conv));
  const more = document.createElement('button');
  more.className = 'row-more icon-btn';
  more.textContent = '⋯';
  more.setAttribute('aria-label', `Options for ${titleOf(c)}`);
  more.setAttribute('aria-expanded', String(menuFor === entry.conv));
  more.addEventListener('click', () => {
    menuFor = menuFor === entry.conv ? null : entry.conv;
    renderLists();
  });
  li.append(open, more);
  if (menuFor === entry.conv && app.store && app.store.byConv.has(entry.conv)) li.append(rowMenu(entry));
  return li;
}

function mark(className, symbol, label) {
  const span = document.createElement('span');
  span.className = className;
  span.textContent = symbol;
  span.title = label;
  span.setAttribute('aria-label', label);
  return span;
}

function rowMenu(entry) {
  const menu = document.createElement('div');
  menu.className = 'row-menu';
  const action = (label, className, run) => {
    const b = document.createElement('button');
    b.className = className;
    b.textContent = label;
    b.addEventListener('click', async () => {
      menuFor = null;
      try {
        await run();
      } catch (err) {
        toast(`${label}: ${err.code || err.message}`);
      }
      renderLists();
    });
    menu.append(b);
  };
  action(entry.pinned ? 'Unpin' : 'Pin', 'pin', () => app.store.pin(entry.conv, !entry.pinned));
  action(entry.muted ? 'Unmute' : 'Mute', 'mute', () => app.store.mute(entry.conv, !entry.muted));
  if (entry.kind === 'dm') {
    const peer = dmPeer(entry.conv, app.session.user.id);
    if (app.blocked.has(peer) || entry.blocked) action('Unblock', 'unblock', () => unblock(peer));
    else action('Block', 'block', () => block(peer));
  }
  return menu;
}

/** "Bob: see you at 8", "You: [image]", "Bob recalled a message": the list's one-line preview. */
export function previewOf(entry) {
  const last = entry.last;
  if (!last) return entry.kind === 'room' ? 'No messages yet' : '';
  const mine = last.from && last.from.id === app.session.user.id;
  const who = mine ? 'You' : last.from ? last.from.name || nameOf(last.from.id) : '';
  if (last.kind === 'recall') return `${who} recalled a message`;
  const what = last.kind === 'text' ? last.text ?? '' : `[${last.kind === 'audio' ? 'voice' : last.kind}]`;
  return entry.kind === 'dm' && !mine ? what : `${who}: ${what}`;
}

export async function openConv(conv) {
  const c = ensureConv(conv);
  showConv(conv);
  closeSidebar();
  if (!c.loaded) {
    c.loaded = true;
    try {
      const page = await app.client.history(conv, { limit: PAGE });
      addMessages(c, page.messages);
      c.more = page.more;
      if (app.active === conv) render(true);
    } catch (err) {
      c.loaded = false;
      toast(`History: ${err.message}`);
    }
  }
  readIfVisible(conv);
}

export function showConv(conv) {
  app.active = conv;
  const c = conv ? convs.get(conv) : null;
  $('conv-title').textContent = c ? titleOf(c) : 'Pick or join a room';
  $('conv-sub').textContent = c ? (c.kind === 'room' ? 'room' : 'private chat') : '';
  $('composer').hidden = !c;
  $('members-btn').hidden = !c || c.kind !== 'room';
  $('leave-btn').hidden = !c;
  $('members').hidden = true;
  showTyping();
  renderLists();
  render(true);
  if (c && !matchMedia('(max-width: 720px)').matches) $('composer-input').focus(); // a phone's keyboard would cover the thread
}

export function setupConversationList() {
  $('leave-btn').addEventListener('click', async () => {
    const c = convs.get(app.active);
    if (!c) return;
    try {
      if (c.kind === 'room') await app.client.leaveRoom(c.conv.slice(5));
      else await app.client.leaveDm(dmPeer(c.conv, app.session.user.id));
      convs.delete(c.conv);
      showConv(null);
      app.store.refresh().catch(() => {});
    } catch (err) {
      toast(`Leave: ${err.message}`);
    }
  });
}

