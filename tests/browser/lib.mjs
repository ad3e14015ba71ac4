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
