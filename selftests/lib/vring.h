/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vring: the driver side of one virtqueue's memory, shared by the
 * userspace "guest drivers": the selftests' vhost_core/vc.c,
 * vhost_vdpa/vv.c and vhost_net/vdrv.c (and tools/bench through the
 * latter), and tools/ringtest/vdrv.c, the guest side of the ring core's
 * unit tests (built there with -Wextra, ASan and UBSan; its fuzz target
 * keeps a guest of its own). fuzz_ioctl is meant to follow.
 *
 * It knows ring memory only, no device: a struct vxr lays a split or packed
 * ring out in the caller's memory, remembers the driver's positions and
 * wrap counters, makes buffers available (one descriptor or a chain) and
 * reads used entries, with the barriers a driver needs. Buffer addresses
 * are the caller's: it passes what the device sees (a GPA for vhost-net, an
 * IOVA for vhost-vdpa). The ring areas' device-visible addresses come from
 * the base the caller gives for the start of its memory:
 * addr = base + (ptr - mem).
 *
 * Descriptor flags are the virtio ones (VRING_DESC_F_WRITE, _NEXT,
 * _INDIRECT): the same bits in both layouts. A packed descriptor's
 * AVAIL/USED bits are added here from the wrap counter.
 *
 * Ring memory is written and read in host byte order: on a little-endian
 * host that is virtio 1.0's layout (and the legacy one's).
 *
 * Nothing here is thread-safe: one thread drives a ring.
 */
#ifndef VX_VRING_H
#define VX_VRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/vhost.h>
#include <linux/virtio_ring.h>

/* A piece of a chain: device address, length, VRING_DESC_F_WRITE or 0. */
struct vxr_seg {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
};

struct vxr {
	unsigned int num;		/* queue size */
	bool packed;
	uint8_t *mem;			/* the caller's memory and ... */
	uint64_t base;			/* ... what the device calls its start */
	size_t off, size;		/* where the ring areas are in mem */
	size_t align;			/* as given to vxr_init*() */
	bool legacy;			/* vxr_init_legacy()'s layout */
	bool fixed;			/* vxr_init_areas(): the caller's places */
	/*
	 * The areas. A packed ring's descriptor ring and driver/device event
	 * areas sit where a split ring's descriptor table and available/used
	 * rings do, so each pair of names is the same memory (tests peek).
	 */
	union {
		struct vring_desc *desc;
		struct vring_packed_desc *pdesc;
	};
	union {
		struct vring_avail *avail;
		struct vring_packed_desc_event *drv_evt;
	};
	union {
		struct vring_used *used;
		struct vring_packed_desc_event *dev_evt;
	};
	/* Device-visible addresses of the three areas (VHOST_SET_VRING_ADDR). */
	uint64_t desc_addr, avail_addr, used_addr;
	/*
	 * Buffers made available (split: the avail->idx we published) and
	 * used entries consumed (split: the used->idx we have read up to).
	 */
	uint16_t avail_idx;
	uint16_t last_used;
	/* Packed: next descriptor to fill and to read, with wrap counters. */
	uint16_t next_avail;
	bool avail_wrap;
	uint16_t next_used;
	bool used_wrap;
	/*
	 * Optional, the caller's, @num entries indexed by buffer id: how
	 * many descriptors the chain of that id takes (vxr_add_chain()
	 * records it). Packed rings need it for chains of more than one
	 * descriptor, to step over them when the chain is used; NULL (what
	 * vxr_init() leaves) means one descriptor per buffer. The library
	 * only writes an entry when a chain is added; a caller may clear it
	 * when the buffer comes back (vxr_used_pending() stops at a used id
	 * whose entry is 0).
	 */
	uint16_t *chain_descs;
	/*
	 * Fields the device must ignore, filled for a caller that checks it
	 * does (tools/ringtest); vxr_init*() leave all off.
	 *  keep_next: split, the last descriptor of a chain of consecutive
	 *             descriptors (vxr_add_chain()) keeps next = its slot + 1
	 *             modulo num instead of 0, a link without
	 *             VRING_DESC_F_NEXT;
	 *  junk_ids:  packed, the descriptors of a chain before its last
	 *             carry junk_id instead of the buffer id (which is read
	 *             from the last one only).
	 */
	bool keep_next;
	bool junk_ids;
	uint16_t junk_id;
	/* Between vxr_add*() and vxr_publish(). */
	uint16_t pending;
	uint16_t pend_pos;		/* packed: first held descriptor */
	uint16_t pend_flags;		/* packed: its flags, written last */
};

