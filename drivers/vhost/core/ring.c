// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhostx ring core: the device side of a VIRTIO 1.x virtqueue, split or
 * packed (VIRTIO_F_RING_PACKED). The public calls dispatch on the layout;
 * the packed half lives in the second part of this file.
 *
 * Everything in guest memory is hostile. Every index read from the guest
 * is range checked before use, every walk is bounded (by the ring size for
 * the descriptor table, by the table size for an indirect table), every
 * address goes through the memory table or the owner's accessor, and the
 * first guest error marks the ring broken so nothing more is read or
 * written until the owner restarts it. It is the only ring walker:
 * vhostx_net and the vDPA simulator both use it. The same file builds in
 * userspace (tools/ringtest), where the environment checks each guest
 * access against the fake memory image.
 */
#include <vhostx/ring.h>
/* The environment: guest accesses, barriers, logging; private to the core. */
#ifdef __KERNEL__
#include "vhostx_env.h"
#else
#include "ringtest_env.h"
#endif

#ifndef U32_MAX
#define U32_MAX		((u32)~0U)
#endif

/* Guest error: stop the ring and say why, once in a while. */
static int ring_fail(struct vhostx_ring *r, int err, const char *why, unsigned int val)
{
	r->broken = true;
	r->stats.errors++;
	vx_ring_err("ring broken: %s (%u), error %d", why, val, err);
	return err;
}

static inline bool ring_num_valid(unsigned int num)
{
	return num && num <= VHOSTX_RING_MAX_NUM && !(num & (num - 1));
}

/* A packed ring may have any size up to the maximum. */
static inline bool ring_num_valid_packed(unsigned int num)
{
	return num && num <= VHOSTX_RING_MAX_NUM;
}

/*
 * Guest memory, two ways (see <vhostx/ring.h>): @user true is user memory,
 * plain user accesses and the memory table; false is the owner's accessor
 * (then the ring pointers are not user addresses but whatever the accessor
 * reaches, such as I/O virtual addresses). The walkers below are
 * __always_inline and called with a constant @user, so each way gets its
 * own copy and the user-memory one has neither the test nor an indirect
 * call. The calls that make a few accesses only pass ring_user(r) instead.
 */
static __always_inline bool ring_user(const struct vhostx_ring *r)
{
	return likely(!r->acc);
}

static inline u64 ring_addr(const void __user *p)
{
	return (u64)(unsigned long)p;
}

static __always_inline int ring_get16_as(struct vhostx_ring *r, bool user, __virtio16 *v,
					 __virtio16 __user *p)
{
	if (user)
		return vx_get(*v, p);
	return r->acc->read(r->acc_ctx, v, ring_addr(p), sizeof(*v));
}

static __always_inline int ring_copy_from_as(struct vhostx_ring *r, bool user, void *dst,
					     const void __user *src, size_t len)
{
	if (user)
		return vx_copy_from(dst, src, len);
	return r->acc->read(r->acc_ctx, dst, ring_addr(src), len);
}

static __always_inline int ring_desc_as(struct vhostx_ring *r, bool user, struct vring_desc *d,
					const struct vring_desc __user *p)
{
	if (user)
		return vx_read_desc(d, p);
	return r->acc->read(r->acc_ctx, d, ring_addr(p), sizeof(*d));
}

/* Buffer and indirect table addresses; write: the device writes there. */
static __always_inline int ring_translate_as(struct vhostx_ring *r, bool user, u64 addr,
					     u64 len, struct iovec *iov, unsigned int max,
					     bool write)
{
	if (user)
		return vhostx_mem_translate(r->mem, addr, len, iov, max);
	return r->acc->translate(r->acc_ctx, addr, len, iov, max, write);
}

/* Read from inside an iovec translate filled (an indirect table). */
static __always_inline int ring_read_iov_as(struct vhostx_ring *r, bool user, void *dst,
					    const void __user *src, size_t len)
{
	if (user)
		return len == sizeof(struct vring_desc) ? vx_read_desc(dst, src) :
		       vx_copy_from(dst, src, len);
	return r->acc->read_iov(r->acc_ctx, dst, src, len);
}

static inline int ring_get16(struct vhostx_ring *r, __virtio16 *v, __virtio16 __user *p)
{
	return ring_get16_as(r, ring_user(r), v, p);
}

static inline int ring_put16(struct vhostx_ring *r, __virtio16 v, __virtio16 __user *p)
{
	if (ring_user(r))
		return vx_put(v, p);
	return r->acc->write(r->acc_ctx, ring_addr(p), &v, sizeof(v));
}

static inline int ring_copy_to(struct vhostx_ring *r, void __user *dst, const void *src,
			       size_t len)
{
	if (ring_user(r))
		return vx_copy_to(dst, src, len);
	return r->acc->write(r->acc_ctx, ring_addr(dst), src, len);
}

/* Where the guest asks for an interrupt (EVENT_IDX): after avail->ring. */
static inline __virtio16 __user *ring_used_event(struct vhostx_ring *r)
{
	return &r->avail->ring[r->num];
}

/* Where we ask for a kick (EVENT_IDX): after used->ring. */
static inline __virtio16 __user *ring_avail_event(struct vhostx_ring *r)
{
	return (__virtio16 __user *)&r->used->ring[r->num];
}

/* Grow span @s to cover [off, off + len) as well (same area). */
static void ring_span_cover(struct vhostx_ring_span *s, u32 off, u32 len)
{
	u32 end = off + len;

	if (end < s->off + s->len)
		end = s->off + s->len;
	if (off > s->off)
		off = s->off;
	s->off = off;
	s->len = end - off;
}

/*
 * Dirty log: remember that [off, off + len) of ring area @area (see
 * struct vhostx_ring_span) was written. Only called with log_used set;
 * the owner drains the spans after each call that may write (see struct
 * vhostx_ring).
 */
static void ring_log_span_in(struct vhostx_ring *r, u8 area, u32 off, u32 len)
{
	struct vhostx_ring_span *s;
	u32 end = off + len;

	if (r->log_n) {
		s = &r->log[r->log_n - 1];
		/* Touching or overlapping the last write: one span. */
		if (s->area == area && off <= s->off + s->len && end >= s->off)
			goto merge;
	}
	if (r->log_n == VHOSTX_RING_LOG_SPANS) {
		unsigned int k;

		/*
		 * Full (an owner that does not drain): the latest span of the
		 * same area grows to cover the write (more, never less). If
		 * all are in the other area, the last two become one that
		 * covers both, which makes room.
		 */
		for (k = r->log_n; k--;) {
			s = &r->log[k];
			if (s->area == area)
				goto merge;
		}
		s = &r->log[r->log_n - 2];
		ring_span_cover(s, r->log[r->log_n - 1].off, r->log[r->log_n - 1].len);
		r->log_n--;
	}
	s = &r->log[r->log_n++];
	s->off = off;
	s->len = len;
	s->area = area;
	return;
merge:
	ring_span_cover(s, off, len);
}

/* The same in the used area (all a split ring writes). */
static inline void ring_log_span(struct vhostx_ring *r, u32 off, u32 len)
{
	ring_log_span_in(r, VHOSTX_RING_AREA_USED, off, len);
}

/* Offset of a field of the used area, for ring_log_span(). */
static inline u32 ring_used_off(struct vhostx_ring *r, const void __user *p)
{
	return (u32)((const char __user *)p - (const char __user *)r->used);
}

/* Log a used-area field of @len bytes at @p, if logging is on. */
static inline void ring_log_field(struct vhostx_ring *r, const void __user *p, u32 len)
{
	if (unlikely(r->log_used))
		ring_log_span(r, ring_used_off(r, p), len);
}

