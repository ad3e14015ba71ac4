#!/usr/bin/env python3
"""Personal data and dual control in the RA (R9, R16, UU 27/2022), against a real `teken serve`.

Auditors see pseudonymised records unless Verifikators approved their
PII-access request for one official, for a limited time; admins see names
but no sealed field; erasure and an admin's revocation need Verifikators.
On SQLite by default; test_pii_access_pg.sh runs it on PostgreSQL
(TEKEN_TEST_STORE = the cluster URL).
"""
import json
import os
import re
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, check, finish, multipart, teken, tmpdir  # noqa: E402

T = tmpdir()
d = os.path.join(T, "inst")
STORE = os.environ.get("TEKEN_TEST_STORE")
teken("init", "--dir", d, "--demo", "--key-alg", "ec-p256", *(["--store", STORE] if STORE else []))
demo = json.load(open(os.path.join(d, "demo.json")))
with open(os.path.join(d, "teken.conf"), "a") as f:
    f.write("\n[ra]\npii_access_hours = 1\n")
srv = Server(d)
db = os.path.join(d, "teken.db")
SUB = demo["subscriber"]
NIK = SUB["nik"]
# What the demo enrols for its official (src/svc/base/instance.c).
NIP, EMAIL, PHONE, NAME = "198508172010012003", "siti.rahmawati@kementerian.example", "+6281234567890", "Siti Rahmawati"
IDENTIFIERS = (NIK, NIP, EMAIL, PHONE, NAME, SUB["user"], "ktp-demo.png")


def login(user, password):
    c = Client(srv)
    r = c.login(user, password)
    check(r.status == 200, "login %s: %s" % (user, r.body))
    return c


def sql(q, *args):
    """Rows of a query as tuples of text (NULL as ""), the same on SQLite and PostgreSQL."""
    if STORE:
        lit = [str(a) if isinstance(a, int) else "'" + str(a).replace("'", "''") + "'" for a in args]
        q = re.sub(r"\?", lambda m: lit.pop(0), q)
        out = subprocess.run(["psql", "-X", "-q", "-tA", "-F", "\x1f", STORE, "-c", q], capture_output=True, text=True, check=True).stdout
        return [tuple(line.split("\x1f")) for line in out.splitlines() if line != ""]
    con = sqlite3.connect(db)
    rows = con.execute(q, args).fetchall()
    con.commit()
    con.close()
    return [tuple("" if v is None else str(v) for v in row) for row in rows]


def one(q, *args):
    return sql(q, *args)[0][0]


def state():
    """Everything a refusal must leave alone."""
    out = [one("SELECT COUNT(*) FROM %s" % t) for t in ("requests", "approvals", "audit", "users", "evidence")]
    out.append(sql("SELECT id, status, CASE WHEN nik IS NULL THEN 0 ELSE 1 END, full_name FROM subscribers ORDER BY id"))
    out.append(sql("SELECT serial, status FROM certs ORDER BY serial"))
    out.append(sql("SELECT id, status, result FROM requests ORDER BY id"))
    out.append(sql("SELECT id, status FROM subscriber_keys ORDER BY id"))
    return out


def no_identifiers(body, what, extra=()):
    text = body.decode() if isinstance(body, bytes) else body
    for x in IDENTIFIERS + tuple(extra):
        check(x not in text, "%s: %r must not appear" % (what, x))


admin = login(demo["admin"]["user"], demo["admin"]["password"])
v1 = login(demo["verifikators"][0]["user"], demo["verifikators"][0]["password"])
v2 = login(demo["verifikators"][1]["user"], demo["verifikators"][1]["password"])
aud = login(demo["auditor"]["user"], demo["auditor"]["password"])
sub = login(SUB["user"], SUB["password"])

# nik_in_certificate defaults to no: the demo official's certificate carries no NIK.
mine = sub.request("GET", "/api/v1/me/certificates").json()
check(len(mine) == 1 and mine[0]["status"] == "valid", "demo certificate: %r" % mine)
serial = mine[0]["serial"]
pem = sub.request("GET", "/api/v1/certificates/" + serial).body.decode()
subj = subprocess.run(["openssl", "x509", "-noout", "-subject", "-nameopt", "RFC2253"], input=pem, capture_output=True, text=True).stdout
check(NAME in subj and NIK not in subj and "IDCID" not in subj and "serialNumber" not in subj, "no NIK in the subject: " + subj)
check(NIK not in mine[0]["subject"], "no NIK in the stored subject")

