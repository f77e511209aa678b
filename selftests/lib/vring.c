// SPDX-License-Identifier: GPL-2.0-only
/*
 * vring: the driver side of a split or packed virtqueue in the caller's
 * memory, for the selftests' userspace drivers. See vring.h.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vring.h"

#define VXR_PK_AVAIL	(1u << VRING_PACKED_DESC_F_AVAIL)
#define VXR_PK_USED	(1u << VRING_PACKED_DESC_F_USED)

static size_t vxr_align(size_t v, size_t a)
{
	return a > 1 ? (v + a - 1) / a * a : v;
}

static size_t vxr_max(size_t a, size_t b)
{
	return a > b ? a : b;
}

/*
 * Offsets from the ring's start of its three areas, and its size. The
 * legacy layout is vring_init()'s: split, the available ring right after
 * the descriptors and only the used ring at @align, the size not rounded
 * (vring_size()); packed, the three areas back to back.
 */
static size_t vxr_layout(unsigned int num, bool packed, size_t align, bool legacy,
			 size_t *avail, size_t *used)
{
	size_t end;

	if (packed) {
		size_t a = legacy ? 4 : vxr_max(4, align);

		end = (size_t)num * sizeof(struct vring_packed_desc);
		*avail = vxr_align(end, a);
		end = *avail + sizeof(struct vring_packed_desc_event);
		*used = vxr_align(end, a);
		end = *used + sizeof(struct vring_packed_desc_event);
	} else {
		end = (size_t)num * sizeof(struct vring_desc);
		*avail = vxr_align(end, legacy ? 2 : vxr_max(2, align));
		/* flags, idx, ring[num], used_event */
		end = *avail + 2 * sizeof(uint16_t) + (size_t)num * sizeof(uint16_t) +
		      sizeof(uint16_t);
		*used = vxr_align(end, vxr_max(4, align));
		/* flags, idx, ring[num], avail_event */
		end = *used + 2 * sizeof(uint16_t) +
		      (size_t)num * sizeof(struct vring_used_elem) + sizeof(uint16_t);
	}
	return legacy ? end : vxr_align(end, align);
}

size_t vxr_legacy_size(unsigned int num, bool packed, size_t align)
{
	size_t a, u;

	return vxr_layout(num, packed, align, true, &a, &u);
}

static void vxr_restart(struct vxr *r)
{
	r->avail_idx = 0;
	r->last_used = 0;
	r->next_avail = 0;
	r->avail_wrap = true;
	r->next_used = 0;
	r->used_wrap = true;
	r->pending = 0;
	r->pend_pos = 0;
	r->pend_flags = 0;
}

/* Lay the areas out for r->num, r->packed, r->align, r->legacy at r->off. */
static void vxr_place(struct vxr *r)
{
	size_t avail, used;

	if (r->fixed)
		return;
	r->size = vxr_layout(r->num, r->packed, r->align, r->legacy, &avail, &used);
	r->desc = (void *)(r->mem + r->off);
	r->avail = (void *)(r->mem + r->off + avail);
	r->used = (void *)(r->mem + r->off + used);
	r->desc_addr = r->base + r->off;
	r->avail_addr = r->base + r->off + avail;
	r->used_addr = r->base + r->off + used;
}

static size_t vxr_setup(struct vxr *r, uint8_t *mem, uint64_t base, size_t off,
			unsigned int num, bool packed, size_t align, bool legacy)
{
	memset(r, 0, sizeof(*r));
	r->num = num;
	r->packed = packed;
	r->mem = mem;
	r->base = base;
	/* 16 covers the descriptors' alignment in both layouts. */
	r->off = vxr_align(off, 16);
	r->align = align;
	r->legacy = legacy;
	vxr_place(r);
	vxr_restart(r);
	return r->size;
}

size_t vxr_init(struct vxr *r, uint8_t *mem, uint64_t base, size_t off,
		unsigned int num, bool packed, size_t align)
{
	return vxr_setup(r, mem, base, off, num, packed, align, false);
}

