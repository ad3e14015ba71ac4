/*
 * Process hardening for the long-running server: no core dumps, and
 * jansson's memory wiped before it is given back, so passphrases and
 * decrypted material do not outlive their use in freed heap blocks or in a
 * core file.
 */
#include "core.h"

#include <errno.h>
#include <jansson.h>
#include <malloc.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

enum tk_err core_disable_core_dumps(void)
{
	struct rlimit rl = { 0, 0 };

	/* Lowering both limits is always permitted; the hard limit keeps a child from raising it again. */
	if (setrlimit(RLIMIT_CORE, &rl) != 0)
		return tk_fail(TK_ERR_INTERNAL, "serve: setrlimit(RLIMIT_CORE, 0): %s", strerror(errno));
	/* Not dumpable also keeps other processes of the same user from ptrace and /proc/PID/mem. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return tk_fail(TK_ERR_INTERNAL, "serve: prctl(PR_SET_DUMPABLE, 0): %s", strerror(errno));
	return TK_OK;
}

static void *wiping_malloc(size_t n)
{
	return malloc(n);
}

/*
 * The size comes from the allocator (malloc_usable_size), not from a header
 * of ours: blocks jansson hands out (json_dumps text) are freed by callers
 * with plain free(), and blocks allocated before the install are freed
 * through this function. Both stay valid this way.
 */
static void wiping_free(void *p)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, malloc_usable_size(p));
	free(p);
}

/*
 * Fixed thresholds (setting them turns off glibc's sliding ones): blocks up
 * to 1 MiB come from the arenas, larger ones (documents) are mapped and
 * unmapped on their own; an arena keeps up to 16 MiB of free top for reuse
 * instead of giving it back (madvise, TLB shootdowns on every core) and
 * faulting it in again on the next request.
 */
void core_malloc_tune_server(void)
{
	(void)mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
	(void)mallopt(M_TRIM_THRESHOLD, 16 * 1024 * 1024);
}

void core_json_wiping_alloc_install(void)
{
	json_set_alloc_funcs(wiping_malloc, wiping_free);
}

int core_json_wiping_alloc_installed(void)
{
	json_malloc_t m = NULL;
	json_free_t f = NULL;

	json_get_alloc_funcs(&m, &f);
	return m == wiping_malloc && f == wiping_free;
}
