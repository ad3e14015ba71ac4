// Enrolment of an official by staff (Verifikator, admin): identity and
// evidence only. The official chooses their own passphrase (or sends their
// own CSR) when activating after approval; no officer ever chooses or sees
// it (sole control of the signing key, PKS art. 4(1)c). The server refuses
// a passphrase or CSR from staff anyway (sole_control).
import { api } from './api.js';
import { apply } from './i18n.js';
import { $, say } from './dom.js';
import { showError, busy, evidenceName } from './ui.js';

export function mountStaffEnrol(root, onDone) {
  const slot = $('#staff-enrol-slot', root);
  const tpl = document.getElementById('tpl-staff-enrol');
  if (!slot || !tpl) return;
  slot.append(tpl.content.cloneNode(true));
  apply(slot);
  const form = $('#staff-enrol-form', slot);
  const msg = $('#staff-enrol-msg', slot);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    say(msg, null);
    const v = (id) => $(id, slot).value.trim();
    const ktp = $('#se-ktp', slot).files[0];
    const sk = $('#se-sk', slot).files[0];
    if (!ktp || !sk) {
      say(msg, 'error', 'err.missing_evidence');
      return;
    }
    const data = { user: v('#se-user'), nik: v('#se-nik'), full_name: v('#se-name'), email: v('#se-email'),
      unit: v('#se-unit'), position: v('#se-position') };
    if (v('#se-nip')) data.nip = v('#se-nip');
    if (v('#se-phone')) data.phone = v('#se-phone');
    const fd = new FormData();
    fd.append('data', JSON.stringify(data));
    fd.append('ktp', ktp, evidenceName('ktp', ktp));
    fd.append('sk', sk, evidenceName('sk', sk));
    await busy(form, null, async () => {
      try {
        const r = await api('POST', '/api/v1/enrollments', { form: fd });
        form.reset();
        say(msg, 'ok', 'staff.enrol.done', { id: r.request_id, user: data.user });
        if (onDone) onDone();
      } catch (e) {
        showError(msg, e);
      }
    });
  });
}
