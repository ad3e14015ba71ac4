// Monitoring and evaluation (R17, PKS art. 12) for admins (ministry) and
// auditors (issuer): the dashboard with charts drawn as inline SVG here (no
// chart library, no inline styles: colours come from teken.css classes),
// evaluation records, follow-up actions and the minutes both parties sign.
import './strings-report.js';
import './strings-policy.js';
import './strings-support.js';
import { api } from './api.js';
import { apply, t } from './i18n.js';
import { h, $, $$, clear, say, dl, blobLink } from './dom.js';
import { showError, table, busy } from './ui.js';

const SVG = 'http://www.w3.org/2000/svg';

function s(tag, attrs, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  for (const c of children) e.append(c);
  return e;
}

// Horizontal grid lines at whole numbers: 0, the maximum, and the middle when it is a whole step.
function grid(svg, max, W, H, L, B, T, R) {
  const ticks = max >= 2 ? [0, Math.round(max / 2), max] : [0, max];
  for (const v of ticks) {
    const y = T + (H - T - B) * (1 - v / max);
    svg.append(s('line', { x1: L, x2: W - R, y1: y, y2: y, class: 'chart-grid' }));
    svg.append(s('text', { x: L - 4, y: y + 4, class: 'chart-axis', 'text-anchor': 'end' }, String(v)));
  }
}

// A date label under every seventh point and the last, never two on top of each other.
function labelled(i, n) {
  return i === n - 1 || (i % 7 === 0 && n - 1 - i >= 4);
}

// Bar chart of [{date, count}] in a fixed viewBox; CSS scales it to the card.
export function barChart(series, labelKey) {
  const W = 600, H = 220, L = 34, B = 28, T = 10, R = 8;
  const max = Math.max(1, ...series.map((p) => p.count));
  const bw = (W - L - R) / series.length;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart chart-bars', role: 'img', 'aria-label': t(labelKey) });
  svg.append(s('title', {}, t(labelKey)));
  grid(svg, max, W, H, L, B, T, R);
  series.forEach((p, i) => {
    const hgt = (H - T - B) * (p.count / max);
    const bar = s('rect', { x: L + i * bw + 1, y: T + (H - T - B) - hgt, width: Math.max(1, bw - 2), height: Math.max(0, hgt), class: 'chart-bar' });
    bar.append(s('title', {}, `${p.date}: ${p.count}`));
    svg.append(bar);
    if (labelled(i, series.length)) {
      svg.append(s('text', { x: L + i * bw + bw / 2, y: H - 8, class: 'chart-axis', 'text-anchor': i === series.length - 1 ? 'end' : 'middle' }, p.date.slice(5)));
    }
  });
  return svg;
}

// Line chart with points of the running total of [{date, count}].
export function lineChart(series, labelKey) {
  const W = 600, H = 220, L = 34, B = 28, T = 10, R = 8;
  let sum = 0;
  const pts = series.map((p) => ({ date: p.date, v: (sum += p.count) }));
  const max = Math.max(1, sum);
  const step = (W - L - R) / Math.max(1, pts.length - 1);
  const xy = pts.map((p, i) => [L + i * step, T + (H - T - B) * (1 - p.v / max)]);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart chart-line', role: 'img', 'aria-label': t(labelKey) });
  svg.append(s('title', {}, t(labelKey)));
  grid(svg, max, W, H, L, B, T, R);
  svg.append(s('polyline', { points: xy.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' '), class: 'chart-path' }));
  xy.forEach(([x, y], i) => {
    const c = s('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: 3, class: 'chart-point' });
    c.append(s('title', {}, `${pts[i].date}: ${pts[i].v}`));
    svg.append(c);
    if (labelled(i, xy.length)) {
      svg.append(s('text', { x, y: H - 8, class: 'chart-axis', 'text-anchor': i === xy.length - 1 ? 'end' : 'middle' }, pts[i].date.slice(5)));
    }
  });
  return svg;
}

function badge(ok, key) {
  return h('span', { class: 'badge ' + (ok ? 'badge-ok' : 'badge-bad'), i18n: key });
}