/*
 * Log the used elements [start, start + n) of the ring (wrapping at num,
 * first of them before the end), and used->idx if @idx.
 */
static void ring_log_used(struct vhostx_ring *r, unsigned int start,
			  unsigned int first, unsigned int n, bool idx)
{
	const u32 esz = sizeof(struct vring_used_elem);

	if (first)
		ring_log_span(r, ring_used_off(r, &r->used->ring[start]), first * esz);
	if (n > first)
		ring_log_span(r, ring_used_off(r, &r->used->ring[0]), (n - first) * esz);
	if (idx)
		ring_log_span(r, ring_used_off(r, &r->used->idx), sizeof(r->used->idx));
}

/*
 * Does moving the index from @old to @new step over @event? All values
 * are free-running u16, so the compare is done on distances from @new.
 */
static inline bool ring_need_event(u16 event, u16 new, u16 old)
{
	return (u16)(new - event - 1) < (u16)(new - old);
}

/*
 * May this batch go out as one used entry? Only when the owner uses
 * buffers in order (VIRTIO_F_IN_ORDER), for more than one element, and
 * when no length but the last one's carries anything: the driver learns
 * the skipped buffers' lengths from nowhere (a TX batch; RX lengths
 * matter, so such batches keep one entry each).
 */
static inline bool ring_in_order_batch(const struct vhostx_ring *r,
				       const struct vring_used_elem *elems, unsigned int n)
{
	unsigned int k;

	if (!r->in_order || n < 2)
		return false;
	for (k = 0; k + 1 < n; k++)
		if (elems[k].len)
			return false;
	return true;
}

/*
 * Refresh the cached avail->idx. The guest may be at most num entries
 * ahead of us; more means a corrupt or hostile index. When new entries
 * appeared, order the reads of their ring slots after this read.
 */
static __always_inline int ring_fetch_avail_idx(struct vhostx_ring *r, bool user)
{
	__virtio16 v;
	u16 idx;

	if (unlikely(ring_get16_as(r, user, &v, &r->avail->idx)))
		return ring_fail(r, -EFAULT, "cannot read avail idx", 0);
	idx = vx16_to_cpu(v);
	if (unlikely((u16)(idx - r->last_avail_idx) > r->num))
		return ring_fail(r, -EINVAL, "avail idx moved too far", idx);
	if (idx != r->avail_idx) {
		r->avail_idx = idx;
		vx_rmb();
	}
	return 0;
}

/*
 * Read ahead the published avail ring entries from last_avail_idx on, up
 * to VHOSTX_RING_HEADS and the end of the ring, in one access. The guest
 * may not rewrite a published slot before we return its chain, and each
 * head is range checked when used, so read-ahead cannot hurt us.
 */
static __always_inline int ring_fill_heads(struct vhostx_ring *r, bool user)
{
	unsigned int slot = r->last_avail_idx & (r->num - 1);
	unsigned int n = (u16)(r->avail_idx - r->last_avail_idx);

	if (n > VHOSTX_RING_HEADS)
		n = VHOSTX_RING_HEADS;
	if (n > r->num - slot)
		n = r->num - slot;
	if (unlikely(ring_copy_from_as(r, user, r->heads, &r->avail->ring[slot],
				       n * sizeof(r->heads[0]))))
		return ring_fail(r, -EFAULT, "cannot read avail ring", r->last_avail_idx);
	r->head_first = r->last_avail_idx;
	r->head_n = n;
	return 0;
}

/* Chain being collected by vhostx_ring_get_chain(). */
struct ring_chain {
	struct iovec *iov;
	unsigned int iov_max;
	unsigned int out;
	unsigned int in;
	u64 out_len;
	u64 in_len;
	bool writing;
};

/*
 * Translate one descriptor's buffer (@addr, @len, device-writable if
 * @write) into the iovec array.
 */
static __always_inline int chain_add(struct vhostx_ring *r, bool user, struct ring_chain *c,
				     u64 addr, u32 len, bool write)
{
	unsigned int filled = c->out + c->in;
	int n;

	if (write) {
		c->writing = true;
		c->in_len += len;
		if (unlikely(c->in_len > U32_MAX))
			return ring_fail(r, -EINVAL, "writable length overflows", len);
	} else {
		if (unlikely(c->writing))
			return ring_fail(r, -EINVAL, "readable descriptor after writable", len);
		c->out_len += len;
		if (unlikely(c->out_len > U32_MAX))
			return ring_fail(r, -EINVAL, "readable length overflows", len);
	}
	n = ring_translate_as(r, user, addr, len, c->iov + filled, c->iov_max - filled, write);
	if (unlikely(n < 0)) {
		if (n == -ENOBUFS || n == -EAGAIN)
			return n;
		return ring_fail(r, -EFAULT, "descriptor outside guest memory", len);
	}
	if (c->writing)
		c->in += n;
	else
		c->out += n;
	return 0;
}

/*
 * Copy @len bytes at offset @off of a table that sits in several pieces
 * (it crosses from one memory region, or IOTLB entry, into the next).
 */
static __always_inline int ring_read_pieces(struct vhostx_ring *r, bool user,
					    const struct iovec *v, int n, size_t off,
					    void *buf, size_t len)
{
	char *dst = buf;
	int k;

	for (k = 0; k < n && len; k++) {
		size_t chunk;

		if (off >= v[k].iov_len) {
			off -= v[k].iov_len;
			continue;
		}
		chunk = min_t(size_t, len, v[k].iov_len - off);
		if (ring_read_iov_as(r, user, dst, (const char __user *)v[k].iov_base + off,
				     chunk))
			return -EFAULT;
		dst += chunk;
		len -= chunk;
		off = 0;
	}
	return len ? -EFAULT : 0;
}

/*
 * Check and map the indirect table of an INDIRECT descriptor (@addr,
 * @len, @flags; the same rules for both layouts, whose table entries are
 * 16 bytes each). Returns the number of pieces filled into @tiov and sets
 * *@entries, or -EAGAIN (not translated yet), or a guest error.
 */
static __always_inline int ring_indirect_open(struct vhostx_ring *r, bool user, u64 addr,
					      u32 len, u16 flags, struct iovec *tiov,
					      unsigned int *entries)
{
	int pieces;

	BUILD_BUG_ON(sizeof(struct vring_desc) != sizeof(struct vring_packed_desc));
	if (unlikely(!r->indirect))
		return ring_fail(r, -EINVAL, "indirect descriptor not negotiated", len);
	if (unlikely(flags & VRING_DESC_F_NEXT))
		return ring_fail(r, -EINVAL, "indirect descriptor with next", len);
	if (unlikely(!len || len % sizeof(struct vring_desc)))
		return ring_fail(r, -EINVAL, "bad indirect table length", len);
	*entries = len / sizeof(struct vring_desc);
	if (unlikely(*entries > VHOSTX_RING_INDIRECT_MAX))
		return ring_fail(r, -EINVAL, "indirect table too long", *entries);

	/* The whole table must be guest memory; usually it is in one piece. */
	pieces = ring_translate_as(r, user, addr, len, tiov, VHOSTX_RING_INDIRECT_PIECES, false);
	if (unlikely(pieces == -EAGAIN))
		return pieces;
	if (unlikely(pieces == -ENOBUFS))
		return ring_fail(r, -EINVAL, "indirect table crosses too many regions", len);
	if (unlikely(pieces < 0))
		return ring_fail(r, -EFAULT, "indirect table outside guest memory", len);
	return pieces;
}