# The demo official's enrolment request, as the Verifikators see it (full, with evidence).
reqs = v1.request("GET", "/api/v1/requests").json()
issue = [r for r in reqs if r["kind"] == "issue" and r["payload"].get("user") == SUB["user"]]
check(len(issue) == 1, "demo enrolment request found")
issue_id = issue[0]["id"]
full = v1.request("GET", "/api/v1/requests/%d" % issue_id).json()
check(full["subscriber"]["nik"] == NIK and full["subscriber"]["email"] == EMAIL and full["subscriber"]["view"] == "full",
      "Verifikator sees the full record")
ev_id = full["subscriber"]["evidence"][0]["id"]
sid = full["subscriber"]["id"]
pseudonym = full["subscriber"]["pseudonym"]
check(re.fullmatch(r"[0-9a-f]{12}", pseudonym) is not None, "pseudonym is 12 hex: %r" % pseudonym)
r = v1.request("GET", "/api/v1/evidence/%d" % ev_id)
check(r.status == 200 and r.body[:4] == b"\x89PNG", "Verifikator downloads evidence")

# ---- 1. An auditor reads pseudonymised records only; nothing is written by looking.
before = state()
r = aud.request("GET", "/api/v1/requests/%d" % issue_id)
check(r.status == 200, "auditor reads the request: %s" % r.body[:200])
no_identifiers(r.body, "auditor's request view")
j = r.json()
s = j["subscriber"]
check(s["pseudonym"] == pseudonym and s["unit"] == "Sekretariat Jenderal" and s["position"] == "Kepala Biro Umum"
      and s["status"] == "active" and s["view"] == "pseudonymised" and isinstance(s["created_at"], int), "pseudonymised record: %r" % s)
for k in ("nik", "nip", "email", "phone", "full_name", "user", "evidence", "id"):
    check(k not in s, "auditor's view has no %s" % k)
check("subscriber_id" not in j and "user" not in j["payload"] and j["subscriber_pseudonym"] == pseudonym, "request row pseudonymised")
check(j["status"] == "approved" and j["decisions"], "status and decisions stay visible")
r = aud.request("GET", "/api/v1/requests")
check(r.status == 200, "auditor lists requests")
no_identifiers(r.body, "auditor's request list")
check(any(x.get("subscriber_pseudonym") == pseudonym for x in r.json()), "list rows carry the pseudonym")
r = aud.request("GET", "/api/v1/subscribers")
check(r.status == 200 and any(x["pseudonym"] == pseudonym for x in r.json()), "auditor lists pseudonymised holders")
no_identifiers(r.body, "auditor's subscriber list")
for path in ("/api/v1/evidence/%d" % ev_id, "/api/v1/evidence/999999"):
    r = aud.request("GET", path)
    check(r.status == 403 and r.error_code() == "pii_access_required" and r.headers["content-type"].startswith("application/json"),
          "auditor's evidence download refused as JSON, file or not: %d %s" % (r.status, r.body[:120]))
    no_identifiers(r.body, "evidence refusal")
check(v1.request("GET", "/api/v1/evidence/999999").status == 404, "a Verifikator learns that a file does not exist")
check(state() == before, "pseudonymised reads and refusals wrote nothing")

# Admins see names (they manage accounts), no sealed field and no evidence file.
r = admin.request("GET", "/api/v1/requests/%d" % issue_id)
s = r.json()["subscriber"]
check(r.status == 200 and s["full_name"] == NAME and s["user"] == SUB["user"] and s["view"] == "names", "admin sees names: %r" % s)
for x in (NIK, NIP, EMAIL, PHONE, "ktp-demo.png"):
    check(x not in r.body.decode(), "admin's view has no %r" % x)
r = admin.request("GET", "/api/v1/evidence/%d" % ev_id)
check(r.status == 403 and r.error_code() == "pii_access_required", "admin's evidence download refused")

# ---- 2. A PII-access request: bad ones are refused and change nothing.
before = state()
for who, body, status, code in [
    (aud, {"pseudonym": pseudonym, "reason": "kurang"}, 400, "invalid_reason"),
    (aud, {"pseudonym": "000000000000", "reason": "Pemeriksaan pengaduan no. 12/2026"}, 404, "unknown_subscriber"),
    (aud, {"pseudonym": "ZZZ", "reason": "Pemeriksaan pengaduan no. 12/2026"}, 400, "invalid_pseudonym"),
    (aud, {"pseudonym": pseudonym, "subscriber_id": sid, "reason": "Pemeriksaan pengaduan no. 12/2026"}, 400, "missing_field"),
    (aud, {"reason": "Pemeriksaan pengaduan no. 12/2026"}, 400, "missing_field"),
    (v1, {"pseudonym": pseudonym, "reason": "Pemeriksaan pengaduan no. 12/2026"}, 403, "forbidden"),
    (sub, {"pseudonym": pseudonym, "reason": "Pemeriksaan pengaduan no. 12/2026"}, 403, "forbidden"),
]:
    r = who.request("POST", "/api/v1/pii-access", body)
    check(r.status == status and r.error_code() == code, "refused PII-access request %r: %d %s" % (body, r.status, r.body[:160]))
