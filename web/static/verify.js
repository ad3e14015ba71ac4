// Public verification: upload a PDF (multipart, so the server knows the file's
// own name) to POST /api/v1/verify and show a plain-language verdict per
// signature (ETSI EN 319 102-1 indications); then offer the validation report
// as a sealed PDF or an HTML file, by posting the same file again with
// Accept: application/pdf or text/html.
import { boot } from './common.js';
import { has } from './i18n.js';
import { api, ApiError, errorKey } from './api.js';
import { h, $, clear, say, dl } from './dom.js';
import { reportProblem, followUp } from './verify-support.js';

const MAX_FILE = 50 * 1024 * 1024;
const VERDICT = { TOTAL_PASSED: 'ok', TOTAL_FAILED: 'bad', INDETERMINATE: 'warn' };

function badge(ind) {
  const kind = VERDICT[ind] || 'warn';
  const key = 'verify.ind.' + ind;
  return h('span', { class: 'badge badge-' + kind }, has(key) ? h('span', { i18n: key }) : String(ind || '?'));
}

function maybeKey(prefix, value) {
  if (value === null || value === undefined || value === '') return null;
  return has(prefix + value) ? h('span', { i18n: prefix + value }) : String(value);
}

// A change after a signature: a string, or {revision, kinds[], details[]}.
function modItem(m) {
  if (m && typeof m === 'object') {
    const li = h('li');
    if (m.revision !== undefined) li.append(h('span', { i18n: 'verify.mod.rev', vars: { n: m.revision } }), ' ');
    const kinds = Array.isArray(m.kinds) ? m.kinds : [];
    kinds.forEach((k, i) => li.append(i ? ', ' : '', has('mod.' + k) ? h('span', { i18n: 'mod.' + k }) : String(k)));
    if (!kinds.length) li.append(m.description || m.message || m.type || JSON.stringify(m));
    const det = Array.isArray(m.details) ? m.details : [];
    if (det.length) li.append(h('ul', {}, det.map((d) => h('li', { class: 'hint', text: String(d) }))));
    return li;
  }
  return h('li', { text: String(m) });
}

function signatureCard(sig, n) {
  const card = h('section', { class: 'card', 'aria-labelledby': 'sig-h-' + n });
  const head = sig.type === 'document_timestamp' ? 'verify.tsig' : 'verify.sig';
  card.append(h('h3', { id: 'sig-h-' + n }, h('span', { i18n: head, vars: { n } }), ' ', badge(sig.indication)));
  if (sig.subindication) {
    const key = 'subind.' + sig.subindication;
    card.append(h('p', { class: 'msg msg-' + (sig.indication === 'TOTAL_FAILED' ? 'error' : 'warn') },
      has(key) ? h('span', { i18n: key }) : null, ' ', h('code', { text: sig.subindication })));
  }
  const mods = Array.isArray(sig.modifications_after) ? sig.modifications_after : [];
  let covers = null;
  if (sig.covers_whole_document === true) covers = h('span', { i18n: 'verify.covers.yes' });
  else if (sig.covers_whole_document === false) covers = h('span', { i18n: 'verify.covers.no' });
  const tst = (Array.isArray(sig.timestamps) ? sig.timestamps : []).find((x) => x && x.gen_time);
  const rev = sig.revocation && sig.revocation.status;
  card.append(dl([
    ['verify.signer', sig.signer || null],
    ['verify.time', sig.signing_time ? h('span', { date: sig.signing_time }) : null],
    ['verify.tst', tst ? h('span', {}, h('span', { date: tst.gen_time }), tst.tsa ? ' — ' + tst.tsa : '') : undefined],
    ['verify.reason', sig.reason ? String(sig.reason) : undefined],
    ['verify.revocation', rev ? maybeKey('rev.', rev) : undefined],
    ['verify.level', sig.level ? h('span', {}, maybeKey('level.', sig.level), ' ', h('code', { text: sig.level })) : null],
    ['verify.covers', covers],
    ['verify.mods', mods.length ? h('div', {}, h('ul', {}, mods.map(modItem)), h('p', { class: 'hint', i18n: 'verify.mods.note' }))
      : h('span', { i18n: 'verify.mods.none' })],
  ]));
  return card;
}

// The report named after the document: "laporan-verifikasi-<name>.<ext>".
function reportName(fileName, ext) {
  const stem = String(fileName || 'dokumen').replace(/\.pdf$/i, '').replace(/[^\p{L}\p{N}._-]+/gu, '_').slice(0, 80) || 'dokumen';
  return 'laporan-verifikasi-' + stem + '.' + ext;
}