function tile(key, n) {
  return h('div', { class: 'mon-tile' }, h('span', { class: 'mon-tile-n', text: String(n) }), h('span', { class: 'mon-tile-l', i18n: key }));
}

function renderDashboard(root, d) {
  const c = d.counts;
  clear($('#mon-tiles', root)).append(
    tile('mon.c.officials', c.officials), tile('mon.c.certs', c.certificates_active), tile('mon.c.pending', c.requests_pending),
    tile('mon.c.today', c.documents_today), tile('mon.c.month', c.documents_month), tile('mon.c.expiring', d.expiring.count));
  clear($('#mon-chart-volume', root)).append(barChart(d.volume.series, 'mon.chart.volume'));
  clear($('#mon-chart-cumulative', root)).append(lineChart(d.volume.series, 'mon.chart.cumulative'));
  const hl = d.health;
  clear($('#mon-health', root)).append(dl([
    ['mon.h.store', h('span', {}, badge(hl.store.status === 'ok', 'mon.s.' + hl.store.status), ' ',
      h('span', { text: `${hl.store.backend}, ${hl.store.latency_ms.toFixed(1)} ms` }))],
    ['mon.h.tsa', h('span', {}, badge(hl.tsa.status !== 'failed', 'mon.s.' + hl.tsa.status),
      hl.tsa.certificate ? h('span', {}, ' ', h('span', { i18n: 'mon.h.cert_until' }), ' ', h('span', { date: hl.tsa.certificate.not_after })) : null)],
    ['mon.h.ocsp', h('span', {}, badge(hl.ocsp.stale === 0, hl.ocsp.stale === 0 ? 'mon.s.ok' : 'mon.s.stale'), ' ',
      h('span', { i18n: 'mon.h.ocsp.detail', vars: { n: hl.ocsp.responses, stale: hl.ocsp.stale } }))],
    ['mon.h.crl', h('span', {}, hl.crl.map((x) => h('span', { class: 'mon-crl' }, badge(x.status === 'ok', 'mon.s.' + x.status), ' ',
      h('span', { text: x.ca + ' ' }), h('span', { date: x.this_update }))))],
    ['mon.h.audit', h('span', {}, h('span', { i18n: 'mon.h.audit.detail', vars: { seq: hl.audit.seq } }), ' ',
      hl.audit.last_checkpoint_at ? h('span', { date: hl.audit.last_checkpoint_at }) : h('span', { i18n: 'mon.h.audit.none' }))],
  ]));
  clear($('#mon-expiring', root)).append(table([
    ['mon.col.serial', (r) => h('code', { text: r.serial.slice(0, 16) + '…' })],
    ['mon.col.unit', (r) => r.unit || r.profile],
    ['mon.col.not_after', (r) => h('span', { date: r.not_after })],
  ], d.expiring.certificates));
  const o = d.open_items;
  clear($('#mon-open', root)).append(dl([
    ['mon.o.report', h('span', { i18n: 'rep.obl.' + o.usage_report.obligation, id: 'mon-report-obligation',
      class: 'badge badge-' + ({ met: 'ok', late: 'warn', pending: 'info', overdue: 'bad' }[o.usage_report.obligation] || 'info') })],
    ['mon.o.actions', h('span', { i18n: 'mon.o.actions.detail', vars: { open: o.evaluation_actions.open, overdue: o.evaluation_actions.overdue } })],
    ['mon.o.evaluation', h('span', { i18n: o.evaluation.due ? 'mon.o.evaluation.due' : 'mon.o.evaluation.next', vars: { date: o.evaluation.reminder_on } })],
    ['mon.o.reviews', o.review_recommendations && o.review_recommendations.available
      ? h('span', { id: 'mon-reco-open', class: o.review_recommendations.overdue > 0 ? 'badge badge-bad' : '', i18n: 'mon.o.reviews.detail',
        vars: { open: o.review_recommendations.open, progress: o.review_recommendations.in_progress, overdue: o.review_recommendations.overdue } })
      : h('span', { class: 'note', i18n: 'mon.o.na' })],
    ['mon.o.tickets', o.tickets && o.tickets.available ? h('span', { i18n: 'mon.o.tickets.detail', id: 'mon-tickets',
      vars: { open: o.tickets.open, unanswered: o.tickets.unanswered, answered: o.tickets.answered } }) : h('span', { class: 'note', i18n: 'mon.o.na' })],
    ['mon.o.assessments', h('span', { id: 'mon-assess', class: o.assessments.overdue ? 'badge badge-bad' : '', i18n: 'mon.o.assessments.detail',
      vars: { requested: o.assessments.requested, overdue: o.assessments.overdue } })],
  ]));
}

