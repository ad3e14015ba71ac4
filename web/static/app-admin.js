// Dashboard of an administrator: users, staff account requests, API keys, seal
// requests, enrolment of officials, subscribers (with requests to erase
// personal data, decided by Verifikators), all requests, audit chain check.
import { api } from './api.js';
import { t } from './i18n.js';
import { h, $, clear, say } from './dom.js';
import { showError, statusBadge, table, requestCols, confirmDialog, busy } from './ui.js';
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

async function loadUsers(root) {
  const slot = $('#adm-users', root);
  try {
    const rows = await api('GET', '/api/v1/users');
    clear(slot).append(table([
      ['col.user', (r) => r.user],
      ['col.name', (r) => r.display_name],
      ['col.role', (r) => roleLabel(r.role)],
      ['col.active', (r) => statusBadge(r.active ? 'active' : 'inactive')],
      ['col.created', (r) => h('span', { date: r.created_at })],
      ['col.actions', (r) => (r.active && r.user !== root.dataset.me ? h('button', {
        type: 'button', class: 'button button-small button-danger', i18n: 'adm.deactivate',
        on: { click: () => deactivate(root, r.user) } }) : null)],
    ], rows));
  } catch (e) {
    errorInto(slot, e);
  }
}

// Pending staff account requests: another admin approves or rejects (dual control).
async function loadAccountRequests(root) {
  const slot = $('#adm-acct', root);
  try {
    const rows = await api('GET', '/api/v1/account-requests?status=pending');
    clear(slot).append(table([
      ['col.id', (r) => String(r.id)],
      ['col.kind', (r) => h('span', { i18n: 'acct.kind.' + r.kind })],
      ['col.user', (r) => r.user],
      ['col.role', (r) => roleLabel(r.role)],
      ['col.submitted_by', (r) => r.filed_by],
      ['col.approvals', (r) => r.approvals + ' / ' + r.required_approvals],
      ['col.actions', (r) => acctActions(root, r)],
    ], rows));
  } catch (e) {
    errorInto(slot, e);
  }
}

function acctActions(root, r) {
  const me = root.dataset.me;
  const reason = h('input', { type: 'text', maxlength: '500', class: 'input-small', 'aria-label': t('adm.acct.reason'),
    placeholder: t('adm.acct.reason') });
  const mine = r.user === me || (r.filed_by_kind === 'person' && r.filed_by === me)
    || r.decisions.some((d) => d.admin === me);
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
    clear(slot).append(table(requestCols, await api('GET', '/api/v1/requests')));
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

export function mountAdmin(root, me) {
  mountReport(root, me);
  root.dataset.me = me.user;
  wireUserForm(root);
  wireKeyForm(root);
  wireSealForm(root);
  mountStaffEnrol(root, () => loadRequests(root));
  wireChainCheck(root);
  mountAuditBrowser(root);
  loadUsers(root);
  loadAccountRequests(root);
  loadSubscribers(root);
  loadRequests(root);
}
