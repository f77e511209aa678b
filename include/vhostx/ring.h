/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhostx ring core: split and packed virtqueue walking, used writes and
 * event suppression decisions. The same ring.c and mem.c build into
 * vhostx.ko and into the userspace tests and fuzzer of tools/ringtest.
 *
 * Guest memory is reached in one of two ways, chosen per ring:
 *  - user memory: ring areas are user addresses, buffer addresses go
 *    through a memory table (struct vhostx_mem) to user addresses. This is
 *    vhostx_net's fast path (plain user accesses, inlined, no indirect
 *    call); in the userspace build, "user memory" is one flat image that
 *    the tools' environment checks on every access;
 *  - an accessor (struct vhostx_ring_acc) the owner passes in: ring areas
 *    and buffer addresses mean whatever the accessor makes of them (I/O
 *    virtual addresses through vhostx_net's device IOTLB, or through the
 *    IOTLB of the vDPA simulator).
 * The walkers are instantiated once per way (always-inline templates in
 * ring.c), so the user-memory walker carries no test for the other.
 *
 * This header only needs the basic kernel types; the accessors ring.c and
 * mem.c are written against live in their environment header, which is
 * private to them (drivers/vhost/core/vhostx_env.h in the kernel,
 * tools/ringtest/ringtest_env.h in userspace). Nothing here knows about
 * files, kthreads, sockets or ioctls.
 */
#ifndef _VHOSTX_RING_H
#define _VHOSTX_RING_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/uio.h>
#include <linux/virtio_types.h>
#include <uapi/linux/virtio_ring.h>
#include <asm/byteorder.h>
#else
/* The userspace build (tools/ringtest): the same types from libc and uapi. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <endian.h>
#include <sys/uio.h>
#include <linux/types.h>
#include <linux/virtio_types.h>
#include <linux/virtio_ring.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#ifndef __user
#define __user
#endif
#ifndef __force
#define __force
#endif
#endif /* __KERNEL__ */

/**
 * struct vhostx_mem_region - one guest memory region
 * @gpa: guest physical start address
 * @size: length in bytes, never zero
 * @uaddr: start address in the owner's address space
 */
struct vhostx_mem_region {
	u64 gpa;
	u64 size;
	u64 uaddr;
};

/**
 * struct vhostx_mem - an immutable, validated memory table
 * @nregions: number of entries in @regions
 * @last_hit: index of the last region a lookup hit (a hint only, racy by
 *            design: readers use READ_ONCE/WRITE_ONCE semantics)
 * @regions: sorted by @gpa, non-overlapping, no wrap in gpa or uaddr space
 *
 * A table is built once by vhostx_mem_build() and never changed after it
 * is published; replacing it is the owner's job (RCU-style publish).
 */
struct vhostx_mem {
	unsigned int nregions;
	unsigned int last_hit;
	struct vhostx_mem_region regions[];
};

/* Access direction for translation. */
#define VHOSTX_ACCESS_RO	0
#define VHOSTX_ACCESS_WO	1

/*
 * vhostx_mem_check - validate regions: non-zero sizes, no wrap in gpa or
 * uaddr ranges, whole uaddr ranges user-accessible (the environment's
 * user address limit), and no overlap in gpa after sorting. No alignment
 * is demanded (the vhost ABI has none). Several gpa ranges may alias the
 * same user memory. Sorts @r in place by gpa (no callbacks, O(n log n)).
 * Returns 0, -EINVAL (bad size, wrap, overlap) or -EFAULT (bad uaddr).
 */
int vhostx_mem_check(struct vhostx_mem_region *r, unsigned int n);

/*
 * vhostx_mem_build - allocate a table holding a copy of @r[0..n), then
 * check and sort it with vhostx_mem_check(). n == 0 gives an empty table
 * (every translation fails). On success stores it in *@memp and returns
 * 0; else -ENOMEM/-EINVAL/-EFAULT and *@memp is untouched. @r is not
 * modified. Free with vhostx_mem_free() (after a grace period if readers
 * may still see it).
 */
int vhostx_mem_build(const struct vhostx_mem_region *r, unsigned int n,
		     struct vhostx_mem **memp);

/* vhostx_mem_free - free a table from vhostx_mem_build(); NULL is ok. */
void vhostx_mem_free(struct vhostx_mem *mem);

