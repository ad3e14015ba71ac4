#!/usr/bin/env python3
"""Monitoring and evaluation (R17, PKS art. 12) against a real `teken serve`.

Evaluation records and follow-up actions over HTTP and the CLI; the minutes
frozen (qpdf --check, pdftotext), signed twice with `teken sign` (a seal,
then an official) and uploaded, each upload checked by pdfsig and refused
when tampered with, not an extension, or with the wrong number of
signatures; the dashboard's numbers against the store; reminders through
the outbox with the test clock: overdue actions and the yearly evaluation,
each queued once across restarts. On SQLite by default; test_monev_pg.sh
runs it on PostgreSQL (TEKEN_TEST_STORE = the cluster URL).
"""
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, check, finish, multipart, store_sql, teken, tmpdir, write_clock  # noqa: E402

for tool in ("qpdf", "pdftotext", "pdfsig"):
    check(shutil.which(tool) is not None, "oracle %s is installed" % tool)

T = tmpdir()
d = os.path.join(T, "inst")
STORE = os.environ.get("TEKEN_TEST_STORE")
CLOCK = os.path.join(T, "clock")
NOW0 = (int(time.time()) + 7 * 3600) // 86400 * 86400 - 7 * 3600 + 12 * 3600  # noon WIB today: day arithmetic never crosses midnight


def set_clock(t):
    write_clock(CLOCK, t)


set_clock(NOW0)
os.environ["TEKEN_TEST_CLOCK_FILE"] = CLOCK
teken("init", "--dir", d, "--demo", "--key-alg", "ec-p256", *(["--store", STORE] if STORE else []))
demo = json.load(open(os.path.join(d, "demo.json")))
CONTACT = "monev@kementerian.example"
with open(os.path.join(d, "teken.conf"), "a") as f:
    f.write("\n[monev]\ncontacts = %s\n" % CONTACT)
db = os.path.join(d, "teken.db")


def sql(q, *args):
    return store_sql(db, STORE, q, *args)


def one(q, *args):
    return sql(q, *args)[0][0]


def wib_day(t):
    return datetime.datetime.fromtimestamp(t + 7 * 3600, datetime.timezone.utc).date()


srv = Server(d)


def login(who):
    c = Client(srv)
    r = c.login(demo[who]["user"], demo[who]["password"])
    check(r.status == 200, "login %s: %s" % (who, r.body))
    return c


admin, auditor = login("admin"), login("auditor")
sub = Client(srv)
check(sub.login(demo["subscriber"]["user"], demo["subscriber"]["password"]).status == 200, "official logs in")

# --- who may: admins and auditors; an official and nobody are refused, and nothing changes.
for path in ("/api/v1/dashboard", "/api/v1/evaluations"):
    check(sub.request("GET", path).status == 403, "official refused %s" % path)
    check(Client(srv).request("GET", path).status == 401, "anonymous refused %s" % path)
n_audit = int(one("SELECT COUNT(*) FROM audit"))
r = sub.request("POST", "/api/v1/evaluations", {"title": "x"})
check(r.status == 403, "official may not record an evaluation: %s" % r.status)
check(int(one("SELECT COUNT(*) FROM audit")) == n_audit and one("SELECT COUNT(*) FROM evaluations") == "0", "refusal changed nothing")

TODAY = wib_day(NOW0)
REC = {
    "held_on": TODAY.isoformat(), "title": "Evaluasi pelaksanaan PKS 2026", "place": "Gedung BSSN, Depok",
    "participants": [{"name": "Dewi Lestari", "party": "ministry", "role": "Kepala Pusdatin"},
                     {"name": "Agus Pratama", "party": "issuer", "role": "Manajer Layanan BSrE"}],
    "summary": "Layanan berjalan; volume naik.", "findings": "Dua unit belum memakai segel.", "minutes": "Rapat dibuka pukul 09.00 WIB.",
}

