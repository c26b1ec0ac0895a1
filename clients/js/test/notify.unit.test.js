// ChatClient's WeChat subscribe-message part (client-notify.js) against an in-process fake transport.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ChatClient } from '../src/index.js';

function fakeTransport() {
  const t = { conns: [] };
  t.open = (url, handlers) => {
    const conn = {
      sent: [],
      send(text) { conn.sent.push(JSON.parse(text)); },
      close() {},
      terminate() {},
      push(frame) { handlers.message(JSON.stringify(frame)); },
    };
    t.conns.push(conn);
    return conn;
  };
  Object.defineProperty(t, 'last', { get: () => t.conns.at(-1) });
  return t;
}

const tick = () => new Promise((r) => setImmediate(r));
const clients = [];
after(() => clients.forEach((c) => c.close()));

async function connected(welcomeExtra = {}) {
  const transport = fakeTransport();
  const client = new ChatClient({ baseUrl: 'https://chat.example/', token: 't', transport, requestTimeoutMs: 200 });
  clients.push(client);
  const connecting = client.connect();
  await tick();
  transport.last.push({ type: 'welcome', user: { id: 'me', name: 'Me' }, rooms: [], dms: [], ts: 1, ...welcomeExtra });
  await connecting;
  return { client, transport };
}

test('notifyTemplates reads welcome.notify.templates, and is empty when the server sends none', async () => {
  const { client } = await connected({ notify: { templates: ['tmpl-a', 'tmpl-b'] } });
  assert.deepEqual(client.notifyTemplates, ['tmpl-a', 'tmpl-b']);

  const { client: plain } = await connected();
  assert.deepEqual(plain.notifyTemplates, []);
});

test('reportNotifyCredits sends the template answers of wx.requestSubscribeMessage and resolves with the credits', async () => {
  const { client, transport } = await connected({ notify: { templates: ['tmpl-a'] } });

  const reported = client.reportNotifyCredits({ errMsg: 'requestSubscribeMessage:ok', 'tmpl-a': 'accept', 'tmpl-b': 'reject', 'tmpl-c': 'whatever' });
  const sent = transport.last.sent.at(-1);
  assert.equal(sent.type, 'notify.credits');
  assert.deepEqual(sent.results, { 'tmpl-a': 'accept', 'tmpl-b': 'reject' });
  assert.ok(sent.id);

  transport.last.push({ type: 'notify.credits', re: sent.id, credits: { 'tmpl-a': 3 } });
  assert.deepEqual(await reported, { 'tmpl-a': 3 });
});

test('reportNotifyCredits refuses an answer that names no template, and rejects with the server error code', async () => {
  const { client, transport } = await connected({ notify: { templates: ['tmpl-a'] } });
  const before = transport.last.sent.length;

  await assert.rejects(client.reportNotifyCredits({ errMsg: 'requestSubscribeMessage:fail cancel' }), TypeError);
  await assert.rejects(client.reportNotifyCredits(null), TypeError);
  assert.equal(transport.last.sent.length, before);

  const reported = client.reportNotifyCredits({ 'tmpl-a': 'accept' });
  const sent = transport.last.sent.at(-1);
  transport.last.push({ type: 'error', re: sent.id, code: 'bad_request', message: 'no' });
  await assert.rejects(reported, (e) => e.code === 'bad_request');
});
