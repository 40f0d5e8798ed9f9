'use strict';
// The agent workspace in Chromium: sign in, open a view, create a ticket,
// reply publicly and add an internal note, change status and assignee,
// apply a macro — while a second agent's browser on the same ticket sees
// every change appear without reloading. A form post without the CSRF
// token is refused. Screenshots of the main pages are saved.
//
//   PARLEY_EMAIL/PARLEY_PASSWORD: the admin; PARLEY_AGENT_EMAIL/_PASSWORD:
//   a second agent (Bea Backup); PARLEY_MACRO: a macro's title.
const assert = require('node:assert/strict');
const { run, step, page, shot, signIn, PARLEY_URL } = require('./lib.js');

run(async ({ context }) => {
  const a = await page(await context('laptop'));
  const b = await page(await context('laptop'));
  a.on('dialog', (d) => d.accept());
  let ticketURL;

  await step('two agents sign in', async () => {
    await signIn(a, process.env.PARLEY_EMAIL, process.env.PARLEY_PASSWORD);
    await signIn(b, process.env.PARLEY_AGENT_EMAIL, process.env.PARLEY_AGENT_PASSWORD);
    a.assertNoErrors();
    b.assertNoErrors();
  });

  await step('a view lists its tickets with the count in the sidebar', async () => {
    await a.getByRole('link', { name: /All unsolved tickets/ }).click();
    await a.getByRole('heading', { name: /All unsolved tickets/ }).waitFor();
    assert.ok(await a.getByRole('link', { name: 'Seeded ticket' }).isVisible());
    await shot(a, 'view');
    a.assertNoErrors();
  });

  await step('create a ticket', async () => {
    await a.getByRole('link', { name: 'New ticket' }).click();
    await a.getByLabel('Requester email').fill('carla@example.org');
    await a.getByLabel('Requester name').fill('Carla Customer');
    await a.getByLabel('Subject').fill('Printer on fire');
    await a.getByLabel('Description').fill('The printer in room 4 is on fire.');
    await a.getByLabel('Priority').selectOption('high');
    await shot(a, 'new-ticket');
    await a.getByRole('button', { name: 'Create ticket' }).click();
    await a.getByRole('status').waitFor();
    assert.match(await a.getByRole('status').innerText(), /Ticket #\d+ created/);
    ticketURL = a.url().split('?')[0];
    assert.match(ticketURL, /\/agent\/tickets\/\d+$/);
    assert.ok(await a.getByText('The printer in room 4 is on fire.').isVisible());
    a.assertNoErrors();
  });

  await step('search finds the ticket and its requester; the user page lists their tickets', async () => {
    await a.getByRole('link', { name: 'Search' }).click();
    await a.getByLabel(/Search with the query language/).fill('printer status<solved');
    await a.getByRole('button', { name: 'Search' }).click();
    await a.getByRole('link', { name: /Printer on fire/ }).waitFor();
    await a.getByLabel(/Search with the query language/).fill('carla');
    await a.getByRole('button', { name: 'Search' }).click();
    await a.getByRole('link', { name: 'Users' }).click();
    await a.getByRole('link', { name: 'Carla Customer' }).click();
    await a.getByRole('heading', { name: 'Carla Customer' }).waitFor();
    assert.match(await a.locator('.facts').innerText(), /carla@example\.org/);
    assert.ok(await a.getByRole('link', { name: /Printer on fire/ }).isVisible());
    await shot(a, 'user');
    await a.getByRole('link', { name: 'Search' }).click();
    await a.getByLabel(/Search with the query language/).fill('moonphase:full');
    await a.getByRole('button', { name: 'Search' }).click();
    await a.getByRole('alert').waitFor(); // a query that cannot run says so
    a.takeErrors(); // its 422
    await a.goto(ticketURL);
  });

  await step('the second agent opens the same ticket; each sees the other viewing', async () => {
    await b.goto(ticketURL);
    await b.getByText('The printer in room 4 is on fire.').waitFor();
    await b.locator('#viewers', { hasText: 'Also viewing: Admin' }).waitFor();
    await a.locator('#viewers', { hasText: 'Also viewing: Bea Backup' }).waitFor();
    b.assertNoErrors();
  });

  await step('a public reply appears on the other agent\'s page without a reload', async () => {
    await a.getByLabel('Comment').fill('We are on our way with an extinguisher.');
    await a.getByRole('button', { name: 'Submit' }).click();
    await a.getByRole('status').waitFor();
    await b.getByText('We are on our way with an extinguisher.').waitFor({ timeout: 10000 });
    a.assertNoErrors();
  });

  await step('an internal note is marked as one, for both agents', async () => {
    await a.getByLabel('Internal note').check();
    await a.getByLabel('Comment').fill('Check whether facilities were called.');
    await a.getByRole('button', { name: 'Submit' }).click();
    await a.getByRole('status').waitFor();
    const note = b.locator('article', { hasText: 'Check whether facilities were called.' });
    await note.waitFor({ timeout: 10000 });
    assert.ok(await note.getByText('Internal note').isVisible());
    assert.equal(await b.locator('article.internal').count(), 1);
  });

  await step('status and assignee changes reach the other agent live', async () => {
    await a.getByLabel('Status').selectOption({ label: 'Pending' });
    await a.getByLabel('Assignee').selectOption({ label: 'Bea Backup' });
    await a.getByRole('button', { name: 'Submit' }).click();
    await a.getByRole('status').waitFor();
    await b.locator('[data-ticket-status]', { hasText: 'Pending' }).waitFor({ timeout: 10000 });
    assert.equal(await b.getByLabel('Assignee').evaluate((s) => s.selectedOptions[0].textContent), 'Bea Backup');
    const log = await b.locator('.log').innerText();
    assert.match(log, /status: new → open/); // the first reply opened it
    assert.match(log, /status: open → pending/);
    assert.match(log, /assignee: — → Bea Backup/);
  });

  await step('form fields follow their conditions and reach the other agent', async () => {
    const model = a.getByLabel('Printer model');
    assert.equal(await model.isVisible(), false, 'a child field is hidden until its parent has the value');
    await a.getByLabel('Product').selectOption({ label: 'Printer' });
    await model.waitFor();
    await model.fill('LaserJet 4');
    await a.getByLabel('Add CCs (email addresses)').fill('boss@example.org');
    await a.getByRole('button', { name: 'Submit' }).click();
    await a.getByRole('status').waitFor();
    await b.getByLabel('Remove boss', { exact: true }).waitFor({ timeout: 10000 }); // a new CC is named after their address
    assert.equal(await b.getByLabel('Printer model').inputValue(), 'LaserJet 4');
    assert.ok(await b.getByLabel('Printer model').isVisible());
    await a.getByLabel('Product').selectOption({ label: 'Scanner' });
    assert.equal(await model.isVisible(), false, 'the child field hides again');
    await a.getByLabel('Product').selectOption({ label: 'Printer' });
  });

  await step('a custom status is offered under its category', async () => {
    await a.getByLabel('Status').selectOption({ label: 'On-hold: Waiting on vendor' });
    await a.getByRole('button', { name: 'Submit' }).click();
    await a.getByRole('status').waitFor();
    await b.locator('[data-ticket-status]', { hasText: 'On-hold' }).waitFor({ timeout: 10000 });
    assert.equal(await b.getByLabel('Status').evaluate((s) => s.selectedOptions[0].textContent), 'On-hold: Waiting on vendor');
  });

  await step('applying a macro changes the ticket as the macro says', async () => {
    await a.getByLabel('Apply a macro').selectOption({ label: process.env.PARLEY_MACRO });
    await a.getByRole('button', { name: 'Submit' }).click();
    await a.getByRole('status').waitFor();
    await b.locator('[data-ticket-status]', { hasText: 'Solved' }).waitFor({ timeout: 10000 });
    await b.getByText('Thanks for your patience; this is fixed.').waitFor();
    await shot(a, 'ticket');
    a.assertNoErrors();
    b.assertNoErrors();
  });

  await step('the sidebar counts follow the tickets', async () => {
    // Counts load after the page; the macro solved the ticket.
    await a.locator('.views a', { hasText: 'Recently solved tickets' }).locator('.count', { hasText: /^1$/ }).waitFor();
  });

  await step('a viewer who leaves is no longer listed', async () => {
    await b.goto(PARLEY_URL + '/agent');
    await a.locator('#viewers', { hasText: /^$/ }).waitFor();
  });

  await step('a form post without the CSRF token is refused', async () => {
    const status = await a.evaluate(async (url) => {
      const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'body=forged' });
      return res.status;
    }, ticketURL);
    assert.equal(status, 403);
    await a.reload();
    assert.equal(await a.getByText('forged').count(), 0);
    a.takeErrors(); // the refused fetch
  });

  await step('the workspace works on a phone-sized screen', async () => {
    const m = await page(await context('phone'));
    await signIn(m, process.env.PARLEY_AGENT_EMAIL, process.env.PARLEY_AGENT_PASSWORD);
    await m.goto(ticketURL);
    await m.getByText('We are on our way with an extinguisher.').waitFor();
    await shot(m, 'ticket-phone');
    m.assertNoErrors();
  });

  await step('an admin builds a trigger in the admin center', async () => {
    await a.goto(PARLEY_URL + '/admin');
    await a.getByRole('link', { name: 'Triggers' }).click();
    await a.getByRole('link', { name: 'New trigger' }).click();
    await a.getByLabel('Title').fill('Escalate printer fires');
    const all = a.locator('fieldset[data-rows=all] .rule-row');
    await all.nth(0).getByLabel('Field').selectOption({ label: 'Ticket' });
    await all.nth(0).getByLabel('Operator').selectOption({ label: 'Is' });
    await all.nth(0).getByLabel('Value').fill('Create');
    await all.nth(1).getByLabel('Field').selectOption({ label: 'Subject text' });
    await all.nth(1).getByLabel('Operator').selectOption({ label: 'Contains at least one of the following' });
    await all.nth(1).getByLabel('Value').fill('fire');
    const actions = a.locator('fieldset[data-rows=action] .rule-row');
    await actions.nth(0).getByLabel('Field').selectOption({ label: 'Priority' });
    await actions.nth(0).getByLabel('Value').fill('urgent');
    await actions.nth(1).getByLabel('Field').selectOption({ label: 'Add tags' });
    await actions.nth(1).getByLabel('Value').fill('fire_drill');
    await shot(a, 'trigger-builder');
    await a.getByRole('button', { name: 'Create trigger' }).click();
    await a.getByRole('status').waitFor();
    assert.match(await a.getByRole('status').innerText(), /Escalate printer fires/);
    assert.ok(await a.getByRole('cell', { name: 'Escalate printer fires' }).isVisible());
    a.assertNoErrors();
  });

  await step('a refused trigger keeps what was typed and says why', async () => {
    await a.getByRole('link', { name: 'New trigger' }).click();
    await a.getByLabel('Title').fill('No actions');
    const all = a.locator('fieldset[data-rows=all] .rule-row');
    await all.nth(0).getByLabel('Field').selectOption({ label: 'Ticket' });
    await all.nth(0).getByLabel('Value').fill('Create');
    await a.getByRole('button', { name: 'Create trigger' }).click();
    await a.getByRole('alert').waitFor();
    assert.equal(await a.getByLabel('Title').inputValue(), 'No actions');
    assert.equal(await all.nth(0).getByLabel('Field').inputValue(), 'update_type');
    a.takeErrors(); // the 422 answer itself
  });

  await step('the trigger fires on a new ticket', async () => {
    await a.goto(PARLEY_URL + '/agent/tickets/new');
    await a.getByLabel('Requester email').fill('dora@example.org');
    await a.getByLabel('Subject').fill('Another fire in the lab');
    await a.getByLabel('Description').fill('Smoke again.');
    await a.getByRole('button', { name: 'Create ticket' }).click();
    await a.getByRole('status').waitFor();
    assert.equal(await a.getByLabel('Priority').inputValue(), 'urgent');
    assert.match(await a.getByLabel('Tags').inputValue(), /fire_drill/);
    assert.match(await a.locator('.log').innerText(), /priority: — → urgent/);
    a.assertNoErrors();
  });

  await step('a closed ticket offers a follow-up that keeps its requester', async () => {
    await a.goto(PARLEY_URL + '/agent/tickets/' + process.env.PARLEY_CLOSED_ID);
    await a.getByRole('link', { name: 'Create a follow-up' }).click();
    assert.equal(await a.getByLabel('Subject').inputValue(), 'Re: Old closed issue');
    await a.getByLabel('Description').fill('It is back.');
    await a.getByRole('button', { name: 'Create ticket' }).click();
    await a.getByRole('status').waitFor();
    assert.match(await a.getByText(/Requested by/).innerText(), /Olga Old/);
    a.assertNoErrors();
  });

  await step('change a ticket\'s requester', async () => {
    await a.getByLabel('Change the requester (email)').fill('erin@example.org');
    await a.getByRole('button', { name: 'Submit' }).click();
    await a.getByRole('status').waitFor();
    assert.match(await a.getByText(/Requested by/).innerText(), /erin/);
    a.assertNoErrors();
  });

  await step('bulk edit: tick tickets in a view and change them together', async () => {
    await a.goto(PARLEY_URL + '/agent');
    await a.getByRole('link', { name: /All unsolved tickets/ }).click();
    await a.getByRole('checkbox', { name: /Seeded ticket/ }).check();
    await a.getByRole('checkbox', { name: /Duplicate printer report/ }).check();
    await a.getByLabel('Add tags').fill('bulk_done');
    await a.locator('#bulk_assignee').selectOption({ label: 'Bea Backup' });
    await shot(a, 'view-bulk');
    await a.getByRole('button', { name: 'Update selected tickets' }).click();
    await a.getByRole('status').waitFor();
    assert.match(await a.getByRole('status').innerText(), /Updating 2 tickets/);
    await a.getByRole('link', { name: 'Seeded ticket' }).click();
    for (let i = 0; !(await a.getByLabel('Tags').inputValue()).includes('bulk_done'); i++) {
      assert.ok(i < 50, 'the bulk update did not reach the ticket');
      await a.waitForTimeout(200);
      await a.reload();
    }
    assert.equal(await a.getByLabel('Assignee').evaluate((s) => s.selectedOptions[0].textContent), 'Bea Backup');
    // Only what was chosen changed: the subject and the requester stay.
    assert.match(await a.getByRole('heading', { level: 1 }).innerText(), /Seeded ticket/);
    a.assertNoErrors();
  });

  await step('merge a duplicate into the ticket; the target shows it live', async () => {
    await b.goto(ticketURL);
    const target = ticketURL.split('/').pop();
    await a.goto(PARLEY_URL + '/agent');
    await a.getByRole('link', { name: /All unsolved tickets/ }).click();
    await a.getByRole('link', { name: 'Duplicate printer report' }).click();
    await a.getByLabel('Merge into ticket #').fill(target);
    await a.getByRole('button', { name: 'Merge' }).click();
    await a.getByRole('status').waitFor();
    assert.match(await a.getByRole('status').innerText(), /Merging #\d+ into this ticket/);
    await b.getByText(/Merged #\d+ into this ticket/).waitFor({ timeout: 10000 });
    a.assertNoErrors();
    b.assertNoErrors();
  });

  await step('sign out', async () => {
    await a.getByRole('button', { name: 'Sign out' }).click();
    await a.waitForURL(/\/agent\/sign_in/);
    await a.goto(ticketURL);
    await a.waitForURL(/\/agent\/sign_in\?return_to=/);
  });
});
