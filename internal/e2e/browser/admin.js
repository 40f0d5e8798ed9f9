'use strict';
// The admin center's people, groups, API tokens and account pages in
// Chromium: add an agent, suspend them and lift it,
// add a group, make an API token (shown once, working against the API)
// and revoke it, turn secure downloads on; an agent is kept out.
const assert = require('node:assert/strict');
const { run, step, page, shot, signIn, PARLEY_URL } = require('./lib.js');

// apiStatus calls the API with a token from node, not the page: a 401
// with WWW-Authenticate would make the browser itself ask for a password.
async function apiStatus(token) {
  const auth = Buffer.from(process.env.PARLEY_EMAIL + '/token:' + token).toString('base64');
  const res = await fetch(PARLEY_URL + '/api/v2/users/me.json', { headers: { Authorization: 'Basic ' + auth } });
  return res.status;
}

run(async ({ context }) => {
  const a = await page(await context('laptop'));
  a.on('dialog', (d) => d.accept());

  await step('the admin opens the admin center', async () => {
    await signIn(a, process.env.PARLEY_EMAIL, process.env.PARLEY_PASSWORD);
    await a.getByRole('link', { name: 'Admin center' }).click();
    for (const s of ['People', 'Groups', 'Ticket statuses', 'Triggers', 'Automations', 'Ticket sharing', 'API tokens', 'Account']) {
      assert.ok(await a.getByRole('link', { name: s, exact: true }).isVisible(), s);
    }
    await shot(a, 'admin-center');
    a.assertNoErrors();
  });

  await step('add an agent, suspend them and lift it', async () => {
    await a.getByRole('link', { name: 'People', exact: true }).click();
    await a.getByLabel('Name').fill('Cleo Agent');
    await a.getByLabel('Email').fill('cleo@alpha.example');
    await a.getByRole('button', { name: 'Add', exact: true }).click();
    await a.getByRole('status').waitFor();
    assert.ok(await a.getByRole('cell', { name: 'Cleo Agent', exact: true }).isVisible());
    await a.getByRole('button', { name: 'Suspend Cleo Agent' }).click();
    await a.getByRole('status').waitFor();
    assert.match(await a.getByRole('row', { name: /Cleo Agent/ }).innerText(), /suspended/);
    await a.getByRole('button', { name: 'Unsuspend Cleo Agent' }).click();
    await a.getByRole('status').waitFor();
    assert.match(await a.getByRole('row', { name: /Cleo Agent/ }).innerText(), /active/);
    await shot(a, 'people');
    a.assertNoErrors();
  });

  await step('build an automation from the automation definitions', async () => {
    await a.goto(PARLEY_URL + '/admin/automations');
    assert.ok(await a.getByRole('cell', { name: /Close ticket 4 days after status is set to solved/ }).isVisible());
    await a.getByRole('link', { name: 'New automation' }).click();
    await a.getByLabel('Title').fill('Close solved after two days');
    const all = a.locator('fieldset[data-rows=all] .rule-row');
    await all.nth(0).getByLabel('Field').selectOption({ label: 'Status' });
    await all.nth(0).getByLabel('Operator').selectOption({ label: 'Is' });
    await all.nth(0).getByLabel('Value').fill('solved');
    await all.nth(1).getByLabel('Field').selectOption({ label: 'Hours since solved' });
    await all.nth(1).getByLabel('Operator').selectOption({ label: 'Greater than' });
    await all.nth(1).getByLabel('Value').fill('48');
    const actions = a.locator('fieldset[data-rows=action] .rule-row');
    await actions.nth(0).getByLabel('Field').selectOption({ label: 'Status' });
    await actions.nth(0).getByLabel('Value').fill('closed');
    await a.getByRole('button', { name: 'Create automation' }).click();
    await a.getByRole('status').waitFor();
    assert.ok(await a.getByRole('cell', { name: 'Close solved after two days' }).isVisible());
    a.assertNoErrors();
  });

  await step('add a custom status, turn it off, and find it offered (or not) on tickets', async () => {
    await a.goto(PARLEY_URL + '/admin/statuses');
    await a.getByLabel('Category').selectOption('pending');
    await a.getByLabel('Agent label').fill('Waiting on parts');
    await a.getByRole('button', { name: 'Add status' }).click();
    await a.getByRole('status').waitFor();
    assert.ok(await a.getByRole('row', { name: /Waiting on parts/ }).isVisible());
    await a.goto(PARLEY_URL + '/agent/tickets/new');
    assert.equal(await a.getByLabel('Status').locator('option', { hasText: 'Pending: Waiting on parts' }).count(), 1);
    await a.goto(PARLEY_URL + '/admin/statuses');
    await a.getByRole('button', { name: 'Turn off Waiting on parts' }).click();
    await a.getByRole('status').waitFor();
    await a.goto(PARLEY_URL + '/agent/tickets/new');
    assert.equal(await a.getByLabel('Status').locator('option', { hasText: 'Waiting on parts' }).count(), 0);
    a.assertNoErrors();
  });

  await step('add a group', async () => {
    await a.goto(PARLEY_URL + '/admin/groups');
    await a.getByLabel('Name').fill('Escalations');
    await a.getByRole('button', { name: 'Add group' }).click();
    await a.getByRole('status').waitFor();
    assert.ok(await a.locator('.results li', { hasText: 'Escalations' }).isVisible());
    a.assertNoErrors();
  });

  await step('an API token is shown once, works, and stops working when revoked', async () => {
    await a.goto(PARLEY_URL + '/admin/api_tokens');
    await a.getByLabel('Description').fill('Warehouse sync');
    await a.getByRole('button', { name: 'Create token' }).click();
    const token = (await a.locator('[data-new-token]').innerText()).trim();
    assert.equal(token.length, 40);
    assert.equal(await apiStatus(token), 200);
    await a.goto(PARLEY_URL + '/admin/api_tokens');
    assert.equal(await a.locator('[data-new-token]').count(), 0, 'the token is shown only once');
    assert.ok(await a.getByText('…' + token.slice(-4)).isVisible());
    await a.getByRole('button', { name: 'Revoke Warehouse sync' }).click();
    await a.getByRole('status').waitFor();
    assert.equal(await apiStatus(token), 401);
    a.assertNoErrors();
  });

  await step('turn secure downloads on', async () => {
    await a.goto(PARLEY_URL + '/admin/account');
    assert.match(await a.locator('main form').innerText(), /Support address: support@alpha\./);
    await a.getByLabel(/Secure downloads/).check();
    await a.getByRole('button', { name: 'Save' }).click();
    await a.getByRole('status').waitFor();
    await a.reload();
    assert.ok(await a.getByLabel(/Secure downloads/).isChecked());
    await shot(a, 'account');
    a.assertNoErrors();
  });

  await step('an agent is kept out of the admin center', async () => {
    const g = await page(await context('laptop'));
    await signIn(g, process.env.PARLEY_AGENT_EMAIL, process.env.PARLEY_AGENT_PASSWORD);
    assert.equal(await g.getByRole('link', { name: 'Admin center' }).count(), 0);
    const res = await g.goto(PARLEY_URL + '/admin/people');
    assert.equal(res.status(), 403);
    g.takeErrors();
  });
});
