// Browser tests of the signing workspace (issue 14): an official places the
// stamp by dragging, at an anchor text, in a prepared field, signs a batch of
// five with one passphrase and downloads them as a ZIP. Started by
// tests/integration/test_browser_workspace.sh (tests/lib/browser-run.sh).
//
// Every signed file is checked with tools that are not teken: pdfsig
// (poppler) for the signature, qpdf --check for the file, qpdf --json for
// the widget's page and /Rect, pdftotext -bbox for the anchor text's
// position, python's zipfile for the ZIP. A missing tool fails the test.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  BASE, DEMO, TMP, SHOTS, check, login, call, enrol, allowed, newPage, uiLogin, scenario, launch, finish,
} from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
// nine scenarios, nine signatures; heavy, shared machines need the margin
const browser = await launch(420_000);
const sub = DEMO.subscriber;
const dir = path.join(TMP, 'ws');
const facts = JSON.parse(execFileSync('python3', [path.join(HERE, 'ws_pdf.py'), 'make', dir], { encoding: 'utf8' }));
const A4 = [595, 842];

function tool(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  check(!r.error, `${cmd} is required (an oracle of this test): ${r.error && r.error.message}`);
  return r;
}
function pdfsigValid(file) {
  const r = tool('pdfsig', [file]);
  const out = r.stdout + r.stderr;
  check(/Signature Validation: Signature is Valid/.test(out), `pdfsig: the signature of ${path.basename(file)} is valid:\n${out}`);
  return out;
}
function qpdfCheck(file) {
  const r = tool('qpdf', ['--check', file]);
  check(r.status === 0, `qpdf --check ${path.basename(file)}: ${r.status}\n${r.stdout}${r.stderr}`);
}
function widgets(file) {
  return JSON.parse(execFileSync('python3', [path.join(HERE, 'ws_pdf.py'), 'widgets', file], { encoding: 'utf8' }));
}
const near = (a, b, tol) => Math.abs(a - b) <= tol;

// A new official for the drag and wrong-passphrase scenarios: created by an admin, enrolled with
// their own passphrase, approved by a Verifikator (API set-up; the UI of those steps is ui.test.mjs's).
const dewi = { user: 'dewi.ws', password: 'dewi-login-pass-1', passphrase: 'rahasia-dewi-2026', name: 'Dewi Lestari Wulandari' };
{
  const admin = await login(DEMO.admin.user, DEMO.admin.password);
  const r = await call(admin, 'POST', '/api/v1/users', { json: { user: dewi.user, password: dewi.password, role: 'subscriber', display_name: dewi.user } });
  check(r.status === 201, 'create the official: ' + JSON.stringify(r.data));
  const reqId = await enrol(await login(dewi.user, dewi.password), { nik: '3174015208900006', full_name: dewi.name,
    email: 'dewi@kementerian.example', unit: 'Biro Umum', position: 'Kepala Bagian Tata Usaha', passphrase: dewi.passphrase });
  const v = DEMO.verifikators[0];
  const ok = await call(await login(v.user, v.password), 'POST', `/api/v1/requests/${reqId}/approve`);
  check(ok.status === 200 && ok.data.status === 'approved' && ok.data.result.serial, 'the Verifikator approves: ' + JSON.stringify(ok.data));
}

async function openWorkspace(viewport, who = sub) {
  const { ctx, page } = await newPage(browser, 'workspace', viewport);
  await uiLogin(page, who.user, who.password);
  await page.waitForSelector('#sub-sign:not([hidden])');
  return { ctx, page };
}

async function upload(page, files) {
  const before = await page.locator('#ws-list > li').count();
  await page.setInputFiles('#ws-files', files);
  await page.waitForFunction((n) => document.querySelectorAll('#ws-list > li').length === n, before + files.length);
  await page.waitForFunction(() => {
    const c = document.querySelector('#ws-canvas');
    return c && c.width > 0 && document.querySelector('#ws-pageinfo').textContent.length > 0;
  });
}

async function signAll(page, passphrase) {
  await page.fill('#ws-pass', passphrase);
  await page.click('#ws-sign');
  await page.waitForFunction(() => {
    const m = document.querySelector('#ws-msg');
    return m && !m.hidden && !m.classList.contains('msg-info');
  }, null, { timeout: 60_000 });
  check(await page.inputValue('#ws-pass') === '', 'the passphrase field is cleared after the batch');
}

