/* ZIP archives from memory with libzip (see zip.h for the limits and why). */
#include "zip/zip.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zip.h>

static enum tk_err bad(const char *why, zip_error_t *ze)
{
	enum tk_err rc = tk_fail_code(TK_ERR_INVALID, "zip_invalid", "zip: %s%s%s", why, ze ? ": " : "", ze ? zip_error_strerror(ze) : "");

	if (ze != NULL)
		zip_error_fini(ze);
	return rc;
}

void zip_items_free(struct zip_item *items, size_t n)
{
	size_t i;

	for (i = 0; items != NULL && i < n; i++)
		buf_free(&items[i].data);
	free(items);
}

enum tk_err zip_read(const uint8_t *p, size_t len, size_t max_entries, size_t max_each, size_t max_total, struct zip_item **out,
    size_t *n)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *za = NULL;
	struct zip_item *items = NULL;
	zip_int64_t count, i;
	size_t k = 0, total = 0;
	enum tk_err rc = TK_OK;

	*out = NULL;
	*n = 0;
	zip_error_init(&ze);
	if ((src = zip_source_buffer_create(p, len, 0, &ze)) == NULL)
		return bad("cannot read the archive", &ze);
	if ((za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze)) == NULL) {
		zip_source_free(src);
		return bad("not a ZIP archive, or a damaged one", &ze);
	}
	zip_error_fini(&ze);
	if ((count = zip_get_num_entries(za, 0)) < 0) {
		rc = bad("cannot list the archive", NULL);
		goto out;
	}
	if ((items = calloc(max_entries ? max_entries : 1, sizeof(*items))) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "zip: out of memory");
		goto out;
	}
	for (i = 0; i < count; i++) {
		zip_stat_t st;
		zip_file_t *zf;
		const char *nm;
		size_t l, j;
		zip_int64_t got;
		uint8_t extra;
		zip_stat_init(&st);
		if (zip_stat_index(za, (zip_uint64_t)i, 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) || !(st.valid & ZIP_STAT_SIZE)) {
			rc = bad("an entry cannot be read", NULL);
			goto out;
		}
		nm = st.name;
		l = strlen(nm);
		if (l == 0 || nm[l - 1] == '/')
			continue; /* a directory */
		if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE) {
			rc = bad("encrypted entries are not supported", NULL);
			goto out;
		}
		if (k == max_entries) {
			rc = tk_fail_code(TK_ERR_LIMIT, "zip_limit", "zip: more than %zu files in the archive", max_entries);
			goto out;
		}
		if (st.size == 0 || st.size > max_each || st.size > max_total - total) {
			rc = tk_fail_code(TK_ERR_LIMIT, "zip_limit", "zip: entry %zu is empty or too large (%llu bytes; at most %zu each, %zu in all)",
			    k + 1, (unsigned long long)st.size, max_each, max_total);
			goto out;
		}
		for (j = 0; j + 1 < sizeof(items[k].name) && nm[j]; j++)
			items[k].name[j] = (unsigned char)nm[j] < 0x20 || nm[j] == 0x7f ? '_' : nm[j];
		items[k].name[j] = '\0';
		buf_init(&items[k].data, (size_t)st.size);
		if ((rc = buf_reserve(&items[k].data, (size_t)st.size)) != TK_OK)
			goto out;
		k++;
		if ((zf = zip_fopen_index(za, (zip_uint64_t)i, 0)) == NULL) {
			rc = bad("an entry cannot be opened", NULL);
			goto out;
		}
		/* Inflate no more than declared, and insist that it was exactly that much. */
		got = zip_fread(zf, items[k - 1].data.p, st.size);
		if (got == (zip_int64_t)st.size && zip_fread(zf, &extra, 1) != 0)
			got = -1;
		zip_fclose(zf);
		if (got != (zip_int64_t)st.size) {
			rc = bad("an entry does not inflate to its declared size (damaged, or a zip bomb)", NULL);
			goto out;
		}
		items[k - 1].data.len = (size_t)st.size;
		total += (size_t)st.size;
	}
	*out = items;
	*n = k;
	items = NULL;
out:
	zip_items_free(items, k);
	zip_discard(za);
	return rc;
}

/* ---- writing ---- */

