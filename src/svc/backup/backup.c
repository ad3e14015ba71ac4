/*
 * Backup and restore of a SQLite instance as one POSIX tar (ustar) file:
 * MANIFEST.json, teken.conf, teken.db (a consistent copy made with SQLite's
 * VACUUM INTO while the instance keeps running) and, only when asked,
 * instance.key. PostgreSQL instances are backed up with pg_dump instead
 * (docs/backup-restore.md). Restoring checks every member's SHA-256 against
 * the manifest, then the audit chain, before the instance is used.
 */
#include "svc/audit/audit.h"
#include "svc/backup/backup.h"
#include "svc/base/base.h"
#include "svc/base/base_int.h"

#include "crypto/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TAR_BLOCK 512u
#define BACKUP_MAX_MEMBER ((size_t)16 << 30)

static enum tk_err tar_member(struct buf *out, const char *name, const uint8_t *p, size_t len, unsigned mode)
{
	uint8_t h[TAR_BLOCK];
	unsigned sum = 0;
	size_t i, pad;
	enum tk_err rc;

	memset(h, 0, sizeof(h));
	if (strlen(name) >= 100)
		return tk_fail(TK_ERR_INTERNAL, "backup: member name too long");
	memcpy(h, name, strlen(name));
	if (snprintf((char *)h + 100, 8, "%07o", mode) < 0 || snprintf((char *)h + 108, 8, "%07o", 0) < 0 ||
	    snprintf((char *)h + 116, 8, "%07o", 0) < 0 || snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)len) < 0 ||
	    snprintf((char *)h + 136, 12, "%011llo", (unsigned long long)tk_now()) < 0)
		return tk_fail(TK_ERR_INTERNAL, "backup: header");
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (i = 0; i < TAR_BLOCK; i++)
		sum += h[i];
	if (snprintf((char *)h + 148, 8, "%06o", sum) < 0)
		return tk_fail(TK_ERR_INTERNAL, "backup: checksum");
	pad = (TAR_BLOCK - len % TAR_BLOCK) % TAR_BLOCK;
	if ((rc = buf_append(out, h, sizeof(h))) != TK_OK || (rc = buf_append(out, p, len)) != TK_OK)
		return rc;
	memset(h, 0, sizeof(h));
	return buf_append(out, h, pad);
}

enum tk_err backup_create(struct svc_ctx *c, int with_key, struct buf *out)
{
	char dbtmp[PATH_MAX + 32], path[PATH_MAX], h[3][65];
	uint8_t *conf = NULL, *db = NULL, *key = NULL;
	size_t conflen = 0, dblen = 0, keylen = 0;
	struct store_stmt *s = NULL;
	int64_t schema = 0, events = 0;
	json_t *m = NULL;
	char *mtxt = NULL;
	int row;
	uint8_t zero[2 * TAR_BLOCK];
	enum tk_err rc;

	if (store_backend(c->st) != STORE_SQLITE)
		return tk_fail_code(TK_ERR_INVALID, "backup_unsupported",
		    "backup: this instance uses PostgreSQL; back it up with pg_dump (docs/backup-restore.md)");
	if ((rc = str_fmt(dbtmp, sizeof(dbtmp), "%s/.backup-%lld.db", c->inst->dir, (long long)getpid())) != TK_OK)
		return rc;
	unlink(dbtmp);
	/* A transactionally consistent copy while the server keeps writing. */
	if ((rc = store_prepare(c->st, "VACUUM INTO ?", &s)) != TK_OK || (rc = store_bind_text(s, 1, dbtmp)) != TK_OK ||
	    (rc = store_step(s, &row)) != TK_OK)
		goto out;
	store_finalize(s);
	s = NULL;
	if ((rc = file_read(dbtmp, BACKUP_MAX_MEMBER, &db, &dblen)) != TK_OK)
		goto out;
	if ((rc = path_join(path, sizeof(path), c->inst->dir, "teken.conf")) != TK_OK ||
	    (rc = file_read(path, MAX_CONFIG_BYTES, &conf, &conflen)) != TK_OK)
		goto out;
	if (with_key && ((rc = path_join(path, sizeof(path), c->inst->dir, "instance.key")) != TK_OK ||
			    (rc = file_read(path, 64, &key, &keylen)) != TK_OK))
		goto out;
	if ((rc = store_schema_version(c->st, &schema)) != TK_OK ||
	    (rc = store_query_i64(c->st, "SELECT seq FROM audit_head WHERE id = 1", NULL, &events)) != TK_OK)
		goto out;
	sha256_hex(conf, conflen, h[0]);
	sha256_hex(db, dblen, h[1]);
	m = json_pack("{s:s, s:I, s:I, s:I, s:{s:s, s:s}, s:b}", "format", "teken-backup-1", "created_at", (json_int_t)tk_now(),
	    "schema_version", (json_int_t)schema, "audit_events", (json_int_t)events, "sha256", "teken.conf", h[0], "teken.db", h[1],
	    "includes_instance_key", with_key);
	if (m != NULL && with_key) {
		sha256_hex(key, keylen, h[2]);
		json_object_set_new(json_object_get(m, "sha256"), "instance.key", json_string(h[2]));
	}
	if (m == NULL || (mtxt = json_dumps(m, JSON_INDENT(2) | JSON_SORT_KEYS)) == NULL) {
		rc = tk_fail(TK_ERR_NOMEM, "backup: out of memory");
		goto out;
	}
	memset(zero, 0, sizeof(zero));
	if ((rc = tar_member(out, "MANIFEST.json", (const uint8_t *)mtxt, strlen(mtxt), 0600)) != TK_OK ||
	    (rc = tar_member(out, "teken.conf", conf, conflen, 0640)) != TK_OK || (rc = tar_member(out, "teken.db", db, dblen, 0600)) != TK_OK ||
	    (with_key && (rc = tar_member(out, "instance.key", key, keylen, 0600)) != TK_OK) ||
	    (rc = buf_append(out, zero, sizeof(zero))) != TK_OK)
		goto out;
	if ((rc = store_begin(c->st, STORE_TX_WRITE)) == TK_OK) {
		if ((rc = audit_append(c, "instance.backup", with_key ? "with instance key" : "without instance key", NULL)) == TK_OK)
			rc = store_commit(c->st);
		else
			store_rollback(c->st);
	}
out:
	store_finalize(s);
	unlink(dbtmp);
	if (key != NULL)
		OPENSSL_clear_free(key, keylen);
	free(conf);
	free(db);
	free(mtxt);
	json_decref(m);
	return rc;
}

