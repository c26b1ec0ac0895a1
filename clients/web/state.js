// Shared state of the page: the client and session, the open conversation, and each conversation's view model.
import { dmPeer } from './sdk/index.js';

export const BASE_URL = location.origin;

/**
 * The live objects every part of the page reads; assigned by session.js and connection-ui.js. `store` is the SDK's
 * ConversationStore: the conversation list, unread counts, receipts, typing and pending requests.
 */
export const app = { client: null, session: null, store: null, active: null, blocked: new Set() };

/** Per-conversation view state: entries sorted by key (seq, notices between seqs). */
export const convs = new Map(); // conv -> {conv, kind, entries: [], seqs: Set, loaded, more, oldest, newest, online}
export const pending = new Map(); // client id -> entry (sent, not yet echoed)
export const names = new Map(); // user id -> display name

export function ensureConv(conv) {
  let c = convs.get(conv);
  if (!c) {
    const kind = conv.startsWith('room:') ? 'room' : 'dm';
    c = { conv, kind, entries: [], seqs: new Set(), recalled: new Map(), loaded: false, more: false, oldest: null, newest: 0, online: undefined };
    convs.set(conv, c);
  }
  return c;
}

export function titleOf(c) {
  if (c.kind === 'room') return `# ${c.conv.slice(5)}`;
  const peer = dmPeer(c.conv, app.session.user.id);
  const entry = app.store && app.store.byConv.get(c.conv);
  const name = names.get(peer) || (entry && entry.peer && entry.peer.name);
  return name ? `${name} (${peer})` : peer;
}

/** The conversation list's entry for `conv` (unread, readSeq, pinned, muted...), or undefined before the list has it. */
export function listEntry(conv) {
  return app.store ? app.store.byConv.get(conv) : undefined;
}

/** The display name of a user id, as far as the page has seen it. */
export function nameOf(id) {
  return names.get(id) || id;
}

export function remember(user) {
  if (user && user.id) names.set(user.id, user.name);
}
