/* libFuzzer target: the PNG/JPEG signature image decoder. */
#include "pades/pades_int.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stamp_image im;

	if (image_decode(data, size, &im) == TK_OK) {
		/* What the stamp writer relies on. */
		if (im.width == 0 || im.height == 0 || (!im.dct && im.data.len != (size_t)im.width * im.height * im.components) ||
		    (im.alpha.len != 0 && im.alpha.len != (size_t)im.width * im.height))
			__builtin_trap();
		image_free(&im);
	}
	return 0;
}