/* Reads the members of a tar file into (name, data) slots; bounded. */
struct member {
	char name[101];
	const uint8_t *p;
	size_t len;
};

static enum tk_err tar_read(const uint8_t *p, size_t len, struct member *mem, size_t max, size_t *n)
{
	size_t pos = 0;

	*n = 0;
	while (pos + TAR_BLOCK <= len) {
		const uint8_t *h = p + pos;
		uint64_t size = 0;
		size_t i;
		if (h[0] == 0)
			return TK_OK; /* end blocks */
		for (i = 124; i < 135 && h[i] >= '0' && h[i] <= '7'; i++)
			size = size * 8 + (uint64_t)(h[i] - '0');
		if (memcmp(h + 257, "ustar", 5) != 0 || size > len - pos - TAR_BLOCK || *n == max || (h[156] != '0' && h[156] != 0))
			return tk_fail_code(TK_ERR_INVALID, "bad_backup", "restore: not a teken backup (damaged tar member at %zu)", pos);
		memcpy(mem[*n].name, h, 100);
		mem[*n].name[100] = '\0';
		mem[*n].p = p + pos + TAR_BLOCK;
		mem[*n].len = (size_t)size;
		(*n)++;
		pos += TAR_BLOCK + ((size_t)size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
	}
	return tk_fail_code(TK_ERR_INVALID, "bad_backup", "restore: truncated backup");
}

/*
 * The configuration with its store line pointing at the restored copy
 * (sqlite:teken.db): a backup of an instance whose store was an absolute
 * path must never write to that original database.
 */
static enum tk_err conf_local_store(const struct member *conf, struct buf *out)
{
	const char *p = (const char *)conf->p, *end = p + conf->len;
	enum tk_err rc = TK_OK;

	while (p < end && rc == TK_OK) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		const char *q = p;
		while (q < p + n && (*q == ' ' || *q == '\t'))
			q++;
		if ((size_t)(p + n - q) > 5 && strncmp(q, "store", 5) == 0 && (q[5] == ' ' || q[5] == '=' || q[5] == '\t'))
			rc = buf_puts(out, "store = sqlite:teken.db\n");
		else
			rc = buf_append(out, p, n);
		p += n;
	}
	return rc;
}

enum tk_err backup_restore(const char *dir, const uint8_t *p, size_t len, const char *key_file, struct audit_report *report)
{
	struct member mem[8];
	const struct member *conf = NULL, *db = NULL, *key = NULL, *man = NULL;
	uint8_t *extkey = NULL;
	size_t n = 0, i, extlen = 0;
	json_t *m = NULL;
	char path[PATH_MAX], h[65];
	struct instance *inst = NULL;
	struct svc_ctx c;
	struct buf confbuf;
	int made = 0;
	enum tk_err rc;

