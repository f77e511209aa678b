// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_ioctl: what a hostile guest writes into a split ring in the arena,
 * for both fuzzers (vhost-net addresses are guest physical, vhost-vdpa's
 * are IOVAs: @base is the device address of the arena's first byte).
 */
#include <linux/virtio_ring.h>
#include "fz.h"

static uint64_t dev_addr(uint64_t base, const void *p)
{
	return base + (uint64_t)((const uint8_t *)p - fz_arena);
}

void fz_ring_hostile(struct fz_rng *r, unsigned int num, uint64_t desc, uint64_t avail,
		     uint64_t used, uint16_t *avail_idx, uint64_t base)
{
	static const uint64_t lens[] = { 0, 1, 11, 12, 13, 4096, 65535, 65536,
					 0x7fffffff, 0x80000000, 0xffffffff };
	struct vring_desc *d = (void *)(uintptr_t)desc;
	struct vring_avail *a = (void *)(uintptr_t)avail;
	unsigned int n = 1 + fz_below(r, num);
	uint8_t *tbl = fz_arena + FZ_RING_AREA + FZ_BUF_AREA / 2 + fz_below(r, 64) * 1024;

	for (unsigned int i = 0; i < n; i++) {
		struct vring_desc *x = &d[fz_below(r, num)];

		x->addr = fz_chance(r, 60) ? dev_addr(base, fz_arena + FZ_RING_AREA +
						      fz_below(r, FZ_BUF_AREA))
					   : fz_gpa(r);
		x->len = fz_chance(r, 50) ? 1 + fz_below(r, 2048) : FZ_PICK(r, lens);
		x->flags = fz_chance(r, 80) ? fz_below(r, 8) : (uint16_t)fz_next(r);
		x->next = fz_chance(r, 85) ? fz_below(r, num) : (uint16_t)fz_next(r);
		if ((x->flags & VRING_DESC_F_INDIRECT) && fz_chance(r, 70)) {
			/* An indirect table: sometimes pointing at itself or nesting. */
			struct vring_desc *t = (void *)tbl;
			unsigned int tn = 1 + fz_below(r, 64);

			for (unsigned int j = 0; j < tn; j++) {
				t[j].addr = fz_chance(r, 10) ? dev_addr(base, tbl)
							     : dev_addr(base, fz_arena + FZ_RING_AREA +
									fz_below(r, FZ_BUF_AREA));
				t[j].len = 1 + fz_below(r, 4096);
				t[j].flags = fz_below(r, 8);
				t[j].next = fz_below(r, tn + 2);
			}
			x->addr = dev_addr(base, tbl);
			x->len = fz_chance(r, 80) ? tn * 16 : FZ_PICK(r, lens);
		}
	}
	for (unsigned int i = 0; i < n; i++)
		a->ring[(uint16_t)(*avail_idx + i) % num] =
			fz_chance(r, 90) ? fz_below(r, num) : (uint16_t)fz_next(r);
	if (fz_chance(r, 10))
		*avail_idx += (uint16_t)fz_next(r);	/* an index from nowhere */
	else
		*avail_idx += n;
	a->flags = fz_chance(r, 80) ? 0 : (uint16_t)fz_next(r);
	if (fz_chance(r, 20))
		((struct vring_used *)(uintptr_t)used)->idx = (uint16_t)fz_next(r);
	__atomic_store_n(&a->idx, *avail_idx, __ATOMIC_RELEASE);
}
