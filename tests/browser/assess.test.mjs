// Browser tests of security assessments (web/static/app-assess.js): an
// auditor requests a report at desktop size, an admin uploads a PDF with
// findings at phone size, the auditor downloads it (the bytes are compared
// with the upload), returns it with a reason and accepts the corrected one; then the test clock moves past a second
// request's due date and the overdue badge shows on the page and on the
// monev dashboard. Screenshots at 1280 and 390 widths.
// Started by tests/integration/test_browser_assess.sh (test clock in TEKEN_TEST_CLOCK_FILE).
import path from 'node:path';
import fs from 'node:fs';
import { DEMO, PDF, SHOTS, check, login, call, newPage, uiLogin, settledClick, scenario, launch, finish } from './lib.mjs';

const browser = await launch(220_000);
const CLOCK = process.env.TEKEN_TEST_CLOCK_FILE;
const DAY = 86400;
const wibDate = (t) => new Date((t + 7 * 3600) * 1000).toISOString().slice(0, 10);
const now0 = Number(fs.readFileSync(CLOCK, 'utf8').trim());
const UPLOAD = fs.readFileSync(PDF);
const FINDING = 'Token sesi tidak kedaluwarsa di modul KEPEGAWAIAN-7731';

// Nothing of this page runs off a phone screen: no element of the assessment section sticks out
// of its cards, and hiding the section does not change the page's own horizontal overflow (the
// admin dashboard has a wide users table of its own at 390 px; that is not this page's).
async function noOverflow(page, label) {
  const r = await page.evaluate(() => {
    const de = document.documentElement;
    const wrap = document.getElementById('assess-wrap');
    const shown = de.scrollWidth - de.clientWidth;
    const out = [];
    for (const card of wrap.querySelectorAll('section.card')) {
      if (card.hidden) continue;
      const right = Math.min(card.getBoundingClientRect().right, de.clientWidth);
      for (const e of card.querySelectorAll('*')) {
        const b = e.getBoundingClientRect();
        if (b.width > 0 && b.right > right + 1 && !e.closest('.table-wrap')) out.push(`${e.tagName.toLowerCase()}#${e.id}.${e.className} ${Math.round(b.right)}px`);
      }
    }
    wrap.style.display = 'none';
    const hidden = de.scrollWidth - de.clientWidth;
    wrap.style.display = '';
    return { shown, hidden, out: out.slice(0, 5) };
  });
  check(r.out.length === 0, `${label}: nothing sticks out of the assessment cards: ${r.out.join(', ')}`);
  check(r.shown <= r.hidden + 1, `${label}: the assessment section adds no horizontal overflow (${r.shown} px with it, ${r.hidden} px without)`);
}

await scenario('setup: the test clock is readable', async () => {
  check(CLOCK && now0 > 1_700_000_000, 'test clock file holds a Unix time: ' + now0);
});

await scenario('auditor at 1280x900 requests a security-assessment report', async () => {
  const { ctx, page } = await newPage(browser, 'assess-auditor');
  await uiLogin(page, DEMO.auditor.user, DEMO.auditor.password);
  await page.waitForSelector('#assess #as-request');
  check((await page.textContent('#as-h')).includes('Asesmen Keamanan'), 'Indonesian heading');
  await page.fill('#ar-system', 'Sistem Informasi Kepegawaian');
  await page.fill('#ar-scope', 'Aplikasi web, API dan basis data');
  await page.fill('#ar-due', wibDate(now0 + 20 * DAY));
  await page.fill('#ar-note', 'Sertakan hasil uji penetrasi');
  await page.click('#as-request button[type="submit"]');
  await page.waitForSelector('#as-request-msg.msg-ok');
  await page.waitForSelector('#as-list tbody tr');
  check(await page.locator('#as-list tbody tr').count() === 1, 'the list shows the request');
  check((await page.textContent('#as-list')).includes('Diminta'), 'status: requested');
  const shot = path.join(SHOTS, 'assess-auditor-desktop.png');
  await page.locator('#assess-wrap').screenshot({ path: shot });
  check(fs.statSync(shot).size > 10_000, 'desktop screenshot saved');
  await ctx.close();
});

await scenario('admin at phone size 390x844 uploads the report with findings', async () => {
  const { ctx, page } = await newPage(browser, 'assess-admin', { width: 390, height: 844 });
  await uiLogin(page, DEMO.admin.user, DEMO.admin.password);
  await page.waitForSelector('#as-list .as-open');
  check(await page.locator('#as-request-wrap').isHidden(), 'no request form for the ministry');
  await settledClick(page, '#as-list .as-open');
  await page.waitForSelector('#as-upload:not([hidden])');
  check(await page.locator('#as-decide').isHidden(), 'no accept/return for the ministry');
  await page.setInputFiles('#au-file', PDF);
  await page.fill('#au-assessor', 'PT Uji Keamanan Nusantara');
  await page.fill('#au-scope', 'Aplikasi web SIMPEG dan API');
  await page.selectOption('#au-remediation', 'in_progress');
  await page.click('#au-find-add');
  await page.click('#au-find-add');
  const rows = page.locator('#au-finds .as-find');
  await rows.nth(0).locator('.af-title').fill(FINDING);
  await rows.nth(0).locator('.af-sev').selectOption('high');
  await rows.nth(1).locator('.af-title').fill('Header keamanan belum lengkap');
  await rows.nth(1).locator('.af-sev').selectOption('low');
  await rows.nth(1).locator('.af-status').selectOption('remediated');
  await page.click('#as-upload button[type="submit"]');
  await page.waitForSelector('#as-detail-msg.msg-ok');
  const detail = await page.textContent('#as-detail-body');
  check(detail.includes(FINDING) && detail.includes('0/1/0/1/0'), 'the findings and counts are shown: ' + detail.slice(0, 300));
  check((await page.textContent('#as-detail-body')).includes('Laporan masuk'), 'status: report received');
  await noOverflow(page, 'admin (phone)');
  const shot = path.join(SHOTS, 'assess-admin-phone.png');
  await page.locator('#assess-wrap').screenshot({ path: shot });
  check(fs.statSync(shot).size > 10_000, 'phone screenshot saved');
  await ctx.close();
});

