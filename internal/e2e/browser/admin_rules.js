'use strict';
// Triggers and automations in the admin center, in Chromium: open a
// stored rule in the builder (filled from what is stored), change it,
// move it to another category, turn it off and on, delete it after a
// confirmation, and check each change through the API, including that
// the edited trigger fires with its new action on a new ticket.
const assert = require('node:assert/strict');
const { builderReady, run, step, page, shot, signIn, PARLEY_URL } = require('./lib.js');

// api calls the API from node with the owner's token.
async function api(method, path, body) {
  const res = await fetch(PARLEY_URL + '/api/v2' + path, {
    method,
    headers: { Authorization: process.env.PARLEY_API_AUTH, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

// button is a row's button: named by its action, described by the title.
function button(p, title, name) {
  return p.getByRole('row', { name: new RegExp(title) }).getByRole('button', { name, exact: true });
}

// newTicket creates a ticket through the API and reads it back (the
// triggers ran inside the create).
async function newTicket(subject) {
  const made = await api('POST', '/tickets.json', { ticket: { subject, comment: { body: 'It jammed again.' } } });
  assert.equal(made.status, 201);
  return (await api('GET', `/tickets/${made.json.ticket.id}.json`)).json.ticket;
}

run(async ({ context }) => {
  const a = await page(await context('laptop'));
  let confirmAnswer = true;
  const confirms = [];
  a.on('dialog', (d) => { confirms.push(d.message()); return confirmAnswer ? d.accept() : d.dismiss(); });
  await signIn(a, process.env.PARLEY_EMAIL, process.env.PARLEY_PASSWORD);
  let id;

  await step('the trigger list shows each category with its triggers in order; a stored trigger opens in the builder', async () => {
    await a.goto(PARLEY_URL + '/admin/triggers');
    assert.ok(await a.getByRole('heading', { name: 'Notifications', level: 2 }).isVisible(), 'the default category');
    const link = a.getByRole('link', { name: 'Tag printer tickets', exact: true });
    id = Number((await link.getAttribute('href')).split('/').pop());
    await link.click();
    await a.getByRole('heading', { name: 'Edit trigger' }).waitFor();
    await builderReady(a);
    assert.equal(await a.getByLabel('Title').inputValue(), 'Tag printer tickets');
    assert.equal(await a.getByLabel('Active').isChecked(), true);
    const all = a.locator('fieldset[data-rows=all] .rule-row');
    assert.equal(await all.nth(0).getByLabel('Field').inputValue(), 'update_type');
    assert.equal(await all.nth(0).getByLabel('Operator').inputValue(), 'is');
    assert.equal(await all.nth(0).getByLabel('Value').inputValue(), 'Create');
    assert.equal(await all.nth(1).getByLabel('Field').inputValue(), 'subject_includes_word');
    assert.equal(await all.nth(1).getByLabel('Value').inputValue(), 'printer');
    const acts = a.locator('fieldset[data-rows=action] .rule-row');
    assert.equal(await acts.nth(0).getByLabel('Field').inputValue(), 'set_tags');
    assert.equal(await acts.nth(0).getByLabel('Value').inputValue(), 'printer');
    await shot(a, 'trigger-edit');
    a.assertNoErrors();
  });

  await step('edit it: a new title and a new action, saved and seen through the API', async () => {
    await a.getByLabel('Title').fill('Escalate printer tickets');
    const acts = a.locator('fieldset[data-rows=action] .rule-row');
    await acts.nth(0).getByLabel('Field').selectOption({ label: 'Priority' });
    await acts.nth(0).getByLabel('Value').fill('urgent');
    await acts.nth(1).getByLabel('Field').selectOption({ label: 'Add tags' });
    await acts.nth(1).getByLabel('Value').fill('escalated');
    await a.getByRole('button', { name: 'Save trigger' }).click();
    await a.getByRole('status').waitFor();
    assert.match(await a.getByRole('status').innerText(), /Escalate printer tickets/);
    const t = (await api('GET', `/triggers/${id}.json`)).json.trigger;
    assert.equal(t.title, 'Escalate printer tickets');
    assert.deepEqual(t.actions, [{ field: 'priority', value: 'urgent' }, { field: 'current_tags', value: 'escalated' }]);
    assert.deepEqual(t.conditions.all.map((c) => c.field), ['update_type', 'subject_includes_word']);
    a.assertNoErrors();
  });

  await step('the edited trigger fires with its new action on a new ticket', async () => {
    const t = await newTicket('Office printer on strike');
    assert.equal(t.priority, 'urgent');
    assert.ok(t.tags.includes('escalated'), t.tags.join(' '));
    assert.ok(!t.tags.includes('printer'), 'the old action is gone');
  });

  await step('a bad edit is refused and keeps what was typed; nothing changes', async () => {
    await a.goto(PARLEY_URL + `/admin/triggers/${id}`);
    await a.getByLabel('Position').fill('first');
    const [res] = await Promise.all([a.waitForResponse((r) => r.request().method() === 'POST'),
      a.getByRole('button', { name: 'Save trigger' }).click()]);
    assert.equal(res.status(), 422);
    assert.match(await a.getByRole('alert').innerText(), /Position/);
    assert.equal(await a.getByLabel('Position').inputValue(), 'first');
    assert.equal(await a.getByLabel('Title').inputValue(), 'Escalate printer tickets');
    const errors = a.takeErrors();
    assert.ok(errors.every((e) => /422/.test(e)), errors.join('\n'));
    assert.equal((await api('GET', `/triggers/${id}.json`)).json.trigger.title, 'Escalate printer tickets');
  });

  await step('add a category and move the trigger there, first in it', async () => {
    await a.goto(PARLEY_URL + '/admin/triggers');
    await a.getByLabel('Name').fill('Escalations');
    await a.getByRole('button', { name: 'Add category' }).click();
    await a.getByRole('status').waitFor();
    assert.ok(await a.getByRole('heading', { name: 'Escalations', level: 2 }).isVisible());
    await a.getByRole('link', { name: 'Escalate printer tickets', exact: true }).click();
    await a.getByLabel('Category').selectOption({ label: 'Escalations' });
    await a.getByLabel('Position').fill('0');
    await a.getByRole('button', { name: 'Save trigger' }).click();
    await a.getByRole('status').waitFor();
    const cats = (await api('GET', '/trigger_categories.json')).json.trigger_categories;
    const esc = cats.find((c) => c.name === 'Escalations');
    const t = (await api('GET', `/triggers/${id}.json`)).json.trigger;
    assert.equal(String(t.category_id), String(esc.id));
    assert.equal(t.position, 0);
    const section = a.locator('section', { has: a.getByRole('heading', { name: 'Escalations', level: 2 }) });
    assert.ok(await section.getByRole('link', { name: 'Escalate printer tickets' }).isVisible(), 'listed under its category');
    await shot(a, 'triggers-categories');
    a.assertNoErrors();
  });

  await step('deactivate it: it leaves the active list, the API says inactive, and it no longer fires', async () => {
    await button(a, 'Escalate printer tickets', 'Deactivate').click();
    await a.getByRole('status').waitFor();
    assert.equal(await a.getByRole('link', { name: 'Escalate printer tickets', exact: true }).count(), 0);
    assert.equal((await api('GET', `/triggers/${id}.json`)).json.trigger.active, false);
    const t = await newTicket('Printer smells of toast');
    assert.notEqual(t.priority, 'urgent');
    await a.getByRole('link', { name: 'Inactive', exact: true }).click();
    assert.ok(await a.getByRole('link', { name: 'Escalate printer tickets', exact: true }).isVisible());
    await button(a, 'Escalate printer tickets', 'Activate').click();
    await a.getByRole('status').waitFor();
    assert.equal((await api('GET', `/triggers/${id}.json`)).json.trigger.active, true);
    a.assertNoErrors();
  });

  await step('delete asks first: cancelled keeps it, confirmed removes it (404 through the API)', async () => {
    await a.goto(PARLEY_URL + '/admin/triggers');
    confirmAnswer = false;
    await button(a, 'Escalate printer tickets', 'Delete').click();
    assert.match(confirms.pop() || '', /Delete the trigger “Escalate printer tickets”/);
    assert.equal((await api('GET', `/triggers/${id}.json`)).status, 200);
    confirmAnswer = true;
    await button(a, 'Escalate printer tickets', 'Delete').click();
    await a.getByRole('status').waitFor();
    assert.equal((await api('GET', `/triggers/${id}.json`)).status, 404);
    assert.equal(await a.getByRole('link', { name: 'Escalate printer tickets', exact: true }).count(), 0);
    a.assertNoErrors();
  });

  await step('the emptied category can be deleted', async () => {
    await a.getByRole('button', { name: 'Delete the category Escalations' }).click();
    await a.getByRole('status').waitFor();
    assert.equal(await a.getByRole('heading', { name: 'Escalations', level: 2 }).count(), 0);
    const cats = (await api('GET', '/trigger_categories.json')).json.trigger_categories;
    assert.ok(!cats.some((c) => c.name === 'Escalations'));
    a.assertNoErrors();
  });

  await step('automations: edit the standard one in the same builder', async () => {
    await a.goto(PARLEY_URL + '/admin/automations');
    await a.getByRole('link', { name: /Close ticket 4 days/ }).click();
    await builderReady(a);
    const all = a.locator('fieldset[data-rows=all] .rule-row');
    assert.equal(await all.nth(1).getByLabel('Field').inputValue(), 'SOLVED');
    await all.nth(1).getByLabel('Value').fill('120');
    await a.getByLabel('Title').fill('Close ticket 5 days after status is set to solved');
    await a.getByRole('button', { name: 'Save automation' }).click();
    await a.getByRole('status').waitFor();
    const list = (await api('GET', '/automations.json')).json.automations;
    const au = list.find((x) => x.title === 'Close ticket 5 days after status is set to solved');
    assert.ok(au, 'renamed');
    assert.deepEqual(au.conditions.all.find((c) => c.field === 'SOLVED'), { field: 'SOLVED', operator: 'greater_than', value: '120' });
    a.assertNoErrors();
  });

  await step('the trigger list on a phone', async () => {
    const m = await page(await context('phone'));
    await signIn(m, process.env.PARLEY_EMAIL, process.env.PARLEY_PASSWORD);
    await m.goto(PARLEY_URL + '/admin/triggers');
    assert.ok(await m.getByRole('link', { name: 'New trigger' }).isVisible());
    const overflow = await m.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `no sideways scrolling (${overflow}px)`);
    await shot(m, 'triggers-phone');
    m.assertNoErrors();
  });
});