	memset(&c, 0, sizeof(c));
	buf_init(&confbuf, MAX_CONFIG_BYTES);
	if ((rc = tar_read(p, len, mem, 8, &n)) != TK_OK)
		return rc;
	for (i = 0; i < n; i++) {
		if (strcmp(mem[i].name, "MANIFEST.json") == 0)
			man = &mem[i];
		else if (strcmp(mem[i].name, "teken.conf") == 0)
			conf = &mem[i];
		else if (strcmp(mem[i].name, "teken.db") == 0)
			db = &mem[i];
		else if (strcmp(mem[i].name, "instance.key") == 0)
			key = &mem[i];
	}
	if (man == NULL || conf == NULL || db == NULL)
		return tk_fail_code(TK_ERR_INVALID, "bad_backup", "restore: the backup lacks MANIFEST.json, teken.conf or teken.db");
	if ((m = json_loadb((const char *)man->p, man->len, 0, NULL)) == NULL ||
	    strcmp(json_string_value(json_object_get(m, "format")) ? json_string_value(json_object_get(m, "format")) : "", "teken-backup-1") != 0) {
		rc = tk_fail_code(TK_ERR_INVALID, "bad_backup", "restore: unknown backup format");
		goto out;
	}
	/* Every member must match the hash recorded when it was taken. */
	{
		const struct member *chk[3] = { conf, db, key };
		static const char *const names[3] = { "teken.conf", "teken.db", "instance.key" };
		for (i = 0; i < 3; i++) {
			const char *want = json_string_value(json_object_get(json_object_get(m, "sha256"), names[i]));
			if (chk[i] == NULL)
				continue;
			sha256_hex(chk[i]->p, chk[i]->len, h);
			if (want == NULL || strcmp(want, h) != 0) {
				rc = tk_fail_code(TK_ERR_CRYPTO, "backup_tampered", "restore: %s does not match the manifest (damaged or altered)", names[i]);
				goto out;
			}
		}
	}
	if (key == NULL && key_file == NULL) {
		rc = tk_fail_code(TK_ERR_INVALID, "key_required", "restore: the backup holds no instance key; give --key FILE (kept offline)");
		goto out;
	}
	if (key == NULL && (rc = file_read(key_file, 64, &extkey, &extlen)) != TK_OK)
		goto out;
	if (mkdir(dir, 0750) == 0)
		made = 1;
	else if (errno != EEXIST) {
		rc = tk_fail(TK_ERR_IO, "restore: cannot create %s: %s", dir, strerror(errno));
		goto out;
	}
	if ((rc = path_join(path, sizeof(path), dir, "teken.conf")) != TK_OK)
		goto out;
	if (access(path, F_OK) == 0) {
		rc = tk_fail_code(TK_ERR_EXISTS, "instance_exists", "restore: %s already holds an instance; restore into a new directory", dir);
		goto out;
	}
	if ((rc = path_join(path, sizeof(path), dir, "instance.key")) != TK_OK ||
	    (rc = file_create_excl(path, key ? key->p : extkey, key ? key->len : extlen, 0600)) != TK_OK ||
	    (rc = path_join(path, sizeof(path), dir, "teken.db")) != TK_OK || (rc = file_create_excl(path, db->p, db->len, 0600)) != TK_OK ||
	    (rc = path_join(path, sizeof(path), dir, "teken.conf")) != TK_OK || (rc = conf_local_store(conf, &confbuf)) != TK_OK ||
	    (rc = file_create_excl(path, confbuf.p, confbuf.len, 0640)) != TK_OK)
		goto undo;
	/* The restored instance must open and its audit chain must hold. */
	if ((rc = instance_open(dir, &inst)) != TK_OK || (rc = svc_ctx_open(inst, "teken-restore", "admin", "local", &c)) != TK_OK ||
	    (rc = audit_verify(&c, report)) != TK_OK)
		goto undo;
	if (report->first_bad_seq != 0) {
		rc = tk_fail_code(TK_ERR_CRYPTO, "audit_broken", "restore: the restored audit log is damaged at %s", report->problem);
		goto undo;
	}
	{
		/* The instance key must open this store's keys: a wrong one is caught now, not at first use. */
		struct key *k = NULL;
		rc = svc_key_load(&c, "ca-issuing", &k);
		key_free(k);
		if (rc != TK_OK) {
			rc = tk_fail_code(TK_ERR_CRYPTO, "wrong_instance_key", "restore: the instance key does not open this backup's keys");
			goto undo;
		}
	}
	if ((rc = store_begin(c.st, STORE_TX_WRITE)) == TK_OK) {
		if ((rc = audit_append(&c, "instance.restore", dir, NULL)) == TK_OK)
			rc = store_commit(c.st);
		else
			store_rollback(c.st);
	}
	if (rc == TK_OK)
		goto out;
undo:
	svc_ctx_done(&c);
	instance_close(inst);
	inst = NULL;
	{
		static const char *const files[] = { "teken.conf", "teken.db", "teken.db-wal", "teken.db-shm", "instance.key" };
		for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
			if (path_join(path, sizeof(path), dir, files[i]) == TK_OK)
				unlink(path);
	}
	if (made)
		rmdir(dir);
out:
	svc_ctx_done(&c);
	instance_close(inst);
	if (extkey != NULL)
		OPENSSL_clear_free(extkey, extlen);
	buf_free(&confbuf);
	json_decref(m);
	return rc;
}
