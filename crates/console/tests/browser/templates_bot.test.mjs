// The Templates and Bot pages in headless Chromium, on the first-start sandbox channel:
// a template is previewed as the customer will see it, submitted for review, listed, and its
// status changes live when the sandbox's review ends; a bot rule is added and "try a message"
// names it, sending nothing. No console error, CSP violation or HTTP error on the way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, artifacts, browserSession, openSignedIn, streaming } from './support.mjs';

const suite = browserSession();
const { problems, watch } = suite;

/** The first-start sandbox channel's id. */
async function sandboxChannel() {
  const channels = await api('GET', '/v1/channels');
  const sandbox = channels.data.find((c) => c.kind === 'sandbox' && c.status === 'active')
    ?? channels.data.find((c) => c.kind === 'sandbox');
  assert.ok(sandbox, 'the first-start sandbox channel');
  return sandbox.id;
}

test('templates: preview shows the message with its examples, submit lists it, its status changes live', async () => {
  const channel = await sandboxChannel();
  const page = watch(await suite.context.newPage(), 'templates');
  await openSignedIn(page, '/console/channels');
  await page.click('nav a:has-text("Templates")');
  await page.waitForLoadState();
  if (new URL(page.url()).pathname === '/console/templates') {
    await page.click(`#channel-picker a[href="/console/channels/${channel}/templates"]`);
  }
  await page.waitForURL(new RegExp(`/console/channels/${channel}/templates`));
  assert.match(await page.locator('h1').textContent(), /Templates/);

  const name = `order_ready_${Date.now()}`;
  await page.fill('#tpl-name', name);
  await page.selectOption('#tpl-category', 'UTILITY');
  await page.fill('#tpl-header', 'Order {{1}}');
  await page.fill('#tpl-header-example', 'A-1001');
  await page.fill('#tpl-body', 'Hi {{1}}, your order {{2}} is ready for pickup.');
  await page.fill('#tpl-examples', 'Ann\nA-1001');
  await page.fill('#tpl-footer', 'Reply STOP to opt out');
  await page.selectOption('select[name=button_1_kind]', 'quick_reply');
  await page.fill('input[name=button_1_text]', 'Got it');
  await page.selectOption('select[name=button_2_kind]', 'url');
  await page.fill('input[name=button_2_text]', 'Track order');
  await page.fill('input[name=button_2_url]', 'https://example.com/orders/{{1}}');
  await page.fill('input[name=button_2_example]', 'A-1001');

  // Preview: the bubble with the examples filled in; the form keeps what was typed.
  await page.click('#preview-template');
  await page.waitForSelector('#template-preview');
  const bubble = page.locator('#template-preview');
  assert.match(await bubble.textContent(), /Hi Ann, your order A-1001 is ready for pickup\./);
  assert.match(await bubble.textContent(), /Order A-1001/);
  assert.match(await bubble.textContent(), /https:\/\/example\.com\/orders\/A-1001/);
  assert.equal(await page.inputValue('#tpl-name'), name);
  await page.screenshot({ path: `${artifacts}/templates.png`, fullPage: true });

  // Submit for review: listed, PENDING (or already reviewed).
  await page.click('#submit-template');
  await page.waitForURL(/\?created=/);
  await streaming(page);
  const row = page.locator('#templates tbody tr', { hasText: name });
  await row.waitFor();
  const status = row.locator('td .badge');
  assert.match(await status.textContent(), /PENDING|APPROVED/);
  // The sandbox's review approves it: the badge changes live, without a reload.
  await page.waitForFunction((n) => {
    const tr = [...document.querySelectorAll('#templates tbody tr')].find((r) => r.textContent.includes(n));
    return tr && tr.querySelector('td .badge')?.textContent === 'APPROVED';
  }, name, { timeout: 30000 });
  await page.screenshot({ path: `${artifacts}/templates-listed.png`, fullPage: true });
  await page.close();
  assert.deepEqual(problems, []);
});

test('bot: a rule is added and "try a message" names it, sending nothing', async () => {
  const channel = await sandboxChannel();
  const page = watch(await suite.context.newPage(), 'bot');
  await openSignedIn(page, '/console/channels');
  await page.click('nav a:has-text("Bot")');
  await page.waitForLoadState();
  if (new URL(page.url()).pathname === '/console/bot') {
    await page.click(`#channel-picker a[href="/console/channels/${channel}/bot"]`);
  }
  await page.waitForURL(new RegExp(`/console/channels/${channel}/bot`));

  // Turn the bot on through the settings form.
  await page.check('#bot-enabled');
  await page.click('#save-settings');
  await page.waitForURL(/done=settings/);
  assert.match(await page.locator('.flash').first().textContent(), /Settings saved/);

  // Add a rule.
  const keyword = `hours${Date.now() % 100000}`;
  await page.fill('#new-rule input[name=pattern]', keyword);
  await page.fill('#new-rule textarea[name=reply_text]', 'We are open 9 to 5, [name].');
  await page.click('#add-rule');
  await page.waitForURL(/done=created/);
  const rule = page.locator('#rules li', { hasText: keyword });
  await rule.waitFor();
  const ruleId = await rule.getAttribute('data-rule');
  const messagesBefore = await api('GET', `/v1/channels/${channel}/messages?limit=500`);

  // Try a message: the rule is named with the reply it would send.
  await page.fill('#try-form input[name=text]', keyword.toUpperCase());
  await page.click('#try-button');
  await page.waitForSelector('#trial');
  const trial = await page.locator('#trial').textContent();
  assert.match(trial, new RegExp(`fires \\(is exactly “${keyword}”\\): ${ruleId}`));
  assert.match(trial, /We are open 9 to 5, there\./);
  await page.locator('#try').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${artifacts}/bot.png`, fullPage: true });
  const messagesAfter = await api('GET', `/v1/channels/${channel}/messages?limit=500`);
  assert.deepEqual(messagesAfter.data, messagesBefore.data, 'trying sends nothing');

  // Leave the bot off again for the other test files.
  await page.goto(page.url().replace(/\/try$/, ''));
  await page.uncheck('#bot-enabled');
  await page.click('#save-settings');
  await page.waitForURL(/done=settings/);
  await page.close();
  assert.deepEqual(problems, []);
});
