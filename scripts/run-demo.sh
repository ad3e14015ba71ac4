#!/usr/bin/env bash
# make run: create the demo instance on first run, print URL and logins, serve.
set -euo pipefail
BIN=$1 DIR=$2 LISTEN=$3
if [ ! -f "$DIR/teken.conf" ]; then
  mkdir -p "$(dirname "$DIR")"
  "$BIN" init --dir "$DIR" --demo --base-url "http://$LISTEN" --cps docs/cps.md
fi
python3 - "$DIR/demo.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print()
print("teken demo  —  " + d["base_url"])
print("  verifikasi publik / public verification: " + d["base_url"] + "/verify")
print("  admin:        %s / %s" % (d["admin"]["user"], d["admin"]["password"]))
for v in d.get("verifikators", []):
    print("  verifikator:  %s / %s" % (v["user"], v["password"]))
if "auditor" in d:
    print("  auditor:      %s / %s" % (d["auditor"]["user"], d["auditor"]["password"]))
if "subscriber" in d:
    s = d["subscriber"]
    print("  subscriber:   %s / %s  (NIK %s, passphrase %s)" % (s["user"], s["password"], s["nik"], s["passphrase"]))
if "application" in d:
    a = d["application"]
    print("  API key:      " + a["api_key"])
    if "basic_user" in a:
        print("  BSrE-style Basic credentials: %s / %s" % (a["basic_user"], a["basic_password"]))
print("  (credentials in %s; stop with Ctrl-C)" % sys.argv[1])
print()
PY
exec "$BIN" serve --dir "$DIR" --listen "$LISTEN"
