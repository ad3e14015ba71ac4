/* libFuzzer target: the multipart/form-data parser on hostile bodies. */
#include "http/multipart.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mp_form form;
	const struct mp_part *p;

	if (mp_parse("multipart/form-data; boundary=XyZ", data, size, &form) == TK_OK) {
		p = mp_get(&form, "data");
		if (p != NULL && p->len > 0 && (p->data < data || p->data + p->len > data + size))
			__builtin_trap(); /* parts must lie inside the body */
	}
	return 0;
}
