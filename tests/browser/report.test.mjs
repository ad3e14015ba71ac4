// Browser test of the usage-report page (docs/reports.md): the auditor
// downloads the report in each format and the files are what they claim to
// be; the admin freezes a version, the page enforces four eyes in plain
// Indonesian, and the submission record shows the steps. Run by
// tests/integration/test_browser_report.sh through tests/lib/browser-run.sh.
import fs from 'node:fs';
import path from 'node:path';
import { BASE, DEMO, TMP, SHOTS, check, allowed, newPage, uiLogin, scenario, launch, finish, settledClick } from './lib.mjs';

const browser = await launch(240_000);
const YEAR = String(new Date().getFullYear());

async function download(page, button) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
  const out = path.join(TMP, dl.suggestedFilename());
  await dl.saveAs(out);
  return { name: dl.suggestedFilename(), bytes: fs.readFileSync(out) };
}

await scenario('the auditor downloads the usage report as PDF, XLSX, CSV and JSON', async () => {
  const { ctx, page } = await newPage(browser, 'report-auditor');
  await uiLogin(page, DEMO.auditor.user, DEMO.auditor.password);
  await page.waitForSelector('#report');
  check((await page.textContent('#rep-h')).includes('Laporan penggunaan'), 'the report card is in Indonesian');
  await page.fill('#rep-year', YEAR);
  await page.dispatchEvent('#rep-year', 'change');
  await page.waitForSelector('#rep-obl-badge');
  const json = await download(page, '#rep-dl-json');
  const rep = JSON.parse(json.bytes.toString('utf8'));
  check(json.name === `laporan-penggunaan-${YEAR}.json` && rep.year === Number(YEAR) && rep.by_month.length === 12, 'JSON report: ' + json.name);
  await page.waitForSelector('#rep-msg.msg-ok');
  const summary = await page.textContent('#rep-msg');
  check(summary.includes(`${rep.totals.certificates_issued} sertifikat terbit`), 'the page sums up the figures: ' + summary);
  const pdf = await download(page, '#rep-dl-pdf');
  check(pdf.name.endsWith('.pdf') && pdf.bytes.subarray(0, 5).toString() === '%PDF-' && pdf.bytes.includes(Buffer.from('/ByteRange')),
    'a signed PDF: ' + pdf.name);
  const xlsx = await download(page, '#rep-dl-xlsx');
  check(xlsx.name.endsWith('.xlsx') && xlsx.bytes.subarray(0, 2).toString() === 'PK' && xlsx.bytes.includes(Buffer.from('xl/workbook.xml')),
    'an XLSX workbook: ' + xlsx.name);
  const csv = await download(page, '#rep-dl-csv');
  check(csv.name.endsWith('.zip') && csv.bytes.subarray(0, 2).toString() === 'PK' && csv.bytes.includes(Buffer.from('totals.csv')),
    'a zip of CSV files: ' + csv.name);
  check(await page.isHidden('#rep-freeze'), 'the issuer cannot freeze the ministry\'s report');
  await page.screenshot({ path: path.join(SHOTS, 'report-auditor.png'), fullPage: true });
  await ctx.close();
});

await scenario('the admin freezes a version; approving it themself is refused in plain Indonesian', async () => {
  const { ctx, page } = await newPage(browser, 'report-admin');
  await uiLogin(page, DEMO.admin.user, DEMO.admin.password);
  await page.waitForSelector('#report');
  await page.fill('#rep-year', YEAR);
  await page.dispatchEvent('#rep-year', 'change');
  await page.waitForSelector('#rep-obl-badge');
  // The admin page fills in its lists as their data arrives (those above the report card push it down).
  await settledClick(page, '#rep-freeze');
  // Freezing builds and seals the PDF (B-LT): slow on a loaded machine; a refusal shows in the message box.
  await page.waitForSelector('#rep-versions button[data-act="approve"], #rep-sub-msg.msg-error', { timeout: 90_000 });
  check(await page.isHidden('#rep-sub-msg.msg-error'), 'freezing failed: ' + await page.textContent('#rep-sub-msg'));
  check((await page.textContent('#rep-sub-msg')).includes('Versi 1 dibekukan'), 'frozen message');
  check((await page.textContent('#rep-versions')).includes('Dibekukan'), 'the version is listed as frozen');
  allowed.http = [{ path: `/api/v1/reports/usage/${YEAR}/versions/1/approve`, status: 403 }];
  await settledClick(page, '#rep-versions button[data-act="approve"]');
  await page.waitForSelector('#rep-sub-msg.msg-error');
  check((await page.textContent('#rep-sub-msg')).includes('admin lain'), 'four eyes explained: ' + await page.textContent('#rep-sub-msg'));
  allowed.http = [];
  await page.locator('#rep-versions button[data-act="pdf"]').boundingBox();
  const frozen = await download(page, '#rep-versions button[data-act="pdf"]');
  check(frozen.bytes.subarray(0, 5).toString() === '%PDF-' && frozen.name === `laporan-penggunaan-${YEAR}-v1.pdf`, 'the frozen PDF: ' + frozen.name);
  await page.screenshot({ path: path.join(SHOTS, 'report-admin.png'), fullPage: true });
  await ctx.close();
});

await finish(browser);
