// The mini-program sample, rendered: its pages and components (the BUILT ones, clients/miniprogram/dist: minified,
// obfuscated, with the SDK bundle and its pure-JS crypto provider) run in jsdom through WeChat's own component test
// tools (miniprogram-simulate / j-component) with a `wx` that does real WebSockets and HTTP, against a real gateway
// whose WeChat login asks a local fake code2session. Alice is the mini-program; Bob and Carol are SDK clients.
// Skipped until `npm run build` (which builds dist/). ORLEANSCHAT_MP_ROOT=../miniprogram renders the sources.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gatewayForFile, freePort, uniqueName, eventually, nextEvent } from '../testing/gateway.js';
import { createWx, startFakeCode2Session, WECHAT_APP_ID, WECHAT_SECRET } from '../testing/wx-standin.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', process.env.ORLEANSCHAT_MP_ROOT || '../miniprogram/dist');
const missing = !existsSync(path.join(root, 'utils/orleanschat.min.js'));
const skip = missing ? `${root} is not built: run "npm run build" in clients/js first` : false;
if (missing) console.log(`# skipping the mini-program pages test: ${skip}`);

const require = createRequire(import.meta.url);
const wechatPort = await freePort();
let wechat;
before(async () => { wechat = await startFakeCode2Session(wechatPort); });
after(async () => { if (wechat) await wechat.close(); });
const gateway = gatewayForFile({
  args: [
    '--WeChat:AppId', WECHAT_APP_ID, '--WeChat:Secret', WECHAT_SECRET, '--WeChat:BaseUrl', `http://127.0.0.1:${wechatPort}/`,
    '--Security:Encryption', 'Optional', '--Chat:AnnounceMaxMembers', '1',
    // WeChat subscribe messages on: welcome announces the template, notify.credits stores what the user allowed.
    '--Notifications:WeChat:TemplateId', 'tmpl-new-message', '--Notifications:WeChat:Fields:title', 'thing1',
  ],
});

// A 1x1 PNG and a 0.6 s 8 kHz PCM WAV: what chooseMedia and the recorder hand over as temp files.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
function wav(seconds) {
  const samples = Math.round(seconds * 8000);
  const b = Buffer.alloc(44 + samples * 2);
  b.write('RIFF', 0); b.writeUInt32LE(36 + samples * 2, 4); b.write('WAVEfmt ', 8); b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22); b.writeUInt32LE(8000, 24); b.writeUInt32LE(16000, 28);
  b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34); b.write('data', 36); b.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) b.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / 8000) * 8000), 44 + i * 2);
  return b;
}

let simulate = null;
let usingComponents = {};
/** jsdom, then WeChat's tools; Page() is registered as the component it is for the renderer. */
function setUpRenderer(wx) {
  if (!simulate) {
    require('global-jsdom')();
    // Node's own CustomEvent/Event would be used otherwise, and jsdom's dispatchEvent refuses them.
    globalThis.CustomEvent = window.CustomEvent;
    globalThis.Event = window.Event;
    simulate = require('miniprogram-simulate');
    globalThis.Page = (definition) => {
      const methods = {};
      for (const [name, value] of Object.entries(definition)) if (typeof value === 'function') methods[name] = value;
      globalThis.Component({ data: definition.data, methods });
    };
    globalThis.getApp = () => ({ globalData: {} });
    usingComponents = JSON.parse(readFileSync(path.join(root, 'app.json'), 'utf8')).usingComponents;
  }
  globalThis.wx = wx;
}

/** Renders a page, calls its onLoad(query) and resolves with the j-component handle. */
function openPage(name, query = {}) {
  const id = simulate.load(path.join(root, `pages/${name}/${name}`), { rootPath: root, usingComponents, compiler: 'simulate' });
  const page = simulate.render(id);
  page.attach(document.createElement('parent-wrapper'));
  page.instance.onLoad(query);
  return page;
}

