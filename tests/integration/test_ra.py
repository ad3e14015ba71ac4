#!/usr/bin/env python3
"""Registration authority end to end against a real `teken serve` (issue: registration and Verifikators)."""
import json
import os
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, SmtpSink, check, finish, multipart, teken, tmpdir  # noqa: E402

T = tmpdir()
d = os.path.join(T, "inst")
teken("init", "--dir", d, "--key-alg", "ec-p256", "--org", "Kementerian Uji")
smtp = SmtpSink()
with open(os.path.join(d, "teken.conf"), "a") as f:
    f.write("\n[smtp]\nurl = smtp://127.0.0.1:%d\nfrom = teken@kementerian.example\n" % smtp.port)
    # This test is about enrolment, not first logins: the forced password change (test_account.py) is off.
    f.write("\n[auth]\npassword_change_first_login = no\n")
teken("user", "add", "--dir", d, "--user", "admin", "--role", "admin", "--password-file", "-", input="admin-password-1\n")
# A second admin (first-run bootstrap) approves the Verifikator accounts the first one files (dual control).
teken("user", "add", "--dir", d, "--user", "admin2", "--role", "admin", "--password-file", "-", input="admin-password-2\n")
srv = Server(d)
db = os.path.join(d, "teken.db")


def counts():
    con = sqlite3.connect(db)
    out = [con.execute("SELECT COUNT(*) FROM %s" % t).fetchone()[0]
           for t in ("subscribers", "evidence", "subscriber_keys", "requests", "approvals", "certs")]
    con.close()
    return out


admin = Client(srv)
check(admin.login("admin", "admin-password-1").status == 200, "admin login")
admin2 = Client(srv)
check(admin2.login("admin2", "admin-password-2").status == 200, "second admin login")


def mkuser(user, role, pw):
    r = admin.request("POST", "/api/v1/users", {"user": user, "password": pw, "role": role, "display_name": user.title()})
    if role in ("admin", "verifikator"):
        check(r.status == 202, "staff account %s is a request: %s" % (user, r.body))
        r = admin2.request("POST", "/api/v1/account-requests/%d/approve" % r.json()["request_id"])
        check(r.status == 200 and r.json()["status"] == "approved", "second admin approves %s: %s" % (user, r.body))
    else:
        check(r.status == 201, "create %s: %s" % (user, r.body))
    c = Client(srv)
    check(c.login(user, pw).status == 200, "login " + user)
    return c


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c63f8cfc0f01f0005000101ff89993d1d0000000049454e44ae426082")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def enroll(client, data, files=None, csr=None):
    fields = {"data": json.dumps(data)}
    if csr is not None:
        fields["csr"] = csr
    body, ct = multipart(fields, files if files is not None else [("ktp", "ktp.png", PNG), ("sk", "sk.pdf", PDF)])
    return client.request("POST", "/api/v1/enrollments", body, ctype=ct, raw=True)


ident = {"nik": "3174011503800001", "nip": "198003152005011002", "full_name": "Budi Santoso",
         "email": "budi@kementerian.example", "phone": "+628111222333", "unit": "Biro Hukum",
         "position": "Analis Hukum", "passphrase": "rahasia-budi-2026"}

v1 = mkuser("verif.satu", "verifikator", "verifikator-pass-1")
sub = mkuser("budi", "subscriber", "budi-login-pass-1")

# R9: with one Verifikator nothing can be issued.
before = counts()
r = enroll(sub, ident)
check(r.status == 409 and r.error_code() == "verifikator_quorum", "quorum refusal: %s" % r.body)
check(counts() == before, "quorum refusal changed nothing")

v2 = mkuser("verif.dua", "verifikator", "verifikator-pass-2")

