/* teken init: create a new instance. */
#include "cli/cli.h"
#include "svc/base/base.h"

#include <stdio.h>

int cmd_init(int argc, char **argv)
{
	struct init_opts o = { 0 };
	int r;
	struct cli_opt opts[] = {
		{ "dir", 1, &o.dir, NULL, 1 },
		{ "store", 1, &o.store_url, NULL, 0 },
		{ "key-alg", 1, &o.key_alg, NULL, 0 },
		{ "leaf-key-alg", 1, &o.leaf_key_alg, NULL, 0 },
		{ "base-url", 1, &o.base_url, NULL, 0 },
		{ "org", 1, &o.org, NULL, 0 },
		{ "cps", 1, &o.cps_file, NULL, 0 },
		{ "policy-oid", 1, &o.policy_oid, NULL, 0 },
		{ "pkcs11-module", 1, &o.pkcs11_module, NULL, 0 },
		{ "pkcs11-token", 1, &o.pkcs11_token, NULL, 0 },
		{ "pkcs11-pin-file", 1, &o.pkcs11_pin_file, NULL, 0 },
		{ "demo", 0, NULL, &o.demo, 0 },
		{ NULL, 0, NULL, NULL, 0 },
	};

	if ((r = cli_parse("init", argc, argv, opts)) != 0)
		return r;
	if (instance_init(&o) != TK_OK)
		return cli_fail();
	printf("initialised teken instance in %s\n", o.dir);
	return 0;
}
