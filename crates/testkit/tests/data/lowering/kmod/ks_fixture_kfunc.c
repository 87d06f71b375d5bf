// SPDX-License-Identifier: GPL-2.0
/* The module's only source: the compiler's NAME.mod.c, one directory up. */
#include "../ks_fixture.mod.c"
