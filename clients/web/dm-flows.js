// Private chats: asking someone, the pending-request inbox (incoming: accept, decline, block; outgoing: cancel; kept by
// the server, so a request made while I was away is there when I connect), the open, declined, left and presence
// events, and blocking (a block list in the sidebar, unblock from it).
import { dmConv } from './sdk/index.js';
import { app, convs, names, ensureConv, remember, nameOf } from './state.js';
import { $, toast } from './ui.js';
import { renderLists, openConv, showConv } from './conversation-list.js';
import { notice, render } from './thread.js';

const requestedByMe = new Set(); // user ids this page asked: their chat opens when they accept

export function setupDms() {
  $('dm-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    await askDm($('dm-user-input').value.trim());
    $('dm-user-input').value = '';
  });
}

export function watchDms(client, store) {
  store.on('requests', renderRequests);
  client.on('dm.request', (e) => {
    remember(e.from);
    toast(`${e.from.name} wants to chat privately`);
  });
  client.on('dm.open', (e) => {
    remember(e.with);
    const c = ensureConv(e.conv);
    c.online = e.online ?? true; // servers before `online` in dm.open only opened a chat with someone connected
    renderLists();
    notice(e.conv, `Private chat with ${e.with.name} is open`);
    if (!app.active || app.active === e.conv || requestedByMe.has(e.with.id)) openConv(e.conv);
    requestedByMe.delete(e.with.id);
  });
  client.on('dm.declined', (e) => toast(`${e.by.name} declined the private chat`));
  client.on('dm.cancelled', (e) => toast(`${e.by.name} withdrew the request`));
  client.on('dm.left', (e) => {
    notice(e.conv, `${e.by.name} left the private chat`);
    convs.delete(e.conv);
    if (app.active === e.conv) showConv(null);
    store.refresh().catch(() => {});
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
    await app.store.loadRequests(); // the outgoing request joins the inbox (unless the ask opened the chat at once)
  } catch (err) {
    requestedByMe.delete(userId);
    toast(`Private chat: ${err.message}`);
  }
}

/** The inbox: incoming requests (accept, decline, block) and my outgoing ones (cancel). */
function renderRequests() {
  const requests = app.store.requests;
  $('inbox').hidden = !requests.length;
  $('dm-requests').replaceChildren(...requests.map(renderRequest));
  renderLists();
}

function renderRequest(request) {
  remember(request.user);
  const li = document.createElement('li');
  li.className = `dm-request ${request.incoming ? 'incoming' : 'outgoing'}`;
  li.dataset.conv = request.conv;
  const label = document.createElement('span');
  const who = request.user.name || request.user.id;
  label.textContent = request.incoming ? `${who} wants to chat` : `Asked ${who}…`;
  li.append(label);
  const peer = request.user.id;
  if (request.incoming) {
    li.append(
      button('Accept', 'accept primary', async () => {
        await app.client.acceptDm(peer);
        openConv(request.conv);
      }),
      button('Decline', 'decline', () => app.client.declineDm(peer)),
      button('Block', 'block danger', async () => {
        await app.client.declineDm(peer);
        await block(peer);
      }),
    );
  } else {
    li.append(button('Cancel', 'cancel', () => app.store.cancelRequest(peer)));
  }
  return li;
}

function button(label, className, run) {
  const b = document.createElement('button');
  b.className = className;
  b.textContent = label;
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      await run();
    } catch (err) {
      toast(`${label}: ${err.code || err.message}`);
    }
    await app.store.loadRequests().catch(() => {});
  });
  return b;
}

export async function loadBlocks() {
  try {
    app.blocked = new Set(await app.store.blocks());
  } catch (err) {
    console.warn('user.blocks', err.code || err.message);
  }
  renderBlocks();
}

export async function block(userId) {
  await app.store.block(userId);
  app.blocked.add(userId);
  toast(`Blocked ${nameOf(userId)}`);
  afterBlockChange();
}

export async function unblock(userId) {
  await app.store.unblock(userId);
  app.blocked.delete(userId);
  toast(`Unblocked ${nameOf(userId)}`);
  afterBlockChange();
}

function afterBlockChange() {
  renderBlocks();
  render(false); // their room messages are hidden while they are blocked
  app.store.refresh().catch(() => {}); // the list's `blocked` flags
}

function renderBlocks() {
  $('blocked').hidden = !app.blocked.size;
  $('blocked-list').replaceChildren(...[...app.blocked].map((id) => {
    const li = document.createElement('li');
    li.dataset.user = id;
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = nameOf(id);
    const undo = document.createElement('button');
    undo.className = 'link-btn unblock';
    undo.textContent = 'Unblock';
    undo.addEventListener('click', () => unblock(id).catch((err) => toast(`Unblock: ${err.code || err.message}`)));
    li.append(name, undo);
    return li;
  }));
}
