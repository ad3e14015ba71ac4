#!/usr/bin/env python3
"""Prepared signature fields (issue 13): a form that arrives with one empty
/Sig field is signed into it, visibly in its rectangle; with several the
caller names one (--field, options.field, a BSrE tag naming it); the API and
the CLI list them. pdfsig and qpdf are the oracles, not our own parser."""
import base64
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from formpdf import form_pdf  # noqa: E402
from tekentest import BIN, Client, Server, check, finish, multipart, teken, tmpdir  # noqa: E402

T = tmpdir()
D = os.path.join(T, "inst")
teken("init", "--dir", D, "--demo")
demo = json.load(open(os.path.join(D, "demo.json")))


def path(name):
    return os.path.join(T, name)


def write(name, data):
    with open(path(name), "wb") as f:
        f.write(data)
    return path(name)


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True)


def pdfsig(p):
    out = run("pdfsig", "-nocert", "-no-ocsp", p).stdout
    sigs = []
    for block in out.split("Signature #")[1:]:
        name = block.split("Signature Field Name: ", 1)[1].split("\n", 1)[0] if "Field Name: " in block else None
        sigs.append((name, "Signature is Valid." in block, "not signed" in block))
    return sigs


def qpdf_json(p, *keys):
    args = ["qpdf", "--json=2"] + ["--json-key=" + k for k in keys] + [p]
    r = run(*args)
    check(r.returncode == 0, "qpdf --json %s: %s" % (p, r.stderr))
    return json.loads(r.stdout)


def qpdf_ok(p):
    r = run("qpdf", "--check", p)
    check(r.returncode == 0, "qpdf --check %s: %s" % (p, r.stdout[-300:] + r.stderr))


def widget_of(p, field):
    """(page from 1, /Rect, value) of a field, as qpdf reads them."""
    j = qpdf_json(p, "acroform")
    for f in j["acroform"]["fields"]:
        if f["fullname"] == field:
            obj = f["annotation"]["object"]
            o = qpdf_json_obj(p, obj)
            return f["pageposfrom1"], o.get("/Rect"), f["value"]
    return None


def qpdf_json_obj(p, ref):
    num = ref.split()[0]
    r = run("qpdf", "--json=2", "--json-key=qpdf", "--json-object=" + num, p)
    j = json.loads(r.stdout)
    return j["qpdf"][1]["obj:" + ref]["value"]


def sign(src, dst, *extra):
    return run(BIN, "sign", "--dir", D, "--seal", "--in", src, "--out", dst, *extra)


# ---- one prepared field (merged field/widget, as LibreOffice writes it) on page 2 of 3 ----
one = write("one.pdf", form_pdf([("Tanda tangan Kepala Dinas", 1, (350, 100, 550, 180))]))
r = run(BIN, "sign", "fields", "--in", one)
check(r.returncode == 0, "sign fields: %s" % r.stderr)
f = json.loads(r.stdout)["fields"]
check(f == [{"name": "Tanda tangan Kepala Dinas", "page": 2, "rect": {"x": 350.0, "y": 100.0, "w": 200.0, "h": 80.0}, "signed": False}],
      "the field is listed with page and rectangle: %s" % f)
r = sign(one, path("one-s.pdf"))
check(r.returncode == 0, "sign into the prepared field: %s" % r.stderr)
qpdf_ok(path("one-s.pdf"))
s = pdfsig(path("one-s.pdf"))
check(s == [("Tanda tangan Kepala Dinas", True, False)], "pdfsig: one signature, in that field, valid: %s" % s)
pg, rect, value = widget_of(path("one-s.pdf"), "Tanda tangan Kepala Dinas")
check(pg == 2 and [float(x) for x in rect] == [350, 100, 550, 180] and value is not None,
      "qpdf: the widget stays on page 2 in its rectangle, with a value: %r %r %r" % (pg, rect, value))
