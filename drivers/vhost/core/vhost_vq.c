// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhostx queue helpers for device handlers: start a configured ring, pop
 * chains, publish used entries and signal the driver, and turn any guest
 * error into a stopped queue plus a signal on its error eventfd.
 *
 * All of these run with the queue mutex held (the worker holds it for a
 * whole handler run; ioctls take it around configuration changes).
 */
#include <linux/log2.h>
#include <linux/sched.h>
#include <linux/uaccess.h>
#include <asm/futex.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include "vhost_internal.h"

/* Back to the state of a fresh queue; eventfds are released by the caller. */
void vhostx_vq_reset(struct vhostx_vq *vq)
{
	memset(&vq->ring, 0, sizeof(vq->ring));
	kvfree(vq->pbufs);
	vq->pbufs = NULL;
	vq->pbufs_num = 0;
	vq->num = 0;
	vq->desc_addr = 0;
	vq->avail_addr = 0;
	vq->used_addr = 0;
	vq->addr_set = false;
	vq->acked_features = 0;
	vq->busyloop_timeout = 0;
	vq->private_data = NULL;
	vq->failed = false;
	vq->log_base = NULL;
	vq->log_addr = 0;
	vq->log_ctx = NULL;
	vq->log_signal = false;
	memset(&vq->stats, 0, sizeof(vq->stats));
	atomic64_set(&vq->poll.wakeups, 0);
}

/* The ring-relevant feature bits of @vq, as the ring core's flags of @r. */
static void vhostx_ring_take_features(struct vhostx_ring *r,
				      struct vhostx_vq *vq)
{
	r->event_idx = vhostx_vq_has_feature(vq, VIRTIO_RING_F_EVENT_IDX);
	r->indirect = vhostx_vq_has_feature(vq, VIRTIO_RING_F_INDIRECT_DESC);
	r->notify_on_empty = vhostx_vq_has_feature(vq, VIRTIO_F_NOTIFY_ON_EMPTY);
	/* Our handlers use buffers in the order they pop them (TX and RX). */
	r->in_order = vhostx_vq_has_feature(vq, VIRTIO_F_IN_ORDER);
	/* SET_FEATURES refuses to change the layout under a running queue. */
	r->packed = vhostx_vq_has_feature(vq, VIRTIO_F_RING_PACKED);
	/* The buffer state only when it was made for this size. */
	r->pbufs = r->packed && vq->pbufs_num == r->num ? vq->pbufs : NULL;
	/* ACCESS_PLATFORM: ring and buffer addresses are IOVAs. */
	r->acc = vq->dev->iotlb ? &vhostx_devtlb_acc : NULL;
	r->acc_ctx = vq;
}

/* Copy the ring-relevant feature bits into the ring core's flags. */
void vhostx_vq_apply_features(struct vhostx_vq *vq)
{
	lockdep_assert_held(&vq->mutex);
	vhostx_ring_take_features(&vq->ring, vq);
}

/*
 * The ring core marked the ring broken (it logged why): count it once and
 * tell userspace through the error eventfd.
 */
static void vhostx_vq_check_broken(struct vhostx_vq *vq)
{
	if (likely(!vq->ring.broken) || vq->failed)
		return;
	vq->failed = true;
	vq->stats.errors++;
	if (vq->err_ctx)
		vhostx_eventfd_signal(vq->err_ctx);
}

/*
 * Dirty-page log: the owner's bitmap, one bit per 4 KiB guest page, bit
 * (page % 8) of byte (page / 8) from the log base, as the kernel's vhost
 * lays it out. QEMU reads and clears it concurrently, word by word, with
 * atomic exchanges, so every bit is set with an atomic OR on the user
 * word that holds it: the same user access as get_user() (the worker runs
 * in the owner's mm; a fault that cannot be resolved, as on an unmapped or
 * read-only page, is -EFAULT), never a pinned page.
 */
static int vhostx_log_or(u32 __user *word, u32 mask)
{
	int old, ret;

	for (;;) {
		ret = arch_futex_atomic_op_inuser(FUTEX_OP_OR, (int)mask, &old, word);
		/* LL/SC architectures give up after a bounded number of tries. */
		if (ret != -EAGAIN)
			return ret;
		cond_resched();
	}
}

