'use strict';
// Ticket flow: the real node-zendesk client (pinned in the repo's
// package.json) against a running Parley: upload, create with custom fields
// and tags, update, public and private comments, comments and audits,
// merge (job status), incremental export and search.
//
//   PARLEY_URL=http://127.0.0.1:PORT/api/v2 PARLEY_EMAIL=owner@x PARLEY_TOKEN=... node tickets.js
//
// One line per step; the first failure prints a clear message and exits 1.
// node-zendesk 6.0.1 facts this relies on (dist/index.js):
//   - attachments.upload(file, {filename, binary}) sends POST /uploads.json?filename=..&binary=..;
//     a Stream body goes out as application/binary, anything else is taken as
//     a file PATH (fs.createReadStream), so a Buffer must be wrapped in a
//     Readable. It resolves to the raw body {upload:{token, attachment, ...}}.
//   - tickets.* unwrap the root keys tickets/ticket/audits/comments; getComments
//     and exportAudit follow links.next / next_page and return flat arrays.
//   - tickets.merge(id, body) POSTs /tickets/{id}/merge.json and resolves to
//     {result:{job_status}}; jobstatuses.watch(id, interval, maxAttempts)
//     polls /job_statuses/{id}.json until completed/failed/killed (it never
//     gives up while the job is queued or working).
//   - tickets.incremental(start) follows next_page only while a page holds
//     >= 1000 tickets; ticketexport.exportCursor(start, cursor) puts BOTH
//     start_time and cursor in the query (cursor=undefined when omitted, so
//     an empty string is passed for the first page) plus page[size]=100.
//   - search.query / queryAll unwrap "results"; showResultsCount does not.

const assert = require('node:assert/strict');
const { Readable } = require('node:stream');
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

