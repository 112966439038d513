// Browser tests of the console in Debian's headless Chromium (playwright-core, no browser
// download). They start nothing themselves: scripts/browser-tests.sh starts `switchboard serve`
// on a fresh SQLite database and passes its first-start sign-in link.
//
//   SWITCHBOARD_SIGN_IN_LINK  the one-time link `serve` printed (required)
//   CHROMIUM                  the browser (default /usr/bin/chromium)
//   ARTIFACTS                 where screenshots go (default ./artifacts)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const link = process.env.SWITCHBOARD_SIGN_IN_LINK;
const artifacts = process.env.ARTIFACTS ?? new URL('./artifacts/', import.meta.url).pathname;
mkdirSync(artifacts, { recursive: true });

let browser;
let context;
const problems = [];

function watch(page, name) {
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' || /Content Security Policy/i.test(text)) {
      problems.push(`${name}: console ${message.type()}: ${text} @ ${JSON.stringify(message.location())}`);
    }
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${name}: ${response.status()} for ${response.url()}`);
  });
  page.on('pageerror', (error) => problems.push(`${name}: page error: ${error.message}`));
  return page;
}

before(async () => {
  assert.ok(link, 'SWITCHBOARD_SIGN_IN_LINK is required');
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  context = await browser.newContext();
});

after(async () => {
  await browser?.close();
});

test('the one-time link signs in, a sandbox channel is added, events and badges change live, no CSP violation', async () => {
  const page = watch(await context.newPage(), 'main');
  await page.goto(link);
  await page.waitForURL(/\/console\/channels$/);
  assert.equal(await page.locator('h1').textContent(), 'Channels');
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'sb_session');
  assert.ok(session, 'a session cookie');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');
  assert.equal(await page.evaluate(() => document.cookie), '', 'the cookie is not readable by scripts');
  const storage = await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage));
  assert.doesNotMatch(storage, /sb_|sba_/, 'no key in the browser\'s storage');
  await page.screenshot({ path: `${artifacts}/channels.png`, fullPage: true });

  // The first-start sandbox channel is listed with its badge.
  const rows = page.locator('#channels tbody tr');
  const before = await rows.count();
  assert.ok(before >= 1);
  assert.equal(await rows.first().locator('.badge').textContent(), 'active');

  // The Events page, open in a second tab, receives the new channel's event live.
  const events = watch(await context.newPage(), 'events');
  await events.goto(new URL('/console/events', link).href);
  const eventRows = events.locator('#events tbody tr:not(.empty)');
  const eventsBefore = await eventRows.count();
  // htmx's SSE extension is connected once the EventSource is open.
  await events.waitForFunction(() => {
    const el = document.querySelector('[sse-connect]');
    const source = el && el['htmx-internal-data'] && el['htmx-internal-data'].sseEventSource;
    return source && source.readyState === 1;
  }, null, { timeout: 10000 });

  // Add a sandbox channel in one click (a plain form: POST, redirect, GET).
  await page.click('#add-sandbox');
  await page.waitForURL(/\/console\/channels\?added=ch_/);
  assert.match(await page.locator('.flash').textContent(), /Sandbox channel added/);
  assert.equal(await rows.count(), before + 1);
  const added = rows.last();
  assert.equal(await added.locator('.badge').textContent(), 'active');
  assert.equal(await added.locator('.badge').evaluate((el) => getComputedStyle(el).display), 'inline-block',
    'the stylesheet applies (style-src self)');

  await events.waitForFunction((n) => document.querySelectorAll('#events tbody tr:not(.empty)').length > n, eventsBefore, { timeout: 10000 });
  assert.equal(await events.locator('#events tr.empty').isVisible(), false, 'the empty state goes away');
  assert.match(await eventRows.first().textContent(), /channel\.status/);
  await events.screenshot({ path: `${artifacts}/events.png`, fullPage: true });

  // The channel's detail shows its status timeline.
  await added.locator('a').click();
  await page.waitForURL(/\/console\/channels\/ch_/);
  assert.match(await page.locator('#timeline').textContent(), /created/);
  await page.screenshot({ path: `${artifacts}/channel.png`, fullPage: true });

  await events.close();

  // Deleting it from its detail page turns its badge on the open list to "deleted", live.
  const channelId = page.url().split('/').pop();
  const list = watch(await context.newPage(), 'list');
  await list.goto(new URL('/console/channels', link).href);
  await list.waitForFunction(() => {
    const el = document.querySelector('[sse-connect]');
    const source = el && el['htmx-internal-data'] && el['htmx-internal-data'].sseEventSource;
    return source && source.readyState === 1;
  }, null, { timeout: 10000 });
  const name = (await page.locator('h1').textContent()).trim();
  await page.fill('#confirm', name);
  await page.click('button:has-text("Delete channel")');
  await page.waitForURL(/\/console\/channels\?deleted=ch_/);
  await list.waitForFunction((id) => document.querySelector(`#status-${id} .badge`)?.textContent === 'deleted', channelId, { timeout: 10000 });
  assert.match(await list.locator(`#status-${channelId} .badge`).getAttribute('class'), /bad/);
  await list.screenshot({ path: `${artifacts}/live-badge.png`, fullPage: true });
  await list.close();

  assert.deepEqual(problems, [], 'no console error and no CSP violation');
});