/* Read entry @i of an indirect table ring_indirect_open() mapped. */
static __always_inline int ring_indirect_read(struct vhostx_ring *r, bool user,
					      const struct iovec *tiov, int pieces,
					      unsigned int i, struct vring_desc *d)
{
	int ret;

	if (likely(pieces == 1))
		ret = ring_read_iov_as(r, user, d,
				       (const struct vring_desc __user *)tiov[0].iov_base + i,
				       sizeof(*d));
	else
		ret = ring_read_pieces(r, user, tiov, pieces, (size_t)i * sizeof(*d), d,
				       sizeof(*d));
	if (unlikely(ret))
		return ring_fail(r, -EFAULT, "cannot read indirect descriptor", i);
	return 0;
}

/* Walk the indirect table @ind points to; it ends the chain. */
static __always_inline int chain_add_indirect(struct vhostx_ring *r, bool user,
					      struct ring_chain *c,
					      const struct vring_desc *ind)
{
	struct iovec tiov[VHOSTX_RING_INDIRECT_PIECES];
	unsigned int entries = 0, i = 0, count = 0;
	struct vring_desc d;
	int pieces, ret;

	pieces = ring_indirect_open(r, user, vx64_to_cpu(ind->addr), vx32_to_cpu(ind->len),
				    vx16_to_cpu(ind->flags), tiov, &entries);
	if (unlikely(pieces < 0))
		return pieces;

	for (;;) {
		u16 flags;

		if (unlikely(++count > entries))
			return ring_fail(r, -ELOOP, "indirect chain loops", entries);
		ret = ring_indirect_read(r, user, tiov, pieces, i, &d);
		if (unlikely(ret))
			return ret;
		flags = vx16_to_cpu(d.flags);
		if (unlikely(flags & VRING_DESC_F_INDIRECT))
			return ring_fail(r, -EINVAL, "nested indirect descriptor", i);
		ret = chain_add(r, user, c, vx64_to_cpu(d.addr), vx32_to_cpu(d.len),
				flags & VRING_DESC_F_WRITE);
		if (unlikely(ret))
			return ret;
		if (!(flags & VRING_DESC_F_NEXT))
			return 0;
		i = vx16_to_cpu(d.next);
		if (unlikely(i >= entries))
			return ring_fail(r, -EINVAL, "indirect next out of range", i);
	}
}

/*
 * ---- The packed layout (VIRTIO 1.1 2.8) ----
 *
 * One descriptor ring serves both directions. The driver makes a
 * descriptor available by setting its AVAIL bit to the driver's wrap
 * counter and its USED bit to the opposite; the device returns a buffer by
 * writing one used descriptor (id, length, AVAIL = USED = the device's
 * wrap counter) at its own used position, which then skips as many
 * descriptors as the buffer took. Positions are below num; each side's
 * wrap counter flips when its position passes the ring end. A position
 * with its wrap counter in bit 15 is the "encoded" form the vring base
 * ABI and event suppression use.
 */

#define PK_F_AVAIL	(1U << VRING_PACKED_DESC_F_AVAIL)
#define PK_F_USED	(1U << VRING_PACKED_DESC_F_USED)
#define PK_WRAP		(1U << VRING_PACKED_EVENT_F_WRAP_CTR)
#define PK_POS		(PK_WRAP - 1)

/*
 * The per-buffer-id state in r->pbufs: a history cursor, then per buffer
 * id the number of ring descriptors it took while it is in flight (0: not
 * in flight; PB_CLAIMED marks it inside one add_used batch), then the
 * history: the ids in pop order, a circle of num entries.
 */
#define PB_CLAIMED	0x80000000U

static inline u32 *pb_cursor(const struct vhostx_ring *r)
{
	return r->pbufs;
}

static inline u32 *pb_state(const struct vhostx_ring *r)
{
	return (u32 *)r->pbufs + 1;
}

static inline u16 *pb_hist(const struct vhostx_ring *r)
{
	return (u16 *)(pb_state(r) + r->num);
}

static inline struct vring_packed_desc __user *pk_desc(const struct vhostx_ring *r,
							unsigned int pos)
{
	return (struct vring_packed_desc __user *)r->desc + pos;
}

/* Event suppression: the driver's area (avail) and ours (used). */
static inline struct vring_packed_desc_event __user *pk_driver(const struct vhostx_ring *r)
{
	return (struct vring_packed_desc_event __user *)r->avail;
}

static inline struct vring_packed_desc_event __user *pk_device(const struct vhostx_ring *r)
{
	return (struct vring_packed_desc_event __user *)r->used;
}

static inline u16 pk_enc(unsigned int pos, bool wrap)
{
	return pos | (wrap ? PK_WRAP : 0);
}

/* Does a descriptor with @flags say "available" to a device at wrap @wrap? */
static inline bool pk_is_avail(u16 flags, bool wrap)
{
	return !!(flags & PK_F_AVAIL) == wrap && !!(flags & PK_F_USED) != wrap;
}

/*
 * Descriptors from position @a (wrap @aw) forward to @b (wrap @bw), both
 * below num: in [0, 2 * num), as the pair (position, wrap) repeats every
 * two laps.
 */
static inline unsigned int pk_dist(const struct vhostx_ring *r, unsigned int a, bool aw,
				   unsigned int b, bool bw)
{
	unsigned int la = a + (aw ? 0 : r->num), lb = b + (bw ? 0 : r->num);

	return lb >= la ? lb - la : lb + 2 * r->num - la;
}

/* Move a position forward by @n <= num descriptors. */
static inline void pk_advance(const struct vhostx_ring *r, u16 *pos, bool *wrap,
			      unsigned int n)
{
	unsigned int p = *pos + n;

	if (p >= r->num) {
		p -= r->num;
		*wrap = !*wrap;
	}
	*pos = p;
}

/* Descriptors popped and not yet used (at most num once started). */
static inline unsigned int pk_inflight(const struct vhostx_ring *r)
{
	return pk_dist(r, r->last_used_idx, r->used_wrap, r->last_avail_idx, r->avail_wrap);
}

static __always_inline int pk_get_flags(struct vhostx_ring *r, bool user, unsigned int pos,
					u16 *flags)
{
	__virtio16 v;

	if (unlikely(ring_get16_as(r, user, &v, (__virtio16 __user *)&pk_desc(r, pos)->flags)))
		return ring_fail(r, -EFAULT, "cannot read descriptor flags", pos);
	*flags = vx16_to_cpu(v);
	return 0;
}

/*
 * Walk the indirect table of a packed INDIRECT descriptor. Its entries are
 * read in order over the whole table; only their WRITE flag counts (the
 * other flags and the ids are reserved and ignored, VIRTIO 1.1 2.8.19).
 */
static __always_inline int chain_add_indirect_packed(struct vhostx_ring *r, bool user,
						     struct ring_chain *c,
						     const struct vring_packed_desc *ind)
{
	struct iovec tiov[VHOSTX_RING_INDIRECT_PIECES];
	struct vring_packed_desc d;
	unsigned int entries = 0, i;
	int pieces, ret;

	pieces = ring_indirect_open(r, user, vx64_to_cpu((__force __virtio64)ind->addr),
				    vx32_to_cpu((__force __virtio32)ind->len),
				    vx16_to_cpu((__force __virtio16)ind->flags), tiov, &entries);
	if (unlikely(pieces < 0))
		return pieces;
	for (i = 0; i < entries; i++) {
		ret = ring_indirect_read(r, user, tiov, pieces, i, (struct vring_desc *)&d);
		if (unlikely(ret))
			return ret;
		ret = chain_add(r, user, c, vx64_to_cpu((__force __virtio64)d.addr),
				vx32_to_cpu((__force __virtio32)d.len),
				vx16_to_cpu((__force __virtio16)d.flags) & VRING_DESC_F_WRITE);
		if (unlikely(ret))
			return ret;
	}
	return 0;
}

