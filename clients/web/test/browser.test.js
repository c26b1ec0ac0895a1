// Browser test: two Chromium contexts (two users) log in to the web client served by a real gateway,
// chat in a room and privately, survive a reconnect, and a screenshot is saved to test-artifacts/. Alice keeps
// the "encrypt" toggle on (an encrypted session through Chromium's WebCrypto), Bob turns it off.
// Needs: the gateway built (dotnet build Gateway.Web), `npm ci` in clients/js (playwright-core) and
// Debian's /usr/bin/chromium (or CHROMIUM_PATH). Never downloads browsers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway, uniqueName } from '../../js/testing/gateway.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const artifacts = path.resolve(here, '../test-artifacts');
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const require = createRequire(path.resolve(here, '../../js/package.json'));
let chromium = null;
try {
  ({ chromium } = require('playwright-core'));
} catch {
  // reported through skip below
}
const skip = !chromium ? 'playwright-core is not installed: run "npm ci" in clients/js'
  : !existsSync(executablePath) ? `no Chromium at ${executablePath}: apt-get install -y chromium (or set CHROMIUM_PATH)`
  : false;
if (skip) console.log(`# skipping the browser test: ${skip}`);

let gateway;
let browser;
before(async () => {
  if (skip) return;
  gateway = await startGateway();
  // Playwright starts Chromium with a fresh temporary user data dir of its own and deletes it on close.
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
});
after(async () => {
  if (browser) await browser.close();
  if (gateway) await gateway.stop();
});

async function signIn(viewport, name, id, { encrypt }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  // What each socket of the page received, seen by the browser (DevTools protocol), not by the page's code.
  const received = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => received.push(typeof f.payload === 'string' ? 'text' : 'binary')));
  await page.goto(`${gateway.url}/`);
  await page.fill('#login-name', name);
  await page.fill('#login-id', id);
  await page.waitForSelector('#login-encrypt:not([disabled])'); // the page found /api/crypto/key and WebCrypto
  assert.equal(await page.isChecked('#login-encrypt'), true, 'encryption is on by default');
  if (!encrypt) await page.uncheck('#login-encrypt');
  await page.click('#login-btn');
  await page.waitForSelector('#state[data-state="connected"]');
  assert.equal(await page.evaluate(() => window.chat.encrypted), encrypt);
  assert.equal(await page.isVisible('#lock'), encrypt);
  return { page, errors, received };
}

/** At phone width the list is a drawer (open after login): open it unless it is open. */
async function showList(page) {
  if (await page.isVisible('#menu-btn') && !(await page.locator('#sidebar.open').count())) await page.click('#menu-btn');
}

async function joinRoom(page, room) {
  await showList(page);
  await page.fill('#room-input', room);
  await page.click('#join-btn');
  await page.waitForSelector(`#conv-title:has-text("${room}")`);
}

async function send(page, text) {
  await page.fill('#composer-input', text);
  await page.click('#send-btn');
}

const message = (page, text) => page.waitForSelector(`.msg:not(.pending) .text:text-is("${text}")`);

test('two users chat in a room and privately in the browser', { skip, timeout: 120000 }, async () => {
  const room = uniqueName('lobby');
  const [aliceId, bobId] = [uniqueName('alice'), uniqueName('bob')];
  const alice = await signIn({ width: 1100, height: 720 }, 'Alice', aliceId, { encrypt: true });
  const bob = await signIn({ width: 390, height: 780 }, 'Bob', bobId, { encrypt: false }); // phone width

  await joinRoom(alice.page, room);
  await joinRoom(bob.page, room);
  await alice.page.waitForSelector('.notice:has-text("Bob joined")');

  await send(alice.page, 'Hello from Alice');
  await message(bob.page, 'Hello from Alice');
  await send(bob.page, 'Hi Alice, Bob here');
  await message(alice.page, 'Hi Alice, Bob here');

  // Members list
  await alice.page.click('#members-btn');
  await alice.page.waitForSelector('#member-list li:has-text("Bob")');

  // Private chat: Alice asks, Bob accepts, they talk.
  await alice.page.fill('#dm-user-input', bobId);
  await alice.page.click('#dm-request-btn');
  await showList(bob.page);
  await bob.page.click('.dm-request .accept');
  await alice.page.waitForSelector(`#conv-title:has-text("${bobId}")`);
  await bob.page.waitForSelector(`#conv-title:has-text("${aliceId}")`);
  await send(alice.page, 'psst, private');
  await message(bob.page, 'psst, private');
  await send(bob.page, 'private reply');
  await message(alice.page, 'private reply');

  // Recovery: Bob's connection drops; Alice writes meanwhile; Bob gets it after reconnecting.
  await bob.page.evaluate(() => window.chat.connection.raw.close());
  await bob.page.waitForSelector('#state[data-state="reconnecting"], #state[data-state="connected"]');
  await send(alice.page, 'did you get this?');
  await bob.page.waitForSelector('#state[data-state="connected"]');
  await message(bob.page, 'did you get this?');
  assert.equal(await bob.page.locator('.msg .text:text-is("did you get this?")').count(), 1, 'shown exactly once');

  // Alice's sockets were encrypted sessions: at most a plaintext welcome before the hello reply (Optional
  // mode), binary frames ever after. Bob's were plaintext throughout.
  const binary = alice.received.filter((k) => k === 'binary').length;
  assert.ok(binary >= 10, `Alice received ${binary} binary frames`);
  assert.ok(alice.received.filter((k) => k === 'text').length <= 2, 'one plaintext welcome per connection at most');
  assert.deepEqual([...new Set(bob.received)], ['text']);

  await mkdir(artifacts, { recursive: true });
  await alice.page.screenshot({ path: path.join(artifacts, 'alice-desktop.png') });
  await bob.page.screenshot({ path: path.join(artifacts, 'bob-phone.png') });
  assert.deepEqual([...alice.errors, ...bob.errors], [], 'no page errors');
});

test('at phone width (390 px) the whole header fits, "Log out" included', { skip, timeout: 60000 }, async () => {
  const id = uniqueName('phone');
  const { page, errors } = await signIn({ width: 390, height: 844 }, 'Somebody With A Rather Long Name', id, { encrypt: true });
  const box = await page.locator('#logout-btn').boundingBox();
  assert.ok(box && box.width > 0, 'Log out is shown');
  assert.ok(box.x + box.width <= 390, `Log out ends at ${box.x + box.width} px, past the 390 px screen`);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390, 'nothing widens the page');
  assert.deepEqual(errors, []);
  await page.context().close();
});
