#!/usr/bin/env bash
# The Debian package: CPack builds it from the test build ($TEKEN_BUILD; the
# install rules are the same as for `make deb`, which builds a release one);
# dpkg-deb checks its metadata and contents; it is unpacked with dpkg -x into
# a throw-away root, and the unpacked binary creates an instance and serves
# it with no web_root in teken.conf: the pages, pdf.js and the data files
# must come from the unpacked root (a marker added there must be served).
# man renders the unpacked pages, systemd-analyze verifies the units and
# rates teken.service, lintian finds no error.
# shellcheck source=/dev/null
source "$(dirname "$0")/../lib/common.sh"

: "${TEKEN_BUILD:?TEKEN_BUILD must point at the build directory}"
for tool in cpack dpkg-deb dpkg-shlibdeps lintian man groff systemd-analyze curl; do
  command -v "$tool" >/dev/null || die "$tool is missing (scripts/install-deps.sh installs it)"
done
[ -x "$TEKEN_BUILD/installed/teken" ] || die "$TEKEN_BUILD/installed/teken not built (target teken_installed)"
[ -f "$TEKEN_BUILD/man/teken.1.gz" ] || die "$TEKEN_BUILD/man/teken.1.gz not built (target teken_man)"

# ---- build the package (gzip instead of xz: faster, same contents)
OUT="$TMP/out"
cpack --config "$TEKEN_BUILD/CPackConfig.cmake" -G DEB -B "$OUT" -D CPACK_DEBIAN_COMPRESSION_TYPE=gzip \
  >"$TMP/cpack.log" 2>&1 || die "cpack failed: $(tail -20 "$TMP/cpack.log")"
DEB=$(find "$OUT" -maxdepth 1 -name 'teken_*.deb' | head -1)
[ -n "$DEB" ] || die "no teken_*.deb in $OUT"
ok

