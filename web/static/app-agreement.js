// The agreement register (R15, docs/agreements.md) in the application page,
// for the ministry's admins and the issuer's auditors: the agreement, its term
// and days left, status, the signed PDF with its verification, addenda,
// contacts with their history, the contact-change form, and the holiday
// calendar of this year and the next (admins load a year's decree).
import './strings-agreement.js';
import { has, getLang } from './i18n.js';
import { api } from './api.js';
import { h, clear, say, dl } from './dom.js';
import { showError, table } from './ui.js';

const ST_CLASS = { in_force: 'badge-ok', extended: 'badge-info', ended: 'badge-bad' };
const IND_CLASS = { TOTAL_PASSED: 'badge-ok', TOTAL_FAILED: 'badge-bad', INDETERMINATE: 'badge-warn' };
const NS_CLASS = { initial: 'badge-info', pending: 'badge-warn', notified: 'badge-ok', overdue: 'badge-bad', received: 'badge-info' };

function label(prefix, v) {
  return has(prefix + v) ? h('span', { i18n: prefix + v }) : String(v);
}

function badge(cls, prefix, v, data) {
  return h('span', { class: 'badge ' + (cls[v] || 'badge-info'), dataset: data }, label(prefix, v));
}

function field(id, key, input) {
  return h('div', { class: 'field' }, h('label', { for: id, i18n: key }), input);
}

function pdfView(agr, pdf, href, idp) {
  const box = h('div', { id: idp });
  if (!pdf) {
    box.append(h('p', { class: 'note', i18n: 'agr.pdf.none' }));
    return box;
  }
  box.append(h('p', {},
    h('span', { class: 'badge ' + (IND_CLASS[pdf.indication] || 'badge-warn'), id: idp + '-indication', dataset: { indication: pdf.indication } },
      has('verify.ind.' + pdf.indication) ? h('span', { i18n: 'verify.ind.' + pdf.indication }) : String(pdf.indication)),
    pdf.subindication ? h('span', {}, ' ', h('code', { text: String(pdf.subindication) })) : null, ' ',
    h('a', { href, id: idp + '-link', i18n: 'agr.pdf.download' })));
  box.append(h('p', { class: 'note' }, 'SHA-256 ', h('code', { class: 'mono', text: pdf.sha256 })));
  const sigs = Array.isArray(pdf.signatures) ? pdf.signatures : [];
  if (sigs.length) {
    box.append(h('ul', {}, sigs.map((s) => h('li', {}, String(s.signer || ''), ' — ', h('code', { text: String(s.indication) }),
      s.signing_time ? ' · ' + s.signing_time : ''))));
  }
  if (pdf.document_id) {
    box.append(h('p', {}, h('span', { i18n: 'agr.pdf.registry', vars: { id: pdf.document_id } }), ' ',
      h('a', { href: '/v/' + encodeURIComponent(pdf.document_id), text: '/v/' + pdf.document_id })));
  }
  return box;
}

function contactView(c, key) {
  const box = h('div', { class: 'agr-contact', dataset: { party: key } }, h('h4', { i18n: 'agr.ct.' + key }));
  if (!c) {
    box.append(h('p', { class: 'note', text: '—' }));
    return box;
  }
  box.append(dl([['agr.ct.official', c.official], ['agr.ct.position', c.position], ['agr.ct.address', c.address],
    ['agr.ct.phone', c.phone], ['agr.ct.email', c.email], ['agr.ct.since', c.valid_from]]));
  return box;
}

function daysLeft(a) {
  return a.days_left >= 0 ? h('span', { i18n: 'agr.days_left', vars: { n: a.days_left } })
    : h('span', { i18n: 'agr.days_past', vars: { n: -a.days_left } });
}

