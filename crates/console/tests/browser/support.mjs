// What every browser test file shares: the server it is pointed at, the browser, a page
// watcher that collects console errors, CSP violations and failed responses, and the
// sign-in helper. Each `*.test.mjs` file runs in its own node process (scripts/browser-tests.sh
// runs them one after the other against one `switchboard serve`).
//
//   SWITCHBOARD_SIGN_IN_LINK  the one-time link `serve` printed (required)
//   SWITCHBOARD_API_KEY       the first-start account key, to sign in again
//   CHROMIUM                  the browser (default /usr/bin/chromium)
//   ARTIFACTS                 where screenshots go (default ./artifacts)
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

/** The one-time sign-in link; its origin is the server's. */
export const link = process.env.SWITCHBOARD_SIGN_IN_LINK;
/** Where screenshots go. */
export const artifacts = process.env.ARTIFACTS ?? new URL('./artifacts/', import.meta.url).pathname;
mkdirSync(artifacts, { recursive: true });

/** Starts headless Chromium with one browser context. */
export async function launch() {
  assert.ok(link, 'SWITCHBOARD_SIGN_IN_LINK is required');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const context = await browser.newContext();
  return { browser, context };
}

/**
 * This file's browser: started before its tests, closed after them. `context` is the shared
 * browser context, `problems` what `watch(page, name)` collected (each test ends by asserting
 * it is empty).
 */
export function browserSession() {
  const suite = { browser: null, context: null, problems: [] };
  suite.watch = watcher(suite.problems);
  before(async () => {
    ({ browser: suite.browser, context: suite.context } = await launch());
  });
  after(async () => {
    await suite.browser?.close();
  });
  return suite;
}

/**
 * A function that watches a page and pushes onto `problems` every console error, CSP
 * violation, uncaught page error and HTTP status ≥ 400 it sees.
 */
export function watcher(problems) {
  return (page, name) => {
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
  };
}

/** Waits until the page's htmx SSE connection is open. */
export async function streaming(page) {
  await page.waitForFunction(() => {
    const el = document.querySelector('[sse-connect]');
    const source = el && el['htmx-internal-data'] && el['htmx-internal-data'].sseEventSource;
    return source && source.readyState === 1;
  }, null, { timeout: 10000 });
}

/**
 * Opens `path`, signing `page` in first with the default account's key (SWITCHBOARD_API_KEY)
 * when it has no session (another file's test signed out, or this is a new context).
 */
export async function openSignedIn(page, path) {
  await page.goto(new URL(path, link).href);
  if (new URL(page.url()).pathname === '/console/sign-in') {
    assert.ok(process.env.SWITCHBOARD_API_KEY, 'SWITCHBOARD_API_KEY is required to sign in again');
    await page.fill('#key', process.env.SWITCHBOARD_API_KEY);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/console\/channels$/);
    await page.goto(new URL(path, link).href);
  }
}

/** Calls the native API with the default account's key; answers the parsed JSON body. */
export async function api(method, path, body) {
  const key = process.env.SWITCHBOARD_API_KEY;
  assert.ok(key, 'SWITCHBOARD_API_KEY is required to call the API');
  const response = await fetch(new URL(path, link).href, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
