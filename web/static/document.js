// QR target /v/{id}: the registry record of a signed document, and a
// byte-for-byte comparison of the visitor's copy by SHA-256 in the browser.
import { boot } from './common.js';
import { has } from './i18n.js';
import { api, ApiError } from './api.js';
import { h, $, clear, say, dl, fmtBytes } from './dom.js';
import { showError } from './ui.js';

function docId() {
  const parts = location.pathname.split('/');
  let id = '';
  try { id = decodeURIComponent(parts[2] || ''); } catch (e) { id = ''; }
  return /^[A-Za-z0-9_-]{1,100}$/.test(id) ? id : null;
}

// The record's certificate may come as fields or as a nested object.
function certOf(rec) {
  const c = rec.certificate && typeof rec.certificate === 'object' ? rec.certificate : {};
  return {
    serial: rec.cert_serial || c.serial || (typeof rec.certificate === 'string' ? rec.certificate : null),
    status: rec.certificate_status || rec.cert_status || c.status || null,
  };
}

function statusNode(status) {
  if (!status) return null;
  const cls = status === 'valid' || status === 'active' ? 'badge-ok' : status === 'revoked' || status === 'expired' ? 'badge-bad' : 'badge-warn';
  const key = 'status.' + status;
  return h('span', { class: 'badge ' + cls }, has(key) ? h('span', { i18n: key }) : String(status));
}

function renderRecord(rec) {
  const cert = certOf(rec);
  $('#doc-record').append(dl([
    ['doc.id', h('code', { text: rec.id })],
    ['doc.signer', rec.signer || null],
    ['doc.signed_at', rec.signed_at ? h('span', { date: rec.signed_at }) : null],
    ['doc.level', rec.level ? h('span', {}, has('level.' + rec.level) ? h('span', { i18n: 'level.' + rec.level }) : null, ' ', h('code', { text: rec.level })) : null],
    ['doc.pages', rec.pages !== undefined ? String(rec.pages) : undefined],
    ['doc.size', typeof rec.size === 'number' ? fmtBytes(rec.size) : undefined],
    ['doc.application', rec.application || (rec.application === undefined ? undefined : null)],
    ['doc.unit', rec.unit || undefined],
    ['doc.cert', cert.serial ? h('code', { text: cert.serial }) : undefined],
    ['doc.cert_status', cert.status ? statusNode(cert.status) : undefined],
    ['doc.sha256', h('code', { id: 'doc-sha256', text: rec.sha256 || '—' })],
  ]));
  if (cert.status && cert.status !== 'valid' && cert.status !== 'active') {
    $('#doc-verdict').className = 'verdict verdict-warn';
    clear($('#doc-verdict-detail')).append(h('span', { i18n: 'doc.cert_status' }), ': ', statusNode(cert.status));
  }
}

async function sha256Hex(file) {
  const d = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('');
}

function wireCompare(rec) {
  const input = $('#doc-file');
  const out = $('#doc-compare');
  input.addEventListener('change', async () => {
    clear(out);
    const file = input.files[0];
    if (!file) return;
    const slot = h('div');
    out.append(slot);
    if (!window.crypto || !crypto.subtle) {
      say(slot, 'warn', 'doc.compare.nocrypto');
      return;
    }
    say(slot, 'info', 'doc.compare.busy');
    try {
      const hex = await sha256Hex(file);
      const same = typeof rec.sha256 === 'string' && hex === rec.sha256.toLowerCase();
      clear(out).append(h('div', { class: 'verdict ' + (same ? 'verdict-ok' : 'verdict-bad'), id: 'doc-compare-verdict',
        dataset: { same: String(same) } }, h('p', { i18n: same ? 'doc.compare.same' : 'doc.compare.diff' })),
      dl([['doc.compare.yours', h('code', { text: hex })]]));
    } catch (e) {
      say(slot, 'error', 'err.generic', null, String(e));
    }
  });
}

async function start() {
  boot('');
  const id = docId();
  const loading = $('#doc-loading');
  if (!id) {
    loading.hidden = true;
    $('#doc-missing').hidden = false;
    say($('#doc-msg'), 'error', 'doc.badid');
    return;
  }
  try {
    const rec = await api('GET', '/api/v1/documents/' + encodeURIComponent(id));
    loading.hidden = true;
    renderRecord(rec);
    wireCompare(rec);
    $('#doc-found').hidden = false;
  } catch (e) {
    loading.hidden = true;
    // The router's own 404 means the register endpoint itself is missing.
    if (e instanceof ApiError && e.status === 404 && e.code === 'not_found' && e.message === 'no such resource') {
      say($('#doc-msg'), 'warn', 'doc.unavailable');
    } else if (e instanceof ApiError && e.status === 404) $('#doc-missing').hidden = false;
    else showError($('#doc-msg'), e);
  }
}

start();
