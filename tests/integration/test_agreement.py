#!/usr/bin/env python3
"""The agreement register (R15, docs/agreements.md) against a real `teken serve`.

A fresh instance holds the demo agreement (signed 2025-01-24 for four years:
in force through 2029-01-23) with both parties' contacts; agreements are
created, corrected, extended by an addendum and ended over HTTP and the CLI,
with ends_on written out by hand; the signed PDF is made with `teken sign`,
judged by pdfsig, uploaded and verified (a PDF without a signature, a
tampered one and a non-PDF are refused and change nothing); contact changes
get their notice_due from the 7-working-day rule (dates computed by hand
across Nyepi, Idul Fitri, cuti bersama and the year end); the usage report
prints the agreement in force; reminders through the outbox with the test
clock reach a local SMTP sink once each. On SQLite by default;
test_agreement_pg.sh runs it on PostgreSQL (TEKEN_TEST_STORE).
"""
import calendar
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, SmtpSink, check, finish, store_sql, teken, tmpdir, write_clock  # noqa: E402

for tool in ("pdfsig", "qpdf"):
    check(shutil.which(tool) is not None, "oracle %s is installed" % tool)

SRC = os.environ.get("TEKEN_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
T = tmpdir()
d = os.path.join(T, "inst")
STORE = os.environ.get("TEKEN_TEST_STORE")
CLOCK = os.path.join(T, "clock")
NOW0 = (int(time.time()) + 7 * 3600) // 86400 * 86400 - 7 * 3600 + 12 * 3600  # noon WIB today


def noon_wib(day):
    """Noon WIB of a calendar date (YYYY-MM-DD) as a Unix time."""
    y, m, dd = (int(x) for x in day.split("-"))
    return calendar.timegm((y, m, dd, 12, 0, 0)) - 7 * 3600


write_clock(CLOCK, NOW0)
os.environ["TEKEN_TEST_CLOCK_FILE"] = CLOCK
teken("init", "--dir", d, "--demo", "--key-alg", "ec-p256", *(["--store", STORE] if STORE else []))
demo = json.load(open(os.path.join(d, "demo.json")))
CONTACT = "monev@kementerian.example"
sink = SmtpSink()
with open(os.path.join(d, "teken.conf"), "a") as f:
    f.write("\n[monev]\ncontacts = %s\n[smtp]\nurl = smtp://127.0.0.1:%d\nstarttls = no\n" % (CONTACT, sink.port))
db = os.path.join(d, "teken.db")


def sql(q, *args):
    return store_sql(db, STORE, q, *args)


def one(q, *args):
    return sql(q, *args)[0][0]


def audit_count(action=None):
    if action is None:
        return int(one("SELECT COUNT(*) FROM audit"))
    return int(one("SELECT COUNT(*) FROM audit WHERE action = ?", action))


# The reminder steps run from the CLI: the server's own hourly jobs must not race them.
srv = Server(d, jobs=False)


def login(user, password):
    c = Client(srv)
    r = c.login(user, password)
    check(r.status == 200, "login %s: %s" % (user, r.body))
    return c


admin = login(demo["admin"]["user"], demo["admin"]["password"])
auditor = login(demo["auditor"]["user"], demo["auditor"]["password"])
sub = login(demo["subscriber"]["user"], demo["subscriber"]["password"])
verif = login(demo["verifikators"][0]["user"], demo["verifikators"][0]["password"])
app = Client(srv)
app.bearer = demo["application"]["api_key"]

# --- The demo agreement of a fresh instance.
lst = admin.request("GET", "/api/v1/agreements")
check(lst.status == 200 and len(lst.json()) == 1, "one agreement in a fresh instance: %s" % lst.body[:300])
agr = admin.request("GET", "/api/v1/agreements/1").json()
check(agr["signed_on"] == "2025-01-24" and agr["term_months"] == 48 and agr["ends_on"] == "2029-01-23",
      "the demo agreement runs four years from 2025-01-24 through 2029-01-23: %r" % {k: agr[k] for k in ("signed_on", "term_months", "ends_on")})
check(agr["status"] == "in_force" and agr["in_force_now"] is True and agr["pdf"] is None, "in force, no signed PDF yet")
today = datetime.datetime.fromtimestamp(NOW0 + 7 * 3600, datetime.timezone.utc).date()
check(agr["days_left"] == (datetime.date(2029, 1, 23) - today).days, "days left to 2029-01-23 from %s: %d" % (today, agr["days_left"]))
check(agr["party_first"].startswith("Sekretariat Jenderal ") and agr["party_second"] == "Sekretariat Utama Badan Siber dan Sandi Negara",
      "the parties: %s / %s" % (agr["party_first"], agr["party_second"]))
check(agr["number_first"] != "" and agr["number_second"] != "", "both numbers")
for party in ("first", "second"):
    ct = agr["contacts"][party]
    check(ct is not None and ct["valid_from"] == "2025-01-24" and ct["valid_to"] is None and ct["notice_status"] == "initial" and
          "(contoh)" in ct["official"] and ct["email"] == "", "party %s has a demo contact, with no e-mail to send to: %r" % (party, ct))
check(len(agr["contact_history"]) == 2, "two contact rows")
check(one("SELECT details FROM audit WHERE action = 'agreement.create' ORDER BY seq LIMIT 1").find('"demo"') >= 0,
      "the seed is audited as agreement.create (seed demo)")
cli = json.loads(teken("agreement", "get", "--dir", d, "--id", "1", "--format", "json").stdout)
check(cli["ends_on"] == "2029-01-23" and cli["contacts"]["second"]["official"] == agr["contacts"]["second"]["official"], "the CLI shows the same")
check(teken("agreement", "list", "--dir", d, "--format", "text", check_rc=False).returncode == 2, "--format: only json")

# --- Who may: admins and auditors read; an official, a Verifikator, an application and nobody are refused.
n = audit_count()
for who, c in (("official", sub), ("verifikator", verif), ("application", app)):
    check(c.request("GET", "/api/v1/agreements").status == 403, "%s may not list agreements" % who)
    check(c.request("GET", "/api/v1/agreements/1").status == 403, "%s may not read the agreement" % who)
check(Client(srv).request("GET", "/api/v1/agreements").status == 401, "anonymous refused")
check(auditor.request("GET", "/api/v1/agreements/1").status == 200, "the issuer's auditor reads the agreement")
r = auditor.request("POST", "/api/v1/agreements/1/end", {"ended_on": "2026-01-01", "reason": "x"})
check(r.status == 403, "an auditor does not end the agreement: %d" % r.status)
r = auditor.request("POST", "/api/v1/agreements/1/contacts", {"party": "first", "changed_on": "2026-03-13", "official": "Orang Lain"})
check(r.status == 403 and r.error_code() == "forbidden", "an auditor does not record PIHAK I's contact: %d %s" % (r.status, r.body))
r = sub.request("POST", "/api/v1/agreements", {"title": "x"})
check(r.status == 403, "an official does not register agreements")
check(audit_count() == n and admin.request("GET", "/api/v1/agreements/1").json()["status"] == "in_force", "refused calls changed nothing")

# --- Create, correct, extend, end; ends_on by hand.
NEW = {"title": "Perjanjian Kerja Sama Uji", "number_first": "800/9/SJ/2025", "number_second": "9/PKS/BSrE/2025",
       "party_first": "Sekretariat Jenderal Kementerian Uji", "party_second": "Sekretariat Utama BSSN", "signed_on": "2025-06-10",
       "term_months": 24, "contacts": {"first": {"official": "Andi Uji", "email": "andi@kementerian.example"},
                                       "second": {"official": "Rina Uji", "phone": "+62 21 1", "email": "rina@bssn.example"}}}
for bad, code in ((dict(NEW, title=""), "missing_field"), (dict(NEW, signed_on="2025-02-30"), "invalid_date"),
                  (dict(NEW, term_months=0), "invalid_term"), (dict(NEW, signed_on="2099-01-01"), "signed_in_future"),
                  (dict(NEW, contacts={"first": {"official": "A", "email": "not an address"}}), "invalid_email")):
    r = admin.request("POST", "/api/v1/agreements", bad)
    check(r.status == 400 and r.error_code() == code, "refused with %s: %d %s" % (code, r.status, r.body))
r = admin.request("POST", "/api/v1/agreements", NEW)
check(r.status == 201, "created: %s" % r.body[:300])
a2 = r.json()
A2 = a2["id"]
check(a2["ends_on"] == "2027-06-09" and a2["status"] == "in_force", "signed 2025-06-10 for 24 months: through 2027-06-09 (%s)" % a2["ends_on"])
check(a2["contacts"]["second"]["phone"] == "+62 21 1", "contacts kept")
# The usage report prints the agreement in force: now the newest signed one.
rep = json.loads(admin.request("GET", "/api/v1/reports/usage?year=2026&format=json").body)
check(rep["instance"]["agreement"]["issuer_number"] == "9/PKS/BSrE/2025" and rep["instance"]["agreement"]["title"] == NEW["title"],
      "the report names the agreement in force: %r" % rep["instance"])
r = admin.request("POST", "/api/v1/agreements/%d" % A2, {"term_months": 36, "title": "Perjanjian Kerja Sama Uji (diperbaiki)"})
check(r.status == 200 and r.json()["ends_on"] == "2028-06-09" and r.json()["title"].endswith("(diperbaiki)"), "36 months: through 2028-06-09")
check(audit_count("agreement.update") == 1, "update audited")
r = admin.request("POST", "/api/v1/agreements/%d" % A2, {})
check(r.status == 400 and r.error_code() == "nothing_to_change", "an empty update is refused")
r = admin.request("POST", "/api/v1/agreements/%d/addenda" % A2, {"number": "ADD-1", "title": "Adendum I", "signed_on": "2026-01-05",
                                                                  "effective_on": "2026-01-05", "extends_to": "2028-01-01"})
check(r.status == 400 and r.error_code() == "extends_not_later", "an extension must end later than 2028-06-09")
r = admin.request("POST", "/api/v1/agreements/%d/addenda" % A2, {"number": "ADD-1", "title": "Adendum I", "signed_on": "2026-01-05",
                                                                  "effective_on": "2026-02-01", "summary": "Perpanjangan satu tahun",
                                                                  "extends_to": "2029-06-09"})
check(r.status == 201 and r.json()["status"] == "extended" and r.json()["ends_on"] == "2029-06-09", "the addendum extends it: %s" % r.body[:300])
ADD1 = r.json()["addenda"][0]["id"]
r = admin.request("POST", "/api/v1/agreements/%d" % A2, {"signed_on": "2025-06-11"})
check(r.json()["ends_on"] == "2029-06-09", "a correction of the signing date keeps the extension's end")

# --- The signed PDF: made with `teken sign`, judged by pdfsig, verified on upload.
PDF = os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf")
plain = open(PDF, "rb").read()
n = audit_count()
r = admin.request("POST", "/api/v1/agreements/%d/pdf" % A2, plain, ctype="application/pdf", raw=True)
check(r.status == 400 and r.error_code() == "no_signature", "a PDF without a signature is refused: %d %s" % (r.status, r.body))
r = admin.request("POST", "/api/v1/agreements/%d/pdf" % A2, b"hello, not a pdf", ctype="application/pdf", raw=True)
check(r.status == 400 and r.error_code() == "not_pdf", "a non-PDF is refused: %d %s" % (r.status, r.body))
check(audit_count() == n and admin.request("GET", "/api/v1/agreements/%d" % A2).json()["pdf"] is None, "nothing kept, nothing audited")
signed = os.path.join(T, "perjanjian-ttd.pdf")
teken("sign", "--dir", d, "--in", PDF, "--out", signed, "--seal")
p = subprocess.run(["pdfsig", signed], capture_output=True, text=True)
check("Signature is Valid" in p.stdout, "pdfsig: the signed agreement's signature is valid: %s" % p.stdout)
check(subprocess.run(["qpdf", "--check", signed], capture_output=True).returncode in (0, 3), "qpdf --check accepts the signed PDF")
sbytes = open(signed, "rb").read()
sha = hashlib.sha256(sbytes).hexdigest()
r = auditor.request("POST", "/api/v1/agreements/%d/pdf" % A2, sbytes, ctype="application/pdf", raw=True)
check(r.status == 403, "an auditor does not upload the agreement")
r = admin.request("POST", "/api/v1/agreements/%d/pdf" % A2, sbytes, ctype="application/pdf", raw=True)
check(r.status == 200, "signed PDF uploaded: %s" % r.body[:300])
pdf = r.json()["pdf"]
check(pdf["sha256"] == sha and pdf["size"] == len(sbytes), "kept with its SHA-256")
check(pdf["indication"] == "TOTAL_PASSED" and len(pdf["signatures"]) == 1 and pdf["signatures"][0]["indication"] == "TOTAL_PASSED",
      "the verification indication is kept: %r" % pdf)
regid = one("SELECT id FROM documents WHERE sha256 = ?", sha)
check(pdf["document_id"] == regid, "linked to its registry record %s: %r" % (regid, pdf["document_id"]))
r = auditor.request("GET", "/api/v1/agreements/%d/pdf" % A2)
check(r.status == 200 and r.body == sbytes and r.headers["content-type"].startswith("application/pdf"), "the issuer downloads the same bytes")
# Tampered: one byte of the signed content changed; the signature fails and the kept file stays.
tampered = bytearray(sbytes)
i = sbytes.find(b"/MediaBox")
tampered[i + 1] = ord("m")
r = admin.request("POST", "/api/v1/agreements/%d/pdf" % A2, bytes(tampered), ctype="application/pdf", raw=True)
check(r.status == 422 and r.error_code() == "signature_failed", "a failed signature is refused: %d %s" % (r.status, r.body))
check(admin.request("GET", "/api/v1/agreements/%d" % A2).json()["pdf"]["sha256"] == sha, "the kept PDF did not change")
check(audit_count("agreement.pdf") == 1, "one upload audited")
# The addendum's signed PDF, through the CLI.
out = json.loads(teken("agreement", "upload", "--dir", d, "--id", str(A2), "--addendum", str(ADD1), "--in", signed).stdout)
check(out["addenda"][0]["pdf"]["sha256"] == sha, "addendum PDF kept")
got = os.path.join(T, "add.pdf")
teken("agreement", "download", "--dir", d, "--id", str(A2), "--addendum", str(ADD1), "-o", got)
check(open(got, "rb").read() == sbytes, "the CLI downloads the addendum's PDF")
check(teken("agreement", "upload", "--dir", d, "--id", str(A2), "--in", PDF, check_rc=False).returncode == 1, "the CLI refuses an unsigned PDF too")

# --- Ending.
r = admin.request("POST", "/api/v1/agreements/%d/end" % A2, {"ended_on": "2026-11-30", "reason": "Diganti perjanjian baru"})
check(r.status == 200 and r.json()["status"] == "ended" and r.json()["ended_on"] == "2026-11-30" and r.json()["in_force_now"] is False, "ended")
check(admin.request("POST", "/api/v1/agreements/%d/end" % A2, {"ended_on": "2026-11-30", "reason": "x"}).status == 409, "ended once")
check(admin.request("POST", "/api/v1/agreements/%d" % A2, {"title": "x"}).error_code() == "agreement_ended", "an ended agreement does not change")
rep = json.loads(admin.request("GET", "/api/v1/reports/usage?year=2026&format=json").body)
check(rep["instance"]["agreement"]["issuer_number"] == agr["number_second"], "after the end the report names the demo agreement again")
check(admin.request("GET", "/api/v1/agreements/999").status == 404, "unknown agreement: 404")
# The CLI mirrors the API: create from a file, an addendum, the end; an auditor (--as) may not create.
f = os.path.join(T, "agr.json")
json.dump(dict(NEW, title="Perjanjian CLI", signed_on="2024-03-01", term_months=12, contacts=None), open(f, "w"))
out = json.loads(teken("agreement", "create", "--dir", d, "--file", f).stdout)
A3 = out["id"]
check(out["ends_on"] == "2025-02-28", "CLI: 2024-03-01 + 12 months: 2025-02-28 (%s)" % out["ends_on"])
pw = os.path.join(T, "aud.pw")
open(pw, "w").write(demo["auditor"]["password"] + "\n")
p = teken("agreement", "create", "--dir", d, "--file", f, "--as", demo["auditor"]["user"], "--password-file", pw, check_rc=False)
check(p.returncode == 1 and "admins" in p.stderr, "an auditor may not create through the CLI either: %s" % p.stderr)
json.dump({"number": "ADD-CLI", "title": "Adendum CLI", "signed_on": "2025-01-10", "effective_on": "2025-01-10", "extends_to": "2025-12-31"}, open(f, "w"))
out = json.loads(teken("agreement", "addendum", "--dir", d, "--id", str(A3), "--file", f).stdout)
check(out["status"] == "extended" and out["ends_on"] == "2025-12-31", "CLI addendum extends it")
out = json.loads(teken("agreement", "end", "--dir", d, "--id", str(A3), "--on", "2025-12-31", "--reason", "Selesai").stdout)
check(out["status"] == "ended", "CLI end")
check(teken("agreement", "end", "--dir", d, "--id", str(A3), "--on", "2025-12-31", "--reason", "x", check_rc=False).returncode == 1, "ended once (CLI)")

# --- Contact changes: notice_due = 7 working days (art. 15(2)), computed by hand.
# Friday 2026-03-13: Mon 16 (1), Tue 17 (2), Wed 18 cuti bersama Nyepi, Thu 19 Nyepi, Fri 20 cuti bersama Idul Fitri,
# Sat 21 / Sun 22 Idul Fitri, Mon 23 and Tue 24 cuti bersama, Wed 25 (3), Thu 26 (4), Fri 27 (5), Mon 30 (6), Tue 31 (7).
write_clock(CLOCK, noon_wib("2026-03-13"))
NEWFIRST = "pusdatin.baru@kementerian.example"
r = admin.request("POST", "/api/v1/agreements/1/contacts", {"party": "first", "changed_on": "2026-03-13", "official": "Citra Baru",
                                                            "position": "Kepala Pusdatin", "email": NEWFIRST, "phone": "+62 21 5"})
check(r.status == 201, "contact change recorded: %s" % r.body[:300])
cur = r.json()["contacts"]["first"]
check(cur["changed_on"] == "2026-03-13" and cur["notice_due"] == "2026-03-31" and cur["notice_status"] == "pending" and cur["letter_id"] is None,
      "notice due 2026-03-31: %r" % cur)
hist = admin.request("GET", "/api/v1/agreements/1/contacts?party=first").json()
check(len(hist) == 2 and hist[0]["valid_to"] == "2026-03-13" and hist[1]["valid_from"] == "2026-03-13" and hist[1]["valid_to"] is None,
      "the old row closed on the change, the new one open: %r" % hist)
# The issuer's auditor records PIHAK II's change from their letter.
r = auditor.request("POST", "/api/v1/agreements/1/contacts", {"party": "second", "changed_on": "2026-03-13", "official": "Dewi Penerbit",
                                                              "email": "dewi@bssn.example"})
check(r.status == 201 and r.json()["contacts"]["second"]["notice_due"] == "2026-03-31" and
      r.json()["contacts"]["second"]["notice_status"] == "received", "PIHAK II's change recorded by the auditor: %s" % r.body[:300])
# Across the year end (2027 has no decree: provisional, fixed-date holidays only): Wed 2026-12-23; Thu 24 cuti bersama, Fri 25 Natal,
# Mon 28 (1), Tue 29 (2), Wed 30 (3), Thu 31 (4), Fri 2027-01-01 Tahun Baru, Mon 4 (5), Tue 5 (6), Wed 6 (7).
out = json.loads(teken("agreement", "contact", "change", "--dir", d, "--id", "1", "--party", "second", "--changed-on", "2026-12-23",
                       "--official", "Eko Penerbit", "--email", "eko@bssn.example").stdout)
check(out["contacts"]["second"]["notice_due"] == "2027-01-06", "across the year end: 2027-01-06 (%s)" % out["contacts"]["second"]["notice_due"])
for bad, code in (({"party": "second", "changed_on": "2026-12-01", "official": "X"}, "changed_before_current"),
                  ({"party": "third", "changed_on": "2026-12-24", "official": "X"}, "invalid_party"),
                  ({"party": "second", "changed_on": "2026-12-24", "official": "X", "email": "a@b@c"}, "invalid_email"),
                  ({"party": "second", "changed_on": "24-12-2026", "official": "X"}, "invalid_date")):
    r = admin.request("POST", "/api/v1/agreements/1/contacts", bad)
    check(r.status == 400 and r.error_code() == code, "contact change refused with %s: %d %s" % (code, r.status, r.body))
check(len(admin.request("GET", "/api/v1/agreements/1").json()["contact_history"]) == 5, "five rows in the history")
check(audit_count("agreement.contact.change") == 3, "each change audited")
# The issuer's contact e-mail of the register is who the report goes to (agreement_current).
check(admin.request("GET", "/api/v1/agreements/1").json()["contacts"]["second"]["email"] == "eko@bssn.example", "current issuer contact")


# --- Reminders: the contact-change notice (warning 2 working days before, then overdue) and the expiry windows, once each.
def remind():
    p = teken("agreement", "remind", "--dir", d)
    return int(p.stdout.split()[1])


def at(day):
    write_clock(CLOCK, noon_wib(day))


at("2026-03-26")
check(remind() == 0, "no reminder before the warning day (the 2nd working day before 2026-03-31 is 2026-03-27)")
at("2026-03-27")
check(remind() == 2, "the warning to the [monev] contact and PIHAK I's new contact")
check(remind() == 0, "queued once")
at("2026-03-31")
check(remind() == 0, "nothing new on the last day")
at("2026-04-01")
check(remind() == 2, "overdue after 2026-03-31 without a letter")
check(remind() == 0, "overdue queued once")
# A change that a letter notified (svc/letter sets letter_id) is not reminded.
r = admin.request("POST", "/api/v1/agreements/1/contacts", {"party": "first", "changed_on": "2026-04-01", "official": "Fajar Baru",
                                                            "email": "fajar@kementerian.example"})
cid = r.json()["contacts"]["first"]["id"]
sql("UPDATE agreement_contacts SET letter_id = 77 WHERE id = ?", cid)
check(admin.request("GET", "/api/v1/agreements/1").json()["contacts"]["first"]["notice_status"] == "notified", "notified by letter 77")
at("2026-05-04")
check(remind() == 0, "a notified change gets no reminder")
teken("notify", "send", "--dir", d)
warn = [m for m in sink.messages if "Contact-change notice due 2026-03-31" in m["data"]]
late = [m for m in sink.messages if "Contact-change notice overdue" in m["data"]]
check(len(warn) == 2 and len(late) == 2, "two warnings and two overdue notices delivered: %d %d" % (len(warn), len(late)))
rc = sorted(x for m in warn for x in m["rcpt"])
check(rc == sorted(["<%s>" % CONTACT, "<%s>" % NEWFIRST]), "to the [monev] contact and PIHAK I's contact at the time: %r" % rc)

# Expiry of the demo agreement (2029-01-23): 6 months before (2028-07-23), 3 months before (2028-10-23), on the day.
before = len(sink.messages)
at("2028-07-22")
check(remind() == 0, "no expiry reminder before 2028-07-23")
at("2028-07-23")
check(remind() == 2, "six months before the end")
check(remind() == 0, "once")
at("2028-10-22")
check(remind() == 0, "the 6-month reminder is not repeated")
at("2028-10-23")
check(remind() == 2, "three months before the end")
at("2029-01-22")
check(remind() == 0, "nothing the day before the end")
# On the end date the server's own hourly jobs queue it (the jobs loop runs them at start).
srv.stop()
at("2029-01-23")
srv = Server(d)
for _ in range(150):
    if sql("SELECT ref FROM oversight_reminders_sent WHERE kind = 'agreement.expiry' AND ref = ?", "1:2029-01-23:end"):
        break
    time.sleep(0.2)
check(len(sql("SELECT ref FROM oversight_reminders_sent WHERE ref = ?", "1:2029-01-23:end")) == 1, "the jobs loop queued the end-date reminder")
srv.stop()
srv = Server(d, jobs=False)
check(remind() == 0, "once, whoever queued it")
teken("notify", "send", "--dir", d)
new = sink.messages[before:]
subj = [m for m in new if "The cooperation agreement ends" in m["data"]]
check(len(subj) == 6, "six expiry mails delivered: %d" % len(subj))
check(sum("ends in 6 months (2029-01-23)" in m["data"] for m in subj) == 2 and sum("ends in 3 months (2029-01-23)" in m["data"] for m in subj) == 2,
      "the 6- and 3-month windows")
check(int(one("SELECT COUNT(*) FROM oversight_reminders_sent WHERE kind LIKE 'agreement.%'")) == 5, "five claims (2 contact, 3 expiry)")
check(audit_count("agreement.reminder") == 5, "each reminder audited")

srv.stop()
p = teken("audit", "verify", "--dir", d)
check("intact" in p.stdout, "audit chain intact: %s" % p.stdout)
finish("test_agreement.py" + (" (PostgreSQL)" if STORE else ""))