# Bad input: each a 4xx JSON error and no change.
before = counts()
bad_cases = [
    ("invalid NIK", dict(ident, nik="1234567890123456"), None, "invalid_nik"),
    ("short NIK", dict(ident, nik="317401"), None, "invalid_nik"),
    ("long NIK", dict(ident, nik="31740115038000011"), None, "invalid_field"),
    ("bad email", dict(ident, email="not-an-email"), None, "invalid_email"),
    ("weak passphrase", dict(ident, passphrase="short"), None, "weak_passphrase"),
    ("passphrase contains NIK", dict(ident, passphrase="x" + ident["nik"]), None, "weak_passphrase"),
    ("path traversal in file name", ident, [("ktp", "../../etc/passwd.png", PNG), ("sk", "sk.pdf", PDF)], "invalid_filename"),
    ("slash in file name", ident, [("ktp", "a/b.png", PNG), ("sk", "sk.pdf", PDF)], "invalid_filename"),
    ("evidence not PDF/PNG/JPEG", ident, [("ktp", "ktp.png", b"MZ\x90\x00 not an image"), ("sk", "sk.pdf", PDF)], "invalid_evidence"),
    ("missing decree", ident, [("ktp", "ktp.png", PNG)], "missing_evidence"),
    ("SQL metacharacters in name", dict(ident, full_name="x'); DROP TABLE subscribers; --\x01"), None, "invalid_name"),
]
for what, data, files, code in bad_cases:
    r = enroll(sub, data, files)
    check(400 <= r.status < 500 and r.error_code() == code, "%s: %d %s" % (what, r.status, r.body[:160]))
# The official's own key (CSR) must meet the key policy before anything is stored (RFC 5480 2.1.1).
no_pass = {k: v for k, v in ident.items() if k != "passphrase"}
for what, gen, msg in [
    ("explicit EC parameters", ["ecparam", "-name", "prime256v1", "-param_enc", "explicit", "-genkey"], "explicit EC parameters"),
    ("RSA-1024", ["genrsa", "1024"], "RSA modulus of 1024 bits"),
]:
    key = subprocess.run(["openssl", *gen], capture_output=True, check=True).stdout
    csr = subprocess.run(["openssl", "req", "-new", "-key", "/dev/stdin", "-subj", "/CN=Budi Santoso", "-outform", "PEM"],
                         input=key, capture_output=True, check=True).stdout
    r = enroll(sub, no_pass, None, csr=csr)
    check(r.status == 400 and r.error_code() == "key_not_allowed" and msg in r.json()["error"]["message"], "%s CSR refused: %d %s" % (what, r.status, r.body[:200]))
check(counts() == before, "refused CSRs changed nothing")
r = sub.request("POST", "/api/v1/enrollments", b"--x\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\n{}",
                ctype="multipart/form-data; boundary=x", raw=True)
check(r.status == 400 and r.error_code() == "malformed_multipart", "truncated multipart")
r = sub.request("POST", "/api/v1/enrollments", json.dumps(ident), ctype="application/json", raw=True)
check(r.status == 400 and r.error_code() == "unsupported_media_type", "JSON instead of multipart")
r = enroll(sub, ident, None, csr=b"-----BEGIN CERTIFICATE REQUEST-----")
check(r.status == 400 and r.error_code() == "key_mode", "passphrase and CSR together: %d %s" % (r.status, r.body[:160]))
# Sole control: staff enrol with identity and evidence only; the official activates after approval (test_sole_control.py).
r = enroll(v1, dict(ident, user="budi"), None)
check(r.status == 403 and r.error_code() == "sole_control", "Verifikator may not choose the official's passphrase: %s" % r.body)
check(counts() == before, "that refusal stored nothing")
ident_staff = {k: v for k, v in ident.items() if k != "passphrase"}
r = enroll(v1, dict(ident_staff, user="budi"), None)  # verifikator submits for budi: allowed (checked below)
check(r.status == 201, "Verifikator may enrol on behalf of an official, without a key")
on_behalf = r.json()["request_id"]
check(counts() != before, "that one did write")
# Self-approval: the submitter may not decide their own request.
r = v1.request("POST", "/api/v1/requests/%d/approve" % on_behalf)
check(r.status == 403 and r.error_code() == "self_approval", "self-approval refused: %s" % r.body)
r = v2.request("POST", "/api/v1/requests/%d/reject" % on_behalf, {"reason": "diajukan ulang oleh pemohon"})
check(r.status == 200 and r.json()["status"] == "rejected", "reject with reason")
check(v2.request("POST", "/api/v1/requests/%d/approve" % on_behalf).status == 409, "closed request cannot be decided again")

