'use strict';
// The admin center's Ticket sharing page (seed 003) in Chromium, between two
// accounts of one Parley: A invites B with terms, B sees them and accepts on
// a phone-sized screen, B deactivates, A sees who did, A declines all
// invitations; a refused invitation keeps what was typed. Every page is
// checked for console errors, unlabelled fields and keyboard focus.
//
//   PARLEY_A_URL, PARLEY_B_URL: the two accounts' addresses;
//   PARLEY_EMAIL/PARLEY_PASSWORD (A's owner), PARLEY_B_EMAIL/PARLEY_B_PASSWORD.
const assert = require('node:assert/strict');
const { run, step, page, shot, signIn } = require('./lib.js');

const A = process.env.PARLEY_A_URL;
const B = process.env.PARLEY_B_URL;

// unlabelled lists form fields a screen reader could not name.
async function unlabelled(p) {
  return p.$$eval('input:not([type=hidden]), select, textarea', (els) => els
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
    .map((el) => el.name || el.id || el.outerHTML));
}

async function row(p, text) {
  return p.locator('tbody tr', { hasText: text });
}

// settled opens url until the row with text matches re: an answer from
// the other side reaches this account through a delivery job, usually
// within a second; it fails after 10 s. It returns the row.
async function settled(p, url, text, re) {
  for (let i = 0; ; i++) {
    await p.goto(url);
    const r = await row(p, text);
    if (re.test(await r.innerText()) || i >= 50) {
      assert.match(await r.innerText(), re);
      return r;
    }
    await p.waitForTimeout(200);
  }
}

