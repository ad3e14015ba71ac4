// Browser tests of the staff pages (issue 14): the Verifikator's queue and
// evidence viewer (a PDF rendered with pdf.js, an image inline), dual control
// of an enrolment (the second Verifikator finds it under "waiting for a
// second approver"), a key delayed by wrong passphrases released through an
// unlock request, and the admin's page: section index, certificate hold and
// release (checked with `openssl ocsp` against /ocsp), the instance settings
// without any secret of teken.conf, no horizontal overflow at phone width.
// Started by tests/integration/test_browser_staff.sh, which sets
// [ra] approvals_issue = 2, a few secrets in teken.conf and a frozen test clock.
import path from 'node:path';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { BASE, DEMO, TMP, SHOTS, PDF, PNG, check, login, call, newPage, uiLogin, scenario, launch, finish, allowed, settledClick } from './lib.mjs';

const browser = await launch(300_000);
const INST = path.dirname(process.argv[process.argv.indexOf('--demo') + 1]);
const V1 = DEMO.verifikators[0];
const V2 = DEMO.verifikators[1];
const PDF_BYTES = fs.readFileSync(PDF);

async function noOverflow(page, label) {
  const o = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, iw: window.innerWidth }));
  check(o.sw <= o.iw, `${label}: no horizontal overflow (scrollWidth ${o.sw} > innerWidth ${o.iw})`);
}

async function shot(page, name, fullPage = true) {
  const p = path.join(SHOTS, name);
  await page.screenshot({ path: p, fullPage });
  check(fs.statSync(p).size > 10_000, 'screenshot saved: ' + name);
}

// ------------------------------------------------------------ independent oracle: openssl ocsp against /ocsp

