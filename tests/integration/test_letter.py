#!/usr/bin/env python3
"""Signed correspondence (R15, docs/agreements.md "Correspondence") against a real `teken serve`.

A contact-change letter is drafted by the admin from the register (the ministry's new contact),
previewed and signed by the demo official with her passphrase (PAdES with a visible stamp): the
oracles pdfsig (signature valid, whole file covered) and qpdf --check judge the signed PDF. The
admin sends it; `teken notify send` delivers the outbox to an SMTP sink started here, and the
MIME message is parsed here: the attached PDF's SHA-256 must equal the letter's. The issuer has
7 working days (from the send date) to acknowledge; the test clock is moved past them and
`teken letter remind` queues one reminder to the [monev] contacts and the ministry's contact, not
a second time. A termination dated less than 60 calendar days before its end and an amendment with
fewer than 45 working days (across Nyepi, Idul Fitri 2026 and its cuti bersama, Good Friday and
Labour Day) are refused with the dates computed by hand below. Role checks: the auditor cannot draft
and does not see drafts, another official cannot sign, the admin cannot sign. The auditor
acknowledges the letter after the reminder (audited). Incoming letters: an unsigned scan is registered and
marked unsigned; an incoming amendment proposal gets reply_due = effective date - 1 day. A late written
force-majeure notice is allowed and flagged late, with evidence attached. The CLI drafts, signs as the
official (--as, wrong identity refused), sends and records an acknowledgement received by mail.
SQLite by default; test_letter_pg.sh runs it on PostgreSQL (TEKEN_TEST_STORE).
"""
import datetime
import email
import email.policy
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, SmtpSink, check, finish, multipart, store_sql, teken, tmpdir, write_clock  # noqa: E402

for tool in ("pdfsig", "qpdf", "pdftotext"):
    check(shutil.which(tool) is not None, "oracle %s is installed" % tool)

T = tmpdir()
d = os.path.join(T, "inst")
STORE = os.environ.get("TEKEN_TEST_STORE")
CLOCK = os.path.join(T, "clock")
WIB = datetime.timezone(datetime.timedelta(hours=7))
# Noon WIB of a fixed Monday, 2026-12-07, so the day arithmetic below is by hand and runs near midnight do not flake.
NOW0 = int(datetime.datetime(2026, 12, 7, 12, 0, tzinfo=WIB).timestamp())
write_clock(CLOCK, NOW0)
os.environ["TEKEN_TEST_CLOCK_FILE"] = CLOCK
teken("init", "--dir", d, "--demo", "--key-alg", "ec-p256", *(["--store", STORE] if STORE else []))
demo = json.load(open(os.path.join(d, "demo.json")))
db = os.path.join(d, "teken.db")
sink = SmtpSink()
CONTACTS = "monev@kementerian.example"
with open(os.path.join(d, "teken.conf"), "a") as f:
    f.write("\n[monev]\ncontacts = %s\n" % CONTACTS)
    f.write("\n[smtp]\nurl = smtp://127.0.0.1:%d\nstarttls = no\n" % sink.port)


def sql(q, *args):
    return store_sql(db, STORE, q, *args)


# ---- the register: the demo agreement when the register made one, else one inserted here
rows = sql("SELECT MIN(id) FROM agreements")
AG = int(rows[0][0]) if rows and rows[0][0] else 0
if AG == 0:
    sql("INSERT INTO agreements (title, number_first, number_second, party_first, party_second, signed_on, term_months, ends_on,"
        " created_by, created_at, updated_at) VALUES ('Pemanfaatan Sertifikat Elektronik', 'PKS-01/KEM/2025', '12/BSrE/PKS/2025',"
        " 'Kementerian Contoh Republik Indonesia', 'Balai Besar Sertifikasi Elektronik (BSrE) BSSN', '2025-01-24', 48, '2029-01-23',"
        " 'test', 0, 0)")
    AG = int(sql("SELECT MIN(id) FROM agreements")[0][0])
ISSUER_MAIL = "narahubung.bsre@bsre.example"
OWN_MAIL = "narahubung.baru@kementerian.example"
# The issuer's current contact (the recipient), and the ministry's contact change recorded on Monday 2026-11-30.
sql("UPDATE agreement_contacts SET valid_to = '2026-11-29' WHERE agreement_id = ? AND valid_to IS NULL", AG)
sql("INSERT INTO agreement_contacts (agreement_id, party, official, position, address, phone, email, valid_from, recorded_by, recorded_at)"
    " VALUES (?, 'second', 'Rina Kusuma', 'Kepala Bagian Layanan', 'Jl. Harsono RM 70, Jakarta', '021-1234', ?, '2025-01-24', 'test', 0)", AG, ISSUER_MAIL)
