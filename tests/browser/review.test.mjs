// Browser tests of the implementation review (web/static/app-review.js): an
// auditor opens a review at desktop size, the ministry's admin answers the
// manual indicators with an evidence upload and submits at phone size, the
// auditor scores, closes, downloads the report and uploads the signed copy.
// Screenshots at 1280 and 390 widths. Started by
// tests/integration/test_browser_review.sh (tests/lib/browser-run.sh).
import path from 'node:path';
import fs from 'node:fs';
import { BASE, DEMO, TMP, SHOTS, TINY_PDF, check, login, call, newPage, uiLogin, scenario, launch, finish } from './lib.mjs';

const browser = await launch(220_000);
const TITLE = 'Tinjauan uji peramban 2026';
let RID = null;

// Nothing in the review card runs off a phone screen; whole-page: only where the rest of the page fits too
// (the admin's user and key cards, outside this part, are wider than a phone today).
async function noOverflow(page, label, wholePage) {
  const card = await page.evaluate(() => {
    const w = document.querySelector('#review-wrap');
    return Math.max(w.scrollWidth - w.clientWidth, w.getBoundingClientRect().right - document.documentElement.clientWidth);
  });
  check(card <= 1, `${label}: the review card fits the screen (${card} px over)`);
  if (wholePage) {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    check(overflow <= 1, `${label}: no horizontal overflow (${overflow} px)`);
  }
}

await scenario('auditor at 1280x900: indicators with evidence, opens a review', async () => {
  const { ctx, page } = await newPage(browser, 'review-auditor-open');
  await uiLogin(page, DEMO.auditor.user, DEMO.auditor.password);
  await page.waitForSelector('#review');
  check((await page.textContent('#rv-h')).includes('Tinjauan Implementasi'), 'Indonesian heading');
  await page.waitForSelector('#rv-indicators table');
  const rows = await page.locator('#rv-indicators tbody tr').count();
  check(rows === 10, `ten automatic indicators listed (${rows})`);
  check(await page.locator('#rv-indicators .rv-status-pass').count() >= 1, 'some pass');
  await page.locator('#rv-indicators tbody tr').first().locator('summary').click();
  check((await page.locator('#rv-indicators .rv-evidence-json').first().textContent()).length > 2, 'evidence shown on demand');
  await page.fill('#rv-title', TITLE);
  await page.click('#rv-new button[type="submit"]');
  await page.waitForSelector('#rv-new-msg.msg-ok');
  await page.waitForSelector('#rv-detail:not([hidden])');
  RID = await page.getAttribute('#rv-detail', 'data-id');
  check(await page.getAttribute('#rv-detail', 'data-state') === 'open', 'the review is open');
  check((await page.textContent('#rv-detail-h')).includes(TITLE), 'detail of the new review');
  check(await page.locator('#rv-list tbody tr').count() === 1, 'the list shows it');
  check(await page.locator('#rv-detail select.rv-self').count() === 0, 'the auditor does not answer for the ministry');
  const shot = path.join(SHOTS, 'review-open-desktop.png');
  await page.locator('#review-wrap').screenshot({ path: shot });
  check(fs.statSync(shot).size > 10_000, 'desktop screenshot saved');
  await ctx.close();
});

await scenario('ministry admin at phone size 390x844: self-assessment, evidence upload, submit', async () => {
  const { ctx, page } = await newPage(browser, 'review-admin', { width: 390, height: 844 });
  await uiLogin(page, DEMO.admin.user, DEMO.admin.password);
  await page.waitForSelector('#rv-list table');
  await page.click(`#rv-list button.rv-open[data-id="${RID}"]`);
  await page.waitForSelector('#rv-detail:not([hidden]) select.rv-self');
  check(await page.locator('#rv-new').count() === 0, 'admins do not open reviews');
  const sels = page.locator('#rv-detail select.rv-self');
  const n = await sels.count();
  check(n === 12, `twelve manual indicators to answer (${n})`);
  for (let i = 0; i < n; i++) await sels.nth(i).selectOption(String((i % 4) + 1));
  await page.locator('#rv-detail input.rv-self-note').first().fill('SK tim pengelola terlampir');
  const ev = path.join(TMP, 'sk-tim.pdf');
  fs.writeFileSync(ev, TINY_PDF);
  await page.locator('#rv-detail input.rv-file-input').first().setInputFiles(ev);
  await page.locator('#rv-detail button.rv-file-add').first().click();
  await page.waitForSelector('#rv-detail-msg.msg-ok');
  await page.waitForSelector('#rv-detail button.rv-file');
  // The upload re-rendered the page from the server: answer again, then save and submit.
  for (let i = 0; i < n; i++) await page.locator('#rv-detail select.rv-self').nth(i).selectOption(String((i % 4) + 1));
  await page.locator('#rv-detail input.rv-self-note').first().fill('SK tim pengelola terlampir');
  await page.click('#rv-answers-save');
  await page.waitForFunction(() => (document.querySelector('#rv-detail-msg') || {}).textContent.includes('disimpan'));
  await noOverflow(page, 'admin (phone)', false);
  const shot = path.join(SHOTS, 'review-answer-phone.png');
  await page.screenshot({ path: shot, fullPage: true });
  check(fs.statSync(shot).size > 10_000, 'phone screenshot saved');
  await page.click('#rv-submit');
  await page.waitForFunction(() => (document.querySelector('#rv-detail') || {}).dataset.state === 'submitted');
  check((await page.textContent('#rv-detail')).includes('dibekukan saat dikirim'), 'automatic results shown frozen');
  await ctx.close();
});

