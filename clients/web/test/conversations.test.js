// Browser test of conversations as users know them (issue 19): Alice (desktop) and Bob (390 px phone) in two Chromium
// contexts against a real gateway. The list's unread badges, previews and the title's total survive a reload; mute
// and pin from the list; the pending-request inbox (decline, cancel, accept); DM ticks turn "read" when the peer
// opens the chat; "typing…" under the title; recall (seen by both; refused once too late) and delete-for-me; blocking;
// a request made while the asked user is offline reaches their inbox when they log in; the phone layout keeps
// everything on screen. Needs what browser.test.js needs.
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

const RECALL_WINDOW_MS = 8000; // short, so that "too late" is reached within the test

let gateway;
let browser;
before(async () => {
  if (skip) return;
  gateway = await startGateway({ args: ['--Chat:RecallWindow', '00:00:08'] });
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => {
  if (browser) await browser.close();
  if (gateway) await gateway.stop();
});

async function signIn(viewport, name, id) {
  const context = await browser.newContext({ viewport });
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

/** At phone width the list is a drawer: open it unless it is open (desktop: always shown). */
async function showList(page) {
  if (await page.isVisible('#menu-btn') && !(await page.locator('#sidebar.open').count())) await page.click('#menu-btn');
}

/** At phone width, a tap beside the open drawer closes it (to reach the thread). */
async function hideList(page) {
  if (await page.isVisible('#menu-btn') && (await page.locator('#sidebar.open').count())) await page.mouse.click(370, 400);
}

async function joinRoom(page, room) {
  await showList(page);
  await page.fill('#room-input', room);
  await page.click('#join-btn');
  await page.waitForSelector(`#conv-title:has-text("${room}")`);
}

async function openChat(page, conv) {
  await showList(page);
  await page.click(`#conv-list li[data-conv="${conv}"] button.open`);
  await page.waitForSelector(`#conv-list li.active[data-conv="${conv}"]`);
}

async function rowAction(page, conv, action) {
  await showList(page);
  await page.click(`#conv-list li[data-conv="${conv}"] .row-more`);
  await page.click(`#conv-list li[data-conv="${conv}"] .row-menu .${action}`);
}

async function send(page, text) {
  await page.fill('#composer-input', text);
  await page.click('#send-btn');
  return page.waitForSelector(`.msg.mine:not(.pending) .text:text-is("${text}")`);
}

const shown = (page, text) => page.waitForSelector(`.msg:not(.pending) .text:text-is("${text}")`);
const row = (conv) => `#conv-list li[data-conv="${conv}"]`;
const title = (page, expected) => page.waitForFunction((t) => document.title === t, expected);

async function messageAction(page, text, action) {
  await hideList(page);
  const msg = page.locator('.msg', { has: page.locator(`.text:text-is("${text}")`) });
  await msg.locator('.msg-more').click();
  await msg.locator(`.msg-menu .${action}`).click();
}

test('list, badges after a reload, inbox, ticks, typing, recall, delete and blocking in two browsers', { skip, timeout: 90000 }, async () => {
  const [room, hall] = [uniqueName('club'), uniqueName('hall')];
  const [aliceId, bobId] = [uniqueName('alice'), uniqueName('bob')];
  const [roomConv, hallConv] = [`room:${room}`, `room:${hall}`];
  const dm = `dm:${[aliceId, bobId].sort().join(':')}`;
  const alice = await signIn({ width: 1100, height: 720 }, 'Alice', aliceId);
  const bob = await signIn({ width: 390, height: 844 }, 'Bob', bobId);

  // Unread: Bob is in the hall when Alice writes in the club.
  await joinRoom(alice.page, room);
  await joinRoom(bob.page, room);
  await joinRoom(bob.page, hall);
  await send(alice.page, 'one');
  await send(alice.page, 'two');
  await showList(bob.page);
  await bob.page.waitForSelector(`${row(roomConv)} .badge:text-is("2")`);
  assert.equal(await bob.page.textContent(`${row(roomConv)} .preview`), 'Alice: two');
  await title(bob.page, '(2) OrleansChat');

  // A reload keeps the badge, the preview and the total (they come from the server's list).
  await bob.page.reload();
  await bob.page.waitForSelector('#state[data-state="connected"]');
  await bob.page.waitForSelector(`${row(roomConv)} .badge:text-is("2")`);
  assert.equal(await bob.page.textContent(`${row(roomConv)} .preview`), 'Alice: two');
  await title(bob.page, '(2) OrleansChat');

  // Mute keeps the count out of the total; pin moves the hall first.
  await rowAction(bob.page, roomConv, 'mute');
  await bob.page.waitForSelector(`${row(roomConv)}.muted .badge.quiet`);
  await title(bob.page, 'OrleansChat');
  await rowAction(bob.page, hallConv, 'pin');
  await bob.page.waitForSelector(`#conv-list li:first-child.pinned[data-conv="${hallConv}"]`);

  // Opening the club reads it: the badge goes, and Alice's room shows "read by" when the server sends room receipts.
  await openChat(bob.page, roomConv);
  await shown(bob.page, 'two');
  await showList(bob.page);
  await bob.page.waitForSelector(`${row(roomConv)} .badge`, { state: 'detached' });
  await messageAction(bob.page, 'one', 'recall'); // a member may not recall someone else's message
  await bob.page.waitForSelector('#toast:has-text("Only the room\'s owner and admins")');
  assert.equal(await bob.page.locator('.text:text-is("one")').count(), 1);
  // Does this server count room readers? (conv.readers is refused as an unknown frame type where it does not.)
  const twoSeq = Number(await alice.page.getAttribute('.msg.mine:has(.text:text-is("two"))', 'data-seq'));
  const roomReceipts = await alice.page.evaluate(([conv, seq]) => window.chat.request({ type: 'conv.readers', conv, seq }).then(() => true, () => false), [roomConv, twoSeq]);
  if (roomReceipts) {
    await alice.page.waitForSelector('.msg.mine:has(.text:text-is("two")) .receipt.read-by');
    await messageAction(alice.page, 'two', 'readers'); // conv.readers: who read it
    await alice.page.waitForSelector('#toast:has-text("Read by Bob")');
  } else {
    assert.equal(await alice.page.locator('.receipt').count(), 0, 'no room receipts: no "read by"');
    // The page's side of a room receipt (the frame as docs/protocol.md has it), handed to the client as if received.
    await alice.page.evaluate(([conv, seq]) => window.chat.emit('conv.receipt', { conv, reads: [{ seq, count: 1 }], members: 2 }), [roomConv, twoSeq]);
    await alice.page.waitForSelector('.msg.mine:has(.text:text-is("two")) .receipt.read-by:text-is("read by all")');
  }

  // The inbox: Alice asks, Bob declines; Alice asks and cancels; Alice asks, Bob accepts.
  const ask = async () => {
    await alice.page.fill('#dm-user-input', bobId);
    await alice.page.click('#dm-request-btn');
    await alice.page.waitForSelector(`.dm-request.outgoing[data-conv="${dm}"]`);
    await showList(bob.page);
    await bob.page.waitForSelector(`.dm-request.incoming[data-conv="${dm}"]:has-text("Alice wants to chat")`);
  };
  await ask();
  await mkdir(artifacts, { recursive: true });
  await bob.page.screenshot({ path: path.join(artifacts, 'conversations-bob-phone-inbox.png') });
  await bob.page.click('.dm-request.incoming .decline');
  await alice.page.waitForSelector('.dm-request', { state: 'detached' });
  await bob.page.waitForSelector('.dm-request', { state: 'detached' });
  await ask();
  await alice.page.click('.dm-request.outgoing .cancel');
  await bob.page.waitForSelector('.dm-request', { state: 'detached' });
  await alice.page.waitForSelector('#inbox', { state: 'hidden' });
  await ask();
  await bob.page.click('.dm-request.incoming .accept');
  await alice.page.waitForSelector(`#conv-title:has-text("${bobId}")`);
  await bob.page.waitForSelector(`#conv-title:has-text("${aliceId}")`);
  const tooLateAfter = Date.now() + RECALL_WINDOW_MS;
  await send(alice.page, 'old news');
  await shown(bob.page, 'old news');
  // Read at once, Bob having the chat open (even when it came before Bob's list knew the new chat).
  await alice.page.waitForSelector('.msg.mine:has(.text:text-is("old news")) .receipt.read');

  // Ticks: "sent" while Bob is elsewhere, "read" once he opens the chat.
  await openChat(bob.page, hallConv);
  const tick = '.msg.mine:has(.text:text-is("are you there?")) .receipt';
  await send(alice.page, 'are you there?');
  await alice.page.waitForSelector(`${tick}.sent`);
  await showList(bob.page);
  await bob.page.waitForSelector(`${row(dm)} .badge:text-is("1")`);
  await openChat(bob.page, dm);
  await alice.page.waitForSelector(`${tick}.read:has-text("read")`);

  // Typing shows under the title, and goes when Bob's input empties.
  await bob.page.type('#composer-input', 'hm');
  await alice.page.waitForSelector('#conv-typing:not([hidden]):has-text("typing")');
  await bob.page.fill('#composer-input', '');
  await bob.page.dispatchEvent('#composer-input', 'input');
  await alice.page.waitForSelector('#conv-typing', { state: 'hidden' });

  // Recall within the window: both see the placeholder. Delete for me: gone for Bob only.
  await send(alice.page, 'oops');
  await shown(bob.page, 'oops');
  await messageAction(alice.page, 'oops', 'recall');
  await alice.page.waitForSelector('.notice.recalled:text-is("You recalled a message")');
  await bob.page.waitForSelector('.notice.recalled:text-is("Alice recalled a message")');
  assert.equal(await bob.page.locator('.text:text-is("oops")').count(), 0);
  await messageAction(bob.page, 'are you there?', 'delete');
  await bob.page.waitForSelector('.text:text-is("are you there?")', { state: 'detached' });
  assert.equal(await alice.page.locator('.text:text-is("are you there?")').count(), 1, 'deleted for Bob only');

  // Too late: the server refuses, the page says so, the message stays.
  const wait = tooLateAfter + 500 - Date.now();
  if (wait > 0) await alice.page.waitForTimeout(wait); // the recall window is a duration: it has to pass
  await messageAction(alice.page, 'old news', 'recall');
  await alice.page.waitForSelector('#toast:has-text("Too late to recall")');
  assert.equal(await bob.page.locator('.text:text-is("old news")').count(), 1);

  // Blocking: Bob blocks Alice from the list; her messages are refused until he unblocks her.
  await rowAction(bob.page, dm, 'block');
  await bob.page.waitForSelector(`#blocked-list li[data-user="${aliceId}"]`);
  await alice.page.fill('#composer-input', 'let me in');
  await alice.page.click('#send-btn');
  await alice.page.waitForSelector('.msg.failed:has-text("not sent: forbidden")');
  await bob.page.click(`#blocked-list li[data-user="${aliceId}"] .unblock`);
  await bob.page.waitForSelector('#blocked', { state: 'hidden' });
  await send(alice.page, 'thanks');
  await hideList(bob.page);
  await shown(bob.page, 'thanks');

  // A request made while the asked user is away is in their inbox when they come.
  const cyId = uniqueName('cy');
  await alice.page.fill('#dm-user-input', cyId);
  await alice.page.click('#dm-request-btn');
  await alice.page.waitForSelector(`.dm-request.outgoing:has-text("${cyId}")`);
  const cy = await signIn({ width: 390, height: 844 }, 'Cy', cyId);
  await cy.page.waitForSelector('.dm-request.incoming:has-text("Alice wants to chat")');

  // The phone: nothing widens the page, "Log out" and the composer stay on screen.
  assert.equal(await bob.page.evaluate(() => document.documentElement.scrollWidth), 390);
  for (const selector of ['#logout-btn', '#send-btn', '#conv-title']) {
    const box = await bob.page.locator(selector).boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `${selector} is on screen`);
  }
  await alice.page.screenshot({ path: path.join(artifacts, 'conversations-alice-desktop.png') });
  await bob.page.screenshot({ path: path.join(artifacts, 'conversations-bob-phone.png') });
  assert.deepEqual([...alice.errors, ...bob.errors, ...cy.errors], [], 'no page errors');
});
