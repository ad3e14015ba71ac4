#!/usr/bin/env python3
"""Sole control of signing keys (PKS art. 4(1)c, UU 27/2022) against a real `teken serve`.

Staff enrol an official with identity and evidence only; the official
activates their own key after approval (passphrase or own CSR), once.
"""
import base64
import json
import os
import sqlite3
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, check, finish, multipart, teken, tmpdir  # noqa: E402

SRC = os.environ.get("TEKEN_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
T = tmpdir()
d = os.path.join(T, "inst")
teken("init", "--dir", d, "--demo", "--key-alg", "ec-p256")
demo = json.load(open(os.path.join(d, "demo.json")))
srv = Server(d)
db = os.path.join(d, "teken.db")
pdf = open(os.path.join(SRC, "tests", "data", "pdf", "gs-pdf13.pdf"), "rb").read()

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c63f8cfc0f01f0005000101ff89993d1d0000000049454e44ae426082")
EVIDENCE = [("ktp", "ktp.png", PNG), ("sk", "sk.pdf", b"%PDF-1.4\n%%EOF\n")]


def path(name):
    return os.path.join(T, name)


def counts():
    con = sqlite3.connect(db)
    out = {t: con.execute("SELECT COUNT(*) FROM %s" % t).fetchone()[0]
           for t in ("subscribers", "evidence", "subscriber_keys", "requests", "certs", "audit")}
    con.close()
    return out


def sql(q, *args):
    con = sqlite3.connect(db)
    rows = con.execute(q, args).fetchall()
    con.close()
    return rows


def login(user, password):
    c = Client(srv)
    check(c.login(user, password).status == 200, "login " + user)
    return c


def enroll(client, data, csr=None):
    fields = {"data": json.dumps(data)}
    if csr is not None:
        fields["csr"] = csr
    body, ct = multipart(fields, EVIDENCE)
    return client.request("POST", "/api/v1/enrollments", body, ctype=ct, raw=True)


def activate_csr(client, csr):
    body, ct = multipart({}, [("csr", "req.pem", csr)])
    return client.request("POST", "/api/v1/me/activate", body, ctype=ct, raw=True)


def new_csr(name):
    key = path(name + ".key")
    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key], check=True, capture_output=True)
    csr = subprocess.run(["openssl", "req", "-new", "-key", key, "-subj", "/CN=" + name, "-outform", "PEM"],
                         capture_output=True, check=True).stdout
    pub = subprocess.run(["openssl", "pkey", "-in", key, "-pubout"], capture_output=True, check=True, text=True).stdout
    return csr, pub


def pdfsig(data):
    p = path("check.pdf")
    open(p, "wb").write(data)
    return subprocess.run(["pdfsig", "-no-ocsp", p], capture_output=True, text=True).stdout


admin = login(demo["admin"]["user"], demo["admin"]["password"])
v1 = login(demo["verifikators"][0]["user"], demo["verifikators"][0]["password"])
v2 = login(demo["verifikators"][1]["user"], demo["verifikators"][1]["password"])
for user in ("andi", "rudi", "citra", "dewi"):
    r = admin.request("POST", "/api/v1/users", {"user": user, "password": user + "-login-pass-1", "role": "subscriber", "display_name": user.title()})
    check(r.status == 201, "create %s: %s" % (user, r.body))
andi = login("andi", "andi-login-pass-1")
rudi = login("rudi", "rudi-login-pass-1")

# The demo itself went through activation: enrolled by the init operator without a key, activated by the official.
row = sql("SELECT payload, result FROM requests WHERE kind = 'issue' ORDER BY id LIMIT 1")[0]
check(json.loads(row[0])["key"] == "activation" and json.loads(row[1])["activation"] == "done", "demo official activated themself: %r" % (row,))

andi_id = {"user": "andi", "nik": "3578014405880002", "nip": "198805042010012001", "full_name": "Andi Wijaya",
           "email": "andi@kementerian.example", "unit": "Biro Umum", "position": "Kepala Subbagian"}