/* Set the bits of the guest pages [gpa, gpa + len) touches; len > 0. */
static int vhostx_log_gpa(struct vhostx_vq *vq, u64 gpa, u64 len)
{
	u64 base = (u64)(unsigned long)vq->log_base;
	u64 page = gpa / VHOST_PAGE_SIZE;
	u64 last = (gpa + (len - 1)) / VHOST_PAGE_SIZE;
	int ret;

	if (unlikely(gpa + (len - 1) < gpa))
		return -EFAULT;
	for (;;) {
		u64 byte = base + page / 8;
		unsigned int bit, n;
		unsigned long addr;
		u32 mask;

		if (unlikely(byte < base || byte != (unsigned long)byte))
			return -EFAULT;
		addr = byte;
		/* The aligned 32-bit word holding the byte, in memory order. */
		bit = (addr & 3) * 8 + page % 8;
		n = min_t(u64, 32 - bit, last - page + 1);
		mask = (n == 32 ? ~0U : (1U << n) - 1) << bit;
		ret = vhostx_log_or((u32 __user *)(addr & ~3UL),
				    (__force u32)cpu_to_le32(mask));
		if (unlikely(ret))
			return ret;
		vq->stats.log_words++;
		vq->log_signal = true;
		if (n == last - page + 1)
			return 0;
		page += n;
	}
}

static int vhostx_log_region(void *vq, u64 gpa, u64 len)
{
	return vhostx_log_gpa(vq, gpa, len);
}

/*
 * Log what the ring core wrote in the used area, then signal the log
 * eventfd if bits were set since it was last signalled. A log that cannot
 * be written stops the queue like a guest error.
 */
static noinline void vhostx_vq_log_flush(struct vhostx_vq *vq)
{
	struct vhostx_ring *r = &vq->ring;
	unsigned int i;
	int ret = 0;

	/* The guest memory writes are visible before the bits that announce them. */
	smp_wmb();
	for (i = 0; i < r->log_n && !ret; i++) {
		const struct vhostx_ring_span *s = &r->log[i];
		u64 area = s->area == VHOSTX_RING_AREA_DESC ? (u64)(unsigned long)r->desc :
			   (u64)(unsigned long)r->used;

		/* Through the IOTLB the used ring's guest address is found, not given. */
		if (r->acc)
			ret = vhostx_devtlb_log(vq, area + s->off, s->len, vhostx_log_region);
		/*
		 * A packed ring's used descriptors: the ABI gives no guest
		 * address for the descriptor ring, the memory table does.
		 */
		else if (s->area == VHOSTX_RING_AREA_DESC)
			ret = vhostx_mem_reverse(r->mem, area + s->off, s->len,
						 vhostx_log_region, vq);
		else
			ret = vhostx_log_gpa(vq, vq->log_addr + s->off, s->len);
	}
	r->log_n = 0;
	if (unlikely(ret))
		vhostx_vq_fail(vq, "cannot write the dirty log of the used ring at %#llx (error %d)",
			       vq->log_addr, ret);
	if (vq->log_signal) {
		vq->log_signal = false;
		if (vq->log_ctx) {
			vhostx_eventfd_signal(vq->log_ctx);
			vq->stats.log_signals++;
		}
	}
}

/* After every ring call that may write: one test while logging is off. */
static inline void vhostx_vq_log_drain(struct vhostx_vq *vq)
{
	if (unlikely(vq->ring.log_n | vq->log_signal))
		vhostx_vq_log_flush(vq);
}

/* Is the bitmap for [addr, addr + size) of guest memory a user range? */
static bool vhostx_log_range_ok(void __user *base, u64 addr, u64 size)
{
	u64 off = addr / VHOST_PAGE_SIZE / 8;
	u64 b = (u64)(unsigned long)base;

	/* The kernel's vhost bound: the bitmap bytes from the first page on. */
	if (off > ULONG_MAX - b)
		return false;
	return access_ok((void __user *)(unsigned long)(b + off),
			 (size + VHOST_PAGE_SIZE * 8 - 1) / VHOST_PAGE_SIZE / 8);
}

