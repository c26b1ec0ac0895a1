// The composer: message kind, sending (a pending entry until the server's echo replaces it), the media buttons.
import { Body, dmPeer } from './sdk/index.js';
import { app, convs, pending } from './state.js';
import { $ } from './ui.js';
import { setupMediaUi } from './media-ui.js';
import { insert, lastKey, render } from './thread.js';
import { setupTypingInput, typing } from './typing-ui.js';

export function setupComposer() {
  $('kind').addEventListener('change', () => {
    const kind = $('kind').value;
    $('duration-input').hidden = kind !== 'audio';
    $('composer-input').placeholder = kind === 'text' ? 'Write a message…' : `https://… ${kind} URL`;
    $('composer-input').type = kind === 'text' ? 'text' : 'url';
  });

  setupMediaUi({
    client: () => app.client,
    target: () => { const c = convs.get(app.active); return !c ? null : c.kind === 'room' ? { room: c.conv.slice(5) } : { to: dmPeer(c.conv, app.session.user.id) }; },
  });

  $('composer').addEventListener('submit', send);
  setupTypingInput($('composer-input'));
}

async function send(e) {
  e.preventDefault();
  const client = app.client;
  const c = convs.get(app.active);
  const value = $('composer-input').value.trim();
  if (!c || !value) return;
  const kind = $('kind').value;
  const body = kind === 'image' ? Body.image(value) : kind === 'audio' ? Body.audio(value, Math.round(Number($('duration-input').value || 1) * 1000)) : Body.text(value);
  const id = client.newId();
  const entry = { key: lastKey(c) + 0.9, pending: true, message: { id, from: app.session.user, body, ts: Date.now() } };
  pending.set(id, entry);
  insert(c, entry);
  $('composer-input').value = '';
  typing(false);
  render(true);
  try {
    if (c.kind === 'room') await client.sendRoom(c.conv.slice(5), body, { id });
    else await client.sendDm(dmPeer(c.conv, app.session.user.id), body, { id });
    // The echo (a 'message' event with this id) replaces the pending entry.
  } catch (err) {
    entry.failed = err.code || err.message;
    entry.pending = false;
    pending.delete(id);
    if (app.active === c.conv) render(false);
  }
}