run(async ({ context }) => {
  const a = await page(await context('laptop'));
  const b = await page(await context('phone'));
  a.on('dialog', (d) => d.accept());
  b.on('dialog', (d) => d.accept());

  await step('A signs in and reaches the workspace with its views', async () => {
    await signIn(a, process.env.PARLEY_EMAIL, process.env.PARLEY_PASSWORD, A);
    await a.waitForURL(A + '/agent');
    await a.getByRole('heading', { name: 'Workspace' }).waitFor();
    assert.ok(await a.getByText('All unsolved tickets').isVisible());
    await shot(a, 'workspace');
    a.assertNoErrors();
  });

  await step('A opens Ticket sharing from the admin center', async () => {
    await a.getByRole('link', { name: 'Admin center' }).click();
    await a.getByRole('link', { name: 'Ticket sharing' }).click();
    await a.getByRole('heading', { name: 'Ticket sharing', level: 1 }).waitFor();
    assert.ok(await a.getByText('No sharing agreements yet').isVisible());
    assert.deepEqual(await unlabelled(a), []);
    a.assertNoErrors();
  });

  await step('a refused invitation says why and keeps what was typed', async () => {
    await a.getByLabel('Partner subdomain').fill('nobody-here');
    await a.getByRole('button', { name: 'Send invitation' }).click();
    await a.getByRole('alert').waitFor();
    assert.match(await a.getByRole('alert').innerText(), /no account nobody-here/);
    assert.equal(await a.getByLabel('Partner subdomain').inputValue(), 'nobody-here');
    a.takeErrors(); // the 422 answer itself
  });

  await step('A invites B: private comments only, tags synced', async () => {
    await a.getByLabel('Partner subdomain').fill('beta');
    await a.getByLabel('Comments and permissions').selectOption('private');
    await a.getByLabel('Yes, share tags between us').check();
    await a.getByRole('button', { name: 'Send invitation' }).click();
    await a.getByRole('status').waitFor();
    assert.match(await a.getByRole('status').innerText(), /Invitation sent to beta Support/);
    const r = await row(a, 'beta Support');
    assert.match(await r.innerText(), /We share with them/);
    assert.match(await r.innerText(), /pending/);
    await shot(a, 'sharing-invited');
    a.assertNoErrors();
  });

  await step('B sees the invitation with its terms on a phone and accepts it', async () => {
    await signIn(b, process.env.PARLEY_B_EMAIL, process.env.PARLEY_B_PASSWORD, B);
    await b.goto(B + '/admin/sharing');
    const r = await row(b, 'Alpha Support');
    await r.waitFor();
    const text = await r.innerText();
    assert.match(text, /They share with us/);
    assert.match(text, /Private comments only, no status sync; tags sync/);
    await shot(b, 'sharing-invitation-phone');
    await r.getByRole('button', { name: /^Accept/ }).click();
    await b.getByRole('status').waitFor();
    assert.match(await (await row(b, 'Alpha Support')).innerText(), /accepted/);
    b.assertNoErrors();
  });

  await step('A sees the agreement accepted', async () => {
    await settled(a, A + '/admin/sharing', 'beta Support', /accepted/);
  });

  await step('A shares a ticket from its ticket page; B receives it', async () => {
    await a.goto(A + '/agent/tickets/new');
    await a.getByLabel('Requester email').fill('carla@example.org');
    await a.getByLabel('Subject').fill('Needs the partner');
    await a.getByLabel('Description').fill('Part 7 keeps failing.');
    await a.getByRole('button', { name: 'Create ticket' }).click();
    await a.getByRole('status').waitFor();
    await a.getByLabel('Sharing').selectOption({ label: 'Share with beta Support' });
    await a.getByRole('button', { name: 'Submit' }).click();
    await a.getByRole('status').waitFor();
    await a.locator('.badge.shared').waitFor();
    assert.match(await a.locator('.log').innerText(), /ticket sharing: shared/);
    await shot(a, 'ticket-shared');
    await b.goto(B + '/agent/search?q=' + encodeURIComponent('"Needs the partner"'));
    for (let i = 0; await b.getByRole('link', { name: /Needs the partner/ }).count() === 0; i++) {
      assert.ok(i < 50, 'the shared ticket did not reach B');
      await b.waitForTimeout(200);
      await b.reload();
    }
    await b.getByRole('link', { name: /Needs the partner/ }).click();
    await b.getByText('Part 7 keeps failing.').waitFor();
    assert.equal(await b.getByLabel('Sharing').count(), 0, 'B has no outbound agreement: no sharing field');
    a.assertNoErrors();
    b.assertNoErrors();
  });

  await step('B deactivates by keyboard; both sides show who did it', async () => {
    await b.goto(B + '/admin/sharing');
    const button = (await row(b, 'Alpha Support')).getByRole('button', { name: /^Deactivate/ });
    await button.focus();
    await b.keyboard.press('Enter');
    await b.getByRole('status').waitFor();
    assert.match(await (await row(b, 'Alpha Support')).innerText(), /inactive[\s\S]*Deactivated by the receiver/);
    const r = await settled(a, A + '/admin/sharing', 'beta Support', /inactive[\s\S]*Deactivated by the receiver/);
    assert.equal(await r.getByRole('button').count(), 0, 'an inactive agreement offers no actions');
    await shot(a, 'sharing-deactivated');
    a.assertNoErrors();
    b.assertNoErrors();
  });

  await step('A declines all invitations', async () => {
    await a.getByLabel('Decline all sharing invitations').check();
    await a.getByRole('button', { name: 'Save' }).click();
    await a.getByRole('status').waitFor();
    assert.match(await a.getByRole('status').innerText(), /Every sharing invitation is now declined/);
    await a.reload();
    assert.ok(await a.getByLabel('Decline all sharing invitations').isChecked());
    a.assertNoErrors();
  });

  await step('A signs out', async () => {
    await a.getByRole('button', { name: 'Sign out' }).click();
    await a.waitForURL(/\/agent\/sign_in/);
    assert.match(await a.getByRole('status').innerText(), /signed out/);
    await a.goto(A + '/admin/sharing');
    await a.waitForURL(/\/agent\/sign_in\?return_to=/);
    a.assertNoErrors();
  });
});
