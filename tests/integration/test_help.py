#!/usr/bin/env python3
"""teken help, teken(1) and teken.conf(5) come from one table (src/cli/help.c):

- every command main.c dispatches is in `teken help` (as "teken NAME") and
  has its own `teken help NAME`; every help entry is a dispatched command;
- every teken.conf key the code reads (config_get* calls in src/, scanned
  here, including the few built from variables) is in `teken help conf`,
  and every key there is read by the code or says "not read";
- the man pages the build made are what `teken help --man` prints now, and
  groff (-ww) and man --warnings find nothing to warn about;
- bad topics fail with one line.
"""
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.environ["TEKEN_SRC"], "tests", "lib"))
from tekentest import check, finish, ok, teken, tmpdir  # noqa: E402

SRC = os.environ["TEKEN_SRC"]
BUILD = os.environ.get("TEKEN_BUILD", os.path.dirname(os.environ["TEKEN_BIN"]))


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


# ---- commands: main.c's dispatch table against the help table
main_c = read(os.path.join(SRC, "src/cli/main.c"))
dispatched = re.findall(r'\{\s*"([a-z][a-z0-9-]*)",\s*cmd_[a-z_]+\s*\}', main_c)
check(len(dispatched) >= 30 and "serve" in dispatched and "verify" in dispatched,
      "main.c dispatch table found (%d commands)" % len(dispatched))

overview = teken("help").stdout
for name in dispatched:
    check(re.search(r"(^|[\s/])teken %s\b" % re.escape(name), overview, re.M) is not None,
          "teken help lists the dispatched command '%s'" % name)
    one = teken("help", name).stdout
    check(one.startswith("teken %s\n" % name) and "Details: docs/" in one, "teken help %s" % name)
# The overview on no arguments goes to stderr with exit 2; --help and -h are help.
p = teken(check_rc=False)
check(p.returncode == 2 and p.stderr == overview and p.stdout == "", "teken without arguments: overview on stderr, 2")
check(teken("--help").stdout == overview and teken("-h").stdout == overview, "--help, -h")

# Every help entry is a command main.c runs (or help itself): none is left after a command is removed.
man1 = teken("help", "--man").stdout
entries = re.findall(r"^\.SS (\S+)$", man1, re.M)
check(set(entries) == set(dispatched) | {"help"},
      "help entries = dispatched commands + help (extra %s, missing %s)"
      % (set(entries) - set(dispatched) - {"help"}, set(dispatched) - set(entries)))
for name in entries:
    if name != "help":
        p = teken(name, check_rc=False)
        check("unknown command" not in p.stderr, "teken %s is dispatched" % name)

for args, what in [(("help", "nosuch"), "unknown topic"), (("help", "sign", "--man"), "--man of one command"),
                   (("help", "-o", "x"), "-o without --man"), (("help", "--bogus"), "unknown option")]:
    p = teken(*args, check_rc=False)
    check(p.returncode == 2 and p.stdout == "" and p.stderr.count("\n") == 1 and p.stderr.startswith("teken: error: "),
          "teken %s: %s fails with one line (%r)" % (" ".join(args), what, p.stderr))
p = teken("help", "--man", "-o", "/nonexistent/dir/teken.1", check_rc=False)
check(p.returncode == 1 and p.stderr.startswith("teken: error: help: cannot write"), "unwritable -o: error")


# ---- teken.conf keys: what the code reads against `teken help conf`
def call_args(text, start):
    """The top-level arguments of the call whose '(' is at text[start]."""
    depth, args, cur, i, instr = 0, [], [], start, False
    while i < len(text):
        ch = text[i]
        if instr:
            cur.append(ch)
            if ch == "\\":
                cur.append(text[i + 1])
                i += 1
            elif ch == '"':
                instr = False
        elif ch == '"':
            instr = True
            cur.append(ch)
        elif ch == "(":
            depth += 1
            if depth > 1:
                cur.append(ch)
        elif ch == ")":
            depth -= 1
            if depth == 0:
                args.append("".join(cur).strip())
                return args
            cur.append(ch)
        elif ch == "," and depth == 1:
            args.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
        i += 1
    raise AssertionError("unbalanced call at %d" % start)


LIT = re.compile(r'^"([^"]*)"$')
read_keys = set()
unexplained = []
for path in sorted(glob.glob(os.path.join(SRC, "src", "**", "*.c"), recursive=True)):
    rel = os.path.relpath(path, SRC)
    if rel.startswith("src/config/"):
        continue  # the accessors themselves
    text = read(path)
    for m in re.finditer(r"\bconfig_get(?:_or|_u64)?\s*\(", text):
        if text[m.start() - 12:m.start()].strip().endswith(("const char *", "enum tk_err")):
            continue
        args = call_args(text, m.end() - 1)
        sec, key = args[1], args[2]
        keys = re.findall(r'"([^"]*)"', key)
        line = text.count("\n", 0, m.start()) + 1
        if LIT.match(sec) and keys and re.fullmatch(r'(\s*"[^"]*"\s*|[\s?:]|\w+)*', key):
            for k in keys:
                read_keys.add((LIT.match(sec).group(1), k))
        elif rel == "src/x509/profile.c":
            pass  # profile keys: collected below from the file's get_str/get_bool/config_get calls
        elif rel == "src/svc/ra/ra.c" and key == "key" and sec == '"ra"':
            pass  # approvals_<kind>: collected below from approvals_needed's table
        elif rel == "src/net/net.c" and sec == "section":
            pass  # fetch_allow/fetch_private of the sections net_policy_load is called with: below
        else:
            unexplained.append("%s:%d config lookup (%s, %s)" % (rel, line, sec, key))
