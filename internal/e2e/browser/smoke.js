'use strict';
// Proves the browser harness end to end without any of Parley's HTML pages:
// chromium reaches the server (/healthz), runs a page's script and takes a
// click and a tap, screenshots land in PARLEY_SCREENSHOTS at the right
// size, and page() really catches console errors, uncaught errors and
// same-origin 4xx (so assertNoErrors() means something elsewhere).

const assert = require('node:assert/strict');
const fs = require('node:fs');
const { run, step, page, shot, PARLEY_URL } = require('./lib.js');

// A page whose inline script says it ran and counts clicks on the button.
const CLICK_PAGE = 'data:text/html,' + encodeURIComponent(`<!doctype html>
<meta name="viewport" content="width=device-width">
<title>harness</title>
<p id="status">script did not run</p>
<button id="b" type="button">Press</button>
<script>
  let n = 0;
  document.getElementById('status').textContent = 'js ready';
  document.getElementById('b').addEventListener('click', () => {
    document.getElementById('status').textContent = 'clicked ' + (++n);
  });
</script>`);

// pngSize reads width and height from a PNG's IHDR chunk.
function pngSize(file) {
  const b = fs.readFileSync(file);
  assert.equal(b.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', `${file} is not a PNG`);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

run(async ({ context }) => {
  assert.ok(PARLEY_URL.startsWith('http://'), `PARLEY_URL=${JSON.stringify(PARLEY_URL)}`);
  const laptop = await context('laptop');
  const p = await page(laptop);

  await step('GET /healthz answers "ok" as text/plain', async () => {
    const resp = await p.goto(PARLEY_URL + '/healthz');
    assert.equal(resp.status(), 200);
    assert.match(resp.headers()['content-type'] || '', /^text\/plain/);
    assert.equal(await resp.text(), 'ok\n');
    assert.equal((await p.textContent('body')).trim(), 'ok');
    p.assertNoErrors();
    return `${resp.status()} ${resp.url()}`;
  });

  await step('laptop: inline script runs, two clicks count, full-page shot is 1366 wide', async () => {
    await p.goto(CLICK_PAGE);
    assert.equal(await p.textContent('#status'), 'js ready');
    await p.click('#b');
    await p.click('#b');
    assert.equal(await p.textContent('#status'), 'clicked 2');
    assert.deepEqual(await p.evaluate(() => [innerWidth, innerHeight]), [1366, 768]);
    const file = await shot(p, 'click-laptop');
    const size = pngSize(file);
    assert.equal(size.width, 1366);
    assert.ok(size.height >= 768, `height ${size.height}`);
    p.assertNoErrors();
    return `${file} ${size.width}x${size.height}`;
  });

  await step('phone: 390x844 touch viewport, a tap counts, shot is 780 wide (2x)', async () => {
    const phone = await page(await context('phone'));
    await phone.goto(CLICK_PAGE);
    assert.deepEqual(await phone.evaluate(() => [innerWidth, innerHeight, navigator.maxTouchPoints > 0]), [390, 844, true]);
    await phone.tap('#b');
    assert.equal(await phone.textContent('#status'), 'clicked 1');
    const file = await shot(phone, 'click-phone');
    const size = pngSize(file);
    assert.equal(size.width, 780);
    phone.assertNoErrors();
    await phone.close();
    return `${file} ${size.width}x${size.height}`;
  });

  await step('page() records console.error, an uncaught error and a same-origin 404', async () => {
    await p.goto(PARLEY_URL + '/healthz');
    p.assertNoErrors();
    const status = await p.evaluate(async () => {
      console.error('smoke-console-error');
      setTimeout(() => { throw new Error('smoke-uncaught'); }, 0);
      return (await fetch('/smoke-no-such-page')).status;
    });
    assert.equal(status, 404);
    const want = [/^console\.error: smoke-console-error/, /^page error: smoke-uncaught/, /^HTTP 404: GET .*\/smoke-no-such-page$/];
    const deadline = Date.now() + 5000;
    while (!want.every((re) => p.errors.some((e) => re.test(e))) && Date.now() < deadline) await p.waitForTimeout(50);
    assert.throws(() => p.assertNoErrors(), /smoke-console-error[\s\S]*smoke-uncaught|smoke-uncaught[\s\S]*smoke-console-error/);
    const seen = p.takeErrors();
    for (const re of want) assert.ok(seen.some((e) => re.test(e)), `no error matching ${re} in:\n${seen.join('\n')}`);
    p.assertNoErrors();
    return `${seen.length} recorded`;
  });
});