async function loadDashboard(root) {
  try {
    renderDashboard(root, await api('GET', '/api/v1/dashboard'));
  } catch (e) {
    showError($('#mon-dash-msg', root), e);
  }
}

function stateBadge(st) {
  const cls = { draft: 'badge-info', frozen: 'badge-warn', signed_by_first: 'badge-warn', signed_by_both: 'badge-ok' }[st] || 'badge-info';
  return h('span', { class: 'badge ' + cls, i18n: 'mon.state.' + st });
}

function partRow(party) {
  const id = 'mp-' + Math.random().toString(36).slice(2, 8);
  const sel = h('select', { id: id + '-party', class: 'mp-party' },
    h('option', { value: 'ministry', i18n: 'mon.party.ministry' }), h('option', { value: 'issuer', i18n: 'mon.party.issuer' }));
  sel.value = party;
  return h('div', { class: 'row mon-part' },
    h('div', { class: 'field' }, h('label', { for: id + '-name', i18n: 'mon.f.p_name' }), h('input', { id: id + '-name', class: 'mp-name', type: 'text', maxlength: 300, required: true })),
    h('div', { class: 'field' }, h('label', { for: id + '-party', i18n: 'mon.f.p_party' }), sel),
    h('div', { class: 'field' }, h('label', { for: id + '-role', i18n: 'mon.f.p_role' }), h('input', { id: id + '-role', class: 'mp-role', type: 'text', maxlength: 300 })));
}

function todayWib() {
  return new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
}

async function loadList(root) {
  const slot = $('#mon-list', root);
  try {
    const rows = await api('GET', '/api/v1/evaluations');
    clear(slot).append(table([
      ['mon.col.held_on', (r) => r.held_on],
      ['mon.col.title', (r) => r.title],
      ['mon.col.state', (r) => stateBadge(r.state)],
      ['mon.col.open', (r) => String(r.actions_open)],
      ['mon.col.open_btn', (r) => h('button', { type: 'button', class: 'button button-small mon-open', i18n: 'mon.open', dataset: { id: String(r.id) },
        on: { click: () => openDetail(root, r.id) } })],
    ], rows));
  } catch (e) {
    clear(slot).append(h('div'));
    showError(slot.firstChild, e);
  }
}

function actionRow(root, ev, a) {
  if (a.status === 'done' || a.status === 'cancelled') return h('span', { class: 'note', text: a.closing_note || '' });
  const sel = h('select', { class: 'ma-status', 'aria-label': t('mon.col.status') },
    ...['open', 'in_progress', 'done', 'cancelled'].map((v) => h('option', { value: v, i18n: 'mon.as.' + v })));
  sel.value = a.status;
  const note = h('input', { type: 'text', class: 'ma-note', maxlength: 16000, 'aria-label': t('mon.f.closing_note'), placeholder: t('mon.f.closing_note') });
  const msg = h('div', { hidden: true });
  const btn = h('button', { type: 'button', class: 'button button-small', i18n: 'mon.save', on: { click: async () => {
    const body = { status: sel.value };
    if (note.value.trim()) body.closing_note = note.value.trim();
    btn.disabled = true;
    try {
      renderDetail(root, await api('POST', `/api/v1/evaluations/${ev.id}/actions/${a.id}`, { json: body }));
      loadList(root);
    } catch (e) {
      showError(msg, e);
    } finally {
      btn.disabled = false;
    }
  } } });
  return h('div', { class: 'mon-action-edit' }, sel, note, btn, msg);
}

