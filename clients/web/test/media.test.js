// Browser test of images and voice messages (issue 20): Alice sends a picture (file chooser) and a held voice
// recording (Chromium's fake microphone) in a room; Bob's page shows the thumbnail, loads it through its signed URL,
// and gets a playable AAC/M4A voice message. Needs what browser.test.js needs, and ffmpeg on the gateway's machine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway, uniqueName } from '../../js/testing/gateway.js';

const here = path.dirname(fileURLToPath(import.meta.url));
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

// A 1x1 PNG: the server re-encodes it and answers a thumbnail.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

let gateway;
let browser;
before(async () => {
  if (skip) return;
  gateway = await startGateway();
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
  });
});
after(async () => {
  if (browser) await browser.close();
  if (gateway) await gateway.stop();
});

async function signIn(name, id) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
  await context.grantPermissions(['microphone'], { origin: gateway.url });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(`${gateway.url}/`);
  await page.fill('#login-name', name);
  await page.fill('#login-id', id);
  await page.waitForSelector('#login-encrypt:not([disabled])');
  await page.uncheck('#login-encrypt');
  await page.click('#login-btn');
  await page.waitForSelector('#state[data-state="connected"]');
  return { page, errors };
}

async function joinRoom(page, room) {
  await page.fill('#room-input', room);
  await page.click('#join-btn');
  await page.waitForSelector(`#conv-title:has-text("${room}")`);
}

/** Fetches a URL from inside the page (same origin, no token: only a signed URL works) and reports status and type. */
const fetchFromPage = (page, url) => page.evaluate(async (u) => {
  const res = await fetch(u);
  return { status: res.status, type: res.headers.get('content-type'), bytes: (await res.arrayBuffer()).byteLength };
}, url);

test('a picture and a voice message go from one browser to another', { skip, timeout: 120000 }, async () => {
  const room = uniqueName('media');
  const alice = await signIn('Alice', uniqueName('alice'));
  const bob = await signIn('Bob', uniqueName('bob'));
  await joinRoom(alice.page, room);
  await joinRoom(bob.page, room);

  await alice.page.setInputFiles('#picture-input', { name: 'dot.png', mimeType: 'image/png', buffer: PNG });
  const thumb = await bob.page.waitForSelector('.msg img.media-image');
  await bob.page.waitForFunction((img) => img.complete && img.naturalWidth > 0, thumb);
  const src = await thumb.getAttribute('src');
  assert.match(src, /^\/api\/media\/[A-Za-z0-9_-]{22}\/thumb\?exp=\d+&kid=[^&]+&sig=/);
  assert.equal((await fetchFromPage(bob.page, src)).status, 200);
  assert.equal((await fetchFromPage(bob.page, src.replace(/sig=[^&]+/, 'sig=forged'))).status, 403);

  const voice = alice.page.locator('#voice-btn');
  await voice.dispatchEvent('pointerdown');
  await alice.page.waitForSelector('#voice-btn.recording');
  await alice.page.waitForTimeout(1500); // the length of the recording, not a wait for an outcome
  await voice.dispatchEvent('pointerup');
  const audio = await bob.page.waitForSelector('.msg audio', { timeout: 30000 });
  const played = await fetchFromPage(bob.page, await audio.getAttribute('src'));
  assert.equal(played.status, 200);
  assert.equal(played.type, 'audio/mp4');
  assert.ok(played.bytes > 500, `a voice message of ${played.bytes} bytes`);
  assert.equal(await alice.page.textContent('#media-status'), '');

  assert.deepEqual([...alice.errors, ...bob.errors], []);
});
