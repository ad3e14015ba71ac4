/* svc/letter internals shared by letter.c, letter_pdf.c and letter_remind.c. */
#ifndef TEKEN_SVC_LETTER_INT_H
#define TEKEN_SVC_LETTER_INT_H

#include "svc/letter/letter.h"

struct letter_row {
	int64_t id, agreement_id, in_reply_to, signed_at, sent_at, created_at, updated_at;
	char direction[16], kind[32], number[128], subject[512], letter_date[16], event_date[16], deadline[16], reply_due[16];
	char status[16], recipient[320], pdf_sha256[65], document_id[32], signed_by[64], received_on[16], acknowledged_on[16];
	char acknowledged_by[64], created_by[64];
	json_t *fields; /* owned */
	int has_pdf;
};

struct letter_contact {
	int64_t id;
	char party[8], official[256], position[256], address[512], phone[64], email[256], valid_from[16], changed_on[16];
};

struct letter_agreement {
	int64_t id;
	char title[512], number_first[128], number_second[128], party_first[256], party_second[256], signed_on[16];
};

struct letter_signatory {
	char user[64], name[256], position[256], unit[256];
};

/* Everything the template needs. */
struct letter_doc {
	const struct letter_row *r;
	const struct letter_agreement *ag;
	const struct letter_contact *to;       /* the other party's current contact (may be empty) */
	const struct letter_contact *from;     /* the ministry's current contact (address for the letterhead) */
	const struct letter_contact *changed;  /* contact_change: the new contact */
	const struct letter_contact *previous; /* contact_change: the one it replaces (may be empty) */
	const struct letter_row *reply_to;     /* amendment_answer: the proposal (may be NULL) */
	const struct letter_signatory *sg;
	size_t nevidence;
};

#define LETTER_STAMP_ANCHOR "TANDA TANGAN ELEKTRONIK" /* capitals: no descender shows under the stamp */

/* Renders the letter (unsigned) into out (letter_pdf.c). */
enum tk_err letter_render(const struct letter_doc *d, struct buf *out) WARN_UNUSED;
/* "5 Desember 2026" of "2026-12-05". */
void letter_date_id(const char *ymd, char out[40]);

enum tk_err letter_agreement_load(struct svc_ctx *c, int64_t id, struct letter_agreement *a) WARN_UNUSED;
/* The current contact of party ("first"/"second"); id 0 when none. */
enum tk_err letter_contact_current(struct svc_ctx *c, int64_t agreement_id, const char *party, struct letter_contact *ct) WARN_UNUSED;
/* A field of r->fields as a string ("" when absent). */
const char *letter_field(const struct letter_row *r, const char *key);

#endif
