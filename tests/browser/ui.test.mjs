// Browser tests of the web UI: Playwright (playwright-core) driving Debian's
// Chromium against a real `teken serve` on a demo instance. Started by
// tests/integration/test_browser.sh (tests/lib/browser-run.sh), which makes
// the instance and the server; the harness is tests/browser/lib.mjs.
//
// Every page is watched: any console error or warning that is not an
// expected HTTP error of the API (e.g. the 401 of a wrong passphrase), and
// any uncaught page error, fails the run. CSP violations are console errors.
import fs from 'node:fs';
import path from 'node:path';
import {
  BASE, DEMO, TMP, PDF, SHOTS, PNG, check, login, call, enrol, allowed, watch, newPage, uiLogin, scenario, launch, finish,
} from './lib.mjs';

// ten scenarios (one seals a PDF report); heavy, shared machines need the margin
const browser = await launch(300_000);

const state = {};

await scenario('home page in Indonesian, switches to English and remembers it', async () => {
  const { ctx, page } = await newPage(browser, 'home');
  const resp = await page.goto(BASE + '/');
  check((resp.headers()['content-security-policy'] || '').includes("default-src 'self'"), 'home page has the CSP');
  await page.waitForSelector('body.ready');
  check(await page.getAttribute('html', 'lang') === 'id', 'html lang is id');
  const h1 = await page.textContent('h1');
  check(h1.includes('Sertifikat elektronik dan tanda tangan elektronik'), 'Indonesian heading: ' + h1);
  for (const href of ['/verify', '/app', '/cps', '/literasi']) {
    check(await page.locator(`main a[href="${href}"]`).count() === 1, 'home links to ' + href);
  }
  check((await page.textContent('#lang-toggle')).trim() === 'English', 'toggle offers English');
  await page.click('#lang-toggle');
  check(await page.getAttribute('html', 'lang') === 'en', 'html lang is en after the switch');
  const h1en = await page.textContent('h1');
  check(h1en.includes('Electronic certificates and electronic signatures'), 'English heading: ' + h1en);
  check((await page.textContent('nav a[href="/verify"]')).includes('Verify'), 'nav in English');
  await page.reload();
  await page.waitForSelector('body.ready');
  check(await page.getAttribute('html', 'lang') === 'en', 'English is remembered after a reload');
  check((await page.textContent('h1')).includes('Electronic certificates'), 'English heading after reload');
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement.classList.contains('skip-link')), 'first Tab reaches the skip link');
  await page.click('#lang-toggle');
  check(await page.getAttribute('html', 'lang') === 'id', 'back to Indonesian');
  // The other public pages render their texts without errors.
  await page.goto(BASE + '/literasi');
  await page.waitForSelector('body.ready');
  check((await page.textContent('h1')).includes('Literasi tanda tangan elektronik'), 'literacy page heading');
  check((await page.textContent('#pernyataan')).includes('Balai Besar Sertifikasi Elektronik (BSrE)'), 'literacy page explains the BSrE statement');
  const cov = await page.evaluate(async () => (await import('/static/i18n.js')).coverage());
  check(cov.onlyId.length === 0 && cov.onlyEn.length === 0, 'every text exists in both languages: ' + JSON.stringify(cov));
  await page.goto(BASE + '/app');
  await page.waitForSelector('#login:not([hidden])');
  const unknown = await page.evaluate(async () => {
    const { has } = await import('/static/i18n.js');
    const roots = [document, ...Array.from(document.querySelectorAll('template'), (t) => t.content)];
    const keys = roots.flatMap((r) => Array.from(r.querySelectorAll('[data-i18n]'), (e) => e.dataset.i18n)
      .concat(Array.from(r.querySelectorAll('[data-i18n-attr]'), (e) => e.dataset.i18nAttr.split(',').map((p) => p.split(':')[1].trim())).flat()));
    return keys.filter((k) => !has(k));
  });
  check(unknown.length === 0, 'every text key of the app page and its dashboards is in the table: ' + unknown.join(', '));
  await page.goto(BASE + '/verify');
  await page.waitForSelector('body.ready');
  check(await page.locator('label[for="verify-file"]').count() === 1, 'verify page has a labelled file input');
  allowed.http = [{ path: /^\/api\/v1\/documents\//, status: 404 }];
  await page.goto(BASE + '/v/tidakadadokumenini234567ab');
  await page.waitForSelector('#doc-missing:not([hidden]), #doc-msg:not([hidden])');
  const missing = await page.isVisible('#doc-missing');
  const text = missing ? await page.textContent('#doc-missing') : await page.textContent('#doc-msg');
  check(missing ? text.includes('Dokumen tidak terdaftar') : text.includes('belum dapat diakses'), 'unknown document id: clear page: ' + text);
  allowed.http = [];
  await ctx.close();
});

