/* teken sign: PAdES for PDFs, CAdES (detached .p7s) for any file. */
#include "cli/cli.h"
#include "svc/base/base.h"
#include "pades/pades.h"
#include "pdf/pdf.h"
#include "svc/sign/sign.h"
#include <jansson.h>

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* "page,x,y,w,h" with page from 1 (or "last"); numbers in points. */
static enum tk_err parse_visible(const char *s, size_t *page, double rect[4])
{
	char tmp[128], *p, *end;
	size_t i;

	if (str_copy(tmp, sizeof(tmp), s) != TK_OK)
		return tk_fail(TK_ERR_INVALID, "--visible must be page,x,y,w,h");
	p = tmp;
	end = strchr(p, ',');
	if (end == NULL)
		return tk_fail(TK_ERR_INVALID, "--visible must be page,x,y,w,h");
	*end = '\0';
	if (strcmp(p, "last") == 0)
		*page = SIZE_MAX;
	else {
		uint64_t v;
		if (parse_u64_str(p, 100000, &v) != TK_OK || v == 0)
			return tk_fail(TK_ERR_INVALID, "--visible: page must be a number from 1 or 'last'");
		*page = (size_t)v - 1;
	}
	p = end + 1;
	for (i = 0; i < 4; i++) {
		char *e;
		errno = 0;
		rect[i] = strtod(p, &e);
		if (e == p || errno != 0 || (i < 3 && *e != ',') || (i == 3 && *e != '\0') || rect[i] < 0 || rect[i] > 20000)
			return tk_fail(TK_ERR_INVALID, "--visible must be page,x,y,w,h with numbers in points");
		p = e + 1;
	}
	return TK_OK;
}

/* Writes original + tail to path through a temp file and rename. */
static enum tk_err write_signed(const char *path, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	char tmp[4200];
	FILE *f;
	int fd;
	enum tk_err rc;

	if ((rc = str_fmt(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path)) != TK_OK)
		return rc;
	if ((fd = mkstemp(tmp)) < 0)
		return tk_fail(TK_ERR_IO, "cannot create %s: %s", path, strerror(errno));
	if (fchmod(fd, 0644) != 0 || (f = fdopen(fd, "wb")) == NULL) {
		close(fd);
		unlink(tmp);
		return tk_fail(TK_ERR_IO, "cannot write %s", path);
	}
	if (fwrite(a, 1, alen, f) != alen || (blen && fwrite(b, 1, blen, f) != blen) || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fclose(f);
		unlink(tmp);
		return tk_fail(TK_ERR_IO, "cannot write %s", path);
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return tk_fail(TK_ERR_IO, "cannot write %s", path);
	}
	return TK_OK;
}

