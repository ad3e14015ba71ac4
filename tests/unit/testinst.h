/*
 * A throwaway instance for unit tests of the service layer: `teken init` in a
 * fresh temp dir (EC P-256 keys, fast), on SQLite, or on the PostgreSQL store
 * named by $TEKEN_PG_URL when a _pg test sets it.
 */
#ifndef TEKEN_TESTINST_H
#define TEKEN_TESTINST_H

#include "core/core.h"
#include "svc/base/base.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int testinst_rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Creates /tmp/teken-<name>.XXXXXX (into tmp) with the instance in <tmp>/inst (into dir) and opens it; -1 on failure. */
static inline int testinst_open(const char *name, char *tmp, size_t tmp_len, char *dir, size_t dir_len, struct instance **inst)
{
	const char *pg = getenv("TEKEN_PG_URL");
	struct init_opts o;

	if (str_fmt(tmp, tmp_len, "/tmp/teken-%s.XXXXXX", name) != TK_OK || mkdtemp(tmp) == NULL ||
	    str_fmt(dir, dir_len, "%s/inst", tmp) != TK_OK)
		return -1;
	memset(&o, 0, sizeof(o));
	o.dir = dir;
	o.key_alg = "ec-p256";
	o.store_url = pg != NULL && *pg ? pg : NULL;
	if (instance_init(&o) != TK_OK || instance_open(dir, inst) != TK_OK) {
		fprintf(stderr, "setup: %s\n", tk_errmsg());
		return -1;
	}
	return 0;
}

/* Closes the instance and removes the temp dir. */
static inline void testinst_close(const char *tmp, struct instance *inst)
{
	instance_close(inst);
	nftw(tmp, testinst_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
