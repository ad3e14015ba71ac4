// Browser tests of the change notices (R13; web/static/app-notice.js, web/notices.html):
// the issuer's admin (auditor) drafts and publishes a notice in the app (1280 wide);
// the ministry's admin sees it in the "Pemberitahuan belum dikonfirmasi" card and
// acknowledges it (390 wide); the public /notices page shows it, Indonesian first and
// in English after the switch, at both widths. Screenshots at 1280 and 390 widths.
// Started by tests/integration/test_browser_notice.sh (tests/lib/browser-run.sh).
import path from 'node:path';
import fs from 'node:fs';
import { BASE, DEMO, SHOTS, check, newPage, uiLogin, settledClick, scenario, launch, finish, login, call } from './lib.mjs';

const browser = await launch(220_000);
const TITLE_ID = 'Perubahan masa berlaku sertifikat <uji> & "kutip"';
const TITLE_EN = 'Change of certificate validity <test> & "quotes"';
let ID = null;

async function noOverflow(page, w, scope = 'body') {
  // Elements of scope reaching past the viewport (named in the failure).
  const wide = await page.evaluate((sel) => {
    const cw = document.documentElement.clientWidth;
    return Array.from(document.querySelectorAll(sel + ' *')).filter((e) => e.getBoundingClientRect().right > cw + 1
      && !e.closest('.table-wrap')).slice(0, 5).map((e) => e.tagName + '#' + e.id + '.' + e.className);
  }, scope);
  check(wide.length === 0, `no horizontal overflow at ${w} px in ${scope}: ${wide.join(', ')}`);
}

await scenario('auditor at 1280x900: drafts a notice and publishes it', async () => {
  const { ctx, page } = await newPage(browser, 'notice-auditor');
  await uiLogin(page, DEMO.auditor.user, DEMO.auditor.password);
  await page.waitForSelector('#nt-form');
  await page.fill('#nt-title_id', TITLE_ID);
  await page.fill('#nt-title_en', TITLE_EN);
  await page.fill('#nt-body_id', 'Masa berlaku sertifikat pejabat menjadi dua tahun.\n\nSertifikat lama tetap berlaku.');
  await page.fill('#nt-body_en', 'Officials\' certificates become valid for two years.\n\nExisting certificates stay valid.');
  await page.selectOption('#nt-category', 'change');
  await page.selectOption('#nt-severity', 'important');
  await page.fill('#nt-effective_on', '2027-01-15');
  await page.click('#nt-save');
  await page.waitForSelector('#nt-form-msg.msg-ok');
  const row = page.locator('#nt-list .nt-row-title', { hasText: TITLE_ID });
  await row.waitFor();
  ID = await row.getAttribute('data-id');
  check(await page.getAttribute('#nt-status-' + ID, 'data-status') === 'draft', 'saved as a draft');
  const pub = await fetch(BASE + '/notices.json').then((r) => r.json());
  check(pub.notices.length === 0, 'the draft is not public');
  await settledClick(page, '#nt-publish-' + ID);
  await page.waitForSelector('#confirm[open]');
  await page.click('#confirm-ok');
  await page.waitForSelector(`#nt-status-${ID}[data-status="published"]`);
  check((await page.textContent('#nt-msg')).length > 0, 'the app says it is published');
  const shot = path.join(SHOTS, 'notice-auditor-desktop.png');
  await page.locator('#notices').screenshot({ path: shot });
  check(fs.statSync(shot).size > 10_000, 'desktop screenshot saved');
  await ctx.close();
});

await scenario('ministry admin at 390x844: the unacknowledged card, then acknowledgement', async () => {
  check(ID !== null, 'a notice was published');
  const { ctx, page } = await newPage(browser, 'notice-admin', { width: 390, height: 844 });
  await uiLogin(page, DEMO.admin.user, DEMO.admin.password);
  await page.waitForSelector('#nt-card-count[data-count="1"]');
  check((await page.textContent('#nt-card-h')).includes('Pemberitahuan belum dikonfirmasi'), 'the card is titled in Indonesian');
  check((await page.textContent('#nt-card-count')).includes('1 pemberitahuan'), 'the card counts one notice');
  const first = await page.evaluate(() => document.querySelector('#dash-body > section').id);
  check(first === 'nt-card', 'the card comes first on the dashboard: ' + first);
  await page.waitForSelector('#nt-ack-' + ID);
  const cardShot = path.join(SHOTS, 'notice-admin-card-phone.png');
  await page.locator('#nt-card').screenshot({ path: cardShot });
  check(fs.statSync(cardShot).size > 3_000, 'phone screenshot of the card saved');
  await page.fill('#nt-ack-note-' + ID, 'Diterima oleh TI kementerian');
  await settledClick(page, '#nt-ack-' + ID);
  await page.waitForSelector(`#nt-acked-${ID}[data-acked="true"]`);
  await page.waitForSelector('#nt-card-count[data-count="0"]');
  check((await page.textContent('#nt-acked-' + ID)).includes(DEMO.admin.user), 'acknowledged by the admin');
  check(await page.locator('#nt-ack-' + ID).count() === 0, 'no second acknowledgement offered');
  // The admin dashboard's other sections are not this part's; the notices' own must fit.
  for (const sc of ['#nt-card', '#notices', '#webhooks']) await noOverflow(page, 390, sc);
  const shot = path.join(SHOTS, 'notice-admin-phone.png');
  await page.locator('#notices').screenshot({ path: shot });
  check(fs.statSync(shot).size > 5_000, 'phone screenshot saved');
  await ctx.close();
  // The service agrees, and refuses a second acknowledgement.
  const s = await login(DEMO.admin.user, DEMO.admin.password);
  const n = await call(s, 'GET', '/api/v1/notices/' + ID);
  check(n.status === 200 && n.data.acknowledged === true && n.data.ack_note === 'Diterima oleh TI kementerian', 'the store has the acknowledgement');
  const again = await call(s, 'POST', '/api/v1/notices/' + ID + '/acknowledge', { json: {} });
  check(again.status === 409, 'a second acknowledgement is refused: ' + again.status);
});

await scenario('public /notices at 1280x900 and 390x844: Indonesian first, English after the switch', async () => {
  for (const [w, hgt, name] of [[1280, 900, 'notice-public-desktop.png'], [390, 844, 'notice-public-phone.png']]) {
    const { ctx, page } = await newPage(browser, 'notice-public-' + w, { width: w, height: hgt });
    await page.goto(BASE + '/notices');
    await page.waitForSelector('#n' + ID);
    check((await page.textContent(`#n${ID} .nt-title`)).includes(TITLE_ID), 'the Indonesian title, markup shown as text');
    check(await page.locator(`#n${ID} .nt-title b, #n${ID} uji`).count() === 0, 'no markup from data');
    check((await page.textContent('h1')).includes('Pemberitahuan'), 'the page is in Indonesian first');
    check(await page.locator('#site-footer a[href="/notices"]').count() === 1, 'every page\'s footer links the notices');
    await noOverflow(page, w);
    await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
    check(fs.statSync(path.join(SHOTS, name)).size > 10_000, name + ' saved');
    await page.click('#lang-toggle');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    check((await page.textContent(`#n${ID} .nt-title`)).includes(TITLE_EN), 'the English title after the switch');
    check((await page.textContent('h1')).includes('notices'), 'the heading in English');
    await ctx.close();
  }
});

await finish(browser);