check(state() == before, "refused PII-access requests changed nothing")

r = aud.request("POST", "/api/v1/pii-access", {"pseudonym": pseudonym, "reason": "Pemeriksaan pengaduan no. 12/2026"})
check(r.status == 202 and r.json()["status"] == "pending", "auditor files a PII-access request: %s" % r.body)
grant_id = r.json()["request_id"]
r = aud.request("POST", "/api/v1/pii-access", {"pseudonym": pseudonym, "reason": "Pemeriksaan pengaduan no. 12/2026"})
check(r.status == 409 and r.error_code() == "request_pending", "one pending PII-access request per official")
g = v1.request("GET", "/api/v1/requests/%d" % grant_id).json()
check(g["kind"] == "pii_access" and g["required_approvals"] == 2 and g["payload"]["hours"] == 1 and not g["decisions"],
      "two Verifikator approvals, the hours fixed at filing: %r" % g)
check(aud.request("POST", "/api/v1/requests/%d/approve" % grant_id).status == 403, "the auditor cannot approve")
r = v1.request("POST", "/api/v1/requests/%d/approve" % grant_id)
check(r.status == 200 and r.json()["status"] == "pending", "first approval: still pending")
check(NIK.encode() not in aud.request("GET", "/api/v1/requests/%d" % issue_id).body, "no NIK after one approval")
t0 = int(time.time())
r = v2.request("POST", "/api/v1/requests/%d/approve" % grant_id)
check(r.status == 200 and r.json()["status"] == "approved", "second approval grants: %s" % r.body[:200])
exp = r.json()["result"]["expires_at"]
check(t0 + 3600 - 5 <= exp <= t0 + 3600 + 5, "grant runs [ra] pii_access_hours = 1: %d" % (exp - t0))

# The auditor now sees that official in full (logged), and their evidence.
n_reads = int(one("SELECT COUNT(*) FROM audit WHERE action = 'pii.read'"))
r = aud.request("GET", "/api/v1/requests/%d" % issue_id)
s = r.json()["subscriber"]
check(s["nik"] == NIK and s["email"] == EMAIL and s["phone"] == PHONE and s["full_name"] == NAME and s["view"] == "full",
      "granted: full record: %r" % s)
r = aud.request("GET", "/api/v1/evidence/%d" % ev_id)
check(r.status == 200 and r.body[:4] == b"\x89PNG", "granted: evidence download")
reads = sql("SELECT actor, details FROM audit WHERE action = 'pii.read' ORDER BY seq DESC LIMIT 2")
check(int(one("SELECT COUNT(*) FROM audit WHERE action = 'pii.read'")) == n_reads + 2, "both looks logged")
check(all(a == demo["auditor"]["user"] and json.loads(dd)["basis"] == "grant" and json.loads(dd)["grant"] == grant_id for a, dd in reads),
      "logged with the grant as basis: %r" % reads)
check(one("SELECT COUNT(*) FROM audit WHERE action = 'pii.grant' AND object = ?", str(sid)) == "1", "grant in the audit log")

# Only that official: a second one stays pseudonymised.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c63f8cfc0f01f0005000101ff89993d1d0000000049454e44ae426082")
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
RINA_NIK, RINA_EMAIL = "5171014101950005", "rina@kementerian.example"
check(admin.request("POST", "/api/v1/users", {"user": "rina", "password": "rina-login-pass-1", "role": "subscriber",
                                               "display_name": "Rina Putri"}).status == 201, "second official's account")
rina = login("rina", "rina-login-pass-1")
rina_data = {"data": json.dumps({"nik": RINA_NIK, "full_name": "Rina Putri", "email": RINA_EMAIL, "unit": "Biro Hukum",
                                 "position": "Analis Hukum", "passphrase": "rina-passphrase-26"})}
