// Implementation review (Tinjauan Implementasi, R11) for admins (ministry) and
// auditors (issuer): the automatic indicators with their evidence, the reviews,
// the ministry's self-assessment with evidence uploads, the reviewer's scores,
// closing, the report download and the reviewer's signed report upload.
// The service decides who may do what; the page only shows each side its steps.
import './strings-review.js';
import { api } from './api.js';
import { apply, getLang } from './i18n.js';
import { h, $, $$, clear, say, blobLink } from './dom.js';
import { showError, table, busy } from './ui.js';

function tr(o) {
  return o ? (o[getLang()] || o.id) : '';
}

function pct(x100) {
  if (x100 === null || x100 === undefined) return '—';
  return (x100 / 100).toFixed(2);
}

function statusBadge(st) {
  const cls = { pass: 'badge-ok', fail: 'badge-bad', manual: 'badge-info' }[st] || 'badge-info';
  return h('span', { class: 'badge rv-status rv-status-' + st + ' ' + cls, i18n: 'rv.st.' + st });
}

function stateBadge(st) {
  const cls = { open: 'badge-info', submitted: 'badge-warn', verified: 'badge-warn', closed: 'badge-ok' }[st] || 'badge-info';
  return h('span', { class: 'badge ' + cls, i18n: 'rv.state.' + st });
}

function evidence(ev) {
  if (ev === null || ev === undefined) return null;
  return h('details', { class: 'rv-evidence' }, h('summary', { i18n: 'rv.evidence.show' }),
    h('pre', { class: 'rv-evidence-json', text: JSON.stringify(ev, null, 1) }));
}

function levelSelect(cls, ind, value) {
  const sel = h('select', { class: cls, dataset: { ind: ind.id }, 'aria-label': tr(ind.title) },
    h('option', { value: '', i18n: 'rv.level.none' }),
    ...ind.scale.levels.map((l) => h('option', { value: String(l.level), text: `${l.level} — ${tr(l)}` })));
  sel.value = value === null || value === undefined ? '' : String(value);
  return sel;
}

async function loadIndicators(root) {
  const slot = $('#rv-indicators', root);
  try {
    const rows = (await api('GET', '/api/v1/review/indicators')).filter((r) => r.status !== 'manual');
    clear(slot).append(table([
      ['rv.col.indicator', (r) => h('code', { text: r.id })],
      ['rv.col.status', (r) => statusBadge(r.status)],
      ['rv.col.evidence', (r) => evidence(r.evidence)],
    ], rows));
    apply(slot);
  } catch (e) {
    clear(slot).append(h('div'));
    showError(slot.firstChild, e);
  }
}

async function loadList(root, me) {
  const slot = $('#rv-list', root);
  try {
    const rows = await api('GET', '/api/v1/reviews');
    clear(slot);
    if (rows.length === 0) {
      slot.append(h('p', { class: 'note', i18n: 'rv.none' }));
      return;
    }
    slot.append(table([
      ['rv.col.title', (r) => r.title],
      ['rv.col.period', (r) => `${r.period_from} – ${r.period_to}`],
      ['rv.col.state', (r) => stateBadge(r.state)],
      ['rv.col.score', (r) => pct(r.score_x100)],
      ['rv.col.open', (r) => h('button', { type: 'button', class: 'button button-small rv-open', i18n: 'rv.open', dataset: { id: String(r.id) },
        on: { click: () => openDetail(root, me, r.id) } })],
    ], rows));
    apply(slot);
  } catch (e) {
    clear(slot).append(h('div'));
    showError(slot.firstChild, e);
  }
}

