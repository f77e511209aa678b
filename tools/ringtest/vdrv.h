/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tiny userspace virtio "driver": lays out a split ring in a memory
 * image, writes descriptors, indirect tables and avail entries in
 * little-endian, and reads the used ring back. It writes guest memory
 * directly (it is the guest), never through the vx_* accessors.
 */
#ifndef _VDRV_H
#define _VDRV_H

#include <vhostx/ring.h>
#include "ringtest_env.h"

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
	unsigned int num;
	bool packed;
	/* packed mode: the three areas, positions and wrap counters */
	struct vring_packed_desc *pdesc;
	struct vring_packed_desc_event *drv_evt;	/* driver area (ours, the guest's) */
	struct vring_packed_desc_event *dev_evt;	/* device area */
	u16 p_next;		/* next descriptor to make available */
	bool p_wrap;		/* its wrap counter */
	u16 p_used;		/* next used descriptor to read */
	bool p_used_wrap;
	u16 p_count[VDRV_PACKED_MAX];	/* descriptors per buffer id in flight */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	u16 avail_idx;		/* shadow of avail->idx */
	u16 used_seen;		/* used entries consumed */
	unsigned int next_desc;	/* next descriptor slot handed out */
	struct vdrv_region regs[VDRV_MAX_REGIONS];
	unsigned int nregs;
};

/* Bytes of each ring area for @num entries, event fields included. */
static inline size_t vdrv_desc_bytes(unsigned int num) { return 16ul * num; }
static inline size_t vdrv_avail_bytes(unsigned int num) { return 6ul + 2ul * num; }
static inline size_t vdrv_used_bytes(unsigned int num) { return 6ul + 8ul * num; }

void vdrv_init(struct vdrv *d, unsigned int num, void *desc, void *avail, void *used);
void vdrv_add_region(struct vdrv *d, u64 gpa, u64 size, void *host);
/* Host pointer for [gpa, gpa + len) if it lies in one region, else NULL. */
void *vdrv_gpa(struct vdrv *d, u64 gpa, u64 len);
void vdrv_desc(struct vdrv *d, unsigned int i, u64 addr, u32 len, u16 flags, u16 next);
/* Write a descriptor into a guest-physical indirect table slot. */
void vdrv_idesc(struct vdrv *d, u64 table, unsigned int i, u64 addr, u32 len, u16 flags, u16 next);
/* Put @head in the next avail slot and bump avail->idx. */
void vdrv_publish(struct vdrv *d, u16 head);
void vdrv_set_avail_idx(struct vdrv *d, u16 idx);
/* Chain of direct descriptors from next_desc on; returns the head. */
u16 vdrv_chain(struct vdrv *d, const struct vseg *s, unsigned int n);
/* One direct descriptor pointing at a sequential indirect table at @table. */
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
/* Write ring descriptor @pos as it is (flags included). */
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
/* One INDIRECT ring descriptor for a table of @n entries at gpa @table. */
void vdrv_pindirect(struct vdrv *d, u64 table, const struct vseg *s, unsigned int n, u16 id);
/* Write packed indirect table entry @i (flags as given). */
void vdrv_pidesc(struct vdrv *d, u64 table, unsigned int i, u64 addr, u32 len, u16 flags);
/* Read the next used descriptor; false if there is none. */
bool vdrv_pused(struct vdrv *d, u32 *id, u32 *len);
void vdrv_set_driver_event(struct vdrv *d, u16 off_wrap, u16 flags);
u16 vdrv_device_event_flags(struct vdrv *d);
u16 vdrv_device_event_off(struct vdrv *d);

#endif