check(not unexplained, "every config lookup is understood by this test: %s" % unexplained)

profile_c = read(os.path.join(SRC, "src/x509/profile.c"))
pkeys = set(re.findall(r'(?:get_str|get_bool)\(cfg, sec, "(\w+)"', profile_c))
pkeys |= set(re.findall(r'config_get(?:_or|_u64)?\(cfg, sec, "(\w+)"', profile_c))
check({"key_usage", "validity_days", "allowed_keys"} <= pkeys, "profile keys found in profile.c: %s" % sorted(pkeys))
read_keys |= {("profile NAME", k) for k in pkeys}

ra_c = read(os.path.join(SRC, "src/svc/ra/ra.c"))
fn = ra_c[ra_c.index("approvals_needed("):]
fn = fn[:fn.index("\n}\n")]
check('"approvals_%s"' in fn, "ra.c builds approvals_<kind>")
kinds = re.findall(r'\{\s*"(\w+)",\s*\d+\s*\}', fn)
check(len(kinds) >= 10, "approval kinds found in ra.c: %s" % kinds)
read_keys |= {("ra", "approvals_" + k) for k in kinds}

policy_sections = set()
for path in glob.glob(os.path.join(SRC, "src", "**", "*.c"), recursive=True):
    for m in re.finditer(r'\bnet_policy_load\s*\(', read(path)):
        args = call_args(read(path), m.end() - 1)
        if os.path.relpath(path, SRC) != "src/net/net.c":
            s = LIT.match(args[1])
            check(s is not None, "net_policy_load with a literal section in %s" % path)
            policy_sections.add(s.group(1))
check(policy_sections >= {"ltv"}, "net_policy_load sections: %s" % policy_sections)
read_keys |= {(s, k) for s in policy_sections for k in ("fetch_allow", "fetch_private")}
check(len(read_keys) >= 80, "config keys read by the code: %d" % len(read_keys))

conf = teken("help", "conf").stdout
table = {}
section = None
for line in conf.splitlines():
    m = re.match(r"^\[(.+)\]$", line)
    if m:
        section = m.group(1)
        continue
    m = re.match(r"^  (\w+) \(default: (.*)\)$", line)
    if m:
        check(section is not None, "key %s after a section" % m.group(1))
        table[(section, m.group(1))] = m.group(2)
        last = (section, m.group(1))
        continue
    if line.startswith("      ") and section is not None:
        table[last] += " | " + line.strip()
missing = sorted(read_keys - set(table))
check(not missing, "teken help conf lists every key the code reads; missing: %s" % missing)
for k, v in table.items():
    if k not in read_keys:
        check("not read" in v, "teken help conf: [%s] %s is read by no code and does not say so" % k)

man5 = teken("help", "--man", "conf").stdout
for (s, k) in read_keys:
    check(re.search(r"^\.SS \[%s\]$" % re.escape(s), man5, re.M) and (".B %s\n" % k) in man5,
          "teken.conf(5) has [%s] %s" % (s, k))

# ---- the man pages the build wrote, and what groff and man think of them
for page, text in (("teken.1", man1), ("teken.conf.5", man5)):
    path = os.path.join(BUILD, "man", page)
    check(os.path.exists(path), "the build wrote %s" % path)
    check(read(path) == text, "%s is what teken help --man prints" % page)
    check(os.path.exists(path + ".gz"), "%s.gz" % page)
    g = subprocess.run(["groff", "-man", "-ww", "-z", path], capture_output=True, text=True)
    check(g.returncode == 0 and g.stderr == "", "groff -man -ww -z %s: %r" % (page, g.stderr))
    env = dict(os.environ, LC_ALL="C.UTF-8", MANWIDTH="80")
    g = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", path],
                       capture_output=True, text=True, env=env)
    check(g.returncode == 0 and g.stderr == "", "man --warnings -l %s: %r" % (page, g.stderr))
    r = subprocess.run(["man", "-l", path], capture_output=True, text=True, env=env)
    check(r.returncode == 0 and "teken" in r.stdout and len(r.stdout) > 2000, "man -l %s renders" % page)
check(".SH NAME\nteken \\- " in man1 and ".SH NAME\nteken.conf \\- " in man5, "NAME sections for whatis/apropos")

# -o writes the same as standard output
d = tmpdir()
teken("help", "--man", "conf", "-o", os.path.join(d, "x.5"))
check(read(os.path.join(d, "x.5")) == man5, "help --man conf -o FILE")
ok()
finish("test_help")