# After a rejection the official may enrol again (corrected data); while a request is open, not twice.
r = enroll(sub, dict(ident, position="Analis Hukum Ahli Muda"))
check(r.status == 201, "enrol again after a rejection: %s" % r.body)
r = enroll(sub, ident)
check(r.status == 409 and r.error_code() == "already_enrolled", "one open enrolment per person: %s" % r.body)

# A fresh official, the normal path.
sub2 = mkuser("sari", "subscriber", "sari-login-pass-1")
ident2 = dict(ident, nik="3273015507900004", nip="", full_name="Sari Dewi", email="sari@kementerian.example",
              passphrase="passphrase-sari-2026")
r = enroll(sub2, ident2)
check(r.status == 201, "enrol: %s" % r.body)
req = r.json()["request_id"]
q = v1.request("GET", "/api/v1/requests?status=pending").json()
check(any(x["id"] == req for x in q), "request in the Verifikator queue")
detail = v1.request("GET", "/api/v1/requests/%d" % req).json()
check(detail["subscriber"]["nik"] == ident2["nik"] and len(detail["subscriber"]["evidence"]) == 2, "Verifikator sees identity and evidence")
ev = detail["subscriber"]["evidence"][0]
r = v1.request("GET", "/api/v1/evidence/%d" % ev["id"])
check(r.status == 200 and r.body in (PNG, PDF), "evidence file round trip")
check(sub2.request("GET", "/api/v1/evidence/%d" % ev["id"]).status == 403, "subscriber cannot read evidence files")
con = sqlite3.connect(db)
raw = b"".join(row[0] or b"" for row in con.execute("SELECT nik FROM subscribers"))
blob = b"".join(row[0] or b"" for row in con.execute("SELECT blob FROM evidence"))
con.close()
check(ident2["nik"].encode() not in raw and PNG[8:40] not in blob, "NIK and evidence encrypted at rest")
with open(db, "rb") as f:
    check(ident2["nik"].encode() not in f.read(), "NIK nowhere in clear in the database file")

r = v1.request("POST", "/api/v1/requests/%d/approve" % req)
check(r.status == 200 and r.json()["status"] == "approved", "approve: %s" % r.body)
serial = r.json()["result"]["serial"]
pem = teken("ca", "show", "--dir", d, "--serial", serial).stdout
chain = teken("ca", "chain", "--dir", d).stdout
open(os.path.join(T, "leaf.pem"), "w").write(pem)
parts = chain.split("-----END CERTIFICATE-----")
open(os.path.join(T, "issuing.pem"), "w").write(parts[0] + "-----END CERTIFICATE-----\n")
open(os.path.join(T, "root.pem"), "w").write(parts[1].lstrip() + "-----END CERTIFICATE-----\n")
p = subprocess.run(["openssl", "verify", "-CAfile", os.path.join(T, "root.pem"), "-untrusted", os.path.join(T, "issuing.pem"),
                    os.path.join(T, "leaf.pem")], capture_output=True, text=True)
check(p.returncode == 0, "issued certificate verifies with openssl: %s" % p.stderr)
subj = subprocess.run(["openssl", "x509", "-noout", "-subject", "-in", os.path.join(T, "leaf.pem")], capture_output=True, text=True).stdout
check("CN = Sari Dewi" in subj and "OU = Biro Hukum" in subj and "O = Kementerian Uji" in subj, "subject from verified data: " + subj)
check(v2.request("POST", "/api/v1/requests/%d/approve" % req).status == 409, "approved request is closed")

