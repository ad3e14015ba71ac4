// Shared harness of the browser tests (tests/browser/*.test.mjs): arguments,
// API helpers for setting up state, pages watched for console problems, and
// scenarios counted into one verdict. Each test file is started by a
// tests/integration/test_browser*.sh script through tests/lib/browser-run.sh:
//
//   node X.test.mjs --base http://127.0.0.1:PORT --demo DIR/demo.json --tmp DIR --pdf some.pdf
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

const T0 = Date.now();
const arg = (name, dflt) => {
  const i = process.argv.indexOf('--' + name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
export const BASE = arg('base');
export const DEMO = JSON.parse(fs.readFileSync(arg('demo'), 'utf8'));
export const TMP = arg('tmp');
export const PDF = arg('pdf');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const SHOTS = process.env.TEKEN_SHOTS_DIR || path.join(TMP, 'shots');
fs.mkdirSync(SHOTS, { recursive: true });

let passed = 0;
let failed = 0;
let watchdog = null;
export function check(cond, what) {
  if (!cond) throw new Error(what);
}

// ------------------------------------------------------------ API helpers (setup only)

export const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000'
  + '1f15c4890000000d49444154789c63f8cfc0f01f0005000101ff89993d1d0000000049454e44ae426082', 'hex');
export const TINY_PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n'
  + 'trailer<</Root 1 0 R>>\n%%EOF\n');

export async function login(user, password) {
  const r = await fetch(BASE + '/api/v1/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user, password }) });
  check(r.status === 200, `API login ${user}: ${r.status}`);
  const j = await r.json();
  return { cookie: r.headers.get('set-cookie').split(';')[0], csrf: j.csrf_token };
}

export async function call(sess, method, p, { json, form } = {}) {
  const headers = { Cookie: sess.cookie };
  if (method !== 'GET') headers['X-CSRF-Token'] = sess.csrf;
  let body;
  if (json) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(json); }
  if (form) body = form;
  const r = await fetch(BASE + p, { method, headers, body });
  const text = await r.text();
  let data = null;
  try { data = JSON.parse(text); } catch (e) { data = text; }
  return { status: r.status, data };
}

export async function enrol(sess, ident) {
  const fd = new FormData();
  fd.append('data', JSON.stringify(ident));
  fd.append('ktp', new Blob([PNG], { type: 'image/png' }), 'ktp.png');
  fd.append('sk', new Blob([TINY_PDF], { type: 'application/pdf' }), 'sk.pdf');
  const r = await call(sess, 'POST', '/api/v1/enrollments', { form: fd });
  check(r.status === 201, 'enrolment: ' + JSON.stringify(r.data));
  return r.data.request_id;
}

// ------------------------------------------------------------ browser helpers

const consoleProblems = [];
// API errors a scenario provokes on purpose: set allowed.http = [{path, status}], reset to [] after.
export const allowed = { http: [] };

export function watch(page, label) {
  page.on('console', (m) => {
    const type = m.type();
    if (type !== 'error' && type !== 'warning') return;
    const text = m.text();
    const loc = m.location() || {};
    if (type === 'error' && text.startsWith('Failed to load resource: the server responded with a status of ')) {
      let p = '';
      try { p = new URL(loc.url).pathname; } catch (e) { p = ''; }
      if (allowed.http.some((a) => (a.path instanceof RegExp ? a.path.test(p) : a.path === p) && text.includes('status of ' + a.status))) return;
    }
    consoleProblems.push(`${label}: console ${type}: ${text} (${loc.url || ''})`);
  });
  page.on('pageerror', (e) => consoleProblems.push(`${label}: page error: ${e.message}`));
}

export async function newPage(browser, label, viewport = { width: 1280, height: 900 }) {
  const ctx = await browser.newContext({ acceptDownloads: true, viewport, locale: 'id-ID' });
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  watch(page, label);
  return { ctx, page };
}

export async function uiLogin(page, user, password) {
  const resp = await page.goto(BASE + '/app');
  const csp = resp.headers()['content-security-policy'] || '';
  check(csp.includes("script-src 'self'") && csp.includes("style-src 'self'"), 'the app page is served with the strict CSP');
  await page.fill('#login-user', user);
  await page.fill('#login-password', password);
  await page.click('#login-form button[type="submit"]');
  await page.waitForSelector('#dash:not([hidden])');
}

