// Signed correspondence under the agreement (R15, docs/agreements.md
// "Correspondence") in the application page: the ministry's admins draft
// from a template with a live deadline hint, preview, send and register
// incoming letters; the official named as signatory signs with their
// passphrase; the issuer's auditors read what was sent to them and
// acknowledge it. The service decides; the page only shows what it may.
import './strings-letter.js';
import { has } from './i18n.js';
import { api } from './api.js';
import { h, clear, say } from './dom.js';
import { showError, busy, table } from './ui.js';

const KINDS = ['contact_change', 'termination', 'amendment_proposal', 'amendment_answer', 'force_majeure_written', 'general'];
const ST_CLASS = { draft: 'badge-warn', signed: 'badge-info', sent: 'badge-info', acknowledged: 'badge-ok', answered: 'badge-ok', received: 'badge-info' };

function label(prefix, v) {
  return has(prefix + v) ? h('span', { i18n: prefix + v }) : String(v);
}

function field(id, key, input) {
  return h('div', { class: 'field' }, h('label', { for: id, i18n: key }), input);
}

function today() {
  // The agreement's dates are WIB calendar days.
  return new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
}

async function openPdf(path, slot, name) {
  try {
    const r = await api('GET', path, { as: 'blob', accept: 'application/pdf' });
    const url = URL.createObjectURL(r.blob);
    clear(slot).append(h('a', { href: url, download: name, class: 'button button-small lt-pdf-link', i18n: 'lt.pdf' }));
    slot.hidden = false;
  } catch (e) {
    showError(slot, e);
  }
}

export function mountLetters(body, me) {
  const admin = me.role === 'admin';
  const signer = me.role === 'subscriber';
  const issuer = me.role === 'auditor';
  const sec = h('section', { class: 'card span-all', id: 'letters', 'aria-labelledby': 'lt-h' },
    h('h2', { id: 'lt-h', i18n: 'lt.h' }),
    h('p', { class: 'note', i18n: signer ? 'lt.intro.subscriber' : issuer ? 'lt.intro.auditor' : 'lt.intro' }));
  const msg = h('div', { id: 'lt-msg', hidden: true });
  const list = h('div', { id: 'lt-list' });

  async function load() {
    try {
      const q = signer ? '?mine=1' : '';
      const r = await api('GET', '/api/v1/letters' + q);
      clear(list);
      list.append(h('h3', { i18n: 'lt.list.h' }));
      if (!r.letters.length) {
        list.append(h('p', { class: 'note', i18n: 'lt.list.none' }));
        return;
      }
      list.append(table([
        ['lt.col.number', (l) => h('span', { class: 'lt-number', text: l.number })],
        ['lt.col.kind', (l) => label('lt.k.', l.kind)],
        ['lt.col.subject', (l) => String(l.subject)],
        ['lt.col.date', (l) => String(l.letter_date)],
        ['lt.col.deadline', (l) => l.deadline ? h('span', {}, String(l.deadline), l.late ? h('span', { class: 'badge badge-warn', i18n: 'lt.late' }) : null) : ''],
        ['lt.col.status', (l) => h('span', { class: 'badge ' + (ST_CLASS[l.status] || 'badge-info'), dataset: { status: l.status } }, label('lt.st.', l.status))],
        ['lt.col.actions', (l) => actions(l)],
      ], r.letters));
    } catch (e) {
      showError(msg, e);
    }
  }

  function actions(l) {
    const box = h('div', { class: 'lt-actions', dataset: { id: String(l.id) } });
    const out = h('span', { class: 'lt-out', hidden: true });
    if ((admin || signer) && l.status === 'draft') {
      box.append(h('button', { type: 'button', class: 'button button-small lt-preview', i18n: 'lt.preview',
        on: { click: () => openPdf('/api/v1/letters/' + l.id + '/preview.pdf', out, 'pratinjau-surat-' + l.id + '.pdf') } }));
    }
    if (l.status !== 'draft' && l.direction !== undefined) {
      box.append(h('button', { type: 'button', class: 'button button-small lt-download', i18n: 'lt.pdf',
        on: { click: () => openPdf('/api/v1/letters/' + l.id + '/pdf', out, 'surat-' + l.id + '.pdf') } }));
    }
    if (signer && l.status === 'draft') {
      const pp = h('input', { type: 'password', id: 'lt-pp-' + l.id, class: 'lt-passphrase', autocomplete: 'off', required: true });
      const form = h('form', { class: 'lt-sign-form' }, field('lt-pp-' + l.id, 'lt.f.passphrase', pp),
        h('button', { type: 'submit', class: 'button button-primary', i18n: 'lt.sign' }));
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        await busy(form, null, async () => {
          try {
            const r = await api('POST', '/api/v1/letters/' + l.id + '/sign', { json: { passphrase: pp.value } });
            pp.value = '';
            say(msg, 'ok', 'lt.signed', { number: r.number });
            await load();
          } catch (e) {
            pp.value = '';
            showError(msg, e);
          }
        });
      });
      box.append(form);
    }
    if (admin && l.status === 'signed') {
      box.append(h('button', { type: 'button', class: 'button button-primary button-small lt-send', i18n: 'lt.send', on: { click: async (ev) => {
        ev.target.disabled = true;
        try {
          const r = await api('POST', '/api/v1/letters/' + l.id + '/send');
          say(msg, 'ok', 'lt.sent', { number: r.number, to: r.recipient });
          await load();
        } catch (e) {
          showError(msg, e);
          ev.target.disabled = false;
        }
      } } }));
    }
    if (issuer && l.status === 'sent' && l.direction === 'outgoing') {
      box.append(h('button', { type: 'button', class: 'button button-primary button-small lt-ack', i18n: 'lt.ack', on: { click: async (ev) => {
        ev.target.disabled = true;
        try {
          const r = await api('POST', '/api/v1/letters/' + l.id + '/ack');
          say(msg, 'ok', 'lt.acked', { number: r.number });
          await load();
        } catch (e) {
          showError(msg, e);
          ev.target.disabled = false;
        }
      } } }));
    }
    box.append(out);
    return box;
  }

  if (admin) sec.append(draftForm(msg, load), incomingForm(msg, load));
  sec.append(msg, list);
  body.append(sec);
  load();
}

