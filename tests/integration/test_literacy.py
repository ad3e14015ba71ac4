#!/usr/bin/env python3
"""Literacy, socialisation and training (R14, docs/literacy.md) against a real `teken serve`.

Events over HTTP and the CLI: created by either party, changed only by the
organiser side, participants from the subscriber register (admins) and free
text, attendance refused before the start date and marked after it (the test
clock moves), "held" refused before the start, cancelled events frozen;
materials sniffed (a PNG declared as PDF, text that is not UTF-8 and an
executable are refused) and read back byte for byte; the public list shows
only public, not cancelled events, upcoming first, with materials but never a
participant's name; a non-public event's material is a 404 to the public.
The usage report's training_events / training_participants for the year:
held events only, attended participants only, per unit (the participant's
unit) and per month. The /literasi text: versions (HTTP and CLI), public GET,
a language left out kept. Every change is audited; refused callers change
nothing. On SQLite by default; test_literacy_pg.sh runs it on PostgreSQL.
"""
import datetime
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, check, finish, multipart, store_sql, teken, tmpdir, write_clock  # noqa: E402

SRC = os.environ.get("TEKEN_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
T = tmpdir()
d = os.path.join(T, "inst")
STORE = os.environ.get("TEKEN_TEST_STORE")
CLOCK = os.path.join(T, "clock")
DAY = 86400
NOW0 = (int(time.time()) + 7 * 3600) // DAY * DAY - 7 * 3600 + 12 * 3600  # noon WIB today: day arithmetic never crosses midnight
write_clock(CLOCK, NOW0)
os.environ["TEKEN_TEST_CLOCK_FILE"] = CLOCK
teken("init", "--dir", d, "--demo", "--key-alg", "ec-p256", *(["--store", STORE] if STORE else []))
demo = json.load(open(os.path.join(d, "demo.json")))
db = os.path.join(d, "teken.db")


def sql(q, *args):
    return store_sql(db, STORE, q, *args)


def one(q, *args):
    return sql(q, *args)[0][0]


def wib(t):
    return datetime.datetime.fromtimestamp(t + 7 * 3600, datetime.timezone.utc).date()


def day(offset):
    return wib(NOW0 + offset * DAY).isoformat()


TODAY = day(0)
YEAR = wib(NOW0).year
srv = Server(d, jobs=False)


def login(who):
    c = Client(srv)
    r = c.login(demo[who]["user"], demo[who]["password"])
    check(r.status == 200, "login %s: %s" % (who, r.body))
    return c


admin, auditor, sub = login("admin"), login("auditor"), login("subscriber")
verif = Client(srv)
check(verif.login(demo["verifikators"][0]["user"], demo["verifikators"][0]["password"]).status == 200, "verifikator logs in")
app = Client(srv)
app.bearer = demo["application"]["api_key"]
anon = Client(srv)

# --- who may: admins and auditors manage events; officials, Verifikators and applications 403, nobody 401; nothing changes.
n_audit = int(one("SELECT COUNT(*) FROM audit"))
n_events = int(one("SELECT COUNT(*) FROM events"))
EV = {"kind": "bimtek", "title": "Bimbingan teknis TTE", "starts_on": day(3), "organiser": "first"}
for who, c, want in (("official", sub, 403), ("verifikator", verif, 403), ("application", app, 403), ("anonymous", anon, 401)):
    check(c.request("GET", "/api/v1/events").status == want, "%s refused the event list" % who)
    check(c.request("POST", "/api/v1/events", EV).status == want, "%s refused creating an event" % who)
    check(c.request("PUT", "/api/v1/literasi", {"body_id": "x"}).status == want, "%s refused editing the page text" % who)
    check(c.request("GET", "/api/v1/literasi/versions").status == want, "%s refused the page versions" % who)
check(auditor.request("PUT", "/api/v1/literasi", {"body_id": "x"}).status == 403, "the issuer's auditor does not edit the ministry's page")
check(int(one("SELECT COUNT(*) FROM events")) == n_events and int(one("SELECT COUNT(*) FROM literacy_pages")) == 0,
      "refused callers changed nothing")
check(int(one("SELECT COUNT(*) FROM audit WHERE action LIKE 'event.%' OR action = 'literasi.edit'")) == 0, "no audit event for refusals")

# --- bad input: clear 400s.
for body, code in (({**EV, "kind": "seminar"}, "invalid_kind"), ({**EV, "organiser": "both"}, "invalid_organiser"),
                   ({**EV, "starts_on": "2026-02-30"}, "invalid_date"), ({**EV, "ends_on": day(1)}, "invalid_dates"),
                   ({**EV, "speakers": [{"name": "A", "party": "third"}]}, "invalid_speakers"),
                   ({**EV, "audience": [""]}, "invalid_audience"), ({**EV, "is_public": "yes"}, "invalid_field"),
                   ({k: v for k, v in EV.items() if k != "title"}, "missing_field")):
    r = admin.request("POST", "/api/v1/events", body)
    check(r.status == 400 and r.error_code() == code, "bad event %r -> %s: %d %s" % (body, code, r.status, r.body[:200]))
r = admin.request("POST", "/api/v1/events", {**EV, "organiser": "second"})
check(r.status == 403 and r.error_code() == "not_organiser", "an admin does not record an event organised by the issuer alone: %s" % r.body[:200])

# --- a public technical-guidance event, organised jointly, starting in three days.
SPEAKERS = [{"name": "Dr. Sari", "party": "second", "position": "BSrE"}, {"name": "Pak Budi", "party": "first"}]
r = admin.request("POST", "/api/v1/events", {**EV, "ends_on": day(4), "organiser": "joint", "place": "Aula Gedung A", "is_public": True,
                                             "description": "Penandatanganan dokumen dengan TTE.", "speakers": SPEAKERS,
                                             "audience": ["Sekretariat Jenderal", "Biro Keuangan"]})
check(r.status == 201, "create a joint public event: %s" % r.body[:300])
ev = r.json()
E1 = ev["id"]
check(ev["status"] == "planned" and ev["starts_on"] == day(3) and ev["ends_on"] == day(4) and ev["is_public"] is True
      and ev["speakers"][1] == {"name": "Pak Budi", "party": "first", "position": ""} and ev["participants"] == []
      and ev["audience"] == ["Sekretariat Jenderal", "Biro Keuangan"] and ev["created_by"] == demo["admin"]["user"], "the event as recorded")
check(one("SELECT action FROM audit WHERE object = ? ORDER BY seq DESC LIMIT 1", "event:%d" % E1) == "event.create", "creation audited")

# An auditor records a non-public, issuer-organised media event (online); an admin may not change it.
r = auditor.request("POST", "/api/v1/events", {"kind": "media", "title": "Kolaborasi media", "starts_on": day(2), "organiser": "second",
                                               "online": True})
check(r.status == 201 and r.json()["online"] is True and r.json()["is_public"] is False, "auditor records a media event: %s" % r.body[:200])
E2 = r.json()["id"]
r = admin.request("POST", "/api/v1/events/%d" % E2, {"title": "diubah"})
check(r.status == 403 and r.error_code() == "not_organiser", "the ministry does not edit the issuer's event: %s" % r.body[:200])
r = auditor.request("POST", "/api/v1/events/%d" % E1, {"place": "Aula Gedung B"})
check(r.status == 200 and r.json()["place"] == "Aula Gedung B", "a joint event is edited by either party")
r = auditor.request("POST", "/api/v1/events/%d" % E1, {"organiser": "first"})
check(r.status == 403, "the issuer cannot hand a joint event to the ministry alone (it would lock itself out)")
r = admin.request("POST", "/api/v1/events/%d" % E1, {})
check(r.status == 400 and r.error_code() == "nothing_to_change", "an empty update is refused")

# --- participants: one from the register (admin), one free text from the issuer, one member of the public.
subs = admin.request("GET", "/api/v1/subscribers").json()
subs = subs.get("subscribers", subs) if isinstance(subs, dict) else subs
official = [s for s in subs if s.get("user") == demo["subscriber"]["user"]][0]
r = auditor.request("POST", "/api/v1/events/%d/participants" % E1, {"subscriber_id": official["id"]})
check(r.status == 403 and r.error_code() == "register_admins_only", "auditors (who see pseudonyms) do not pick from the register")
r = admin.request("POST", "/api/v1/events/%d/participants" % E1, {"subscriber_id": 999999})
check(r.status == 404 and r.error_code() == "unknown_subscriber", "an unknown subscriber is refused")
r = admin.request("POST", "/api/v1/events/%d/participants" % E1, {"subscriber_id": official["id"]})
check(r.status == 201, "add the official from the register: %s" % r.body[:200])
p_off = r.json()["participants"][0]
check(p_off["name"] == official["full_name"] and p_off["unit"] == official["unit"] and p_off["party"] == "first"
      and p_off["subscriber_id"] == official["id"] and p_off["attended"] is False, "name and unit copied from the register: %r" % p_off)
r = admin.request("POST", "/api/v1/events/%d/participants" % E1, {"subscriber_id": official["id"]})
check(r.status == 409 and r.error_code() == "already_participant", "the same official twice is refused")
r = auditor.request("POST", "/api/v1/events/%d/participants" % E1, {"name": "Rina Kusuma", "unit": "BSrE", "party": "second"})
check(r.status == 201, "free-text issuer participant")
p_rina = r.json()["participants"][1]["id"]
r = admin.request("POST", "/api/v1/events/%d/participants" % E1, {"name": "Wartawan Umum", "unit": "Harian Kota", "party": "public"})
p_pub = r.json()["participants"][2]["id"]
r = admin.request("POST", "/api/v1/events/%d/participants" % E1, {"name": "X", "party": "guest"})
check(r.status == 400 and r.error_code() == "invalid_party", "party must be first, second or public")
r = admin.request("POST", "/api/v1/events/%d/participants" % E1, {"name": "Hapus Saya", "party": "public"})
p_del = r.json()["participants"][3]["id"]
r = admin.request("POST", "/api/v1/events/%d/participants/%d/remove" % (E1, p_del))
check(r.status == 200 and len(r.json()["participants"]) == 3, "a participant removed")
r = admin.request("POST", "/api/v1/events/%d/participants/%d/remove" % (E1, p_del))
check(r.status == 404 and r.error_code() == "unknown_participant", "removing twice is a 404")
# The issuer's auditors see certificate holders as pseudonyms (as in the subscribers list), here too.
r = auditor.request("GET", "/api/v1/events/%d" % E1)
seen = r.json()["participants"]
pseud = [x for x in auditor.request("GET", "/api/v1/subscribers").json() if x.get("unit") == official["unit"]]
check(r.status == 200 and official["full_name"].encode() not in r.body and seen[0]["pseudonym"] is True and seen[0]["from_register"] is True
      and seen[0]["subscriber_id"] is None and seen[0]["name"] in [x["pseudonym"] for x in pseud] and seen[1]["name"] == "Rina Kusuma",
      "auditor sees the register participant as a pseudonym: %r" % seen[:2])
# The audit names participants by row, never by name (personal data stays in the record).
details = " ".join(x[0] for x in sql("SELECT details FROM audit WHERE object = ?", "event:%d" % E1))
check(official["full_name"] not in details and "Rina Kusuma" not in details, "participants' names are not in the audit log")

# --- attendance and "held" need the start date; before it both are refused.
ATT = {"participants": [{"id": p_off["id"], "attended": True}, {"id": p_rina, "attended": True}, {"id": p_pub, "attended": False}]}
r = admin.request("POST", "/api/v1/events/%d/attendance" % E1, ATT)
check(r.status == 409 and r.error_code() == "event_not_started", "attendance before the start: %s" % r.body[:200])
r = admin.request("POST", "/api/v1/events/%d/status" % E1, {"status": "held"})
check(r.status == 409 and r.error_code() == "event_not_started", "held before the start: %s" % r.body[:200])

# --- materials: sniffed, lying types refused, read back byte for byte.
PDF = open(os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf"), "rb").read()
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c63f8cfc0f01f0005000101ff89993d1d0000000049454e44ae426082")


def upload(c, eid, name, data, ctype=None):
    if ctype is None:
        body, ct = multipart({}, [("file", name, data)])
    else:  # a part with its own declared type
        import uuid
        b = "teken-" + uuid.uuid4().hex
        body = ("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\nContent-Type: %s\r\n\r\n" % (b, name, ctype)).encode()
        body += data + ("\r\n--%s--\r\n" % b).encode()
        ct = "multipart/form-data; boundary=" + b
    return c.request("POST", "/api/v1/events/%d/materials" % eid, body, ctype=ct, raw=True)


for name, data, ctype, code in (("slide.pdf", PNG, "application/pdf", "type_mismatch"),
                                ("notes.txt", b"\xff\xfe not utf-8", "text/plain", "type_mismatch"),
                                ("tool.exe", b"MZ\x90\x00\x03", None, "unsupported_type"),
                                ("page.html", b"<script>alert(1)</script>", "text/html", "unsupported_type"),
                                ("../x.pdf", PDF, None, "invalid_filename")):
    r = upload(admin, E1, name, data, ctype)
    check(r.status == 400 and r.error_code() == code, "material %s refused as %s: %d %s" % (name, code, r.status, r.body[:200]))
check(int(one("SELECT COUNT(*) FROM attachments WHERE owner = 'events'")) == 0, "refused materials are not stored")
r = upload(admin, E1, "materi-bimtek.pdf", PDF)
check(r.status == 201, "PDF material: %s" % r.body[:200])
m_pdf = r.json()["materials"][0]
check(m_pdf["mime"] == "application/pdf" and m_pdf["size"] == len(PDF), "sniffed as PDF: %r" % m_pdf)
r = upload(auditor, E1, "poster.png", PNG, "image/png")
m_png = r.json()["materials"][1]
r = upload(auditor, E2, "rilis.txt", "Siaran pers: kolaborasi media.\n".encode(), "text/plain; charset=utf-8")
check(r.status == 201, "text material on the issuer's event")
m_txt = r.json()["materials"][0]
check(admin.request("GET", "/api/v1/events/%d/materials/%d" % (E1, m_pdf["id"])).body == PDF, "staff read the material back")
r = anon.request("GET", "/api/v1/events/public/%d/materials/%d" % (E1, m_png["id"]))
check(r.status == 200 and r.body == PNG and r.headers["content-type"].startswith("image/png")
      and "attachment" in r.headers.get("content-disposition", "") and r.headers.get("x-content-type-options") == "nosniff",
      "the public downloads a public event's material as an attachment")
r = anon.request("GET", "/api/v1/events/public/%d/materials/%d" % (E2, m_txt["id"]))
check(r.status == 404, "a non-public event's material is a 404 to the public")
r = anon.request("GET", "/api/v1/events/public/%d/materials/%d" % (E1, m_txt["id"]))
check(r.status == 404 and r.error_code() == "unknown_file", "another event's file id reveals nothing")

# --- the public list: public and not cancelled only, upcoming first, never participants.
r = admin.request("POST", "/api/v1/events", {"kind": "sosialisasi", "title": "Sosialisasi lebih awal", "starts_on": day(1),
                                             "organiser": "first", "is_public": True})
E3 = r.json()["id"]
r = admin.request("POST", "/api/v1/events", {"kind": "sosialisasi", "title": "Sosialisasi dibatalkan", "starts_on": day(5),
                                             "organiser": "first", "is_public": True})
E4 = r.json()["id"]
r = admin.request("POST", "/api/v1/events/%d/status" % E4, {"status": "cancelled"})
check(r.status == 200 and r.json()["status"] == "cancelled", "cancel an event")
r = admin.request("POST", "/api/v1/events/%d/participants" % E4, {"name": "Y", "party": "public"})
check(r.status == 409 and r.error_code() == "event_cancelled", "a cancelled event takes no participants")
r = anon.request("GET", "/api/v1/events/public")
check(r.status == 200, "public list: %s" % r.body[:200])
pub = r.json()
check([e["id"] for e in pub["upcoming"]] == [E3, E1] and pub["past"] == [], "upcoming public events, soonest first: %r" % pub)
check(b"Rina" not in r.body and official["full_name"].encode() not in r.body and b"Wartawan" not in r.body
      and b"participants" not in r.body and b"created_by" not in r.body, "no participant (nor recorder) in the public list")
check(pub["upcoming"][1]["speakers"][0]["name"] == "Dr. Sari" and [m["filename"] for m in pub["upcoming"][1]["materials"]]
      == ["materi-bimtek.pdf", "poster.png"] and "added_by" not in pub["upcoming"][1]["materials"][0], "speakers and materials are public")
check(app.request("GET", "/api/v1/events/public").status == 200, "the public list is public to applications too")

# --- the event starts: attendance and held become possible (the test clock moves four days on).
write_clock(CLOCK, NOW0 + 3 * DAY)
admin, auditor = login("admin"), login("auditor")  # sessions do not last days
r = admin.request("POST", "/api/v1/events/%d/attendance" % E1, {"participants": [{"id": 999999, "attended": True}]})
check(r.status == 404 and r.error_code() == "unknown_participant", "attendance of someone not on the list: %d %s" % (r.status, r.body[:200]))
r = admin.request("POST", "/api/v1/events/%d/attendance" % E1, ATT)
check(r.status == 200 and [p["attended"] for p in r.json()["participants"]] == [True, True, False], "attendance marked: %s" % r.body[:300])
r = auditor.request("POST", "/api/v1/events/%d/status" % E1, {"status": "held"})
check(r.status == 200 and r.json()["status"] == "held", "the event is held")
r = admin.request("POST", "/api/v1/events/%d/status" % E1, {"status": "cancelled"})
check(r.status == 409 and r.error_code() == "invalid_transition", "held is final")
r = admin.request("POST", "/api/v1/events/%d" % E1, {"starts_on": day(10)})
check(r.status == 409 and r.error_code() == "event_held", "a held event's start cannot move into the future")
# E3 started two days ago, was marked held by the CLI with an attendee; E4 (cancelled) had an attendee marked while planned.
r = admin.request("POST", "/api/v1/events/%d/status" % E4, {"status": "planned"})
check(r.status == 200, "a cancelled event planned again")
p4 = admin.request("POST", "/api/v1/events/%d/participants" % E4, {"subscriber_id": official["id"]}).json()["participants"][0]["id"]
write_clock(CLOCK, NOW0 + 6 * DAY)
admin = login("admin")
check(admin.request("POST", "/api/v1/events/%d/attendance" % E4, {"participants": [{"id": p4, "attended": True}]}).status == 200,
      "attendance on an event later cancelled")
check(admin.request("POST", "/api/v1/events/%d/status" % E4, {"status": "cancelled"}).status == 200, "cancelled after all")

# --- the CLI mirrors the API (as the operator, the ministry's side).
out = teken("event", "participant", "add", "--dir", d, "--id", str(E3), "--subscriber", str(official["id"])).stdout
p3 = json.loads(out)["participants"][0]["id"]
out = teken("event", "attend", "--dir", d, "--id", str(E3), "--participant", str(p3)).stdout
check(json.loads(out)["participants"][0]["attended"] is True, "CLI marks attendance")
out = teken("event", "status", "--dir", d, "--id", str(E3), "--status", "held").stdout
check(json.loads(out)["status"] == "held", "CLI marks the event held")
p = teken("event", "update", "--dir", d, "--id", str(E2), "--file", "-", input='{"title": "x"}', check_rc=False)
check(p.returncode != 0 and "organising party" in p.stderr and p.stderr.count("\n") == 1, "CLI: one-line error: %r" % p.stderr)
evfile = os.path.join(T, "ev.json")
with open(evfile, "w") as f:
    json.dump({"kind": "sosialisasi", "title": "Sosialisasi dari CLI", "starts_on": day(20), "organiser": "first"}, f)
E5 = json.loads(teken("event", "create", "--dir", d, "--file", evfile).stdout)["id"]
out = teken("event", "material", "add", "--dir", d, "--id", str(E5), "--in", os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf")).stdout
fid = json.loads(out)["materials"][0]["id"]
got = os.path.join(T, "got.pdf")
teken("event", "material", "get", "--dir", d, "--id", str(E5), "--file", str(fid), "-o", got)
check(open(got, "rb").read() == PDF, "CLI material round trip")
lst = json.loads(teken("event", "list", "--dir", d, "--year", str(wib(NOW0 + 20 * DAY).year)).stdout)["events"]
check(E5 in [e["id"] for e in lst], "CLI list by year")
got = json.loads(teken("event", "get", "--dir", d, "--id", str(E1)).stdout)
check(got["status"] == "held" and len(got["materials"]) == 2, "CLI get")

# --- the usage report: held events of the year (by start date), attended participants, per unit and month.
E1_START = wib(NOW0 + 3 * DAY)
E3_START = wib(NOW0 + 1 * DAY)
rep = admin.request("GET", "/api/v1/reports/usage?year=%d" % E1_START.year).json()
same_year = E3_START.year == E1_START.year
want_events = 2 if same_year else 1
want_people = 3 if same_year else 2  # E1: the official and Rina (issuer); E3: the official; E4 (cancelled) and absentees nothing
check(rep["totals"]["training_events"] == want_events and rep["totals"]["training_participants"] == want_people,
      "report totals: %r %r" % (rep["totals"]["training_events"], rep["totals"]["training_participants"]))
months = {}
for dt, people in ((E1_START, 2), (E3_START, 1)):
    if dt.year == E1_START.year:
        m = months.setdefault(dt.month, [0, 0])
        m[0] += 1
        m[1] += people
for row in rep["by_month"]:
    check([row["training_events"], row["training_participants"]] == months.get(row["month"], [0, 0]), "month %d figures" % row["month"])
units = {u["unit"]: u for u in rep["by_unit"]}
# Rina (the issuer) counts in the totals only; the official counts for their unit, once per event attended.
check(units[official["unit"]]["training_events"] == want_events and units[official["unit"]]["training_participants"] == want_events,
      "the official's unit: %r" % {k: units[official["unit"]][k] for k in ("training_events", "training_participants")})
check(all(u["training_participants"] == 0 for n, u in units.items() if n != official["unit"]) and "BSrE" not in units, "no other unit row")
r = admin.request("GET", "/api/v1/reports/usage?year=%d&unit=%s" % (E1_START.year, "Tidak%20Ada"))
check(r.json()["totals"]["training_events"] == 0 and r.json()["totals"]["training_participants"] == 0, "a unit with no attendee: 0")
rep_next = admin.request("GET", "/api/v1/reports/usage?year=%d" % (E1_START.year + 1)).json()
check(rep_next["totals"]["training_events"] == 0 and rep_next["totals"]["training_participants"] == 0, "another year: 0")

# --- the /literasi page text: built-in at first, then versions.
r = anon.request("GET", "/api/v1/literasi")
check(r.status == 200 and r.json() == {"version": 0, "builtin": True, "body_id": "", "body_en": "", "edited_at": None},
      "a fresh instance shows the built-in page: %s" % r.body)
nocsrf = Client(srv)
nocsrf.cookie = admin.cookie
r = nocsrf.request("PUT", "/api/v1/literasi", {"body_id": "tanpa token"})
check(r.status == 403 and r.error_code() == "csrf_failed", "PUT without the CSRF token is refused")
BODY_ID = "# Literasi TTE\n\nParagraf **satu**.\n\n- butir\n- [Verifikasi](https://example.org/verify)\n"
r = admin.request("PUT", "/api/v1/literasi", {"body_id": BODY_ID, "body_en": "# E-signature literacy\n"})
check(r.status == 200 and r.json()["version"] == 1 and r.json()["edited_by"] == demo["admin"]["user"], "version 1 saved: %s" % r.body[:200])
r = admin.request("PUT", "/api/v1/literasi", {"body_en": "# E-signature literacy\n\nUpdated.\n"})
check(r.status == 200 and r.json()["version"] == 2 and r.json()["body_id"] == BODY_ID, "English only: Indonesian kept")
for body, code in (({}, "missing_field"), ({"body_id": 5}, "invalid_field"), ({"body_id": "a\x01b"}, "invalid_field"),
                   ({"body_id": "x" * (24 * 1024 + 1)}, "too_long")):
    r = admin.request("PUT", "/api/v1/literasi", body)
    check(r.status == (413 if code == "too_long" else 400) and r.error_code() == code, "bad page text -> %s: %d %s" % (code, r.status, r.body[:120]))
r = anon.request("GET", "/api/v1/literasi")
check(r.json()["version"] == 2 and r.json()["body_en"].endswith("Updated.\n") and "edited_by" not in r.json(), "public GET: the newest")
mdfile = os.path.join(T, "lit.md")
with open(mdfile, "w") as f:
    f.write("# Literasi dari CLI\n\nTeks baru.\n")
out = json.loads(teken("literasi", "set", "--dir", d, "--file", mdfile, "--lang", "id").stdout)
check(out["version"] == 3 and out["body_en"].endswith("Updated.\n"), "CLI set --lang id keeps English")
check(teken("literasi", "get", "--dir", d, "--lang", "id").stdout == "# Literasi dari CLI\n\nTeks baru.\n", "CLI get --lang id")
vers = admin.request("GET", "/api/v1/literasi/versions").json()["versions"]
check([v["version"] for v in vers] == [3, 2, 1] and vers[2]["body_id"] == BODY_ID and vers[0]["edited_by"].startswith("cli:"),
      "versions listed newest first")
check(len(json.loads(teken("literasi", "versions", "--dir", d).stdout)["versions"]) == 3, "CLI versions")
check([x[0] for x in sql("SELECT object FROM audit WHERE action = 'literasi.edit' ORDER BY seq")] == ["literasi:1", "literasi:2", "literasi:3"],
      "each save audited")
p = teken("literasi", "set", "--dir", d, "--file", mdfile, "--lang", "fr", check_rc=False)
check(p.returncode == 2 and "--lang" in p.stderr, "CLI --lang checked")

# --- every change audited.
acts = sorted({x[0] for x in sql("SELECT action FROM audit WHERE action LIKE 'event.%'")})
check(acts == ["event.attendance", "event.create", "event.material.add", "event.participant.add", "event.participant.remove",
               "event.status", "event.update"], "event actions audited: %r" % acts)
r = anon.request("GET", "/literasi")
check(r.status == 200 and b"literasi.js" in r.body, "the public page is served")
check(srv.stop() == 0, "server stops cleanly")
finish("test_literacy")
