/* PostgreSQL backend: being written; until then this build refuses clearly. */
#include "store/store_impl.h"

enum tk_err store_pg_open(const char *conninfo, struct store **out)
{
	(void)conninfo;
	(void)out;
	return tk_fail(TK_ERR_STORE, "store: the PostgreSQL backend is not part of this build yet");
}
