// Browser tests of signed correspondence (web/static/app-letter.js): an admin
// drafts a contact-change letter from the register with the live deadline
// hint (desktop), the official signs it with her passphrase (phone size), the
// admin sends it and the issuer's auditor acknowledges it; screenshots saved.
// Started by tests/integration/test_browser_letter.sh (tests/lib/browser-run.sh).
import path from 'node:path';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { BASE, DEMO, SHOTS, check, login, call, newPage, uiLogin, settledClick, scenario, launch, finish } from './lib.mjs';

const browser = await launch(220_000);
const DB = path.join(path.dirname(process.argv[process.argv.indexOf('--demo') + 1]), 'teken.db');
const TODAY = new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10);
const ISSUER_MAIL = 'narahubung.bsre@bsre.example';
let contactId = 0;

// The register's rows this test needs: the demo agreement when the register made one, else one
// inserted here; the issuer's current contact and the ministry's contact changed today.
function seed() {
  const py = `
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], timeout=30)
row = con.execute("SELECT MIN(id) FROM agreements").fetchone()
ag = row[0]
if ag is None:
    con.execute("INSERT INTO agreements (title, number_first, number_second, party_first, party_second, signed_on, term_months, ends_on, created_by, created_at, updated_at)"
                " VALUES ('Pemanfaatan Sertifikat Elektronik', 'PKS-01/KEM/2025', '12/BSrE/PKS/2025', 'Kementerian Contoh', 'BSrE BSSN', '2025-01-24', 48, '2029-01-23', 'test', 0, 0)")
    ag = con.execute("SELECT MIN(id) FROM agreements").fetchone()[0]
con.execute("UPDATE agreement_contacts SET valid_to = ? WHERE agreement_id = ? AND valid_to IS NULL", (sys.argv[2], ag))
con.execute("INSERT INTO agreement_contacts (agreement_id, party, official, position, address, phone, email, valid_from, recorded_by, recorded_at)"
            " VALUES (?, 'second', 'Rina Kusuma', 'Kepala Bagian Layanan', 'Jl. Harsono RM 70, Jakarta', '021-1234', ?, '2025-01-24', 'test', 0)", (ag, sys.argv[3]))
cur = con.execute("INSERT INTO agreement_contacts (agreement_id, party, official, position, address, phone, email, valid_from, changed_on, recorded_by, recorded_at)"
            " VALUES (?, 'first', 'Dewi Lestari', 'Kepala Pusat Data dan Informasi', 'Jl. Medan Merdeka 1, Jakarta', '021-5556', 'dewi@kementerian.example', ?, ?, 'test', 0)",
            (ag, sys.argv[2], sys.argv[2]))
con.commit()
print(cur.lastrowid)
`;
  contactId = Number(execFileSync('python3', ['-c', py, DB, TODAY, ISSUER_MAIL]).toString().trim());
  check(contactId > 0, 'register rows seeded: contact ' + contactId);
}

await scenario('setup: the register holds the agreement and the contact change', seed);

await scenario('admin at 1280x900 drafts a contact-change letter with the live deadline hint', async () => {
  const { ctx, page } = await newPage(browser, 'letter-admin');
  await uiLogin(page, DEMO.admin.user, DEMO.admin.password);
  await page.waitForSelector('#letters #lt-new');
  check((await page.textContent('#lt-h')).includes('Surat'), 'Indonesian heading');
  await page.selectOption('#lt-kind', 'contact_change');
  await page.fill('#lt-event', TODAY);
  await page.dispatchEvent('#lt-event', 'change');
  await page.waitForSelector('#lt-hint .lt-hint-ok');
  check((await page.textContent('#lt-hint')).includes('Batas waktu'), 'the hint names the deadline');
  await page.fill('#lt-signatory', DEMO.subscriber.user);
  // The contact change is picked from the register's pending changes, not typed.
  await page.waitForSelector('#lt-contact option[value="' + contactId + '"]', { state: 'attached' });
  await page.selectOption('#lt-contact', String(contactId));
  await page.click('#lt-new button[type="submit"]');
  await page.waitForSelector('#lt-new-msg.msg-ok');
  await page.waitForSelector('#lt-list .lt-preview');
  check(await page.locator('#lt-list [data-status="draft"]').count() === 1, 'the draft is listed');
  await settledClick(page, '#lt-list .lt-preview');
  await page.waitForSelector('#lt-list .lt-pdf-link');
  const shot = path.join(SHOTS, 'letter-admin-desktop.png');
  await page.locator('#letters').screenshot({ path: shot });
  check(fs.statSync(shot).size > 10_000, 'desktop screenshot saved');
  await ctx.close();
});

await scenario('the official at phone size 390x844 signs with her passphrase', async () => {
  const { ctx, page } = await newPage(browser, 'letter-official', { width: 390, height: 844 });
  await uiLogin(page, DEMO.subscriber.user, DEMO.subscriber.password);
  await page.waitForSelector('#letters #lt-list .lt-sign-form');
  check(await page.locator('#lt-new').count() === 0, 'no drafting form for the official');
  await page.fill('#lt-list .lt-passphrase', DEMO.subscriber.passphrase);
  await page.click('#lt-list .lt-sign-form button[type="submit"]');
  await page.waitForSelector('#lt-msg.msg-ok');
  await page.waitForSelector('#lt-list [data-status="signed"]');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflow <= 1, `no horizontal overflow on a phone (${overflow} px)`);
  const shot = path.join(SHOTS, 'letter-official-phone.png');
  await page.screenshot({ path: shot, fullPage: true });
  check(fs.statSync(shot).size > 10_000, 'phone screenshot saved');
  await ctx.close();
});

await scenario('the admin sends it; the issuer acknowledges', async () => {
  const { ctx, page } = await newPage(browser, 'letter-send');
  await uiLogin(page, DEMO.admin.user, DEMO.admin.password);
  await page.waitForSelector('#lt-list .lt-send');
  await settledClick(page, '#lt-list .lt-send');
  await page.waitForSelector('#lt-msg.msg-ok');
  check((await page.textContent('#lt-msg')).includes(ISSUER_MAIL), 'sent to the issuer\'s contact');
  await page.waitForSelector('#lt-list [data-status="sent"]');
  await page.locator('#letters').screenshot({ path: path.join(SHOTS, 'letter-sent-desktop.png') });
  await ctx.close();

  const a = await newPage(browser, 'letter-auditor', { width: 390, height: 844 });
  await uiLogin(a.page, DEMO.auditor.user, DEMO.auditor.password);
  await a.page.waitForSelector('#lt-list .lt-ack');
  await settledClick(a.page, '#lt-list .lt-ack');
  await a.page.waitForSelector('#lt-list [data-status="acknowledged"]');
  await a.page.screenshot({ path: path.join(SHOTS, 'letter-auditor-phone.png'), fullPage: true });
  await a.ctx.close();

  // What the pages did is what the API holds.
  const s = await login(DEMO.admin.user, DEMO.admin.password);
  const list = await call(s, 'GET', '/api/v1/letters');
  check(list.status === 200 && list.data.letters.length === 1, 'one letter: ' + JSON.stringify(list.data));
  const l = await call(s, 'GET', '/api/v1/letters/' + list.data.letters[0].id);
  check(l.data.status === 'acknowledged' && l.data.signed_by === DEMO.subscriber.user && l.data.recipient === ISSUER_MAIL && l.data.pdf_sha256,
    'signed by the official, sent, acknowledged: ' + JSON.stringify(l.data).slice(0, 400));
});

await finish(browser);