sql("INSERT INTO agreement_contacts (agreement_id, party, official, position, address, phone, email, valid_from, valid_to, recorded_by, recorded_at)"
    " VALUES (?, 'first', 'Budi Santoso', 'Kepala Pusat Data dan Informasi', 'Jl. Medan Merdeka 1, Jakarta', '021-5555', 'budi@kementerian.example',"
    " '2025-01-24', '2026-11-29', 'test', 0)", AG)
sql("INSERT INTO agreement_contacts (agreement_id, party, official, position, address, phone, email, valid_from, changed_on, notice_due, recorded_by, recorded_at)"
    " VALUES (?, 'first', 'Dewi Lestari', 'Kepala Pusat Data dan Informasi', 'Jl. Medan Merdeka 1, Jakarta', '021-5556', ?, '2026-11-30',"
    " '2026-11-30', '2026-12-09', 'test', 0)", AG, OWN_MAIL)
NEW_CONTACT = int(sql("SELECT MAX(id) FROM agreement_contacts WHERE agreement_id = ? AND party = 'first'", AG)[0][0])

srv = Server(d, jobs=False)
admin, auditor, off, ver = Client(srv), Client(srv), Client(srv), Client(srv)
check(admin.login(demo["admin"]["user"], demo["admin"]["password"]).status == 200, "admin logs in")
check(auditor.login(demo["auditor"]["user"], demo["auditor"]["password"]).status == 200, "auditor logs in")
check(off.login(demo["subscriber"]["user"], demo["subscriber"]["password"]).status == 200, "official logs in")
check(ver.login(demo["verifikators"][0]["user"], demo["verifikators"][0]["password"]).status == 200, "verifikator logs in")
OFFICIAL = demo["subscriber"]["user"]
PASS = demo["subscriber"]["passphrase"]

# ---- deadline refusals, hand-computed
# Termination: a letter dated 2026-12-07 for an end on 2027-01-20. 60 calendar days before 2027-01-20:
# 20 days back is 2026-12-31, 40 more is 2026-11-21 (the last valid letter date). The earliest end for a
# letter dated 2026-12-07: 24 days to 2026-12-31, 36 more is 2027-02-05.
r = admin.request("POST", "/api/v1/letters", {"kind": "termination", "event_date": "2027-01-20", "signatory": OFFICIAL,
                                              "fields": {"reason": "uji"}})
check(r.status == 400 and r.error_code() == "too_late", "late termination refused: %s %s" % (r.status, r.body[:300]))
msg = r.json()["error"]["message"]
check("2026-11-21" in msg and "2027-02-05" in msg, "termination refusal names 2026-11-21 and 2027-02-05: %s" % msg)
check(sql("SELECT COUNT(*) FROM letters")[0][0] == "0", "nothing stored by the refusal")
r = admin.request("POST", "/api/v1/letters", {"kind": "termination", "event_date": "2027-02-05", "signatory": OFFICIAL, "letter_date": "2026-12-07"})
check(r.status == 201 and r.json()["deadline"] == "2026-12-07" and r.json()["late"] is False, "termination on the earliest end accepted: %s" % r.body[:300])
TERM = r.json()["id"]
# Signed on its last valid day, but sent a day later: refused, the notice would not count (art. 7(2)).
r = off.request("POST", "/api/v1/letters/%d/sign" % TERM, {"passphrase": PASS})
check(r.status == 200 and r.json()["status"] == "signed", "termination signed on its deadline: %s" % r.body[:200])
write_clock(CLOCK, NOW0 + 86400)
p = teken("letter", "send", "--dir", d, "--id", str(TERM), check_rc=False)
check(p.returncode != 0 and "too late" in p.stderr and "2026-12-07" in p.stderr, "sending it on 2026-12-08 is refused as too late: %s" % p.stderr)
check(sql("SELECT status FROM letters WHERE id = ?", TERM)[0][0] == "signed", "the refused send changes nothing")
write_clock(CLOCK, NOW0)

