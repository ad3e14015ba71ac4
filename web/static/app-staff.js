// Parts shared by the staff pages (Verifikator and admin, issue 14): the
// evidence viewer (PDF pages with pdf.js through pdfview.js, images inline,
// other files as a download), the card of keys delayed by wrong passphrases
// with the unlock flow, and labels for N-of-M approvals.
import './strings-staff.js';
import { api } from './api.js';
import { t, has, apply } from './i18n.js';
import { h, $, clear, say, fmtBytes } from './dom.js';
import { showError, table, kindLabel } from './ui.js';
import { showPdf } from './pdfview.js';

export function errorInto(slot, e) {
  clear(slot).append(h('div'));
  showError(slot.firstChild, e);
}

// A request kind in words; kinds the shared table does not know yet come from ours.
export function stfKind(kind) {
  if (has('kind.' + kind)) return kindLabel(kind);
  if (has('stf.kind.' + kind)) return h('span', { i18n: 'stf.kind.' + kind });
  return document.createTextNode(String(kind));
}

// A table whose last column (the actions) stays in view while the rest scrolls sideways on a phone.
export function stickyActions(wrap) {
  if (wrap && wrap.classList) wrap.classList.add('stf-sticky-actions');
  return wrap;
}

export function nOfM(n, m) {
  return h('span', { class: 'stf-nofm', i18n: 'stf.n_of_m', vars: { n, m } });
}

// ------------------------------------------------------------ evidence viewer

const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2];
const MAX_PAGES = 60;

function pdfViewer(f, fig) {
  const scroll = h('div', { class: 'stf-ev-scroll', tabindex: '0', role: 'region', 'aria-label': f.filename });
  const pages = h('span', { class: 'stf-ev-pages', 'aria-live': 'polite', i18n: 'stf.ev.loading' });
  const zoomLabel = h('span', { class: 'stf-ev-zoom', i18n: 'stf.ev.zoom', vars: { p: 100 } });
  const out = h('button', { type: 'button', class: 'button button-small stf-ev-out', i18n: 'stf.ev.zoom_out' });
  const inn = h('button', { type: 'button', class: 'button button-small stf-ev-in', i18n: 'stf.ev.zoom_in' });
  const fit = h('button', { type: 'button', class: 'button button-small stf-ev-fit', i18n: 'stf.ev.fit', 'aria-pressed': 'true' });
  const bar = h('div', { class: 'stf-ev-bar', role: 'toolbar', 'aria-label': t('stf.ev.toolbar') }, pages, out, zoomLabel, inn, fit);
  const note = h('p', { class: 'note', hidden: true });
  fig.append(bar, note, scroll);
  let bytes = null;
  let doc = null;
  let zi = ZOOMS.indexOf(1);
  let gen = 0;

  const fitWidth = () => Math.max(240, Math.min(scroll.clientWidth || 600, 1100) - 24);
  async function render() {
    const mine = ++gen;
    const inner = h('div', { class: 'stf-ev-inner' });
    const width = Math.round(fitWidth() * ZOOMS[zi]);
    // Evidence is an upload, often a damaged scan: pdf.js reports errors only (its repairs are not the Verifikator's concern).
    const r = await showPdf(inner, bytes, { width, maxPages: MAX_PAGES, verbosity: 0, pageLabel: (n, total) => t('stf.ev.page', { n, total }) });
    if (mine !== gen) {
      r.doc.destroy();
      return;
    }
    if (doc) doc.destroy();
    doc = r.doc;
    clear(scroll).append(inner);
    fig.dataset.pages = String(r.doc.numPages);
    fig.dataset.rendered = String(r.pages.length);
    pages.dataset.i18n = 'stf.ev.pages';
    pages.dataset.i18nVars = JSON.stringify({ n: r.doc.numPages });
    pages.textContent = t('stf.ev.pages', { n: r.doc.numPages });
    zoomLabel.dataset.i18nVars = JSON.stringify({ p: Math.round(ZOOMS[zi] * 100) });
    zoomLabel.textContent = t('stf.ev.zoom', { p: Math.round(ZOOMS[zi] * 100) });
    fit.setAttribute('aria-pressed', ZOOMS[zi] === 1 ? 'true' : 'false');
    out.disabled = zi === 0;
    inn.disabled = zi === ZOOMS.length - 1;
    if (r.truncated) {
      note.hidden = false;
      note.dataset.i18n = 'stf.ev.truncated';
      note.dataset.i18nVars = JSON.stringify({ n: MAX_PAGES });
      note.textContent = t('stf.ev.truncated', { n: MAX_PAGES });
    }
  }
  const zoom = (i) => {
    zi = Math.max(0, Math.min(ZOOMS.length - 1, i));
    render().catch((e) => failed(e));
  };
  out.addEventListener('click', () => zoom(zi - 1));
  inn.addEventListener('click', () => zoom(zi + 1));
  fit.addEventListener('click', () => zoom(ZOOMS.indexOf(1)));
  function failed(e) {
    console.warn('evidence viewer:', e && e.message ? e.message : e);
    clear(scroll).append(h('p', { class: 'msg msg-warn', i18n: 'stf.ev.failed' }));
    pages.textContent = '';
  }
  (async () => {
    try {
      const r = await api('GET', '/api/v1/evidence/' + encodeURIComponent(f.id), { as: 'blob', accept: 'application/pdf' });
      bytes = new Uint8Array(await r.blob.arrayBuffer());
      // Rendered once the figure is in the page (its width decides the scale).
      await new Promise((res) => requestAnimationFrame(res));
      await render();
    } catch (e) {
      if (e && e.status) showError(note, e); else failed(e);
    }
  })();
}

