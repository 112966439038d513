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
      problems.push(`${name}: console ${message.type()}: ${text}`);
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

  // Sign out ends the session.
  await page.click('button:has-text("Sign out")');
  await page.waitForURL(/\/console\/sign-in$/);
  await page.goto(new URL('/console/channels', link).href);
  await page.waitForURL(/\/console\/sign-in$/);
  await page.screenshot({ path: `${artifacts}/sign-in.png`, fullPage: true });

  assert.deepEqual(problems, [], 'no console error and no CSP violation');
});

// Signs `page` in with the default account's key (SWITCHBOARD_API_KEY, which
// scripts/browser-tests.sh takes from what `serve` printed) when its session ended (an
// earlier test signed out), then opens `path`.
async function openSignedIn(page, path) {
  await page.goto(new URL(path, link).href);
  if (new URL(page.url()).pathname === '/console/sign-in') {
    assert.ok(process.env.SWITCHBOARD_API_KEY, 'SWITCHBOARD_API_KEY is required to sign in again');
    await page.fill('#key', process.env.SWITCHBOARD_API_KEY);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/console\/channels$/);
    await page.goto(new URL(path, link).href);
  }
}

test('webhooks: a broken endpoint shows a failed delivery, replay succeeds once it is fixed; API keys: a key is shown once', async () => {
  // A webhook endpoint that answers 500 until it is "fixed", then 200.
  const { createServer } = await import('node:http');
  let fixed = false;
  const received = [];
  const endpoint = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      received.push({ fixed, body });
      response.writeHead(fixed ? 200 : 500, { 'content-type': 'text/plain' });
      response.end(fixed ? 'ok' : 'broken: <b>database down</b>');
    });
  });
  await new Promise((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${endpoint.address().port}/hook`;
  try {
    const page = watch(await context.newPage(), 'webhooks');
    await openSignedIn(page, '/console/webhooks');
    assert.equal(await page.locator('h1').textContent(), 'Webhooks');

    // Create a subscription: its secret is shown once.
    await page.fill('#url', url);
    await page.fill('#description', 'broken on purpose');
    await page.click('#new-subscription button[type=submit]');
    const secret = (await page.locator('#secret').textContent()).trim();
    assert.match(secret, /^whsec_/);
    await page.screenshot({ path: `${artifacts}/webhook-created.png`, fullPage: true });
    await page.click('#open-subscription');
    await page.waitForURL(/\/console\/webhooks\/sub_[^/?]+$/);
    const subscriptionUrl = page.url();
    assert.equal((await page.content()).includes(secret), false, 'the secret is shown once only');

    // Send a test event: the failed attempt appears in the log (polled live).
    await page.click('#send-test');
    await page.waitForURL(/\?tested=dlv_/);
    await page.waitForFunction(() => {
      const row = document.querySelector('#deliveries tbody tr');
      return row && row.textContent.includes('HTTP 500');
    }, null, { timeout: 20000 });
    const failed = page.locator('#deliveries tbody tr').first();
    assert.match(await failed.textContent(), /subscription\.test/);
    assert.match(await failed.locator('.badge').textContent(), /pending/);
    assert.match(await page.locator('#health').textContent(), /failing/);
    await page.screenshot({ path: `${artifacts}/webhooks.png`, fullPage: true });

    // Its detail: the attempt's code, latency and answer (shown as text), the request body.
    await failed.locator('a').first().click();
    await page.waitForURL(/\/deliveries\/dlv_/);
    const attempt = page.locator('#attempts tbody tr').first();
    assert.match(await attempt.textContent(), /500/);
    assert.match(await attempt.textContent(), /\d+ ms/);
    assert.match(await attempt.locator('pre').textContent(), /broken: <b>database down<\/b>/, 'the answer is text, not markup');
    assert.equal(await page.locator('#attempts b').count(), 0);
    assert.match(await page.locator('#request').textContent(), /"type": "subscription\.test"/);
    await page.screenshot({ path: `${artifacts}/delivery.png`, fullPage: true });

    // Fix the endpoint: retrying the failed delivery delivers it; a replay from it too.
    fixed = true;
    await page.goto(subscriptionUrl);
    await page.locator('#deliveries tbody tr').first().locator('button.retry').click();
    await page.waitForURL(/\?retried=dlv_/);
    const allDelivered = (n) => page.waitForFunction((count) => {
      const rows = [...document.querySelectorAll('#deliveries tbody tr')];
      return rows.length === count && rows.every((row) => row.textContent.includes('delivered') && row.textContent.includes('HTTP 200'));
    }, n, { timeout: 20000 });
    await allDelivered(1);
    await page.locator('#deliveries tbody tr').first().locator('button.replay').click();
    await page.waitForURL(/\?replayed=1$/);
    await allDelivered(2);
    assert.match(await page.locator('#health').textContent(), /healthy/);
    const tests = received.filter((r) => r.fixed && JSON.parse(r.body).type === 'subscription.test');
    assert.ok(tests.length >= 2, 'the endpoint got the retry and the replay');
    await page.screenshot({ path: `${artifacts}/webhooks-replayed.png`, fullPage: true });
    await page.goto(new URL('/console/webhooks', link).href);
    assert.match(await page.locator('#subscriptions').textContent(), /broken on purpose/);
    await page.screenshot({ path: `${artifacts}/webhooks-list.png`, fullPage: true });

    // API keys: create one, its secret shown once.
    await page.goto(new URL('/console/keys', link).href);
    await page.fill('#name', 'crm sync');
    await page.selectOption('#permission', 'read');
    await page.click('#new-key button[type=submit]');
    const key = (await page.locator('#created-key #secret').textContent()).trim();
    assert.match(key, /^sb_/);
    const row = page.locator('#keys tbody tr', { hasText: 'crm sync' });
    assert.match(await row.locator('.last-used').textContent(), /never/);
    await page.screenshot({ path: `${artifacts}/keys.png`, fullPage: true });
    await page.goto(new URL('/console/keys', link).href);
    assert.equal((await page.content()).includes(key), false, 'the key is shown once only');
    assert.equal(await page.locator('#keys tbody tr', { hasText: 'crm sync' }).count(), 1);
    await page.close();
  } finally {
    endpoint.close();
  }
  assert.deepEqual(problems, [], 'no console error and no CSP violation');
});
