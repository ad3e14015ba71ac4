// Application page: login, then a dashboard for the role from /api/v1/me.
import { boot } from './common.js';
import { apply, t } from './i18n.js';
import { api, setCsrf } from './api.js';
import { $, clear, say } from './dom.js';
import { showError, busy } from './ui.js';
import { mountSubscriber } from './app-subscriber.js';
import { mountVerifikator } from './app-verifikator.js';
import { mountAdmin } from './app-admin.js';
import { mountAuditor } from './app-auditor.js';
import { mountMonev } from './app-monev.js';
import { mountAssess } from './app-assess.js';
import { mountPolicy } from './app-policy.js';
import { mountReview } from './app-review.js';
import { mountSupport } from './app-support.js';
import { mountLiteracy } from './app-literacy.js';
import { mountLetters } from './app-letter.js';
import { mountNotice } from './app-notice.js';
import { mountAgreement } from './app-agreement.js';
import { mountAccount, mountForced } from './app-account.js';

// Remembers that this browser holds a session, so a visitor without one is
// not greeted by a 401 from /api/v1/me.
const HINT = 'teken.session';
function hint(on) {
  try {
    if (on) localStorage.setItem(HINT, '1');
    else localStorage.removeItem(HINT);
  } catch (e) { /* storage disabled */ }
}
function hinted() {
  try { return localStorage.getItem(HINT) === '1'; } catch (e) { return true; }
}

const MOUNT = { subscriber: mountSubscriber, verifikator: mountVerifikator, admin: mountAdmin, auditor: mountAuditor };

function showLogin(errKey) {
  setCsrf(null);
  hint(false);
  $('#boot').hidden = true;
  $('#dash').hidden = true;
  clear($('#dash-body'));
  $('#login').hidden = false;
  const msg = $('#login-msg');
  if (errKey) say(msg, 'error', errKey);
  else say(msg, null);
  $('#login-user').focus();
}

function showDashboard(me) {
  setCsrf(me.csrf_token);
  hint(true);
  $('#boot').hidden = true;
  $('#login').hidden = true;
  $('#dash').hidden = false;
  const title = $('#dash-title');
  title.dataset.i18n = 'dash.h1.' + me.role;
  const who = $('#dash-who');
  who.dataset.i18n = 'dash.who';
  who.dataset.i18nVars = JSON.stringify({ user: me.user, role: t('role.' + me.role) });
  document.body.dataset.role = me.role;
  const body = clear($('#dash-body'));
  say($('#dash-msg'), null);
  // A password someone else chose: only the change form until it is done (issue 14).
  if (me.password_change_required) {
    apply();
    mountForced(body, me, () => showDashboard({ ...me, password_change_required: false }));
    return;
  }
  const mount = MOUNT[me.role];
  if (mount) {
    const tpl = document.getElementById('tpl-' + me.role);
    body.append(tpl.content.cloneNode(true));
    apply(body);
    mount(body, me);
    // The official's tabs: history, certificate, account (issue 14).
    if (me.role === 'subscriber') mountAccount(body, me);
    // Monitoring and evaluation (PKS art. 12): both parties, the ministry's admins and the issuer's auditors.
    if (me.role === 'admin' || me.role === 'auditor') mountMonev(body);
    // Security assessments (PKS art. 4(1)e, 5(2)b): the issuer asks, the ministry answers.
    if (me.role === 'admin' || me.role === 'auditor') mountAssess(body, me);
    // Recommendations of the issuer and the ministry's internal policies (R5): the same two parties.
    if (me.role === 'admin' || me.role === 'auditor') mountPolicy(body, me);
    // Implementation review (PKS art. 4(2)e): the issuer reviews, the ministry answers.
    if (me.role === 'admin' || me.role === 'auditor') mountReview(body, me);
    // Literacy, socialisation and training (R14): both parties record events; admins edit the /literasi text.
    if (me.role === 'admin' || me.role === 'auditor') mountLiteracy(body, me);
    // Signed correspondence under the agreement (R15): the ministry drafts and sends, its official signs, the issuer acknowledges.
    if (me.role === 'admin' || me.role === 'auditor' || me.role === 'subscriber') mountLetters(body, me);
    // The agreement register (R15): the ministry's admins keep it, the issuer's auditors read it and record their own contacts.
    if (me.role === 'admin' || me.role === 'auditor') mountAgreement(body, me);
    // Technical-support tickets (R12): every signed-in person; the service shows each their own, auditors and admins all.
    mountSupport(body, me);
    // Change notices (R13): the issuer's admins publish, the ministry's admins acknowledge and keep the webhooks.
    if (me.role === 'admin' || me.role === 'auditor') mountNotice(body, me);
  } else {
    say($('#dash-msg'), 'info', 'dash.application');
  }
  apply();
  title.setAttribute('tabindex', '-1');
  title.focus();
}

async function start() {
  boot('app');
  // The role label inside "logged in as" follows the language.
  document.addEventListener('teken:lang', () => {
    const who = $('#dash-who');
    if (who.dataset.i18nVars) {
      const v = JSON.parse(who.dataset.i18nVars);
      v.role = t('role.' + document.body.dataset.role);
      who.dataset.i18nVars = JSON.stringify(v);
      apply($('#dash'));
    }
  });
  document.addEventListener('teken:logged-out', () => showLogin('err.unauthenticated'));

  $('#login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = ev.currentTarget;
    const user = $('#login-user').value.trim();
    const password = $('#login-password').value;
    const msg = $('#login-msg');
    say(msg, null);
    await busy(form, 'login.busy', async () => {
      try {
        const r = await api('POST', '/api/v1/login', { json: { user, password } });
        $('#login-password').value = '';
        showDashboard({ user: r.user, role: r.role, csrf_token: r.csrf_token, password_change_required: r.password_change_required });
      } catch (e) {
        showError(msg, e);
        $('#login-password').select();
      }
    });
  });

  $('#logout').addEventListener('click', async () => {
    try { await api('POST', '/api/v1/logout'); } catch (e) { /* session already gone */ }
    showLogin(null);
  });

  if (!hinted()) {
    showLogin(null);
    return;
  }
  try {
    const me = await api('GET', '/api/v1/me');
    showDashboard(me);
  } catch (e) {
    if (e.code === 'unauthenticated') showLogin(null);
    else {
      showLogin(null);
      showError($('#login-msg'), e);
    }
  }
}

start();