function renderDetail(root, ev) {
  const sec = $('#mon-detail', root);
  sec.hidden = false;
  sec.dataset.id = String(ev.id);
  clear($('#mon-detail-h', root)).append(h('span', { text: ev.title }));
  clear($('#mon-detail-body', root)).append(
    dl([
      ['mon.f.held_on', ev.held_on], ['mon.f.place', ev.place], ['mon.col.state', stateBadge(ev.state)],
      ['mon.f.summary', ev.summary], ['mon.f.findings', ev.findings], ['mon.f.minutes', ev.minutes],
    ]),
    table([
      ['mon.f.p_name', (p) => p.name], ['mon.f.p_party', (p) => h('span', { i18n: 'mon.party.' + p.party })], ['mon.f.p_role', (p) => p.role],
    ], ev.participants));
  const edit = clear($('#mon-edit', root));
  if (ev.state === 'draft') edit.append(editForm(root, ev));
  clear($('#mon-actions', root)).append(table([
    ['mon.f.description', (a) => a.description],
    ['mon.f.owner', (a) => a.owner],
    ['mon.f.due_on', (a) => h('span', {}, a.due_on, a.overdue ? h('span', { class: 'badge badge-bad', i18n: 'mon.overdue' }) : null)],
    ['mon.col.status', (a) => h('span', { class: 'badge badge-info', i18n: 'mon.as.' + a.status })],
    ['mon.col.update', (a) => actionRow(root, ev, a)],
  ], ev.actions));
  const mins = clear($('#mon-minutes', root));
  const upload = $('#mon-upload-form', root);
  upload.hidden = !(ev.state === 'frozen' || ev.state === 'signed_by_first');
  if (ev.state === 'draft') {
    mins.append(h('button', { type: 'button', class: 'button button-primary', id: 'mon-freeze', i18n: 'mon.minutes.freeze', on: { click: async (e) => {
      e.currentTarget.disabled = true;
      try {
        renderDetail(root, await api('POST', `/api/v1/evaluations/${ev.id}/minutes`));
        say($('#mon-minutes-msg', root), null);
        loadList(root);
      } catch (err) {
        showError($('#mon-minutes-msg', root), err);
      }
    } } }));
  } else {
    const dlBtn = h('button', { type: 'button', class: 'button', id: 'mon-download', i18n: 'mon.minutes.download', on: { click: async () => {
      try {
        const r = await api('GET', `/api/v1/evaluations/${ev.id}/minutes.pdf`, { as: 'blob', accept: 'application/pdf' });
        const a = blobLink(r.blob, `berita-acara-monev-${ev.id}.pdf`, 'mon.minutes.save');
        clear(slot).append(a);
      } catch (err) {
        showError($('#mon-minutes-msg', root), err);
      }
    } } });
    const slot = h('span', { class: 'mon-dl' });
    mins.append(h('p', {}, h('span', { i18n: 'mon.minutes.frozen', vars: { sha: ev.frozen_sha256.slice(0, 16) } })), h('div', { class: 'actions' }, dlBtn, slot),
      table([
        ['mon.col.seq', (g) => String(g.seq)], ['mon.col.signer', (g) => g.signer], ['mon.col.issuer', (g) => g.issuer_dn],
        ['mon.col.signing_time', (g) => (g.signing_time ? h('span', { date: g.signing_time }) : null)], ['mon.col.indication', (g) => g.indication],
      ], ev.signatures));
  }
  apply(sec);
}

// While the minutes are a draft, the texts of the record can still be corrected.
function editForm(root, ev) {
  const field = (key, name, rows) => {
    const id = 'me-' + name;
    return h('div', { class: 'field' }, h('label', { for: id, i18n: key }),
      h('textarea', { id, rows, maxlength: 16000, dataset: { name } }, ev[name] || ''));
  };
  const msg = h('div', { hidden: true });
  const form = h('form', { method: 'post', id: 'mon-edit-form' },
    field('mon.f.summary', 'summary', 3), field('mon.f.findings', 'findings', 3), field('mon.f.minutes', 'minutes', 4), msg,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button', i18n: 'mon.edit.submit' })));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {};
    for (const ta of $$('textarea', form)) body[ta.dataset.name] = ta.value.trim();
    await busy(form, null, async () => {
      try {
        renderDetail(root, await api('POST', `/api/v1/evaluations/${ev.id}`, { json: body }));
        say($('#mon-minutes-msg', root), 'ok', 'mon.edit.done');
      } catch (err) {
        showError(msg, err);
      }
    });
  });
  return h('details', { class: 'mon-edit' }, h('summary', { i18n: 'mon.edit.h' }), form);
}

