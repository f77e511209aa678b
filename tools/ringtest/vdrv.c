// SPDX-License-Identifier: GPL-2.0-only
/* Userspace virtio driver side for ring tests: see vdrv.h. */
#include "vdrv.h"

void vdrv_init(struct vdrv *d, unsigned int num, void *desc, void *avail, void *used)
{
	memset(d, 0, sizeof(*d));
	d->num = num;
	d->desc = desc;
	d->avail = avail;
	d->used = used;
	memset(desc, 0, vdrv_desc_bytes(num));
	memset(avail, 0, vdrv_avail_bytes(num));
	memset(used, 0, vdrv_used_bytes(num));
}

void vdrv_add_region(struct vdrv *d, u64 gpa, u64 size, void *host)
{
	if (d->nregs >= VDRV_MAX_REGIONS)
		abort();
	d->regs[d->nregs].gpa = gpa;
	d->regs[d->nregs].size = size;
	d->regs[d->nregs].host = host;
	d->nregs++;
}

void *vdrv_gpa(struct vdrv *d, u64 gpa, u64 len)
{
	unsigned int i;

	for (i = 0; i < d->nregs; i++) {
		struct vdrv_region *r = &d->regs[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size && len <= r->size - (gpa - r->gpa))
			return r->host + (gpa - r->gpa);
	}
	return NULL;
}

static void put_desc(struct vring_desc *p, u64 addr, u32 len, u16 flags, u16 next)
{
	struct vring_desc v = {
		.addr = htole64(addr),
		.len = htole32(len),
		.flags = htole16(flags),
		.next = htole16(next),
	};

	memcpy(p, &v, sizeof(v));
}

void vdrv_desc(struct vdrv *d, unsigned int i, u64 addr, u32 len, u16 flags, u16 next)
{
	put_desc(&d->desc[i % d->num], addr, len, flags, next);
}

/* Byte-wise, so a table may straddle regions. */
void vdrv_idesc(struct vdrv *d, u64 table, unsigned int i, u64 addr, u32 len, u16 flags, u16 next)
{
	struct vring_desc v;
	unsigned char *b = (unsigned char *)&v;
	unsigned int k;

	put_desc(&v, addr, len, flags, next);
	for (k = 0; k < sizeof(v); k++) {
		unsigned char *p = vdrv_gpa(d, table + 16ull * i + k, 1);

		if (!p)
			abort();
		*p = b[k];
	}
}

void vdrv_set_avail_idx(struct vdrv *d, u16 idx)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	d->avail->idx = htole16(idx);
	d->avail_idx = idx;
}

void vdrv_publish(struct vdrv *d, u16 head)
{
	d->avail->ring[d->avail_idx % d->num] = htole16(head);
	vdrv_set_avail_idx(d, d->avail_idx + 1);
}

u16 vdrv_chain(struct vdrv *d, const struct vseg *s, unsigned int n)
{
	u16 head = d->next_desc % d->num;
	unsigned int k;

	for (k = 0; k < n; k++) {
		unsigned int i = (d->next_desc + k) % d->num;
		u16 flags = (s[k].write ? VRING_DESC_F_WRITE : 0) |
			    (k + 1 < n ? VRING_DESC_F_NEXT : 0);

		vdrv_desc(d, i, s[k].gpa, s[k].len, flags, (i + 1) % d->num);
	}
	d->next_desc = (d->next_desc + n) % d->num;
	vdrv_publish(d, head);
	return head;
}

u16 vdrv_indirect(struct vdrv *d, u64 table, const struct vseg *s, unsigned int n)
{
	u16 head = d->next_desc % d->num;
	unsigned int k;

	for (k = 0; k < n; k++) {
		u16 flags = (s[k].write ? VRING_DESC_F_WRITE : 0) |
			    (k + 1 < n ? VRING_DESC_F_NEXT : 0);

		vdrv_idesc(d, table, k, s[k].gpa, s[k].len, flags, k + 1);
	}
	vdrv_desc(d, head, table, 16 * n, VRING_DESC_F_INDIRECT, 0);
	d->next_desc = (d->next_desc + 1) % d->num;
	vdrv_publish(d, head);
	return head;
}

bool vdrv_used(struct vdrv *d, u32 *id, u32 *len)
{
	struct vring_used_elem e;

	if (le16toh(d->used->idx) == d->used_seen)
		return false;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	memcpy(&e, &d->used->ring[d->used_seen % d->num], sizeof(e));
	*id = le32toh(e.id);
	*len = le32toh(e.len);
	d->used_seen++;
	return true;
}

u16 vdrv_used_idx(struct vdrv *d)
{
	return le16toh(d->used->idx);
}

u16 vdrv_used_flags(struct vdrv *d)
{
	return le16toh(d->used->flags);
}

void vdrv_set_avail_flags(struct vdrv *d, u16 flags)
{
	d->avail->flags = htole16(flags);
}

void vdrv_set_used_event(struct vdrv *d, u16 v)
{
	d->avail->ring[d->num] = htole16(v);
}

u16 vdrv_avail_event(struct vdrv *d)
{
	u16 v;

	memcpy(&v, &d->used->ring[d->num], sizeof(v));
	return le16toh(v);
}