/** Waits until the page's htmx SSE connection is open. */
async function streaming(page) {
  await page.waitForFunction(() => {
    const el = document.querySelector('[sse-connect]');
    const source = el && el['htmx-internal-data'] && el['htmx-internal-data'].sseEventSource;
    return source && source.readyState === 1;
  }, null, { timeout: 10000 });
}

test('a WhatsApp Web channel pairs from its panel: the QR code is replaced live, the emulator scans, the panel turns paired', async () => {
  const page = watch(await context.newPage(), 'pairing');
  await page.goto(new URL('/console/channels', link).href);
  await page.fill('#web-name', 'shop phone');
  await page.click('#web-sandbox');
  assert.equal(await page.isChecked('#web-sandbox'), true);
  await page.click('#add-web');
  await page.waitForURL(/\/console\/channels\/ch_[0-9A-Za-z]+$/);
  const channelId = page.url().split('/').pop();
  assert.equal(await page.locator('#session-state').textContent(), 'stopped');

  await page.click('#session-start');
  await page.waitForURL(new RegExp(`/console/channels/${channelId}$`));
  await streaming(page);
  // The first code, drawn by the server, with its number and a countdown kept by console.js.
  await page.waitForFunction(() => /code 1 of 30/.test(document.querySelector('#qr-number')?.textContent ?? ''), null, { timeout: 20000 });
  await page.waitForFunction(() => {
    const img = document.querySelector('#qr-image');
    return img && img.complete && img.naturalWidth > 0;
  }, null, { timeout: 10000 });
  await page.waitForFunction(() => /expires in \d+ s/.test(document.querySelector('.qr .countdown')?.textContent ?? ''), null, { timeout: 5000 });
  await page.screenshot({ path: `${artifacts}/pairing.png`, fullPage: true });
  const first = await page.locator('#qr-image').getAttribute('src');

  // The next code replaces it live, image included.
  await page.waitForFunction(() => /code 2 of 30/.test(document.querySelector('#qr-number')?.textContent ?? ''), null, { timeout: 20000 });
  const second = await page.locator('#qr-image').getAttribute('src');
  assert.notEqual(second, first, 'a new image for the new code');
  await page.waitForFunction(() => {
    const img = document.querySelector('#qr-image');
    return img && img.complete && img.naturalWidth > 0;
  }, null, { timeout: 10000 });

  // The emulator's phone scans the code: the panel turns paired, live.
  const scanned = await fetch(new URL(`/sandbox/emulator/web/${channelId}/scan`, link), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone_number: '2349040613521', push_name: 'Shop' }),
  });
  assert.equal(scanned.status, 200, await scanned.text());
  await page.waitForFunction(() => document.querySelector('#pairing')?.dataset.state === 'working', null, { timeout: 20000 });
  assert.match(await page.locator('#pairing').textContent(), /Paired as\s+Shop/);
  assert.equal(await page.locator('#qr-image').count(), 0, 'the QR code is gone');
  assert.equal(await page.locator('#session-state').textContent(), 'working');
  await page.screenshot({ path: `${artifacts}/paired.png`, fullPage: true });
  await page.close();
  assert.deepEqual(problems, [], 'no console error and no CSP violation');
});

// Last: signing out ends the session (the tests above share it).
test('sign out ends the session', async () => {
  const page = watch(await context.newPage(), 'sign-out');
  await page.goto(new URL('/console/channels', link).href);
  await page.click('button:has-text("Sign out")');
  await page.waitForURL(/\/console\/sign-in$/);
  await page.goto(new URL('/console/channels', link).href);
  await page.waitForURL(/\/console\/sign-in$/);
  await page.screenshot({ path: `${artifacts}/sign-in.png`, fullPage: true });
  assert.deepEqual(problems, [], 'no console error and no CSP violation');
});
