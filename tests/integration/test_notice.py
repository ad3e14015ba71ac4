#!/usr/bin/env python3
"""Change notices of the certificate service (R13, docs/notices.md) against a real `teken serve`.

The issuer's admin (role auditor) drafts, edits and publishes notices; drafts never reach
the public. /notices.atom is parsed with xml.etree and checked against RFC 4287 (atom:id,
atom:title, atom:updated in RFC 3339 on the feed and every entry, links rel=self and
rel=alternate, an author on the feed, entries newest first, ids recomputed here as
name-based UUIDs) and validated by jing (an independent RELAX NG validator) against the
schema of RFC 4287 Appendix B; conditional GET gives 304. /notices.json has the documented
shape. A webhook receiver started here answers 500 to its first request and 200 after:
every request's HMAC-SHA256 signature is recomputed here with the secret shown once, the
retry comes after the test clock passes the 30 s backoff and carries the same body, and the
delivery log shows both attempts. Withdrawal keeps the notice public as "[DITARIK]". The
ministry's admin acknowledges once (audited, `teken audit verify`), a second time is
refused; the review indicator notices_acknowledged fails with a notice unacknowledged
for more than 14 days and passes once it is acknowledged; the dashboard counts it.
On SQLite by default; test_notice_pg.sh runs it on PostgreSQL.
"""
import datetime
import email
import email.policy
import hashlib
import hmac
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, SmtpSink, check, finish, store_sql, teken, tmpdir, write_clock  # noqa: E402

check(shutil.which("jing") is not None, "oracle jing (RELAX NG validator) is installed")
SRC = os.environ.get("TEKEN_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
SCHEMA = os.path.join(SRC, "tests", "data", "atom", "atom.rnc")

T = tmpdir()
d = os.path.join(T, "inst")
STORE = os.environ.get("TEKEN_TEST_STORE")
CLOCK = os.path.join(T, "clock")
NOW0 = (int(time.time()) + 7 * 3600) // 86400 * 86400 - 7 * 3600 + 12 * 3600  # noon WIB today
CONTACT = "kontak.ti@kementerian.example"
A = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def set_clock(t):
    write_clock(CLOCK, t)


set_clock(NOW0)
os.environ["TEKEN_TEST_CLOCK_FILE"] = CLOCK
teken("init", "--dir", d, "--demo", "--key-alg", "ec-p256", *(["--store", STORE] if STORE else []))
demo = json.load(open(os.path.join(d, "demo.json")))
with open(os.path.join(d, "teken.conf"), "a") as f:
    f.write("\n[monev]\ncontacts = %s\n" % CONTACT)
conf = open(os.path.join(d, "teken.conf")).read()
BASE = re.search(r"^public_base_url\s*=\s*(\S+)", conf, re.M).group(1).rstrip("/")
db = os.path.join(d, "teken.db")


def sql(q, *args):
    return store_sql(db, STORE, q, *args)


def one(q, *args):
    return sql(q, *args)[0][0]


# ---- the webhook receiver: 500 to the very first request, 200 after; keeps every request
received = []


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        received.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body, "path": self.path})
        code = 500 if len(received) == 1 else 200
        self.send_response(code)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *a):
        pass


rx = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=rx.serve_forever, daemon=True).start()
RX_URL = "http://127.0.0.1:%d/hooks/teken?src=notices" % rx.server_address[1]


