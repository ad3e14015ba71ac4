// Dashboard of a Verifikator: the queue of pending requests (waiting for the
// caller, waiting for a second approver, decided or filed by the caller), a
// request's identity and evidence (PDF pages, images), approve or reject with
// a reason, keys delayed by wrong passphrases, enrol an official.
import { api } from './api.js';
import { has, apply, t } from './i18n.js';
import { h, $, clear, say, dl } from './dom.js';
import { showError, statusBadge, table, requestCols } from './ui.js';
import { mountStaffEnrol } from './app-enrol.js';
import { evidenceList, mountThrottles, stfKind, nOfM, errorInto, stickyActions } from './app-staff.js';

let current = null; // the request on screen
let me = null;      // the caller ({user, role})
let reloadThrottles = () => {};

// Has the caller decided this request (a filed revocation, hold or release counts as their approval)?
function decidedBy(r, user) {
  return (r.decisions || []).find((d) => d.verifikator === user) || null;
}

function openButton(root, r) {
  return h('button', {
    type: 'button', class: 'button button-small button-primary', i18n: 'ver.open', vars: { id: r.id },
    i18nAttr: 'aria-label:ver.open.label', dataset: { request: String(r.id) }, on: { click: () => openRequest(root, r.id) } });
}

function firstApproval(r) {
  const a = (r.decisions || []).find((d) => d.decision === 'approve');
  return a ? h('span', {}, h('b', { text: a.verifikator }), ', ', h('span', { date: a.at })) : null;
}

async function loadQueue(root) {
  const slots = { open: $('#stf-q-open', root), second: $('#stf-q-second', root), mine: $('#stf-q-mine', root) };
  let rows;
  try {
    rows = await api('GET', '/api/v1/requests?status=pending');
  } catch (e) {
    errorInto(slots.open, e);
    return;
  }
  const groups = { open: [], second: [], mine: [] };
  for (const r of rows) {
    if (r.submitted_by === me.user || decidedBy(r, me.user)) groups.mine.push(r);
    else if ((r.approvals || 0) > 0) groups.second.push(r);
    else groups.open.push(r);
  }
  const base = requestCols.filter(([k]) => k !== 'col.status').map(([k, f]) => (k === 'col.kind' ? [k, (r) => stfKind(r.kind)] : [k, f]));
  const approvals = ['stf.col.approvals', (r) => nOfM(r.approvals || 0, r.required_approvals)];
  const actions = ['col.actions', (r) => openButton(root, r)];
  const cols = {
    open: base.concat([approvals, actions]),
    second: base.concat([['stf.col.first', firstApproval], approvals, actions]),
    mine: base.concat([approvals, actions]),
  };
  for (const k of Object.keys(slots)) {
    clear(slots[k]);
    if (groups[k].length === 0) slots[k].append(h('p', { class: 'note', i18n: k === 'open' && rows.length === 0 ? 'ver.queue.empty' : 'stf.q.none' }));
    else slots[k].append(stickyActions(table(cols[k], groups[k])));
    slots[k].dataset.count = String(groups[k].length);
  }
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

function renderRequest(root, r) {
  const head = clear($('#ver-detail-h', root));
  head.append(h('span', { i18n: 'ver.detail.h', vars: { id: r.id } }), ' ', stfKind(r.kind), ' ', statusBadge(r.status));
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
  const have = d.filter((x) => x.decision === 'approve').length;
  const mine = decidedBy(r, me.user);
  const state = $('#stf-decide-state', root);
  let key = null;
  let vars = { n: have, m: r.required_approvals };
  if (r.status !== 'pending') { key = 'stf.state.closed'; vars = { status: has('status.' + r.status) ? t('status.' + r.status) : r.status }; }
  else if (mine) { key = 'stf.state.decided'; vars.decision = t('decision.' + mine.decision); }
  else if (r.submitted_by === me.user) key = 'stf.state.filed';
  else key = 'stf.state.progress';
  state.hidden = false;
  state.dataset.i18n = key;
  state.dataset.i18nVars = JSON.stringify(vars);
  apply(state.parentNode);
  // Closed requests and the caller's own decisions are not actionable.
  const open = r.status === 'pending' && !mine;
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
  reloadThrottles();
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

export function mountVerifikator(root, who) {
  me = who;
  $('#ver-refresh', root).addEventListener('click', () => { say($('#dash-msg'), null); loadQueue(root); });
  $('#decide-approve', root).addEventListener('click', () => decide(root, true));
  $('#decide-reject', root).addEventListener('click', () => decide(root, false));
  $('#decide-back', root).addEventListener('click', () => backToQueue(root, null));
  $('#decide-form', root).addEventListener('submit', (ev) => ev.preventDefault());
  wireCertActions(root);
  mountStaffEnrol(root, () => loadQueue(root));
  reloadThrottles = mountThrottles(root, me);
  loadQueue(root);
  loadSubscribers(root);
}