before = state()
body, ct = multipart(rina_data, [("ktp", "ktp-%s.png" % RINA_NIK, b"MZ\x90\x00 not an image"), ("sk", "sk.pdf", PDF)])
r = rina.request("POST", "/api/v1/enrollments", body, ctype=ct, raw=True)
check(r.status == 400 and r.error_code() == "invalid_evidence" and RINA_NIK.encode() not in r.body, "evidence error names no file: %s" % r.body)
check(state() == before, "refused enrolment changed nothing")
body, ct = multipart(rina_data, [("ktp", "ktp.png", PNG), ("sk", "sk.pdf", PDF)])
r = rina.request("POST", "/api/v1/enrollments", body, ctype=ct, raw=True)
check(r.status == 201, "second official enrols: %s" % r.body)
rina_req = r.json()["request_id"]
r = v1.request("POST", "/api/v1/requests/%d/approve" % rina_req)
check(r.status == 200 and r.json()["status"] == "approved", "second official's certificate issued")
rina_serial = r.json()["result"]["serial"]
rina_sid = r.json()["subscriber"]["id"]
rina_ev = r.json()["subscriber"]["evidence"][0]["id"]
r = aud.request("GET", "/api/v1/requests/%d" % rina_req)
check(r.status == 200 and r.json()["subscriber"]["view"] == "pseudonymised", "the grant covers one official only")
no_identifiers(r.body, "other official under a grant", (RINA_NIK, RINA_EMAIL, "Rina Putri", "rina"))
check(aud.request("GET", "/api/v1/evidence/%d" % rina_ev).error_code() == "pii_access_required", "other official's evidence refused")

# ... and until it expires (the stored expiry moved into the past stands for the hour passing).
res = json.loads(one("SELECT result FROM requests WHERE id = ?", grant_id))
res["expires_at"] = int(time.time()) - 1
sql("UPDATE requests SET result = ? WHERE id = ? RETURNING id", json.dumps(res), grant_id)
before = state()
r = aud.request("GET", "/api/v1/requests/%d" % issue_id)
check(r.status == 200 and r.json()["subscriber"]["view"] == "pseudonymised", "expired grant: pseudonymised again")
no_identifiers(r.body, "auditor after expiry")
check(aud.request("GET", "/api/v1/evidence/%d" % ev_id).error_code() == "pii_access_required", "expired grant: evidence refused")
check(state() == before, "reads after expiry wrote nothing")

# ---- 3. Erasure by an admin is a request; nothing happens until two Verifikators approve.
before = state()
check(sub.request("POST", "/api/v1/subscribers/%d/erase" % rina_sid).status == 403, "an official cannot erase someone else")
check(aud.request("POST", "/api/v1/subscribers/%d/erase" % rina_sid).status == 403, "an auditor cannot file erasures")
r = admin.request("POST", "/api/v1/subscribers/999999/erase")
check(r.status == 404 and r.error_code() == "unknown_subscriber", "unknown subscriber: %s" % r.body)
check(state() == before, "refused erasures changed nothing")
r = admin.request("POST", "/api/v1/subscribers/%d/erase" % rina_sid)
check(r.status == 202 and r.json()["status"] == "pending", "admin erasure is a request: %d %s" % (r.status, r.body))
erase_id = r.json()["request_id"]
check(admin.request("POST", "/api/v1/subscribers/%d/erase" % rina_sid).error_code() == "request_pending", "one pending erasure")
row = sql("SELECT status, CASE WHEN nik IS NULL THEN 0 ELSE 1 END, full_name FROM subscribers WHERE id = ?", rina_sid)[0]
check(row == ("active", "1", "Rina Putri"), "still present while pending: %r" % (row,))
check(one("SELECT status FROM certs WHERE serial = ?", rina_serial) == "valid", "certificate still valid while pending")
check(rina.request("GET", "/api/v1/me").status == 200, "the official is still logged in")
check(admin.request("POST", "/api/v1/requests/%d/approve" % erase_id).status == 403, "the admin cannot approve")
r = v1.request("POST", "/api/v1/requests/%d/approve" % erase_id)
check(r.status == 200 and r.json()["status"] == "pending" and r.json()["required_approvals"] == 2, "first approval: pending")
check(one("SELECT status FROM certs WHERE serial = ?", rina_serial) == "valid", "still valid after one approval")
r = v2.request("POST", "/api/v1/requests/%d/approve" % erase_id)
check(r.status == 200 and r.json()["status"] == "approved" and rina_serial in r.json()["result"]["revoked"], "erased: %s" % r.body[:300])
row = sql("SELECT status, CASE WHEN nik IS NULL AND email IS NULL THEN 'gone' ELSE 'kept' END, full_name FROM subscribers WHERE id = ?", rina_sid)[0]
check(row == ("erased", "gone", "[dihapus]"), "tombstone: %r" % (row,))
check(one("SELECT status FROM certs WHERE serial = ?", rina_serial) == "revoked", "certificate revoked on approval")
check(rina.request("GET", "/api/v1/me").status == 401, "the erased official's session ended")

