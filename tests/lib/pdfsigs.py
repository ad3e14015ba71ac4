"""Independent helpers for tests: find signatures in a PDF by their /ByteRange
and take CMS structures apart with a minimal DER reader, so that openssl can
judge the pieces (timestamps, signature values). No teken code involved."""
import hashlib
import re


def der(data, pos=0):
    """One TLV at pos: (tag, value_start, value_end, next)."""
    tag = data[pos]
    l = data[pos + 1]
    p = pos + 2
    if l & 0x80:
        n = l & 0x7F
        l = int.from_bytes(data[p:p + n], "big")
        p += n
    return tag, p, p + l, p + l


def children(data, start, end):
    out = []
    p = start
    while p < end:
        t, vs, ve, nx = der(data, p)
        out.append((t, p, vs, ve))
        p = nx
    return out


def signatures(path):
    """[{'byterange': [a,b,c,d], 'contents': bytes (decoded, padded), 'subfilter': str, 'digest_sha256': hex}]"""
    d = open(path, "rb").read()
    out = []
    for m in re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", d):
        a, b, c, e = (int(x) for x in m.groups())
        hexs = d[b + 1:c - 1]
        # The signature dictionary: from its "obj" to its "endobj" (the /Contents hex may be long).
        start = d.rfind(b" obj", 0, m.start())
        end = d.find(b"endobj", m.end())
        around = d[start if start >= 0 else 0:end if end >= 0 else len(d)]
        sf = re.search(rb"/SubFilter\s*/([A-Za-z0-9.]+)", around)
        h = hashlib.sha256(d[a:a + b] + d[c:c + e]).hexdigest()
        out.append({"byterange": [a, b, c, e], "contents": bytes.fromhex(hexs.decode()),
                    "subfilter": sf.group(1).decode() if sf else None, "digest_sha256": h, "file_len": len(d)})
    return out


def strip_padding(cms):
    t, vs, ve, nx = der(cms, 0)
    return cms[:nx]


def signer_info(cms):
    """Elements of the first SignerInfo of a CMS ContentInfo (RFC 5652 5.3)."""
    cms = strip_padding(cms)
    _, vs, ve, _ = der(cms, 0)                # ContentInfo
    kids = children(cms, vs, ve)              # contentType, [0]
    _, _, e0s, e0e = kids[1]
    _, sds, sde, _ = der(cms, e0s)            # SignedData
    sd = children(cms, sds, sde)
    sis = sd[-1]                              # signerInfos SET
    first = children(cms, sis[2], sis[3])[0]
    return cms, children(cms, first[2], first[3])


def signature_value(cms):
    cms, si = signer_info(cms)
    for t, start, vs, ve in si:
        if t == 0x04:
            return cms[vs:ve]
    raise ValueError("no signature value")


TS_OID = bytes.fromhex("060b2a864886f70d010910020e")  # id-aa-signatureTimeStampToken


def timestamp_tokens(cms):
    """DER of each signature timestamp token in the unsigned attributes."""
    cms, si = signer_info(cms)
    out = []
    for t, start, vs, ve in si:
        if t == 0xA1:
            for at, ast, avs, ave in children(cms, vs, ve):
                attr = children(cms, avs, ave)
                if cms[attr[0][1]:attr[0][3]] == TS_OID:
                    for tt, ts, tvs, tve in children(cms, attr[1][2], attr[1][3]):
                        out.append(cms[ts:tve])
    return out
