// Dashboard of an administrator: a section index, users and roles with staff
// account requests (a second admin approves), API keys with their units,
// seal requests, certificate actions (requests for Verifikators), keys
// delayed by wrong passphrases, enrolment of officials, subscribers (with
// requests to erase personal data, decided by Verifikators), all requests,
// the instance settings (read-only), audit chain check.
import { api } from './api.js';
import { t } from './i18n.js';
import { h, $, $$, clear, say, dl } from './dom.js';
import { showError, statusBadge, table, requestCols, confirmDialog, busy } from './ui.js';
import { mountThrottles, stfKind, nOfM, stickyActions } from './app-staff.js';
import { wireChainCheck } from './app-auditor.js';
import { mountAuditBrowser } from './app-audit.js';
import { mountStaffEnrol } from './app-enrol.js';
import { mountReport } from './app-report.js';

function errorInto(slot, e) {
  clear(slot).append(h('div'));
  showError(slot.firstChild, e);
}

function roleLabel(role) {
  return h('span', { i18n: 'role.' + role });
}

const ROLES = ['subscriber', 'verifikator', 'auditor', 'admin'];

function userActions(root, r) {
  if (r.user === root.dataset.me || r.role === 'application') return null;
  const sel = h('select', { class: 'input-small stf-role-sel', 'aria-label': t('stf.users.role.label', { user: r.user }),
    dataset: { i18nAttr: 'aria-label:stf.users.role.label', i18nVars: JSON.stringify({ user: r.user }) } },
  ROLES.map((x) => h('option', { value: x, selected: x === r.role, i18n: 'role.' + x })));
  return h('div', { class: 'actions stf-user-actions' },
    r.active ? h('button', { type: 'button', class: 'button button-small button-danger', i18n: 'adm.deactivate',
      on: { click: () => deactivate(root, r.user) } })
      : h('button', { type: 'button', class: 'button button-small', i18n: 'stf.users.activate', on: { click: () => activate(root, r.user) } }),
    sel,
    h('button', { type: 'button', class: 'button button-small', i18n: 'stf.users.role',
      on: { click: () => changeRole(root, r.user, sel.value) } }));
}

async function loadUsers(root) {
  const slot = $('#adm-users', root);
  try {
    const rows = await api('GET', '/api/v1/users');
    clear(slot).append(stickyActions(table([
      ['col.user', (r) => r.user],
      ['col.name', (r) => r.display_name],
      ['col.role', (r) => roleLabel(r.role)],
      ['col.active', (r) => statusBadge(r.active ? 'active' : 'inactive')],
      ['col.created', (r) => h('span', { date: r.created_at })],
      ['col.actions', (r) => userActions(root, r)],
    ], rows)));
  } catch (e) {
    errorInto(slot, e);
  }
}

async function changeRole(root, user, role) {
  const m = $('#dash-msg');
  try {
    const r = await api('POST', '/api/v1/users/' + encodeURIComponent(user) + '/role', { json: { role } });
    if (r && r.request_id) say(m, 'ok', 'stf.users.role.requested', { user, id: r.request_id });
    else say(m, 'ok', 'stf.users.role.done', { user });
  } catch (e) {
    showError(m, e);
  }
  loadUsers(root);
  loadAccountRequests(root);
}

async function activate(root, user) {
  const m = $('#dash-msg');
  try {
    const r = await api('POST', '/api/v1/users/' + encodeURIComponent(user) + '/activate');
    if (r && r.request_id) say(m, 'ok', 'stf.users.activate.requested', { user, id: r.request_id });
    else say(m, 'ok', 'stf.users.activated', { user });
  } catch (e) {
    showError(m, e);
  }
  loadUsers(root);
  loadAccountRequests(root);
}