async function openDetail(root, id) {
  say($('#mon-minutes-msg', root), null);
  say($('#mon-action-msg', root), null);
  try {
    renderDetail(root, await api('GET', `/api/v1/evaluations/${id}`));
    $('#mon-detail', root).focus();
  } catch (e) {
    showError($('#mon-dash-msg', root), e);
  }
}

export function mountMonev(body) {
  const tpl = document.getElementById('tpl-monev');
  const wrap = h('div', { class: 'monev-wrap', id: 'monev-wrap' });
  wrap.append(tpl.content.cloneNode(true));
  body.append(wrap);
  const root = wrap;
  const parts = $('#mn-parts', root);
  parts.append(partRow('ministry'), partRow('issuer'));
  $('#mn-held', root).value = todayWib();
  $('#mn-part-add', root).addEventListener('click', () => { parts.append(partRow('issuer')); apply(parts); });

  $('#mon-new', root).addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = ev.currentTarget;
    const msg = $('#mon-new-msg', root);
    say(msg, null);
    const participants = $$('.mon-part', root).map((r) => ({
      name: $('.mp-name', r).value.trim(), party: $('.mp-party', r).value, role: $('.mp-role', r).value.trim() })).filter((p) => p.name);
    const rec = { held_on: $('#mn-held', root).value, title: $('#mn-title', root).value.trim(), place: $('#mn-place', root).value.trim(),
      participants, summary: $('#mn-summary', root).value.trim(), findings: $('#mn-findings', root).value.trim(), minutes: $('#mn-minutes', root).value.trim() };
    await busy(form, null, async () => {
      try {
        const r = await api('POST', '/api/v1/evaluations', { json: rec });
        say(msg, 'ok', 'mon.new.done', { id: r.id });
        form.reset();
        $('#mn-held', root).value = todayWib();
        await loadList(root);
        renderDetail(root, r);
      } catch (e) {
        showError(msg, e);
      }
    });
  });

  $('#mon-action-form', root).addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = ev.currentTarget;
    const id = $('#mon-detail', root).dataset.id;
    const msg = $('#mon-action-msg', root);
    say(msg, null);
    const body = { description: $('#ma-desc', root).value.trim(), owner: $('#ma-owner', root).value.trim(), due_on: $('#ma-due', root).value };
    const email = $('#ma-email', root).value.trim();
    if (email) body.owner_email = email;
    await busy(form, null, async () => {
      try {
        renderDetail(root, await api('POST', `/api/v1/evaluations/${id}/actions`, { json: body }));
        say(msg, 'ok', 'mon.actions.done');
        form.reset();
        loadList(root);
        loadDashboard(root);
      } catch (e) {
        showError(msg, e);
      }
    });
  });

  $('#mon-upload-form', root).addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = ev.currentTarget;
    const id = $('#mon-detail', root).dataset.id;
    const msg = $('#mon-minutes-msg', root);
    const file = $('#mu-file', root).files[0];
    if (!file) return;
    const fd = new FormData();
    fd.append('file', file, 'signed.pdf');
    await busy(form, null, async () => {
      try {
        const r = await api('POST', `/api/v1/evaluations/${id}/minutes/signed`, { form: fd });
        renderDetail(root, r);
        say(msg, 'ok', 'mon.minutes.accepted', { n: r.signatures.length });
        form.reset();
        loadList(root);
      } catch (e) {
        showError(msg, e);
      }
    });
  });

  apply(root);
  loadDashboard(root);
  loadList(root);
}