static int name_safe(const char *nm)
{
	size_t l = strlen(nm), i;

	if (l == 0 || l > 255 || nm[0] == '/' || strstr(nm, "..") != NULL)
		return 0;
	for (i = 0; i < l; i++)
		if ((unsigned char)nm[i] < 0x20 || nm[i] == 0x7f || nm[i] == '\\')
			return 0;
	return 1;
}

enum tk_err zip_write(const struct zip_entry_in *e, size_t n, int64_t mtime, struct buf *out)
{
	zip_error_t ze;
	zip_source_t *src = NULL;
	zip_t *za = NULL;
	zip_stat_t st;
	size_t i, j;
	int opened = 0;
	enum tk_err rc = TK_ERR_INTERNAL;

	if (n > ZIP_MAX_WRITE_ENTRIES)
		return tk_fail_code(TK_ERR_LIMIT, "zip_limit", "zip: more than %u entries to write", ZIP_MAX_WRITE_ENTRIES);
	for (i = 0; i < n; i++) {
		if (e[i].name == NULL || !name_safe(e[i].name) || (e[i].data == NULL && e[i].len != 0))
			return tk_fail(TK_ERR_INVALID, "zip: entry %zu has an unsafe or empty name, or no data", i + 1);
		for (j = 0; j < i; j++)
			if (strcmp(e[i].name, e[j].name) == 0)
				return tk_fail(TK_ERR_INVALID, "zip: two entries are named %s", e[i].name);
	}
	/* An empty in-memory source that libzip writes the archive into; kept alive past zip_close(). */
	zip_error_init(&ze);
	if ((src = zip_source_buffer_create(NULL, 0, 0, &ze)) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "zip: cannot make an in-memory archive: %s", zip_error_strerror(&ze));
		zip_error_fini(&ze);
		return rc;
	}
	zip_source_keep(src);
	if ((za = zip_open_from_source(src, ZIP_TRUNCATE, &ze)) == NULL) {
		rc = tk_fail(TK_ERR_INTERNAL, "zip: cannot start an archive: %s", zip_error_strerror(&ze));
		goto out;
	}
	for (i = 0; i < n; i++) {
		zip_source_t *s;
		zip_int64_t idx;
		/* Empty data still needs a non-NULL pointer for libzip. */
		if ((s = zip_source_buffer(za, e[i].len ? (const void *)e[i].data : (const void *)"", e[i].len, 0)) == NULL) {
			rc = tk_fail(TK_ERR_NOMEM, "zip: %s", zip_strerror(za));
			goto out;
		}
		if ((idx = zip_file_add(za, e[i].name, s, ZIP_FL_ENC_UTF_8)) < 0) {
			zip_source_free(s);
			rc = tk_fail(TK_ERR_INTERNAL, "zip: cannot add %s: %s", e[i].name, zip_strerror(za));
			goto out;
		}
		if (zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 9) != 0 ||
		    zip_file_set_mtime(za, (zip_uint64_t)idx, (time_t)mtime, 0) != 0) {
			rc = tk_fail(TK_ERR_INTERNAL, "zip: cannot set up %s: %s", e[i].name, zip_strerror(za));
			goto out;
		}
	}
	if (zip_close(za) != 0) {
		rc = tk_fail(TK_ERR_INTERNAL, "zip: cannot finish the archive: %s", zip_strerror(za));
		goto out;
	}
	za = NULL;
	/* Read the finished archive back out of the source. */
	zip_stat_init(&st);
	if (zip_source_stat(src, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) || zip_source_open(src) != 0) {
		rc = tk_fail(TK_ERR_INTERNAL, "zip: cannot read the written archive back");
		goto out;
	}
	opened = 1;
	if (st.size > out->max - out->len) {
		rc = tk_fail_code(TK_ERR_LIMIT, "zip_limit", "zip: the archive (%llu bytes) is over the output's limit", (unsigned long long)st.size);
		goto out;
	}
	if ((rc = buf_reserve(out, (size_t)st.size)) != TK_OK)
		goto out;
	if (zip_source_read(src, out->p + out->len, st.size) != (zip_int64_t)st.size) {
		rc = tk_fail(TK_ERR_INTERNAL, "zip: cannot read the written archive back");
		goto out;
	}
	out->len += (size_t)st.size;
	rc = TK_OK;
out:
	if (opened)
		zip_source_close(src);
	if (za != NULL)
		zip_discard(za);
	zip_source_free(src);
	zip_error_fini(&ze);
	return rc;
}
