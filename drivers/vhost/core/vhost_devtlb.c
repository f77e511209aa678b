// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhostx device IOTLB: with VIRTIO_F_ACCESS_PLATFORM acked, the ring
 * addresses and the buffer addresses a driver hands us are I/O virtual
 * addresses (a vIOMMU sits between the device and guest memory). The owner
 * (QEMU) tells us what they mean with VHOST_IOTLB_UPDATE messages written
 * to the device file, takes meanings back with VHOST_IOTLB_INVALIDATE, and
 * reads VHOST_IOTLB_MISS messages for addresses we met without a meaning.
 *
 * The translations live in the kernel's vhost_iotlb library (one interval
 * tree, IOVA -> owner's user address and permission). The ring core reaches
 * guest memory through struct vhostx_ring_acc; the accessor here walks the
 * tree and checks permissions: the device reads only through RO or RW
 * entries and writes only through WO or RW ones. Entries next to each other
 * work as one range (a Linux guest maps a ring page by page).
 *
 * Misses and parking: a queue that meets an address without a usable entry
 * queues one MISS for it (its own slot: at most one unread miss per queue,
 * so a miss storm costs nothing) and its handler stops where it was, with
 * nothing consumed. An UPDATE covering the address queues the queue's kick
 * work, and it runs again. The three ring areas are checked at the start of
 * every run (vhostx_vq_ready()), so a run never meets a miss in the middle
 * of a used-ring write.
 *
 * Locks: messages are applied with the device mutex and every queue mutex
 * held; the worker holds its queue's mutex for a whole run and translates
 * afresh in every run. So when an INVALIDATE returns, no run that could
 * have used the old translation is still going, and none will use it.
 * iotlb_lock (a spinlock, taken inside queue mutexes) guards the miss slots
 * and the list read() takes them from.
 */
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/vhost_iotlb.h>
#include <linux/virtio_ring.h>
#include "vhost_internal.h"

/* Entries kept, as the kernel's vhost; the oldest goes when full. */
#define VHOSTX_DEVTLB_ENTRIES	2048

/**
 * vhostx_devtlb_init() - no IOTLB, no misses (at open)
 * @dev: the device, its queues already assigned
 */
void vhostx_devtlb_init(struct vhostx_dev *dev)
{
	unsigned int i;

	dev->iotlb = NULL;
	spin_lock_init(&dev->iotlb_lock);
	INIT_LIST_HEAD(&dev->iotlb_misses);
	init_waitqueue_head(&dev->iotlb_wait);
	dev->iotlb_batch = false;
	for (i = 0; i < dev->nvqs; i++) {
		INIT_LIST_HEAD(&dev->vqs[i]->miss_node);
		dev->vqs[i]->miss_pending = false;
	}
}

/**
 * vhostx_devtlb_alloc() - an empty device IOTLB
 *
 * Return: the IOTLB or NULL without memory.
 */
struct vhost_iotlb *vhostx_devtlb_alloc(void)
{
	return vhost_iotlb_alloc(VHOSTX_DEVTLB_ENTRIES, VHOST_IOTLB_FLAG_RETIRE);
}

/**
 * vhostx_dev_lock_vqs() - take every queue mutex, in index order
 * @dev: the device, mutex held
 */
void vhostx_dev_lock_vqs(struct vhostx_dev *dev)
{
	unsigned int i;

	lockdep_assert_held(&dev->mutex);
	for (i = 0; i < dev->nvqs; i++)
		mutex_lock_nested(&dev->vqs[i]->mutex, i);
}

/**
 * vhostx_dev_unlock_vqs() - drop what vhostx_dev_lock_vqs() took
 * @dev: the device
 */
void vhostx_dev_unlock_vqs(struct vhostx_dev *dev)
{
	unsigned int i;

	for (i = dev->nvqs; i-- > 0;)
		mutex_unlock(&dev->vqs[i]->mutex);
}

/**
 * vhostx_devtlb_vq_forget() - drop a queue's miss, read or not
 * @vq: the queue
 */
void vhostx_devtlb_vq_forget(struct vhostx_vq *vq)
{
	struct vhostx_dev *dev = vq->dev;

	spin_lock(&dev->iotlb_lock);
	list_del_init(&vq->miss_node);
	vq->miss_pending = false;
	spin_unlock(&dev->iotlb_lock);
}