await scenario('a Verifikator sees the queue and approves a request; self-approval is refused in Indonesian', async () => {
  const admin = await login(DEMO.admin.user, DEMO.admin.password);
  // rina.uji is enrolled later by a Verifikator in the page and activates her own key.
  for (const [user, pw] of [['budi.uji', 'budi-login-pass-1'], ['sari.uji', 'sari-login-pass-1'], ['rina.uji', 'rina-login-pass-1']]) {
    const r = await call(admin, 'POST', '/api/v1/users', { json: { user, password: pw, role: 'subscriber', display_name: user } });
    check(r.status === 201, 'create ' + user + ': ' + JSON.stringify(r.data));
  }
  const budi = await login('budi.uji', 'budi-login-pass-1');
  const reqId = await enrol(budi, { nik: '3174011503800001', full_name: 'Budi Santoso', email: 'budi@kementerian.example',
    unit: 'Biro Hukum', position: 'Analis Hukum', passphrase: 'rahasia-budi-2026' });
  const v1 = DEMO.verifikators[0];
  const v1s = await login(v1.user, v1.password);
  // Staff enrol with identity and evidence only (sole control: the official activates the key).
  const selfId = await enrol(v1s, { user: 'sari.uji', nik: '3273015507900004', full_name: 'Sari Dewi', email: 'sari@kementerian.example',
    unit: 'Biro Umum', position: 'Pranata Komputer' });

  const { ctx, page } = await newPage(browser, 'verifikator');
  await uiLogin(page, v1.user, v1.password);
  check((await page.textContent('#dash-title')).includes('Antrean verifikasi'), 'Verifikator dashboard title');
  await page.waitForSelector(`#ver-queue-body button[data-request="${reqId}"]`);
  check(await page.locator(`#ver-queue-body button[data-request="${selfId}"]`).count() === 1, 'both requests in the queue');
  await page.screenshot({ path: path.join(SHOTS, 'verifikator-queue.png'), fullPage: true });

  // Own submission: refused with the plain-Indonesian self_approval text.
  allowed.http = [{ path: `/api/v1/requests/${selfId}/approve`, status: 403 }];
  await page.click(`#ver-queue-body button[data-request="${selfId}"]`);
  await page.waitForSelector('#ver-detail:not([hidden])');
  check((await page.textContent('#ver-detail-body')).includes('3273015507900004'), 'detail shows the NIK');
  await page.click('#decide-approve');
  await page.waitForSelector('#decide-msg.msg-error');
  const selfMsg = await page.textContent('#decide-msg');
  check(selfMsg.includes('Anda tidak boleh memutuskan permohonan yang Anda ajukan sendiri'), 'self-approval message: ' + selfMsg);
  await page.click('#decide-back');

  // Rejecting without a reason is stopped in the page.
  await page.click(`#ver-queue-body button[data-request="${reqId}"]`);
  await page.waitForSelector('#ver-detail:not([hidden])');
  const detail = await page.textContent('#ver-detail-body');
  check(detail.includes('Budi Santoso') && detail.includes('3174011503800001'), 'identity shown');
  const ev = page.locator('#ver-detail-body a[href^="/api/v1/evidence/"]');
  check(await ev.count() === 2, 'two evidence links');
  const evHref = await ev.first().getAttribute('href');
  const evResp = await page.request.get(BASE + evHref);
  check(evResp.status() === 200 && (await evResp.body()).subarray(0, 4).equals(PNG.subarray(0, 4)), 'evidence link serves the KTP scan');
  await page.click('#decide-reject');
  await page.waitForSelector('#decide-msg.msg-error');
  check((await page.textContent('#decide-msg')).includes('Penolakan harus disertai alasan'), 'reject needs a reason');
  await page.click('#decide-approve');
  await page.waitForSelector('#dash-msg.msg-ok');
  check((await page.textContent('#dash-msg')).includes(`Permohonan no. ${reqId} disetujui`), 'approval confirmed');
  await page.waitForSelector(`#ver-queue-body button[data-request="${selfId}"]`);
  check(await page.locator(`#ver-queue-body button[data-request="${reqId}"]`).count() === 0, 'approved request left the queue');
  const r = await call(admin, 'GET', `/api/v1/requests/${reqId}`);
  check(r.status === 200 && r.data.status === 'approved' && r.data.result && r.data.result.serial, 'request approved and certificate issued');
  allowed.http = [];
  await ctx.close();
});

