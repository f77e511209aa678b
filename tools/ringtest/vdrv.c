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

/* ---- packed mode ---- */

void vdrv_init_packed(struct vdrv *d, unsigned int num, void *desc, void *drv_evt, void *dev_evt)
{
	if (num > VDRV_PACKED_MAX)
		abort();
	memset(d, 0, sizeof(*d));
	d->num = num;
	d->packed = true;
	d->pdesc = desc;
	d->drv_evt = drv_evt;
	d->dev_evt = dev_evt;
	d->p_wrap = true;
	d->p_used_wrap = true;
	memset(desc, 0, vdrv_pdesc_bytes(num));
	memset(drv_evt, 0, VDRV_EVT_BYTES);
	memset(dev_evt, 0, VDRV_EVT_BYTES);
}

void vdrv_packed_at(struct vdrv *d, u16 pos, bool wrap)
{
	d->p_next = d->p_used = pos;
	d->p_wrap = d->p_used_wrap = wrap;
}

static void put_pdesc(struct vring_packed_desc *p, u64 addr, u32 len, u16 id, u16 flags)
{
	struct vring_packed_desc v = {
		.addr = htole64(addr),
		.len = htole32(len),
		.id = htole16(id),
		.flags = htole16(flags),
	};

	memcpy(p, &v, sizeof(v));
}

void vdrv_pdesc(struct vdrv *d, unsigned int pos, u64 addr, u32 len, u16 id, u16 flags)
{
	put_pdesc(&d->pdesc[pos % d->num], addr, len, id, flags);
}

void vdrv_pchain_id(struct vdrv *d, const struct vseg *s, unsigned int n, u16 id, u16 junk_id)
{
	unsigned int k, pos = d->p_next, head = d->p_next;
	bool w = d->p_wrap;
	u16 head_flags = 0;

	for (k = 0; k < n; k++) {
		u16 flags = vdrv_pavail(w) | (s[k].write ? VRING_DESC_F_WRITE : 0) |
			    (k + 1 < n ? VRING_DESC_F_NEXT : 0);

		if (k == 0) {
			head_flags = flags;
			/* not yet available: the head goes last */
			flags = vdrv_pavail(!w);
		}
		put_pdesc(&d->pdesc[pos], s[k].gpa, s[k].len, k + 1 < n ? junk_id : id, flags);
		if (++pos == d->num) {
			pos = 0;
			w = !w;
		}
	}
	__atomic_thread_fence(__ATOMIC_RELEASE);
	d->pdesc[head].flags = htole16(head_flags);
	d->p_next = pos;
	d->p_wrap = w;
	if (id < VDRV_PACKED_MAX)
		d->p_count[id] = n;
}

void vdrv_pidesc(struct vdrv *d, u64 table, unsigned int i, u64 addr, u32 len, u16 flags)
{
	struct vring_packed_desc v;
	unsigned char *b = (unsigned char *)&v;
	unsigned int k;

	put_pdesc(&v, addr, len, 0xbeef, flags);
	for (k = 0; k < sizeof(v); k++) {
		unsigned char *p = vdrv_gpa(d, table + 16ull * i + k, 1);

		if (!p)
			abort();
		*p = b[k];
	}
}

void vdrv_pindirect(struct vdrv *d, u64 table, const struct vseg *s, unsigned int n, u16 id)
{
	unsigned int k;

	for (k = 0; k < n; k++)
		vdrv_pidesc(d, table, k, s[k].gpa, s[k].len, s[k].write ? VRING_DESC_F_WRITE : 0);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	put_pdesc(&d->pdesc[d->p_next], table, 16 * n, id,
		  vdrv_pavail(d->p_wrap) | VRING_DESC_F_INDIRECT);
	if (++d->p_next == d->num) {
		d->p_next = 0;
		d->p_wrap = !d->p_wrap;
	}
	if (id < VDRV_PACKED_MAX)
		d->p_count[id] = 1;
}

bool vdrv_pused(struct vdrv *d, u32 *id, u32 *len)
{
	struct vring_packed_desc v;
	u16 flags = le16toh(d->pdesc[d->p_used].flags);
	bool a = flags & (1u << VRING_PACKED_DESC_F_AVAIL);
	bool u = flags & (1u << VRING_PACKED_DESC_F_USED);
	unsigned int n;

	if (a != d->p_used_wrap || u != d->p_used_wrap)
		return false;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	memcpy(&v, &d->pdesc[d->p_used], sizeof(v));
	*id = le16toh(v.id);
	*len = le32toh(v.len);
	n = *id < VDRV_PACKED_MAX ? d->p_count[*id] : 0;
	if (!n)
		abort();	/* the device returned a buffer we never gave */
	d->p_count[*id] = 0;
	d->p_used += n;
	if (d->p_used >= d->num) {
		d->p_used -= d->num;
		d->p_used_wrap = !d->p_used_wrap;
	}
	return true;
}

void vdrv_set_driver_event(struct vdrv *d, u16 off_wrap, u16 flags)
{
	d->drv_evt->off_wrap = htole16(off_wrap);
	d->drv_evt->flags = htole16(flags);
}

u16 vdrv_device_event_flags(struct vdrv *d)
{
	return le16toh(d->dev_evt->flags);
}

u16 vdrv_device_event_off(struct vdrv *d)
{
	return le16toh(d->dev_evt->off_wrap);
}
