"""Changes after signing, in plain words: pages added and removed (a failure by
default, a warning with --page-changes warn or [verify] page_changes = warn),
content streams replaced or appended, fonts swapped, annotations drawn over
signed content (the shadow-attack classes hide, replace, hide-and-replace),
also after a signature that failed. Fixtures are incremental updates written
by hand (tests/lib/pdfinc.py) over a teken-signed PDF; qpdf counts the pages
and pdfsig judges the signature itself."""
import json
import os
import re
import subprocess
import sys

SRC = os.environ.get("TEKEN_SRC") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
import pdfinc  # noqa: E402
from tekentest import BIN, Client, Server, check, finish, teken, tmpdir  # noqa: E402

T = tmpdir()
BASE = os.path.join(SRC, "tests", "data", "pdf", "gs-3pages.pdf")


def path(name):
    return os.path.join(T, name)


def write(name, data):
    with open(path(name), "wb") as f:
        f.write(data)
    return path(name)


def read(name):
    with open(path(name), "rb") as f:
        return f.read()


def npages(name):
    p = subprocess.run(["qpdf", "--show-npages", path(name)], capture_output=True, text=True)
    check(p.returncode == 0, "qpdf reads %s: %s" % (name, p.stderr))
    return int(p.stdout.strip() or -1)


def pdfsig(name):
    p = subprocess.run(["pdfsig", "-nssdir", "sql:" + NSS, path(name)], capture_output=True, text=True)
    return p.stdout


D = path("inst")
teken("init", "--dir", D, "--demo", "--key-alg", "ec-p256", "--base-url", "http://127.0.0.1:9999")
NSS = path("nss")
os.makedirs(NSS)
subprocess.run(["certutil", "-N", "-d", "sql:" + NSS, "--empty-password"], check=True, capture_output=True)
teken("sign", "--dir", D, "--seal", "--in", BASE, "--out", path("s.pdf"))
S = read("s.pdf")
check(npages("s.pdf") == 3, "the signed base has 3 pages")

# The page tree of gs-3pages.pdf, as the signed revision has it.
cat = pdfinc.obj(S, int(pdfinc.trailer(S)["Root"].split()[0]))
PAGES = int(re.search(rb"/Pages\s+(\d+)\s+0\s+R", cat).group(1))
kids = [int(x) for x in re.findall(rb"(\d+)\s+0\s+R", re.search(rb"/Kids\s*\[([^\]]*)\]", pdfinc.obj(S, PAGES)).group(1))]
check(len(kids) == 3, "three kids: %s" % kids)
P1 = pdfinc.obj(S, kids[0])
NEXT = pdfinc.trailer(S)["Size"]


def pages_node(new_kids):
    body = pdfinc.obj(S, PAGES)
    body = re.sub(rb"/Kids\s*\[[^\]]*\]", b"/Kids [" + b" ".join(b"%d 0 R" % k for k in new_kids) + b"]", body)
    return re.sub(rb"/Count\s+\d+", b"/Count %d" % len(new_kids), body)


def content(text):
    return pdfinc.stream(b"BT /F1 24 Tf 72 700 Td (" + text + b") Tj ET")


def with_key(body, key, value):
    """body (a dictionary) with /key set to value."""
    body = re.sub(rb"/" + key + rb"\s+(\d+\s+0\s+R|\[[^\]]*\])", b"", body, count=1)
    return body[:body.rindex(b">>")] + b" /" + key + b" " + value + b">>"


# Added page: a copy of page 1 with other content, after the last page.
add = pdfinc.append(S, {NEXT: content(b"HALAMAN TAMBAHAN"), NEXT + 1: with_key(P1, b"Contents", b"%d 0 R" % NEXT),
                        PAGES: pages_node(kids + [NEXT + 1])})
write("add_page.pdf", add)
# Removed page: the second.
write("remove_page.pdf", pdfinc.append(S, {PAGES: pages_node([kids[0], kids[2]])}))
# Page 1's content replaced by a new stream.
write("replace_content.pdf", pdfinc.append(S, {NEXT: content(b"BAYAR 9.000.000"), kids[0]: with_key(P1, b"Contents", b"%d 0 R" % NEXT)}))
# Page 1's content appended to: a white box drawn over the signed text.
c1 = re.search(rb"/Contents\s+(\d+\s+0\s+R)", P1).group(1)
write("append_content.pdf", pdfinc.append(S, {NEXT: pdfinc.stream(b"q 1 1 1 rg 0 0 595 842 re f Q"),
                                              kids[0]: with_key(P1, b"Contents", b"[" + c1 + b" %d 0 R]" % NEXT)}))
