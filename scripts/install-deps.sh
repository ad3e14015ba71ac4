#!/usr/bin/env bash
# Installs the Debian packages teken needs to build, run and test.
# Idempotent: runs apt-get only when something is missing, quiet otherwise.
set -euo pipefail

PKGS=(
  # build
  build-essential cmake pkg-config clang libclang-rt-14-dev
  # libraries (DESIGN.md section 4)
  libssl-dev openssl libmicrohttpd-dev libjansson-dev libsqlite3-dev sqlite3
  libpq-dev postgresql libargon2-dev libqrencode-dev libhpdf-dev zlib1g-dev
  libxlsxwriter-dev libcurl4-openssl-dev libinih-dev libzip-dev
  # embedded in generated PDFs (src/pdfgen): names outside Latin-1 need a TrueType font
  fonts-dejavu-core
  # HSM
  softhsm2 opensc libp11-kit-dev
  # tests and oracles
  libcmocka-dev qpdf poppler-utils mupdf-tools ghostscript curl wrk procps time bc python3 zbar-tools libnss3-tools
  # RELAX NG validator (Atom feed of change notices against RFC 4287 App. B, tests/integration/test_notice.py)
  jing
  # make lint (scripts/lint.sh): shell scripts, C formatting, clang-tidy
  shellcheck clang-format clang-tidy
  # browser tests (tests/browser): Debian's Chromium, driven by npm playwright-core
  chromium
  # packaging (make deb, tests/integration/test_deb.sh): dpkg-shlibdeps, lintian, man -l, systemd-analyze
  dpkg-dev lintian man-db groff-base systemd
)
# Node.js: the machine's own (>= 20) when present, else Debian's.
command -v node >/dev/null 2>&1 || PKGS+=(nodejs)
command -v npm >/dev/null 2>&1 || PKGS+=(npm)

# npm packages, from the committed lock files, only when missing:
# tests/browser (playwright-core drives Debian's Chromium) and web (pdf.js,
# served by teken to the browser; its optional Node canvas is never needed).
npm_ci() {
  local dir="$1" probe="$2"
  if [ -f "$dir/package-lock.json" ] && [ ! -f "$dir/node_modules/$probe/package.json" ]; then
    echo "install-deps: npm ci in ${dir#"$ROOT"/}" >&2
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --omit=optional --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
npm_ci "$ROOT/tests/browser" playwright-core
npm_ci "$ROOT/web" pdfjs-dist
