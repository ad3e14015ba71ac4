/*
 * multipart/form-data (RFC 7578) over a buffered request body. Zero-copy:
 * part names and data point into the body, which must outlive the result.
 */
#ifndef TEKEN_MULTIPART_H
#define TEKEN_MULTIPART_H

#include "core/core.h"

#define MULTIPART_MAX_PARTS 32u
#define MULTIPART_MAX_HEADER 8192u

struct mp_part {
	char name[64];
	char filename[256]; /* "" when not a file */
	char content_type[96];
	const uint8_t *data;
	size_t len;
};

struct mp_form {
	struct mp_part parts[MULTIPART_MAX_PARTS];
	size_t n;
};

/* Parses body with the boundary from the Content-Type header value. */
enum tk_err mp_parse(const char *content_type, const uint8_t *body, size_t len, struct mp_form *out) WARN_UNUSED;
/* The first part named name, or NULL. */
const struct mp_part *mp_get(const struct mp_form *f, const char *name);

#endif
