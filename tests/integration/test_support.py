#!/usr/bin/env python3
"""Technical-support tickets on authenticity (R12, docs/support.md) against a real `teken serve`.

A member of the public reports a tampered PDF from the verify page's route: pdfsig (the
independent oracle) says the file's digest no longer matches, and the ticket must carry
the verification report that says so (TOTAL_FAILED / HASH_FAILURE) and the file byte for
byte (SHA-256 computed here). The follow-up token is kept only as its SHA-256 (checked
here), the reporter's contact only sealed (the test looks for the plaintext in the store
and must not find it). The issuer (auditor) assigns, replies (first answer, a notice in the
outbox to the reporter's e-mail), resolves; the public follows up and reopens by token.
Ministry staff and applications open their own tickets (registry record or upload attached),
see only their own; the summary's medians and the usage report's support_tickets are
recomputed here from the store; the monitoring dashboard's open items agree with the store;
every change is an audit event. On SQLite by default; test_support_pg.sh runs it on
PostgreSQL (TEKEN_TEST_STORE = the cluster URL).
"""
import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, check, finish, multipart, store_sql, teken, tmpdir, write_clock  # noqa: E402

check(shutil.which("pdfsig") is not None, "oracle pdfsig is installed")

SRC = os.environ.get("TEKEN_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
T = tmpdir()
d = os.path.join(T, "inst")
STORE = os.environ.get("TEKEN_TEST_STORE")
CLOCK = os.path.join(T, "clock")
NOW0 = int(time.time())


def set_clock(t):
    write_clock(CLOCK, t)


set_clock(NOW0)
os.environ["TEKEN_TEST_CLOCK_FILE"] = CLOCK
teken("init", "--dir", d, "--demo", "--key-alg", "ec-p256", *(["--store", STORE] if STORE else []))
demo = json.load(open(os.path.join(d, "demo.json")))
ISSUER_MAIL = "dukungan@bsre.example"
with open(os.path.join(d, "teken.conf"), "a") as f:
    f.write("\n[support]\nissuer_email = %s\n" % ISSUER_MAIL)
db = os.path.join(d, "teken.db")


def sql(q, *args):
    return store_sql(db, STORE, q, *args)


def one(q, *args):
    return sql(q, *args)[0][0]


def pdfsig(path):
    p = subprocess.run(["pdfsig", path], capture_output=True, text=True)
    return p.stdout + p.stderr


# ---- documents: one signed by this instance (seal), and a copy with one bit flipped inside a signed range
pdf_in = os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf")
good = os.path.join(T, "good.pdf")
teken("sign", "--dir", d, "--in", pdf_in, "--out", good, "--seal")
GOOD = open(good, "rb").read()
bad = bytearray(GOOD)
bad[700] ^= 0x01
BAD = bytes(bad)
badp = os.path.join(T, "tampered.pdf")
open(badp, "wb").write(BAD)
out = pdfsig(good)
check("Signature is Valid" in out, "oracle: pdfsig accepts the signed document: %s" % out[-300:])
out = pdfsig(badp)
check("Signature is Valid" not in out and ("Digest Mismatch" in out or "Invalid" in out),
      "oracle: pdfsig rejects the tampered copy: %s" % out[-300:])
GOOD_SHA, BAD_SHA = hashlib.sha256(GOOD).hexdigest(), hashlib.sha256(BAD).hexdigest()
doc_id = one("SELECT id FROM documents WHERE sha256 = ?", GOOD_SHA)

srv = Server(d)


def login(who, user=None, password=None):
    c = Client(srv)
    r = c.login(user or demo[who]["user"], password or demo[who]["password"])
    check(r.status == 200, "login %s: %s" % (who, r.body))
    return c


anon = Client(srv)
aud = login("auditor")
adm = login("admin")
sub = login("subscriber")
verif = login("verifikators", demo["verifikators"][0]["user"], demo["verifikators"][0]["password"])
app = Client(srv)
app.bearer = demo["application"]["api_key"]
teken("user", "add", "--dir", d, "--user", "pejabat2", "--role", "subscriber", "--name", "Bukan Pemilik", "--password-file", "-",
      input="pejabat2-password-1\n")
sub2 = login("sub2", "pejabat2", "pejabat2-password-1")
teken("user", "add", "--dir", d, "--user", "auditor2", "--role", "auditor", "--name", "Auditor Dua", "--password-file", "-",
      input="auditor2-password-1\n")
key2 = teken("apikey", "create", "--dir", d, "--name", "Aplikasi Biro Lain", "--units", "Biro Lain").stdout.strip()
app2 = Client(srv)
app2.bearer = key2
outbox0 = int(one("SELECT COUNT(*) FROM outbox"))

# ---- the public page: a failed verification, then "report a problem" with the same file
r = anon.request("POST", "/api/v1/verify?via=web", BAD, ctype="application/pdf", raw=True)
check(r.status == 200 and r.json()["indication"] != "TOTAL_PASSED", "the public verify page fails the tampered copy: %s" % r.body[:200])
CONTACT = "pelapor.warga@contoh.example"
NAME = "Warga Pelapor"
body, ct = multipart({"category": "integrity", "subject": "Dokumen tidak terverifikasi", "body": "Surat dari dinas gagal diverifikasi.",
                      "name": NAME, "contact": CONTACT}, [("file", "surat.pdf", BAD)])
r = anon.request("POST", "/api/v1/public/tickets", body, ctype=ct, raw=True)
check(r.status == 201, "public ticket opened: %s" % r.body[:300])
pt = r.json()
REF, TOKEN = pt["ref"], pt["token"]
check(re.fullmatch(r"TKT-\d{4}-[0-9A-HJKMNP-TV-Z]{6}", REF) is not None, "ref looks like TKT-YYYY-XXXXXX: %s" % REF)
check(re.fullmatch(r"[0-9a-f]{64}", TOKEN) is not None, "a 256-bit follow-up token")
check(pt["channel"] == "public" and pt["status"] == "open" and pt["category"] == "integrity", "public ticket fields")
check("opened_by" not in pt and "reporter_contact" not in pt, "the public view names no staff and echoes no contact")
rep = pt["verification_report"]
check(rep is not None and rep["indication"] == "TOTAL_FAILED", "the verification report is attached: %s" % str(rep)[:200])
check(any(s.get("subindication") == "HASH_FAILURE" for s in rep["signatures"]), "the report says why: HASH_FAILURE (pdfsig: digest mismatch)")
check(rep.get("sha256") in (None, BAD_SHA) and pt["files"][0]["sha256"] == BAD_SHA and pt["files"][0]["size"] == len(BAD),
      "the attached file is the uploaded one (SHA-256 computed here)")
check(pt["document_id"] is None, "a tampered copy matches no registry document")
tid = int(pt["id"])
# What the store holds: the token's SHA-256 only, the contact sealed.
row = sql("SELECT access_hash, reporter_name, channel, opened_by FROM tickets WHERE ref = ?", REF)[0]
check(row[0] == hashlib.sha256(TOKEN.encode()).hexdigest(), "access_hash is SHA-256 of the token")
check(row[1] == NAME and row[2] == "public" and row[3] == "anonymous", "reporter name, channel and opener stored")
check(int(one("SELECT COUNT(*) FROM tickets WHERE access_hash = ?", TOKEN)) == 0, "the token itself is not stored")
if STORE:
    found = one("SELECT COUNT(*) FROM tickets WHERE position(convert_to(?, 'UTF8') in reporter_contact) > 0", CONTACT)
    check(found == "0", "the contact is not in the store in the clear (PostgreSQL)")
else:
    found = one("SELECT COUNT(*) FROM tickets WHERE instr(reporter_contact, CAST(? AS BLOB)) > 0", CONTACT)
    check(found == "0", "the contact is not in the tickets table in the clear")
    raw = b"".join(open(db + sfx, "rb").read() for sfx in ("", "-wal") if os.path.exists(db + sfx))
    check(CONTACT.encode() not in raw and TOKEN.encode() not in raw, "neither contact nor token anywhere in the SQLite files")
check(CONTACT not in "".join(r[0] for r in sql("SELECT COALESCE(details, '') FROM audit")), "the contact stays out of the audit log")
check(int(one("SELECT COUNT(*) FROM outbox")) == outbox0 + 1, "the issuer's support contact is told of the new ticket")

# ---- follow-up by ref and token
r = anon.request("GET", "/api/v1/public/tickets/" + REF, headers={"X-Ticket-Token": TOKEN})
check(r.status == 200 and r.json()["ref"] == REF and len(r.json()["messages"]) == 1, "public follow-up with the token: %s" % r.body[:200])
wrong = ("0" if TOKEN[0] != "0" else "1") + TOKEN[1:]
r = anon.request("GET", "/api/v1/public/tickets/" + REF, headers={"X-Ticket-Token": wrong})
check(r.status == 404, "a wrong token finds nothing: %d" % r.status)
r = anon.request("GET", "/api/v1/public/tickets/" + REF)
check(r.status == 404, "no token finds nothing")
r = anon.request("GET", "/api/v1/public/tickets/TKT-2000-AAAAAA", headers={"X-Ticket-Token": TOKEN})
check(r.status == 404, "the token opens only its own ticket")
r = anon.request("GET", "/api/v1/tickets/%d" % tid)
check(r.status == 401, "anonymous callers cannot read tickets by id")

# ---- bad input is a clear 4xx
for fields, files, code in [
        ({"category": "bogus", "subject": "x", "body": "y", "name": "n", "contact": "c@d.example"}, [("file", "a.pdf", BAD)], "invalid_category"),
        ({"category": "other", "subject": "x", "body": "y", "contact": "c@d.example"}, [("file", "a.pdf", BAD)], "missing_field"),
        ({"category": "other", "subject": "x", "body": "y", "name": "n", "contact": "c@d.example"}, [], "missing_subject_matter"),
        ({"category": "other", "subject": "x" * 400, "body": "y", "name": "n", "contact": "c@d.example"}, [("file", "a.pdf", BAD)], "too_long"),
        ({"category": "other", "subject": "a\x01b", "body": "y", "name": "n", "contact": "c@d.example"}, [("file", "a.pdf", BAD)], "invalid_field")]:
    b, c = multipart(fields, files)
    r = anon.request("POST", "/api/v1/public/tickets", b, ctype=c, raw=True)
    check(r.status in (400, 413) and r.error_code() == code, "bad public ticket refused with %s: %d %s" % (code, r.status, r.body[:200]))
r = anon.request("POST", "/api/v1/public/tickets", {"category": "other", "subject": "x", "body": "y", "name": "n", "contact": "c@d.example",
                                                    "document_id": "ZZZZZZZZZZZZZZZZZZZZZZZZZZ"})
check(r.status == 404 and r.error_code() == "unknown_document", "unknown registry id: %s" % r.body[:200])
b, c = multipart({"category": "other", "subject": "x", "body": "y", "name": "n", "contact": "c@d.example", "document_id": "a" * 26},
                 [("file", "a.pdf", BAD)])
r = anon.request("POST", "/api/v1/public/tickets", b, ctype=c, raw=True)
check(r.status == 404 and r.error_code() == "unknown_document", "a file with an unknown registry id: %s" % r.body[:200])
# A file that is no PDF at all: the ticket still opens, with why it could not be verified.
b, c = multipart({"category": "other", "subject": "bukan PDF", "body": "berkas aneh", "name": "n", "contact": "08123456789"},
                 [("file", "x.pdf", b"not a pdf at all")])
r = anon.request("POST", "/api/v1/public/tickets", b, ctype=c, raw=True)
check(r.status == 201 and "error" in r.json()["verification_report"], "an unverifiable file is kept with the reason: %s" % r.body[:300])
junk_ref = r.json()["ref"]

# ---- who sees what
r = aud.request("GET", "/api/v1/tickets")
check(r.status == 200 and REF in [t["ref"] for t in r.json()], "the auditor lists the public ticket")
r = aud.request("GET", "/api/v1/tickets/%d" % tid)
full = r.json()
check(r.status == 200 and full["reporter_contact"] == CONTACT and full["verification_report"]["indication"] == "TOTAL_FAILED",
      "the auditor sees the contact and the attached report")
r = adm.request("GET", "/api/v1/tickets/%d" % tid)
check(r.status == 200 and r.json()["reporter_contact"] == CONTACT, "a ministry admin sees the ticket")
reads = sql("SELECT actor FROM audit WHERE action = 'ticket.contact.read' AND object = ?", "ticket:" + REF)
check(sorted(a for (a,) in reads) == sorted([demo["auditor"]["user"], demo["admin"]["user"]]), "each read of the contact is audited: %s" % reads)
for who, c in (("subscriber", sub), ("verifikator", verif), ("application", app)):
    r = c.request("GET", "/api/v1/tickets/%d" % tid)
    check(r.status == 404, "%s cannot see someone else's ticket: %d" % (who, r.status))
r = aud.request("GET", "/api/v1/tickets/%d/files/%d" % (tid, full["files"][0]["id"]))
check(r.status == 200 and r.body == BAD, "the auditor downloads the attached document byte for byte")
r = sub.request("GET", "/api/v1/tickets/%d/files/%d" % (tid, full["files"][0]["id"]))
check(r.status == 404, "the file is as hidden as its ticket")

# ---- the issuer answers, two hours later
set_clock(NOW0 + 7200)
r = aud.request("POST", "/api/v1/tickets/%d/assign" % tid, {"assignee": "auditor2"})
check(r.status == 200 and r.json()["assignee"] == "auditor2", "assigned to another auditor: %s" % r.body[:200])
r = aud.request("POST", "/api/v1/tickets/%d/assign" % tid, {"assignee": demo["admin"]["user"]})
check(r.status == 400 and r.error_code() == "invalid_assignee", "only auditors are assignees")
r = adm.request("POST", "/api/v1/tickets/%d/assign" % tid, {})
check(r.status == 403, "admins do not assign (issuer side)")
r = adm.request("POST", "/api/v1/tickets/%d/messages" % tid, {"body": "Kementerian: dokumen asli ada di unit kami."})
check(r.status == 200 and r.json()["status"] == "open" and r.json()["first_answer_at"] is None,
      "a ministry admin's message is not the issuer's first answer")
outbox1 = int(one("SELECT COUNT(*) FROM outbox"))
r = aud.request("POST", "/api/v1/tickets/%d/messages" % tid, {"body": "Berkas Anda diubah setelah ditandatangani; minta salinan asli."})
t1 = r.json()
check(r.status == 200 and t1["status"] == "answered" and t1["first_answer_at"] == NOW0 + 7200, "the issuer's reply answers the ticket: %s" % r.body[:200])
check(int(one("SELECT COUNT(*) FROM outbox")) == outbox1 + 1, "the reporter's e-mail gets a notice of the reply")
check(TOKEN not in "".join(r[0] for r in sql("SELECT body FROM outbox")), "no token in any e-mail")
r = anon.request("GET", "/api/v1/public/tickets/" + REF, headers={"X-Ticket-Token": TOKEN})
pv = r.json()
check(pv["status"] == "answered" and pv["messages"][-1]["author"] == "BSSN/BSrE" and "Berkas Anda diubah" in pv["messages"][-1]["body"],
      "the public follow-up shows the issuer's reply (without staff names)")
check(all(m["author"] != demo["auditor"]["user"] and m["author"] != demo["admin"]["user"] for m in pv["messages"]), "no staff login names")

# ---- resolve, reopen by the public, resolve again, close
set_clock(NOW0 + 3 * 3600)
r = aud.request("POST", "/api/v1/tickets/%d/resolve" % tid, {"note": "Dokumen asli terverifikasi; salinan Anda diubah."})
check(r.status == 200 and r.json()["status"] == "resolved" and r.json()["resolved_at"] == NOW0 + 3 * 3600, "resolved")
r = aud.request("POST", "/api/v1/tickets/%d/resolve" % tid, {"note": "lagi"})
check(r.status == 409, "resolving twice is a conflict")
r = anon.request("POST", "/api/v1/public/tickets/%s/messages" % REF, {"token": TOKEN, "body": "Masih belum jelas, mohon bantu."})
check(r.status == 200 and r.json()["status"] == "open" and r.json()["resolved_at"] is None, "the reporter's message reopens it: %s" % r.body[:200])
r = anon.request("POST", "/api/v1/public/tickets/%s/messages" % REF, {"token": wrong, "body": "x"})
check(r.status == 404, "a wrong token cannot answer")
r = aud.request("POST", "/api/v1/tickets/%d/close" % tid, {})
check(r.status == 409 and r.error_code() == "ticket_state", "only a resolved ticket closes")
set_clock(NOW0 + 5 * 3600)
r = aud.request("POST", "/api/v1/tickets/%d/resolve" % tid, {"note": "Kami kirim penjelasan tertulis."})
check(r.status == 200 and r.json()["resolved_at"] == NOW0 + 5 * 3600, "resolved again")
r = aud.request("POST", "/api/v1/tickets/%d/close" % tid)
check(r.status == 200 and r.json()["status"] == "closed", "closed: %s" % r.body[:200])
check(r.json()["first_answer_seconds"] == 7200 and r.json()["resolution_seconds"] == 5 * 3600, "per ticket: 2 h to the first answer, 5 h to resolution")
r = anon.request("POST", "/api/v1/public/tickets/%s/messages" % REF, {"token": TOKEN, "body": "x"})
check(r.status == 409 and r.error_code() == "ticket_closed", "a closed ticket takes no messages")

# ---- staff: a subscriber's ticket about a registry document (the registry record attached)
set_clock(NOW0 + 6 * 3600)
aud, adm, sub, sub2 = login("auditor"), login("admin"), login("subscriber"), login("sub2", "pejabat2", "pejabat2-password-1")
r = sub.request("POST", "/api/v1/tickets", {"category": "authenticity", "subject": "Keaslian surat", "body": "Apakah ini surat saya?",
                                            "document_id": doc_id})
st = r.json()
check(r.status == 201 and st["channel"] == "staff" and st["opened_by"] == demo["subscriber"]["user"], "a subscriber opens a ticket: %s" % r.body[:300])
check(st["verification_report"]["registry"]["id"] == doc_id and st["verification_report"]["registry"]["sha256"] == GOOD_SHA,
      "the registry record is attached (its SHA-256 is the signed file's, computed here)")
sub_unit = one("SELECT s.unit FROM subscribers s JOIN users u ON u.id = s.user_id WHERE u.username = ?", demo["subscriber"]["user"])
check(st["unit"] == sub_unit, "the ticket carries the subscriber's unit")
r = sub.request("POST", "/api/v1/tickets", {"category": "authenticity", "subject": "x", "body": "y", "unit": "Biro Lain"})
check(r.status == 400, "a person cannot name another unit")
r = sub.request("GET", "/api/v1/tickets")
check(r.status == 200 and [t["ref"] for t in r.json()] == [st["ref"]], "a subscriber lists only their own tickets")
r = sub2.request("GET", "/api/v1/tickets/%d" % st["id"])
check(r.status == 404, "another subscriber cannot see it")
r = sub2.request("GET", "/api/v1/tickets")
check(r.status == 200 and r.json() == [], "another subscriber lists nothing")
r = sub2.request("POST", "/api/v1/tickets/%d/messages" % st["id"], {"body": "x"})
check(r.status == 404, "nor answer it")
r = aud.request("POST", "/api/v1/tickets", {"category": "other", "subject": "x", "body": "y"})
check(r.status == 403, "auditors answer tickets, they do not open them")
r = anon.request("POST", "/api/v1/tickets", {"category": "other", "subject": "x", "body": "y"})
check(r.status == 401, "anonymous callers use the public route")
r = sub.request("POST", "/api/v1/tickets/%d/resolve" % st["id"], {"note": "x"})
check(r.status == 403, "the opener does not resolve")

# ---- an application uploads a document (valid by pdfsig): the report passes, the registry id is found
b, c = multipart({"category": "non_repudiation", "subject": "Penyangkalan tanda tangan", "body": "Penandatangan menyangkal."},
                 [("file", "kontrak.pdf", GOOD)])
r = app.request("POST", "/api/v1/tickets", b, ctype=c, raw=True)
at = r.json()
check(r.status == 201 and at["channel"] == "api" and at["application"] == demo["application"].get("name", at["application"]),
      "an application opens a ticket: %s" % r.body[:300])
check(at["verification_report"]["indication"] == "TOTAL_PASSED" and at["document_id"] == doc_id,
      "the upload's report passes like pdfsig says, and names the registry document")
check(at["unit"] != "" and at["unit"] != "Biro Lain", "the ticket's unit is the key's own unit")
r = app.request("POST", "/api/v1/tickets", {"category": "other", "subject": "x", "body": "y", "unit": "Biro Lain"})
check(r.status == 403 and r.error_code() == "unit_not_permitted", "an application cannot open for another unit's name: %s" % r.body[:200])
r = app2.request("GET", "/api/v1/tickets/%d" % at["id"])
check(r.status == 404, "another application cannot see it")
r = app2.request("GET", "/api/v1/tickets")
check(r.status == 200 and r.json() == [], "another application lists nothing")
set_clock(NOW0 + 8 * 3600)
aud = login("auditor")  # sessions idle out as the clock jumps
r = aud.request("POST", "/api/v1/tickets/%d/messages" % at["id"], {"body": "Tanda tangan sah dan stempel waktu valid."})
check(r.status == 200 and r.json()["first_answer_at"] == NOW0 + 8 * 3600, "answered: %d %s" % (r.status, r.body[:200]))
r = app.request("GET", "/api/v1/tickets/%d" % at["id"])
check(r.status == 200 and r.json()["messages"][-1]["side"] == "issuer", "the application reads the issuer's reply")

# ---- CLI: the operator lists everything; an auditor resolves with --as
out = json.loads(teken("ticket", "list", "--dir", d).stdout)
check(len(out) == int(one("SELECT COUNT(*) FROM tickets")), "teken ticket list shows every ticket to the operator")
pw = os.path.join(T, "aud.pw")
open(pw, "w").write(demo["auditor"]["password"] + "\n")
p = teken("ticket", "resolve", "--dir", d, "--id", str(at["id"]), "--note", "Selesai.", "--as", demo["auditor"]["user"], "--password-file", pw)
check(json.loads(p.stdout)["status"] == "resolved", "teken ticket resolve --as auditor")
p = teken("ticket", "resolve", "--dir", d, "--id", str(st["id"]), "--note", "x", check_rc=False)
check(p.returncode != 0 and "auditor" in p.stderr and p.stderr.count("\n") == 1, "the operator is not the issuer: one-line error: %s" % p.stderr)
p = teken("ticket", "get", "--dir", d, "--id", str(tid), "--file", str(full["files"][0]["id"]), "-o", os.path.join(T, "got.pdf"))
check(open(os.path.join(T, "got.pdf"), "rb").read() == BAD, "teken ticket get --file writes the attachment")
p = teken("ticket", "open", "--dir", d, "--category", "integrity", "--subject", "Dari CLI", "--body", "Periksa berkas", "--file", badp)
check(json.loads(p.stdout)["verification_report"]["indication"] == "TOTAL_FAILED", "teken ticket open --file attaches the report")
p = teken("ticket", "get", "--dir", d, "--id", "999999", check_rc=False)
check(p.returncode != 0 and p.stderr.count("\n") == 1, "unknown ticket: one-line error")

# ---- summary: recomputed here from the store
year = datetime.datetime.fromtimestamp(NOW0 + 7 * 3600, datetime.timezone.utc).year
r = aud.request("GET", "/api/v1/tickets/summary?year=%d" % year)
sm = r.json()
rows = sql("SELECT created_at, COALESCE(CAST(first_answer_at AS TEXT), '-'), COALESCE(CAST(resolved_at AS TEXT), '-'), status, category,"
           " channel FROM tickets")
rows = [(x[0], "" if x[1] == "-" else x[1], "" if x[2] == "-" else x[2]) + x[3:] for x in rows]


def median(v):
    v = sorted(v)
    if not v:
        return None
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) // 2