// One row per indicator; the controls depend on the step and on who looks.
function indicatorRows(root, me, rv) {
  const ministryEdits = me.role === 'admin' && rv.state === 'open';
  const reviewerEdits = me.role === 'auditor' && rv.state === 'submitted';
  const aspects = Object.fromEntries(rv.instrument.aspects.map((a) => [a.id, a]));
  return table([
    ['rv.col.indicator', (i) => h('div', { class: 'rv-ind' }, h('strong', { text: tr(i.title) }), ' ', h('code', { text: i.id }),
      h('div', { class: 'note', text: `${tr(aspects[i.aspect].title)} · PKS ${i.article} · ${i.requirements.join(', ')}` }))],
    ['rv.col.self', (i) => {
      if (i.evaluation === 'auto') {
        return h('div', {}, statusBadge(i.auto ? i.auto.status : 'manual'), ' ',
          h('span', { class: 'note', i18n: i.auto && i.auto.frozen ? 'rv.auto.frozen' : 'rv.auto.live' }), evidence(i.auto && i.auto.evidence));
      }
      if (ministryEdits) {
        return h('div', { class: 'rv-self-edit' }, levelSelect('rv-self', i, i.self_level),
          h('input', { type: 'text', class: 'rv-self-note', dataset: { ind: i.id }, maxlength: 16000, value: i.self_note || '',
            i18nAttr: 'placeholder:rv.note,aria-label:rv.note' }));
      }
      return h('div', {}, h('span', { text: i.self_level === null ? '—' : String(i.self_level) }), i.self_note ? h('div', { class: 'note', text: i.self_note }) : null);
    }],
    ['rv.col.files', (i) => {
      const links = i.files.map((f) => h('button', { type: 'button', class: 'button button-small rv-file', text: f.filename, on: { click: async (e) => {
        try {
          const r = await api('GET', `/api/v1/reviews/${rv.id}/files/${f.id}`, { as: 'blob', accept: f.mime });
          e.currentTarget.replaceWith(blobLink(r.blob, f.filename, 'rv.evidence.show'));
        } catch (err) {
          showError($('#rv-detail-msg', root), err);
        }
      } } }));
      if (!ministryEdits) return h('div', {}, ...links);
      const input = h('input', { type: 'file', class: 'rv-file-input', dataset: { ind: i.id }, accept: 'application/pdf,image/png,image/jpeg,text/plain',
        i18nAttr: 'aria-label:rv.file.choose' });
      const btn = h('button', { type: 'button', class: 'button button-small rv-file-add', dataset: { ind: i.id }, i18n: 'rv.file.add', on: { click: async () => {
        const file = input.files[0];
        if (!file) return;
        const fd = new FormData();
        fd.append('indicator', i.id);
        fd.append('file', file, file.name);
        btn.disabled = true;
        try {
          renderDetail(root, me, await api('POST', `/api/v1/reviews/${rv.id}/files`, { form: fd }));
          say($('#rv-detail-msg', root), 'ok', 'rv.file.done', { name: file.name });
        } catch (err) {
          showError($('#rv-detail-msg', root), err);
        } finally {
          btn.disabled = false;
        }
      } } });
      return h('div', {}, ...links, h('div', { class: 'rv-upload' }, input, btn));
    }],
    ['rv.col.level', (i) => {
      if (reviewerEdits) {
        return h('div', { class: 'rv-score-edit' }, levelSelect('rv-level', i, i.level),
          h('input', { type: 'text', class: 'rv-level-note', dataset: { ind: i.id }, maxlength: 16000, value: i.reviewer_note || '',
            i18nAttr: 'placeholder:rv.note,aria-label:rv.note' }));
      }
      return h('div', {}, h('span', { text: i.level === null ? '—' : String(i.level) }), i.reviewer_note ? h('div', { class: 'note', text: i.reviewer_note }) : null);
    }],
  ], rv.indicators);
}

function actionButton(id, key, fn) {
  return h('button', { type: 'button', class: 'button button-primary', id, i18n: key, on: { click: async (e) => {
    const b = e.currentTarget;
    b.disabled = true;
    try {
      await fn();
    } finally {
      b.disabled = false;
    }
  } } });
}

