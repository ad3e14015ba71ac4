// The official's history (issue 14): their signed documents from the registry,
// searchable by name or id, WIB date range and application; each with its
// verification page and, while the store keeps it, a re-download.
import { api } from './api.js';
import { has } from './i18n.js';
import { h, $, clear, say } from './dom.js';
import { showError } from './ui.js';
import './strings-account.js';

const PAGE = 20;

function query(root, before) {
  const p = new URLSearchParams();
  const v = (id) => $(id, root).value.trim();
  if (v('#hist-q')) p.set('q', v('#hist-q'));
  if (v('#hist-from')) p.set('from', v('#hist-from'));
  if (v('#hist-to')) p.set('to', v('#hist-to'));
  if (v('#hist-channel')) p.set('channel', v('#hist-channel'));
  if (v('#hist-app')) p.set('application', v('#hist-app'));
  p.set('limit', String(PAGE));
  if (before) p.set('before', before);
  return '/api/v1/me/documents?' + p.toString();
}

function levelText(level) {
  return has('level.' + level) ? h('span', { i18n: 'level.' + level }) : h('code', { text: level });
}

function row(d) {
  const name = d.filename || d.id;
  const app = d.application ? d.application : h('span', { i18n: 'hist.channel.' + d.channel });
  const actions = h('td', { class: 'hist-actions' },
    h('a', { href: d.verify_path, class: 'button button-small', i18n: 'hist.record' }));
  if (d.downloadable) {
    actions.append(' ', h('a', { href: '/api/v1/me/documents/' + encodeURIComponent(d.id) + '/file', class: 'button button-small button-primary',
      download: name, i18n: 'hist.download', dataset: { doc: d.id } }));
  } else {
    actions.append(' ', h('span', { class: 'note', i18n: 'hist.not_kept' }));
  }
  return h('tr', { dataset: { doc: d.id } },
    h('td', { i18nAttr: 'data-label:hist.col.time' }, h('span', { date: d.signed_at })),
    h('td', { class: 'hist-name' }, h('span', { text: name }), h('br'), h('code', { class: 'hist-id', text: d.id })),
    h('td', { i18nAttr: 'data-label:hist.col.level' }, levelText(d.level)),
    h('td', { i18nAttr: 'data-label:hist.col.app' }, app),
    actions);
}

export function mountHistory(root) {
  const form = $('#hist-form', root);
  const list = $('#hist-list', root);
  const more = $('#hist-more', root);
  const msg = $('#hist-msg', root);
  const count = $('#hist-count', root);
  const apps = $('#hist-apps', root);
  let next = null;
  let shown = 0;
  let tbody = null;
  const seenApps = new Set();

  async function load(append) {
    say(msg, null);
    let r;
    try {
      r = await api('GET', query(root, append ? next : null));
    } catch (e) {
      showError(msg, e);
      return;
    }
    if (!append) {
      clear(list);
      shown = 0;
      tbody = h('tbody');
      if (r.documents.length === 0) {
        list.append(h('p', { class: 'note', i18n: 'hist.none' }));
      } else {
        list.append(h('div', { class: 'table-wrap' }, h('table', { class: 'hist-table' },
          h('caption', { class: 'acc-sr', i18n: 'hist.h' }),
          h('thead', {}, h('tr', {}, ['hist.col.time', 'hist.col.name', 'hist.col.level', 'hist.col.app', 'hist.col.actions']
            .map((k) => h('th', { scope: 'col', i18n: k })))),
          tbody)));
      }
    }
    for (const d of r.documents) {
      tbody.append(row(d));
      if (d.application && !seenApps.has(d.application)) {
        seenApps.add(d.application);
        apps.append(h('option', { value: d.application }));
      }
    }
    shown += r.documents.length;
    next = r.next;
    more.hidden = !next;
    count.dataset.i18n = next ? 'hist.count.more' : 'hist.count';
    count.dataset.i18nVars = JSON.stringify({ n: shown });
    count.textContent = '';
    count.append(h('span', { i18n: count.dataset.i18n, vars: { n: shown } }));
    if (append && r.documents.length > 0) {
      const first = tbody.querySelector('tr[data-doc="' + r.documents[0].id + '"] a');
      if (first) first.focus();
    }
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    load(false);
  });
  form.addEventListener('reset', () => setTimeout(() => load(false), 0));
  more.addEventListener('click', () => load(true));
  return { reload: () => load(false) };
}