check(len(qpdf_json(path("one-s.pdf"), "acroform")["acroform"]["fields"]) == 1, "no new field was added")
r = run("pdftotext", "-f", "2", "-l", "2", path("one-s.pdf"), "-")
check("Ditandatangani secara elektronik" in r.stdout, "the stamp is drawn on page 2")
r = run(BIN, "sign", "fields", "--in", path("one-s.pdf"))
check(json.loads(r.stdout)["fields"][0]["signed"] is True, "listed as signed afterwards")
r = sign(path("one-s.pdf"), path("x.pdf"), "--field", "Tanda tangan Kepala Dinas")
check(r.returncode != 0 and r.stderr.count("\n") == 1 and "already signed" in r.stderr, "a signed field is refused: %r" % r.stderr)
# --new-field keeps the old behaviour: a field of our own, the prepared one stays empty.
r = sign(one, path("one-n.pdf"), "--new-field")
check(r.returncode == 0, "--new-field: %s" % r.stderr)
s = pdfsig(path("one-n.pdf"))
check(len(s) == 2 and ("Tanda tangan Kepala Dinas", False, True) in s and any(v for _, v, _ in s), "--new-field: %s" % s)
# An explicit placement means the caller chose where: a new field as well.
r = sign(one, path("one-v.pdf"), "--visible", "1,50,50,200,80")
check(r.returncode == 0 and len(pdfsig(path("one-v.pdf"))) == 2, "explicit --visible adds its own field")

# ---- field with a separate widget kid, missing from the page's /Annots (sloppy producers) ----
kids = write("kids.pdf", form_pdf([("ttd", 1, (350, 100, 550, 180))], kids=True, in_annots=False))
r = sign(kids, path("kids-s.pdf"))
check(r.returncode == 0, "kids: %s" % r.stderr)
qpdf_ok(path("kids-s.pdf"))
check(pdfsig(path("kids-s.pdf")) == [("ttd", True, False)], "kids: pdfsig valid in field ttd: %s" % pdfsig(path("kids-s.pdf")))
check(widget_of(kids, "ttd") is None, "kids fixture: qpdf finds the widget on no page")
check(widget_of(path("kids-s.pdf"), "ttd")[0] == 2, "kids: the widget is now listed on page 2 (qpdf pageposfrom1)")

# ---- rotated pages: the rectangle is given as displayed ----
rot = write("rot.pdf", form_pdf([("ttd", 0, (100, 200, 180, 400))], npages=1, rotate=90))
r = run(BIN, "sign", "fields", "--in", rot)
fr = json.loads(r.stdout)["fields"][0]["rect"]
check((fr["w"], fr["h"]) == (200.0, 80.0), "a /Rotate 90 page: width and height as displayed: %s" % fr)
r = sign(rot, path("rot-s.pdf"))
check(r.returncode == 0 and pdfsig(path("rot-s.pdf")) == [("ttd", True, False)], "rotated: %s" % r.stderr)
pg, rect, _ = widget_of(path("rot-s.pdf"), "ttd")
check([round(float(x)) for x in rect] == [100, 200, 180, 400], "rotated: the widget keeps its user-space rectangle: %s" % rect)

# ---- several empty fields: a new field unless one is named ----
two = write("two.pdf", form_pdf([("A", 0, (50, 50, 250, 130)), ("B", 2, (300, 50, 500, 130))]))
r = sign(two, path("two-s.pdf"))
s = pdfsig(path("two-s.pdf"))
check(r.returncode == 0 and len(s) == 3 and sum(v for _, v, _ in s) == 1 and ("A", False, True) in s, "two empty fields: a new one: %s" % s)
r = sign(two, path("two-b.pdf"), "--field", "B")
check(r.returncode == 0 and ("B", True, False) in pdfsig(path("two-b.pdf")), "--field B: %s" % pdfsig(path("two-b.pdf")))
check(widget_of(path("two-b.pdf"), "B")[0] == 3, "field B is on page 3")
r = sign(two, path("x.pdf"), "--field", "C")
check(r.returncode == 1 and r.stderr.count("\n") == 1 and "no signature field named 'C'" in r.stderr, "unknown field: %r" % r.stderr)
r = sign(two, path("x.pdf"), "--field", "A", "--new-field")
check(r.returncode == 2, "--field with --new-field is a usage error")
r = run(BIN, "sign", "fields", "--in", os.path.join(os.path.dirname(__file__), "..", "data", "pdf", "bad-notpdf.bin"))
check(r.returncode == 1 and r.stderr.count("\n") == 1, "fields of a non-PDF: one-line error: %r" % r.stderr)

