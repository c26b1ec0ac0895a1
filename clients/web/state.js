// Shared state of the page: the client and session, the open conversation, and each conversation's view model.
import { dmPeer } from './sdk/index.js';

export const BASE_URL = location.origin;

/** The live objects every part of the page reads; assigned by session.js and connection-ui.js. */
export const app = { client: null, session: null, active: null };

/** Per-conversation view state: entries sorted by key (seq, notices between seqs). */
export const convs = new Map(); // conv -> {conv, kind, title, entries: [], seqs: Set, loaded, more, oldest, unread, online}
export const pending = new Map(); // client id -> entry (sent, not yet echoed)
export const names = new Map(); // user id -> display name

export function ensureConv(conv) {
  let c = convs.get(conv);
  if (!c) {
    const kind = conv.startsWith('room:') ? 'room' : 'dm';
    c = { conv, kind, entries: [], seqs: new Set(), loaded: false, more: false, oldest: null, unread: 0, online: undefined };
    convs.set(conv, c);
  }
  return c;
}

export function titleOf(c) {
  if (c.kind === 'room') return `# ${c.conv.slice(5)}`;
  const peer = dmPeer(c.conv, app.session.user.id);
  return names.get(peer) ? `${names.get(peer)} (${peer})` : peer;
}

export function remember(user) {
  if (user && user.id) names.set(user.id, user.name);
}
