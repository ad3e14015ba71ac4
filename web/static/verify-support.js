// The public verify page's part of the support tickets (R12, docs/support.md):
// "Laporkan masalah / Report a problem" after a verification (the file just
// verified is sent again with the report; the server verifies it and keeps
// its report), and the follow-up view by ticket number and token.
import './strings-support.js';
import { t } from './i18n.js';
import { api, ApiError, errorKey } from './api.js';
import { h, clear, say } from './dom.js';
import { ticketStatus, messagesView } from './app-support.js';

function field(id, key, input) {
  return h('div', { class: 'field' }, h('label', { for: id, i18n: key }), input);
}

function fail(msg, e) {
  if (errorKey(e)) say(msg, 'error', errorKey(e));
  else say(msg, 'error', 'err.generic', null, e && e.message);
}

// A card offering to report a problem with file; failed: the verification did not pass.
export function reportProblem(file, failed, onOpened) {
  const name = String(file.name || 'dokumen.pdf');
  const cat = h('select', { id: 'tp-category', required: true }, ['integrity', 'authenticity', 'non_repudiation', 'other'].map((c) =>
    h('option', { value: c, i18n: 'tk.cat.' + c })));
  const subject = h('input', { id: 'tp-subject', type: 'text', maxlength: '300', required: true,
    value: t(failed ? 'tk.pub.subject' : 'tk.pub.subject.ok', { file: name }).slice(0, 300) });
  const body = h('textarea', { id: 'tp-body', rows: '3', maxlength: '16000', required: true });
  const who = h('input', { id: 'tp-name', type: 'text', maxlength: '200', autocomplete: 'name', required: true });
  const contact = h('input', { id: 'tp-contact', type: 'text', maxlength: '254', autocomplete: 'email', required: true });
  const msg = h('div', { id: 'tp-msg', hidden: true });
  const done = h('div', { id: 'tp-done', 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'button' + (failed ? ' button-primary' : ''), id: 'tp-submit', i18n: 'tk.pub.submit' });
  const form = h('form', { method: 'post', id: 'tp-form' }, field('tp-category', 'tk.f.category', cat), field('tp-subject', 'tk.f.subject', subject),
    field('tp-body', 'tk.f.body', body), h('div', { class: 'row' }, field('tp-name', 'tk.f.name', who), field('tp-contact', 'tk.f.contact', contact)),
    msg, h('div', { class: 'actions' }, btn));
  const card = h('section', { class: 'card', id: 'report-problem', 'aria-labelledby': 'tp-h' }, h('h3', { id: 'tp-h', i18n: 'tk.pub.h' }),
    h('p', { class: 'note', i18n: failed ? 'tk.pub.intro' : 'tk.pub.intro.ok' }), form, done);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    btn.disabled = true;
    say(msg, 'info', 'tk.pub.busy');
    try {
      const fd = new FormData();
      fd.append('category', cat.value);
      fd.append('subject', subject.value);
      fd.append('body', body.value);
      fd.append('name', who.value);
      fd.append('contact', contact.value);
      fd.append('file', file, name);
      const tk = await api('POST', '/api/v1/public/tickets', { form: fd });
      say(msg, null);
      form.hidden = true;
      clear(done).append(h('p', { class: 'msg msg-ok', role: 'status' }, h('span', { i18n: 'tk.pub.done', vars: { ref: tk.ref } })),
        h('p', {}, h('span', { i18n: 'tk.pub.token' }), ' ', h('code', { id: 'tp-token', text: tk.token })),
        h('p', { class: 'note', i18n: 'tk.pub.token.note' }),
        h('p', {}, h('span', { i18n: 'tk.fu.ref' }), ': ', h('strong', { id: 'tp-ref', text: tk.ref })));
      if (onOpened) onOpened(tk.ref, tk.token);
    } catch (e) {
      fail(msg, e);
    } finally {
      btn.disabled = false;
    }
  });
  return card;
}

// The follow-up section: ticket number + token, then the ticket's status, messages and a reply form.
export function followUp() {
  const ref = h('input', { id: 'fu-ref', type: 'text', maxlength: '15', pattern: 'TKT-[0-9]{4}-[0-9A-Z]{6}', autocapitalize: 'characters',
    spellcheck: 'false', autocomplete: 'off', required: true });
  const token = h('input', { id: 'fu-token', type: 'password', maxlength: '64', pattern: '[0-9a-f]{64}', autocomplete: 'off', required: true });
  const msg = h('div', { id: 'fu-msg', hidden: true });
  const view = h('div', { id: 'fu-view', 'aria-live': 'polite' });
  const form = h('form', { method: 'post', id: 'fu-form' }, h('div', { class: 'row' }, field('fu-ref', 'tk.fu.ref', ref), field('fu-token', 'tk.fu.token', token)),
    msg, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button', i18n: 'tk.fu.submit' })));
  const sec = h('section', { class: 'card', id: 'ticket-follow-up', 'aria-labelledby': 'fu-h' }, h('h2', { id: 'fu-h', i18n: 'tk.fu.h' }),
    h('p', { class: 'note', i18n: 'tk.fu.intro' }), form, view);

  async function show() {
    say(msg, null);
    clear(view);
    let tk;
    try {
      tk = await api('GET', '/api/v1/public/tickets/' + encodeURIComponent(ref.value.trim()), { headers: { 'X-Ticket-Token': token.value.trim() } });
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) say(msg, 'error', 'tk.fu.notfound');
      else fail(msg, e);
      return;
    }
    view.append(h('h3', {}, h('span', { text: tk.ref + ' — ' + tk.subject }), ' ', ticketStatus(tk.status)), messagesView(tk.messages));
    if (tk.status !== 'closed') {
      const text = h('textarea', { id: 'fu-reply', rows: '3', maxlength: '16000', required: true });
      const rmsg = h('div', { hidden: true });
      const rf = h('form', { method: 'post', id: 'fu-reply-form' }, field('fu-reply', 'tk.reply', text), rmsg,
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button button-primary', i18n: 'tk.reply.submit' })));
      rf.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        try {
          await api('POST', '/api/v1/public/tickets/' + encodeURIComponent(tk.ref) + '/messages', { json: { token: token.value.trim(), body: text.value } });
          await show();
        } catch (e) {
          fail(rmsg, e);
        }
      });
      view.append(rf);
    }
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    show();
  });
  return {
    section: sec,
    fill(r, tok) { ref.value = r; token.value = tok; },
  };
}
