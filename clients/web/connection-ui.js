// Connection: makes the ChatClient for the session, shows its state in the header, follows the page's visibility.
import { ChatClient, roomConv } from './sdk/index.js';
import { app, BASE_URL, ensureConv, remember } from './state.js';
import { $, toast } from './ui.js';
import { freshToken } from './session.js';
import { renderLists, openConv } from './conversation-list.js';
import { onMessage } from './thread.js';
import { watchRooms } from './rooms.js';
import { watchDms } from './dm-flows.js';

export async function start() {
  const client = new ChatClient({ baseUrl: BASE_URL, token: freshToken, encryption: app.session.encrypt ? 'required' : 'off' });
  app.client = client;
  window.chat = client; // handy in the console and for tests
  client.on('state', showState);
  client.on('state', () => { $('lock').hidden = !client.encrypted; });
  client.on('session.error', (err) => console.warn('encrypted session', err.message));
  client.on('welcome', onWelcome);
  client.on('message', onMessage);
  watchRooms(client);
  watchDms(client);
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
  renderLists();
  if (!app.active && welcome.rooms.length) openConv(roomConv(welcome.rooms[0]));
}

// Browsers: pause when hidden, probe and reconnect promptly when shown or back online.
export function followVisibility() {
  document.addEventListener('visibilitychange', () => {
    if (!app.client) return;
    if (document.hidden) app.client.onAppHide();
    else app.client.onAppShow();
  });
  window.addEventListener('online', () => app.client && app.client.state === 'reconnecting' && app.client.reconnectNow());
}
