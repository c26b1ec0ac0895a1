// The mini-program glue (clients/miniprogram/utils/chat.js on the dist build) driven through a fake `wx`
// whose SocketTask and request are backed by `ws` and fetch, against a real gateway. Skipped when the dist
// build has not been copied there (npm run build in clients/js).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startGateway, connectUser, uniqueName, eventually, nextEvent } from '../testing/gateway.js';

const utils = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../miniprogram/utils');
const missing = !existsSync(path.join(utils, 'orleanschat.min.js'));
const skip = missing ? 'miniprogram/utils/orleanschat.min.js is missing: run "npm run build" in clients/js first' : false;
if (missing) console.log(`# skipping the mini-program test: ${skip}`);

function fakeWx() {
  const storage = new Map();
  const app = {};
  const wx = {
    sockets: 0,
    modals: [],
    connectSocket({ url, header, protocols }) {
      wx.sockets += 1;
      const ws = new WebSocket(url, protocols || [], { headers: header });
      return {
        onOpen: (fn) => ws.on('open', () => fn({})),
        // Like a SocketTask: text frames as strings, binary ones as ArrayBuffer.
        onMessage: (fn) => ws.on('message', (data, isBinary) => fn({ data: isBinary ? new Uint8Array(data).buffer : data.toString() })),
        onClose: (fn) => ws.on('close', (code, reason) => fn({ code, reason: reason.toString() })),
        onError: (fn) => ws.on('error', (e) => fn({ errMsg: e.message })),
        send: ({ data }) => ws.send(data),
        close: ({ code, reason }) => ws.close(code, reason),
      };
    },
    request({ url, method, header, data, success, fail }) {
      fetch(url, { method, headers: header, body: data === undefined ? undefined : JSON.stringify(data) })
        .then(async (r) => success({ statusCode: r.status, data: await r.json() }), (e) => fail({ errMsg: e.message }));
    },
    removeStorageSync: (k) => storage.delete(k),
    getStorageSync: (k) => (storage.has(k) ? structuredClone(storage.get(k)) : ''),
    setStorageSync: (k, v) => storage.set(k, structuredClone(v)),
    showModal: (o) => { wx.modals.push(o); o.success({ confirm: true }); },
    showToast: () => {},
    navigateTo: () => {},
    onAppShow: (fn) => (app.show = fn),
    onAppHide: (fn) => (app.hide = fn),
    app,
  };
  return wx;
}

let gateway;
const clients = [];
before(async () => {
  // Rooms of more than one member coalesce their join notices (room.activity), so Bob's join shows how the page
  // takes one.
  if (!missing) gateway = await startGateway({ args: ['--Chat:AnnounceMaxMembers', '1'] });
});
after(async () => {
  for (const c of clients) c.close();
  if (gateway) await gateway.stop();
});

test('the mini-program chat module chats in a room and privately over one wx socket', { skip }, async () => {
  const wx = fakeWx();
  globalThis.wx = wx;
  const require = createRequire(path.join(utils, 'chat.js'));
  require(path.join(utils, 'config.js')).BASE_URL = gateway.url;
  const chat = require(path.join(utils, 'chat.js'));

  const name = uniqueName('mini');
  await chat.start(name);
  assert.equal(chat.state, 'connected');
  const room = uniqueName('room');
  await chat.joinRoom(room);
  let view = null;
  chat.subscribe(chat.roomConv(room), (c) => (view = c));

  const bob = await connectUser(gateway.url, 'Bob');
  clients.push(bob);
  await bob.joinRoom(room);
  await eventually(() => view.messages.some((m) => m.notice === 'Bob joined'), 'the page shows the coalesced join notice');
  await bob.sendText(room, 'hello mini-program');
  await eventually(() => view.messages.some((m) => m.body && m.body.text === 'hello mini-program'), 'the page store gets the message');

  const atBob = nextEvent(bob, 'message', (m) => m.body.text === 'hi from wx');
  await chat.sendRoomText(room, 'hi from wx');
  assert.equal((await atBob).from.id, chat.user.id);

  // Bob asks for a private chat; the modal is confirmed, so the module accepts.
  const opened = nextEvent(bob, 'dm.open');
  await bob.requestDm(chat.user.id);
  await opened;
  assert.equal(wx.modals.length, 1);
  const conv = bob.dms[0];
  let dmView = null;
  chat.subscribe(conv, (c) => (dmView = c));
  await bob.sendDm(chat.user.id, { kind: 'text', text: 'private hello' });
  await eventually(() => dmView.messages.some((m) => m.body && m.body.text === 'private hello'), 'the dm store gets the message');

  wx.app.hide();
  wx.app.show();
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(chat.state, 'connected');
  assert.equal(wx.sockets, 1, 'exactly one socket');
  assert.ok(Object.keys(wx.getStorageSync('orleanschat.cursors')).length >= 1, 'cursors persisted');
  chat.logout();
  assert.equal(wx.getStorageSync('orleanschat.session'), '');
  delete globalThis.wx;
});
