// The Contacts page in Chromium: a CSV of a few thousand rows (a few of them bad) uploaded
// through the import form; the import's page shows the bar moving to 100 % live (over
// /console/live, from the contact.import.* events) and then the row errors; a search finds
// one imported contact. Screenshots: contacts.png and import.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, artifacts, browserSession, openSignedIn, streaming } from './support.mjs';

const suite = browserSession();
const { problems, watch } = suite;

/** A CSV of `rows` data rows; the rows at `bad` (0-based) have a phone that is not one. */
function csv(rows, bad) {
  const lines = ['phone,name,tags,city'];
  for (let n = 0; n < rows; n += 1) {
    if (bad.includes(n)) {
      lines.push(`not-a-phone-${n},Broken ${n},,Nowhere`);
    } else {
      const tag = n % 100 === 0 ? 'vip' : 'lead';
      lines.push(`+26378${String(n).padStart(7, '0')},Customer ${n},${tag},Harare`);
    }
  }
  return `${lines.join('\n')}\n`;
}

test('contacts: a CSV import\'s bar reaches 100 % live, its row errors are listed, a search finds a contact', async (t) => {
  const page = watch(await suite.context.newPage(), 'contacts');
  await openSignedIn(page, '/console/contacts');
  await page.waitForURL(/\/console\/contacts$/);
  assert.equal(await page.locator('h1').textContent(), 'Contacts');

  const rows = 6000;
  const bad = [17, 2500, 5999];
  await page.selectOption('#mode', 'upsert');
  await page.setInputFiles('#file', {
    name: 'customers.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(csv(rows, bad)),
  });
  await Promise.all([
    page.waitForURL(/\/console\/contacts\/imports\/imp_[0-9A-Za-z]+$/),
    page.click('#import-form button[type=submit]'),
  ]);
  const id = page.url().split('/').pop();
  // The page as rendered: the job had not finished yet, so what follows comes over the stream.
  const first = Number(await page.locator('#import-bar').getAttribute('value'));
  const max = Number(await page.locator('#import-bar').getAttribute('max'));
  assert.equal(max, rows, 'the bar\'s maximum is the file\'s rows');
  await streaming(page);
  await page.waitForFunction(() => {
    const bar = document.querySelector('#import-bar');
    return bar && Number(bar.getAttribute('value')) === Number(bar.getAttribute('max'))
      && document.querySelector('#import-status')?.textContent === 'finished';
  }, null, { timeout: 60000 });
  assert.equal((await page.locator('#import-percent').textContent()).trim(), '100 %');
  assert.equal((await page.locator('#import-processed').textContent()).trim(), `${rows} / ${rows}`);
  assert.equal((await page.locator('#import-failed').textContent()).trim(), String(bad.length));

  // The job as the API reports it agrees; if the page was rendered before the end, the
  // stream moved the bar.
  const job = await api('GET', `/v1/contacts/imports/${id}`);
  assert.equal(job.status, 'finished');
  assert.equal(job.created + job.updated + job.skipped, rows - bad.length);
  t.diagnostic(`the page was rendered at ${first} / ${rows}`);
  if (first < rows) {
    assert.equal(Number(await page.locator('#import-bar').getAttribute('value')), rows, 'the bar moved live');
  }

  // The row errors: the line (the header is line 1) and what to fix.
  const errors = page.locator('#import-errors tbody tr');
  await errors.first().waitFor();
  assert.equal(await errors.count(), bad.length);
  for (const [i, n] of bad.entries()) {
    const cells = errors.nth(i).locator('td');
    assert.equal((await cells.nth(0).textContent()).trim(), String(n + 2));
    assert.equal((await cells.nth(1).textContent()).trim(), 'invalid_phone');
  }
  await page.screenshot({ path: `${artifacts}/import.png`, fullPage: true });

  // Search: one imported contact by name; then by tag.
  await page.click('nav a:has-text("Contacts")');
  await page.waitForURL(/\/console\/contacts$/);
  await page.fill('#q', 'Customer 4242');
  await Promise.all([
    page.waitForURL(/\/console\/contacts\?q=Customer\+4242/),
    page.click('#contact-search button[type=submit]'),
  ]);
  const found = page.locator('#contacts tbody tr');
  assert.equal(await found.count(), 1);
  assert.match(await found.textContent(), /Customer 4242/);
  assert.match(await found.textContent(), /\+263780004242/);
  await page.fill('#q', '');
  await page.fill('#tag', 'vip');
  await Promise.all([
    page.waitForURL(/tag=vip/),
    page.click('#contact-search button[type=submit]'),
  ]);
  // 60 vip contacts: the first 50, and the next page has the other 10.
  assert.equal(await page.locator('#contacts tbody tr').count(), 50);
  assert.equal(await page.locator('#contacts tbody tr:has(a.tag:text-is("lead"))').count(), 0, 'only vip contacts');
  assert.equal(await page.locator('a[rel=next]').count(), 1);
  await page.screenshot({ path: `${artifacts}/contacts.png` });

  // A contact's page: opt it out through the form.
  await page.locator('#contacts tbody tr a').first().click();
  await page.waitForURL(/\/console\/contacts\/ct_/);
  await page.check('input[name=opted_out]');
  await Promise.all([
    page.waitForURL(/saved=1$/),
    page.click('#edit-contact button[type=submit]'),
  ]);
  assert.match(await page.locator('#contact').textContent(), /opted out/);
  await page.close();
  assert.deepEqual(problems, [], 'no console error, no CSP violation, no HTTP error');
});
