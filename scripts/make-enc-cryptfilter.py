#!/usr/bin/env python3
"""Writes tests/data/pdf/enc-cryptfilter.pdf: a document encrypted with the
standard security handler (V4 R4, empty user password) whose /StmF and
/StrF are /Identity (strings and streams stay in clear) and whose page
content alone is encrypted through a stream /Crypt filter naming the RC4
crypt filter /StdCF (ISO 32000-1 7.4.10, 7.6.5). No common tool writes
this, so it is built here, with ISO 32000-1 algorithms 1, 2, 3 and 5 in a
few lines of Python (hashlib MD5, RC4 by hand); qpdf --check and
qpdf --show-encryption-key judge the result (make-pdf-corpus.sh runs it).
Deterministic."""
import hashlib
import struct
import sys

PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")
ID = bytes.fromhex("7465 6b65 6e2d 6372 7970 742d 6669 6c74".replace(" ", ""))
P = -4
N = 16


def rc4(key, data):
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) & 255
        s[i], s[j] = s[j], s[i]
    i = j = 0
    out = bytearray()
    for c in data:
        i = (i + 1) & 255
        j = (j + s[i]) & 255
        s[i], s[j] = s[j], s[i]
        out.append(c ^ s[(s[i] + s[j]) & 255])
    return bytes(out)


def md5(b):
    return hashlib.md5(b).digest()


def padded(pw):
    return (pw + PAD)[:32]


def xor(key, i):
    return bytes(b ^ i for b in key)


# Algorithm 3: /O from the owner and user passwords.
h = md5(padded(b"pemilik"))
for _ in range(50):
    h = md5(h[:N])
O = rc4(h[:N], padded(b""))
for i in range(1, 20):
    O = rc4(xor(h[:N], i), O)
# Algorithm 2: the file key from the (empty) user password.
h = md5(padded(b"") + O + struct.pack("<i", P) + ID)
for _ in range(50):
    h = md5(h[:N])
KEY = h[:N]
# Algorithm 5: /U.
x = rc4(KEY, md5(PAD + ID))
for i in range(1, 20):
    x = rc4(xor(KEY, i), x)
U = x + bytes(16)


def objkey(num, gen):
    """Algorithm 1 (RC4)."""
    return md5(KEY + struct.pack("<I", num)[:3] + struct.pack("<H", gen))[:min(N + 5, 16)]


content = b"q 0 0 1 rg 20 20 160 160 re f Q\n"
objs = {
    1: b"<< /Type /Catalog /Pages 2 0 R >>",
    2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 200 200] >>",
    3: b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << /XObject << /X 6 0 R >> >> >>",
    4: (b"<< /Filter /Crypt /DecodeParms << /Name /StdCF >> >>", rc4(objkey(4, 0), content)),
    5: b"<< /Title (Identity: strings in clear) /Producer (make-enc-cryptfilter.py) >>",
    6: (b"<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] >>", b"% plain stream, StmF Identity\n"),
    7: (b"<< /Filter /Standard /V 4 /R 4 /Length 128 /P -4 /CF << /StdCF << /CFM /V2 /Length 16 /AuthEvent /DocOpen >> >> "
         b"/StmF /Identity /StrF /Identity /O <" + O.hex().encode() + b"> /U <" + U.hex().encode() + b"> >>"),
}
out = bytearray(b"%PDF-1.6\n%\xe2\xe3\xcf\xd3\n")
offs = {}
for num in sorted(objs):
    offs[num] = len(out)
    o = objs[num]
    if isinstance(o, tuple):
        d, data = o
        out += b"%d 0 obj\n%s\n" % (num, d[:-2] + b"/Length %d >>" % len(data)) + b"stream\n" + data + b"\nendstream\nendobj\n"
    else:
        out += b"%d 0 obj\n%s\nendobj\n" % (num, o)
x = len(out)
out += b"xref\n0 %d\n0000000000 65535 f\r\n" % (len(objs) + 1)
for num in sorted(objs):
    out += b"%010d 00000 n\r\n" % offs[num]
out += b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R /Encrypt 7 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n" % (
    len(objs) + 1, ID.hex().encode(), ID.hex().encode(), x)
with open(sys.argv[1], "wb") as f:
    f.write(out)