# --- bad input: clear 4xx with a code, nothing stored.
for bad, code in ((dict(REC, participants=[REC["participants"][0]]), "participants_both_parties"),
                  (dict(REC, held_on="2026-02-30"), "invalid_date"),
                  (dict(REC, held_on=(TODAY + datetime.timedelta(days=30)).isoformat()), "held_in_future"),
                  (dict(REC, participants=[{"name": "A", "party": "vendor"}, REC["participants"][1]]), "invalid_participants"),
                  ({k: v for k, v in REC.items() if k != "title"}, "missing_field"),
                  (dict(REC, summary="x" * 20000), "too_long")):
    r = auditor.request("POST", "/api/v1/evaluations", bad)
    check(400 <= r.status < 500 and r.error_code() == code, "refused with %s: %s %s" % (code, r.status, r.body[:200]))
check(one("SELECT COUNT(*) FROM evaluations") == "0", "no record from bad input")

# --- create (the issuer's auditor), edit, actions.
r = auditor.request("POST", "/api/v1/evaluations", REC)
check(r.status == 201, "auditor records the evaluation: %s %s" % (r.status, r.body[:300]))
ev = r.json()
EID = ev["id"]
check(ev["state"] == "draft" and ev["participants"] == REC["participants"] and ev["created_by"] == demo["auditor"]["user"], "record as sent")
r = admin.request("POST", "/api/v1/evaluations/%d" % EID, {"findings": "Dua unit belum memakai segel elektronik."})
check(r.status == 200 and r.json()["findings"].endswith("segel elektronik."), "admin edits the draft")
check(one("SELECT COUNT(*) FROM audit WHERE action = 'monev.create' AND object = ?", "evaluation:%d" % EID) == "1", "create audited")
check(one("SELECT COUNT(*) FROM audit WHERE action = 'monev.update' AND actor = ?", demo["admin"]["user"]) == "1", "update audited")

DUE = (TODAY + datetime.timedelta(days=5)).isoformat()
r = admin.request("POST", "/api/v1/evaluations/%d/actions" % EID,
                  {"description": "Sosialisasi segel elektronik ke dua unit", "owner": "Dewi Lestari", "owner_email": "dewi@kementerian.example", "due_on": DUE})
check(r.status == 201 and len(r.json()["actions"]) == 1, "action added: %s" % r.body[:200])
A1 = r.json()["actions"][0]["id"]
check(r.json()["actions"][0]["owner_email"] == "dewi@kementerian.example" and not r.json()["actions"][0]["overdue"], "action as sent")
r = auditor.request("POST", "/api/v1/evaluations/%d/actions" % EID, {"description": "Laporan ketersediaan OCSP", "owner": "Agus Pratama", "due_on": DUE})
A2 = r.json()["actions"][-1]["id"]
r = auditor.request("POST", "/api/v1/evaluations/%d/actions" % EID, {"description": "Tutup temuan lama", "owner": "Agus Pratama", "due_on": DUE})
A3 = r.json()["actions"][-1]["id"]
r = admin.request("POST", "/api/v1/evaluations/%d/actions" % EID, {"description": "x", "owner": "y", "owner_email": "a@b@c", "due_on": DUE})
check(r.status == 400 and r.error_code() == "invalid_email", "bad owner e-mail refused")
r = admin.request("POST", "/api/v1/evaluations/%d/actions/%d" % (EID, A3), {"status": "done"})
check(r.status == 400 and r.error_code() == "closing_note_required", "closing needs a note")
r = admin.request("POST", "/api/v1/evaluations/%d/actions/%d" % (EID, A3), {"status": "done", "closing_note": "Selesai di rapat."})
check(r.status == 200 and [a for a in r.json()["actions"] if a["id"] == A3][0]["status"] == "done", "action closed")
r = admin.request("POST", "/api/v1/evaluations/%d/actions/%d" % (EID, A3), {"status": "open"})
check(r.status == 409 and r.error_code() == "action_closed", "a closed action stays closed")
r = admin.request("POST", "/api/v1/evaluations/%d/actions/%d" % (EID, A2), {"status": "in_progress"})
check(r.status == 200, "action in progress")
check(one("SELECT COUNT(*) FROM audit WHERE action LIKE 'monev.action.%' AND object = ?", "evaluation:%d" % EID) == "5", "actions audited")
r = admin.request("POST", "/api/v1/evaluations/99999/actions/%d" % A1, {"status": "open"})
check(r.status == 404, "unknown evaluation: 404")

