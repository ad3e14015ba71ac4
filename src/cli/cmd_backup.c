/* teken backup / teken restore */
#include "cli/cli.h"
#include "svc/audit/audit.h"
#include "svc/backup/backup.h"
#include "svc/base/base.h"

#include <stdio.h>
#include <stdlib.h>

int cmd_backup(int argc, char **argv)
{
	const char *dir = NULL, *outp = NULL;
	int with_key = 0;
	struct cli_opt opts[] = {
		{ "dir", 1, &dir, NULL, 1 },
		{ "o", 1, &outp, NULL, 1 },
		{ "include-instance-key", 0, NULL, &with_key, 0 },
		{ NULL, 0, NULL, NULL, 0 },
	};
	struct instance *inst;
	struct svc_ctx c;
	struct buf b;
	int r;

	if ((r = cli_parse("backup", argc, argv, opts)) != 0 || (r = cli_open(dir, &inst, &c)) != 0)
		return r;
	buf_init(&b, (size_t)32 << 30);
	if (backup_create(&c, with_key, &b) != TK_OK)
		r = cli_fail();
	else if (file_write_atomic(outp, b.p, b.len, 0600) != TK_OK)
		r = cli_fail();
	else
		printf("backup written to %s%s\n", outp, with_key ? " (includes the instance key: keep it offline)" : " (instance key not included)");
	buf_free(&b);
	cli_close(inst, &c);
	return r;
}

int cmd_restore(int argc, char **argv)
{
	const char *dir = NULL, *inp = NULL, *key = NULL;
	struct cli_opt opts[] = { { "dir", 1, &dir, NULL, 1 }, { "i", 1, &inp, NULL, 1 }, { "key", 1, &key, NULL, 0 }, { NULL, 0, NULL, NULL, 0 } };
	struct audit_report rep;
	uint8_t *p = NULL;
	size_t len = 0;
	int r;

	if ((r = cli_parse("restore", argc, argv, opts)) != 0)
		return r;
	if (file_read(inp, (size_t)32 << 30, &p, &len) != TK_OK)
		return cli_fail();
	if (backup_restore(dir, p, len, key, &rep) != TK_OK)
		r = cli_fail();
	else
		printf("restored into %s: audit log intact (%lld events)\n", dir, (long long)rep.events);
	free(p);
	return r;
}