/**
 * vhostx_devtlb_replace() - install another device IOTLB, or none
 * @dev: the device; its mutex and every queue mutex held
 * @iotlb: the new IOTLB (the device owns it from now on), or NULL
 *
 * Queues translate through @iotlb from their next run on (ring addresses
 * and buffers are IOVAs), or through the memory table without one. Every
 * miss is forgotten, and read() sleepers look again (-EBADFD without one).
 */
void vhostx_devtlb_replace(struct vhostx_dev *dev, struct vhost_iotlb *iotlb)
{
	struct vhost_iotlb *old = dev->iotlb;
	unsigned int i;

	lockdep_assert_held(&dev->mutex);
	for (i = 0; i < dev->nvqs; i++) {
		struct vhostx_vq *vq = dev->vqs[i];

		lockdep_assert_held(&vq->mutex);
		vhostx_devtlb_vq_forget(vq);
		vq->ring.acc = iotlb ? &vhostx_devtlb_acc : NULL;
		vq->ring.acc_ctx = vq;
	}
	WRITE_ONCE(dev->iotlb, iotlb);
	dev->iotlb_batch = false;
	if (old != iotlb)
		vhost_iotlb_free(old);
	wake_up_interruptible_poll(&dev->iotlb_wait, EPOLLIN | EPOLLRDNORM);
}

/* Queue @vq's miss of @iova for @perm (its one slot: the newest wins). */
static void devtlb_miss(struct vhostx_vq *vq, u64 iova, u8 perm)
{
	struct vhostx_dev *dev = vq->dev;

	lockdep_assert_held(&vq->mutex);
	vq->stats.iotlb_misses++;
	spin_lock(&dev->iotlb_lock);
	vq->miss_iova = iova;
	vq->miss_perm = perm;
	vq->miss_pending = false;
	if (list_empty(&vq->miss_node))
		list_add_tail(&vq->miss_node, &dev->iotlb_misses);
	spin_unlock(&dev->iotlb_lock);
	wake_up_interruptible_poll(&dev->iotlb_wait, EPOLLIN | EPOLLRDNORM);
}

/* An entry translating @iova with every bit of @perm, or NULL. */
static struct vhost_iotlb_map *devtlb_find(struct vhost_iotlb *iotlb, u64 iova, u32 perm)
{
	struct vhost_iotlb_map *map;

	for (map = vhost_iotlb_itree_first(iotlb, iova, iova); map;
	     map = vhost_iotlb_itree_next(map, iova, iova))
		if ((map->perm & perm) == perm)
			return map;
	return NULL;
}

/*
 * Walk [@iova, @iova + @len) through @iotlb for @perm: @fn(@arg, user
 * address, length) for each piece, in order. Returns 0, -EFAULT for a range
 * that wraps (or no IOTLB), -EAGAIN at the first byte with no usable entry
 * (*@missp gets its address), or the first error of @fn.
 */
static int devtlb_walk(struct vhost_iotlb *iotlb, u64 iova, u64 len, u32 perm, u64 *missp,
		       int (*fn)(void *arg, u64 uaddr, u64 len), void *arg)
{
	u64 last, end;
	int ret;

	if (!len)
		return 0;
	last = iova + (len - 1);
	if (unlikely(last < iova || !iotlb))
		return -EFAULT;
	for (;;) {
		struct vhost_iotlb_map *map = devtlb_find(iotlb, iova, perm);

		if (!map) {
			*missp = iova;
			return -EAGAIN;
		}
		end = min(map->last, last);
		/* The entry's user range was checked not to wrap. */
		ret = fn(arg, map->addr + (iova - map->start), end - iova + 1);
		if (ret)
			return ret;
		if (end == last)
			return 0;
		iova = end + 1;
	}
}

struct devtlb_iov {
	struct iovec *iov;
	unsigned int max;
	unsigned int n;
};

/* One piece into the iovecs; a piece that continues the last one joins it. */
static int devtlb_iov_add(void *arg, u64 uaddr, u64 len)
{
	struct devtlb_iov *t = arg;
	struct iovec *prev = t->n ? &t->iov[t->n - 1] : NULL;

	if (prev && (u64)(unsigned long)prev->iov_base + prev->iov_len == uaddr) {
		prev->iov_len += len;
		return 0;
	}
	if (t->n >= t->max)
		return -ENOBUFS;
	t->iov[t->n].iov_base = u64_to_user_ptr(uaddr);
	t->iov[t->n].iov_len = len;
	t->n++;
	return 0;
}