async function saveDownload(page, sel, name) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(sel)]);
  const out = path.join(dir, name);
  await dl.saveAs(out);
  return { out, suggested: dl.suggestedFilename() };
}

async function stampBox(page) {
  return page.$eval('#ws-stamp', (e) => ({ x: Number(e.dataset.x), y: Number(e.dataset.y), w: Number(e.dataset.w), h: Number(e.dataset.h),
    page: Number(e.dataset.page), hidden: e.hidden }));
}

await scenario('a newly approved official drags the stamp onto page 2 of a three-page PDF; the widget is on page 2 where it was dropped', async () => {
  const { ctx, page } = await openWorkspace(undefined, dewi);
  await upload(page, [facts['tiga-halaman.pdf']]);
  const meta = await page.textContent('#ws-list > li');
  check(meta.includes('tiga-halaman.pdf') && meta.includes('3 halaman'), 'name, size and pages listed: ' + meta);
  check((await page.textContent('#ws-pageinfo')).includes('Halaman 3 dari 3'), 'opens on the last page');
  await page.click('#ws-prev');
  await page.waitForFunction(() => document.querySelector('#ws-pageinfo').textContent.includes('Halaman 2 dari 3'));
  // The quick position on this page: bottom right, 36 pt margins, 240 x 90 -> x 319, y 36.
  await page.selectOption('#ws-preset', 'br');
  let s = await stampBox(page);
  check(!s.hidden && s.page === 2 && near(s.x, 319, 0.5) && near(s.y, 36, 0.5) && s.w === 240 && s.h === 90, 'preset placed: ' + JSON.stringify(s));
  check((await page.textContent('#ws-stamp-size')).includes('240 × 90 pt'), 'the stamp shows its size in points');
  await page.waitForFunction((n) => document.querySelector('#ws-stamp-text').textContent.includes(n), dewi.name);
  check((await page.textContent('#ws-stamp-text')).includes('Balai Besar Sertifikasi Elektronik'), 'the preview shows the signer and the R8 statement');

  // Pointer drag: from the stamp's middle by (-180, -250) CSS px.
  // The mouse acts inside the viewport: the stamp scrolled into it, with room above for the move.
  await page.locator('#ws-stamp').scrollIntoViewIfNeeded();
  const cbox = await page.locator('#ws-canvas').boundingBox();
  const scale = cbox.width / A4[0];
  const b = await page.locator('#ws-stamp').boundingBox();
  check(b.y + b.height / 2 - 250 > 0 && b.y + b.height / 2 < 900, 'the stamp and the drop point are in the viewport: ' + JSON.stringify(b));
  const sx = b.x + b.width / 2;
  const sy = b.y + b.height / 2;
  const dx = -180;
  const dy = -250;
  await page.mouse.move(sx, sy);
  await page.mouse.down();
  await page.mouse.move(sx + dx / 2, sy + dy / 2, { steps: 5 });
  await page.mouse.move(sx + dx, sy + dy, { steps: 5 });
  await page.mouse.up();
  const want = [319 + dx / scale, 36 - dy / scale, 240, 90];
  s = await stampBox(page);
  check(near(s.x, want[0], 1) && near(s.y, want[1], 1), `stamp moved to ${JSON.stringify(s)}, expected ${want}`);
  await page.screenshot({ path: path.join(SHOTS, 'workspace-drag-1280.png'), fullPage: true });

  await page.selectOption('#ws-level', 'B-B');
  await page.fill('#ws-reason', 'Menyetujui');
  await page.fill('#ws-location', 'Jakarta');
  await signAll(page, dewi.passphrase);
  check(await page.getAttribute('#ws-msg', 'class') === 'msg msg-ok', 'signed: ' + await page.textContent('#ws-msg'));
  const rec = await page.getAttribute('#ws-results a.ws-record', 'href');
  check(/^\/v\/[a-z2-7]{26}$/.test(rec || ''), 'the public record is linked: ' + rec);
  const { out, suggested } = await saveDownload(page, '#ws-results a.ws-dl', 'drag.pdf');
  check(suggested === 'tiga-halaman-ditandatangani.pdf', 'download name: ' + suggested);
  const signed = fs.readFileSync(out);
  const orig = fs.readFileSync(facts['tiga-halaman.pdf']);
  check(signed.subarray(0, orig.length).equals(orig), 'the signed file is the original plus an incremental update');
  check(pdfsigValid(out).includes(dewi.name), 'pdfsig names the new official as the signer');
  qpdfCheck(out);
  const w = widgets(out).filter((x) => x.signed);
  check(w.length === 1, 'one signed widget: ' + JSON.stringify(w));
  check(w[0].reason === 'Menyetujui' && w[0].location === 'Jakarta', 'reason and location in the signature dictionary: ' + JSON.stringify(w[0]));
  const [x1, y1, x2, y2] = w[0].rect;
  check(w[0].page === 2, 'the widget is on page 2: ' + JSON.stringify(w[0]));
  check(near(x1, want[0], 2) && near(y1, want[1], 2) && near(x2 - x1, 240, 1) && near(y2 - y1, 90, 1),
    `widget /Rect ${w[0].rect} is where the stamp was dropped (${want.map((v) => v.toFixed(1))})`);
  // The public record page answers for the id.
  const r = await fetch(BASE + '/api/v1/documents/' + rec.slice(3));
  check(r.status === 200, 'the registry knows the document: ' + r.status);
  await ctx.close();
});