function ocspStatus(serial) {
  const dir = fs.mkdtempSync(path.join(TMP, 'ocsp-'));
  const get = (p) => execFileSync('curl', ['-sf', BASE + p]);
  fs.writeFileSync(path.join(dir, 'chain.pem'), get('/api/v1/ca/chain'));
  const issuer = get('/ca/issuing.crt');
  fs.writeFileSync(path.join(dir, 'issuer.der'), issuer);
  execFileSync('openssl', ['x509', '-inform', 'DER', '-in', path.join(dir, 'issuer.der'), '-out', path.join(dir, 'issuer.pem')]);
  const out = execFileSync('openssl', ['ocsp', '-issuer', path.join(dir, 'issuer.pem'), '-serial', '0x' + serial.replace(/:/g, ''),
    '-url', BASE + '/ocsp', '-CAfile', path.join(dir, 'chain.pem'), '-no_nonce'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const m = /0x[0-9A-Fa-f]+: (good|revoked|unknown)/.exec(out);
  check(m, 'openssl ocsp answers: ' + out);
  const reason = /Reason: (\S+)/.exec(out);
  return { status: m[1], reason: reason ? reason[1] : null, text: out };
}

// ------------------------------------------------------------ setup: an official enrols with a PDF and an image as evidence

let reqId = 0;
const admin = await login(DEMO.admin.user, DEMO.admin.password);

await scenario('setup: an official enrols herself with a 3-page PDF decree and a PNG scan', async () => {
  const r = await call(admin, 'POST', '/api/v1/users', { json: { user: 'dewi.uji', display_name: 'Dewi Lestari', role: 'subscriber', password: 'dewi-login-pass-1' } });
  check(r.status === 201, 'subscriber account: ' + JSON.stringify(r.data));
  const dewi = await login('dewi.uji', 'dewi-login-pass-1');
  const fd = new FormData();
  fd.append('data', JSON.stringify({ nik: '3171014203880007', full_name: 'Dewi Lestari', email: 'dewi@kementerian.example',
    unit: 'Biro Keuangan', position: 'Analis Anggaran', passphrase: 'rahasia-dewi-2026' }));
  fd.append('ktp', new Blob([PNG], { type: 'image/png' }), 'ktp.png');
  fd.append('sk', new Blob([PDF_BYTES], { type: 'application/pdf' }), 'sk.pdf');
  const e = await call(dewi, 'POST', '/api/v1/enrollments', { form: fd });
  check(e.status === 201, 'enrolment: ' + JSON.stringify(e.data));
  reqId = e.data.request_id;
  const q = await call(admin, 'GET', `/api/v1/requests/${reqId}`);
  check(q.data.required_approvals === 2, 'issuance needs two Verifikators here: ' + q.data.required_approvals);
});

await scenario('Verifikator 1 at 1280: the PDF evidence renders with pdf.js (3 pages), the image inline; approves (1 of 2)', async () => {
  const { ctx, page } = await newPage(browser, 'verifikator-1');
  await uiLogin(page, V1.user, V1.password);
  await page.waitForSelector(`#stf-q-open button[data-request="${reqId}"]`);
  await shot(page, 'staff-verifikator-queue-desktop.png');
  await settledClick(page, `#stf-q-open button[data-request="${reqId}"]`);
  await page.waitForSelector('#ver-detail:not([hidden])');
  const pdfFig = page.locator('#ver-detail-body figure.stf-ev[data-mime="application/pdf"]');
  await pdfFig.waitFor();
  await page.waitForSelector('#ver-detail-body figure.stf-ev[data-mime="application/pdf"][data-rendered="3"]', { timeout: 30_000 });
  check(await pdfFig.getAttribute('data-pages') === '3', 'page count from the PDF: 3');
  check((await pdfFig.locator('.stf-ev-pages').textContent()).includes('3 halaman'), 'page count shown in Indonesian');
  check(await pdfFig.locator('canvas').count() === 3, 'three canvases, one per page');
  // Every page painted something besides white paper (the fixture's pages carry text).
  const ink = await pdfFig.locator('canvas').evaluateAll((cs) => cs.map((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let dark = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) dark++;
    return { dark, w: c.width, h: c.height };
  }));
  check(ink.every((x) => x.w > 200 && x.h > 200 && x.dark > 100), 'each canvas is non-blank: ' + JSON.stringify(ink));
  // Zoom in: the pages render again, wider.
  const w0 = ink[0].w;
  await pdfFig.locator('button.stf-ev-in').click();
  await page.waitForFunction((w) => {
    const c = document.querySelector('#ver-detail-body figure.stf-ev[data-mime="application/pdf"] canvas');
    return c && c.width > w;
  }, w0);
  check((await pdfFig.locator('.stf-ev-zoom').textContent()).includes('125'), 'zoom level shown');
  await pdfFig.locator('button.stf-ev-fit').click();
  await page.waitForFunction((w) => {
    const c = document.querySelector('#ver-detail-body figure.stf-ev[data-mime="application/pdf"] canvas');
    return c && c.width === w;
  }, w0);
  const img = page.locator('#ver-detail-body figure.stf-ev[data-mime="image/png"] img.stf-ev-img');
  await img.waitFor();
  await page.waitForFunction(() => {
    const i = document.querySelector('#ver-detail-body img.stf-ev-img');
    return i && i.complete && i.naturalWidth > 0;
  });
  check((await img.getAttribute('src')).startsWith('/api/v1/evidence/'), 'the image comes from the evidence route (same origin, session)');
  check(await page.locator('#ver-detail-body a[href^="/api/v1/evidence/"]').count() === 2, 'a download link per evidence file');
  check((await page.textContent('#stf-decide-state')).includes('0 dari 2'), 'N of M shown before deciding');
  await page.locator('#ver-detail').screenshot({ path: path.join(SHOTS, 'staff-verifikator-evidence-desktop.png') });
  await page.click('#decide-approve');
  await page.waitForSelector('#dash-msg.msg-ok');
  check((await page.textContent('#dash-msg')).includes('masih menunggu Verifikator lain'), 'first approval recorded, waits for a second');
  await page.waitForSelector(`#stf-q-mine button[data-request="${reqId}"]`);
  await settledClick(page, `#stf-q-mine button[data-request="${reqId}"]`);
  await page.waitForSelector('#ver-detail:not([hidden])');
  check(await page.isHidden('#decide-approve') && await page.isHidden('#decide-reject'), 'own decided request: not actionable');
  check((await page.textContent('#stf-decide-state')).includes('1 dari 2'), 'progress 1 of 2 shown');
  await ctx.close();
  const q = await call(admin, 'GET', `/api/v1/requests/${reqId}`);
  check(q.data.status === 'pending', 'still pending after one approval');
});

await scenario('Verifikator 2 at 390: finds it under "waiting for a second approver" with who approved first; approves -> issued (OCSP good)', async () => {
  const { ctx, page } = await newPage(browser, 'verifikator-2', { width: 390, height: 844 });
  await uiLogin(page, V2.user, V2.password);
  const row = page.locator(`#stf-q-second tr:has(button[data-request="${reqId}"])`);
  await row.waitFor();
  check((await row.textContent()).includes(V1.user), 'first approver named: ' + await row.textContent());
  check((await row.textContent()).includes('1 dari 2'), '1 of 2 approvals');
  check(await page.locator(`#stf-q-open button[data-request="${reqId}"]`).count() === 0, 'not listed as a fresh request');
  await noOverflow(page, 'Verifikator queue at 390');
  await shot(page, 'staff-verifikator-queue-phone.png');
  await settledClick(page, `#stf-q-second button[data-request="${reqId}"]`);
  await page.waitForSelector('#ver-detail-body figure.stf-ev[data-mime="application/pdf"][data-rendered="3"]', { timeout: 30_000 });
  await noOverflow(page, 'Verifikator evidence at 390');
  await shot(page, 'staff-verifikator-evidence-phone.png');
  await page.click('#decide-approve');
  await page.waitForSelector('#dash-msg.msg-ok');
  check((await page.textContent('#dash-msg')).includes(`Permohonan no. ${reqId} disetujui`), 'approval completes the request');
  await ctx.close();
  const q = await call(admin, 'GET', `/api/v1/requests/${reqId}`);
  check(q.data.status === 'approved' && q.data.result && q.data.result.serial, 'approved and issued: ' + JSON.stringify(q.data.result));
  const o = ocspStatus(q.data.result.serial);
  check(o.status === 'good', 'OCSP (openssl) says the new certificate is good: ' + o.text);
});

// ------------------------------------------------------------ a key delayed by wrong passphrases

async function signAsApp(passphrase) {
  const fd = new FormData();
  fd.append('options', JSON.stringify({ nik: DEMO.subscriber.nik, passphrase }));
  fd.append('file', new Blob([PDF_BYTES], { type: 'application/pdf' }), 'a.pdf');
  const r = await fetch(BASE + '/api/v1/sign/pdf', { method: 'POST', headers: { Authorization: 'Bearer ' + DEMO.application.api_key }, body: fd });
  const b = Buffer.from(await r.arrayBuffer());
  return { status: r.status, pdf: b.subarray(0, 5).toString('latin1') === '%PDF-' };
}

await scenario('a throttled official appears; Verifikator 1 files the unlock, Verifikator 2 approves it; signing works again', async () => {
  for (let i = 0; i < 3; i++) {
    const r = await signAsApp('salah-passphrase-' + i);
    check(r.status === 401, `wrong passphrase ${i + 1} refused: ${r.status}`);
  }
  const right = await signAsApp(DEMO.subscriber.passphrase);
  check(right.status === 429, 'the right passphrase waits too while the key is delayed: ' + right.status);

  const { ctx, page } = await newPage(browser, 'verifikator-throttle');
  await uiLogin(page, V1.user, V1.password);
  const row = page.locator(`#stf-thr-list tbody tr:has-text("${DEMO.subscriber.user}")`);
  await row.waitFor();
  check((await row.textContent()).includes('3'), 'three wrong attempts shown');
  check((await row.textContent()).includes('WIB'), 'delay end shown in WIB');
  await page.locator('#stf-throttle').screenshot({ path: path.join(SHOTS, 'staff-throttle-desktop.png') });
  await row.locator('button[data-unlock-file]').click();
  await page.waitForSelector('#stf-thr-msg.msg-ok');
  const filed = await page.textContent('#stf-thr-msg');
  const unlockId = Number((/no\. (\d+)/.exec(filed) || [])[1]);
  check(unlockId > 0, 'unlock request filed: ' + filed);
  await page.waitForSelector(`#stf-thr-list tbody tr:has-text("${DEMO.subscriber.user}") :text("menunggu Verifikator lain")`);
  check(await row.locator('button[data-unlock-approve]').count() === 0, 'the filer cannot approve it');
  await ctx.close();

  const { ctx: c2, page: p2 } = await newPage(browser, 'verifikator-2-throttle', { width: 390, height: 844 });
  await uiLogin(p2, V2.user, V2.password);
  const btn = p2.locator(`#stf-thr-list button[data-unlock-approve="${unlockId}"]`);
  await btn.waitFor();
  await noOverflow(p2, 'throttle card at 390');
  await p2.locator('#stf-throttle').screenshot({ path: path.join(SHOTS, 'staff-throttle-phone.png') });
  await btn.click();
  await p2.waitForSelector('#stf-thr-msg.msg-ok');
  check((await p2.textContent('#stf-thr-msg')).includes(DEMO.subscriber.user), 'release confirmed');
  await p2.waitForSelector('#stf-thr-list p.note');
  await c2.close();
  const ok = await signAsApp(DEMO.subscriber.passphrase);
  check(ok.status === 200 && ok.pdf, 'after the release the official signs at once (the test clock stands still): ' + ok.status);
});

// ------------------------------------------------------------ admin

function confSecrets() {
  const conf = fs.readFileSync(path.join(INST, 'teken.conf'), 'utf8');
  // The same names svc/settings shows in clear (settings.c name_is_secret).
  const plain = new Set(['key_alg', 'leaf_key_alg', 'key_usage', 'ext_key_usage', 'allowed_keys', 'passphrase_min_length', 'author',
    'password_change_first_login']);
  const out = new Set();
  for (const line of conf.split('\n')) {
    const m = /^\s*([^=;#[\s]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    const [, k, v] = m;
    if (!v) continue;
    if (!plain.has(k) && /pass|secret|key|token|pin|pwd|auth|credential|cookie|private/i.test(k)) out.add(v);
    for (const u of v.matchAll(/:\/\/[^:/@\s]+:([^@\s/]+)@/g)) out.add(u[1]);
    for (const p of v.matchAll(/password=([^\s&;,]+)/gi)) out.add(p[1]);
  }
  return [...out];
}

let serial = '';

await scenario('admin at 1280: section index by keyboard, staff account waiting for a second admin, API keys listed', async () => {
  const r = await call(admin, 'POST', '/api/v1/users', { json: { user: 'verif.kedua', display_name: 'Verifikator Kedua', role: 'verifikator', password: 'verif-kedua-pass-1' } });
  check(r.status === 202 || (r.status === 201 && r.data.request_id), 'staff account filed as a request: ' + r.status + ' ' + JSON.stringify(r.data));
  const { ctx, page } = await newPage(browser, 'admin-desktop');
  await uiLogin(page, DEMO.admin.user, DEMO.admin.password);
  await page.waitForSelector('#stf-acct-summary.msg-warn');
  check((await page.textContent('#stf-acct-summary')).includes('administrator kedua'), 'pending staff accounts called out');
  const arow = page.locator('#adm-acct tr:has-text("verif.kedua")');
  await arow.waitFor();
  check((await arow.textContent()).includes('Menunggu admin lain'), 'the filer sees it waits for another admin');
  await page.waitForSelector('#stf-keys tbody tr');
  check((await page.textContent('#stf-keys')).includes(DEMO.application.api_key.slice(3, 11)), 'the demo key listed by its prefix, never its secret');
  check(!(await page.textContent('#stf-keys')).includes(DEMO.application.api_key), 'no API key secret in the list');
  // Section index: other domains' cards are linked as they mount.
  await page.waitForFunction(() => document.querySelectorAll('#stf-nav-list a').length >= 10);
  const targets = await page.locator('#stf-nav-list a').evaluateAll((as) => as.map((a) => a.dataset.target));
  for (const want of ['adm-users-card', 'stf-cert', 'stf-settings', 'stf-throttle', 'report', 'monev', 'audit-browser']) {
    check(targets.includes(want), `index links to #${want}: ${targets.join(',')}`);
  }
  check(await page.locator('#stf-nav-details').evaluate((d) => d.open), 'index open at desktop width');
  await page.focus('#stf-nav-h');
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement.closest('#stf-nav-list') !== null), 'Tab reaches the first index link');
  const first = await page.evaluate(() => document.activeElement.dataset.target);
  await page.keyboard.press('Enter');
  await page.waitForFunction((id) => document.activeElement && document.activeElement.id === id, first);
  await page.locator(`#stf-nav-list a[data-target="stf-settings"]`).focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'stf-settings');
  await shot(page, 'staff-admin-desktop.png');
  await ctx.close();
});

