'use strict';
// The agent's queue in Chromium: a view made through the API lists its
// tickets under the view's own columns, grouped and sorted as the view
// says; clicking a header re-sorts through the view (as the API's
// execute does) and pages keep that sort; followers are added and
// removed; a reply carries attachments that download unchanged and an
// oversize file is refused keeping the comment; the keyboard shortcuts
// work and the help dialog opens and closes; the list works on a phone.
//
//   PARLEY_AGENT_EMAIL/_PASSWORD/_ID: a second agent (Bea Backup);
//   PARLEY_VIEW_ID: the view; PARLEY_TICKET_ID: "Queue alpha";
//   PARLEY_API_AUTH: an API Authorization header; PARLEY_UPLOAD_LIMIT.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { run, step, page, shot, signIn, PARLEY_URL } = require('./lib.js');

const env = process.env;
const viewURL = `${PARLEY_URL}/agent/views/${env.PARLEY_VIEW_ID}`;
const ticketURL = `${PARLEY_URL}/agent/tickets/${env.PARLEY_TICKET_ID}`;

// api GETs a Zendesk API path (JSON) or, with raw, the bytes.
async function api(p, raw = false) {
  const res = await fetch(p.startsWith('http') ? p : PARLEY_URL + p, { headers: { Authorization: env.PARLEY_API_AUTH } });
  assert.equal(res.status, 200, `GET ${p}: ${res.status}`);
  return raw ? Buffer.from(await res.arrayBuffer()) : res.json();
}

// subjects are the ticket links of the list, in order.
const subjects = (p) => p.locator('[data-ticket-list] [data-open]').allInnerTexts();
// headers are the column titles, without the sort hints.
const headers = (p) => p.locator('[data-ticket-list] thead th[data-column]')
  .evaluateAll((ths) => ths.map((th) => (th.querySelector('a') ? th.querySelector('a').firstChild : th).textContent.trim()));