// Clicks sel once the page has stopped moving around it: dashboards fill their lists in as data
// arrives, and a click aimed while content above is still growing lands on whatever moved there.
export async function settledClick(page, sel, quietMs = 1000) {
  const loc = page.locator(sel);
  let last = '';
  let since = Date.now();
  for (const until = Date.now() + 30_000; Date.now() < until;) {
    const bb = JSON.stringify(await loc.boundingBox());
    if (bb !== last) {
      last = bb;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      break;
    }
    await page.waitForTimeout(100);
  }
  await loc.click();
}

// ------------------------------------------------------------ scenarios

export async function scenario(name, fn) {
  const t = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok - ${name} (${Date.now() - t} ms)`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}: ${e && e.stack ? e.stack : e}`);
  }
}

// Starts Chromium; the whole file must finish within budgetMs.
export async function launch(budgetMs) {
  watchdog = setTimeout(() => {
    console.error(`not ok: the browser test took longer than ${budgetMs / 1000} s`);
    process.exit(1);
  }, budgetMs);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Playwright adds a fresh temporary --user-data-dir (under TMPDIR) itself.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// The last scenario of every file, then the verdict as the exit code.
export async function finish(browser) {
  await scenario('no console errors, CSP violations or page errors on any page', async () => {
    check(consoleProblems.length === 0, 'console problems:\n  ' + consoleProblems.join('\n  '));
  });
  await browser.close();
  clearTimeout(watchdog);
  console.log(`browser tests took ${((Date.now() - T0) / 1000).toFixed(1)} s; screenshots in ${SHOTS}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

// ------------------------------------------------------------ accessibility audit
//
// auditPage(page, name) holds one rendered page to the bar of issue 14 and
// returns every finding as a line of text (an empty list when the page passes);
// tests/browser/a11y.test.mjs runs it on every page and role, and any other
// browser test may call it on what it has built (check(f.length === 0, f.join)).
// What it checks, in the page as it is when called:
//  - no horizontal overflow (the elements sticking out are named);
//  - names: every visible input/select/textarea is labelled (label, aria-label,
//    aria-labelledby), every button and link has a name; no duplicate ids;
//    <html lang>; images have alt (or role=presentation);
//  - contrast WCAG 2 AA of visible text against its effective background
//    (4.5, or 3 for large text: >= 24 px, or >= 18.66 px bold);
//  - keyboard: Tab walks forward through the visible focusable elements, each
//    shows a focus indicator (outline or box-shadow differs from unfocused),
//    and the walk leaves the page or cycles (no trap);
//  - the language switch to English changes the text and <html lang>; no raw
//    string key on screen in either language (overflow is checked again in
//    English, whose texts are often longer);
//  - a full-page screenshot <name>.png in SHOTS (name: <page>-<role>-<width>).
// opts.lang = false skips the language round trip (pages without the toggle),
// opts.keyboard = false skips the Tab walk, opts.shot = false the screenshot.

// Runs in the page: overflow, names, ids, lang, images, contrast, raw keys.
// Kept self-contained (no closures): Playwright serialises it into the page.
function pageChecks(arg) {
  const found = [];
  const vw = document.documentElement.clientWidth;
  const keyRe = /^[a-z]+(\.[a-z0-9_-]+)+$/;
  const cssName = (e) => {
    if (!(e instanceof Element)) return String(e);
    let s = e.localName;
    if (e.id) return s + '#' + e.id;
    const cls = Array.from(e.classList).slice(0, 3);
    if (cls.length) s += '.' + cls.join('.');
    return s;
  };
  // A short path up to the nearest ancestor with an id: enough to find it in the markup.
  const where = (e) => {
    const parts = [];
    for (let x = e; x && x !== document.documentElement && parts.length < 4; x = x.parentElement) {
      parts.unshift(cssName(x));
      if (x.id) break;
    }
    return parts.join(' > ');
  };
  const shown = (e) => {
    if (!e.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) return false;
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const text = (e) => (e.innerText || e.textContent || '').replace(/\s+/g, ' ').trim();
  const snippet = (s) => (s.length > 40 ? s.slice(0, 37) + '...' : s);

  // 1. horizontal overflow: the outermost elements whose right edge passes the viewport and
  //    that no horizontally scrolling or clipping ancestor contains.
  const sw = document.documentElement.scrollWidth;
  if (sw > vw + 1) {
    const clips = (x) => ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(x).overflowX);
    const out = [];
    for (const e of document.body.querySelectorAll('*')) {
      if (!shown(e)) continue;
      if (e.getBoundingClientRect().right <= vw + 1) continue;
      let contained = false;
      for (let x = e.parentElement; x && x !== document.body; x = x.parentElement) {
        if (clips(x)) { contained = true; break; }
      }
      if (contained) continue;
      if (out.some((o) => o.contains(e))) continue;
      out.push(e);
    }
    const names = out.slice(0, 6).map((e) => `${where(e)} (right edge ${Math.round(e.getBoundingClientRect().right)} px)`);
    // What makes them wide: the innermost elements wider than the viewport (a table row, a
    // long unbreakable text, a fixed minimum width), each named once.
    const wide = [];
    for (const e of out) {
      for (const x of [e, ...e.querySelectorAll('*')]) {
        if (!shown(x) || x.getBoundingClientRect().width <= vw + 1) continue;
        if (Array.from(x.children).some((c) => shown(c) && c.getBoundingClientRect().width > vw + 1)) continue;
        const w = `${where(x)} (${Math.round(x.getBoundingClientRect().width)} px wide)`;
        if (!wide.includes(w)) wide.push(w);
      }
    }
    found.push(`overflow: page is ${sw} px wide in a ${vw} px viewport; sticking out: ${names.join('; ') || '(no single element found)'}`
      + (out.length > 6 ? ` and ${out.length - 6} more` : '')
      + (wide.length ? `; widest content: ${wide.slice(0, 6).join('; ')}` : ''));
  }

  // 2. names, ids, lang, images
  const byIds = (ids) => ids.split(/\s+/).map((i) => document.getElementById(i)).filter(Boolean).map(text).join(' ').trim();
  const ariaName = (e) => {
    if (e.hasAttribute('aria-labelledby')) {
      const n = byIds(e.getAttribute('aria-labelledby'));
      if (n) return n;
    }
    return (e.getAttribute('aria-label') || '').trim();
  };
  if (arg.phase === 'full') {
    for (const e of document.querySelectorAll('input, select, textarea')) {
      if (e.type === 'hidden' || !shown(e)) continue;
      const labels = Array.from(e.labels || []).map(text).join(' ').trim();
      if (!labels && !ariaName(e)) found.push(`name: form field without a label: ${where(e)}`);
    }
    for (const e of document.querySelectorAll('button, a[href], [role="button"], [role="link"], summary')) {
      if (!shown(e)) continue;
      const imgs = Array.from(e.querySelectorAll('img[alt], svg[aria-label]'), (i) => i.getAttribute('alt') || i.getAttribute('aria-label')).join(' ').trim();
      if (!ariaName(e) && !text(e) && !imgs && !(e.getAttribute('title') || '').trim()) found.push(`name: ${e.localName} without a name: ${where(e)}`);
    }
    const seen = new Map();
    for (const e of document.querySelectorAll('[id]')) seen.set(e.id, (seen.get(e.id) || 0) + 1);
    for (const [id, n] of seen) if (n > 1) found.push(`ids: id "${id}" is used ${n} times`);
    for (const e of document.querySelectorAll('img')) {
      const role = e.getAttribute('role');
      if (!e.hasAttribute('alt') && role !== 'presentation' && role !== 'none') found.push(`image without alt: ${where(e)} (${e.getAttribute('src')})`);
    }
    for (const e of document.querySelectorAll('svg[role="img"]')) {
      if (!ariaName(e) && !e.querySelector('title')) found.push(`svg image without a name: ${where(e)}`);
    }
  }
  const lang = document.documentElement.getAttribute('lang');
  if (!lang) found.push('lang: <html> has no lang attribute');
  else if (arg.lang && lang !== arg.lang) found.push(`lang: <html lang="${lang}"> but the page is in "${arg.lang}"`);

  // 3. contrast (WCAG 2.x relative luminance), text against the composited backgrounds behind it.
  const parse = (c) => {
    const m = /^rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)$/.exec(c || '');
    return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : null;
  };
  const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
  const mix = (a, b, o) => [0, 1, 2].map((i) => a[i] * o + b[i] * (1 - o)).concat(1);
  const lum = (c) => {
    const f = (v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a, b) => { const x = lum(a); const y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const hex = (c) => '#' + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
  // Returns [fg, bg] as opaque colours, or null when a background image makes it unknowable.
  const colours = (e, fgCss) => {
    const chain = [];
    for (let x = e; x; x = x.parentElement) chain.unshift(x);
    let bg = [255, 255, 255, 1];
    const groups = [];
    for (const x of chain) {
      const cs = getComputedStyle(x);
      if (cs.backgroundImage && cs.backgroundImage !== 'none' && x.localName !== 'html' && x.localName !== 'body') return null;
      const o = Number(cs.opacity);
      if (o < 1) groups.push({ behind: bg, o });
      const b = parse(cs.backgroundColor);
      if (b && b[3] > 0) bg = over(b, bg);
    }
    const f = parse(fgCss);
    if (!f) return null;
    let fg = over(f, bg);
    for (const g of groups.reverse()) {
      fg = mix(fg, g.behind, g.o);
      bg = mix(bg, g.behind, g.o);
    }
    return [fg, bg];
  };
  const bad = new Map();
  const judge = (e, fgCss, sample) => {
    if (e.closest(':disabled, [aria-disabled="true"]')) return; // WCAG 1.4.3: inactive controls are exempt
    const cs = getComputedStyle(e);
    const c = colours(e, fgCss);
    if (!c) return;
    const px = parseFloat(cs.fontSize);
    const large = px >= 24 || (px >= 18.66 && Number(cs.fontWeight) >= 700);
    const need = large ? 3 : 4.5;
    const r = ratio(c[0], c[1]);
    if (r + 1e-6 >= need) return;
    const k = `${where(e)}|${hex(c[0])}|${hex(c[1])}`;
    const prev = bad.get(k);
    if (prev) prev.n++;
    else bad.set(k, { n: 1, line: `contrast: ${r.toFixed(2)} < ${need}: ${where(e)} "${snippet(sample)}" (${hex(c[0])} on ${hex(c[1])}, ${px} px)` });
  };
  for (const e of arg.phase === 'full' ? document.body.querySelectorAll('*') : []) {
    if (['script', 'style', 'template', 'noscript', 'option', 'optgroup'].includes(e.localName)) continue;
    const own = Array.from(e.childNodes).filter((n) => n.nodeType === 3 && n.textContent.trim()).map((n) => n.textContent.trim()).join(' ');
    const isField = ['input', 'select', 'textarea'].includes(e.localName) && !['checkbox', 'radio', 'file', 'hidden', 'range', 'color'].includes(e.type);
    if (!own && !(isField && e.value)) continue;
    if (!shown(e)) continue;
    const r = e.getBoundingClientRect();
    if (r.right <= 0 || r.bottom <= 0) continue; // parked off-screen (the skip link until focused)
    const svg = e instanceof SVGElement;
    judge(e, svg ? getComputedStyle(e).fill : getComputedStyle(e).color, own || e.value);
  }
  for (const v of bad.values()) found.push(v.line + (v.n > 1 ? ` (${v.n} times)` : ''));

  // 4. raw string keys on screen or in names: a text that looks like a key of the string
  //    tables (a.b.c) in a namespace the tables use ("sub.", "adm.", ...): names of files
  //    and users (sk.pdf, budi.uji) look alike but their first part is no namespace.
  const spaces = new Set(arg.spaces);
  const rawKey = (s) => keyRe.test(s) && spaces.has(s.split('.')[0]);
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const raws = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const s = n.textContent.trim();
    if (s && rawKey(s) && n.parentElement && shown(n.parentElement)) raws.add(`"${s}" in ${where(n.parentElement)}`);
  }
  for (const e of document.querySelectorAll('[aria-label], [placeholder], [title], [alt]')) {
    for (const a of ['aria-label', 'placeholder', 'title', 'alt']) {
      const s = (e.getAttribute(a) || '').trim();
      if (rawKey(s)) raws.add(`${a}="${s}" on ${where(e)}`);
    }
  }
  if (rawKey(document.title.replace(/ — teken$/, ''))) raws.add(`<title> "${document.title}"`);
  for (const r of raws) found.push(`raw string key (missing translation) [${arg.lang}]: ${r}`);

  // 5. text the switch left in Indonesian: the same text node, unchanged, reading as a sentence
  //    of it (two or more of its common words): a string of the server or the script that does
  //    not go through the tables. Data is left out: table cells and definitions, code, fields,
  //    and what is marked translate="no" or with its own lang attribute (a quoted statement).
  const ID_WORDS = /\b(yang|dan|untuk|tidak|belum|dengan|dari|ini|atau|akan|dapat|harus|oleh|pada|sudah|anda|tanda|tangan|dokumen|sertifikat|permohonan|data|kunci|pengguna|menunggu|semua|baru|simpan|kirim|unduh|ajukan)\b/gi;
  const idish = (t) => (t.match(ID_WORDS) || []).length >= 2;
  if (arg.phase === 'full') {
    window.__a11yTexts = [];
    const tw = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = tw.nextNode(); n; n = tw.nextNode()) {
      const t = n.textContent.trim();
      if (t && n.parentElement && idish(t)) window.__a11yTexts.push([n.parentElement, t]);
    }
  } else if (arg.lang === 'en' && window.__a11yTexts) {
    const stay = new Map();
    // By element, not text node: a module that re-renders the same text on the switch still counts.
    const ownText = (e) => Array.from(e.childNodes).filter((c) => c.nodeType === 3).map((c) => c.textContent.trim());
    for (const [e, t] of window.__a11yTexts) {
      if (!e.isConnected || !ownText(e).includes(t) || !shown(e)) continue;
      const marked = e.closest('[lang]');
      if (marked && marked !== document.documentElement) continue;
      // Table cells and definitions hold data (names, units, titles, JSON); translate="no" marks more.
      if (e.closest('input, textarea, select, code, pre, .mono, td, dd, [translate="no"]')) continue;
      const k = where(e);
      if (!stay.has(k)) stay.set(k, `untranslated: "${snippet(t)}" stays Indonesian in English in ${k}`);
    }
    found.push(...Array.from(stay.values()).slice(0, 15));
  }
  return found;
}

// The visible text of the page (to see that the language switch changed it).
function visibleText() {
  return (document.body.innerText || '').replace(/\s+/g, ' ').trim();
}

// Namespaces of the string tables loaded in the page ("sub", "adm", "nav", ...).
async function keySpaces(page) {
  return page.evaluate(async () => {
    const i18n = await import('/static/i18n.js');
    return Array.from(new Set(i18n.keys().map((k) => k.split('.')[0])));
  });
}

// Tab from the top of the page until focus leaves the document or comes back
// to where it started; returns findings.
async function keyboardWalk(page) {
  const found = [];
  // Start from the top: focus nothing, and move Chromium's sequential focus starting point
  // to the start of the document.
  const expected = await page.evaluate(() => {
    if (document.activeElement && document.activeElement !== document.body) document.activeElement.blur();
    window.scrollTo(0, 0);
    const sel = window.getSelection();
    sel.removeAllRanges();
    const range = document.createRange();
    range.setStart(document.body, 0);
    sel.addRange(range);
    sel.removeAllRanges();
    window.__a11y = { seen: [], last: null };
    // The best contrast of the focus ring's colours (outline, box-shadow) against what is
    // behind the element (WCAG 1.4.11: 3:1 for what shows the state).
    window.__a11y.ring = (e, cs) => {
      const parse = (c) => {
        const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(c || '');
        return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : null;
      };
      const over = (t, u) => [0, 1, 2].map((i) => t[i] * t[3] + u[i] * (1 - t[3])).concat(1);
      const lum = (c) => {
        const f = (v) => { const x = v / 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
      };
      const ratio = (a, b) => { const x = lum(a); const y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
      const chain = [];
      for (let x = e.parentElement; x; x = x.parentElement) chain.unshift(x);
      let bg = [255, 255, 255, 1];
      for (const x of chain) {
        const b = parse(getComputedStyle(x).backgroundColor);
        if (b && b[3] > 0) bg = over(b, bg);
      }
      const colours = [];
      if (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) colours.push(cs.outlineColor);
      for (const m of (cs.boxShadow || '').matchAll(/rgba?\([^)]*\)/g)) colours.push(m[0]);
      let best = 0;
      for (const c of colours) {
        const p = parse(c);
        if (p && p[3] > 0) best = Math.max(best, ratio(over(p, bg), bg));
      }
      const hex = (c) => '#' + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
      return { best, bg: hex(bg) };
    };
    const shown = (e) => e.checkVisibility({ checkOpacity: false, checkVisibilityCSS: true })
      && e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().height > 0;
    const list = Array.from(document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]'))
      .filter((e) => e.tabIndex >= 0 && !e.disabled && !e.closest('[inert]') && e.type !== 'hidden' && shown(e))
      .filter((e) => {
        if (e.type !== 'radio' || !e.name) return true;
        const group = Array.from(document.querySelectorAll(`input[type="radio"][name="${CSS.escape(e.name)}"]`)).filter((r) => r.form === e.form);
        const checked = group.find((r) => r.checked);
        return checked ? checked === e : group[0] === e;
      });
    window.__a11y.expected = list;
    return list.length;
  });
  // Date and time fields take a Tab per part, and the walk may pass the top twice.
  const limit = Math.min(3 * expected + 30, 1500);
  const probe = () => page.evaluate(() => {
    const e = document.activeElement;
    const A = window.__a11y;
    if (!e || e === document.body || e === document.documentElement) { A.last = null; return { out: true }; }
    // Compared with the element focused before (not a list made at the start: a page may add
    // elements while it is walked).
    const back = !!(A.last && A.last.isConnected && A.last !== e && (A.last.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_PRECEDING));
    A.last = e;
    for (const a of e.getAnimations()) a.finish(); // a ring that fades in is read at its end
    const cs = getComputedStyle(e);
    const r = e.getBoundingClientRect();
    let i = A.seen.indexOf(e);
    const first = i === 0;
    const again = i >= 0;
    if (i < 0) { A.seen.push(e); i = A.seen.length - 1; }
    const cssName = (x) => x.localName + (x.id ? '#' + x.id : (x.classList.length ? '.' + Array.from(x.classList).slice(0, 2).join('.') : ''));
    let name = cssName(e);
    if (!e.id && e.parentElement) name = cssName(e.parentElement.id ? e.parentElement : e.closest('[id]') || e.parentElement) + ' ' + name;
    const label = (e.innerText || e.value || e.getAttribute('aria-label') || '').replace(/\s+/g, ' ').trim().slice(0, 30);
    return {
      i, first, again, back, name: label ? `${name} "${label}"` : name,
      visible: r.width > 0 && r.height > 0 && r.right > 0 && r.left < document.documentElement.clientWidth
        && e.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }),
      ring: [cs.outlineStyle, cs.outlineWidth, cs.outlineColor, cs.boxShadow].join('|'),
      hasRing: (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || (cs.boxShadow && cs.boxShadow !== 'none'),
      ringContrast: A.ring(e, cs),
    };
  });
  // Chromium starts the walk where focus last was (the app focuses its heading or the user
  // field), so the walk goes to the end of the page, leaves it (focus on the body: the
  // browser's own controls) and comes in again at the top, until it meets its first element.
  const steps = [];
  let ended = null;
  let outs = 0;
  let repeats = 0;
  for (let n = 0; n < limit; n++) {
    await page.keyboard.press('Tab');
    const s = await probe();
    if (s.out) {
      if (++outs === 2 || steps.length === 0) { ended = 'left the page'; break; }
      steps.push({ out: true });
      continue;
    }
    const prev = steps[steps.length - 1];
    if (s.again && prev && prev.i === s.i) {
      // Date and time fields take one Tab per part (day, month, year).
      if (++repeats < 5) continue;
      found.push(`keyboard: focus stuck on ${s.name}: Tab does not move it`);
      ended = 'stuck';
      break;
    }
    repeats = 0;
    if (s.again) {
      if (s.first) { ended = 'cycled'; break; }
      found.push(`keyboard: focus came back to ${s.name} before the end of the page (a loop: ${steps.slice(-3).map((x) => x.name || '(out)').join(' -> ')} -> ${s.name})`);
      ended = 'loop';
      break;
    }
    steps.push(s);
  }
  if (process.env.A11Y_DEBUG) console.log('tab walk: ' + steps.map((x) => (x.out ? '(out)' : x.name + (x.back ? ' [back]' : ''))).join(' -> ') + ' | ' + ended);
  if (!ended) found.push(`keyboard: Tab neither left the page nor cycled after ${limit} presses (${expected} focusable elements): a trap near ${steps.slice(-3).map((x) => x.name || '(out)').join(', ')}`);
  // Forward in document order (the wrap from the end to the top passes the body: no step back).
  for (let k = 1; k < steps.length; k++) {
    const a = steps[k - 1];
    const b = steps[k];
    if (!a.out && !b.out && b.back) found.push(`keyboard: focus goes backwards from ${a.name} to ${b.name}`);
  }
  const real = steps.filter((x) => !x.out);
  for (const s of real) if (!s.visible) found.push(`keyboard: focus lands on an invisible element ${s.name}`);
  // The same elements without focus: the ring must be something focus added.
  const rest = await page.evaluate(() => {
    if (document.activeElement) document.activeElement.blur();
    return window.__a11y.seen.map((e) => { for (const a of e.getAnimations()) a.finish(); const cs = getComputedStyle(e); return [cs.outlineStyle, cs.outlineWidth, cs.outlineColor, cs.boxShadow].join('|'); });
  });
  const faint = new Map();
  for (const s of real) {
    if (!s.hasRing || s.ring === rest[s.i]) {
      found.push(`keyboard: no visible focus indicator on ${s.name}`);
    } else if (s.ringContrast.best < 3) {
      const k = `${s.ring}|${s.ringContrast.bg}`;
      const f = faint.get(k) || { n: 0, first: s.name, r: s.ringContrast.best, bg: s.ringContrast.bg };
      f.n++;
      faint.set(k, f);
    }
  }
  for (const f of faint.values()) {
    found.push(`keyboard: focus indicator contrast ${f.r.toFixed(2)} < 3 against ${f.bg} (WCAG 1.4.11) on ${f.first}${f.n > 1 ? ` and ${f.n - 1} more` : ''}`);
  }
  if (ended === 'left the page' || ended === 'cycled') {
    const missed = await page.evaluate(() => {
      const A = window.__a11y;
      return A.expected.filter((e) => !A.seen.includes(e)).slice(0, 10)
        .map((e) => e.localName + (e.id ? '#' + e.id : '') + ' ' + (e.innerText || e.getAttribute('aria-label') || '').trim().slice(0, 30));
    });
    for (const m of missed) found.push(`keyboard: never reached by Tab: ${m}`);
  }
  return found;
}

export async function auditPage(page, name, opts = {}) {
  const o = { lang: true, keyboard: true, shot: true, ...opts };
  const found = [];
  const spaces = await keySpaces(page);
  const lang0 = await page.getAttribute('html', 'lang');
  found.push(...await page.evaluate(pageChecks, { phase: 'full', lang: lang0, spaces }));
  if (o.shot) await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true });
  if (o.keyboard) found.push(...await keyboardWalk(page));
  if (o.lang) {
    const toggle = page.locator('#lang-toggle');
    if (await toggle.count() !== 1) {
      found.push('language: no #lang-toggle on the page');
    } else {
      const before = await page.evaluate(visibleText);
      const other = lang0 === 'en' ? 'id' : 'en';
      // With the keyboard, as a keyboard user would.
      await toggle.focus();
      await page.keyboard.press('Enter');
      await page.waitForFunction((l) => document.documentElement.lang === l, other, { timeout: 5000 }).catch(() => {});
      const lang1 = await page.getAttribute('html', 'lang');
      if (lang1 !== other) found.push(`language: <html lang> is "${lang1}" after the switch, not "${other}"`);
      const after = await page.evaluate(visibleText);
      if (after === before) found.push('language: the switch did not change the text of the page');
      found.push(...(await page.evaluate(pageChecks, { phase: 'switched', lang: other, spaces })).map((f) => (f.startsWith('raw string key') ? f : `[${other}] ${f}`)));
      await toggle.focus();
      await page.keyboard.press('Enter');
      await page.waitForFunction((l) => document.documentElement.lang === l, lang0, { timeout: 5000 }).catch(() => {});
    }
  }
  return Array.from(new Set(found)).map((f) => `${name}: ${f}`);
}

// Waits until the page has stopped loading and changing (dashboards fill in as data arrives).
export async function settle(page, quietMs = 700) {
  await page.waitForLoadState('networkidle').catch(() => {});
  let last = -1;
  let since = Date.now();
  for (const until = Date.now() + 20_000; Date.now() < until;) {
    const n = await page.evaluate(() => document.body.innerHTML.length);
    if (n !== last) { last = n; since = Date.now(); } else if (Date.now() - since >= quietMs) break;
    await page.waitForTimeout(100);
  }
}
