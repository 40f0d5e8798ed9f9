'use strict';
// The admin center's configuration pages in Chromium. For each page: make
// one, change it, see bad input refused with what was typed kept, and
// check through the API or the workspace that it really took effect.
const assert = require('node:assert/strict');
const { run, step, page, shot, signIn, PARLEY_URL } = require('./lib.js');

// api calls the API from node with the owner's token (not the page: the
// browser would ask for a password on a 401).
async function api(method, path, body) {
  const res = await fetch(PARLEY_URL + '/api/v2' + path, {
    method,
    headers: { Authorization: process.env.PARLEY_API_AUTH, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

// refused submits the page's form expecting 422 with an alert, and
// forgets that one 4xx (it is the point of the step).
async function refused(p, button) {
  const [res] = await Promise.all([p.waitForResponse((r) => r.request().method() === 'POST'), button.click()]);
  assert.equal(res.status(), 422);
  await p.getByRole('alert').waitFor();
  await p.waitForLoadState('load'); // the page's deferred script (the rule builder) has run
  const errors = p.takeErrors();
  assert.ok(errors.length > 0 && errors.every((e) => /422/.test(e)), errors.join('\n'));
  return (await p.getByRole('alert').innerText()).trim();
}

// idFrom is the id at the end of a link's path.
async function idFrom(link) {
  const href = await link.getAttribute('href');
  return Number(href.split('/').pop());
}

run(async ({ context }) => {
  const a = await page(await context('laptop'));
  a.on('dialog', (d) => d.accept());
  await signIn(a, process.env.PARLEY_EMAIL, process.env.PARLEY_PASSWORD);
  let viewID;

  await step('views: build one from the view definitions, with columns, sorting and a group', async () => {
    await a.goto(PARLEY_URL + '/admin');
    await a.getByRole('link', { name: 'Views', exact: true }).click();
    assert.ok(await a.getByRole('link', { name: 'Recently updated tickets' }).isVisible(), 'default views are listed');
    await a.getByRole('link', { name: 'New view' }).click();
    await a.getByLabel('Title').fill('Urgent tickets');
    const all = a.locator('fieldset[data-rows=all] .rule-row');
    await all.nth(0).getByLabel('Field').selectOption({ label: 'Priority' });
    await all.nth(0).getByLabel('Operator').selectOption({ label: 'Is' });
    await all.nth(0).getByLabel('Value').fill('urgent');
    await a.getByLabel('Column 1', { exact: true }).selectOption({ label: 'Subject' });
    await a.getByLabel('Column 2', { exact: true }).selectOption({ label: 'Priority' });
    await a.getByLabel('Column 3', { exact: true }).selectOption({ label: 'Requester' });
    for (const n of [4, 5, 6]) await a.getByLabel(`Column ${n}`, { exact: true }).selectOption('');
    await a.getByLabel('Sort by').selectOption({ label: 'Updated' });
    await a.getByLabel('Sort order').selectOption('asc');
    // Zendesk's rule: a view needs a condition on status, type, group,
    // assignee or requester; the page says so and keeps the form.
    assert.match(await refused(a, a.getByRole('button', { name: 'Create view' })), /status, type, group/);
    assert.equal(await all.nth(0).getByLabel('Value').inputValue(), 'urgent');
    assert.equal(await a.getByLabel('Column 3', { exact: true }).inputValue(), 'requester');
    assert.equal(await a.getByLabel('Sort by').inputValue(), 'updated');
    await all.nth(1).getByLabel('Field').selectOption({ label: 'Status' });
    await all.nth(1).getByLabel('Operator').selectOption({ label: 'Less than' });
    await all.nth(1).getByLabel('Value').fill('solved');
    await a.getByRole('button', { name: 'Create view' }).click();
    await a.getByRole('status').waitFor();
    const link = a.getByRole('link', { name: 'Urgent tickets', exact: true });
    viewID = await idFrom(link);
    const v = (await api('GET', `/views/${viewID}.json`)).json.view;
    assert.deepEqual(v.conditions.all, [{ field: 'priority', operator: 'is', value: 'urgent' },
      { field: 'status', operator: 'less_than', value: 'solved' }]);
    assert.deepEqual(v.execution.columns.map((c) => c.id), ['subject', 'priority', 'requester']);
    assert.equal(v.execution.sort.id, 'updated');
    assert.equal(v.execution.sort.order, 'asc');
    assert.equal(v.restriction, null);
    await shot(a, 'views');
    a.assertNoErrors();
  });

  await step('views: a refused change keeps what was typed and changes nothing', async () => {
    await a.getByRole('link', { name: 'Urgent tickets', exact: true }).click();
    await a.getByLabel('Title').fill('Urgent tickets for billing');
    await a.getByLabel('Agents in a group').check();
    await refused(a, a.getByRole('button', { name: 'Save view' }));
    assert.match(await a.getByRole('alert').innerText(), /group/i);
    assert.equal(await a.getByLabel('Title').inputValue(), 'Urgent tickets for billing');
    assert.ok(await a.getByLabel('Agents in a group').isChecked());
    assert.equal(await a.getByLabel('Column 2', { exact: true }).inputValue(), 'priority');
    const v = (await api('GET', `/views/${viewID}.json`)).json.view;
    assert.equal(v.title, 'Urgent tickets');
    await shot(a, 'view-refused');
  });

  await step('views: restrict it to a group, and find it in the workspace with its tickets', async () => {
    await a.getByLabel('Group', { exact: true }).selectOption({ label: 'Billing' });
    await a.getByRole('button', { name: 'Save view' }).click();
    await a.getByRole('status').waitFor();
    assert.match(await a.getByRole('row', { name: /Urgent tickets for billing/ }).innerText(), /Group: Billing/);
    const v = (await api('GET', `/views/${viewID}.json`)).json.view;
    assert.equal(v.restriction.type, 'Group');
    assert.deepEqual(v.execution.columns.map((c) => c.id), ['subject', 'priority', 'requester']);
    await a.goto(PARLEY_URL + '/agent');
    await a.locator('.views a', { hasText: 'Urgent tickets for billing' }).click();
    await a.getByRole('link', { name: 'Invoice printer on fire' }).waitFor();
    assert.equal(await a.getByRole('link', { name: 'A calm question' }).count(), 0);
    a.assertNoErrors();
  });

  await step('views: deactivate it (gone from the workspace), then delete it', async () => {
    await a.goto(PARLEY_URL + '/admin/views');
    await a.getByRole('button', { name: 'Deactivate Urgent tickets for billing' }).click();
    await a.getByRole('status').waitFor();
    assert.equal((await api('GET', `/views/${viewID}.json`)).json.view.active, false);
    await a.goto(PARLEY_URL + '/agent');
    assert.equal(await a.locator('.views a', { hasText: 'Urgent tickets for billing' }).count(), 0);
    await a.goto(PARLEY_URL + '/admin/views?active=false');
    await a.getByRole('button', { name: 'Delete Urgent tickets for billing' }).click();
    await a.getByRole('status').waitFor();
    assert.equal((await api('GET', `/views/${viewID}.json`)).status, 404);
    a.assertNoErrors();
  });

  let macroID;
  await step('macros: build one from the macro action definitions; a refused one keeps what was typed', async () => {
    await a.goto(PARLEY_URL + '/admin');
    await a.getByRole('link', { name: 'Macros', exact: true }).click();
    await a.getByRole('link', { name: 'New macro' }).click();
    await a.getByLabel('Title').fill('Billing::Escalate');
    await a.getByLabel('Description').fill('Hand over to billing');
    const acts = a.locator('fieldset[data-rows=action] .rule-row');
    await acts.nth(0).getByLabel('Field').selectOption({ label: 'Status' });
    await acts.nth(0).getByLabel('Value').fill('closed');
    await acts.nth(1).getByLabel('Field').selectOption({ label: 'Add tags' });
    await acts.nth(1).getByLabel('Value').fill('escalated');
    await acts.nth(2).getByLabel('Field').selectOption({ label: 'Comment/description' });
    await acts.nth(2).getByLabel('Value').fill('Billing has your case now.');
    assert.match(await refused(a, a.getByRole('button', { name: 'Create macro' })), /cannot set the status to closed/);
    assert.equal(await a.getByLabel('Description').inputValue(), 'Hand over to billing');
    assert.equal(await acts.nth(1).getByLabel('Field').inputValue(), 'current_tags');
    assert.equal(await acts.nth(2).getByLabel('Value').inputValue(), 'Billing has your case now.');
    assert.equal((await api('GET', '/macros/search.json?query=Escalate')).json.macros.length, 0, 'nothing was made');
    await acts.nth(0).getByLabel('Field').selectOption({ label: 'Priority' });
    await acts.nth(0).getByLabel('Value').fill('high');
    await a.getByRole('button', { name: 'Create macro' }).click();
    await a.getByRole('status').waitFor();
    macroID = await idFrom(a.getByRole('link', { name: 'Billing::Escalate', exact: true }));
    const m = (await api('GET', `/macros/${macroID}.json`)).json.macro;
    assert.deepEqual(m.actions, [{ field: 'priority', value: 'high' }, { field: 'current_tags', value: 'escalated' },
      { field: 'comment_value', value: 'Billing has your case now.' }]);
    assert.equal(m.description, 'Hand over to billing');
    await shot(a, 'macro');
    a.assertNoErrors();
  });

  await step('macros: edit it, then apply it from the ticket page\'s macro picker', async () => {
    await a.getByRole('link', { name: 'Billing::Escalate', exact: true }).click();
    await a.getByLabel('Title').fill('Billing::Escalate now');
    await a.locator('fieldset[data-rows=action] .rule-row').nth(0).getByLabel('Value').fill('urgent');
    await a.getByRole('button', { name: 'Save macro' }).click();
    await a.getByRole('status').waitFor();
    const t = (await api('GET', '/search.json?query=' + encodeURIComponent('subject:"A calm question"'))).json.results[0];
    await a.goto(PARLEY_URL + `/agent/tickets/${t.id}`);
    await a.getByLabel('Apply a macro').selectOption({ label: 'Billing::Escalate now' });
    await a.getByRole('button', { name: 'Submit' }).click();
    await a.getByRole('status').waitFor();
    const after = (await api('GET', `/tickets/${t.id}.json`)).json.ticket;
    assert.equal(after.priority, 'urgent');
    assert.ok(after.tags.includes('escalated'), after.tags.join(' '));
    await a.getByText('Billing has your case now.').waitFor();
    a.assertNoErrors();
  });

  await step('macros: deactivate it (gone from the picker), then delete it', async () => {
    await a.goto(PARLEY_URL + '/admin/macros');
    await a.getByRole('button', { name: 'Deactivate Billing::Escalate now' }).click();
    await a.getByRole('status').waitFor();
    await a.goto(PARLEY_URL + '/agent/tickets/new');
    assert.equal(await a.getByLabel('Apply a macro').locator('option', { hasText: 'Billing::Escalate now' }).count(), 0);
    await a.goto(PARLEY_URL + '/admin/macros?active=false');
    await a.getByRole('button', { name: 'Delete Billing::Escalate now' }).click();
    await a.getByRole('status').waitFor();
    assert.equal((await api('GET', `/macros/${macroID}.json`)).status, 404);
    a.assertNoErrors();
  });

  // fieldByTitle finds a ticket field through the API.
  const fieldByTitle = async (title) => (await api('GET', '/ticket_fields.json')).json.ticket_fields.find((f) => f.title === title);

  await step('ticket fields: make one of every type; refused ones keep what was typed', async () => {
    const make = async (type, title, fill) => {
      await a.goto(PARLEY_URL + '/admin/ticket_fields/new?type=' + type);
      await a.getByLabel('Title').fill(title);
      if (fill) await fill();
      await a.getByRole('button', { name: 'Create field' }).click();
      await a.getByRole('status').waitFor();
    };
    await a.goto(PARLEY_URL + '/admin');
    await a.getByRole('link', { name: 'Ticket fields', exact: true }).click();
    assert.ok(await a.getByRole('row', { name: /Priority.*system/ }).isVisible(), 'system fields are listed');
    await make('text', 'Serial number');
    await make('textarea', 'Old notes');
    await make('checkbox', 'VIP', () => a.getByLabel('Tag (checkbox fields)').fill('vip'));
    await make('date', 'Renewal date');
    await make('integer', 'Seats');
    await make('decimal', 'Refund amount');
    await make('multiselect', 'Channels', async () => {
      await a.getByLabel('Option 1 name').fill('Phone');
      await a.getByLabel('Option 1 tag').fill('channel_phone');
      await a.getByLabel('Option 2 name').fill('Email');
      await a.getByLabel('Option 2 tag').fill('channel_email');
    });
    // A pattern that is not a regular expression is refused as typed.
    await a.goto(PARLEY_URL + '/admin/ticket_fields/new?type=regexp');
    await a.getByLabel('Title').fill('Case code');
    await a.getByLabel('Pattern (regular expression fields)').fill('[A-Z');
    assert.match(await refused(a, a.getByRole('button', { name: 'Create field' })), /not a valid regular expression/);
    assert.equal(await a.getByLabel('Title').inputValue(), 'Case code');
    assert.equal(await a.getByLabel('Type').inputValue(), 'regexp');
    await a.getByLabel('Pattern (regular expression fields)').fill('^[A-Z]+-[0-9]+$');
    await a.getByRole('button', { name: 'Create field' }).click();
    await a.getByRole('status').waitFor();
    // A drop-down whose option tag has a space is refused, options kept.
    await a.goto(PARLEY_URL + '/admin/ticket_fields/new?type=tagger');
    await a.getByLabel('Title').fill('Product line');
    await a.getByLabel('Option 1 name').fill('Hardware');
    await a.getByLabel('Option 1 tag').fill('hard ware');
    await a.getByLabel('Option 2 name').fill('Software');
    await a.getByLabel('Option 2 tag').fill('software');
    assert.match(await refused(a, a.getByRole('button', { name: 'Create field' })), /value without spaces/);
    assert.equal(await a.getByLabel('Option 2 name').inputValue(), 'Software');
    await a.getByLabel('Option 1 tag').fill('hardware');
    await a.getByRole('button', { name: 'Create field' }).click();
    await a.getByRole('status').waitFor();
    const fields = (await api('GET', '/ticket_fields.json')).json.ticket_fields;
    const byTitle = Object.fromEntries(fields.map((f) => [f.title, f]));
    for (const [title, type] of [['Serial number', 'text'], ['Old notes', 'textarea'], ['VIP', 'checkbox'], ['Renewal date', 'date'],
      ['Seats', 'integer'], ['Refund amount', 'decimal'], ['Channels', 'multiselect'], ['Case code', 'regexp'], ['Product line', 'tagger']]) {
      assert.equal(byTitle[title] && byTitle[title].type, type, title);
    }
    assert.equal(byTitle.VIP.tag, 'vip');
    assert.equal(byTitle['Case code'].regexp_for_validation, '^[A-Z]+-[0-9]+$');
    assert.deepEqual(byTitle['Product line'].custom_field_options.map((o) => [o.name, o.value]), [['Hardware', 'hardware'], ['Software', 'software']]);
    await shot(a, 'ticket-fields');
    a.assertNoErrors();
  });

  await step('ticket fields: edit title, description and required; deactivate one', async () => {
    await a.goto(PARLEY_URL + '/admin/ticket_fields');
    await a.getByRole('link', { name: 'Seats', exact: true }).click();
    await a.getByLabel('Title').fill('Licensed seats');
    await a.getByLabel('Description').fill('How many seats the customer pays for');
    await a.getByLabel('Required to solve a ticket').check();
    await a.getByRole('button', { name: 'Save field' }).click();
    await a.getByRole('status').waitFor();
    const seats = await fieldByTitle('Licensed seats');
    assert.equal(seats.description, 'How many seats the customer pays for');
    assert.equal(seats.required, true);
    await a.getByRole('button', { name: 'Deactivate Old notes' }).click();
    await a.getByRole('status').waitFor();
    assert.equal((await fieldByTitle('Old notes')).active, false);
    a.assertNoErrors();
  });

  await step('ticket forms: put the drop-down on the default form with a condition; the ticket page follows it', async () => {
    await a.goto(PARLEY_URL + '/admin');
    await a.getByRole('link', { name: 'Ticket forms', exact: true }).click();
    await a.getByRole('link', { name: 'Default Ticket Form' }).click();
    await a.getByLabel('Product line', { exact: true }).check();
    await a.getByLabel('Serial number', { exact: true }).check();
    // Listed after Serial number (made later), numbered before it.
    await a.getByLabel('Order of Serial number').fill('21');
    await a.getByLabel('Order of Product line').fill('20');
    await a.getByLabel('When field').first().selectOption({ label: 'Product line' });
    await a.getByLabel('Has value').first().fill('hardware');
    await a.getByLabel('Show field').first().selectOption({ label: 'Serial number' });
    await a.getByLabel('Required').first().check();
    await shot(a, 'ticket-form-editor');
    await a.getByRole('button', { name: 'Save form' }).click();
    await a.getByRole('status').waitFor();
    const product = await fieldByTitle('Product line');
    const serial = await fieldByTitle('Serial number');
    const form = (await api('GET', '/ticket_forms.json')).json.ticket_forms.find((f) => f.default);
    const ids = form.ticket_field_ids;
    assert.deepEqual(ids.slice(-2), [product.id, serial.id], 'the fields go where they are numbered');
    assert.deepEqual(form.agent_conditions, [{ parent_field_id: product.id, value: 'hardware',
      child_fields: [{ id: serial.id, is_required: true }] }]);
    const t = (await api('GET', '/search.json?query=' + encodeURIComponent('subject:"Invoice printer on fire"'))).json.results[0];
    await a.goto(PARLEY_URL + `/agent/tickets/${t.id}`);
    const select = a.getByLabel('Product line');
    assert.deepEqual((await select.locator('option').allTextContents()).map((t) => t.trim()), ['—', 'Hardware', 'Software']);
    assert.equal(await a.getByLabel('Serial number').isVisible(), false, 'hidden until its parent has the value');
    await select.selectOption({ label: 'Hardware' });
    await a.getByLabel('Serial number').waitFor();
    await shot(a, 'ticket-form-on-ticket');
    a.assertNoErrors();
  });

  await step('ticket forms: a refused form keeps what was typed; make one and delete it', async () => {
    await a.goto(PARLEY_URL + '/admin/ticket_forms/new');
    await a.getByLabel('Name', { exact: true }).fill('Returns');
    await a.getByLabel('Licensed seats', { exact: true }).check();
    await a.getByLabel('When field').first().selectOption({ label: 'VIP' });
    await a.getByLabel('Has value').first().fill('true');
    await a.getByLabel('Show field').first().selectOption({ label: 'Refund amount' });
    assert.match(await refused(a, a.getByRole('button', { name: 'Create form' })), /not on the form/);
    assert.equal(await a.getByLabel('Name', { exact: true }).inputValue(), 'Returns');
    assert.ok(await a.getByLabel('Licensed seats', { exact: true }).isChecked());
    assert.equal(await a.getByLabel('When field').first().inputValue(), String((await fieldByTitle('VIP')).id));
    await a.getByLabel('VIP', { exact: true }).check();
    await a.getByLabel('Refund amount', { exact: true }).check();
    await a.getByRole('button', { name: 'Create form' }).click();
    await a.getByRole('status').waitFor();
    const returns = (await api('GET', '/ticket_forms.json')).json.ticket_forms.find((f) => f.name === 'Returns');
    assert.equal(returns.agent_conditions[0].value, true);
    await a.getByRole('button', { name: 'Delete Returns' }).click();
    await a.getByRole('status').waitFor();
    assert.equal((await api('GET', `/ticket_forms/${returns.id}.json`)).status, 404);
    await shot(a, 'ticket-forms');
    a.assertNoErrors();
  });

  let orgID;
  await step('organizations: create one with domains, group, notes, tags and fields; a taken name is refused as typed', async () => {
    await a.goto(PARLEY_URL + '/admin');
    await a.getByRole('link', { name: 'Organizations', exact: true }).click();
    await a.getByRole('link', { name: 'New organization' }).click();
    await a.getByLabel('Name').fill('Globex');
    await a.getByLabel('Domains').fill('acme.example acme.test');
    await a.getByLabel('Group').selectOption({ label: 'Billing' });
    await a.getByLabel('Tags').fill('enterprise vip');
    await a.getByLabel('Notes').fill('Pays yearly');
    await a.getByLabel('Plan').selectOption({ label: 'Gold' });
    await a.getByLabel('Account manager').fill('Hal');
    assert.match(await refused(a, a.getByRole('button', { name: 'Create organization' })), /already been taken/);
    assert.equal(await a.getByLabel('Domains').inputValue(), 'acme.example acme.test');
    assert.equal(await a.getByLabel('Plan').inputValue(), 'plan_gold');
    assert.equal(await a.getByLabel('Account manager').inputValue(), 'Hal');
    await a.getByLabel('Name').fill('Acme Corp');
    await a.getByRole('button', { name: 'Create organization' }).click();
    await a.getByRole('status').waitFor();
    orgID = await idFrom(a.getByRole('link', { name: 'Acme Corp', exact: true }));
    const o = (await api('GET', `/organizations/${orgID}.json`)).json.organization;
    assert.deepEqual(o.domain_names, ['acme.example', 'acme.test']);
    assert.deepEqual([...o.tags].sort(), ['enterprise', 'vip']);
    assert.equal(o.notes, 'Pays yearly');
    assert.ok(o.group_id > 0);
    assert.deepEqual(o.organization_fields, { plan: 'plan_gold', account_manager: 'Hal' });
    // The domain does its job: a new user at it joins the organization.
    const u = await api('POST', '/users.json', { user: { name: 'Wile Coyote', email: 'wile@acme.example' } });
    assert.equal(u.json.user.organization_id, orgID);
    a.assertNoErrors();
  });

  await step('organizations: search, edit, and delete', async () => {
    await a.goto(PARLEY_URL + '/admin/organizations');
    await a.getByLabel('Name starts with').fill('acme');
    await a.getByRole('button', { name: 'Search' }).click();
    await a.getByRole('link', { name: 'Acme Corp', exact: true }).waitFor();
    assert.equal(await a.getByRole('link', { name: 'Globex', exact: true }).count(), 0);
    await shot(a, 'organizations');
    await a.getByRole('link', { name: 'Acme Corp', exact: true }).click();
    await a.getByLabel('Notes').fill('Pays monthly now');
    await a.getByLabel('Plan').selectOption({ label: 'Silver' });
    await a.getByLabel('Account manager').fill('');
    await a.getByRole('button', { name: 'Save organization' }).click();
    await a.getByRole('status').waitFor();
    const o = (await api('GET', `/organizations/${orgID}.json`)).json.organization;
    assert.equal(o.notes, 'Pays monthly now');
    assert.equal(o.organization_fields.plan, 'plan_silver');
    assert.equal(o.organization_fields.account_manager ?? null, null);
    await a.getByRole('button', { name: 'Delete Acme Corp' }).click();
    await a.getByRole('status').waitFor();
    assert.equal((await api('GET', `/organizations/${orgID}.json`)).status, 404);
    a.assertNoErrors();
  });

  // hooks lists what reached the test endpoint.
  const hooks = async () => (await (await fetch(process.env.PARLEY_HOOK_URL + '/received')).json());
  let hookID;
  await step('webhooks: create one with bearer authentication; a bad endpoint is refused as typed', async () => {
    await a.goto(PARLEY_URL + '/admin');
    await a.getByRole('link', { name: 'Webhooks', exact: true }).click();
    await a.getByRole('link', { name: 'New webhook' }).click();
    await a.getByLabel('Name', { exact: true }).fill('Order system');
    await a.getByLabel('Endpoint URL').fill('not a url');
    await a.getByLabel('Method').selectOption('PUT');
    await a.getByLabel('Bearer token').check();
    await a.getByLabel('Token', { exact: true }).fill('s3cret-token');
    assert.match(await refused(a, a.getByRole('button', { name: 'Create webhook' })), /Endpoint/);
    assert.equal(await a.getByLabel('Method').inputValue(), 'PUT');
    assert.ok(await a.getByLabel('Bearer token').isChecked());
    assert.equal(await a.getByLabel('Token', { exact: true }).inputValue(), '', 'a secret is never sent back to the page');
    await a.getByLabel('Endpoint URL').fill(process.env.PARLEY_HOOK_URL + '/hook');
    await a.getByLabel('Method').selectOption('POST');
    await a.getByLabel('Token', { exact: true }).fill('s3cret-token');
    await a.getByRole('button', { name: 'Create webhook' }).click();
    await a.getByRole('status').waitFor();
    const link = a.getByRole('link', { name: 'Order system', exact: true });
    hookID = (await link.getAttribute('href')).split('/').pop();
    const wh = (await api('GET', `/webhooks/${hookID}`)).json.webhook;
    assert.equal(wh.http_method, 'POST');
    assert.equal(wh.authentication.type, 'bearer_token');
    assert.deepEqual(wh.subscriptions, ['conditional_ticket_events']);
    await shot(a, 'webhooks');
    a.assertNoErrors();
  });

  await step('webhooks: reveal the signing secret, send a test, and see a trigger fire it', async () => {
    await a.getByRole('link', { name: 'Order system', exact: true }).click();
    assert.equal(await a.locator('[data-signing-secret]').count(), 0, 'hidden until revealed');
    await a.getByRole('button', { name: 'Reveal signing secret' }).click();
    const secret = (await a.locator('[data-signing-secret]').innerText()).trim();
    assert.equal(secret, (await api('GET', `/webhooks/${hookID}/signing_secret`)).json.signing_secret.secret);
    await a.getByLabel('Body to send').fill('{"hello":"parley"}');
    await a.getByRole('button', { name: 'Send test' }).click();
    assert.match(await a.locator('[data-test-result]').innerText(), /answered 200/);
    const test = (await hooks()).find((h) => h.body === '{"hello":"parley"}');
    assert.ok(test, 'the test request arrived');
    assert.equal(test.authorization, 'Bearer s3cret-token');
    assert.ok(test.signed);
    const trig = await api('POST', '/triggers.json', { trigger: { title: 'Tell the order system',
      conditions: { all: [{ field: 'update_type', operator: 'is', value: 'Create' }] },
      actions: [{ field: 'notification_webhook', value: [hookID, '{"ticket":"{{ticket.id}}"}'] }] } });
    assert.equal(trig.status, 201);
    const t = (await api('POST', '/tickets.json', { ticket: { subject: 'Order 66', comment: { body: 'where is it' } } })).json.ticket;
    let fired;
    for (let i = 0; i < 100 && !fired; i++) {
      fired = (await hooks()).find((h) => h.body === `{"ticket":"${t.id}"}`);
      if (!fired) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(fired, 'the trigger called the webhook');
    assert.equal(fired.authorization, 'Bearer s3cret-token');
    await shot(a, 'webhook-test');
    a.assertNoErrors();
  });

  await step('webhooks: deactivate it, then delete it', async () => {
    await a.goto(PARLEY_URL + '/admin/webhooks');
    await a.getByRole('button', { name: 'Deactivate Order system' }).click();
    await a.getByRole('status').waitFor();
    assert.equal((await api('GET', `/webhooks/${hookID}`)).json.webhook.status, 'inactive');
    await a.getByRole('button', { name: 'Delete Order system' }).click();
    await a.getByRole('status').waitFor();
    assert.equal((await api('GET', `/webhooks/${hookID}`)).status, 404);
    a.assertNoErrors();
  });

  let roleID;
  await step('roles: create a custom role with its permissions; a blank name is refused as typed', async () => {
    await a.goto(PARLEY_URL + '/admin');
    await a.getByRole('link', { name: 'Roles', exact: true }).click();
    assert.ok(await a.getByRole('link', { name: 'Light Agent' }).isVisible(), 'the default roles are listed');
    await a.getByRole('link', { name: 'New role' }).click();
    await a.getByLabel('Name').fill('   ');
    await a.getByLabel('Description').fill('Works the billing queue');
    await a.getByLabel('Tickets they can see').selectOption('assigned-only');
    await a.getByLabel('Can merge tickets').check();
    assert.match(await refused(a, a.getByRole('button', { name: 'Create role' })), /Name: cannot be blank/);
    assert.equal(await a.getByLabel('Tickets they can see').inputValue(), 'assigned-only');
    assert.ok(await a.getByLabel('Can merge tickets').isChecked());
    assert.equal(await a.getByLabel('Description').inputValue(), 'Works the billing queue');
    await a.getByLabel('Name').fill('Billing desk');
    await a.getByRole('button', { name: 'Create role' }).click();
    await a.getByRole('status').waitFor();
    roleID = await idFrom(a.getByRole('link', { name: 'Billing desk', exact: true }));
    const ro = (await api('GET', `/custom_roles/${roleID}.json`)).json.custom_role;
    assert.equal(ro.configuration.ticket_access, 'assigned-only');
    assert.equal(ro.configuration.ticket_merge, true);
    assert.equal(ro.configuration.ticket_deletion, false);
    a.assertNoErrors();
  });

  await step('roles: edit it, and give it to an agent from the people page', async () => {
    await a.getByRole('link', { name: 'Billing desk', exact: true }).click();
    await a.getByLabel('Comments they can make').selectOption('private');
    await a.getByRole('button', { name: 'Save role' }).click();
    await a.getByRole('status').waitFor();
    assert.equal((await api('GET', `/custom_roles/${roleID}.json`)).json.custom_role.configuration.ticket_comment_access, 'private');
    await a.goto(PARLEY_URL + '/admin/people');
    await a.getByLabel('Role of Hal Agent', { exact: true }).selectOption({ label: 'Agent: Billing desk' });
    await a.getByRole('button', { name: 'Save the role of Hal Agent' }).click();
    await a.getByRole('status').waitFor();
    assert.equal(await a.getByLabel('Role of Hal Agent', { exact: true }).inputValue(), `role:${roleID}`);
    const hal = (await api('GET', '/users/search.json?query=' + encodeURIComponent('hal@alpha.example'))).json.users[0];
    assert.equal(hal.custom_role_id, roleID);
    await a.goto(PARLEY_URL + '/admin/roles');
    assert.match(await a.getByRole('row', { name: /Billing desk/ }).innerText(), /\b1\s*$/);
    await shot(a, 'roles');
    a.assertNoErrors();
  });

  await step('on a phone: the pages fit the screen and keep their labels', async () => {
    const m = await page(await context('phone'));
    await signIn(m, process.env.PARLEY_EMAIL, process.env.PARLEY_PASSWORD);
    for (const path of ['/admin', '/admin/views/new', '/admin/macros/new', '/admin/ticket_fields', '/admin/ticket_forms/new',
      '/admin/organizations/new', '/admin/webhooks/new', '/admin/roles/new', '/admin/people']) {
      await m.goto(PARLEY_URL + path);
      const wide = await m.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(wide <= 1, `${path} scrolls sideways by ${wide}px`);
      const unlabelled = await m.evaluate(() => [...document.querySelectorAll('main input:not([type=hidden]), main select, main textarea')]
        .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map((el) => el.name || el.id));
      assert.deepEqual(unlabelled, [], `${path} has fields without a label`);
    }
    await m.goto(PARLEY_URL + '/admin/views/new');
    await shot(m, 'phone-view-form');
    m.assertNoErrors();
  });
});
