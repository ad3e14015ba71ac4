#!/usr/bin/env python3
"""The README says what works today (issue 16), checked against the running code:
- every route written in backticks in the Status table (`/api/...`, `POST /api/v1/verify`,
  `/verify`, `/v/{id}`, `/cps`, ...) is in the route table of a real `teken serve`
  (GET /api/v1/openapi.json, which is generated from src/http/routes.c), with its method;
- every command of the CLI tour (`$T cmd sub ...`) and every `teken cmd [sub]` in backticks
  anywhere in the README is listed by `teken help`;
- the Status table has no "being built", "not yet", "TODO", "planned" and the like;
- every docs/ file the README links to or names exists."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, check, finish, teken, tmpdir  # noqa: E402

SRC = os.environ.get("TEKEN_SRC") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
README = open(os.path.join(SRC, "README.md"), encoding="utf-8").read()


def section(title):
    m = re.search(r"^## " + re.escape(title) + r"\s*$(.*?)(?=^## |\Z)", README, re.M | re.S)
    check(m is not None, "README has no '## %s' section" % title)
    return m.group(1)


# ---- the Status table ----
status = section("Status")
rows = [ln for ln in status.splitlines() if ln.startswith("|")]
check(len(rows) >= 3, "the Status table has a header, a separator and rows")
body = [r for r in rows[2:] if r.strip("|- ")]
check(len(body) >= 8, "the Status table lists the parts of teken (%d rows)" % len(body))
for r in body:
    cells = [c.strip() for c in r.strip().strip("|").split("|")]
    check(len(cells) == 3 and cells[0] and cells[1], "every Status row names a part and what works: %r" % r[:80])
for phrase in ("being built", "not yet", "todo", "planned", "coming soon", "in progress", "work in progress", "wip", "stub",
               "to be done", "under construction", "tbd"):
    hits = [r[:100] for r in body if re.search(r"(?<![a-z])" + re.escape(phrase) + r"(?![a-z])", r.lower())]
    check(not hits, "the Status table says %r: %s" % (phrase, hits))

# ---- routes in the table against the running server's route table ----
ticks = re.findall(r"`([^`\n]+)`", status)
routes = []
for t in ticks:
    m = re.fullmatch(r"(?:(GET|POST|PUT|PATCH|DELETE) )?(/[^\s`]*)", t)
    if m:
        routes.append((m.group(1), m.group(2)))
check(len(routes) >= 8, "the Status table names routes (%d found): %r" % (len(routes), routes))
for must in ("/verify", "/v/{id}", "/cps", "/api/v1/verify"):
    check(any(p == must for _, p in routes), "the Status table names %s" % must)

T = tmpdir()
D = os.path.join(T, "inst")
teken("init", "--dir", D, "--key-alg", "ec-p256")
srv = Server(D, threads=1, jobs=False)
r = Client(srv).request("GET", "/api/v1/openapi.json")
check(r.status == 200, "GET /api/v1/openapi.json: %d" % r.status)
paths = r.json()["paths"]
check(len(paths) > 100 and "/api/v1/openapi.json" in paths, "the OpenAPI document lists the route table (%d paths)" % len(paths))
for method, path in routes:
    check(path in paths, "README Status names %s, which is not a route of teken serve" % path)
    if method:
        check(method.lower() in paths[path], "README Status names %s %s, but the route has only %s" %
              (method, path, ", ".join(sorted(paths[path]))))
# The check above can fail: a route that does not exist is not in the document.
check("/api/v1/no-such-route" not in paths, "the OpenAPI document does not list made-up routes")

# ---- commands against `teken help` ----
p = teken("help", check_rc=False)
helptext = p.stdout + p.stderr
check(p.returncode == 0, "teken help exits 0 (%d)" % p.returncode)
# Lines of the help that show a command: "teken <cmd> ...", also after a "/" separator.
cmdlines = {}
for ln in helptext.splitlines():
    for m in re.finditer(r"(?:^|\s|/)teken ([a-z][a-z0-9-]*)(.*?)(?=\s/\s+teken |$)", ln):
        cmdlines.setdefault(m.group(1), []).append(m.group(2))
check(len(cmdlines) >= 15, "teken help lists the commands (%d found)" % len(cmdlines))


def listed(cmd, sub):
    if cmd == "help":
        return True  # `teken help` itself printed the text above
    if cmd not in cmdlines:
        return False
    if sub is None:
        return True
    # "teken ca chain ...", "teken user list|deactivate|activate ...", "teken audit verify ..."
    return any(re.match(r"\s+(?:[a-z-]+\|)*" + re.escape(sub) + r"(?:\||\s|$)", rest) for rest in cmdlines[cmd])


used = []
tour = section("A tour of the CLI")
for m in re.finditer(r"\$T ([a-z][a-z0-9-]*)(?: ([a-z][a-z0-9-]*))?", tour):
    used.append(("tour", m.group(1), m.group(2)))
PROSE = re.sub(r"^```.*?^```", "", README, flags=re.M | re.S)  # inline code only, outside fenced blocks
for t in re.findall(r"`([^`\n]+)`", PROSE):
    m = re.fullmatch(r"(?:build/)?teken ([a-z][a-z0-9-]*)(?: ([a-z][a-z0-9-]*))?(?: .*)?", t)
    if m:
        used.append(("`%s`" % t, m.group(1), m.group(2)))
check(len([u for u in used if u[0] == "tour"]) >= 8, "the tour shows commands (%r)" % used)
for where, cmd, sub in used:
    # A second word is a subcommand only where teken help shows the command with subcommands.
    if sub is not None and cmd in cmdlines and not any(re.match(r"\s+[a-z]", rest) for rest in cmdlines[cmd]):
        sub = None
    check(listed(cmd, sub), "README (%s) uses teken %s%s, which teken help does not list" %
          (where, cmd, " " + sub if sub else ""))
check(not listed("no-such-command", None) and not listed("ca", "no-such-sub"), "the help check can fail")

# ---- docs the README links to or names ----
docs = set(re.findall(r"\]\((docs/[^)#\s]+)", README)) | set(re.findall(r"`(docs/[^`\s]+)`", PROSE))
check(len(docs) >= 10, "the README points at the documentation (%d files)" % len(docs))
for d in sorted(docs):
    check(os.path.exists(os.path.join(SRC, d)), "README links to %s, which does not exist" % d)
for d in ("LICENSE", "CONTRIBUTING.md", "docs/architecture.md"):
    check(os.path.exists(os.path.join(SRC, d)), "%s exists" % d)
    check(d in README, "the README points at %s" % d)

check(srv.stop() == 0, "teken serve stopped cleanly")
finish("readme_status")