/* The packed walker, one copy per way to guest memory (see ring_user()). */
static __always_inline int ring_get_chain_packed(struct vhostx_ring *r, bool user,
						 struct iovec *iov, unsigned int iov_max,
						 unsigned int *out, unsigned int *in, u16 *head)
{
	struct ring_chain c = { .iov = iov, .iov_max = iov_max };
	unsigned int i = r->last_avail_idx, count = 0, room, d, inflight;
	struct vring_packed_desc desc;
	u16 flags, id, pos;
	bool wrap;
	u32 *st;
	int ret;

	if (unlikely(r->broken))
		return -EIO;
	ret = pk_get_flags(r, user, i, &flags);
	if (unlikely(ret))
		return ret;
	if (!pk_is_avail(flags, r->avail_wrap))
		return 0;
	/* The chain is read after the flags that made it available. */
	vx_rmb();
	/*
	 * A chain may fill the descriptors not in flight, no more (start
	 * keeps those at most num; an owner that moved a position behind
	 * its back gets no room rather than an unbounded walk).
	 */
	inflight = pk_inflight(r);
	room = inflight < r->num ? r->num - inflight : 0;
	for (;;) {
		if (unlikely(++count > room))
			return ring_fail(r, -ELOOP, "chain longer than the free ring",
					 r->last_avail_idx);
		if (unlikely(ring_desc_as(r, user, (struct vring_desc *)&desc,
					  (const struct vring_desc __user *)pk_desc(r, i))))
			return ring_fail(r, -EFAULT, "cannot read descriptor", i);
		flags = vx16_to_cpu((__force __virtio16)desc.flags);
		if (flags & VRING_DESC_F_INDIRECT) {
			ret = chain_add_indirect_packed(r, user, &c, &desc);
			if (unlikely(ret))
				return ret;
			break;
		}
		ret = chain_add(r, user, &c, vx64_to_cpu((__force __virtio64)desc.addr),
				vx32_to_cpu((__force __virtio32)desc.len),
				flags & VRING_DESC_F_WRITE);
		if (unlikely(ret))
			return ret;
		if (!(flags & VRING_DESC_F_NEXT))
			break;
		if (++i == r->num)
			i = 0;
	}
	/* The buffer id is in the chain's last descriptor. */
	id = vx16_to_cpu((__force __virtio16)desc.id);
	if (unlikely(id >= r->num))
		return ring_fail(r, -EINVAL, "buffer id out of range", id);
	st = pb_state(r);
	if (unlikely(st[id]))
		return ring_fail(r, -EINVAL, "buffer id already in flight", id);
	st[id] = count;
	pb_hist(r)[*pb_cursor(r)] = id;
	if (++*pb_cursor(r) == r->num)
		*pb_cursor(r) = 0;
	pk_advance(r, &r->last_avail_idx, &r->avail_wrap, count);
	/* Past the furthest chain popped so far (not after an unget): move on. */
	pos = r->avail_idx & PK_POS;
	wrap = r->avail_idx & PK_WRAP;
	d = pk_dist(r, pos, wrap, r->last_avail_idx, r->avail_wrap);
	if (d && d <= r->num)
		r->avail_idx = pk_enc(r->last_avail_idx, r->avail_wrap);
	r->stats.chains++;
	*head = id;
	*out = c.out;
	*in = c.in;
	return 1;
}

static bool ring_avail_moved_packed(struct vhostx_ring *r, u16 seen)
{
	unsigned int pos = seen & PK_POS;
	u16 flags;

	if (unlikely(r->broken) || pos >= r->num)
		return false;
	/* Our notification request is visible before we look again. */
	vx_mb();
	if (unlikely(pk_get_flags(r, ring_user(r), pos, &flags)))
		return false;
	return pk_is_avail(flags, seen & PK_WRAP);
}

static void ring_unget_packed(struct vhostx_ring *r, unsigned int n)
{
	u32 *cursor = pb_cursor(r), *st = pb_state(r);
	u16 *hist = pb_hist(r);

	while (n--) {
		unsigned int h = *cursor ? *cursor - 1 : r->num - 1;
		u16 id = hist[h];
		u32 count;

		if (id >= r->num || !st[id])
			return;
		count = st[id];
		st[id] = 0;
		*cursor = h;
		if (r->last_avail_idx >= count) {
			r->last_avail_idx -= count;
		} else {
			r->last_avail_idx += r->num - count;
			r->avail_wrap = !r->avail_wrap;
		}
	}
}

/* Log descriptors [pos, pos + n) of the ring (n <= num, may wrap). */
static void pk_log_descs(struct vhostx_ring *r, unsigned int pos, unsigned int n)
{
	const u32 dsz = sizeof(struct vring_packed_desc);
	unsigned int first = min_t(unsigned int, n, r->num - pos);

	ring_log_span_in(r, VHOSTX_RING_AREA_DESC, pos * dsz, first * dsz);
	if (n > first)
		ring_log_span_in(r, VHOSTX_RING_AREA_DESC, 0, (n - first) * dsz);
}

/* The part of a used descriptor the device writes: len, id, flags. */
struct pk_used {
	__le32 len;
	__le16 id;
	__le16 flags;
};

/*
 * After a packed batch of @slots descriptors from last_used_idx, ending at
 * (@pos, @wrap), was written: move the used side there. The event window
 * (signalled_used, last_used_idx] must stay within one ring to mean
 * something: beyond, force the next signal.
 */
static void pk_used_moved(struct vhostx_ring *r, unsigned int slots, u16 pos, bool wrap,
			  unsigned int n)
{
	unsigned int d = pk_dist(r, r->signalled_used & PK_POS, r->signalled_used & PK_WRAP,
				 r->last_used_idx, r->used_wrap);

	if (unlikely(d + slots > r->num))
		r->signalled_used_valid = false;
	r->last_used_idx = pos;
	r->used_wrap = wrap;
	r->stats.used += n;
}

/*
 * In order (VIRTIO 1.2 2.8.9, "In-order use of descriptors"): the n
 * claimed buffers are the next ones from last_used_idx, so one used descriptor there, carrying the
 * last buffer's id and length, returns them all; the driver walks its own
 * buffers from that position up to the id it reads. Only that descriptor
 * is written (and logged); its flags go last.
 */
static int ring_add_used_packed_in_order(struct vhostx_ring *r,
					 const struct vring_used_elem *elems, unsigned int n,
					 u16 flags)
{
	u32 *st = pb_state(r), last = vx32_to_cpu(elems[n - 1].id);
	u16 pos = r->last_used_idx;
	bool wrap = r->used_wrap;
	unsigned int k, slots = 0;
	struct pk_used u;

	u.len = (__force __le32)elems[n - 1].len;
	u.id = (__force __le16)cpu_to_vx16(last);
	if (unlikely(ring_copy_to(r, &pk_desc(r, pos)->len, &u, sizeof(u) - sizeof(u.flags)))) {
		for (k = 0; k < n; k++)
			st[vx32_to_cpu(elems[k].id)] &= ~PB_CLAIMED;
		return ring_fail(r, -EFAULT, "cannot write used descriptor", pos);
	}
	if (unlikely(r->log_used))
		pk_log_descs(r, pos, 1);
	for (k = 0; k < n; k++) {
		u32 id = vx32_to_cpu(elems[k].id);

		slots += st[id] & ~PB_CLAIMED;
		st[id] = 0;
	}
	pk_advance(r, &pos, &wrap, slots);
	/* The driver must see id and length before the flags. */
	vx_wmb();
	if (unlikely(ring_put16(r, cpu_to_vx16(flags),
				(__virtio16 __user *)&pk_desc(r, r->last_used_idx)->flags)))
		return ring_fail(r, -EFAULT, "cannot write used descriptor flags",
				 r->last_used_idx);
	pk_used_moved(r, slots, pos, wrap, n);
	return 0;
}

