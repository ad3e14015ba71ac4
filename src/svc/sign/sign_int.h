/*
 * Private to src/svc (scripts/lint.sh keeps src/http and src/cli out): the
 * instance signing what it wrote itself. Front ends never reach this with
 * bytes of their own; a service that renders a document (the validation
 * report, later the usage and review reports) calls it on its own output.
 */
#ifndef TEKEN_SVC_SIGN_INT_H
#define TEKEN_SVC_SIGN_INT_H

#include "svc/base/base.h"

/*
 * Seals pdf[0..len), a document this instance generated, with the
 * instance seal (key "seal", certificate meta "cert.seal") at PAdES
 * BASELINE-LT: signature timestamp from the instance TSA, then a /DSS with
 * the chain and revocation data. Whoever c->actor is does not matter and
 * gains nothing: the caller decides what it generated, never the outside.
 * Not recorded in the document registry (anonymous callers would grow it
 * without bound); logged. Appends the new revisions to tail; *level gets
 * "PAdES-BASELINE-LT".
 */
enum tk_err sign_instance_document(struct svc_ctx *c, const uint8_t *pdf, size_t len, const char *reason, struct buf *tail,
    char level[24]) WARN_UNUSED;

#endif
