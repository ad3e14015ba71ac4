// Recommendations of the issuer and internal policies of the ministry (R5,
// docs/policy.md) for admins (ministry) and auditors (issuer). The page
// offers what the role may do; the server decides (svc/policy).
import './strings-policy.js';
import { api, ApiError } from './api.js';
import { apply, t } from './i18n.js';
import { h, $, clear, say, dl, blobLink, fmtBytes } from './dom.js';
import { showError, table, busy } from './ui.js';

const RS = ['open', 'in_progress', 'done', 'accepted_risk'];

function err(slot, e) {
  if (e instanceof ApiError && e.code === 'four_eyes') say(slot, 'error', 'pol.err.four_eyes');
  else showError(slot, e);
}

function todayWib(days = 0) {
  return new Date(Date.now() + 7 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}

function field(id, key, input) {
  return h('div', { class: 'field' }, h('label', { for: id, i18n: key }), input);
}

function select(id, values, prefix, extra) {
  return h('select', { id, ...extra }, values.map((v) => h('option', { value: v, i18n: prefix + v })));
}

function recoBadge(st) {
  const cls = { open: 'badge-warn', in_progress: 'badge-info', done: 'badge-ok', accepted_risk: 'badge-info' }[st] || 'badge-info';
  return h('span', { class: 'badge ' + cls, i18n: 'pol.rs.' + st });
}

function sevBadge(s) {
  return h('span', { class: 'badge ' + (s === 'critical' || s === 'high' ? 'badge-bad' : 'badge-info'), i18n: 'pol.sev.' + s });
}

// ------------------------------------------------------------ recommendations

function recoSection(me) {
  const auditor = me.role === 'auditor';
  const sec = h('section', { class: 'card', id: 'reco', 'aria-labelledby': 'reco-h' },
    h('h2', { id: 'reco-h', i18n: 'pol.reco.h' }),
    h('p', { class: 'note', i18n: 'pol.reco.intro' }),
    h('div', { class: 'row' }, field('reco-filter', 'pol.reco.filter',
      h('select', { id: 'reco-filter' }, h('option', { value: '', i18n: 'pol.f.all' }),
        [...RS, 'overdue'].map((v) => h('option', { value: v, i18n: 'pol.rs.' + v }))))),
    h('div', { id: 'reco-msg', hidden: true }),
    h('div', { id: 'reco-list' }));
  if (auditor) {
    const f = h('form', { method: 'post', id: 'reco-new' },
      h('div', { class: 'row' },
        field('rn-source', 'pol.f.source', select('rn-source', ['review', 'assessment', 'advice', 'monev'], 'pol.src.')),
        field('rn-ref', 'pol.f.source_ref', h('input', { id: 'rn-ref', type: 'text', maxlength: 64 })),
        field('rn-sev', 'pol.f.severity', select('rn-sev', ['low', 'medium', 'high', 'critical'], 'pol.sev.'))),
      field('rn-title', 'pol.f.title', h('input', { id: 'rn-title', type: 'text', maxlength: 300, required: true })),
      field('rn-body', 'pol.f.body', h('textarea', { id: 'rn-body', rows: 3, maxlength: 16000, required: true })),
      h('div', { class: 'row' },
        field('rn-owner', 'pol.f.owner', h('input', { id: 'rn-owner', type: 'text', maxlength: 300, required: true })),
        field('rn-email', 'pol.f.owner_email', h('input', { id: 'rn-email', type: 'email', maxlength: 254 })),
        field('rn-due', 'pol.f.due_on', h('input', { id: 'rn-due', type: 'date', required: true }))),
      h('div', { id: 'reco-new-msg', hidden: true }),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button button-primary', i18n: 'pol.reco.new.submit' })));
    sec.append(h('h3', { i18n: 'pol.reco.new.h' }), f);
  }
  const detail = h('section', { class: 'card', id: 'reco-detail', 'aria-labelledby': 'reco-detail-h', tabindex: '-1', hidden: true },
    h('h2', { id: 'reco-detail-h' }), h('div', { id: 'reco-detail-body' }), h('div', { id: 'reco-detail-msg', hidden: true }));
  return [sec, detail];
}

async function loadRecos(root) {
  const slot = $('#reco-list', root);
  const st = $('#reco-filter', root).value;
  try {
    const rows = await api('GET', '/api/v1/recommendations' + (st ? '?status=' + encodeURIComponent(st) : ''));
    const tb = table([
      ['pol.col.id', (r) => String(r.id)],
      ['pol.col.title', (r) => r.title],
      ['pol.col.source', (r) => h('span', {}, h('span', { i18n: 'pol.src.' + r.source }), r.source_ref ? h('span', { class: 'note', text: ' ' + r.source_ref }) : null)],
      ['pol.col.severity', (r) => sevBadge(r.severity)],
      ['pol.col.owner', (r) => r.owner],
      ['pol.col.due', (r) => h('span', {}, r.due_on, r.overdue ? h('span', { class: 'badge badge-bad reco-overdue', i18n: 'pol.overdue' }) : null)],
      ['pol.col.status', (r) => recoBadge(r.status)],
      ['pol.col.open', (r) => h('button', { type: 'button', class: 'button button-small', i18n: 'pol.open', dataset: { id: String(r.id) },
        on: { click: () => openReco(root, r.id) } })],
    ], rows);
    // Overdue rows stand out (class, not inline style: CSP).
    const trs = tb.querySelectorAll ? tb.querySelectorAll('tbody tr') : [];
    trs.forEach((tr, i) => { tr.dataset.id = String(rows[i].id); if (rows[i].overdue) tr.classList.add('row-overdue'); });
    clear(slot).append(tb);
    say($('#reco-msg', root), null);
  } catch (e) {
    showError($('#reco-msg', root), e);
  }
}

function renderReco(root, me, r) {
  const sec = $('#reco-detail', root);
  sec.hidden = false;
  sec.dataset.id = String(r.id);
  const hd = clear($('#reco-detail-h', root));
  hd.append(h('span', { i18n: 'pol.reco.detail.h', vars: { id: r.id } }), ' ', h('span', { text: r.title }));
  const body = clear($('#reco-detail-body', root));
  body.append(dl([
    ['pol.f.source', h('span', {}, h('span', { i18n: 'pol.src.' + r.source }), r.source_ref ? ' ' + r.source_ref : '')],
    ['pol.f.severity', sevBadge(r.severity)],
    ['pol.f.body', r.body],
    ['pol.f.owner', r.owner],
    ['pol.f.owner_email', r.owner_email],
    ['pol.f.due_on', h('span', {}, r.due_on, r.overdue ? h('span', { class: 'badge badge-bad', i18n: 'pol.overdue' }) : null)],
    ['pol.col.status', recoBadge(r.status)],
    ['pol.f.closing_note', r.closing_note],
    ['pol.f.closed_at', r.closed_at ? h('span', { date: r.closed_at }) : null],
    ['pol.f.created_by', r.created_by],
  ]));
  body.append(h('h3', { i18n: 'pol.files.h' }));
  const dlSlot = h('span', { class: 'reco-dl' });
  body.append(table([
    ['pol.files.name', (f) => f.filename],
    ['pol.files.at', (f) => h('span', {}, f.uploaded_by, ', ', h('span', { date: f.uploaded_at }))],
    ['pol.files.size', (f) => fmtBytes(f.size)],
    ['pol.files.download', (f) => h('button', { type: 'button', class: 'button button-small reco-file', dataset: { id: String(f.id) }, i18n: 'pol.files.download',
      on: { click: async () => {
        try {
          const x = await api('GET', `/api/v1/recommendations/${r.id}/files/${f.id}`, { as: 'blob', accept: 'application/octet-stream' });
          clear(dlSlot).append(blobLink(x.blob, f.filename, 'pol.files.save'));
          $('a', dlSlot).dataset.i18nVars = JSON.stringify({ file: f.filename });
          apply(dlSlot);
        } catch (e) {
          showError($('#reco-detail-msg', root), e);
        }
      } } })],
  ], r.files), dlSlot);
  const open = r.status === 'open' || r.status === 'in_progress';
  if (open && me.role === 'admin') {
    const up = h('form', { method: 'post', id: 'reco-upload' },
      field('ru-file', 'pol.files.file', h('input', { id: 'ru-file', type: 'file', required: true })),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button', i18n: 'pol.files.upload' })));
    up.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const file = $('#ru-file', up).files[0];
      if (!file) return;
      const fd = new FormData();
      fd.append('file', file, file.name);
      await busy(up, null, async () => {
        try {
          renderReco(root, me, await api('POST', `/api/v1/recommendations/${r.id}/files`, { form: fd }));
          say($('#reco-detail-msg', root), 'ok', 'pol.files.done');
          loadRecos(root);
        } catch (e) {
          showError($('#reco-detail-msg', root), e);
        }
      });
    });
    const st = h('form', { method: 'post', id: 'reco-status' },
      h('div', { class: 'row' },
        field('rs-status', 'pol.reco.status.new', select('rs-status', ['open', 'in_progress', 'done'], 'pol.rs.')),
        field('rs-note', 'pol.f.closing_note', h('input', { id: 'rs-note', type: 'text', maxlength: 16000 }))),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button button-primary', i18n: 'pol.reco.status.save' })));
    $('#rs-status', st).value = r.status === 'open' ? 'in_progress' : 'done';
    st.addEventListener('submit', (ev) => setStatus(ev, root, me, r.id, $('#rs-status', st).value, $('#rs-note', st).value.trim()));
    body.append(h('h3', { i18n: 'pol.reco.status.h' }), h('p', { class: 'note', i18n: 'pol.reco.rule' }), up, st);
  }
  if (open && me.role === 'auditor') {
    const acc = h('form', { method: 'post', id: 'reco-accept' },
      field('ra-note', 'pol.reco.accept.note', h('input', { id: 'ra-note', type: 'text', maxlength: 16000, required: true })),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button', i18n: 'pol.reco.accept.submit' })));
    acc.addEventListener('submit', (ev) => setStatus(ev, root, me, r.id, 'accepted_risk', $('#ra-note', acc).value.trim()));
    body.append(h('h3', { i18n: 'pol.reco.accept.h' }), acc);
  }
  apply(sec);
}

async function setStatus(ev, root, me, id, status, note) {
  ev.preventDefault();
  const form = ev.currentTarget;
  const b = { status };
  if (note) b.closing_note = note;
  await busy(form, null, async () => {
    try {
      const r = await api('POST', `/api/v1/recommendations/${id}/status`, { json: b });
      renderReco(root, me, r);
      say($('#reco-detail-msg', root), 'ok', 'pol.reco.status.done', { status: t('pol.rs.' + r.status) });
      loadRecos(root);
    } catch (e) {
      showError($('#reco-detail-msg', root), e);
    }
  });
}

async function openReco(root, id) {
  say($('#reco-detail-msg', root), null);
  try {
    renderReco(root, root.me, await api('GET', `/api/v1/recommendations/${id}`));
    $('#reco-detail', root).focus();
  } catch (e) {
    showError($('#reco-msg', root), e);
  }
}

// ------------------------------------------------------------ policies

function polBadge(st) {
  const cls = { draft: 'badge-info', approved: 'badge-warn', published: 'badge-ok', superseded: 'badge-info', withdrawn: 'badge-bad' }[st] || 'badge-info';
  return h('span', { class: 'badge ' + cls, i18n: 'pol.st.' + st });
}

function polSection(me) {
  const sec = h('section', { class: 'card', id: 'pol', 'aria-labelledby': 'pol-h' },
    h('h2', { id: 'pol-h', i18n: 'pol.pol.h' }),
    h('p', { class: 'note', i18n: 'pol.pol.intro' }),
    h('div', { id: 'pol-msg', hidden: true }),
    h('div', { id: 'pol-list' }));
  if (me.role === 'admin') {
    const f = h('form', { method: 'post', id: 'pol-new' },
      h('div', { class: 'row' },
        field('pn-name', 'pol.f.name', h('input', { id: 'pn-name', type: 'text', maxlength: 64, required: true, pattern: '[a-z0-9][a-z0-9._\\-]*' })),
        field('pn-kind', 'pol.f.kind', select('pn-kind', ['signing', 'security', 'other'], 'pol.kind.'))),
      field('pn-title', 'pol.f.ptitle', h('input', { id: 'pn-title', type: 'text', maxlength: 300, required: true })),
      field('pn-body', 'pol.f.pbody', h('textarea', { id: 'pn-body', rows: 4, maxlength: 16000, required: true })),
      field('pn-app', 'pol.f.application', h('input', { id: 'pn-app', type: 'text', maxlength: 300 })),
      field('pn-rules', 'pol.f.rules', h('textarea', { id: 'pn-rules', rows: 3, maxlength: 4096, class: 'mono' })),
      h('p', { class: 'note', i18n: 'pol.f.rules.hint' }),
      h('div', { id: 'pol-new-msg', hidden: true }),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button button-primary', i18n: 'pol.draft.submit' })));
    sec.append(h('h3', { i18n: 'pol.draft.h' }), f);
  }
  const detail = h('section', { class: 'card', id: 'pol-detail', 'aria-labelledby': 'pol-detail-h', tabindex: '-1', hidden: true },
    h('h2', { id: 'pol-detail-h' }), h('div', { id: 'pol-detail-body' }), h('div', { id: 'pol-detail-msg', hidden: true }));
  return [sec, detail];
}

async function loadPolicies(root) {
  try {
    const rows = await api('GET', '/api/v1/policies');
    clear($('#pol-list', root)).append(table([
      ['pol.col.name', (p) => h('code', { text: p.name })],
      ['pol.col.version', (p) => String(p.version)],
      ['pol.col.kind', (p) => h('span', { i18n: 'pol.kind.' + p.kind })],
      ['pol.col.application', (p) => p.application],
      ['pol.col.state', (p) => polBadge(p.state)],
      ['pol.col.comments', (p) => String(p.comments)],
      ['pol.col.open', (p) => h('button', { type: 'button', class: 'button button-small pol-open', i18n: 'pol.open', dataset: { id: String(p.id) },
        on: { click: () => openPolicy(root, p.id) } })],
    ], rows));
  } catch (e) {
    showError($('#pol-msg', root), e);
  }
}

function renderPolicy(root, me, p) {
  const sec = $('#pol-detail', root);
  sec.hidden = false;
  sec.dataset.id = String(p.id);
  clear($('#pol-detail-h', root)).append(h('span', { i18n: 'pol.detail.h', vars: { name: p.name, version: p.version } }), ' ', h('span', { text: '— ' + p.title }));
  const body = clear($('#pol-detail-body', root));
  body.append(dl([
    ['pol.col.kind', h('span', { i18n: 'pol.kind.' + p.kind })],
    ['pol.col.state', polBadge(p.state)],
    ['pol.col.application', p.application],
    ['pol.f.rules', p.rules ? h('code', { class: 'pol-rules', text: JSON.stringify(p.rules) }) : null],
    ['pol.f.pbody', h('div', { class: 'pol-body', text: p.body })],
    ['pol.f.drafted_by', h('span', {}, p.created_by, ' ', h('span', { date: p.created_at }))],
    ['pol.f.approved_by', p.approved_by ? h('span', {}, p.approved_by, ' ', h('span', { date: p.approved_at })) : null],
    ['pol.f.published_by', p.published_by ? h('span', {}, p.published_by, ' ', h('span', { date: p.published_at })) : null],
  ]));
  if (me.role === 'admin' && (p.state === 'draft' || p.state === 'approved')) {
    const step = p.state === 'draft' ? 'approve' : 'publish';
    body.append(h('div', { class: 'actions' }, h('button', { type: 'button', class: 'button button-primary', id: 'pol-' + step, i18n: 'pol.' + step,
      on: { click: async (e) => {
        e.currentTarget.disabled = true;
        try {
          const r = await api('POST', `/api/v1/policies/${p.id}/${step}`);
          renderPolicy(root, me, r);
          say($('#pol-detail-msg', root), 'ok', 'pol.step.done', { state: t('pol.st.' + r.state) });
          loadPolicies(root);
        } catch (err2) {
          e.target.disabled = false;
          err($('#pol-detail-msg', root), err2);
        }
      } } })));
  }
  if (me.role === 'admin' && (p.state === 'draft' || p.state === 'approved' || p.state === 'published')) {
    body.append(h('div', { class: 'actions' }, h('button', { type: 'button', class: 'button', id: 'pol-withdraw', i18n: 'pol.withdraw',
      on: { click: async (e) => {
        e.currentTarget.disabled = true;
        try {
          const r = await api('POST', `/api/v1/policies/${p.id}/withdraw`);
          renderPolicy(root, me, r);
          // A published version is withdrawn by two admins: the first call only asks.
          if (r.state === 'published' && r.withdraw_requested_by) say($('#pol-detail-msg', root), 'info', 'pol.withdraw.asked', { user: r.withdraw_requested_by });
          else say($('#pol-detail-msg', root), 'ok', 'pol.step.done', { state: t('pol.st.' + r.state) });
          loadPolicies(root);
        } catch (err2) {
          e.target.disabled = false;
          err($('#pol-detail-msg', root), err2);
        }
      } } })));
  }
  body.append(h('h3', { i18n: 'pol.comments.h' }), h('ol', { class: 'pol-comments', id: 'pol-comments' },
    p.comments.map((c) => h('li', { class: 'pol-comment pol-comment-' + c.author_role },
      h('p', { class: 'note' }, h('strong', { text: c.author }), ' (', h('span', { i18n: 'pol.role.' + c.author_role }), ') ', h('span', { date: c.at })),
      h('p', { text: c.body })))));
  if (p.state === 'draft' || p.state === 'approved' || p.state === 'published') {
    const cf = h('form', { method: 'post', id: 'pol-comment-form' },
      field('pc-body', 'pol.comment.f', h('textarea', { id: 'pc-body', rows: 2, maxlength: 16000, required: true })),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button', i18n: 'pol.comment.submit' })));
    cf.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      await busy(cf, null, async () => {
        try {
          renderPolicy(root, me, await api('POST', `/api/v1/policies/${p.id}/comments`, { json: { body: $('#pc-body', cf).value.trim() } }));
          say($('#pol-detail-msg', root), 'ok', 'pol.comment.done');
          loadPolicies(root);
        } catch (e) {
          showError($('#pol-detail-msg', root), e);
        }
      });
    });
    body.append(cf);
  }
  body.append(h('h3', { i18n: 'pol.versions.h' }), table([
    ['pol.col.version', (v) => String(v.version)],
    ['pol.col.state', (v) => polBadge(v.state)],
    ['pol.f.published_at', (v) => (v.published_at ? h('span', { date: v.published_at }) : null)],
    ['pol.col.open', (v) => (v.id === p.id ? null : h('button', { type: 'button', class: 'button button-small', i18n: 'pol.open', on: { click: () => openPolicy(root, v.id) } }))],
  ], p.versions));
  apply(sec);
}

async function openPolicy(root, id) {
  say($('#pol-detail-msg', root), null);
  try {
    renderPolicy(root, root.me, await api('GET', `/api/v1/policies/${id}`));
    $('#pol-detail', root).focus();
  } catch (e) {
    showError($('#pol-msg', root), e);
  }
}

// ------------------------------------------------------------ mount

export function mountPolicy(body, me) {
  const root = h('div', { class: 'policy-wrap', id: 'policy-wrap' });
  root.me = me;
  root.append(...recoSection(me), ...polSection(me));
  body.append(root);
  $('#reco-filter', root).addEventListener('change', () => loadRecos(root));
  const rn = $('#reco-new', root);
  if (rn) {
    $('#rn-sev', rn).value = 'medium';
    $('#rn-due', rn).value = todayWib(30);
    rn.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const msg = $('#reco-new-msg', root);
      const b = { source: $('#rn-source', rn).value, title: $('#rn-title', rn).value.trim(), body: $('#rn-body', rn).value.trim(),
        severity: $('#rn-sev', rn).value, owner: $('#rn-owner', rn).value.trim(), due_on: $('#rn-due', rn).value };
      const ref = $('#rn-ref', rn).value.trim();
      const email = $('#rn-email', rn).value.trim();
      if (ref) b.source_ref = ref;
      if (email) b.owner_email = email;
      await busy(rn, null, async () => {
        try {
          const r = await api('POST', '/api/v1/recommendations', { json: b });
          say(msg, 'ok', 'pol.reco.new.done', { id: r.id });
          rn.reset();
          $('#rn-sev', rn).value = 'medium';
          $('#rn-due', rn).value = todayWib(30);
          await loadRecos(root);
          renderReco(root, me, r);
        } catch (e) {
          showError(msg, e);
        }
      });
    });
  }
  const pn = $('#pol-new', root);
  if (pn) {
    pn.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const msg = $('#pol-new-msg', root);
      const b = { name: $('#pn-name', pn).value.trim(), kind: $('#pn-kind', pn).value, title: $('#pn-title', pn).value.trim(), body: $('#pn-body', pn).value.trim() };
      const appName = $('#pn-app', pn).value.trim();
      const rules = $('#pn-rules', pn).value.trim();
      if (appName) b.application = appName;
      if (rules) {
        try {
          b.rules = JSON.parse(rules);
        } catch (e) {
          say(msg, 'error', 'pol.rules.bad');
          return;
        }
      }
      await busy(pn, null, async () => {
        try {
          const p = await api('POST', '/api/v1/policies', { json: b });
          say(msg, 'ok', 'pol.draft.done', { name: p.name, version: p.version });
          pn.reset();
          await loadPolicies(root);
          renderPolicy(root, me, p);
        } catch (e) {
          showError(msg, e);
        }
      });
    });
  }
  apply(root);
  loadRecos(root);
  loadPolicies(root);
}