// withTimeout rejects when p has not settled in ms (jobstatuses.watch polls
// forever while a job stays queued).
function withTimeout(p, ms, what) {
  let timer;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms}ms`)), ms); }),
  ]);
}

// download GETs a content_url with the same token credentials the client uses.
async function download(url) {
  const auth = `Basic ${Buffer.from(`${username}/token:${token}`).toString('base64')}`;
  const res = await fetch(url, { headers: { Authorization: auth } });
  const body = Buffer.from(await res.arrayBuffer());
  assert.equal(res.status, 200, `GET ${url}: status ${res.status}, body ${body.toString('utf8').slice(0, 200)}`);
  return body;
}

async function upload(zd, filename, bytes) {
  const res = await zd.attachments.upload(Readable.from([bytes]), { filename, binary: true });
  assert.ok(res && res.upload, `upload answered ${JSON.stringify(res)}`);
  return res.upload;
}

const sortedTags = (tags) => [...tags].sort();
const cf = (ticket, id) => {
  const f = (ticket.custom_fields || []).find((x) => x.id === id);
  return f ? f.value : undefined;
};

async function main() {
  for (const [k, v] of Object.entries({ PARLEY_URL: endpointUri, PARLEY_EMAIL: username, PARLEY_TOKEN: token })) {
    if (!v) throw new Error(`environment variable ${k} is not set`);
  }
  const zd = client();

  const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const caseTag = `nzcase_${suffix}`;
  const content = Buffer.concat([Buffer.from('toner levels: 3%\n'.repeat(61)), Buffer.from([0x00, 0xff, 0x10, 0x80])]);
  const fileName = 'printer log.txt';
  let orderField; let productField; let upl; let ticket; let attachment; let src1; let src2;
  const all = [];

  await step('ticketfields.create a text and a dropdown field', async () => {
    ({ result: orderField } = await zd.ticketfields.create({ ticket_field: { type: 'text', title: `Order ${suffix}` } }));
    ({ result: productField } = await zd.ticketfields.create({
      ticket_field: {
        type: 'tagger',
        title: `Product ${suffix}`,
        custom_field_options: [{ name: 'Laser', value: `laser_${suffix}` }, { name: 'Inkjet', value: `inkjet_${suffix}` }],
      },
    }));
    assert.equal(typeof orderField.id, 'number');
    assert.equal(typeof productField.id, 'number');
    return `ids ${orderField.id}, ${productField.id}`;
  });

  await step('attachments.upload a file (Readable stream, application/binary)', async () => {
    upl = await upload(zd, fileName, content);
    assert.equal(typeof upl.token, 'string');
    assert.ok(upl.token.length > 0, 'empty upload token');
    assert.equal(upl.attachment.file_name, fileName);
    assert.equal(upl.attachment.size, content.length);
    assert.equal(upl.attachments.length, 1);
    return `token ${upl.token.slice(0, 6)}…, attachment ${upl.attachment.id}, content_type ${upl.attachment.content_type}`;
  });

  await step('tickets.create with custom fields, tags and the upload', async () => {
    const { response, result } = await zd.tickets.create({
      ticket: {
        subject: `Printer jams ${suffix}`,
        priority: 'normal',
        type: 'incident',
        tags: [caseTag, 'Printer'],
        custom_fields: [{ id: orderField.id, value: 'ORD-7781' }, { id: productField.id, value: `laser_${suffix}` }],
        comment: { body: 'It jams on every page; log attached.', public: true, uploads: [upl.token] },
      },
    });
    assert.equal(response.status, 201);
    ticket = result;
    all.push(ticket.id);
    assert.equal(ticket.status, 'new');
    assert.equal(ticket.is_public, true);
    assert.equal(ticket.description, 'It jams on every page; log attached.');
    assert.deepEqual(sortedTags(ticket.tags), sortedTags([caseTag, 'printer', `laser_${suffix}`]),
      'tags are lowercased and the dropdown value is added');
    assert.equal(cf(ticket, orderField.id), 'ORD-7781');
    assert.equal(cf(ticket, productField.id), `laser_${suffix}`);
    return `ticket ${ticket.id}`;
  });

  await step('the attachment is on the first comment and its content_url downloads', async () => {
    const comments = await zd.tickets.getComments(ticket.id);
    assert.equal(comments.length, 1);
    assert.equal(comments[0].attachments.length, 1, `first comment: ${JSON.stringify(comments[0])}`);
    attachment = comments[0].attachments[0];
    assert.equal(attachment.id, upl.attachment.id);
    assert.equal(attachment.file_name, fileName);
    assert.equal(attachment.size, content.length);
    const bytes = await download(attachment.content_url);
    assert.ok(bytes.equals(content), `downloaded ${bytes.length} bytes differ from the ${content.length} uploaded`);
    const { result: shown } = await zd.attachments.show(attachment.id);
    const a = shown.attachment || shown;
    assert.equal(a.file_name, fileName);
    assert.equal(a.size, content.length);
    return `${bytes.length} bytes from ${new URL(attachment.content_url).pathname}`;
  });

  await step('tickets.update status, priority, tags and a custom field', async () => {
    const { response, result } = await zd.tickets.update(ticket.id, {
      ticket: {
        status: 'open',
        priority: 'urgent',
        tags: [caseTag, 'printer', 'escalated'],
        custom_fields: [{ id: productField.id, value: `inkjet_${suffix}` }],
      },
    });
    assert.equal(response.status, 200);
    assert.equal(result.status, 'open');
    assert.equal(result.priority, 'urgent');
    assert.equal(cf(result, productField.id), `inkjet_${suffix}`);
    assert.equal(cf(result, orderField.id), 'ORD-7781', 'update must keep the untouched custom field');
    assert.deepEqual(sortedTags(result.tags), sortedTags([caseTag, 'printer', 'escalated', `inkjet_${suffix}`]));
  });

  await step('a public and a private comment (tickets.update with comment)', async () => {
    await zd.tickets.update(ticket.id, { ticket: { comment: { body: 'We are sending a technician.', public: true } } });
    await zd.tickets.update(ticket.id, { ticket: { comment: { body: 'Internal: under warranty.', public: false } } });
    const { result } = await zd.tickets.show(ticket.id);
    assert.equal(result.is_public, true, 'a private note must not make the ticket private');
  });

  await step('tickets.getComments lists the three comments in order', async () => {
    const comments = await zd.tickets.getComments(ticket.id);
    assert.deepEqual(comments.map((c) => c.body),
      ['It jams on every page; log attached.', 'We are sending a technician.', 'Internal: under warranty.']);
    assert.deepEqual(comments.map((c) => c.public), [true, true, false]);
    return `${comments.length} comments`;
  });

  await step('tickets.exportAudit / ticketaudits.list: Create then Change events', async () => {
    const audits = await zd.tickets.exportAudit(ticket.id);
    assert.ok(Array.isArray(audits), 'exportAudit must resolve to an array');
    assert.equal(audits.length, 4, `audits: ${JSON.stringify(audits.map((a) => a.events.map((e) => e.type)))}`);
    const types = audits[0].events.map((e) => e.type);
    assert.equal(types[0], 'Comment', `create audit events ${types}`);
    assert.ok(types.length > 1 && types.slice(1).every((t) => t === 'Create'), `create audit events ${types}`);
    assert.equal(audits[0].events[0].attachments.length, 1, 'the create Comment event carries the attachment');
    const change = (a, field) => a.events.find((e) => e.type === 'Change' && e.field_name === field);
    assert.deepEqual([change(audits[1], 'status')?.previous_value, change(audits[1], 'status')?.value], ['new', 'open']);
    assert.deepEqual([change(audits[1], 'priority')?.previous_value, change(audits[1], 'priority')?.value], ['normal', 'urgent']);
    const pf = change(audits[1], String(productField.id));
    assert.ok(pf, `no Change for custom field ${productField.id}: ${JSON.stringify(audits[1].events)}`);
    assert.deepEqual([pf.previous_value, pf.value], [`laser_${suffix}`, `inkjet_${suffix}`]);
    assert.deepEqual(audits.slice(2).map((a) => a.events.find((e) => e.type === 'Comment')?.public), [true, false]);
    const listed = await zd.ticketaudits.list(ticket.id);
    assert.deepEqual(listed.map((a) => a.id), audits.map((a) => a.id), 'ticketaudits.list and tickets.exportAudit differ');
    return `${audits.length} audits; create: ${types.length - 1} Create events`;
  });

  await step('tickets.merge two tickets into it; jobstatuses.watch until completed', async () => {
    ({ result: src1 } = await zd.tickets.create({
      ticket: { subject: `Printer jams again ${suffix}`, comment: { body: 'Same printer, same jam.', public: true } },
    }));
    const up2 = await upload(zd, 'photo.bin', Buffer.from('jammed paper photo'));
    ({ result: src2 } = await zd.tickets.create({
      ticket: {
        subject: `Paper stuck ${suffix}`,
        requester: { name: 'Nora Node', email: `nora-${suffix}@customer.example` },
        comment: { body: 'Paper stuck in tray 2, photo attached.', public: true, uploads: [up2.token] },
      },
    }));
    all.push(src1.id, src2.id);
    const { response, result } = await zd.tickets.merge(ticket.id, { ids: [src1.id, src2.id] });
    assert.equal(response.status, 200);
    assert.ok(result.job_status && result.job_status.id, `merge answered ${JSON.stringify(result)}`);
    const js = await withTimeout(zd.jobstatuses.watch(result.job_status.id, 50, 5), 20000, 'jobstatuses.watch');
    assert.equal(js.status, 'completed', `job ended ${JSON.stringify(js)}`);
    return `job ${js.id} ${js.status}`;
  });

  await step('after the merge: sources closed, target has the merge comments', async () => {
    for (const src of [src1, src2]) {
      const { result } = await zd.tickets.show(src.id);
      assert.equal(result.status, 'closed', `source ${src.id}`);
      const comments = await zd.tickets.getComments(src.id);
      const last = comments[comments.length - 1];
      assert.ok(last.body.includes(`#${ticket.id}`), `source ${src.id} last comment ${last.body}`);
      assert.equal(last.public, false);
    }
    const comments = await zd.tickets.getComments(ticket.id);
    assert.equal(comments.length, 5);
    for (const [i, src] of [src1, src2].entries()) {
      const c = comments[3 + i];
      assert.ok(c.body.includes(`#${src.id}`), `target merge comment ${i}: ${c.body}`);
      assert.equal(c.public, false);
    }
    const copied = comments[4].attachments;
    assert.equal(copied.length, 1, `source ${src2.id}'s attachment was not carried over`);
    assert.equal(copied[0].file_name, 'photo.bin');
    assert.equal((await download(copied[0].content_url)).toString(), 'jammed paper photo');
    const { result } = await zd.tickets.show(ticket.id);
    assert.equal(result.status, 'open');
    assert.ok(result.email_cc_ids.includes(src2.requester_id), `email_cc_ids ${result.email_cc_ids}`);
  });

  await step('tickets.incremental(0) returns every ticket exactly once', async () => {
    const tickets = await zd.tickets.incremental(0);
    assert.ok(Array.isArray(tickets));
    const ids = tickets.map((t) => t.id);
    assert.equal(new Set(ids).size, ids.length, `duplicates in ${ids}`);
    assert.deepEqual([...ids].sort((a, b) => a - b), [...all].sort((a, b) => a - b));
    return `${ids.length} tickets`;
  });

  await step('ticketexport.exportCursor: start_time=0, then after_cursor until end_of_stream', async () => {
    const small = client({ query: { per_page: 2 } });
    const urls = [];
    small.ticketexport.on('debug::request', (e) => urls.push(e.detail.uri));
    const seen = new Map();
    let cursor = '';
    for (let page = 1; ; page++) {
      assert.ok(page <= 20, 'no end_of_stream after 20 pages');
      const { result } = await small.ticketexport.exportCursor(0, cursor);
      assert.ok(Array.isArray(result.tickets), `page ${page}: ${JSON.stringify(result)}`);
      for (const t of result.tickets) seen.set(t.id, (seen.get(t.id) || 0) + 1);
      if (result.end_of_stream) break;
      assert.ok(result.after_cursor, `page ${page} has neither end_of_stream nor after_cursor`);
      cursor = result.after_cursor;
    }
    for (const [id, n] of seen) assert.equal(n, 1, `ticket ${id} exported ${n} times`);
    assert.deepEqual([...seen.keys()].sort((a, b) => a - b), [...all].sort((a, b) => a - b));
    const { result: last } = await zd.tickets.show(src1.id);
    assert.equal(last.status, 'closed');
    return `${seen.size} tickets in ${urls.length} requests`;
  });

  await step('search.query / queryAll / showResultsCount / exportResults', async () => {
    const hits = await zd.search.query(`type:ticket tags:${caseTag}`);
    const results = hits.result;
    assert.ok(Array.isArray(results), `search answered ${JSON.stringify(results)}`);
    assert.deepEqual(results.map((r) => [r.result_type, r.id]), [['ticket', ticket.id]]);
    const closed = await zd.search.queryAll('type:ticket status:closed');
    assert.deepEqual(closed.map((r) => r.id).sort((a, b) => a - b), [src1.id, src2.id]);
    const { result: count } = await zd.search.showResultsCount('type:ticket tray');
    assert.equal(count.count, 2, `"tray" is in source 2 and the target's merge comment: ${JSON.stringify(count)}`);
    const exported = await zd.search.exportResults(suffix, 'ticket', 1);
    assert.deepEqual(exported.map((r) => r.id).sort((a, b) => a - b), [...all].sort((a, b) => a - b),
      'search export (page[size]=1, links.next) must return every ticket once');
    return `tag hit ${ticket.id}; closed ${closed.length}; export ${exported.length}`;
  });

  console.log(`PASS node-zendesk tickets flow: ${stepNo} steps`);
}

main().catch((err) => {
  if (!(err instanceof StepFailed)) {
    console.log(`FAIL ${err && err.stack ? err.stack : err}`);
  }
  process.exitCode = 1;
});
