/*
 * teken verify --in a.pdf b.pdf ... | --in DIR: many documents in one
 * process, on all cores. Workers take files in turn; the main thread
 * prints one compact JSON report per line in the order of the inputs as
 * soon as each is ready (a file that cannot be read gets a line with an
 * "error" object instead), and a progress line on a terminal. The exit
 * code is the worst over all files (docs/verification.md).
 *
 * Without an instance the trust store is built once and shared (it is
 * read-only, the online hook is thread-safe); with --dir every worker
 * has its own store connection and trust store, because the registry
 * status hook uses its context's connection.
 */
#include "cli/cli.h"
#include "pdf/pdf.h"
#include "svc/base/base.h"
#include "svc/verify/verify_svc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MANY_MAX_FILES 1000000u /* documents in one run */
#define MANY_MAX_DEPTH 16u      /* directory levels walked */

struct files {
	char **v;
	size_t n, cap;
};

static enum tk_err files_add(struct files *f, const char *path)
{
	if (f->n == MANY_MAX_FILES)
		return tk_fail(TK_ERR_LIMIT, "more than %u files to verify", MANY_MAX_FILES);
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		char **v = realloc(f->v, cap * sizeof(*v));
		if (v == NULL)
			return tk_fail(TK_ERR_NOMEM, "out of memory");
		f->v = v;
		f->cap = cap;
	}
	if ((f->v[f->n] = strdup(path)) == NULL)
		return tk_fail(TK_ERR_NOMEM, "out of memory");
	f->n++;
	return TK_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_pdf_name(const char *n)
{
	size_t l = strlen(n);

	return l > 4 && strcasecmp(n + l - 4, ".pdf") == 0;
}

/* Every *.pdf under dir, depth first, names sorted in each directory (a stable order for diffs). */
static enum tk_err walk(const char *dir, unsigned depth, struct files *f)
{
	struct files here = { NULL, 0, 0 };
	DIR *d;
	struct dirent *e;
	size_t i;
	enum tk_err rc = TK_OK;

	if (depth > MANY_MAX_DEPTH)
		return tk_fail(TK_ERR_LIMIT, "%s: directories nested deeper than %u levels", dir, MANY_MAX_DEPTH);
	if ((d = opendir(dir)) == NULL)
		return tk_fail(TK_ERR_IO, "cannot open %s: %s", dir, strerror(errno));
	while (rc == TK_OK && (e = readdir(d)) != NULL) {
		char p[4096];
		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, e->d_name) >= sizeof(p))
			continue;
		rc = files_add(&here, p);
	}
	closedir(d);
	if (here.n > 0)
		qsort(here.v, here.n, sizeof(*here.v), cmp_str);
	for (i = 0; rc == TK_OK && i < here.n; i++) {
		struct stat sb;
		if (lstat(here.v[i], &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode))
			rc = walk(here.v[i], depth + 1, f);
		else if (S_ISREG(sb.st_mode) && is_pdf_name(here.v[i]))
			rc = files_add(f, here.v[i]);
	}
	for (i = 0; i < here.n; i++)
		free(here.v[i]);
	free(here.v);
	return rc;
}

struct many {
	const struct verify_many_opts *o;
	struct files files;
	char **line; /* per file: the JSON line, set when done */
	int *code;   /* per file: its exit code */
	atomic_size_t next;
	pthread_mutex_t lock;
	pthread_cond_t ready;
	struct verify_trust *shared; /* without an instance */
};

static char *error_line(const char *file, const struct tk_error *e)
{
	json_t *j = verify_svc_error_item(file, e);
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(j);
	return s;
}

/*
 * The printable report of document i into the report directory, named
 * after its path (separators become '_', so two folders' a.pdf do not
 * collide); "report" in its JSON line names the file written.
 */
static enum tk_err write_report(struct many *m, struct svc_ctx *cp, const struct verify_report *r, size_t i, json_t *j)
{
	const char *path = m->files.v[i], *ext = m->o->report_format == VERIFY_SVC_PDF ? ".pdf" : ".html";
	char name[4096], out[8192];
	struct buf b;
	size_t k, n = 0;
	int sealed = 0;
	enum tk_err rc;