await scenario('auditor: scores, closes, downloads the report, uploads the signed report', async () => {
  const { ctx, page } = await newPage(browser, 'review-auditor-close', { width: 390, height: 844 });
  await uiLogin(page, DEMO.auditor.user, DEMO.auditor.password);
  await page.waitForSelector('#rv-list table');
  await page.click(`#rv-list button.rv-open[data-id="${RID}"]`);
  await page.waitForSelector('#rv-detail:not([hidden]) select.rv-level');
  const sels = page.locator('#rv-detail select.rv-level');
  const n = await sels.count();
  check(n === 22, `every indicator can be scored (${n})`);
  for (let i = 0; i < n; i++) {
    if (await sels.nth(i).inputValue() === '') await sels.nth(i).selectOption('3');
  }
  await page.fill('#rv-findings', 'Laporan penggunaan belum disampaikan.');
  await page.click('#rv-scores-save');
  await page.waitForFunction(() => (document.querySelector('#rv-detail-msg') || {}).textContent.includes('Nilai disimpan'));
  await page.click('#rv-close');
  await page.waitForSelector('#rv-result');
  check(await page.getAttribute('#rv-detail', 'data-state') === 'closed', 'closed');
  check((await page.textContent('#rv-result')).includes('tingkat kematangan'), 'score and maturity shown');
  await page.click('#rv-download');
  await page.waitForSelector('#rv-detail a[download]');

  // The reviewer signs the report with their own tool; here the demo application signs it for the demo official.
  const s = await login(DEMO.auditor.user, DEMO.auditor.password);
  const rr = await fetch(`${BASE}/api/v1/reviews/${RID}/report.pdf`, { headers: { Cookie: s.cookie } });
  check(rr.status === 200, 'report download: ' + rr.status);
  const report = Buffer.from(await rr.arrayBuffer());
  const fd = new FormData();
  fd.append('options', JSON.stringify({ nik: DEMO.subscriber.nik, passphrase: DEMO.subscriber.passphrase }));
  fd.append('file', new Blob([report], { type: 'application/pdf' }), 'report.pdf');
  const sr = await fetch(BASE + '/api/v1/sign/pdf', { method: 'POST', headers: { Authorization: 'Bearer ' + DEMO.application.api_key }, body: fd });
  check(sr.status === 200, 'report signed through the API: ' + sr.status);
  const signed = Buffer.from(await sr.arrayBuffer());
  check(signed.subarray(0, report.length).equals(report), 'the signed file extends the report');
  const file = path.join(TMP, 'review-signed.pdf');
  fs.writeFileSync(file, signed);
  check(!(await page.locator('#rv-signed-form').isHidden()), 'the signed upload form is offered');
  await page.setInputFiles('#rv-signed-file', file);
  await page.click('#rv-signed-form button[type="submit"]');
  await page.waitForFunction(() => (document.querySelector('#rv-detail-msg') || {}).textContent.includes('diterima'));
  check((await page.textContent('#rv-signed')).includes('CN='), 'the signer is shown');
  check(await page.locator('#rv-signed-form').isHidden(), 'no second upload offered');
  await noOverflow(page, 'auditor (phone)', true);
  await page.locator('#review-wrap').screenshot({ path: path.join(SHOTS, 'review-closed-phone.png') });
  await ctx.close();

  // What the pages did is what the API holds.
  const got = await call(s, 'GET', '/api/v1/reviews/' + RID);
  check(got.status === 200 && got.data.state === 'closed' && got.data.signed_sha256 && got.data.findings.includes('belum disampaikan'),
    'closed, signed, findings stored');
  const self = got.data.indicators.filter((i) => i.evaluation === 'manual').map((i) => i.self_level);
  check(self.every((v, i) => v === (i % 4) + 1), 'self-assessment as entered: ' + JSON.stringify(self));
  const withFile = got.data.indicators.filter((i) => i.files.length > 0);
  check(withFile.length === 1 && withFile[0].files[0].filename === 'sk-tim.pdf', 'the evidence file is stored');
});

await finish(browser);