await scenario('a rotated, cropped page: the stamp placed as displayed lands there (Rotate 90, CropBox off the origin)', async () => {
  const { ctx, page } = await openWorkspace();
  await upload(page, [facts['putar.pdf']]);
  // Displayed: the 555 x 792 crop box turned a quarter clockwise -> 792 x 555 (landscape).
  const cbox = await page.locator('#ws-canvas').boundingBox();
  check(cbox.width > cbox.height * 1.3, 'pdf.js shows the page landscape: ' + JSON.stringify(cbox));
  await page.selectOption('#ws-preset', 'bl');
  const s = await stampBox(page);
  check(near(s.x, 36, 0.5) && near(s.y, 36, 0.5), 'bottom-left preset in displayed points: ' + JSON.stringify(s));
  const b = await page.locator('#ws-stamp').boundingBox();
  const scale = cbox.width / 792;
  check(near(b.x - cbox.x, 36 * scale, 3) && near(cbox.y + cbox.height - (b.y + b.height), 36 * scale, 3), 'the box shows at the bottom-left corner a reader sees');
  await page.selectOption('#ws-level', 'B-B');
  await signAll(page, sub.passphrase);
  check(await page.getAttribute('#ws-msg', 'class') === 'msg msg-ok', 'signed: ' + await page.textContent('#ws-msg'));
  const { out } = await saveDownload(page, '#ws-results a.ws-dl', 'rotated.pdf');
  pdfsigValid(out);
  qpdfCheck(out);
  // ISO 32000-1 8.3.2.3/14.11.2: displayed (vx, vy) is user (575 - vy, 30 + vx) for CropBox [20 30 575 822], /Rotate 90.
  const want = [575 - (36 + 90), 30 + 36, 575 - 36, 30 + 36 + 240];
  const w = widgets(out).filter((x) => x.signed);
  check(w.length === 1 && w[0].rect.every((v, i) => near(v, want[i], 1)), `widget /Rect ${JSON.stringify(w[0] && w[0].rect)} is ${want}`);
  await ctx.close();
});

await scenario('anchor mode: "#ttd#" found in the page, the stamp lands at the text', async () => {
  const { ctx, page } = await openWorkspace();
  await upload(page, [facts['penanda.pdf']]);
  await page.check('#ws-mode-anchor');
  await page.fill('#ws-anchor', '#ttd#');
  await page.click('#ws-anchor-find');
  await page.waitForSelector('#ws-anchor-msg.msg-ok');
  check((await page.textContent('#ws-anchor-msg')).includes('halaman 2'), 'found on page 2: ' + await page.textContent('#ws-anchor-msg'));
  const s = await stampBox(page);
  check(!s.hidden && s.page === 2 && near(s.x, facts.anchor_at[0], 1.5) && near(s.y, facts.anchor_at[1], 1.5),
    'the preview puts the stamp at the text: ' + JSON.stringify(s));
  await signAll(page, sub.passphrase);
  check(await page.getAttribute('#ws-msg', 'class') === 'msg msg-ok', 'signed: ' + await page.textContent('#ws-msg'));
  const { out } = await saveDownload(page, '#ws-results a.ws-dl', 'anchor.pdf');
  pdfsigValid(out);
  qpdfCheck(out);
  // Where pdftotext (poppler) sees the tag: top-left origin; its left edge and baseline region.
  const bbox = tool('pdftotext', ['-f', '2', '-l', '2', '-bbox', out, '-']).stdout;
  const m = /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">#ttd#<\/word>/.exec(bbox);
  check(m, 'pdftotext finds #ttd# on page 2');
  const tx = Number(m[1]);
  const tyBottom = A4[1] - Number(m[4]);
  const w = widgets(out).filter((x) => x.signed);
  check(w.length === 1 && w[0].page === 2, 'signed widget on page 2: ' + JSON.stringify(w));
  const [x1, y1, x2, y2] = w[0].rect;
  check(near(x1, tx, 2) && near(y1, tyBottom, 6), `widget /Rect ${w[0].rect} starts at the text (${tx}, ${tyBottom.toFixed(1)})`);
  check(near(x2 - x1, 240, 1) && near(y2 - y1, 90, 1), 'the stamp keeps the chosen size');
  await ctx.close();
});