# Passphrase: wrong passphrase looks the same with or without a key; wrong ones delay signing (no lock for good).
nokey = mkuser("tanpa.kunci", "subscriber", "tanpa-kunci-pass")
r_nokey = nokey.request("POST", "/api/v1/me/passphrase", {"old_passphrase": "salah-salah-1", "new_passphrase": "baru-baru-baru-1"})
r_wrong = sub2.request("POST", "/api/v1/me/passphrase", {"old_passphrase": "salah-salah-1", "new_passphrase": "baru-baru-baru-1"})
check(r_wrong.status == 401 and r_wrong.error_code() == "passphrase_invalid", "wrong passphrase: %s" % r_wrong.body)
check(r_nokey.status in (401, 404), "no key: %s" % r_nokey.body)
r = sub2.request("POST", "/api/v1/me/passphrase", {"old_passphrase": "passphrase-sari-2026", "new_passphrase": "passphrase-baru-2027"})
check(r.status == 200, "passphrase change with the old one: %s" % r.body)
for i in range(5):
    sub2.request("POST", "/api/v1/me/passphrase", {"old_passphrase": "salah-%d-xxxxxx" % i, "new_passphrase": "whatever-123456"})
r = sub2.request("POST", "/api/v1/me/passphrase", {"old_passphrase": "passphrase-baru-2027", "new_passphrase": "whatever-123456"})
check(r.status == 429 and r.error_code() == "too_many_attempts", "delayed after five wrong passphrases: %s" % r.body)

# Reset: new key on approval, old key destroyed and its certificate revoked.
r = sub2.request("POST", "/api/v1/me/reset", {"passphrase": "passphrase-reset-2027"})
check(r.status == 202, "reset request: %s" % r.body)
reset_req = r.json()["request_id"]
r = v2.request("POST", "/api/v1/requests/%d/approve" % reset_req)
check(r.status == 200 and r.json()["status"] == "approved", "reset approved: %s" % r.body)
new_serial = r.json()["result"]["serial"]
con = sqlite3.connect(db)
old_status = con.execute("SELECT status FROM certs WHERE serial = ?", (serial,)).fetchone()[0]
destroyed = con.execute("SELECT COUNT(*) FROM subscriber_keys WHERE cert_serial = ? AND status = 'destroyed' AND blob IS NULL", (serial,)).fetchone()[0]
con.close()
check(old_status == "revoked" and destroyed == 1 and new_serial != serial, "old key destroyed, old cert revoked")
r = sub2.request("POST", "/api/v1/me/passphrase", {"old_passphrase": "passphrase-reset-2027", "new_passphrase": "passphrase-final-2027"})
check(r.status == 200, "new key works with the new passphrase")

# Revocation: by a Verifikator needs two distinct Verifikators: the one who files it and one other.
r = v1.request("POST", "/api/v1/certificates/%s/revoke" % new_serial, {"reason": "affiliationChanged"})
check(r.status == 202, "Verifikator revocation is a request: %s" % r.body)
rev_req = r.json()["request_id"]
check(v1.request("POST", "/api/v1/requests/%d/approve" % rev_req).error_code() == "self_approval", "submitter cannot approve again")
r = admin.request("POST", "/api/v1/certificates/%s/revoke" % serial, {"reason": "superseded"})
check(r.status in (202, 409), "admin files revocations too")
adm_req = r.json().get("request_id") if r.status == 202 else None
if adm_req:
    # An admin is not a Verifikator: filing counts for nothing, two Verifikators must approve.
    check(v1.request("POST", "/api/v1/requests/%d/approve" % adm_req).json()["status"] == "pending", "admin-filed: first approval")
