/* svc/backup: backup and restore of an instance. */
#ifndef TEKEN_SVC_BACKUP_H
#define TEKEN_SVC_BACKUP_H

#include "svc/base/base.h"

/* ---- backup and restore (svc/backup.c) ---- */

/* A tar of MANIFEST.json, teken.conf, a consistent copy of teken.db and, if asked, instance.key. */
enum tk_err backup_create(struct svc_ctx *c, int with_key, struct buf *out) WARN_UNUSED;
/*
 * Restores a backup into a new instance directory, checking every member
 * against the manifest and the audit chain afterwards; on failure nothing
 * is left behind. key_file supplies an instance key kept apart.
 */
struct audit_report;
enum tk_err backup_restore(const char *dir, const uint8_t *p, size_t len, const char *key_file, struct audit_report *report) WARN_UNUSED;

#endif
