// Dashboard of a certificate holder: status, enrolment, first-login activation,
// signing, passphrase, own data.
import { api } from './api.js';
import { h, $, clear, say, dl } from './dom.js';
import { showError, table, requestCols, busy, evidenceName } from './ui.js';
import { mountWorkspace } from './app-workspace.js';

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

export function mountSubscriber(root, me) {
  wireEnrol(root);
  wireActivate(root);
  // The signing workspace (issue 14): web/static/app-workspace.js.
  mountWorkspace($('#sub-sign', root), me);
  wirePassphrase(root);
  wireReset(root);
  wireRevoke(root);
  loadStatus(root);
}
