// Literacy, socialisation and training (R14, docs/literacy.md) in the
// application page, for the ministry's admins and the issuer's auditors:
// events (upcoming and past), the event form, participants from the
// certificate holders register (admins) or free text, attendance, materials;
// and, for admins, the /literasi page text editor with preview and versions.
import './strings-literacy.js';
import { api } from './api.js';
import { apply } from './i18n.js';
import { h, clear, say, dl, fmtBytes } from './dom.js';
import { showError, table } from './ui.js';
import { render } from './literasi-md.js';

function todayWib() {
  return new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
}

function field(id, key, input) {
  return h('div', { class: 'field' }, h('label', { for: id, i18n: key }), input);
}

function check(id, key, on) {
  return h('div', { class: 'field' }, h('label', { for: id }, h('input', { type: 'checkbox', id, checked: !!on }), ' ', h('span', { i18n: key })));
}

function select(id, prefix, values, cur) {
  return h('select', { id }, values.map((v) => h('option', { value: v, selected: v === cur, i18n: prefix + v })));
}

function dates(e) {
  return e.ends_on && e.ends_on !== e.starts_on ? e.starts_on + ' – ' + e.ends_on : e.starts_on;
}

const ST_CLASS = { planned: 'badge-info', held: 'badge-ok', cancelled: 'badge-bad' };
function statusBadge(s) {
  return h('span', { class: 'badge ' + (ST_CLASS[s] || 'badge-info'), dataset: { status: s }, i18n: 'lt.st.' + s });
}

// "name; party; position" lines <-> speakers [{name, party, position}]
function speakersText(list) {
  return (list || []).map((s) => [s.name, s.party === 'second' ? 'bssn' : 'kementerian', s.position].filter((x) => x !== '').join('; ')).join('\n');
}
function speakersOf(text) {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
    const [name, party, position] = l.split(';').map((x) => (x || '').trim());
    const p = /^(bssn|bsre|second|pihak kedua|issuer)$/i.test(party || '') ? 'second' : 'first';
    return { name, party: p, position: position || '' };
  });
}

