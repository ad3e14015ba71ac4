// Dashboard of a Verifikator: the queue of pending requests, a request's
// identity and evidence, approve or reject with a reason, enrol an official.
import { api } from './api.js';
import { has } from './i18n.js';
import { h, $, clear, say, dl, fmtBytes } from './dom.js';
import { showError, statusBadge, kindLabel, table, requestCols } from './ui.js';
import { mountStaffEnrol } from './app-enrol.js';

let current = null; // the request on screen

async function loadQueue(root) {
  const body = $('#ver-queue-body', root);
  let rows;
  try {
    rows = await api('GET', '/api/v1/requests?status=pending');
  } catch (e) {
    clear(body).append(h('div'));
    showError(body.firstChild, e);
    return;
  }
  clear(body);
  if (rows.length === 0) {
    body.append(h('p', { class: 'msg msg-ok', i18n: 'ver.queue.empty' }));
    return;
  }
  const cols = requestCols.filter(([k]) => k !== 'col.status').concat([['col.actions', (r) => h('button', {
    type: 'button', class: 'button button-small button-primary', i18n: 'ver.open', vars: { id: r.id },
    i18nAttr: 'aria-label:ver.open.label', dataset: { request: String(r.id) }, on: { click: () => openRequest(root, r.id) } })]]);
  body.append(table(cols, rows));
}

async function loadSubscribers(root) {
  const slot = $('#ver-subs', root);
  try {
    const rows = await api('GET', '/api/v1/subscribers');
    clear(slot).append(table([
      ['col.id', (r) => String(r.id)],
      ['col.name', (r) => r.full_name],
      ['col.user', (r) => r.user],
      ['col.unit', (r) => r.unit],
      ['col.position', (r) => r.position],
      ['col.status', (r) => statusBadge(r.status)],
      ['col.certificate', (r) => (r.certificate ? h('span', {},
        h('code', { text: r.certificate.slice(0, 16) + '…', title: r.certificate }), ' ',
        h('button', { type: 'button', class: 'button button-small', i18n: 'ver.cert.manage', dataset: { serial: r.certificate },
          on: { click: () => { $('#vc-serial', root).value = r.certificate; $('#vc-action', root).focus(); } } })) : null)],
    ], rows));
  } catch (e) {
    clear(slot).append(h('div'));
    showError(slot.firstChild, e);
  }
}

function evidenceList(ev) {
  if (!ev || ev.length === 0) return h('p', { class: 'note', i18n: 'ver.evidence.none' });
  return h('ul', {}, ev.map((f) => h('li', {},
    has('ev.' + f.kind) ? h('span', { i18n: 'ev.' + f.kind }) : f.kind, ': ',
    h('a', { href: '/api/v1/evidence/' + encodeURIComponent(f.id), download: f.filename, text: f.filename }),
    ' (' + (f.mime || '') + ', ' + fmtBytes(f.size) + ')',
    f.sha256 ? h('span', { class: 'hint mono', text: 'SHA-256 ' + f.sha256 }) : null)));
}

function renderRequest(root, r) {
  const head = clear($('#ver-detail-h', root));
  head.append(h('span', { i18n: 'ver.detail.h', vars: { id: r.id } }), ' ', kindLabel(r.kind), ' ', statusBadge(r.status));
  const body = clear($('#ver-detail-body', root));
  body.append(h('p', { class: 'note', i18n: 'ver.needs', vars: { n: r.required_approvals } }));
  const s = r.subscriber;
  if (s) {
    body.append(h('h3', { i18n: 'ver.identity' }), dl([
      ['f.full_name.short', s.full_name],
      ['f.nik.short', s.nik ? h('span', { class: 'mono', text: s.nik }) : null],
      ['f.nip.short', s.nip ? h('span', { class: 'mono', text: s.nip }) : null],
      ['col.unit', s.unit],
      ['col.position', s.position],
      ['f.email.short', s.email],
      ['f.phone.short', s.phone],
      ['col.user', s.user],
      ['col.status', statusBadge(s.status)],
    ]));
    body.append(h('h3', { i18n: 'ver.evidence' }), evidenceList(s.evidence), h('p', { class: 'hint', i18n: 'ver.evidence.note' }));
  }
  const p = r.payload && typeof r.payload === 'object' ? Object.entries(r.payload) : [];
  if (p.length) {
    body.append(h('h3', { i18n: 'ver.payload' }), h('dl', { class: 'facts' },
      p.flatMap(([k, v]) => {
        const text = typeof v === 'string' ? v : JSON.stringify(v);
        const vk = 'payload.' + k + '.' + text;
        return [has('payload.' + k) ? h('dt', { i18n: 'payload.' + k }) : h('dt', { class: 'mono', text: k }),
          h('dd', {}, has(vk) ? h('span', { i18n: vk }) : text)];
      })));
  }
  body.append(h('h3', { i18n: 'ver.decisions' }));
  const d = r.decisions || [];
  if (d.length === 0) body.append(h('p', { class: 'note', i18n: 'ver.decisions.none' }));
  else {
    body.append(h('ul', {}, d.map((x) => h('li', {}, h('b', { text: x.verifikator }), ' ',
      h('span', { i18n: 'decision.' + x.decision }), ' — ', h('span', { date: x.at }), x.reason ? ': ' + x.reason : ''))));
  }
  const open = r.status === 'pending';
  $('#decide-approve', root).hidden = !open;
  $('#decide-reject', root).hidden = !open;
  $('#decide-reason', root).closest('.field').hidden = !open;
}

