// Rooms API of ChatClient: join, create, leave, members, moderation and sending to a room.
import { Body, roomConv } from './wire.js';

/** ChatClient methods (rooms); client.js installs them on ChatClient.prototype (a partial class). */
export class ClientRooms {
  joinRoom(room) {
    return this.request({ type: 'room.join', room }).then((ack) => this._entered(room, ack));
  }

  leaveRoom(room) {
    return this.request({ type: 'room.leave', room }).then((ack) => {
      this.rooms = this.rooms.filter((r) => r !== room);
      this.cursors.forget(roomConv(room));
      return ack;
    });
  }

  /**
   * One page of the room's members in user id order: `{ members, next }`. Without `cursor` the first page; pass the
   * previous page's `next` for the following one (absent on the last page). `limit` defaults to the server's page size.
   */
  async members(room, { cursor, limit } = {}) {
    const frame = { type: 'room.members', room };
    if (cursor !== undefined && cursor !== null) frame.cursor = cursor;
    if (limit) frame.limit = limit;
    const reply = await this.request(frame);
    return { room: reply.room, members: reply.members, next: reply.next ?? null };
  }

  /** Every member of the room, page after page (one request per page; a big room is many pages). */
  async allMembers(room, { limit } = {}) {
    const all = [];
    let cursor = null;
    do {
      const page = await this.members(room, { cursor, limit });
      all.push(...page.members);
      cursor = page.next;
    } while (cursor);
    return all;
  }

  /**
   * Public rooms whose name starts with `prefix` (every public room when empty), in name order: resolves with
   * `{ rooms: [{ id, name, conv, members }], next }`. Pass the previous page's `next` as `after` for the following page
   * (`next` is null on the last one); `limit` defaults to the server's page size.
   */
  async listRooms(prefix = '', { after, limit } = {}) {
    const frame = { type: 'room.list' };
    if (prefix) frame.prefix = prefix;
    if (after !== undefined && after !== null) frame.cursor = after;
    if (limit) frame.limit = limit;
    const reply = await this.request(frame);
    return { rooms: reply.rooms, next: reply.next ?? null };
  }

  /**
   * Who has read message `seq` of room conversation `conv` ('room:<name>'), its sender left out: resolves with
   * `{ conv, seq, readers: [{ id, name, avatarUrl? }] }` in user id order. Rooms above the server's receipt cap refuse
   * it ('forbidden'); the aggregated counts arrive as `conv.receipt` events `{ conv, reads: [{ seq, count }], members }`.
   */
  async readers(conv, seq) {
    const reply = await this.request({ type: 'conv.readers', conv, seq });
    return { conv: reply.conv, seq: reply.seq, readers: reply.readers };
  }

  /** Creates a room you own; `visibility` 'public' (anyone may join) or 'private' (invited users only). */
  createRoom(room, { visibility = 'public' } = {}) {
    return this.request({ type: 'room.create', room, visibility }).then((ack) => this._entered(room, ack));
  }

  /**
   * After a join or create: the ack's seq is the room's last message as of the join, so everything after it is
   * shown live and everything up to it is history. (A server without it: baseline from the newest message.)
   */
  _entered(room, ack) {
    this._remember(this.rooms, room);
    if (Number.isInteger(ack.seq)) this.cursors.baseline(roomConv(room), ack.seq);
    else this._baseline(roomConv(room));
    return ack;
  }

  // Moderation (owner or admin; see the permission matrix in docs/protocol.md). Each resolves with the ack.
  invite(room, user) {
    return this.request({ type: 'room.invite', room, user });
  }

  kick(room, user, { reason } = {}) {
    return this.request({ type: 'room.kick', room, user, reason });
  }

  mute(room, user, durationMs) {
    return this.request({ type: 'room.mute', room, user, durationMs });
  }

  unmute(room, user) {
    return this.request({ type: 'room.unmute', room, user });
  }

  ban(room, user, { reason } = {}) {
    return this.request({ type: 'room.ban', room, user, reason });
  }

  unban(room, user) {
    return this.request({ type: 'room.unban', room, user });
  }

  /** Owner only: `role` 'admin' or 'member'. */
  setRole(room, user, role) {
    return this.request({ type: 'room.role', room, user, role });
  }

  /** Owner or admin: `notices` 'off' silences the room's join and leave notices, 'auto' brings them back. */
  setNotices(room, notices) {
    return this.request({ type: 'room.notices', room, notices });
  }

  /** Resolves with the ack {conv, seq, ts}. `id` (optional) is the idempotency key; reuse it to retry. */
  sendRoom(room, body, { id } = {}) {
    return this.request({ type: 'room.send', id, room, body: this._encrypt(body, { room }) });
  }

  sendText(room, text, options) {
    return this.sendRoom(room, Body.text(text), options);
  }
}
