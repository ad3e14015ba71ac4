// Browser tests of the technical-support tickets (R12; web/static/verify-support.js,
// web/static/app-support.js): a member of the public verifies a tampered PDF on
// the verify page, sees it fail and reports the problem from there (1280 wide);
// an auditor finds the ticket in the app with the verification report attached
// and replies (390 wide); the public follow-up by ticket number and token shows
// the reply. Screenshots at 1280 and 390 widths.
// Started by tests/integration/test_browser_support.sh (tests/lib/browser-run.sh).
import path from 'node:path';
import fs from 'node:fs';
import { BASE, DEMO, TMP, PDF, SHOTS, check, newPage, uiLogin, settledClick, scenario, launch, finish } from './lib.mjs';

const browser = await launch(220_000);
const tampered = path.join(TMP, 'surat-diubah.pdf');
let REF = null;
let TOKEN = null;

await scenario('setup: the demo application signs a PDF; one bit of the copy is flipped', async () => {
  const fd = new FormData();
  fd.append('options', JSON.stringify({ nik: DEMO.subscriber.nik, passphrase: DEMO.subscriber.passphrase }));
  fd.append('file', new Blob([fs.readFileSync(PDF)], { type: 'application/pdf' }), 'a.pdf');
  const r = await fetch(BASE + '/api/v1/sign/pdf', { method: 'POST', headers: { Authorization: 'Bearer ' + DEMO.application.api_key }, body: fd });
  check(r.status === 200, 'demo application signs a PDF: ' + r.status);
  const signed = Buffer.from(await r.arrayBuffer());
  signed[700] ^= 0x01; // inside the first signed byte range
  fs.writeFileSync(tampered, signed);
});

await scenario('public at 1280x900: the tampered PDF fails, "Laporkan masalah" opens a ticket with a ref and a token', async () => {
  const { ctx, page } = await newPage(browser, 'support-public');
  await page.goto(BASE + '/verify');
  await page.setInputFiles('#verify-file', tampered);
  await page.click('#verify-form button[type="submit"]');
  await page.waitForSelector('#verdict');
  check(await page.getAttribute('#verdict', 'data-indication') === 'TOTAL_FAILED', 'the verify page shows the failure');
  await page.waitForSelector('#report-problem');
  check((await page.textContent('#tp-h')).includes('Laporkan masalah'), 'the report-a-problem form is offered (Indonesian)');
  check((await page.inputValue('#tp-subject')).includes('surat-diubah.pdf'), 'the subject names the file');
  await page.fill('#tp-body', 'Surat ini saya terima dari dinas, tetapi gagal diverifikasi.');
  await page.fill('#tp-name', 'Budi Warga');
  await page.fill('#tp-contact', 'budi.warga@contoh.example');
  await page.click('#tp-submit');
  await page.waitForSelector('#tp-token');
  REF = (await page.textContent('#tp-ref')).trim();
  TOKEN = (await page.textContent('#tp-token')).trim();
  check(/^TKT-\d{4}-[0-9A-Z]{6}$/.test(REF), 'a ticket number: ' + REF);
  check(/^[0-9a-f]{64}$/.test(TOKEN), 'a follow-up token is shown once');
  check(await page.inputValue('#fu-ref') === REF, 'the follow-up form is filled in for later');
  const shot = path.join(SHOTS, 'support-public-report-desktop.png');
  await page.screenshot({ path: shot, fullPage: true });
  check(fs.statSync(shot).size > 10_000, 'desktop screenshot saved');
  await ctx.close();
});

