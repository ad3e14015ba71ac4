#!/usr/bin/env python3
"""The agreement's deadline arithmetic (R15, docs/agreements.md "Counting days").

Every expected date below was worked out by hand from the 2026 decree (SKB No. 1497/2025,
2/2025, 5/2025; ../shared/reference/id-holidays.md) and a paper calendar, not computed
here: the test is the oracle. It runs the CLI (`teken agreement deadline|holidays`) and
the HTTP routes, loads a year's decree as an admin (audited, refused with a clear 4xx and
nothing changed when malformed, refused for an auditor), and checks that the deadline
moves with it. On SQLite by default; test_calendar_pg.sh runs it on PostgreSQL.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, check, finish, store_sql, teken, tmpdir  # noqa: E402

T = tmpdir()
d = os.path.join(T, "inst")
STORE = os.environ.get("TEKEN_TEST_STORE")
teken("init", "--dir", d, "--demo", "--key-alg", "ec-p256", *(["--store", STORE] if STORE else []))
demo = json.load(open(os.path.join(d, "demo.json")))
db = os.path.join(d, "teken.db")


def deadline(rule, date):
    return json.loads(teken("agreement", "deadline", "--dir", d, "--rule", rule, "--date", date, "--format", "json").stdout)


# (rule, event date, deadline, working days counted, weekday holidays skipped, provisional)
CASES = [
    # The issue's own example: a termination proposed for 2029-01-23 must be noticed by 2028-11-24.
    ("termination", "2029-01-23", "2028-11-24", 0, [], False),
    # Calendar days: no holiday moves it (2026-03-20 is cuti bersama, still the 60th day).
    ("termination", "2026-05-19", "2026-03-20", 0, [], False),
    # Friday 13 March 2026: Mon 16 (1), Tue 17 (2), Wed 18 cuti, Thu 19 Nyepi, Fri 20 cuti, weekend,
    # Mon 23 and Tue 24 cuti, Wed 25 (3), Thu 26 (4), Fri 27 (5), Mon 30 (6), Tue 31 (7).
    ("contact-change", "2026-03-13", "2026-03-31", 7,
     ["2026-03-18", "2026-03-19", "2026-03-20", "2026-03-23", "2026-03-24"], False),
    # Backwards 45 working days from Wed 1 April 2026: March gives 17 (skipping 18-20, 23-24),
    # February 18 (skipping Imlek 17 and its cuti 16), January from Fri 30 back to Mon 19 the last 10.
    ("amendment", "2026-04-01", "2026-01-19", 45,
     ["2026-02-16", "2026-02-17", "2026-03-18", "2026-03-19", "2026-03-20", "2026-03-23", "2026-03-24"], False),
    # Wed 13 May 2026: Thu 14 Ascension, Fri 15 cuti, then Mon 18 .. Tue 26 is the 7th.
    ("force-majeure-written", "2026-05-13", "2026-05-26", 7, ["2026-05-14", "2026-05-15"], False),
    # Wed 23 December 2026: Thu 24 cuti, Fri 25 Christmas, weekend, Mon 28 (1), Tue 29 (2).
    ("force-majeure-verbal", "2026-12-23", "2026-12-29", 2, ["2026-12-24", "2026-12-25"], False),
    # Over the year end into 2027, which has no decree loaded: only its fixed dates (1 January) count.
    # Tue 22 Dec: Wed 23 (1), Mon 28 (2), Tue 29 (3), Wed 30 (4), Thu 31 (5), Fri 1 Jan skipped, Mon 4 (6), Tue 5 (7).
    ("contact-change", "2026-12-22", "2027-01-05", 7, ["2026-12-24", "2026-12-25", "2027-01-01"], True),
    # A Saturday event: the count starts on Monday; Sunday Easter 5 April is no weekday holiday.
    # Sat 4 Apr 2026: Mon 6 (1) .. Fri 10 (5), Mon 13 (6), Tue 14 (7).
    ("contact-change", "2026-04-04", "2026-04-14", 7, [], False),
]
for rule, frm, want, wd, skipped, prov in CASES:
    j = deadline(rule, frm)
    check(j["rule"] == rule and j["from"] == frm, "%s %s: echoes rule and date" % (rule, frm))
    check(j["deadline"] == want, "%s from %s: deadline %s (got %s)" % (rule, frm, want, j["deadline"]))
    check(j["working_days_counted"] == wd, "%s from %s: %d working days counted (got %s)" % (rule, frm, wd, j["working_days_counted"]))
    check(j["holidays_skipped"] == skipped, "%s from %s: skipped %s (got %s)" % (rule, frm, skipped, j["holidays_skipped"]))
    check(j["provisional"] is prov, "%s from %s: provisional %s" % (rule, frm, prov))
    check(j["direction"] == ("before" if rule in ("termination", "amendment") else "after"), "%s: direction" % rule)
check("2027" in deadline("contact-change", "2026-12-22")["note_en"], "a provisional answer names the year without a decree")

# The calendar in force: 2026 decreed (17 national holidays, 8 cuti bersama), 2027 provisional.
h26 = json.loads(teken("agreement", "holidays", "--dir", d, "--year", "2026", "--format", "json").stdout)
check(h26["status"] == "decreed" and "1497" in h26["decree"] and h26["source"] == "shipped", "2026 is decreed, from the shipped file")
kinds = [h["kind"] for h in h26["holidays"]]
check(kinds.count("national") == 17 and kinds.count("cuti_bersama") == 8, "2026: 17 national holidays and 8 cuti bersama")
check({"date": "2026-03-20", "weekday": "Jumat", "kind": "cuti_bersama"}.items() <= next(h for h in h26["holidays"] if h["date"] == "2026-03-20").items(),
      "2026-03-20 is a Friday of cuti bersama")
h27 = json.loads(teken("agreement", "holidays", "--dir", d, "--year", "2027", "--format", "json").stdout)
check(h27["status"] == "provisional" and h27["source"] == "fixed" and "note" in h27, "2027 is provisional and says so")
check([h["date"] for h in h27["holidays"]] == ["2027-01-01", "2027-05-01", "2027-06-01", "2027-08-17", "2027-12-25"],
      "a provisional year has the five fixed-date holidays")

# Bad input: one line on stderr, non-zero exit.
for args, what in [(["--rule", "renewal", "--date", "2026-01-01"], "invalid_rule"), (["--rule", "termination", "--date", "2026-02-30"], "not a calendar date"),
                   (["--rule", "termination", "--date", "26-1-1"], "YYYY-MM-DD")]:
    p = teken("agreement", "deadline", "--dir", d, *args, check_rc=False)
    check(p.returncode != 0 and p.stderr.count("\n") == 1 and p.stderr.startswith("teken: error:"), "bad %s: one error line (%s)" % (args, p.stderr.strip()))

# Over HTTP: both parties read; only the ministry's admin loads a decree.
srv = Server(d)
adm, aud, sub = Client(srv), Client(srv), Client(srv)
check(adm.login(demo["admin"]["user"], demo["admin"]["password"]).status == 200, "admin logs in")
check(aud.login(demo["auditor"]["user"], demo["auditor"]["password"]).status == 200, "auditor logs in")
check(sub.login(demo["subscriber"]["user"], demo["subscriber"]["password"]).status == 200, "official logs in")
r = aud.request("GET", "/api/v1/agreement/deadline?rule=amendment&date=2026-04-01")
check(r.status == 200 and r.json()["deadline"] == "2026-01-19", "auditor: the same deadline over HTTP")
check(sub.request("GET", "/api/v1/agreement/deadline?rule=amendment&date=2026-04-01").status == 403, "an official may not")
check(adm.request("GET", "/api/v1/agreement/deadline?rule=amendment").status == 400, "missing date: 400")

# A test decree for 2027 (not the real one: the dates only need to be checkable by hand).
decree = {"status": "decreed", "decree": "SKB uji 2027", "holidays": [
    {"date": "2027-01-01", "kind": "national", "name": "Tahun Baru 2027 Masehi"},
    {"date": "2027-01-04", "kind": "cuti_bersama", "name": "Cuti bersama uji"}]}
n_audit = int(store_sql(db, STORE, "SELECT COUNT(*) FROM audit")[0][0])
bad = [({"status": "decreed", "holidays": []}, "missing_field"),
       ({"status": "decreed", "decree": "x", "holidays": [{"date": "2026-12-31", "kind": "national", "name": "x"}]}, "invalid_date"),
       ({"status": "decreed", "decree": "x", "holidays": [{"date": "2027-02-30", "kind": "national", "name": "x"}]}, "invalid_date"),
       ({"status": "decreed", "decree": "x", "holidays": [{"date": "2027-03-01", "kind": "libur", "name": "x"}]}, "invalid_field"),
       ({"status": "decreed", "decree": "x", "holidays": [{"date": "2027-03-01", "kind": "national", "name": "x"}] * 2}, "duplicate"),
       ({"status": "final", "decree": "x", "holidays": []}, "invalid_field")]
for body, code in bad:
    r = adm.request("PUT", "/api/v1/agreement/holidays/2027", body)
    check(r.status == 400 and r.error_code() == code, "malformed decree refused: %s (%s %s)" % (code, r.status, r.body[:120]))
check(adm.request("PUT", "/api/v1/agreement/holidays/2027", "{not json", raw=True).status == 400, "not JSON: 400")
check(aud.request("PUT", "/api/v1/agreement/holidays/2027", decree).status == 403, "an auditor may not load a decree")
check(int(store_sql(db, STORE, "SELECT COUNT(*) FROM holiday_years")[0][0]) == 0, "nothing stored by refused loads")
check(int(store_sql(db, STORE, "SELECT COUNT(*) FROM audit")[0][0]) == n_audit, "no audit event for refused loads")

r = adm.request("PUT", "/api/v1/agreement/holidays/2027", decree)
check(r.status == 200 and r.json()["status"] == "decreed" and r.json()["source"] == "store", "admin loads the 2027 decree: %s" % r.body[:200])
check(store_sql(db, STORE, "SELECT action, object FROM audit ORDER BY seq DESC LIMIT 1")[0] == ("calendar.holidays_load", "holidays:2027"),
      "the load is an audit event")
# Now 4 January 2027 is cuti bersama: Tue 22 Dec .. Thu 31 (5), Fri 1 and Mon 4 skipped, Tue 5 (6), Wed 6 (7).
j = deadline("contact-change", "2026-12-22")
check(j["deadline"] == "2027-01-06" and j["provisional"] is False, "the loaded decree moves the deadline to 2027-01-06 (got %s)" % j["deadline"])
check(j["holidays_skipped"] == ["2026-12-24", "2026-12-25", "2027-01-01", "2027-01-04"], "and skips the new cuti bersama")
r = aud.request("GET", "/api/v1/agreement/holidays/2027")
check(r.status == 200 and len(r.json()["holidays"]) == 2 and r.json()["decree"] == "SKB uji 2027", "the auditor sees the loaded decree")

# Reset: back to the fixed dates; a second reset says nothing was loaded.
r = adm.request("DELETE", "/api/v1/agreement/holidays/2027")
check(r.status == 200 and r.json()["status"] == "provisional", "reset: 2027 provisional again")
check(adm.request("DELETE", "/api/v1/agreement/holidays/2027").status == 404, "reset twice: 404 not_loaded")
check(deadline("contact-change", "2026-12-22")["deadline"] == "2027-01-05", "the deadline is back to 2027-01-05")
srv.stop()

# The CLI loads a decree from a file too, and the chain still verifies.
f = os.path.join(T, "decree.json")
with open(f, "w") as fh:
    json.dump(decree, fh)
teken("agreement", "holidays", "load", "--dir", d, "--year", "2027", "--file", f)
check(deadline("contact-change", "2026-12-22")["deadline"] == "2027-01-06", "CLI load: the same effect")
teken("audit", "verify", "--dir", d)
finish("test_calendar")