await scenario('the subscriber signs a PDF in the page; a wrong passphrase shows the Indonesian error', async () => {
  const sub = DEMO.subscriber;
  const { ctx, page } = await newPage(browser, 'subscriber');
  await uiLogin(page, sub.user, sub.password);
  await page.waitForSelector('#sub-sign:not([hidden])');
  check((await page.textContent('#sub-status')).includes('Sertifikat Anda sudah terbit'), 'certificate status shown');

  // The signing workspace (tests/browser/workspace.test.mjs tests it in depth).
  allowed.http = [{ path: '/api/v1/sign/pdf', status: 401 }];
  await page.setInputFiles('#ws-files', PDF);
  await page.waitForSelector('#ws-list > li');
  await page.fill('#ws-pass', 'passphrase-yang-salah');
  await page.click('#ws-sign');
  await page.waitForSelector('#ws-msg.msg-error');
  const wrong = await page.textContent('#ws-msg');
  check(wrong.includes('Passphrase salah'), 'wrong passphrase message in Indonesian: ' + wrong);
  check(await page.inputValue('#ws-pass') === '', 'passphrase field cleared');

  await page.fill('#ws-pass', sub.passphrase);
  await page.fill('#ws-reason', 'Menyetujui');
  await page.selectOption('#ws-preset', 'br');
  await page.click('#ws-sign');
  await page.waitForSelector('#ws-results a.ws-dl');
  const docLink = await page.getAttribute('#ws-results a[href^="/v/"]', 'href');
  check(/^\/v\/[a-z2-7]{26}$/.test(docLink), 'document id shown: ' + docLink);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#ws-results a.ws-dl')]);
  const out = path.join(TMP, 'signed.pdf');
  await download.saveAs(out);
  const signed = fs.readFileSync(out);
  const orig = fs.readFileSync(PDF);
  check(signed.subarray(0, 5).toString('latin1') === '%PDF-', 'download starts with %PDF');
  check(signed.length > orig.length, `signed file is larger (${signed.length} > ${orig.length})`);
  check(signed.subarray(0, orig.length).equals(orig), 'signed file is the original plus an incremental update');
  check(download.suggestedFilename().endsWith('-ditandatangani.pdf'), 'download name: ' + download.suggestedFilename());

  const shot = path.join(SHOTS, 'dashboard-subscriber.png');
  await page.screenshot({ path: shot, fullPage: true });
  const png = fs.readFileSync(shot);
  check(png.length > 10_000 && png.subarray(1, 4).toString('latin1') === 'PNG', `dashboard screenshot is a non-empty PNG (${png.length} bytes)`);
  state.docPath = docLink;
  state.signed = out;

  await page.click('#logout');
  await page.waitForSelector('#login:not([hidden])');
  allowed.http = [];
  await ctx.close();
});

