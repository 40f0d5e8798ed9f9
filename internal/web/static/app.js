// Small behaviours the pages share. htmx sends the CSRF token from the
// body's hx-headers; this file only confirms destructive actions.
document.addEventListener('submit', (e) => {
  const msg = e.target.getAttribute('data-confirm');
  if (msg && !window.confirm(msg)) e.preventDefault();
});
// Show the fields of the partner kind that is chosen (sharing invitations).
document.addEventListener('change', (e) => {
  const kind = e.target.closest('[data-partner-kind]');
  if (!kind) return;
  for (const el of document.querySelectorAll('[data-for-kind]')) {
    el.hidden = el.getAttribute('data-for-kind') !== e.target.value;
  }
});
// Live ticket pages: when the server says the ticket changed, fetch the
// panels again and swap them in (the reply being typed is kept).
(() => {
  const live = document.getElementById('ticket-live');
  if (!live || !window.EventSource) return;
  const source = new EventSource(live.dataset.events);
  source.addEventListener('ticket-updated', async () => {
    const typed = document.getElementById('body');
    const draft = typed ? typed.value : '';
    const res = await fetch(live.dataset.panels, { headers: { 'HX-Request': 'true' } });
    if (!res.ok) return;
    live.innerHTML = await res.text();
    if (window.parleyApplyConditions) window.parleyApplyConditions();
    const again = document.getElementById('body');
    if (again && draft) again.value = draft;
  });
  source.addEventListener('viewers', (e) => {
    const line = document.getElementById('viewers');
    if (line) line.textContent = JSON.parse(e.data);
  });
  window.addEventListener('beforeunload', () => source.close());
})();
// The rule builder: each row's field list comes from the definitions the
// form carries; choosing a field fills its operators and offers its values
// (a select would hide free-text values, so values are a text box with
// suggestions whose visible titles map to the stored values).
(() => {
  const form = document.querySelector('form[data-definitions]');
  if (!form) return;
  const defs = JSON.parse(form.dataset.definitions);
  const listFor = (fs) => fs.dataset.kind === 'action' ? defs.actions
    : (fs.dataset.rows === 'any' ? defs.conditions_any : defs.conditions_all);
  const fill = (row, fs) => {
    const field = row.querySelector('[data-role=field]');
    const def = listFor(fs).find((d) => d.subject === field.value);
    const op = row.querySelector('[data-role=operator]');
    if (op) {
      const keep = op.dataset.selected || op.value;
      op.innerHTML = '';
      for (const o of (def ? def.operators : [])) op.add(new Option(o.title, o.value, false, o.value === keep));
      op.dataset.selected = '';
    }
    const list = row.querySelector('datalist');
    list.innerHTML = '';
    for (const v of (def ? def.values : [])) {
      const opt = document.createElement('option');
      opt.value = v.value;
      opt.label = v.title;
      list.appendChild(opt);
    }
  };
  for (const fs of form.querySelectorAll('fieldset[data-rows]')) {
    const prepare = (row) => {
      const field = row.querySelector('[data-role=field]');
      const keep = field.dataset.selected;
      for (const d of listFor(fs)) field.add(new Option(d.title, d.subject, false, d.subject === keep));
      field.addEventListener('change', () => fill(row, fs));
      fill(row, fs);
    };
    fs.querySelectorAll('.rule-row').forEach(prepare);
    fs.querySelector('[data-add-row]').addEventListener('click', () => {
      const rows = fs.querySelectorAll('.rule-row');
      const copy = rows[rows.length - 1].cloneNode(true);
      const n = rows.length;
      for (const el of copy.querySelectorAll('[id]')) el.id = el.id.replace(/_\d+$/, '_' + n);
      for (const el of copy.querySelectorAll('label[for]')) el.htmlFor = el.htmlFor.replace(/_\d+$/, '_' + n);
      for (const el of copy.querySelectorAll('[list]')) el.setAttribute('list', el.getAttribute('list').replace(/_\d+$/, '_' + n));
      for (const el of copy.querySelectorAll('input')) el.value = '';
      const field = copy.querySelector('[data-role=field]');
      field.innerHTML = '<option value="">—</option>';
      field.dataset.selected = '';
      rows[rows.length - 1].after(copy);
      prepare(copy);
    });
  }
})();
// Form conditions: a field with data-reveal shows only while one of its
// parent fields has one of the values that reveal it.
(() => {
  const valueOf = (id) => {
    const box = document.querySelector(`[data-field="${id}"]`);
    if (!box) return [];
    const el = box.querySelector('select, input:not([type=hidden]), textarea');
    if (!el) return [];
    if (el.type === 'checkbox') return [String(el.checked)];
    if (el.multiple) return [...el.selectedOptions].map((o) => o.value);
    return [el.value];
  };
  const apply = () => {
    for (const box of document.querySelectorAll('[data-reveal]')) {
      if (!box.dataset.reveal) continue;
      const rules = JSON.parse(box.dataset.reveal);
      box.hidden = !rules.some((r) => valueOf(r.parent).some((v) => r.values.includes(v)));
    }
  };
  document.addEventListener('change', apply);
  document.addEventListener('DOMContentLoaded', apply);
  document.addEventListener('htmx:afterSwap', apply);
  window.parleyApplyConditions = apply;
})();
