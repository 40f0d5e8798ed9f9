'use strict';
// Conformance flow: the real node-zendesk client (pinned in the repo's
// package.json) against a running Parley.
//
//   PARLEY_URL=http://127.0.0.1:PORT/api/v2 PARLEY_EMAIL=owner@x PARLEY_TOKEN=... node flow.js
//
// One line per step; the first failure prints a clear message and exits 1.
// node-zendesk 6.0.1 facts this relies on (dist/index.js):
//   - createClient({username, token, endpointUri}) sends Basic "email/token:TOKEN";
//   - list methods (getAll) add page[size]=100 and follow links.next / next_page;
//     they return the flattened array of records;
//   - single-record methods return {response, result} with result unwrapped
//     from its root key ("user", "organization"...);
//   - an error status throws; by default request() rewraps it as
//     Error("Request processing failed: Zendesk Error (404): Item not found ...")
//     without statusCode, so with throwOriginalException:true the original
//     error (statusCode, result = parsed body) is thrown instead.

const assert = require('node:assert/strict');
const zendesk = require('node-zendesk');

const endpointUri = process.env.PARLEY_URL;
const username = process.env.PARLEY_EMAIL;
const token = process.env.PARLEY_TOKEN;

function client(extra = {}) {
  return zendesk.createClient({ username, token, endpointUri, ...extra });
}

let stepNo = 0;
async function step(name, fn) {
  stepNo++;
  const started = Date.now();
  try {
    const note = await fn();
    console.log(`ok   ${String(stepNo).padStart(2)} ${name}${note ? ` (${note})` : ''} [${Date.now() - started}ms]`);
  } catch (err) {
    console.log(`FAIL ${String(stepNo).padStart(2)} ${name}: ${err && err.stack ? err.stack : err}`);
    if (err && err.result !== undefined) {
      console.log(`     response body: ${JSON.stringify(err.result)}`);
    }
    throw new StepFailed(name);
  }
}

class StepFailed extends Error {}

// rejects asserts that p rejects; it returns the error for further checks.
async function rejects(p, what) {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new assert.AssertionError({ message: `${what}: expected a rejection, but the call succeeded` });
}

