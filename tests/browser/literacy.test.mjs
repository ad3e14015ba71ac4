// Browser tests of literacy, socialisation and training (web/static/app-literacy.js,
// web/static/literasi.js): an admin records a public event through the form,
// adds one participant from the certificate holders register and one as free
// text, marks attendance and the event held, uploads a material; the event and
// its material appear on the public /literasi page (no participant names there).
// The admin edits the page text (Indonesian and English, with preview); the
// public page shows it, safely (no markup from the text). Screenshots at
// desktop (1280) and phone (390) width.
// Started by tests/integration/test_browser_literacy.sh (tests/lib/browser-run.sh).
import path from 'node:path';
import fs from 'node:fs';
import { BASE, DEMO, SHOTS, check, login, call, newPage, uiLogin, scenario, launch, finish, TINY_PDF, settledClick } from './lib.mjs';

const browser = await launch(220_000);
const TITLE = 'Bimtek TTE uji peramban';
const today = new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
let officialName = '';
let eventId = 0;

await scenario('setup: the demo official in the register', async () => {
  const admin = await login(DEMO.admin.user, DEMO.admin.password);
  const r = await call(admin, 'GET', '/api/v1/subscribers');
  const subs = Array.isArray(r.data) ? r.data : r.data.subscribers;
  const me = subs.find((s) => s.user === DEMO.subscriber.user);
  check(me && me.full_name, 'the demo official is in the register with a name');
  officialName = me.full_name;
});

await scenario('admin at 1280: records a public event with a register and a free-text participant, attendance, held, material', async () => {
  const { ctx, page } = await newPage(browser, 'literacy-admin');
  await uiLogin(page, DEMO.admin.user, DEMO.admin.password);
  await page.waitForSelector('#literacy #trn-new');
  check((await page.textContent('#trn-h')).includes('Literasi & Pelatihan'), 'Indonesian heading');
  await settledClick(page, '#trn-new');
  await page.selectOption('#trn-f-kind', 'bimtek');
  await page.fill('#trn-f-title', TITLE);
  await page.fill('#trn-f-desc', 'Cara menandatangani dan memeriksa dokumen.');
  await page.fill('#trn-f-starts', today);
  await page.fill('#trn-f-place', 'Aula Gedung A');
  await page.selectOption('#trn-f-org', 'joint');
  await page.fill('#trn-f-speakers', 'Dr. Sari; bssn; BSrE\nPak Budi; kementerian; Pusdatin');
  await page.check('#trn-f-public');
  await page.click('#trn-f-save');
  await page.waitForSelector('#trn-detail:not([hidden]) #trn-detail-msg.msg-ok');
  check((await page.textContent('#trn-detail-h')).includes(TITLE), 'the new event opens');
  check(await page.locator('#trn-upcoming tbody tr').count() === 1, 'listed under upcoming');

  // From the register: search by name, choose.
  await page.fill('#trn-reg-q', officialName.slice(0, 4));
  await page.waitForSelector('#trn-reg-hits .trn-pick');
  await page.click('#trn-reg-hits .trn-pick');
  await page.waitForSelector('#trn-detail input.trn-att');
  // Free text: someone from the issuer.
  await page.fill('#trn-p-name', 'Rina Kusuma');
  await page.fill('#trn-p-unit', 'BSrE');
  await page.selectOption('#trn-p-party', 'second');
  await page.click('#trn-p-add');
  await page.waitForFunction(() => document.querySelectorAll('#trn-detail input.trn-att').length === 2);
  const rows = await page.locator('#trn-detail tbody tr').allTextContents();
  check(rows[0].includes(officialName) && rows[0].includes('Daftar pemegang sertifikat'), 'register participant row: ' + rows[0]);
  check(rows[1].includes('Rina Kusuma') && rows[1].includes('BSSN/BSrE') && rows[1].includes('Isian bebas'), 'free-text row: ' + rows[1]);

  // Attendance: the official came, Rina did not.
  const boxes = page.locator('#trn-detail input.trn-att');
  await boxes.nth(0).check();
  await page.click('#trn-att-save');
  await page.waitForSelector('#trn-detail-msg.msg-ok');
  check(await page.locator('#trn-detail input.trn-att').nth(0).isChecked(), 'attendance saved (official)');
  check(!(await page.locator('#trn-detail input.trn-att').nth(1).isChecked()), 'attendance saved (absent)');

  // A material.
  const pdf = path.join(SHOTS, 'materi.pdf');
  fs.writeFileSync(pdf, TINY_PDF);
  await page.setInputFiles('#trn-mat-file', pdf);
  await page.click('#trn-mat-up');
  await page.waitForSelector('#trn-materials a');
  check((await page.textContent('#trn-materials')).includes('materi.pdf'), 'material listed');

  await page.click('#trn-mark-held');
  await page.waitForSelector('#trn-detail .badge[data-status="held"]');
  eventId = Number(await page.locator('#trn-upcoming .trn-open').first().getAttribute('data-id'));
  const shot = path.join(SHOTS, 'literacy-admin-desktop.png');
  await page.locator('#literacy').screenshot({ path: shot });
  check(fs.statSync(shot).size > 10_000, 'desktop screenshot saved');

  // The page text: Indonesian and English, preview, save.
  await page.waitForSelector('#trn-page-state span');
  check((await page.textContent('#trn-page-state')).includes('teks bawaan'), 'no version yet: the built-in text');
  await page.fill('#trn-page-id', '# Literasi uji peramban\n\nTeks **baru** dari admin.\n\n- butir satu\n- [Verifikasi](/verify)\n\n<script>alert(1)</script> [jahat](javascript:alert(1)) [luar](//evil.example/x) [data](data:text/html,x)\n');
  await page.click('#trn-tab-en');
  await page.fill('#trn-page-en', '# Browser test literacy\n\nNew text from the admin.\n');
  await page.click('#trn-tab-id');
  check(await page.locator('#trn-page-preview h1').textContent() === 'Literasi uji peramban', 'preview renders the heading');
  check(await page.locator('#trn-page-preview strong').textContent() === 'baru', 'preview renders bold');
  await page.click('#trn-page-save');
  await page.waitForSelector('#trn-page-msg.msg-ok');
  check((await page.textContent('#trn-page-state')).includes('Versi 1'), 'version 1 saved');
  check(await page.locator('#trn-page-versions tbody tr').count() === 1, 'one version listed');
  await ctx.close();
});