await scenario('the QR page and the public verification page handle the signed file', async () => {
  check(state.signed, 'needs the signed file of the previous scenario');
  const { ctx, page } = await newPage(browser, 'public');
  // The registry endpoint may not exist yet on this server: then the page says so plainly.
  allowed.http = [{ path: /^\/api\/v1\/documents\//, status: 404 }, { path: '/api/v1/verify', status: 404 }];
  await page.goto(BASE + state.docPath);
  await page.waitForSelector('#doc-found:not([hidden]), #doc-msg:not([hidden]), #doc-missing:not([hidden])');
  if (await page.isVisible('#doc-found')) {
    await page.setInputFiles('#doc-file', state.signed);
    await page.waitForSelector('#doc-compare-verdict');
    check(await page.getAttribute('#doc-compare-verdict', 'data-same') === 'true', 'the downloaded file is byte-identical to the registered one');
    await page.setInputFiles('#doc-file', PDF);
    await page.waitForSelector('#doc-compare-verdict[data-same="false"]');
  } else {
    const msg = await page.textContent('#doc-msg');
    check(msg.includes('belum dapat diakses'), 'registry not available: plain message: ' + msg);
  }
  await page.goto(BASE + '/verify');
  await page.setInputFiles('#verify-file', state.signed);
  await page.click('#verify-form button[type="submit"]');
  await page.waitForSelector('#verify-result:not([hidden]), #verify-msg.msg-warn, #verify-msg.msg-error');
  if (await page.isVisible('#verify-result')) {
    const ind = await page.getAttribute('#verdict', 'data-indication');
    check(ind === 'TOTAL_PASSED' || ind === 'INDETERMINATE', 'verdict for a freshly signed file: ' + ind);
    check((await page.textContent('#verify-result')).includes('Siti Rahmawati'), 'signer shown');
  } else {
    const msg = await page.textContent('#verify-msg');
    check(msg.includes('Layanan verifikasi belum tersedia'), 'verification endpoint missing: plain message: ' + msg);
  }
  // The DESIGN section 5 report shape renders (served by a stub, whatever the server has).
  await page.route(/\/api\/v1\/verify(\?via=web)?$/, (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({
    file: 'x.pdf', indication: 'TOTAL_FAILED', signatures: [{ indication: 'TOTAL_FAILED', subindication: 'HASH_FAILURE', signer: 'Budi Santoso',
      signing_time: '2026-01-02T03:04:05Z', level: 'PAdES-BASELINE-T', covers_whole_document: false,
      modifications_after: [{ revision: 2, start: 0, end: 100, kinds: ['annotation'], details: ['page 1 changed'] }] }] }) }));
  await page.click('#verify-form button[type="submit"]');
  await page.waitForSelector('#verdict[data-indication="TOTAL_FAILED"]');
  const res = await page.textContent('#verify-result');
  check(res.includes('TIDAK sah') && res.includes('dokumen telah diubah') && res.includes('anotasi atau komentar') && res.includes('page 1 changed'),
    'failed verdict in plain Indonesian: ' + res);
  allowed.http = [];
  await ctx.close();
});

await scenario('the public verify page names the upload by its own name and hands out the HTML and PDF reports', async () => {
  check(state.signed, 'needs the signed file of an earlier scenario');
  const { ctx, page } = await newPage(browser, 'verify-report');
  const name = 'Surat Keputusan – Nomor 7.pdf';
  const upload = path.join(TMP, name);
  fs.copyFileSync(state.signed, upload);
  await page.goto(BASE + '/verify');
  await page.setInputFiles('#verify-file', upload);
  await page.click('#verify-form button[type="submit"]');
  await page.waitForSelector('#verify-result:not([hidden])');
  check((await page.textContent('#verify-file-name')) === name, 'the file is shown by its own name: ' + await page.textContent('#verify-file-name'));
  const reg = await page.getAttribute('#verify-registry', 'href');
  check(/^\/v\/[a-z2-7]{26}$/.test(reg || ''), 'the registry record of the file signed here is linked: ' + reg);
  // HTML report: a download that opens and renders on its own (file://, its CSP allows only its inline CSS).
  const [dh] = await Promise.all([page.waitForEvent('download'), page.click('#report-html')]);
  check(dh.suggestedFilename().endsWith('.html'), 'HTML report name: ' + dh.suggestedFilename());
  const htmlPath = path.join(TMP, 'laporan.html');
  await dh.saveAs(htmlPath);
  const html = fs.readFileSync(htmlPath, 'utf8');
  check(html.startsWith('<!doctype html>') && html.includes('Laporan rinci / Detailed report') && html.includes(name), 'HTML report content');
  check(!/<script/i.test(html), 'HTML report has no script');
  const rp = await ctx.newPage();
  watch(rp, 'report-html');
  await rp.goto('file://' + htmlPath);
  check((await rp.textContent('h1')).includes('Laporan Verifikasi'), 'HTML report renders its title');
  const bg = await rp.evaluate(() => getComputedStyle(document.querySelector('thead th')).backgroundColor);
  check(bg !== 'rgba(0, 0, 0, 0)', 'the report inline CSS applies (table header background ' + bg + ')');
  await rp.screenshot({ path: path.join(SHOTS, 'verify-report-html.png'), fullPage: true });
  await rp.close();
  // PDF report, sealed by the instance.
  const [dp] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('#report-pdf')]);
  check(dp.suggestedFilename().endsWith('.pdf'), 'PDF report name: ' + dp.suggestedFilename());
  const pdfPath = path.join(TMP, 'laporan.pdf');
  await dp.saveAs(pdfPath);
  const pdf = fs.readFileSync(pdfPath);
  check(pdf.subarray(0, 5).toString('latin1') === '%PDF-' && pdf.length > 10_000, 'PDF report arrives (%PDF header, ' + pdf.length + ' bytes)');
  await page.screenshot({ path: path.join(SHOTS, 'verify-page-report.png'), fullPage: true });
  await ctx.close();
});

