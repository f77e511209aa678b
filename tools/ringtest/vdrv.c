// SPDX-License-Identifier: GPL-2.0-only
/*
 * Userspace virtio driver side for ring tests: see vdrv.h. The well-formed
 * paths (publishing, chains, indirect descriptors, used entries) go through
 * selftests/lib/vring.c; the raw writers and the byte-wise table copy are
 * ours.
 */
#include "vdrv.h"

/* Most entries of an indirect table vdrv_indirect()/vdrv_pindirect() write. */
#define VDRV_TABLE_MAX	VHOSTX_RING_INDIRECT_MAX

/* The lowest of three areas: the vxr's memory, so its offsets are >= 0. */
static unsigned char *vdrv_base(void *a, void *b, void *c)
{
	unsigned char *m = a;

	if ((unsigned char *)b < m)
		m = b;
	if ((unsigned char *)c < m)
		m = c;
	return m;
}

/*
 * The ring core's "user addresses" are host pointers: the device address
 * of each area is where it is.
 */
static void vdrv_areas(struct vdrv *d, unsigned int num, bool packed,
		       void *desc, void *avail, void *used)
{
	unsigned char *m = vdrv_base(desc, avail, used);

	vxr_init_areas(&d->r, m, (uintptr_t)m, num, packed,
		       (unsigned char *)desc - m, (unsigned char *)avail - m,
		       (unsigned char *)used - m);
}

void vdrv_init(struct vdrv *d, unsigned int num, void *desc, void *avail, void *used)
{
	memset(d, 0, sizeof(*d));
	vdrv_areas(d, num, false, desc, avail, used);
	/* vdrv's chains always left the last descriptor linked */
	d->r.keep_next = true;
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

/* Byte-wise from @src to guest-physical @gpa, so it may straddle regions. */
static void vdrv_copy_out(struct vdrv *d, u64 gpa, const void *src, size_t len)
{
	const unsigned char *b = src;
	size_t k;

	for (k = 0; k < len; k++) {
		unsigned char *p = vdrv_gpa(d, gpa + k, 1);

		if (!p)
			abort();
		*p = b[k];
	}
}

/* vseg to the library's piece: the WRITE flag only, _NEXT is its job. */
static void vdrv_segs(struct vxr_seg *out, const struct vseg *s, unsigned int n)
{
	unsigned int k;

	for (k = 0; k < n; k++) {
		out[k].addr = s[k].gpa;
		out[k].len = s[k].len;
		out[k].flags = s[k].write ? VRING_DESC_F_WRITE : 0;
	}
}

/* The library takes chains of 1..num descriptors; tests stay inside that. */
static void vdrv_check_chain(struct vdrv *d, unsigned int n)
{
	if (!n || n > d->r.num || n > VDRV_TABLE_MAX)
		abort();
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
	put_desc(&d->r.desc[i % d->r.num], addr, len, flags, next);
}

void vdrv_idesc(struct vdrv *d, u64 table, unsigned int i, u64 addr, u32 len, u16 flags, u16 next)
{
	struct vring_desc v;

	put_desc(&v, addr, len, flags, next);
	vdrv_copy_out(d, table + 16ull * i, &v, sizeof(v));
}

void vdrv_set_avail_idx(struct vdrv *d, u16 idx)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	d->r.avail->idx = htole16(idx);
	d->r.avail_idx = idx;
}

void vdrv_publish(struct vdrv *d, u16 head)
{
	vxr_add_avail(&d->r, head);
	vxr_publish(&d->r);
}

u16 vdrv_chain(struct vdrv *d, const struct vseg *s, unsigned int n)
{
	u16 head = d->next_desc % d->r.num;
	struct vxr_seg seg[VDRV_TABLE_MAX];

	vdrv_check_chain(d, n);
	vdrv_segs(seg, s, n);
	/* descriptors head, head + 1, ..., the last one linked on (keep_next) */
	if (vxr_add_chain(&d->r, head, seg, n))
		abort();
	d->next_desc = (d->next_desc + n) % d->r.num;
	vxr_publish(&d->r);
	return head;
}

/*
 * An indirect table of the ring's layout at gpa @table: the library fills
 * it in a bounce buffer, @fixup adds the ignored-field noise there, then
 * it is copied out byte by byte (it may straddle regions), before the
 * ring descriptor pointing at it is written.
 */
static void vdrv_table(struct vdrv *d, u64 table, const struct vseg *s, unsigned int n)
{
	static struct vring_packed_desc tab[VDRV_TABLE_MAX];	/* 16 bytes, either layout */
	struct vxr_seg seg[VDRV_TABLE_MAX];
	unsigned int k;

	if (n > VDRV_TABLE_MAX)
		abort();
	vdrv_segs(seg, s, n);
	vxr_fill_indirect(&d->r, tab, seg, n);
	for (k = 0; k < n; k++) {
		if (d->r.packed)
			tab[k].id = htole16(0xbeef);
		else if (k == n - 1)
			((struct vring_desc *)tab)[k].next = htole16(n);
	}
	vdrv_copy_out(d, table, tab, 16ul * n);
}