fa = [int(x[1]) - int(x[0]) for x in rows if x[1]]
rs = [int(x[2]) - int(x[0]) for x in rows if x[2]]
check(r.status == 200 and sm["opened"] == len(rows) and sm["answered"] == len(fa) and sm["resolved"] == len(rs), "summary counts: %s" % sm)
check(sm["median_first_answer_seconds"] == median(fa) and sm["median_resolution_seconds"] == median(rs),
      "summary medians as recomputed: %s %s vs %s %s" % (sm["median_first_answer_seconds"], sm["median_resolution_seconds"], median(fa), median(rs)))
check(sm["by_channel"] == {k: sum(1 for x in rows if x[5] == k) for k in {x[5] for x in rows}}, "summary by channel")
check(sum(m["opened"] for m in sm["by_month"]) == len(rows), "summary by month adds up")
r = sub.request("GET", "/api/v1/tickets/summary")
check(r.status == 403, "the summary is for admins and auditors")
r = aud.request("GET", "/api/v1/tickets/summary?year=12")
check(r.status == 400, "bad year refused")

# ---- usage report: support_tickets per month and unit
r = adm.request("GET", "/api/v1/reports/usage?year=%d" % year)
ur = r.json()
month = datetime.datetime.fromtimestamp(NOW0 + 7 * 3600, datetime.timezone.utc).month
check(ur["totals"]["support_tickets"] == len(rows), "usage report totals.support_tickets = tickets opened")
by_month = {}
for x in rows:
    m = datetime.datetime.fromtimestamp(int(x[0]) + 7 * 3600, datetime.timezone.utc).month
    by_month[m] = by_month.get(m, 0) + 1