# Amendment dated 2026-02-20 taking effect 2026-04-20 (a Monday). 45 working days counted back from
# 2026-04-20 skip Good Friday 04-03, the Idul Fitri block 03-18..03-24 (cuti bersama 18, Nyepi 19,
# cuti 20, 23, 24) and Imlek 02-16/02-17: Apr 17..6 = 10, Apr 2..Mar 25 = 17, Mar 17..Feb 18 = 37,
# Feb 13..Feb 4 = 45 -> the deadline is 2026-02-04. From 2026-02-20 forward the 45th working day is
# 2026-05-04 (Labour Day 05-01 skipped), so the earliest effective date is 2026-05-05.
r = admin.request("POST", "/api/v1/letters", {"kind": "amendment_proposal", "letter_date": "2026-02-20", "event_date": "2026-04-20",
                                              "signatory": OFFICIAL, "fields": {"summary": "Perubahan lampiran"}})
check(r.status == 400 and r.error_code() == "too_late", "amendment with < 45 working days refused: %s" % r.body[:300])
msg = r.json()["error"]["message"]
check("2026-02-04" in msg and "2026-05-05" in msg, "amendment refusal names 2026-02-04 and 2026-05-05: %s" % msg)
r = admin.request("GET", "/api/v1/letters/deadline?kind=amendment_proposal&letter_date=2026-02-20&event_date=2026-04-20")
check(r.status == 200 and r.json()["deadline"] == "2026-02-04" and r.json()["earliest_event_date"] == "2026-05-05" and r.json()["ok"] is False,
      "deadline hint agrees: %s" % r.body[:300])
r = admin.request("POST", "/api/v1/letters", {"kind": "amendment_proposal", "letter_date": "2026-02-04", "event_date": "2026-04-20",
                                              "signatory": OFFICIAL, "fields": {"summary": "Perubahan lampiran"}})
check(r.status == 201 and r.json()["deadline"] == "2026-02-04" and r.json()["reply_due"] == "2026-04-19",
      "amendment dated on its deadline accepted, reply_due the day before it takes effect: %s" % r.body[:300])

# ---- roles
r = auditor.request("POST", "/api/v1/letters", {"kind": "general", "signatory": OFFICIAL})
check(r.status == 403, "auditor cannot draft: %d" % r.status)
r = ver.request("GET", "/api/v1/letters")
check(r.status == 403, "verifikator has no letters: %d" % r.status)
r = admin.request("POST", "/api/v1/letters", {"kind": "general", "signatory": "admin"})
check(r.status == 400 and r.error_code() == "invalid_signatory", "an admin account is no signatory: %s" % r.body[:200])

# ---- the contact-change letter
r = admin.request("POST", "/api/v1/letters", {"kind": "contact_change", "signatory": OFFICIAL, "fields": {"contact_id": NEW_CONTACT, "sifat": "Segera"}})
check(r.status == 201, "contact-change draft: %s" % r.body[:300])
L = r.json()
LID = L["id"]
# Changed Monday 2026-11-30: 7 working days after it end on Wednesday 2026-12-09; dated 2026-12-07, not late.
check(L["event_date"] == "2026-11-30" and L["deadline"] == "2026-12-09" and L["late"] is False and L["status"] == "draft",
      "contact change dates from the register: %s" % json.dumps(L)[:300])
r = auditor.request("GET", "/api/v1/letters/%d" % LID)
check(r.status == 404, "the issuer does not see a draft: %d" % r.status)
r = auditor.request("GET", "/api/v1/letters")
check(all(x["status"] not in ("draft", "signed") for x in r.json()["letters"]), "the issuer's list holds no drafts")
r = off.request("GET", "/api/v1/letters?mine=1")
check(r.status == 200 and any(x["id"] == LID for x in r.json()["letters"]), "the official sees the letter waiting for her")
r = off.request("GET", "/api/v1/letters/%d/preview.pdf" % LID)
check(r.status == 200 and r.body[:5] == b"%PDF-", "the official previews the draft")
prev = os.path.join(T, "preview.pdf")
open(prev, "wb").write(r.body)
txt = subprocess.run(["pdftotext", prev, "-"], capture_output=True, text=True).stdout
check("Dewi Lestari" in txt and "Rina Kusuma" in txt and "Pasal 15" in txt and "menggantikan Budi Santoso" in txt, "the letter names the new contact and the recipient: %s" % txt[:400])
r = admin.request("POST", "/api/v1/letters/%d/sign" % LID, {"passphrase": PASS})
check(r.status == 403, "an admin cannot sign: %d" % r.status)
r = off.request("POST", "/api/v1/letters/%d/sign" % LID, {"passphrase": "wrong-passphrase"})
check(r.status in (400, 401, 403) and sql("SELECT status FROM letters WHERE id = ?", LID)[0][0] == "draft",
      "a wrong passphrase signs nothing: %s" % r.body[:200])