// Pending staff account requests: another admin approves or rejects (dual control).
async function loadAccountRequests(root) {
  const slot = $('#adm-acct', root);
  const summary = $('#stf-acct-summary', root);
  const me = root.dataset.me;
  try {
    const rows = await api('GET', '/api/v1/account-requests?status=pending');
    if (rows.length) say(summary, 'warn', 'stf.acct.pending', { n: rows.length });
    else say(summary, null);
    clear(slot).append(table([
      ['col.id', (r) => String(r.id)],
      ['col.kind', (r) => h('span', { i18n: 'acct.kind.' + r.kind })],
      ['col.user', (r) => r.user],
      ['col.role', (r) => roleLabel(r.role)],
      ['col.submitted_by', (r) => r.filed_by],
      ['col.approvals', (r) => h('span', {}, nOfM(r.approvals, r.required_approvals), ' ',
        acctMine(r, me) ? h('span', { class: 'badge badge-info', i18n: 'stf.acct.waiting_other' })
          : h('span', { class: 'badge badge-warn', i18n: 'stf.acct.needs_second' }))],
      ['col.actions', (r) => acctActions(root, r)],
    ], rows));
  } catch (e) {
    errorInto(slot, e);
  }
}

function acctMine(r, me) {
  return r.user === me || (r.filed_by_kind === 'person' && r.filed_by === me) || r.decisions.some((d) => d.admin === me);
}

function acctActions(root, r) {
  const me = root.dataset.me;
  const reason = h('input', { type: 'text', maxlength: '500', class: 'input-small', 'aria-label': t('adm.acct.reason'),
    placeholder: t('adm.acct.reason') });
  const mine = acctMine(r, me);
  return h('div', { class: 'actions' },
    mine ? null : h('button', { type: 'button', class: 'button button-small button-primary', i18n: 'adm.acct.approve',
      on: { click: () => decideAccount(root, r.id, true, null) } }),
    reason,
    h('button', { type: 'button', class: 'button button-small button-danger', i18n: 'adm.acct.reject',
      on: { click: () => decideAccount(root, r.id, false, reason.value.trim()) } }));
}

async function decideAccount(root, id, approve, reason) {
  const m = $('#dash-msg');
  try {
    const r = await api('POST', '/api/v1/account-requests/' + id + (approve ? '/approve' : '/reject'),
      approve ? {} : { json: { reason } });
    say(m, 'ok', 'adm.acct.decided', { id, status: t('status.' + r.status) });
  } catch (e) {
    showError(m, e);
  }
  loadAccountRequests(root);
  loadUsers(root);
}

async function deactivate(root, user) {
  if (!(await confirmDialog('adm.deactivate.q', { user }))) return;
  const m = $('#dash-msg');
  try {
    await api('POST', '/api/v1/users/' + encodeURIComponent(user) + '/deactivate');
    say(m, 'ok', 'adm.deactivated', { user });
  } catch (e) {
    showError(m, e);
  }
  loadUsers(root);
}

async function loadSubscribers(root) {
  const slot = $('#adm-subs', root);
  try {
    const rows = await api('GET', '/api/v1/subscribers');
    subscribers = rows;
    findCerts(root);
    clear(slot).append(table([
      ['col.id', (r) => String(r.id)],
      ['col.name', (r) => r.full_name],
      ['col.user', (r) => r.user],
      ['col.unit', (r) => r.unit],
      ['col.status', (r) => statusBadge(r.status)],
      ['col.certificate', (r) => (r.certificate ? h('code', { text: r.certificate.slice(0, 16) + '…', title: r.certificate }) : null)],
      ['col.actions', (r) => (r.status !== 'erased' ? h('button', {
        type: 'button', class: 'button button-small button-danger', i18n: 'adm.erase',
        on: { click: () => erase(root, r) } }) : null)],
    ], rows));
  } catch (e) {
    errorInto(slot, e);
  }
}

async function erase(root, sub) {
  const typed = sub.user || String(sub.id);
  if (!(await confirmDialog('adm.erase.q', { name: sub.full_name, user: typed }, typed))) return;
  const m = $('#dash-msg');
  try {
    const r = await api('POST', '/api/v1/subscribers/' + encodeURIComponent(sub.id) + '/erase');
    say(m, 'ok', 'adm.erased', { id: r.request_id });
  } catch (e) {
    showError(m, e);
  }
  loadSubscribers(root);
  loadRequests(root);
}