/**
 * vhostx_vq_log_access_ok() - could this queue's writes be logged?
 * @vq: the queue, mutex held
 * @mem: the memory table whose writes are logged (VHOST_F_LOG_ALL), or
 *       NULL when buffer writes are not logged
 * @base: the log base to check
 * @log_used: whether the used ring is logged (VHOST_VRING_F_LOG)
 * @log_addr: the used ring's guest address
 *
 * The checks of the kernel's vhost: the bitmap for every region of @mem
 * and for the used ring (when logged) must be user addresses. Whether
 * they are mapped and writable is found when they are written.
 *
 * Return: true if so.
 */
bool vhostx_vq_log_access_ok(struct vhostx_vq *vq, struct vhostx_mem *mem,
			     void __user *base, bool log_used, u64 log_addr)
{
	unsigned int i;

	lockdep_assert_held(&vq->mutex);
	if (mem) {
		for (i = 0; i < mem->nregions; i++)
			if (!vhostx_log_range_ok(base, mem->regions[i].gpa,
						 mem->regions[i].size))
				return false;
	}
	/* With the device IOTLB the used ring is logged where it is found. */
	if (log_used && vq->num && !vq->dev->iotlb &&
	    !vhostx_log_range_ok(base, log_addr, vhostx_vq_has_feature(vq, VIRTIO_F_RING_PACKED) ?
				 sizeof(struct vring_packed_desc_event) :
				 sizeof(struct vring_used) +
				 (u64)vq->num * sizeof(struct vring_used_elem) +
				 (vhostx_vq_has_feature(vq, VIRTIO_RING_F_EVENT_IDX) ?
				  sizeof(__virtio16) : 0)))
		return false;
	return true;
}

/**
 * vhostx_vq_log_write() - log a device's writes into guest buffers
 * @vq: the queue, mutex held, with VHOST_F_LOG_ALL acked
 * @iov: the writable segments (user addresses from the ring core)
 * @n: number of segments
 * @len: bytes written, from the start of @iov[0] on
 *
 * Sets the bit of every guest page the first @len bytes of @iov touched,
 * at each guest address that maps them. The log eventfd is signalled with
 * the used entries (vhostx_vq_add_used()), so call this before them.
 *
 * Return: 0, or -EFAULT when the log cannot be written (the queue is
 * stopped then, as for a guest error).
 */