r = off.request("POST", "/api/v1/letters/%d/sign" % LID, {"passphrase": PASS})
check(r.status == 200 and r.json()["status"] == "signed" and r.json()["signed_by"] == OFFICIAL, "the official signs: %s" % r.body[:300])
r = off.request("POST", "/api/v1/letters/%d" % LID, {"subject": "x"})
check(r.status == 403, "the official does not edit drafts: %d" % r.status)
r = admin.request("POST", "/api/v1/letters/%d" % LID, {"subject": "x"})
check(r.status == 409 and r.error_code() == "letter_not_draft", "a signed letter no longer changes: %s" % r.body[:200])
r = admin.request("GET", "/api/v1/letters/%d/pdf" % LID)
check(r.status == 200 and r.body[:5] == b"%PDF-", "signed PDF downloads")
SIGNED = r.body
spath = os.path.join(T, "signed.pdf")
open(spath, "wb").write(SIGNED)
out = subprocess.run(["pdfsig", spath], capture_output=True, text=True)
o = out.stdout + out.stderr
check("Signature is Valid" in o and "Total document signed" in o, "oracle pdfsig: valid, whole document: %s" % o[-600:])
out = subprocess.run(["qpdf", "--check", spath], capture_output=True, text=True)
check(out.returncode == 0 and "No syntax or stream encoding errors" in out.stdout, "oracle qpdf --check: %s" % (out.stdout + out.stderr)[-400:])
check(hashlib.sha256(SIGNED).hexdigest() == sql("SELECT pdf_sha256 FROM letters WHERE id = ?", LID)[0][0], "stored hash is the file's")

# ---- send: outbox with the PDF attached, delivered to the SMTP sink
r = off.request("POST", "/api/v1/letters/%d/send" % LID)
check(r.status == 403, "the official does not send: %d" % r.status)
r = admin.request("POST", "/api/v1/letters/%d/send" % LID)
check(r.status == 200 and r.json()["status"] == "sent" and r.json()["recipient"] == ISSUER_MAIL, "admin sends: %s" % r.body[:300])
# Sent Monday 2026-12-07: 7 working days after it end on Wednesday 2026-12-16.
check(r.json()["reply_due"] == "2026-12-16", "acknowledgement due 2026-12-16: %s" % r.json()["reply_due"])
check(sql("SELECT letter_id FROM agreement_contacts WHERE id = ?", NEW_CONTACT)[0][0] == str(LID), "the register's contact change links the letter")
r = admin.request("POST", "/api/v1/letters/%d/send" % LID)
check(r.status == 409, "a sent letter is not sent again: %d" % r.status)
teken("notify", "send", "--dir", d)
mails = [m for m in sink.messages if any(ISSUER_MAIL in x for x in m["rcpt"])]
check(len(mails) == 1, "one mail to the issuer's contact: %d" % len(mails))
m = email.message_from_string(mails[0]["data"], policy=email.policy.default)
check(m.get_content_type() == "multipart/mixed", "multipart/mixed: %s" % m.get_content_type())
atts = [p for p in m.iter_attachments() if p.get_content_type() == "application/pdf"]
check(len(atts) == 1, "one PDF attached")
check(hashlib.sha256(atts[0].get_content()).hexdigest() == hashlib.sha256(SIGNED).hexdigest(), "the attached PDF is the signed letter byte for byte")
bodies = [p for p in m.walk() if p.get_content_type() == "text/plain"]
check(bodies and "Rina Kusuma" in bodies[0].get_content(), "the text part greets the recipient")

