// The official's signing workspace: many PDFs at once, each shown with pdf.js,
// the stamp placed by dragging (pointer or keyboard), at an anchor text, in a
// prepared signature field, or invisible; one passphrase for the batch, signed
// one file at a time with POST /api/v1/sign/pdf; results downloaded one by one
// or as a ZIP built here (zip.js).
//
// Coordinates sent to the API are points from the bottom-left corner of the
// page as displayed (after /Rotate, inside the crop box): pdfview.js
// toViewRect/fromViewRect, the same space src/pades uses (pades_page_view).
import { api, errorKey } from './api.js';
import { t, has } from './i18n.js';
import { h, $, clear, say, fmtBytes } from './dom.js';
import { showError } from './ui.js';
import { openPdf, renderPage, findText, toViewRect, fromViewRect, userToView } from './pdfview.js';
import { makeZip } from './zip.js';
import './strings-workspace.js';

const MAX_FILE = 50 * 1024 * 1024;
const MAX_FILES = 50;
// The API's hard floor is 40 x 20 pt (docs/signing.md); whether the text fits
// is the server's call (stamp_too_small names the size that would do).
const MIN_W = 40;
const MIN_H = 20;
const DEF_W = 240;
const DEF_H = 90;
const MARGIN = 36;
const LEVELS = ['B-B', 'B-T', 'B-LT', 'B-LTA'];
const STEP = 2; // points per arrow key; ctrl/alt: 10
// The canonical R8 statement (src/svc/sign/sign.c default_statement), shown
// until /api/v1/me answers with the instance's own ([sign] statement).
const STATEMENT = 'Dokumen ini telah ditandatangani secara elektronik menggunakan sertifikat elektronik yang diterbitkan oleh '
  + 'Balai Besar Sertifikasi Elektronik (BSrE), Badan Siber dan Sandi Negara.';
const STORE_PREFIX = 'teken.ws.place.';

let seq = 0;

function isPdfHead(bytes) {
  const b = new Uint8Array(bytes, 0, Math.min(5, bytes.byteLength));
  return String.fromCharCode(...b) === '%PDF-';
}

function layoutKey(d) {
  return `${STORE_PREFIX}${d.pages}.${Math.round(d.size0[0])}x${Math.round(d.size0[1])}`;
}

function loadMemory(d) {
  try {
    const v = JSON.parse(localStorage.getItem(layoutKey(d)) || 'null');
    return v && typeof v === 'object' ? v : null;
  } catch (e) {
    return null;
  }
}

// One entry per layout: the last mode, and per mode the last placement (so the key is layout + mode).
function saveMemory(d) {
  const m = loadMemory(d) || { modes: {} };
  m.mode = d.place.mode;
  m.modes = m.modes || {};
  if (d.place.mode === 'drag') m.modes.drag = { page: d.place.page, rect: d.place.rect.map((v) => Math.round(v * 10) / 10) };
  if (d.place.mode === 'anchor') m.modes.anchor = { text: d.place.anchor, w: d.place.rect[2], h: d.place.rect[3] };
  if (d.place.mode === 'field') m.modes.field = { name: d.place.field };
  try { localStorage.setItem(layoutKey(d), JSON.stringify(m)); } catch (e) { /* storage disabled */ }
}

// The displayed size [w, h] in points of page n (from 1) of a loaded document.
function sizeOf(d, n) {
  return d.sizes[Math.min(Math.max(1, n), d.sizes.length) - 1];
}

function clampRect(r, pw, ph) {
  let [x, y, w, hh] = r;
  w = Math.min(Math.max(w, MIN_W), pw);
  hh = Math.min(Math.max(hh, MIN_H), ph);
  x = Math.min(Math.max(x, 0), pw - w);
  y = Math.min(Math.max(y, 0), ph - hh);
  return [x, y, w, hh];
}

function presetRect(corner, w, hh, pw, ph) {
  const left = MARGIN;
  const right = pw - MARGIN - w;
  const bottom = MARGIN;
  const top = ph - MARGIN - hh;
  const r = { br: [right, bottom], bl: [left, bottom], tr: [right, top], tl: [left, top] }[corner] || [right, bottom];
  return clampRect([r[0], r[1], w, hh], pw, ph);
}

