"""Helpers for integration tests written in Python (stdlib only).

Each test makes its own temp dir, instance and server on a free loopback
port (port 0, read back from the server's first line), so tests run in
parallel. Everything is cleaned up at exit.
"""
import atexit
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BIN = os.environ["TEKEN_BIN"]
CHECKS = [0]


def ok():
    CHECKS[0] += 1


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    ok()


def tmpdir():
    d = tempfile.mkdtemp(prefix="teken-test.")
    atexit.register(shutil.rmtree, d, True)
    return d


def teken(*args, check_rc=True, input=None):
    p = subprocess.run([BIN, *args], capture_output=True, text=True, input=input)
    if check_rc and p.returncode != 0:
        raise AssertionError("teken %s failed: %s" % (" ".join(args), p.stderr))
    return p


class Server:
    """A real `teken serve` on 127.0.0.1:<free port>."""

    def __init__(self, inst_dir, threads=2, rate_limit=False, jobs=True):
        # jobs=False: no periodic jobs (`--no-jobs`), for tests that compare whole tables and must not
        # see the jobs' own writes (OCSP refresh, CRL, reminders, usage counters) land in between.
        # Tests send bursts from loopback: the per-address rate limit is off
        # unless a test asks for the configuration it wrote itself.
        if not rate_limit:
            with open(os.path.join(inst_dir, "teken.conf"), "a") as f:
                f.write("\n[http]\nrate_per_ip = 0\n")
        self.log_path = os.path.join(inst_dir, "serve.log")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--dir", inst_dir, "--listen", "127.0.0.1:0", "--threads", str(threads)] + ([] if jobs else ["--no-jobs"]),
            stdout=subprocess.PIPE, stderr=open(self.log_path, "w"), text=True)
        line = self.proc.stdout.readline()
        if "listening on" not in line:
            self.proc.kill()
            raise AssertionError("server did not start: %r" % line)
        self.port = int(line.rsplit(":", 1)[1])
        self.base = "http://127.0.0.1:%d" % self.port
        atexit.register(self.stop)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise AssertionError("server did not stop on SIGTERM")
        if self.proc.returncode != 0:
            # The instance (and its log) goes with the test's temporary directory: show why here.
            try:
                with open(self.log_path, errors="replace") as f:
                    sys.stderr.write("teken serve exited %d; the end of its log:\n%s\n" % (self.proc.returncode, f.read()[-4000:]))
            except OSError:
                pass
        return self.proc.returncode


class Resp:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def error_code(self):
        try:
            return self.json()["error"]["code"]
        except Exception:
            return None


class Client:
    """An HTTP client with a session cookie, CSRF token or API key."""

    def __init__(self, server):
        self.server = server
        self.cookie = None
        self.csrf = None
        self.bearer = None

    def request(self, method, path, body=None, ctype="application/json", headers=None, raw=False):
        c = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        h = dict(headers or {})
        if self.cookie:
            h["Cookie"] = "teken_session=" + self.cookie
        if self.csrf:
            h.setdefault("X-CSRF-Token", self.csrf)
        if self.bearer:
            h["Authorization"] = "Bearer " + self.bearer
        data = None
        if body is not None:
            data = body if raw or isinstance(body, (bytes, str)) else json.dumps(body)
            if ctype:
                h["Content-Type"] = ctype
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        out = Resp(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        c.close()
        return out

    def login(self, user, password):
        r = self.request("POST", "/api/v1/login", {"user": user, "password": password})
        if r.status == 200:
            sc = r.headers.get("set-cookie", "")
            self.cookie = sc.split("teken_session=", 1)[1].split(";", 1)[0]
            self.csrf = r.json()["csrf_token"]
        return r


def finish(name):
    print("PASS: %s (%d checks)" % (name, CHECKS[0]))


def multipart(fields, files):
    """Encodes fields {name: str} and files [(name, filename, bytes)] as multipart/form-data."""
    import uuid
    b = "teken-" + uuid.uuid4().hex
    out = bytearray()
    for k, v in fields.items():
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n" % (b, k)).encode()
        out += v.encode() if isinstance(v, str) else v
        out += b"\r\n"
    for name, fname, data in files:
        out += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                "Content-Type: application/octet-stream\r\n\r\n" % (b, name, fname)).encode()
        out += data + b"\r\n"
    out += ("--%s--\r\n" % b).encode()
    return bytes(out), "multipart/form-data; boundary=" + b


class SmtpSink:
    """A real SMTP server on loopback that keeps every message it accepts."""

    def __init__(self):
        import socketserver
        import threading
        self.messages = []
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                w = self.wfile.write
                w(b"220 sink ESMTP\r\n")
                rcpt, data = [], None
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    cmd = line.strip().upper()
                    if cmd.startswith(b"EHLO") or cmd.startswith(b"HELO"):
                        w(b"250 sink\r\n")
                    elif cmd.startswith(b"MAIL FROM"):
                        w(b"250 ok\r\n")
                    elif cmd.startswith(b"RCPT TO"):
                        rcpt.append(line.strip()[8:].decode())
                        w(b"250 ok\r\n")
                    elif cmd == b"DATA":
                        w(b"354 go\r\n")
                        buf = []
                        while True:
                            l2 = self.rfile.readline()
                            if l2 in (b".\r\n", b".\n", b""):
                                break
                            buf.append(l2)
                        sink.messages.append({"rcpt": rcpt[:], "data": b"".join(buf).decode("utf-8", "replace")})
                        rcpt.clear()
                        w(b"250 queued\r\n")
                    elif cmd == b"QUIT":
                        w(b"221 bye\r\n")
                        return
                    else:
                        w(b"250 ok\r\n")

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        atexit.register(self.server.shutdown)


def write_clock(path, t):
    """Sets the test clock a server built with -DTEKEN_TEST_CLOCK=ON re-reads (TEKEN_TEST_CLOCK_FILE): atomically."""
    with open(path + ".tmp", "w") as f:
        f.write("%d\n" % t)
    os.replace(path + ".tmp", path)


def store_sql(db, store_url, q, *args):
    """Rows of a query as tuples of text (NULL as ""), the same on SQLite (db) and PostgreSQL (store_url when set).

    Arguments are '?' placeholders; on PostgreSQL they are inlined as literals (ints bare, text quoted)."""
    import re
    import sqlite3
    if store_url:
        lit = [str(a) if isinstance(a, int) else "'" + str(a).replace("'", "''") + "'" for a in args]
        q = re.sub(r"\?", lambda m: lit.pop(0), q)
        out = subprocess.run(["psql", "-X", "-q", "-tA", "-F", "\x1f", store_url, "-c", q], capture_output=True, text=True, check=True).stdout
        return [tuple(line.split("\x1f")) for line in out.splitlines() if line != ""]
    con = sqlite3.connect(db, timeout=30)
    rows = con.execute(q, args).fetchall()
    con.commit()
    con.close()
    return [tuple("" if v is None else str(v) for v in row) for row in rows]
