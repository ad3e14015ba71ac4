// Browser tests of the official's tabs (web/static/app-account.js, app-history.js):
// a first login that must change the password an admin chose; the history of
// three documents signed through the API, narrowed by a search, a re-download
// checked with pdfsig; the certificate tab (details, passphrase change, renewal
// request); the login-password change, then a login with the new password.
// Screenshots at 1280 and 390 px. Started by tests/integration/test_browser_account.sh.
import path from 'node:path';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { BASE, DEMO, TMP, SHOTS, PDF, check, login, call, newPage, uiLogin, scenario, launch, finish, allowed } from './lib.mjs';

const browser = await launch(280_000);
const pdf = fs.readFileSync(PDF);
const NAMES = ['undangan-rapat.pdf', 'nota-dinas-keuangan.pdf', 'laporan-bulanan.pdf'];
let passphrase = DEMO.subscriber.passphrase;
let password = DEMO.subscriber.password;

function pdfsig(file) {
  const r = spawnSync('pdfsig', ['-no-ocsp', file], { encoding: 'utf8' });
  check(!r.error, 'pdfsig runs (poppler-utils installed): ' + (r.error && r.error.message));
  return r.stdout || '';
}

async function shot(page, name, fullPage = true) {
  const file = path.join(SHOTS, name);
  await page.screenshot({ path: file, fullPage });
  check(fs.statSync(file).size > 10_000, name + ' saved');
}

await scenario('setup: the official signs three PDFs through /api/v1/sign/pdf', async () => {
  const sess = await login(DEMO.subscriber.user, password);
  for (const name of NAMES) {
    const fd = new FormData();
    fd.append('options', JSON.stringify({ passphrase }));
    fd.append('file', new Blob([pdf], { type: 'application/pdf' }), name);
    const r = await call(sess, 'POST', '/api/v1/sign/pdf', { form: fd });
    check(r.status === 200, `sign ${name}: ${r.status}`);
  }
});

await scenario('first login with a password an admin chose: only the change form, then the dashboard (1280)', async () => {
  const admin = await login(DEMO.admin.user, DEMO.admin.password);
  const r = await call(admin, 'POST', '/api/v1/users', { json: { user: 'pejabat.uji', password: 'dari-admin-12345', role: 'subscriber', display_name: 'Pejabat Uji' } });
  check(r.status === 201, 'admin creates the account: ' + JSON.stringify(r.data));
  const { ctx, page } = await newPage(browser, 'forced');
  await uiLogin(page, 'pejabat.uji', 'dari-admin-12345');
  await page.waitForSelector('#acc-forced');
  check(await page.locator('#acc-tabs').count() === 0, 'no tabs, no dashboard before the change');
  check((await page.textContent('#acc-forced-h')).includes('Ganti kata sandi'), 'heading "Ganti kata sandi"');
  check(await page.evaluate(() => document.activeElement && document.activeElement.id) === 'acc-forced-h', 'focus on the form heading');
  await shot(page, 'account-forced-desktop.png');
  // A password the policy refuses: the message says why, still on the form.
  allowed.http = [{ path: '/api/v1/me/password', status: 400 }];
  await page.fill('#acc-f-cur', 'dari-admin-12345');
  await page.fill('#acc-f-new', 'pendek');
  await page.fill('#acc-f-new2', 'pendek');
  await page.evaluate(() => { document.getElementById('acc-f-new').removeAttribute('minlength'); });
  await page.click('#acc-f-submit');
  await page.waitForSelector('#acc-forced-msg.msg-error');
  check((await page.textContent('#acc-forced-msg')).includes('10'), 'the policy is named in the error');
  allowed.http = [];
  await page.fill('#acc-f-cur', 'dari-admin-12345');
  await page.fill('#acc-f-new', 'pilihan-sendiri-678');
  await page.fill('#acc-f-new2', 'pilihan-sendiri-678');
  await page.click('#acc-f-submit');
  await page.waitForSelector('#acc-tabs');
  check(await page.locator('#acc-forced').count() === 0, 'the dashboard replaces the form');
  const me = await page.evaluate(async () => (await fetch('/api/v1/me')).json());
  check(me.password_change_required === false, 'the server agrees: no change required now');
  await ctx.close();
});

