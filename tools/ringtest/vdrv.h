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

struct vdrv {
	unsigned int num;
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

#endif
