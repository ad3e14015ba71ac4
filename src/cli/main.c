/* teken: command-line entry point (temporary until the CLI lands). */
#include "core/core.h"
#include <stdio.h>
int main(void) { fputs("teken\n", stdout); return 0; }
