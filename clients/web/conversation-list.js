// The room list and the private chat list in the sidebar, and the conversation open beside them (title, leave).
import { dmPeer } from './sdk/index.js';
import { app, convs, ensureConv, titleOf } from './state.js';
import { $, toast, closeSidebar } from './ui.js';
import { PAGE, addMessages, render } from './thread.js';

export function renderLists() {
  const rooms = [...convs.values()].filter((c) => c.kind === 'room');
  const dms = [...convs.values()].filter((c) => c.kind === 'dm');
  renderList($('room-list'), rooms);
  renderList($('dm-list'), dms);
}

function renderList(ul, items) {
  ul.replaceChildren(...items.map((c) => {
    const li = document.createElement('li');
    li.className = c.conv === app.active ? 'active' : '';
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

export async function openConv(conv) {
  const c = ensureConv(conv);
  c.unread = 0;
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
  renderLists();
  render(true);
  if (c) $('composer-input').focus();
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
    } catch (err) {
      toast(`Leave: ${err.message}`);
    }
  });
}
