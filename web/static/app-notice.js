// Change notices (R13, docs/notices.md) in the application page: the issuer's
// admins (role auditor) draft, publish and withdraw; the ministry's admins
// acknowledge each notice once, see the unacknowledged ones in a card at the
// top of their dashboard, and keep the webhooks that receive the notices.
import './strings-notice.js';
import { has, getLang } from './i18n.js';
import { api } from './api.js';
import { h, clear, say } from './dom.js';
import { showError, table, confirmDialog } from './ui.js';

const SEV_CLASS = { info: 'badge-info', important: 'badge-warn', critical: 'badge-bad' };
const ST_CLASS = { draft: 'badge-info', published: 'badge-ok', withdrawn: 'badge-bad' };

function label(prefix, v) {
  return has(prefix + v) ? h('span', { i18n: prefix + v }) : String(v);
}

function field(id, key, input) {
  return h('div', { class: 'field' }, h('label', { for: id, i18n: key }), input);
}

function select(id, prefix, values) {
  return h('select', { id, required: true }, values.map((v) => h('option', { value: v, i18n: prefix + v })));
}

function titleOf(n) {
  return n.title[getLang()] || n.title.id;
}

// The admin's card: how many notices wait for acknowledgement, and a link to them.
async function ackCard(body) {
  const card = h('section', { class: 'card span-all', id: 'nt-card', 'aria-labelledby': 'nt-card-h' }, h('h2', { id: 'nt-card-h', i18n: 'nt.card.h' }));
  const line = h('p', { id: 'nt-card-count' });
  card.append(line, h('p', {}, h('a', { href: '#notices', i18n: 'nt.card.link' })));
  body.prepend(card);
  async function refresh() {
    try {
      const rows = await api('GET', '/api/v1/notices?status=unacknowledged');
      clear(line).append(h('span', { i18n: rows.length ? 'nt.card.count' : 'nt.card.none', vars: { n: rows.length } }));
      line.dataset.count = String(rows.length);
    } catch (e) {
      showError(line, e);
    }
  }
  await refresh();
  return refresh;
}

function draftForm(onSaved) {
  const ids = ['title_id', 'title_en', 'body_id', 'body_en'];
  const inputs = {};
  for (const k of ids) {
    inputs[k] = k.startsWith('body')
      ? h('textarea', { id: 'nt-' + k, rows: '4', maxlength: '32768', required: true })
      : h('input', { id: 'nt-' + k, type: 'text', maxlength: '300', required: true });
  }
  inputs.category = select('nt-category', 'nt.cat.', ['change', 'addition', 'development', 'maintenance', 'security']);
  inputs.severity = select('nt-severity', 'nt.sev.', ['info', 'important', 'critical']);
  inputs.effective_on = h('input', { id: 'nt-effective_on', type: 'date', required: true });
  const msg = h('div', { id: 'nt-form-msg', hidden: true });
  const form = h('form', { method: 'post', id: 'nt-form' }, h('h3', { i18n: 'nt.new.h' }),
    ...['title_id', 'title_en', 'body_id', 'body_en', 'category', 'severity', 'effective_on'].map((k) => field('nt-' + k, 'nt.f.' + k, inputs[k])),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button button-primary', id: 'nt-save', i18n: 'nt.save' })), msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const json = {};
    for (const [k, e] of Object.entries(inputs)) json[k] = e.value;
    try {
      await api('POST', '/api/v1/notices', { json });
      form.reset();
      await onSaved();
      say(msg, 'ok', 'nt.saved');
    } catch (e) {
      showError(msg, e);
    }
  });
  return form;
}

function webhooks(body) {
  const sec = h('section', { class: 'card span-all', id: 'webhooks', 'aria-labelledby': 'wh-h' },
    h('h2', { id: 'wh-h', i18n: 'wh.h' }), h('p', { class: 'note', i18n: 'wh.intro' }));
  const msg = h('div', { id: 'wh-msg', hidden: true });
  const list = h('div', { id: 'wh-list' });
  const url = h('input', { id: 'wh-url', type: 'url', maxlength: '2048', required: true });
  const desc = h('input', { id: 'wh-desc', type: 'text', maxlength: '300' });
  const secret = h('p', { id: 'wh-secret', class: 'msg msg-warn wh-secret', hidden: true });
  const form = h('form', { method: 'post', id: 'wh-form' }, field('wh-url', 'wh.f.url', url), field('wh-desc', 'wh.f.desc', desc),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button', id: 'wh-add', i18n: 'wh.add' })));
  const showSecret = (s) => {
    clear(secret).append(h('span', { i18n: 'wh.secret' }), ' ', h('code', { id: 'wh-secret-value', text: s }));
    secret.hidden = false;
  };
  async function load() {
    try {
      const rows = await api('GET', '/api/v1/webhooks');
      clear(list).append(table([
        ['wh.col.url', (w) => h('code', { text: w.url })],
        ['wh.col.active', (w) => h('span', { i18n: w.active ? 'wh.yes' : 'wh.no' })],
        ['wh.col.deliveries', (w) => w.deliveries.delivered + ' / ' + w.deliveries.pending + ' / ' + w.deliveries.failed],
        ['nt.col.action', (w) => h('span', {},
          h('button', { type: 'button', class: 'button button-small', i18n: 'wh.test', on: { click: () => act(async () => {
            const r = await api('POST', '/api/v1/webhooks/' + w.id + '/test', { json: {} });
            say(msg, r.delivered ? 'ok' : 'error', r.delivered ? 'wh.test.ok' : 'wh.test.fail', { code: r.code, error: r.error });
            return true;
          }) } }), ' ',
          h('button', { type: 'button', class: 'button button-small', i18n: 'wh.rotate', on: { click: () => act(async () => {
            showSecret((await api('POST', '/api/v1/webhooks/' + w.id + '/rotate', { json: {} })).secret);
          }) } }), ' ',
          h('button', { type: 'button', class: 'button button-small', i18n: w.active ? 'wh.disable' : 'wh.enable', on: { click: () => act(() =>
            api('POST', '/api/v1/webhooks/' + w.id, { json: { active: !w.active } })) } }), ' ',
          h('button', { type: 'button', class: 'button button-small', i18n: 'wh.delete', on: { click: async () => {
            if (await confirmDialog('wh.delete.confirm')) act(() => api('POST', '/api/v1/webhooks/' + w.id + '/delete', { json: {} }));
          } } }))],
      ], rows));
    } catch (e) {
      showError(msg, e);
    }
  }
  async function act(fn) {
    try {
      const keep = await fn();
      if (!keep) say(msg, null);
      await load();
    } catch (e) {
      showError(msg, e);
    }
  }
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const w = await api('POST', '/api/v1/webhooks', { json: { url: url.value, description: desc.value } });
      form.reset();
      say(msg, null);
      showSecret(w.secret);
      await load();
    } catch (e) {
      showError(msg, e);
    }
  });
  sec.append(list, form, secret, msg);
  body.append(sec);
  load();
}