/* teken sign fields --in a.pdf: where a signature can go (no instance needed). */
static int sign_fields_cmd(int argc, char **argv)
{
	const char *inp = NULL;
	struct cli_opt opts[] = { { "in", 1, &inp, NULL, 1 }, { NULL, 0, NULL, NULL, 0 } };
	struct pades_field *f = NULL;
	const uint8_t *data = NULL;
	size_t len = 0, n = 0;
	json_t *arr = NULL;
	char *s = NULL;
	int r;

	if ((r = cli_parse("sign fields", argc, argv, opts)) != 0)
		return r;
	if (cli_map_file(inp, &data, &len) != TK_OK)
		return cli_fail();
	r = 1;
	if ((f = calloc(PADES_MAX_FIELDS, sizeof(*f))) == NULL) {
		tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (!pdf_header_ok(data, len)) {
		tk_fail_code(TK_ERR_INVALID, "not_a_pdf", "%s is not a PDF (no %%PDF- header)", inp);
		goto out;
	}
	if (pades_fields(data, len, f, PADES_MAX_FIELDS, &n) != TK_OK)
		goto out;
	if ((arr = sign_fields_json(f, n)) == NULL || (s = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL) {
		tk_fail(TK_ERR_NOMEM, "out of memory");
		goto out;
	}
	r = cli_output(NULL, s, strlen(s));
	if (r == 0)
		r = cli_output(NULL, "\n", 1);
out:
	if (r == 1 && tk_last_error()->err != TK_OK)
		r = cli_fail();
	free(s);
	json_decref(arr);
	free(f);
	munmap((void *)data, len);
	return r;
}

int cmd_sign(int argc, char **argv)
{
	const char *dir = NULL, *inp = NULL, *outp = NULL, *subscriber = NULL, *nik = NULL, *ppfile = NULL, *level = NULL;
	const char *visible = NULL, *certify = NULL, *field = NULL, *reason = NULL, *location = NULL, *anchor = NULL, *image = NULL, *seal_key = NULL;
	int seal = 0, cades = 0, new_field = 0;
	struct cli_opt opts[] = {
		{ "new-field", 0, NULL, &new_field, 0 },
		{ "dir", 1, &dir, NULL, 1 },
		{ "in", 1, &inp, NULL, 1 },
		{ "out", 1, &outp, NULL, 1 },
		{ "seal", 0, NULL, &seal, 0 },
		{ "subscriber", 1, &subscriber, NULL, 0 },
		{ "nik", 1, &nik, NULL, 0 },
		{ "passphrase-file", 1, &ppfile, NULL, 0 },
		{ "level", 1, &level, NULL, 0 },
		{ "visible", 1, &visible, NULL, 0 },
		{ "certify", 1, &certify, NULL, 0 },
		{ "field", 1, &field, NULL, 0 },
		{ "reason", 1, &reason, NULL, 0 },
		{ "location", 1, &location, NULL, 0 },
		{ "cades", 0, NULL, &cades, 0 },
		{ "anchor", 1, &anchor, NULL, 0 },
		{ "image", 1, &image, NULL, 0 },
		{ "seal-key", 1, &seal_key, NULL, 0 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	struct instance *inst = NULL;
	struct svc_ctx c;
	struct sign_in in;
	struct sign_out out;
	char pass[300];
	const uint8_t *data = NULL;
	uint8_t *img = NULL;
	size_t len = 0, imglen = 0;
	int r;

	memset(&in, 0, sizeof(in));
	memset(&c, 0, sizeof(c));
	pass[0] = '\0';
	if (argc > 0 && strcmp(argv[0], "fields") == 0)
		return sign_fields_cmd(argc - 1, argv + 1);
	if ((r = cli_parse("sign", argc, argv, opts)) != 0)
		return r;
	if (field != NULL && new_field)
		return cli_usage_error("sign", "--field and --new-field exclude each other");
	if (seal_key != NULL)
		seal = 1;
	if (seal == (subscriber != NULL || nik != NULL))
		return cli_usage_error("sign", "choose --seal or --subscriber USER (or --nik N) with --passphrase-file");
	if (!seal && ppfile == NULL)
		return cli_usage_error("sign", "--passphrase-file is required with --subscriber/--nik");
	in.page = SIZE_MAX;
	if (visible != NULL && parse_visible(visible, &in.page, in.rect) != TK_OK)
		return cli_fail();
	if (certify != NULL) {
		uint64_t p;
		if (parse_u64_str(certify, 3, &p) != TK_OK || p == 0)
			return cli_usage_error("sign", "--certify takes the DocMDP permission 1, 2 or 3");
		in.docmdp = (int)p;
	}
	if (!seal && cli_read_secret(ppfile, pass, sizeof(pass)) != TK_OK)
		return cli_fail();
	if (image != NULL && (visible == NULL && anchor == NULL))
		return cli_usage_error("sign", "--image needs a visible stamp (--visible or --anchor)");
	if (image != NULL && file_read(image, 8u << 20, &img, &imglen) != TK_OK)
		return cli_fail();
	if (cli_map_file(inp, &data, &len) != TK_OK) {
		r = cli_fail();
		goto out;
	}
	if ((r = cli_open(dir, &inst, &c)) != 0)
		goto out;
	in.data = data;
	in.len = len;
	in.cades = cades;
	in.seal = seal || seal_key != NULL;
	in.seal_key = seal_key;
	in.subscriber = subscriber;
	in.nik = nik;
	in.passphrase = seal ? NULL : pass;
	in.level = level;
	in.field = field;
	in.new_field = new_field;
	in.reason = reason;
	in.location = location;
	in.visible = visible != NULL || anchor != NULL;
	in.anchor = anchor;
	in.image = img;
	in.image_len = imglen;
	if (anchor != NULL && visible == NULL) {
		in.rect[2] = 220;
		in.rect[3] = 80;
	}
	if (sign_document(&c, &in, &out) != TK_OK) {
		r = cli_fail();
		goto out;
	}
	if ((cades ? write_signed(outp, out.out.p, out.out.len, NULL, 0) : write_signed(outp, data, len, out.out.p, out.out.len)) != TK_OK)
		r = cli_fail();
	else {
		printf("%s %s %s\n", out.document_id, out.level, outp);
		r = 0;
	}
	buf_free(&out.out);
out:
	OPENSSL_cleanse(pass, sizeof(pass));
	free(img);
	if (data != NULL)
		munmap((void *)data, len);
	if (inst != NULL)
		cli_close(inst, &c);
	return r;
}