/* struct vhostx_ring_acc.translate: buffers and indirect tables. */
static int devtlb_translate(void *ctx, u64 addr, u64 len, struct iovec *iov,
			    unsigned int max, bool write)
{
	struct vhostx_vq *vq = ctx;
	struct devtlb_iov t = { .iov = iov, .max = max };
	u32 perm = write ? VHOST_ACCESS_WO : VHOST_ACCESS_RO;
	u64 miss;
	int ret;

	ret = devtlb_walk(vq->dev->iotlb, addr, len, perm, &miss, devtlb_iov_add, &t);
	if (ret == -EAGAIN)
		devtlb_miss(vq, miss, perm);
	return ret ? ret : t.n;
}

struct devtlb_copy {
	u8 *buf;
	bool to_user;
};

static int devtlb_copy_piece(void *arg, u64 uaddr, u64 len)
{
	struct devtlb_copy *c = arg;
	unsigned long left;

	if (c->to_user)
		left = copy_to_user(u64_to_user_ptr(uaddr), c->buf, len);
	else
		left = copy_from_user(c->buf, u64_to_user_ptr(uaddr), len);
	if (left)
		return -EFAULT;
	c->buf += len;
	return 0;
}

static int devtlb_copy(struct vhostx_vq *vq, u64 addr, void *buf, size_t len, bool to_user)
{
	struct devtlb_copy c = { .buf = buf, .to_user = to_user };
	u32 perm = to_user ? VHOST_ACCESS_WO : VHOST_ACCESS_RO;
	u64 miss;
	int ret;

	ret = devtlb_walk(vq->dev->iotlb, addr, len, perm, &miss, devtlb_copy_piece, &c);
	if (ret == -EAGAIN)
		devtlb_miss(vq, miss, perm);
	return ret;
}

/* struct vhostx_ring_acc.read and .write: the ring areas. */
static int devtlb_read(void *ctx, void *dst, u64 addr, size_t len)
{
	return devtlb_copy(ctx, addr, dst, len, false);
}

static int devtlb_write(void *ctx, u64 addr, const void *src, size_t len)
{
	return devtlb_copy(ctx, addr, (void *)src, len, true);
}

/* struct vhostx_ring_acc.read_iov: indirect tables, at what translate gave. */
static int devtlb_read_iov(void *ctx, void *dst, const void __user *src, size_t len)
{
	return copy_from_user(dst, src, len) ? -EFAULT : 0;
}

const struct vhostx_ring_acc vhostx_devtlb_acc = {
	.translate = devtlb_translate,
	.read = devtlb_read,
	.write = devtlb_write,
	.read_iov = devtlb_read_iov,
};

static int devtlb_nop(void *arg, u64 uaddr, u64 len)
{
	return 0;
}

/* Is a ring area mapped for @perm? If not, queue the miss (or fail the queue). */
static bool devtlb_area_ok(struct vhostx_vq *vq, const void __user *p, u64 len, u32 perm,
			   const char *what)
{
	u64 miss;
	int ret;

	ret = devtlb_walk(vq->dev->iotlb, (u64)(unsigned long)p, len, perm, &miss, devtlb_nop,
			  NULL);
	if (likely(!ret))
		return true;
	if (ret == -EAGAIN)
		devtlb_miss(vq, miss, perm);
	else
		vhostx_vq_fail(vq, "the %s ring at IOVA %#llx wraps", what,
			       (u64)(unsigned long)p);
	return false;
}

/**
 * vhostx_devtlb_prefetch() - are the three ring areas translatable?
 * @vq: a started queue translating through the device IOTLB, mutex held
 *
 * Checked at the start of every run: the descriptor table and the
 * available ring for reading, the used ring for writing. A gap queues its
 * miss and the queue waits for the update (parked, not failed).
 *
 * Return: true if the run may go on.
 */