# 1. Staff choosing the official's passphrase or key pair: refused, nothing stored.
before = counts()
r = enroll(v1, dict(andi_id, passphrase="dipilih-verifikator-1"))
check(r.status == 403 and r.error_code() == "sole_control", "Verifikator with a passphrase: %d %s" % (r.status, r.body))
staff_csr, _ = new_csr("staff-made")
r = enroll(v1, andi_id, csr=staff_csr)
check(r.status == 403 and r.error_code() == "sole_control", "Verifikator with a CSR: %d %s" % (r.status, r.body))
r = enroll(admin, dict(andi_id, passphrase="dipilih-admin-2026"))
check(r.status == 403 and r.error_code() == "sole_control", "admin with a passphrase: %d %s" % (r.status, r.body))
after = counts()
check({k: after[k] for k in after if k != "audit"} == {k: before[k] for k in before if k != "audit"}, "refusals stored nothing: %r %r" % (before, after))
subs = v1.request("GET", "/api/v1/subscribers").json()
check(not any(s["user"] == "andi" for s in subs), "andi not in the subscriber list")

# 2. Identity and evidence only: filed, no key.
r = enroll(v1, andi_id)
check(r.status == 201, "Verifikator enrols with identity and evidence only: %s" % r.body)
req = r.json()["request_id"]
check(sql("SELECT key_id, payload FROM requests WHERE id = ?", req)[0][0] is None, "no key with the request")
check(json.loads(sql("SELECT payload FROM requests WHERE id = ?", req)[0][0])["key"] == "activation", "payload says activation")
check(andi.request("GET", "/api/v1/me").json()["activation"] == "none", "not pending before approval")
r = andi.request("POST", "/api/v1/me/activate", {"passphrase": "passphrase-andi-2026"})
check(r.status == 409 and r.error_code() == "not_approved", "no activation before approval: %d %s" % (r.status, r.body))

# 3. Approval: the filer may not decide; another Verifikator approves; no certificate yet.
check(v1.request("POST", "/api/v1/requests/%d/approve" % req).error_code() == "self_approval", "filer cannot approve")
certs_before = counts()["certs"]
mails = lambda: sql("SELECT COUNT(*) FROM outbox WHERE subject LIKE 'Aktivasi%'")[0][0]  # noqa: E731
mails_before = mails()
r = v2.request("POST", "/api/v1/requests/%d/approve" % req)
check(r.status == 200 and r.json()["status"] == "approved", "approved: %s" % r.body)
check(r.json()["result"] == {"activation": "pending"}, "approval issues nothing: %r" % r.json()["result"])
check(counts()["certs"] == certs_before, "no certificate before activation")
check(mails() == mails_before + 1, "the official is told by mail to activate")
me = andi.request("GET", "/api/v1/me").json()
check(me["activation"] == "pending", "GET /api/v1/me says activation pending: %r" % me)
check(andi.request("GET", "/api/v1/me/certificates").json() == [], "no certificate listed")
# An application of the official's unit asks (the demo application serves another unit, to which Andi is unknown).
umum_key = teken("apikey", "create", "--dir", d, "--name", "Aplikasi Biro Umum", "--units", "Biro Umum").stdout.strip()
basic = "Basic " + base64.b64encode(("esign-%s:%s" % (umum_key[3:19], umum_key[20:])).encode()).decode()
r = Client(srv).request("POST", "/api/v2/user/check/status", {"nik": andi_id["nik"]}, headers={"Authorization": basic})
check(r.json()["status"] == "NO_CERTIFICATE", "BSrE status while awaiting activation: %s" % r.body)
check(login(demo["subscriber"]["user"], demo["subscriber"]["password"]).request("GET", "/api/v1/me").json()["activation"] == "none",
      "an activated official has nothing pending")

# 4. Nobody else activates for andi.
check(v1.request("POST", "/api/v1/me/activate", {"passphrase": "dipilih-verifikator-1"}).status == 403, "a Verifikator cannot activate")
check(admin.request("POST", "/api/v1/me/activate", {"passphrase": "dipilih-admin-2026"}).status == 403, "an admin cannot activate")
app = Client(srv)
app.bearer = demo["application"]["api_key"]
check(app.request("POST", "/api/v1/me/activate", {"passphrase": "dipilih-aplikasi-1"}).status == 403, "an application cannot activate")
r = rudi.request("POST", "/api/v1/me/activate", {"passphrase": "passphrase-rudi-2026"})
check(r.status == 404 and r.error_code() == "not_enrolled", "another subscriber activates nothing: %d %s" % (r.status, r.body))
check(andi.request("GET", "/api/v1/me").json()["activation"] == "pending", "andi still pending after the others tried")
p = teken("activate", "--dir", d, "--as", "andi", "--password-file", "-", "--passphrase-file", path("nope"),
          input="andi-login-pass-1\n", check_rc=False)