static int ring_add_used_packed(struct vhostx_ring *r, const struct vring_used_elem *elems,
				unsigned int n)
{
	u32 *st = pb_state(r);
	u16 pos = r->last_used_idx, first_flags;
	bool wrap = r->used_wrap;
	unsigned int k, slots = 0;
	struct pk_used u;

	/* Every id must be in flight, once: a caller bug otherwise. */
	for (k = 0; k < n; k++) {
		u32 id = vx32_to_cpu(elems[k].id);

		if (unlikely(id >= r->num || !st[id] || (st[id] & PB_CLAIMED))) {
			while (k--)
				st[vx32_to_cpu(elems[k].id)] &= ~PB_CLAIMED;
			return -EINVAL;
		}
		st[id] |= PB_CLAIMED;
	}
	first_flags = r->used_wrap ? PK_F_AVAIL | PK_F_USED : 0;
	if (ring_in_order_batch(r, elems, n))
		return ring_add_used_packed_in_order(r, elems, n, first_flags);
	for (k = 0; k < n; k++) {
		u32 id = vx32_to_cpu(elems[k].id), count = st[id] & ~PB_CLAIMED;

		u.len = (__force __le32)elems[k].len;
		u.id = (__force __le16)cpu_to_vx16(id);
		u.flags = (__force __le16)cpu_to_vx16(wrap ? PK_F_AVAIL | PK_F_USED : 0);
		/* The first one's flags go last: they publish the batch. */
		if (unlikely(ring_copy_to(r, &pk_desc(r, pos)->len, &u,
					  k ? sizeof(u) : sizeof(u) - sizeof(u.flags)))) {
			while (k < n)
				st[vx32_to_cpu(elems[k++].id)] &= ~PB_CLAIMED;
			return ring_fail(r, -EFAULT, "cannot write used descriptor", pos);
		}
		if (unlikely(r->log_used))
			pk_log_descs(r, pos, count);
		st[id] = 0;
		slots += count;
		pk_advance(r, &pos, &wrap, count);
	}
	/* The driver must see the whole batch before its first flags. */
	vx_wmb();
	if (unlikely(ring_put16(r, cpu_to_vx16(first_flags),
				(__virtio16 __user *)&pk_desc(r, r->last_used_idx)->flags)))
		return ring_fail(r, -EFAULT, "cannot write used descriptor flags",
				 r->last_used_idx);
	pk_used_moved(r, slots, pos, wrap, n);
	return 0;
}

static bool ring_need_signal_packed(struct vhostx_ring *r)
{
	__virtio16 v;
	u16 flags, old, new, event, off_wrap;
	bool valid, ret;
	unsigned int d;

	if (unlikely(r->broken))
		return false;
	/* Our used descriptor writes are visible before we read the guest's wishes. */
	vx_mb();
	if (r->notify_on_empty && r->avail_idx == pk_enc(r->last_avail_idx, r->avail_wrap)) {
		ret = true;
		goto out;
	}
	if (unlikely(ring_get16(r, &v, (__virtio16 __user *)&pk_driver(r)->flags))) {
		ring_fail(r, -EFAULT, "cannot read driver event flags", 0);
		return true;
	}
	flags = vx16_to_cpu(v);
	if (flags == VRING_PACKED_EVENT_FLAG_DISABLE)
		return false;
	if (flags != VRING_PACKED_EVENT_FLAG_DESC || !r->event_idx) {
		ret = true;
		goto out;
	}
	/* The event offset is read after the flags that say it counts. */
	vx_rmb();
	valid = r->signalled_used_valid;
	d = pk_dist(r, r->signalled_used & PK_POS, r->signalled_used & PK_WRAP,
		    r->last_used_idx, r->used_wrap);
	r->signalled_used = pk_enc(r->last_used_idx, r->used_wrap);
	r->signalled_used_valid = true;
	if (unlikely(!valid)) {
		ret = true;
		goto out;
	}
	if (unlikely(ring_get16(r, &v, (__virtio16 __user *)&pk_driver(r)->off_wrap))) {
		ring_fail(r, -EFAULT, "cannot read driver event offset", 0);
		return true;
	}
	off_wrap = vx16_to_cpu(v);
	event = off_wrap & PK_POS;
	/* A position the ring does not have: signal, as for unknown flags. */
	if (unlikely(event >= r->num)) {
		ret = true;
		goto out;
	}
	/* All in positions of the current lap: the previous one is negative. */
	new = r->last_used_idx;
	old = new - d;
	if (!!(off_wrap & PK_WRAP) != r->used_wrap)
		event -= r->num;
	ret = ring_need_event(event, new, old);
out:
	if (ret)
		r->stats.signals++;
	return ret;
}

/* Write the device event area's flags, if they change. */
static int pk_set_device_flags(struct vhostx_ring *r, u16 flags)
{
	__virtio16 __user *p = (__virtio16 __user *)&pk_device(r)->flags;

	if (r->used_flags == flags)
		return 0;
	if (unlikely(ring_put16(r, cpu_to_vx16(flags), p)))
		return ring_fail(r, -EFAULT, "cannot write device event flags", flags);
	r->used_flags = flags;
	ring_log_field(r, p, sizeof(*p));
	return 0;
}

static bool ring_enable_notify_packed(struct vhostx_ring *r)
{
	__virtio16 __user *p = (__virtio16 __user *)&pk_device(r)->off_wrap;
	u16 flags;

	if (unlikely(r->broken))
		return false;
	if (r->event_idx) {
		/* Kick us when the driver makes the next descriptor available. */
		if (unlikely(ring_put16(r, cpu_to_vx16(r->avail_idx), p))) {
			ring_fail(r, -EFAULT, "cannot write device event offset", 0);
			return false;
		}
		ring_log_field(r, p, sizeof(*p));
		if (pk_set_device_flags(r, VRING_PACKED_EVENT_FLAG_DESC))
			return false;
	} else if (pk_set_device_flags(r, VRING_PACKED_EVENT_FLAG_ENABLE)) {
		return false;
	}
	/* The flag or event write must be visible before we look again. */
	vx_mb();
	if (unlikely(pk_get_flags(r, ring_user(r), r->last_avail_idx, &flags)))
		return false;
	return pk_is_avail(flags, r->avail_wrap);
}

static bool ring_avail_empty_packed(struct vhostx_ring *r)
{
	u16 flags;

	if (unlikely(r->broken))
		return false;
	if (unlikely(pk_get_flags(r, ring_user(r), r->last_avail_idx, &flags)))
		return false;
	return !pk_is_avail(flags, r->avail_wrap);
}

