#!/usr/bin/env python3
"""The official's own page (issue 14): login-password change, the forced change of a
password someone else chose, the history of signed documents against the registry,
and the re-download of web-signed files until [sign] keep_days (test clock, purge job).
Oracles: the registry and audit rows read with SQL (sqlite3 / psql), pdfsig on the
re-downloaded file, hashlib for its SHA-256."""
import hashlib
import json
import os
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, check, finish, multipart, store_sql, teken, tmpdir, write_clock  # noqa: E402

SRC = os.environ.get("TEKEN_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
STORE = os.environ.get("TEKEN_TEST_STORE")
T = tmpdir()
d = os.path.join(T, "inst")
db = os.path.join(d, "teken.db")
clock = os.path.join(T, "clock")
T0 = int(time.time())
write_clock(clock, T0)
os.environ["TEKEN_TEST_CLOCK_FILE"] = clock

init = ["init", "--dir", d, "--demo", "--key-alg", "ec-p256"]
if STORE:
    init += ["--store", STORE]
teken(*init)
demo = json.load(open(os.path.join(d, "demo.json")))
conf = open(os.path.join(d, "teken.conf")).read()
check("password_change_first_login = no" in conf, "teken init --demo turns the forced change off (demo logins are published)")
with open(os.path.join(d, "teken.conf"), "a") as f:
    f.write("\n[auth]\npassword_change_first_login = yes\n\n[sign]\nkeep_days = 3\n")


def sql(q, *args):
    return store_sql(db, STORE, q, *args)


def audit_rows(action):
    return sql("SELECT actor, object, details FROM audit WHERE action = ? ORDER BY seq", action)


srv = Server(d)
admin = Client(srv)
check(admin.login(demo["admin"]["user"], demo["admin"]["password"]).status == 200, "admin login")
r = admin.request("GET", "/api/v1/me")
check(r.status == 200 and r.json()["password_change_required"] is False, "the demo admin needs no change: %s" % r.body)

# ------------------------------------------------------------------ forced change
NEW_USER, GIVEN_PW, OWN_PW = "pejabat.baru", "diberi-admin-123", "pilihan-sendiri-456"
r = admin.request("POST", "/api/v1/users", {"user": NEW_USER, "password": GIVEN_PW, "role": "subscriber", "display_name": "Pejabat Baru"})
check(r.status == 201, "admin creates an official's account: %d %s" % (r.status, r.body))
check(sql("SELECT must_change_password FROM users WHERE username = ?", NEW_USER) == [("1",)], "created with must_change_password = 1")
s1, s2 = Client(srv), Client(srv)
r = s1.login(NEW_USER, GIVEN_PW)
check(r.status == 200 and r.json()["password_change_required"] is True, "login says a change is required: %s" % r.body)
check(s2.login(NEW_USER, GIVEN_PW).status == 200, "a second session of the same person")
r = s1.request("GET", "/api/v1/me")
check(r.status == 200 and r.json()["password_change_required"] is True and r.json()["password_policy"]["min_length"] == 10,
      "GET /api/v1/me answers with the flag and the policy: %s" % r.body)
for m, p, body in (("GET", "/api/v1/tickets", None), ("GET", "/api/v1/me/certificates", None), ("GET", "/api/v1/me/documents", None),
                   ("POST", "/api/v1/enrollments", {}), ("GET", "/api/v1/requests", None)):
    r = s1.request(m, p, body)
    check(r.status == 403 and r.error_code() == "password_change_required", "%s %s refused until the change: %d %s" % (m, p, r.status, r.body))
r = s1.request("GET", "/verify")
check(r.status == 200, "public pages stay open to a session that must change its password")

# Wrong current, weak new, same as current: refused, nothing changed.
r = s1.request("POST", "/api/v1/me/password", {"current": "salah-sekali-123", "new": OWN_PW})
check(r.status == 403 and r.error_code() == "wrong_password", "wrong current password: %d %s" % (r.status, r.body))
r = s1.request("POST", "/api/v1/me/password", {"current": GIVEN_PW, "new": "pendek"})
check(r.status == 400 and r.error_code() == "weak_password" and "10" in r.json()["error"]["message"], "weak new password: %s" % r.body)
r = s1.request("POST", "/api/v1/me/password", {"current": GIVEN_PW, "new": NEW_USER})
check(r.status == 400 and r.error_code() == "weak_password", "new password = user name refused")
r = s1.request("POST", "/api/v1/me/password", {"current": GIVEN_PW, "new": GIVEN_PW})
check(r.status == 400 and r.error_code() == "same_password", "same password refused: %s" % r.body)
r = s1.request("POST", "/api/v1/me/password", {"current": GIVEN_PW})
check(r.status == 400, "missing new password: 400")
check(audit_rows("auth.password_change") == [], "no change recorded yet")
check(len(audit_rows("auth.password_change_failed")) == 1, "the wrong current password is recorded as a failure")

r = s1.request("POST", "/api/v1/me/password", {"current": GIVEN_PW, "new": OWN_PW})
check(r.status == 200 and r.json() == {"changed": True, "password_change_required": False}, "password changed: %d %s" % (r.status, r.body))
check(sql("SELECT must_change_password FROM users WHERE username = ?", NEW_USER) == [("0",)], "flag cleared")
r = s2.request("GET", "/api/v1/me")
check(r.status == 401, "the other session ended: %d" % r.status)
r = s1.request("GET", "/api/v1/me")
check(r.status == 200 and r.json()["password_change_required"] is False, "this session stays and is free")
r = s1.request("GET", "/api/v1/tickets")
check(r.status == 200, "other routes answer after the change: %d %s" % (r.status, r.body))
rows = audit_rows("auth.password_change")
check(len(rows) == 1 and rows[0][0] == NEW_USER and rows[0][1] == NEW_USER, "audit auth.password_change: %s" % rows)
det = json.loads(rows[0][2])
check(det == {"first_login": True, "other_sessions_ended": 1}, "audit details: %s" % det)
every = "".join("".join(x) for x in sql("SELECT details FROM audit"))
check(GIVEN_PW not in every and OWN_PW not in every and "argon2" not in every, "no password or hash anywhere in the audit log")
check(Client(srv).login(NEW_USER, GIVEN_PW).status == 401, "the old password no longer logs in")
s3 = Client(srv)
r = s3.login(NEW_USER, OWN_PW)
check(r.status == 200 and r.json()["password_change_required"] is False, "the new password logs in, no change required")

# The operator's `teken user passwd` (a password someone else chose) sets the flag again.
teken("user", "passwd", "--dir", d, "--user", NEW_USER, "--password-file", "-", input="dari-operator-789\n")
check(s3.request("GET", "/api/v1/me").status == 401, "teken user passwd ends the person's sessions")
s4 = Client(srv)
r = s4.login(NEW_USER, "dari-operator-789")
check(r.status == 200 and r.json()["password_change_required"] is True, "after teken user passwd a change is required again")
check(s4.request("GET", "/api/v1/tickets").error_code() == "password_change_required", "and enforced")
check(s4.request("POST", "/api/v1/me/password", {"current": "dari-operator-789", "new": OWN_PW}).status == 200, "changed again")
check(s4.request("POST", "/api/v1/logout").status == 200, "log out")

# Wrong current passwords are throttled like login failures: the name locks.
s5 = Client(srv)
check(s5.login(NEW_USER, OWN_PW).status == 200, "login")
codes = [s5.request("POST", "/api/v1/me/password", {"current": "tebakan-%d-xyz" % i, "new": "apa-saja-12345"}).error_code() for i in range(6)]
check(codes[:5] == ["wrong_password"] * 5 and codes[5] == "too_many_attempts", "throttled: %s" % codes)
check(Client(srv).login(NEW_USER, OWN_PW).error_code() == "too_many_attempts", "the lock also holds for login")
r = s5.request("POST", "/api/v1/me/password", {"current": OWN_PW, "new": "apa-saja-12345"})
check(r.error_code() == "too_many_attempts", "even the right password waits for the lock")

# A staff account made under dual control: the filer chose its password, so it is flagged too.
# The operator's bootstrap second admin (the demo has one) is flagged as well and changes first.
teken("user", "add", "--dir", d, "--user", "admin.dua", "--role", "admin", "--password-file", "-", input="admin-dua-awal-1\n")
a2 = Client(srv)
r = a2.login("admin.dua", "admin-dua-awal-1")
check(r.status == 200 and r.json()["password_change_required"] is True, "teken user add (operator): change required")
check(a2.request("GET", "/api/v1/account-requests").error_code() == "password_change_required", "an admin is held too")
# The console's --as acts for the same person: held too (before the request id is even looked at).
pwf = os.path.join(d, "admin-dua.pw")
with open(pwf, "w") as f:
    f.write("admin-dua-awal-1\n")
p = teken("request", "approve", "--dir", d, "--id", "999999", "--as", "admin.dua", "--password-file", pwf, check_rc=False)
check(p.returncode != 0 and "password" in p.stderr and "999999" not in p.stderr and len(p.stderr.strip().splitlines()) == 1,
      "teken ... --as with a password someone else chose: one-line refusal: %r" % p.stderr)
os.unlink(pwf)
# Public routes stay open to a held session (it is served as anonymous there).
r = a2.request("GET", "/api/v1/events/public")
check(r.status == 200, "public routes stay open to a held session")
check(a2.request("POST", "/api/v1/me/password", {"current": "admin-dua-awal-1", "new": "admin-dua-sendiri-2"}).status == 200, "admin changes")
r = admin.request("POST", "/api/v1/users", {"user": "verif.baru", "password": "verif-awal-123", "role": "verifikator", "display_name": "Verif Baru"})
check(r.status == 202, "a Verifikator account is a request: %d %s" % (r.status, r.body))
r = a2.request("POST", "/api/v1/account-requests/%d/approve" % r.json()["request_id"], {})
check(r.status == 200 and r.json()["status"] == "approved", "second admin approves: %s" % r.body)
v = Client(srv)
r = v.login("verif.baru", "verif-awal-123")
check(r.status == 200 and r.json()["password_change_required"] is True, "the approved staff account must change its password")
check(v.request("GET", "/api/v1/requests").error_code() == "password_change_required", "and is held until then")

# Applications have no login password.
app = Client(srv)
app.bearer = demo["application"]["api_key"]
r = app.request("POST", "/api/v1/me/password", {"current": "x" * 12, "new": "y" * 12})
check(r.status == 403 and r.error_code() == "forbidden", "an API key cannot change a password: %d %s" % (r.status, r.body))

# ------------------------------------------------------------------ history
pdf = open(os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf"), "rb").read()
sub = Client(srv)
check(sub.login(demo["subscriber"]["user"], demo["subscriber"]["password"]).status == 200, "official login")
PASS = demo["subscriber"]["passphrase"]


def sign(client, opts, name):
    body, ct = multipart({"options": json.dumps(opts)}, [("file", name, pdf)])
    r = client.request("POST", "/api/v1/sign/pdf", body, ctype=ct, raw=True)
    check(r.status == 200, "sign %s: %d %s" % (name, r.status, r.body[:200]))
    return r.headers["x-document-id"], r.body


DAY = 86400
docs = {}


def move_clock(t):
    """Moves the server's clock; sessions last [http] session_hours, so the official logs in again."""
    write_clock(clock, t)
    check(sub.login(demo["subscriber"]["user"], demo["subscriber"]["password"]).status == 200, "official login at +%ds" % (t - T0))


move_clock(T0 + 60)
docs["undangan"] = sign(sub, {"passphrase": PASS}, "Surat Undangan Rapat.pdf")
move_clock(T0 + DAY + 60)
docs["nota"] = sign(sub, {"passphrase": PASS}, "../../home/siti/nota-dinas_100%.pdf")
docs["app"] = sign(app, {"nik": demo["subscriber"]["nik"], "passphrase": PASS, "unit": "Sekretariat Jenderal"}, "dari-eoffice.pdf")
move_clock(T0 + 2 * DAY + 60)
docs["laporan"] = sign(sub, {"passphrase": PASS}, "laporan-akhir.pdf")

h = sub.request("GET", "/api/v1/me/documents")
check(h.status == 200, "history: %d %s" % (h.status, h.body[:300]))
got = h.json()["documents"]
sid = sql("SELECT s.id FROM subscribers s JOIN users u ON u.id = s.user_id WHERE u.username = ?", demo["subscriber"]["user"])[0][0]
reg = sql("SELECT id, filename, sha256, level, kind, channel, application FROM documents WHERE subscriber_id = ? ORDER BY signed_at DESC, id DESC",
          int(sid))
check([g["id"] for g in got] == [x[0] for x in reg] and len(reg) == 4, "history is the registry's rows of the official, newest first")
for g, x in zip(got, reg):
    check(g["filename"] == (x[1] or None) and g["sha256"] == x[2] and g["level"] == x[3] and g["kind"] == x[4] and g["channel"] == x[5],
          "row %s matches the registry" % g["id"])
    check(g["verify_path"] == "/v/" + g["id"] and g["verify_url"].endswith("/v/" + g["id"]), "verification page link")
byid = {g["id"]: g for g in got}
check(byid[docs["nota"][0]]["filename"] == "nota-dinas_100%.pdf", "a path in the file name is cut to its last part")
check(byid[docs["undangan"][0]]["filename"] == "Surat Undangan Rapat.pdf", "file name kept")
check(byid[docs["app"][0]]["application"] == "Aplikasi Demo (e-Office)" and byid[docs["app"][0]]["channel"] == "api",
      "the application that signed for the official")
check([byid[docs[k][0]]["downloadable"] for k in ("undangan", "nota", "app", "laporan")] == [True, True, False, True],
      "web-signed files are kept, the application's are not the official's")
check(h.json()["next"] is None, "one page")


def hist(client, **q):
    r = client.request("GET", "/api/v1/me/documents?" + urllib.parse.urlencode(q))
    check(r.status == 200, "history %s: %d %s" % (q, r.status, r.body[:200]))
    return r.json()


check([g["id"] for g in hist(sub, q="NOTA")["documents"]] == [docs["nota"][0]], "search by name, any case")
check([g["id"] for g in hist(sub, q="100%")["documents"]] == [docs["nota"][0]], "LIKE characters are literal")
check([g["id"] for g in hist(sub, q="s_1")["documents"]] == [docs["nota"][0]], "underscore found as itself")
check(hist(sub, q="a_a")["documents"] == [], "underscore is no wildcard ('Rapat' would match a_a)")
check([g["id"] for g in hist(sub, q=docs["laporan"][0][:10])["documents"]] == [docs["laporan"][0]], "search by document id")
wib = lambda t: time.strftime("%Y-%m-%d", time.gmtime(t + 7 * 3600))  # noqa: E731
day2 = wib(T0 + DAY + 60)
got2 = {g["id"] for g in hist(sub, **{"from": day2, "to": day2})["documents"]}
want2 = {x[0] for x in sql("SELECT id FROM documents WHERE subscriber_id = ? AND signed_at >= ? AND signed_at < ?", int(sid),
                               (T0 + DAY + 60 + 7 * 3600) // DAY * DAY - 7 * 3600, (T0 + DAY + 60 + 7 * 3600) // DAY * DAY - 7 * 3600 + DAY)}
check(got2 == want2 and docs["nota"][0] in got2 and docs["laporan"][0] not in got2, "date range (WIB days): %s" % got2)
check([g["id"] for g in hist(sub, channel="api")["documents"]] == [docs["app"][0]], "by channel")
check([g["id"] for g in hist(sub, application="Aplikasi Demo (e-Office)")["documents"]] == [docs["app"][0]], "by application")
p1 = hist(sub, limit=3)
check(len(p1["documents"]) == 3 and p1["next"], "page 1 of 3 with a cursor")
p2 = hist(sub, limit=3, before=p1["next"])
check(len(p2["documents"]) == 1 and p2["next"] is None, "page 2")
check([g["id"] for g in p1["documents"] + p2["documents"]] == [x[0] for x in reg], "keyset pages cover the list once, in order")
for q, code in (({"from": "2026-13-01"}, "invalid_date"), ({"limit": "0"}, "invalid_limit"), ({"limit": "101"}, "invalid_limit"),
                ({"before": "xyz"}, "invalid_cursor"), ({"channel": "fax"}, "invalid_channel"),
                ({"from": "2026-05-02", "to": "2026-05-01"}, "invalid_range")):
    r = sub.request("GET", "/api/v1/me/documents?" + urllib.parse.urlencode(q))
    check(r.status == 400 and r.error_code() == code, "%s -> 400 %s: %s" % (q, code, r.body))
# Another official (the new account; its login lock has run out on the test clock, and passwd lifts it).
other = Client(srv)
teken("user", "passwd", "--dir", d, "--user", NEW_USER, "--password-file", "-", input="dari-operator-789\n")
check(other.login(NEW_USER, "dari-operator-789").status == 200, "the other official logs in")
check(other.request("POST", "/api/v1/me/password", {"current": "dari-operator-789", "new": OWN_PW}).status == 200, "and changes")
r = other.request("GET", "/api/v1/me/documents")
check(r.status == 200 and r.json() == {"documents": [], "next": None}, "another official sees none of them: %s" % r.body)

# CLI for the operator: the same list.
out = json.loads(teken("documents", "list", "--dir", d, "--subscriber", demo["subscriber"]["user"]).stdout)
check([g["id"] for g in out["documents"]] == [x[0] for x in reg], "teken documents list --subscriber")
p = teken("documents", "list", "--dir", d, "--from", "nope", check_rc=False)
check(p.returncode != 0 and p.stderr.startswith("teken: error:") and p.stderr.count("\n") == 1, "CLI: one-line error")

# ------------------------------------------------------------------ re-download
did, signed = docs["undangan"]
for i in range(2):
    r = sub.request("GET", "/api/v1/me/documents/%s/file" % did)
    check(r.status == 200 and r.headers["content-type"] == "application/pdf" and r.body == signed, "re-download %d: %d" % (i + 1, r.status))
    cd = r.headers.get("content-disposition", "")
    check("attachment" in cd and "Surat%20Undangan%20Rapat.pdf" in cd and 'filename="Surat Undangan Rapat.pdf"' in cd, "file name: %s" % cd)
check(hashlib.sha256(r.body).hexdigest() == byid[did]["sha256"], "the file is the one the registry names (SHA-256)")
fp = os.path.join(T, "again.pdf")
open(fp, "wb").write(r.body)
ps = subprocess.run(["pdfsig", "-no-ocsp", fp], capture_output=True, text=True)
check(ps.returncode == 0 and "Signature is Valid" in ps.stdout and "Siti Rahmawati" in ps.stdout, "pdfsig on the re-downloaded file: " + ps.stdout)
check(len(audit_rows("document.redownload")) == 2, "each re-download is audited")
r = other.request("GET", "/api/v1/me/documents/%s/file" % did)
check(r.status == 404 and r.error_code() == "unknown_document", "another official: 404")
nx = other.request("GET", "/api/v1/me/documents/%s/file" % ("a" * 26))
check(nx.status == 404 and nx.body == r.body, "the same answer as for a document that does not exist")
r = sub.request("GET", "/api/v1/me/documents/%s/file" % docs["app"][0])
check(r.status == 404, "the application's document has no copy for the official")
r = sub.request("GET", "/api/v1/me/documents/..%2F..%2Fetc/file")
check(r.status in (400, 404), "odd ids are refused")

# keep_days = 3: the first document's copy runs out three days after signing; the job deletes it.
check(sql("SELECT COUNT(*) FROM document_files WHERE id = ? AND owner_copy = 1", did) == [("1",)], "kept before expiry")
write_clock(clock, T0 + 60 + 3 * DAY + 5)
check(sub.login(demo["subscriber"]["user"], demo["subscriber"]["password"]).status == 200, "official login")
r = sub.request("GET", "/api/v1/me/documents/%s/file" % did)
check(r.status == 404, "expired after keep_days: 404")
check(byid[did]["keep_until"] == T0 + 60 + 3 * DAY, "keep_until was signed_at + keep_days")
check(next(g for g in hist(sub)["documents"] if g["id"] == did)["downloadable"] is False, "history no longer offers it")
gone = False
for _ in range(60):
    if sql("SELECT COUNT(*) FROM document_files WHERE id = ?", did) == [("0",)]:
        gone = True
        break
    time.sleep(1)
check(gone, "the periodic job purged the expired copy")
check(sql("SELECT COUNT(*) FROM document_files WHERE id = ?", docs["laporan"][0]) == [("1",)], "copies still in time stay")
rows = audit_rows("document.files_purged")
check(len(rows) >= 1 and json.loads(rows[-1][2])["files"] >= 1, "the purge is audited: %s" % rows)
r = sub.request("GET", "/api/v1/me/documents/%s/file" % docs["laporan"][0])
check(r.status == 200, "a copy still in time downloads")

# keep_days = 0: nothing kept.
check(srv.stop() == 0, "server stops")
with open(os.path.join(d, "teken.conf"), "a") as f:
    f.write("\n[sign]\nkeep_days = 0\n")
srv = Server(d)
sub = Client(srv)
check(sub.login(demo["subscriber"]["user"], demo["subscriber"]["password"]).status == 200, "official login")
nid, _ = sign(sub, {"passphrase": PASS}, "tanpa-simpan.pdf")
check(sql("SELECT COUNT(*) FROM document_files WHERE id = ?", nid) == [("0",)], "keep_days = 0 keeps nothing")
check(next(g for g in hist(sub)["documents"] if g["id"] == nid)["downloadable"] is False, "and offers nothing")

# Erasing the official (UU 27/2022) deletes the copies kept for them and their documents' file names.
SID_SQL = "SELECT s.id FROM subscribers s JOIN users u ON u.id = s.user_id WHERE u.username = ?"
sid = int(sql(SID_SQL, demo["subscriber"]["user"])[0][0])
KEPT = "SELECT COUNT(*) FROM document_files f JOIN documents d ON d.id = f.id WHERE f.owner_copy = 1 AND d.subscriber_id = ?"
NAMED = "SELECT COUNT(*) FROM documents WHERE subscriber_id = ? AND filename IS NOT NULL"
check(sql(KEPT, sid) != [("0",)] and sql(NAMED, sid) != [("0",)], "copies and file names kept before the erasure")
adm = Client(srv)
check(adm.login(demo["admin"]["user"], demo["admin"]["password"]).status == 200, "admin login")
r = adm.request("POST", "/api/v1/subscribers/%d/erase" % sid)
check(r.status == 202, "erasure filed: %d %s" % (r.status, r.body))
eid = r.json()["request_id"]
for vk in demo["verifikators"][:2]:
    vc = Client(srv)
    check(vc.login(vk["user"], vk["password"]).status == 200, "verifikator login")
    r = vc.request("POST", "/api/v1/requests/%d/approve" % eid)
    check(r.status == 200, "erasure approved: %s" % r.body[:200])
check(r.json()["status"] == "approved", "erased")
check(sql(KEPT, sid) == [("0",)], "the kept copies are deleted")
check(sql(NAMED, sid) == [("0",)], "the file names are gone from the registry rows")
check(sql("SELECT COUNT(*) FROM documents WHERE subscriber_id = ?", sid) != [("0",)], "the registry rows themselves stay")
check(srv.stop() == 0, "server stops")
finish("account")