export function mountLiteracy(body, me) {
  const admin = me.role === 'admin';
  const sec = h('section', { class: 'card span-all', id: 'literacy', 'aria-labelledby': 'lt-h' },
    h('h2', { id: 'lt-h', i18n: 'lt.h' }), h('p', { class: 'note', i18n: 'lt.intro' }));
  const listMsg = h('div', { hidden: true });
  const list = h('div', { id: 'lt-list' });
  const formBox = h('div', { id: 'lt-form-box', hidden: true });
  const detail = h('section', { class: 'card', id: 'lt-detail', tabindex: '-1', hidden: true, 'aria-labelledby': 'lt-detail-h' });
  const newBtn = h('button', { type: 'button', class: 'button button-primary', id: 'lt-new', i18n: 'lt.new', on: { click: () => showForm(null) } });
  sec.append(h('p', { class: 'actions' }, newBtn), formBox, listMsg, list, detail);
  body.append(sec);

  async function load() {
    say(listMsg, null);
    try {
      const r = await api('GET', '/api/v1/events');
      const today = todayWib();
      const up = r.events.filter((e) => e.ends_on >= today).reverse();
      const past = r.events.filter((e) => e.ends_on < today);
      const cols = [
        ['lt.col.title', (e) => h('button', { type: 'button', class: 'button button-small lt-open', dataset: { id: String(e.id) }, text: e.title,
          on: { click: () => show(e.id) } })],
        ['lt.col.kind', (e) => h('span', { i18n: 'lt.kind.' + e.kind })],
        ['lt.col.dates', (e) => dates(e)],
        ['lt.col.organiser', (e) => h('span', { i18n: 'lt.org.' + e.organiser })],
        ['lt.col.status', (e) => statusBadge(e.status)],
        ['lt.col.people', (e) => e.participants + ' (' + e.attended + ')'],
      ];
      clear(list).append(h('h3', { i18n: 'lt.upcoming' }), h('div', { id: 'lt-upcoming' }, table(cols, up)),
        h('h3', { i18n: 'lt.past' }), h('div', { id: 'lt-past' }, table(cols, past)));
      apply(list);
    } catch (e) {
      showError(listMsg, e);
    }
  }

  function showForm(ev) {
    const f = h('form', { id: 'lt-form', class: 'card' });
    const msg = h('div', { hidden: true });
    f.append(
      field('lt-f-kind', 'lt.f.kind', select('lt-f-kind', 'lt.kind.', ['sosialisasi', 'bimtek', 'media'], ev ? ev.kind : 'sosialisasi')),
      field('lt-f-title', 'lt.f.title', h('input', { id: 'lt-f-title', type: 'text', required: true, maxlength: 300, value: ev ? ev.title : '' })),
      field('lt-f-desc', 'lt.f.description', h('textarea', { id: 'lt-f-desc', rows: 3, maxlength: 16000 }, ev ? ev.description : '')),
      field('lt-f-starts', 'lt.f.starts', h('input', { id: 'lt-f-starts', type: 'date', required: true, value: ev ? ev.starts_on : todayWib() })),
      field('lt-f-ends', 'lt.f.ends', h('input', { id: 'lt-f-ends', type: 'date', value: ev ? ev.ends_on : '' })),
      field('lt-f-place', 'lt.f.place', h('input', { id: 'lt-f-place', type: 'text', maxlength: 300, value: ev ? ev.place : '' })),
      check('lt-f-online', 'lt.f.online', ev && ev.online),
      field('lt-f-org', 'lt.f.organiser', select('lt-f-org', 'lt.org.', ['first', 'second', 'joint'], ev ? ev.organiser : (admin ? 'first' : 'second'))),
      field('lt-f-speakers', 'lt.f.speakers', h('textarea', { id: 'lt-f-speakers', rows: 3 }, ev ? speakersText(ev.speakers) : '')),
      field('lt-f-audience', 'lt.f.audience', h('textarea', { id: 'lt-f-audience', rows: 2 }, ev ? (ev.audience || []).join('\n') : '')),
      check('lt-f-public', 'lt.f.public', ev && ev.is_public),
      msg,
      h('p', { class: 'actions' }, h('button', { type: 'submit', class: 'button button-primary', id: 'lt-f-save', i18n: 'lt.save' }), ' ',
        h('button', { type: 'button', class: 'button', i18n: 'lt.cancel', on: { click: () => { formBox.hidden = true; } } })));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      const v = (id) => f.querySelector('#' + id).value;
      const json = {
        kind: v('lt-f-kind'), title: v('lt-f-title').trim(), description: v('lt-f-desc'), starts_on: v('lt-f-starts'),
        place: v('lt-f-place').trim(), online: f.querySelector('#lt-f-online').checked, organiser: v('lt-f-org'),
        speakers: speakersOf(v('lt-f-speakers')), audience: v('lt-f-audience').split('\n').map((x) => x.trim()).filter(Boolean),
        is_public: f.querySelector('#lt-f-public').checked,
      };
      if (v('lt-f-ends')) json.ends_on = v('lt-f-ends');
      try {
        const r = await api('POST', ev ? '/api/v1/events/' + ev.id : '/api/v1/events', { json });
        formBox.hidden = true;
        await load();
        await show(r.id, 'lt.saved');
      } catch (err) {
        showError(msg, err);
      }
    });
    clear(formBox).append(f);
    apply(formBox);
    formBox.hidden = false;
    f.querySelector('#lt-f-title').focus();
  }

  async function act(msg, method, path, opts) {
    try {
      const r = await api(method, path, opts);
      await load();
      return r;
    } catch (e) {
      showError(msg, e);
      return null;
    }
  }

  let subscribers = null;
  async function register() {
    if (subscribers === null) {
      const r = await api('GET', '/api/v1/subscribers');
      subscribers = (Array.isArray(r) ? r : r.subscribers || []).filter((s) => s.status === 'active' && s.full_name);
    }
    return subscribers;
  }

  async function show(id, flash) {
    let ev;
    try {
      ev = await api('GET', '/api/v1/events/' + id);
    } catch (e) {
      showError(listMsg, e);
      return;
    }
    const msg = h('div', { hidden: true, id: 'lt-detail-msg' });
    const started = ev.starts_on <= todayWib();
    clear(detail).append(h('h3', { id: 'lt-detail-h', text: ev.title }), msg,
      dl([
        ['lt.col.kind', h('span', { i18n: 'lt.kind.' + ev.kind })],
        ['lt.col.dates', dates(ev)],
        ['lt.detail.where', ev.place + (ev.online ? ' (online)' : '')],
        ['lt.col.organiser', h('span', { i18n: 'lt.org.' + ev.organiser })],
        ['lt.detail.speakers', ev.speakers.map((s) => s.name + (s.position ? ' (' + s.position + ')' : '')).join('; ')],
        ['lt.detail.audience', ev.audience.join(', ')],
        ['lt.detail.public', h('span', { i18n: ev.is_public ? 'lt.yes' : 'lt.no' })],
        ['lt.col.status', statusBadge(ev.status)],
      ]),
      ev.description ? h('p', { text: ev.description }) : null);
    const bar = h('p', { class: 'actions' });
    const status = (to, key, cls) => h('button', { type: 'button', class: 'button ' + (cls || ''), id: 'lt-mark-' + to, i18n: key,
      on: { click: async () => { if (await act(msg, 'POST', '/api/v1/events/' + ev.id + '/status', { json: { status: to } })) show(ev.id, 'lt.saved'); } } });
    if (ev.status !== 'cancelled') bar.append(h('button', { type: 'button', class: 'button', id: 'lt-edit', i18n: 'lt.edit', on: { click: () => showForm(ev) } }), ' ');
    if (ev.status === 'planned') bar.append(status('held', 'lt.mark.held', 'button-primary'), ' ', status('cancelled', 'lt.mark.cancelled', 'button-danger'));
    if (ev.status === 'cancelled') bar.append(status('planned', 'lt.mark.planned'));
    detail.append(bar);

    // participants and attendance
    detail.append(h('h4', { i18n: 'lt.parts.h' }));
    if (!ev.participants.length) detail.append(h('p', { class: 'note', i18n: 'lt.parts.none' }));
    else {
      detail.append(table([
        ['lt.parts.col.name', (p) => p.name],
        ['lt.parts.col.unit', (p) => p.unit],
        ['lt.parts.col.party', (p) => h('span', { i18n: 'lt.party.' + p.party })],
        ['lt.parts.col.source', (p) => h('span', { i18n: p.from_register ? 'lt.parts.register' : 'lt.parts.free' })],
        ['lt.parts.col.attended', (p) => h('input', { type: 'checkbox', class: 'lt-att', id: 'lt-att-' + p.id, dataset: { pid: String(p.id) },
          checked: p.attended, disabled: !started || ev.status === 'cancelled', 'aria-label': p.name })],
        ['lt.parts.remove', (p) => ev.status === 'cancelled' ? '' : h('button', { type: 'button', class: 'button button-small button-danger lt-remove', i18n: 'lt.parts.remove',
          on: { click: async () => { if (await act(msg, 'POST', '/api/v1/events/' + ev.id + '/participants/' + p.id + '/remove', { json: {} })) show(ev.id); } } })],
      ], ev.participants));
      if (started && ev.status !== 'cancelled') {
        detail.append(h('p', { class: 'actions' }, h('button', { type: 'button', class: 'button button-primary', id: 'lt-att-save', i18n: 'lt.parts.save_att',
          on: { click: async () => {
            const participants = Array.from(detail.querySelectorAll('input.lt-att')).map((c) => ({ id: Number(c.dataset.pid), attended: c.checked }));
            if (await act(msg, 'POST', '/api/v1/events/' + ev.id + '/attendance', { json: { participants } })) show(ev.id, 'lt.saved');
          } } })));
      } else {
        detail.append(h('p', { class: 'note', i18n: 'lt.parts.att_note' }));
      }
    }
    if (ev.status !== 'cancelled') {
      if (admin) {
        const q = h('input', { id: 'lt-reg-q', type: 'text', autocomplete: 'off' });
        const hits = h('ul', { id: 'lt-reg-hits' });
        q.addEventListener('input', async () => {
          clear(hits);
          const s = q.value.trim().toLowerCase();
          if (s.length < 2) return;
          let all;
          try { all = await register(); } catch (e) { showError(msg, e); return; }
          for (const sub of all.filter((x) => x.full_name.toLowerCase().includes(s)).slice(0, 10)) {
            hits.append(h('li', {}, sub.full_name + ' — ' + sub.unit + ' ', h('button', { type: 'button', class: 'button button-small lt-pick',
              dataset: { sid: String(sub.id) }, i18n: 'lt.parts.pick',
              on: { click: async () => { if (await act(msg, 'POST', '/api/v1/events/' + ev.id + '/participants', { json: { subscriber_id: sub.id } })) show(ev.id, 'lt.saved'); } } })));
          }
          apply(hits);
        });
        detail.append(h('h4', { i18n: 'lt.parts.add_reg' }), field('lt-reg-q', 'lt.parts.search', q), hits);
      }
      const free = h('form', { id: 'lt-free' },
        field('lt-p-name', 'lt.parts.name', h('input', { id: 'lt-p-name', type: 'text', required: true, maxlength: 300 })),
        field('lt-p-unit', 'lt.parts.unit', h('input', { id: 'lt-p-unit', type: 'text', maxlength: 300 })),
        field('lt-p-party', 'lt.parts.party', select('lt-p-party', 'lt.party.', ['first', 'second', 'public'], admin ? 'first' : 'second')),
        h('button', { type: 'submit', class: 'button', id: 'lt-p-add', i18n: 'lt.parts.add_free' }));
      free.addEventListener('submit', async (e) => {
        e.preventDefault();
        const json = { name: free.querySelector('#lt-p-name').value.trim(), unit: free.querySelector('#lt-p-unit').value.trim(),
          party: free.querySelector('#lt-p-party').value };
        if (await act(msg, 'POST', '/api/v1/events/' + ev.id + '/participants', { json })) show(ev.id, 'lt.saved');
      });
      detail.append(h('h4', { i18n: 'lt.parts.free' }), free);
    }

    // materials
    detail.append(h('h4', { i18n: 'lt.mat.h' }));
    if (!ev.materials.length) detail.append(h('p', { class: 'note', i18n: 'lt.mat.none' }));
    else detail.append(h('ul', { id: 'lt-materials' }, ev.materials.map((m) => h('li', {},
      h('a', { href: '/api/v1/events/' + ev.id + '/materials/' + m.id, download: m.filename, text: m.filename }), ' · ' + m.mime + ' · ' + fmtBytes(m.size)))));
    if (ev.status !== 'cancelled') {
      const up = h('form', { id: 'lt-mat-form' }, field('lt-mat-file', 'lt.mat.file', h('input', { type: 'file', id: 'lt-mat-file', required: true,
        accept: '.pdf,.png,.jpg,.jpeg,.txt,application/pdf,image/png,image/jpeg,text/plain' })),
      h('button', { type: 'submit', class: 'button', id: 'lt-mat-up', i18n: 'lt.mat.upload' }));
      up.addEventListener('submit', async (e) => {
        e.preventDefault();
        const file = up.querySelector('#lt-mat-file').files[0];
        if (!file) return;
        const form = new FormData();
        form.append('file', file, file.name);
        if (await act(msg, 'POST', '/api/v1/events/' + ev.id + '/materials', { form })) show(ev.id, 'lt.saved');
      });
      detail.append(up);
    }
    apply(detail);
    detail.hidden = false;
    if (flash) say(msg, 'ok', flash);
    detail.focus();
  }

  if (admin) mountPageEditor(sec);
  load();
}

