// "typing..." under the conversation's title (the others' typing events, shown until they expire), and my own typing
// sent from the composer through the SDK's throttle (a renewal at most every 3 s; "stopped" when the input empties,
// on send, or when I leave the input).
import { app, nameOf, remember } from './state.js';
import { $ } from './ui.js';

let expiryTimer = null;

export function watchTyping(store) {
  store.on('typing', (e) => {
    remember(e.user);
    if (e.conv === app.active) showTyping();
  });
}

/** Shows who is typing in the open conversation, and rechecks when the earliest of them would expire. */
export function showTyping() {
  clearTimeout(expiryTimer);
  const ids = app.active && app.store ? app.store.typingIn(app.active) : [];
  const el = $('conv-typing');
  el.hidden = !ids.length;
  if (!ids.length) return;
  const names = ids.map(nameOf); // the store leaves my own devices out
  el.textContent = app.active.startsWith('dm:') ? 'typing…' : names.length > 2 ? `${names.length} people are typing…` : `${names.join(' and ')} ${names.length > 1 ? 'are' : 'is'} typing…`;
  expiryTimer = setTimeout(showTyping, 1000);
}

/** Wires the composer's input: typing on while it has text, off when it empties or loses focus. */
export function setupTypingInput(input) {
  input.addEventListener('input', () => typing(input.value.trim() !== ''));
  input.addEventListener('blur', () => typing(false));
}

export function typing(on) {
  if (!app.active || !app.store || !app.client || !app.client.connected) return;
  const sent = app.store.typing(app.active, on);
  if (sent) sent.catch(() => {}); // ephemeral: a lost or refused typing frame is not worth a word
}
