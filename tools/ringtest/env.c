// SPDX-License-Identifier: GPL-2.0-only
/* The userspace environment's state and its invariant-violation report. */
#include "ringtest_env.h"

struct vx_env vx_env;

void vx_env_violation(const char *what, const void *p, size_t n)
{
	fprintf(stderr, "vhostx ringtest: INVARIANT VIOLATED: %s: %p+%zu (image %p+%zu)\n",
		what, p, n, (void *)vx_env.base, vx_env.size);
	abort();
}
