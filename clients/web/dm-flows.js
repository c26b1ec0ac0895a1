// Private chats: asking someone, incoming requests (accept or decline), and the open, declined, left and presence events.
import { dmConv } from './sdk/index.js';
import { app, convs, names, ensureConv, remember } from './state.js';
import { $, toast } from './ui.js';
import { renderLists, openConv, showConv } from './conversation-list.js';
import { notice } from './thread.js';

const requestedByMe = new Set(); // user ids this page asked: their chat opens when they accept

export function setupDms() {
  $('dm-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    await askDm($('dm-user-input').value.trim());
    $('dm-user-input').value = '';
  });
}

export function watchDms(client) {
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
    if (!app.active || app.active === e.conv || requestedByMe.has(e.with.id)) openConv(e.conv);
    requestedByMe.delete(e.with.id);
  });
  client.on('dm.declined', (e) => toast(`${e.by.name} declined the private chat`));
  client.on('dm.left', (e) => {
    notice(e.conv, `${e.by.name} left the private chat`);
    convs.delete(e.conv);
    if (app.active === e.conv) showConv(null);
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
}

export async function askDm(userId) {
  const me = app.session.user.id;
  if (!userId || userId === me) return;
  const conv = dmConv(me, userId);
  if (convs.has(conv) && app.client.dms.includes(conv)) {
    openConv(conv);
    return;
  }
  try {
    requestedByMe.add(userId);
    await app.client.requestDm(userId);
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
      await app.client.acceptDm(from.id);
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
      await app.client.declineDm(from.id);
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
