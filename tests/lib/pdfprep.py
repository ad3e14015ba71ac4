"""Independent PDF signature placeholder for tests: appends one incremental
update (ISO 32000-1 7.5.6) with a signature field and a signature dictionary
whose /Contents is a zero-filled hex string, then fills /ByteRange and
/Contents with a CMS the test made itself (openssl, or hand-built DER).
No teken code involved, so the verifier is judged on bytes it did not write.

Only classic cross-reference tables are handled (the base files used by the
tests, e.g. tests/data/pdf/gs-3pages.pdf, have one)."""
import re

BR_PLACEHOLDER = b"/ByteRange [0 0000000000 0000000000 0000000000]"


def _catalog(data, root):
    """The body of the catalog dictionary object root (the last definition wins)."""
    ms = list(re.finditer(rb"(?<![0-9])%d 0 obj\s*<<" % root, data))
    if not ms:
        raise ValueError("catalog %d not found" % root)
    start = ms[-1].end()
    depth, i = 1, start
    while depth > 0:
        if data.startswith(b"<<", i):
            depth, i = depth + 1, i + 2
        elif data.startswith(b">>", i):
            depth, i = depth - 1, i + 2
        else:
            i += 1
    return data[start:i - 2]


def prepare(base, subfilter, contents_bytes=16384, when="D:20260101000000Z"):
    """base PDF bytes -> (prepared PDF bytes). subfilter: e.g. b"adbe.pkcs7.detached"."""
    trailer = base[base.rfind(b"trailer"):]
    size = int(re.search(rb"/Size\s+(\d+)", trailer).group(1))
    root = int(re.search(rb"/Root\s+(\d+)\s+0\s+R", trailer).group(1))
    prev = int(re.findall(rb"startxref\s+(\d+)", base)[-1])
    cat = _catalog(base, root)
    if b"/AcroForm" in cat:
        raise ValueError("base already has an AcroForm")
    page = re.search(rb"/Type\s*/Page(?!s)", base)
    page_num = int(re.findall(rb"(\d+) 0 obj", base[:page.start()])[-1])
    sig, fld = size, size + 1
    out = bytearray(base)
    if not out.endswith(b"\n"):
        out += b"\n"
    offs = {}
    offs[root] = len(out)
    out += b"%d 0 obj\n<<%s /AcroForm << /Fields [%d 0 R] /SigFlags 3 >> >>\nendobj\n" % (root, cat, fld)
    offs[sig] = len(out)
    out += (b"%d 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /" % sig + subfilter + b" " + BR_PLACEHOLDER +
            b" /Contents <" + b"0" * (2 * contents_bytes) + b"> /M (" + when.encode() + b") /Reason (uji) >>\nendobj\n")
    offs[fld] = len(out)
    out += (b"%d 0 obj\n<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /V %d 0 R /Rect [0 0 0 0] /F 132 /P %d 0 R >>\nendobj\n"
            % (fld, sig, page_num))
    xref = len(out)
    out += b"xref\n"
    for num in sorted(offs):
        out += b"%d 1\n%010d 00000 n \n" % (num, offs[num])
    out += b"trailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (fld + 1, root, prev, xref)
    out = bytes(out)
    # The byte ranges: everything but the /Contents hex string (delimiters included in the gap).
    cpos = out.rfind(b"/Contents <") + len(b"/Contents ")
    cend = out.index(b">", cpos) + 1
    br = b"/ByteRange [0 %010d %010d %010d]" % (cpos, cend, len(out) - cend)
    assert len(br) == len(BR_PLACEHOLDER)
    out = out.replace(BR_PLACEHOLDER, br, 1)
    return out


def byte_range(pdf):
    m = list(re.finditer(rb"/ByteRange \[0 (\d+) (\d+) (\d+)\]", pdf))[-1]
    b, c, d = (int(x) for x in m.groups())
    return [0, b, c, d]


def signed_bytes(pdf):
    """The bytes the last signature covers (what a CMS signs)."""
    _, b, c, d = byte_range(pdf)
    return pdf[:b] + pdf[c:c + d]


def fill(pdf, cms):
    """Puts cms (DER or BER bytes) into the /Contents placeholder of the last signature."""
    _, b, c, d = byte_range(pdf)
    room = (c - b - 2) // 2
    if len(cms) > room:
        raise ValueError("CMS of %d bytes does not fit in %d" % (len(cms), room))
    hexs = cms.hex().encode() + b"0" * (2 * (room - len(cms)))
    return pdf[:b + 1] + hexs + pdf[c - 1:]