# ---- HTTP: list, sign into a named field, BSrE tag naming a field ----
srv = Server(D)
app = Client(srv)
app.bearer = demo["application"]["api_key"]
r = app.request("POST", "/api/v1/fields", open(two, "rb").read(), ctype="application/pdf")
check(r.status == 200 and [x["name"] for x in r.json()["fields"]] == ["A", "B"] and r.json()["fields"][1]["page"] == 3,
      "POST /api/v1/fields: %s" % r.body[:300])
body, ct = multipart({}, [("file", "two.pdf", open(two, "rb").read())])
r = app.request("POST", "/api/v1/fields", body, ctype=ct)
check(r.status == 200 and len(r.json()["fields"]) == 2, "fields from multipart")
r = app.request("POST", "/api/v1/fields", b"hello", ctype="application/pdf")
check(r.status == 400 and r.error_code() == "not_a_pdf", "fields of a non-PDF: 400 %s" % r.body)
r = Client(srv).request("POST", "/api/v1/fields", open(two, "rb").read(), ctype="application/pdf")
check(r.status == 401, "anonymous: 401")
body, ct = multipart({"options": json.dumps({"field": "A"})}, [("file", "two.pdf", open(two, "rb").read())])
r = app.request("POST", "/api/v1/sign/pdf", body, ctype=ct)
check(r.status == 200, "sign/pdf options.field: %d %s" % (r.status, r.body[:200]))
write("two-a.pdf", r.body)
check(("A", True, False) in pdfsig(path("two-a.pdf")) and len(pdfsig(path("two-a.pdf"))) == 2, "options.field A: %s" % pdfsig(path("two-a.pdf")))
body, ct = multipart({"options": json.dumps({"new_field": "yes"})}, [("file", "one.pdf", open(one, "rb").read())])
check(app.request("POST", "/api/v1/sign/pdf", body, ctype=ct).status == 400, "new_field must be a boolean")
body, ct = multipart({"options": json.dumps({})}, [("file", "one.pdf", open(one, "rb").read())])
r = app.request("POST", "/api/v1/sign/pdf", body, ctype=ct)
write("one-h.pdf", r.body)
check(r.status == 200 and pdfsig(path("one-h.pdf")) == [("Tanda tangan Kepala Dinas", True, False)], "HTTP default: into the one field")
sub = demo["subscriber"]
basic = "Basic " + base64.b64encode(("%s:%s" % (demo["application"]["basic_user"], demo["application"]["basic_password"])).encode()).decode()
form = {"nik": sub["nik"], "passphrase": sub["passphrase"], "tampilan": "visible", "tag_koordinat": "B", "width": "200", "height": "80"}
body, ct = multipart(form, [("file", "two.pdf", open(two, "rb").read())])
r = Client(srv).request("POST", "/api/sign/pdf", body, ctype=ct, raw=True, headers={"Authorization": basic})
check(r.status == 200, "BSrE v1 with tag_koordinat naming field B: %d %s" % (r.status, r.body[:200]))
write("two-bsre.pdf", r.body)
check(("B", True, False) in pdfsig(path("two-bsre.pdf")) and len(pdfsig(path("two-bsre.pdf"))) == 2,
      "BSrE tag naming a field signs into it: %s" % pdfsig(path("two-bsre.pdf")))
check(srv.stop() == 0, "server stopped cleanly")
finish("sign_fields")