/*
 * Lay a ring of @num entries out in @mem at offset @off: the descriptors,
 * then the available ring (packed: driver event area), then the used ring
 * (packed: device event area), each at its alignment (split 16, 2, 4;
 * packed 16, 4, 4) or at @align if larger (0: none); @off itself is
 * rounded up to 16. @base is the device address of @mem. Every field is
 * set (positions at the start, chain_descs NULL); the memory is not
 * touched. Returns the bytes used from @off, a multiple of @align.
 */
size_t vxr_init(struct vxr *r, uint8_t *mem, uint64_t base, size_t off,
		unsigned int num, bool packed, size_t align);
/*
 * The same with the legacy layout of vring_init(): split, the available
 * ring right after the descriptors and only the used ring at @align, the
 * size not rounded (what vring_size() says); packed, the descriptors and
 * both event areas back to back (@align unused).
 */
size_t vxr_init_legacy(struct vxr *r, uint8_t *mem, uint64_t base, size_t off,
		       unsigned int num, bool packed, size_t align);
size_t vxr_legacy_size(unsigned int num, bool packed, size_t align);
/*
 * A ring of @num entries whose three areas are wherever the caller put
 * them, at offsets @desc, @avail and @used in @mem (the device may be given
 * any addresses that meet the alignment rules; checking them is the
 * caller's business). Every field is set as by vxr_init(), size 0 (the
 * areas are not one block, off is @desc); the memory is not touched.
 * vxr_resize() keeps the areas where they are, vxr_reset() zeroes each.
 */
void vxr_init_areas(struct vxr *r, uint8_t *mem, uint64_t base, unsigned int num,
		    bool packed, size_t desc, size_t avail, size_t used);
/*
 * Lay the ring out again with @num entries, in the same place with the
 * same layout rules, positions at the start, chain_descs kept; the memory
 * is not touched (the caller clears what it needs, e.g. the size of its
 * largest layout). Returns the new size. For a driver's queue reset.
 */
size_t vxr_resize(struct vxr *r, unsigned int num);
/* Zero the ring memory and start from the first position (wrap 1). */
void vxr_reset(struct vxr *r);
/* Fill VHOST_SET_VRING_ADDR's addresses and index (flags 0, no log). */
void vxr_vring_addr(const struct vxr *r, unsigned int index, struct vhost_vring_addr *a);

/*
 * Make buffers available. vxr_post() publishes one buffer of one
 * descriptor at once. The split descriptor used is @id itself (so @id <
 * num), its slot in the available ring the next one; packed: the next
 * descriptor of the ring, carrying @id.
 */
void vxr_post(struct vxr *r, uint16_t id, uint64_t addr, uint32_t len, uint16_t flags);
/*
 * Batching: vxr_add() and vxr_add_chain() fill descriptors (split: and
 * available ring slots) without telling the device; vxr_publish() makes
 * all of them available at once (split: one store of avail->idx; packed:
 * the first descriptor's flags last). vxr_post() is add + publish.
 *
 * vxr_add_chain(): a chain of @n descriptors as one buffer @id: split,
 * descriptors @id, @id + 1, ... (modulo num) linked with
 * VRING_DESC_F_NEXT; packed, @n ring positions all carrying @id. Returns
 * 0, or -EINVAL (n == 0 or > num; packed n > 1 without chain_descs).
 */
void vxr_add(struct vxr *r, uint16_t id, uint64_t addr, uint32_t len, uint16_t flags);
int vxr_add_chain(struct vxr *r, uint16_t id, const struct vxr_seg *seg, unsigned int n);
void vxr_publish(struct vxr *r);
/*
 * vxr_add_chain() for a driver with a free-descriptor list: a split chain
 * takes descriptors @descs[0] (the head, == @id), @descs[1], ... in that
 * order, each linked to the next (NULL: @id, @id + 1, ...); they are used
 * as given, so keep them < num. Packed rings ignore @descs. -EINVAL as
 * vxr_add_chain(), or @descs[0] != @id.
 */
