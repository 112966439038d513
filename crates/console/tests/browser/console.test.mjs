// Browser tests of the console in Debian's headless Chromium (playwright-core, no browser
// download): sign-in, channels, pairing, the inbox, webhooks and keys. They start nothing
// themselves: scripts/browser-tests.sh starts `switchboard serve` on a fresh SQLite database,
// passes its first-start sign-in link and runs this file first (its first test uses that
// one-time link), then the other `*.test.mjs` files. What they share is in support.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { artifacts, browserSession, link, openSignedIn, streaming } from './support.mjs';

const suite = browserSession();
const { problems, watch } = suite;

test('the one-time link signs in, a sandbox channel is added, events and badges change live, no CSP violation', async () => {
  const page = watch(await suite.context.newPage(), 'main');
  await page.goto(link);
  await page.waitForURL(/\/console\/channels$/);
  assert.equal(await page.locator('h1').textContent(), 'Channels');
  const cookies = await suite.context.cookies();
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
  const events = watch(await suite.context.newPage(), 'events');
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
  const list = watch(await suite.context.newPage(), 'list');
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

test('a WhatsApp Web channel pairs from its panel: the QR code is replaced live, the emulator scans, the panel turns paired', async () => {
  const page = watch(await suite.context.newPage(), 'pairing');
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

test('inbox: a sandbox inbound appears unread, a reply ticks to read, a closed window switches to templates', async () => {
  const key = process.env.SWITCHBOARD_API_KEY;
  assert.ok(key, 'SWITCHBOARD_API_KEY is required (scripts/browser-tests.sh passes the first-start key)');
  const base = new URL('/', link).href.replace(/\/$/, '');
  const api = async (method, path, body) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    assert.ok(response.status < 300, `${method} ${path}: ${response.status} ${text}`);
    return JSON.parse(text);
  };
  const sseOpen = (p) => p.waitForFunction(() => {
    const el = document.querySelector('[sse-connect]');
    const source = el && el['htmx-internal-data'] && el['htmx-internal-data'].sseEventSource;
    return source && source.readyState === 1;
  }, null, { timeout: 10000 });

  const page = watch(await suite.context.newPage(), 'inbox');
  await openSignedIn(page, '/console/channels');
  await page.waitForURL(/\/console\/channels$/);

  const channels = await api('GET', '/v1/channels');
  const sandbox = channels.data.find((c) => c.kind === 'sandbox' && c.status === 'active') ?? channels.data.find((c) => c.kind === 'sandbox');
  assert.ok(sandbox, 'the first-start sandbox channel');
  const channel = sandbox.id;

  // A customer writes while the Inbox is open: the row appears live with an unread badge.
  await page.click('nav a:has-text("Inbox")');
  await page.waitForURL(/\/console\/inbox$/);
  await sseOpen(page);
  const customer = '15551239001';
  await api('POST', `/v1/channels/${channel}/sandbox/inbound`,
    { from: customer, type: 'text', text: { body: 'Hello <b>shop</b>, is my order ready?' }, profile: { name: 'Ana <i>Test</i>' } });
  const row = page.locator(`#cv-${channel}-${customer}`);
  await row.waitFor({ timeout: 15000 });
  assert.equal((await row.locator('.badge.unread').textContent()).trim(), '1');
  assert.match(await row.textContent(), /Hello <b>shop<\/b>/, 'customer text shown as text, not markup');
  assert.match(await row.locator('.window').textContent(), /window closes in 2[34] h/);
  assert.equal(await page.locator('#conversations tr.empty').isVisible(), false);
  await page.screenshot({ path: `${artifacts}/inbox.png`, fullPage: true });

  // Open the thread (marks it read), reply, and watch the tick reach read.
  await row.locator('a').first().click();
  await page.waitForURL(new RegExp(`/console/inbox/${channel}/${customer}$`));
  await sseOpen(page);
  assert.match(await page.locator('#thread li.bubble.in').last().textContent(), /Hello <b>shop<\/b>/);
  assert.equal(await page.locator('#template-picker').isVisible(), false);
  assert.match(await page.locator('#window-state').textContent(), /window closes in/);
  await page.fill('#text', 'Yes, it ships today.');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#free-form button[type=submit]')]);
  assert.match(page.url(), new RegExp(`/console/inbox/${channel}/${customer}$`));
  await sseOpen(page);
  const reply = page.locator('#thread li.bubble.out').last();
  assert.match(await reply.textContent(), /it ships today/);
  await page.waitForFunction(() => {
    const ticks = document.querySelectorAll('#thread li.bubble.out .tick');
    return ticks.length > 0 && ticks[ticks.length - 1].classList.contains('read');
  }, null, { timeout: 20000 });
  const conversation = await api('GET', `/v1/conversations/${channel}/${customer}`);
  assert.equal(conversation.unread_count, 0, 'opening the thread marked it read');
  await page.screenshot({ path: `${artifacts}/thread.png`, fullPage: true });

  // A customer who last wrote 25 hours ago: the window is closed, the composer is the
  // template picker with a form per template.
  const late = '15551239002';
  const dayAgo = Math.floor(Date.now() / 1000) - 25 * 3600;
  await api('POST', `/v1/channels/${channel}/sandbox/inbound`,
    { from: late, type: 'text', text: { body: 'Are you open tomorrow?' }, timestamp: String(dayAgo) });
  const closed = `${base}/console/inbox/${channel}/${late}`;
  let stored = false;
  for (let i = 0; i < 100 && !stored; i += 1) {
    const response = await fetch(`${base}/v1/conversations/${channel}/${late}`,
      { headers: { authorization: `Bearer ${key}` } });
    stored = response.status === 200;
    if (!stored) await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(stored, 'the late customer\'s message is stored');
  await page.goto(closed);
  assert.equal(await page.locator('#free-form').isVisible(), false, 'no free-form composer');
  assert.equal(await page.locator('#template-picker').isVisible(), true, 'the template picker');
  assert.match(await page.locator('#window-state').textContent(), /window closed/);
  if (await page.locator('form.template').count() === 0) {
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('#sync-templates')]);
  }
  const hello = page.locator('form.template:has(input[name=name][value=hello_world])');
  await hello.waitFor({ timeout: 10000 });
  await page.screenshot({ path: `${artifacts}/thread-template.png`, fullPage: true });
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), hello.locator('button[type=submit]').click()]);
  assert.match(page.url(), new RegExp(`/console/inbox/${channel}/${late}$`), 'sent, no error');
  assert.match(await page.locator('#thread li.bubble.out').last().textContent(), /hello_world/);

  await page.close();
  assert.deepEqual(problems, [], 'no console error and no CSP violation');
});

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
    const page = watch(await suite.context.newPage(), 'webhooks');
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
    // The health badge follows the polled log.
    await page.waitForFunction(() => /failing/.test(document.querySelector('#health')?.textContent ?? ''), null, { timeout: 10000 });
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

// Last: signing out ends the session (the tests above share it).
test('sign out ends the session', async () => {
  // The earlier tests' pages share the session: close them first, or their live streams end
  // with an (expected) error when the session does.
  for (const open of suite.context.pages()) await open.close();
  const page = watch(await suite.context.newPage(), 'sign-out');
  await page.goto(new URL('/console/channels', link).href);
  await page.click('button:has-text("Sign out")');
  await page.waitForURL(/\/console\/sign-in$/);
  await page.goto(new URL('/console/channels', link).href);
  await page.waitForURL(/\/console\/sign-in$/);
  await page.screenshot({ path: `${artifacts}/sign-in.png`, fullPage: true });
  assert.deepEqual(problems, [], 'no console error and no CSP violation');
});

// The Inbox: a sandbox customer's message appears with an unread badge, live; the thread
// opens, a reply's tick goes to read live; a conversation whose window is closed offers the
// template picker instead of the free-form composer. Signs in again with the first-start key
// (the first test signed out) and drives the sandbox's simulated customers through the API.
