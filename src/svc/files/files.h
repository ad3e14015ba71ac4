/*
 * svc/files: the files attached to records of any domain (letter evidence,
 * event materials, ...), in the one table `attachments` (owner = the
 * owning table's name, owner_id = its row). One way to check a file's
 * name and type, store it (optionally sealed by the instance key), list
 * and read it.
 *
 * Policy stays with the owning domain: it decides who may add or read and
 * calls these inside its own transaction (svc_in_tx), next to its audit
 * event. These functions never decide by the caller; c->actor.user is
 * recorded as added_by.
 */
#ifndef TEKEN_SVC_FILES_H
#define TEKEN_SVC_FILES_H

#include "svc/base/base.h"

#include <jansson.h>

#define FILES_MAX_NAME 200

/* A file as given by the caller. mime NULL, "" or application/octet-stream: sniffed from the bytes. */
struct files_in {
	const char *filename;
	const char *mime;
	const uint8_t *p;
	size_t len;
};

/* The type a checked file has ("application/pdf", "image/png", "image/jpeg", "text/plain"). */
struct files_checked {
	const char *mime; /* static string */
	char sha256[65];
};

/*
 * Checks a file before it is stored: 1..max bytes, a name of 1..200 bytes
 * without control characters, slashes or quotes, and a type among PDF, PNG,
 * JPEG and text/plain (UTF-8, no NUL) whose bytes start as that type says.
 * what names the file in errors ("the evidence file"). Error codes:
 * too_large, empty_file, invalid_filename, unsupported_type, type_mismatch.
 */
enum tk_err files_check(const struct files_in *in, size_t max, const char *what, struct files_checked *out) WARN_UNUSED;

/* Stores a checked file for (owner, owner_id); sealed: encrypted under the instance key. *id: its id (may be NULL). */
enum tk_err files_add(struct svc_ctx *c, const char *owner, int64_t owner_id, const struct files_in *in, const struct files_checked *ck,
    int sealed, int64_t *id) WARN_UNUSED;

/* Appends [{id, filename, mime, size, sha256, added_by, at}] of (owner, owner_id), oldest first, to arr. */
enum tk_err files_list_json(struct svc_ctx *c, const char *owner, int64_t owner_id, json_t *arr) WARN_UNUSED;

/* Number of files of (owner, owner_id). */
enum tk_err files_count(struct svc_ctx *c, const char *owner, int64_t owner_id, int64_t *n) WARN_UNUSED;

/*
 * One file of (owner, owner_id): bytes appended to out (opened when sealed),
 * name and type copied. TK_ERR_NOT_FOUND (unknown_file) when it is not that
 * record's file, so ids of other records' files reveal nothing.
 */
enum tk_err files_get(struct svc_ctx *c, const char *owner, int64_t owner_id, int64_t file_id, struct buf *out,
    char filename[FILES_MAX_NAME + 1], char mime[32]) WARN_UNUSED;

/* Removes every file of (owner, owner_id) (a draft deleted); *n: how many (may be NULL). */
enum tk_err files_remove_all(struct svc_ctx *c, const char *owner, int64_t owner_id, int64_t *n) WARN_UNUSED;

#endif