size_t vxr_init_legacy(struct vxr *r, uint8_t *mem, uint64_t base, size_t off,
		       unsigned int num, bool packed, size_t align)
{
	return vxr_setup(r, mem, base, off, num, packed, align, true);
}

void vxr_init_areas(struct vxr *r, uint8_t *mem, uint64_t base, unsigned int num,
		    bool packed, size_t desc, size_t avail, size_t used)
{
	memset(r, 0, sizeof(*r));
	r->num = num;
	r->packed = packed;
	r->mem = mem;
	r->base = base;
	r->off = desc;
	r->fixed = true;
	r->desc = (void *)(mem + desc);
	r->avail = (void *)(mem + avail);
	r->used = (void *)(mem + used);
	r->desc_addr = base + desc;
	r->avail_addr = base + avail;
	r->used_addr = base + used;
	vxr_restart(r);
}

size_t vxr_resize(struct vxr *r, unsigned int num)
{
	r->num = num;
	vxr_place(r);
	vxr_restart(r);
	return r->size;
}

void vxr_reset(struct vxr *r)
{
	if (r->fixed && r->packed) {
		memset(r->pdesc, 0, (size_t)r->num * sizeof(struct vring_packed_desc));
		memset(r->drv_evt, 0, sizeof(struct vring_packed_desc_event));
		memset(r->dev_evt, 0, sizeof(struct vring_packed_desc_event));
	} else if (r->fixed) {
		/* with the event fields */
		memset(r->desc, 0, (size_t)r->num * sizeof(struct vring_desc));
		memset(r->avail, 0, (3 + (size_t)r->num) * sizeof(uint16_t));
		memset(r->used, 0, 3 * sizeof(uint16_t) +
		       (size_t)r->num * sizeof(struct vring_used_elem));
	} else {
		memset(r->mem + r->off, 0, r->size);
	}
	vxr_restart(r);
}

void vxr_vring_addr(const struct vxr *r, unsigned int index, struct vhost_vring_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->index = index;
	a->desc_user_addr = r->desc_addr;
	a->avail_user_addr = r->avail_addr;
	a->used_user_addr = r->used_addr;
}

/* ---- making buffers available ---- */

/*
 * A split descriptor, in the ring or in an indirect table: _NEXT to @next
 * unless @last (@next is written either way).
 */
static void vxr_split_desc(struct vring_desc *d, const struct vxr_seg *s, bool last,
			   uint16_t next)
{
	d->addr = s->addr;
	d->len = s->len;
	d->flags = s->flags | (last ? 0 : VRING_DESC_F_NEXT);
	d->next = next;
}

/*
 * Packed: the next ring position gets a descriptor of buffer @id. The
 * first one of a batch (@hold) keeps its flags back for vxr_publish();
 * the others are released in order (the device reads none of them before
 * the first).
 */
static void vxr_packed_desc(struct vxr *r, uint16_t id, const struct vxr_seg *s, bool last,
			    bool hold)
{
	struct vring_packed_desc *d = &r->pdesc[r->next_avail];
	uint16_t flags = s->flags | (last ? 0 : VRING_DESC_F_NEXT);

	flags |= r->avail_wrap ? VXR_PK_AVAIL : VXR_PK_USED;
	d->addr = s->addr;
	d->len = s->len;
	d->id = last || !r->junk_ids ? id : r->junk_id;
	if (hold) {
		r->pend_pos = r->next_avail;
		r->pend_flags = flags;
	} else {
		__atomic_store_n(&d->flags, flags, __ATOMIC_RELEASE);
	}
	if (++r->next_avail == r->num) {
		r->next_avail = 0;
		r->avail_wrap = !r->avail_wrap;
	}
}