# ---- reminder after 7 working days without acknowledgement
p = teken("letter", "remind", "--dir", d)
check("queued 0" in p.stdout, "nothing due yet: %s" % p.stdout)
# Thursday 2026-12-17, noon WIB: past 2026-12-16.
write_clock(CLOCK, NOW0 + 10 * 86400)
before = int(sql("SELECT COUNT(*) FROM outbox")[0][0])
p = teken("letter", "remind", "--dir", d)
check("queued 2" in p.stdout, "reminder to the [monev] contact and the ministry's contact: %s" % p.stdout)
p = teken("letter", "remind", "--dir", d)
check("queued 0" in p.stdout, "not twice: %s" % p.stdout)
check(int(sql("SELECT COUNT(*) FROM outbox")[0][0]) == before + 2, "two reminder mails in the outbox")
check(sql("SELECT COUNT(*) FROM oversight_reminders_sent WHERE kind = 'letter.reply_overdue' AND ref = ?", str(LID))[0][0] == "1", "claimed once")
teken("notify", "send", "--dir", d)
rem = [x for x in sink.messages if any(CONTACTS in y or OWN_MAIL in y for y in x["rcpt"])]
check(len(rem) == 2, "reminders delivered to both: %d" % len(rem))
# Ten days on, the sessions have expired: log in again.
check(admin.login(demo["admin"]["user"], demo["admin"]["password"]).status == 200, "admin logs in again")
check(auditor.login(demo["auditor"]["user"], demo["auditor"]["password"]).status == 200, "auditor logs in again")
check(off.login(demo["subscriber"]["user"], demo["subscriber"]["password"]).status == 200, "official logs in again")
r = admin.request("GET", "/api/v1/letters/%d" % LID)
check(r.status == 200 and r.json()["reply_overdue"] is True, "letter shows reply_overdue")

# ---- acknowledgement by the issuer (auditor), audited
r = auditor.request("GET", "/api/v1/letters/%d" % LID)
check(r.status == 200, "the issuer reads the sent letter")
r = auditor.request("GET", "/api/v1/letters/%d/pdf" % LID)
check(r.status == 200 and r.body == SIGNED, "the issuer downloads it")
r = off.request("POST", "/api/v1/letters/%d/ack" % LID)
check(r.status == 403, "the official does not acknowledge: %d" % r.status)
r = auditor.request("POST", "/api/v1/letters/%d/ack" % LID)
check(r.status == 200 and r.json()["status"] == "acknowledged" and r.json()["acknowledged_on"] == "2026-12-17", "issuer acknowledges: %s" % r.body[:300])
r = auditor.request("POST", "/api/v1/letters/%d/ack" % LID)
check(r.status == 409, "not twice: %d" % r.status)
acts = [a[0] for a in sql("SELECT action FROM audit WHERE object = ?", "letter:%d" % LID)]
check({"letter.draft", "letter.sign", "letter.send", "letter.reminder", "letter.ack"} <= set(acts), "audited: %s" % acts)

# ---- incoming: an unsigned scan; an amendment proposal from the issuer
scan = os.path.join(T, "scan.pdf")
subprocess.run(["qpdf", "--empty", "--pages", prev, "1", "--", scan], check=True)
body, ct = multipart({"meta": json.dumps({"kind": "amendment_proposal", "number": "55/BSrE/2026", "subject": "Usulan perubahan",
                                          "letter_date": "2026-12-14", "received_on": "2026-12-16", "event_date": "2027-03-01"})},
                     [("file", "scan.pdf", open(scan, "rb").read())])
r = admin.request("POST", "/api/v1/letters/incoming", body, ctype=ct)
check(r.status == 201, "incoming registered: %s" % r.body[:300])
IN = r.json()
# An answer must answer a proposal: pointing it at the termination notice is refused.
body, ct = multipart({"meta": json.dumps({"kind": "amendment_answer", "number": "56/BSrE/2026", "subject": "Jawaban", "in_reply_to": TERM,
                                          "letter_date": "2026-12-14", "received_on": "2026-12-16"})},
                     [("file", "scan.pdf", open(scan, "rb").read())])
r = admin.request("POST", "/api/v1/letters/incoming", body, ctype=ct)
check(r.status == 400 and "amendment_proposal" in r.json()["error"]["message"], "an answer to a termination notice is refused: %s" % r.body[:300])
check(IN["fields"]["verification"]["signed"] is False and IN["fields"]["verification"]["indication"] == "UNSIGNED", "an unsigned scan is marked unsigned")
check(IN["reply_due"] == "2027-02-28" and IN["status"] == "received", "our answer is due the day before it takes effect: %s" % IN["reply_due"])
body, ct = multipart({"meta": json.dumps({"kind": "general", "number": "56/BSrE/2026", "subject": "Surat bertanda tangan",
                                          "letter_date": "2026-12-15", "received_on": "2026-12-16"})}, [("file", "signed.pdf", SIGNED)])