function renderDetail(root, me, rv) {
  const sec = $('#rv-detail', root);
  sec.hidden = false;
  sec.dataset.id = String(rv.id);
  sec.dataset.state = rv.state;
  clear($('#rv-detail-h', root)).append(h('span', { text: rv.title }), ' ', stateBadge(rv.state));
  const body = clear($('#rv-detail-body', root));
  body.append(h('p', { class: 'note' }, `${rv.period_from} – ${rv.period_to} · `,
    h('span', { i18n: 'rv.detail.instrument', vars: { version: rv.instrument.version, sha: rv.instrument.sha256.slice(0, 16) } })));
  if (rv.result) {
    const mat = rv.instrument.maturity.find((m) => m.level === rv.maturity);
    body.append(h('p', { class: 'msg msg-info', id: 'rv-result', i18n: 'rv.result',
      vars: { score: pct(rv.score_x100), maturity: rv.maturity, name: mat ? tr(mat.name) : '' } }),
    h('h3', { i18n: 'rv.aspects.h' }),
    table([
      ['rv.col.aspect', (a) => tr(a.title)],
      ['rv.col.score', (a) => pct(a.score_x100)],
    ], rv.result.aspects));
  }
  body.append(indicatorRows(root, me, rv));
  const acts = h('div', { class: 'actions rv-actions' });
  if (me.role === 'admin' && rv.state === 'open') {
    acts.append(actionButton('rv-answers-save', 'rv.answers.save', async () => {
      const answers = $$('select.rv-self', sec).filter((s) => s.value !== '').map((s) => {
        const note = $(`input.rv-self-note[data-ind="${s.dataset.ind}"]`, sec).value.trim();
        return note ? { indicator: s.dataset.ind, level: Number(s.value), note } : { indicator: s.dataset.ind, level: Number(s.value) };
      });
      try {
        renderDetail(root, me, await api('POST', `/api/v1/reviews/${rv.id}/answers`, { json: { answers } }));
        say($('#rv-detail-msg', root), 'ok', 'rv.answers.done');
      } catch (err) {
        showError($('#rv-detail-msg', root), err);
      }
    }), actionButton('rv-submit', 'rv.submit', async () => {
      try {
        renderDetail(root, me, await api('POST', `/api/v1/reviews/${rv.id}/submit`));
        say($('#rv-detail-msg', root), 'ok', 'rv.submit.done');
        loadList(root, me);
      } catch (err) {
        showError($('#rv-detail-msg', root), err);
      }
    }));
  }
  if (me.role === 'auditor' && rv.state === 'submitted') {
    const findings = h('textarea', { id: 'rv-findings', rows: 4, maxlength: 16000 }, rv.findings || '');
    body.append(h('div', { class: 'field' }, h('label', { for: 'rv-findings', i18n: 'rv.findings' }), findings));
    acts.append(actionButton('rv-scores-save', 'rv.scores.save', async () => {
      const scores = $$('select.rv-level', sec).filter((s) => s.value !== '').map((s) => {
        const note = $(`input.rv-level-note[data-ind="${s.dataset.ind}"]`, sec).value.trim();
        return note ? { indicator: s.dataset.ind, level: Number(s.value), note } : { indicator: s.dataset.ind, level: Number(s.value) };
      });
      try {
        renderDetail(root, me, await api('POST', `/api/v1/reviews/${rv.id}/scores`, { json: { scores, findings: findings.value.trim() } }));
        say($('#rv-detail-msg', root), 'ok', 'rv.scores.done');
      } catch (err) {
        showError($('#rv-detail-msg', root), err);
      }
    }), actionButton('rv-close', 'rv.close', async () => {
      try {
        const r = await api('POST', `/api/v1/reviews/${rv.id}/close`);
        renderDetail(root, me, r);
        say($('#rv-detail-msg', root), 'ok', 'rv.close.done', { score: pct(r.score_x100), maturity: r.maturity });
        loadList(root, me);
      } catch (err) {
        showError($('#rv-detail-msg', root), err);
      }
    }));
  } else if (rv.findings) {
    body.append(h('h3', { i18n: 'rv.findings' }), h('p', { text: rv.findings }));
  }
  if (rv.state === 'closed') {
    const slot = h('span', { class: 'rv-dl' });
    acts.append(h('button', { type: 'button', class: 'button', id: 'rv-download', i18n: 'rv.report.download', on: { click: async () => {
      try {
        const r = await api('GET', `/api/v1/reviews/${rv.id}/report.pdf`, { as: 'blob', accept: 'application/pdf' });
        clear(slot).append(blobLink(r.blob, `tinjauan-implementasi-${rv.id}.pdf`, 'rv.report.save'));
        apply(slot);
      } catch (err) {
        showError($('#rv-detail-msg', root), err);
      }
    } } }), slot);
    body.append(h('p', { id: 'rv-signed', i18n: rv.signed_sha256 ? 'rv.report.signed' : 'rv.report.unsigned', vars: { dn: rv.signer_dn || '' } }));
  }
  body.append(h('h3', { i18n: 'rv.recs.h' }), rv.recommendations.length === 0 ? h('p', { class: 'note', i18n: 'rv.recs.none' })
    : table([['rv.col.title', (r) => r.title], ['rv.col.state', (r) => r.status]], rv.recommendations));
  body.append(acts);
  $('#rv-signed-form', root).hidden = !(me.role === 'auditor' && rv.state === 'closed' && !rv.signed_sha256);
  apply(sec);
}

