/*
 * svc/review: the implementation review (Tinjauan Implementasi, R11; PKS
 * art. 1d, 4(2)e, 5(1)e; docs/review.md). The issuer (role auditor)
 * reviews how the ministry implements electronic certificates with a
 * measuring instrument:
 *   - the instrument: a versioned JSON catalogue of aspects and indicators
 *     (weight, scale, article, requirements, automatic or manual), the
 *     shipped default (data/review-instrument.json) loaded as version 1 on
 *     first use, new versions loaded by admins, each kept whole with its
 *     SHA-256 (review_instruments);
 *   - automatic indicators computed from teken's own records, each with
 *     the evidence it looked at (review_indicators);
 *   - the review: opened by an auditor for a period, answered by the
 *     ministry (self-assessment, evidence files), submitted (automatic
 *     results frozen), scored by the reviewer, closed (scores per aspect
 *     and overall in hundredths, a maturity level, a PDF report), then the
 *     report signed by the reviewer with their own tool and uploaded.
 * Admins and auditors read; auditors open, score, close and upload the
 * signed report; admins answer, upload evidence and submit; the CLI
 * operator may do everything. Every change commits with its audit event
 * (review.*).
 */
#ifndef TEKEN_SVC_REVIEW_H
#define TEKEN_SVC_REVIEW_H

#include "svc/base/base.h"

#include <jansson.h>

#define REVIEW_MAX_INSTRUMENT (256u * 1024u) /* bytes of an instrument JSON */
#define REVIEW_MAX_ASPECTS 16u
#define REVIEW_MAX_INDICATORS 200u
#define REVIEW_MAX_LEVELS 11u                   /* points on one scale */
#define REVIEW_MAX_ID 64u                       /* bytes of an aspect, scale or indicator id */
#define REVIEW_MAX_TITLE 300u                   /* bytes of a title */
#define REVIEW_MAX_TEXT (16u * 1024u)           /* bytes of a note or the findings */
#define REVIEW_MAX_WEIGHT 1000                  /* an indicator's weight (aspect weights sum to 100) */
#define REVIEW_MAX_FILE (10u * 1024u * 1024u)   /* one evidence file */
#define REVIEW_MAX_FILES 20u                    /* evidence files per indicator */
#define REVIEW_MAX_UPLOAD (64u * 1024u * 1024u) /* the signed report */
#define REVIEW_MAX_LIST 500u                    /* reviews in a list answer */
#define REVIEW_SAMPLE_DOCS 50                   /* bsre_statement: the newest documents checked */
#define REVIEW_MIN_VERIFIKATORS 2               /* PKS art. 4(1)l */

/*
 * The automatic indicators for the current state, with every indicator of
 * the current instrument: JSON array text [{"id","status":"pass|fail|manual",
 * "evidence"}] (manual ones have evidence null). Admins, auditors, the
 * operator. Caller frees *out.
 */
enum tk_err review_indicators(struct svc_ctx *c, char **out) WARN_UNUSED;

/*
 * Checks an instrument (docs/review.md "Instrument") and stores it as the
 * next version with its SHA-256; admins and the operator. *out: the
 * stored version's summary (JSON text). Does not take ownership of p.
 */
enum tk_err review_instrument_load(struct svc_ctx *c, const uint8_t *p, size_t len, char **out) WARN_UNUSED;
/* The stored versions, newest first, without bodies (JSON array text). Caller frees. */
enum tk_err review_instrument_list(struct svc_ctx *c, char **out) WARN_UNUSED;
/* One version's body as loaded (version 0: the newest). Appends to out. */
enum tk_err review_instrument_get(struct svc_ctx *c, int64_t version, struct buf *out) WARN_UNUSED;
/* Only the strict check of an instrument, nothing stored (for tests and `teken review instrument check`). */
enum tk_err review_instrument_check(const uint8_t *p, size_t len) WARN_UNUSED;

/* Reviews, newest first (JSON array text). Caller frees. */
enum tk_err review_list(struct svc_ctx *c, char **out) WARN_UNUSED;
/* One review: record, answers with live or frozen automatic results, files (no bytes), scores. Caller frees. */
enum tk_err review_get(struct svc_ctx *c, int64_t id, char **out) WARN_UNUSED;
/* Opens a review {title, period_from, period_to "YYYY-MM-DD"} with the newest instrument (auditors). *out: the review. */
enum tk_err review_open(struct svc_ctx *c, json_t *in, char **out) WARN_UNUSED;
/* Self-assessment {answers: [{indicator, level, note?}]} of manual indicators while open (admins). *out: the review. */
enum tk_err review_answer(struct svc_ctx *c, int64_t id, json_t *in, char **out) WARN_UNUSED;
/*
 * An evidence file for an indicator while open (admins): PDF, PNG, JPEG or
 * text/plain, the bytes matching the type; a missing or
 * application/octet-stream mime is taken from the bytes. *out: the review.
 */
enum tk_err review_file_add(struct svc_ctx *c, int64_t id, const char *indicator, const char *filename, const char *mime, const uint8_t *p,
    size_t len, char **out) WARN_UNUSED;
/* An evidence file's bytes (appended to out) and its name and type; access audited. */
enum tk_err review_file_get(struct svc_ctx *c, int64_t id, int64_t fid, struct buf *out, char filename[256], char mime[128]) WARN_UNUSED;
/* Submits the self-assessment: every manual indicator answered; the automatic results frozen with their evidence (admins). */
enum tk_err review_submit(struct svc_ctx *c, int64_t id, char **out) WARN_UNUSED;
/* Reviewer's scores {scores: [{indicator, level, note?}], findings?} on a submitted review (auditors). *out: the review. */
enum tk_err review_score(struct svc_ctx *c, int64_t id, json_t *in, char **out) WARN_UNUSED;
/*
 * Closes a submitted review (auditors): every indicator scored; scores per
 * aspect and overall (hundredths, docs/review.md "Scores"), maturity level,
 * result JSON and the report PDF (kept with its SHA-256). *out: the review.
 */
enum tk_err review_close(struct svc_ctx *c, int64_t id, char **out) WARN_UNUSED;
/* The report PDF: the signed upload when there is one, else the rendered one. Appends to out. */
enum tk_err review_report_pdf(struct svc_ctx *c, int64_t id, struct buf *out) WARN_UNUSED;
/*
 * The reviewer's signed report (auditors): the rendered report plus one
 * incremental update adding exactly one signature, TOTAL_PASSED and
 * covering the whole file (verify_svc_extension). Records the signer,
 * delivers it: [monev] contacts are told through the outbox. *out: the review.
 */
enum tk_err review_signed_upload(struct svc_ctx *c, int64_t id, const uint8_t *p, size_t len, char **out) WARN_UNUSED;

#endif
