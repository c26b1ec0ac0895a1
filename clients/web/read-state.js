// Reading: the open conversation is marked read (conv.read) while the page shows it, and the ticks under one's own
// messages: "sent" / "read" in a private chat (the peer's conv.receipt), "read by N" in a room (its aggregated receipt).
import { app, convs, listEntry } from './state.js';

const READ_DELAY_MS = 250; // a burst of messages is read with one conv.read
const timers = new Map();

/** Marks `conv` read up to the newest message the page holds, when it is the open conversation and the page is visible. */
export function readIfVisible(conv) {
  if (!conv || conv !== app.active || document.hidden || !app.store || timers.has(conv)) return;
  timers.set(conv, setTimeout(() => {
    timers.delete(conv);
    // Shown when scheduled: read even if the user switched away within the delay (they saw it).
    const c = convs.get(conv);
    const entry = listEntry(conv);
    if (!c || !entry) return;
    const upTo = Math.max(c.newest, entry.lastSeq || 0);
    if (upTo <= (entry.readSeq || 0) && !entry.unread) return;
    app.store.markRead(conv, upTo).catch((err) => console.warn('conv.read', conv, err.code || err.message));
  }, READ_DELAY_MS));
}

/**
 * On every change of the list: the open conversation may have just entered it (a chat opened a moment ago, whose
 * first messages came before the list knew it), so what the page shows beyond its read seq is read now.
 */
export function readOnListChange() {
  const c = app.active ? convs.get(app.active) : null;
  const entry = app.active ? listEntry(app.active) : null;
  if (c && entry && c.newest > (entry.readSeq || 0)) readIfVisible(app.active);
}

/**
 * What to show under one of my messages: {text, state} with state 'sent' or 'read', or null when nothing is known
 * (a room whose server sends no receipts: the line is hidden rather than wrong).
 */
export function receiptOf(c, seq) {
  if (!app.store || typeof seq !== 'number') return null;
  if (c.kind === 'dm') {
    const peerRead = app.store.peerReadSeq(c.conv);
    return peerRead !== undefined && peerRead >= seq ? { text: '✓✓ read', state: 'read' } : { text: '✓ sent', state: 'sent' };
  }
  // Counts leave the sender out, so everyone has read it at members - 1.
  const count = app.store.readCount(c.conv, seq);
  const members = app.store.roomMembers(c.conv);
  if (!count) return null;
  return { text: members > 1 && count >= members - 1 ? 'read by all' : `read by ${count}`, state: 'read-by', count };
}

/** Who read message `seq` of a room, as names (conv.readers). */
export async function readersOf(conv, seq) {
  const reply = await app.store.readers(conv, seq);
  const users = reply.readers || reply.users || [];
  return users.map((u) => (typeof u === 'string' ? u : u.user ? u.user.name || u.user.id : u.name || u.id));
}