# --- CLI: a second evaluation (held earlier), list and show.
rec2 = dict(REC, held_on=(TODAY - datetime.timedelta(days=200)).isoformat(), title="Evaluasi semester")
p = os.path.join(T, "rec2.json")
json.dump(rec2, open(p, "w"))
out = json.loads(teken("monev", "create", "--dir", d, "--file", p).stdout)
E2 = out["id"]
check(out["title"] == "Evaluasi semester" and out["created_by"].startswith("cli:"), "CLI creates as the operator")
lst = json.loads(teken("monev", "list", "--dir", d).stdout)
check([e["id"] for e in lst] == [EID, E2] and lst[0]["actions_open"] == 2, "CLI list: newest held first, open actions counted")
out = json.loads(teken("monev", "action", "add", "--dir", d, "--id", str(E2), "--description", "Evaluasi SOP", "--owner", "Biro Umum",
                       "--due", (TODAY + datetime.timedelta(days=60)).isoformat()).stdout)
check(len(out["actions"]) == 1, "CLI adds an action")
E2A = out["actions"][0]["id"]
p = teken("monev", "show", "--dir", d, "--id", "424242", check_rc=False)
check(p.returncode == 1 and p.stderr.count("\n") == 1 and "no evaluation 424242" in p.stderr, "CLI: unknown id, one line: %r" % p.stderr)
p = teken("monev", "minutes", "upload", "--dir", d, "--id", str(E2), "--in", os.path.join(T, "rec2.json"), check_rc=False)
check(p.returncode == 1 and "freeze them first" in p.stderr, "CLI: upload before freeze refused: %r" % p.stderr)

# --- minutes: freeze, then the record no longer changes.
r = admin.request("GET", "/api/v1/evaluations/%d/minutes.pdf" % EID)
check(r.status == 409 and r.error_code() == "minutes_not_frozen", "no PDF of a draft")
r = admin.request("POST", "/api/v1/evaluations/%d/minutes" % EID)
check(r.status == 200 and r.json()["state"] == "frozen" and len(r.json()["frozen_sha256"]) == 64, "frozen: %s" % r.body[:200])
FROZEN_SHA = r.json()["frozen_sha256"]
r = admin.request("POST", "/api/v1/evaluations/%d/minutes" % EID)
check(r.status == 409, "freezing twice refused")
r = auditor.request("POST", "/api/v1/evaluations/%d" % EID, {"summary": "diubah"})
check(r.status == 409 and r.error_code() == "minutes_frozen", "frozen record is not edited")
r = auditor.request("GET", "/api/v1/evaluations/%d/minutes.pdf" % EID)
check(r.status == 200 and r.headers["content-type"] == "application/pdf", "minutes PDF served")
frozen = r.body
import hashlib  # noqa: E402
check(hashlib.sha256(frozen).hexdigest() == FROZEN_SHA, "served bytes are the frozen bytes")
mpdf = os.path.join(T, "minutes.pdf")
open(mpdf, "wb").write(frozen)
q = subprocess.run(["qpdf", "--check", mpdf], capture_output=True, text=True)
check(q.returncode == 0, "qpdf --check on the frozen minutes: %s" % q.stdout[-300:])
txt = subprocess.run(["pdftotext", mpdf, "-"], capture_output=True, text=True).stdout
txt1 = " ".join(txt.split())
for want in ("Berita Acara Monitoring dan Evaluasi", REC["title"], "Gedung BSSN, Depok", "Dewi Lestari", "Agus Pratama", "Kementerian",
             "Penerbit (BSSN/BSrE)", "Sosialisasi segel elektronik", "Rapat dibuka pukul 09.00 WIB.", TODAY.isoformat()):
    check(want in txt1, "minutes text has %r" % want)

# --- signing: the first party (the instance seal), then the second (the demo official), each with `teken sign`.
s1, s2 = os.path.join(T, "s1.pdf"), os.path.join(T, "s2.pdf")
teken("sign", "--dir", d, "--in", mpdf, "--out", s1, "--seal")
pp = os.path.join(T, "pp")
open(pp, "w").write(demo["subscriber"]["passphrase"] + "\n")
teken("sign", "--dir", d, "--in", s1, "--out", s2, "--subscriber", demo["subscriber"]["user"], "--passphrase-file", pp)
b1, b2 = open(s1, "rb").read(), open(s2, "rb").read()
check(b1.startswith(frozen) and b2.startswith(b1), "teken sign appends incremental updates")
ps = subprocess.run(["pdfsig", s2], capture_output=True, text=True).stdout
check(ps.count("Signature is Valid.") == 2, "pdfsig: both signatures valid: %s" % ps[-400:])