async function download(file, accept, ext, msg) {
  say(msg, 'info', 'verify.report.busy');
  const form = new FormData();
  form.append('file', file, file.name);
  const r = await api('POST', '/api/v1/verify?via=web', { form, accept, as: 'blob' });
  const url = URL.createObjectURL(r.blob);
  const a = h('a', { href: url, download: reportName(file.name, ext), hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  say(msg, null);
}

function reportActions(file, msg) {
  const fail = (e) => {
    if (errorKey(e)) say(msg, 'error', errorKey(e));
    else say(msg, 'error', 'err.generic', null, e && e.message);
  };
  const pdf = h('button', { type: 'button', class: 'button button-primary', id: 'report-pdf', i18n: 'verify.report.pdf' });
  const html = h('button', { type: 'button', class: 'button', id: 'report-html', i18n: 'verify.report.html' });
  const busy = (on) => { pdf.disabled = on; html.disabled = on; };
  pdf.addEventListener('click', async () => {
    busy(true);
    try { await download(file, 'application/pdf', 'pdf', msg); } catch (e) { fail(e); } finally { busy(false); }
  });
  html.addEventListener('click', async () => {
    busy(true);
    try { await download(file, 'text/html', 'html', msg); } catch (e) { fail(e); } finally { busy(false); }
  });
  return h('div', { class: 'card', id: 'verify-report' },
    h('p', { i18n: 'verify.report' }),
    h('div', { class: 'actions' }, pdf, ' ', html),
    h('p', { class: 'hint', i18n: 'verify.report.note' }));
}

function render(body, report, fileName) {
  const sigs = Array.isArray(report.signatures) ? report.signatures : [];
  const reg = report.registry && typeof report.registry.id === 'string' && /^[a-z2-7]{26}$/.test(report.registry.id) ? report.registry : null;
  body.append(dl([
    ['verify.file.name', h('span', { id: 'verify-file-name', text: String(report.file || fileName) })],
    ['verify.registry', reg ? h('a', { href: '/v/' + reg.id, id: 'verify-registry', text: '/v/' + reg.id }) : undefined],
  ]));
  if (sigs.length === 0) {
    body.append(h('div', { class: 'verdict verdict-warn', id: 'verdict', dataset: { indication: 'NO_SIGNATURE' } },
      h('h3', { i18n: 'verify.none' }), h('p', { i18n: 'verify.none.p' })));
    if (report.notice) body.append(h('p', { class: 'msg msg-warn', text: String(report.notice) }));
  } else {
    const ind = report.indication || sigs.map((s) => s.indication).sort((a, b) =>
      ['TOTAL_FAILED', 'INDETERMINATE', 'TOTAL_PASSED'].indexOf(a) - ['TOTAL_FAILED', 'INDETERMINATE', 'TOTAL_PASSED'].indexOf(b))[0];
    const kind = VERDICT[ind] || 'warn';
    body.append(h('div', { class: 'verdict verdict-' + kind, id: 'verdict', dataset: { indication: ind || '' } },
      h('h3', { i18n: 'verify.overall.' + (VERDICT[ind] ? ind : 'INDETERMINATE') }),
      h('p', { i18n: 'verify.overall.p.' + (VERDICT[ind] ? ind : 'INDETERMINATE') })));
    if (report.changed_after_signing && ind === 'TOTAL_PASSED') body.append(h('p', { class: 'msg msg-warn', i18n: 'verify.changed' }));
    if (report.notice) body.append(h('p', { class: 'msg msg-warn', text: String(report.notice) }));
    sigs.forEach((s, i) => body.append(signatureCard(s, i + 1)));
  }
  body.append(h('details', {}, h('summary', { i18n: 'verify.detail' }),
    h('pre', { class: 'mono', text: JSON.stringify(report, null, 2) })));
}

function start() {
  boot('verify');
  const form = $('#verify-form');
  const input = $('#verify-file');
  const msg = $('#verify-msg');
  const result = $('#verify-result');
  const body = $('#verify-result-body');
  const zone = $('#dropzone');
  const fu = followUp();
  $('#main').append(fu.section);

  zone.addEventListener('dragover', (ev) => { ev.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (ev) => {
    ev.preventDefault();
    zone.classList.remove('over');
    if (ev.dataTransfer && ev.dataTransfer.files.length) input.files = ev.dataTransfer.files;
  });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say(msg, null);
    result.hidden = true;
    clear(body);
    const file = input.files[0];
    if (!file) { say(msg, 'error', 'file.required'); return; }
    if (file.size > MAX_FILE) { say(msg, 'error', 'file.too_big'); return; }
    const btn = form.querySelector('button[type="submit"]');
    btn.disabled = true;
    say(msg, 'info', 'verify.busy');
    try {
      const bytes = await file.arrayBuffer();
      const head = String.fromCharCode(...new Uint8Array(bytes.slice(0, 5)));
      if (head !== '%PDF-') { say(msg, 'error', 'file.not_pdf'); return; }
      // Multipart with the file's own name: the server shows it (sanitised) instead of "upload.pdf".
      const fd = new FormData();
      fd.append('file', file, file.name);
      const report = await api('POST', '/api/v1/verify?via=web', { form: fd });
      say(msg, null);
      render(body, report || {}, file.name);
      body.append(reportActions(file, msg));
      // Report a problem to the issuer (R12), offered first when the document did not verify.
      body.append(reportProblem(file, (report && report.indication) !== 'TOTAL_PASSED', (ref, token) => fu.fill(ref, token)));
      result.hidden = false;
      result.focus();
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 405)) say(msg, 'warn', 'verify.unavailable');
      else if (errorKey(e)) say(msg, 'error', errorKey(e));
      else if (e instanceof ApiError && e.status === 400) {
        say(msg, 'error', 'err.verify.file', null, e.message);
        // A file the verifier cannot even read is a problem to report too (R12).
        body.append(reportProblem(file, true, (ref, token) => fu.fill(ref, token)));
        result.hidden = false;
      }
      else say(msg, 'error', 'err.generic', null, e && e.message);
    } finally {
      btn.disabled = false;
    }
  });
}

start();
