/*
 * Where the shipped web UI and data files are (core.h tk_web_dir,
 * tk_data_dir). CMake compiles this file twice (CMakeLists.txt, "Shipped
 * files"): into tekencore with TEKEN_WEB_DIR and TEKEN_DATA_DIR naming the
 * source tree, as weak definitions, for the build tree's binaries and the
 * tests; and for the installed binaries, linked before tekencore, also with
 * TEKEN_SHARE_REL, the share directory relative to the directory of the
 * executable (e.g. "../share/teken" for /usr/bin and /usr/share), and
 * TEKEN_SHARE_DIR, the absolute one, used when /proc/self/exe cannot be
 * read. Relative to the executable, a package unpacked anywhere (dpkg -x in
 * tests/integration/test_deb.sh) finds its own files.
 */
#include "core/core.h"

#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#ifdef TEKEN_SHARE_REL

#ifndef TEKEN_SHARE_DIR
#error "TEKEN_SHARE_DIR must accompany TEKEN_SHARE_REL"
#endif

static pthread_once_t share_once = PTHREAD_ONCE_INIT;
static char web_dir[PATH_MAX];
static char data_dir[PATH_MAX];

static void share_find(void)
{
	char exe[PATH_MAX], share[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash = NULL;

	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
	}
	/* The directory of the executable; " (deleted)" after an upgrade only affects the file name. */
	if (slash == NULL || slash == exe || str_fmt(share, sizeof(share), "%.*s/%s", (int)(slash - exe), exe, TEKEN_SHARE_REL) != TK_OK)
		if (str_copy(share, sizeof(share), TEKEN_SHARE_DIR) != TK_OK)
			share[0] = '\0';
	if (str_fmt(web_dir, sizeof(web_dir), "%s/web", share) != TK_OK ||
	    str_fmt(data_dir, sizeof(data_dir), "%s/data", share) != TK_OK) {
		/* Only a PATH_MAX-long install path gets here: the absolute default is short. */
		if (str_copy(web_dir, sizeof(web_dir), TEKEN_SHARE_DIR "/web") != TK_OK ||
		    str_copy(data_dir, sizeof(data_dir), TEKEN_SHARE_DIR "/data") != TK_OK)
			web_dir[0] = data_dir[0] = '\0';
	}
}

const char *tk_web_dir(void)
{
	(void)pthread_once(&share_once, share_find);
	return web_dir;
}

const char *tk_data_dir(void)
{
	(void)pthread_once(&share_once, share_find);
	return data_dir;
}

#else

#ifndef TEKEN_WEB_DIR
#define TEKEN_WEB_DIR "web"
#endif
#ifndef TEKEN_DATA_DIR
#define TEKEN_DATA_DIR "data"
#endif

/* Weak: an installed binary's strong copy (above) wins if both are linked. */
__attribute__((weak)) const char *tk_web_dir(void) { return TEKEN_WEB_DIR; }
__attribute__((weak)) const char *tk_data_dir(void) { return TEKEN_DATA_DIR; }

#endif