async function main() {
  for (const [k, v] of Object.entries({ PARLEY_URL: endpointUri, PARLEY_EMAIL: username, PARLEY_TOKEN: token })) {
    if (!v) throw new Error(`environment variable ${k} is not set`);
  }
  const zd = client();
  // Records every URL the library asks for (to see its pagination at work).
  const requested = [];
  zd.users.on('debug::request', (e) => requested.push(e.detail.uri));

  const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const endUserEmail = `nz-end-${suffix}@customer.example`;
  const orgDomain = `nz-${suffix}.example`;
  let owner; let endUser; let org; let orgUser; let group; let agent; let membership;

  await step('users.me returns the owner', async () => {
    const { response, result } = await zd.users.me();
    assert.equal(response.status, 200);
    assert.equal(result.email, username);
    assert.equal(result.role, 'admin');
    assert.equal(typeof result.id, 'number');
    owner = result;
    return `id ${owner.id}`;
  });

  await step('users.create an end user with email and tags', async () => {
    const { response, result } = await zd.users.create({
      user: { name: 'Node Zendesk', email: endUserEmail, tags: ['node', 'vip'] },
    });
    assert.equal(response.status, 201);
    assert.equal(typeof result.id, 'number');
    assert.equal(result.email, endUserEmail);
    assert.equal(result.role, 'end-user');
    assert.deepEqual([...result.tags].sort(), ['node', 'vip']);
    endUser = result;
    return `id ${endUser.id}`;
  });

  await step('users.show the end user', async () => {
    const { response, result } = await zd.users.show(endUser.id);
    assert.equal(response.status, 200);
    assert.equal(result.id, endUser.id);
    assert.equal(result.name, 'Node Zendesk');
    assert.equal(result.email, endUserEmail);
    assert.deepEqual([...result.tags].sort(), ['node', 'vip']);
  });

  await step('users.update the name', async () => {
    const { response, result } = await zd.users.update(endUser.id, { user: { name: 'Node Zendesk Renamed' } });
    assert.equal(response.status, 200);
    assert.equal(result.id, endUser.id);
    assert.equal(result.name, 'Node Zendesk Renamed');
    const { result: again } = await zd.users.show(endUser.id);
    assert.equal(again.name, 'Node Zendesk Renamed');
    assert.equal(again.email, endUserEmail, 'update must not drop the email');
    assert.deepEqual([...again.tags].sort(), ['node', 'vip'], 'update must not drop the tags');
  });

  await step('users.list (library cursor pagination, page[size]=100) contains the user', async () => {
    requested.length = 0;
    const users = await zd.users.list();
    assert.ok(Array.isArray(users), 'users.list must resolve to an array');
    const found = users.find((u) => u.id === endUser.id);
    assert.ok(found, `created user ${endUser.id} missing from users.list (${users.length} users)`);
    assert.equal(found.name, 'Node Zendesk Renamed');
    assert.ok(users.some((u) => u.id === owner.id), 'owner missing from users.list');
    assert.ok(requested.length >= 1 && requested[0].includes('page%5Bsize%5D=100'),
      `first list request should carry page[size]=100: ${requested[0]}`);
    return `${users.length} users in ${requested.length} request(s)`;
  });

  await step('users.list across several small pages (page[size]=2 via the query option)', async () => {
    // options.query overrides the library's page[size]=100; the library then
    // follows links.next, absolute URLs produced by the server.
    const small = client({ query: { page: { size: 2 } } });
    for (let i = 0; i < 3; i++) {
      await zd.users.create({ user: { name: `Pager ${i}`, email: `nz-page-${i}-${suffix}@customer.example` } });
    }
    const all = await zd.users.list();
    const urls = [];
    small.users.on('debug::request', (e) => urls.push(e.detail.uri));
    const paged = await small.users.list();
    const ids = paged.map((u) => u.id);
    assert.equal(new Set(ids).size, ids.length, `duplicate users across pages: ${ids}`);
    assert.deepEqual([...ids].sort((a, b) => a - b), all.map((u) => u.id).sort((a, b) => a - b),
      'small-page listing must return exactly the users of the one-page listing');
    assert.ok(ids.includes(endUser.id));
    const pages = urls.length;
    assert.ok(pages >= Math.ceil(ids.length / 2), `expected at least ${Math.ceil(ids.length / 2)} requests, saw ${pages}`);
    // Every later URL is a links.next the library followed verbatim: it must
    // be absolute under PARLEY_URL (else the library would append it as a
    // path segment) and carry page[after].
    let noJSON = 0;
    for (const u of urls.slice(1)) {
      assert.match(u, new RegExp(`^${endpointUri.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/users(\\.json)?\\?`),
        `next link should be absolute under ${endpointUri}: ${u}`);
      assert.match(u, /page%5Bafter%5D=|page\[after\]=/, `next link should carry page[after]: ${u}`);
      if (!u.includes('/users.json?')) noJSON++;
    }
    return `${ids.length} users in ${pages} requests` +
      (noJSON ? `; note: ${noJSON} links.next lack the .json suffix Zendesk keeps` : '');
  });

  await step('organizations.create with domain_names', async () => {
    const { response, result } = await zd.organizations.create({
      organization: { name: `Node Org ${suffix}`, domain_names: [orgDomain], tags: ['node'] },
    });
    assert.equal(response.status, 201);
    assert.equal(typeof result.id, 'number');
    assert.equal(result.name, `Node Org ${suffix}`);
    assert.deepEqual(result.domain_names, [orgDomain]);
    org = result;
    return `id ${org.id}`;
  });

  await step('a user created at that domain gets organization_id', async () => {
    const { response, result } = await zd.users.create({ user: { name: 'Domain User', email: `someone@${orgDomain}` } });
    assert.equal(response.status, 201);
    assert.equal(result.organization_id, org.id);
    orgUser = result;
    const { result: shown } = await zd.users.show(orgUser.id);
    assert.equal(shown.organization_id, org.id);
    const members = await zd.users.listByOrganization(org.id);
    assert.deepEqual(members.map((u) => u.id), [orgUser.id]);
    return `user ${orgUser.id} -> org ${org.id}`;
  });

  await step('organizations.list contains the organization', async () => {
    const orgs = await zd.organizations.list();
    assert.ok(Array.isArray(orgs));
    const found = orgs.find((o) => o.id === org.id);
    assert.ok(found, `organization ${org.id} missing from organizations.list`);
    assert.deepEqual(found.domain_names, [orgDomain]);
    return `${orgs.length} organizations`;
  });

  await step('groups.create and groups.list', async () => {
    const { response, result } = await zd.groups.create({ group: { name: `Node Group ${suffix}` } });
    assert.equal(response.status, 201);
    assert.equal(typeof result.id, 'number');
    assert.equal(result.name, `Node Group ${suffix}`);
    group = result;
    const groups = await zd.groups.list();
    assert.ok(Array.isArray(groups));
    assert.ok(groups.some((g) => g.id === group.id), `group ${group.id} missing from groups.list`);
    const { result: shown } = await zd.groups.show(group.id);
    assert.equal(shown.name, group.name);
    return `id ${group.id}, ${groups.length} groups`;
  });

  await step('groupmemberships.create for a new agent, then list/listByUser/listByGroup/show', async () => {
    const { result: a } = await zd.users.create({
      user: { name: 'Node Agent', email: `nz-agent-${suffix}@support.example`, role: 'agent' },
    });
    assert.equal(a.role, 'agent');
    agent = a;
    const { response, result } = await zd.groupmemberships.create({
      group_membership: { user_id: agent.id, group_id: group.id },
    });
    assert.equal(response.status, 201);
    assert.equal(result.user_id, agent.id);
    assert.equal(result.group_id, group.id);
    membership = result;
    const all = await zd.groupmemberships.list();
    assert.ok(all.some((m) => m.id === membership.id), 'membership missing from groupmemberships.list');
    const byUser = await zd.groupmemberships.listByUser(agent.id);
    assert.ok(byUser.some((m) => m.id === membership.id), 'membership missing from listByUser');
    const byGroup = await zd.groupmemberships.listByGroup(group.id);
    assert.deepEqual(byGroup.map((m) => m.user_id), [agent.id]);
    const { result: shown } = await zd.groupmemberships.show(membership.id);
    assert.equal(shown.group_id, group.id);
    return `membership ${membership.id}`;
  });

  await step('groupmemberships: an end user cannot join a group (422)', async () => {
    const err = await rejects(zd.groupmemberships.create({ group_membership: { user_id: endUser.id, group_id: group.id } }),
      'end-user group membership');
    assert.match(String(err.message), /Zendesk Error \(422\)/, `unexpected error: ${err.message}`);
  });

  await step('useridentities.list for the end user', async () => {
    const identities = await zd.useridentities.list(endUser.id);
    assert.ok(Array.isArray(identities));
    const email = identities.find((i) => i.type === 'email');
    assert.ok(email, `no email identity in ${JSON.stringify(identities)}`);
    assert.equal(email.value, endUserEmail);
    assert.equal(email.user_id, endUser.id);
    assert.equal(email.primary, true);
    return `${identities.length} identit${identities.length === 1 ? 'y' : 'ies'}`;
  });

  await step('users.show(999999999) rejects with a 404', async () => {
    const err = await rejects(zd.users.show(999999999), 'users.show(999999999)');
    assert.match(String(err.message), /Zendesk Error \(404\)/, `unexpected error: ${err.message}`);
    const raw = await rejects(client({ throwOriginalException: true }).users.show(999999999),
      'users.show(999999999) with throwOriginalException');
    assert.equal(raw.statusCode, 404);
    assert.equal(raw.result && raw.result.error, 'RecordNotFound', `404 body: ${JSON.stringify(raw.result)}`);
    return err.message;
  });

  await step('a wrong token: users.me rejects with a 401', async () => {
    const bad = zendesk.createClient({ username, token: `${token}x-wrong`, endpointUri });
    const err = await rejects(bad.users.me(), 'users.me with a wrong token');
    assert.match(String(err.message), /Zendesk Error \(401\)/, `unexpected error: ${err.message}`);
    const raw = await rejects(zendesk.createClient({ username, token: 'wrong', endpointUri, throwOriginalException: true }).users.me(),
      'users.me with a wrong token (throwOriginalException)');
    assert.equal(raw.statusCode, 401);
    assert.equal(raw.result && raw.result.error, "Couldn't authenticate you", `401 body: ${JSON.stringify(raw.result)}`);
    return err.message;
  });

  console.log(`PASS node-zendesk flow: ${stepNo} steps`);
}

main().catch((err) => {
  if (!(err instanceof StepFailed)) {
    console.log(`FAIL ${err && err.stack ? err.stack : err}`);
  }
  process.exitCode = 1;
});