	for (k = 0; path[k] && n + 1 < sizeof(name); k++)
		if (!(k == 0 && path[k] == '/') && !(path[k] == '.' && (k == 0 || path[k - 1] == '/')))
			name[n++] = path[k] == '/' ? '_' : path[k];
	name[n] = '\0';
	if ((size_t)snprintf(out, sizeof(out), "%s/%s%s", m->o->report_dir, name, ext) >= sizeof(out))
		return tk_fail(TK_ERR_LIMIT, "%s: report path too long", path);
	buf_init(&b, MAX_PDF_BYTES);
	if ((rc = verify_svc_render(cp, r, path, (enum verify_svc_format)m->o->report_format, &b, &sealed)) == TK_OK &&
	    (rc = file_write_atomic(out, b.p, b.len, 0644)) == TK_OK)
		json_object_set_new(j, "report", json_string(out));
	buf_free(&b);
	return rc;
}

/* One document: its report line and exit code (1 with an error line when it could not be verified). */
static void one(struct many *m, struct svc_ctx *cp, const struct verify_trust *t, size_t i, char **line, int *code)
{
	const char *path = m->files.v[i];
	struct verify_svc_in in = *m->o->base;
	struct verify_report *r = NULL;
	const uint8_t *data = NULL;
	size_t len = 0;
	json_t *j = NULL;

	*line = NULL;
	*code = 1;
	if (cli_map_file(path, &data, &len) == TK_OK) {
		in.data = data;
		in.len = len;
		if (!pdf_header_ok(data, len))
			tk_fail_code(TK_ERR_INVALID, "not_a_pdf", "%s is not a PDF (no %%PDF- header)", path);
		else if (verify_svc_run(cp, t, &in, &r) == TK_OK && verify_svc_json(cp, r, path, &j) == TK_OK &&
			 (m->o->report_format == 0 || write_report(m, cp, r, i, j) == TK_OK) &&
			 (*line = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER)) != NULL)
			*code = cli_verify_exit(r);
		munmap((void *)data, len);
	}
	if (*line == NULL)
		*line = error_line(path, tk_last_error());
	tk_clear_error();
	json_decref(j);
	verify_report_free(r);
}

static void *worker(void *arg)
{
	struct many *m = arg;
	struct svc_ctx c, *cp = NULL;
	struct verify_trust *own = NULL;
	const struct verify_trust *t = m->shared;
	size_t i;
	int ok = 1;

	memset(&c, 0, sizeof(c));
	if (m->o->inst != NULL) {
		/* The registry hook reads through this thread's own connection. */
		ok = svc_ctx_thread(m->o->inst, &c) == TK_OK;
		if (ok) {
			c.actor = *m->o->actor;
			cp = &c;
			ok = verify_svc_trust(cp, m->o->trust, m->o->ntrust, m->o->crls, m->o->ncrls, &own) == TK_OK &&
			     (!m->o->online || verify_svc_online(cp, own) == TK_OK);
			t = own;
		}
	}
	while ((i = atomic_fetch_add(&m->next, 1)) < m->files.n) {
		char *line = NULL;
		int code = 1;
		if (ok)
			one(m, cp, t, i, &line, &code);
		else
			line = error_line(m->files.v[i], tk_last_error());
		pthread_mutex_lock(&m->lock);
		m->line[i] = line != NULL ? line : strdup("{\"error\":{\"code\":\"nomem\",\"message\":\"out of memory\"}}");
		m->code[i] = code;
		pthread_cond_broadcast(&m->ready);
		pthread_mutex_unlock(&m->lock);
	}
	if (cp != NULL)
		svc_ctx_request_end(cp);
	verify_trust_free(own);
	return NULL;
}

/* Worse exit codes rank higher: passed, changed, unsigned, indeterminate, failed, unreadable. */
static int rank(int code)
{
	switch (code) {
	case 0:
		return 0;
	case 5:
		return 1;
	case 6:
		return 2;
	case 3:
		return 3;
	case 4:
		return 4;
	default:
		return 5;
	}
}