await scenario('public /literasi at phone width: the new text and the event, no participant names', async () => {
  const { ctx, page } = await newPage(browser, 'literasi-public', { width: 390, height: 844 });
  await page.goto(BASE + '/literasi');
  await page.waitForSelector('body[data-lit-loaded="1"]');
  check(await page.locator('#lit-builtin').isHidden(), 'the built-in text is replaced');
  check(await page.locator('#lit-current h1').textContent() === 'Literasi uji peramban', 'the current version is shown');
  check(await page.locator('#lit-current script').count() === 0 && await page.locator('#lit-current a[href^="javascript"]').count() === 0,
    'no markup or script link from the text');
  check((await page.textContent('#lit-current')).includes('<script>alert(1)</script>'), 'raw HTML stays literal text');
  check(await page.locator('#lit-current a[href="/verify"]').count() === 1, 'a same-site link is a link');
  check(await page.locator('#lit-current a').count() === 1, 'protocol-relative and data: targets stay text: '
    + await page.locator('#lit-current a').evaluateAll((as) => as.map((a) => a.getAttribute('href')).join(' ')));
  const ev = page.locator('#lit-upcoming .lit-event[data-id="' + eventId + '"]');
  await ev.waitFor();
  const text = await ev.textContent();
  check(text.includes(TITLE) && text.includes('Dr. Sari') && text.includes('Bimbingan teknis'), 'the event with its speakers: ' + text);
  const body = await page.textContent('body');
  check(!body.includes(officialName) && !body.includes('Rina Kusuma'), 'no participant name on the public page');
  const link = ev.locator('a[href*="/materials/"]');
  const href = await link.getAttribute('href');
  const r = await fetch(BASE + href);
  check(r.status === 200 && Buffer.from(await r.arrayBuffer()).equals(TINY_PDF), 'the public downloads the material');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflow <= 1, `no horizontal overflow at phone width (${overflow} px)`);
  const shot = path.join(SHOTS, 'literasi-public-phone.png');
  await page.screenshot({ path: shot, fullPage: true });
  check(fs.statSync(shot).size > 10_000, 'phone screenshot saved');
  // English: the English body.
  await page.evaluate(() => localStorage.setItem('teken.lang', 'en'));
  await page.reload();
  await page.waitForSelector('body[data-lit-loaded="1"]');
  check(await page.locator('#lit-current h1').textContent() === 'Browser test literacy', 'English text in English');
  await ctx.close();
});

await scenario('auditor at phone width: sees the event, cannot pick from the register', async () => {
  const { ctx, page } = await newPage(browser, 'literacy-auditor', { width: 390, height: 844 });
  await uiLogin(page, DEMO.auditor.user, DEMO.auditor.password);
  await page.waitForSelector('#trn-upcoming .trn-open');
  await settledClick(page, '#trn-upcoming .trn-open');
  await page.waitForSelector('#trn-detail:not([hidden]) #trn-p-name');
  check(await page.locator('#trn-reg-q').count() === 0, 'no register search for the issuer (pseudonyms only)');
  check(!(await page.textContent('#trn-detail')).includes(officialName), "the register participant's name is a pseudonym for the issuer");
  check(await page.locator('#trn-page').count() === 0, 'no page text editor for the issuer');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflow <= 1, `no horizontal overflow of the app at phone width (${overflow} px)`);
  const shot = path.join(SHOTS, 'literacy-auditor-phone.png');
  await page.locator('#literacy').screenshot({ path: shot });
  check(fs.statSync(shot).size > 10_000, 'auditor phone screenshot saved');
  await ctx.close();
});

await finish(browser);
