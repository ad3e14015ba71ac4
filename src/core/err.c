/* Thread-local last error: a code for machines, a message for humans. */
#include "core.h"

#include <openssl/err.h>
#include <stdio.h>
#include <string.h>

static _Thread_local struct tk_error last;

const char *tk_err_code_default(enum tk_err err)
{
	switch (err) {
	case TK_OK: return "ok";
	case TK_ERR_INVALID: return "invalid_input";
	case TK_ERR_NOT_FOUND: return "not_found";
	case TK_ERR_EXISTS: return "already_exists";
	case TK_ERR_CONFLICT: return "conflict";
	case TK_ERR_DENIED: return "forbidden";
	case TK_ERR_AUTH: return "unauthenticated";
	case TK_ERR_LIMIT: return "too_large";
	case TK_ERR_CRYPTO: return "crypto_failure";
	case TK_ERR_IO: return "io_error";
	case TK_ERR_STORE: return "store_error";
	case TK_ERR_NOMEM: return "out_of_memory";
	case TK_ERR_INTERNAL: return "internal_error";
	}
	return "internal_error";
}

static void set_code(const char *code)
{
	size_t n = strlen(code);
	if (n >= sizeof(last.code))
		n = sizeof(last.code) - 1;
	memcpy(last.code, code, n);
	last.code[n] = '\0';
}

static enum tk_err vfail(enum tk_err err, const char *code, const char *fmt, va_list ap)
{
	last.err = err;
	last.retry_after = 0;
	set_code(code ? code : tk_err_code_default(err));
	vsnprintf(last.msg, sizeof(last.msg), fmt, ap);
	return err;
}

enum tk_err tk_fail(enum tk_err err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(err, NULL, fmt, ap);
	va_end(ap);
	return err;
}

enum tk_err tk_fail_code(enum tk_err err, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(err, code, fmt, ap);
	va_end(ap);
	return err;
}

enum tk_err tk_fail_ossl(const char *fmt, ...)
{
	char ctx[256];
	char reason[256] = "unknown reason";
	unsigned long e;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	/* The earliest queued error is usually the root cause. */
	e = ERR_peek_error();
	if (e != 0) {
		const char *r = ERR_reason_error_string(e);
		if (r != NULL)
			snprintf(reason, sizeof(reason), "%s", r);
		else
			snprintf(reason, sizeof(reason), "OpenSSL error %lx", e);
	}
	/* Memory running out anywhere in the chain is that, not a cryptographic failure. */
	if (tk_ossl_take_nomem())
		return tk_fail(TK_ERR_NOMEM, "%s: out of memory", ctx);
	return tk_fail(TK_ERR_CRYPTO, "%s: %s", ctx, reason);
}

int tk_ossl_take_nomem(void)
{
	unsigned long e;
	int nomem = 0;

	while ((e = ERR_get_error()) != 0)
		if (ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE)
			nomem = 1;
	return nomem;
}

enum tk_err tk_wrap(enum tk_err err, const char *fmt, ...)
{
	char prefix[256];
	char old[MAX_ERRMSG];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, last.msg, sizeof(old));
	{
		/* Truncation of a long chain of context is acceptable. */
		size_t pl = strlen(prefix);
		if (pl > sizeof(last.msg) - 3)
			pl = sizeof(last.msg) - 3;
		memcpy(last.msg, prefix, pl);
		memcpy(last.msg + pl, ": ", 2);
		snprintf(last.msg + pl + 2, sizeof(last.msg) - pl - 2, "%.*s", (int)(sizeof(last.msg) - pl - 3), old);
	}
	if (last.err == TK_OK) {
		last.err = err;
		set_code(tk_err_code_default(err));
	}
	return err;
}

const struct tk_error *tk_last_error(void)
{
	return &last;
}

const char *tk_errmsg(void)
{
	return last.msg[0] ? last.msg : "unknown error";
}

void tk_clear_error(void)
{
	memset(&last, 0, sizeof(last));
}

enum tk_err tk_error_retry_after(int64_t seconds)
{
	last.retry_after = seconds > 0 ? seconds : 0;
	return last.err;
}