int verify_many(const char *const *inputs, size_t ninputs, const struct verify_many_opts *o)
{
	struct many m;
	pthread_t th[VERIFY_MANY_MAX_THREADS];
	size_t i, started = 0, printed = 0, nthreads = o->threads;
	int worst = 0, progress = isatty(STDERR_FILENO) && getenv("CI") == NULL, r = 0;

	memset(&m, 0, sizeof(m));
	m.o = o;
	atomic_init(&m.next, 0);
	for (i = 0; i < ninputs; i++) {
		struct stat sb;
		enum tk_err rc;
		if (stat(inputs[i], &sb) != 0) {
			tk_fail(TK_ERR_IO, "cannot open %s: %s", inputs[i], strerror(errno));
			r = cli_fail();
			goto out;
		}
		rc = S_ISDIR(sb.st_mode) ? walk(inputs[i], 0, &m.files) : files_add(&m.files, inputs[i]);
		if (rc != TK_OK) {
			r = cli_fail();
			goto out;
		}
	}
	if (m.files.n == 0) {
		tk_fail(TK_ERR_NOT_FOUND, "no PDF file (*.pdf) to verify");
		r = cli_fail();
		goto out;
	}
	if ((m.line = calloc(m.files.n, sizeof(*m.line))) == NULL || (m.code = calloc(m.files.n, sizeof(*m.code))) == NULL) {
		tk_fail(TK_ERR_NOMEM, "out of memory");
		r = cli_fail();
		goto out;
	}
	/* Built once up front: bad --trust or --crl files are an error before any work, not a line per file. */
	if (verify_svc_trust(o->inst != NULL ? o->ctx : NULL, o->trust, o->ntrust, o->crls, o->ncrls, &m.shared) != TK_OK ||
	    (o->online && verify_svc_online(o->inst != NULL ? o->ctx : NULL, m.shared) != TK_OK)) {
		r = cli_fail();
		goto out;
	}
	if (o->inst != NULL) {
		verify_trust_free(m.shared);
		m.shared = NULL;
	}
	if (nthreads == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		nthreads = n > 0 ? (size_t)n : 1;
	}
	if (nthreads > VERIFY_MANY_MAX_THREADS)
		nthreads = VERIFY_MANY_MAX_THREADS;
	if (nthreads > m.files.n)
		nthreads = m.files.n;
	pthread_mutex_init(&m.lock, NULL);
	pthread_cond_init(&m.ready, NULL);
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&th[started], NULL, worker, &m) != 0)
			break;
		started++;
	}
	if (started == 0) {
		worker(&m); /* no thread could start: do the work here */
	}
	/* Print in input order as the lines become ready. */
	pthread_mutex_lock(&m.lock);
	while (printed < m.files.n) {
		while (m.line[printed] == NULL)
			pthread_cond_wait(&m.ready, &m.lock);
		while (printed < m.files.n && m.line[printed] != NULL) {
			char *s = m.line[printed];
			pthread_mutex_unlock(&m.lock);
			if (r == 0 && (cli_output(NULL, s, strlen(s)) != 0 || cli_output(NULL, "\n", 1) != 0))
				r = 1;
			if (rank(m.code[printed]) > rank(worst))
				worst = m.code[printed];
			printed++;
			if (progress)
				fprintf(stderr, "\rverify: %zu/%zu", printed, m.files.n);
			pthread_mutex_lock(&m.lock);
		}
	}
	pthread_mutex_unlock(&m.lock);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (progress)
		fputc('\n', stderr);
	pthread_cond_destroy(&m.ready);
	pthread_mutex_destroy(&m.lock);
	if (r == 0)
		r = worst;
out:
	verify_trust_free(m.shared);
	for (i = 0; i < m.files.n; i++) {
		free(m.files.v[i]);
		if (m.line != NULL)
			free(m.line[i]);
	}
	free(m.files.v);
	free(m.line);
	free(m.code);
	return r;
}
