// Technical-support tickets (R12, docs/support.md) in the application page:
// the list and detail for staff, applications' tickets as the ministry's
// admins see them, and the issuer's auditors who assign, reply and resolve.
// The public verify page reuses the report and conversation views
// (verify-support.js).
import './strings-support.js';
import { has } from './i18n.js';
import { api } from './api.js';
import { h, $, clear, say, dl, fmtBytes } from './dom.js';
import { showError, table } from './ui.js';

const ST_CLASS = { open: 'badge-warn', answered: 'badge-info', resolved: 'badge-ok', closed: 'badge-info' };
const IND_CLASS = { TOTAL_PASSED: 'badge-ok', TOTAL_FAILED: 'badge-bad', INDETERMINATE: 'badge-warn' };

function label(prefix, v) {
  return has(prefix + v) ? h('span', { i18n: prefix + v }) : String(v);
}

export function ticketStatus(s) {
  return h('span', { class: 'badge ' + (ST_CLASS[s] || 'badge-info'), dataset: { status: s } }, label('tk.st.', s));
}

// The evidence attached when the ticket was opened: a verification report, an error entry, or a registry record.
export function reportView(rep) {
  const box = h('div', { class: 'tk-report', id: 'tk-report' }, h('h3', { i18n: 'tk.report.h' }));
  if (!rep) {
    box.append(h('p', { class: 'note', i18n: 'tk.report.none' }));
    return box;
  }
  if (rep.error) {
    box.append(h('p', { class: 'msg msg-warn', i18n: 'tk.report.error', vars: { message: String(rep.error.message || rep.error.code) } }));
  } else if (rep.indication) {
    const sigs = Array.isArray(rep.signatures) ? rep.signatures : [];
    box.append(h('p', {}, h('span', { class: 'badge ' + (IND_CLASS[rep.indication] || 'badge-warn'), id: 'tk-report-indication',
      dataset: { indication: rep.indication } }, has('verify.ind.' + rep.indication) ? h('span', { i18n: 'verify.ind.' + rep.indication }) : rep.indication),
    ' ', rep.file ? String(rep.file) : ''));
    if (sigs.length) {
      box.append(h('ul', {}, sigs.map((s, i) => h('li', {}, '#' + (i + 1) + ' ', String(s.signer || ''), ' — ', h('code', { text: String(s.indication) }),
        s.subindication ? h('span', {}, ' / ', h('code', { class: 'tk-subind', text: String(s.subindication) })) : null))));
    }
  }
  if (rep.registry && rep.registry.id) {
    box.append(h('p', {}, h('span', { i18n: 'tk.report.registry', vars: { id: rep.registry.id } }), ' ',
      h('a', { href: '/v/' + encodeURIComponent(rep.registry.id), text: '/v/' + rep.registry.id })));
  }
  box.append(h('details', {}, h('summary', { i18n: 'tk.report.detail' }), h('pre', { class: 'mono', text: JSON.stringify(rep, null, 2) })));
  return box;
}

export function messagesView(msgs) {
  return h('ol', { class: 'tk-messages', id: 'tk-messages' }, (msgs || []).map((m) => h('li', { class: 'tk-msg tk-msg-' + m.side, dataset: { side: m.side } },
    h('p', { class: 'note' }, h('strong', { text: String(m.author) }), ' · ', label('tk.side.', m.side), ' · ', h('span', { date: m.at })),
    h('p', { class: 'tk-body', text: String(m.body) }))));
}

function field(id, key, input) {
  return h('div', { class: 'field' }, h('label', { for: id, i18n: key }), input);
}

function categorySelect(id) {
  return h('select', { id, required: true }, ['authenticity', 'integrity', 'non_repudiation', 'other'].map((c) =>
    h('option', { value: c, i18n: 'tk.cat.' + c })));
}