// One evidence file: a figure with its kind, name, type, size and hash, a
// download link, and the file itself shown when the browser can show it.
export function evidenceViewer(f) {
  const href = '/api/v1/evidence/' + encodeURIComponent(f.id);
  const kind = has('ev.' + f.kind) ? t('ev.' + f.kind) : f.kind;
  const fig = h('figure', { class: 'stf-ev', dataset: { evidence: String(f.id), mime: f.mime || '' } });
  fig.append(h('figcaption', {},
    h('b', {}, has('ev.' + f.kind) ? h('span', { i18n: 'ev.' + f.kind }) : f.kind), ': ',
    h('a', { href, download: f.filename, text: f.filename }),
    ' (' + (f.mime || '') + ', ' + fmtBytes(f.size) + ')',
    f.sha256 ? h('span', { class: 'hint mono', text: 'SHA-256 ' + f.sha256 }) : null));
  if (f.mime === 'application/pdf') pdfViewer(f, fig);
  else if (f.mime === 'image/png' || f.mime === 'image/jpeg') {
    const img = h('img', { class: 'stf-ev-img', src: href, alt: t('stf.ev.img_alt', { kind }), decoding: 'async' });
    img.addEventListener('error', () => { img.replaceWith(h('p', { class: 'msg msg-warn', i18n: 'stf.ev.failed' })); });
    fig.append(img);
  } else {
    fig.append(h('p', { class: 'note', i18n: 'stf.ev.other' }));
  }
  return fig;
}

export function evidenceList(ev) {
  if (!ev || ev.length === 0) return h('p', { class: 'note', i18n: 'ver.evidence.none' });
  return h('div', { class: 'stf-ev-list' }, ev.map(evidenceViewer));
}

// ------------------------------------------------------------ keys delayed by wrong passphrases

async function loadThrottles(root, me) {
  const slot = $('#stf-thr-list', root);
  let rows;
  try {
    rows = await api('GET', '/api/v1/unlock-throttles');
  } catch (e) {
    errorInto(slot, e);
    return;
  }
  clear(slot);
  if (rows.length === 0) {
    slot.append(h('p', { class: 'note', i18n: 'stf.thr.none' }));
    return;
  }
  const verif = me.role === 'verifikator';
  slot.append(stickyActions(table([
    ['stf.col.official', (r) => h('span', {}, r.full_name, r.user ? h('span', { class: 'hint mono', text: r.user }) : null)],
    ['col.unit', (r) => r.unit],
    ['stf.col.failures', (r) => String(r.failures)],
    ['stf.col.until', (r) => (r.throttled ? h('span', { date: r.wait_until }) : h('span', { class: 'note', i18n: 'stf.thr.free' }))],
    ['stf.col.request', (r) => {
      const q = r.request;
      if (!q) return null;
      if (q.submitted_by === me.user) return h('span', { i18n: 'stf.thr.waiting', vars: { id: q.id, n: q.approvals, m: q.required_approvals } });
      return h('span', { i18n: 'stf.thr.pending', vars: { id: q.id, who: q.submitted_by, n: q.approvals, m: q.required_approvals } });
    }],
    ['col.actions', (r) => {
      const q = r.request;
      if (!q) {
        return h('button', { type: 'button', class: 'button button-small', i18n: 'stf.thr.file', dataset: { unlockFile: r.user || '' },
          on: { click: () => fileUnlock(root, me, r.user) } });
      }
      if (verif && q.submitted_by !== me.user) {
        return h('button', { type: 'button', class: 'button button-small button-primary', i18n: 'stf.thr.approve',
          dataset: { unlockApprove: String(q.id) }, on: { click: () => approveUnlock(root, me, q.id, r.user) } });
      }
      return null;
    }],
  ], rows)));
}

async function fileUnlock(root, me, user) {
  const msg = $('#stf-thr-msg', root);
  say(msg, null);
  try {
    const r = await api('POST', '/api/v1/unlock-requests', { json: { user } });
    say(msg, 'ok', 'stf.thr.filed', { id: r.request_id });
  } catch (e) {
    showError(msg, e);
  }
  loadThrottles(root, me);
}

async function approveUnlock(root, me, id, user) {
  const msg = $('#stf-thr-msg', root);
  say(msg, null);
  try {
    const r = await api('POST', '/api/v1/requests/' + encodeURIComponent(id) + '/approve');
    if (r.status === 'approved') say(msg, 'ok', 'stf.thr.approved', { user });
    else say(msg, 'ok', 'ver.approved.wait', { id });
  } catch (e) {
    showError(msg, e);
  }
  loadThrottles(root, me);
}

// Mounts the card into #stf-throttle-slot; returns its reload function.
export function mountThrottles(root, me) {
  const slot = $('#stf-throttle-slot', root);
  if (!slot) return () => {};
  slot.append(document.getElementById('tpl-stf-throttle').content.cloneNode(true));
  apply(slot);
  $('#stf-thr-refresh', root).addEventListener('click', () => { say($('#stf-thr-msg', root), null); loadThrottles(root, me); });
  loadThrottles(root, me);
  return () => loadThrottles(root, me);
}