/* The one INDIRECT descriptor of buffer @id for a table of @n at @table. */
static void vdrv_add_table_desc(struct vdrv *d, u16 id, u64 table, unsigned int n)
{
	/* split: descriptor @id itself, next 0; packed: the next position */
	if (vxr_add_indirect_desc(&d->r, id, table, n))
		abort();
	vxr_publish(&d->r);
}

u16 vdrv_indirect(struct vdrv *d, u64 table, const struct vseg *s, unsigned int n)
{
	u16 head = d->next_desc % d->r.num;

	vdrv_table(d, table, s, n);
	vdrv_add_table_desc(d, head, table, n);
	d->next_desc = (d->next_desc + 1) % d->r.num;
	return head;
}

bool vdrv_used(struct vdrv *d, u32 *id, u32 *len)
{
	return vxr_get_used(&d->r, id, len);
}

u16 vdrv_used_idx(struct vdrv *d)
{
	return le16toh(d->r.used->idx);
}

u16 vdrv_used_flags(struct vdrv *d)
{
	return le16toh(d->r.used->flags);
}

void vdrv_set_avail_flags(struct vdrv *d, u16 flags)
{
	d->r.avail->flags = htole16(flags);
}

void vdrv_set_used_event(struct vdrv *d, u16 v)
{
	*vxr_used_event(&d->r) = htole16(v);
}

u16 vdrv_avail_event(struct vdrv *d)
{
	return le16toh(*vxr_avail_event(&d->r));
}

/* ---- packed mode ---- */

void vdrv_init_packed(struct vdrv *d, unsigned int num, void *desc, void *drv_evt, void *dev_evt)
{
	if (num > VDRV_PACKED_MAX)
		abort();
	memset(d, 0, sizeof(*d));
	vdrv_areas(d, num, true, desc, drv_evt, dev_evt);
	d->r.chain_descs = d->chain_descs;
	/* the id goes in a chain's last descriptor; the others get noise */
	d->r.junk_ids = true;
	memset(desc, 0, vdrv_pdesc_bytes(num));
	memset(drv_evt, 0, VDRV_EVT_BYTES);
	memset(dev_evt, 0, VDRV_EVT_BYTES);
}

void vdrv_packed_at(struct vdrv *d, u16 pos, bool wrap)
{
	d->r.next_avail = d->r.next_used = pos;
	d->r.avail_wrap = d->r.used_wrap = wrap;
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
	put_pdesc(&d->r.pdesc[pos % d->r.num], addr, len, id, flags);
}

void vdrv_pchain_id(struct vdrv *d, const struct vseg *s, unsigned int n, u16 id, u16 junk_id)
{
	struct vxr_seg seg[VDRV_TABLE_MAX];

	vdrv_check_chain(d, n);
	vdrv_segs(seg, s, n);
	/*
	 * The head's flags say "not available" until the chain is complete:
	 * vdrv always stored them with the rest of the head descriptor
	 * (the library leaves them alone until vxr_publish()).
	 */
	d->r.pdesc[d->r.next_avail].flags = htole16(vdrv_pavail(!d->r.avail_wrap));
	d->r.junk_id = junk_id;
	if (vxr_add_chain(&d->r, id, seg, n))
		abort();
	vxr_publish(&d->r);
}

void vdrv_pidesc(struct vdrv *d, u64 table, unsigned int i, u64 addr, u32 len, u16 flags)
{
	struct vring_packed_desc v;

	put_pdesc(&v, addr, len, 0xbeef, flags);
	vdrv_copy_out(d, table + 16ull * i, &v, sizeof(v));
}

void vdrv_pindirect(struct vdrv *d, u64 table, const struct vseg *s, unsigned int n, u16 id)
{
	vdrv_table(d, table, s, n);
	vdrv_add_table_desc(d, id, table, n);
}

bool vdrv_pused(struct vdrv *d, u32 *id, u32 *len)
{
	if (!vxr_peek_used(&d->r, id, len))
		return false;
	/* the device returned a buffer we never gave */
	if (*id >= d->r.num || !d->chain_descs[*id])
		abort();
	/* steps over chain_descs[*id] descriptors: clear it after */
	vxr_take_used(&d->r, *id);
	d->chain_descs[*id] = 0;
	return true;
}

void vdrv_set_driver_event(struct vdrv *d, u16 off_wrap, u16 flags)
{
	d->r.drv_evt->off_wrap = htole16(off_wrap);
	d->r.drv_evt->flags = htole16(flags);
}

u16 vdrv_device_event_flags(struct vdrv *d)
{
	return le16toh(d->r.dev_evt->flags);
}

u16 vdrv_device_event_off(struct vdrv *d)
{
	return le16toh(d->r.dev_evt->off_wrap);
}