async function openRequest(root, id) {
  const sec = $('#ver-detail', root);
  say($('#decide-msg', root), null);
  $('#decide-reason', root).value = '';
  try {
    current = await api('GET', '/api/v1/requests/' + encodeURIComponent(id));
  } catch (e) {
    showError($('#decide-msg', root), e);
    sec.hidden = false;
    return;
  }
  renderRequest(root, current);
  $('#ver-queue', root).hidden = true;
  sec.hidden = false;
  sec.focus();
}

function backToQueue(root, msgKey, vars) {
  $('#ver-detail', root).hidden = true;
  $('#ver-queue', root).hidden = false;
  current = null;
  const m = $('#dash-msg');
  if (msgKey) say(m, 'ok', msgKey, vars);
  else say(m, null);
  loadQueue(root);
  loadSubscribers(root);
  $('#ver-queue-h', root).setAttribute('tabindex', '-1');
  $('#ver-queue-h', root).focus();
}

async function decide(root, approve) {
  const msg = $('#decide-msg', root);
  say(msg, null);
  if (!current) return;
  const reason = $('#decide-reason', root).value.trim();
  if (!approve && !reason) {
    say(msg, 'error', 'err.reason_required');
    $('#decide-reason', root).focus();
    return;
  }
  const buttons = [$('#decide-approve', root), $('#decide-reject', root)];
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const opts = reason ? { json: { reason } } : {};
    const r = await api('POST', '/api/v1/requests/' + current.id + (approve ? '/approve' : '/reject'), opts);
    if (!approve) backToQueue(root, 'ver.rejected', { id: r.id });
    else if (r.status === 'approved') backToQueue(root, 'ver.approved', { id: r.id });
    else backToQueue(root, 'ver.approved.wait', { id: r.id });
  } catch (e) {
    showError(msg, e);
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

// Hold, release and revoke are requests: they need a second Verifikator's approval (N-of-M).
function wireCertActions(root) {
  const form = $('#vc-form', root);
  const msg = $('#vc-msg', root);
  const action = $('#vc-action', root);
  action.addEventListener('change', () => { $('#vc-reason-field', root).hidden = action.value !== 'revoke'; });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say(msg, null);
    const serial = $('#vc-serial', root).value.trim();
    const opts = action.value === 'revoke' ? { json: { reason: $('#vc-reason', root).value } } : {};
    const btn = $('#vc-submit', root);
    btn.disabled = true;
    try {
      const r = await api('POST', '/api/v1/certificates/' + encodeURIComponent(serial) + '/' + action.value, opts);
      say(msg, 'ok', 'ver.cert.filed', { id: r.request_id });
      form.reset();
      $('#vc-reason-field', root).hidden = true;
      loadQueue(root);
    } catch (e) {
      showError(msg, e);
    } finally {
      btn.disabled = false;
    }
  });
}

export function mountVerifikator(root) {
  $('#ver-refresh', root).addEventListener('click', () => { say($('#dash-msg'), null); loadQueue(root); });
  $('#decide-approve', root).addEventListener('click', () => decide(root, true));
  $('#decide-reject', root).addEventListener('click', () => decide(root, false));
  $('#decide-back', root).addEventListener('click', () => backToQueue(root, null));
  $('#decide-form', root).addEventListener('submit', (ev) => ev.preventDefault());
  wireCertActions(root);
  mountStaffEnrol(root, () => loadQueue(root));
  loadQueue(root);
  loadSubscribers(root);
}