await scenario('field mode: the document\'s empty signature field is listed and signed into', async () => {
  const { ctx, page } = await openWorkspace();
  await upload(page, [facts['kolom.pdf']]);
  await page.check('#ws-mode-field');
  await page.waitForSelector(`#ws-field option[value="${facts.field.name}"]`, { state: 'attached' });
  await page.waitForFunction(() => document.querySelector('#ws-pageinfo').textContent.includes('Halaman 2'));
  const s = await stampBox(page);
  const fr = facts.field.rect;
  check(!s.hidden && near(s.x, fr[0], 0.5) && near(s.y, fr[1], 0.5) && near(s.w, fr[2] - fr[0], 0.5), 'the field is shown where it is: ' + JSON.stringify(s));
  await signAll(page, sub.passphrase);
  check(await page.getAttribute('#ws-msg', 'class') === 'msg msg-ok', 'signed: ' + await page.textContent('#ws-msg'));
  const { out } = await saveDownload(page, '#ws-results a.ws-dl', 'field.pdf');
  const sig = pdfsigValid(out);
  check(sig.includes(facts.field.name), 'pdfsig names the field: ' + sig);
  qpdfCheck(out);
  const w = widgets(out);
  check(w.length === 1 && w[0].signed && w[0].name === facts.field.name && w[0].page === 2, 'the prepared field holds the signature: ' + JSON.stringify(w));
  await ctx.close();
});

await scenario('a batch of five with one passphrase; "download all" gives a ZIP of five valid signed PDFs', async () => {
  const { ctx, page } = await openWorkspace();
  const files = [1, 2, 3, 4, 5].map((i) => facts[`surat-${i}.pdf`]);
  await upload(page, files);
  check((await page.textContent('#ws-sign')).includes('5'), 'the button counts five files');
  await page.check('#ws-mode-invisible');
  await signAll(page, sub.passphrase);
  check((await page.textContent('#ws-msg')).includes('5 berkas berhasil'), 'all five signed: ' + await page.textContent('#ws-msg'));
  check(await page.locator('#ws-results a.ws-record').count() === 5, 'five public records linked');
  const st = await page.$$eval('#ws-list .ws-status', (a) => a.map((e) => e.textContent));
  check(st.length === 5 && st.every((x) => x === 'Berhasil'), 'every file says signed: ' + st);
  await page.screenshot({ path: path.join(SHOTS, 'workspace-batch-1280.png'), fullPage: true });
  const { out, suggested } = await saveDownload(page, '#ws-zip', 'all.zip');
  check(suggested.endsWith('.zip'), 'zip download name: ' + suggested);
  const ex = path.join(dir, 'unzipped');
  const py = tool('python3', ['-c', `
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
bad = z.testzip()
names = z.namelist()
flags = [i.flag_bits & 0x800 for i in z.infolist()]
methods = [i.compress_type for i in z.infolist()]
z.extractall(sys.argv[2])
print(json.dumps({"bad": bad, "names": names, "utf8": flags, "methods": methods}))`, out, ex]);
  check(py.status === 0, 'python zipfile reads the ZIP: ' + py.stderr);
  const z = JSON.parse(py.stdout);
  check(z.bad === null, 'zipfile.testzip() finds no bad entry: ' + z.bad);
  check(z.names.length === 5 && new Set(z.names).size === 5, 'five unique entries: ' + z.names);
  check(z.utf8.every((f) => f === 0x800) && z.methods.every((m) => m === 0), 'UTF-8 names flag and STORE method on every entry');
  for (const n of z.names) {
    pdfsigValid(path.join(ex, n));
    qpdfCheck(path.join(ex, n));
  }
  // zip.js on names that clash or carry paths: unique, case-insensitively, and flat; UTF-8 kept.
  const b64 = await page.evaluate(async () => {
    const { makeZip } = await import('/static/zip.js');
    const e = new TextEncoder();
    const z = makeZip([{ name: 'a.pdf', data: e.encode('satu') }, { name: 'A.pdf', data: e.encode('dua') },
      { name: '../x/y.pdf', data: e.encode('tiga') }, { name: 'Surat Ñandi – №1.pdf', data: new Uint8Array(0) }]);
    let s = '';
    for (const c of z) s += String.fromCharCode(c);
    return btoa(s);
  });
  const zp = path.join(dir, 'names.zip');
  fs.writeFileSync(zp, Buffer.from(b64, 'base64'));
  const py2 = tool('python3', ['-c', `
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps({"bad": z.testzip(), "names": z.namelist(), "data": [z.read(n).decode() for n in z.namelist()]}))`, zp]);
  check(py2.status === 0, 'python reads the names ZIP: ' + py2.stderr);
  const z2 = JSON.parse(py2.stdout);
  check(z2.bad === null && JSON.stringify(z2.names) === JSON.stringify(['a.pdf', 'A (2).pdf', '__x_y.pdf', 'Surat Ñandi – №1.pdf'])
    && JSON.stringify(z2.data) === JSON.stringify(['satu', 'dua', 'tiga', '']), 'zip.js names and contents: ' + py2.stdout);
  await ctx.close();
});