check(all(ur["by_month"][m - 1]["support_tickets"] == by_month.get(m, 0) for m in range(1, 13)), "usage report by month")
units = {}
for (u,) in sql("SELECT unit FROM tickets WHERE unit <> ''"):
    units[u] = units.get(u, 0) + 1
got = {row["unit"]: row["support_tickets"] for row in ur["by_unit"] if row["support_tickets"]}
check(got == units, "usage report by unit: %s vs %s" % (got, units))

# ---- monitoring dashboard: open items
r = adm.request("GET", "/api/v1/dashboard")
ti = r.json()["open_items"]["tickets"]
check(ti["available"] is True and ti["open"] == int(one("SELECT COUNT(*) FROM tickets WHERE status = 'open'")) and
      ti["answered"] == int(one("SELECT COUNT(*) FROM tickets WHERE status = 'answered'")), "dashboard tickets: %s" % ti)
oldest = one("SELECT COALESCE(CAST(MIN(created_at) AS TEXT), '-') FROM tickets WHERE status = 'open' AND first_answer_at IS NULL")
exp = None if oldest == "-" else datetime.datetime.fromtimestamp(int(oldest), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
check(ti["oldest_unanswered_at"] == exp, "dashboard oldest unanswered: %s vs %s" % (ti["oldest_unanswered_at"], exp))

# ---- the audit trail
acts = {a for (a,) in sql("SELECT action FROM audit WHERE object LIKE 'ticket:%'")}
check({"ticket.open", "ticket.assign", "ticket.reply", "ticket.resolve", "ticket.reopen", "ticket.close"} <= acts, "audited: %s" % acts)
check(one("SELECT COUNT(*) FROM audit WHERE action = 'ticket.open' AND object = ?", "ticket:" + junk_ref) == "1", "each open audited once")
p = teken("audit", "verify", "--dir", d, check_rc=False)
check(p.returncode == 0, "audit chain intact: %s" % (p.stdout + p.stderr)[-300:])

# ---- the public route's own rate: 20 tickets per address and hour (the clock stands still here)
codes = [anon.request("POST", "/api/v1/public/tickets", {"category": "other", "subject": "x", "body": "y", "name": "n",
                                                          "contact": "08123", "document_id": doc_id}).status for _ in range(21)]
check(codes == [201] * 20 + [429], "the 21st public ticket within the hour is refused: %s" % codes)
set_clock(NOW0 + 10 * 3600)
r = anon.request("POST", "/api/v1/public/tickets", {"category": "other", "subject": "x", "body": "y", "name": "n", "contact": "08123",
                                                    "document_id": doc_id})
check(r.status == 201, "an hour later the address may report again")
# A large document from the public: verified and reported on, its SHA-256 kept, the bytes not (no free storage for anonymous callers).
big = BAD + b"\n%" + b"x" * (10 * 1024 * 1024) + b"\n"
b, c = multipart({"category": "integrity", "subject": "berkas besar", "body": "gagal", "name": "n", "contact": "08123"}, [("file", "besar.pdf", big)])
r = anon.request("POST", "/api/v1/public/tickets", b, ctype=c, raw=True)
check(r.status == 201 and r.json()["verification_report"] is not None and r.json()["files"] == [], "a large public document: report, no stored file: %s" % r.body[:300])
ev = json.loads(one("SELECT details FROM audit WHERE action = 'ticket.open' ORDER BY seq DESC LIMIT 1"))
check(ev["file_sha256"] == hashlib.sha256(big).hexdigest() and ev["file_kept"] is False, "its hash is on record: %s" % ev)

check(srv.stop() == 0, "server stops cleanly")
finish("test_support.py")