// The CN of an RFC 2253 subject ("CN=Nama\\, Gelar,O=..."): backslash escapes and \\XX hex bytes (UTF-8) undone.
function commonName(subject) {
  const m = /(?:^|,)CN=((?:\\.|[^,\\])*)/.exec(subject || '');
  if (!m) return '';
  const bytes = [];
  const v = m[1];
  for (let i = 0; i < v.length; i++) {
    if (v[i] === '\\' && /^[0-9A-Fa-f]{2}$/.test(v.slice(i + 1, i + 3))) {
      bytes.push(parseInt(v.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      if (v[i] === '\\' && i + 1 < v.length) i++;
      bytes.push(...new TextEncoder().encode(v[i]));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes)).trim();
}

// "... (e.g. 240 x 91)" of a stamp_too_small message -> [240, 91].
function suggestedSize(message) {
  const m = /e\.g\. (\d+) x (\d+)/.exec(message || '') || /try (\d+) x (\d+)/.exec(message || '');
  return m ? [Number(m[1]), Number(m[2])] : null;
}

export function mountWorkspace(root, me = {}) {
  const docs = [];
  let cur = null; // the document shown
  let geo = null; // renderPage() of the page shown
  let busy = false;
  let signer = me.user || '';
  let statement = STATEMENT;
  const urls = [];

  const el = (id) => $('#' + id, root);
  const stage = el('ws-stage');
  const stamp = el('ws-stamp');
  const canvas = el('ws-canvas');

  // ---- levels: signing policies bind applications (svc/policy policy_check_signing), never an official's own signing,
  // so the four PAdES levels the API makes are offered. B-T preselected: a trusted time from the instance's TSA
  // (the API's own default, without a level, is B-B).
  const levelSel = el('ws-level');
  for (const l of LEVELS) levelSel.append(h('option', { value: l, i18n: 'level.PAdES-BASELINE-' + l.slice(2) }));
  levelSel.value = 'B-T';

  // The preview shows what the stamp will: the name on the official's valid certificate (its CN) and the
  // instance's R8 statement ([sign] statement, from /api/v1/me). Neither needs the personal-data export.
  // Asked once, when the first file comes: an official without a certificate never sees the workspace.
  let signerAsked = false;
  function askSigner() {
    if (signerAsked) return;
    signerAsked = true;
    api('GET', '/api/v1/me').then((m) => {
      if (m && typeof m.sign_statement === 'string' && m.sign_statement) { statement = m.sign_statement; drawStamp(); }
    }).catch(() => { /* the canonical text stays */ });
    api('GET', '/api/v1/me/certificates').then((certs) => {
      const c = Array.isArray(certs) ? certs.find((x) => x.status === 'valid') : null;
      const cn = c ? commonName(c.subject) : '';
      if (cn) { signer = cn; drawStamp(); }
    }).catch(() => { /* the user name stays */ });
  }

  // ---------------------------------------------------------------- files
  async function addFiles(list) {
    askSigner();
    const msg = el('ws-load-msg');
    say(msg, null);
    const files = Array.from(list || []);
    const problems = [];
    for (const f of files) {
      if (docs.length >= MAX_FILES) { problems.push(t('ws.err.many', { n: MAX_FILES })); break; }
      if (f.size > MAX_FILE) { problems.push(f.name + ': ' + t('file.too_big')); continue; }
      let bytes;
      try { bytes = await f.arrayBuffer(); } catch (e) { problems.push(f.name + ': ' + String(e.message || e)); continue; }
      if (!isPdfHead(bytes)) { problems.push(f.name + ': ' + t('file.not_pdf')); continue; }
      let pdf;
      try {
        pdf = await openPdf(bytes);
      } catch (e) {
        problems.push(f.name + ': ' + t('ws.err.open'));
        continue;
      }
      // Every page's size as displayed (pages of one PDF may differ: a landscape annex after a portrait letter).
      const sizes = [];
      for (let n = 1; n <= pdf.numPages; n++) {
        const vp = (await pdf.getPage(n)).getViewport({ scale: 1 });
        sizes.push([vp.width, vp.height]);
      }
      const last = sizes[sizes.length - 1];
      const d = {
        id: ++seq, name: f.name || 'dokumen.pdf', size: f.size, bytes, pdf, pages: pdf.numPages, size0: sizes[0], sizes,
        page: pdf.numPages, place: { mode: 'drag', page: pdf.numPages, rect: null, anchor: '#ttd#', field: '' },
        touched: false, fields: null, status: 'ready', error: null, result: null, hits: null,
      };
      d.place.rect = presetRect('br', DEF_W, DEF_H, last[0], last[1]);
      applyMemory(d);
      docs.push(d);
    }
    if (problems.length) {
      say(msg, 'error', 'ws.err.some');
      msg.append(h('ul', {}, problems.map((p) => h('li', { text: p }))));
    }
    el('ws-main').hidden = docs.length === 0;
    renderList();
    if (!cur && docs.length) await show(docs[0]);
    syncSignButton();
  }

  // The remembered placement of the layout: in the batch, the one last chosen wins.
  function applyMemory(d) {
    const m = loadMemory(d);
    if (!m || !m.mode) return;
    d.place.mode = ['drag', 'anchor', 'field', 'invisible'].includes(m.mode) ? m.mode : 'drag';
    const md = m.modes || {};
    if (md.drag && Array.isArray(md.drag.rect) && md.drag.rect.length === 4) {
      d.place.page = Math.min(Math.max(1, Number(md.drag.page) || d.pages), d.pages);
      d.place.rect = clampRect(md.drag.rect.map(Number), ...sizeOf(d, d.place.page));
    }
    const [pw, ph] = sizeOf(d, d.place.page);
    if (md.anchor && typeof md.anchor.text === 'string') {
      d.place.anchor = md.anchor.text;
      if (d.place.mode === 'anchor') d.place.rect = clampRect([0, 0, Number(md.anchor.w) || DEF_W, Number(md.anchor.h) || DEF_H], pw, ph);
    }
    if (md.field && typeof md.field.name === 'string') d.place.field = md.field.name;
    d.remembered = true;
  }

  // Placement chosen on one document: remembered for its layout and given to the untouched ones of the batch.
  function placed(d) {
    d.touched = true;
    saveMemory(d);
    for (const o of docs) {
      if (o === d || o.touched || o.status === 'ok' || layoutKey(o) !== layoutKey(d)) continue;
      o.place = { ...d.place, rect: d.place.rect.slice(), page: Math.min(d.place.page, o.pages) };
      o.place.rect = clampRect(o.place.rect, ...sizeOf(o, o.place.page));
      o.hits = null;
      o.remembered = true;
    }
    renderList();
  }

  function statusText(d) {
    if (d.status === 'ok') return t('ws.st.ok');
    if (d.status === 'error') return t('ws.st.error');
    if (d.status === 'signing') return t('ws.st.signing');
    if (d.status === 'skipped') return t('ws.st.skipped');
    if (d.status === 'waiting') return t('ws.st.waiting');
    return t('ws.st.ready');
  }

  function placeText(d) {
    const p = d.place;
    if (p.mode === 'invisible') return t('ws.mode.invisible');
    if (p.mode === 'field') return t('ws.place.field', { name: p.field || '—' });
    if (p.mode === 'anchor') return t('ws.place.anchor', { text: p.anchor });
    return t('ws.place.drag', { page: p.page, w: Math.round(p.rect[2]), h: Math.round(p.rect[3]) });
  }

  function renderList() {
    const ol = el('ws-list');
    clear(ol);
    for (const d of docs) {
      const li = h('li', { class: 'ws-item' + (d === cur ? ' ws-current' : '') + ' ws-st-' + d.status, id: 'ws-item-' + d.id, dataset: { doc: String(d.id) } },
        h('button', { type: 'button', class: 'ws-pick', 'aria-current': d === cur ? 'true' : null, on: { click: () => show(d) } },
          h('span', { class: 'ws-name', text: d.name }),
          h('span', { class: 'ws-meta', i18n: 'ws.meta', vars: { size: fmtBytes(d.size), pages: d.pages } })),
        h('span', { class: 'ws-place', text: placeText(d) }),
        h('span', { class: 'ws-status', role: 'status', text: statusText(d) }),
        d.error ? h('span', { class: 'ws-error msg msg-error', text: d.error }) : null,
        d.status !== 'signing' && d.status !== 'ok'
          ? h('button', { type: 'button', class: 'button ws-remove', 'aria-label': t('ws.remove.of', { name: d.name }), i18n: 'ws.remove', on: { click: () => remove(d) } })
          : null);
      ol.append(li);
    }
  }

  function remove(d) {
    if (busy) return;
    const i = docs.indexOf(d);
    if (i < 0) return;
    docs.splice(i, 1);
    if (d.pdf && d.pdf.destroy) d.pdf.destroy();
    if (cur === d) {
      cur = null;
      if (docs.length) show(docs[Math.min(i, docs.length - 1)]);
    }
    el('ws-main').hidden = docs.length === 0;
    renderList();
    syncSignButton();
  }

  // ---------------------------------------------------------------- viewer
  let rendering = Promise.resolve();
  async function show(d, page) {
    cur = d;
    if (page) d.page = page;
    else if (d.place.mode === 'drag') d.page = d.place.page;
    else if (d.place.mode === 'field' && d.fields) {
      const f = d.fields.find((x) => x.name === d.place.field);
      if (f && f.page) d.page = f.page;
    }
    renderList();
    syncControls();
    rendering = rendering.then(() => paint()).catch((e) => showError(el('ws-load-msg'), e));
    await rendering;
    if (d.place.mode === 'field' && d.fields === null) await loadFields(d);
    if (d.place.mode === 'anchor' && d.hits === null) await findAnchor(d, false);
  }

  async function paint() {
    const d = cur;
    if (!d) return;
    const width = Math.max(240, Math.min(stage.parentElement.clientWidth || 600, 720) - 2);
    geo = await renderPage(d.pdf, d.page, canvas, width);
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', t('ws.page.of', { name: d.name, page: d.page, pages: d.pages }));
    stage.style.width = canvas.style.width;
    stage.style.height = canvas.style.height;
    el('ws-doc-name').textContent = d.name;
    el('ws-pageinfo').textContent = t('ws.page', { page: d.page, pages: d.pages });
    el('ws-prev').disabled = d.page <= 1;
    el('ws-next').disabled = d.page >= d.pages;
    drawStamp();
  }

  function pageSize() { return [geo.widthPt, geo.heightPt]; }

  // Where the stamp shows on the page in view, per mode; null: not on this page.
  function stampRectHere() {
    const d = cur;
    if (!d || !geo) return null;
    const p = d.place;
    if (p.mode === 'drag') return p.page === d.page ? p.rect : null;
    if (p.mode === 'anchor') {
      const hit = d.hits && d.hits[0];
      if (!hit || hit.page !== d.page) return null;
      // As the server does (src/pades/pades.c): lower-left corner at the text, moved back inside the page.
      const [pw, ph] = pageSize();
      return clampRect([hit.at[0], hit.at[1], p.rect[2], p.rect[3]], pw, ph);
    }
    if (p.mode === 'field') {
      const f = d.fields && d.fields.find((x) => x.name === p.field);
      if (!f || !f.page || f.page !== d.page || !f.rect) return null;
      return [f.rect.x, f.rect.y, f.rect.w, f.rect.h];
    }
    return null;
  }

  function drawStamp() {
    const d = cur;
    const r = stampRectHere();
    clear(el('ws-marks'));
    if (d && d.place.mode === 'anchor' && d.hits) {
      for (const hit of d.hits.filter((x) => x.page === d.page)) {
        const c = fromViewRect(geo, hit.box);
        const m = h('div', { class: 'ws-mark' });
        el('ws-marks').append(m);
        m.style.left = c.left + 'px';
        m.style.top = c.top + 'px';
        m.style.width = Math.max(4, c.width) + 'px';
        m.style.height = Math.max(4, c.height) + 'px';
      }
    }
    if (!r) {
      stamp.hidden = true;
      return;
    }
    const c = fromViewRect(geo, r);
    stamp.hidden = false;
    stamp.style.left = c.left + 'px';
    stamp.style.top = c.top + 'px';
    stamp.style.width = c.width + 'px';
    stamp.style.height = c.height + 'px';
    const movable = d.place.mode === 'drag' || d.place.mode === 'anchor';
    stamp.classList.toggle('ws-fixed', d.place.mode !== 'drag');
    stamp.dataset.x = r[0].toFixed(1);
    stamp.dataset.y = r[1].toFixed(1);
    stamp.dataset.w = r[2].toFixed(1);
    stamp.dataset.h = r[3].toFixed(1);
    stamp.dataset.page = String(d.page);
    el('ws-stamp-size').textContent = t('ws.size', { w: Math.round(r[2]), h: Math.round(r[3]) });
    stamp.setAttribute('aria-label', t('ws.stamp.label', { x: Math.round(r[0]), y: Math.round(r[1]), w: Math.round(r[2]), h: Math.round(r[3]), page: d.page }));
    el('ws-stamp-grip').hidden = !movable;
    // Preview of the content: QR square (as high as the box, at most 40% of its width), then the text, shrunk to fit.
    const qr = stamp.querySelector('.ws-stamp-qr');
    const side = Math.min(c.height, c.width * 0.4);
    qr.style.width = side + 'px';
    qr.style.height = side + 'px';
    const txt = el('ws-stamp-text');
    clear(txt);
    txt.append(h('span', { class: 'ws-st-head', i18n: 'ws.stamp.head' }), h('strong', { text: signer || '—' }),
      h('span', { i18n: 'ws.stamp.when' }), h('span', { class: 'ws-st-stmt', text: statement }));
    txt.style.left = (side + 4) + 'px';
    let fs = Math.min(12, r[3] / 6) * geo.scale;
    txt.style.fontSize = fs + 'px';
    while (fs > 2 && txt.scrollHeight > txt.clientHeight + 1) {
      fs -= 0.25;
      txt.style.fontSize = fs + 'px';
    }
    el('ws-w').value = String(Math.round(d.place.rect[2]));
    el('ws-h').value = String(Math.round(d.place.rect[3]));
  }

  // ---------------------------------------------------------------- placement controls
  function syncControls() {
    const d = cur;
    if (!d) return;
    const mode = d.place.mode;
    el('ws-mode-' + mode).checked = true;
    el('ws-opt-drag').hidden = mode !== 'drag' && mode !== 'anchor';
    el('ws-preset').disabled = mode !== 'drag';
    el('ws-opt-anchor').hidden = mode !== 'anchor';
    el('ws-opt-field').hidden = mode !== 'field';
    el('ws-anchor').value = d.place.anchor || '';
    el('ws-preset').value = '';
    fillFields(d);
  }

  for (const radio of root.querySelectorAll('input[name="ws-mode"]')) {
    radio.addEventListener('change', async () => {
      const d = cur;
      if (!d || !radio.checked) return;
      d.place.mode = radio.value;
      if (radio.value === 'drag') d.page = d.place.page;
      placed(d);
      syncControls();
      if (radio.value === 'field' && d.fields === null) await loadFields(d);
      if (radio.value === 'anchor') await findAnchor(d, false);
      await goPage(d.page);
    });
  }

  async function goPage(n) {
    const d = cur;
    if (!d) return;
    d.page = Math.min(Math.max(1, n), d.pages);
    rendering = rendering.then(() => paint()).catch((e) => showError(el('ws-load-msg'), e));
    await rendering;
  }
  el('ws-prev').addEventListener('click', () => goPage(cur.page - 1));
  el('ws-next').addEventListener('click', () => goPage(cur.page + 1));

  el('ws-preset').addEventListener('change', () => {
    const d = cur;
    const v = el('ws-preset').value;
    if (!d || !v || d.place.mode !== 'drag') return;
    const [pw, ph] = pageSize();
    d.place.page = d.page;
    d.place.rect = presetRect(v, d.place.rect[2], d.place.rect[3], pw, ph);
    placed(d);
    drawStamp();
  });

  for (const [id, i] of [['ws-w', 2], ['ws-h', 3]]) {
    el(id).addEventListener('change', () => {
      const d = cur;
      const v = Number(el(id).value);
      if (!d || !(v > 0)) return;
      const [pw, ph] = sizeOf(d, d.place.page);
      const r = d.place.rect.slice();
      if (i === 3) r[1] += r[3] - v; // keep the top edge where it is
      r[i] = v;
      d.place.rect = clampRect(r, pw, ph);
      placed(d);
      drawStamp();
    });
  }

  // ---- pointer: drag the stamp, drag its corner grip to resize, tap the page to put it there (phones)
  let drag = null;
  function startDrag(ev, resize) {
    const d = cur;
    if (!d || (d.place.mode !== 'drag' && !(resize && d.place.mode === 'anchor'))) return;
    ev.preventDefault();
    ev.stopPropagation();
    stamp.setPointerCapture(ev.pointerId);
    const r = stampRectHere();
    drag = { id: ev.pointerId, x0: ev.clientX, y0: ev.clientY, r0: r.slice(), resize };
  }
  stamp.addEventListener('pointerdown', (ev) => startDrag(ev, ev.target === el('ws-stamp-grip')));
  stamp.addEventListener('pointermove', (ev) => {
    if (!drag || ev.pointerId !== drag.id) return;
    const d = cur;
    const dx = (ev.clientX - drag.x0) / geo.scale;
    const dy = (ev.clientY - drag.y0) / geo.scale;
    const [pw, ph] = pageSize();
    const [x, y, w, hh] = drag.r0;
    if (drag.resize) {
      // The grip is the lower-right corner: the top-left corner stays.
      const nw = Math.min(Math.max(w + dx, MIN_W), pw - x);
      const nh = Math.min(Math.max(hh + dy, MIN_H), y + hh);
      if (d.place.mode === 'drag') d.place.rect = clampRect([x, y + hh - nh, nw, nh], pw, ph);
      else d.place.rect = [d.place.rect[0], d.place.rect[1], nw, nh];
    } else {
      d.place.rect = clampRect([x + dx, y - dy, w, hh], pw, ph);
      d.place.page = d.page;
    }
    drawStamp();
  });
  const endDrag = (ev) => {
    if (!drag || ev.pointerId !== drag.id) return;
    drag = null;
    placed(cur);
    drawStamp();
  };
  stamp.addEventListener('pointerup', endDrag);
  stamp.addEventListener('pointercancel', endDrag);
  // A click, not pointerdown: a finger scrolling the page on a phone must not move the stamp.
  canvas.addEventListener('click', (ev) => {
    const d = cur;
    if (!d || !geo || d.place.mode !== 'drag') return;
    const box = canvas.getBoundingClientRect();
    const [pw, ph] = pageSize();
    const [, , w, hh] = d.place.rect;
    const cx = (ev.clientX - box.left) / geo.scale;
    const cy = geo.heightPt - (ev.clientY - box.top) / geo.scale;
    d.place.page = d.page;
    d.place.rect = clampRect([cx - w / 2, cy - hh / 2, w, hh], pw, ph);
    placed(d);
    drawStamp();
    stamp.focus();
  });

  // ---- keyboard: arrows move, shift+arrows resize (right/down: larger), ctrl or alt: 10 points a step
  stamp.addEventListener('keydown', (ev) => {
    const d = cur;
    const dir = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] }[ev.key];
    if (!d || !dir || !geo) return;
    if (d.place.mode !== 'drag' && !(ev.shiftKey && d.place.mode === 'anchor')) return;
    ev.preventDefault();
    const step = ev.ctrlKey || ev.altKey ? 10 : STEP;
    const [pw, ph] = pageSize();
    const [x, y, w, hh] = d.place.rect;
    if (ev.shiftKey) {
      const nw = w + dir[0] * step;
      const nh = hh - dir[1] * step;
      if (d.place.mode === 'drag') d.place.rect = clampRect([x, y + hh - Math.max(nh, MIN_H), nw, Math.max(nh, MIN_H)], pw, ph);
      else d.place.rect = [x, y, Math.min(Math.max(nw, MIN_W), pw), Math.min(Math.max(nh, MIN_H), ph)];
    } else {
      d.place.rect = clampRect([x + dir[0] * step, y + dir[1] * step, w, hh], pw, ph);
      d.place.page = d.page;
    }
    placed(d);
    drawStamp();
  });

  // ---- anchor text: found with pdf.js in the page text; the server finds it again and places the stamp
  async function findAnchor(d, announce) {
    const msg = el('ws-anchor-msg');
    const text = el('ws-anchor').value.trim();
    say(msg, null);
    if (!text) { say(msg, 'error', 'ws.anchor.empty'); return; }
    d.place.anchor = text;
    const raw = await findText(d.pdf, text, 20);
    d.hits = [];
    for (const hit of raw) {
      const page = await d.pdf.getPage(hit.page);
      const vp = page.getViewport({ scale: 1 });
      const g = { viewport: vp, scale: 1, widthPt: vp.width, heightPt: vp.height };
      // The needle's start inside the text item (items may hold more than the tag): proportional to the characters.
      const frac = hit.text.length ? hit.text.indexOf(text) / hit.text.length : 0;
      const ux = hit.rect[0] + hit.rect[2] * frac;
      const at = userToView(g, ux, hit.rect[1]);
      const top = userToView(g, ux, hit.rect[1] + hit.rect[3]);
      const wv = hit.rect[2] * (text.length / Math.max(1, hit.text.length));
      d.hits.push({ page: hit.page, at, box: [at[0], Math.min(at[1], top[1]), wv, Math.abs(top[1] - at[1])] });
    }
    if (d.hits.length === 0) say(msg, 'error', 'ws.anchor.none', { text });
    else {
      say(msg, 'ok', 'ws.anchor.found', { text, page: d.hits[0].page, n: d.hits.length });
      if (d.page !== d.hits[0].page) await goPage(d.hits[0].page);
    }
    if (announce) placed(d);
    drawStamp();
  }
  el('ws-anchor-find').addEventListener('click', () => cur && findAnchor(cur, true));
  el('ws-anchor').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') { ev.preventDefault(); if (cur) findAnchor(cur, true); }
  });

  // ---- empty signature fields the document prepared (POST /api/v1/fields)
  async function loadFields(d) {
    const msg = el('ws-field-msg');
    say(msg, null);
    const fd = new FormData();
    fd.append('file', new Blob([d.bytes], { type: 'application/pdf' }), d.name);
    try {
      const r = await api('POST', '/api/v1/fields', { form: fd });
      d.fields = (r && r.fields ? r.fields : []).filter((f) => !f.signed);
    } catch (e) {
      d.fields = [];
      showError(msg, e);
      return;
    }
    if (!d.place.field || !d.fields.some((f) => f.name === d.place.field)) d.place.field = d.fields.length ? d.fields[0].name : '';
    if (cur === d) {
      fillFields(d);
      const f = d.fields.find((x) => x.name === d.place.field);
      if (f && f.page && f.page !== d.page) await goPage(f.page);
      else drawStamp();
    }
    renderList();
  }

  function fillFields(d) {
    const sel = el('ws-field');
    clear(sel);
    const msg = el('ws-field-msg');
    if (d.fields === null) return;
    for (const f of d.fields) {
      sel.append(h('option', { value: f.name, text: f.page ? t('ws.field.opt', { name: f.name, page: f.page }) : f.name }));
    }
    sel.value = d.place.field;
    if (d.place.mode === 'field' && d.fields.length === 0) say(msg, 'warn', 'ws.field.none');
  }
  el('ws-field').addEventListener('change', async () => {
    const d = cur;
    if (!d) return;
    d.place.field = el('ws-field').value;
    placed(d);
    const f = d.fields.find((x) => x.name === d.place.field);
    if (f && f.page && f.page !== d.page) await goPage(f.page);
    else drawStamp();
  });

  // ---- drop zone
  const drop = el('ws-drop');
  drop.addEventListener('dragover', (ev) => { ev.preventDefault(); drop.classList.add('ws-over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('ws-over'));
  drop.addEventListener('drop', (ev) => {
    ev.preventDefault();
    drop.classList.remove('ws-over');
    if (!busy && ev.dataTransfer && ev.dataTransfer.files) addFiles(ev.dataTransfer.files);
  });
  el('ws-files').addEventListener('change', async () => {
    if (busy) return;
    await addFiles(el('ws-files').files);
    el('ws-files').value = '';
  });

  let resizeTimer = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { if (cur) goPage(cur.page); }, 200);
  });
  document.addEventListener('teken:lang', () => { if (cur) { renderList(); drawStamp(); } });

  // ---------------------------------------------------------------- signing
  function syncSignButton() {
    const n = docs.filter((d) => d.status !== 'ok').length;
    const b = el('ws-sign');
    b.dataset.i18nVars = JSON.stringify({ n });
    b.textContent = t('ws.sign', { n });
    b.disabled = busy || n === 0;
  }

  function options(d, passphrase) {
    const o = { passphrase, level: levelSel.value };
    const reason = el('ws-reason').value.trim();
    const location = el('ws-location').value.trim();
    if (reason) o.reason = reason;
    if (location) o.location = location;
    const p = d.place;
    const r = (v) => Math.round(v * 100) / 100;
    if (p.mode === 'drag') {
      o.visible = { page: p.page, x: r(p.rect[0]), y: r(p.rect[1]), w: r(p.rect[2]), h: r(p.rect[3]) };
    } else if (p.mode === 'anchor') {
      o.visible = { anchor: p.anchor, w: r(p.rect[2]), h: r(p.rect[3]) };
      if (d.hits && d.hits[0]) o.visible.page = d.hits[0].page;
    } else if (p.mode === 'field') {
      if (p.field) o.field = p.field;
    } else {
      o.new_field = true; // invisible: never into a prepared field (that would show the stamp there)
    }
    return o;
  }

  function errorText(e) {
    const key = errorKey(e);
    let s = key ? t(key) : (e && e.message) || String(e);
    if (e && e.code === 'stamp_too_small') {
      const sz = suggestedSize(e.message);
      if (sz) s += ' ' + t('ws.err.min', { w: sz[0], h: sz[1] });
    }
    return s;
  }

  el('ws-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const msg = el('ws-msg');
    say(msg, null);
    const pass = el('ws-pass');
    const passphrase = pass.value;
    const todo = docs.filter((d) => d.status !== 'ok');
    if (!passphrase) { say(msg, 'error', 'ws.err.pass'); pass.focus(); return; }
    if (todo.length === 0) { say(msg, 'error', 'file.required'); return; }
    for (const d of todo) {
      if (d.place.mode === 'anchor' && !d.place.anchor) { say(msg, 'error', 'ws.anchor.empty'); return; }
    }
    busy = true;
    syncSignButton();
    el('ws-files').disabled = true;
    for (const d of todo) { d.status = 'waiting'; d.error = null; }
    renderList();
    let stopped = null;
    let ok = 0;
    try {
      for (const d of todo) {
        if (stopped) { d.status = 'skipped'; continue; }
        d.status = 'signing';
        renderList();
        say(msg, 'info', 'ws.progress', { i: todo.indexOf(d) + 1, n: todo.length, name: d.name });
        const fd = new FormData();
        fd.append('file', new Blob([d.bytes], { type: 'application/pdf' }), d.name);
        fd.append('options', JSON.stringify(options(d, passphrase)));
        try {
          const r = await api('POST', '/api/v1/sign/pdf', { form: fd, as: 'blob' });
          const blob = new Blob([r.blob], { type: 'application/pdf' });
          d.result = { blob, id: r.headers.get('X-Document-Id') || '', level: r.headers.get('X-Signature-Level') || '' };
          d.status = 'ok';
          ok++;
        } catch (e) {
          d.status = 'error';
          d.error = errorText(e);
          // A wrong passphrase stops the batch: every further try counts towards the throttle.
          if (e && ['passphrase_invalid', 'too_many_attempts', 'unauthenticated', 'rate_limited'].includes(e.code)) stopped = e;
          if (e && e.code === 'unauthenticated') showError(h('div'), e);
        }
        renderList();
      }
    } finally {
      pass.value = '';
      busy = false;
      el('ws-files').disabled = false;
      syncSignButton();
    }
    renderList();
    const skipped = todo.filter((d) => d.status === 'skipped').length;
    if (stopped && skipped > 0) {
      say(msg, 'error', 'ws.stopped', { n: skipped }, errorText(stopped));
      pass.focus();
    } else if (stopped) {
      say(msg, 'error', 'ws.partial', { ok, n: todo.length }, errorText(stopped));
      pass.focus();
    } else if (ok === todo.length) say(msg, 'ok', 'ws.done', { n: ok });
    else say(msg, 'error', 'ws.partial', { ok, n: todo.length });
    renderResults();
  });

  function signedName(d) {
    return d.name.replace(/\.pdf$/i, '') + '-ditandatangani.pdf';
  }

  function renderResults() {
    const box = el('ws-results');
    for (const u of urls.splice(0)) URL.revokeObjectURL(u);
    clear(box);
    const done = docs.filter((d) => d.status === 'ok');
    if (done.length === 0) return;
    const rows = done.map((d) => {
      const u = URL.createObjectURL(d.result.blob);
      urls.push(u);
      return h('tr', { dataset: { doc: String(d.id) } },
        h('td', { text: d.name }),
        h('td', {}, has('level.' + d.result.level) ? h('span', { i18n: 'level.' + d.result.level }) : null, ' ', h('code', { text: d.result.level })),
        h('td', {}, h('a', { href: u, download: signedName(d), class: 'ws-dl', i18n: 'ws.download' })),
        h('td', {}, d.result.id ? h('a', { href: '/v/' + encodeURIComponent(d.result.id), class: 'ws-record mono', text: d.result.id }) : '—'));
    });
    box.append(h('h3', { i18n: 'ws.results' }),
      h('div', { class: 'table-wrap' }, h('table', { class: 'ws-table' },
        h('thead', {}, h('tr', {}, h('th', { i18n: 'ws.col.file' }), h('th', { i18n: 'ws.col.level' }), h('th', { i18n: 'ws.col.signed' }), h('th', { i18n: 'ws.col.record' }))),
        h('tbody', {}, rows))),
      h('p', { class: 'actions' }, h('button', { type: 'button', class: 'button button-primary', id: 'ws-zip', i18n: 'ws.zip', vars: { n: done.length },
        on: { click: () => downloadZip(done) } })));
  }

  async function downloadZip(done) {
    const entries = [];
    for (const d of done) entries.push({ name: signedName(d), data: new Uint8Array(await d.result.blob.arrayBuffer()) });
    const zip = makeZip(entries);
    const u = URL.createObjectURL(new Blob([zip], { type: 'application/zip' }));
    const a = h('a', { href: u, download: 'dokumen-ditandatangani.zip', hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(u), 60_000);
  }

  syncSignButton();
}
