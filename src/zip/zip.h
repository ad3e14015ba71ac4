/*
 * zip: reading ZIP archives that arrive over the network (a folder of
 * documents to verify), with libzip, from memory. An archive is hostile
 * until proven otherwise: entry count, each entry's size and the total
 * are bounded before anything is inflated, the declared sizes are checked
 * against what inflating really yields (zip bombs lie), and names are only
 * labels (never paths on disk).
 */
#ifndef TEKEN_ZIP_H
#define TEKEN_ZIP_H

#include "core/core.h"

struct zip_item {
	char name[256];  /* the entry's name as stored (sanitised: control characters replaced) */
	struct buf data; /* its inflated bytes */
};

/*
 * Reads the regular-file entries of the archive p[0..len) (directories
 * are skipped): at most max_entries of them, none larger than max_each,
 * all together at most max_total bytes. Codes: "zip_invalid" (not a ZIP
 * archive, damaged, encrypted), "zip_limit" (TK_ERR_LIMIT). The caller
 * frees *out with zip_items_free().
 */
enum tk_err zip_read(const uint8_t *p, size_t len, size_t max_entries, size_t max_each, size_t max_total, struct zip_item **out,
    size_t *n) WARN_UNUSED;
void zip_items_free(struct zip_item *items, size_t n);

/* ---- writing (zip_write(); zip_read() reads what it writes) ---- */

#define ZIP_MAX_WRITE_ENTRIES 1024u /* entries of one archive we write */

struct zip_entry_in {
	const char *name;    /* the entry's name: 1..255 bytes of UTF-8, no leading '/', no "..", no '\\' or control characters */
	const uint8_t *data; /* its bytes (not copied beyond the call; may be NULL when len is 0) */
	size_t len;
};

/*
 * Appends to out a ZIP archive (deflated entries, UTF-8 names) of the n
 * entries in e, in that order, every entry stamped with mtime (a Unix
 * time, shown in the archive as local time), so the same input makes the
 * same bytes. A duplicate or unsafe name is TK_ERR_INVALID; an archive
 * larger than out's maximum TK_ERR_LIMIT. Does not take ownership of e.
 */
enum tk_err zip_write(const struct zip_entry_in *e, size_t n, int64_t mtime, struct buf *out) WARN_UNUSED;

#endif