/*
 * vhostx_mem_reverse - the guest physical ranges behind user memory: call
 * @fn(@arg, gpa, len) for the part of [uaddr, uaddr+len) each region maps
 * (once per region, so memory two regions alias is reported twice, at
 * both addresses). Stops at the first non-zero return of @fn and returns
 * it; -EFAULT if some byte of the range is in no region (or it wraps), in
 * which case @fn may have been called for the other bytes. len == 0
 * returns 0. For the dirty log of writes made through translated iovecs.
 */
int vhostx_mem_reverse(struct vhostx_mem *mem, u64 uaddr, u64 len,
		       int (*fn)(void *arg, u64 gpa, u64 len), void *arg);

/*
 * vhostx_mem_translate - map [gpa, gpa+len) to user iovecs.
 * Returns the number of iovecs filled (a range may span regions), -EFAULT
 * if any byte is outside the table, -ENOBUFS if more than @max iovecs are
 * needed. len == 0 returns 0.
 */
int vhostx_mem_translate(struct vhostx_mem *mem, u64 gpa, u64 len,
			 struct iovec *iov, unsigned int max);

/**
 * struct vhostx_ring_acc - guest memory through the owner's own accessors
 * @translate: map the buffer (or indirect table) at [addr, addr + len) to
 *             iovecs for a device read (@write false) or write (@write
 *             true); returns the number of iovecs filled, -EFAULT if some
 *             byte is not there (or lacks the permission), -ENOBUFS if
 *             more than @max are needed (as vhostx_mem_translate()), or
 *             -EAGAIN when the translation is not known yet (the owner
 *             asked for it; the ring is not broken and nothing consumed).
 *             What the iovecs hold is the owner's business: the core hands
 *             them back from vhostx_ring_get_chain() and reads them only
 *             through @read_iov (user addresses for the device IOTLB,
 *             I/O virtual addresses for the vDPA simulator)
 * @read: copy @len bytes at ring address @addr into @dst; 0 or -errno
 * @write: copy @len bytes from @src to ring address @addr; 0 or -errno
 * @read_iov: copy @len bytes at @src, an address inside an iovec that
 *            @translate filled, into @dst (how the core reads an indirect
 *            table); 0 or -errno
 *
 * A ring with an accessor (@acc in struct vhostx_ring) reaches its three
 * areas, its indirect tables and its buffers only through it, and needs no
 * memory table. The core does not know what is behind: the owner passes
 * its own context to each call. The calls are made with whatever the
 * owner holds around the ring call (the vDPA simulator: a spinlock, so
 * its accessors must not sleep).
 */
struct vhostx_ring_acc {
	int (*translate)(void *ctx, u64 addr, u64 len, struct iovec *iov,
			 unsigned int max, bool write);
	int (*read)(void *ctx, void *dst, u64 addr, size_t len);
	int (*write)(void *ctx, u64 addr, const void *src, size_t len);
	int (*read_iov)(void *ctx, void *dst, const void __user *src, size_t len);
};

/*
 * Largest ring the core accepts (the VIRTIO maximum of both layouts). A
 * split ring's size is a power of two; a packed ring may have any size
 * from 1 to this.
 */
#define VHOSTX_RING_MAX_NUM		32768
/*
 * Most entries an indirect table may hold (as QEMU's VIRTQUEUE_MAX_SIZE);
 * a longer table is a guest error.
 */
#define VHOSTX_RING_INDIRECT_MAX	1024

/*
 * Most memory regions one indirect table may cross (it must lie wholly in
 * guest memory); more is a guest error.
 */
#define VHOSTX_RING_INDIRECT_PIECES	4

/* Avail ring entries read ahead in one access by vhostx_ring_get_chain(). */
#define VHOSTX_RING_HEADS		16

/*
 * Ring writes a ring remembers for the dirty log between two drains by its
 * owner; one split call writes at most three pieces (two element runs and
 * the index), a packed batch two descriptor runs (it may cross the ring
 * end), so the owner drains after every call that may write.
 */
#define VHOSTX_RING_LOG_SPANS		4

/* Areas of struct vhostx_ring_span. */
/* From @used: the used ring (split), the device event area (packed). */
#define VHOSTX_RING_AREA_USED		0
/* From @desc: used descriptors written into a packed descriptor ring. */
#define VHOSTX_RING_AREA_DESC		1

/**
 * struct vhostx_ring_span - bytes the ring core wrote into a ring area
 * @off: offset from the start of the area @area names
 * @len: number of bytes, never zero
 * @area: VHOSTX_RING_AREA_USED (offset from the ring's @used: the split
 *        used ring, or the packed device event suppression area) or
 *        VHOSTX_RING_AREA_DESC (offset from @desc: a packed ring's used
 *        descriptors); always VHOSTX_RING_AREA_USED for a split ring
 */