export function mountAgreement(body, me) {
  const admin = me.role === 'admin';
  const sec = h('section', { class: 'card span-all', id: 'agreement', 'aria-labelledby': 'agr-h' },
    h('h2', { id: 'agr-h', i18n: 'agr.h' }), h('p', { class: 'note', i18n: 'agr.intro' }));
  const msg = h('div', { id: 'agr-msg', hidden: true });
  const pick = h('select', { id: 'agr-pick' });
  const pickField = field('agr-pick', 'agr.pick', pick);
  pickField.hidden = true;
  const view = h('div', { id: 'agr-view' });
  const hol = h('div', { id: 'agr-holidays' });
  sec.append(msg, pickField, view, h('h3', { i18n: 'agr.hol.h' }), h('p', { class: 'note', i18n: 'agr.hol.intro' }), hol);
  body.append(sec);

  let current = null;

  async function loadList() {
    say(msg, null);
    try {
      const rows = await api('GET', '/api/v1/agreements');
      clear(pick);
      if (!rows.length) {
        clear(view).append(h('p', { class: 'note', i18n: 'agr.none' }));
        return;
      }
      for (const a of rows) pick.append(h('option', { value: String(a.id), text: a.number_first + ' — ' + a.title }));
      const live = rows.find((a) => a.status !== 'ended') || rows[0];
      pick.value = String(current || live.id);
      pickField.hidden = rows.length < 2;
      await show(Number(pick.value));
    } catch (e) {
      showError(msg, e);
    }
  }

  async function show(id) {
    current = id;
    const a = await api('GET', '/api/v1/agreements/' + id);
    clear(view);
    view.dataset.agreement = String(a.id);
    view.append(h('h3', { id: 'agr-title', text: a.title, translate: 'no' })); // the agreement's own title: data
    view.append(dl([
      ['agr.f.numbers', a.number_first + ' / ' + a.number_second],
      ['agr.f.party_first', a.party_first],
      ['agr.f.party_second', a.party_second],
      ['agr.f.signed_on', a.signed_on],
      ['agr.f.term', h('span', { i18n: 'agr.term', vars: { months: a.term_months } })],
      ['agr.f.ends_on', h('strong', { id: 'agr-ends', text: a.ends_on })],
      ['agr.f.days_left', h('span', { id: 'agr-days' }, daysLeft(a))],
      ['agr.f.status', badge(ST_CLASS, 'agr.st.', a.status, { status: a.status })],
      ['agr.f.ended', a.ended_on ? a.ended_on + ' — ' + (a.end_reason || '') : undefined],
    ]));

    // The signed PDF and what our verifier said of it.
    view.append(h('h3', { i18n: 'agr.pdf.h' }), pdfView(a, a.pdf, '/api/v1/agreements/' + a.id + '/pdf', 'agr-pdf'));
    if (admin && a.status !== 'ended') {
      const file = h('input', { type: 'file', id: 'agr-pdf-file', accept: 'application/pdf,.pdf', required: true });
      const umsg = h('div', { hidden: true, id: 'agr-pdf-msg' });
      const form = h('form', { id: 'agr-pdf-form', class: 'stack' }, field('agr-pdf-file', 'agr.pdf.file', file),
        h('button', { type: 'submit', class: 'button', i18n: 'agr.pdf.upload' }), umsg);
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        if (!file.files.length) return;
        try {
          await api('POST', '/api/v1/agreements/' + a.id + '/pdf', { body: file.files[0], type: 'application/pdf' });
          await show(a.id);
          say(msg, 'ok', 'agr.pdf.done');
        } catch (e) {
          showError(umsg, e);
        }
      });
      view.append(h('details', {}, h('summary', { i18n: 'agr.pdf.upload' }), form));
    }

    // Addenda.
    view.append(h('h3', { i18n: 'agr.add.h' }), h('div', { id: 'agr-addenda' }, table([
      ['agr.add.col.number', (r) => r.number],
      ['agr.add.col.title', (r) => r.title],
      ['agr.add.col.signed', (r) => r.signed_on],
      ['agr.add.col.effective', (r) => r.effective_on],
      ['agr.add.col.extends', (r) => r.extends_to],
      ['agr.add.col.pdf', (r) => (r.pdf ? h('a', { href: '/api/v1/agreements/' + a.id + '/addenda/' + r.id + '/pdf', text: r.pdf.indication }) : null)],
    ], a.addenda)));

    // Contacts: the current ones, the history, and the change form.
    view.append(h('h3', { i18n: 'agr.ct.h' }),
      h('div', { class: 'grid agr-contacts', id: 'agr-contacts' }, contactView(a.contacts.first, 'first'), contactView(a.contacts.second, 'second')));
    view.append(h('h4', { i18n: 'agr.hist.h' }), h('div', { id: 'agr-history' }, table([
      ['agr.hist.party', (r) => label('agr.party.', r.party)],
      ['agr.ct.official', (r) => r.official],
      ['agr.ct.email', (r) => r.email],
      ['agr.hist.from', (r) => r.valid_from],
      ['agr.hist.to', (r) => r.valid_to],
      ['agr.hist.changed', (r) => r.changed_on],
      ['agr.hist.due', (r) => r.notice_due],
      ['agr.hist.notice', (r) => badge(NS_CLASS, 'agr.ns.', r.notice_status, { notice: r.notice_status })],
    ], a.contact_history.slice().reverse())));
    if (a.status !== 'ended') view.append(changeForm(a));
  }

  function changeForm(a) {
    const party = h('select', { id: 'agr-chg-party' },
      admin ? h('option', { value: 'first', i18n: 'agr.ct.first' }) : null, h('option', { value: 'second', i18n: 'agr.ct.second' }));
    const inputs = {
      changed_on: h('input', { type: 'date', id: 'agr-chg-changed_on', required: true }),
      official: h('input', { type: 'text', id: 'agr-chg-official', required: true, maxlength: '300' }),
      position: h('input', { type: 'text', id: 'agr-chg-position', maxlength: '300' }),
      address: h('input', { type: 'text', id: 'agr-chg-address', maxlength: '300' }),
      phone: h('input', { type: 'tel', id: 'agr-chg-phone', maxlength: '64' }),
      email: h('input', { type: 'email', id: 'agr-chg-email', maxlength: '254' }),
    };
    const cmsg = h('div', { hidden: true, id: 'agr-chg-msg' });
    const form = h('form', { id: 'agr-chg-form', class: 'stack' },
      h('h4', { i18n: 'agr.chg.h' }), h('p', { class: 'note', i18n: 'agr.chg.intro' }),
      field('agr-chg-party', 'agr.chg.party', party),
      field('agr-chg-changed_on', 'agr.chg.changed_on', inputs.changed_on),
      field('agr-chg-official', 'agr.ct.official', inputs.official),
      field('agr-chg-position', 'agr.ct.position', inputs.position),
      field('agr-chg-address', 'agr.ct.address', inputs.address),
      field('agr-chg-phone', 'agr.ct.phone', inputs.phone),
      field('agr-chg-email', 'agr.ct.email', inputs.email),
      h('button', { type: 'submit', class: 'button button-primary', id: 'agr-chg-submit', i18n: 'agr.chg.submit' }), cmsg);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const json = { party: party.value };
      for (const [k, el] of Object.entries(inputs)) if (el.value.trim() !== '') json[k] = el.value.trim();
      try {
        const r = await api('POST', '/api/v1/agreements/' + a.id + '/contacts', { json });
        const due = r.contacts[party.value] ? r.contacts[party.value].notice_due : '';
        await show(a.id);
        say(msg, 'ok', 'agr.chg.done', { due });
        msg.scrollIntoView({ block: 'nearest' });
      } catch (e) {
        showError(cmsg, e);
      }
    });
    return form;
  }

  // The server names the weekday in Indonesian; English from the date itself (follows the switch).
  const WEEKDAYS_EN = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
  function weekday(r) {
    const d = new Date(r.date + 'T00:00:00Z');
    const en = isNaN(d.getTime()) ? r.weekday : WEEKDAYS_EN[d.getUTCDay()];
    return h('span', { dataset: { textId: r.weekday, textEn: en }, text: getLang() === 'en' ? en : r.weekday });
  }

  async function loadYear(year, box) {
    clear(box);
    box.append(h('h4', { i18n: 'agr.hol.year', vars: { year } }));
    try {
      const c = await api('GET', '/api/v1/agreement/holidays/' + year);
      box.dataset.status = c.status;
      box.append(h('p', {}, h('span', { class: 'badge ' + (c.status === 'decreed' ? 'badge-ok' : 'badge-warn'), dataset: { status: c.status },
        i18n: 'agr.hol.' + c.status }), ' ', c.decree ? String(c.decree) : '', c.note ? ' ' : '', c.note ? h('span', { class: 'note', dataset: { textId: c.note, textEn: c.note_en || '' },
          text: getLang() === 'en' && c.note_en ? c.note_en : c.note }) : null));
      box.append(table([
        ['agr.hol.col.date', (r) => r.date],
        ['agr.hol.col.day', (r) => weekday(r)],
        ['agr.hol.col.kind', (r) => label('agr.hol.kind.', r.kind)],
        ['agr.hol.col.name', (r) => r.name],
      ], c.holidays));
    } catch (e) {
      const m = h('div', {});
      box.append(m);
      showError(m, e);
    }
  }

  function loadForm(years, boxes) {
    const year = h('select', { id: 'agr-hol-year' }, years.map((y) => h('option', { value: String(y), text: String(y) })));
    const text = h('textarea', { id: 'agr-hol-json', rows: '6', class: 'mono' });
    const file = h('input', { type: 'file', id: 'agr-hol-file', accept: 'application/json,.json' });
    const hmsg = h('div', { hidden: true, id: 'agr-hol-msg' });
    file.addEventListener('change', async () => {
      if (file.files.length) text.value = await file.files[0].text();
    });
    const form = h('form', { id: 'agr-hol-form', class: 'stack' }, field('agr-hol-year', 'agr.hol.load', year),
      field('agr-hol-json', 'agr.hol.json', text), field('agr-hol-file', 'agr.hol.file', file),
      h('button', { type: 'submit', class: 'button', i18n: 'agr.hol.submit' }), hmsg);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      let json;
      try {
        json = JSON.parse(text.value);
      } catch (e) {
        say(hmsg, 'error', 'agr.hol.bad_json');
        return;
      }
      try {
        await api('PUT', '/api/v1/agreement/holidays/' + year.value, { json });
        const i = years.indexOf(Number(year.value));
        await loadYear(years[i], boxes[i]);
        say(hmsg, 'ok', 'agr.hol.done', { year: year.value });
      } catch (e) {
        showError(hmsg, e);
      }
    });
    return h('details', {}, h('summary', { i18n: 'agr.hol.load' }), form);
  }

  pick.addEventListener('change', () => show(Number(pick.value)).catch((e) => showError(msg, e)));
  loadList();
  const y0 = new Date(Date.now() + 7 * 3600 * 1000).getUTCFullYear(); // the year in WIB
  const years = [y0, y0 + 1];
  const boxes = years.map((y) => h('div', { class: 'agr-year', id: 'agr-year-' + y }));
  hol.append(h('div', { class: 'grid' }, boxes));
  years.forEach((y, i) => loadYear(y, boxes[i]));
  if (admin) hol.append(loadForm(years, boxes));
}
