// Connection: makes the ChatClient for the session, shows its state in the header, follows the page's visibility.
import { ChatClient, ConversationStore, roomConv } from './sdk/index.js';
import { app, BASE_URL, ensureConv, remember } from './state.js';
import { $, toast, openSidebar } from './ui.js';
import { freshToken } from './session.js';
import { renderLists } from './conversation-list.js';
import { onMessage, watchThread } from './thread.js';
import { watchRooms } from './rooms.js';
import { watchDms, loadBlocks } from './dm-flows.js';
import { watchTyping } from './typing-ui.js';
import { readIfVisible, readOnListChange } from './read-state.js';

export async function start() {
  const client = new ChatClient({ baseUrl: BASE_URL, token: freshToken, encryption: app.session.encrypt ? 'required' : 'off' });
  app.client = client;
  // The store listens before the first welcome, so the list and its badges come from the server on every connection
  // (a reload shows the same list) and then follow messages, reads on other devices, pins, mutes and receipts.
  app.store = new ConversationStore(client);
  app.store.on('change', renderLists);
  app.store.on('change', readOnListChange);
  window.chat = client; // handy in the console and for tests
  window.chatStore = app.store;
  client.on('state', showState);
  client.on('state', () => { $('lock').hidden = !client.encrypted; });
  client.on('session.error', (err) => console.warn('encrypted session', err.message));
  client.on('welcome', onWelcome);
  client.on('message', onMessage);
  watchRooms(client);
  watchDms(client, app.store);
  watchThread(client, app.store);
  watchTyping(app.store);
  client.on('sync.error', (err, conv) => console.warn('sync', conv, err));
  client.on('error', (err) => toast(err.message));

  $('login-view').hidden = true;
  $('chat-view').hidden = false;
  $('logout-btn').hidden = false;
  $('me').hidden = false;
  $('me').textContent = `${app.session.user.name} (${app.session.user.id})`;
  try {
    await client.connect();
  } catch (err) {
    toast(`Could not connect: ${err.message}`);
    showState('closed');
  }
}

export function showState(state) {
  const el = $('state');
  el.className = `state state-${state}`;
  el.dataset.state = state;
  el.querySelector('span').textContent = { idle: 'offline', connecting: 'connecting…', connected: 'connected', reconnecting: 'reconnecting…', closed: 'offline' }[state] || state;
}

function onWelcome(welcome) {
  remember(welcome.user);
  for (const room of welcome.rooms) ensureConv(roomConv(room));
  for (const conv of welcome.dms) ensureConv(conv);
  for (const entry of welcome.conversations || []) {
    if (entry.peer) remember(entry.peer);
    if (entry.last) remember(entry.last.from);
  }
  renderLists();
  loadBlocks();
  // Opening the newest conversation would read it: only a page that had one open reopens it (after a reconnect).
  if (app.active) readIfVisible(app.active);
  else openSidebar(); // at phone width the list is a drawer: show it rather than an empty thread
}

// Browsers: pause when hidden, probe and reconnect promptly when shown or back online.
export function followVisibility() {
  document.addEventListener('visibilitychange', () => {
    if (!app.client) return;
    if (document.hidden) app.client.onAppHide();
    else {
      app.client.onAppShow();
      readIfVisible(app.active);
    }
  });
  window.addEventListener('online', () => app.client && app.client.state === 'reconnecting' && app.client.reconnectNow());
}