def upload(client, data, mp=False):
    if mp:
        body, ct = multipart({}, [("file", "signed.pdf", data)])
        return client.request("POST", "/api/v1/evaluations/%d/minutes/signed" % EID, body, ctype=ct)
    return client.request("POST", "/api/v1/evaluations/%d/minutes/signed" % EID, data, ctype="application/pdf")


def sig_rows():
    return one("SELECT COUNT(*) FROM evaluation_signatures WHERE evaluation_id = ?", EID)


# Wrong order: the file with both signatures as the first upload (prefix holds, count does not).
r = upload(auditor, b2)
check(r.status == 400 and r.error_code() == "minutes_signature_count", "two signatures at step one refused: %s" % r.body[:200])
# Not an extension: a file signed from other bytes.
other = os.path.join(T, "other.pdf")
teken("sign", "--dir", d, "--in", os.path.join(os.environ.get("TEKEN_SRC", os.path.join(os.path.dirname(__file__), "..", "..")),
                                                "tests", "data", "pdf", "gs-3pages.pdf"), "--out", other, "--seal")
r = upload(auditor, open(other, "rb").read())
check(r.status == 400 and r.error_code() == "minutes_not_extended", "non-prefix upload refused: %s" % r.body[:200])
r = upload(auditor, frozen)
check(r.status == 400 and r.error_code() == "minutes_not_extended", "the frozen file itself is no upload")
# Tampered: a byte of the signed revision (after the frozen prefix, inside the signed range) changed.
m = re.search(rb"/M ?\(D:(\d)", b1[len(frozen):])
check(m is not None, "the signature dictionary has /M")
pos = len(frozen) + m.start(1)
t1 = bytearray(b1)
t1[pos] = ord("1") if t1[pos] != ord("1") else ord("2")
r = upload(auditor, bytes(t1))
check(r.status == 400 and r.error_code() == "minutes_signature_invalid", "tampered upload refused: %s" % r.body[:300])
check(sig_rows() == "0" and one("SELECT state FROM evaluations WHERE id = ?", EID) == "frozen", "refusals stored nothing")

r = upload(auditor, b1, mp=True)
check(r.status == 200 and r.json()["state"] == "signed_by_first", "first party's upload accepted: %s" % r.body[:300])
g = r.json()["signatures"][0]
check(g["seq"] == 1 and g["indication"] == "TOTAL_PASSED" and "Issuing CA" in g["issuer_dn"] and g["signer"] != "" and g["signing_time"],
      "first signature recorded: %s" % g)
r = admin.request("GET", "/api/v1/evaluations/%d/minutes.pdf" % EID)
check(r.body == b1, "current minutes are the first upload")
r = upload(admin, b1)
check(r.status == 400 and r.error_code() == "minutes_not_extended", "the same file again is no second signature")
t2 = bytearray(b2)
m = re.search(rb"/M ?\(D:(\d)", b2[len(b1):])
pos = len(b1) + m.start(1)
t2[pos] = ord("1") if t2[pos] != ord("1") else ord("2")
r = upload(admin, bytes(t2))
check(r.status == 400 and r.error_code() == "minutes_signature_invalid", "tampered second upload refused")
r = upload(admin, b2)
check(r.status == 200 and r.json()["state"] == "signed_by_both", "second party's upload accepted: %s" % r.body[:300])
sigs = r.json()["signatures"]
check([s["seq"] for s in sigs] == [1, 2] and sigs[1]["signer"] == "Siti Rahmawati" and sigs[1]["uploaded_by"] == demo["admin"]["user"],
      "both signatures recorded")
r = upload(admin, b2)
check(r.status == 409 and r.error_code() == "minutes_signed", "a third upload refused")
r = admin.request("GET", "/api/v1/evaluations/%d/minutes.pdf" % EID)
check(r.body == b2, "current minutes carry both signatures")
check(one("SELECT COUNT(*) FROM audit WHERE action = 'monev.minutes.sign' AND object = ?", "evaluation:%d" % EID) == "2" and
      one("SELECT COUNT(*) FROM audit WHERE action = 'monev.minutes.freeze'") == "1", "minutes steps audited")