int vhostx_vq_log_write(struct vhostx_vq *vq, const struct iovec *iov,
			unsigned int n, size_t len)
{
	unsigned int i;
	int ret;

	lockdep_assert_held(&vq->mutex);
	/* The buffer contents are visible before the bits that announce them. */
	smp_wmb();
	for (i = 0; i < n && len; i++) {
		size_t l = min(len, iov[i].iov_len);

		ret = vhostx_mem_reverse(vq->ring.mem, (u64)(unsigned long)iov[i].iov_base,
					 l, vhostx_log_region, vq);
		if (unlikely(ret)) {
			vhostx_vq_fail(vq, "cannot write the dirty log of a buffer (error %d)", ret);
			return -EFAULT;
		}
		len -= l;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(vhostx_vq_log_write);

/**
 * vhostx_vq_check_ring_addr() - are these ring addresses usable?
 * @vq: the queue, mutex held, with its size and features set
 * @desc: descriptor table (packed: descriptor ring)
 * @avail: available ring (packed: driver event suppression area)
 * @used: used ring (packed: device event suppression area)
 *
 * Alignment for the layout the acked features choose, and, without the
 * device IOTLB, that the areas are user memory (IOVAs are checked through
 * the IOTLB when they are used).
 *
 * Return: 0, -EINVAL (misaligned) or -EFAULT (not user memory).
 */
int vhostx_vq_check_ring_addr(struct vhostx_vq *vq, u64 desc, u64 avail, u64 used)
{
	bool packed = vhostx_vq_has_feature(vq, VIRTIO_F_RING_PACKED);

	lockdep_assert_held(&vq->mutex);
	if (vq->dev->iotlb)
		return vhostx_devtlb_check_ring(vq->num, desc, avail, used, packed);
	if (packed)
		return vhostx_ring_check_addr_packed(vq->num, desc, avail, used);
	return vhostx_ring_check_addr(vq->num, desc, avail, used);
}

/**
 * vhostx_vq_start() - prepare a configured queue for servicing
 * @vq: the queue, mutex held, called by the owner (ioctl context)
 *
 * Checks that size and addresses were set and are usable, loads them and
 * the negotiated features into the ring core, and takes the used index
 * from guest memory (the vring base only carries the avail index).
 *
 * The new ring state is built in a copy and installed only on success. On
 * failure a queue with a backend attached is left exactly as it was (its
 * backend keeps running on it, nothing is counted or signalled); a queue
 * without one is marked broken and its error eventfd signalled, the ring's
 * content being at fault (say, a used index that jumped).
 *
 * Return: 0, -EFAULT if the ring is not set up or not accessible,
 * -EINVAL for misaligned addresses or a bad used index.
 */
int vhostx_vq_start(struct vhostx_vq *vq)
{
	struct vhostx_ring r = vq->ring;
	void *pbufs = NULL;
	int ret;

	lockdep_assert_held(&vq->mutex);
	if (!vq->num || !vq->addr_set)
		return -EFAULT;
	ret = vhostx_vq_check_ring_addr(vq, vq->desc_addr, vq->avail_addr, vq->used_addr);
	if (ret)
		return ret;
	if (!vhostx_vq_log_access_ok(vq, vhostx_vq_has_feature(vq, VHOST_F_LOG_ALL) ?
				     vq->dev->mem : NULL,
				     vq->log_base, r.log_used, vq->log_addr))
		return -EFAULT;
	/* A packed ring's buffer state, kept while the size stays. */
	if (vhostx_vq_has_feature(vq, VIRTIO_F_RING_PACKED) && vq->pbufs_num != vq->num) {
		pbufs = kvzalloc(vhostx_ring_pbufs_size(vq->num), GFP_KERNEL_ACCOUNT);
		if (!pbufs)
			return -ENOMEM;
	}
	r.num = vq->num;
	r.desc = u64_to_user_ptr(vq->desc_addr);
	r.avail = u64_to_user_ptr(vq->avail_addr);
	r.used = u64_to_user_ptr(vq->used_addr);
	r.mem = vq->dev->mem;
	vhostx_ring_take_features(&r, vq);
	if (pbufs)
		r.pbufs = pbufs;
	r.log_n = 0;
	/*
	 * Split: takes last_used_idx from used->idx. Packed: both sides
	 * come from the base. Clears the broken state.
	 */
	ret = vhostx_ring_start(&r);
	if (ret && vq->private_data) {
		kvfree(pbufs);
		return ret;
	}
	if (pbufs) {
		kvfree(vq->pbufs);
		vq->pbufs = pbufs;
		vq->pbufs_num = vq->num;
	}
	vq->ring = r;
	vq->failed = false;
	vhostx_vq_check_broken(vq);
	/* The used->flags write; a log fault stops the queue, not the call. */
	if (!ret)
		vhostx_vq_log_drain(vq);
	return ret;
}
EXPORT_SYMBOL_GPL(vhostx_vq_start);

/**
 * vhostx_vq_ready() - may the worker service this queue?
 * @vq: the queue, mutex held
 *
 * Handlers call this at the start of every run. Through the device IOTLB
 * it also checks that the three ring areas are mapped; if one is not, its
 * miss is queued and the queue waits (parked) for the update.
 *
 * Return: true if a backend is attached, no guest error stopped it and
 * its ring can be reached.
 */
bool vhostx_vq_ready(struct vhostx_vq *vq)
{
	lockdep_assert_held(&vq->mutex);
	if (!vq->private_data || vq->ring.broken)
		return false;
	return likely(!vq->ring.acc) || vhostx_devtlb_prefetch(vq);
}
EXPORT_SYMBOL_GPL(vhostx_vq_ready);

/**
 * vhostx_vq_get_chain() - pop one available descriptor chain
 * @vq: the queue, mutex held
 * @iov: filled with readable, then writable segments (user addresses)
 * @iov_max: entries in @iov
 * @out: number of readable segments
 * @in: number of writable segments
 * @head: head descriptor index, for the used entry
 *
 * Return: 1 when a chain was popped, 0 when the ring is empty, -ENOBUFS if
 * @iov is too small (nothing consumed), -EAGAIN when a buffer's IOVA has no
 * translation yet (nothing consumed; the miss is queued and the queue runs
 * again when an update covers it: the handler just stops), another -errno
 * on a guest error, which stops the queue and signals its error eventfd.
 */
int vhostx_vq_get_chain(struct vhostx_vq *vq, struct iovec *iov,
			unsigned int iov_max, unsigned int *out,
			unsigned int *in, u16 *head)
{
	int ret;

	lockdep_assert_held(&vq->mutex);
	ret = vhostx_ring_get_chain(&vq->ring, iov, iov_max, out, in, head);
	if (unlikely(ret < 0))
		vhostx_vq_check_broken(vq);
	return ret;
}
EXPORT_SYMBOL_GPL(vhostx_vq_get_chain);

/**
 * vhostx_vq_unget() - give back the last popped chains, unconsumed
 * @vq: the queue, mutex held
 * @n: how many
 */
void vhostx_vq_unget(struct vhostx_vq *vq, unsigned int n)
{
	lockdep_assert_held(&vq->mutex);
	vhostx_ring_unget(&vq->ring, n);
}
EXPORT_SYMBOL_GPL(vhostx_vq_unget);

/**
 * vhostx_vq_add_used() - publish a batch of used entries
 * @vq: the queue, mutex held
 * @heads: head ids and written lengths
 * @n: number of entries; 0 does nothing
 *
 * Counts the batch size; does not signal (see vhostx_vq_signal()).
 *
 * Return: 0 or -EFAULT (the queue is stopped then).
 */
int vhostx_vq_add_used(struct vhostx_vq *vq,
		       const struct vring_used_elem *heads, unsigned int n)
{
	unsigned int bucket;
	int ret;

	lockdep_assert_held(&vq->mutex);
	if (!n)
		return 0;
	bucket = min_t(unsigned int, ilog2(n), VHOSTX_BATCH_BUCKETS - 1);
	vq->stats.batch[bucket]++;
	ret = vhostx_ring_add_used(&vq->ring, heads, n);
	if (unlikely(ret))
		vhostx_vq_check_broken(vq);
	/* Logged before the caller signals the driver, as the kernel's vhost. */
	vhostx_vq_log_drain(vq);
	return ret;
}
EXPORT_SYMBOL_GPL(vhostx_vq_add_used);

/**
 * vhostx_vq_signal() - notify the driver if the ring says it should be
 * @vq: the queue, mutex held, after vhostx_vq_add_used()
 */
void vhostx_vq_signal(struct vhostx_vq *vq)
{
	bool signal;

	lockdep_assert_held(&vq->mutex);
	/* A fault reading the guest's wishes breaks the ring and says "signal". */
	signal = vhostx_ring_need_signal(&vq->ring);
	vhostx_vq_check_broken(vq);
	if (signal && vq->call_ctx) {
		vhostx_eventfd_signal(vq->call_ctx);
		vq->stats.calls++;
	}
}
EXPORT_SYMBOL_GPL(vhostx_vq_signal);

/**
 * vhostx_vq_enable_notify() - ask the driver to kick again
 * @vq: the queue, mutex held
 *
 * Return: true if buffers arrived meanwhile (process them, then disable
 * notifications again), false if the ring is empty and kicks are on.
 */
bool vhostx_vq_enable_notify(struct vhostx_vq *vq)
{
	bool more;

	lockdep_assert_held(&vq->mutex);
	more = vhostx_ring_enable_notify(&vq->ring);
	vhostx_vq_check_broken(vq);
	vhostx_vq_log_drain(vq);
	return more && !vq->ring.broken;
}
EXPORT_SYMBOL_GPL(vhostx_vq_enable_notify);

/**
 * vhostx_vq_disable_notify() - ask the driver not to kick (best effort)
 * @vq: the queue, mutex held
 */
void vhostx_vq_disable_notify(struct vhostx_vq *vq)
{
	lockdep_assert_held(&vq->mutex);
	/*
	 * Every handler run starts here, mostly with nothing to write: the
	 * flag is up since the last run, or EVENT_IDX needs no write at all.
	 */
	if (vq->ring.event_idx || (vq->ring.used_flags & VRING_USED_F_NO_NOTIFY))
		return;
	vhostx_ring_disable_notify(&vq->ring);
	vhostx_vq_check_broken(vq);
	vhostx_vq_log_drain(vq);
}
EXPORT_SYMBOL_GPL(vhostx_vq_disable_notify);

/**
 * vhostx_vq_avail_empty() - no new available entries?
 * @vq: the queue, mutex held
 *
 * Return: true if the driver made nothing new available.
 */
bool vhostx_vq_avail_empty(struct vhostx_vq *vq)
{
	bool empty;

	lockdep_assert_held(&vq->mutex);
	empty = vhostx_ring_avail_empty(&vq->ring);
	vhostx_vq_check_broken(vq);
	return empty;
}
EXPORT_SYMBOL_GPL(vhostx_vq_avail_empty);

/**
 * vhostx_vq_avail_moved() - did the driver make buffers available since?
 * @vq: the queue, mutex held
 * @seen: the avail index the caller saw last (vq->ring.avail_idx then)
 *
 * For a handler that gave back chains because they were not enough (RX
 * with mergeable buffers): after vhostx_vq_enable_notify() it must not
 * retry unless the driver added something, or it would spin. A fault
 * stops the queue and answers false.
 *
 * Return: true if avail->idx is no longer @seen.
 */
bool vhostx_vq_avail_moved(struct vhostx_vq *vq, u16 seen)
{
	bool moved;

	lockdep_assert_held(&vq->mutex);
	/* The ring core orders our notification request before it looks. */
	moved = vhostx_ring_avail_moved(&vq->ring, seen);
	vhostx_vq_check_broken(vq);
	return moved;
}
EXPORT_SYMBOL_GPL(vhostx_vq_avail_moved);

/**
 * vhostx_vq_fail() - stop a queue because of a guest error found by a device
 * @vq: the queue, mutex held
 * @fmt: printf format of the reason (logged rate-limited)
 *
 * For errors the ring core cannot see, such as a TX chain with writable
 * descriptors. The queue stays stopped until it is started again.
 */
void vhostx_vq_fail(struct vhostx_vq *vq, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	lockdep_assert_held(&vq->mutex);
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err_ratelimited("vhostx: %d-%u %s: %pV\n", vq->dev->owner_pid,
			   vq->dev->id, vq->name ? vq->name : "vq", &vaf);
	va_end(args);
	vq->ring.broken = true;
	vq->ring.stats.errors++;
	vhostx_vq_check_broken(vq);
}
EXPORT_SYMBOL_GPL(vhostx_vq_fail);

/**
 * vhostx_vq_over_budget() - fairness check for a handler loop
 * @vq: the queue, mutex held
 * @pkts: packets (or requests) done in this run
 * @bytes: bytes done in this run
 * @max_pkts: packet budget per run
 * @max_bytes: byte budget per run
 *
 * When a budget is spent, the queue's kick work is queued again so the
 * handler resumes after other queues had their turn; the handler must
 * return.
 *
 * Return: true if the handler must stop now.
 */
bool vhostx_vq_over_budget(struct vhostx_vq *vq, unsigned int pkts,
			   u64 bytes, unsigned int max_pkts, u64 max_bytes)
{
	if (likely(pkts < max_pkts && bytes < max_bytes))
		return false;
	vq->stats.yields++;
	vhostx_poll_queue(&vq->poll);
	return true;
}
EXPORT_SYMBOL_GPL(vhostx_vq_over_budget);
