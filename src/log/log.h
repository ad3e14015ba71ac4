/*
 * log: structured logging as JSON lines (one object per line) to stderr or
 * a file. Never pass secrets to these functions.
 */
#ifndef TEKEN_LOG_H
#define TEKEN_LOG_H

#include "core/core.h"

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

/* Sets the level and destination (NULL path = stderr). Call once at start. */
enum tk_err log_open(enum log_level level, const char *path) WARN_UNUSED;
enum tk_err log_level_parse(const char *s, enum log_level *out) WARN_UNUSED;
void log_close(void);
/* Writes {"ts":...,"level":...,"event":event,"msg":...}; thread-safe. */
void log_msg(enum log_level level, const char *event, const char *fmt, ...) PRINTF_LIKE(3, 4);

#endif
