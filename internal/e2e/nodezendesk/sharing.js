'use strict';
// Ticket sharing with the real node-zendesk client (sharingagreement and
// tickets) between two Parley installations:
//
//   PARLEY_URL=http://127.0.0.1:P1/api/v2 PARLEY_EMAIL=... PARLEY_TOKEN=... \
//   PARLEY_URL_B=http://127.0.0.1:P2/api/v2 PARLEY_EMAIL_B=... PARLEY_TOKEN_B=... node sharing.js
//
// node-zendesk 6.0.1 facts this relies on (dist/index.js): the
// sharingagreement client's jsonAPINames is ["sharing-agreement"] (a
// hyphen), so results come back as whole bodies ({sharing_agreement:{...}}
// or {sharing_agreements:[...]}); create and update wrap their argument in
// {sharing_agreement: ...} themselves; show() lists, showById() shows.

const assert = require('node:assert/strict');
const zendesk = require('node-zendesk');

const a = zendesk.createClient({ username: process.env.PARLEY_EMAIL, token: process.env.PARLEY_TOKEN, endpointUri: process.env.PARLEY_URL });
const b = zendesk.createClient({ username: process.env.PARLEY_EMAIL_B, token: process.env.PARLEY_TOKEN_B, endpointUri: process.env.PARLEY_URL_B });
const sharingURL = (api) => api.replace(/\/api\/v2$/, '') + '/sharing';

let stepNo = 0;
async function step(name, fn) {
  stepNo++;
  const started = Date.now();
  try {
    const note = await fn();
    console.log(`ok   ${String(stepNo).padStart(2)} ${name}${note ? ` (${note})` : ''} [${Date.now() - started}ms]`);
  } catch (err) {
    console.log(`FAIL ${String(stepNo).padStart(2)} ${name}: ${err && err.stack ? err.stack : err}`);
    if (err && err.result !== undefined) console.log(`     response body: ${JSON.stringify(err.result)}`);
    throw new StepFailed(name);
  }
}
class StepFailed extends Error {}

// eventually polls fn (which returns a value or undefined) for up to 20 s.
async function eventually(what, fn) {
  const deadline = Date.now() + 20000;
  let last;
  for (;;) {
    last = await fn();
    if (last !== undefined && last !== false) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function rejects(p, code, what) {
  try {
    await p;
  } catch (err) {
    const got = err.statusCode || (/\((\d{3})\)/.exec(String(err.message)) || [])[1];
    assert.equal(Number(got), code, `${what}: ${err.message}`);
    return;
  }
  assert.fail(`${what}: resolved, want HTTP ${code}`);
}

async function main() {
  let agreement; let inbound; let ticket; let received;

  await step('sharingagreement.create invites the other installation', async () => {
    const { response, result } = await a.sharingagreement.create({ remote_url: sharingURL(process.env.PARLEY_URL_B),
      partner_name: 'parley', allows_public_comments: true, sync_tags: true });
    assert.equal(response.status, 201);
    agreement = result.sharing_agreement;
    assert.equal(agreement.type, 'outbound');
    assert.equal(agreement.status, 'pending');
    assert.match(agreement.url, /\/api\/v2\/sharing_agreements\/\d+\.json$/);
    return `id ${agreement.id}`;
  });

  await step('sharingagreement.show on the partner lists the invitation', async () => {
    inbound = await eventually('the invitation on B', async () => {
      const { result } = await b.sharingagreement.show();
      return result.sharing_agreements.find((x) => x.uuid === agreement.uuid);
    });
    assert.equal(inbound.type, 'inbound');
    assert.equal(inbound.status, 'pending');
    assert.equal(inbound.sync_tags, true);
    return `id ${inbound.id}`;
  });

  await step('sharingagreement.update accepts; showById sees it on both sides', async () => {
    const { result } = await b.sharingagreement.update(inbound.id, { status: 'accepted' });
    assert.equal(result.sharing_agreement.status, 'accepted');
    await eventually('accepted on A', async () => (await a.sharingagreement.showById(agreement.id)).result.sharing_agreement.status === 'accepted');
  });

  await step('sharingagreement.update refuses what only the receiver may do', async () => {
    await rejects(a.sharingagreement.update(agreement.id, { status: 'accepted' }), 422, 'sender accepting');
    await rejects(a.sharingagreement.showById(999999), 404, 'unknown agreement');
  });

  await step('tickets.update with sharing_agreement_ids shares a ticket', async () => {
    const created = await a.tickets.create({ ticket: { subject: 'Shared through node-zendesk', tags: ['nodez'],
      comment: { body: 'Please have a look.' }, requester: { name: 'Nina Node', email: 'nina@example.org' } } });
    ticket = created.result;
    const { result } = await a.tickets.update(ticket.id, { ticket: { sharing_agreement_ids: [agreement.id] } });
    assert.deepEqual(result.sharing_agreement_ids, [agreement.id]);
  });

  await step('the partner receives it via ticket sharing', async () => {
    received = await eventually('the ticket on B', async () => {
      const list = await b.tickets.list();
      return list.find((x) => x.subject === 'Shared through node-zendesk');
    });
    assert.equal(received.via.channel, 'ticket_sharing');
    assert.deepEqual(received.sharing_agreement_ids, [inbound.id]);
    assert.ok(received.tags.includes('nodez'), `tags ${received.tags}`);
    return `B ticket ${received.id}`;
  });

  await step('a reply on the partner comes back with its status', async () => {
    await b.tickets.update(received.id, { ticket: { status: 'solved', comment: { body: 'Done on our side.', public: true } } });
    await eventually('the reply on A', async () => {
      const comments = await a.tickets.getComments(ticket.id);
      const t = (await a.tickets.show(ticket.id)).result;
      return t.status === 'solved' && comments.some((c) => c.body === 'Done on our side.');
    });
  });

  await step('sharingagreement.delete deactivates it for the partner too', async () => {
    const { response } = await a.sharingagreement.delete(agreement.id);
    assert.equal(response.status, 204);
    await rejects(a.sharingagreement.showById(agreement.id), 404, 'deleted agreement');
    await eventually('inactive on B', async () => (await b.sharingagreement.showById(inbound.id)).result.sharing_agreement.status === 'inactive');
  });

  console.log(`PASS node-zendesk sharing flow: ${stepNo} steps`);
}

main().catch((err) => {
  if (!(err instanceof StepFailed)) console.log(`FAIL ${err && err.stack ? err.stack : err}`);
  process.exitCode = 1;
});