await scenario('admin at 1280: hold then release a certificate (request -> Verifikator approval -> OCSP revoked/certificateHold, then good)', async () => {
  const { ctx, page } = await newPage(browser, 'admin-cert');
  await uiLogin(page, DEMO.admin.user, DEMO.admin.password);
  await page.waitForSelector('#adm-subs tbody tr');
  await page.fill('#stf-cert-find', DEMO.subscriber.user);
  const pick = page.locator('#stf-cert-found button[data-serial]').first();
  await pick.waitFor();
  serial = await pick.getAttribute('data-serial');
  await pick.click();
  check(await page.inputValue('#stf-cert-serial') === serial, 'the official\'s certificate is selected');
  check(ocspStatus(serial).status === 'good', 'good before');
  const v = await login(V2.user, V2.password);
  for (const [act, expect] of [['hold', 'revoked'], ['release', 'good']]) {
    await page.selectOption('#stf-cert-action', act);
    await page.click('#stf-cert-submit');
    await page.waitForSelector('#confirm[open]');
    check((await page.textContent('#confirm-text')).includes(serial), 'the confirmation names the serial');
    await page.click('#confirm-ok');
    await page.waitForSelector('#stf-cert-msg.msg-ok');
    const text = await page.textContent('#stf-cert-msg');
    const id = Number(await page.getAttribute('#stf-cert-msg', 'data-request'));
    check(id > 0 && text.includes('persetujuan Verifikator'), `${act}: a request needing Verifikators: ${text}`);
    await page.waitForSelector(`#stf-cert-requests tr:has-text("${serial}")`);
    check(ocspStatus(serial).status === (act === 'hold' ? 'good' : 'revoked'), `${act}: nothing changes before a Verifikator approves`);
    const ap = await call(v, 'POST', `/api/v1/requests/${id}/approve`);
    check(ap.status === 200 && ap.data.status === 'approved', `${act} approved by a Verifikator: ` + JSON.stringify(ap.data));
    const o = ocspStatus(serial);
    check(o.status === expect, `${act}: OCSP ${o.status}, expected ${expect}: ${o.text}`);
    if (act === 'hold') check(o.reason === 'certificateHold', 'reason certificateHold: ' + o.reason);
  }
  await ctx.close();
});