# An official asks for their own erasure: also a request; an unenrolled account gets no identifier back.
check(admin.request("POST", "/api/v1/users", {"user": "tanpa.data@kementerian.example", "password": "tanpa-data-pass-1",
                                               "role": "subscriber", "display_name": "Tanpa Data"}).status == 201, "unenrolled account")
nodata = login("tanpa.data@kementerian.example", "tanpa-data-pass-1")
for path, method in (("/api/v1/me/erase", "POST"), ("/api/v1/me/data", "GET"), ("/api/v1/me/certificates", "GET")):
    r = nodata.request(method, path)
    check(r.status == 404 and r.error_code() == "not_enrolled" and b"tanpa.data" not in r.body, "%s: no e-mail-like name in the error: %s" % (path, r.body))

# ---- 4. Revocation and suspension filed by an admin need every Verifikator approval.
r = admin.request("POST", "/api/v1/certificates/%s/hold" % serial)
check(r.status == 202, "admin files a suspension: %s" % r.body)
hold_id = r.json()["request_id"]
h = v1.request("GET", "/api/v1/requests/%d" % hold_id).json()
check(h["decisions"] == [] and h["required_approvals"] == 1, "an admin's filing is no approval: %r" % h["decisions"])
check(v2.request("POST", "/api/v1/requests/%d/reject" % hold_id, {"reason": "tidak perlu ditangguhkan"}).json()["status"] == "rejected",
      "rejected")
r = admin.request("POST", "/api/v1/certificates/%s/revoke" % serial, {"reason": "affiliationChanged"})
check(r.status == 202 and r.json()["status"] == "pending", "admin revocation is a request: %s" % r.body)
rev_id = r.json()["request_id"]
h = v1.request("GET", "/api/v1/requests/%d" % rev_id).json()
check(h["decisions"] == [] and h["required_approvals"] == 2, "two Verifikator approvals needed: %r" % h)
r = v1.request("POST", "/api/v1/requests/%d/approve" % rev_id)
check(r.json()["status"] == "pending", "one Verifikator is not enough")
check(one("SELECT status FROM certs WHERE serial = ?", serial) == "valid", "still valid after one approval")
r = v2.request("POST", "/api/v1/requests/%d/approve" % rev_id)
check(r.json()["status"] == "approved", "second Verifikator revokes")
check(one("SELECT status FROM certs WHERE serial = ?", serial) == "revoked", "revoked after two approvals")

# The official's own erasure request after that: pending, nothing erased yet.
r = sub.request("POST", "/api/v1/me/erase")
check(r.status == 202, "an official asks for their own erasure: %s" % r.body)
own = v1.request("GET", "/api/v1/requests/%d" % r.json()["request_id"]).json()
check(own["kind"] == "erase" and own["payload"]["by"] == "subject" and own["required_approvals"] == 2, "own erasure request: %r" % own["payload"])
check(one("SELECT status FROM subscribers WHERE id = ?", sid) == "active", "own erasure pending: record kept")
check(sub.request("GET", "/api/v1/requests/%d" % own["id"]).json()["subscriber"]["nik"] == NIK, "the official sees their own record")

# ---- No identifier in the audit log, the server log or the audit chain's integrity.
srv.stop()
check("intact" in teken("audit", "verify", "--dir", d).stdout, "audit chain intact")
texts = " ".join((a or "") + " " + (b or "") for a, b in sql("SELECT object, details FROM audit"))
for x in (NIK, RINA_NIK, EMAIL, RINA_EMAIL, PHONE):
    check(x not in texts, "%r not in the audit log" % x)
log = open(os.path.join(d, "serve.log")).read()
for x in (NIK, RINA_NIK, EMAIL, RINA_EMAIL):
    check(x not in log, "%r not in the server log" % x)
actions = {a for (a,) in sql("SELECT DISTINCT action FROM audit")}
for a in ("request.pii_access", "pii.grant", "pii.read", "request.erase", "subscriber.erase"):
    check(a in actions, "audit has " + a)
finish("test_pii_access.py")