function draftForm(msg, reload) {
  const kind = h('select', { id: 'lt-kind' }, KINDS.map((k) => h('option', { value: k, i18n: 'lt.k.' + k })));
  const event = h('input', { type: 'date', id: 'lt-event' });
  const signatory = h('input', { type: 'text', id: 'lt-signatory', autocomplete: 'off', required: true });
  // The register's changes of our own contact still waiting for their letter (pending or overdue).
  const contact = h('select', { id: 'lt-contact' }, h('option', { value: '', i18n: 'lt.f.contact.none' }));
  const subject = h('input', { type: 'text', id: 'lt-subject', maxlength: '500' });
  const sifat = h('input', { type: 'text', id: 'lt-sifat', maxlength: '40', value: 'Biasa' });
  const summary = h('textarea', { id: 'lt-summary', rows: '3', maxlength: '4000' });
  const text = h('textarea', { id: 'lt-body', rows: '3', maxlength: '8000' });
  const hint = h('p', { id: 'lt-hint', class: 'note', 'aria-live': 'polite' });
  const formMsg = h('div', { id: 'lt-new-msg', hidden: true });
  const form = h('form', { id: 'lt-new', class: 'lt-form' }, h('h3', { i18n: 'lt.new.h' }),
    field('lt-kind', 'lt.f.kind', kind), field('lt-event', 'lt.f.event', event), hint, field('lt-signatory', 'lt.f.signatory', signatory),
    field('lt-contact', 'lt.f.contact', contact), field('lt-subject', 'lt.f.subject', subject), field('lt-sifat', 'lt.f.sifat', sifat),
    field('lt-summary', 'lt.f.summary', summary), field('lt-body', 'lt.f.body', text),
    h('button', { type: 'submit', class: 'button button-primary', i18n: 'lt.create' }), formMsg);

  async function loadContacts() {
    try {
      const list = await api('GET', '/api/v1/agreements');
      const cur = (Array.isArray(list) ? list : []).find((a) => a.status !== 'ended');
      if (!cur) return;
      const a = await api('GET', '/api/v1/agreements/' + cur.id);
      for (const r of a.contact_history || []) {
        if (r.party !== 'first' || !r.changed_on || r.letter_id) continue;
        contact.append(h('option', { value: String(r.id) }, r.official + ' \u2014 ' + r.changed_on + (r.notice_due ? ' (\u2264 ' + r.notice_due + ')' : '')));
        if (!contact.value) {
          contact.value = String(r.id);
          if (!event.value) event.value = r.changed_on;
        }
      }
    } catch (e) {
      showError(formMsg, e);
    }
  }

  let seq = 0;
  async function updateHint() {
    const n = ++seq;
    const q = '?kind=' + encodeURIComponent(kind.value) + '&letter_date=' + today() + (event.value ? '&event_date=' + event.value : '');
    try {
      const r = await api('GET', '/api/v1/letters/deadline' + q);
      if (n !== seq) return;
      clear(hint);
      if (!r.deadline) hint.append(h('span', { i18n: 'lt.hint.none' }));
      else if (!r.ok) hint.append(h('span', { class: 'lt-hint-refused', i18n: 'lt.hint.refused', vars: { deadline: r.deadline, earliest: r.earliest_event_date } }));
      else if (r.late) hint.append(h('span', { class: 'lt-hint-late', i18n: 'lt.hint.late', vars: { deadline: r.deadline } }));
      else hint.append(h('span', { class: 'lt-hint-ok', i18n: 'lt.hint.ok', vars: { deadline: r.deadline } }));
    } catch (e) {
      if (n === seq) showError(hint, e);
    }
  }
  function shape() {
    contact.closest('.field').hidden = kind.value !== 'contact_change';
    summary.closest('.field').hidden = kind.value !== 'amendment_proposal';
  }
  kind.addEventListener('change', () => { shape(); updateHint(); });
  event.addEventListener('change', updateHint);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const fields = { sifat: sifat.value || 'Biasa' };
    if (kind.value === 'contact_change' && contact.value) fields.contact_id = Number(contact.value);
    if (kind.value === 'amendment_proposal' && summary.value) fields.summary = summary.value;
    if (text.value) fields.body = text.value;
    const j = { kind: kind.value, signatory: signatory.value.trim(), fields };
    if (event.value) j.event_date = event.value;
    if (subject.value.trim()) j.subject = subject.value.trim();
    await busy(form, null, async () => {
      try {
        const r = await api('POST', '/api/v1/letters', { json: j });
        say(formMsg, 'ok', 'lt.created', { number: r.number });
        await reload();
      } catch (e) {
        showError(formMsg, e);
      }
    });
  });
  setTimeout(async () => { shape(); await loadContacts(); updateHint(); }, 0);
  return form;
}