bool vhostx_devtlb_prefetch(struct vhostx_vq *vq)
{
	struct vhostx_ring *r = &vq->ring;
	u64 num = r->num, ev = r->event_idx ? sizeof(__virtio16) : 0;

	lockdep_assert_held(&vq->mutex);
	/* Packed: the device writes used descriptors into the descriptor ring. */
	if (r->packed)
		return devtlb_area_ok(vq, r->desc, num * sizeof(struct vring_packed_desc),
				      VHOST_ACCESS_RW, "descriptor") &&
		       devtlb_area_ok(vq, r->avail, sizeof(struct vring_packed_desc_event),
				      VHOST_ACCESS_RO, "driver event") &&
		       devtlb_area_ok(vq, r->used, sizeof(struct vring_packed_desc_event),
				      VHOST_ACCESS_WO, "device event");
	return devtlb_area_ok(vq, r->desc, num * sizeof(struct vring_desc), VHOST_ACCESS_RO,
			      "descriptor") &&
	       devtlb_area_ok(vq, r->avail, sizeof(struct vring_avail) + num * sizeof(__virtio16) +
			      ev, VHOST_ACCESS_RO, "available") &&
	       devtlb_area_ok(vq, r->used, sizeof(struct vring_used) +
			      num * sizeof(struct vring_used_elem) + ev, VHOST_ACCESS_WO, "used");
}

/**
 * vhostx_devtlb_check_ring() - ring addresses that are IOVAs
 * @num: ring size
 * @desc: descriptor table IOVA
 * @avail: available ring IOVA
 * @used: used ring IOVA
 * @packed: the packed layout (descriptor ring, driver and device event
 *          areas: alignment 16, 4 and 4; any size)
 *
 * Only the size and the alignment can be checked when they are set; what
 * they mean is found at use, through the IOTLB.
 *
 * Return: 0 or -EINVAL.
 */
int vhostx_devtlb_check_ring(unsigned int num, u64 desc, u64 avail, u64 used, bool packed)
{
	if (!num || num > VHOSTX_RING_MAX_NUM || (!packed && (num & (num - 1))))
		return -EINVAL;
	if (packed)
		return (desc & (VRING_DESC_ALIGN_SIZE - 1)) ||
		       (avail & (sizeof(struct vring_packed_desc_event) - 1)) ||
		       (used & (sizeof(struct vring_packed_desc_event) - 1)) ? -EINVAL : 0;
	if ((desc & (VRING_DESC_ALIGN_SIZE - 1)) ||
	    (avail & (VRING_AVAIL_ALIGN_SIZE - 1)) ||
	    (used & (VRING_USED_ALIGN_SIZE - 1)))
		return -EINVAL;
	return 0;
}

struct devtlb_log {
	struct vhostx_vq *vq;
	int (*fn)(void *arg, u64 gpa, u64 len);
};

static int devtlb_log_piece(void *arg, u64 uaddr, u64 len)
{
	struct devtlb_log *l = arg;

	return vhostx_mem_reverse(l->vq->ring.mem, uaddr, len, l->fn, l->vq);
}

/**
 * vhostx_devtlb_log() - the guest pages behind an IOVA range, for the log
 * @vq: the queue, mutex held, translating through the device IOTLB
 * @iova: start of a range the device wrote
 * @len: its length
 * @fn: called with @vq, a guest physical start and a length
 *
 * IOVA -> user address through the IOTLB, then user address -> guest
 * physical through the memory table, as every write is logged at the
 * guest physical address.
 *
 * Return: 0, -EFAULT when a piece has no translation, or @fn's error.
 */
int vhostx_devtlb_log(struct vhostx_vq *vq, u64 iova, u64 len,
		      int (*fn)(void *arg, u64 gpa, u64 len))
{
	struct devtlb_log l = { .vq = vq, .fn = fn };
	u64 miss;
	int ret;

	lockdep_assert_held(&vq->mutex);
	ret = devtlb_walk(vq->dev->iotlb, iova, len, VHOST_ACCESS_WO, &miss, devtlb_log_piece, &l);
	return ret == -EAGAIN ? -EFAULT : ret;
}