run(async ({ context }) => {
  const a = await page(await context('laptop'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-queue-'));
  const report = path.join(tmp, 'report.bin');
  const readme = path.join(tmp, 'read me.txt');
  const huge = path.join(tmp, 'huge.bin');
  fs.writeFileSync(report, crypto.randomBytes(20000));
  const readmeText = 'Steps to reproduce:\n1. Print.\n'; // 30 bytes
  fs.writeFileSync(readme, readmeText);
  fs.writeFileSync(huge, Buffer.alloc(Number(env.PARLEY_UPLOAD_LIMIT) + 1, 7));

  await step('sign in', async () => {
    await signIn(a, env.PARLEY_EMAIL, env.PARLEY_PASSWORD);
    a.assertNoErrors();
  });

  await step('a view shows its own columns, in its order, grouped and sorted as it says', async () => {
    await a.getByRole('link', { name: /Queue by priority/ }).click();
    await a.getByRole('heading', { name: /Queue by priority \(33\)/ }).waitFor();
    assert.deepEqual(await headers(a), ['Subject', 'Requester', 'Priority', 'Product', 'Requested', 'Status', 'Assignee']);
    // Grouped by status, latest category first; priority descending within.
    assert.deepEqual((await subjects(a)).slice(0, 3), ['Queue bravo', 'Queue charlie', 'Queue alpha']);
    const groups = await a.locator('[data-ticket-list] tr.group').allInnerTexts();
    assert.deepEqual(groups.map((g) => g.trim()), ['Status: Pending', 'Status: Open', 'Status: New']);
    assert.equal(await a.locator('th[data-column=priority]').getAttribute('aria-sort'), 'descending');
    assert.equal(await a.locator('th[aria-sort]').count(), 1);
    const alpha = a.locator('tr[data-ticket-row]', { hasText: 'Queue alpha' });
    assert.equal(await alpha.locator('td[data-label=Product]').innerText(), 'Printer');
    assert.equal(await alpha.locator('td[data-label=Requester]').innerText(), 'Amy Adams');
    await shot(a, 'queue-view');
    a.assertNoErrors();
  });

  await step('a header sorts by its column through the view, as the API does', async () => {
    await a.getByRole('link', { name: /^Requester\s*, sort ascending/i }).click();
    await a.waitForURL(/sort_by=requester&sort_order=asc/);
    assert.equal(await a.locator('th[data-column=requester]').getAttribute('aria-sort'), 'ascending');
    assert.equal(await a.locator('[data-ticket-list] tr.group').count(), 0, 'a header sort drops the grouping');
    // 30 fillers requested by the admin come first; the named ones follow on page 2.
    const page1 = await subjects(a);
    assert.equal(page1.length, 30);
    assert.ok(page1.every((s) => s.startsWith('Filler')), page1.join());
    await a.getByRole('link', { name: 'Next page' }).click();
    await a.waitForURL(/page=2.*sort_by=requester/);
    assert.deepEqual(await subjects(a), ['Queue alpha', 'Queue charlie', 'Queue bravo']);
    assert.equal(await a.locator('th[data-column=requester]').getAttribute('aria-sort'), 'ascending');
    const rows = (await api(`/api/v2/views/${env.PARLEY_VIEW_ID}/execute.json?sort_by=requester&sort_order=asc&page=2&per_page=30`)).rows;
    assert.deepEqual(rows.map((r) => r.ticket.subject), ['Queue alpha', 'Queue charlie', 'Queue bravo']);
    // Again: descending.
    await a.getByRole('link', { name: /^Requester\s*, sort descending/i }).click();
    await a.waitForURL(/sort_by=requester&sort_order=desc/);
    assert.deepEqual((await subjects(a)).slice(0, 3), ['Queue bravo', 'Queue charlie', 'Queue alpha']);
    assert.equal(await a.locator('th[data-column=requester]').getAttribute('aria-sort'), 'descending');
    a.assertNoErrors();
  });

  await step('headers sort from the keyboard too, and bulk edit keeps the sort', async () => {
    const created = a.getByRole('link', { name: /^Requested\s*, sort ascending/i });
    await created.focus();
    await a.keyboard.press('Enter');
    await a.waitForURL(/sort_by=created&sort_order=asc/);
    assert.deepEqual((await subjects(a)).slice(0, 4), ['Queue alpha', 'Queue bravo', 'Queue charlie', 'Filler 00']);
    await a.getByRole('checkbox', { name: /Queue charlie/ }).check();
    await a.locator('#bulk_tags').fill('sorted_bulk');
    await a.getByRole('button', { name: 'Update selected tickets' }).click();
    await a.getByRole('status').waitFor();
    assert.match(a.url(), /sort_by=created&sort_order=asc/);
    assert.equal(await a.locator('th[data-column=created]').getAttribute('aria-sort'), 'ascending');
    a.assertNoErrors();
  });

  await step('the reply box\'s controls are labelled and work from the keyboard', async () => {
    await a.goto(ticketURL);
    const group = a.getByRole('group', { name: 'Reply as' });
    const pub = group.getByRole('radio', { name: 'Public reply' });
    const note = group.getByRole('radio', { name: 'Internal note' });
    assert.ok(await pub.isChecked());
    await pub.focus();
    await a.keyboard.press('ArrowDown');
    assert.ok(await note.isChecked(), 'arrow keys move between the radios');
    await a.keyboard.press('ArrowUp');
    assert.ok(await pub.isChecked());
    const macro = a.getByRole('combobox', { name: 'Apply a macro' });
    await macro.focus();
    assert.equal(await a.evaluate(() => document.activeElement.id), 'macro_id');
    assert.equal(await a.getByLabel('Attach files').getAttribute('type'), 'file');
    a.assertNoErrors();
  });

  await step('add a follower; the API lists them in follower_ids, apart from CCs', async () => {
    await a.getByRole('combobox', { name: 'Add a follower' }).selectOption({ label: 'Bea Backup' });
    await a.getByRole('button', { name: 'Submit' }).click();
    await a.getByRole('status').waitFor();
    await a.getByLabel('Stop Bea Backup following').waitFor();
    const t = (await api(`/api/v2/tickets/${env.PARLEY_TICKET_ID}.json`)).ticket;
    assert.deepEqual(t.follower_ids, [Number(env.PARLEY_AGENT_ID)]);
    assert.deepEqual(t.email_cc_ids, []);
    const offered = await a.getByRole('combobox', { name: 'Add a follower' }).locator('option').allInnerTexts();
    assert.ok(!offered.includes('Bea Backup'), 'a follower is not offered again');
    await shot(a, 'queue-followers');
    a.assertNoErrors();
  });

  await step('remove the follower', async () => {
    await a.getByLabel('Stop Bea Backup following').check();
    await a.getByRole('button', { name: 'Submit' }).click();
    await a.getByRole('status').waitFor();
    await a.getByText('Nobody follows this ticket.').waitFor();
    assert.deepEqual((await api(`/api/v2/tickets/${env.PARLEY_TICKET_ID}.json`)).ticket.follower_ids, []);
    a.assertNoErrors();
  });

  await step('an internal note with two attachments; the links download the same bytes', async () => {
    await a.getByLabel('Internal note').check();
    await a.getByLabel('Comment').fill('Logs attached.');
    await a.getByLabel('Attach files').setInputFiles([report, readme]);
    await a.getByRole('button', { name: 'Submit' }).click();
    await a.getByRole('status').waitFor();
    const note = a.locator('article', { hasText: 'Logs attached.' });
    assert.match(await note.getAttribute('class'), /internal/);
    const files = note.getByRole('list', { name: 'Attachments' });
    assert.match(await files.innerText(), /report\.bin \(19\.5 KB\)/);
    assert.match(await files.innerText(), /read me\.txt \(30 bytes\)/);
    const [dl] = await Promise.all([a.waitForEvent('download'), files.getByRole('link', { name: 'report.bin' }).click()]);
    assert.equal(dl.suggestedFilename(), 'report.bin');
    assert.ok(fs.readFileSync(await dl.path()).equals(fs.readFileSync(report)), 'the download is the uploaded file');
    // The API shows them on the comment, and its content URL has the same bytes.
    const comments = (await api(`/api/v2/tickets/${env.PARLEY_TICKET_ID}/comments.json`)).comments;
    const c = comments[comments.length - 1];
    assert.equal(c.public, false);
    assert.deepEqual(c.attachments.map((x) => [x.file_name, x.size]), [['report.bin', 20000], ['read me.txt', 30]]);
    assert.ok((await api(c.attachments[0].content_url, true)).equals(fs.readFileSync(report)));
    assert.equal((await api(c.attachments[1].content_url, true)).toString(), readmeText);
    await shot(a, 'queue-attachments');
    a.assertNoErrors();
  });

  await step('an oversize file is refused before sending, keeping the comment', async () => {
    await a.getByLabel('Comment').fill('Here is the full dump.');
    await a.getByLabel('Attach files').setInputFiles(huge);
    const problem = a.locator('[data-file-problem]');
    await problem.waitFor();
    assert.match(await problem.innerText(), /huge\.bin is too large to attach; files can be at most 2\.0 MB/);
    assert.equal(await a.getByLabel('Attach files').evaluate((i) => i.files.length), 0);
    assert.equal(await a.getByLabel('Comment').inputValue(), 'Here is the full dump.');
    a.assertNoErrors();
  });

  await step('the server refuses one too, keeping the comment and its visibility', async () => {
    await a.getByLabel('Internal note').check();
    await a.getByLabel('Attach files').evaluate((i) => i.removeAttribute('data-max-bytes')); // as a browser without the script
    await a.getByLabel('Attach files').setInputFiles(huge);
    await a.getByRole('button', { name: 'Submit' }).click();
    await a.locator('p.error[role=alert]', { hasText: 'huge.bin is too large to attach' }).waitFor();
    assert.match(await a.locator('p.error[role=alert]', { hasText: 'huge.bin' }).innerText(), /at most 2\.0 MB each/);
    assert.equal(await a.getByLabel('Comment').inputValue(), 'Here is the full dump.');
    assert.ok(await a.getByLabel('Internal note').isChecked());
    const errors = a.takeErrors();
    assert.ok(errors.length > 0 && errors.every((e) => /413/.test(e)), errors.join('\n')); // the refusal itself
    const comments = (await api(`/api/v2/tickets/${env.PARLEY_TICKET_ID}/comments.json`)).comments;
    assert.ok(!comments.some((x) => x.body.includes('full dump')), 'nothing was written');
    await shot(a, 'queue-oversize');
  });

  await step('j and k move through the list and Enter opens the ticket', async () => {
    await a.goto(viewURL);
    await a.keyboard.press('j');
    assert.equal(await a.evaluate(() => document.activeElement.textContent), 'Queue bravo');
    await a.keyboard.press('j');
    await a.keyboard.press('j');
    assert.equal(await a.evaluate(() => document.activeElement.textContent), 'Queue alpha');
    await a.keyboard.press('k');
    assert.equal(await a.evaluate(() => document.activeElement.textContent), 'Queue charlie');
    await a.keyboard.press('Enter');
    await a.getByRole('heading', { name: /Queue charlie/ }).waitFor();
    a.assertNoErrors();
  });

  await step('single-key shortcuts do not fire while typing', async () => {
    await a.getByLabel('Comment').fill('');
    await a.getByLabel('Comment').focus();
    await a.keyboard.type('j/k? ok');
    assert.equal(await a.getByLabel('Comment').inputValue(), 'j/k? ok');
    assert.equal(await a.locator('dialog[open]').count(), 0);
    assert.match(a.url(), /\/agent\/tickets\/\d+$/);
  });

  await step('Alt+I and Alt+R choose an internal note or a public reply', async () => {
    await a.locator('h1').click(); // out of the comment box
    await a.keyboard.press('Alt+i');
    assert.ok(await a.getByLabel('Internal note').isChecked());
    await a.locator('h1').click();
    await a.keyboard.press('Alt+r');
    assert.ok(await a.getByLabel('Public reply').isChecked());
  });

  await step('Ctrl+Enter submits the reply from the comment box', async () => {
    await a.getByLabel('Comment').fill('Sent with the keyboard.');
    await a.getByLabel('Comment').press('Control+Enter');
    await a.getByRole('status').waitFor();
    await a.locator('article', { hasText: 'Sent with the keyboard.' }).waitFor();
    a.assertNoErrors();
  });

  await step('Alt+S submits the reply', async () => {
    await a.getByLabel('Comment').fill('Sent with Alt+S.');
    await a.locator('h1').click();
    await a.keyboard.press('Alt+s');
    await a.getByRole('status').waitFor();
    assert.equal(await a.locator('article', { hasText: 'Sent with Alt+S.' }).count(), 1, 'sent once');
    a.assertNoErrors();
  });

  await step('? opens the shortcuts dialog, focus stays in it, Esc closes it', async () => {
    await a.locator('h1').click();
    await a.keyboard.press('?');
    const dialog = a.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /Ctrl\+Enter/);
    assert.match(await dialog.innerText(), /Next \/ previous ticket/);
    assert.equal(await a.evaluate(() => document.activeElement.textContent), 'Close');
    await a.keyboard.press('Tab');
    assert.ok(await a.evaluate(() => !!document.activeElement.closest('dialog')), 'Tab stays in the dialog');
    await a.keyboard.press('Shift+Tab');
    assert.ok(await a.evaluate(() => !!document.activeElement.closest('dialog')), 'Shift+Tab stays in the dialog');
    await shot(a, 'queue-shortcuts');
    await a.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    // The sidebar's button opens it too.
    await a.getByRole('button', { name: 'Keyboard shortcuts' }).click();
    await dialog.waitFor();
    await a.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await a.evaluate(() => document.activeElement.textContent), 'Keyboard shortcuts', 'focus returns');
    a.assertNoErrors();
  });

  await step('/ and Alt+F go to search with the box focused', async () => {
    await a.locator('h1').click();
    await a.keyboard.press('/');
    await a.waitForURL(/\/agent\/search$/);
    await a.waitForFunction(() => document.activeElement && document.activeElement.id === 'q');
    await a.keyboard.type('alpha');
    await a.keyboard.press('/'); // typing: goes into the box
    assert.equal(await a.locator('#q').inputValue(), 'alpha/');
    await a.goto(ticketURL);
    await a.keyboard.press('Alt+f');
    await a.waitForURL(/\/agent\/search$/);
    await a.waitForFunction(() => document.activeElement && document.activeElement.id === 'q');
    a.assertNoErrors();
  });

  await step('Alt+N and Ctrl+Alt+N open a new ticket', async () => {
    await a.goto(ticketURL);
    await a.keyboard.press('Alt+n');
    await a.getByRole('heading', { name: 'New ticket' }).waitFor();
    await a.goto(viewURL);
    await a.keyboard.press('Control+Alt+n');
    await a.getByRole('heading', { name: 'New ticket' }).waitFor();
    a.assertNoErrors();
  });

  await step('the ticket list on a phone-sized screen: cards with labels, headers still sort', async () => {
    const m = await page(await context('phone'));
    await signIn(m, env.PARLEY_AGENT_EMAIL, env.PARLEY_AGENT_PASSWORD);
    await m.goto(viewURL);
    const first = m.locator('tr[data-ticket-row]').first();
    assert.equal(await first.locator('td[data-label=Subject]').innerText(), 'Queue bravo');
    assert.equal(await first.locator('td[data-label=Priority]').innerText(), 'urgent');
    const label = await first.locator('td[data-label=Priority]').evaluate((td) => getComputedStyle(td, '::before').content);
    assert.equal(label, '"Priority: "', 'each cell says which column it is');
    const width = await m.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `the page is ${width}px wide on a 390px screen`);
    await shot(m, 'queue-phone');
    await m.getByRole('link', { name: /^Requested\s*, sort ascending/i }).click();
    await m.waitForURL(/sort_by=created/);
    assert.deepEqual((await subjects(m)).slice(0, 2), ['Queue alpha', 'Queue bravo']);
    m.assertNoErrors();
  });

  fs.rmSync(tmp, { recursive: true, force: true });
});
