// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhostx ring core: the device side of a VIRTIO 1.x split virtqueue.
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

/*
 * Dirty log: remember that [off, off + len) of the used area was written.
 * Only called with log_used set; the owner drains the spans after each
 * call that may write (see struct vhostx_ring).
 */
static void ring_log_span(struct vhostx_ring *r, u32 off, u32 len)
{
	struct vhostx_ring_span *s;
	u32 end = off + len;

	if (r->log_n) {
		s = &r->log[r->log_n - 1];
		/* Touching or overlapping the last write: one span. */
		if (off <= s->off + s->len && end >= s->off)
			goto merge;
	}
	if (r->log_n < VHOSTX_RING_LOG_SPANS) {
		s = &r->log[r->log_n++];
		s->off = off;
		s->len = len;
		return;
	}
	/* Full (an owner that does not drain): cover both, lose nothing. */
	s = &r->log[r->log_n - 1];
merge:
	if (end < s->off + s->len)
		end = s->off + s->len;
	if (off > s->off)
		off = s->off;
	s->off = off;
	s->len = end - off;
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

/* Translate one descriptor's buffer into the iovec array. */
static __always_inline int chain_add(struct vhostx_ring *r, bool user, struct ring_chain *c,
				     const struct vring_desc *d)
{
	u32 len = vx32_to_cpu(d->len);
	unsigned int filled = c->out + c->in;
	bool write = vx16_to_cpu(d->flags) & VRING_DESC_F_WRITE;
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
	n = ring_translate_as(r, user, vx64_to_cpu(d->addr), len, c->iov + filled,
			      c->iov_max - filled, write);
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

/* Walk the indirect table @ind points to; it ends the chain. */
static __always_inline int chain_add_indirect(struct vhostx_ring *r, bool user,
					      struct ring_chain *c,
					      const struct vring_desc *ind)
{
	u64 gpa = vx64_to_cpu(ind->addr);
	u32 len = vx32_to_cpu(ind->len);
	struct iovec tiov[VHOSTX_RING_INDIRECT_PIECES];
	unsigned int entries, i = 0, count = 0;
	struct vring_desc d;
	int pieces, ret;

	if (unlikely(!r->indirect))
		return ring_fail(r, -EINVAL, "indirect descriptor not negotiated", len);
	if (unlikely(vx16_to_cpu(ind->flags) & VRING_DESC_F_NEXT))
		return ring_fail(r, -EINVAL, "indirect descriptor with next", len);
	if (unlikely(!len || len % sizeof(d)))
		return ring_fail(r, -EINVAL, "bad indirect table length", len);
	entries = len / sizeof(d);
	if (unlikely(entries > VHOSTX_RING_INDIRECT_MAX))
		return ring_fail(r, -EINVAL, "indirect table too long", entries);

	/* The whole table must be guest memory; usually it is in one piece. */
	pieces = ring_translate_as(r, user, gpa, len, tiov, VHOSTX_RING_INDIRECT_PIECES, false);
	if (unlikely(pieces == -EAGAIN))
		return pieces;
	if (unlikely(pieces == -ENOBUFS))
		return ring_fail(r, -EINVAL, "indirect table crosses too many regions", len);
	if (unlikely(pieces < 0))
		return ring_fail(r, -EFAULT, "indirect table outside guest memory", len);

	for (;;) {
		u16 flags;

		if (unlikely(++count > entries))
			return ring_fail(r, -ELOOP, "indirect chain loops", entries);
		if (likely(pieces == 1))
			ret = ring_read_iov_as(r, user, &d,
					       (const struct vring_desc __user *)tiov[0].iov_base + i,
					       sizeof(d));
		else
			ret = ring_read_pieces(r, user, tiov, pieces, (size_t)i * sizeof(d), &d,
					       sizeof(d));
		if (unlikely(ret))
			return ring_fail(r, -EFAULT, "cannot read indirect descriptor", i);
		flags = vx16_to_cpu(d.flags);
		if (unlikely(flags & VRING_DESC_F_INDIRECT))
			return ring_fail(r, -EINVAL, "nested indirect descriptor", i);
		ret = chain_add(r, user, c, &d);
		if (unlikely(ret))
			return ret;
		if (!(flags & VRING_DESC_F_NEXT))
			return 0;
		i = vx16_to_cpu(d.next);
		if (unlikely(i >= entries))
			return ring_fail(r, -EINVAL, "indirect next out of range", i);
	}
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
		ret = chain_add(r, user, &c, &d);
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
 * @head: head descriptor index, to hand back in the used element
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
 * cached changes.
 *
 * Return: true if avail->idx is no longer @seen; false if it is, if the
 * ring is broken, or on a fault (which breaks the ring).
 */
bool vhostx_ring_avail_moved(struct vhostx_ring *r, u16 seen)
{
	__virtio16 v;

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
VX_EXPORT(vhostx_ring_avail_moved);

/**
 * vhostx_ring_unget() - give back the last popped chains
 * @r: the ring
 * @n: how many of the most recently popped chains to give back; they must
 *     not have been added to the used ring
 */
void vhostx_ring_unget(struct vhostx_ring *r, unsigned int n)
{
	r->last_avail_idx -= n;
}
VX_EXPORT(vhostx_ring_unget);

/**
 * vhostx_ring_add_used() - publish a batch of used elements
 * @r: the ring
 * @elems: elements in ring byte order (see vhostx_used_elem_set())
 * @n: number of elements, at most the ring size
 *
 * Writes the elements (split in two copies when the batch crosses the end
 * of the used ring), then, after a write barrier, used->idx once.
 *
 * Return: 0, -EINVAL for n > num (ring intact), -EIO when broken, -EFAULT
 * when the used ring cannot be written (ring broken).
 */
int vhostx_ring_add_used(struct vhostx_ring *r,
			 const struct vring_used_elem *elems, unsigned int n)
{
	u16 old = r->last_used_idx;
	unsigned int start, first;
	u16 new;

	if (unlikely(r->broken))
		return -EIO;
	if (unlikely(n > r->num))
		return -EINVAL;
	if (!n)
		return 0;
	start = old & (r->num - 1);
	first = r->num - start;
	if (first > n)
		first = n;
	if (unlikely(ring_copy_to(r, &r->used->ring[start], elems, first * sizeof(*elems))))
		return ring_fail(r, -EFAULT, "cannot write used ring", start);
	if (first < n &&
	    unlikely(ring_copy_to(r, &r->used->ring[0], elems + first,
				  (n - first) * sizeof(*elems)))) {
		if (r->log_used)
			ring_log_used(r, start, first, first, false);
		return ring_fail(r, -EFAULT, "cannot write used ring", 0);
	}
	/* The guest must see the elements before the index that covers them. */
	vx_wmb();
	new = old + n;
	if (unlikely(ring_put16(r, cpu_to_vx16(new), &r->used->idx))) {
		if (r->log_used)
			ring_log_used(r, start, first, n, false);
		return ring_fail(r, -EFAULT, "cannot write used idx", new);
	}
	/* Logging off costs this one test per batch. */
	if (unlikely(r->log_used))
		ring_log_used(r, start, first, n, true);
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
 *
 * Return: true if the guest must be signalled.
 */
bool vhostx_ring_need_signal(struct vhostx_ring *r)
{
	__virtio16 v;
	bool valid, ret;
	u16 old, new;

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
 * with a guest that added buffers before seeing the change.
 *
 * Return: true if buffers are pending (the caller must process them
 * instead of sleeping), false if empty or on a fault (ring broken).
 */
bool vhostx_ring_enable_notify(struct vhostx_ring *r)
{
	__virtio16 v;

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
VX_EXPORT(vhostx_ring_enable_notify);

/**
 * vhostx_ring_disable_notify() - ask the guest not to kick
 * @r: the ring
 *
 * Sets VRING_USED_F_NO_NOTIFY if not already set; with EVENT_IDX nothing
 * is written (avail_event simply stays behind). A fault breaks the ring.
 */
void vhostx_ring_disable_notify(struct vhostx_ring *r)
{
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
VX_EXPORT(vhostx_ring_disable_notify);

/**
 * vhostx_ring_avail_empty() - is there nothing new to pop?
 * @r: the ring
 *
 * Return: true if no available entry is pending; false if one is, or if
 * the ring is broken or avail->idx is bad (so get_chain() reports it).
 */
bool vhostx_ring_avail_empty(struct vhostx_ring *r)
{
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
VX_EXPORT(vhostx_ring_check_addr);

/**
 * vhostx_ring_start() - (re)start servicing a configured ring
 * @r: the ring, with num, addresses, mem (or acc), features and
 *     last_avail_idx set
 *
 * Clears the broken state and caches, turns notifications on (writes
 * used->flags = 0), and takes last_used_idx from used->idx after checking
 * that no more than num chains would be in flight.
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
