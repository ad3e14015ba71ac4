// Dashboard of a certificate holder: status, enrolment, first-login activation,
// signing, passphrase, own data.
import { api } from './api.js';
import { has } from './i18n.js';
import { h, $, clear, say, dl, fmtBytes } from './dom.js';
import { showError, table, requestCols, busy, evidenceName } from './ui.js';

const MAX_FILE = 50 * 1024 * 1024;
// Visible stamp presets on an A4 page (595 x 842 pt): 200 x 80 pt, 36 pt from the edges.
const A4 = { w: 595, h: 842 };
const STAMP = { w: 200, h: 80, m: 36 };
const CORNERS = {
  br: { x: A4.w - STAMP.m - STAMP.w, y: STAMP.m },
  bl: { x: STAMP.m, y: STAMP.m },
  tr: { x: A4.w - STAMP.m - STAMP.w, y: A4.h - STAMP.m - STAMP.h },
  tl: { x: STAMP.m, y: A4.h - STAMP.m - STAMP.h },
};

let lastUrl = null;

async function isPdf(file) {
  const head = new Uint8Array(await file.slice(0, 5).arrayBuffer());
  return String.fromCharCode(...head) === '%PDF-';
}

async function loadStatus(root) {
  const slot = $('#sub-status', root);
  clear(slot);
  let reqs;
  try {
    reqs = await api('GET', '/api/v1/requests');
  } catch (e) {
    const m = h('div');
    slot.append(m);
    showError(m, e);
    return;
  }
  // Staff enrolled this official without a key: after approval they activate it themself.
  let activation = 'none';
  try {
    activation = (await api('GET', '/api/v1/me')).activation || 'none';
  } catch (e) {
    const m = h('div');
    slot.append(m);
    showError(m, e);
  }
  const keyKinds = ['issue', 'renew', 'reset'];
  const keyReqs = reqs.filter((r) => keyKinds.includes(r.kind)); // newest first
  const issued = keyReqs.find((r) => r.status === 'approved' && r.result && r.result.serial);
  let certs = [];
  if (issued) {
    try {
      certs = await api('GET', '/api/v1/me/certificates');
    } catch (e) {
      const m = h('div');
      slot.append(m);
      showError(m, e);
    }
  }
  const latest = keyReqs[0];
  const enrolled = reqs.length > 0;
  const cert = issued && certs.find((c) => c.serial === issued.result.serial);
  const certStatus = cert ? cert.status : 'valid';
  const usable = issued && certStatus === 'valid';
  $('#sub-enrol', root).hidden = enrolled;
  $('#sub-activate', root).hidden = activation !== 'pending';
  $('#sub-sign', root).hidden = !usable;
  $('#sub-pass', root).hidden = !usable;
  $('#sub-reset', root).hidden = !usable;
  $('#sub-revoke', root).hidden = !issued || certStatus === 'revoked';
  $('#sub-revoke', root).dataset.serial = issued ? issued.result.serial : '';

  if (!enrolled) {
    slot.append(h('p', { class: 'msg msg-info', i18n: 'sub.status.none' }));
    return;
  }
  if (activation === 'pending') {
    slot.append(h('p', { class: 'msg msg-warn', role: 'status', i18n: 'sub.status.activate' }));
  } else if (latest && latest.status === 'pending') {
    slot.append(h('p', { class: 'msg msg-warn', role: 'status', i18n: 'sub.status.pending' }));
  } else if (latest && latest.status === 'rejected' && !issued) {
    slot.append(h('p', { class: 'msg msg-error', i18n: 'sub.status.rejected' }));
    if (latest.reason) slot.append(h('p', { i18n: 'sub.status.reason', vars: { reason: latest.reason } }));
  } else if (issued && certStatus === 'revoked') {
    slot.append(h('p', { class: 'msg msg-error', role: 'status', i18n: 'sub.status.revoked' }));
  } else if (issued && certStatus === 'hold') {
    slot.append(h('p', { class: 'msg msg-warn', role: 'status', i18n: 'sub.status.hold' }));
  } else if (issued) {
    slot.append(h('p', { class: 'msg msg-ok', i18n: 'sub.status.active' }));
  }
  if (issued) {
    const serial = issued.result.serial;
    slot.append(dl([['sub.status.serial', h('code', { text: serial })]]),
      h('p', {}, h('a', { href: '/api/v1/certificates/' + encodeURIComponent(serial), download: 'sertifikat-' + serial.slice(0, 12) + '.pem', i18n: 'sub.status.cert' })));
  }
  slot.append(h('h3', { i18n: 'sub.requests' }), table(requestCols.filter(([k]) => k !== 'col.subject'), reqs));
}

