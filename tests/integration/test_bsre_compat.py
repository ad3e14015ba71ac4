#!/usr/bin/env python3
"""BSrE Esign Client API compatibility: the requests integrators' clients send today."""
import base64
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from tekentest import Client, Server, check, finish, multipart, teken, tmpdir  # noqa: E402

SRC = os.environ.get("TEKEN_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
T = tmpdir()
d = os.path.join(T, "inst")
teken("init", "--dir", d, "--demo", "--key-alg", "ec-p256")
demo = json.load(open(os.path.join(d, "demo.json")))
app = demo["application"]
sub = demo["subscriber"]
srv = Server(d)
pdf = open(os.path.join(SRC, "tests", "data", "pdf", "gs-pdf13.pdf"), "rb").read()
basic = "Basic " + base64.b64encode(("%s:%s" % (app["basic_user"], app["basic_password"])).encode()).decode()
c = Client(srv)
H = {"Authorization": basic}


def pdfsig(data):
    p = os.path.join(T, "x.pdf")
    open(p, "wb").write(data)
    return subprocess.run(["pdfsig", "-no-ocsp", p], capture_output=True, text=True).stdout


# Status, v1 (GET) and v2 (POST); HTTP 200 in every case.
r = c.request("GET", "/api/user/status/" + sub["nik"], headers=H)
check(r.status == 200 and r.json() == {"status_code": 1111, "status": "ISSUE",
                                       "message": "User sudah terdaftar dan memiliki sertifikat dengan status ISSUE"}, "v1 status ISSUE: %s" % r.body)
r = c.request("GET", "/api/user/status/3174011111110001", headers=H)
check(r.status == 200 and r.json()["status"] == "NOT_REGISTERED" and r.json()["status_code"] == 1110, "v1 NOT_REGISTERED")
r = c.request("POST", "/api/v2/user/check/status", {"nik": "3174011111110001"}, headers=H)
check(r.status == 200 and r.json()["status_code"] == 2011, "v2 NOT_REGISTERED is 2011")
r = c.request("POST", "/api/v2/user/check/status", {"email": "siti.rahmawati@kementerian.example"}, headers=H)
check(r.json()["status"] == "ISSUE", "v2 status by e-mail")

# Wrong Basic credentials: Spring-style 401.
bad = {"Authorization": "Basic " + base64.b64encode(b"esign:qwerty").decode()}
r = c.request("GET", "/api/user/status/" + sub["nik"], headers=bad)
check(r.status == 401 and set(r.json()) == {"timestamp", "status", "error", "path"} and r.json()["error"] == "Unauthorized", "401 shape")
# A human session may not use the application API.
h = Client(srv)
h.login(demo["admin"]["user"], demo["admin"]["password"])
check(h.request("GET", "/api/user/status/" + sub["nik"]).status == 403, "admin session refused")

# v1 sign, invisible and visible with linkQR; the PDF comes back with id_dokumen.
fields = {"nik": sub["nik"], "passphrase": sub["passphrase"], "tampilan": "invisible", "reason": "Persetujuan"}
body, ct = multipart(fields, [("file", "surat.pdf", pdf)])
r = c.request("POST", "/api/sign/pdf", body, ctype=ct, raw=True, headers=H)
check(r.status == 200 and r.body.startswith(pdf) and "id_dokumen" in r.headers, "v1 invisible: %d %s" % (r.status, r.body[:200]))
check("Signature is Valid" in pdfsig(r.body), "v1 output verifies")
doc = r.headers["id_dokumen"]
fields = dict(fields, tampilan="visible", image="false", linkQR="https://contoh.go.id/cek/123", halaman="1",
              xAxis="300", yAxis="40", width="250", height="90")
body, ct = multipart(fields, [("file", "surat.pdf", pdf)])
r = c.request("POST", "/api/sign/pdf", body, ctype=ct, raw=True, headers=H)
check(r.status == 200, "v1 visible with halaman and linkQR: %s" % r.body[:200])
p = os.path.join(T, "vis.pdf")
open(p, "wb").write(r.body)
subprocess.run(["pdftoppm", "-r", "150", "-png", p, os.path.join(T, "vis")], check=True)
qr = subprocess.run(["zbarimg", "-q", "--raw", os.path.join(T, "vis-1.png")], capture_output=True, text=True).stdout.strip()
check(qr == "https://contoh.go.id/cek/123", "QR carries linkQR: %r" % qr)

# image=true with imageTTD: the specimen image on the stamp.
png = open(os.path.join(SRC, "fuzz", "corpus", "fuzz_image", "rgba.png"), "rb").read()
body, ct = multipart(dict(fields, image="true"), [("file", "surat.pdf", pdf), ("imageTTD", "ttd.png", png)])
r = c.request("POST", "/api/sign/pdf", body, ctype=ct, raw=True, headers=H)
check(r.status == 200 and "Signature is Valid" in pdfsig(r.body), "v1 image=true: %s" % r.body[:200])
req_img = {"nik": sub["nik"], "passphrase": sub["passphrase"], "file": [base64.b64encode(pdf).decode()],
           "signatureProperties": [{"tampilan": "VISIBLE", "imageBase64": base64.b64encode(png).decode(), "page": 1,
                                    "originX": 300, "originY": 40, "width": 250, "height": 90}]}
r = c.request("POST", "/api/v2/sign/pdf", req_img, headers=H)
check(r.status == 200 and "Signature is Valid" in pdfsig(base64.b64decode(r.json()["file"][0])), "v2 imageBase64")
# Clients written for BSrE size boxes for a bare image or QR (150 x 50, 100 x 40 are common):
# they sign, the statement made smaller but whole inside the box (pdftotext -bbox judges).
for w, h, img in ((150, 50, "true"), (100, 40, "false")):
    extra = [("imageTTD", "ttd.png", png)] if img == "true" else []
    body, ct = multipart(dict(fields, image=img, xAxis="300", yAxis="40", width=str(w), height=str(h)), [("file", "surat.pdf", pdf)] + extra)
    r = c.request("POST", "/api/sign/pdf", body, ctype=ct, raw=True, headers=H)
    check(r.status == 200 and "Signature is Valid" in pdfsig(r.body), "v1 small %dx%d box (image=%s): %s" % (w, h, img, r.body[:200]))
    small = os.path.join(T, "small.pdf")
    open(small, "wb").write(r.body)
    bbox = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", small, "-"], capture_output=True, text=True, check=True).stdout
    ph = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', bbox).group(1))
    inside = [t for x0, y0, x1, y1, t in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', bbox)
              if float(x0) >= 299.5 and float(x1) <= 300.5 + w and float(y0) >= ph - 40 - h - 0.5 and float(y1) <= ph - 39.5]
    check(" ".join(inside).endswith("Badan Siber dan Sandi Negara."), "v1 small %dx%d box: the whole statement inside: %s" % (w, h, " ".join(inside)[-80:]))
# tag_koordinat places the stamp at the tag character.
tagged = subprocess.run(["gs", "-q", "-sDEVICE=pdfwrite", "-o", "-", "-c",
                         "/Helvetica findfont 12 scalefont setfont 100 200 moveto (Tanda tangan ^) show showpage"],
                        capture_output=True, check=True).stdout
body, ct = multipart({"nik": sub["nik"], "passphrase": sub["passphrase"], "tampilan": "visible", "tag_koordinat": "^",
                      "width": "200", "height": "80"}, [("file", "t.pdf", tagged)])
r = c.request("POST", "/api/sign/pdf", body, ctype=ct, raw=True, headers=H)
check(r.status == 200 and "Signature is Valid" in pdfsig(r.body), "v1 tag_koordinat: %s" % r.body[:200])

# Download once.
r = c.request("GET", "/api/sign/download/" + doc, headers=H)
check(r.status == 200 and r.body.startswith(pdf) and "Signature is Valid" in pdfsig(r.body), "v1 download")
check(c.request("GET", "/api/sign/download/" + doc, headers=H).status == 404, "download is single use")

# Vendor error bodies and codes.
body, ct = multipart(dict(fields, passphrase="salah"), [("file", "surat.pdf", pdf)])
r = c.request("POST", "/api/sign/pdf", body, ctype=ct, raw=True, headers=H)
check(r.status == 400 and r.json() == {"error": "Proses signing gagal : Passphrase anda salah 2031", "status_code": 400}, "2031: %s" % r.body)
body, ct = multipart(dict(fields, nik="3174011111110001"), [("file", "surat.pdf", pdf)])
r = c.request("POST", "/api/sign/pdf", body, ctype=ct, raw=True, headers=H)
check(r.status == 400 and r.json()["error"].endswith("User tidak terdaftar 2011"), "2011: %s" % r.body)
body, ct = multipart(fields, [("file", "x.txt", b"not a pdf")])
r = c.request("POST", "/api/sign/pdf", body, ctype=ct, raw=True, headers=H)
check(r.status == 400 and r.json()["error"].startswith("Proses signing gagal"), "non-PDF")

# v2 sign: base64 in, {time, file:[...]} out, one properties entry for all files.
req = {"nik": sub["nik"], "passphrase": sub["passphrase"], "signatureProperties": [{"tampilan": "INVISIBLE", "reason": "", "location": None}],
       "file": [base64.b64encode(pdf).decode(), base64.b64encode(pdf).decode()]}
r = c.request("POST", "/api/v2/sign/pdf", req, headers=H)
j = r.json()
check(r.status == 200 and isinstance(j["time"], int) and len(j["file"]) == 2, "v2 sign: %s" % r.body[:200])
check(all("Signature is Valid" in pdfsig(base64.b64decode(f)) for f in j["file"]), "v2 outputs verify")
req["signatureProperties"] = [{"tampilan": "VISIBLE", "page": 1, "originX": 300, "originY": 40, "width": 250, "height": 90, "reason": "ok"}]
req["file"] = req["file"][:1]
r = c.request("POST", "/api/v2/sign/pdf", req, headers=H)
check(r.status == 200 and "Signature is Valid" in pdfsig(base64.b64decode(r.json()["file"][0])), "v2 visible")
r = c.request("POST", "/api/v2/sign/pdf", dict(req, passphrase="salah"), headers=H)
check(r.status == 400 and "2031" in r.json()["error"], "v2 wrong passphrase")
r = c.request("POST", "/api/v2/sign/pdf", dict(req, file=["!!notbase64"]), headers=H)
check(r.status == 400, "v2 bad base64")
check(srv.stop() == 0, "server stops")
finish("test_bsre_compat.py")