check(v2.request("POST", "/api/v1/requests/%d/approve" % rev_req).json()["status"] == "approved", "second distinct Verifikator revokes")
adm_v = mkuser("verif.tiga", "verifikator", "verifikator-pass-3")
# OCSP says revoked at once, without any refresh run.
open(os.path.join(T, "revoked.pem"), "w").write(teken("ca", "show", "--dir", d, "--serial", new_serial).stdout)
p = subprocess.run(["openssl", "ocsp", "-issuer", os.path.join(T, "issuing.pem"), "-cert", os.path.join(T, "revoked.pem"),
                    "-url", srv.base + "/ocsp", "-CAfile", os.path.join(T, "root.pem"), "-verify_other", os.path.join(T, "issuing.pem")],
                   capture_output=True, text=True)
check(": revoked" in p.stdout and "Response verify OK" in p.stderr + p.stdout, "OCSP revoked after the decision: %s %s" % (p.stdout, p.stderr))
# The published CRL already lists it: no `teken ca crl` run needed.
open(os.path.join(T, "crl.der"), "wb").write(Client(srv).request("GET", "/crl/issuing.crl").body)
txt = subprocess.run(["openssl", "crl", "-inform", "DER", "-in", os.path.join(T, "crl.der"), "-noout", "-text"], capture_output=True, text=True).stdout
check(new_serial.upper() in txt.upper(), "revoked serial in the published CRL at once")

# Seal certificate: two distinct approvals.
r = admin.request("POST", "/api/v1/seals", {"common_name": "Segel Biro Hukum", "unit": "Biro Hukum"})
check(r.status == 202, "seal request: %s" % r.body)
seal_req = r.json()["request_id"]
check(v1.request("POST", "/api/v1/requests/%d/approve" % seal_req).json()["status"] == "pending", "seal: first approval")
r = v2.request("POST", "/api/v1/requests/%d/approve" % seal_req)
check(r.json()["status"] == "approved" and "serial" in r.json()["result"], "seal: second approval issues")
seal_key = r.json()["result"]["key_name"]
out = teken("sign", "--dir", d, "--in", os.path.join(os.environ.get("TEKEN_SRC", "."), "tests", "data", "pdf", "gs-pdf13.pdf"),
            "--out", os.path.join(T, "unitseal.pdf"), "--seal-key", seal_key)
ps = subprocess.run(["pdfsig", "-no-ocsp", os.path.join(T, "unitseal.pdf")], capture_output=True, text=True).stdout
check("Segel Biro Hukum" in ps and "Signature is Valid" in ps, "documents sign with the new unit seal: " + ps)

# Subscriber self-revocation takes effect at once; only for their own certificate.
sub3 = mkuser("rina", "subscriber", "rina-login-pass-1")
r = enroll(sub3, dict(ident, nik="5171014101950005", full_name="Rina Putri", email="rina@kementerian.example", passphrase="rina-passphrase-26"))
rid = r.json()["request_id"]
rina_serial = v1.request("POST", "/api/v1/requests/%d/approve" % rid).json()["result"]["serial"]
check(sub3.request("POST", "/api/v1/certificates/%s/revoke" % serial, {"reason": "keyCompromise"}).status in (403, 409), "not someone else's")
r = sub3.request("POST", "/api/v1/certificates/%s/revoke" % rina_serial, {"reason": "keyCompromise"})
check(r.status == 200 and r.json()["status"] == "revoked", "self-revocation at once: %s" % r.body)