int vxr_add_chain_at(struct vxr *r, uint16_t id, const uint16_t *descs,
		     const struct vxr_seg *seg, unsigned int n)
{
	unsigned int i;

	if (!n || n > r->num || (r->packed && n > 1 && !r->chain_descs))
		return -EINVAL;
	if (!r->packed && descs && descs[0] != id)
		return -EINVAL;
	if (r->chain_descs && id < r->num)
		r->chain_descs[id] = n;
	if (r->packed) {
		for (i = 0; i < n; i++)
			vxr_packed_desc(r, id, &seg[i], i == n - 1, !i && !r->pending);
		r->pending++;
		return 0;
	}
	for (i = 0; i < n; i++) {
		bool last = i == n - 1;
		uint16_t at, next;

		if (descs) {
			at = descs[i];
			next = last ? 0 : descs[i + 1];
		} else {
			at = (id + i) % r->num;
			next = last && !r->keep_next ? 0 : (at + 1) % r->num;
		}
		vxr_split_desc(&r->desc[at], &seg[i], last, next);
	}
	vxr_add_avail(r, id);
	return 0;
}

int vxr_add_chain(struct vxr *r, uint16_t id, const struct vxr_seg *seg, unsigned int n)
{
	return vxr_add_chain_at(r, id, NULL, seg, n);
}

void vxr_fill_indirect(const struct vxr *r, void *table, const struct vxr_seg *seg,
		       unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (r->packed) {
			struct vring_packed_desc *t = (struct vring_packed_desc *)table + i;

			t->addr = seg[i].addr;
			t->len = seg[i].len;
			t->id = 0;
			t->flags = seg[i].flags;
		} else {
			bool last = i == n - 1;

			vxr_split_desc((struct vring_desc *)table + i, &seg[i], last,
				       last ? 0 : i + 1);
		}
	}
}

int vxr_add_indirect_desc(struct vxr *r, uint16_t id, uint64_t table_addr, unsigned int n)
{
	struct vxr_seg one = {
		.addr = table_addr,
		.len = n * sizeof(struct vring_desc),	/* 16 bytes in both layouts */
		.flags = VRING_DESC_F_INDIRECT,
	};

	if (!n)
		return -EINVAL;
	/* split: descriptor @id itself, as vxr_add_chain_at() takes it */
	return vxr_add_chain_at(r, id, &id, &one, 1);
}

int vxr_add_indirect(struct vxr *r, uint16_t id, void *table, uint64_t table_addr,
		     const struct vxr_seg *seg, unsigned int n)
{
	if (!n)
		return -EINVAL;
	vxr_fill_indirect(r, table, seg, n);
	return vxr_add_indirect_desc(r, id, table_addr, n);
}

void vxr_add_avail(struct vxr *r, uint16_t id)
{
	r->avail->ring[(uint16_t)(r->avail_idx + r->pending) % r->num] = id;
	r->pending++;
}

void vxr_add(struct vxr *r, uint16_t id, uint64_t addr, uint32_t len, uint16_t flags)
{
	struct vxr_seg s = { .addr = addr, .len = len, .flags = flags };

	vxr_add_chain(r, id, &s, 1);
}

void vxr_publish(struct vxr *r)
{
	if (!r->pending)
		return;
	if (r->packed) {
		__atomic_store_n(&r->pdesc[r->pend_pos].flags, r->pend_flags, __ATOMIC_RELEASE);
		r->avail_idx += r->pending;
	} else {
		/* descriptors and ring slots before the index */
		__atomic_thread_fence(__ATOMIC_RELEASE);
		r->avail_idx += r->pending;
		__atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
	}
	r->pending = 0;
}

void vxr_post(struct vxr *r, uint16_t id, uint64_t addr, uint32_t len, uint16_t flags)
{
	vxr_add(r, id, addr, len, flags);
	vxr_publish(r);
}


/* ---- used entries ---- */

/* Packed: the descriptor at next_used, if the device marked it used. */
static struct vring_packed_desc *vxr_packed_used(const struct vxr *r)
{
	struct vring_packed_desc *d = &r->pdesc[r->next_used];
	uint16_t f = __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);

	if (!!(f & VXR_PK_AVAIL) != r->used_wrap || !!(f & VXR_PK_USED) != r->used_wrap)
		return NULL;
	return d;
}

bool vxr_has_used(const struct vxr *r)
{
	if (r->packed)
		return vxr_packed_used(r);
	return __atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE) != r->last_used;
}