await scenario('a Verifikator files a suspension from the page; a second Verifikator approves it', async () => {
  const v1 = DEMO.verifikators[0];
  const { ctx, page } = await newPage(browser, 'verifikator-hold');
  await uiLogin(page, v1.user, v1.password);
  const manage = page.locator(`#ver-subs tr:has-text("${DEMO.subscriber.user}") button[data-serial]`).first();
  const serial = await manage.getAttribute('data-serial');
  await manage.click();
  check(await page.inputValue('#vc-serial') === serial, 'Kelola fills the serial');
  check(await page.isHidden('#vc-reason-field'), 'no revocation reason for a suspension');
  await page.selectOption('#vc-action', 'revoke');
  check(await page.isVisible('#vc-reason-field'), 'revocation asks for a reason');
  await page.selectOption('#vc-action', 'hold');
  await page.click('#vc-submit');
  await page.waitForSelector('#vc-msg.msg-ok');
  const text = await page.textContent('#vc-msg');
  const id = Number((/no\. (\d+)/.exec(text) || [])[1]);
  check(id > 0 && text.includes('menunggu persetujuan Verifikator lain'), 'request filed, in Indonesian: ' + text);
  await page.waitForSelector(`#ver-queue-body button[data-request="${id}"]`);
  const v2 = DEMO.verifikators[1];
  const r = await call(await login(v2.user, v2.password), 'POST', `/api/v1/requests/${id}/approve`);
  check(r.status === 200 && r.data.status === 'approved', 'second Verifikator approves: ' + JSON.stringify(r.data));
  const sub = await login(DEMO.subscriber.user, DEMO.subscriber.password);
  const certs = await call(sub, 'GET', '/api/v1/me/certificates');
  check(certs.data.some((c) => c.serial === serial && c.status === 'hold'), 'certificate on hold: ' + JSON.stringify(certs.data));
  await ctx.close();
});

