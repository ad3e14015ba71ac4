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
  return h('span', { class: 'badge ' + (ST_CLASS[s] || 'badge-info'), dataset: { status: s }, i18n: 'trn.st.' + s });
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
  const sec = h('section', { class: 'card span-all', id: 'literacy', 'aria-labelledby': 'trn-h' },
    h('h2', { id: 'trn-h', i18n: 'trn.h' }), h('p', { class: 'note', i18n: 'trn.intro' }));
  const listMsg = h('div', { hidden: true });
  const list = h('div', { id: 'trn-list' });
  const formBox = h('div', { id: 'trn-form-box', hidden: true });
  const detail = h('section', { class: 'card', id: 'trn-detail', tabindex: '-1', hidden: true, 'aria-labelledby': 'trn-detail-h' });
  const newBtn = h('button', { type: 'button', class: 'button button-primary', id: 'trn-new', i18n: 'trn.new', on: { click: () => showForm(null) } });
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
        ['trn.col.title', (e) => h('button', { type: 'button', class: 'button button-small trn-open', dataset: { id: String(e.id) }, text: e.title,
          on: { click: () => show(e.id) } })],
        ['trn.col.kind', (e) => h('span', { i18n: 'trn.kind.' + e.kind })],
        ['trn.col.dates', (e) => dates(e)],
        ['trn.col.organiser', (e) => h('span', { i18n: 'trn.org.' + e.organiser })],
        ['trn.col.status', (e) => statusBadge(e.status)],
        ['trn.col.people', (e) => e.participants + ' (' + e.attended + ')'],
      ];
      clear(list).append(h('h3', { i18n: 'trn.upcoming' }), h('div', { id: 'trn-upcoming' }, table(cols, up)),
        h('h3', { i18n: 'trn.past' }), h('div', { id: 'trn-past' }, table(cols, past)));
      apply(list);
    } catch (e) {
      showError(listMsg, e);
    }
  }

  function showForm(ev) {
    const f = h('form', { id: 'trn-form', class: 'card' });
    const msg = h('div', { hidden: true });
    f.append(
      field('trn-f-kind', 'trn.f.kind', select('trn-f-kind', 'trn.kind.', ['sosialisasi', 'bimtek', 'media'], ev ? ev.kind : 'sosialisasi')),
      field('trn-f-title', 'trn.f.title', h('input', { id: 'trn-f-title', type: 'text', required: true, maxlength: 300, value: ev ? ev.title : '' })),
      field('trn-f-desc', 'trn.f.description', h('textarea', { id: 'trn-f-desc', rows: 3, maxlength: 16000 }, ev ? ev.description : '')),
      field('trn-f-starts', 'trn.f.starts', h('input', { id: 'trn-f-starts', type: 'date', required: true, value: ev ? ev.starts_on : todayWib() })),
      field('trn-f-ends', 'trn.f.ends', h('input', { id: 'trn-f-ends', type: 'date', value: ev ? ev.ends_on : '' })),
      field('trn-f-place', 'trn.f.place', h('input', { id: 'trn-f-place', type: 'text', maxlength: 300, value: ev ? ev.place : '' })),
      check('trn-f-online', 'trn.f.online', ev && ev.online),
      field('trn-f-org', 'trn.f.organiser', select('trn-f-org', 'trn.org.', ['first', 'second', 'joint'], ev ? ev.organiser : (admin ? 'first' : 'second'))),
      field('trn-f-speakers', 'trn.f.speakers', h('textarea', { id: 'trn-f-speakers', rows: 3 }, ev ? speakersText(ev.speakers) : '')),
      field('trn-f-audience', 'trn.f.audience', h('textarea', { id: 'trn-f-audience', rows: 2 }, ev ? (ev.audience || []).join('\n') : '')),
      check('trn-f-public', 'trn.f.public', ev && ev.is_public),
      msg,
      h('p', { class: 'actions' }, h('button', { type: 'submit', class: 'button button-primary', id: 'trn-f-save', i18n: 'trn.save' }), ' ',
        h('button', { type: 'button', class: 'button', i18n: 'trn.cancel', on: { click: () => { formBox.hidden = true; } } })));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      const v = (id) => f.querySelector('#' + id).value;
      const json = {
        kind: v('trn-f-kind'), title: v('trn-f-title').trim(), description: v('trn-f-desc'), starts_on: v('trn-f-starts'),
        place: v('trn-f-place').trim(), online: f.querySelector('#trn-f-online').checked, organiser: v('trn-f-org'),
        speakers: speakersOf(v('trn-f-speakers')), audience: v('trn-f-audience').split('\n').map((x) => x.trim()).filter(Boolean),
        is_public: f.querySelector('#trn-f-public').checked,
      };
      if (v('trn-f-ends')) json.ends_on = v('trn-f-ends');
      try {
        const r = await api('POST', ev ? '/api/v1/events/' + ev.id : '/api/v1/events', { json });
        formBox.hidden = true;
        await load();
        await show(r.id, 'trn.saved');
      } catch (err) {
        showError(msg, err);
      }
    });
    clear(formBox).append(f);
    apply(formBox);
    formBox.hidden = false;
    f.querySelector('#trn-f-title').focus();
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
    const msg = h('div', { hidden: true, id: 'trn-detail-msg' });
    const started = ev.starts_on <= todayWib();
    clear(detail).append(h('h3', { id: 'trn-detail-h', text: ev.title }), msg,
      dl([
        ['trn.col.kind', h('span', { i18n: 'trn.kind.' + ev.kind })],
        ['trn.col.dates', dates(ev)],
        ['trn.detail.where', ev.place + (ev.online ? ' (online)' : '')],
        ['trn.col.organiser', h('span', { i18n: 'trn.org.' + ev.organiser })],
        ['trn.detail.speakers', ev.speakers.map((s) => s.name + (s.position ? ' (' + s.position + ')' : '')).join('; ')],
        ['trn.detail.audience', ev.audience.join(', ')],
        ['trn.detail.public', h('span', { i18n: ev.is_public ? 'trn.yes' : 'trn.no' })],
        ['trn.col.status', statusBadge(ev.status)],
      ]),
      ev.description ? h('p', { text: ev.description }) : null);
    const bar = h('p', { class: 'actions' });
    const status = (to, key, cls) => h('button', { type: 'button', class: 'button ' + (cls || ''), id: 'trn-mark-' + to, i18n: key,
      on: { click: async () => { if (await act(msg, 'POST', '/api/v1/events/' + ev.id + '/status', { json: { status: to } })) show(ev.id, 'trn.saved'); } } });
    if (ev.status !== 'cancelled') bar.append(h('button', { type: 'button', class: 'button', id: 'trn-edit', i18n: 'trn.edit', on: { click: () => showForm(ev) } }), ' ');
    if (ev.status === 'planned') bar.append(status('held', 'trn.mark.held', 'button-primary'), ' ', status('cancelled', 'trn.mark.cancelled', 'button-danger'));
    if (ev.status === 'cancelled') bar.append(status('planned', 'trn.mark.planned'));
    detail.append(bar);

    // participants and attendance
    detail.append(h('h4', { i18n: 'trn.parts.h' }));
    if (!ev.participants.length) detail.append(h('p', { class: 'note', i18n: 'trn.parts.none' }));
    else {
      detail.append(table([
        ['trn.parts.col.name', (p) => p.name],
        ['trn.parts.col.unit', (p) => p.unit],
        ['trn.parts.col.party', (p) => h('span', { i18n: 'trn.party.' + p.party })],
        ['trn.parts.col.source', (p) => h('span', { i18n: p.from_register ? 'trn.parts.register' : 'trn.parts.free' })],
        ['trn.parts.col.attended', (p) => h('input', { type: 'checkbox', class: 'trn-att', id: 'trn-att-' + p.id, dataset: { pid: String(p.id) },
          checked: p.attended, disabled: !started || ev.status === 'cancelled', 'aria-label': p.name })],
        ['trn.parts.remove', (p) => ev.status === 'cancelled' ? '' : h('button', { type: 'button', class: 'button button-small button-danger trn-remove', i18n: 'trn.parts.remove',
          on: { click: async () => { if (await act(msg, 'POST', '/api/v1/events/' + ev.id + '/participants/' + p.id + '/remove', { json: {} })) show(ev.id); } } })],
      ], ev.participants));
      if (started && ev.status !== 'cancelled') {
        detail.append(h('p', { class: 'actions' }, h('button', { type: 'button', class: 'button button-primary', id: 'trn-att-save', i18n: 'trn.parts.save_att',
          on: { click: async () => {
            const participants = Array.from(detail.querySelectorAll('input.trn-att')).map((c) => ({ id: Number(c.dataset.pid), attended: c.checked }));
            if (await act(msg, 'POST', '/api/v1/events/' + ev.id + '/attendance', { json: { participants } })) show(ev.id, 'trn.saved');
          } } })));
      } else {
        detail.append(h('p', { class: 'note', i18n: 'trn.parts.att_note' }));
      }
    }
    if (ev.status !== 'cancelled') {
      if (admin) {
        const q = h('input', { id: 'trn-reg-q', type: 'text', autocomplete: 'off' });
        const hits = h('ul', { id: 'trn-reg-hits' });
        q.addEventListener('input', async () => {
          clear(hits);
          const s = q.value.trim().toLowerCase();
          if (s.length < 2) return;
          let all;
          try { all = await register(); } catch (e) { showError(msg, e); return; }
          for (const sub of all.filter((x) => x.full_name.toLowerCase().includes(s)).slice(0, 10)) {
            hits.append(h('li', {}, sub.full_name + ' — ' + sub.unit + ' ', h('button', { type: 'button', class: 'button button-small trn-pick',
              dataset: { sid: String(sub.id) }, i18n: 'trn.parts.pick',
              on: { click: async () => { if (await act(msg, 'POST', '/api/v1/events/' + ev.id + '/participants', { json: { subscriber_id: sub.id } })) show(ev.id, 'trn.saved'); } } })));
          }
          apply(hits);
        });
        detail.append(h('h4', { i18n: 'trn.parts.add_reg' }), field('trn-reg-q', 'trn.parts.search', q), hits);
      }
      const free = h('form', { id: 'trn-free' },
        field('trn-p-name', 'trn.parts.name', h('input', { id: 'trn-p-name', type: 'text', required: true, maxlength: 300 })),
        field('trn-p-unit', 'trn.parts.unit', h('input', { id: 'trn-p-unit', type: 'text', maxlength: 300 })),
        field('trn-p-party', 'trn.parts.party', select('trn-p-party', 'trn.party.', ['first', 'second', 'public'], admin ? 'first' : 'second')),
        h('button', { type: 'submit', class: 'button', id: 'trn-p-add', i18n: 'trn.parts.add_free' }));
      free.addEventListener('submit', async (e) => {
        e.preventDefault();
        const json = { name: free.querySelector('#trn-p-name').value.trim(), unit: free.querySelector('#trn-p-unit').value.trim(),
          party: free.querySelector('#trn-p-party').value };
        if (await act(msg, 'POST', '/api/v1/events/' + ev.id + '/participants', { json })) show(ev.id, 'trn.saved');
      });
      detail.append(h('h4', { i18n: 'trn.parts.free' }), free);
    }

    // materials
    detail.append(h('h4', { i18n: 'trn.mat.h' }));
    if (!ev.materials.length) detail.append(h('p', { class: 'note', i18n: 'trn.mat.none' }));
    else detail.append(h('ul', { id: 'trn-materials' }, ev.materials.map((m) => h('li', {},
      h('a', { href: '/api/v1/events/' + ev.id + '/materials/' + m.id, download: m.filename, text: m.filename }), ' · ' + m.mime + ' · ' + fmtBytes(m.size)))));
    if (ev.status !== 'cancelled') {
      const up = h('form', { id: 'trn-mat-form' }, field('trn-mat-file', 'trn.mat.file', h('input', { type: 'file', id: 'trn-mat-file', required: true,
        accept: '.pdf,.png,.jpg,.jpeg,.txt,application/pdf,image/png,image/jpeg,text/plain' })),
      h('button', { type: 'submit', class: 'button', id: 'trn-mat-up', i18n: 'trn.mat.upload' }));
      up.addEventListener('submit', async (e) => {
        e.preventDefault();
        const file = up.querySelector('#trn-mat-file').files[0];
        if (!file) return;
        const form = new FormData();
        form.append('file', file, file.name);
        if (await act(msg, 'POST', '/api/v1/events/' + ev.id + '/materials', { form })) show(ev.id, 'trn.saved');
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
  const box = h('section', { class: 'card', id: 'trn-page', 'aria-labelledby': 'trn-page-h' },
    h('h3', { id: 'trn-page-h', i18n: 'trn.page.h' }), h('p', { class: 'note', i18n: 'trn.page.intro' }));
  const state = h('p', { class: 'note', id: 'trn-page-state' });
  const msg = h('div', { hidden: true, id: 'trn-page-msg' });
  const areas = {
    id: h('textarea', { id: 'trn-page-id', rows: 14, lang: 'id', 'aria-labelledby': 'trn-tab-id' }),
    en: h('textarea', { id: 'trn-page-en', rows: 14, lang: 'en', 'aria-labelledby': 'trn-tab-en', hidden: true }),
  };
  const preview = h('div', { class: 'prose', id: 'trn-page-preview' });
  let cur = 'id';
  const tabs = h('div', { role: 'tablist', class: 'actions' }, ['id', 'en'].map((l) => h('button', { type: 'button', role: 'tab', class: 'button button-small',
    id: 'trn-tab-' + l, 'aria-selected': l === 'id' ? 'true' : 'false', i18n: 'trn.page.tab.' + l, on: { click: () => tab(l) } })));
  function tab(l) {
    cur = l;
    for (const k of ['id', 'en']) {
      areas[k].hidden = k !== l;
      tabs.querySelector('#trn-tab-' + k).setAttribute('aria-selected', k === l ? 'true' : 'false');
    }
    refresh();
  }
  function refresh() {
    clear(preview).append(render(areas[cur].value));
  }
  areas.id.addEventListener('input', refresh);
  areas.en.addEventListener('input', refresh);
  const versions = h('div', { id: 'trn-page-versions' });
  const save = h('button', { type: 'button', class: 'button button-primary', id: 'trn-page-save', i18n: 'trn.page.save' });
  save.addEventListener('click', async () => {
    try {
      await api('PUT', '/api/v1/literasi', { json: { body_id: areas.id.value, body_en: areas.en.value } });
      await load();
      say(msg, 'ok', 'trn.saved');
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
      clear(state).append(cur.version ? h('span', { i18n: 'trn.page.version', vars: { v: cur.version, by: vs.versions[0] ? vs.versions[0].edited_by : '' } })
        : h('span', { i18n: 'trn.page.builtin' }));
      clear(versions).append(table([
        ['trn.page.col.version', (v) => String(v.version)],
        ['trn.page.col.by', (v) => v.edited_by],
        ['trn.page.col.at', (v) => h('span', { date: v.edited_at })],
      ], vs.versions));
      refresh();
      apply(box);
    } catch (e) {
      showError(msg, e);
    }
  }
  box.append(state, tabs, areas.id, areas.en, h('h4', { i18n: 'trn.page.preview' }), preview, msg, h('p', { class: 'actions' }, save),
    h('h4', { i18n: 'trn.page.versions' }), versions);
  sec.append(box);
  load();
}