await scenario('admin: the settings view shows the configuration without any teken.conf secret; no overflow at 390', async () => {
  const secrets = confSecrets();
  check(secrets.length >= 3, 'the instance has secrets in teken.conf to hide: ' + secrets.length);
  for (const [w, h, name] of [[1280, 900, 'desktop'], [390, 844, 'phone']]) {
    const { ctx, page } = await newPage(browser, 'admin-settings-' + name, { width: w, height: h });
    await uiLogin(page, DEMO.admin.user, DEMO.admin.password);
    await page.waitForSelector('#stf-set-body details[data-section="smtp"]');
    await page.locator('#stf-set-body details').evaluateAll((ds) => ds.forEach((d) => { d.open = true; }));
    const text = await page.evaluate(() => document.documentElement.textContent + document.body.innerText);
    for (const s of secrets) check(!text.includes(s), `${name}: a teken.conf secret appears in the page`);
    check(text.includes('[redacted]') && text.includes('127.0.0.1:9'), `${name}: secrets marked, the rest of the value kept`);
    check(text.includes('sqlite') && text.includes('teken.db'), `${name}: the store is shown`);
    const raw = await page.evaluate(async () => (await fetch('/api/v1/settings', { headers: { Accept: 'application/json' } })).text());
    for (const s of secrets) check(!raw.includes(s), `${name}: a teken.conf secret in /api/v1/settings`);
    if (name === 'phone') {
      await page.waitForSelector('#adm-subs tbody tr');
      await page.waitForSelector('#stf-keys tbody tr');
      await page.waitForTimeout(500);
      check(!(await page.locator('#stf-nav-details').evaluate((d) => d.open)), 'index folded at phone width');
      await noOverflow(page, 'admin page at 390');
      await page.locator('#stf-settings').screenshot({ path: path.join(SHOTS, 'staff-settings-phone.png') });
    } else {
      await page.locator('#stf-settings').screenshot({ path: path.join(SHOTS, 'staff-settings-desktop.png') });
    }
    // The admin page holds every domain's cards: at phone width a full-page capture is too tall for Chromium.
    await shot(page, `staff-admin-${name}.png`, name === 'desktop');
    await ctx.close();
  }
  allowed.http = [];
});

await finish(browser);