await scenario('a certificate holder revokes their own certificate in the page', async () => {
  const { ctx, page } = await newPage(browser, 'subscriber-revoke');
  await uiLogin(page, 'budi.uji', 'budi-login-pass-1');
  await page.waitForSelector('#sub-sign:not([hidden])');
  check(!(await page.isHidden('#sub-sign')), 'signing offered while the certificate is valid');
  await page.click('#acc-tab-cert'); // revocation lives on the certificate tab (issue 14)
  await page.waitForSelector('#sub-revoke:not([hidden])');
  const serial = await page.getAttribute('#sub-revoke', 'data-serial');
  await page.selectOption('#rv-reason', 'keyCompromise');
  await page.click('#revoke-submit'); // the confirmation box is required: nothing is sent
  check(await page.isVisible('#sub-revoke'), 'not revoked without the confirmation');
  await page.check('#rv-confirm');
  await page.click('#revoke-submit');
  await page.waitForSelector('#sub-revoke', { state: 'hidden' });
  const status = await page.textContent('#sub-status');
  check(status.includes('telah dicabut') && status.includes('Sertifikat telah dicabut.'), 'revoked status in Indonesian: ' + status);
  check(await page.getAttribute('#sub-sign', 'hidden') !== null && await page.getAttribute('#sub-pass', 'hidden') !== null,
    'signing and passphrase sections gone');
  const budi = await login('budi.uji', 'budi-login-pass-1');
  const r = await call(budi, 'GET', '/api/v1/me/certificates');
  const c = r.data.find((x) => x.serial === serial);
  check(r.status === 200 && c && c.status === 'revoked', 'the registry says revoked: ' + JSON.stringify(r.data));
  await ctx.close();
});