# The font page 1 draws with, swapped for another object under the same name.
font_dict = int(re.search(rb"/Font\s+(\d+)\s+0\s+R", P1).group(1))
fd = pdfinc.obj(S, font_dict)
fname, fref = re.search(rb"/(\w+)\s+(\d+)\s+0\s+R", fd).groups()
swap = {NEXT: b"<< /Type /Font /Subtype /Type1 /BaseFont /Symbol >>", font_dict: fd.replace(fref + b" 0 R", b"%d 0 R" % NEXT, 1)}
write("replace_font.pdf", pdfinc.append(S, swap))
# An annotation with an appearance drawn over page 1.
ap = pdfinc.stream(b"q 1 1 1 rg 0 0 595 842 re f Q", b"/Type /XObject /Subtype /Form /BBox [0 0 595 842]")
write("overlay_annot.pdf", pdfinc.append(S, {NEXT: ap, NEXT + 1: b"<< /Type /Annot /Subtype /Square /Rect [0 0 595 842] /F 4 /AP << /N %d 0 R >> >>" % NEXT,
                                             kids[0]: with_key(P1, b"Annots", b"[%d 0 R]" % (NEXT + 1))}))
# Both: content appended and the font swapped.
both = dict(swap)
both[NEXT + 1] = pdfinc.stream(b"q 1 1 1 rg 0 0 595 842 re f Q")
both[kids[0]] = with_key(P1, b"Contents", b"[" + c1 + b" %d 0 R]" % (NEXT + 1))
write("hide_replace.pdf", pdfinc.append(S, both))
# A page added after a signature whose value was broken (one hex digit of the signature value changed).
a, b, c, e = [int(x) for x in re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", add).groups()]
broken = bytearray(add)
hexs = bytes(broken[b + 1:c - 1]).rstrip(b"0")
i = b + 1 + len(hexs) - 20
broken[i] = ord("1") if broken[i] != ord("1") else ord("2")
write("add_page_badsig.pdf", bytes(broken))

check(npages("add_page.pdf") == 4 and npages("remove_page.pdf") == 2 and npages("replace_content.pdf") == 3, "qpdf page counts")
for n in ("add_page.pdf", "remove_page.pdf", "replace_content.pdf", "overlay_annot.pdf"):
    out = pdfsig(n)
    check("Signature is Valid." in out and "Not total document signed" in out, "pdfsig on %s: valid, not the whole document: %s" % (n, out))
check("Signature is Valid." not in pdfsig("add_page_badsig.pdf"), "pdfsig refuses the broken signature value")


def verify(name, *extra):
    p = subprocess.run([BIN, "verify", "--dir", D, "--in", path(name), *extra], capture_output=True, text=True)
    check(p.stdout.startswith("{"), "%s: a JSON report (%d): %s" % (name, p.returncode, p.stderr))
    return p.returncode, json.loads(p.stdout) if p.stdout.startswith("{") else {}


def details(rep):
    return [d for m in rep["signatures"][0]["modifications_after"] for d in m["details"]]


rc, rep = verify("s.pdf")
check(rc == 0 and rep["signatures"][0]["pages"] == {"signed": 3, "now": 3, "added": [], "removed": [], "content_changed": [],
                                                       "reordered": False, "shadow": None}, "untouched: %s" % rep["signatures"][0]["pages"])

rc, rep = verify("add_page.pdf")
s = rep["signatures"][0]
check(rc == 4 and s["indication"] == "TOTAL_FAILED" and s["subindication"] == "SIG_CONSTRAINTS_FAILURE", "page added fails: %d %s" % (rc, s["message"]))
check(s["pages"]["signed"] == 3 and s["pages"]["now"] == 4 and s["pages"]["added"] == [4] and s["pages"]["removed"] == [], "pages: %s" % s["pages"])
check("page 4 added" in s["message"] and "3 pages" in s["message"], "plain words: %s" % s["message"])
check(any("page 4 added" in d for d in details(rep)), "change detail names the page: %s" % details(rep))
check(rep["signatures"][0]["modifications_after"][0]["pages_added"] == 1, "per revision: one page added")

rc, rep = verify("add_page.pdf", "--page-changes", "warn")
s = rep["signatures"][0]
mdp = s["building_blocks"]["modification_detection"]["message"]
check(rc == 5 and s["indication"] == "TOTAL_PASSED" and "warning" in mdp and "page 4 added" in mdp and s["pages"]["added"] == [4],
      "--page-changes warn: %d %s" % (rc, mdp))
p = subprocess.run([BIN, "verify", "--dir", D, "--in", path("add_page.pdf"), "--page-changes", "maybe"], capture_output=True, text=True)
check(p.returncode == 2 and p.stderr.count("\n") == 1 and "--page-changes" in p.stderr, "bad --page-changes: %r" % p.stderr)

rc, rep = verify("remove_page.pdf")
s = rep["signatures"][0]
check(rc == 4 and s["subindication"] == "SIG_CONSTRAINTS_FAILURE" and s["pages"]["removed"] == [2] and s["pages"]["now"] == 2,
      "page removed: %d %s %s" % (rc, s["message"], s["pages"]))
check(s["pages"]["shadow"] in ("hide", "hide_and_replace") and "page 2" in s["message"], "removal hides signed content: %s" % s["pages"])

rc, rep = verify("replace_content.pdf")
s = rep["signatures"][0]
check(rc == 5 and s["indication"] == "TOTAL_PASSED" and s["pages"]["content_changed"] == [1] and s["pages"]["shadow"] == "replace",
      "content replaced: %d %s" % (rc, s["pages"]))
check(any("page 1: content stream replaced" in d for d in details(rep)), "replace detail: %s" % details(rep))

rc, rep = verify("append_content.pdf")
s = rep["signatures"][0]
check(rc == 5 and s["pages"]["content_changed"] == [1] and s["pages"]["shadow"] == "hide", "content appended: %s" % s["pages"])
check(any("content appended, drawn over what was signed" in d for d in details(rep)), "append detail: %s" % details(rep))

rc, rep = verify("replace_font.pdf")
s = rep["signatures"][0]
check(rc == 5 and s["pages"]["shadow"] == "replace" and 1 in s["pages"]["content_changed"], "font swapped: %s %s" % (s["pages"], details(rep)))
check(any("font /%s replaced" % fname.decode() in d for d in details(rep)), "font detail: %s" % details(rep))

rc, rep = verify("overlay_annot.pdf")
s = rep["signatures"][0]
check(rc == 5 and s["pages"]["shadow"] == "hide" and s["pages"]["content_changed"] == [1], "overlay: %s" % s["pages"])
check(any("drawn over the signed content" in d for d in details(rep)), "overlay detail: %s" % details(rep))

rc, rep = verify("hide_replace.pdf")
check(rep["signatures"][0]["pages"]["shadow"] == "hide_and_replace", "hide and replace: %s" % rep["signatures"][0]["pages"])

# The analysis also runs after a signature that failed.
rc, rep = verify("add_page_badsig.pdf")
s = rep["signatures"][0]
check(rc == 4 and s["indication"] == "TOTAL_FAILED" and s["subindication"] in ("SIG_CRYPTO_FAILURE", "HASH_FAILURE"),
      "broken value: %s %s" % (s["subindication"], s["message"]))
check(s["pages"] and s["pages"]["added"] == [4] and any("page 4 added" in d for d in details(rep)), "pages after a failed signature: %s" % s["pages"])
check(s["building_blocks"]["modification_detection"]["result"] == "FAILED", "MDP judged too: %s" % s["building_blocks"]["modification_detection"])

# Text: Indonesian first, then English.
p = subprocess.run([BIN, "verify", "--dir", D, "--in", path("hide_replace.pdf"), "--format", "text"], capture_output=True, text=True)
t = p.stdout
check(p.returncode == 5 and "POLA SERANGAN sembunyikan-dan-ganti" in t and "hide-and-replace" in t and
      t.index("POLA SERANGAN") < t.index("ATTACK PATTERN"), "text report names the pattern: %s" % t)
p = subprocess.run([BIN, "verify", "--dir", D, "--in", path("add_page.pdf"), "--format", "text"], capture_output=True, text=True)
t = p.stdout
check(p.returncode == 4 and "halaman ditambahkan setelah ditandatangani / pages added after signing: 4" in t and
      "Halaman / Pages: saat ditandatangani / when signed 3, sekarang / now 4" in t, "text pages: %s" % t)

# HTTP: fail by default, warn with [verify] page_changes = warn.
srv = Server(D)
r = Client(srv).request("POST", "/api/v1/verify", read("add_page.pdf"), ctype="application/pdf")
check(r.status == 200 and r.json()["indication"] == "TOTAL_FAILED" and r.json()["signatures"][0]["pages"]["added"] == [4],
      "HTTP default: %s" % r.body[:300])
check(srv.stop() == 0, "server stops")
conf = os.path.join(D, "teken.conf")
with open(conf, "a") as f:
    f.write("\n[verify]\npage_changes = warn\n")
srv = Server(D)
r = Client(srv).request("POST", "/api/v1/verify", read("add_page.pdf"), ctype="application/pdf")
check(r.status == 200 and r.json()["indication"] == "TOTAL_PASSED" and r.json()["changed_after_signing"], "HTTP warn: %s" % r.body[:300])
check(srv.stop() == 0, "server stops")
finish("test_verify_changes.py")
