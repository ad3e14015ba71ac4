#!/usr/bin/env python3
"""The HTTP front door against a real `teken serve`: authentication before the
body, per-address limits, the signing cap, no core dumps, no identifiers in
the request log, no database text in responses.

Usage: test_http_front.py [ITEM...]   (items: early, signing, logs, errors, dumps, limits; default all)
"""
import base64
import json
import os
import pwd
import shutil
import signal
import select
import socket
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import BIN, Client, Server, check, finish, multipart, teken, tmpdir  # noqa: E402

SRC = os.environ.get("TEKEN_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
T = tmpdir()
d = os.path.join(T, "inst")
teken("init", "--dir", d, "--demo", "--key-alg", "ec-p256")
demo = json.load(open(os.path.join(d, "demo.json")))
APP = demo["application"]
BASIC = "Basic " + base64.b64encode(("%s:%s" % (APP["basic_user"], APP["basic_password"])).encode()).decode()
PDF = open(os.path.join(SRC, "tests", "data", "pdf", "gs-pdf13.pdf"), "rb").read()
NIK = "3171234567890123"  # not registered; must never show in the log
CONF = os.path.join(d, "teken.conf")
BASE_CONF = open(CONF).read()


def configure(extra):
    """Rewrites teken.conf as `teken init` wrote it plus extra lines (the server must be stopped)."""
    with open(CONF, "w") as f:
        f.write(BASE_CONF + "\n" + extra)


def raw(port, data, timeout=3.0, keep=False):
    """Sends raw bytes and reads one response (status, headers, body, seconds); status 0 when none came.
    With keep=True returns the open socket as well and reads nothing."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    t0 = time.monotonic()
    s.sendall(data)
    if keep:
        return s
    buf = b""
    status, headers, body = 0, {}, b""
    try:
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
        if b"\r\n\r\n" in buf:
            head, body = buf.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            for ln in lines[1:]:
                k, _, v = ln.partition(":")
                headers[k.strip().lower()] = v.strip()
            want = int(headers.get("content-length", "0"))
            while len(body) < want:
                chunk = s.recv(65536)
                if not chunk:
                    break
                body += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    finally:
        s.close()
    return status, headers, body, time.monotonic() - t0


def head(method, path, headers):
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1"] + ["%s: %s" % kv for kv in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def err_code(body):
    try:
        return json.loads(body)["error"]["code"]
    except Exception:
        return None


# ---------------------------------------------------------------- 1. authenticate before the body
def item_early(srv):
    big = {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": "100000000"}
    st, h, b, secs = raw(srv.port, head("POST", "/api/v1/sign/pdf", big) + b"--x\r\n")
    check(st == 401 and err_code(b) == "unauthenticated" and secs < 2.5,
          "unauthenticated 100 MB upload refused after the headers: %d %.1fs %r" % (st, secs, b[:120]))
    st, h, b, secs = raw(srv.port, head("POST", "/api/v1/sign/pdf", dict(big, Expect="100-continue")))
    check(st == 401, "Expect: 100-continue gets the 401, not 100 Continue: %d" % st)
    st, h, b, secs = raw(srv.port, head("POST", "/api/v1/users", {"Authorization": "Bearer " + APP["api_key"],
                                                                  "Content-Type": "application/json", "Content-Length": "60000"}) + b"{")
    check(st == 403 and err_code(b) == "forbidden" and secs < 2.5, "wrong role refused after the headers: %d %r" % (st, b[:120]))
    st, h, b, secs = raw(srv.port, head("POST", "/api/sign/pdf", big) + b"--x\r\n")
    j = json.loads(b or b"{}")
    check(st == 401 and set(j) == {"timestamp", "status", "error", "path"} and "www-authenticate" in h and secs < 2.5,
          "BSrE route: its own 401 shape after the headers: %d %r" % (st, b[:160]))
    st, h, b, secs = raw(srv.port, head("POST", "/api/v1/no/such/route", big) + b"--x\r\n")
    check(st == 404 and err_code(b) == "not_found" and secs < 2.5, "unknown route: 404 after the headers: %d" % st)
    st, h, b, secs = raw(srv.port, head("PUT", "/api/v1/sign/pdf", big) + b"--x\r\n")
    check(st == 405 and secs < 2.5, "wrong method: 405 after the headers: %d" % st)
    # An admitted caller whose declared body is over the limit: 413 before the body.
    st, h, b, secs = raw(srv.port, head("POST", "/api/v1/sign/pdf", dict(big, **{"Authorization": "Bearer " + APP["api_key"],
                                                                             "Content-Length": "1000000000"})) + b"--x\r\n")
    check(st == 413 and err_code(b) == "too_large" and secs < 2.5, "declared body over the limit: 413 after the headers: %d" % st)
    # Bodies are still read for admitted callers.
    c = Client(srv)
    c.bearer = APP["api_key"]
    body, ct = multipart({"options": "{}"}, [("file", "a.pdf", PDF)])
    r = c.request("POST", "/api/v1/sign/pdf", body, ctype=ct, raw=True)
    check(r.status == 200 and r.body.startswith(PDF), "admitted upload signed: %d %r" % (r.status, r.body[:120]))
    # With the rate limit off (rate_per_ip = 0), bursts from loopback are never refused.
    codes = {Client(srv).request("GET", "/healthz").status for _ in range(150)}
    check(codes == {200}, "rate_per_ip = 0: 150 requests in a burst all answered: %r" % codes)


# ---------------------------------------------------------------- 3. concurrent signing cap
def sign_request(auth, pdf_bytes):
    body, ct = multipart({"options": "{}"}, [("file", "a.pdf", pdf_bytes)])
    return head("POST", "/api/v1/sign/pdf", {"Authorization": auth, "Content-Type": ct, "Content-Length": str(len(body))}), body


def item_signing(srv):
    # max_concurrent_signing = 1: an upload in progress holds the one slot.
    h1, b1 = sign_request("Bearer " + APP["api_key"], PDF)
    holder = raw(srv.port, h1 + b1[:100], keep=True)
    busy = (0, {}, b"", 0.0)
    for _ in range(50):
        time.sleep(0.1)
        if select.select([holder], [], [], 0)[0]:
            # Under load the probe below can reach the server before the holder's headers did: then the
            # holder was the one refused. Start a new holder; only an admitted holder proves the cap.
            holder.close()
            holder = raw(srv.port, h1 + b1[:100], keep=True)
            continue
        h2, b2 = sign_request("Bearer " + APP["api_key"], PDF)
        busy = raw(srv.port, h2 + b2)
        if busy[0] == 503:
            break
    st, h, b, _ = busy
    check(st == 503 and err_code(b) == "server_busy" and h.get("retry-after") == "1",
          "second signing request while one runs: 503 server_busy, Retry-After 1: %d %r %r" % (st, h, b[:160]))
    fields = {"nik": demo["subscriber"]["nik"], "passphrase": demo["subscriber"]["passphrase"], "tampilan": "invisible"}
    mb, mct = multipart(fields, [("file", "surat.pdf", PDF)])
    st, h, b, _ = raw(srv.port, head("POST", "/api/sign/pdf", {"Authorization": BASIC, "Content-Type": mct,
                                                               "Content-Length": str(len(mb))}) + mb)
    j = json.loads(b or b"{}")
    check(st == 503 and j.get("status_code") == 503 and isinstance(j.get("error"), str) and h.get("retry-after") == "1",
          "BSrE sign while busy: 503 in the BSrE shape: %d %r" % (st, b[:160]))
    me = Client(srv)
    me.bearer = APP["api_key"]
    check(me.request("GET", "/api/v1/me").status == 200, "other routes are not capped")
    holder.close()  # the client gives up: its slot is released
    st = 0
    for _ in range(50):
        h3, b3 = sign_request("Bearer " + APP["api_key"], PDF)
        st, h, b, _ = raw(srv.port, h3 + b3, timeout=30)
        if st == 200:
            break
        time.sleep(0.1)
    check(st == 200, "slot released when the holder went away: %d" % st)


# ---------------------------------------------------------------- 5. no identifiers in the log
def item_logs(srv):
    c = Client(srv)
    r = c.request("GET", "/api/user/status/" + NIK, headers={"Authorization": BASIC})
    check(r.status == 200 and r.json()["status"] == "NOT_REGISTERED", "status by NIK: %d %r" % (r.status, r.body[:120]))
    r = c.request("GET", "/api/user/status/" + demo["subscriber"]["nik"], headers={"Authorization": BASIC})
    check(r.status == 200 and r.json()["status"] == "ISSUE", "status of a registered official: %d %r" % (r.status, r.body[:120]))
    check(c.request("GET", "/api/user/status/%s/extra" % NIK, headers={"Authorization": BASIC}).status == 404, "unknown path with a NIK")
    c.request("GET", "/api/v1/documents/01ABC?nik=" + NIK)
    c.request("GET", "/v/" + NIK + "?q=" + NIK)
    time.sleep(0.2)
    log = open(os.path.join(d, "serve.log")).read()
    check(NIK not in log and demo["subscriber"]["nik"] not in log, "no NIK anywhere in the server log")
    check("/api/user/status/{nik}" in log, "the request line names the route pattern")
    check("?nik" not in log and "?q=" not in log, "query strings are not logged")


# ---------------------------------------------------------------- 6. database text never reaches a response
def item_errors(srv):
    admin = Client(srv)
    check(admin.login(demo["admin"]["user"], demo["admin"]["password"]).status == 200, "admin login")
    db = sqlite3.connect(os.path.join(d, "teken.db"))
    db.execute("ALTER TABLE subscribers RENAME TO subscribers_away")
    db.commit()
    try:
        r = admin.request("GET", "/api/v1/subscribers")
        bsre = Client(srv).request("GET", "/api/user/status/" + demo["subscriber"]["nik"], headers={"Authorization": BASIC})
    finally:
        db.execute("ALTER TABLE subscribers_away RENAME TO subscribers")
        db.commit()
        db.close()
    check(r.status >= 500 and r.json() == {"error": {"code": "internal_error", "message": "internal error; see the server log",
                                                     "request_id": r.headers.get("x-request-id")}},
          "store failure: generic internal_error (and the request id): %d %r" % (r.status, r.body[:200]))
    check(bsre.status >= 500 and b"subscribers" not in bsre.body and b"no such table" not in bsre.body and b"store" not in bsre.body
          and b"internal error; see the server log" in bsre.body and json.loads(bsre.body)["status_code"] == bsre.status,
          "BSrE store failure: generic message in the BSrE shape: %d %r" % (bsre.status, bsre.body[:200]))
    time.sleep(0.2)
    log = open(os.path.join(d, "serve.log")).read()
    check("no such table: subscribers" in log, "the real store message is in the server log")
    check(admin.request("GET", "/api/v1/subscribers").status == 200, "works again once the table is back")


# ---------------------------------------------------------------- 4. no core dumps
def item_dumps(srv):
    limits = open("/proc/%d/limits" % srv.proc.pid).read()
    core = [ln.split() for ln in limits.splitlines() if ln.startswith("Max core file size")]
    check(core and core[0][4:6] == ["0", "0"], "RLIMIT_CORE soft and hard 0: %r" % core)
    # A process that is not dumpable has the files in /proc/PID owned by root. Run a
    # server as an unprivileged user (dropped from root, or as we are) and look.
    copy = os.path.join(T, "inst-nobody")
    shutil.copytree(d, copy)
    pre = None
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        for root, dirs, files in os.walk(copy):
            for n in dirs + files:
                os.chown(os.path.join(root, n), nobody.pw_uid, nobody.pw_gid)
        os.chown(copy, nobody.pw_uid, nobody.pw_gid)
        os.chmod(T, 0o711)

        def pre():
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
    p = subprocess.Popen([BIN, "serve", "--dir", copy, "--listen", "127.0.0.1:0", "--threads", "1", "--no-jobs"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=pre)
    try:
        line = p.stdout.readline()
        check("listening on" in line, "unprivileged server starts: %r" % line)
        uid = os.stat("/proc/%d/status" % p.pid).st_uid
        check(uid == 0 and uid != os.stat(copy).st_uid, "server is not dumpable (/proc/PID/status owned by %d)" % uid)
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(10)


# ---------------------------------------------------------------- 2. per-address limits
def item_limits(srv):
    c = Client(srv)
    codes, last = [], None
    for _ in range(25):
        r = c.request("GET", "/healthz")
        codes.append(r.status)
        if r.status == 429:
            last = r
    check(last is not None and codes.count(200) <= 14, "rate_per_ip = 5: a burst of 25 is cut: %r" % codes)
    check(last.error_code() == "rate_limited" and int(last.headers.get("retry-after", "0")) >= 1,
          "429 rate_limited with Retry-After: %r %r" % (last.headers, last.body[:120]))
    # Right after a refusal the budget is spent: verification is refused as well. On a slow machine
    # the budget may refill between the two requests, so the pair is tried a few times.
    for _ in range(5):
        while c.request("GET", "/healthz").status != 429:
            pass
        r = c.request("POST", "/api/v1/verify", PDF, ctype="application/pdf")
        if r.status == 429:
            break
    check(r.status == 429, "public verification is limited too: %d" % r.status)
    r = c.request("GET", "/healthz", headers={"X-Forwarded-For": "203.0.113.9"})
    check(r.status == 200, "another client address behind the trusted proxy has its own budget: %d" % r.status)
    # max_connections_per_ip = 4: of eight connections held open, four are kept, the rest closed unanswered.
    time.sleep(0.5)  # connections of the requests above are gone
    held = [raw(srv.port, b"GET /healthz HTTP/1.1\r\n", keep=True) for _ in range(8)]
    time.sleep(0.5)
    alive = []
    for s in held:
        s.setblocking(False)
        try:
            s.recv(1)  # refused: EOF or reset
            s.close()
        except BlockingIOError:
            alive.append(s)  # kept: waiting for the rest of our request
        except ConnectionResetError:
            s.close()
    check(len(alive) == 4, "four connections from one address kept: %d" % len(alive))
    st, _, _, _ = raw(srv.port, head("GET", "/healthz", {"X-Forwarded-For": "203.0.113.10"}))
    check(st == 0, "one more connection from the address refused: %d" % st)
    for s in alive:
        s.close()
    st = 0
    for _ in range(30):
        time.sleep(0.1)
        st, _, _, _ = raw(srv.port, head("GET", "/healthz", {"X-Forwarded-For": "203.0.113.11"}))
        if st == 200:
            break
    check(st == 200, "connections are accepted again once they closed: %d" % st)


# ---------------------------------------------------------------- the caller again once the body is in
def item_stale(srv):
    """A request admitted from its headers is decided again when its body is complete: a deactivation in between wins."""
    teken("user", "add", "--dir", d, "--user", "operator.lambat", "--role", "subscriber", "--password-file", "-",
          input="lambat-password-1\n")
    c = Client(srv)
    check(c.login("operator.lambat", "lambat-password-1").status == 200, "login")
    cookie = c.cookie
    body = json.dumps({"old_passphrase": "x" * 12, "new_passphrase": "y" * 12}).encode()
    hdr = {"Cookie": "teken_session=" + cookie, "X-CSRF-Token": c.csrf, "Content-Type": "application/json",
           "Content-Length": str(len(body))}
    s = raw(srv.port, head("POST", "/api/v1/me/passphrase", hdr) + body[:5], keep=True, timeout=10.0)
    time.sleep(0.5)
    teken("user", "deactivate", "--dir", d, "--user", "operator.lambat")
    s.sendall(body[5:])
    resp = b""
    try:
        while b"\r\n\r\n" not in resp:
            chunk = s.recv(65536)
            if not chunk:
                break
            resp += chunk
    finally:
        s.close()
    check(resp.startswith(b"HTTP/1.1 401") and b"unauthenticated" in resp,
          "deactivated while uploading: the handler never runs for the stale caller: %r" % resp[:200])


# ---------------------------------------------------------------- a proxy that adds its own X-Forwarded-For line
def item_xff(srv):
    import sqlite3
    # The trusted proxy (loopback) keeps the client's header and appends its own line with the real client.
    body = b'{"user":"nobody-xff","password":"xxxx"}'
    req = head("POST", "/api/v1/login", {"Content-Type": "application/json", "Content-Length": str(len(body)), "X-Forwarded-For": "6.6.6.6"})
    req = req.replace(b"X-Forwarded-For: 6.6.6.6\r\n", b"X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-For: 10.1.2.3\r\n")
    st, h, b, secs = raw(srv.port, req + body)
    con = sqlite3.connect(os.path.join(d, "teken.db"))
    ip = con.execute("SELECT ip FROM audit WHERE action = 'auth.login_failed' AND object = 'nobody-xff' ORDER BY seq DESC LIMIT 1").fetchone()
    con.close()
    check(st == 401 and ip is not None and ip[0] == "10.1.2.3", "the right-most address of all X-Forwarded-For lines: %r %r" % (st, ip))


ITEMS = sys.argv[1:] or ["early", "stale", "signing", "logs", "errors", "dumps", "limits"]
phase1 = [i for i in ITEMS if i != "limits"]
if phase1:
    configure("[http]\nrate_per_ip = 0\nmax_concurrent_signing = 1\n")
    srv = Server(d, rate_limit=True)
    for item in phase1:
        globals()["item_" + item](srv)
    check(srv.stop() == 0, "server stops cleanly")
if "limits" in ITEMS:
    configure("[http]\nrate_per_ip = 5\nmax_connections_per_ip = 4\ntrusted_proxies = 127.0.0.1\n")
    srv = Server(d, rate_limit=True)
    item_limits(srv)
    item_xff(srv)
    check(srv.stop() == 0, "server stops cleanly")
log = open(os.path.join(d, "serve.log")).read()
check("AddressSanitizer" not in log and "LeakSanitizer" not in log, "no sanitizer report")
finish("test_http_front.py")