struct vhostx_ring_span {
	u32 off;
	u32 len;
	u8 area;
};

/**
 * struct vhostx_ring_stats - per-ring counters (written by the ring owner)
 * @chains: chains popped
 * @used: buffers returned through the used ring (an in-order batch
 *        written as one entry counts all its buffers)
 * @signals: vhostx_ring_need_signal() returned true
 * @errors: guest errors that broke the ring
 */
struct vhostx_ring_stats {
	u64 chains;
	u64 used;
	u64 signals;
	u64 errors;
};

/**
 * struct vhostx_ring - state of one virtqueue, split or packed
 * @num: ring size (split: a power of two, 1..32768; packed: 1..32768)
 * @desc: descriptor table (user address); packed: the descriptor ring
 *        (struct vring_packed_desc, 16 bytes each, 16-byte aligned)
 * @avail: available ring (user address); packed: the driver event
 *         suppression area (struct vring_packed_desc_event, 4-aligned)
 * @used: used ring (user address); packed: the device event suppression
 *        area (struct vring_packed_desc_event, 4-aligned)
 * @mem: translation table for descriptor addresses; owned by the caller,
 *       must stay valid while the ring is walked; unused (may be NULL)
 *       with @acc
 * @acc: when set, @desc, @avail, @used and descriptor addresses are
 *       reached through it instead (see struct vhostx_ring_acc); @mem is
 *       then only the owner's business
 * @acc_ctx: the owner's context passed to @acc
 * @event_idx: VIRTIO_RING_F_EVENT_IDX negotiated
 * @indirect: VIRTIO_RING_F_INDIRECT_DESC negotiated
 * @notify_on_empty: VIRTIO_F_NOTIFY_ON_EMPTY negotiated
 * @in_order: VIRTIO_F_IN_ORDER negotiated, and the owner keeps its
 *            promise: it hands buffers to vhostx_ring_add_used() in the
 *            order it popped them (never out of order across calls
 *            either). A batch of more than one element whose lengths are
 *            all 0 but the last's is then published with one used entry
 *            (see vhostx_ring_add_used()). Set by the owner like the other
 *            feature bools; it only changes what the device writes
 * @packed: VIRTIO_F_RING_PACKED negotiated: @desc, @avail and @used are
 *          the packed areas, @pbufs is set; set by the owner before
 *          vhostx_ring_start(), like the other feature bools
 * @avail_wrap: packed: the driver ring wrap counter at @last_avail_idx
 * @used_wrap: packed: the device ring wrap counter at @last_used_idx
 * @last_avail_idx: next available entry to consume (split: free-running;
 *                  packed: the descriptor ring position, below @num)
 * @avail_idx: split: last value read from avail->idx. Packed: the ring
 *             position just past the furthest chain popped so far, with
 *             the wrap counter there in bit 15 (the encoding of
 *             vhostx_ring_get_base()'s low half); vhostx_ring_unget()
 *             leaves it alone. What vhostx_ring_avail_moved() takes
 * @last_used_idx: next used entry to write (split: free-running; packed:
 *                 the descriptor ring position, below @num)
 * @signalled_used: used index at the last signal decision (event-idx math;
 *                  packed: position with the wrap counter in bit 15)
 * @signalled_used_valid: @signalled_used may be used
 * @used_flags: last value written to used->flags (VRING_USED_F_NO_NOTIFY),
 *              so toggling notifications costs no write when unchanged.
 *              Packed: the device event area's flags
 *              (VRING_PACKED_EVENT_FLAG_*); DISABLE is bit 0 as
 *              VRING_USED_F_NO_NOTIFY is, so "notifications off" is the
 *              same test for both layouts
 * @head_first: avail index of @heads[0]
 * @head_n: number of valid entries in @heads (0 after vhostx_ring_start())
 * @heads: avail ring entries [head_first, head_first + head_n), read ahead
 *         in one copy; all were published (below avail_idx) when read
 *         (split only)
 * @pbufs: packed only: the ring's per-buffer-id state (descriptors in
 *         flight per buffer id, and the pop history vhostx_ring_unget()
 *         needs). The owner allocates vhostx_ring_pbufs_size(@num) zeroed
 *         bytes (kvzalloc) and frees them; split rings leave it NULL.
 *         vhostx_ring_set_base() forgets what it holds
 * @broken: a guest error stopped this ring; every call but
 *          vhostx_ring_start() fails with -EIO until that clears it
 * @log_used: remember every successful write to the used area (elements,
 *            used->idx, used->flags, avail_event) in @log; set by the
 *            owner (VHOST_VRING_F_LOG), never changed by the core. Packed:
 *            the used descriptors written into the descriptor ring
 *            (VHOSTX_RING_AREA_DESC) and the device event area
 * @log_n: valid entries in @log; stays 0 while @log_used is off. The
 *         owner reads @log[0..log_n) and sets it back to 0 (a drain)
 * @log: used-area writes since the last drain, in write order; adjacent
 *       or overlapping writes share an entry, and when all entries are
 *       taken the last one grows to cover the new write (more, never less)
 * @stats: counters
 *
 * The owner fills @num, @desc, @avail, @used, @mem (or @acc and @acc_ctx),
 * the feature bools (@packed with @pbufs) and the base
 * (VHOST_SET_VRING_BASE: vhostx_ring_set_base()), then calls
 * vhostx_ring_start().
 * All calls on one ring must be serialized by the owner (the vq mutex).
 */
