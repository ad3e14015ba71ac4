// Security assessments (R6; docs/assessments.md) for auditors (the issuer:
// request, read, download, accept or return) and admins (the ministry:
// upload the report with its metadata, see the status). The server decides
// who may do what; this page only shows each role its own forms.
import './strings-assess.js';
import { api } from './api.js';
import { apply, t } from './i18n.js';
import { h, $, $$, clear, say, dl, blobLink, fmtBytes } from './dom.js';
import { showError, table, busy } from './ui.js';

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
const REMEDIATION = ['open', 'in_progress', 'remediated', 'accepted'];

function todayWib() {
  return new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
}

function statusBadge(r) {
  const cls = { requested: 'badge-info', submitted: 'badge-warn', accepted: 'badge-ok', returned: 'badge-bad' }[r.status] || 'badge-info';
  return h('span', {}, h('span', { class: 'badge ' + cls, i18n: 'as.st.' + r.status }),
    r.overdue ? h('span', { class: 'badge badge-bad as-overdue', i18n: 'as.overdue', vars: { days: r.days_overdue } }) : null);
}

function countsText(c) {
  return SEVERITIES.map((k) => String(c[k])).join('/');
}

function select(cls, values, prefix, label) {
  return h('select', { class: cls, 'aria-label': t(label) }, ...values.map((v) => h('option', { value: v, i18n: prefix + v })));
}

async function loadList(root, me) {
  const slot = $('#as-list', root);
  try {
    const rows = await api('GET', '/api/v1/assessments');
    clear(slot).append(table([
      ['as.col.system', (r) => r.system_name],
      ['as.col.due', (r) => r.due_on],
      ['as.col.status', (r) => statusBadge(r)],
      ['as.col.latest', (r) => (r.latest ? h('span', { i18n: 'as.latest', vars: { version: r.latest.version, date: r.latest.report_date,
        c: r.latest.counts.critical, hi: r.latest.counts.high, m: r.latest.counts.medium, l: r.latest.counts.low, i: r.latest.counts.info } }) : '—')],
      ['as.col.open', (r) => h('button', { type: 'button', class: 'button button-small as-open', i18n: 'as.open', dataset: { id: String(r.id) },
        on: { click: () => openDetail(root, me, r.id) } })],
    ], rows));
  } catch (e) {
    clear(slot).append(h('div'));
    showError(slot.firstChild, e);
  }
}

function findingRow() {
  return h('div', { class: 'row as-find' },
    h('div', { class: 'field' }, h('input', { type: 'text', class: 'af-title', maxlength: 300, 'aria-label': t('as.find.title'), placeholder: t('as.find.title') })),
    h('div', { class: 'field' }, select('af-sev', SEVERITIES, 'as.sev.', 'as.find.severity')),
    h('div', { class: 'field' }, select('af-status', REMEDIATION, 'as.rem.', 'as.find.status')));
}

function renderDetail(root, me, a) {
  const sec = $('#as-detail', root);
  sec.hidden = false;
  sec.dataset.id = String(a.id);
  sec.dataset.status = a.status;
  clear($('#as-detail-h', root)).append(h('span', { text: a.system_name }));
  const latest = a.reports.length ? a.reports[a.reports.length - 1] : null;
  clear($('#as-detail-body', root)).append(
    dl([
      ['as.col.status', statusBadge(a)], ['as.f.scope', a.scope], ['as.col.due', a.due_on],
      ['as.d.requested_by', a.requested_by], ['as.d.note', a.note || '—'],
      ['as.d.reason', a.return_reason || '—'], ['as.d.decided_by', a.decided_by || '—'],
    ]),
    h('h3', { i18n: 'as.rep.h' }),
    table([
      ['as.rep.version', (p) => String(p.version)], ['as.rep.date', (p) => p.report_date], ['as.rep.assessor', (p) => p.assessor],
      ['as.rep.counts', (p) => countsText(p.counts)], ['as.rep.remediation', (p) => h('span', { i18n: 'as.rem.' + p.remediation })],
      ['as.rep.file', (p) => h('span', {}, h('span', { text: p.filename }), ' (' + fmtBytes(p.size) + ')')],
    ], a.reports),
    latest && latest.findings.length ? h('h3', { i18n: 'as.findings.h', vars: { version: latest.version } }) : null,
    latest && latest.findings.length ? table([
      ['as.find.title', (f) => f.title], ['as.find.severity', (f) => h('span', { i18n: 'as.sev.' + f.severity })],
      ['as.find.status', (f) => h('span', { i18n: 'as.rem.' + f.status })],
    ], latest.findings) : null);
  const dlSlot = clear($('#as-download', root));
  if (latest) {
    const link = h('span', { class: 'as-dl' });
    dlSlot.append(h('div', { class: 'actions' }, h('button', { type: 'button', class: 'button', id: 'as-download-btn', i18n: 'as.download', on: { click: async () => {
      try {
        const r = await api('GET', `/api/v1/assessments/${a.id}/report.pdf`, { as: 'blob', accept: 'application/pdf' });
        clear(link).append(blobLink(r.blob, latest.filename, 'as.save'));
      } catch (err) {
        showError($('#as-detail-msg', root), err);
      }
    } } }), link));
  }
  $('#as-decide', root).hidden = !(me.role === 'auditor' && a.status === 'submitted');
  $('#as-upload', root).hidden = !(me.role === 'admin' && a.status !== 'accepted');
  apply(sec);
}