static int ring_start_packed(struct vhostx_ring *r)
{
	__virtio16 __user *p = (__virtio16 __user *)&pk_device(r)->flags;

	r->avail_idx = pk_enc(r->last_avail_idx, r->avail_wrap);
	if (!ring_num_valid_packed(r->num) || !r->desc || !r->avail || !r->used ||
	    (!r->acc && !r->mem) || !r->pbufs || r->last_avail_idx >= r->num ||
	    r->last_used_idx >= r->num)
		return ring_fail(r, -EINVAL, "bad ring setup", r->num);
	if (unlikely(pk_inflight(r) > r->num))
		return ring_fail(r, -EINVAL, "used index too far from avail base",
				 pk_enc(r->last_used_idx, r->used_wrap));
	if (unlikely(ring_put16(r, cpu_to_vx16(VRING_PACKED_EVENT_FLAG_ENABLE), p)))
		return ring_fail(r, -EFAULT, "cannot write device event flags", 0);
	ring_log_field(r, p, sizeof(*p));
	r->signalled_used = pk_enc(r->last_used_idx, r->used_wrap);
	return 0;
}

static void ring_disable_notify_packed(struct vhostx_ring *r)
{
	if (unlikely(r->broken) || r->event_idx)
		return;
	pk_set_device_flags(r, VRING_PACKED_EVENT_FLAG_DISABLE);
}

/* The walker, one copy per way to guest memory (see ring_user()). */
static __always_inline int ring_get_chain(struct vhostx_ring *r, bool user, struct iovec *iov,
					  unsigned int iov_max, unsigned int *out,
					  unsigned int *in, u16 *head)
{
	struct ring_chain c = { .iov = iov, .iov_max = iov_max };
	unsigned int i, count = 0;
	struct vring_desc d;
	u16 h, ahead;
	int ret;

	if (unlikely(r->broken))
		return -EIO;
	if (r->last_avail_idx == r->avail_idx) {
		ret = ring_fetch_avail_idx(r, user);
		if (unlikely(ret))
			return ret;
		if (r->last_avail_idx == r->avail_idx)
			return 0;
	}
	/* Also right after vhostx_ring_unget(): the distance wraps, refill. */
	ahead = r->last_avail_idx - r->head_first;
	if (ahead >= r->head_n) {
		ret = ring_fill_heads(r, user);
		if (unlikely(ret))
			return ret;
		ahead = 0;
	}
	h = vx16_to_cpu(r->heads[ahead]);
	if (unlikely(h >= r->num))
		return ring_fail(r, -EINVAL, "head out of range", h);

	i = h;
	for (;;) {
		u16 flags;

		if (unlikely(++count > r->num))
			return ring_fail(r, -ELOOP, "chain longer than ring", h);
		if (unlikely(ring_desc_as(r, user, &d, r->desc + i)))
			return ring_fail(r, -EFAULT, "cannot read descriptor", i);
		flags = vx16_to_cpu(d.flags);
		if (flags & VRING_DESC_F_INDIRECT) {
			ret = chain_add_indirect(r, user, &c, &d);
			if (unlikely(ret))
				return ret;
			break;
		}
		ret = chain_add(r, user, &c, vx64_to_cpu(d.addr), vx32_to_cpu(d.len),
				flags & VRING_DESC_F_WRITE);
		if (unlikely(ret))
			return ret;
		if (!(flags & VRING_DESC_F_NEXT))
			break;
		i = vx16_to_cpu(d.next);
		if (unlikely(i >= r->num))
			return ring_fail(r, -EINVAL, "next out of range", i);
	}

	r->last_avail_idx++;
	r->stats.chains++;
	*head = h;
	*out = c.out;
	*in = c.in;
	return 1;
}
/**
 * vhostx_ring_get_chain() - pop one available descriptor chain
 * @r: the ring
 * @iov: iovecs to fill, readable segments first, then writable ones
 * @iov_max: entries in @iov
 * @out: number of readable segments
 * @in: number of writable segments
 * @head: head descriptor index (packed: the buffer id), to hand back in
 *        the used element
 *
 * Return: 1 when a chain was popped, 0 when the ring is empty, -ENOBUFS
 * when @iov is too small (nothing consumed, ring intact), -EIO when the
 * ring is broken, or a guest error (-EFAULT, -EINVAL, -ELOOP), which
 * breaks the ring.
 */
int vhostx_ring_get_chain(struct vhostx_ring *r, struct iovec *iov,
			  unsigned int iov_max, unsigned int *out,
			  unsigned int *in, u16 *head)
{
	if (r->packed) {
		if (ring_user(r))
			return ring_get_chain_packed(r, true, iov, iov_max, out, in, head);
		return ring_get_chain_packed(r, false, iov, iov_max, out, in, head);
	}
	if (ring_user(r))
		return ring_get_chain(r, true, iov, iov_max, out, in, head);
	return ring_get_chain(r, false, iov, iov_max, out, in, head);
}
VX_EXPORT(vhostx_ring_get_chain);

/**
 * vhostx_ring_avail_moved() - did the driver make buffers available since?
 * @r: the ring
 * @seen: the avail index the caller saw last (r->avail_idx then)
 *
 * For an owner that gave chains back because they were not enough (RX
 * with mergeable buffers): after vhostx_ring_enable_notify() it must not
 * retry unless the driver added something, or it would spin. Nothing
 * cached changes. Packed: @seen is the position past the furthest chain
 * popped, with its wrap counter in bit 15 (r->avail_idx); the driver
 * added something if the descriptor there is available.
 *
 * Return: true if avail->idx is no longer @seen (packed: the descriptor
 * at @seen is available); false if it is not, if the ring is broken, on a
 * fault (which breaks the ring), or for a packed @seen beyond the ring.
 */
bool vhostx_ring_avail_moved(struct vhostx_ring *r, u16 seen)
{
	__virtio16 v;

	if (r->packed)
		return ring_avail_moved_packed(r, seen);
	if (unlikely(r->broken))
		return false;
	/* Our notification request is visible before we look again. */
	vx_mb();
	if (unlikely(ring_get16(r, &v, &r->avail->idx))) {
		ring_fail(r, -EFAULT, "cannot read avail idx", 0);
		return false;
	}
	return vx16_to_cpu(v) != seen;
}

/**
 * vhostx_ring_unget() - give back the last popped chains
 * @r: the ring
 * @n: how many of the most recently popped chains to give back; they must
 *     not have been added to the used ring (packed: giving back stops at
 *     the first chain that is not in flight)
 */
void vhostx_ring_unget(struct vhostx_ring *r, unsigned int n)
{
	if (r->packed) {
		ring_unget_packed(r, n);
		return;
	}
	r->last_avail_idx -= n;
}

/**
 * vhostx_ring_add_used() - publish a batch of used elements
 * @r: the ring
 * @elems: elements in ring byte order (see vhostx_used_elem_set())
 * @n: number of elements, at most the ring size
 *
 * Writes the elements (split in two copies when the batch crosses the end
 * of the used ring), then, after a write barrier, used->idx once. Packed:
 * one used descriptor per element from last_used_idx on, each advancing
 * by the descriptors its buffer took; after a write barrier, the first
 * one's flags, which publish the batch. With @r->in_order, a batch of
 * more than one element whose lengths are all 0 but the last one's is
 * published with one entry: split, the last element in its own slot and
 * used->idx over all n; packed, one used descriptor at the first buffer's
 * position with the last buffer's id and length, the position advancing
 * over all n buffers. Signalling treats the skipped entries as written.
 *
 * Return: 0, -EINVAL for n > num or (packed) an id not in flight or twice
 * in @elems (ring intact, nothing written), -EIO when broken, -EFAULT
 * when the used ring cannot be written (ring broken).
 */