r = admin.request("POST", "/api/v1/letters/incoming", body, ctype=ct)
check(r.status == 201 and r.json()["fields"]["verification"]["signed"] is True and r.json()["fields"]["verification"]["signatures"] == 1,
      "a signed PDF is verified and its indication kept: %s" % r.body[:400])
body, ct = multipart({"meta": json.dumps({"kind": "general", "number": "x", "subject": "x", "letter_date": "2026-12-15", "received_on": "2026-12-16"})},
                     [("file", "x.pdf", b"not a pdf")])
n0 = sql("SELECT COUNT(*) FROM letters")[0][0]
r = admin.request("POST", "/api/v1/letters/incoming", body, ctype=ct)
check(r.status == 400 and sql("SELECT COUNT(*) FROM letters")[0][0] == n0, "not a PDF: refused, nothing stored (%d)" % r.status)
r = auditor.request("POST", "/api/v1/letters/incoming", body, ctype=ct)
check(r.status == 403, "the issuer does not register incoming letters here: %d" % r.status)

# ---- force majeure in writing, late: allowed and flagged. Event Friday 2026-11-20; 7 working days after it
# end on Tuesday 2026-12-01 (Nov 23-27, 30, Dec 1); a letter dated 2026-12-17 is late.
r = admin.request("POST", "/api/v1/letters", {"kind": "force_majeure_written", "event_date": "2026-11-20", "signatory": OFFICIAL,
                                              "fields": {"description": "Banjir di pusat data"}})
check(r.status == 201 and r.json()["deadline"] == "2026-12-01" and r.json()["late"] is True, "late force majeure allowed, flagged: %s" % r.body[:300])
FM = r.json()["id"]
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c63f8cfc0f01f0005000101ff89993d1d0000000049454e44ae426082")
body, ct = multipart({}, [("file", "foto-banjir.png", PNG)])
r = admin.request("POST", "/api/v1/letters/%d/evidence" % FM, body, ctype=ct)
check(r.status == 201 and len(r.json()["evidence"]) == 1 and r.json()["evidence"][0]["sha256"] == hashlib.sha256(PNG).hexdigest(), "evidence attached: %s" % r.body[:300])
fid = r.json()["evidence"][0]["id"]
r = admin.request("GET", "/api/v1/letters/%d/evidence/%d" % (FM, fid))
check(r.status == 200 and r.body == PNG, "evidence reads back byte for byte")
r = auditor.request("GET", "/api/v1/letters/%d/evidence/%d" % (FM, fid))
check(r.status == 404, "the issuer does not read a draft's evidence: %d" % r.status)
body, ct = multipart({}, [("file", "x.exe", b"MZ\x90\x00binary")])
r = admin.request("POST", "/api/v1/letters/%d/evidence" % FM, body, ctype=ct)
check(r.status in (400, 415) and int(sql("SELECT COUNT(*) FROM attachments WHERE owner = 'letters' AND owner_id = ?", FM)[0][0]) == 1,
      "an executable is refused: %s" % r.body[:200])