# ---- metadata
dpkg-deb --info "$DEB" >"$TMP/info"
field() { dpkg-deb --field "$DEB" "$1"; }
[ "$(field Package)" = teken ] || die "Package: $(field Package)"
if [ "$(field Section)" != admin ] || [ "$(field Priority)" != optional ]; then die "Section/Priority"; fi
[[ "$(field Version)" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] || die "Version: $(field Version)"
[ -n "$(field Maintainer)" ] || die "no Maintainer"
dep=$(field Depends)
for d in adduser libssl3 libsqlite3-0 libpq5 libjansson4 libmicrohttpd12 libc6; do
  [[ ", $dep," == *", $d"[\ ,]* ]] || die "Depends lacks $d (dpkg-shlibdeps): $dep"
done
ok
for f in postinst prerm postrm conffiles; do
  grep -q " $f" "$TMP/info" || die "control.tar lacks $f"
done
CTL="$TMP/control"
dpkg-deb --control "$DEB" "$CTL"
[ "$(sort "$CTL/conffiles")" = "$(printf '/etc/default/teken\n/etc/teken/teken.conf.example')" ] \
  || die "conffiles: $(cat "$CTL/conffiles")"
grep -q 'adduser --system --group --home /var/lib/teken' "$CTL/postinst" || die "postinst does not add the teken user"
shellcheck "$CTL/postinst" "$CTL/prerm" "$CTL/postrm" || die "maintainer scripts fail shellcheck"
ok

# ---- contents
dpkg-deb --contents "$DEB" | awk '{print $1, $6}' >"$TMP/contents"
need() { grep -qE "^$1 \./$2\$" "$TMP/contents" || die "package lacks $2 ($1)"; ok; }
need '-rwxr-xr-x' usr/bin/teken
need '-rwxr-xr-x' usr/bin/teken-verify
for f in index.html app.html verify.html document.html literasi.html notices.html static/app.js static/teken.css; do
  need '-rw-r--r--' "usr/share/teken/web/$f"
done
need '-rw-r--r--' usr/share/teken/web/node_modules/pdfjs-dist/build/pdf.min.mjs
need '-rw-r--r--' usr/share/teken/web/node_modules/pdfjs-dist/build/pdf.worker.min.mjs
need '-rw-r--r--' usr/share/teken/web/node_modules/pdfjs-dist/standard_fonts/FoxitSerif.pfb
need '-rw-r--r--' 'usr/share/teken/web/node_modules/pdfjs-dist/cmaps/[^ ]+\.bcmap'
need '-rw-r--r--' usr/share/teken/web/node_modules/pdfjs-dist/LICENSE
need '-rw-r--r--' usr/share/teken/data/review-instrument.json
need '-rw-r--r--' usr/share/teken/data/id-holidays.json
need '-rw-r--r--' usr/share/man/man1/teken.1.gz
need 'lrwxrwxrwx' usr/share/man/man1/teken-verify.1.gz
need '-rw-r--r--' usr/share/man/man5/teken.conf.5.gz
need '-rw-r--r--' usr/share/doc/teken/copyright
need '-rw-r--r--' usr/share/doc/teken/changelog.gz
need '-rw-r--r--' usr/share/doc/teken/install.md
need '-rw-r--r--' usr/share/doc/teken/configuration.md
need '-rw-r--r--' lib/systemd/system/teken.service
need '-rw-r--r--' lib/systemd/system/teken-jobs.service
need '-rw-r--r--' lib/systemd/system/teken-jobs.timer
need '-rw-r--r--' etc/default/teken
need '-rw-r--r--' etc/teken/teken.conf.example
# Nothing of npm beyond what the server serves; no build or source paths.
if grep -E 'node_modules/(playwright|pdfjs-dist/(legacy|web|types|image_decoders)/)|\.map$|package(-lock)?\.json$|\.c$|CMake' \
  "$TMP/contents"; then die "package carries files it should not"; fi
ok

# ---- unpack and run the unpacked binary
ROOT="$TMP/root"
dpkg -x "$DEB" "$ROOT"
BIN="$ROOT/usr/bin/teken"
"$BIN" help >"$TMP/help.txt" || die "unpacked teken help"
grep -q '^  teken serve ' "$TMP/help.txt" || die "unpacked teken help lacks serve"
rc=0
"$ROOT/usr/bin/teken-verify" --in /dev/null >/dev/null 2>&1 || rc=$?
if [ "$rc" -eq 0 ] || [ "$rc" -ge 126 ]; then die "unpacked teken-verify on an empty file: exit $rc"; fi
ok
# The pages served must be the unpacked ones: mark them.
MARK="teken-test-deb-$$-$RANDOM"
printf '<!-- %s -->\n' "$MARK" >>"$ROOT/usr/share/teken/web/app.html"
printf '\n/* %s */\n' "$MARK" >>"$ROOT/usr/share/teken/web/node_modules/pdfjs-dist/build/pdf.min.mjs"

INST="$TMP/inst"
"$BIN" init --dir "$INST" --base-url http://127.0.0.1:1 >"$TMP/init.log" 2>&1 || die "init: $(cat "$TMP/init.log")"
if grep -q web_root "$INST/teken.conf"; then die "init wrote a web_root"; fi
ok
"$BIN" serve --dir "$INST" --listen 127.0.0.1:0 --threads 2 --no-jobs >"$TMP/serve.out" 2>"$TMP/serve.err" &
SPID=$!
at_exit "kill $SPID 2>/dev/null; wait $SPID 2>/dev/null"
for _ in $(seq 1 300); do
  grep -q 'listening on' "$TMP/serve.out" 2>/dev/null && break
  kill -0 "$SPID" 2>/dev/null || die "serve exited: $(cat "$TMP/serve.err")"
  sleep 0.1
done
PORT=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' "$TMP/serve.out" | head -1)
[ -n "$PORT" ] || die "no port in: $(cat "$TMP/serve.out")"
URL="http://127.0.0.1:$PORT"
curl -sf -o "$TMP/healthz" "$URL/healthz" || die "/healthz"
grep -q '"ok"' "$TMP/healthz" || die "/healthz: $(cat "$TMP/healthz")"
curl -sf -o "$TMP/app.html" "$URL/app" || die "GET /app"
cmp -s "$TMP/app.html" "$ROOT/usr/share/teken/web/app.html" || die "/app is not the unpacked app.html"
grep -q "$MARK" "$TMP/app.html" || die "/app lacks the marker"
ok
curl -sf -o "$TMP/pdf.min.mjs" "$URL/static/pdfjs/pdf.min.mjs" || die "GET /static/pdfjs/pdf.min.mjs"
cmp -s "$TMP/pdf.min.mjs" "$ROOT/usr/share/teken/web/node_modules/pdfjs-dist/build/pdf.min.mjs" || die "pdf.min.mjs not the unpacked one"
grep -q "$MARK" "$TMP/pdf.min.mjs" || die "pdf.min.mjs lacks the marker"
curl -sf -o /dev/null "$URL/static/pdfjs/fonts/FoxitSerif.pfb" || die "pdf.js standard font"
curl -sf -o /dev/null "$URL/static/app.js" || die "/static/app.js"
ok
kill "$SPID"; wait "$SPID" 2>/dev/null || true

# The data files come from the unpacked root too: holidays read, then moved away.
"$BIN" agreement holidays --dir "$INST" --year 2026 >"$TMP/hol.json" 2>"$TMP/hol.err" || die "holidays: $(cat "$TMP/hol.err")"
ok
mv "$ROOT/usr/share/teken/data/id-holidays.json" "$TMP/hol.moved"
if "$BIN" agreement holidays --dir "$INST" --year 2026 >/dev/null 2>"$TMP/hol.err"; then
  die "holidays without the unpacked data file succeeded"
fi
grep -qF "$ROOT/usr/bin/../share/teken/data/id-holidays.json" "$TMP/hol.err" || die "holiday file not looked up in the unpacked root: $(cat "$TMP/hol.err")"
mv "$TMP/hol.moved" "$ROOT/usr/share/teken/data/id-holidays.json"
ok

# teken jobs run (teken-jobs.service): two hours later (test clock) the pass signs the
# audit checkpoint that is then due, and the chain verifies.
"$BIN" audit verify --dir "$INST" >"$TMP/audit0" 2>&1 || die "audit verify: $(cat "$TMP/audit0")"
grep -q ' 0 signed checkpoints' "$TMP/audit0" || die "fresh instance: $(cat "$TMP/audit0")"
echo $(( $(date +%s) + 7200 )) >"$TMP/clock"
TEKEN_TEST_CLOCK_FILE="$TMP/clock" "$BIN" jobs run --dir "$INST" 2>"$TMP/jobs.err" || die "jobs run: $(cat "$TMP/jobs.err")"
TEKEN_TEST_CLOCK_FILE="$TMP/clock" "$BIN" audit verify --dir "$INST" >"$TMP/audit1" 2>&1 \
  || die "audit verify after jobs run: $(cat "$TMP/audit1")"
grep -q ' 1 signed checkpoints' "$TMP/audit1" || die "jobs run signed no checkpoint: $(cat "$TMP/audit1")"
ok

# ---- man pages: rendered by man from the unpacked files, found by name, no groff warnings
export LC_ALL=C.UTF-8 MANWIDTH=80
for p in man1/teken.1.gz man5/teken.conf.5.gz man1/teken-verify.1.gz; do
  out=$(man --warnings -E UTF-8 -l -Tutf8 -Z "$ROOT/usr/share/man/$p" 2>&1 >/dev/null) || die "man $p failed"
  [ -z "$out" ] || die "man --warnings $p: $out"
  man -l "$ROOT/usr/share/man/$p" >"$TMP/man.txt" || die "man -l $p"
  grep -q 'teken' "$TMP/man.txt" || die "man -l $p renders nothing"
  ok
done
MANPATH="$ROOT/usr/share/man" man -w teken.conf >/dev/null || die "man teken.conf not found by name"
MANPATH="$ROOT/usr/share/man" man 5 teken.conf >"$TMP/man5.txt" || die "man 5 teken.conf"
grep -q 'web_root' "$TMP/man5.txt" || die "teken.conf(5) lacks web_root"
ok

# ---- systemd units: verify (ExecStart pointed at the unpacked binary), security rating
U="$TMP/units"
mkdir -p "$U"
for u in teken.service teken-jobs.service teken-jobs.timer; do
  sed "s|/usr/bin/teken|$BIN|g" "$ROOT/lib/systemd/system/$u" >"$U/$u"
done
out=$(MANPATH="$ROOT/usr/share/man" systemd-analyze verify "$U/teken.service" "$U/teken-jobs.service" "$U/teken-jobs.timer" 2>&1) \
  || die "systemd-analyze verify: $out"
[ -z "$out" ] || die "systemd-analyze verify: $out"
grep -q '^Type=notify$' "$ROOT/lib/systemd/system/teken.service" || die "teken.service is not Type=notify"
for u in teken.service teken-jobs.service; do
  score=$(systemd-analyze security --offline=yes --root="$ROOT" "$u" 2>&1 | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  [ -n "$score" ] || die "no exposure level for $u"
  # docs/install.md publishes 1.2; fail when the hardening slips.
  awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || die "$u exposure $score > 2.0"
  echo "systemd-analyze security $u: $score"
  ok
done

# ---- lintian: no errors; warnings listed (docs/install.md explains the ones left)
# --fail-on error: exit 1 on an error tag, 2 when lintian itself fails.
rc=0
lintian --fail-on error --tag-display-limit 0 "$DEB" >"$TMP/lintian.out" 2>&1 || rc=$?
grep -v '^running with root privileges' "$TMP/lintian.out" | sed 's/^/lintian: /' || true
[ "$rc" -eq 0 ] || die "lintian exit $rc: $(grep -E '^E: ' "$TMP/lintian.out" || tail -5 "$TMP/lintian.out")"
if grep -q '^E: ' "$TMP/lintian.out"; then die "lintian errors"; fi
ok