async function loadRequests(root) {
  const slot = $('#adm-requests', root);
  try {
    const rows = await api('GET', '/api/v1/requests');
    clear(slot).append(table(requestCols.map(([k, f]) => (k === 'col.kind' ? [k, (r) => stfKind(r.kind)] : [k, f]))
      .concat([['stf.col.approvals', (r) => nOfM(r.approvals || 0, r.required_approvals)]]), rows));
    renderSeals(root, rows);
    renderCertRequests(root, rows);
  } catch (e) {
    errorInto(slot, e);
  }
}

function wireUserForm(root) {
  const form = $('#user-form', root);
  const msg = $('#user-msg', root);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say(msg, null);
    const body = { user: $('#nu-user', root).value.trim(), display_name: $('#nu-name', root).value.trim(),
      role: $('#nu-role', root).value, password: $('#nu-pass', root).value };
    await busy(form, null, async () => {
      try {
        const r = await api('POST', '/api/v1/users', { json: body });
        form.reset();
        if (r.request_id) say(msg, 'ok', 'adm.users.requested', { user: r.user, id: r.request_id });
        else say(msg, 'ok', 'adm.users.done', { user: r.user });
        loadUsers(root);
        loadAccountRequests(root);
      } catch (e) {
        showError(msg, e);
      }
    });
  });
}

function wireKeyForm(root) {
  const form = $('#key-form', root);
  const msg = $('#key-msg', root);
  const out = $('#key-result', root);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say(msg, null);
    clear(out);
    const body = { name: $('#ak-name', root).value.trim(), units: $('#ak-units', root).value.trim() };
    await busy(form, null, async () => {
      try {
        const r = await api('POST', '/api/v1/apikeys', { json: body });
        form.reset();
        const input = h('input', { type: 'text', readonly: true, id: 'apikey-value', value: r.api_key, class: 'mono', 'aria-describedby': 'apikey-once' });
        out.append(h('div', { class: 'msg msg-warn' },
          h('p', { id: 'apikey-once', i18n: 'adm.keys.once' }),
          h('label', { for: 'apikey-value', class: 'label', i18n: 'adm.keys.key', vars: { name: r.name } }),
          h('div', { class: 'secret' }, input, h('button', { type: 'button', class: 'button', i18n: 'copy', on: { click: async (e) => {
            input.select();
            try {
              await navigator.clipboard.writeText(input.value);
              e.currentTarget.dataset.i18n = 'copied';
              e.currentTarget.textContent = t('copied');
            } catch (x) { /* selected: the user copies by hand */ }
          } } }))));
        input.focus();
        input.select();
        loadKeys(root);
      } catch (e) {
        showError(msg, e);
      }
    });
  });
}

function wireSealForm(root) {
  const form = $('#seal-form', root);
  const msg = $('#seal-msg', root);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say(msg, null);
    const body = { common_name: $('#sl-cn', root).value.trim(), unit: $('#sl-unit', root).value.trim() };
    await busy(form, null, async () => {
      try {
        const r = await api('POST', '/api/v1/seals', { json: body });
        form.reset();
        say(msg, 'ok', 'adm.seal.done', { id: r.request_id });
        loadRequests(root);
      } catch (e) {
        showError(msg, e);
      }
    });
  });
}

// ------------------------------------------------------------ API keys

async function loadKeys(root) {
  const slot = $('#stf-keys', root);
  try {
    const rows = await api('GET', '/api/v1/apikeys');
    clear(slot).append(table([
      ['col.id', (r) => String(r.id)],
      ['col.name', (r) => r.name],
      ['stf.col.prefix', (r) => h('code', { text: r.prefix })],
      ['stf.col.units', (r) => (r.units === '*' ? h('span', { class: 'badge badge-warn', i18n: 'stf.keys.all_units' }) : r.units)],
      ['col.created', (r) => h('span', { date: r.created_at })],
      ['col.status', (r) => (r.revoked_at ? h('span', {}, statusBadge('revoked'), ' ', h('span', { date: r.revoked_at })) : statusBadge('active'))],
      ['col.actions', (r) => (r.revoked_at ? null : h('button', { type: 'button', class: 'button button-small button-danger',
        i18n: 'stf.keys.revoke', dataset: { keyRevoke: String(r.id) }, on: { click: () => revokeKey(root, r) } }))],
    ], rows));
  } catch (e) {
    errorInto(slot, e);
  }
}

