'use strict';
// The new-ticket form in Chromium: pick a ticket form, see its custom
// fields and their agent conditions (a field appears when its parent has
// the value that reveals it), attach files to the first comment, and check
// through the API that the ticket has the field values, the form and the
// comment's attachment.
const assert = require('node:assert/strict');
const { run, step, page, shot, signIn, PARLEY_URL } = require('./lib.js');

async function api(path) {
  const res = await fetch(PARLEY_URL + '/api/v2' + path, { headers: { Authorization: process.env.PARLEY_API_AUTH } });
  return { status: res.status, json: await res.json() };
}

const [productID, modelID, invoiceID] = process.env.PARLEY_FIELDS.split(',').map(Number);
const defaultForm = Number(process.env.PARLEY_DEFAULT_FORM);
const billingForm = Number(process.env.PARLEY_BILLING_FORM);

run(async ({ context }) => {
  const a = await page(await context('laptop'));
  await signIn(a, process.env.PARLEY_EMAIL, process.env.PARLEY_PASSWORD);

  await step('the new-ticket form shows the default form and its fields; a conditional field waits for its parent', async () => {
    await a.goto(PARLEY_URL + '/agent/tickets/new');
    assert.equal(await a.getByLabel('Ticket form').inputValue(), String(defaultForm));
    assert.ok(await a.getByLabel('Product').isVisible());
    assert.equal(await a.getByLabel('Printer model').isVisible(), false, 'hidden until Product is Printer');
    assert.equal(await a.getByLabel('Invoice number').count(), 0);
    assert.equal(await a.getByLabel('Attach files').getAttribute('type'), 'file');
    a.assertNoErrors();
  });

  await step('picking another form swaps in its fields, and back', async () => {
    await a.getByLabel('Ticket form').selectOption({ label: 'Billing' });
    await a.getByLabel('Invoice number').waitFor();
    assert.equal(await a.getByLabel('Product').count(), 0);
    await a.getByLabel('Ticket form').selectOption(String(defaultForm));
    await a.getByLabel('Product').waitFor();
    assert.equal(await a.getByLabel('Invoice number').count(), 0);
    assert.equal(await a.getByLabel('Printer model').isVisible(), false);
    a.assertNoErrors();
  });

  await step('choosing Printer reveals the printer model; more files than a comment carries are refused in the page', async () => {
    await a.getByLabel('Product').selectOption({ label: 'Printer' });
    await a.getByLabel('Printer model').waitFor();
    await a.getByLabel('Printer model').fill('LaserJet 4');
    const many = [1, 2, 3, 4, 5, 6].map((n) => ({ name: `page${n}.txt`, mimeType: 'text/plain', buffer: Buffer.from(`page ${n}`) }));
    await a.getByLabel('Attach files').setInputFiles(many);
    const problem = a.locator('[data-file-problem]');
    await problem.waitFor();
    assert.match(await problem.innerText(), /6 files chosen; a comment can carry at most 5/);
    assert.equal(await a.getByLabel('Attach files').evaluate((i) => i.files.length), 0);
    a.assertNoErrors();
  });

  let id;
  await step('submit with a file: the ticket has the form, the field values and the attachment (API)', async () => {
    await a.getByLabel('Requester email').fill('pat@example.org');
    await a.getByLabel('Subject').fill('Printer jams on page two');
    await a.getByLabel('Description').fill('The jam log is attached.');
    await a.getByLabel('Attach files').setInputFiles({ name: 'jam-log.txt', mimeType: 'text/plain', buffer: Buffer.from('E13 paper jam, tray 2\n') });
    await shot(a, 'new-ticket-fields');
    await a.getByRole('button', { name: 'Create ticket' }).click();
    await a.getByRole('status').waitFor();
    id = Number(new URL(a.url()).pathname.split('/').pop());
    const t = (await api(`/tickets/${id}.json`)).json.ticket;
    assert.equal(t.ticket_form_id, defaultForm);
    const value = (fid) => (t.custom_fields.find((f) => f.id === fid) || {}).value;
    assert.equal(value(productID), 'printer');
    assert.equal(value(modelID), 'LaserJet 4');
    const comments = (await api(`/tickets/${id}/comments.json`)).json.comments;
    assert.equal(comments.length, 1);
    assert.equal(comments[0].body, 'The jam log is attached.');
    assert.deepEqual(comments[0].attachments.map((x) => [x.file_name, x.size]), [['jam-log.txt', 22]]);
    assert.ok(await a.getByRole('link', { name: /jam-log\.txt/ }).isVisible(), 'listed on the conversation');
    a.assertNoErrors();
  });

  await step('a refused ticket keeps the chosen form and the typed field values', async () => {
    await a.goto(PARLEY_URL + '/agent/tickets/new');
    await a.getByLabel('Ticket form').selectOption({ label: 'Billing' });
    await a.getByLabel('Invoice number').fill('INV-2041');
    await a.getByLabel('Requester email').fill('pat@example.org');
    await a.getByLabel('Subject').fill('Invoice twice');
    await a.getByLabel('Attach files').setInputFiles({ name: 'invoice.txt', mimeType: 'text/plain', buffer: Buffer.from('INV-2041') });
    // As a browser that does not check required fields: files with no
    // description are refused by the server.
    await a.getByLabel('Description').evaluate((el) => el.removeAttribute('required'));
    const [res] = await Promise.all([a.waitForResponse((r) => r.request().method() === 'POST'),
      a.getByRole('button', { name: 'Create ticket' }).click()]);
    assert.equal(res.status(), 422);
    assert.match(await a.getByRole('alert').first().innerText(), /Write a comment to go with the attached files/);
    assert.equal(await a.getByLabel('Ticket form').inputValue(), String(billingForm));
    assert.equal(await a.getByLabel('Invoice number').inputValue(), 'INV-2041');
    assert.equal(await a.getByLabel('Subject').inputValue(), 'Invoice twice');
    const errors = a.takeErrors();
    assert.ok(errors.length > 0 && errors.every((e) => /422/.test(e)), errors.join('\n')); // the refusal itself
    const found = (await api('/search.json?query=' + encodeURIComponent('subject:"Invoice twice"'))).json;
    assert.equal(found.count, 0, 'no ticket was made');
    await a.getByLabel('Description').fill('Billed twice for March.');
    await a.getByLabel('Attach files').setInputFiles({ name: 'invoice.txt', mimeType: 'text/plain', buffer: Buffer.from('INV-2041') });
    await a.getByRole('button', { name: 'Create ticket' }).click();
    await a.getByRole('status').waitFor();
    const t = (await api(`/tickets/${Number(new URL(a.url()).pathname.split('/').pop())}.json`)).json.ticket;
    assert.equal(t.ticket_form_id, billingForm);
    assert.equal((t.custom_fields.find((f) => f.id === invoiceID) || {}).value, 'INV-2041');
    a.assertNoErrors();
  });

  await step('the new-ticket form on a phone', async () => {
    const m = await page(await context('phone'));
    await signIn(m, process.env.PARLEY_EMAIL, process.env.PARLEY_PASSWORD);
    await m.goto(PARLEY_URL + '/agent/tickets/new');
    await m.getByLabel('Product').selectOption({ label: 'Printer' });
    await m.getByLabel('Printer model').waitFor();
    const overflow = await m.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `no sideways scrolling (${overflow}px)`);
    await shot(m, 'new-ticket-phone');
    m.assertNoErrors();
  });
});