int vxr_add_chain_at(struct vxr *r, uint16_t id, const uint16_t *descs,
		     const struct vxr_seg *seg, unsigned int n);
/*
 * Fill @table (the caller's memory) with @n descriptors of the ring's
 * layout, as vxr_add_indirect() does: split, linked with _NEXT, next =
 * i + 1 (the last 0); packed, id 0, no _NEXT. For a caller that moves the
 * table into place itself before adding its descriptor.
 */
void vxr_fill_indirect(const struct vxr *r, void *table, const struct vxr_seg *seg,
		       unsigned int n);
/*
 * An indirect buffer @id: fill @table (the caller's memory, device address
 * @table_addr) with @n descriptors of the ring's layout (split: linked
 * with _NEXT, next = i + 1; packed: id 0, no _NEXT), then add one
 * descriptor VRING_DESC_F_INDIRECT of n * 16 bytes pointing at it (split:
 * descriptor @id, as given). Publish with vxr_publish().
 */
int vxr_add_indirect(struct vxr *r, uint16_t id, void *table, uint64_t table_addr,
		     const struct vxr_seg *seg, unsigned int n);
/*
 * The second half of vxr_add_indirect(), for a caller that filled the
 * table with vxr_fill_indirect() and moved it into place itself: the one
 * VRING_DESC_F_INDIRECT descriptor of buffer @id for @n entries at
 * @table_addr. Returns 0, or -EINVAL (n == 0).
 */
int vxr_add_indirect_desc(struct vxr *r, uint16_t id, uint64_t table_addr, unsigned int n);
/*
 * Split only: put @id (anything, even >= num) in the next available ring
 * slot, descriptors untouched (the caller wrote them). vxr_publish() then.
 */
void vxr_add_avail(struct vxr *r, uint16_t id);

/* Is a used entry there that we did not take yet? */
bool vxr_has_used(const struct vxr *r);
/* Take the next used entry: true with its id and length, false if none. */
bool vxr_get_used(struct vxr *r, uint32_t *id, uint32_t *len);
/*
 * vxr_get_used() in two steps, for a driver that checks an entry before
 * taking it: vxr_peek_used() reads it (same loads), vxr_take_used() moves
 * past it (packed: by chain_descs[@id] descriptors, 1 when unknown).
 */
bool vxr_peek_used(const struct vxr *r, uint32_t *id, uint32_t *len);
void vxr_take_used(struct vxr *r, uint32_t id);
/*
 * Used entries there that we did not take. Split: used->idx - last_used.
 * Packed: used buffers from next_used on, stepping over chains by
 * chain_descs (NULL: one descriptor each); an id >= num or with a 0 entry
 * is counted and ends the walk. At most num descriptors are looked at.
 */
unsigned int vxr_used_pending(const struct vxr *r);
/*
 * Drop every used entry there is; returns how many. Split: last_used
 * jumps to used->idx, no entry is read. Packed: each is read in turn.
 */
unsigned int vxr_reclaim(struct vxr *r);
/*
 * Wait up to @timeout_ms for a used entry, polling @call_fd (an eventfd,
 * or -1) every 10 ms and draining it. Returns 1 when one is there, 0 on
 * timeout, -errno if reading @call_fd fails. Takes nothing.
 */
int vxr_wait_used(const struct vxr *r, int call_fd, int timeout_ms);

/*
 * VIRTIO_RING_F_EVENT_IDX, driver side: ask for a call when the device
 * uses the next entry we would take. Split: used_event = last_used (a
 * plain store); packed: driver event area off_wrap = next_used | used_wrap
 * << 15, then its flags VRING_PACKED_EVENT_FLAG_DESC (release). Call it
 * after taking entries, or not at all to handle used_event by hand.
 */
void vxr_event_next(struct vxr *r);

/* Split, VIRTIO_RING_F_EVENT_IDX: used_event (ours) and avail_event (device's). */
static inline uint16_t *vxr_used_event(const struct vxr *r)
{
	return &r->avail->ring[r->num];
}

static inline uint16_t *vxr_avail_event(const struct vxr *r)
{
	return (uint16_t *)&r->used->ring[r->num];
}

#endif /* VX_VRING_H */