// Incoming letters are occasional: the form stays folded until needed.
function incomingForm(msg, reload) {
  const kind = h('select', { id: 'lt-in-kind' }, KINDS.map((k) => h('option', { value: k, i18n: 'lt.k.' + k })));
  const number = h('input', { type: 'text', id: 'lt-in-number', required: true, maxlength: '120' });
  const subject = h('input', { type: 'text', id: 'lt-in-subject', required: true, maxlength: '500' });
  const ld = h('input', { type: 'date', id: 'lt-in-date', required: true });
  const ro = h('input', { type: 'date', id: 'lt-in-received', required: true });
  const ev = h('input', { type: 'date', id: 'lt-in-event' });
  const file = h('input', { type: 'file', id: 'lt-in-file', accept: 'application/pdf', required: true });
  const formMsg = h('div', { id: 'lt-in-msg', hidden: true });
  const form = h('form', { id: 'lt-in', class: 'lt-form' }, field('lt-in-kind', 'lt.f.kind', kind),
    field('lt-in-number', 'lt.f.number', number), field('lt-in-subject', 'lt.f.subject', subject), field('lt-in-date', 'lt.f.letter_date', ld),
    field('lt-in-received', 'lt.f.received_on', ro), field('lt-in-event', 'lt.f.event', ev), field('lt-in-file', 'lt.f.file', file),
    h('button', { type: 'submit', class: 'button', i18n: 'lt.in.save' }), formMsg);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const meta = { kind: kind.value, number: number.value.trim(), subject: subject.value.trim(), letter_date: ld.value, received_on: ro.value };
    if (ev.value) meta.event_date = ev.value;
    const fd = new FormData();
    fd.append('meta', JSON.stringify(meta));
    if (file.files[0]) fd.append('file', file.files[0], 'surat.pdf');
    await busy(form, null, async () => {
      try {
        const r = await api('POST', '/api/v1/letters/incoming', { form: fd });
        say(formMsg, 'ok', 'lt.in.saved', { number: r.number, indication: r.fields.verification.indication });
        await reload();
      } catch (err) {
        showError(formMsg, err);
      }
    });
  });
  return h('details', { id: 'lt-in-wrap' }, h('summary', { i18n: 'lt.in.h' }), form);
}