export function mountSupport(body, me) {
  const issuer = me.role === 'auditor';
  const sec = h('section', { class: 'card span-all', id: 'tickets', 'aria-labelledby': 'tk-h' },
    h('h2', { id: 'tk-h', i18n: 'tk.h' }), h('p', { class: 'note', i18n: 'tk.intro' }));
  const filter = h('select', { id: 'tk-filter' }, h('option', { value: '', i18n: 'tk.filter.all' }),
    ['open', 'answered', 'resolved', 'closed'].map((s) => h('option', { value: s, i18n: 'tk.st.' + s })));
  const listMsg = h('div', { hidden: true });
  const list = h('div', { id: 'tk-list' });
  const detail = h('section', { class: 'card', id: 'tk-detail', tabindex: '-1', hidden: true, 'aria-labelledby': 'tk-detail-h' });
  sec.append(field('tk-filter', 'tk.filter', filter), listMsg, list);

  async function load() {
    say(listMsg, null);
    try {
      const q = filter.value ? '?status=' + encodeURIComponent(filter.value) : '';
      const rows = await api('GET', '/api/v1/tickets' + q);
      clear(list);
      if (!rows.length) {
        list.append(h('p', { class: 'note', i18n: 'tk.list.none' }));
        return;
      }
      list.append(table([
        ['tk.col.ref', (r) => h('button', { type: 'button', class: 'button button-small tk-open', dataset: { id: String(r.id), ref: r.ref },
          text: r.ref, on: { click: () => show(r.id) } })],
        ['tk.col.subject', (r) => String(r.subject)],
        ['tk.col.category', (r) => label('tk.cat.', r.category)],
        ['tk.col.channel', (r) => label('tk.ch.', r.channel)],
        ['tk.col.status', (r) => ticketStatus(r.status)],
        ['tk.col.created', (r) => h('span', { date: r.created_at })],
        ['tk.col.assignee', (r) => r.assignee || '—'],
      ], rows));
    } catch (e) {
      showError(listMsg, e);
    }
  }

  // A change; on success the caller re-renders the detail, which then says it is saved (a message set
  // before would vanish with the old detail, and a form filled in meanwhile with it).
  async function act(msg, method, path, json) {
    try {
      await api(method, path, { json: json || {} });
      await load();
      return true;
    } catch (e) {
      showError(msg, e);
      return false;
    }
  }

  async function show(id, flash) {
    let tk;
    try {
      tk = await api('GET', '/api/v1/tickets/' + id);
    } catch (e) {
      showError(listMsg, e);
      return;
    }
    clear(detail);
    const msg = h('div', { id: 'tk-detail-msg', hidden: true });
    detail.append(h('h2', { id: 'tk-detail-h', i18n: 'tk.detail.h', vars: { ref: tk.ref } }), h('p', {}, h('strong', { text: tk.subject })));
    const file = (tk.files || [])[0];
    detail.append(dl([
      ['tk.d.status', ticketStatus(tk.status)],
      ['tk.d.category', label('tk.cat.', tk.category)],
      ['tk.d.channel', label('tk.ch.', tk.channel)],
      ['tk.d.opened_by', tk.channel === 'public' ? undefined : tk.opened_by],
      ['tk.d.reporter', tk.reporter_name || undefined],
      ['tk.d.contact', tk.reporter_contact || undefined],
      ['tk.d.unit', tk.unit || undefined],
      ['tk.d.document', tk.document_id ? h('a', { href: '/v/' + encodeURIComponent(tk.document_id), text: tk.document_id }) : undefined],
      ['tk.d.assignee', tk.assignee || null],
      ['tk.d.created', h('span', { date: tk.created_at })],
      ['tk.d.first_answer', tk.first_answer_at ? h('span', { date: tk.first_answer_at }) : null],
      ['tk.d.resolved', tk.resolved_at ? h('span', { date: tk.resolved_at }) : null],
      ['tk.d.file', file ? h('a', { href: '/api/v1/tickets/' + tk.id + '/files/' + file.id, download: file.filename, id: 'tk-file',
        text: file.filename + ' (' + fmtBytes(file.size) + ')' }) : undefined],
    ]));
    detail.append(reportView(tk.verification_report));
    detail.append(h('h3', { i18n: 'tk.msgs.h' }), messagesView(tk.messages));
    if (tk.status !== 'closed') {
      const text = h('textarea', { id: 'tk-reply', rows: '3', maxlength: '16000', required: true });
      const form = h('form', { method: 'post', id: 'tk-reply-form' }, field('tk-reply', 'tk.reply', text),
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button button-primary', i18n: 'tk.reply.submit' })));
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        if (await act(msg, 'POST', '/api/v1/tickets/' + tk.id + '/messages', { body: text.value })) show(tk.id, 'tk.done');
      });
      detail.append(form);
      const buttons = h('div', { class: 'actions' });
      if (issuer) {
        buttons.append(h('button', { type: 'button', class: 'button', id: 'tk-assign', i18n: 'tk.assign.me',
          on: { click: async () => { if (await act(msg, 'POST', '/api/v1/tickets/' + tk.id + '/assign', {})) show(tk.id, 'tk.done'); } } }));
      }
      if (tk.status === 'resolved') {
        buttons.append(' ', h('button', { type: 'button', class: 'button', id: 'tk-close', i18n: 'tk.close',
          on: { click: async () => { if (await act(msg, 'POST', '/api/v1/tickets/' + tk.id + '/close', {})) show(tk.id, 'tk.done'); } } }));
      }
      detail.append(buttons);
      if (issuer && tk.status !== 'resolved') {
        const note = h('textarea', { id: 'tk-resolve-note', rows: '2', maxlength: '16000', required: true });
        const rf = h('form', { method: 'post', id: 'tk-resolve-form' }, field('tk-resolve-note', 'tk.resolve.note', note),
          h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button', i18n: 'tk.resolve' })));
        rf.addEventListener('submit', async (ev) => {
          ev.preventDefault();
          if (await act(msg, 'POST', '/api/v1/tickets/' + tk.id + '/resolve', { note: note.value })) show(tk.id, 'tk.done');
        });
        detail.append(rf);
      }
    }
    detail.append(msg);
    if (flash) say(msg, 'ok', flash);
    detail.hidden = false;
    detail.focus();
  }

  filter.addEventListener('change', load);
  body.append(sec, detail);

  // Ministry staff open tickets; the issuer answers them.
  if (!issuer) {
    const cat = categorySelect('tk-new-category');
    const subject = h('input', { id: 'tk-new-subject', type: 'text', maxlength: '300', required: true });
    const text = h('textarea', { id: 'tk-new-body', rows: '3', maxlength: '16000', required: true });
    const docid = h('input', { id: 'tk-new-docid', type: 'text', maxlength: '26', pattern: '[a-z2-7]{26}', autocomplete: 'off' });
    const file = h('input', { id: 'tk-new-file', type: 'file', accept: 'application/pdf,.pdf' });
    const msg = h('div', { id: 'tk-new-msg', hidden: true });
    const form = h('form', { method: 'post', id: 'tk-new' }, h('h3', { i18n: 'tk.new.h' }), field('tk-new-category', 'tk.f.category', cat),
      field('tk-new-subject', 'tk.f.subject', subject), field('tk-new-body', 'tk.f.body', text),
      field('tk-new-docid', 'tk.f.document_id', docid), field('tk-new-file', 'tk.f.file', file), msg,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button button-primary', i18n: 'tk.new.submit' })));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const fd = new FormData();
      fd.append('category', cat.value);
      fd.append('subject', subject.value);
      fd.append('body', text.value);
      if (docid.value) fd.append('document_id', docid.value);
      if (file.files[0]) fd.append('file', file.files[0], file.files[0].name);
      try {
        const tk = await api('POST', '/api/v1/tickets', { form: fd });
        say(msg, 'ok', 'tk.new.done', { ref: tk.ref });
        form.reset();
        await load();
      } catch (e) {
        showError(msg, e);
      }
    });
    sec.append(form);
  }
  load();
  return $('#tickets', body);
}