p = teken("audit", "verify", "--dir", d, check_rc=False)
check(p.returncode == 0, "audit chain intact: %s" % p.stdout[-200:] + p.stderr[-200:])

# --- dashboard against the store.
r = auditor.request("GET", "/api/v1/dashboard")
check(r.status == 200, "dashboard: %s" % r.body[:200])
db_ = r.json()
day0 = int(datetime.datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=datetime.timezone.utc).timestamp()) - 7 * 3600
month0 = int(datetime.datetime(TODAY.year, TODAY.month, 1, tzinfo=datetime.timezone.utc).timestamp()) - 7 * 3600
signed_today = int(one("SELECT COUNT(*) FROM documents WHERE signed_at >= ?", day0))
check(signed_today == 3, "three documents signed in this test: %d" % signed_today)
check(db_["counts"]["documents_today"] == signed_today and
      db_["counts"]["documents_month"] == int(one("SELECT COUNT(*) FROM documents WHERE signed_at >= ?", month0)), "documents counted")
check(db_["counts"]["officials"] == int(one("SELECT COUNT(*) FROM subscribers WHERE status = 'active'")), "officials counted")
check(db_["counts"]["requests_pending"] == int(one("SELECT COUNT(*) FROM requests WHERE status = 'pending'")), "pending requests counted")
series = db_["volume"]["series"]
check(len(series) == 30 and series[-1]["date"] == TODAY.isoformat() and series[-1]["count"] == 3 and sum(s["count"] for s in series) == 3,
      "volume per WIB day ends today with our three: %s" % series[-3:])
check(db_["open_items"]["evaluation_actions"] == {"available": True, "open": 3, "overdue": 0}, "open actions: %s" % db_["open_items"])
# The issuer's recommendations (svc/policy, docs/policy.md): counted from their table, none here yet.
check(db_["open_items"]["review_recommendations"] == {"available": True, "open": 0, "in_progress": 0, "overdue": 0, "overdue_list": []}
      and one("SELECT COUNT(*) FROM recommendations") == "0", "recommendations open item: %s" % db_["open_items"]["review_recommendations"])
# Support tickets (svc/support): none opened in this test.
check(db_["open_items"]["tickets"] == {"available": True, "open": 0, "answered": 0, "unanswered": 0, "oldest_unanswered_at": None},
      "tickets: %s" % db_["open_items"]["tickets"])
check(db_["open_items"]["evaluation"]["last_held_on"] == TODAY.isoformat(), "last evaluation known")
h = db_["health"]
check(h["store"]["status"] == "ok" and h["tsa"]["status"] == "ok" and h["ocsp"]["stale"] == 0 and h["audit"]["seq"] == int(one("SELECT seq FROM audit_head")),
      "health: %s" % h)
