// Browser tests of monitoring and evaluation (web/static/app-monev.js):
// the dashboard with its SVG charts for an admin at desktop size and for an
// auditor at phone size (screenshots saved), an evaluation recorded and a
// follow-up action added through the page, and the minutes frozen there.
// Started by tests/integration/test_browser_monev.sh (tests/lib/browser-run.sh).
import path from 'node:path';
import fs from 'node:fs';
import { BASE, DEMO, TMP, SHOTS, check, login, call, newPage, uiLogin, scenario, launch, finish } from './lib.mjs';

const browser = await launch(220_000);

// Some signing volume for the charts: the demo application signs one PDF today.
async function signOne() {
  const fd = new FormData();
  fd.append('options', JSON.stringify({ nik: DEMO.subscriber.nik, passphrase: DEMO.subscriber.passphrase }));
  fd.append('file', new Blob([fs.readFileSync(process.argv[process.argv.indexOf('--pdf') + 1])], { type: 'application/pdf' }), 'a.pdf');
  const r = await fetch(BASE + '/api/v1/sign/pdf', { method: 'POST', headers: { Authorization: 'Bearer ' + DEMO.application.api_key }, body: fd });
  check(r.status === 200, 'demo application signs a PDF: ' + r.status);
}

async function checkCharts(page, label) {
  await page.waitForSelector('#mon-chart-volume svg.chart-bars');
  const bars = await page.locator('#mon-chart-volume svg rect.chart-bar').count();
  check(bars === 30, `${label}: 30 bars, one per day (${bars})`);
  const points = await page.locator('#mon-chart-cumulative svg circle.chart-point').count();
  check(points === 30, `${label}: 30 points on the running total (${points})`);
  check(await page.locator('#mon-chart-cumulative svg polyline.chart-path').count() === 1, `${label}: the line is drawn`);
  // Today's bar is the last one and stands above the baseline (one document signed).
  const hgt = Number(await page.locator('#mon-chart-volume svg rect.chart-bar').last().getAttribute('height'));
  check(hgt > 0, `${label}: today's bar has height (${hgt})`);
  const tiles = await page.locator('#mon-tiles .mon-tile').count();
  check(tiles === 6, `${label}: six count tiles (${tiles})`);
  const today = await page.locator('#mon-tiles .mon-tile').nth(3).locator('.mon-tile-n').textContent();
  check(Number(today) >= 1, `${label}: documents today counted (${today})`);
  // Nothing runs off a phone screen horizontally.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflow <= 1, `${label}: no horizontal overflow (${overflow} px)`);
}

await scenario('setup: one signed document today', signOne);

await scenario('admin dashboard at 1280x900: tiles, SVG bar and line charts, health', async () => {
  const { ctx, page } = await newPage(browser, 'monev-admin');
  await uiLogin(page, DEMO.admin.user, DEMO.admin.password);
  await page.waitForSelector('#monev');
  await checkCharts(page, 'admin');
  check((await page.textContent('#mon-h')).includes('Monitoring dan evaluasi'), 'Indonesian heading');
  check(await page.locator('#mon-health dd .badge-ok').count() >= 3, 'health badges shown');
  const shot = path.join(SHOTS, 'monev-dashboard-desktop.png');
  await page.locator('#monev').screenshot({ path: shot });
  check(fs.statSync(shot).size > 10_000, 'desktop screenshot saved');
  await ctx.close();
});