int vhostx_ring_add_used(struct vhostx_ring *r,
			 const struct vring_used_elem *elems, unsigned int n)
{
	u16 old = r->last_used_idx, at = old;
	unsigned int start, first, w = n;
	u16 new;

	if (unlikely(r->broken))
		return -EIO;
	if (unlikely(n > r->num))
		return -EINVAL;
	if (!n)
		return 0;
	if (r->packed)
		return ring_add_used_packed(r, elems, n);
	new = old + n;
	if (ring_in_order_batch(r, elems, n)) {
		/*
		 * In order: the last element alone, in its own slot; the
		 * index still moves over the whole batch (VIRTIO 1.2 2.7.9).
		 */
		elems += n - 1;
		at = new - 1;
		w = 1;
	}
	start = at & (r->num - 1);
	first = r->num - start;
	if (first > w)
		first = w;
	if (unlikely(ring_copy_to(r, &r->used->ring[start], elems, first * sizeof(*elems))))
		return ring_fail(r, -EFAULT, "cannot write used ring", start);
	if (first < w &&
	    unlikely(ring_copy_to(r, &r->used->ring[0], elems + first,
				  (w - first) * sizeof(*elems)))) {
		if (r->log_used)
			ring_log_used(r, start, first, first, false);
		return ring_fail(r, -EFAULT, "cannot write used ring", 0);
	}
	/* The guest must see the elements before the index that covers them. */
	vx_wmb();
	if (unlikely(ring_put16(r, cpu_to_vx16(new), &r->used->idx))) {
		if (r->log_used)
			ring_log_used(r, start, first, w, false);
		return ring_fail(r, -EFAULT, "cannot write used idx", new);
	}
	/* Logging off costs this one test per batch. */
	if (unlikely(r->log_used))
		ring_log_used(r, start, first, w, true);
	r->last_used_idx = new;
	/*
	 * If this batch stepped over the index of our last signal, the
	 * event-idx window (signalled_used, new] no longer describes what the
	 * guest has been told: force the next signal.
	 */
	if (unlikely((u16)(new - r->signalled_used) < (u16)(new - old)))
		r->signalled_used_valid = false;
	r->stats.used += n;
	return 0;
}
VX_EXPORT(vhostx_ring_add_used);

/**
 * vhostx_ring_need_signal() - decide whether to interrupt the guest
 * @r: the ring, after vhostx_ring_add_used()
 *
 * Without EVENT_IDX the guest's VRING_AVAIL_F_NO_INTERRUPT decides; with
 * it, whether used->idx moved past used_event since the last signal.
 * NOTIFY_ON_EMPTY forces a signal once we consumed all we saw. A fault
 * breaks the ring and asks for a signal (a spurious one is harmless).
 * Packed: the driver event area's flags: DISABLE never, DESC (with
 * EVENT_IDX) when the descriptor at off_wrap received a used descriptor
 * since the last DESC decision (an offset not below num: always), ENABLE
 * (or anything else) always.
 *
 * Return: true if the guest must be signalled.
 */
bool vhostx_ring_need_signal(struct vhostx_ring *r)
{
	__virtio16 v;
	bool valid, ret;
	u16 old, new;

	if (r->packed)
		return ring_need_signal_packed(r);
	if (unlikely(r->broken))
		return false;
	/* Our used->idx write must be visible before we read the guest's wishes. */
	vx_mb();
	if (r->notify_on_empty && r->avail_idx == r->last_avail_idx) {
		ret = true;
	} else if (!r->event_idx) {
		if (unlikely(ring_get16(r, &v, &r->avail->flags))) {
			ring_fail(r, -EFAULT, "cannot read avail flags", 0);
			return true;
		}
		ret = !(vx16_to_cpu(v) & VRING_AVAIL_F_NO_INTERRUPT);
	} else {
		old = r->signalled_used;
		valid = r->signalled_used_valid;
		new = r->last_used_idx;
		r->signalled_used = new;
		r->signalled_used_valid = true;
		if (unlikely(!valid)) {
			ret = true;
		} else {
			if (unlikely(ring_get16(r, &v, ring_used_event(r)))) {
				ring_fail(r, -EFAULT, "cannot read used event", 0);
				return true;
			}
			ret = ring_need_event(vx16_to_cpu(v), new, old);
		}
	}
	if (ret)
		r->stats.signals++;
	return ret;
}
VX_EXPORT(vhostx_ring_need_signal);

/**
 * vhostx_ring_enable_notify() - ask the guest to kick again
 * @r: the ring
 *
 * Clears VRING_USED_F_NO_NOTIFY, or with EVENT_IDX sets avail_event to the
 * avail index we have seen, then re-reads avail->idx to close the race
 * with a guest that added buffers before seeing the change. Packed: the
 * device event area's flags ENABLE, or with EVENT_IDX off_wrap = avail_idx
 * and flags DESC; then looks at the descriptor at last_avail_idx.
 *
 * Return: true if buffers are pending (the caller must process them
 * instead of sleeping), false if empty or on a fault (ring broken).
 */
bool vhostx_ring_enable_notify(struct vhostx_ring *r)
{
	__virtio16 v;

	if (r->packed)
		return ring_enable_notify_packed(r);
	if (unlikely(r->broken))
		return false;
	if (r->event_idx) {
		if (unlikely(ring_put16(r, cpu_to_vx16(r->avail_idx), ring_avail_event(r)))) {
			ring_fail(r, -EFAULT, "cannot write avail event", 0);
			return false;
		}
		ring_log_field(r, ring_avail_event(r), sizeof(__virtio16));
	} else if (r->used_flags & VRING_USED_F_NO_NOTIFY) {
		r->used_flags &= ~VRING_USED_F_NO_NOTIFY;
		if (unlikely(ring_put16(r, cpu_to_vx16(r->used_flags), &r->used->flags))) {
			ring_fail(r, -EFAULT, "cannot write used flags", 0);
			return false;
		}
		ring_log_field(r, &r->used->flags, sizeof(r->used->flags));
	}
	/* The flag or event write must be visible before we look again. */
	vx_mb();
	if (unlikely(ring_get16(r, &v, &r->avail->idx))) {
		ring_fail(r, -EFAULT, "cannot read avail idx", 0);
		return false;
	}
	/* A bogus index is reported by the get_chain() this makes happen. */
	return vx16_to_cpu(v) != r->last_avail_idx;
}

/**
 * vhostx_ring_disable_notify() - ask the guest not to kick
 * @r: the ring
 *
 * Sets VRING_USED_F_NO_NOTIFY if not already set; with EVENT_IDX nothing
 * is written (avail_event simply stays behind). A fault breaks the ring.
 * Packed: the device event area's flags DISABLE, the same way.
 */
void vhostx_ring_disable_notify(struct vhostx_ring *r)
{
	if (r->packed) {
		ring_disable_notify_packed(r);
		return;
	}
	if (unlikely(r->broken) || r->event_idx)
		return;
	if (r->used_flags & VRING_USED_F_NO_NOTIFY)
		return;
	r->used_flags |= VRING_USED_F_NO_NOTIFY;
	if (unlikely(ring_put16(r, cpu_to_vx16(r->used_flags), &r->used->flags)))
		ring_fail(r, -EFAULT, "cannot write used flags", 0);
	else
		ring_log_field(r, &r->used->flags, sizeof(r->used->flags));
}

/**
 * vhostx_ring_avail_empty() - is there nothing new to pop?
 * @r: the ring
 *
 * Return: true if no available entry is pending; false if one is, or if
 * the ring is broken or avail->idx is bad (so get_chain() reports it).
 * Packed: whether the descriptor at last_avail_idx is not available.
 */
bool vhostx_ring_avail_empty(struct vhostx_ring *r)
{
	if (r->packed)
		return ring_avail_empty_packed(r);
	if (unlikely(r->broken))
		return false;
	if (r->avail_idx != r->last_avail_idx)
		return false;
	if (unlikely(ring_fetch_avail_idx(r, ring_user(r))))
		return false;
	return r->avail_idx == r->last_avail_idx;
}
VX_EXPORT(vhostx_ring_avail_empty);