await scenario('auditor at 390x844: the ticket with the verification report attached; reply', async () => {
  check(REF !== null, 'a ticket was opened');
  const { ctx, page } = await newPage(browser, 'support-auditor', { width: 390, height: 844 });
  await uiLogin(page, DEMO.auditor.user, DEMO.auditor.password);
  await page.waitForSelector(`#tk-list button.tk-open[data-ref="${REF}"]`);
  await settledClick(page, `#tk-list button.tk-open[data-ref="${REF}"]`);
  await page.waitForSelector('#tk-detail:not([hidden])');
  check((await page.textContent('#tk-detail-h')).includes(REF), 'the detail of the ticket opens');
  check(await page.getAttribute('#tk-report-indication', 'data-indication') === 'TOTAL_FAILED', 'the attached report says TOTAL_FAILED');
  check((await page.locator('#tk-report .tk-subind').allTextContents()).includes('HASH_FAILURE'), 'and why: HASH_FAILURE');
  check((await page.textContent('#tk-detail')).includes('budi.warga@contoh.example'), 'the issuer sees the reporter\'s contact');
  await page.click('#tk-assign');
  await page.waitForSelector('#tk-detail-msg.msg-ok'); // set only once the detail is drawn again
  check((await page.textContent('#tk-detail')).includes(DEMO.auditor.user), 'assigned to the auditor');
  await page.fill('#tk-reply', 'Dokumen Anda diubah setelah ditandatangani. Mintalah salinan asli kepada dinas.');
  await page.click('#tk-reply-form button[type="submit"]');
  await page.waitForSelector('#tk-messages li[data-side="issuer"]');
  check(await page.getAttribute('#tk-detail [data-status]', 'data-status') === 'answered', 'the ticket is answered');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflow <= 1, `no horizontal overflow at phone width (${overflow} px)`);
  const shot = path.join(SHOTS, 'support-auditor-phone.png');
  await page.locator('#tk-detail').screenshot({ path: shot });
  check(fs.statSync(shot).size > 10_000, 'phone screenshot saved');
  await ctx.close();
});

await scenario('public follow-up at 390x844 and 1280x900: the reply by ticket number and token', async () => {
  for (const [w, hgt, name] of [[390, 844, 'support-follow-up-phone.png'], [1280, 900, 'support-follow-up-desktop.png']]) {
    const { ctx, page } = await newPage(browser, 'support-follow-up-' + w, { width: w, height: hgt });
    await page.goto(BASE + '/verify');
    await page.fill('#fu-ref', REF);
    await page.fill('#fu-token', TOKEN);
    await page.click('#fu-form button[type="submit"]');
    await page.waitForSelector('#fu-view #tk-messages li[data-side="issuer"]');
    const text = await page.textContent('#fu-view');
    check(text.includes('Dokumen Anda diubah setelah ditandatangani'), 'the issuer\'s reply is shown');
    check(text.includes('BSSN/BSrE') && !text.includes(DEMO.auditor.user), 'signed by the issuer, not by a staff login name');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    check(overflow <= 1, `no horizontal overflow at ${w} px (${overflow} px)`);
    const shot = path.join(SHOTS, name);
    await page.locator('#ticket-follow-up').screenshot({ path: shot });
    check(fs.statSync(shot).size > 5_000, name + ' saved');
    await ctx.close();
  }
});

await scenario('official at 390x844: opens a ticket in the app about a registry document and sees it in the list', async () => {
  const { ctx, page } = await newPage(browser, 'support-official', { width: 390, height: 844 });
  await uiLogin(page, DEMO.subscriber.user, DEMO.subscriber.password);
  await page.waitForSelector('#tk-new');
  check(await page.locator(`#tk-list button.tk-open[data-ref="${REF}"]`).count() === 0, 'an official does not see the public\'s ticket');
  await page.selectOption('#tk-new-category', 'authenticity');
  await page.fill('#tk-new-subject', 'Keaslian surat keluar');
  await page.fill('#tk-new-body', 'Mohon konfirmasi keaslian surat ini.');
  await page.setInputFiles('#tk-new-file', tampered);
  await page.click('#tk-new button[type="submit"]');
  await page.waitForSelector('#tk-new-msg.msg-ok');
  const ref = (await page.textContent('#tk-new-msg')).match(/TKT-\d{4}-[0-9A-Z]{6}/)[0];
  await page.waitForSelector(`#tk-list button.tk-open[data-ref="${ref}"]`);
  check(await page.locator('#tk-list button.tk-open').count() === 1, 'the official lists only their own ticket');
  await settledClick(page, `#tk-list button.tk-open[data-ref="${ref}"]`);
  await page.waitForSelector('#tk-detail:not([hidden])');
  check(await page.getAttribute('#tk-report-indication', 'data-indication') === 'TOTAL_FAILED', 'the upload was verified and its report attached');
  check(await page.locator('#tk-assign').count() === 0 && await page.locator('#tk-resolve-form').count() === 0, 'no issuer actions for an official');
  await ctx.close();
});

await finish(browser);