# ---- the CLI: draft, sign as the official, send, acknowledgement received by mail
pw = os.path.join(T, "pw")
pp = os.path.join(T, "pp")
open(pw, "w").write(demo["subscriber"]["password"] + "\n")
open(pp, "w").write(PASS + "\n")
dj = os.path.join(T, "draft.json")
# A long "Hal" (near the 500-byte limit): its mail still goes, the subject cut at a character with "...".
LONG_HAL = "Undangan rapat koordinasi — Triwulan I: " + "pemanfaatan sertifikat elektronik pada sistem elektronik kementerian " * 6
LONG_HAL = LONG_HAL.strip()
json.dump({"kind": "general", "signatory": OFFICIAL, "subject": LONG_HAL, "fields": {"body": "Kami mengundang Saudara."}}, open(dj, "w"))
G = json.loads(teken("letter", "draft", "--dir", d, "--file", dj).stdout)["id"]
p = teken("letter", "sign", "--dir", d, "--id", str(G), "--as", demo["admin"]["user"], "--password-file", pw, "--passphrase-file", pp, check_rc=False)
check(p.returncode != 0 and sql("SELECT status FROM letters WHERE id = ?", G)[0][0] == "draft", "CLI sign refuses a wrong identity: %s" % p.stderr)
p = teken("letter", "sign", "--dir", d, "--id", str(G), "--as", OFFICIAL, "--password-file", pw, "--passphrase-file", pp)
check(json.loads(p.stdout)["status"] == "signed", "CLI sign as the official")
gp = os.path.join(T, "general.pdf")
teken("letter", "pdf", "--dir", d, "--id", str(G), "-o", gp)
o = subprocess.run(["pdfsig", gp], capture_output=True, text=True).stdout
check("Signature is Valid" in o, "oracle pdfsig on the CLI-signed letter: %s" % o[-300:])
check(json.loads(teken("letter", "send", "--dir", d, "--id", str(G)).stdout)["status"] == "sent", "CLI send")
p = teken("letter", "ack", "--dir", d, "--id", str(G), "--on", "2026-12-01", check_rc=False)
check(p.returncode != 0, "an acknowledgement before the letter was sent is refused: %s" % p.stderr)
p = teken("letter", "ack", "--dir", d, "--id", str(G), "--on", "2026-12-17", "--note", "diterima lewat pos")
check(json.loads(p.stdout)["status"] == "acknowledged" and json.loads(p.stdout)["acknowledged_on"] == "2026-12-17", "CLI records a mailed acknowledgement")
# Its mail: a non-ASCII subject goes out as RFC 2047 encoded-words.
teken("notify", "send", "--dir", d)
gm = [email.message_from_string(x["data"], policy=email.policy.default) for x in sink.messages if any(ISSUER_MAIL in y for y in x["rcpt"])]
long_subj = [str(x["subject"]) for x in gm if "Undangan rapat koordinasi — Triwulan I" in str(x["subject"])]
check(len(long_subj) == 1, "UTF-8 subject decodes: %s" % [str(x["subject"]) for x in gm])
check(long_subj[0].endswith("...") and len(long_subj[0].encode()) <= 400, "the long subject is cut to 400 bytes: %d" % len(long_subj[0].encode()))
check(all(len(line) <= 998 for x in sink.messages for line in x["data"].split("\r\n")), "no mail line over 998 octets")
raw = [x["data"] for x in sink.messages if "=?utf-8?B?" in x["data"].split("\r\n\r\n", 1)[0]]
check(len(raw) == 1 and all(ord(ch) < 128 for ch in raw[0].split("\r\n\r\n", 1)[0]), "the header is 7-bit, the subject encoded-words")

# The answer to the issuer's amendment proposal (IN): drafted, signed, sent; the proposal is then answered.
json.dump({"kind": "amendment_answer", "signatory": OFFICIAL, "in_reply_to": IN["id"], "fields": {"body": "Kami setuju."}}, open(dj, "w"))
A = json.loads(teken("letter", "draft", "--dir", d, "--file", dj).stdout)["id"]
teken("letter", "sign", "--dir", d, "--id", str(A), "--as", OFFICIAL, "--password-file", pw, "--passphrase-file", pp)
teken("letter", "send", "--dir", d, "--id", str(A))
check(sql("SELECT status FROM letters WHERE id = ?", IN["id"])[0][0] == "answered", "the proposal is answered once the answer is sent")
# An incoming proposal taking effect today had to be answered by yesterday: reminded once.
body, ct = multipart({"meta": json.dumps({"kind": "amendment_proposal", "number": "57/BSrE/2026", "subject": "Usulan mendesak",
                                          "letter_date": "2026-12-01", "received_on": "2026-12-02", "event_date": "2026-12-17"})},
                     [("file", "scan.pdf", open(scan, "rb").read())])
r = admin.request("POST", "/api/v1/letters/incoming", body, ctype=ct)
check(r.status == 201 and r.json()["reply_due"] == "2026-12-16" and r.json()["reply_overdue"] is True, "unanswered proposal overdue: %s" % r.body[:300])
p = teken("letter", "remind", "--dir", d)
check("queued 2" in p.stdout, "unanswered proposal reminded: %s" % p.stdout)
check("queued 0" in teken("letter", "remind", "--dir", d).stdout, "once")
p = teken("letter", "list", "--dir", d, "--status", "draft")
check(any(x["id"] == FM for x in json.loads(p.stdout)["letters"]), "CLI lists drafts")
srv.stop()
finish("test_letter")