/* VHOST_IOTLB_UPDATE; the queues parked on an address it covers run again. */
static int devtlb_update(struct vhostx_dev *dev, const struct vhost_iotlb_msg *m)
{
	u64 last = m->iova + m->size - 1;
	unsigned int i;
	int ret;

	if (!dev->iotlb)
		return -EFAULT;
	if (!m->size || last < m->iova || m->uaddr + m->size - 1 < m->uaddr)
		return -EINVAL;
	if (!m->perm || (m->perm & ~VHOST_ACCESS_RW))
		return -EINVAL;
	if (m->uaddr != (unsigned long)m->uaddr || m->size != (unsigned long)m->size ||
	    !access_ok(u64_to_user_ptr(m->uaddr), m->size))
		return -EFAULT;
	ret = vhost_iotlb_add_range(dev->iotlb, m->iova, last, m->uaddr, m->perm);
	if (ret)
		return ret;
	dev->iotlb_updates++;
	spin_lock(&dev->iotlb_lock);
	for (i = 0; i < dev->nvqs; i++) {
		struct vhostx_vq *vq = dev->vqs[i];

		if (!vq->miss_pending && list_empty(&vq->miss_node))
			continue;
		if (vq->miss_iova < m->iova || vq->miss_iova > last)
			continue;
		list_del_init(&vq->miss_node);
		vq->miss_pending = false;
		vhostx_poll_queue(&vq->poll);
	}
	spin_unlock(&dev->iotlb_lock);
	return 0;
}

/*
 * VHOST_IOTLB_INVALIDATE. A range running past the end of the address
 * space is cut there: QEMU invalidates everything as iova 0, size 0
 * (an address mask of all ones, plus one), and dropping more than asked
 * from a cache is always safe.
 */
static int devtlb_invalidate(struct vhostx_dev *dev, const struct vhost_iotlb_msg *m)
{
	u64 last = m->iova + m->size - 1;

	if (!dev->iotlb)
		return -EFAULT;
	if (!m->size || last < m->iova)
		last = U64_MAX;
	vhost_iotlb_del_range(dev->iotlb, m->iova, last);
	dev->iotlb_invalidations++;
	return 0;
}

/* One message; device mutex and every queue mutex held. */
static int devtlb_msg(struct vhostx_dev *dev, const struct vhost_iotlb_msg *m)
{
	bool batch = dev->backend_features & BIT_ULL(VHOST_BACKEND_F_IOTLB_BATCH);

	switch (m->type) {
	case VHOST_IOTLB_UPDATE:
		return devtlb_update(dev, m);
	case VHOST_IOTLB_INVALIDATE:
		return devtlb_invalidate(dev, m);
	case VHOST_IOTLB_BATCH_BEGIN:
		/* Nothing waits for the end: every message takes effect at once. */
		if (!batch || dev->iotlb_batch)
			return -EINVAL;
		dev->iotlb_batch = true;
		return 0;
	case VHOST_IOTLB_BATCH_END:
		if (!batch || !dev->iotlb_batch)
			return -EINVAL;
		dev->iotlb_batch = false;
		return 0;
	default:
		/* MISS and ACCESS_FAIL only travel from the device to the owner. */
		return -EINVAL;
	}
}

/**
 * vhostx_dev_write_iter() - take one IOTLB message written to the device
 * @dev: the device
 * @from: a struct vhost_msg or struct vhost_msg_v2 (the asid of v2 is
 *        reserved: no VHOST_BACKEND_F_IOTLB_ASID)
 *
 * As the kernel's vhost: a write too short for the header and the IOTLB
 * entry, an unknown message format and an UPDATE of size 0 are -EINVAL;
 * every other refusal (no IOTLB: ACCESS_PLATFORM not acked, a range that
 * wraps, an unknown type or permission, a user range outside the address
 * space, BATCH_END without BATCH_BEGIN) is -EFAULT.
 *
 * Return: the message's size (at most what was written), or -errno.
 */