struct vhostx_ring {
	unsigned int num;
	struct vring_desc __user *desc;
	struct vring_avail __user *avail;
	struct vring_used __user *used;
	struct vhostx_mem *mem;
	const struct vhostx_ring_acc *acc;
	void *acc_ctx;
	bool event_idx;
	bool indirect;
	bool notify_on_empty;
	bool in_order;
	bool packed;
	bool avail_wrap;
	bool used_wrap;
	u16 last_avail_idx;
	u16 avail_idx;
	u16 last_used_idx;
	u16 signalled_used;
	bool signalled_used_valid;
	u16 used_flags;
	u16 head_first;
	u16 head_n;
	__virtio16 heads[VHOSTX_RING_HEADS];
	void *pbufs;
	bool broken;
	bool log_used;
	unsigned int log_n;
	struct vhostx_ring_span log[VHOSTX_RING_LOG_SPANS];
	struct vhostx_ring_stats stats;
};

/*
 * vhostx_ring_check_addr - validate ring addresses for @num entries at
 * SET_VRING_ADDR time: alignment (desc 16, avail 2, used 4) and that
 * whole areas are user-accessible. Returns 0 or -EINVAL/-EFAULT.
 */
int vhostx_ring_check_addr(unsigned int num, u64 desc, u64 avail, u64 used);

/*
 * vhostx_ring_check_addr_packed - the same for a packed ring: @num from 1
 * to VHOSTX_RING_MAX_NUM (any size, not only powers of two), descriptor
 * ring 16-byte aligned, driver and device event areas 4-byte aligned, all
 * user-accessible. Returns 0 or -EINVAL/-EFAULT.
 */
int vhostx_ring_check_addr_packed(unsigned int num, u64 desc, u64 driver, u64 device);

/*
 * vhostx_ring_pbufs_size - bytes of the per-buffer-id state (@pbufs) a
 * packed ring of @num entries needs (@num from 1 to VHOSTX_RING_MAX_NUM).
 */
size_t vhostx_ring_pbufs_size(unsigned int num);

/*
 * vhostx_ring_set_base - VHOST_SET_VRING_BASE: load the ring state from
 * @num (struct vhost_vring_state.num), for the layout @r->packed says.
 * Split: last_avail_idx = @num, which must fit in 16 bits (-EINVAL
 * otherwise, as the kernel's vhost). Packed (QEMU's and vhost-vdpa's
 * encoding): bits 0-14 last_avail_idx, bit 15 the avail wrap counter,
 * bits 16-30 last_used_idx, bit 31 the used wrap counter; when bits 16-31
 * are all zero the used side is taken equal to the avail side (DPDK's
 * virtio-user sends only the avail half, 0x8000 for a new ring, the way
 * DPDK's own vhost library reads it). A position not below @r->num is
 * -EINVAL (with @r->num still 0 the check is left to vhostx_ring_start()).
 * Packed: buffers in flight in @r->pbufs are forgotten. Resets the cached
 * avail index. Returns 0 or -EINVAL (@r unchanged).
 */
int vhostx_ring_set_base(struct vhostx_ring *r, u32 num);

/*
 * vhostx_ring_get_base - VHOST_GET_VRING_BASE: the state in the encoding
 * vhostx_ring_set_base() takes (split: last_avail_idx; packed: both
 * positions and wrap counters).
 */
u32 vhostx_ring_get_base(const struct vhostx_ring *r);

