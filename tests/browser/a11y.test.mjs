// Accessibility and small-screen sweep of the whole web UI (issue 14,
// "Quality"): every public page, and /app logged in as each role, at 1280 and
// 360 px wide, held to the bar by auditPage() of tests/browser/lib.mjs
// (overflow, names, contrast AA, keyboard walk and visible focus, the English
// switch and raw string keys; a screenshot <page>-<role>-<width>.png each).
// The login is done with the keyboard only. Each page is one scenario that
// fails listing all of its findings.
// Started by tests/integration/test_browser_a11y.sh (tests/lib/browser-run.sh).
import fs from 'node:fs';
import path from 'node:path';
import { BASE, DEMO, PDF, TMP, allowed, check, newPage, uiLogin, scenario, launch, finish, auditPage, settle } from './lib.mjs';

const browser = await launch(840_000);
const WIDTHS = [1280, 360];
const state = {};
// A11Y_ONLY=regex runs only the matching pages (while fixing one; the setup always runs).
const ONLY = process.env.A11Y_ONLY ? new RegExp(process.env.A11Y_ONLY) : null;
const wanted = (name) => !ONLY || ONLY.test(name);

function verdict(findings) {
  check(findings.length === 0, `${findings.length} finding(s):\n    ` + findings.join('\n    '));
}

// Logs in with the keyboard only: the login page puts focus in the user field (or Tab
// reaches it), Tab to the password, Tab to the button, Enter. Returns findings.
async function keyboardLogin(page, user, password, expectDash = true) {
  const found = [];
  await page.goto(BASE + '/app');
  await page.waitForSelector('#login:not([hidden])');
  const active = () => page.evaluate(() => (document.activeElement ? document.activeElement.id || document.activeElement.localName : ''));
  for (let n = 0; n < 40 && await active() !== 'login-user'; n++) await page.keyboard.press('Tab');
  if (await active() !== 'login-user') return ['login: the user field cannot be reached with Tab'];
  await page.keyboard.type(user);
  await page.keyboard.press('Tab');
  if (await active() !== 'login-password') found.push(`login: Tab from the user field goes to "${await active()}", not the password`);
  else await page.keyboard.type(password);
  await page.keyboard.press('Tab');
  const btn = await page.evaluate(() => document.activeElement && document.activeElement.matches('#login-form button[type="submit"]'));
  if (!btn) found.push(`login: Tab from the password goes to "${await active()}", not the login button`);
  else await page.keyboard.press('Enter');
  if (!expectDash) return found;
  try {
    await page.waitForSelector('#dash:not([hidden])', { timeout: 15_000 });
  } catch (e) {
    found.push('login: the form could not be completed and submitted with the keyboard');
  }
  return found;
}

await scenario('setup: a document signed by the demo application (for /v/{id})', async () => {
  const fd = new FormData();
  fd.append('options', JSON.stringify({ nik: DEMO.subscriber.nik, passphrase: DEMO.subscriber.passphrase, reason: 'Uji aksesibilitas' }));
  fd.append('file', new Blob([fs.readFileSync(PDF)], { type: 'application/pdf' }), 'surat-uji.pdf');
  const r = await fetch(BASE + '/api/v1/sign/pdf', { method: 'POST', headers: { Authorization: 'Bearer ' + DEMO.application.api_key }, body: fd });
  check(r.status === 200, 'the demo application signs a PDF: ' + r.status);
  state.doc = r.headers.get('x-document-id');
  check(/^[a-z2-7]{26}$/.test(state.doc || ''), 'document id: ' + state.doc);
  state.signed = path.join(TMP, 'a11y-signed.pdf');
  fs.writeFileSync(state.signed, Buffer.from(await r.arrayBuffer()));
});

// The audit itself must see problems: a page built with one of each (served in place of a
// path of this server, so it gets the real stylesheet, header and language switch).
const BAD = `<!doctype html><html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>uji</title>
<link rel="stylesheet" href="/static/teken.css"><script type="module">
import { boot } from '/static/common.js'; boot('home');
const trap = document.getElementById('bad-trap');
trap.addEventListener('keydown', (e) => { if (e.key === 'Tab') e.preventDefault(); });
</script><style>#bad-ring:focus { outline: none; box-shadow: none; } #bad-faint:focus-visible { outline: 3px solid #f2a900; box-shadow: none; } .bad-grey { color: #aaa; } .bad-wide { width: 900px; }</style></head>
<body><header id="site-header" class="site-header"></header><main id="main" class="wrap">
<h1>Halaman uji</h1><p class="bad-grey">Teks abu-abu pucat</p><div class="bad-wide">lebar</div>
<input id="bad-nolabel" type="text"><button id="bad-noname" type="button"></button>
<img src="/static/logo.svg"><span id="dup">a</span><span id="dup">b</span>
<p>sub.sign.h</p><p id="bad-id">Dokumen ini belum ditandatangani oleh pejabat yang berwenang.</p><button id="bad-ring" type="button">Tanpa cincin</button><button id="bad-faint" type="button">Cincin pucat</button>
<label for="bad-trap">Perangkap</label><input id="bad-trap" type="text"><a href="/">akhir</a> <a id="bad-order" href="/" tabindex="1">loncat</a>
</main><footer id="site-footer" class="site-footer"></footer></body></html>`;

