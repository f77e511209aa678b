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
#include <linux/uaccess.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include "vhost_internal.h"

/* Back to the state of a fresh queue; eventfds are released by the caller. */
void vhostx_vq_reset(struct vhostx_vq *vq)
{
	memset(&vq->ring, 0, sizeof(vq->ring));
	vq->num = 0;
	vq->desc_addr = 0;
	vq->avail_addr = 0;
	vq->used_addr = 0;
	vq->addr_set = false;
	vq->acked_features = 0;
	vq->busyloop_timeout = 0;
	vq->private_data = NULL;
	vq->failed = false;
	memset(&vq->stats, 0, sizeof(vq->stats));
	atomic64_set(&vq->poll.wakeups, 0);
}

/* The ring-relevant feature bits of @vq, as the ring core's flags of @r. */
static void vhostx_ring_take_features(struct vhostx_ring *r,
				      const struct vhostx_vq *vq)
{
	r->event_idx = vhostx_vq_has_feature(vq, VIRTIO_RING_F_EVENT_IDX);
	r->indirect = vhostx_vq_has_feature(vq, VIRTIO_RING_F_INDIRECT_DESC);
	r->notify_on_empty = vhostx_vq_has_feature(vq, VIRTIO_F_NOTIFY_ON_EMPTY);
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
	int ret;

	lockdep_assert_held(&vq->mutex);
	if (!vq->num || !vq->addr_set)
		return -EFAULT;
	ret = vhostx_ring_check_addr(vq->num, vq->desc_addr, vq->avail_addr,
				     vq->used_addr);
	if (ret)
		return ret;
	r.num = vq->num;
	r.desc = u64_to_user_ptr(vq->desc_addr);
	r.avail = u64_to_user_ptr(vq->avail_addr);
	r.used = u64_to_user_ptr(vq->used_addr);
	r.mem = vq->dev->mem;
	vhostx_ring_take_features(&r, vq);
	/* Takes last_used_idx from used->idx, clears the broken state. */
	ret = vhostx_ring_start(&r);
	if (ret && vq->private_data)
		return ret;
	vq->ring = r;
	vq->failed = false;
	vhostx_vq_check_broken(vq);
	return ret;
}
EXPORT_SYMBOL_GPL(vhostx_vq_start);

/**
 * vhostx_vq_ready() - may the worker service this queue?
 * @vq: the queue, mutex held
 *
 * Return: true if a backend is attached and no guest error stopped it.
 */
bool vhostx_vq_ready(struct vhostx_vq *vq)
{
	lockdep_assert_held(&vq->mutex);
	return vq->private_data && !vq->ring.broken;
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
 * @iov is too small (nothing consumed), another -errno on a guest error,
 * which stops the queue and signals its error eventfd.
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
	return more;
}
EXPORT_SYMBOL_GPL(vhostx_vq_enable_notify);

/**
 * vhostx_vq_disable_notify() - ask the driver not to kick (best effort)
 * @vq: the queue, mutex held
 */
void vhostx_vq_disable_notify(struct vhostx_vq *vq)
{
	lockdep_assert_held(&vq->mutex);
	vhostx_ring_disable_notify(&vq->ring);
	vhostx_vq_check_broken(vq);
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
	__virtio16 v;

	lockdep_assert_held(&vq->mutex);
	if (vq->ring.broken)
		return false;
	/* Our notification request is visible before we look (see the ring). */
	smp_mb();
	if (get_user(v, &vq->ring.avail->idx)) {
		vhostx_vq_fail(vq, "cannot read the avail index");
		return false;
	}
	return vx16_to_cpu(v) != seen;
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