async function revokeKey(root, k) {
  if (!(await confirmDialog('stf.keys.revoke.q', { name: k.name }))) return;
  const m = $('#key-msg', root);
  try {
    await api('POST', '/api/v1/apikeys/' + encodeURIComponent(k.id) + '/revoke');
    say(m, 'ok', 'stf.keys.revoked', { name: k.name });
  } catch (e) {
    showError(m, e);
  }
  loadKeys(root);
}

// ------------------------------------------------------------ seals and certificate requests (from the request list)

const reqStatusCols = [
  ['col.id', (r) => String(r.id)],
  ['col.kind', (r) => stfKind(r.kind)],
  ['col.subject', (r) => {
    const p = r.payload || {};
    return p.serial ? h('code', { text: p.serial }) : (p.common_name ? p.common_name + (p.unit ? ' (' + p.unit + ')' : '') : '—');
  }],
  ['col.submitted_by', (r) => r.submitted_by],
  ['col.created', (r) => h('span', { date: r.created_at })],
  ['stf.col.approvals', (r) => nOfM(r.approvals || 0, r.required_approvals)],
  ['col.status', (r) => statusBadge(r.status)],
];

function renderSeals(root, rows) {
  clear($('#stf-seals', root)).append(table(reqStatusCols, rows.filter((r) => r.kind === 'seal').slice(0, 20)));
}

function renderCertRequests(root, rows) {
  clear($('#stf-cert-requests', root)).append(table(reqStatusCols,
    rows.filter((r) => r.kind === 'hold' || r.kind === 'release' || r.kind === 'revoke').slice(0, 20)));
}

// ------------------------------------------------------------ certificate actions

let subscribers = [];

function findCerts(root) {
  const q = $('#stf-cert-find', root).value.trim().toLowerCase();
  const out = clear($('#stf-cert-found', root));
  if (!q) return;
  const hits = subscribers.filter((s) => s.certificate && [s.full_name, s.user, s.unit, s.certificate]
    .some((v) => v && String(v).toLowerCase().includes(q))).slice(0, 10);
  if (hits.length === 0) {
    out.append(h('p', { class: 'note', i18n: 'stf.cert.nomatch' }));
    return;
  }
  out.append(h('ul', { class: 'stf-cert-hits' }, hits.map((s) => h('li', {},
    h('span', {}, h('b', { text: s.full_name || s.pseudonym }), ' (', s.user || '—', ', ', s.unit, ') '),
    h('code', { text: s.certificate }), ' ',
    h('button', { type: 'button', class: 'button button-small', i18n: 'stf.cert.pick', dataset: { serial: s.certificate },
      i18nAttr: 'aria-label:stf.cert.pick.label', vars: { serial: s.certificate },
      on: { click: () => { $('#stf-cert-serial', root).value = s.certificate; $('#stf-cert-action', root).focus(); } } })))));
}

function wireCertActions(root) {
  const form = $('#stf-cert-form', root);
  const msg = $('#stf-cert-msg', root);
  const action = $('#stf-cert-action', root);
  $('#stf-cert-find', root).addEventListener('input', () => findCerts(root));
  action.addEventListener('change', () => { $('#stf-cert-reason-field', root).hidden = action.value !== 'revoke'; });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say(msg, null);
    const serial = $('#stf-cert-serial', root).value.trim();
    const act = action.value;
    const reasonSel = $('#stf-cert-reason', root);
    const reasonText = reasonSel.options[reasonSel.selectedIndex].textContent;
    if (!(await confirmDialog('stf.cert.q.' + act, { serial, reason: reasonText }))) return;
    await busy(form, null, async () => {
      try {
        const opts = act === 'revoke' ? { json: { reason: reasonSel.value } } : {};
        const r = await api('POST', '/api/v1/certificates/' + encodeURIComponent(serial) + '/' + act, opts);
        let m = '?';
        try {
          m = (await api('GET', '/api/v1/requests/' + encodeURIComponent(r.request_id))).required_approvals;
        } catch (e) { /* the filing stands; the count is only shown */ }
        say(msg, 'ok', 'stf.cert.filed', { id: r.request_id, kind: t('kind.' + act), m });
        msg.dataset.request = String(r.request_id);
        loadRequests(root);
      } catch (e) {
        showError(msg, e);
      }
    });
  });
}