check(p.returncode != 0, "CLI: unreadable passphrase file refused")
p = teken("activate", "--dir", d, "--as", "andi", "--password-file", "-", "--passphrase-file", "-", input="salah-password\nxxxxxxxxxxxx\n", check_rc=False)
check(p.returncode != 0 and "password is wrong" in p.stderr, "CLI: the official's password is needed: %s" % p.stderr)

# 5. Bad input: the same passphrase rules as at enrolment; nothing changes.
before = counts()
for what, body, code in [("short", {"passphrase": "pendek"}, "weak_passphrase"),
                         ("contains the NIK", {"passphrase": "x" + andi_id["nik"]}, "weak_passphrase"),
                         ("equals the user name", {"passphrase": "andi"}, "weak_passphrase"),
                         ("no passphrase", {}, "missing_field")]:
    r = andi.request("POST", "/api/v1/me/activate", body)
    check(r.status == 400 and r.error_code() == code, "%s: %d %s" % (what, r.status, r.body))
r = andi.request("POST", "/api/v1/me/activate", b"--x\r\nContent-Disposition: form-data; name=\"csr\"\r\n\r\nnot a CSR\r\n--x--\r\n",
                 ctype="multipart/form-data; boundary=x", raw=True)
check(400 <= r.status < 500, "garbage CSR refused: %d %s" % (r.status, r.body))
check(counts()["subscriber_keys"] == before["subscriber_keys"] and counts()["certs"] == before["certs"], "bad activations stored no key")

# 6. The official activates: key and certificate in one step.
r = andi.request("POST", "/api/v1/me/activate", {"passphrase": "passphrase-andi-2026"})
check(r.status == 201 and r.json()["status"] == "issued" and r.json()["key"] == "server", "activation: %d %s" % (r.status, r.body))
serial = r.json()["serial"]
check(r.json()["request_id"] == req, "the enrolment request is the one activated")
chain = teken("ca", "chain", "--dir", d).stdout
parts = chain.split("-----END CERTIFICATE-----")
open(path("issuing.pem"), "w").write(parts[0] + "-----END CERTIFICATE-----\n")
open(path("root.pem"), "w").write(parts[1].lstrip() + "-----END CERTIFICATE-----\n")


def verify_leaf(serial, name):
    open(path(name), "w").write(teken("ca", "show", "--dir", d, "--serial", serial).stdout)
    p = subprocess.run(["openssl", "verify", "-CAfile", path("root.pem"), "-untrusted", path("issuing.pem"), path(name)],
                       capture_output=True, text=True)
    check(p.returncode == 0, "%s verifies with openssl against teken ca chain: %s %s" % (name, p.stdout, p.stderr))


verify_leaf(serial, "andi.pem")
subj = subprocess.run(["openssl", "x509", "-noout", "-subject", "-in", path("andi.pem")], capture_output=True, text=True).stdout
check("CN = Andi Wijaya" in subj and "OU = Biro Umum" in subj, "subject from the verified identity: " + subj)
check(json.loads(sql("SELECT result FROM requests WHERE id = ?", req)[0][0])["serial"] == serial, "the request records the certificate")
check(sql("SELECT COUNT(*) FROM subscriber_keys WHERE cert_serial = ? AND status = 'active' AND blob IS NOT NULL", serial)[0][0] == 1,
      "server-held key sealed under the official's passphrase")
check(andi.request("GET", "/api/v1/me").json()["activation"] == "none", "nothing pending after activation")
mine = andi.request("GET", "/api/v1/me/certificates").json()
check(len(mine) == 1 and mine[0]["serial"] == serial and mine[0]["status"] == "valid", "certificate listed: %r" % mine)
r = Client(srv).request("POST", "/api/v2/user/check/status", {"nik": andi_id["nik"]}, headers={"Authorization": basic})
check(r.json()["status"] == "ISSUE", "BSrE status ISSUE after activation")

# 7. Once only.
r = andi.request("POST", "/api/v1/me/activate", {"passphrase": "passphrase-lain-2026"})
check(r.status == 409 and r.error_code() == "already_activated", "second activation: %d %s" % (r.status, r.body))
csr2, _ = new_csr("second")
r = activate_csr(andi, csr2)
check(r.status == 409 and r.error_code() == "already_activated", "second activation with a CSR: %d %s" % (r.status, r.body))
p = teken("activate", "--dir", d, "--as", "andi", "--password-file", "-", "--passphrase-file", "-",
          input="andi-login-pass-1\npassphrase-cli-2026\n", check_rc=False)
check(p.returncode != 0 and "activation happens once" in p.stderr and p.stderr.count("\n") == 1, "CLI: second activation refused: %r" % p.stderr)