if (wanted('selftest')) await scenario('the audit reports each kind of problem on a page built to fail', async () => {
  const { ctx, page } = await newPage(browser, 'a11y-selftest', { width: 360, height: 800 });
  try {
    await page.route(BASE + '/a11y-selftest', (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: BAD }));
    await page.goto(BASE + '/a11y-selftest');
    await page.waitForSelector('body.ready');
    const f = await auditPage(page, 'selftest-public-360', { shot: false });
    const expect = [
      ['overflow', /overflow: page is \d+ px wide in a 360 px viewport.*div\.bad-wide/],
      ['unlabelled field', /name: form field without a label: .*input#bad-nolabel/],
      ['nameless button', /name: button without a name: .*button#bad-noname/],
      ['duplicate id', /ids: id "dup" is used 2 times/],
      ['image without alt', /image without alt: .*logo\.svg/],
      ['low contrast', /contrast: 2\.\d+ < 4\.5: .*p\.bad-grey/],
      ['no focus ring', /keyboard: no visible focus indicator on button#bad-ring/],
      ['faint focus ring', /keyboard: focus indicator contrast 1\.\d+ < 3 against #f4f6f9 .* on button#bad-faint/],
      ['focus order', /keyboard: focus goes backwards from a#bad-order/],
      ['keyboard trap', /keyboard: focus stuck on input#bad-trap/],
      ['raw key', /raw string key .*"sub\.sign\.h"/],
      ['text left in Indonesian', /\[en\] untranslated: "Dokumen ini belum.*p#bad-id/],
    ];
    const missing = expect.filter(([, re]) => !f.some((x) => re.test(x))).map(([what]) => what);
    check(missing.length === 0, `the audit missed: ${missing.join(', ')}; it found:\n    ${f.join('\n    ')}`);
  } finally {
    await ctx.close();
  }
});

const PUBLIC = [
  ['home', '/', 'body.ready'],
  ['verify', '/verify', 'body.ready'],
  ['document', () => '/v/' + state.doc, '#doc-found:not([hidden])'],
  ['literasi', '/literasi', 'body.ready'],
  ['notices', '/notices', 'body.ready'],
  ['login', '/app', '#login:not([hidden])'],
];

for (const width of WIDTHS) {
  for (const [name, url, ready] of PUBLIC) {
    if (!wanted(`${name}-public-${width}`)) continue;
    await scenario(`${name} (public) at ${width} px`, async () => {
      const { ctx, page } = await newPage(browser, `a11y-${name}-${width}`, { width, height: 800 });
      try {
        await page.goto(BASE + (typeof url === 'function' ? url() : url));
        await page.waitForSelector(ready);
        await settle(page);
        verdict(await auditPage(page, `${name}-public-${width}`));
      } finally {
        await ctx.close();
      }
    });
  }
  // The verification page with a report on screen (verdict, signature details, report buttons).
  if (wanted(`verifyresult-public-${width}`)) await scenario(`verify with a result (public) at ${width} px`, async () => {
    check(state.signed, 'needs the signed document of the setup');
    const { ctx, page } = await newPage(browser, `a11y-verify-result-${width}`, { width, height: 800 });
    try {
      await page.goto(BASE + '/verify');
      await page.setInputFiles('#verify-file', state.signed);
      await page.click('#verify-form button[type="submit"]');
      await page.waitForSelector('#verify-result:not([hidden])');
      await settle(page);
      verdict(await auditPage(page, `verifyresult-public-${width}`));
    } finally {
      await ctx.close();
    }
  });
}

// The login page with its error message (an unknown user: no real account is throttled).
for (const width of WIDTHS) {
  if (!wanted(`loginerror-public-${width}`)) continue;
  await scenario(`login with an error message (public) at ${width} px`, async () => {
    const { ctx, page } = await newPage(browser, `a11y-login-error-${width}`, { width, height: 800 });
    allowed.http = [{ path: '/api/v1/login', status: 401 }];
    try {
      const found = await keyboardLogin(page, 'tidak.ada', 'kata-sandi-salah-1', false);
      await page.waitForSelector('#login-msg.msg-error');
      await settle(page);
      found.push(...await auditPage(page, `loginerror-public-${width}`));
      verdict(found);
    } finally {
      allowed.http = [];
      await ctx.close();
    }
  });
}

const ROLES = [
  ['subscriber', DEMO.subscriber],
  ['verifikator', DEMO.verifikators[0]],
  ['admin', DEMO.admin],
  ['auditor', DEMO.auditor],
];

for (const width of WIDTHS) {
  for (const [role, who] of ROLES) {
    if (!wanted(`app-${role}-${width}`)) continue;
    await scenario(`/app as ${role} at ${width} px (logged in with the keyboard)`, async () => {
      const { ctx, page } = await newPage(browser, `a11y-app-${role}-${width}`, { width, height: 800 });
      try {
        const found = (await keyboardLogin(page, who.user, who.password)).map((f) => `app-${role}-${width}: ${f}`);
        if (!(await page.isVisible('#dash'))) await uiLogin(page, who.user, who.password); // audit the dashboard anyway
        await settle(page, 1000);
        found.push(...await auditPage(page, `app-${role}-${width}`));
        verdict(found);
      } finally {
        await ctx.close();
      }
    });
  }
}

await finish(browser);