await scenario('history at 1280: three documents, the tab survives a reload, search narrows, re-download passes pdfsig', async () => {
  const { ctx, page } = await newPage(browser, 'history');
  await uiLogin(page, DEMO.subscriber.user, password);
  await page.waitForSelector('#acc-tabs');
  check(await page.getAttribute('#acc-tab-sign', 'aria-current') === 'page', 'the signing tab opens first');
  await page.click('#acc-tab-hist');
  await page.waitForSelector('#hist-list tbody tr');
  check(await page.evaluate(() => location.hash) === '#riwayat', 'the tab is in location.hash');
  const rows = await page.locator('#hist-list tbody tr').count();
  check(rows >= 3, `history lists the signed documents (${rows})`);
  for (const n of NAMES) check((await page.textContent('#hist-list')).includes(n), 'listed: ' + n);
  check(await page.locator('#sub-sign:visible').count() === 0, 'the signing card is not on the history tab');
  await shot(page, 'account-history-desktop.png');
  await page.reload();
  await page.waitForSelector('#hist-list tbody tr');
  check(await page.getAttribute('#acc-tab-hist', 'aria-current') === 'page', 'reload keeps the history tab');
  await page.fill('#hist-q', 'nota');
  await page.click('#hist-search');
  await page.waitForFunction(() => document.querySelectorAll('#hist-list tbody tr').length === 1);
  check((await page.textContent('#hist-list tbody')).includes('nota-dinas-keuangan.pdf'), 'search narrows to the one document');
  const link = page.locator('#hist-list tbody tr a[data-doc]');
  check(await link.count() === 1, 'a re-download link for a web-signed document');
  const rec = await page.getAttribute('#hist-list tbody tr a[href^="/v/"]', 'href');
  check(/^\/v\/[a-z2-7]{26}$/.test(rec), 'verification page link: ' + rec);
  const [dl] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const file = path.join(TMP, 'again.pdf');
  await dl.saveAs(file);
  check(dl.suggestedFilename() === 'nota-dinas-keuangan.pdf', 'downloaded under its own name: ' + dl.suggestedFilename());
  const out = pdfsig(file);
  check(out.includes('Signature is Valid') && out.includes('Siti Rahmawati'), 'pdfsig: the signature of the re-downloaded file is valid:\n' + out);
  const rp = await page.goto(BASE + rec);
  check(rp.status() === 200, 'the public record opens');
  await ctx.close();
});

await scenario('certificate tab at 1280: details, passphrase change, renewal request filed and shown pending', async () => {
  const { ctx, page } = await newPage(browser, 'certificate');
  await page.goto(BASE + '/app#sertifikat');
  await page.fill('#login-user', DEMO.subscriber.user);
  await page.fill('#login-password', password);
  await page.click('#login-form button[type="submit"]');
  await page.waitForSelector('#acc-cert-body dl');
  check(await page.getAttribute('#acc-tab-cert', 'aria-current') === 'page', 'the hash opens the certificate tab');
  const facts = await page.textContent('#acc-cert-body');
  check(facts.includes('Nomor seri') && facts.includes('Penerbit') && facts.includes('teken Issuing CA') && /ec-p256|rsa\d+/.test(facts),
    'serial, issuer and key algorithm shown: ' + facts.slice(0, 300));
  // Change the signing passphrase (the existing card, now on this tab).
  const np = 'passphrase-baru-' + Date.now();
  await page.fill('#pp-old', passphrase);
  await page.fill('#pp-new', np);
  await page.fill('#pp-new2', np);
  await page.click('#pass-form button[type="submit"]');
  await page.waitForSelector('#pass-msg.msg-ok');
  passphrase = np;
  // Renewal: a new key through the Verifikators.
  await page.fill('#acc-renew-pass', 'kunci-perpanjangan-1');
  await page.fill('#acc-renew-pass2', 'kunci-perpanjangan-1');
  await page.click('#acc-renew-submit');
  await page.waitForSelector('#acc-renew-pending .msg-ok');
  await page.waitForSelector('#acc-renew-pending .msg-warn');
  check(await page.locator('#acc-renew-form').isHidden(), 'no second renewal while one is pending');
  const ver = await login(DEMO.verifikators[0].user, DEMO.verifikators[0].password);
  const reqs = await call(ver, 'GET', '/api/v1/requests?status=pending');
  check(reqs.data.some((x) => x.kind === 'renew'), 'the Verifikators see the renewal request');
  await shot(page, 'account-certificate-desktop.png');
  await ctx.close();
});

await scenario('account tab at 390: keyboard to the tab, login password changed, old one refused, new one works', async () => {
  const { ctx, page } = await newPage(browser, 'account-phone', { width: 390, height: 844 });
  await uiLogin(page, DEMO.subscriber.user, password);
  await page.waitForSelector('#acc-tabs');
  await page.focus('#acc-tab-acct');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#acc-pw:visible');
  check(await page.getAttribute('#acc-tab-acct', 'aria-current') === 'page', 'Enter on the tab link opens it');
  check((await page.textContent('#acc-pw-policy')).includes('10'), 'the policy is shown');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflow <= 1, `no horizontal overflow at 390 px (${overflow})`);
  await shot(page, 'account-password-phone.png');
  const npw = 'kata-sandi-baru-' + Date.now();
  await page.fill('#acc-pw-cur', password);
  await page.fill('#acc-pw-new', npw);
  await page.fill('#acc-pw-new2', npw);
  await page.click('#acc-pw-submit');
  await page.waitForSelector('#acc-pw-msg.msg-ok');
  await page.click('#logout');
  await page.waitForSelector('#login:not([hidden])');
  allowed.http = [{ path: '/api/v1/login', status: 401 }];
  await page.fill('#login-user', DEMO.subscriber.user);
  await page.fill('#login-password', password);
  await page.click('#login-form button[type="submit"]');
  await page.waitForSelector('#login-msg.msg-error');
  allowed.http = [];
  password = npw;
  await page.fill('#login-password', password);
  await page.click('#login-form button[type="submit"]');
  await page.waitForSelector('#acc-tabs');
  await page.click('#acc-tab-hist');
  await page.waitForSelector('#hist-list tbody tr');
  await shot(page, 'account-history-phone.png');
  const overflow2 = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflow2 <= 1, `history: no horizontal overflow at 390 px (${overflow2})`);
  await ctx.close();
});

await finish(browser);
