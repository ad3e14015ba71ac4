// The annual usage report (docs/reports.md) for admins and auditors: the
// figures in four formats and the submission record of a year. Admins
// freeze, approve and send; the issuer's auditor acknowledges receipt.
import './strings-report.js';
import { api } from './api.js';
import { apply, t } from './i18n.js';
import { $, h, clear, say } from './dom.js';
import { showError, statusBadge, table } from './ui.js';

const FORMATS = ['pdf', 'xlsx', 'csv', 'json'];

function query(year, unit, extra) {
  const q = new URLSearchParams(extra || {});
  if (year) q.set('year', year);
  if (unit) q.set('unit', unit);
  return q.toString();
}

function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function fileName(headers, fallback) {
  const m = /filename="([^"]+)"/.exec(headers.get('Content-Disposition') || '');
  return m ? m[1] : fallback;
}

export function mountReport(root, me) {
  const slot = $('#report-slot', root);
  const tpl = document.getElementById('tpl-report');
  if (!slot || !tpl) return;
  slot.append(tpl.content.cloneNode(true));
  apply(slot);
  const admin = me.role === 'admin';
  const yearIn = $('#rep-year', slot);
  const unitIn = $('#rep-unit', slot);
  const msg = $('#rep-msg', slot);
  const subMsg = $('#rep-sub-msg', slot);
  yearIn.value = String(new Date().getFullYear() - 1);
  $('#rep-freeze', slot).hidden = !admin;

  async function download(fmt, btn) {
    btn.disabled = true;
    say(msg, 'info', 'rep.busy');
    try {
      const r = await api('GET', '/api/v1/reports/usage?' + query(yearIn.value, unitIn.value.trim(), { format: fmt }),
        { as: 'blob', accept: '*/*' });
      const name = fileName(r.headers, 'laporan-penggunaan.' + fmt);
      save(r.blob, name);
      if (fmt === 'json') {
        const rep = JSON.parse(await r.blob.text());
        say(msg, 'ok', 'rep.summary', { year: rep.year, docs: rep.totals.documents_signed, certs: rep.totals.certificates_issued,
          revoked: rep.totals.certificates_revoked, ver: rep.totals.verifications });
      } else {
        say(msg, 'ok', 'rep.ready', { file: name });
      }
    } catch (e) {
      showError(msg, e);
    } finally {
      btn.disabled = false;
    }
  }

  for (const fmt of FORMATS) {
    const b = $('#rep-dl-' + fmt, slot);
    b.addEventListener('click', () => download(fmt, b));
  }

  async function step(v, action, body) {
    try {
      const r = await api('POST', `/api/v1/reports/usage/${encodeURIComponent(yearIn.value)}/versions/${v.version}/${action}?`
        + query(null, unitIn.value.trim()), { json: body || {} });
      say(subMsg, 'ok', 'rep.done', { version: r.version, status: t('status.' + r.status) });
      await load();
    } catch (e) {
      showError(subMsg, e);
    }
  }

  async function getPdf(v, btn) {
    btn.disabled = true;
    try {
      const r = await api('GET', `/api/v1/reports/usage/${encodeURIComponent(yearIn.value)}/versions/${v.version}?`
        + query(null, unitIn.value.trim(), { format: 'pdf' }), { as: 'blob', accept: 'application/pdf' });
      save(r.blob, fileName(r.headers, `laporan-penggunaan-v${v.version}.pdf`));
    } catch (e) {
      showError(subMsg, e);
    } finally {
      btn.disabled = false;
    }
  }

  function actions(v) {
    const out = h('div', { class: 'actions' });
    const pdf = h('button', { type: 'button', class: 'button', i18n: 'rep.pdf', dataset: { act: 'pdf' } });
    pdf.addEventListener('click', () => getPdf(v, pdf));
    out.append(pdf);
    const add = (key, act, fn) => {
      const b = h('button', { type: 'button', class: 'button', i18n: key, dataset: { act } });
      b.addEventListener('click', fn);
      out.append(b);
    };
    if (admin && v.status === 'frozen') add('rep.approve', 'approve', () => step(v, 'approve'));
    if (admin && v.status === 'approved') {
      add('rep.send', 'send', () => step(v, 'send', { by_hand: false }));
      const note = h('input', { type: 'text', maxlength: '500', class: 'rep-note', i18nAttr: 'aria-label:rep.hand.note,placeholder:rep.hand.note' });
      out.append(note);
      add('rep.hand', 'hand', () => step(v, 'send', { by_hand: true, note: note.value.trim() }));
    }
    if (!admin && v.status === 'sent') add('rep.ack', 'ack', () => step(v, 'acknowledge'));
    return out;
  }

  const who = (by, at) => (by ? h('span', {}, by + ' · ', h('span', { date: Date.parse(at) / 1000 })) : null);

  // Replaces the record only once the answer is in: clearing first would make the card jump under a
  // pointer (a year typed and then a click on "freeze" fires change on blur, between mousedown and click).
  async function load() {
    const box = $('#rep-versions', slot);
    const obl = $('#rep-obligation', slot);
    if (!/^\d{4}$/.test(yearIn.value)) {
      clear(box);
      clear(obl);
      return;
    }
    try {
      const r = await api('GET', `/api/v1/reports/usage/${encodeURIComponent(yearIn.value)}/versions?` + query(null, unitIn.value.trim()));
      const badge = { met: 'ok', late: 'warn', pending: 'info', overdue: 'bad' }[r.obligation] || 'info';
      clear(obl).append(h('span', { class: 'badge badge-' + badge, i18n: 'rep.obl.' + r.obligation, id: 'rep-obl-badge' }), ' ',
        h('span', { class: 'note', i18n: 'rep.sub.due', vars: { due: new Date(r.due).toLocaleDateString() } }));
      clear(box).append(table([
        ['rep.col.version', (v) => String(v.version)],
        ['col.status', (v) => statusBadge(v.status)],
        ['rep.col.frozen', (v) => who(v.frozen_by, v.frozen_at)],
        ['rep.col.approved', (v) => who(v.approved_by, v.approved_at)],
        ['rep.col.sent', (v) => (v.sent_by ? h('span', {}, who(v.sent_by, v.sent_at), ' (', h('span', { i18n: 'rep.via.' + v.sent_via }), ')',
          v.sent_note ? ' ' + v.sent_note : '') : null)],
        ['rep.col.ack', (v) => who(v.acknowledged_by, v.acknowledged_at)],
        ['rep.col.hash', (v) => h('code', { title: v.pdf_sha256 }, v.pdf_sha256.slice(0, 16) + '…')],
        ['rep.col.actions', actions],
      ], r.versions));
    } catch (e) {
      clear(box).append(h('div'));
      showError(box.firstChild, e);
    }
  }

  $('#rep-freeze', slot).addEventListener('click', async (ev) => {
    const b = ev.currentTarget;
    b.disabled = true;
    say(subMsg, 'info', 'rep.busy');
    try {
      const r = await api('POST', `/api/v1/reports/usage/${encodeURIComponent(yearIn.value)}/versions?` + query(null, unitIn.value.trim()));
      say(subMsg, 'ok', 'rep.frozen', { version: r.version });
      await load();
    } catch (e) {
      showError(subMsg, e);
    } finally {
      b.disabled = false;
    }
  });
  yearIn.addEventListener('change', load);
  unitIn.addEventListener('change', load);
  load();
}
