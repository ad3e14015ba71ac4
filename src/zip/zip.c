/* ZIP archives from memory with libzip (see zip.h for the limits and why). */
#include "zip/zip.h"

#include <stdlib.h>
#include <string.h>
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