/*
 * vhostx_ring_start - begin servicing after setup: clears @broken and the
 * cached indexes, resets signalling state and used_flags (notifications
 * on). Split: reads used->idx into last_used_idx (as vhost does, so a
 * migrated ring resumes where the guest saw it) after checking that it is
 * at most @num behind last_avail_idx (a used index that jumps is an
 * error). Packed: reads nothing (there is no used index in guest memory):
 * both positions and wrap counters come from the base, the used side at
 * most @num descriptors behind the avail side; writes the device event
 * area's flags (ENABLE); buffers in flight in @pbufs stay in flight.
 * Returns 0, or -EINVAL/-EFAULT (ring broken, stats.errors counted).
 */
int vhostx_ring_start(struct vhostx_ring *r);

/*
 * vhostx_ring_get_chain - pop one available chain.
 * Fills @iov with readable (out) then writable (in) segments, translating
 * descriptor addresses through r->mem (or r->acc's translate) and
 * following one level of indirect table. Returns 1 and sets *@head, *@out, *@in when a chain was popped;
 * 0 when the ring is empty; -errno on a guest error, in which case the
 * ring is marked broken, stats.errors counts it, and vx_ring_err() logged
 * why. -ENOBUFS (iov too small for a legal chain) and -EAGAIN (the
 * accessor does not know a buffer's or indirect table's translation yet)
 * do not break the ring and do not consume the chain. -EIO: the ring was already broken.
 * Guest errors: -EFAULT (address outside the table or unreadable ring),
 * -EINVAL (bad head/next index, avail->idx more than num ahead, bad
 * indirect table: nested, length zero, not a multiple of 16, above
 * VHOSTX_RING_INDIRECT_MAX entries or crossing more than
 * VHOSTX_RING_INDIRECT_PIECES regions; readable after writable, a
 * direction's total length above U32_MAX), -ELOOP (chain longer than num,
 * or than its indirect table). An indirect table must lie wholly in guest
 * memory (-EFAULT otherwise), even the entries the chain does not visit. Zero-length direct descriptors are legal and give no iovec.
 * A descriptor may end the chain with one indirect table (VIRTIO 1.x
 * 2.7.5.3.2); INDIRECT together with NEXT is an error.
 *
 * Packed: the chain starts at last_avail_idx; a descriptor there whose
 * AVAIL/USED bits do not say "available in the current wrap" means empty
 * (0; only the first descriptor's bits are looked at). The chain runs on
 * through consecutive descriptors (crossing the ring end flips the wrap
 * counter), *@head is the buffer id of its last descriptor. An indirect
 * table (of struct vring_packed_desc) is walked entry by entry over its
 * whole length; in it only VRING_DESC_F_WRITE counts, the other flags and
 * the ids are ignored (VIRTIO 1.1 2.8.19). Guest errors as split, plus
 * -EINVAL for a buffer id not below num or already in flight, and -ELOOP
 * for a chain longer than num descriptors.
 */
int vhostx_ring_get_chain(struct vhostx_ring *r, struct iovec *iov,
			  unsigned int iov_max, unsigned int *out,
			  unsigned int *in, u16 *head);

/*
 * vhostx_ring_avail_moved - after vhostx_ring_enable_notify(): has avail->idx
 * moved away from @seen (the avail_idx the caller saw when it gave chains
 * back)? Orders the notification request before the read. A fault breaks
 * the ring and answers false; a broken ring answers false, reading nothing.
 * Packed: @seen is a position with its wrap counter in bit 15 (avail_idx,
 * see struct vhostx_ring); the answer is whether the descriptor there is
 * available now. A position not below num answers false, reading nothing.
 */
bool vhostx_ring_avail_moved(struct vhostx_ring *r, u16 seen);

/*
 * vhostx_ring_unget - give back the last @n popped chains, unconsumed.
 * Packed: through the pop history in @pbufs; stops early at a chain that
 * is no longer in flight (more than were popped, or already used).
 */
void vhostx_ring_unget(struct vhostx_ring *r, unsigned int n);

