#!/usr/bin/env python3
"""HTTP server, authentication and the role table, against a real `teken serve`."""
import json
import os
import sqlite3
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, check, finish, teken, tmpdir  # noqa: E402

d = os.path.join(tmpdir(), "inst")
teken("init", "--dir", d, "--demo", "--key-alg", "ec-p256")
demo = json.load(open(os.path.join(d, "demo.json")))
with open(os.path.join(d, "teken.conf"), "a") as f:
    f.write("\n[http]\ntrusted_proxies = 127.0.0.1\n")
for role in ("subscriber",):
    teken("user", "add", "--dir", d, "--user", "sub1", "--role", role, "--password-file", "-", input="subscriberpass1\n")
srv = Server(d)
anon = Client(srv)

# Public resources and security headers.
r = anon.request("GET", "/healthz")
check(r.status == 200 and r.json()["status"] == "ok", "healthz")
for h in ("x-content-type-options", "content-security-policy", "x-frame-options"):
    check(h in r.headers, "security header " + h)
check("frame-ancestors 'none'" in r.headers["content-security-policy"], "CSP frame-ancestors")
check("strict-transport-security" not in r.headers, "no HSTS without TLS")
spec = anon.request("GET", "/api/v1/openapi.json").json()
m = anon.request("GET", "/metrics")
check(m.status == 200 and b"teken_http_requests_total{class=\"2xx\"}" in m.body and b"teken_verifikators_active 2" in m.body, "metrics")
check(spec["openapi"].startswith("3."), "openapi version")

# Login: good, wrong password and unknown user look the same.
admin = Client(srv)
check(admin.login(demo["admin"]["user"], demo["admin"]["password"]).status == 200, "admin login")
r1 = Client(srv).login("admin", "wrong-password-1")
r2 = Client(srv).login("nosuchuser", "wrong-password-1")
check(r1.status == r2.status == 401, "bad logins are 401")
check(r1.json() == r2.json(), "unknown user and wrong password give the same error")
check("HttpOnly" in admin.request("POST", "/api/v1/login", {"user": "admin", "password": demo["admin"]["password"]}).headers["set-cookie"], "cookie HttpOnly")
me = admin.request("GET", "/api/v1/me").json()
check(me["role"] == "admin" and me["auth"] == "session", "me")

# CSRF: a cookie without the token may read but not change anything.
nocsrf = Client(srv)
nocsrf.cookie = admin.cookie
check(nocsrf.request("GET", "/api/v1/users").status == 200, "GET without CSRF token")
r = nocsrf.request("POST", "/api/v1/users", {"user": "x1", "password": "abcdefghijk", "role": "auditor", "display_name": "X"})
check(r.status == 403 and r.error_code() == "csrf_failed", "POST without CSRF token refused")

# Lockout after repeated failures, also for the right password afterwards; other users unaffected.
admin.request("POST", "/api/v1/users", {"user": "victim", "password": "victimpassword", "role": "auditor", "display_name": "V"})
codes = [Client(srv).login("victim", "bad-password-%d" % i).status for i in range(5)]
check(codes == [401] * 5, "five failures are 401: %r" % codes)
r = Client(srv).login("victim", "victimpassword")
check(r.status == 413 or r.status == 429 or r.error_code() == "too_many_attempts", "locked after five failures")
check(r.error_code() == "too_many_attempts", "lockout error code")
for i in range(5):
    Client(srv).login("ghost-user", "bad-password-%d" % i)
check(Client(srv).login("ghost-user", "bad-password").error_code() == "too_many_attempts", "unknown names lock the same way")
check(Client(srv).login(demo["auditor"]["user"], demo["auditor"]["password"]).status == 200, "other users unaffected")

