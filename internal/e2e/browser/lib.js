'use strict';
// Helpers for Parley's browser scripts (run by browser.Run in browser.go):
// playwright-core from the repo's node_modules driving Debian's chromium.
//
//   const { run, step, page, shot, PARLEY_URL } = require('./lib.js');
//   // (outside this folder: require(process.env.PARLEY_BROWSER_LIB))
//   run(async ({ context }) => {
//     const p = await page(await context('phone'));
//     await step('sign-in form renders', async () => {
//       await p.goto(PARLEY_URL + '/agent/sign_in');
//       await shot(p, 'sign-in');
//       p.assertNoErrors();
//     });
//   });
//
// Environment (browser.Run sets it): PARLEY_URL, PARLEY_EMAIL,
// PARLEY_PASSWORD, PARLEY_CHROMIUM (default /usr/bin/chromium),
// PARLEY_SCREENSHOTS (default ./artifacts/screenshots/manual). By hand:
//   NODE_PATH=$PWD/node_modules PARLEY_URL=http://127.0.0.1:8080 node internal/e2e/browser/smoke.js

const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');

const PARLEY_URL = (process.env.PARLEY_URL || '').replace(/\/+$/, '');
const SCREENSHOTS = process.env.PARLEY_SCREENSHOTS || path.resolve('artifacts', 'screenshots', 'manual');

// The flags that worked on this Debian chromium (go-deps.md §3.5).
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  // Test accounts live at <subdomain>.parley.test (apptest.BaseDomain): the
  // browser reaches them on loopback, as a real deployment's DNS would.
  '--host-resolver-rules=MAP *.parley.test 127.0.0.1'];

// Context options per device: CSS-pixel viewports.
const VIEWPORTS = {
  laptop: { viewport: { width: 1366, height: 768 } },
  phone: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
};

// viewport('laptop' | 'phone') returns the context options for a device.
function viewport(name) {
  const v = VIEWPORTS[name];
  if (!v) throw new Error(`unknown viewport ${JSON.stringify(name)} (have ${Object.keys(VIEWPORTS).join(', ')})`);
  return { ...v, viewport: { ...v.viewport } };
}

// launch() starts chromium; context(device = 'laptop', options) opens a
// fresh context (own cookies) with that viewport and baseURL PARLEY_URL.
async function launch(options = {}) {
  const browser = await chromium.launch({
    executablePath: process.env.PARLEY_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: FLAGS,
    timeout: 30000,
    ...options,
  });
  const context = async (device = 'laptop', extra = {}) => {
    const c = await browser.newContext({ ...(PARLEY_URL ? { baseURL: PARLEY_URL } : {}), ...viewport(device), ...extra });
    c.setDefaultTimeout(10000);
    return c;
  };
  return { browser, context };
}

const openPages = new Set();

// page(context) opens a page that records what should never happen on
// Parley's pages: console errors, uncaught page errors, and same-origin
// requests that failed or answered 4xx/5xx (except the browser's own
// /favicon.ico request). p.errors lists them,
// p.takeErrors() returns and forgets them (for a step that expects one),
// p.assertNoErrors() throws listing them. Events arrive asynchronously:
// assert after something that waited (a goto, a waitFor, an expect).
async function page(context) {
  const p = await context.newPage();
  const errors = [];
  const origin = PARLEY_URL ? new URL(PARLEY_URL).origin : null;
  const sameOrigin = (url) => {
    try { return new URL(url).origin === (origin || new URL(p.url()).origin); } catch { return false; }
  };
  p.on('console', (m) => {
    if (m.type() !== 'error') return;
    const loc = m.location();
    // Chromium asks for /favicon.ico on its own where a page names no icon;
    // Parley serves none, and that 404 is the browser's, not the page's.
    if (loc && /^[a-z]+:\/\/[^/]+\/favicon\.ico$/.test(loc.url || '')) return;
    errors.push(`console.error: ${m.text()}${loc && loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
  });
  p.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  p.on('requestfailed', (r) => {
    const why = r.failure() ? r.failure().errorText : 'failed';
    // A navigation or htmx request cancelled by a newer one is not a bug.
    if (sameOrigin(r.url()) && why !== 'net::ERR_ABORTED') errors.push(`request failed: ${r.method()} ${r.url()} ${why}`);
  });
  p.on('response', (r) => {
    if (r.status() >= 400 && sameOrigin(r.url())) errors.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  p.on('close', () => openPages.delete(p));
  openPages.add(p);
  p.errors = errors;
  p.takeErrors = () => errors.splice(0, errors.length);
  p.assertNoErrors = () => {
    if (errors.length) throw new Error(`${errors.length} error(s) on ${p.url()}:\n  ${errors.join('\n  ')}`);
  };
  return p;
}

// shot(page, name) saves a full-page PNG as PARLEY_SCREENSHOTS/name.png
// and returns its path.
async function shot(p, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${String(name).replace(/[^A-Za-z0-9._-]+/g, '_')}.png`);
  await p.screenshot({ path: file, fullPage: true });
  return file;
}

let stepNo = 0;
class StepFailed extends Error {}

// step(name, fn) runs one check and prints `ok   N name (note) [ms]`, fn's
// return value being the note; on failure it prints `FAIL N name: stack`,
// saves a screenshot of every open page (fail-N-i.png) and throws.
async function step(name, fn) {
  stepNo++;
  const started = Date.now();
  try {
    const note = await fn();
    console.log(`ok   ${String(stepNo).padStart(2)} ${name}${note ? ` (${note})` : ''} [${Date.now() - started}ms]`);
  } catch (err) {
    console.log(`FAIL ${String(stepNo).padStart(2)} ${name}: ${err && err.stack ? err.stack : err}`);
    let i = 0;
    for (const p of openPages) {
      i++;
      try {
        console.log(`     page ${i}: ${p.url()} -> ${await shot(p, `fail-${stepNo}-${i}`)}`);
      } catch (e) {
        console.log(`     page ${i}: ${p.url()} (no screenshot: ${e.message})`);
      }
    }
    throw new StepFailed(name);
  }
}

// signIn signs page p in at base (PARLEY_URL by default) through the
// sign-in form, and waits until it has left the form.
async function signIn(p, email, password, base = PARLEY_URL) {
  await p.goto(base + '/agent/sign_in');
  await p.getByLabel('Email').fill(email);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.waitForURL((u) => !u.pathname.startsWith('/agent/sign_in'));
}

// run(fn) launches the browser, awaits fn({browser, context}), closes the
// browser whatever happens, prints `PASS <script>: N steps` and sets the
// exit code (1 on any failure, or when fn ran no step).
function run(fn) {
  const script = path.basename(require.main ? require.main.filename : 'script');
  (async () => {
    let b;
    try {
      b = await launch();
      await fn(b);
      if (stepNo === 0) throw new Error('no step ran');
      console.log(`PASS ${script}: ${stepNo} steps (chromium ${b.browser.version()})`);
    } finally {
      if (b) await b.browser.close();
    }
  })().catch((err) => {
    if (!(err instanceof StepFailed)) console.log(`FAIL ${err && err.stack ? err.stack : err}`);
    process.exitCode = 1;
  });
}

// builderReady waits until the rule builder's script has filled every
// row from the stored rule: after a click the page's deferred script may
// not have run yet when its heading shows.
async function builderReady(p) {
  await p.locator('form[data-definitions][data-ready=true]').waitFor({ state: 'attached' });
}

module.exports = { FLAGS, PARLEY_URL, SCREENSHOTS, VIEWPORTS, builderReady, launch, page, run, shot, signIn, step, viewport };