bool vxr_peek_used(const struct vxr *r, uint32_t *id, uint32_t *len)
{
	struct vring_used_elem e;

	if (r->packed) {
		struct vring_packed_desc *d = vxr_packed_used(r);

		if (!d)
			return false;
		e.id = d->id;
		e.len = d->len;
	} else {
		if (__atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE) == r->last_used)
			return false;
		e = r->used->ring[r->last_used % r->num];
	}
	if (id)
		*id = e.id;
	if (len)
		*len = e.len;
	return true;
}

/* Packed: descriptors the buffer @id takes (1 when unknown). */
static unsigned int vxr_descs_of(const struct vxr *r, uint32_t id)
{
	if (r->chain_descs && id < r->num && r->chain_descs[id])
		return r->chain_descs[id];
	return 1;
}

void vxr_take_used(struct vxr *r, uint32_t id)
{
	if (r->packed) {
		r->next_used += vxr_descs_of(r, id);
		if (r->next_used >= r->num) {
			r->next_used -= r->num;
			r->used_wrap = !r->used_wrap;
		}
	}
	r->last_used++;
}

bool vxr_get_used(struct vxr *r, uint32_t *id, uint32_t *len)
{
	uint32_t i, l;

	if (!vxr_peek_used(r, &i, &l))
		return false;
	vxr_take_used(r, i);
	if (id)
		*id = i;
	if (len)
		*len = l;
	return true;
}

/* Packed: is the descriptor at @pos used in the lap of wrap counter @wrap? */
static bool vxr_packed_used_at(const struct vxr *r, unsigned int pos, bool wrap)
{
	uint16_t f = __atomic_load_n(&r->pdesc[pos].flags, __ATOMIC_ACQUIRE);

	return !!(f & VXR_PK_AVAIL) == wrap && !!(f & VXR_PK_USED) == wrap;
}

unsigned int vxr_used_pending(const struct vxr *r)
{
	unsigned int pos = r->next_used, n = 0, seen = 0;
	bool wrap = r->used_wrap;

	if (!r->packed)
		return (uint16_t)(__atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE) -
				  r->last_used);
	while (seen < r->num && vxr_packed_used_at(r, pos, wrap)) {
		uint16_t id = r->pdesc[pos].id;
		unsigned int step = 1;

		n++;
		if (r->chain_descs) {
			/* No chain recorded: where the next buffer starts is unknown. */
			if (id >= r->num || !r->chain_descs[id])
				break;
			step = r->chain_descs[id];
		}
		seen += step;
		pos += step;
		if (pos >= r->num) {
			pos -= r->num;
			wrap = !wrap;
		}
	}
	return n;
}

void vxr_event_next(struct vxr *r)
{
	if (!r->packed) {
		*vxr_used_event(r) = r->last_used;
		return;
	}
	r->drv_evt->off_wrap = r->next_used |
			       (uint16_t)r->used_wrap << VRING_PACKED_EVENT_F_WRAP_CTR;
	__atomic_store_n(&r->drv_evt->flags, VRING_PACKED_EVENT_FLAG_DESC, __ATOMIC_RELEASE);
}

unsigned int vxr_reclaim(struct vxr *r)
{
	unsigned int n = 0;
	uint16_t used;

	if (r->packed) {
		while (vxr_get_used(r, NULL, NULL))
			n++;
		return n;
	}
	used = __atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE);
	n = (uint16_t)(used - r->last_used);
	r->last_used = used;
	return n;
}

static long vxr_ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

int vxr_wait_used(const struct vxr *r, int call_fd, int timeout_ms)
{
	struct pollfd p = { .fd = call_fd, .events = POLLIN };
	struct timespec t0;
	uint64_t cnt;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (vxr_has_used(r))
			return 1;
		if (vxr_ms_since(&t0) >= timeout_ms)
			return 0;
		if (poll(&p, 1, 10) > 0 && read(call_fd, &cnt, sizeof(cnt)) < 0)
			return -errno;
	}
}