await scenario('keyboard: arrows move the stamp, shift+arrows resize it; the placement is remembered for the layout', async () => {
  const { ctx, page } = await openWorkspace();
  await upload(page, [facts['tiga-halaman.pdf']]);
  await page.selectOption('#ws-preset', 'br');
  const s0 = await stampBox(page);
  await page.focus('#ws-stamp');
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowLeft');
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Control+ArrowLeft');
  const s1 = await stampBox(page);
  check(near(s1.x, s0.x - 20, 0.01) && near(s1.y, s0.y + 6, 0.01) && s1.w === s0.w, `arrows moved the stamp: ${JSON.stringify(s0)} -> ${JSON.stringify(s1)}`);
  await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.press('Shift+ArrowDown');
  const s2 = await stampBox(page);
  check(near(s2.w, s1.w + 2, 0.01) && near(s2.h, s1.h + 2, 0.01) && near(s2.x, s1.x, 0.01), `shift+arrows resized it: ${JSON.stringify(s2)}`);
  check(await page.evaluate(() => document.activeElement && document.activeElement.id) === 'ws-stamp', 'focus stays on the stamp');
  // The same layout again (3 pages, A4): pre-placed where the last one was.
  await page.setInputFiles('#ws-files', [facts['tiga-halaman.pdf']]);
  await page.waitForFunction(() => document.querySelectorAll('#ws-list > li').length === 2);
  await page.click('#ws-list > li:nth-child(2) .ws-pick');
  await page.waitForFunction(() => document.querySelector('#ws-list > li:nth-child(2)').classList.contains('ws-current'));
  const s3 = await stampBox(page);
  check(near(s3.x, s2.x, 0.1) && near(s3.y, s2.y, 0.1) && near(s3.w, s2.w, 0.1) && s3.page === s2.page, `remembered placement: ${JSON.stringify(s3)}`);
  const mem = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('teken.ws.place.')));
  check(mem.includes('teken.ws.place.3.595x842'), 'remembered under the layout key: ' + mem);
  // A tap (click) on the page puts the stamp's middle there.
  const cb = await page.locator('#ws-canvas').boundingBox();
  const sc = cb.width / A4[0];
  await page.locator('#ws-canvas').click({ position: { x: 150, y: 120 } });
  const s4 = await stampBox(page);
  check(near(s4.x + s4.w / 2, 150 / sc, 2) && near(s4.y + s4.h / 2, A4[1] - 120 / sc, 2), `a tap on the page centres the stamp there: ${JSON.stringify(s4)}, scale ${sc}`);
  // A file dropped on the drop zone joins the list.
  const dropped = fs.readFileSync(facts['surat-1.pdf']).toString('base64');
  await page.evaluate((b) => {
    const bin = Uint8Array.from(atob(b), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bin], 'dijatuhkan.pdf', { type: 'application/pdf' }));
    const zone = document.querySelector('#ws-drop');
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, dropped);
  await page.waitForFunction(() => document.querySelectorAll('#ws-list > li').length === 3);
  check((await page.textContent('#ws-list > li:nth-child(3)')).includes('dijatuhkan.pdf'), 'the dropped file is listed');
  await ctx.close();
});