/**
 * vhostx_ring_check_addr() - validate ring addresses for a ring size
 * @num: ring size, a power of two up to VHOSTX_RING_MAX_NUM
 * @desc: user address of the descriptor table (16-byte aligned)
 * @avail: user address of the available ring (2-byte aligned)
 * @used: user address of the used ring (4-byte aligned)
 *
 * Return: 0, -EINVAL for a bad size or alignment, -EFAULT when an area,
 * including its event field, is not user-accessible.
 */
int vhostx_ring_check_addr(unsigned int num, u64 desc, u64 avail, u64 used)
{
	u64 n = num;

	if (!ring_num_valid(num))
		return -EINVAL;
	if ((desc & (VRING_DESC_ALIGN_SIZE - 1)) ||
	    (avail & (VRING_AVAIL_ALIGN_SIZE - 1)) ||
	    (used & (VRING_USED_ALIGN_SIZE - 1)))
		return -EINVAL;
	if (!vx_access_ok(desc, n * sizeof(struct vring_desc)) ||
	    !vx_access_ok(avail, sizeof(struct vring_avail) + (n + 1) * sizeof(__virtio16)) ||
	    !vx_access_ok(used, sizeof(struct vring_used) +
			  n * sizeof(struct vring_used_elem) + sizeof(__virtio16)))
		return -EFAULT;
	return 0;
}

/**
 * vhostx_ring_start() - (re)start servicing a configured ring
 * @r: the ring, with num, addresses, mem (or acc), features and
 *     the base (last_avail_idx; packed: see vhostx_ring_set_base()) set
 *
 * Clears the broken state and caches, turns notifications on (writes
 * used->flags = 0), and takes last_used_idx from used->idx after checking
 * that no more than num chains would be in flight. Packed: reads nothing,
 * the used position comes from the base and may be at most num
 * descriptors behind the avail position; the device event area's flags
 * are set to ENABLE; @pbufs (buffers in flight) is left as it is.
 *
 * Return: 0, -EINVAL (bad setup or used->idx), -EFAULT (ring unreadable);
 * on error the ring is broken.
 */
int vhostx_ring_start(struct vhostx_ring *r)
{
	__virtio16 v;
	u16 idx;

	r->broken = false;
	r->avail_idx = r->last_avail_idx;
	r->signalled_used_valid = false;
	r->used_flags = 0;
	r->head_n = 0;
	if (r->packed)
		return ring_start_packed(r);
	if (!ring_num_valid(r->num) || !r->desc || !r->avail || !r->used ||
	    (!r->acc && !r->mem))
		return ring_fail(r, -EINVAL, "bad ring setup", r->num);
	if (unlikely(ring_put16(r, cpu_to_vx16(0), &r->used->flags)))
		return ring_fail(r, -EFAULT, "cannot write used flags", 0);
	ring_log_field(r, &r->used->flags, sizeof(r->used->flags));
	if (unlikely(ring_get16(r, &v, &r->used->idx)))
		return ring_fail(r, -EFAULT, "cannot read used idx", 0);
	idx = vx16_to_cpu(v);
	if (unlikely((u16)(r->last_avail_idx - idx) > r->num))
		return ring_fail(r, -EINVAL, "used idx too far from avail base", idx);
	r->last_used_idx = idx;
	r->signalled_used = idx;
	return 0;
}
VX_EXPORT(vhostx_ring_start);

/**
 * vhostx_ring_check_addr_packed() - validate packed ring addresses
 * @num: ring size, 1 to VHOSTX_RING_MAX_NUM (any, not only powers of two)
 * @desc: user address of the descriptor ring (16-byte aligned)
 * @driver: user address of the driver event suppression area (4-byte aligned)
 * @device: user address of the device event suppression area (4-byte aligned)
 *
 * Return: 0, -EINVAL for a bad size or alignment, -EFAULT when an area is
 * not user-accessible.
 */
int vhostx_ring_check_addr_packed(unsigned int num, u64 desc, u64 driver, u64 device)
{
	const u64 esz = sizeof(struct vring_packed_desc_event);

	if (!ring_num_valid_packed(num))
		return -EINVAL;
	if ((desc & (sizeof(struct vring_packed_desc) - 1)) || (driver & (esz - 1)) ||
	    (device & (esz - 1)))
		return -EINVAL;
	if (!vx_access_ok(desc, (u64)num * sizeof(struct vring_packed_desc)) ||
	    !vx_access_ok(driver, esz) || !vx_access_ok(device, esz))
		return -EFAULT;
	return 0;
}

/**
 * vhostx_ring_pbufs_size() - size of a packed ring's per-buffer-id state
 * @num: ring size, 1 to VHOSTX_RING_MAX_NUM
 *
 * Return: the bytes the owner allocates (zeroed) for struct
 * vhostx_ring's @pbufs.
 */
size_t vhostx_ring_pbufs_size(unsigned int num)
{
	return sizeof(u32) * (1 + (size_t)num) + sizeof(u16) * (size_t)num;
}
VX_EXPORT(vhostx_ring_pbufs_size);

/**
 * vhostx_ring_set_base() - load the ring state of VHOST_SET_VRING_BASE
 * @r: the ring (stopped), with @packed and, when known, @num set
 * @num: the ioctl's value
 *
 * Split: last_avail_idx = @num, which must fit in 16 bits. Packed: bits
 * 0-14 last_avail_idx, bit 15 the avail wrap counter, bits 16-30
 * last_used_idx, bit 31 the used wrap counter (QEMU's encoding, also the
 * kernel's vhost-vdpa's). Bits 16-31 all zero mean "used as avail": DPDK's
 * virtio-user sends 0x8000 for a new packed ring, only the avail half, as
 * DPDK's vhost library reads it. (A QEMU state whose used side is exactly
 * position 0 with wrap counter 0 while buffers are in flight reads the
 * same; it cannot be told apart.) Packed: forgets the buffers in flight
 * (@pbufs, when set).
 *
 * Return: 0, or -EINVAL (a split value above 0xffff, a packed position
 * not below @r->num when that is set) with @r unchanged.
 */
int vhostx_ring_set_base(struct vhostx_ring *r, u32 num)
{
	u16 avail, used;

	if (!r->packed) {
		if (num > 0xffff)
			return -EINVAL;
		r->last_avail_idx = num;
		r->avail_idx = num;
		return 0;
	}
	vhostx_packed_base_split(num, &avail, &used);
	if (r->num && ((avail & PK_POS) >= r->num || (used & PK_POS) >= r->num))
		return -EINVAL;
	r->last_avail_idx = avail & PK_POS;
	r->avail_wrap = avail & PK_WRAP;
	r->last_used_idx = used & PK_POS;
	r->used_wrap = used & PK_WRAP;
	r->avail_idx = avail;
	if (r->pbufs && r->num)
		memset(r->pbufs, 0, vhostx_ring_pbufs_size(r->num));
	return 0;
}

/**
 * vhostx_ring_get_base() - the ring state for VHOST_GET_VRING_BASE
 * @r: the ring
 *
 * Return: last_avail_idx (split), or both positions and wrap counters in
 * the encoding vhostx_ring_set_base() takes (packed).
 */
u32 vhostx_ring_get_base(const struct vhostx_ring *r)
{
	if (!r->packed)
		return r->last_avail_idx;
	return vhostx_packed_base_join(vhostx_packed_base_half(r->last_avail_idx, r->avail_wrap),
				       vhostx_packed_base_half(r->last_used_idx, r->used_wrap));
}