# 8. The official signs with the passphrase only they know.
body, ct = multipart({"options": json.dumps({"passphrase": "passphrase-andi-2026"})}, [("file", "surat.pdf", pdf)])
r = andi.request("POST", "/api/v1/sign/pdf", body, ctype=ct, raw=True)
check(r.status == 200, "andi signs: %d %s" % (r.status, r.body[:200]))
ps = pdfsig(r.body)
check("Andi Wijaya" in ps and "Signature is Valid" in ps, "pdfsig: valid signature by andi: " + ps)

# 9. The official's own key: staff enrol, approve, the official activates with a CSR (HTTP).
citra = login("citra", "citra-login-pass-1")
r = enroll(admin, {"user": "citra", "nik": "3273015507900004", "full_name": "Citra Lestari", "email": "citra@kementerian.example",
                   "unit": "Biro Hukum", "position": "Analis Hukum"})
check(r.status == 201, "admin enrols citra: %s" % r.body)
creq = r.json()["request_id"]
check(v1.request("POST", "/api/v1/requests/%d/approve" % creq).json()["status"] == "approved", "citra approved")
csr, pub = new_csr("citra")
r = activate_csr(citra, csr)
check(r.status == 201 and r.json()["key"] == "csr", "activation with own CSR: %d %s" % (r.status, r.body))
verify_leaf(r.json()["serial"], "citra.pem")
certpub = subprocess.run(["openssl", "x509", "-noout", "-pubkey", "-in", path("citra.pem")], capture_output=True, text=True).stdout
check(certpub == pub, "certificate holds the official's own public key")
check(sql("SELECT COUNT(*) FROM subscriber_keys WHERE cert_serial = ? AND blob IS NULL", r.json()["serial"])[0][0] == 1, "no private key on the server")

# 10. Self-enrolment keeps both key choices and may also leave the key for later; CLI activation.
dewi = login("dewi", "dewi-login-pass-1")
dewi_id = {"nik": "5171014101950005", "full_name": "Dewi Anggraini", "email": "dewi@kementerian.example",
           "unit": "Biro Keuangan", "position": "Bendahara"}
csr_d, _ = new_csr("dewi")
r = enroll(dewi, dict(dewi_id, passphrase="passphrase-dewi-2026"), csr=csr_d)
check(r.status == 400 and r.error_code() == "key_mode", "passphrase and CSR together: %d %s" % (r.status, r.body))
r = enroll(dewi, dewi_id)
check(r.status == 201, "an official may enrol without a key and activate later: %s" % r.body)
dreq = r.json()["request_id"]
check(v2.request("POST", "/api/v1/requests/%d/approve" % dreq).json()["status"] == "approved", "dewi approved")
open(path("dewi.pass"), "w").write("dewi-login-pass-1\n")
open(path("dewi.pp"), "w").write("passphrase-dewi-2026\n")
p = teken("activate", "--dir", d, "--as", "dewi", "--password-file", path("dewi.pass"), "--passphrase-file", path("dewi.pp"))
out = json.loads(p.stdout)
check(out["request_id"] == dreq and out["key"] == "server", "CLI activation: %s" % p.stdout)
verify_leaf(out["serial"], "dewi.pem")
teken("sign", "--dir", d, "--in", os.path.join(SRC, "tests", "data", "pdf", "gs-pdf13.pdf"), "--out", path("dewi.pdf"),
      "--subscriber", "dewi", "--passphrase-file", path("dewi.pp"))
check("Dewi Anggraini" in pdfsig(open(path("dewi.pdf"), "rb").read()) and "Signature is Valid" in pdfsig(open(path("dewi.pdf"), "rb").read()),
      "dewi signs on the console")

# 11. Audit: every activation recorded, chain intact, no secret anywhere.
srv.stop()
check("intact" in teken("audit", "verify", "--dir", d).stdout, "audit chain intact")
acts = sql("SELECT details FROM audit WHERE action = 'key.activate'")
check(len(acts) == 4, "four activations audited (demo, andi, citra, dewi): %d" % len(acts))
alltext = " ".join((r[0] or "") + (r[1] or "") for r in sql("SELECT details, object FROM audit"))
log = open(os.path.join(d, "serve.log")).read()
for secret in ("passphrase-andi-2026", "passphrase-dewi-2026", "dipilih-verifikator-1", "andi-login-pass-1"):
    check(secret not in alltext and secret not in log, "no secret in the audit log or server log")
finish("test_sole_control.py")