await scenario('an admin files a Verifikator account from the page; it waits for a second admin', async () => {
  const { ctx, page } = await newPage(browser, 'admin-staff');
  await uiLogin(page, DEMO.admin.user, DEMO.admin.password);
  await page.fill('#nu-user', 'verif.baru');
  await page.fill('#nu-name', 'Verifikator Baru');
  await page.selectOption('#nu-role', 'verifikator');
  await page.fill('#nu-pass', 'verif-baru-pass-1');
  await page.click('#user-form button[type="submit"]');
  await page.waitForSelector('#user-msg.msg-ok');
  const text = await page.textContent('#user-msg');
  const id = Number((/no\. (\d+)/.exec(text) || [])[1]);
  check(id > 0 && text.includes('menunggu persetujuan administrator lain'), 'account request filed, in Indonesian: ' + text);
  const row = page.locator('#adm-acct tr:has-text("verif.baru")');
  await row.waitFor();
  check(await row.locator('button:has-text("Setujui")').count() === 0, 'the filer is offered no approval');
  const r = await fetch(BASE + '/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user: 'verif.baru', password: 'verif-baru-pass-1' }) });
  check(r.status === 401, 'the requested Verifikator cannot log in yet: ' + r.status);
  await ctx.close();
});

await scenario('a Verifikator enrols an official without a passphrase; another approves; the official activates and signs', async () => {
  const ktp = path.join(TMP, 'ktp.png');
  fs.writeFileSync(ktp, PNG);

  // The staff form: identity and evidence, no passphrase; it says who chooses it.
  const v1 = DEMO.verifikators[0];
  const { ctx, page } = await newPage(browser, 'staff-enrol');
  await uiLogin(page, v1.user, v1.password);
  await page.waitForSelector('#staff-enrol-form');
  check(await page.locator('#staff-enrol-form input[type="password"]').count() === 0, 'the staff enrolment form has no passphrase field');
  const note = await page.textContent('#staff-enrol-activation');
  check(note.includes('pejabat memilih sendiri passphrase') && note.includes('aktivasi'), 'the form explains activation by the official: ' + note);
  await page.fill('#se-user', 'rina.uji');
  await page.fill('#se-nik', '5171014101950005');
  await page.fill('#se-name', 'Rina Putri');
  await page.fill('#se-email', 'rina@kementerian.example');
  await page.fill('#se-unit', 'Biro Perencanaan');
  await page.fill('#se-position', 'Perencana Ahli Muda');
  await page.setInputFiles('#se-ktp', ktp);
  await page.setInputFiles('#se-sk', PDF);
  await page.locator('#staff-enrol').screenshot({ path: path.join(SHOTS, 'staff-enrol.png') });
  await page.click('#staff-enrol-form button[type="submit"]');
  await page.waitForSelector('#staff-enrol-msg.msg-ok');
  const filed = await page.textContent('#staff-enrol-msg');
  const reqId = Number((/no\. (\d+)/.exec(filed) || [])[1]);
  check(reqId > 0 && filed.includes('rina.uji') && filed.includes('aktivasi sendiri'), 'enrolment filed, in Indonesian: ' + filed);
  await page.waitForSelector(`#ver-queue-body button[data-request="${reqId}"]`);
  await ctx.close();

  // Not the filer (self_approval): the second Verifikator approves; nothing is issued before activation.
  const v2 = DEMO.verifikators[1];
  const ok = await call(await login(v2.user, v2.password), 'POST', `/api/v1/requests/${reqId}/approve`);
  check(ok.status === 200 && ok.data.status === 'approved' && ok.data.result.activation === 'pending' && !ok.data.result.serial,
    'approved, awaiting activation: ' + JSON.stringify(ok.data.result));

  // First login of the official: the Aktivasi form, then the certificate, then signing.
  const { ctx: c2, page: p2 } = await newPage(browser, 'activation');
  await uiLogin(p2, 'rina.uji', 'rina-login-pass-1');
  await p2.waitForSelector('#sub-activate:not([hidden])');
  check((await p2.textContent('#sub-status')).includes('Lakukan aktivasi'), 'status asks for activation');
  check(await p2.isHidden('#sub-sign') && await p2.isHidden('#sub-enrol'), 'no signing and no enrolment form before activation');
  check((await p2.textContent('#act-pass-hint')).includes('Minimal 8 karakter'), 'the passphrase strength hint is shown');
  await p2.screenshot({ path: path.join(SHOTS, 'activation.png'), fullPage: true });
  await p2.fill('#act-pass', 'passphrase-rina-2026');
  await p2.fill('#act-pass2', 'passphrase-rina-2025');
  await p2.click('#activate-submit');
  await p2.waitForSelector('#activate-msg.msg-error');
  check((await p2.textContent('#activate-msg')).includes('tidak sama'), 'mismatched passphrases stopped in the page');
  await p2.fill('#act-pass', 'passphrase-rina-2026');
  await p2.fill('#act-pass2', 'passphrase-rina-2026');
  await p2.click('#activate-submit');
  await p2.waitForSelector('#sub-sign:not([hidden])');
  check(await p2.isHidden('#sub-activate'), 'the activation form is gone');
  const st = await p2.textContent('#sub-status');
  check(st.includes('Aktivasi berhasil') && st.includes('Sertifikat Anda sudah terbit'), 'certificate shown after activation: ' + st);
  await p2.setInputFiles('#ws-files', PDF);
  await p2.waitForSelector('#ws-list > li');
  await p2.fill('#ws-pass', 'passphrase-rina-2026');
  await p2.click('#ws-sign');
  await p2.waitForSelector('#ws-results a.ws-dl');
  const [download] = await Promise.all([p2.waitForEvent('download'), p2.click('#ws-results a.ws-dl')]);
  const out = path.join(TMP, 'signed-rina.pdf');
  await download.saveAs(out);
  const signed = fs.readFileSync(out);
  const orig = fs.readFileSync(PDF);
  check(signed.length > orig.length && signed.subarray(0, orig.length).equals(orig), 'the official signed with the passphrase only they chose');
  await p2.screenshot({ path: path.join(SHOTS, 'dashboard-activated.png'), fullPage: true });
  await c2.close();
});

await finish(browser);
