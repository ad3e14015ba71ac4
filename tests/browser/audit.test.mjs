// Browser test of the audit browser (issue 11, R16): an auditor searches the
// audit log in the app page, filters by action, opens a certificate's
// history, loads more with the cursor and downloads the CSV (which the log
// records as audit.export); an admin has the same page; an edited row shows
// the "rusak" badge and the chain status turns red. Started by
// tests/integration/test_browser_audit.sh (tests/lib/browser-run.sh).
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { BASE, DEMO, TMP, PDF, SHOTS, check, login, call, allowed, newPage, uiLogin, scenario, launch, finish } from './lib.mjs';

const browser = await launch(200_000);
const state = {};
const DB = path.join(path.dirname(process.argv[process.argv.indexOf('--demo') + 1]), 'teken.db');

async function rows(page) {
  return page.$$eval('#ab-table tbody tr', (trs) => trs.map((tr) => ({
    seq: Number(tr.dataset.seq),
    link: tr.dataset.link,
    action: tr.children[3].textContent,
    object: tr.children[4].textContent,
    badge: tr.children[7].textContent.trim(),
  })));
}

await scenario('setup: a signed document and more than one page of events (API)', async () => {
  const sub = await login(DEMO.subscriber.user, DEMO.subscriber.password);
  const fd = new FormData();
  fd.append('options', JSON.stringify({ passphrase: DEMO.subscriber.passphrase }));
  fd.append('file', new Blob([fs.readFileSync(PDF)], { type: 'application/pdf' }), 'surat.pdf');
  const r = await fetch(BASE + '/api/v1/sign/pdf', { method: 'POST', headers: { Cookie: sub.cookie, 'X-CSRF-Token': sub.csrf }, body: fd });
  check(r.status === 200, 'signing: ' + r.status);
  state.doc = r.headers.get('x-document-id');
  const certs = await call(sub, 'GET', '/api/v1/me/certificates');
  state.serial = certs.data[0].serial;
  for (let i = 0; i < 25; i++) await login(DEMO.auditor.user, DEMO.auditor.password);
  const bad = await fetch(BASE + '/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user: DEMO.admin.user, password: 'salah' }) });
  check(bad.status === 401, 'a wrong login for the log');
  state.aud = await login(DEMO.auditor.user, DEMO.auditor.password);
  const all = await call(state.aud, 'GET', '/api/v1/audit?limit=500&chain=no');
  state.total = all.data.rows.length;
  check(state.total > 60 && all.data.next_cursor === null, 'more than one page of events: ' + state.total);
});

await scenario('auditor: newest events, chain status, load more', async () => {
  const { ctx, page } = await newPage(browser, 'audit-auditor');
  state.page = page;
  state.ctx = ctx;
  await uiLogin(page, DEMO.auditor.user, DEMO.auditor.password);
  await page.waitForSelector('#audit-browser #ab-table tbody tr');
  await page.waitForSelector('#ab-chain.msg-ok');
  const chain = await page.textContent('#ab-chain');
  check(chain.includes('utuh') && chain.includes('peristiwa'), 'chain status intact: ' + chain);
  let r = await rows(page);
  check(r.length === 50, 'first page of 50: ' + r.length);
  check(r.every((x, i) => i === 0 || x.seq < r[i - 1].seq), 'newest first');
  check(r.every((x) => x.link === 'ok' && x.badge === 'ok'), 'every link intact');
  check(await page.isVisible('#ab-more'), 'load more offered');
  check((await page.textContent('#ab-count')).includes('masih ada'), 'the count says there is more');
  await page.screenshot({ path: path.join(SHOTS, 'audit-1-first-page.png'), fullPage: true });
  await page.click('#ab-more');
  await page.waitForFunction(() => document.querySelectorAll('#ab-table tbody tr').length > 50);
  r = await rows(page);
  const seqs = r.map((x) => x.seq);
  check(new Set(seqs).size === seqs.length, 'no duplicate after load more');
  check(seqs.every((s, i) => i === 0 || s === seqs[i - 1] - 1), 'no gap: consecutive events, newest first');
  check(r.length === Math.min(100, r[0].seq), 'second page appended: ' + r.length);
  check((await page.isVisible('#ab-more')) === (r[r.length - 1].seq > 1), 'load more offered exactly while older events remain');
});

await scenario('auditor: filter by action (cert.*)', async () => {
  const page = state.page;
  await page.fill('#ab-action', 'cert.*');
  await page.click('#ab-search');
  await page.waitForFunction(() => {
    const trs = document.querySelectorAll('#ab-table tbody tr');
    return trs.length > 0 && Array.from(trs).every((tr) => tr.children[3].textContent.startsWith('cert.'));
  });
  const r = await rows(page);
  const api = await call(state.aud, 'GET', '/api/v1/audit?action=' + encodeURIComponent('cert.*') + '&chain=no');
  check(JSON.stringify(r.map((x) => x.seq)) === JSON.stringify(api.data.rows.map((x) => x.seq)), 'the page shows the API\'s rows');
  check(r.some((x) => x.object === state.serial), 'the official\'s certificate is among them');
  await page.screenshot({ path: path.join(SHOTS, 'audit-2-filter-cert.png'), fullPage: true });
});

await scenario('auditor: a certificate\'s history', async () => {
  const page = state.page;
  await page.click(`#ab-table button[data-object="${state.serial}"]`);
  await page.waitForSelector('#ab-history:not([hidden])');
  check((await page.textContent('#ab-history')).includes(state.serial), 'history heading names the serial');
  await page.waitForFunction((s) => {
    const trs = document.querySelectorAll('#ab-table tbody tr');
    return trs.length > 0 && Array.from(trs).every((tr) => tr.children[4].textContent === s);
  }, state.serial);
  const r = await rows(page);
  check(r.some((x) => x.action === 'cert.issue'), 'the history holds the issuance: ' + r.map((x) => x.action));
  await page.screenshot({ path: path.join(SHOTS, 'audit-3-cert-history.png'), fullPage: true });
  state.history = r;
});

await scenario('auditor: CSV download of the shown search, logged as audit.export', async () => {
  const page = state.page;
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#ab-csv')]);
  const out = path.join(TMP, 'audit.csv');
  await download.saveAs(out);
  check(download.suggestedFilename() === 'teken-audit.csv', 'file name: ' + download.suggestedFilename());
  const lines = fs.readFileSync(out, 'utf8').split('\r\n').filter((l) => l !== '');
  check(lines[0] === 'seq,ts,actor,role,action,object_type,object,ip,details,link', 'CSV header: ' + lines[0]);
  check(JSON.stringify(lines.slice(1).map((l) => Number(l.split(',')[0]))) === JSON.stringify(state.history.map((x) => x.seq)),
    'the CSV holds the history\'s rows');
  await page.waitForSelector('#ab-msg.msg-ok');
  const ev = await call(state.aud, 'GET', '/api/v1/audit?action=audit.export&limit=1&chain=no');
  check(ev.data.rows.length === 1 && ev.data.rows[0].actor === DEMO.auditor.user && ev.data.rows[0].details.filter.object === state.serial,
    'the export is in the log: ' + JSON.stringify(ev.data.rows[0]));
  await page.screenshot({ path: path.join(SHOTS, 'audit-4-csv.png'), fullPage: true });
  await page.click('#ab-history-back');
  await page.waitForSelector('#ab-history', { state: 'hidden' });
});

await scenario('auditor: a bad action filter is refused with a message, not a crash', async () => {
  const page = state.page;
  allowed.http = [{ path: '/api/v1/audit', status: 400 }];
  await page.fill('#ab-action', '');
  await page.fill('#ab-object', 'x'.repeat(128));
  await page.fill('#ab-actor', 'a'.repeat(128));
  await page.click('#ab-search');
  await page.waitForFunction(() => document.querySelector('#ab-table tbody tr') === null);
  check(await page.isVisible('#ab-results p.note'), 'no match is said plainly');
  await page.evaluate(() => { document.querySelector('#ab-action').removeAttribute('pattern'); });
  await page.fill('#ab-action', 'cert.%');
  await page.fill('#ab-object', '');
  await page.fill('#ab-actor', '');
  await page.click('#ab-search');
  await page.waitForSelector('#ab-msg.msg-error');
  check((await page.textContent('#ab-msg')).includes('action'), 'the message names the filter');
  allowed.http = [];
  await page.click('#ab-reset');
  await page.waitForSelector('#ab-table tbody tr');
});

await scenario('admin: the same browser in the admin dashboard', async () => {
  const { ctx, page } = await newPage(browser, 'audit-admin');
  await uiLogin(page, DEMO.admin.user, DEMO.admin.password);
  await page.waitForSelector('#audit-browser #ab-table tbody tr');
  await page.fill('#ab-object', state.doc);
  await page.click('#ab-search');
  await page.waitForFunction((d) => {
    const trs = document.querySelectorAll('#ab-table tbody tr');
    return trs.length > 0 && Array.from(trs).every((tr) => tr.children[4].textContent === d);
  }, state.doc);
  check((await rows(page)).some((x) => x.action === 'document.sign'), 'the document\'s history holds its signing');
  await page.screenshot({ path: path.join(SHOTS, 'audit-5-admin-document.png'), fullPage: true });
  await ctx.close();
});

await scenario('an edited row shows "rusak" and the chain status turns red', async () => {
  const victim = state.history[0].seq;
  execFileSync('python3', ['-c', 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); '
    + 'c.execute("UPDATE audit SET details = ? WHERE seq = ?", (\'{"profile":"edited"}\', int(sys.argv[2]))); c.commit()', DB, String(victim)]);
  const page = state.page;
  await page.reload();
  await page.waitForSelector('#ab-chain.msg-error');
  check((await page.textContent('#ab-chain')).includes(String(victim)), 'the status names the event');
  await page.fill('#ab-object', state.serial);
  await page.click('#ab-search');
  await page.waitForSelector(`#ab-table tr[data-seq="${victim}"][data-link="broken"]`);
  const r = await rows(page);
  check(r.filter((x) => x.link === 'broken').map((x) => x.seq).join() === String(victim), 'only the edited row is broken');
  check(r.find((x) => x.seq === victim).badge === 'rusak', 'badge says rusak');
  check((await page.textContent('#ab-count')).includes('RUSAK'), 'the count warns');
  await page.screenshot({ path: path.join(SHOTS, 'audit-6-broken.png'), fullPage: true });
  await page.click('#lang-toggle');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  check((await page.textContent('#ab-h')) === 'Audit log browser', 'English heading: ' + await page.textContent('#ab-h'));
  check((await rows(page)).find((x) => x.seq === victim).badge === 'broken', 'badge says broken in English');
  check((await page.textContent('#ab-chain')).includes('BROKEN'), 'chain status in English');
  await page.screenshot({ path: path.join(SHOTS, 'audit-7-english.png'), fullPage: true });
  await state.ctx.close();
});

await finish(browser);
