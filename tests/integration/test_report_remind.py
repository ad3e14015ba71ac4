#!/usr/bin/env python3
"""Reminders of the yearly usage report (R7) through the outbox, with the test clock.

An instance made in mid-2026 owes its 2026 report by 2027-01-31 ([report]
usage_due default). Nothing before 14 days ahead; one "due" reminder to
[monev] contacts from 2027-01-18 on, once however often the job runs; one
"overdue" reminder from 2027-02-01 on (WIB). A second instance that sent its
report (frozen, approved, delivered by hand) gets none, and a third, made in
2027, owes nothing for 2026. Delivery reaches an SMTP sink.
"""
import datetime
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import SmtpSink, check, finish, teken, tmpdir  # noqa: E402

T = tmpdir()
CLOCK = os.path.join(T, "clock")
CONTACT = "pelaporan@kementerian.example"
WIB = datetime.timezone(datetime.timedelta(hours=7))


def set_clock(y, m, d, hh=9):
    t = int(datetime.datetime(y, m, d, hh, tzinfo=WIB).timestamp())
    with open(CLOCK + ".tmp", "w") as f:
        f.write("%d\n" % t)
    os.replace(CLOCK + ".tmp", CLOCK)


os.environ["TEKEN_TEST_CLOCK_FILE"] = CLOCK


def make(name, contacts=True, demo=False):
    d = os.path.join(T, name)
    teken("init", "--dir", d, "--key-alg", "ec-p256", *(["--demo"] if demo else []))
    if contacts:
        with open(os.path.join(d, "teken.conf"), "a") as f:
            f.write("\n[monev]\ncontacts = %s\n" % CONTACT)
    return d


def remind(d):
    out = teken("report", "remind", "--dir", d).stdout.strip()
    check(out.startswith("queued ") and out.endswith(" reminders"), "remind prints its count: %r" % out)
    return int(out.split()[1])


def outbox(d, like):
    con = sqlite3.connect(os.path.join(d, "teken.db"))
    try:
        return con.execute("SELECT COUNT(*) FROM outbox WHERE subject LIKE ?", (like,)).fetchone()[0]
    finally:
        con.close()


set_clock(2026, 6, 1)
a = make("a")
b = make("b", demo=True)
quiet = make("quiet", contacts=False)

set_clock(2027, 1, 16)
check(remind(a) == 0, "nothing 15 days before the due date")
set_clock(2027, 1, 18)
check(remind(a) == 1, "the due reminder 13 days before")
check(remind(a) == 0, "the due reminder only once")
check(outbox(a, "%Usage report due%") == 1, "one due reminder in the outbox")
check(remind(quiet) == 0, "no contacts: nothing queued")
set_clock(2027, 1, 31, 23)
check(remind(a) == 0, "on the due day itself (WIB) it is not overdue yet")
set_clock(2027, 2, 1, 0)
check(remind(a) == 1, "overdue from the day after, WIB")
check(remind(a) == 0, "overdue only once")
check(outbox(a, "%Usage report overdue%") == 1, "one overdue reminder in the outbox")
con = sqlite3.connect(os.path.join(a, "teken.db"))
ev = [json.loads(r[0]) for r in con.execute("SELECT details FROM audit WHERE action = 'report.reminder' ORDER BY seq")]
con.close()
check([e["kind"] for e in ev] == ["report.usage_due", "report.usage_overdue"] and all(e["year"] == 2026 and e["due"] == "2027-01-31" for e in ev),
      "both reminders audited with year and due date: %r" % ev)

# b sends its 2026 report in time (by hand): no reminder, even after the due date.
set_clock(2027, 1, 10)
admin = json.load(open(os.path.join(b, "demo.json")))["admin"]
pw = os.path.join(T, "pw")
with open(pw, "w") as f:
    f.write(admin["password"] + "\n")
teken("report", "freeze", "--dir", b, "--year", "2026", "--as", admin["user"], "--password-file", pw)
teken("report", "approve", "--dir", b, "--year", "2026", "--version", "1")
teken("report", "send", "--dir", b, "--year", "2026", "--version", "1", "--by-hand", "--note", "Surat B-12/2027 diantar 10 Januari")
set_clock(2027, 1, 20)
check(remind(b) == 0, "a sent report: no due reminder")
set_clock(2027, 3, 1)
check(remind(b) == 0, "a sent report: no overdue reminder")

# An instance made in 2027 owes nothing for 2026.
set_clock(2027, 1, 5)
c = make("c")
set_clock(2027, 2, 10)
check(remind(c) == 0, "made after the year ended: no reminder")

# Delivery reaches the contact over SMTP.
sink = SmtpSink()
with open(os.path.join(a, "teken.conf"), "a") as f:
    f.write("\n[smtp]\nurl = smtp://127.0.0.1:%d\nstarttls = no\n" % sink.port)
teken("notify", "send", "--dir", a)
got = [m for m in sink.messages if any("<%s>" % CONTACT in x for x in m["rcpt"])]
check(len(got) == 2 and any("Usage report due" in m["data"] for m in got) and any("Usage report overdue" in m["data"] for m in got),
      "both reminders delivered to the contact: %d" % len(got))

finish("report_remind")
