/* JSON-lines logger: one write() per line so concurrent lines never interleave. */
#include "log/log.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static enum log_level min_level = LOG_WARN;
static int log_fd = 2;
/* The request this thread works for: set and cleared by the HTTP dispatcher around each call. */
static _Thread_local char cur_request_id[LOG_REQUEST_ID_MAX + 1];

void log_request_begin(const char *id)
{
	size_t n = id != NULL ? strnlen(id, LOG_REQUEST_ID_MAX) : 0;

	memcpy(cur_request_id, id != NULL ? id : "", n);
	cur_request_id[n] = '\0';
}

void log_request_end(void)
{
	cur_request_id[0] = '\0';
}

const char *log_request_id(void)
{
	return cur_request_id;
}

enum tk_err log_open(enum log_level level, const char *path)
{
	min_level = level;
	if (path != NULL && *path != '\0') {
		int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (fd < 0)
			return tk_fail(TK_ERR_IO, "log: cannot open %s", path);
		log_fd = fd;
	}
	return TK_OK;
}

enum tk_err log_level_parse(const char *s, enum log_level *out)
{
	static const char *names[] = { "debug", "info", "warn", "error", "off" };
	int i;

	for (i = 0; i <= LOG_OFF; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum log_level)i;
			return TK_OK;
		}
	return tk_fail(TK_ERR_INVALID, "log: unknown level '%s' (debug, info, warn, error, off)", s);
}

void log_close(void)
{
	if (log_fd > 2)
		close(log_fd);
	log_fd = 2;
}

/* Appends s as JSON string content (without quotes), escaping as RFC 8259 requires. */
static void json_escape(char *out, size_t cap, size_t *pos, const char *s)
{
	for (; *s && *pos + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[(*pos)++] = '\\';
			out[(*pos)++] = (char)c;
		} else if (c < 0x20) {
			*pos += (size_t)snprintf(out + *pos, cap - *pos, "\\u%04x", c);
		} else {
			out[(*pos)++] = (char)c;
		}
	}
}

void log_msg(enum log_level level, const char *event, const char *fmt, ...)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	char msg[1024], line[2560], ts[32];
	size_t pos = 0;
	va_list ap;

	if (level < min_level || level >= LOG_OFF)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	time_iso_utc(tk_now(), ts);
	pos += (size_t)snprintf(line, sizeof(line), "{\"ts\":\"%s\",\"level\":\"%s\",\"event\":\"", ts, names[level]);
	json_escape(line, sizeof(line), &pos, event);
	if (cur_request_id[0] != '\0') {
		pos += (size_t)snprintf(line + pos, sizeof(line) - pos, "\",\"request_id\":\"");
		json_escape(line, sizeof(line), &pos, cur_request_id);
	}
	pos += (size_t)snprintf(line + pos, sizeof(line) - pos, "\",\"msg\":\"");
	json_escape(line, sizeof(line), &pos, msg);
	if (pos + 4 > sizeof(line))
		pos = sizeof(line) - 4;
	memcpy(line + pos, "\"}\n", 3);
	pos += 3;
	if (write(log_fd, line, pos) < 0) {
		/* Nowhere left to report a logging failure. */
	}
}