await scenario('auditor downloads the report (byte for byte), returns it, then accepts the corrected version', async () => {
  const { ctx, page } = await newPage(browser, 'assess-auditor-2');
  await uiLogin(page, DEMO.auditor.user, DEMO.auditor.password);
  await page.waitForSelector('#as-list .as-open');
  await settledClick(page, '#as-list .as-open');
  await page.waitForSelector('#as-decide:not([hidden])');
  await page.click('#as-download-btn');
  await page.waitForSelector('#as-download a[download]');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#as-download a[download]')]);
  const got = fs.readFileSync(await dl.path());
  check(Buffer.compare(got, UPLOAD) === 0, `downloaded file equals the upload (${got.length} vs ${UPLOAD.length} bytes)`);
  // Returned with a reason first; the ministry sends a corrected version (through the API here), then it is accepted.
  await page.fill('#as-reason', 'Lampirkan bukti uji ulang');
  await page.click('#as-return');
  await page.waitForSelector('#as-detail-msg.msg-ok');
  const body = await page.textContent('#as-detail-body');
  check(body.includes('Dikembalikan') && body.includes('Lampirkan bukti uji ulang'), 'status: returned, with the reason');
  check(await page.locator('#as-decide').isHidden(), 'nothing to decide until a corrected report arrives');
  const adm = await login(DEMO.admin.user, DEMO.admin.password);
  const id = await page.getAttribute('#as-detail', 'data-id');
  const fd = new FormData();
  fd.append('metadata', JSON.stringify({ report_date: wibDate(now0), scope: 'Aplikasi web SIMPEG dan API', assessor: 'PT Uji Keamanan Nusantara',
    remediation: 'remediated', counts: { critical: 0, high: 0, medium: 0, low: 1, info: 0 } }));
  fd.append('file', new Blob([UPLOAD], { type: 'application/pdf' }), 'laporan-v2.pdf');
  const up = await call(adm, 'POST', `/api/v1/assessments/${id}/reports`, { form: fd });
  check(up.status === 201 && up.data.reports.length === 2, 'corrected report uploaded: ' + up.status);
  await settledClick(page, '#as-list .as-open');
  await page.waitForSelector('#as-decide:not([hidden])');
  check((await page.textContent('#as-detail-body')).includes('laporan-v2.pdf'), 'both versions listed');
  await page.click('#as-accept');
  await page.waitForSelector('#as-detail-msg.msg-ok');
  check((await page.textContent('#as-detail-body')).includes('Diterima'), 'status: accepted');
  check(await page.locator('#as-decide').isHidden(), 'no decision left to take');
  await ctx.close();
  const s = await login(DEMO.auditor.user, DEMO.auditor.password);
  const list = await call(s, 'GET', '/api/v1/assessments');
  check(list.status === 200 && list.data.length === 1 && list.data[0].status === 'accepted', 'stored as accepted: ' + JSON.stringify(list.data));
  const rec = await call(s, 'GET', '/api/v1/assessments/' + list.data[0].id);
  check(rec.data.reports.length === 2 && rec.data.return_reason === null, 'two versions kept; acceptance cleared the return reason');
  const f = rec.data.reports[0].findings;
  check(f.length === 2 && f[0].title === FINDING && f[0].severity === 'high' && f[1].status === 'remediated', 'findings as entered');
});

await scenario('overdue with the test clock: badge on the page and on the monev dashboard (390 and 1280)', async () => {
  const s = await login(DEMO.auditor.user, DEMO.auditor.password);
  const r = await call(s, 'POST', '/api/v1/assessments', { json: { system_name: 'Portal Persuratan', scope: 'Aplikasi web', due_on: wibDate(now0 + DAY) } });
  check(r.status === 201, 'second request: ' + r.status);
  fs.writeFileSync(CLOCK + '.tmp', String(now0 + 3 * DAY + 3600) + '\n');
  fs.renameSync(CLOCK + '.tmp', CLOCK);
  for (const [label, vp] of [['phone', { width: 390, height: 844 }], ['desktop', { width: 1280, height: 900 }]]) {
    const { ctx, page } = await newPage(browser, 'assess-overdue-' + label, vp);
    await uiLogin(page, DEMO.auditor.user, DEMO.auditor.password);
    await page.waitForSelector('#as-list .as-overdue');
    check(await page.locator('#as-list .as-overdue').count() === 1, `${label}: one overdue badge`);
    check((await page.textContent('#as-list .as-overdue')).includes('Terlambat 2 hari'), `${label}: days overdue shown`);
    await page.waitForSelector('#mon-assess.badge-bad');
    check((await page.textContent('#mon-assess')).includes('1 terlambat'), `${label}: monev dashboard counts it`);
    if (label === 'phone') await noOverflow(page, 'auditor (phone)');
    const shot = path.join(SHOTS, `assess-overdue-${label}.png`);
    await page.locator('#assess').screenshot({ path: shot });
    check(fs.statSync(shot).size > 5_000, `${label} overdue screenshot saved`);
    await ctx.close();
  }
});

await finish(browser);