# Operator recovery: `teken user passwd` sets a new password, lifts the lockout, ends old sessions.
aud = Client(srv)
check(aud.login(demo["auditor"]["user"], demo["auditor"]["password"]).status == 200, "auditor session before reset")
teken("user", "passwd", "--dir", d, "--user", "victim", "--password-file", "-", input="victim-new-pass-1\n")
check(Client(srv).login("victim", "victim-new-pass-1").status == 200, "new password works, lockout lifted")
check(Client(srv).login("victim", "victimpassword").status == 401, "old password refused")
teken("user", "passwd", "--dir", d, "--user", demo["auditor"]["user"], "--password-file", "-", input="auditor-new-pass-1\n")
check(aud.request("GET", "/api/v1/me").status == 401, "sessions opened with the old password end")
demo["auditor"]["password"] = "auditor-new-pass-1"
p = teken("user", "passwd", "--dir", d, "--user", "victim", "--password-file", "-", input="short\n", check_rc=False)
check(p.returncode != 0 and p.stderr.count("\n") == 1 and "short" not in p.stderr, "weak password: one-line error without the secret")
check(Client(srv).login("victim", "victim-new-pass-1").status == 200, "refused reset changed nothing")

# Clients for every role.
clients = {"public": anon, "admin": admin}
for role, (u, p) in {"verifikator": (demo["verifikators"][0]["user"], demo["verifikators"][0]["password"]),
                     "auditor": (demo["auditor"]["user"], demo["auditor"]["password"]),
                     "subscriber": ("sub1", "subscriberpass1")}.items():
    c = Client(srv)
    check(c.login(u, p).status == 200, "login " + role)
    clients[role] = c
app = Client(srv)
app.bearer = demo["application"]["api_key"]
clients["application"] = app
check(app.request("GET", "/api/v1/me").json()["role"] == "application", "API key authenticates")
bad = Client(srv)
bad.bearer = "tk_0000000000000000_" + "0" * 40
check(bad.request("GET", "/api/v1/me").status == 401, "unknown API key is 401")

# Walk the whole route table: every route refuses every role it does not list.
counts_before = None
db = os.path.join(d, "teken.db")


def counts():
    con = sqlite3.connect(db)
    out = [con.execute("SELECT COUNT(*) FROM %s" % t).fetchone()[0] for t in ("users", "certs", "api_keys", "cps")]
    con.close()
    return out


counts_before = counts()
walked = 0
for path, item in spec["paths"].items():
    concrete = path.replace("{ca}", "issuing").replace("{serial}", "01").replace("{user}", "nobody").replace("{id}", "999999")
    for method, op in item.items():
        allowed = set(op["x-roles"])
        if "public" in allowed:
            continue
        for role, c in clients.items():
            if role in allowed:
                continue
            r = c.request(method.upper(), concrete, {} if method != "get" else None)
            want = 401 if role == "public" else 403
            check(r.status == want, "%s %s as %s: got %d want %d (%s)" % (method, path, role, r.status, want, r.body[:100]))
            walked += 1
check(walked > 20, "walked the route table (%d refusals)" % walked)
check(counts() == counts_before, "refused requests changed nothing")

# Bad input: a 4xx JSON error each, nothing changed.
before = counts()
cases = [
    ("malformed JSON", "/api/v1/users", b"{\"user\": ", "application/json", 400, "malformed_json"),
    ("wrong content type", "/api/v1/users", b"user=x", "application/x-www-form-urlencoded", 400, "unsupported_media_type"),
    ("JSON array", "/api/v1/users", b"[]", "application/json", 400, "malformed_json"),
    ("duplicate keys", "/api/v1/users", b"{\"user\":\"a\",\"user\":\"b\"}", "application/json", 400, "malformed_json"),
    ("missing field", "/api/v1/users", json.dumps({"user": "abc"}), "application/json", 400, "missing_field"),
    ("wrong type", "/api/v1/users", json.dumps({"user": 5, "password": "x", "role": "admin", "display_name": "x"}), "application/json", 400, "invalid_field"),
    ("bad role", "/api/v1/users", json.dumps({"user": "abc", "password": "abcdefghijkl", "role": "root", "display_name": "x"}), "application/json", 400, "invalid_role"),
    ("SQL metacharacters in user", "/api/v1/users", json.dumps({"user": "a'; DROP TABLE users; --", "password": "abcdefghijkl", "role": "auditor", "display_name": "x"}), "application/json", 400, "invalid_username"),
    ("weak password", "/api/v1/users", json.dumps({"user": "abcd", "password": "short", "role": "auditor", "display_name": "x"}), "application/json", 400, "weak_password"),
    ("oversized body", "/api/v1/users", b"{\"user\":\"" + b"a" * (70 * 1024) + b"\"}", "application/json", 413, "too_large"),
    ("NUL in string", "/api/v1/users", b"{\"user\":\"ab\\u0000c\",\"password\":\"abcdefghijkl\",\"role\":\"auditor\",\"display_name\":\"x\"}", "application/json", 400, "malformed_json"),
]
for what, path, body, ctype, status, code in cases:
    r = admin.request("POST", path, body, ctype=ctype, raw=True)
    check(r.status == status and r.error_code() == code, "%s: got %d %s" % (what, r.status, r.body[:120]))