def signed_ok(req, secret):
    ts = req["headers"]["x-teken-timestamp"]
    want = "sha256=" + hmac.new(secret.encode(), ts.encode() + b"." + req["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(want, req["headers"].get("x-teken-signature", ""))


srv = Server(d, jobs=False)


def login(who):
    c = Client(srv)
    u = {"admin": demo["admin"], "auditor": demo["auditor"], "verif": demo["verifikators"][0], "sub": demo["subscriber"]}[who]
    r = c.login(u["user"], u["password"])
    check(r.status == 200, "%s logs in: %s" % (who, r.body[:200]))
    return c


aud, adm, ver = login("auditor"), login("admin"), login("verif")
anon = Client(srv)

# ---- role checks on the API
N1 = {"category": "change", "severity": "important", "title_id": "Perubahan profil sertifikat <TLS> & \"OCSP\"",
      "title_en": "Certificate profile change <TLS> & \"OCSP\"", "body_id": "Mulai tanggal berlaku, profil berubah.\nBaris kedua <b>tebal</b>?",
      "body_en": "From the effective date the profile changes.\nSecond line <b>bold</b>?", "effective_on": "2027-01-15"}
r = adm.request("POST", "/api/v1/notices", N1)
check(r.status == 403, "a ministry admin does not draft notices: %d" % r.status)
r = ver.request("GET", "/api/v1/notices")
check(r.status == 403, "a Verifikator does not list notices through the API: %d" % r.status)
r = anon.request("GET", "/api/v1/notices")
check(r.status == 401, "anonymous callers get 401 on the API: %d" % r.status)
r = aud.request("GET", "/api/v1/webhooks")
check(r.status == 403, "the issuer does not see the ministry's webhooks: %d" % r.status)

# ---- bad input: clear 4xx
for bad, code in ((dict(N1, category="rumor"), "invalid_category"), (dict(N1, severity="panic"), "invalid_severity"),
                  (dict(N1, effective_on="2027-13-01"), "invalid_date"), ({k: v for k, v in N1.items() if k != "body_en"}, "missing_field"),
                  (dict(N1, title_id="a\x01b"), "invalid_field"), (dict(N1, body_id="x" * 40000), "too_long")):
    r = aud.request("POST", "/api/v1/notices", bad)
    check(r.status in (400, 413) and r.error_code() == code, "bad notice refused with %s: %d %s" % (code, r.status, r.body[:200]))

# ---- webhook registration (admin): bad URLs refused, secret shown once and stored sealed
for url in ("ftp://127.0.0.1/x", "http://user:pw@127.0.0.1/x", "http://127.0.0.1/x#frag", "not a url", "javascript:alert(1)", ""):
    r = adm.request("POST", "/api/v1/webhooks", {"url": url})
    check(r.status == 400 and r.error_code() in ("invalid_url", "missing_field"), "webhook URL %r refused: %d %s" % (url, r.status, r.body[:200]))
r = adm.request("POST", "/api/v1/webhooks", {"url": RX_URL, "description": "Penerima uji"})
check(r.status == 201, "admin registers a webhook: %s" % r.body[:300])
hook = r.json()
SECRET = hook["secret"]
HID = hook["id"]
check(re.fullmatch(r"[0-9a-f]{64}", SECRET) is not None and hook["active"] is True, "a 64-hex secret, active")
lst = adm.request("GET", "/api/v1/webhooks").json()
check(len(lst) == 1 and "secret" not in lst[0] and SECRET not in json.dumps(lst), "the list never shows the secret")
check(SECRET.encode() not in bytes.fromhex(one("SELECT hex(secret) FROM webhooks") if not STORE else
                                             one("SELECT encode(secret, 'hex') FROM webhooks")), "the store keeps the secret sealed only")
check(SECRET not in "".join(a for (a,) in sql("SELECT details FROM audit")), "the audit log never holds the secret")
check("src=notices" not in one("SELECT details FROM audit WHERE action = 'webhook.create'"), "the audit log names the origin only")

# ---- a draft, edited, invisible to the public and to the ministry
r = aud.request("POST", "/api/v1/notices", dict(N1, title_id="Draf"))
check(r.status == 201 and r.json()["status"] == "draft", "the issuer drafts a notice: %s" % r.body[:300])
n1 = r.json()["id"]
r = aud.request("POST", "/api/v1/notices/%d" % n1, {"title_id": N1["title_id"]})
check(r.status == 200 and r.json()["title"]["id"] == N1["title_id"] and r.json()["body"]["en"] == N1["body_en"], "the draft is edited")
check(adm.request("GET", "/api/v1/notices/%d" % n1).status == 404, "the ministry does not see a draft")
check(n1 not in [n["id"] for n in adm.request("GET", "/api/v1/notices").json()], "nor lists it")
check(json.loads(anon.request("GET", "/notices.json").body)["notices"] == [], "the public JSON feed has no draft")
check(ET.fromstring(anon.request("GET", "/notices.atom").body).find(A + "entry") is None, "the Atom feed has no draft")
check(adm.request("POST", "/api/v1/notices/%d/acknowledge" % n1).status == 404, "a draft cannot be acknowledged")

# ---- publish: the feeds, one delivery per webhook, an e-mail to the ministry's contacts
mails0 = int(one("SELECT COUNT(*) FROM outbox"))
r = aud.request("POST", "/api/v1/notices/%d/publish" % n1)
check(r.status == 200 and r.json()["status"] == "published" and r.json()["published_by"] == demo["auditor"]["user"], "published: %s" % r.body[:300])
check(aud.request("POST", "/api/v1/notices/%d/publish" % n1).status == 409, "publishing twice is refused")
r = aud.request("POST", "/api/v1/notices/%d" % n1, {"title_id": "Diam-diam diubah"})
check(r.status == 409 and r.error_code() == "not_draft", "a published notice is not edited: %s" % r.body[:200])
# [monev] contacts plus PIHAK I's current contact in the register (the demo agreement's has no e-mail: a placeholder).
check(int(one("SELECT COUNT(*) FROM agreement_contacts WHERE party = 'first' AND valid_to IS NULL AND email <> ''")) == 0,
      "the demo agreement's contact has no e-mail address")
check(int(one("SELECT COUNT(*) FROM outbox")) == mails0 + 1, "one e-mail for the one [monev] contact")
check(N1["title_id"][:20] in one("SELECT body FROM outbox ORDER BY id DESC LIMIT 1"), "the e-mail carries the notice")
check(int(one("SELECT COUNT(*) FROM webhook_deliveries WHERE notice_id = ? AND status = 'pending'", n1)) == 1, "one delivery queued")

set_clock(NOW0 + 60)
N2 = dict(N1, category="maintenance", severity="info", title_id="Pemeliharaan terjadwal", title_en="Scheduled maintenance",
          body_id="Layanan OCSP dipelihara.", body_en="OCSP maintenance.", effective_on="2027-02-01")
n2 = aud.request("POST", "/api/v1/notices", N2).json()["id"]
check(aud.request("POST", "/api/v1/notices/%d/publish" % n2).status == 200, "a second notice published a minute later")

# A draft made from the CLI as the issuer's admin stays a draft, unseen.
pw = os.path.join(T, "aud.pw")
open(pw, "w").write(demo["auditor"]["password"] + "\n")
p = teken("notice", "create", "--dir", d, "--as", demo["auditor"]["user"], "--password-file", pw, "--category", "security", "--severity", "critical",
          "--title-id", "Draf CLI", "--title-en", "CLI draft", "--body-id", "isi", "--body-en", "body", "--effective-on", "2027-03-01")
n3 = json.loads(p.stdout)["id"]
check(json.loads(p.stdout)["status"] == "draft", "the CLI drafts as the issuer's admin")
p = teken("notice", "create", "--dir", d, "--category", "security", "--severity", "critical", "--title-id", "x", "--title-en", "x",
          "--body-id", "x", "--body-en", "x", "--effective-on", "2027-03-01", check_rc=False)
check(p.returncode != 0 and p.stderr.startswith("teken: error:") and p.stdout == "", "the operator (ministry) cannot draft: %s" % p.stderr.strip())
ops = json.loads(teken("notice", "list", "--dir", d).stdout)
check(sorted(n["id"] for n in ops) == sorted([n1, n2]), "the operator lists published notices only")

# ---- the Atom feed (RFC 4287)
r = anon.request("GET", "/notices.atom")
check(r.status == 200 and r.headers["content-type"] == "application/atom+xml; charset=utf-8", "Atom content type: %s" % r.headers.get("content-type"))
ATOM = r.body
open(os.path.join(T, "feed.atom"), "wb").write(ATOM)
jp = subprocess.run(["jing", "-c", SCHEMA, os.path.join(T, "feed.atom")], capture_output=True, text=True)
check(jp.returncode == 0 and jp.stdout.strip() == "", "jing: the feed is valid against the RFC 4287 schema: %s" % (jp.stdout + jp.stderr)[-800:])
# The oracle can fail: an entry without its id is refused.
broken = re.sub(rb"<entry>\s*<id>[^<]*</id>", b"<entry>", ATOM, count=1)
open(os.path.join(T, "broken.atom"), "wb").write(broken)
jp = subprocess.run(["jing", "-c", SCHEMA, os.path.join(T, "broken.atom")], capture_output=True, text=True)
check(broken != ATOM and jp.returncode != 0, "jing refuses an entry without atom:id")

feed = ET.fromstring(ATOM)
check(feed.tag == A + "feed", "root is atom:feed")
fid = feed.findtext(A + "id")
check(fid == "urn:" + uuid.uuid5(uuid.NAMESPACE_URL, BASE + "/notices.atom").urn[4:], "feed id is uuid5(URL, <base>/notices.atom): %s" % fid)
check((feed.findtext(A + "title") or "").strip() != "", "feed has a title")
fupd = feed.findtext(A + "updated")
check(RFC3339.match(fupd or "") is not None, "feed updated is RFC 3339: %s" % fupd)
links = {(l.get("rel") or "alternate"): l.get("href") for l in feed.findall(A + "link")}
check(links.get("self") == BASE + "/notices.atom" and links.get("alternate") == BASE + "/notices", "feed links self and alternate: %s" % links)
check((feed.findtext(A + "author/" + A + "name") or "").strip() != "", "feed has an author with a name")
entries = feed.findall(A + "entry")
check(len(entries) == 2, "two entries (the draft is absent): %d" % len(entries))
ids = []
for e in entries:
    eid = e.findtext(A + "id")
    num = int(re.search(r"#n(\d+)$", [l.get("href") for l in e.findall(A + "link") if (l.get("rel") or "alternate") == "alternate"][0]).group(1))
    ids.append(num)
    check(eid == "urn:" + uuid.uuid5(uuid.NAMESPACE_URL, "%s/notices#n%d" % (BASE, num)).urn[4:], "entry id is stable uuid5 of its link: %s" % eid)
    for tag in ("updated", "published"):
        check(RFC3339.match(e.findtext(A + tag) or "") is not None, "entry %s is RFC 3339" % tag)
    check(e.find(A + "title").get("type", "text") == "text" and e.find(A + "content").get("type") == "text", "title and content are text")
    check(e.find(A + "category").get("term") in ("change", "maintenance"), "entry has its category term")
check(ids == [n2, n1], "entries newest first: %s" % ids)
e1 = entries[1]
check(e1.findtext(A + "title") == N1["title_id"], "markup-like title survives escaping exactly: %r" % e1.findtext(A + "title"))
check(N1["body_id"] in e1.findtext(A + "content") and N1["body_en"] in e1.findtext(A + "content"), "content holds both bodies as plain text")
check(b"<b>tebal</b>" not in ATOM and b"&lt;b&gt;tebal&lt;/b&gt;" in ATOM, "the body's markup is escaped, never live")
check(fupd == max(e.findtext(A + "updated") for e in entries), "feed updated = latest entry updated")
check(datetime.datetime.fromisoformat(entries[0].findtext(A + "published").replace("Z", "+00:00")).timestamp() == NOW0 + 60,
      "published time is the publication time (test clock)")

# ---- conditional GET
etag, lm = r.headers["etag"], r.headers["last-modified"]
r2 = anon.request("GET", "/notices.atom", headers={"If-None-Match": etag})
check(r2.status == 304 and r2.body == b"", "If-None-Match: 304 with no body")
r2 = anon.request("GET", "/notices.atom", headers={"If-None-Match": '"other", W/' + etag})
check(r2.status == 304, "If-None-Match list with a weak match: 304")
r2 = anon.request("GET", "/notices.atom", headers={"If-Modified-Since": lm})
check(r2.status == 304, "If-Modified-Since = Last-Modified: 304")
r2 = anon.request("GET", "/notices.atom", headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
check(r2.status == 200 and r2.body == ATOM, "older If-Modified-Since: 200, same feed")
r2 = anon.request("GET", "/notices.atom", headers={"If-None-Match": '"nope"', "If-Modified-Since": lm})
check(r2.status == 200, "If-None-Match that does not match wins over If-Modified-Since")

# ---- the JSON feed
r = anon.request("GET", "/notices.json")
check(r.status == 200 and r.headers["content-type"].startswith("application/json"), "JSON feed served")
js = json.loads(r.body)["notices"]
check([n["id"] for n in js] == [n2, n1], "JSON feed newest first, no draft")
j1 = js[1]
check(set(j1) >= {"id", "title", "body", "category", "severity", "effective_on", "published_at", "updated_at", "status", "url"}, "documented keys")
check(j1["title"] == {"id": N1["title_id"], "en": N1["title_en"]} and j1["body"] == {"id": N1["body_id"], "en": N1["body_en"]}, "both languages")
check(j1["url"] == "%s/notices#n%d" % (BASE, n1) and j1["status"] == "published" and j1["effective_on"] == "2027-01-15", "url, status, date")
check("created_by" not in j1 and "published_by" not in j1 and "acked_by" not in j1, "the public feed names no person")
check(anon.request("GET", "/notices").status == 200, "the public page is served")

# ---- webhook deliveries: 500 first, retried after the backoff with the same body
p = teken("notice", "deliver", "--dir", d)
check(p.stdout.strip() == "delivered 1, failed 1", "first pass: one 500, one delivered: %s" % p.stdout)
check(len(received) == 2, "the receiver saw two requests: %d" % len(received))
for q in received:
    check(signed_ok(q, SECRET), "HMAC-SHA256 signature verifies with the secret")
    check(q["headers"]["content-type"] == "application/json" and q["headers"]["x-teken-event"] == "notice.published", "content type and event")
    check(q["headers"]["x-teken-timestamp"] == str(NOW0 + 60), "timestamp is the (test) clock")
    b = json.loads(q["body"])
    check(b["event"] == "notice.published" and str(b["delivery_id"]) == q["headers"]["x-teken-delivery"], "body names the event and delivery")
    check(q["path"] == "/hooks/teken?src=notices", "posted to the registered URL")
first = received[0]
d1 = int(first["headers"]["x-teken-delivery"])
check(json.loads(first["body"])["notice"]["id"] == n1, "oldest due delivery first (notice %d)" % n1)
tampered = dict(first, body=first["body"].replace(b'"notice.published"', b'"notice.withdrawn"'))
check(not signed_ok(tampered, SECRET) and not signed_ok(first, "0" * 64), "the signature check can fail (tampered body, wrong secret)")
p = teken("notice", "deliver", "--dir", d)
check(p.stdout.strip() == "delivered 0, failed 0" and len(received) == 2, "nothing due before the 30 s backoff")
set_clock(NOW0 + 60 + 31)
p = teken("notice", "deliver", "--dir", d)
check(p.stdout.strip() == "delivered 1, failed 0" and len(received) == 3, "the retry after the backoff is delivered: %s" % p.stdout)
retry = received[2]
check(retry["headers"]["x-teken-delivery"] == str(d1) and retry["body"] == first["body"], "the retry carries the same delivery and body")
check(signed_ok(retry, SECRET) and retry["headers"]["x-teken-timestamp"] == str(NOW0 + 91), "the retry is signed at its own time")
log = adm.request("GET", "/api/v1/webhooks/%d/deliveries" % HID).json()["delivery_log"]
dl = [x for x in log if x["id"] == d1][0]
check(dl["status"] == "delivered" and dl["attempt_count"] == 2 and len(dl["attempts"]) == 2, "delivery log: delivered after two attempts")
check(dl["attempts"][0]["code"] == 500 and dl["attempts"][0]["error"] == "HTTP 500" and dl["attempts"][1]["code"] == 200 and
      dl["attempts"][1]["error"] is None, "each attempt logged with code and error: %s" % dl["attempts"])
check(all(isinstance(a["ms"], int) and a["ms"] >= 0 for a in dl["attempts"]), "each attempt has its duration")
clid = json.loads(teken("webhook", "deliveries", "--dir", d, "--id", str(HID)).stdout)
check([x["id"] for x in clid["delivery_log"]] == [x["id"] for x in log], "the CLI shows the same delivery log")

# A receiver that is down: the attempt logs the connection error and the retry is scheduled.
dead = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
dead_port = dead.server_address[1]
dead.server_close()
h2 = adm.request("POST", "/api/v1/webhooks", {"url": "http://127.0.0.1:%d/x" % dead_port}).json()
check(adm.request("POST", "/api/v1/webhooks/%d/test" % h2["id"]).json()["delivered"] is False, "a test ping to a closed port fails")

# ---- rotate the secret, ping with the new one
r = adm.request("POST", "/api/v1/webhooks/%d/rotate" % HID)
NEW = r.json()["secret"]
check(r.status == 200 and NEW != SECRET and re.fullmatch(r"[0-9a-f]{64}", NEW), "rotated: a new secret")
r = adm.request("POST", "/api/v1/webhooks/%d/test" % HID)
check(r.status == 200 and r.json()["delivered"] is True and r.json()["code"] == 200, "test ping delivered: %s" % r.body[:200])
ping = received[-1]
check(ping["headers"]["x-teken-event"] == "ping" and signed_ok(ping, NEW) and not signed_ok(ping, SECRET), "the ping is signed with the new secret only")

# ---- withdraw: stays public, marked; webhooks told
set_clock(NOW0 + 200)
r = aud.request("POST", "/api/v1/notices/%d/withdraw" % n2, {"reason": "Jadwal dibatalkan"})
check(r.status == 200 and r.json()["status"] == "withdrawn" and r.json()["withdraw_reason"] == "Jadwal dibatalkan", "withdrawn: %s" % r.body[:200])
check(aud.request("POST", "/api/v1/notices/%d/withdraw" % n2).status == 409, "withdrawn twice: refused")
p = teken("notice", "deliver", "--dir", d)
wd = received[-1]
check(p.stdout.strip().startswith("delivered 1") and wd["headers"]["x-teken-event"] == "notice.withdrawn" and signed_ok(wd, NEW),
      "the withdrawal is delivered, signed with the current secret")
check(json.loads(wd["body"])["notice"]["status"] == "withdrawn", "the payload says withdrawn")
# The receiver that is down: six attempts on the backoff schedule (30 s, 2 min, 10 min, 1 h, 6 h), then failed.
t = NOW0 + 200
for step in (30, 120, 600, 3600, 21600):
    dlog = adm.request("GET", "/api/v1/webhooks/%d/deliveries" % h2["id"]).json()["delivery_log"][0]
    check(dlog["status"] == "pending" and dlog["next_at"] is not None, "dead receiver: still pending after %d attempts" % dlog["attempt_count"])
    nxt = datetime.datetime.fromisoformat(dlog["next_at"].replace("Z", "+00:00")).timestamp()
    check(nxt == t + step, "next attempt %d s after the last: %s" % (step, dlog["next_at"]))
    set_clock(t + step - 1)
    check(teken("notice", "deliver", "--dir", d).stdout.strip() == "delivered 0, failed 0", "not before its time")
    t += step
    set_clock(t)
    check(teken("notice", "deliver", "--dir", d).stdout.strip() == "delivered 0, failed 1", "retried on time")
dlog = adm.request("GET", "/api/v1/webhooks/%d/deliveries" % h2["id"]).json()["delivery_log"][0]
check(dlog["status"] == "failed" and dlog["attempt_count"] == 6 and len(dlog["attempts"]) == 6 and dlog["next_at"] is None,
      "after six attempts the delivery failed: %s" % {k: dlog[k] for k in ("status", "attempt_count", "next_at")})
check(all(a["code"] is None and a["error"] for a in dlog["attempts"]), "each attempt logs the connection error: %s" % dlog["attempts"][0])
check(teken("notice", "deliver", "--dir", d).stdout.strip() == "delivered 0, failed 0", "a failed delivery is not tried again")
feed = ET.fromstring(anon.request("GET", "/notices.atom").body)
e2 = [e for e in feed.findall(A + "entry") if e.findtext(A + "id").endswith(uuid.uuid5(uuid.NAMESPACE_URL, "%s/notices#n%d" % (BASE, n2)).hex[-12:])][0]
check(e2.findtext(A + "title") == "[DITARIK] " + N2["title_id"], "withdrawn entry title is prefixed: %s" % e2.findtext(A + "title"))
check(datetime.datetime.fromisoformat(e2.findtext(A + "updated").replace("Z", "+00:00")).timestamp() == NOW0 + 200, "and updated at withdrawal")
check(feed.findtext(A + "updated") == e2.findtext(A + "updated"), "feed updated follows")
check(json.loads(anon.request("GET", "/notices.json").body)["notices"][0]["status"] == "withdrawn", "JSON feed marks it withdrawn")

# ---- deactivate, delete
r = adm.request("POST", "/api/v1/webhooks/%d" % HID, {"active": False})
check(r.status == 200 and r.json()["active"] is False, "webhook deactivated")
r = adm.request("POST", "/api/v1/webhooks/%d" % HID, {"url": "gopher://x/"})
check(r.status == 400 and r.error_code() == "invalid_url", "update refuses a bad URL too")
check(adm.request("POST", "/api/v1/webhooks/%d/delete" % h2["id"]).status == 200, "a webhook deleted")
check([h["id"] for h in adm.request("GET", "/api/v1/webhooks").json()] == [HID], "only the first remains")

# ---- review indicator and dashboard: fresh notices pass; 15 days later the unacknowledged one fails


def indicator():
    out = teken("review", "indicators", "--dir", d, "--format", "json").stdout
    return {i["id"]: i for i in json.loads(out)}["notices_acknowledged"]


ind = indicator()
check(ind["status"] == "pass" and ind["evidence"]["unacknowledged"] == 1 and ind["evidence"]["ack_days"] == 14, "fresh notice: pass: %s" % ind)
set_clock(NOW0 + 15 * 86400)
ind = indicator()
check(ind["status"] == "fail" and [o["id"] for o in ind["evidence"]["overdue"]] == [n1], "15 days unacknowledged: fail naming it: %s" % ind)
adm, aud = login("admin"), login("auditor")
dash = adm.request("GET", "/api/v1/dashboard").json()["open_items"]["notices"]
check(dash["available"] is True and dash["unacknowledged"] == 1 and dash["overdue"] == 1, "dashboard open items count it: %s" % dash)
check([n["id"] for n in adm.request("GET", "/api/v1/notices?status=unacknowledged").json()] == [n1], "the admin's unacknowledged list")

# ---- acknowledgement: the ministry's admin, once, audited
r = aud.request("POST", "/api/v1/notices/%d/acknowledge" % n1, {"note": "x"})
check(r.status == 403, "the issuer does not acknowledge its own notice")
r = adm.request("POST", "/api/v1/notices/%d/acknowledge" % n1, {"note": "Diterima, profil disesuaikan"})
check(r.status == 200 and r.json()["acknowledged"] is True and r.json()["acked_by"] == demo["admin"]["user"], "acknowledged: %s" % r.body[:300])
r = adm.request("POST", "/api/v1/notices/%d/acknowledge" % n1)
check(r.status == 409 and r.error_code() == "already_acknowledged", "a second acknowledgement is refused")
p = teken("notice", "ack", "--dir", d, "--id", str(n1), check_rc=False)
check(p.returncode != 0 and "acknowledged before" in p.stderr, "and from the CLI: %s" % p.stderr.strip())
rows = sql("SELECT actor, details FROM audit WHERE action = 'notice.acknowledge' AND object = ?", "notice:%d" % n1)
check(len(rows) == 1 and rows[0][0] == demo["admin"]["user"] and "profil disesuaikan" in rows[0][1], "the acknowledgement is audited once")
check(indicator()["status"] == "pass", "acknowledged: the indicator passes")
check(adm.request("GET", "/api/v1/dashboard").json()["open_items"]["notices"]["unacknowledged"] == 0, "dashboard: none left")
actions = {a for (a,) in sql("SELECT DISTINCT action FROM audit WHERE action LIKE 'notice.%' OR action LIKE 'webhook.%'")}
check(actions >= {"notice.create", "notice.update", "notice.publish", "notice.withdraw", "notice.acknowledge", "webhook.create", "webhook.rotate",
                  "webhook.test", "webhook.deactivate", "webhook.delete"}, "every change is an audit event: %s" % sorted(actions))
p = teken("audit", "verify", "--dir", d)
check(p.returncode == 0, "teken audit verify: the chain holds")
check(json.loads(teken("notice", "get", "--dir", d, "--id", str(n3), check_rc=False).stdout or "null") is None, "the operator cannot read the CLI draft")

# ---- the server's own jobs loop delivers too (once a minute of the test clock)
srv.stop()
srv = Server(d)
adm, aud = login("admin"), login("auditor")
n4 = aud.request("POST", "/api/v1/notices", dict(N2, title_id="Lewat jobs", title_en="Through the jobs loop")).json()["id"]
check(adm.request("POST", "/api/v1/webhooks/%d" % HID, {"active": True}).json()["active"] is True, "webhook active again")
before = len(received)
check(aud.request("POST", "/api/v1/notices/%d/publish" % n4).status == 200, "a notice published with the jobs loop running")
set_clock(NOW0 + 15 * 86400 + 120)
deadline = time.time() + 60
while time.time() < deadline and not any(json.loads(q["body"]).get("notice", {}).get("id") == n4 for q in received[before:]):
    time.sleep(0.5)
got = [q for q in received[before:] if json.loads(q["body"]).get("notice", {}).get("id") == n4]
check(len(got) == 1 and signed_ok(got[0], NEW), "teken serve's jobs loop delivered the new notice, signed")

# ---- a long paragraph in the mail: no line over 998 octets (RFC 5322 2.1.1), the text intact
LONGP = "Paragraf panjang tentang perubahan layanan sertifikat elektronik dan dampaknya — " * 40
n5 = aud.request("POST", "/api/v1/notices", dict(N2, title_id="Paragraf panjang", title_en="A long paragraph", body_id=LONGP.strip(),
                                                 body_en="Short.")).json()["id"]
check(aud.request("POST", "/api/v1/notices/%d/publish" % n5).status == 200, "a notice with a 3 kB paragraph published")
srv.stop()
sink = SmtpSink()
with open(os.path.join(d, "teken.conf"), "a") as f:
    f.write("\n[smtp]\nurl = smtp://127.0.0.1:%d\nstarttls = no\n" % sink.port)
teken("notify", "send", "--dir", d)
longm = [m for m in sink.messages if "Paragraf panjang" in str(email.message_from_string(m["data"], policy=email.policy.default)["subject"])]
check(len(longm) == 1, "the long notice's mail was delivered: %d" % len(longm))
check(all(len(line) <= 998 for line in longm[0]["data"].split("\r\n")), "no line over 998 octets")
msg = email.message_from_string(longm[0]["data"], policy=email.policy.default)
check(msg["Content-Transfer-Encoding"] == "quoted-printable", "sent quoted-printable: %s" % msg["Content-Transfer-Encoding"])
check(LONGP.strip() in msg.get_content(), "the paragraph decodes intact")
rx.shutdown()
finish("notice")