check(all(c["status"] == "ok" for c in h["crl"]) and len(h["crl"]) >= 1, "CRLs fresh")
tsa_serial = one("SELECT value FROM meta WHERE key = 'cert.tsa'")
check(h["tsa"]["certificate"]["serial"] == tsa_serial and h["tsa"]["certificate"]["status"] == "valid" and
      abs(h["tsa"]["certificate"]["days_left"] - (int(one("SELECT not_after FROM certs WHERE serial = ?", tsa_serial)) - NOW0) // 86400) <= 1,
      "TSA certificate validity: %s" % h["tsa"]["certificate"])
check(h["ocsp"]["signer_certificate"]["serial"] == one("SELECT value FROM meta WHERE key = 'cert.ocsp'") and
      h["ocsp"]["signer_certificate"]["status"] == "valid", "OCSP signer certificate validity")
exp_n = int(one("SELECT COUNT(*) FROM certs WHERE status = 'valid' AND not_after > ? AND not_after <= ?", NOW0, NOW0 + 30 * 86400))
check(db_["expiring"]["count"] == exp_n, "expiring count")
check(demo["subscriber"]["user"] not in r.body.decode() and "Siti" not in r.body.decode(), "the dashboard names no person")
out = json.loads(teken("monev", "dashboard", "--dir", d).stdout)
check(out["counts"]["documents_today"] == 3, "CLI dashboard agrees")

# --- reminders (test clock). Nothing is due yet.
check(teken("monev", "remind", "--dir", d).stdout.strip() == "queued 0 reminders", "nothing due today")


def outbox(subject_like):
    return int(one("SELECT COUNT(*) FROM outbox WHERE subject LIKE ?", subject_like))


def restart():
    global srv
    srv.stop()
    srv = Server(d, rate_limit=True)  # the first start already switched the rate limit off


def wait_for(fn, what, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if fn():
            return
        time.sleep(0.3)
    check(False, what)


# Ten days on: A1 (owner e-mail) and A2 (no e-mail: the contacts) are overdue; A3 is closed; E2's action is not due.
set_clock(NOW0 + 10 * 86400)
restart()
wait_for(lambda: outbox("%%overdue (#%d)" % A1) == 1 and outbox("%%overdue (#%d)" % A2) == 1, "overdue reminders queued by the jobs")
check(outbox("%%overdue (#%d)" % A3) == 0, "closed action not reminded")
check(outbox("%overdue%") == 2 and outbox("%evaluation due%") == 0, "only the overdue ones")
restart()
time.sleep(3)
check(teken("monev", "remind", "--dir", d).stdout.strip() == "queued 0 reminders", "CLI finds nothing new")
check(outbox("%overdue%") == 2, "not again after a restart")
# The owner's address is sealed in the store, like every outbox recipient.
raw = sql("SELECT owner_email FROM evaluation_actions WHERE id = ?", A1)[0][0]
check("dewi@" not in raw, "owner e-mail sealed at rest")

# E2's action would fall due in the months below: the CLI cancels it.
out = json.loads(teken("monev", "action", "update", "--dir", d, "--id", str(E2), "--action", str(E2A), "--status", "cancelled",
                       "--note", "Digabung dengan tindak lanjut evaluasi tahunan").stdout)
check(out["actions"][0]["status"] == "cancelled" and out["actions"][0]["closed_at"], "CLI closes an action")
# Eleven months after the last evaluation (held today): one evaluation-due reminder, to the one contact.
due = datetime.date(TODAY.year + (TODAY.month + 11 - 1) // 12, (TODAY.month + 11 - 1) % 12 + 1, min(TODAY.day, 28))
t_due = int(datetime.datetime(due.year, due.month, due.day, 12, tzinfo=datetime.timezone.utc).timestamp())
set_clock(t_due - 2 * 86400)
p = teken("monev", "remind", "--dir", d)
check(p.stdout.strip() == "queued 0 reminders", "not before eleven months: %s" % p.stdout)
set_clock(t_due + 86400)
restart()
wait_for(lambda: outbox("%Cooperation evaluation due%") == 1, "evaluation-due reminder queued by the jobs")
restart()
time.sleep(3)
check(outbox("%Cooperation evaluation due%") == 1, "one evaluation-due reminder, not two after a restart")
check(one("SELECT COUNT(*) FROM oversight_reminders_sent WHERE kind = 'monev.evaluation_due'") == "1", "claimed once")
check(int(one("SELECT COUNT(*) FROM audit WHERE action = 'monev.reminder'")) == 3, "reminders audited")
r = login("admin").request("GET", "/api/v1/dashboard")
check(r.json()["open_items"]["evaluation"]["due"] is True and r.json()["open_items"]["evaluation_actions"]["overdue"] >= 2, "dashboard shows what is due")

# Delivery: the queued reminders reach the contact over SMTP.
from tekentest import SmtpSink  # noqa: E402
sink = SmtpSink()
with open(os.path.join(d, "teken.conf"), "a") as f:
    f.write("\n[smtp]\nurl = smtp://127.0.0.1:%d\nstarttls = no\n" % sink.port)
teken("notify", "send", "--dir", d)
rcpts = [m["rcpt"] for m in sink.messages if "Cooperation evaluation due" in m["data"] or "evaluation due" in m["data"].lower()]
check(any("<%s>" % CONTACT in x for r_ in rcpts for x in r_), "the contact got the evaluation reminder: %s" % rcpts)
check(any("<dewi@kementerian.example>" in x for m in sink.messages for x in m["rcpt"]), "the owner got the overdue reminder")

srv.stop()
finish("monev" + (" (postgres)" if STORE else ""))