async function openDetail(root, me, id) {
  say($('#rv-detail-msg', root), null);
  try {
    renderDetail(root, me, await api('GET', `/api/v1/reviews/${id}`));
    $('#rv-detail', root).focus();
  } catch (e) {
    showError($('#rv-msg', root), e);
  }
}

export function mountReview(body, me) {
  const today = new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10);
  const root = h('div', { class: 'review-wrap span-all', id: 'review-wrap' },
    h('section', { class: 'card', id: 'review', 'aria-labelledby': 'rv-h' },
      h('h2', { id: 'rv-h', i18n: 'rv.h' }),
      h('p', { class: 'note', i18n: 'rv.intro' }),
      h('div', { id: 'rv-msg', hidden: true }),
      h('h3', { i18n: 'rv.ind.h' }), h('div', { id: 'rv-indicators' }),
      h('h3', { i18n: 'rv.list.h' }), h('div', { id: 'rv-list' }),
      me.role === 'auditor' ? h('form', { method: 'post', id: 'rv-new' },
        h('h3', { i18n: 'rv.new.h' }),
        h('div', { class: 'field' }, h('label', { for: 'rv-title', i18n: 'rv.f.title' }), h('input', { id: 'rv-title', type: 'text', maxlength: 300, required: true })),
        h('div', { class: 'row' },
          h('div', { class: 'field' }, h('label', { for: 'rv-from', i18n: 'rv.f.from' }), h('input', { id: 'rv-from', type: 'date', required: true, value: today.slice(0, 4) + '-01-01' })),
          h('div', { class: 'field' }, h('label', { for: 'rv-to', i18n: 'rv.f.to' }), h('input', { id: 'rv-to', type: 'date', required: true, value: today.slice(0, 4) + '-12-31' }))),
        h('div', { id: 'rv-new-msg', hidden: true }),
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button button-primary', i18n: 'rv.new.submit' }))) : null),
    h('section', { class: 'card', id: 'rv-detail', 'aria-labelledby': 'rv-detail-h', tabindex: '-1', hidden: true },
      h('h2', { id: 'rv-detail-h' }),
      h('div', { id: 'rv-detail-msg', hidden: true }),
      h('div', { id: 'rv-detail-body' }),
      h('form', { method: 'post', id: 'rv-signed-form', hidden: true },
        h('div', { class: 'field' }, h('label', { for: 'rv-signed-file', i18n: 'rv.signed.file' }),
          h('input', { id: 'rv-signed-file', type: 'file', accept: 'application/pdf', required: true })),
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button button-primary', i18n: 'rv.signed.upload' })))));
  body.append(root);

  const nf = $('#rv-new', root);
  if (nf) {
    nf.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const msg = $('#rv-new-msg', root);
      say(msg, null);
      await busy(nf, null, async () => {
        try {
          const r = await api('POST', '/api/v1/reviews', { json: { title: $('#rv-title', root).value.trim(), period_from: $('#rv-from', root).value,
            period_to: $('#rv-to', root).value } });
          say(msg, 'ok', 'rv.new.done', { id: r.id });
          $('#rv-title', root).value = '';
          await loadList(root, me);
          renderDetail(root, me, r);
        } catch (e) {
          showError(msg, e);
        }
      });
    });
  }
  $('#rv-signed-form', root).addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = ev.currentTarget;
    const id = $('#rv-detail', root).dataset.id;
    const file = $('#rv-signed-file', root).files[0];
    if (!file) return;
    const fd = new FormData();
    fd.append('file', file, 'signed.pdf');
    await busy(form, null, async () => {
      try {
        renderDetail(root, me, await api('POST', `/api/v1/reviews/${id}/report/signed`, { form: fd }));
        say($('#rv-detail-msg', root), 'ok', 'rv.signed.done');
        form.reset();
        loadList(root, me);
      } catch (e) {
        showError($('#rv-detail-msg', root), e);
      }
    });
  });
  apply(root);
  loadIndicators(root);
  loadList(root, me);
}
