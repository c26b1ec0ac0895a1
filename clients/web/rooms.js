// Rooms: joining, the members panel, and the join and leave notices in a room's thread.
import { roomConv, describeActivity } from './sdk/index.js';
import { app, convs, ensureConv, remember } from './state.js';
import { $, toast } from './ui.js';
import { openConv, showConv } from './conversation-list.js';
import { notice } from './thread.js';
import { askDm } from './dm-flows.js';

export function setupRooms() {
  $('join-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const room = $('room-input').value.trim();
    try {
      await app.client.joinRoom(room);
      $('room-input').value = '';
      ensureConv(roomConv(room));
      app.store.refresh().catch(() => {}); // the list learns the room's preview and counts
      await openConv(roomConv(room));
    } catch (err) {
      toast(`Join: ${err.message}`);
    }
  });

  $('members-btn').addEventListener('click', () => {
    $('members').hidden = !$('members').hidden;
    if (!$('members').hidden) refreshMembers();
  });
}

export function watchRooms(client) {
  client.on('room.joined', (e) => {
    remember(e.user);
    notice(roomConv(e.room), `${e.user.name} joined`);
    if (app.active === roomConv(e.room)) refreshMembers();
  });
  client.on('room.left', (e) => {
    notice(roomConv(e.room), `${e.user.name} left`);
    if (app.active === roomConv(e.room)) refreshMembers();
  });
  // Removed from a room by a moderator: it leaves the list and, if open, the screen.
  const removed = (e) => {
    if (e.user.id !== app.session.user.id) return;
    convs.delete(roomConv(e.room));
    if (app.active === roomConv(e.room)) showConv(null);
    toast(`You were removed from ${e.room}`);
    app.store.refresh().catch(() => {});
  };
  client.on('room.kicked', removed);
  client.on('room.banned', removed);
  client.on('room.presence', (e) => {
    if (app.active === roomConv(e.room)) refreshMembers();
  });
  // Big rooms: joins and leaves of up to a second in one line; the member list is re-read, not patched (the frame
  // names at most 20 of each).
  client.on('room.activity', (e) => {
    [...e.joined, ...e.left].forEach(remember);
    notice(roomConv(e.room), describeActivity(e));
    if (app.active === roomConv(e.room)) refreshMembers();
  });
}

async function refreshMembers() {
  const c = convs.get(app.active);
  if (!c || c.kind !== 'room' || $('members').hidden) return;
  const me = app.session.user.id;
  try {
    const reply = await app.client.members(c.conv.slice(5));
    $('member-list').replaceChildren(...reply.members.map(({ user, online }) => {
      remember(user);
      const li = document.createElement('li');
      const dot = document.createElement('i');
      dot.className = `dot${online ? ' online' : ''}`;
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = user.id === me ? `${user.name} (you)` : user.name;
      name.title = user.id;
      li.append(dot, name);
      if (user.id !== me) {
        const dm = document.createElement('button');
        dm.className = 'link-btn';
        dm.textContent = 'Chat';
        dm.addEventListener('click', () => askDm(user.id));
        li.append(dm);
      }
      return li;
    }));
  } catch (err) {
    toast(`Members: ${err.message}`);
  }
}
