// The overview, the statistics page, a file sent from the composer with its preview, and the
// admin's accounts and credits in headless Chromium: traffic made through the sandbox shows
// on the overview and in the charts; an uploaded image is drawn in the thread; the admin
// creates an account (its key shown once) and gives it credits. No console error, no CSP
// violation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, artifacts, browserSession, link, openSignedIn } from './support.mjs';

const suite = browserSession();
const { problems, watch } = suite;

/** Polls `check` until it answers truthy (at most `seconds`). */
async function eventually(seconds, what, check) {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    const value = await check();
    if (value) return value;
    assert.ok(Date.now() < end, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

test('the overview and the statistics show the sandbox traffic; the charts are SVG drawn by the server', async () => {
  const channels = await api('GET', '/v1/channels');
  const sandbox = channels.data.find((c) => c.kind === 'sandbox' && c.status === 'active') ?? channels.data.find((c) => c.kind === 'sandbox');
  assert.ok(sandbox, 'the first-start sandbox channel');
  const channel = sandbox.id;

  // A customer writes, gets an answer, and a template to a number that does not exist fails.
  const customer = '15551235001';
  await api('POST', `/v1/channels/${channel}/sandbox/inbound`, { from: customer, type: 'text', text: { body: 'Any news?' } });
  await eventually(15, 'the inbound message', async () => {
    const page = await api('GET', `/v1/channels/${channel}/messages?direction=inbound&limit=100`);
    return page.data.some((m) => m.chat === customer);
  });
  const reply = await api('POST', `/v1/channels/${channel}/messages`,
    { messaging_product: 'whatsapp', to: customer, type: 'text', text: { body: 'Tomorrow.' } });
  const failing = await api('POST', `/v1/channels/${channel}/messages`,
    { messaging_product: 'whatsapp', to: '15551250404', type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } });
  const replyId = reply.messages[0].id;
  const failedId = failing.messages[0].id;
  await eventually(20, 'the reply delivered and the template failed', async () => {
    const [a, b] = await Promise.all([api('GET', `/v1/messages/${replyId}`), api('GET', `/v1/messages/${failedId}`)]);
    return ['delivered', 'read'].includes(a.status) && b.status === 'failed';
  });

  const page = watch(await suite.context.newPage(), 'overview');
  await openSignedIn(page, '/console');
  assert.equal((await page.locator('h1').textContent()).trim(), 'Overview');
  const row = page.locator(`#channels-today tr[data-channel="${channel}"]`);
  assert.ok(Number(await row.locator('td.sent').textContent()) >= 1, 'sent today');
  assert.ok(Number(await row.locator('td.received').textContent()) >= 1, 'received today');
  assert.ok(Number(await page.locator('#waiting strong').textContent()) >= 1, 'a conversation waits');
  await page.screenshot({ path: `${artifacts}/overview.png`, fullPage: true });

  // Statistics: pick the sandbox, see the month's charts and the failure's code.
  await page.click('nav a:has-text("Statistics")');
  await page.waitForURL(/\/console\/stats$/);
  await page.selectOption('#stats-channel', channel);
  await page.click('#stats-period button[type=submit]');
  await page.waitForURL(new RegExp(`/console/stats\\?channel=${channel}`));
  assert.equal(await page.locator('figure.chart svg').count(), 3);
  assert.ok(await page.locator('#chart-outbound rect.s-sent').count() >= 1, 'a sent bar');
  assert.ok(await page.locator('#chart-failed rect.s-failed').count() >= 1, 'a failed bar');
  const bar = page.locator('#chart-outbound rect.s-sent').first();
  assert.equal(await bar.evaluate((el) => getComputedStyle(el).fill), 'rgb(191, 219, 254)', 'the stylesheet colours the SVG');
  assert.match(await page.locator('#failures tbody').textContent(), /131026/);
  await page.screenshot({ path: `${artifacts}/stats.png`, fullPage: true });

  // The previous month is empty and says so.
  await page.click('#previous-month');
  assert.equal((await page.locator('#total-sent strong').textContent()).trim(), '0');
  assert.equal(await page.locator('#failures tr.empty').isVisible(), true);

  assert.deepEqual(problems, [], 'no console error and no CSP violation');
});

test('a file sent from the composer is stored, sent as an image and previewed in the thread', async () => {
  const channels = await api('GET', '/v1/channels');
  const sandbox = channels.data.find((c) => c.kind === 'sandbox' && c.status === 'active') ?? channels.data.find((c) => c.kind === 'sandbox');
  const customer = '15551235002';
  await api('POST', `/v1/channels/${sandbox.id}/sandbox/inbound`, { from: customer, type: 'text', text: { body: 'A photo please' } });
  await eventually(15, 'the inbound message', async () => {
    const page = await api('GET', `/v1/channels/${sandbox.id}/messages?direction=inbound&limit=100`);
    return page.data.some((m) => m.chat === customer);
  });
  const page = watch(await suite.context.newPage(), 'upload');
  await openSignedIn(page, `/console/inbox/${sandbox.id}/${customer}`);
  await page.click('#other-kinds summary');
  // A real 1×1 PNG, so the browser can draw the preview.
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  await page.fill('#file-caption', 'our <b>shop</b>');
  await page.setInputFiles('#file', { name: 'shop.png', mimeType: 'image/png', buffer: png });
  await page.click('#send-file button[type=submit]');
  await page.waitForURL(new RegExp(`/console/inbox/${sandbox.id}/${customer}$`));
  const img = page.locator('#thread li.bubble.out p.media img').last();
  await img.waitFor({ timeout: 10000 });
  await page.waitForFunction(() => {
    const all = document.querySelectorAll('#thread li.bubble.out p.media img');
    const last = all[all.length - 1];
    return last && last.complete && last.naturalWidth === 1;
  }, null, { timeout: 10000 });
  assert.match(await page.locator('#thread li.bubble.out').last().textContent(), /our <b>shop<\/b>/);
  await page.screenshot({ path: `${artifacts}/thread-media.png`, fullPage: true });
  assert.deepEqual(problems, [], 'no console error and no CSP violation');
});

test('the admin creates an account (its key shown once) and gives it credits', async () => {
  const adminKey = process.env.SWITCHBOARD_ADMIN_KEY;
  assert.ok(adminKey, 'SWITCHBOARD_ADMIN_KEY is required (scripts/browser-tests.sh passes the first-start admin key)');
  const admin = await suite.browser.newContext();
  const page = watch(await admin.newPage(), 'admin');
  await page.goto(new URL('/console/sign-in', link).href);
  await page.fill('#key', adminKey);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/console\/accounts$/);
  assert.equal(await page.locator('nav a').count(), 1, 'the admin sees the accounts only');

  await page.fill('#account-name', 'Acme <Shop>');
  await page.click('#new-account button[type=submit]');
  const secret = (await page.locator('#created-account #secret').textContent()).trim();
  assert.match(secret, /^sb_/);
  const row = page.locator('#accounts tbody tr[data-account]', { hasText: 'Acme <Shop>' });
  assert.equal(await row.count(), 1, 'the name is shown as text');
  await row.locator('a').click();
  await page.waitForURL(/\/console\/accounts\/acc_/);
  await page.fill('#amount', '250');
  await page.fill('#note', 'welcome credits');
  await page.click('#change-credits button[type=submit]');
  await page.waitForURL(/\?changed=250$/);
  assert.equal((await page.locator('#balance').textContent()).trim(), '250');
  assert.match(await page.locator('#movements tbody').textContent(), /welcome credits/);
  await page.screenshot({ path: `${artifacts}/account.png`, fullPage: true });
  await admin.close();

  assert.deepEqual(problems, [], 'no console error and no CSP violation');
});
