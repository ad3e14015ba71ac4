"""Hand-written PDFs with prepared signature fields, the way form producers
(LibreOffice, Word add-ins, Acrobat) leave them: an AcroForm /FT /Sig field
with a widget on a page, either merged into one dictionary or as a separate
widget kid. Plain PDF 1.7 with a classic cross-reference table."""


def form_pdf(fields, npages=3, kids=False, in_annots=True, rotate=0):
    """fields: [(name, page_index, (x1, y1, x2, y2))]. Returns the PDF bytes."""
    objs = {}
    n = 3
    page_nums = list(range(n, n + npages))
    n += npages
    content_nums = list(range(n, n + npages))
    n += npages
    font = n
    n += 1
    field_nums, widget_nums = [], []
    for _ in fields:
        field_nums.append(n)
        n += 1
        if kids:
            widget_nums.append(n)
            n += 1
        else:
            widget_nums.append(field_nums[-1])
    annots = {i: [] for i in range(npages)}
    for k, (_, pg, _) in enumerate(fields):
        annots[pg].append(widget_nums[k])
    refs = b" ".join(b"%d 0 R" % x for x in field_nums)
    objs[1] = b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [" + refs + b"] /DA (/Helv 0 Tf 0 g) >> >>"
    objs[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % p for p in page_nums), npages)
    for i in range(npages):
        a = b""
        if annots[i] and in_annots:
            a = b" /Annots [" + b" ".join(b"%d 0 R" % w for w in annots[i]) + b"]"
        rot = b" /Rotate %d" % rotate if rotate else b""
        objs[page_nums[i]] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R"
                              b" /Resources << /Font << /F1 %d 0 R >> >>%s%s >>" % (content_nums[i], font, rot, a))
        body = b"BT /F1 24 Tf 72 760 Td (Halaman %d) Tj ET" % (i + 1)
        objs[content_nums[i]] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(body), body)
    objs[font] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    for k, (name, pg, rect) in enumerate(fields):
        r = b"[" + b" ".join(str(v).encode() for v in rect) + b"]"
        if kids:
            objs[field_nums[k]] = b"<< /FT /Sig /T (%s) /Kids [%d 0 R] >>" % (name.encode(), widget_nums[k])
            objs[widget_nums[k]] = (b"<< /Type /Annot /Subtype /Widget /Parent %d 0 R /Rect %s /P %d 0 R /F 4 >>"
                                    % (field_nums[k], r, page_nums[pg]))
        else:
            objs[field_nums[k]] = (b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (%s) /Rect %s /P %d 0 R /F 4 >>"
                                   % (name.encode(), r, page_nums[pg]))
    return write_pdf(objs)


def write_pdf(objs):
    """objs: {number: dictionary or stream bytes}, 1 the catalog. A PDF 1.7 file with a classic xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offs = {}
    for num in sorted(objs):
        offs[num] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (num, objs[num])
    xref = len(out)
    size = max(objs) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for num in range(1, size):
        out += b"%010d 00000 n \n" % offs[num]
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref)
    return bytes(out)
