// The official's tabs (issue 14): "Tanda tangan", "Riwayat", "Sertifikat", "Akun";
// certificate details and renewal, the login-password change, and the one
// screen a session sees while it must change a password someone else chose.
import { api } from './api.js';
import { apply } from './i18n.js';
import { h, $, clear, say, dl } from './dom.js';
import { showError, statusBadge, table, requestCols } from './ui.js';
import { mountHistory } from './app-history.js';
import './strings-account.js';

// Which cards of tpl-subscriber belong to which tab (ids; cards not named here show on every tab).
const TABS = {
  sign: { hash: 'tanda-tangan', cards: ['sub-status', 'sub-activate', 'sub-enrol', 'sub-sign'] },
  hist: { hash: 'riwayat', cards: ['hist-card'] },
  cert: { hash: 'sertifikat', cards: ['sub-status', 'sub-enrol', 'acc-cert', 'sub-pass', 'sub-reset', 'sub-revoke'] },
  acct: { hash: 'akun', cards: ['sub-activate', 'acc-pw', 'acc-data'] },
};
const ALL = [...new Set(Object.values(TABS).flatMap((t) => t.cards))];

function tabOfHash() {
  const want = (location.hash || '').replace(/^#/, '');
  return Object.keys(TABS).find((k) => TABS[k].hash === want) || null;
}

function showTab(root, tab, focus) {
  for (const id of ALL) {
    const el = root.querySelector('#' + id);
    const card = el && (el.closest('section') || el); // #sub-status is the slot inside its card
    if (card) card.classList.toggle('acc-off', !TABS[tab].cards.includes(id));
  }
  for (const a of root.querySelectorAll('#acc-tabs a')) {
    if (a.dataset.accTab === tab) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (focus) {
    const first = TABS[tab].cards.map((id) => root.querySelector('#' + id)).map((c) => c && (c.closest('section') || c))
      .find((c) => c && !c.hidden);
    const head = first && first.querySelector('h2');
    if (head) {
      head.setAttribute('tabindex', '-1');
      head.focus();
    }
  }
}

// A password form: current, new, repeat; the policy comes from /api/v1/me.
function wirePasswordForm(form, ids, msg, onDone) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say(msg, null);
    const cur = $(ids.cur, form).value;
    const nw = $(ids.nw, form).value;
    if (nw !== $(ids.nw2, form).value) {
      say(msg, 'error', 'acc.pw.mismatch');
      $(ids.nw2, form).focus();
      return;
    }
    const btn = form.querySelector('button[type="submit"]');
    btn.disabled = true;
    try {
      await api('POST', '/api/v1/me/password', { json: { current: cur, new: nw } });
      form.reset();
      say(msg, 'ok', 'acc.pw.done');
      if (onDone) onDone();
    } catch (e) {
      showError(msg, e);
      $(e.code === 'wrong_password' ? ids.cur : ids.nw, form).focus();
    } finally {
      btn.disabled = false;
      $(ids.cur, form).value = '';
      $(ids.nw, form).value = '';
      $(ids.nw2, form).value = '';
    }
  });
}

function policyVars(el, me) {
  const p = me && me.password_policy;
  if (p) el.dataset.i18nVars = JSON.stringify({ min: p.min_length, max: p.max_length });
}

// The forced change: nothing else of the dashboard is mounted until it is done.
export function mountForced(body, me, done) {
  body.append(document.getElementById('tpl-acc-forced').content.cloneNode(true));
  policyVars($('#acc-f-policy', body), me);
  apply(body);
  wirePasswordForm($('#acc-forced-form', body), { cur: '#acc-f-cur', nw: '#acc-f-new', nw2: '#acc-f-new2' },
    $('#acc-forced-msg', body), done);
  const head = $('#acc-forced-h', body);
  head.setAttribute('tabindex', '-1');
  head.focus();
}

