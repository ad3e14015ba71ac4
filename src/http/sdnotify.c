/*
 * The systemd notification protocol (sd_notify(3)), hand-written: one
 * datagram of "KEY=value" lines to the AF_UNIX socket named by
 * $NOTIFY_SOCKET, a path or, with a leading '@', an abstract name.
 */
#include "http/http.h"

#include "log/log.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

enum tk_err http_sd_notify_addr(const char *name, struct sockaddr_un *sa, unsigned *len)
{
	size_t n = name != NULL ? strlen(name) : 0;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (n < 2 || (name[0] != '/' && name[0] != '@'))
		return tk_fail(TK_ERR_INVALID, "sd_notify: NOTIFY_SOCKET is not an absolute path or an @abstract name");
	if (n > sizeof(sa->sun_path) - (name[0] == '/'))
		return tk_fail(TK_ERR_INVALID, "sd_notify: NOTIFY_SOCKET is longer than a socket address");
	memcpy(sa->sun_path, name, n);
	if (name[0] == '@')
		sa->sun_path[0] = '\0'; /* abstract: no terminating NUL, the length says where it ends */
	*len = (unsigned)(offsetof(struct sockaddr_un, sun_path) + n + (name[0] == '/'));
	return TK_OK;
}

int http_sd_notify(const char *state)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	unsigned len = 0;
	ssize_t sent;
	int fd;

	if (name == NULL || name[0] == '\0')
		return 0;
	if (http_sd_notify_addr(name, &sa, &len) != TK_OK) {
		log_msg(LOG_WARN, "sd_notify", "%s", tk_errmsg());
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_msg(LOG_WARN, "sd_notify", "socket: cannot create an AF_UNIX datagram socket");
		return -1;
	}
	sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (const struct sockaddr *)&sa, (socklen_t)len);
	close(fd);
	if (sent < 0 || (size_t)sent != strlen(state)) {
		log_msg(LOG_WARN, "sd_notify", "cannot send to NOTIFY_SOCKET");
		return -1;
	}
	return 1;
}
