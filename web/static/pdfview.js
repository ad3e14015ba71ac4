// Shows PDFs in the browser with pdf.js (npm pdfjs-dist, served by teken from
// /static/pdfjs/: no CDN, no eval, the worker from 'self'). One loader for every
// page that shows a document: the signing workspace, the Verifikator's evidence.
//
// Coordinates: the signing API measures in points from the lower-left corner
// of the page as displayed (after /Rotate, inside the crop box), which is not
// PDF user space on a rotated or cropped page. toViewRect/fromViewRect convert
// between those points and CSS pixels on the rendered page; userToView maps a
// user-space point (a findText hit) into them.

let lib = null;

async function pdfjs() {
  if (!lib) {
    lib = await import('/static/pdfjs/pdf.min.mjs');
    lib.GlobalWorkerOptions.workerSrc = '/static/pdfjs/pdf.worker.min.mjs';
  }
  return lib;
}

// Opens a PDF from bytes (ArrayBuffer or Uint8Array). The copy keeps the
// caller's buffer intact: pdf.js transfers what it is given to its worker.
// extra: more getDocument() parameters (e.g. {verbosity: 0}: errors only,
// for uploads that are often damaged scans and would fill the console).
export async function openPdf(bytes, password, extra = {}) {
  const p = await pdfjs();
  const data = new Uint8Array(bytes instanceof ArrayBuffer ? bytes.slice(0) : bytes.slice());
  const task = p.getDocument({
    data,
    password,
    isEvalSupported: false,
    enableXfa: false,
    standardFontDataUrl: '/static/pdfjs/fonts/',
    cMapUrl: '/static/pdfjs/cmaps/',
    cMapPacked: true,
    ...extra,
  });
  return task.promise;
}

// Renders page n (from 1) into canvas at cssWidth CSS pixels wide, sharp on
// high-density screens. Returns the page geometry for placing things on it.
export async function renderPage(doc, n, canvas, cssWidth) {
  const page = await doc.getPage(n);
  const base = page.getViewport({ scale: 1 });
  const scale = cssWidth / base.width;
  const vp = page.getViewport({ scale });
  const dpr = Math.min(window.devicePixelRatio || 1, 3);
  canvas.width = Math.floor(vp.width * dpr);
  canvas.height = Math.floor(vp.height * dpr);
  canvas.style.width = `${Math.floor(vp.width)}px`;
  canvas.style.height = `${Math.floor(vp.height)}px`;
  const ctx = canvas.getContext('2d');
  const transform = dpr !== 1 ? [dpr, 0, 0, dpr, 0, 0] : null;
  await page.render({ canvas, canvasContext: ctx, viewport: vp, transform }).promise;
  return { page: n, viewport: vp, widthPt: base.width, heightPt: base.height, scale };
}

// The signing API's coordinates (docs/signing.md "Coordinates"): points from
// the bottom-left corner of the page AS DISPLAYED (after /Rotate, inside the
// crop box), not PDF user space. geo is what renderPage returned.
// {left, top, width, height} in CSS pixels -> [x, y, w, h] in displayed points.
export function toViewRect(geo, css) {
  const s = geo.scale;
  return [css.left / s, geo.heightPt - (css.top + css.height) / s, css.width / s, css.height / s];
}

// [x, y, w, h] in displayed points -> {left, top, width, height} in CSS pixels.
export function fromViewRect(geo, r) {
  const s = geo.scale;
  return { left: r[0] * s, top: (geo.heightPt - r[1] - r[3]) * s, width: r[2] * s, height: r[3] * s };
}

// A point in PDF user space (e.g. a findText hit) -> [x, y] in displayed points.
export function userToView(geo, x, y) {
  const [cx, cy] = geo.viewport.convertToViewportPoint(x, y);
  return [cx / geo.scale, geo.heightPt - cy / geo.scale];
}

// Where a text occurs in the document: [{page, rect:[x,y,w,h] in points}],
// one per text item containing it (anchor tags such as "^" or "#ttd#" are
// short items). Pages from 1.
export async function findText(doc, needle, maxHits = 50) {
  const hits = [];
  for (let n = 1; n <= doc.numPages && hits.length < maxHits; n++) {
    const page = await doc.getPage(n);
    const tc = await page.getTextContent();
    for (const it of tc.items) {
      if (typeof it.str !== 'string' || !it.str.includes(needle)) continue;
      const [, , , d, e, f] = it.transform;
      const h = it.height || Math.abs(d) || 10;
      hits.push({ page: n, text: it.str, rect: [e, f, it.width, h] });
      if (hits.length >= maxHits) break;
    }
  }
  return hits;
}

// A scrollable column of all pages of a PDF inside container, each page a
// <div class="pdf-page"> holding its canvas (data-page from 1). Renders at the
// container's width (or opts.width); opts.maxPages, opts.pageLabel(n, total),
// opts.verbosity (pdf.js: 0 errors only). Returns {doc, pages:[{el, canvas, geo}], truncated}.
export async function showPdf(container, bytes, opts = {}) {
  const doc = await openPdf(bytes, undefined, opts.verbosity !== undefined ? { verbosity: opts.verbosity } : {});
  const width = opts.width || Math.max(240, Math.min(container.clientWidth || 800, 900) - 4);
  const pages = [];
  const max = Math.min(doc.numPages, opts.maxPages || 200);
  for (let n = 1; n <= max; n++) {
    const el = document.createElement('div');
    el.className = 'pdf-page';
    el.dataset.page = String(n);
    const canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', opts.pageLabel ? opts.pageLabel(n, doc.numPages) : `${n} / ${doc.numPages}`);
    el.append(canvas);
    container.append(el);
    const geo = await renderPage(doc, n, canvas, width);
    pages.push({ el, canvas, geo });
  }
  return { doc, pages, truncated: doc.numPages > max };
}
