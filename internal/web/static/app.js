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
  // Ready: every row shows what is stored (tests wait for this).
  form.dataset.ready = 'true';
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
// Comment attachments: too many files, or a file larger than the uploads
// take, are refused here,
// before anything is sent, saying so; the typed comment stays. The server
// checks again.
(() => {
  const check = (input) => {
    const max = Number(input.dataset.maxBytes || 0);
    const most = Number(input.dataset.maxFiles || 0);
    const problem = input.form && input.form.querySelector('[data-file-problem]');
    const big = max > 0 ? [...input.files].filter((f) => f.size > max) : [];
    const many = most > 0 && input.files.length > most;
    let text = '';
    if (big.length) text = `${big.map((f) => f.name).join(', ')} ${big.length > 1 ? 'are' : 'is'} too large to attach; files can be at most ${sizeText(max)} each. Your comment is kept: choose a smaller file.`;
    else if (many) text = `${input.files.length} files chosen; a comment can carry at most ${most}. Your comment is kept: choose fewer files.`;
    if (problem) {
      problem.hidden = text === '';
      problem.textContent = text;
    }
    if (text) input.value = '';
    return text === '';
  };
  const sizeText = (n) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} bytes`);
  document.addEventListener('change', (e) => {
    if (e.target.matches && e.target.matches('input[type=file][data-max-bytes]')) check(e.target);
  });
  document.addEventListener('submit', (e) => {
    for (const input of e.target.querySelectorAll('input[type=file][data-max-bytes]')) {
      if (!check(input)) e.preventDefault();
    }
  });
})();
// Keyboard shortcuts in the agent workspace, Zendesk-like. The script's
// shortcuts never fire while typing in a text box or a list box, except
// Ctrl+Enter (submit) and Esc (close). Alt+N, Alt+F, Alt+R, Alt+I and
// Alt+S are also the links' and buttons' access keys. Where the script
// acts on one it cancels the key press, which on Windows and Linux keeps
// the browser's access key from doing it a second time; in a text box the
// script stays out and the access key alone answers (macOS uses
// Ctrl+Option for access keys, so the two never meet there).
(() => {
  if (!document.querySelector('.workspace')) return;
  const SHORTCUTS = [
    ['Alt+N or Ctrl+Alt+N', 'New ticket'],
    ['Alt+F or /', 'Search'],
    ['Ctrl+Enter', 'Submit the reply (ticket page) or the form being filled'],
    ['Alt+R', 'Reply publicly'],
    ['Alt+I', 'Write an internal note'],
    ['Alt+S', 'Submit (ticket page)'],
    ['j / k', 'Next / previous ticket in a list'],
    ['Enter', 'Open the chosen ticket'],
    ['?', 'Show these shortcuts'],
    ['Esc', 'Close this list'],
  ];
  const typing = (el) => !!el && (el.isContentEditable || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' ||
    (el.tagName === 'INPUT' && !['checkbox', 'radio', 'button', 'submit', 'reset', 'file', 'range', 'color'].includes(el.type)));
  // One element per access key: the search page's box takes Alt+F from
  // the sidebar's link to the search page.
  for (const own of document.querySelectorAll('input[accesskey]')) {
    for (const other of document.querySelectorAll(`[accesskey="${own.accessKey}"]`)) {
      if (other !== own) other.removeAttribute('accesskey');
    }
  }

  // The help dialog: built once, modal, focus kept inside, Esc closes and
  // focus goes back where it was.
  let dialog;
  let before;
  const help = () => {
    if (!dialog) {
      dialog = document.createElement('dialog');
      dialog.className = 'shortcuts';
      dialog.setAttribute('aria-labelledby', 'shortcuts-title');
      dialog.setAttribute('role', 'dialog');
      dialog.setAttribute('aria-modal', 'true');
      const rows = SHORTCUTS.map(([keys, what]) => {
        const k = keys.split(/ or | \/ /).map((part) => part.split('+').map((x) => `<kbd>${x}</kbd>`).join('+')).join(' or ');
        return `<tr><th scope="row">${k}</th><td>${what}</td></tr>`;
      }).join('');
      dialog.innerHTML = `<h2 id="shortcuts-title">Keyboard shortcuts</h2>
        <table><thead><tr><th scope="col">Keys</th><th scope="col">Does</th></tr></thead><tbody>${rows}</tbody></table>
        <p class="hint">Single keys do nothing while you type in a box.</p>
        <div class="actions"><button type="button" data-close>Close</button></div>`;
      dialog.querySelector('[data-close]').addEventListener('click', () => dialog.close());
      dialog.addEventListener('close', () => { if (before && before.focus) before.focus(); });
      dialog.addEventListener('keydown', (e) => {
        if (e.key !== 'Tab') return;
        const f = [...dialog.querySelectorAll('button, [href], input, select, textarea, [tabindex]:not([tabindex="-1"])')];
        const first = f[0];
        const last = f[f.length - 1];
        if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
        else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
      });
      document.body.appendChild(dialog);
    }
    if (dialog.open) return;
    before = document.activeElement;
    dialog.showModal();
    dialog.querySelector('[data-close]').focus();
  };
  document.addEventListener('click', (e) => {
    if (e.target.closest && e.target.closest('[data-shortcuts]')) help();
  });

  const visibility = (value) => {
    const radio = document.querySelector(`form[data-reply] input[name=visibility][value=${value}]`);
    if (!radio) return false;
    radio.checked = true;
    radio.dispatchEvent(new Event('change', { bubbles: true }));
    const body = document.getElementById('body');
    if (body) body.focus();
    return true;
  };
  const search = () => {
    const box = document.getElementById('q');
    if (box) { box.focus(); box.select(); } else window.location.assign('/agent/search');
  };
  // j/k move the focus through a list's ticket links; Enter on a focused
  // link opens it, as links do.
  const move = (step) => {
    const links = [...document.querySelectorAll('[data-ticket-list] [data-open]')];
    if (!links.length) return false;
    const at = links.indexOf(document.activeElement);
    const next = at < 0 ? (step > 0 ? 0 : links.length - 1) : Math.min(links.length - 1, Math.max(0, at + step));
    links[next].focus();
    links[next].scrollIntoView({ block: 'nearest' });
    return true;
  };

  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.isComposing) return;
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    if (key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.altKey) {
      const form = document.querySelector('form[data-reply]') ||
        (document.activeElement && document.activeElement.form);
      if (form) { e.preventDefault(); form.requestSubmit(); }
      return;
    }
    if (dialog && dialog.open) return; // the dialog's own keys (Esc closes it natively)
    if (typing(e.target)) return;
    if (e.altKey && !e.metaKey) {
      const ctrl = e.ctrlKey;
      const code = (e.code || '').replace(/^Key/, '').toLowerCase(); // Alt may change e.key on some layouts
      const act = {
        n: () => { window.location.assign('/agent/tickets/new'); return true; },
        f: () => { search(); return true; },
        r: () => visibility('public'),
        i: () => visibility('internal'),
        s: () => {
          const form = document.querySelector('form[data-reply]');
          if (form) form.requestSubmit();
          return !!form;
        },
      }[code];
      if (!act || e.shiftKey || (ctrl && code !== 'n')) return;
      if (act()) e.preventDefault();
      return;
    }
    if (e.ctrlKey || e.metaKey) return;
    if (key === '?') { e.preventDefault(); help(); return; }
    if (key === '/') { e.preventDefault(); search(); return; }
    if (key === 'j' && move(1)) { e.preventDefault(); return; }
    if (key === 'k' && move(-1)) { e.preventDefault(); }
  });
})();