async function loadCert(root) {
  const slot = clear($('#acc-cert-body', root));
  const pend = clear($('#acc-renew-pending', root));
  let certs = [];
  let reqs = [];
  try {
    [certs, reqs] = await Promise.all([api('GET', '/api/v1/me/certificates'), api('GET', '/api/v1/requests')]);
  } catch (e) {
    if (e.code === 'not_enrolled') {
      slot.append(h('p', { class: 'note', i18n: 'acc.cert.none' }));
      $('#acc-renew-form', root).hidden = true;
      return;
    }
    const m = h('div');
    slot.append(m);
    showError(m, e);
    return;
  }
  const current = [...certs].reverse().find((c) => c.status !== 'revoked') || certs[certs.length - 1];
  if (!current) {
    slot.append(h('p', { class: 'note', i18n: 'acc.cert.none' }));
  } else {
    slot.append(dl([
      ['acc.cert.status', statusBadge(current.status)],
      ['acc.cert.serial', h('code', { class: 'acc-serial', text: current.serial })],
      ['acc.cert.subject', h('span', { text: current.subject })],
      ['acc.cert.issuer', current.issuer ? h('span', { text: current.issuer }) : null],
      ['acc.cert.valid_from', h('span', { date: current.not_before })],
      ['acc.cert.valid_to', h('span', { date: current.not_after })],
      ['acc.cert.key', current.key_alg ? h('code', { text: current.key_alg }) : null],
    ]), h('p', {}, h('a', { href: '/api/v1/certificates/' + encodeURIComponent(current.serial),
      download: 'sertifikat-' + current.serial.slice(0, 12) + '.pem', i18n: 'acc.cert.download' })));
    if (certs.length > 1) {
      slot.append(h('h3', { i18n: 'acc.cert.all' }), table([
        ['acc.cert.serial', (c) => h('code', { text: c.serial.slice(0, 16) + '…' })],
        ['acc.cert.valid_to', (c) => h('span', { date: c.not_after })],
        ['acc.cert.status', (c) => statusBadge(c.status)],
      ], certs));
    }
  }
  const pending = reqs.filter((r) => r.kind === 'renew' && r.status === 'pending');
  if (pending.length > 0) {
    pend.append(h('p', { class: 'msg msg-warn', role: 'status', i18n: 'acc.renew.pending', vars: { id: pending[0].id } }),
      table(requestCols.filter(([k]) => k !== 'col.subject' && k !== 'col.submitted_by'), pending));
  }
  $('#acc-renew-form', root).hidden = pending.length > 0 || !current || current.status === 'revoked';
}

function wireRenew(root) {
  const form = $('#acc-renew-form', root);
  const msg = $('#acc-renew-msg', root);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say(msg, null);
    if ($('#acc-renew-pass', root).value !== $('#acc-renew-pass2', root).value) {
      say(msg, 'error', 'mismatch');
      $('#acc-renew-pass2', root).focus();
      return;
    }
    const btn = $('#acc-renew-submit', root);
    btn.disabled = true;
    try {
      const r = await api('POST', '/api/v1/me/renew', { json: { passphrase: $('#acc-renew-pass', root).value } });
      form.reset();
      await loadCert(root);
      // The form hides while the request waits: the confirmation goes above it.
      const note = h('div');
      $('#acc-renew-pending', root).prepend(note);
      say(note, 'ok', 'acc.renew.done', { id: r.request_id });
      note.setAttribute('tabindex', '-1');
      note.focus();
    } catch (e) {
      showError(msg, e);
    } finally {
      btn.disabled = false;
      $('#acc-renew-pass', root).value = '';
      $('#acc-renew-pass2', root).value = '';
    }
  });
}

export function mountAccount(root, me) {
  const hist = mountHistory(root);
  policyVars($('#acc-pw-policy', root), me);
  apply(root);
  wirePasswordForm($('#acc-pw-form', root), { cur: '#acc-pw-cur', nw: '#acc-pw-new', nw2: '#acc-pw-new2' }, $('#acc-pw-msg', root), null);
  wireRenew(root);
  let loaded = { hist: false, cert: false };
  const open = (tab, focus) => {
    showTab(root, tab, focus);
    if (tab === 'hist' && !loaded.hist) { loaded.hist = true; hist.reload(); }
    if (tab === 'cert' && !loaded.cert) { loaded.cert = true; loadCert(root); }
  };
  for (const a of root.querySelectorAll('#acc-tabs a')) {
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      const tab = a.dataset.accTab;
      if (tabOfHash() !== tab) history.replaceState(null, '', '#' + TABS[tab].hash);
      // A tab opened again shows fresh data (a document signed meanwhile, a request decided).
      loaded = { ...loaded, [tab]: false };
      open(tab, true);
    });
  }
  window.addEventListener('hashchange', () => {
    const tab = tabOfHash();
    if (tab && document.body.contains(root.querySelector('#acc-tabs'))) open(tab, true);
  });
  open(tabOfHash() || (me.activation === 'pending' ? 'acct' : 'sign'), false);
}
