// Helpers shared by the dashboards of the application page.
import { t, has } from './i18n.js';
import { ApiError, errorKey } from './api.js';
import { h, say, clear } from './dom.js';

// Shows an API error in plain language; the server's own text only for
// errors the table does not know (it is English and technical).
export function showError(slot, err) {
  if (err instanceof ApiError && err.code === 'unauthenticated') {
    document.dispatchEvent(new CustomEvent('teken:logged-out'));
  }
  const key = errorKey(err);
  if (key) say(slot, 'error', key);
  else say(slot, 'error', 'err.generic', null, err && err.message ? err.message : String(err));
}

export function statusBadge(status) {
  const cls = { approved: 'badge-ok', active: 'badge-ok', valid: 'badge-ok', rejected: 'badge-bad', revoked: 'badge-bad',
    erased: 'badge-bad', inactive: 'badge-bad', pending: 'badge-warn', hold: 'badge-warn', suspended: 'badge-warn',
    locked: 'badge-warn', expired: 'badge-bad' }[status] || 'badge-info';
  const key = 'status.' + status;
  return h('span', { class: 'badge ' + cls }, has(key) ? h('span', { i18n: key }) : String(status));
}

export function kindLabel(kind) {
  const key = 'kind.' + kind;
  return has(key) ? h('span', { i18n: key }) : document.createTextNode(String(kind));
}

// cols: [[headerKey, row => Node|string], ...]
export function table(cols, rows, caption) {
  if (!rows || rows.length === 0) return h('p', { class: 'note', i18n: 'empty.list' });
  const thead = h('thead', {}, h('tr', {}, cols.map(([k]) => h('th', { scope: 'col', i18n: k }))));
  const tbody = h('tbody', {}, rows.map((r) => h('tr', {}, cols.map(([, f]) => {
    const v = f(r);
    return h('td', {}, v === null || v === undefined || v === '' ? '—' : v);
  }))));
  return h('div', { class: 'table-wrap' }, h('table', {}, caption ? h('caption', { class: 'note', i18n: caption }) : null, thead, tbody));
}

// Evidence file names must be plain: send a fixed name with the right extension.
export function evidenceName(kind, file) {
  const m = /\.(pdf|png|jpe?g)$/i.exec(file.name || '');
  return kind + (m ? m[0].toLowerCase() : '');
}

export function subjectOf(req) {
  const p = req.payload || {};
  // Auditors get a pseudonym instead of the official's account and record id.
  return p.user || p.common_name || p.serial || (req.subscriber_id ? '#' + req.subscriber_id : req.subscriber_pseudonym || '—');
}

export const requestCols = [
  ['col.id', (r) => String(r.id)],
  ['col.kind', (r) => kindLabel(r.kind)],
  ['col.subject', (r) => subjectOf(r)],
  ['col.submitted_by', (r) => r.submitted_by],
  ['col.created', (r) => h('span', { date: r.created_at })],
  ['col.status', (r) => statusBadge(r.status)],
];

// A confirmation dialog; with typed set, the user must type that text.
export function confirmDialog(key, vars, typed) {
  const dlg = document.getElementById('confirm');
  const text = document.getElementById('confirm-text');
  const field = document.getElementById('confirm-typed-field');
  const input = document.getElementById('confirm-typed');
  const ok = document.getElementById('confirm-ok');
  clear(text).append(h('span', { i18n: key, vars }));
  field.hidden = !typed;
  input.value = '';
  ok.disabled = !!typed;
  const onInput = () => { ok.disabled = input.value.trim() !== typed; };
  input.addEventListener('input', onInput);
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => {
      input.removeEventListener('input', onInput);
      resolve(dlg.returnValue === 'ok' && (!typed || input.value.trim() === typed));
    }, { once: true });
    dlg.returnValue = '';
    dlg.showModal();
    (typed ? input : ok).focus();
  });
}

// Disables a form's submit button while fn runs; shows a busy label.
export async function busy(form, busyKey, fn) {
  const btn = form.querySelector('button[type="submit"]') || form.querySelector('button');
  const key = btn ? btn.dataset.i18n : null;
  if (btn) {
    btn.disabled = true;
    if (busyKey) { btn.dataset.i18n = busyKey; btn.textContent = t(busyKey); }
  }
  form.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } finally {
    form.removeAttribute('aria-busy');
    if (btn) {
      btn.disabled = false;
      if (busyKey && key) { btn.dataset.i18n = key; btn.textContent = t(key); }
    }
  }
}
