// Browser tests of recommendations and internal policies (web/static/app-policy.js):
// an auditor records a recommendation through the page, an admin uploads evidence
// and closes it (overdue ones highlighted); an admin drafts a signing policy, an
// auditor comments, the drafter is refused approval (four eyes), a second admin
// approves and publishes it; then the application's request outside the policy is
// refused. Screenshots at 1280 and 390 widths.
// Started by tests/integration/test_browser_policy.sh (tests/lib/browser-run.sh).
import path from 'node:path';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { BASE, DEMO, TMP, PDF, SHOTS, check, login, call, newPage, uiLogin, scenario, launch, finish, allowed, settledClick } from './lib.mjs';

const browser = await launch(220_000);
const INST = path.join(TMP, 'inst');
const ADMIN2 = { user: 'admin2', password: 'admin2-password-1' };
const state = {};

function wibDay(days) {
  return new Date(Date.now() + 7 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}

await scenario('setup: a second admin (CLI operator) and one overdue recommendation', async () => {
  execFileSync(process.env.TEKEN_BIN, ['user', 'add', '--dir', INST, '--user', ADMIN2.user, '--role', 'admin', '--name', 'Admin Kedua',
    '--password-file', '-'], { input: ADMIN2.password + '\n' });
  const s = await login(DEMO.auditor.user, DEMO.auditor.password);
  const r = await call(s, 'POST', '/api/v1/recommendations', { json: { source: 'monev', title: 'Rekomendasi lama yang terlambat',
    body: 'Sudah lewat batas.', owner: 'Biro Umum', due_on: wibDay(-3) } });
  check(r.status === 201 && r.data.overdue === true, 'an overdue recommendation exists: ' + JSON.stringify(r.data));
  state.overdue = r.data.id;
});

await scenario('auditor at 1280: records a recommendation through the page; the overdue one is highlighted', async () => {
  const { ctx, page } = await newPage(browser, 'policy-auditor');
  await uiLogin(page, DEMO.auditor.user, DEMO.auditor.password);
  await page.waitForSelector('#reco-list table');
  check(await page.locator(`#reco-list tr.row-overdue[data-id="${state.overdue}"]`).count() === 1, 'the overdue row is highlighted');
  await page.selectOption('#rn-source', 'review');
  await page.fill('#rn-ref', 'review:1');
  await page.selectOption('#rn-sev', 'high');
  await page.fill('#rn-title', 'Tetapkan Verifikator cadangan');
  await page.fill('#rn-body', 'Unit perlu paling sedikit dua Verifikator aktif.');
  await page.fill('#rn-owner', 'Biro TI');
  await page.fill('#rn-email', 'biro.ti@kementerian.example');
  await page.fill('#rn-due', wibDay(30));
  await page.click('#reco-new button[type="submit"]');
  await page.waitForSelector('#reco-new-msg.msg-ok');
  await page.waitForSelector('#reco-detail:not([hidden])');
  state.reco = Number(await page.getAttribute('#reco-detail', 'data-id'));
  check(state.reco > 0 && (await page.textContent('#reco-detail-h')).includes('Tetapkan Verifikator cadangan'), 'the new recommendation opens');
  check(await page.locator(`#reco-list tr[data-id="${state.reco}"]`).count() === 1, 'listed');
  check(await page.locator('#reco-upload').count() === 0 && await page.locator('#reco-accept').count() === 1,
    'the auditor sees accept-risk, not the ministry\'s evidence upload');
  await page.selectOption('#reco-filter', 'overdue');
  await page.waitForFunction(() => document.querySelectorAll('#reco-list tbody tr').length === 1);
  await page.locator('#policy-wrap').screenshot({ path: path.join(SHOTS, 'policy-reco-auditor-desktop.png') });
  await ctx.close();
});

await scenario('admin at 390: uploads evidence and closes the recommendation', async () => {
  const { ctx, page } = await newPage(browser, 'policy-admin-phone', { width: 390, height: 844 });
  await uiLogin(page, DEMO.admin.user, DEMO.admin.password);
  await page.waitForSelector(`#reco-list button[data-id="${state.reco}"]`);
  await settledClick(page, `#reco-list button[data-id="${state.reco}"]`);
  await page.waitForSelector('#reco-upload');
  // Done before any evidence: refused, explained.
  await page.selectOption('#rs-status', 'done');
  await page.fill('#rs-note', 'Verifikator kedua diangkat dengan SK.');
  allowed.http = [{ path: `/api/v1/recommendations/${state.reco}/status`, status: 409 }];
  await page.click('#reco-status button[type="submit"]');
  await page.waitForSelector('#reco-detail-msg.msg-error');
  allowed.http = [];
  const ev = path.join(TMP, 'sk-verifikator.pdf');
  fs.writeFileSync(ev, fs.readFileSync(PDF));
  await page.setInputFiles('#ru-file', ev);
  await page.click('#reco-upload button[type="submit"]');
  await page.waitForSelector('#reco-detail-msg.msg-ok');
  await page.waitForSelector('button.reco-file');
  check((await page.textContent('#reco-detail-body')).includes('sk-verifikator.pdf'), 'the evidence is listed');
  await page.selectOption('#rs-status', 'done');
  await page.fill('#rs-note', 'Verifikator kedua diangkat dengan SK.');
  await page.click('#reco-status button[type="submit"]');
  await page.waitForFunction(() => (document.querySelector('#reco-detail-msg') || {}).textContent.includes('Selesai'));
  check(await page.locator('#reco-upload').count() === 0, 'no more uploads once closed');
  // Our sections fit a phone (the admin dashboard above them has wide tables of its own: not this page's to fix).
  const wide = await page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    const out = Array.from(document.querySelectorAll('#policy-wrap *')).filter((e) => e.getBoundingClientRect().right > w + 1 && !e.closest('.table-wrap'));
    return out.slice(0, 3).map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`).join(', ');
  });
  check(wide === '', `nothing of the recommendations and policies sticks out on a phone (${wide})`);
  await page.locator('#reco-detail').screenshot({ path: path.join(SHOTS, 'policy-reco-admin-phone.png') });
  await ctx.close();
  const s = await login(DEMO.auditor.user, DEMO.auditor.password);
  const r = await call(s, 'GET', `/api/v1/recommendations/${state.reco}`);
  check(r.data.status === 'done' && r.data.files.length === 1 && r.data.files[0].size === fs.statSync(PDF).size, 'stored: done with the evidence');
});

await scenario('admin at 1280 drafts a signing policy', async () => {
  const s = await login(DEMO.admin.user, DEMO.admin.password);
  const keys = await call(s, 'GET', '/api/v1/apikeys');
  state.app = keys.data.find((k) => k.units === 'Sekretariat Jenderal').name;
  const { ctx, page } = await newPage(browser, 'policy-admin');
  await uiLogin(page, DEMO.admin.user, DEMO.admin.password);
  await page.waitForSelector('#pol-new');
  await page.fill('#pn-name', 'ttd-eoffice');
  await page.selectOption('#pn-kind', 'signing');
  await page.fill('#pn-title', 'Kebijakan tanda tangan e-Office');
  await page.fill('#pn-body', 'Surat e-Office ditandatangani pada tingkat B-T tanpa tampilan.');
  await page.fill('#pn-app', state.app);
  await page.fill('#pn-rules', '{"levels":["B-T"],"stamp":"invisible"}');
  await page.click('#pol-new button[type="submit"]');
  await page.waitForSelector('#pol-new-msg.msg-ok');
  await page.waitForSelector('#pol-detail:not([hidden])');
  state.pol = Number(await page.getAttribute('#pol-detail', 'data-id'));
  check((await page.textContent('#pol-detail-body')).includes('"stamp":"invisible"'), 'the rules are shown');
  // Four eyes: the drafter's approval is refused in plain language.
  allowed.http = [{ path: `/api/v1/policies/${state.pol}/approve`, status: 403 }];
  await page.click('#pol-approve');
  await page.waitForSelector('#pol-detail-msg.msg-error');
  check((await page.textContent('#pol-detail-msg')).includes('empat mata'), 'four eyes explained: ' + await page.textContent('#pol-detail-msg'));
  allowed.http = [];
  await page.locator('#policy-wrap').screenshot({ path: path.join(SHOTS, 'policy-draft-desktop.png') });
  await ctx.close();
});

await scenario('auditor at 390 comments on the draft', async () => {
  const { ctx, page } = await newPage(browser, 'policy-auditor-phone', { width: 390, height: 844 });
  await uiLogin(page, DEMO.auditor.user, DEMO.auditor.password);
  await page.waitForSelector(`#pol-list button[data-id="${state.pol}"]`);
  await settledClick(page, `#pol-list button[data-id="${state.pol}"]`);
  await page.waitForSelector('#pol-comment-form');
  check(await page.locator('#pol-approve').count() === 0, 'no approve button for the issuer');
  await page.fill('#pc-body', 'Sarankan juga B-LT untuk arsip jangka panjang.');
  await page.click('#pol-comment-form button[type="submit"]');
  await page.waitForSelector('#pol-comments li.pol-comment-auditor');
  check((await page.textContent('#pol-comments')).includes('auditor (penerbit)'), 'the comment shows its side');
  await page.screenshot({ path: path.join(SHOTS, 'policy-comment-phone.png'), fullPage: true });
  await ctx.close();
});

await scenario('a second admin approves and publishes; the application is bound by it', async () => {
  const { ctx, page } = await newPage(browser, 'policy-admin2');
  await uiLogin(page, ADMIN2.user, ADMIN2.password);
  await page.waitForSelector(`#pol-list button[data-id="${state.pol}"]`);
  await settledClick(page, `#pol-list button[data-id="${state.pol}"]`);
  await page.waitForSelector('#pol-approve');
  await page.click('#pol-approve');
  await page.waitForSelector('#pol-publish');
  await page.click('#pol-publish');
  await page.waitForFunction(() => (document.querySelector('#pol-detail-msg') || {}).textContent.includes('Terbit'));
  check((await page.textContent('#pol-comments')).includes('B-LT'), 'the auditor\'s comment is in the thread');
  await page.locator('#pol-detail').screenshot({ path: path.join(SHOTS, 'policy-published-desktop.png') });
  await ctx.close();
  // What the page did binds the application: a B-B request is refused, B-T invisible passes.
  const fd = (opts) => {
    const f = new FormData();
    f.append('options', JSON.stringify({ nik: DEMO.subscriber.nik, passphrase: DEMO.subscriber.passphrase, ...opts }));
    f.append('file', new Blob([fs.readFileSync(PDF)], { type: 'application/pdf' }), 'a.pdf');
    return f;
  };
  const auth = { Authorization: 'Bearer ' + DEMO.application.api_key };
  let r = await fetch(BASE + '/api/v1/sign/pdf', { method: 'POST', headers: auth, body: fd({}) });
  const j = await r.json();
  check(r.status === 403 && j.error.code === 'policy_level' && j.error.message.includes('ttd-eoffice'), 'B-B refused by the published policy: ' + JSON.stringify(j));
  r = await fetch(BASE + '/api/v1/sign/pdf', { method: 'POST', headers: auth, body: fd({ level: 'B-T' }) });
  check(r.status === 200, 'B-T invisible allowed: ' + r.status);
  const s = await login(DEMO.auditor.user, DEMO.auditor.password);
  const p = await call(s, 'GET', `/api/v1/policies/${state.pol}`);
  check(p.data.state === 'published' && p.data.created_by === DEMO.admin.user && p.data.approved_by === ADMIN2.user, 'stored: drafted by one admin, approved by another');
});

await finish(browser);