function wireEnrol(root) {
  const form = $('#enrol-form', root);
  const msg = $('#enrol-msg', root);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say(msg, null);
    const v = (id) => $(id, root).value.trim();
    if ($('#en-pass', root).value !== $('#en-pass2', root).value) {
      say(msg, 'error', 'mismatch');
      $('#en-pass2', root).focus();
      return;
    }
    const ktp = $('#en-ktp', root).files[0];
    const sk = $('#en-sk', root).files[0];
    if (!ktp || !sk) {
      say(msg, 'error', 'err.missing_evidence');
      return;
    }
    const data = { nik: v('#en-nik'), full_name: v('#en-name'), email: v('#en-email'), unit: v('#en-unit'),
      position: v('#en-position'), passphrase: $('#en-pass', root).value };
    if (v('#en-nip')) data.nip = v('#en-nip');
    if (v('#en-phone')) data.phone = v('#en-phone');
    const fd = new FormData();
    fd.append('data', JSON.stringify(data));
    fd.append('ktp', ktp, evidenceName('ktp', ktp));
    fd.append('sk', sk, evidenceName('sk', sk));
    await busy(form, null, async () => {
      try {
        const r = await api('POST', '/api/v1/enrollments', { form: fd });
        form.reset();
        await loadStatus(root);
        const note = h('div');
        $('#sub-status', root).prepend(note);
        say(note, 'ok', 'sub.enrol.done', { id: r.request_id });
      } catch (e) {
        showError(msg, e);
      } finally {
        $('#en-pass', root).value = '';
        $('#en-pass2', root).value = '';
      }
    });
  });
}

// First-login activation: the official's own passphrase, never chosen or seen by staff.
function wireActivate(root) {
  const form = $('#activate-form', root);
  const msg = $('#activate-msg', root);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say(msg, null);
    if ($('#act-pass', root).value !== $('#act-pass2', root).value) {
      say(msg, 'error', 'mismatch');
      $('#act-pass2', root).focus();
      return;
    }
    await busy(form, 'sub.activate.busy', async () => {
      try {
        const r = await api('POST', '/api/v1/me/activate', { json: { passphrase: $('#act-pass', root).value } });
        form.reset();
        await loadStatus(root);
        const note = h('div');
        $('#sub-status', root).prepend(note);
        say(note, 'ok', 'sub.activate.done', { serial: r.serial });
      } catch (e) {
        showError(msg, e);
      } finally {
        $('#act-pass', root).value = '';
        $('#act-pass2', root).value = '';
      }
    });
  });
}

