// Wire vocabulary shared by the SDK and apps: message bodies, conversation ids, the socket URL, activity lines.
import { trimSlash } from './auth.js';

/** Message bodies as the wire spells them. */
export const Body = Object.freeze({
  text: (text) => ({ kind: 'text', text }),
  image: (url, { width, height } = {}) => ({ kind: 'image', url, ...(width ? { width } : {}), ...(height ? { height } : {}) }),
  audio: (url, durationMs) => ({ kind: 'audio', url, durationMs }),
});

export const roomConv = (room) => `room:${room}`;
export const dmConv = (a, b) => (a < b ? `dm:${a}:${b}` : `dm:${b}:${a}`);

/** The other user of a private conversation id, seen from `me`. */
export function dmPeer(conv, me) {
  const [, a, b] = conv.split(':');
  return a === me ? b : a;
}

/** ws(s)://host/ws, with ?access_token=... when a token is given, from an http(s) base URL. */
export function socketUrl(baseUrl, token) {
  const base = `${trimSlash(baseUrl).replace(/^http(s?):\/\//i, 'ws$1://')}/ws`;
  return token === undefined ? base : `${base}?access_token=${encodeURIComponent(token)}`;
}

/** The sub-protocol the gateway selects; the token rides along as a second offer, `bearer.<token>`. */
export const SUBPROTOCOL = 'orleanschat.v1';

/**
 * One line for a 'room.activity' frame: "Bob joined", "12 joined, 3 left". A lone joiner or leaver is named; more
 * are counted, since the frame names only the first 20.
 */
export function describeActivity(frame) {
  const part = (named, count, verb) => {
    if (!count) return null;
    return count === 1 && named && named.length === 1 ? `${named[0].name} ${verb}` : `${count} ${verb}`;
  };
  return [part(frame.joined, frame.joinedCount, 'joined'), part(frame.left, frame.leftCount, 'left')].filter(Boolean).join(', ');
}

/** http(s)://host from a base URL or a ws(s)://host/ws socket URL. */
export function httpBaseOf(url) {
  return trimSlash(String(url || '').replace(/^ws(s?):\/\//i, 'http$1://').replace(/\/ws(\?.*)?$/, ''));
}