const text = (page) => page.dom.textContent.replace(/\s+/g, ' ');
const tap = (page, selector) => page.querySelector(selector).dispatchEvent('tap');
const lastNavigation = (wx) => wx.navigations[wx.navigations.length - 1];

test('the mini-program logs in with WeChat, lists conversations, chats in a room and privately with media, encrypted', { skip, timeout: 90000 }, async (t) => {
  const alice = uniqueName('alice');
  const wx = createWx({ openId: alice });
  setUpRenderer(wx);
  const config = require(path.join(root, 'utils/config.js'));
  config.BASE_URL = gateway.url;
  config.VOICE_MIN_MS = 0;
  const chat = require(path.join(root, 'utils/chat.js'));
  // A failed step leaves the mini-program connected (and reconnecting): close it whatever happens.
  t.after(() => chat.logout());

  // Login: nickname fill-in, then wx.login -> POST /api/auth/wechat (the fake code2session says who), connected,
  // the session encrypted (the gateway offers it; the provider is node-forge + @noble/ciphers).
  const login = openPage('login');
  assert.ok(login.querySelector('.nickname'), 'the nickname fill-in is shown');
  assert.equal(login.querySelector('.dev-id'), undefined, 'no development login by default');
  login.instance.onName({ detail: { value: 'Alice' } });
  tap(login, '.enter');
  await eventually(() => lastNavigation(wx) === '/pages/chats/chats', 'the chats page after login');
  assert.equal(chat.user.id, alice);
  assert.equal(chat.user.name, 'Alice');
  assert.ok(wechat.calls.includes(`ok-${alice}`), 'the gateway exchanged the wx.login code');
  assert.equal(chat.state, 'connected');
  assert.equal(chat.encrypted, true, 'the session is encrypted');
  assert.ok([...wx.sockets].length === 1, 'one socket');

  // Conversation list, join a room by name.
  const chats = openPage('chats');
  const bob = await gateway.user('Bob');
  const room = uniqueName('room');
  await bob.joinRoom(room);
  await bob.sendText(room, 'before Alice came');
  chats.instance.onRoomName({ detail: { value: room } });
  tap(chats, '.join');
  await eventually(() => lastNavigation(wx) === `/pages/room/room?room=${room}`, 'the room page after joining');
  await eventually(() => text(chats).includes(`# ${room}`), 'the room in the list');

  // The room page: Bob's message arrives live, Alice's text reaches Bob.
  const roomPage = openPage('room', { room });
  await roomPage.instance.ready;
  const fromAlice = nextEvent(bob, 'message', (m) => m.body.kind === 'text' && m.body.text === 'hello from the mini-program');
  roomPage.instance.onDraft({ detail: { value: 'hello from the mini-program' } });
  tap(roomPage, '.send');
  await fromAlice;
  await bob.sendText(room, 'hi Alice');
  await eventually(() => text(roomPage).includes('hi Alice') && text(roomPage).includes('hello from the mini-program'), 'both messages in the room page');

  // Bob reads the room: Alice's message shows "read by 1" (the room's aggregated receipt, at most one a second).
  const mine = roomPage.instance.data.messages.find((m) => m.mine && m.body && m.body.text === 'hello from the mini-program');
  await bob.request({ type: 'conv.read', conv: `room:${room}`, seq: mine.seq });
  await eventually(() => text(roomPage).includes('read by 1'), '"read by 1" under the message Bob read');

  // An image: chooseMedia -> wx.uploadFile (a real multipart POST, progress) -> the message with its thumbnail.
  wx.files['http://tmp/cat.png'] = PNG;
  wx.nextImage = 'http://tmp/cat.png';
  const imageAtBob = nextEvent(bob, 'message', (m) => m.body.kind === 'image');
  tap(roomPage, '.image-button');
  const image = await imageAtBob;
  assert.ok(image.body.mediaId);
  const shown = () => roomPage.instance.data.messages.find((m) => m.body && m.body.kind === 'image' && m.body.mediaId === image.body.mediaId);
  await eventually(shown, 'the image in the thread');
  assert.match(shown().body.thumbUrl, new RegExp(`^${gateway.url}/api/media/.+/thumb\\?`));
  assert.equal((await fetch(shown().body.thumbUrl)).status, 200, 'the signed thumbnail URL works');
  roomPage.querySelector(`#${shown().key}`).querySelector('.image').dispatchEvent('tap');
  await eventually(() => wx.previews.length === 1, 'the preview after a tap');
  assert.equal(wx.previews[0].current, shown().body.url, 'a tap previews the full image');

  // Hold-to-talk: touchstart records, touchend uploads (the gateway transcodes to AAC) and sends.
  wx.files['http://tmp/voice.wav'] = wav(0.6);
  wx.nextRecording = 'http://tmp/voice.wav';
  const voiceAtBob = nextEvent(bob, 'message', (m) => m.body.kind === 'audio');
  roomPage.querySelector('.talk').dispatchEvent('touchstart');
  await eventually(() => wx._recorder && wx._recorder.started, 'the recorder started');
  assert.equal(wx._recorder.started.format, 'aac');
  roomPage.querySelector('.talk').dispatchEvent('touchend');
  const voice = await voiceAtBob;
  assert.ok(voice.body.durationMs >= 500 && voice.body.durationMs <= 700, `duration ${voice.body.durationMs}`);
  await eventually(() => /▶ 0\.\d+s/.test(text(roomPage)), 'the voice message in the thread');
  // The broadcast can reach the thread before the send's reply removes the upload's placeholder.
  await eventually(() => !text(roomPage).includes('uploading'), 'no upload left in progress');

  // Unread badge while the room page is hidden; pinned first after a long-press pin.
  roomPage.instance.onHide();
  await bob.sendText(room, 'unread one');
  await eventually(() => chats.instance.data.conversations.some((c) => c.conv === `room:${room}` && c.unread === 1 && c.preview === 'Bob: unread one'), 'the unread badge and preview');
  assert.ok(text(chats).includes('Bob: unread one'));

  // A private chat Bob asks for: the inbox, accept, the DM page opens; text both ways, read ticks, presence.
  await bob.requestDm(alice);
  await eventually(() => text(chats).includes('Bob asks to chat'), 'the request in the inbox');
  tap(chats, '.accept');
  const dmConv = [alice, bob.user.id].sort().join(':');
  await eventually(() => lastNavigation(wx) === `/pages/dm/dm?conv=${encodeURIComponent(`dm:${dmConv}`)}`, 'the DM page after accepting');
  const dm = openPage('dm', { conv: encodeURIComponent(`dm:${dmConv}`) });
  await dm.instance.ready;
  await eventually(() => dm.instance.data.online === true, 'Bob online');
  await eventually(() => chats.instance.data.conversations.some((c) => c.kind === 'dm' && c.title === 'Bob'), 'the DM in the list');
  const dmAtBob = nextEvent(bob, 'message', (m) => m.conv === `dm:${dmConv}` && m.body.text === 'hi Bob');
  dm.instance.onDraft({ detail: { value: 'hi Bob' } });
  tap(dm, '.send');
  const sent = await dmAtBob;
  const mineInDm = () => dm.instance.data.messages.find((m) => m.seq === sent.seq) || {};
  await eventually(() => mineInDm().mine && !mineInDm().read && text(dm).includes('hi Bob✓'), 'sent tick');
  await bob.request({ type: 'conv.read', conv: `dm:${dmConv}`, seq: sent.seq });
  await eventually(() => mineInDm().read && text(dm).includes('hi Bob✓✓'), 'read tick after Bob read it');

  // Typing: Bob types, the DM page says so.
  await bob.request({ type: 'typing', conv: `dm:${dmConv}`, on: true }, { resend: false });
  await eventually(() => dm.instance.data.typing === 'typing…' && text(dm).includes('typing…'), 'Bob typing');

  // Recall by long-press: the action sheet, then the placeholder here and the recall at Bob.
  const recallAtBob = nextEvent(bob, 'message', (m) => m.body.kind === 'recall' && m.body.seq === sent.seq);
  dm.querySelector(`#m${sent.seq}`).querySelector('.item').dispatchEvent('longpress');
  await recallAtBob;
  await eventually(() => text(dm).includes('Message recalled'), 'the recalled placeholder');

  // Alice asks Carol from the room's sender list: when Carol accepts, Alice is taken to the DM page.
  const carol = await gateway.user('Carol');
  await carol.joinRoom(room);
  const request = nextEvent(carol, 'dm.request');
  roomPage.instance.onSenderTap({ detail: { user: carol.user } });
  await request;
  await carol.acceptDm(alice);
  const carolConv = `dm:${[alice, carol.user.id].sort().join(':')}`;
  await eventually(() => lastNavigation(wx) === `/pages/dm/dm?conv=${encodeURIComponent(carolConv)}`, 'the DM page for the requester');

  // Kicked: Carol owns a room Alice is in; the room page says so and closes, the list drops the room.
  const owned = uniqueName('owned');
  await carol.createRoom(owned);
  await chat.joinRoom(owned);
  const ownedPage = openPage('room', { room: owned });
  await ownedPage.instance.ready;
  await carol.kick(owned, alice, { reason: 'testing' });
  await eventually(() => wx.modals.some((m) => m.content === `You were removed from ${owned}: testing`), 'the kicked notice');
  await eventually(() => lastNavigation(wx) === 'back', 'the room page closes');
  await eventually(() => !chats.instance.data.conversations.some((c) => c.conv === `room:${owned}`), 'the room gone from the list');

  // Presence: Bob goes offline.
  bob.close();
  await eventually(() => dm.instance.data.online === false, 'Bob offline');

  // A token the gateway refuses (401 on refresh) makes the mini-program log in again with wx.login, silently.
  const session = require(path.join(root, 'utils/session.js'));
  const logins = wx.loginCalls;
  session.current.token = 'not.a.token';
  await assert.rejects(session.refresh());
  await eventually(() => wx.loginCalls === logins + 1 && session.current.token !== 'not.a.token', 'a new login after the 401');
  assert.equal(wx.getStorageSync('orleanschat.session').token, session.current.token, 'the new token is stored');

  // "Notify me": offered because the gateway announces its subscribe-message template in welcome; the tap asks
  // wx.requestSubscribeMessage (the stand-in accepts) and reports the answer to the gateway, which answers the credits.
  assert.deepEqual(chat.notifyTemplates(), ['tmpl-new-message']);
  const reportNotifyCredits = chat.client.reportNotifyCredits.bind(chat.client);
  const credits = [];
  chat.client.reportNotifyCredits = async (result) => { const c = await reportNotifyCredits(result); credits.push(c); return c; };
  await eventually(() => chats.querySelector('.notify'), 'the notify button');
  tap(chats, '.notify');
  await eventually(() => wx.toasts.includes('You will be notified'), 'the subscription reported');
  assert.deepEqual(wx.subscribeRequests, [['tmpl-new-message']]);
  assert.deepEqual(credits, [{ 'tmpl-new-message': 1 }], 'the gateway counted one credit for the accepted template');

  tap(chats, '.logout');
  await eventually(() => lastNavigation(wx) === '/pages/login/login', 'back to the login page');
  assert.deepEqual(wx.storageKeys().filter((k) => k.startsWith('orleanschat.')), []);
  assert.equal(chat.state, 'idle');
  assert.equal(chat.conversations().length, 0);
  await eventually(() => wx.sockets.size === 0, 'the socket closed');
  carol.close();
});
