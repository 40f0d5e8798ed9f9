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
    const again = document.getElementById('body');
    if (again && draft) again.value = draft;
  });
  window.addEventListener('beforeunload', () => source.close());
})();