ssize_t vhostx_dev_write_iter(struct vhostx_dev *dev, struct iov_iter *from)
{
	size_t size, count = iov_iter_count(from);
	struct vhost_iotlb_msg msg;
	u32 hdr[2];
	int ret;

	BUILD_BUG_ON(offsetof(struct vhost_msg, iotlb) != sizeof(hdr));
	BUILD_BUG_ON(offsetof(struct vhost_msg_v2, iotlb) != sizeof(hdr));
	if (copy_from_iter(hdr, sizeof(hdr), from) != sizeof(hdr))
		return -EINVAL;
	switch (hdr[0]) {
	case VHOST_IOTLB_MSG:
		size = sizeof(struct vhost_msg);
		break;
	case VHOST_IOTLB_MSG_V2:
		size = sizeof(struct vhost_msg_v2);
		break;
	default:
		return -EINVAL;
	}
	if (copy_from_iter(&msg, sizeof(msg), from) != sizeof(msg))
		return -EINVAL;
	if (msg.type == VHOST_IOTLB_UPDATE && !msg.size)
		return -EINVAL;

	mutex_lock(&dev->mutex);
	vhostx_dev_lock_vqs(dev);
	ret = devtlb_msg(dev, &msg);
	vhostx_dev_unlock_vqs(dev);
	mutex_unlock(&dev->mutex);
	if (ret)
		return -EFAULT;
	return min(size, count);
}
EXPORT_SYMBOL_GPL(vhostx_dev_write_iter);

/* Take the oldest unread miss; the queue stays parked until an update. */
static bool devtlb_pop(struct vhostx_dev *dev, u64 *iova, u8 *perm)
{
	struct vhostx_vq *vq;

	spin_lock(&dev->iotlb_lock);
	vq = list_first_entry_or_null(&dev->iotlb_misses, struct vhostx_vq, miss_node);
	if (vq) {
		list_del_init(&vq->miss_node);
		vq->miss_pending = true;
		*iova = vq->miss_iova;
		*perm = vq->miss_perm;
	}
	spin_unlock(&dev->iotlb_lock);
	return vq;
}

static bool devtlb_readable(struct vhostx_dev *dev)
{
	return !list_empty_careful(&dev->iotlb_misses);
}

/**
 * vhostx_dev_read_iter() - hand the owner one IOTLB miss
 * @dev: the device
 * @to: room for a struct vhost_msg (v2 when VHOST_BACKEND_F_IOTLB_MSG_V2
 *      is acked)
 * @nonblock: O_NONBLOCK
 *
 * Return: the message's size; 0 when @to cannot hold one; -EAGAIN when
 * none is waiting and @nonblock; -EBADFD when none is waiting and there is
 * no IOTLB (nothing could ever come); -ERESTARTSYS on a signal; -EFAULT.
 */
ssize_t vhostx_dev_read_iter(struct vhostx_dev *dev, struct iov_iter *to, bool nonblock)
{
	struct vhost_msg_v2 m2 = { };
	struct vhost_msg m1 = { };
	struct vhost_iotlb_msg *msg;
	void *buf;
	size_t size;
	u64 iova;
	u8 perm;
	int ret;

	if (iov_iter_count(to) < sizeof(struct vhost_msg))
		return 0;
	while (!devtlb_pop(dev, &iova, &perm)) {
		if (nonblock)
			return -EAGAIN;
		if (!READ_ONCE(dev->iotlb))
			return -EBADFD;
		ret = wait_event_interruptible(dev->iotlb_wait, devtlb_readable(dev) ||
					       !READ_ONCE(dev->iotlb));
		if (ret)
			return ret;
	}
	if (READ_ONCE(dev->backend_features) & BIT_ULL(VHOST_BACKEND_F_IOTLB_MSG_V2)) {
		m2.type = VHOST_IOTLB_MSG_V2;
		msg = &m2.iotlb;
		buf = &m2;
		size = sizeof(m2);
	} else {
		m1.type = VHOST_IOTLB_MSG;
		msg = &m1.iotlb;
		buf = &m1;
		size = sizeof(m1);
	}
	msg->type = VHOST_IOTLB_MISS;
	msg->iova = iova;
	msg->perm = perm;
	if (copy_to_iter(buf, size, to) != size)
		return -EFAULT;
	return size;
}
EXPORT_SYMBOL_GPL(vhostx_dev_read_iter);

/**
 * vhostx_dev_poll() - poll() on the device file
 * @dev: the device
 * @file: the file
 * @wait: the poll table
 *
 * Return: EPOLLIN when a miss waits for read(); EPOLLOUT always (a write
 * never blocks).
 */
__poll_t vhostx_dev_poll(struct vhostx_dev *dev, struct file *file, poll_table *wait)
{
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &dev->iotlb_wait, wait);
	if (devtlb_readable(dev))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}
EXPORT_SYMBOL_GPL(vhostx_dev_poll);