check(admin.request("GET", "/api/v1/../api/v1/users").status in (400, 404), "path traversal")
check(counts() == before, "bad input changed nothing")
r = admin.request("POST", "/api/v1/users", {"user": "o.brien", "password": "abcdefghijkl", "role": "auditor", "display_name": "O'Brien; DROP TABLE users; --"})
check(r.status == 201, "SQL metacharacters in a free-text field are data")
check(any(u["display_name"].startswith("O'Brien;") for u in admin.request("GET", "/api/v1/users").json()), "stored literally")

# API keys: listed by prefix with their state, never with the secret; revocation shows.
r = admin.request("POST", "/api/v1/apikeys", {"name": "SIMPEG", "units": "Biro Kepegawaian"})
check(r.status == 201, "create API key")
newkey = r.json()
keys = admin.request("GET", "/api/v1/apikeys").json()
row = [k for k in keys if k["id"] == newkey["id"]]
check(len(row) == 1 and row[0]["name"] == "SIMPEG" and row[0]["revoked_at"] is None, "new key listed: %r" % row)
check(row and newkey["api_key"].split("_")[1] == row[0]["prefix"], "listed by its prefix")
check(newkey["api_key"].split("_")[2] not in json.dumps(keys), "secret not in the list")
check(clients["subscriber"].request("GET", "/api/v1/apikeys").status == 403, "subscriber may not list API keys")
check(admin.request("POST", "/api/v1/apikeys/%d/revoke" % newkey["id"]).status == 200, "revoke API key")
row = [k for k in admin.request("GET", "/api/v1/apikeys").json() if k["id"] == newkey["id"]]
check(row and isinstance(row[0]["revoked_at"], int), "revocation listed")

# Logout ends the session; deactivation ends all sessions of a user.
v = clients["verifikator"]
check(admin.request("POST", "/api/v1/users/%s/deactivate" % demo["verifikators"][0]["user"]).status == 200, "deactivate")
check(v.request("GET", "/api/v1/me").status == 401, "deactivated user's session is gone")
check(admin.request("POST", "/api/v1/logout").status == 200, "logout")
check(admin.request("GET", "/api/v1/me").status == 401, "session ended")

con = sqlite3.connect(db)
ips = {r[0] for r in con.execute("SELECT ip FROM audit WHERE action = 'auth.login_failed'")}
con.close()
check("127.0.0.1" in ips, "audit records the peer address")
r = Client(srv).request("POST", "/api/v1/login", {"user": "proxied", "password": "whatever-123"},
                        headers={"X-Forwarded-For": "203.0.113.7, 127.0.0.1"})
con = sqlite3.connect(db)
ips = {r[0] for r in con.execute("SELECT ip FROM audit WHERE object = 'proxied'")}
con.close()
check(ips == {"203.0.113.7"}, "client address from X-Forwarded-For of a trusted proxy: %r" % ips)
# Concurrent requests, then graceful shutdown.
errors = []
def worker():
    c = Client(srv)
    for _ in range(50):
        if c.request("GET", "/healthz").status != 200:
            errors.append(1)
ts = [threading.Thread(target=worker) for _ in range(8)]
[t.start() for t in ts]
[t.join() for t in ts]
check(not errors, "400 concurrent requests all served")
check(srv.stop() == 0, "graceful shutdown exits 0")
r = teken("audit", "verify", "--dir", d)
check("intact" in r.stdout, "audit chain intact after the session")
finish("test_http_auth.py")