// ------------------------------------------------------------ instance settings (read-only)

async function loadSettings(root) {
  const body = $('#stf-set-body', root);
  let s;
  try {
    s = await api('GET', '/api/v1/settings');
  } catch (e) {
    errorInto(body, e);
    return;
  }
  const ks = s.key_storage || {};
  clear(body).append(dl([
    ['stf.set.version', h('code', { text: s.version })],
    ['stf.set.schema', String(s.schema_version)],
    ['stf.set.base_url', h('code', { text: s.base_url })],
    ['stf.set.mode', s.mode],
    ['stf.set.store', h('span', {}, s.store.backend, ' — ', h('code', { text: s.store.url }))],
    ['stf.set.keys', h('span', {}, h('span', { i18n: 'stf.set.keys.' + ks.kind }), ks.hsm_module ? h('code', { class: 'stf-block', text: ks.hsm_module }) : null,
      h('span', { class: 'hint' }, (ks.keys || []).map((k) => k.name + ' (' + k.alg + ')').join(', ')))],
  ]));
  for (const sec of s.sections) {
    body.append(h('details', { class: 'stf-set-sec', dataset: { section: sec.name } },
      h('summary', { i18n: 'stf.set.section', vars: { name: sec.name } }),
      table([
        ['stf.col.key', (e) => h('code', { text: e.key })],
        ['stf.col.value', (e) => h('span', {}, h('code', { text: e.value }), e.redacted ? h('span', { class: 'badge badge-warn', i18n: 'stf.set.redacted' }) : null)],
      ], sec.keys)));
  }
}

// ------------------------------------------------------------ section index

// Every card of the page with an id and a heading (this page's and the other
// domains' as they mount), as links; rebuilt when cards come or go.
function wireNav(root) {
  const list = $('#stf-nav-list', root);
  const details = $('#stf-nav-details', root);
  details.open = window.matchMedia('(min-width: 48rem)').matches;
  let last = '';
  const build = () => {
    const dash = root.closest('#dash-body') || root;
    const cards = $$('section[id][aria-labelledby]', dash).filter((sec) => !sec.hidden && !sec.parentElement.closest('section[aria-labelledby]'));
    const items = cards.map((sec) => {
      const hd = document.getElementById(sec.getAttribute('aria-labelledby'));
      return hd && hd.tagName === 'H2' ? [sec.id, hd] : null;
    }).filter(Boolean);
    const sig = items.map(([id]) => id).join(',');
    if (sig === last) return;
    last = sig;
    clear(list).append(...items.map(([id, hd]) => h('li', {}, h('a', {
      href: '#' + id, dataset: { target: id },
      on: { click: (ev) => {
        ev.preventDefault();
        const target = document.getElementById(id);
        if (!target) return;
        if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
        target.scrollIntoView({ block: 'start' });
        target.focus({ preventScroll: true });
      } },
    }, hd.dataset.i18n ? h('span', { i18n: hd.dataset.i18n }) : hd.textContent))));
  };
  let pending = 0;
  const later = () => {
    if (pending) return;
    pending = setTimeout(() => { pending = 0; build(); }, 50);
  };
  new MutationObserver(later).observe(root.closest('#dash-body') || root, { childList: true, subtree: true, attributes: true, attributeFilter: ['hidden'] });
  later();
}

export function mountAdmin(root, me) {
  mountReport(root, me);
  root.dataset.me = me.user;
  wireUserForm(root);
  wireKeyForm(root);
  wireSealForm(root);
  mountStaffEnrol(root, () => loadRequests(root));
  mountThrottles(root, me);
  wireCertActions(root);
  wireChainCheck(root);
  mountAuditBrowser(root);
  $('#stf-set-load', root).addEventListener('click', () => loadSettings(root));
  wireNav(root);
  loadUsers(root);
  loadAccountRequests(root);
  loadKeys(root);
  loadSubscribers(root);
  loadRequests(root);
  loadSettings(root);
}