// The /literasi text: two languages, a live preview, each save a new version.
function mountPageEditor(sec) {
  const box = h('section', { class: 'card', id: 'lt-page', 'aria-labelledby': 'lt-page-h' },
    h('h3', { id: 'lt-page-h', i18n: 'lt.page.h' }), h('p', { class: 'note', i18n: 'lt.page.intro' }));
  const state = h('p', { class: 'note', id: 'lt-page-state' });
  const msg = h('div', { hidden: true, id: 'lt-page-msg' });
  const areas = {
    id: h('textarea', { id: 'lt-page-id', rows: 14, lang: 'id', 'aria-labelledby': 'lt-tab-id' }),
    en: h('textarea', { id: 'lt-page-en', rows: 14, lang: 'en', 'aria-labelledby': 'lt-tab-en', hidden: true }),
  };
  const preview = h('div', { class: 'prose', id: 'lt-page-preview' });
  let cur = 'id';
  const tabs = h('div', { role: 'tablist', class: 'actions' }, ['id', 'en'].map((l) => h('button', { type: 'button', role: 'tab', class: 'button button-small',
    id: 'lt-tab-' + l, 'aria-selected': l === 'id' ? 'true' : 'false', i18n: 'lt.page.tab.' + l, on: { click: () => tab(l) } })));
  function tab(l) {
    cur = l;
    for (const k of ['id', 'en']) {
      areas[k].hidden = k !== l;
      tabs.querySelector('#lt-tab-' + k).setAttribute('aria-selected', k === l ? 'true' : 'false');
    }
    refresh();
  }
  function refresh() {
    clear(preview).append(render(areas[cur].value));
  }
  areas.id.addEventListener('input', refresh);
  areas.en.addEventListener('input', refresh);
  const versions = h('div', { id: 'lt-page-versions' });
  const save = h('button', { type: 'button', class: 'button button-primary', id: 'lt-page-save', i18n: 'lt.page.save' });
  save.addEventListener('click', async () => {
    try {
      await api('PUT', '/api/v1/literasi', { json: { body_id: areas.id.value, body_en: areas.en.value } });
      await load();
      say(msg, 'ok', 'lt.saved');
    } catch (e) {
      showError(msg, e);
    }
  });
  async function load() {
    try {
      const cur = await api('GET', '/api/v1/literasi');
      const vs = await api('GET', '/api/v1/literasi/versions');
      areas.id.value = cur.body_id;
      areas.en.value = cur.body_en;
      clear(state).append(cur.version ? h('span', { i18n: 'lt.page.version', vars: { v: cur.version, by: vs.versions[0] ? vs.versions[0].edited_by : '' } })
        : h('span', { i18n: 'lt.page.builtin' }));
      clear(versions).append(table([
        ['lt.page.col.version', (v) => String(v.version)],
        ['lt.page.col.by', (v) => v.edited_by],
        ['lt.page.col.at', (v) => h('span', { date: v.edited_at })],
      ], vs.versions));
      refresh();
      apply(box);
    } catch (e) {
      showError(msg, e);
    }
  }
  box.append(state, tabs, areas.id, areas.en, h('h4', { i18n: 'lt.page.preview' }), preview, msg, h('p', { class: 'actions' }, save),
    h('h4', { i18n: 'lt.page.versions' }), versions);
  sec.append(box);
  load();
}
