/*
 * log: structured logging as JSON lines (one object per line) to stderr or
 * a file. Never pass secrets to these functions.
 */
#ifndef TEKEN_LOG_H
#define TEKEN_LOG_H

#include "core/core.h"

enum log_level { LOG_DEBUG = 0,
	LOG_INFO,
	LOG_WARN,
	LOG_ERROR,
	LOG_OFF };

/* Sets the level and destination (NULL path = stderr). Call once at start. */
enum tk_err log_open(enum log_level level, const char *path) WARN_UNUSED;
enum tk_err log_level_parse(const char *s, enum log_level *out) WARN_UNUSED;
void log_close(void);
/*
 * Writes {"ts":...,"level":...,"event":event,"msg":...}; thread-safe. While
 * the calling thread handles a request (log_request_begin), the line also
 * carries "request_id".
 */
void log_msg(enum log_level level, const char *event, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* Longest request id, NUL excluded (http_request_id_ok() accepts no longer). */
#define LOG_REQUEST_ID_MAX 64

/*
 * Marks the calling thread as working for the request id (copied; an id
 * longer than LOG_REQUEST_ID_MAX is cut); log_request_end() clears it. The
 * HTTP dispatcher brackets every call it makes for a request with these.
 */
void log_request_begin(const char *id);
void log_request_end(void);
/* The calling thread's current request id, "" outside a request. Valid until log_request_end(). */
const char *log_request_id(void);

#endif