/*
 * vhostx_ring_add_used - write @n used elements (head id, written length)
 * in one batch (two copies if it crosses the ring end), then publish
 * used->idx once, after the write barrier. @elems are in ring byte order:
 * fill them with vhostx_used_elem_set(). Returns 0, -EINVAL if n > num
 * (caller bug, ring not broken), -EIO if broken, or -EFAULT (ring broken).
 * Packed: one used descriptor per element (id, len; AVAIL and USED set to
 * the used wrap counter) at last_used_idx, which advances by the number of
 * descriptors the buffer took; the first element's flags are written last,
 * after the write barrier. An id not in flight (or twice in @elems) is
 * -EINVAL, a caller bug: nothing is written, the ring is not broken.
 * In order (@in_order), n > 1 and every length 0 but the last one's: one
 * entry for the whole batch. Split: the last element only, in its own slot
 * (last_used_idx + n - 1), then used->idx += n (VIRTIO 1.2 2.7.9).
 * Packed: one used descriptor at last_used_idx (the first buffer's
 * position) with the last element's id and length, AVAIL/USED of the used
 * wrap counter there, flags after the write barrier; last_used_idx
 * advances over all n buffers' descriptors and all n ids leave flight.
 * Event suppression counts the skipped entries as written (the driver's
 * event inside the batch gets its signal); the dirty log covers only the
 * entry and index actually written.
 */
int vhostx_ring_add_used(struct vhostx_ring *r,
			 const struct vring_used_elem *elems, unsigned int n);

/*
 * The packed ring state in VHOST_SET/GET_VRING_BASE, as QEMU encodes it
 * (and the kernel's vhost-vdpa): the low 16 bits are the avail side, the
 * high 16 bits the used side, each a position in bits 0-14 and its wrap
 * counter in bit 15. A high half of zero means "the same as the avail
 * side": DPDK's virtio-user sends only the avail half (0x8000 for a new
 * ring). vhostx_packed_base_split() gives both halves,
 * vhostx_packed_base_half() makes one from a position and wrap counter,
 * vhostx_packed_base_join() builds the value back.
 */
#define VHOSTX_PACKED_BASE_WRAP	0x8000u
#define VHOSTX_PACKED_BASE_POS	0x7fffu

static inline void vhostx_packed_base_split(u32 num, u16 *avail, u16 *used)
{
	*avail = num & 0xffff;
	*used = num >> 16;
	if (!*used)
		*used = *avail;
}

static inline u16 vhostx_packed_base_half(u16 pos, bool wrap)
{
	return pos | (wrap ? VHOSTX_PACKED_BASE_WRAP : 0);
}

static inline u32 vhostx_packed_base_join(u16 avail, u16 used)
{
	return avail | (u32)used << 16;
}

/* vhostx_used_elem_set - fill a used element in ring byte order. */
static inline void vhostx_used_elem_set(struct vring_used_elem *e, u16 head, u32 len)
{
#ifdef __KERNEL__
	e->id = (__force __virtio32)cpu_to_le32(head);
	e->len = (__force __virtio32)cpu_to_le32(len);
#else
	e->id = htole32(head);
	e->len = htole32(len);
#endif
}

/*
 * vhostx_ring_need_signal - after add_used: must the driver be notified?
 * Honours EVENT_IDX (used_event), VRING_AVAIL_F_NO_INTERRUPT and
 * NOTIFY_ON_EMPTY. Updates signalling state and stats.signals.
 * Packed: the driver event area: DISABLE never, DESC with EVENT_IDX when
 * a used descriptor was written at off_wrap since the last DESC decision,
 * anything else always.
 */
bool vhostx_ring_need_signal(struct vhostx_ring *r);

/*
 * vhostx_ring_enable_notify - ask the driver to kick again (clear
 * VRING_USED_F_NO_NOTIFY or write avail_event). Returns true if new
 * buffers arrived meanwhile (the caller must process them), false if
 * the ring is empty and notifications are on; a fault breaks the ring
 * and returns false. Packed: the device event area's flags ENABLE, or
 * with EVENT_IDX off_wrap = avail_idx and flags DESC; "arrived" means the
 * descriptor at last_avail_idx is available.
 */
bool vhostx_ring_enable_notify(struct vhostx_ring *r);

/*
 * vhostx_ring_disable_notify - ask the driver not to kick (best effort:
 * with EVENT_IDX it writes nothing; a fault breaks the ring). Packed: the
 * device event area's flags DISABLE.
 */
void vhostx_ring_disable_notify(struct vhostx_ring *r);

/*
 * vhostx_ring_avail_empty - true if no new available entries (reads
 * avail->idx only when the cached copy is used up). A broken ring or a
 * fault answers false, so the caller reaches get_chain() and its error.
 * Packed: whether the descriptor at last_avail_idx is not available.
 */
bool vhostx_ring_avail_empty(struct vhostx_ring *r);

#endif /* _VHOSTX_RING_H */
