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