await scenario('a box too small shows the server\'s minimum; a wrong passphrase stops the batch with a clear message', async () => {
  const { ctx, page } = await openWorkspace();
  await upload(page, [facts['surat-1.pdf']]);
  await page.fill('#ws-w', '60');
  await page.press('#ws-w', 'Tab');
  await page.fill('#ws-h', '30');
  await page.press('#ws-h', 'Tab');
  const s = await stampBox(page);
  check(s.w === 60 && s.h === 30, 'the box is 60 x 30: ' + JSON.stringify(s));
  allowed.http = [{ path: '/api/v1/sign/pdf', status: 400 }];
  await signAll(page, sub.passphrase);
  const err = await page.textContent('#ws-list > li .ws-error');
  check(/Ukuran minimum yang disarankan server: \d+ × \d+ pt/.test(err), 'the file shows the server\'s minimum size: ' + err);
  allowed.http = [];
  await ctx.close();

  const { ctx: c2, page: p2 } = await openWorkspace(undefined, dewi);
  await upload(p2, [1, 2, 3].map((i) => facts[`surat-${i}.pdf`]));
  allowed.http = [{ path: '/api/v1/sign/pdf', status: 401 }, { path: '/api/v1/sign/pdf', status: 403 }];
  await signAll(p2, 'passphrase-yang-salah');
  const msg = await p2.textContent('#ws-msg');
  check(await p2.getAttribute('#ws-msg', 'class') === 'msg msg-error' && msg.includes('dihentikan') && msg.includes('2 berkas'),
    'the batch stopped, in Indonesian: ' + msg);
  check(msg.includes('Passphrase salah'), 'the message says why: ' + msg);
  const st = await p2.$$eval('#ws-list .ws-status', (a) => a.map((e) => e.textContent));
  check(st[0] === 'Gagal' && st[1] === 'Tidak dicoba' && st[2] === 'Tidak dicoba', 'first failed, the rest not tried: ' + st);
  await p2.screenshot({ path: path.join(SHOTS, 'workspace-stopped-1280.png'), fullPage: true });
  allowed.http = [];
  await c2.close();
});

await scenario('phone width (360 px): anchor mode signs; the page fits; screenshots', async () => {
  const { ctx, page } = await openWorkspace({ width: 360, height: 780 });
  await upload(page, [facts['penanda.pdf']]);
  const over = await page.evaluate(() => document.documentElement.scrollWidth);
  check(over <= 362, 'no sideways scrolling at 360 px: ' + over);
  await page.check('#ws-mode-anchor');
  await page.click('#ws-anchor-find');
  await page.waitForSelector('#ws-anchor-msg.msg-ok');
  await page.screenshot({ path: path.join(SHOTS, 'workspace-360.png'), fullPage: true });
  // The workspace is in Indonesian first; the English switch relabels it.
  check((await page.textContent('#sub-sign-h')).includes('Ruang kerja'), 'Indonesian heading');
  await page.evaluate(() => import('/static/i18n.js').then((m) => m.setLang('en')));
  check((await page.textContent('#sub-sign-h')).includes('Signing workspace'), 'English heading after the switch');
  await page.evaluate(() => import('/static/i18n.js').then((m) => m.setLang('id')));
  await signAll(page, sub.passphrase);
  check(await page.getAttribute('#ws-msg', 'class') === 'msg msg-ok', 'signed at phone width: ' + await page.textContent('#ws-msg'));
  const { out } = await saveDownload(page, '#ws-results a.ws-dl', 'phone.pdf');
  pdfsigValid(out);
  await page.screenshot({ path: path.join(SHOTS, 'workspace-360-done.png'), fullPage: true });
  await ctx.close();
});

await finish(browser);