function wireSign(root) {
  const form = $('#sign-form', root);
  const msg = $('#sign-msg', root);
  const result = $('#sign-result', root);
  const opts = $('#visible-opts', root);
  const pageSel = $('#sign-page', root);
  const syncLook = () => { opts.hidden = !$('#look-visible', root).checked; };
  for (const r of root.querySelectorAll('input[name="look"]')) r.addEventListener('change', syncLook);
  pageSel.addEventListener('change', () => { $('#sign-page-n-field', root).hidden = pageSel.value !== 'number'; });

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say(msg, null);
    clear(result);
    const file = $('#sign-file', root).files[0];
    if (!file) { say(msg, 'error', 'file.required'); return; }
    if (file.size > MAX_FILE) { say(msg, 'error', 'file.too_big'); return; }
    if (!(await isPdf(file))) { say(msg, 'error', 'file.not_pdf'); return; }
    const options = { passphrase: $('#sign-pass', root).value };
    const reason = $('#sign-reason', root).value.trim();
    if (reason) options.reason = reason;
    if ($('#look-visible', root).checked) {
      const c = CORNERS[$('#sign-corner', root).value] || CORNERS.br;
      const vis = { x: c.x, y: c.y, w: STAMP.w, h: STAMP.h };
      if (pageSel.value === 'first') vis.page = 1;
      else if (pageSel.value === 'number') vis.page = Math.max(1, parseInt($('#sign-page-n', root).value, 10) || 1);
      options.visible = vis;
    }
    const fd = new FormData();
    fd.append('file', file, file.name || 'dokumen.pdf');
    fd.append('options', JSON.stringify(options));
    await busy(form, 'sub.sign.busy', async () => {
      try {
        const r = await api('POST', '/api/v1/sign/pdf', { form: fd, as: 'blob' });
        const id = r.headers.get('X-Document-Id') || '';
        const level = r.headers.get('X-Signature-Level') || '';
        const blob = new Blob([r.blob], { type: 'application/pdf' });
        if (lastUrl) URL.revokeObjectURL(lastUrl);
        lastUrl = URL.createObjectURL(blob);
        const base = (file.name || 'dokumen').replace(/\.pdf$/i, '');
        result.append(
          h('p', { class: 'msg msg-ok', role: 'status', i18n: 'sub.sign.done' }),
          dl([
            ['sub.sign.doc', id ? h('a', { href: '/v/' + encodeURIComponent(id), class: 'mono', text: id }) : null],
            ['sub.sign.level', level ? h('span', {}, has('level.' + level) ? h('span', { i18n: 'level.' + level }) : null, ' ', h('code', { text: level })) : null],
            ['sub.sign.size', fmtBytes(file.size) + ' → ' + fmtBytes(blob.size)],
          ]),
          h('p', { class: 'actions' },
            h('a', { href: lastUrl, download: base + '-ditandatangani.pdf', class: 'button button-primary', id: 'sign-download', i18n: 'sub.sign.download' }),
            id ? h('a', { href: '/v/' + encodeURIComponent(id), class: 'button', i18n: 'sub.sign.record' }) : null));
        $('#sign-download', root).focus();
      } catch (e) {
        showError(msg, e);
      } finally {
        $('#sign-pass', root).value = '';
      }
    });
  });
}

function wirePassphrase(root) {
  const form = $('#pass-form', root);
  const msg = $('#pass-msg', root);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say(msg, null);
    if ($('#pp-new', root).value !== $('#pp-new2', root).value) { say(msg, 'error', 'mismatch'); return; }
    await busy(form, null, async () => {
      try {
        await api('POST', '/api/v1/me/passphrase', { json: { old_passphrase: $('#pp-old', root).value, new_passphrase: $('#pp-new', root).value } });
        say(msg, 'ok', 'sub.pass.done');
      } catch (e) {
        showError(msg, e);
      } finally {
        form.reset();
      }
    });
  });
}

function wireReset(root) {
  const form = $('#reset-form', root);
  const msg = $('#reset-msg', root);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say(msg, null);
    if ($('#rs-new', root).value !== $('#rs-new2', root).value) { say(msg, 'error', 'mismatch'); return; }
    await busy(form, null, async () => {
      try {
        const r = await api('POST', '/api/v1/me/reset', { json: { passphrase: $('#rs-new', root).value } });
        say(msg, 'ok', 'sub.reset.done', { id: r.request_id });
        await loadStatus(root);
      } catch (e) {
        showError(msg, e);
      } finally {
        form.reset();
      }
    });
  });
}

function wireRevoke(root) {
  const form = $('#revoke-form', root);
  const msg = $('#revoke-msg', root);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say(msg, null);
    const serial = $('#sub-revoke', root).dataset.serial;
    if (!serial) return;
    await busy(form, null, async () => {
      try {
        await api('POST', '/api/v1/certificates/' + encodeURIComponent(serial) + '/revoke', { json: { reason: $('#rv-reason', root).value } });
        await loadStatus(root);
        say($('#sub-status', root).appendChild(h('div')), 'ok', 'sub.revoke.done');
      } catch (e) {
        showError(msg, e);
      } finally {
        form.reset();
      }
    });
  });
}

export function mountSubscriber(root) {
  wireEnrol(root);
  wireActivate(root);
  wireSign(root);
  wirePassphrase(root);
  wireReset(root);
  wireRevoke(root);
  loadStatus(root);
}
