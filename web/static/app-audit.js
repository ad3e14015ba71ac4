// The audit browser (auditor, admin): search the hash-chained audit log,
// page with the server's cursor, download the search as CSV (the export is
// itself logged), open an object's history, and see whether each row's
// chain link and the whole chain hold (docs/audit-browser.md).
import { api } from './api.js';
import { apply, has } from './i18n.js';
import { h, $, clear, say } from './dom.js';
import { showError, busy } from './ui.js';

const PAGE = 50;
const WIB = 7 * 3600; // the form's dates are days in Jakarta time

// A YYYY-MM-DD of the date input as Unix seconds at the start (or end) of that WIB day.
function wibDay(v, end) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v || '');
  if (!m) return null;
  const start = Date.UTC(+m[1], +m[2] - 1, +m[3]) / 1000 - WIB;
  return String(end ? start + 86399 : start);
}

function linkBadge(link) {
  const ok = link === 'ok';
  return h('span', { class: 'badge ' + (ok ? 'badge-ok' : 'badge-bad'), dataset: { link }, i18n: ok ? 'ab.link.ok' : 'ab.link.broken' });
}

function detailsText(d) {
  if (d === null || d === undefined) return '';
  if (typeof d === 'string') return d;
  const s = JSON.stringify(d);
  return s === '{}' ? '' : s;
}

export function mountAuditBrowser(root) {
  const slot = $('#audit-browser-slot', root);
  const tpl = document.getElementById('tpl-audit-browser');
  if (!slot || !tpl) return;
  slot.append(tpl.content.cloneNode(true));
  apply(slot);
  const form = $('#ab-form', slot);
  const msg = $('#ab-msg', slot);
  const results = $('#ab-results', slot);
  const more = $('#ab-more', slot);
  const count = $('#ab-count', slot);
  const chain = $('#ab-chain', slot);
  const history = $('#ab-history', slot);
  let filter = {}; // the search shown
  let cursor = null;
  let tbody = null;
  let shown = 0;

  function fromForm() {
    const v = (id) => $(id, slot).value.trim();
    const f = {};
    const from = wibDay(v('#ab-from'), false);
    const to = wibDay(v('#ab-to'), true);
    if (from) f.from = from;
    if (to) f.to = to;
    for (const [k, id] of [['actor', '#ab-actor'], ['action', '#ab-action'], ['object', '#ab-object'], ['outcome', '#ab-outcome']]) {
      if (v(id)) f[k] = v(id);
    }
    return f;
  }

  function url(f, extra) {
    const p = new URLSearchParams(Object.assign({}, f, extra));
    return '/api/v1/audit?' + p.toString();
  }

  function objectCell(r) {
    if (!r.object) return null;
    return h('button', {
      type: 'button', class: 'linklike audit-mono', text: r.object, dataset: { object: r.object },
      i18nAttr: 'title:ab.history.open', vars: { object: r.object },
      on: { click: () => showHistory(r.object) },
    });
  }

  function row(r) {
    return h('tr', { dataset: { seq: String(r.seq), link: r.link } },
      h('td', { text: String(r.seq) }),
      h('td', {}, h('span', { date: r.time })),
      h('td', {}, h('span', { text: r.actor }), h('br'), h('span', has('role.' + r.role) ? { class: 'note', i18n: 'role.' + r.role } : { class: 'note', text: r.role })),
      h('td', { class: 'audit-mono audit-action', text: r.action }),
      h('td', {}, objectCell(r) || '—'),
      h('td', { class: 'audit-mono', text: r.ip }),
      h('td', { class: 'audit-details', text: detailsText(r.details) || '—' }),
      h('td', {}, linkBadge(r.link)));
  }

  function newTable() {
    const cols = ['ab.col.seq', 'ab.col.time', 'ab.col.actor', 'ab.col.action', 'ab.col.object', 'ab.col.ip', 'ab.col.details', 'ab.col.link'];
    tbody = h('tbody');
    clear(results).append(h('div', { class: 'table-wrap' }, h('table', { id: 'ab-table' },
      h('thead', {}, h('tr', {}, cols.map((k) => h('th', { scope: 'col', i18n: k })))), tbody)));
  }

  async function load(first) {
    say(msg, null);
    try {
      const j = await api('GET', url(filter, Object.assign({ limit: String(PAGE), chain: 'no' }, first ? {} : { cursor })));
      if (first) {
        shown = 0;
        if (j.rows.length === 0) {
          clear(results).append(h('p', { class: 'note', i18n: 'ab.empty' }));
          tbody = null;
        } else {
          newTable();
        }
      }
      for (const r of j.rows) tbody.append(row(r));
      shown += j.rows.length;
      cursor = j.next_cursor;
      more.hidden = !cursor;
      const broken = tbody ? tbody.querySelectorAll('tr[data-link="broken"]').length : 0;
      clear(count).append(h('span', { i18n: cursor ? 'ab.count.more' : 'ab.count', vars: { n: shown } }));
      if (broken) count.append(' ', h('strong', { i18n: 'ab.count.broken', vars: { n: broken } }));
    } catch (e) {
      showError(msg, e);
    }
  }

  async function loadChain() {
    say(chain, 'info', 'loading');
    try {
      const j = await api('GET', url({}, { limit: '1' }));
      const c = j.chain;
      const cp = c.checkpoint;
      const cpText = cp ? { num: cp.num, seq: cp.seq } : null;
      if (c.intact) say(chain, 'ok', cp ? 'ab.chain.ok' : 'ab.chain.ok.nocp', Object.assign({ events: c.events }, cpText));
      else say(chain, 'error', 'ab.chain.bad', { seq: c.first_bad_seq, problem: c.problem || '' });
      if (cp) chain.append(' ', h('span', { class: 'msg-detail' }, h('span', { i18n: 'ab.chain.cp_time' }), ' ', h('span', { date: cp.ts })));
    } catch (e) {
      showError(chain, e);
    }
  }

  function showHistory(object) {
    filter = { object };
    history.hidden = false;
    const text = $('#ab-history-text', slot);
    clear(text).append(h('span', { i18n: 'ab.history.h', vars: { object } }), ' ');
    cursor = null;
    load(true);
    history.scrollIntoView({ block: 'nearest' });
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    history.hidden = true;
    filter = fromForm();
    cursor = null;
    await busy(form, null, () => load(true));
  });
  $('#ab-reset', slot).addEventListener('click', () => {
    form.reset();
    history.hidden = true;
    filter = {};
    load(true);
  });
  $('#ab-history-back', slot).addEventListener('click', () => {
    history.hidden = true;
    filter = fromForm();
    load(true);
  });
  more.addEventListener('click', async () => {
    more.disabled = true;
    try { await load(false); } finally { more.disabled = false; }
  });
  $('#ab-csv', slot).addEventListener('click', async (ev) => {
    const btn = ev.currentTarget;
    btn.disabled = true;
    say(msg, null);
    try {
      const r = await api('GET', url(filter, { format: 'csv' }), { as: 'blob', accept: 'text/csv' });
      const a = h('a', { href: URL.createObjectURL(r.blob), download: 'teken-audit.csv', hidden: true });
      document.body.append(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 10000);
      say(msg, 'ok', 'ab.csv.done');
    } catch (e) {
      showError(msg, e);
    } finally {
      btn.disabled = false;
    }
  });
  loadChain();
  load(true);
}
