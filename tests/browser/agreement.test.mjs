// Browser tests of the agreement register (web/static/app-agreement.js): an
// admin at desktop size sees the demo agreement (in force through
// 2029-01-23, days left, status, contacts, this year's and next year's
// holiday calendar), records a change of PIHAK I's contact through the form
// and sees it in the history with its notice date (7 working days, computed
// by the server); an auditor at phone size sees the same page and may only
// record PIHAK II's changes. Screenshots at 1280 and 390 px.
// Started by tests/integration/test_browser_agreement.sh (tests/lib/browser-run.sh).
import path from 'node:path';
import fs from 'node:fs';
import { DEMO, SHOTS, check, login, call, newPage, uiLogin, scenario, launch, finish, settledClick } from './lib.mjs';

const browser = await launch(200_000);

async function noOverflow(page, label) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflow <= 1, `${label}: no horizontal overflow (${overflow} px)`);
}

await scenario('admin at 1280x900: the demo agreement, records a contact change and sees the history', async () => {
  const { ctx, page } = await newPage(browser, 'agreement-admin');
  await uiLogin(page, DEMO.admin.user, DEMO.admin.password);
  await page.waitForSelector('#agreement #agr-ends');
  check((await page.textContent('#agr-h')).includes('Perjanjian kerja sama'), 'Indonesian heading');
  check((await page.textContent('#agr-ends')).trim() === '2029-01-23', 'in force through 2029-01-23');
  const days = Math.round((Date.UTC(2029, 0, 23) - Date.UTC(...(() => {
    const w = new Date(Date.now() + 7 * 3600 * 1000);
    return [w.getUTCFullYear(), w.getUTCMonth(), w.getUTCDate()];
  })())) / 86400000);
  check((await page.textContent('#agr-days')).includes(String(days)), `${days} days left shown: ${await page.textContent('#agr-days')}`);
  check(await page.locator('#agreement [data-status="in_force"]').count() === 1, 'status in force');
  check((await page.textContent('#agr-pdf')).includes('Belum diunggah'), 'no signed PDF yet');
  check((await page.textContent('#agr-contacts [data-party="first"]')).includes('Budi Contoh'), "PIHAK I's demo contact");
  // The holiday calendar of this year and the next, each with its status.
  await page.waitForSelector('.agr-year[data-status]');
  await page.waitForFunction(() => document.querySelectorAll('.agr-year[data-status]').length === 2);
  const y0 = new Date(Date.now() + 7 * 3600 * 1000).getUTCFullYear();
  const st0 = await page.getAttribute('#agr-year-' + y0, 'data-status');
  check(st0 === (y0 === 2026 ? 'decreed' : st0), `year ${y0}: ${st0}`);
  check(await page.locator('#agr-year-' + y0 + ' tbody tr').count() >= 5, 'the holidays are listed');
  check(await page.locator('#agr-hol-form').count() === 1, 'an admin may load a decree');
  const shot = path.join(SHOTS, 'agreement-desktop.png');
  await page.locator('#agreement').screenshot({ path: shot });
  check(fs.statSync(shot).size > 10_000, 'desktop screenshot saved');

  // Friday 2026-03-13: 7 working days skipping Nyepi, cuti bersama and Idul Fitri end on 2026-03-31.
  const before = await page.locator('#agr-history tbody tr').count();
  await page.selectOption('#agr-chg-party', 'first');
  await page.fill('#agr-chg-changed_on', '2026-03-13');
  await page.fill('#agr-chg-official', 'Citra Peramban');
  await page.fill('#agr-chg-position', 'Kepala Pusat Data dan Informasi');
  await page.fill('#agr-chg-email', 'citra@kementerian.example');
  await settledClick(page, '#agr-chg-submit');
  await page.waitForSelector('#agr-msg.msg-ok');
  check((await page.textContent('#agr-msg')).includes('2026-03-31'), 'the notice date is shown: ' + await page.textContent('#agr-msg'));
  await page.waitForFunction((n) => document.querySelectorAll('#agr-history tbody tr').length === n + 1, before);
  const top = await page.textContent('#agr-history tbody tr:first-child');
  check(top.includes('Citra Peramban') && top.includes('2026-03-13') && top.includes('2026-03-31'), 'the new row heads the history: ' + top);
  const ns = await page.getAttribute('#agr-history tbody tr:first-child [data-notice]', 'data-notice');
  check(ns === (Date.now() > Date.UTC(2026, 2, 31, 17) ? 'overdue' : 'pending'), 'notice status without a letter: ' + ns);
  check((await page.textContent('#agr-contacts [data-party="first"]')).includes('Citra Peramban'), 'now the current contact');
  // The server agrees with what the page showed.
  const s = await login(DEMO.admin.user, DEMO.admin.password);
  const a = (await call(s, 'GET', '/api/v1/agreements/1')).data;
  check(a.contacts.first.official === 'Citra Peramban' && a.contacts.first.notice_due === '2026-03-31', 'recorded in the register');
  await page.locator('#agreement').screenshot({ path: path.join(SHOTS, 'agreement-contact-change-desktop.png') });

  // Next year's decree loaded from the textarea: the year turns from provisional to decreed.
  const y1 = y0 + 1;
  const decree = { status: 'decreed', decree: 'SKB uji peramban', holidays: [
    { date: y1 + '-01-01', kind: 'national', name: 'Tahun Baru Masehi' }, { date: y1 + '-01-02', kind: 'cuti_bersama', name: 'Cuti bersama uji' }] };
  await page.click('#agr-holidays details summary');
  await page.selectOption('#agr-hol-year', String(y1));
  await page.fill('#agr-hol-json', JSON.stringify(decree));
  await settledClick(page, '#agr-hol-form button[type="submit"]');
  await page.waitForSelector('#agr-hol-msg.msg-ok');
  await page.waitForSelector('#agr-year-' + y1 + '[data-status="decreed"]');
  check((await page.textContent('#agr-year-' + y1)).includes('Cuti bersama uji'), 'the loaded decree is listed');
  const cal = (await call(s, 'GET', '/api/v1/agreement/holidays/' + y1)).data;
  check(cal.status === 'decreed' && cal.decree === 'SKB uji peramban' && cal.holidays.length === 2, 'the server holds the decree: ' + JSON.stringify(cal));
  // Bad JSON is refused in the page, before any request.
  await page.fill('#agr-hol-json', '{not json');
  await settledClick(page, '#agr-hol-form button[type="submit"]');
  await page.waitForSelector('#agr-hol-msg.msg-error');
  await ctx.close();
});

await scenario('auditor at phone size 390x844: reads the agreement and may record only PIHAK II', async () => {
  const { ctx, page } = await newPage(browser, 'agreement-auditor', { width: 390, height: 844 });
  await uiLogin(page, DEMO.auditor.user, DEMO.auditor.password);
  await page.waitForSelector('#agreement #agr-ends');
  await page.waitForFunction(() => document.querySelectorAll('.agr-year[data-status]').length === 2);
  const opts = await page.locator('#agr-chg-party option').evaluateAll((os) => os.map((o) => o.value));
  check(JSON.stringify(opts) === '["second"]', 'an auditor records PIHAK II only: ' + opts);
  check(await page.locator('#agr-hol-form').count() === 0 && await page.locator('#agr-pdf-form').count() === 0, 'no admin forms');
  check((await page.textContent('#agr-history')).includes('Citra Peramban'), "the admin's change is in the history");
  await noOverflow(page, 'auditor (phone)');
  const shot = path.join(SHOTS, 'agreement-phone.png');
  await page.locator('#agreement').screenshot({ path: shot });
  check(fs.statSync(shot).size > 10_000, 'phone screenshot saved');
  await ctx.close();
});

await finish(browser);