await scenario('auditor at phone size 390x844: dashboard, record an evaluation, add an action, freeze the minutes, upload the first signature', async () => {
  const { ctx, page } = await newPage(browser, 'monev-auditor', { width: 390, height: 844 });
  await uiLogin(page, DEMO.auditor.user, DEMO.auditor.password);
  await page.waitForSelector('#monev');
  await checkCharts(page, 'auditor (phone)');
  const shot = path.join(SHOTS, 'monev-dashboard-phone.png');
  await page.screenshot({ path: shot, fullPage: true });
  check(fs.statSync(shot).size > 10_000, 'phone screenshot saved');

  // A new evaluation through the form: two participant rows (ministry, issuer) are there to fill.
  await page.fill('#mn-place', 'Kantor BSrE, Jakarta');
  await page.fill('#mn-title', 'Evaluasi uji peramban');
  const names = page.locator('#mn-parts .mp-name');
  check(await names.count() === 2, 'two participant rows to start');
  await names.nth(0).fill('Rina Kusuma');
  await page.locator('#mn-parts .mp-role').nth(0).fill('Pusdatin');
  await names.nth(1).fill('Bayu Santoso');
  await page.locator('#mn-parts .mp-role').nth(1).fill('BSrE');
  await page.fill('#mn-summary', 'Layanan stabil.');
  await page.click('#mon-new button[type="submit"]');
  await page.waitForSelector('#mon-new-msg.msg-ok');
  await page.waitForSelector('#mon-detail:not([hidden])');
  check((await page.textContent('#mon-detail-h')).includes('Evaluasi uji peramban'), 'detail of the new evaluation opens');
  check(await page.locator('#mon-list tbody tr').count() === 1, 'the list shows it');

  // A follow-up action.
  await page.fill('#ma-desc', 'Perbarui SOP penandatanganan');
  await page.fill('#ma-owner', 'Rina Kusuma');
  const due = new Date(Date.now() + 7 * 3600e3 + 14 * 86400e3).toISOString().slice(0, 10);
  await page.fill('#ma-due', due);
  await page.click('#mon-action-form button[type="submit"]');
  await page.waitForSelector('#mon-action-msg.msg-ok');
  check((await page.textContent('#mon-actions')).includes('Perbarui SOP penandatanganan'), 'the action is listed');

  // A correction of the draft's minutes text.
  await page.click('#mon-edit details > summary, #mon-edit summary');
  await page.fill('#me-minutes', 'Rapat dibuka pukul 10.00 WIB dan ditutup pukul 12.00 WIB.');
  await page.click('#mon-edit-form button[type="submit"]');
  await page.waitForSelector('#mon-minutes-msg.msg-ok');
  check((await page.textContent('#mon-detail-body')).includes('ditutup pukul 12.00 WIB'), 'the corrected minutes text is shown');

  // Freeze: then the download and the upload form appear.
  await page.click('#mon-freeze');
  await page.waitForSelector('#mon-download');
  check(await page.locator('#mon-minutes-msg').isHidden(), 'the edit message is gone once frozen');
  check(!(await page.locator('#mon-upload-form').isHidden()), 'upload form shown once frozen');
  check(await page.locator('#mon-edit-form').count() === 0, 'no editing once frozen');
  await page.click('#mon-download');
  await page.waitForSelector('#mon-minutes a[download]');

  // The first party signs the frozen minutes elsewhere (here: the demo application for the demo
  // official, through the signing API) and the file is uploaded through the page.
  const s0 = await login(DEMO.auditor.user, DEMO.auditor.password);
  const id = await page.getAttribute('#mon-detail', 'data-id');
  const fr = await fetch(`${BASE}/api/v1/evaluations/${id}/minutes.pdf`, { headers: { Cookie: s0.cookie } });
  check(fr.status === 200, 'frozen minutes download: ' + fr.status);
  const frozen = Buffer.from(await fr.arrayBuffer());
  const fd = new FormData();
  fd.append('options', JSON.stringify({ nik: DEMO.subscriber.nik, passphrase: DEMO.subscriber.passphrase }));
  fd.append('file', new Blob([frozen], { type: 'application/pdf' }), 'minutes.pdf');
  const sr = await fetch(BASE + '/api/v1/sign/pdf', { method: 'POST', headers: { Authorization: 'Bearer ' + DEMO.application.api_key }, body: fd });
  check(sr.status === 200, 'minutes signed through the API: ' + sr.status);
  const signed = Buffer.from(await sr.arrayBuffer());
  check(signed.subarray(0, frozen.length).equals(frozen), 'the signed file extends the frozen minutes');
  const file = path.join(TMP, 'monev-signed-1.pdf');
  fs.writeFileSync(file, signed);
  await page.setInputFiles('#mu-file', file);
  await page.click('#mon-upload-form button[type="submit"]');
  await page.waitForFunction(() => (document.querySelector('#mon-minutes-msg') || {}).textContent.includes('Diterima'));
  check((await page.textContent('#mon-detail-body')).includes('ditandatangani pihak pertama'), 'state: signed by the first party');
  check((await page.textContent('#mon-minutes')).includes('TOTAL_PASSED'), 'the signature is listed with its indication');
  check(!(await page.locator('#mon-upload-form').isHidden()), 'the upload form stays for the second party');
  await page.locator('#monev-wrap').screenshot({ path: path.join(SHOTS, 'monev-evaluation-phone.png') });
  await ctx.close();

  // What the page did is what the API holds.
  const s = await login(DEMO.auditor.user, DEMO.auditor.password);
  const list = await call(s, 'GET', '/api/v1/evaluations');
  check(list.status === 200 && list.data.length === 1 && list.data[0].state === 'signed_by_first', 'stored, frozen and signed once: ' + JSON.stringify(list.data));
  const ev = await call(s, 'GET', '/api/v1/evaluations/' + list.data[0].id);
  check(ev.data.participants.map((p) => p.party).join() === 'ministry,issuer' && ev.data.actions[0].due_on === due, 'record as entered');
  check(ev.data.minutes.includes('ditutup pukul 12.00 WIB'), 'the correction is stored');
});

await finish(browser);
