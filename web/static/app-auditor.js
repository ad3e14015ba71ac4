// Dashboard of an auditor: audit chain check, audit browser, users and requests (read only).
import { api } from './api.js';
import { h, $, clear, say } from './dom.js';
import { showError, statusBadge, table, requestCols } from './ui.js';
import { mountReport } from './app-report.js';
import { mountAuditBrowser } from './app-audit.js';

export function wireChainCheck(root) {
  const btn = $('#chain-run', root);
  const out = $('#chain-result', root);
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    clear(out).append(h('div'));
    const slot = out.firstChild;
    say(slot, 'info', 'loading');
    try {
      const r = await api('GET', '/api/v1/audit/verify');
      if (r.intact) say(slot, 'ok', 'aud.chain.ok', { events: r.events, checkpoints: r.checkpoints });
      else say(slot, 'error', 'aud.chain.bad', { seq: r.first_bad_seq, problem: r.problem || '' });
    } catch (e) {
      showError(slot, e);
    } finally {
      btn.disabled = false;
    }
  });
}

async function fill(slot, path, cols) {
  try {
    clear(slot).append(table(cols, await api('GET', path)));
  } catch (e) {
    clear(slot).append(h('div'));
    showError(slot.firstChild, e);
  }
}

export function mountAuditor(root, me) {
  mountReport(root, me);
  wireChainCheck(root);
  mountAuditBrowser(root);
  fill($('#aud-users', root), '/api/v1/users', [
    ['col.user', (r) => r.user],
    ['col.name', (r) => r.display_name],
    ['col.role', (r) => h('span', { i18n: 'role.' + r.role })],
    ['col.active', (r) => statusBadge(r.active ? 'active' : 'inactive')],
    ['col.created', (r) => h('span', { date: r.created_at })],
  ]);
  fill($('#aud-requests', root), '/api/v1/requests', requestCols.concat([['col.decided', (r) => (r.decided_at ? h('span', { date: r.decided_at }) : null)]]));
}
