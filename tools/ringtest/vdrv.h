/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest side of the ring tests: a split or packed ring in the memory
 * image, driven through the selftests' shared driver library
 * (selftests/lib/vring.[ch], struct vxr in drv.r), plus what that library
 * has no business doing, kept here on purpose:
 *  - raw writers of one descriptor, avail entry, index or event field
 *    (vdrv_desc(), vdrv_idesc(), vdrv_pdesc(), vdrv_pidesc(),
 *    vdrv_set_avail_idx(), ...): the tests build malformed rings with
 *    them (loops, bad lengths, wrong wraps, nested tables);
 *  - guest-physical regions: indirect tables are written byte by byte
 *    through them, so a table may straddle two regions;
 *  - the noise in fields the device must ignore: a split chain's last
 *    descriptor and table entry keep a next link, a packed chain's other
 *    descriptors carry a junk id and packed table entries id 0xbeef.
 * It writes guest memory directly (it is the guest), never through the
 * vx_* accessors. Ring memory is little-endian: the library writes host
 * order, so little-endian hosts only.
 */
#ifndef _VDRV_H
#define _VDRV_H

#include <vhostx/ring.h>
#include "ringtest_env.h"
#include "vring.h"		/* selftests/lib */

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "vring.c writes host byte order, the ring core reads little-endian"
#endif

#define VDRV_MAX_REGIONS 8

struct vdrv_region {
	u64 gpa;
	u64 size;
	unsigned char *host;
};

/* One buffer of a chain: guest address, length, device-writable. */
struct vseg {
	u64 gpa;
	u32 len;
	bool write;
};

/* Most buffer ids the packed mode keeps track of (rings up to this size). */
#define VDRV_PACKED_MAX	1024

struct vdrv {
	/*
	 * The ring: r.num, r.desc/avail/used (packed: r.pdesc/drv_evt/
	 * dev_evt), r.avail_idx (split: avail->idx's shadow), r.last_used
	 * (split: used entries consumed), r.next_avail/avail_wrap and
	 * r.next_used/used_wrap (packed positions).
	 */
	struct vxr r;
	u16 chain_descs[VDRV_PACKED_MAX];	/* r.chain_descs: packed, per id in flight */
	unsigned int next_desc;	/* split: next descriptor slot handed out */
	struct vdrv_region regs[VDRV_MAX_REGIONS];
	unsigned int nregs;
};

/* Bytes of each ring area for @num entries, event fields included. */
static inline size_t vdrv_desc_bytes(unsigned int num) { return 16ul * num; }
static inline size_t vdrv_avail_bytes(unsigned int num) { return 6ul + 2ul * num; }
static inline size_t vdrv_used_bytes(unsigned int num) { return 6ul + 8ul * num; }

/* A split ring of @num at the three areas (zeroed), positions 0. */
void vdrv_init(struct vdrv *d, unsigned int num, void *desc, void *avail, void *used);
void vdrv_add_region(struct vdrv *d, u64 gpa, u64 size, void *host);
/* Host pointer for [gpa, gpa + len) if it lies in one region, else NULL. */
void *vdrv_gpa(struct vdrv *d, u64 gpa, u64 len);
/* Raw: write descriptor @i % num as given. */
void vdrv_desc(struct vdrv *d, unsigned int i, u64 addr, u32 len, u16 flags, u16 next);
/* Raw: write a descriptor into a guest-physical indirect table slot. */
void vdrv_idesc(struct vdrv *d, u64 table, unsigned int i, u64 addr, u32 len, u16 flags, u16 next);
/* Put @head (anything) in the next avail slot and bump avail->idx. */
void vdrv_publish(struct vdrv *d, u16 head);
/* Raw: store avail->idx and its shadow. */
void vdrv_set_avail_idx(struct vdrv *d, u16 idx);
/*
 * Chain of direct descriptors from next_desc on, published; returns the
 * head. The last descriptor keeps next = its slot + 1.
 */
u16 vdrv_chain(struct vdrv *d, const struct vseg *s, unsigned int n);
/*
 * One direct descriptor pointing at a sequential indirect table at gpa
 * @table, published; the table's last entry keeps next = n.
 */
u16 vdrv_indirect(struct vdrv *d, u64 table, const struct vseg *s, unsigned int n);
/* Pop one used element; false if none. */
bool vdrv_used(struct vdrv *d, u32 *id, u32 *len);
u16 vdrv_used_idx(struct vdrv *d);
u16 vdrv_used_flags(struct vdrv *d);
void vdrv_set_avail_flags(struct vdrv *d, u16 flags);
void vdrv_set_used_event(struct vdrv *d, u16 v);
u16 vdrv_avail_event(struct vdrv *d);

/*
 * Packed mode. Descriptor flags with the AVAIL/USED bits of wrap @w, as a
 * driver makes a descriptor available.
 */
static inline u16 vdrv_pavail(bool w)
{
	return w ? 1u << VRING_PACKED_DESC_F_AVAIL : 1u << VRING_PACKED_DESC_F_USED;
}

static inline size_t vdrv_pdesc_bytes(unsigned int num) { return 16ul * num; }
#define VDRV_EVT_BYTES	4ul

/* Lay out a packed ring of @num at the three areas, positions (0, wrap 1). */
void vdrv_init_packed(struct vdrv *d, unsigned int num, void *desc, void *drv_evt, void *dev_evt);
/* Start both sides at @pos with wrap @wrap (a ring resumed from a base). */
void vdrv_packed_at(struct vdrv *d, u16 pos, bool wrap);
/* Raw: write ring descriptor @pos as it is (flags included). */
void vdrv_pdesc(struct vdrv *d, unsigned int pos, u64 addr, u32 len, u16 id, u16 flags);
/*
 * Make a chain of @n direct descriptors available with buffer id @id (in
 * the last descriptor only; the others get @junk_id), head flags last.
 */
void vdrv_pchain_id(struct vdrv *d, const struct vseg *s, unsigned int n, u16 id, u16 junk_id);
static inline void vdrv_pchain(struct vdrv *d, const struct vseg *s, unsigned int n, u16 id)
{
	vdrv_pchain_id(d, s, n, id, 0xdead);
}
/*
 * One INDIRECT ring descriptor for a table of @n entries at gpa @table
 * (entries carry id 0xbeef), made available.
 */
void vdrv_pindirect(struct vdrv *d, u64 table, const struct vseg *s, unsigned int n, u16 id);
/* Raw: write packed indirect table entry @i (flags as given, id 0xbeef). */
void vdrv_pidesc(struct vdrv *d, u64 table, unsigned int i, u64 addr, u32 len, u16 flags);
/*
 * Read the next used descriptor; false if there is none. abort()s on an
 * id that is not in flight.
 */
bool vdrv_pused(struct vdrv *d, u32 *id, u32 *len);
void vdrv_set_driver_event(struct vdrv *d, u16 off_wrap, u16 flags);
u16 vdrv_device_event_flags(struct vdrv *d);
u16 vdrv_device_event_off(struct vdrv *d);

#endif
