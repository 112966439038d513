// Broadcasts in the browser: a broadcast to five numbers on the first-start sandbox channel,
// created from the console's form (a template, pasted numbers, a send time a few seconds
// ahead), whose bar goes from 0 to 100 % live on its page and in the list, without a reload;
// the sandbox emulator answers with statuses by itself. Screenshots: broadcasts.png (the list)
// and broadcast.png (the broadcast's page).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, artifacts, browserSession, openSignedIn, streaming } from './support.mjs';

const suite = browserSession();
const { problems, watch } = suite;

test('broadcasts: created from the form, the bar reaches 100 % live on the page and in the list', async () => {
  const channels = await api('GET', '/v1/channels');
  // The first-start channel is the oldest sandbox channel (the list is oldest first).
  const sandbox = channels.data.find((c) => c.kind === 'sandbox');
  assert.ok(sandbox, 'the first-start sandbox channel');
  // The sandbox's hello_world template is approved once the channel's templates are synced.
  await api('POST', `/v1/channels/${sandbox.id}/templates/sync`);

  // One recipient wrote before: their target links to the conversation in the Inbox.
  await api('POST', `/v1/channels/${sandbox.id}/sandbox/inbound`,
    { from: '15551400001', type: 'text', text: { body: 'Any winter deals?' }, profile: { name: 'Ana' } });

  const page = watch(await suite.context.newPage(), 'broadcast');
  await openSignedIn(page, '/console/broadcasts');
  assert.equal(await page.locator('h1').textContent(), 'Broadcasts');
  assert.equal(await page.locator('nav a.on').textContent(), 'Broadcasts');

  // The form: a template to five pasted numbers, starting in a few seconds.
  await page.selectOption('#bc-channel', sandbox.id);
  await page.fill('#bc-name', 'Winter sale <b>-20%</b>');
  await page.check('#kind-template');
  await page.selectOption('#bc-template', 'hello_world|en_US');
  await page.check('#audience-numbers');
  const numbers = ['+1 555 140 0001', '15551400002', '15551400003', '15551400004', '15551400005'];
  await page.fill('#bc-numbers', numbers.join('\n'));
  await page.fill('#bc-send-at', new Date(Date.now() + 8000).toISOString());
  await Promise.all([page.waitForURL(/\/console\/broadcasts\/bc_[0-9A-Za-z]+\?created=1$/), page.click('#create-broadcast')]);
  const id = new URL(page.url()).pathname.split('/').pop();
  assert.match(await page.locator('.flash').textContent(), /Broadcast created/);
  assert.equal(await page.locator('h1').textContent(), 'Winter sale <b>-20%</b>', 'the name is text, not markup');
  await streaming(page);
  const progress = page.locator('#progress .bc-progress');
  assert.equal(await progress.getAttribute('data-status'), 'scheduled');
  assert.equal(await progress.getAttribute('data-percent'), '0');
  assert.equal(await page.locator('#actions #pause').count(), 1, 'a scheduled broadcast can be paused');
  // Set on this document: still there after the bar moved means no reload happened.
  await page.evaluate(() => { window.notReloaded = true; });

  // The list, open in a second tab, follows the same broadcast.
  const list = watch(await suite.context.newPage(), 'broadcasts');
  await list.goto(new URL('/console/broadcasts', page.url()).href);
  await streaming(list);
  const row = list.locator(`#progress-${id} .bc-progress`);
  assert.equal(await row.getAttribute('data-percent'), '0');

  // The emulator sends and answers by itself: both bars reach 100 % live.
  await page.waitForFunction(() => document.querySelector('#progress .bc-progress')?.dataset.percent === '100', null, { timeout: 60000 });
  await list.waitForFunction((bc) => document.querySelector(`#progress-${bc} .bc-progress`)?.dataset.percent === '100', id, { timeout: 15000 });
  assert.equal(await page.evaluate(() => window.notReloaded), true, 'updated without a reload');
  assert.equal(await progress.getAttribute('data-status'), 'completed');
  assert.equal(await page.locator('#progress progress').getAttribute('value'), '5');
  assert.equal(await page.locator('#progress progress').getAttribute('max'), '5');
  assert.equal((await page.locator('#progress .counters .total b').textContent()).trim(), '5');
  assert.equal(await page.locator('#actions #pause').count(), 0, 'no pause once completed, live');
  assert.equal(await row.getAttribute('data-status'), 'completed');
  assert.match(await list.locator(`#bc-${id}`).textContent(), /Winter sale <b>-20%<\/b>/);
  const view = await api('GET', `/v1/broadcasts/${id}`);
  assert.equal(view.status, 'completed');
  assert.equal(view.counters.total, 5);

  // Let the read receipts land, then show the page with its targets.
  await page.waitForTimeout(1500);
  await page.reload();
  assert.equal(await page.locator('#targets tbody tr').count(), 5);
  assert.match(await page.locator('#targets tbody tr').first().textContent(), /15551400001/);
  await page.screenshot({ path: `${artifacts}/broadcast.png`, fullPage: true });
  await list.reload();
  await list.screenshot({ path: `${artifacts}/broadcasts.png`, fullPage: true });

  // The customer who wrote before: their target links to the conversation in the Inbox.
  assert.equal(await page.locator('#targets tbody tr a').count(), 1, 'only a customer with a conversation is linked');
  await Promise.all([page.waitForURL(/\/console\/inbox\/ch_[0-9A-Za-z]+\/15551400001$/), page.click('#targets tbody tr:first-child a')]);
  assert.match(await page.locator('#thread').textContent(), /Any winter deals\?/);

  await list.close();
  await page.close();
  assert.deepEqual(problems, [], 'no console error, no CSP violation, no HTTP error');
});