export async function mountNotice(body, me) {
  const issuer = me.role === 'auditor';
  const sec = h('section', { class: 'card span-all', id: 'notices', 'aria-labelledby': 'nt-h' },
    h('h2', { id: 'nt-h', i18n: 'nt.app.h' }), h('p', { class: 'note', i18n: issuer ? 'nt.app.intro.auditor' : 'nt.app.intro.admin' }),
    h('p', { class: 'note' }, h('a', { href: '/notices', text: '/notices' }), ' · ', h('a', { href: '/notices.atom', text: '/notices.atom' })));
  const msg = h('div', { id: 'nt-msg', hidden: true });
  const list = h('div', { id: 'nt-list' });
  sec.append(msg, list);
  body.append(sec);
  const refreshCard = issuer ? async () => {} : await ackCard(body);

  async function act(fn, doneKey) {
    try {
      await fn();
      await load();
      await refreshCard();
      say(msg, 'ok', doneKey);
    } catch (e) {
      showError(msg, e);
    }
  }

  function actions(n) {
    if (issuer && n.status === 'draft') {
      return h('button', { type: 'button', class: 'button button-small button-primary', id: 'nt-publish-' + n.id, i18n: 'nt.publish',
        on: { click: async () => {
          if (await confirmDialog('nt.publish.confirm', { title: titleOf(n) })) act(() => api('POST', '/api/v1/notices/' + n.id + '/publish', { json: {} }), 'nt.published.done');
        } } });
    }
    if (issuer && n.status === 'published') {
      return h('button', { type: 'button', class: 'button button-small', id: 'nt-withdraw-' + n.id, i18n: 'nt.withdraw',
        on: { click: async () => {
          if (await confirmDialog('nt.withdraw.confirm', { title: titleOf(n) })) act(() => api('POST', '/api/v1/notices/' + n.id + '/withdraw', { json: {} }), 'nt.withdrawn.done');
        } } });
    }
    if (!issuer && !n.acknowledged && n.status !== 'draft') {
      const note = h('input', { type: 'text', id: 'nt-ack-note-' + n.id, maxlength: '2000', i18nAttr: 'aria-label:nt.ack.note,placeholder:nt.ack.note' });
      return h('span', {}, note, ' ', h('button', { type: 'button', class: 'button button-small button-primary', id: 'nt-ack-' + n.id, i18n: 'nt.ack',
        on: { click: () => act(() => api('POST', '/api/v1/notices/' + n.id + '/acknowledge', { json: note.value ? { note: note.value } : {} }), 'nt.ack.done') } }));
    }
    return null;
  }

  async function load() {
    try {
      const rows = await api('GET', '/api/v1/notices');
      clear(list).append(table([
        ['nt.col.id', (n) => h('a', { href: '/notices#n' + n.id, text: '#' + n.id })],
        ['nt.col.title', (n) => h('span', { class: 'nt-row-title', dataset: { id: String(n.id) }, text: titleOf(n) })],
        ['nt.col.category', (n) => label('nt.cat.', n.category)],
        ['nt.col.severity', (n) => h('span', { class: 'badge ' + (SEV_CLASS[n.severity] || 'badge-info') }, label('nt.sev.', n.severity))],
        ['nt.col.effective', (n) => n.effective_on],
        ['nt.col.status', (n) => h('span', { class: 'badge ' + (ST_CLASS[n.status] || 'badge-info'), id: 'nt-status-' + n.id, dataset: { status: n.status } },
          label('nt.st.', n.status))],
        ['nt.col.ack', (n) => (n.status === 'draft' ? null : h('span', { id: 'nt-acked-' + n.id, dataset: { acked: String(!!n.acknowledged) },
          i18n: n.acknowledged ? 'nt.ack.yes' : 'nt.ack.no', vars: { user: n.acked_by || '' } }))],
        ['nt.col.action', actions],
      ], rows));
    } catch (e) {
      showError(msg, e);
    }
  }

  await load();
  if (issuer) sec.append(draftForm(load));
  else webhooks(body);
}