async function openDetail(root, me, id) {
  say($('#as-detail-msg', root), null);
  try {
    renderDetail(root, me, await api('GET', `/api/v1/assessments/${id}`));
    $('#as-detail', root).focus();
  } catch (e) {
    showError($('#as-msg', root), e);
  }
}

async function decide(root, me, accept) {
  const id = $('#as-detail', root).dataset.id;
  const msg = $('#as-detail-msg', root);
  const body = accept ? {} : { reason: $('#as-reason', root).value.trim() };
  try {
    const r = await api('POST', `/api/v1/assessments/${id}/${accept ? 'accept' : 'return'}`, { json: body });
    renderDetail(root, me, r);
    say(msg, 'ok', 'as.decided', { status: t('as.st.' + r.status) });
    loadList(root, me);
  } catch (e) {
    showError(msg, e);
  }
}

export function mountAssess(body, me) {
  const tpl = document.getElementById('tpl-assess');
  const wrap = h('div', { class: 'assess-wrap', id: 'assess-wrap' });
  wrap.append(tpl.content.cloneNode(true));
  body.append(wrap);
  const root = wrap;

  $('#as-request-wrap', root).hidden = me.role !== 'auditor';
  $('#as-request', root).addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = ev.currentTarget;
    const msg = $('#as-request-msg', root);
    say(msg, null);
    const rec = { system_name: $('#ar-system', root).value.trim(), scope: $('#ar-scope', root).value.trim(), due_on: $('#ar-due', root).value };
    const note = $('#ar-note', root).value.trim();
    if (note) rec.note = note;
    await busy(form, null, async () => {
      try {
        const r = await api('POST', '/api/v1/assessments', { json: rec });
        say(msg, 'ok', 'as.req.done', { id: r.id });
        form.reset();
        await loadList(root, me);
      } catch (e) {
        showError(msg, e);
      }
    });
  });

  $('#as-accept', root).addEventListener('click', () => decide(root, me, true));
  $('#as-return', root).addEventListener('click', () => decide(root, me, false));

  const finds = $('#au-finds', root);
  $('#au-find-add', root).addEventListener('click', () => { finds.append(findingRow()); apply(finds); });
  const counts = $('#au-counts', root);
  for (const k of SEVERITIES) {
    counts.append(h('div', { class: 'field' }, h('label', { for: 'au-n-' + k, i18n: 'as.sev.' + k }),
      h('input', { id: 'au-n-' + k, type: 'number', min: 0, max: 100000, value: 0, class: 'au-n', dataset: { sev: k } })));
  }
  const rem = $('#au-remediation', root);
  for (const v of REMEDIATION) rem.append(h('option', { value: v, i18n: 'as.rem.' + v }));
  $('#au-date', root).value = todayWib();

  $('#as-upload', root).addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = ev.currentTarget;
    const id = $('#as-detail', root).dataset.id;
    const msg = $('#as-detail-msg', root);
    const file = $('#au-file', root).files[0];
    if (!file) return;
    const findings = $$('.as-find', root).map((r) => ({ title: $('.af-title', r).value.trim(), severity: $('.af-sev', r).value,
      status: $('.af-status', r).value })).filter((f) => f.title);
    const meta = { report_date: $('#au-date', root).value, scope: $('#au-scope', root).value.trim(), assessor: $('#au-assessor', root).value.trim(),
      remediation: rem.value };
    // With a list the server counts it; without one the numbers entered are the report's counts.
    if (findings.length) meta.findings = findings;
    else meta.counts = Object.fromEntries($$('.au-n', root).map((i) => [i.dataset.sev, Number(i.value || 0)]));
    const fd = new FormData();
    fd.append('metadata', JSON.stringify(meta));
    fd.append('file', file, file.name);
    await busy(form, null, async () => {
      try {
        const r = await api('POST', `/api/v1/assessments/${id}/reports`, { form: fd });
        renderDetail(root, me, r);
        say(msg, 'ok', 'as.up.done', { version: r.reports[r.reports.length - 1].version });
        form.reset();
        clear(finds);
        $('#au-date', root).value = todayWib();
        loadList(root, me);
      } catch (e) {
        showError(msg, e);
      }
    });
  });

  apply(root);
  loadList(root, me);
}