# Personal data: export and erasure.
r = sub3.request("GET", "/api/v1/me/data")
check(r.status == 200 and r.json()["nik"] == "5171014101950005" and r.json()["certificates"], "export own data")
sid = r.json()["id"]
# Erasure by an admin is a request: two Verifikators approve it (dual control), then it is carried out.
r = admin.request("POST", "/api/v1/subscribers/%d/erase" % sid)
check(r.status == 202 and r.json()["status"] == "pending", "erasure filed: %s" % r.body)
erase_req = r.json()["request_id"]
check(sub3.request("GET", "/api/v1/me").status == 200, "nothing erased while pending")
check(v1.request("POST", "/api/v1/requests/%d/approve" % erase_req).json()["status"] == "pending", "erase: first approval")
check(v2.request("POST", "/api/v1/requests/%d/approve" % erase_req).json()["status"] == "approved", "erase: second approval erases")
con = sqlite3.connect(db)
row = con.execute("SELECT nik, email, full_name, status FROM subscribers WHERE id = ?", (sid,)).fetchone()
kept = con.execute("SELECT COUNT(*) FROM certs WHERE serial = ?", (rina_serial,)).fetchone()[0]
con.close()
check(row[0] is None and row[1] is None and row[2] == "[dihapus]" and row[3] == "erased", "PII replaced by a tombstone")
check(kept == 1, "certificate record kept after erasure")
check(sub3.request("GET", "/api/v1/me").status == 401, "the erased official's session ended")
check(Client(srv).login("rina", "rina-login-pass-1").status == 401, "the erased official's account is closed")

# Notifications: with starttls = required a server without STARTTLS gets nothing (mail stays queued).
conf = os.path.join(d, "teken.conf")
orig_conf = open(conf).read()
sent_before = len(smtp.messages)
for value, want_out in (("required", "sent 0"), ("sometimes", "")):
    open(conf, "w").write(orig_conf.replace("from = teken@kementerian.example\n", "from = teken@kementerian.example\nstarttls = %s\n" % value))
    p = subprocess.run([os.environ["TEKEN_BIN"], "notify", "send", "--dir", d], capture_output=True, text=True)
    check(p.returncode != 0 and want_out in p.stdout, "notify send with starttls = %s: %s %s" % (value, p.stdout, p.stderr))
check("starttls" in p.stderr and len(p.stderr.strip().splitlines()) == 1, "bad starttls value: one-line error: %r" % p.stderr)
open(conf, "w").write(orig_conf)
con = sqlite3.connect(db)
held = con.execute("SELECT COUNT(*) FROM outbox WHERE status = 'queued' AND last_error IS NOT NULL").fetchone()[0]
con.close()
check(len(smtp.messages) == sent_before and held > 0, "no plaintext delivery when STARTTLS is required (%d held)" % held)

# Notifications: deliver the outbox through the SMTP sink.
p = subprocess.run([os.environ["TEKEN_BIN"], "notify", "send", "--dir", d], capture_output=True, text=True)
check(p.returncode == 0 and "sent" in p.stdout, "notify send: %s %s" % (p.stdout, p.stderr))
check(any("sari@kementerian.example" in m["rcpt"][0] for m in smtp.messages), "mail delivered to the official")
check(any("diterbitkan" in m["data"] for m in smtp.messages), "Indonesian text in the mail")

# Every state change is in the audit chain, which is intact; secrets are not.
srv.stop()
check("intact" in teken("audit", "verify", "--dir", d).stdout, "audit chain intact")
con = sqlite3.connect(db)
alltext = " ".join(r[0] + r[1] for r in con.execute("SELECT details, object FROM audit"))
actions = {r[0] for r in con.execute("SELECT action FROM audit")}
con.close()
for secret in ("passphrase-sari-2026", "budi-login-pass-1", ident2["nik"]):
    check(secret not in alltext, "no secret or NIK in the audit log")
for a in ("request.issue", "request.approve", "request.reject", "cert.issue", "cert.revoke", "key.destroy", "pii.read", "subscriber.erase"):
    check(a in actions, "audit has " + a)
log = open(os.path.join(d, "serve.log")).read()
check("passphrase-sari-2026" not in log and "budi-login-pass-1" not in log, "no secret in the server log")
finish("test_ra.py")
