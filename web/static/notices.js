// The public page of change notices (R13, docs/notices.md): /notices.json
// rendered as text only (no markup from data), newest first, in the chosen
// language with the other one a click away. Each notice is anchored #n<id>,
// the address the Atom feed and the webhooks link to.
import './strings-notice.js';
import { getLang, has } from './i18n.js';
import { boot } from './common.js';
import { h, clear, say } from './dom.js';

const SEV_CLASS = { info: 'badge-info', important: 'badge-warn', critical: 'badge-bad' };
let notices = null;

function label(prefix, v) {
  return has(prefix + v) ? h('span', { i18n: prefix + v }) : String(v);
}

function paragraphs(text) {
  return String(text).split(/\n{2,}/).map((p) => h('p', { class: 'nt-body', text: p }));
}

function item(n) {
  const lang = getLang();
  const other = lang === 'id' ? 'en' : 'id';
  const withdrawn = n.status === 'withdrawn';
  return h('li', { class: 'card nt-item' + (withdrawn ? ' nt-withdrawn' : ''), id: 'n' + n.id, dataset: { id: String(n.id), status: n.status } },
    h('h2', { class: 'nt-title' }, withdrawn ? h('span', { class: 'badge badge-bad nt-mark', i18n: 'nt.withdrawn' }) : null, withdrawn ? ' ' : null,
      h('span', { lang, text: n.title[lang] })),
    h('p', { class: 'note nt-meta' },
      h('span', { class: 'badge ' + (SEV_CLASS[n.severity] || 'badge-info') }, label('nt.sev.', n.severity)), ' ',
      h('span', { class: 'badge badge-info' }, label('nt.cat.', n.category)), ' · ',
      h('span', { i18n: 'nt.effective', vars: { date: n.effective_on } }), ' · ',
      h('span', { i18n: 'nt.published' }), ' ', h('span', { date: n.published_at }),
      n.updated_at !== n.published_at ? h('span', {}, ' · ', h('span', { i18n: 'nt.updated' }), ' ', h('span', { date: n.updated_at })) : null),
    withdrawn ? h('p', { class: 'msg msg-warn', i18n: 'nt.withdrawn.note' }) : null,
    h('div', { lang }, paragraphs(n.body[lang])),
    h('details', { class: 'nt-other' }, h('summary', { i18n: 'nt.other.lang' }),
      h('div', { lang: other }, h('p', {}, h('strong', { text: n.title[other] })), paragraphs(n.body[other]))));
}

function render() {
  const list = clear(document.getElementById('nt-list'));
  if (!notices) return;
  if (!notices.length) {
    list.append(h('li', { class: 'note', i18n: 'nt.none' }));
    return;
  }
  list.append(...notices.map(item));
  if (location.hash) {
    const target = document.getElementById(location.hash.slice(1));
    if (target) target.scrollIntoView();
  }
}

async function load() {
  const msg = document.getElementById('nt-msg');
  say(msg, 'info', 'nt.loading');
  try {
    const r = await fetch('/notices.json', { headers: { Accept: 'application/json' } });
    if (!r.ok) throw new Error('HTTP ' + r.status);
    notices = (await r.json()).notices || [];
    say(msg, null);
    render();
  } catch (e) {
    say(msg, 'error', 'nt.error');
  }
}

boot('notices');
document.addEventListener('teken:lang', render);
load();
