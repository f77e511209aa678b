// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpax_sim_net: the device side of its virtqueues, split or packed
 * (VIRTIO_F_RING_PACKED), on the vhostx ring core (<vhostx/ring.h>, in vhostx.ko). The core walks the rings, the
 * same code vhostx_net runs and the host fuzzer exercises; this file only
 * gives it guest memory: an accessor (struct vhostx_ring_acc) that reads
 * and writes through the IOTLB of the queue's address space. Buffer
 * addresses stay I/O virtual addresses in the chains the core hands back
 * (the accessor's translate checks that they are mapped, with the
 * permission the direction needs, and copies nothing).
 *
 * Everything in the rings is written by the driver and is not trusted. A
 * ring that breaks the core's rules (index jumps, out-of-range heads and
 * nexts, loops, readable after writable, addresses outside the IOTLB, an
 * indirect descriptor: never offered; packed: bad or reused buffer ids,
 * chains longer than the free ring) makes the call fail; the caller stops
 * using the queue and flags DEVICE_NEEDS_RESET.
 *
 * Context: every function here runs with the device lock held (a spinlock,
 * interrupts off), so the accessors never sleep; the IOTLB cannot change
 * underneath.
 */
#include <linux/kernel.h>
#include <uapi/linux/virtio_ring.h>

#include "sim.h"

static struct vhost_iotlb *vdpasim_acc_iotlb(void *ctx)
{
	return ((struct vdpasim_vq *)ctx)->iotlb;
}

/* struct vhostx_ring_acc.translate: check the buffer is mapped, keep the IOVA. */
static int vdpasim_acc_translate(void *ctx, u64 addr, u64 len, struct iovec *iov,
				 unsigned int max, bool write)
{
	struct vhost_iotlb *iotlb = vdpasim_acc_iotlb(ctx);
	u32 perm = write ? VHOST_MAP_WO : VHOST_MAP_RO;
	u64 a = addr, last;

	if (!len)
		return 0;
	if (!max)
		return -ENOBUFS;
	last = addr + len - 1;
	if (last < addr)
		return -EFAULT;
	for (;;) {
		struct vhost_iotlb_map *map = vhost_iotlb_itree_first(iotlb, a, a);

		if (!map || !(map->perm & perm))
			return -EFAULT;
		if (map->last >= last)
			break;
		a = map->last + 1;
	}
	iov->iov_base = u64_to_user_ptr(addr);
	iov->iov_len = len;
	return 1;
}

/* struct vhostx_ring_acc.read and .write: the ring areas, by IOVA. */
static int vdpasim_acc_read(void *ctx, void *dst, u64 addr, size_t len)
{
	return vdpasim_iova_read(vdpasim_acc_iotlb(ctx), addr, dst, len);
}

static int vdpasim_acc_write(void *ctx, u64 addr, const void *src, size_t len)
{
	return vdpasim_iova_write(vdpasim_acc_iotlb(ctx), addr, src, len);
}

/* struct vhostx_ring_acc.read_iov: inside what translate gave, an IOVA too. */
static int vdpasim_acc_read_iov(void *ctx, void *dst, const void __user *src, size_t len)
{
	return vdpasim_iova_read(vdpasim_acc_iotlb(ctx), (u64)(uintptr_t)src, dst, len);
}

static const struct vhostx_ring_acc vdpasim_acc = {
	.translate = vdpasim_acc_translate,
	.read = vdpasim_acc_read,
	.write = vdpasim_acc_write,
	.read_iov = vdpasim_acc_read_iov,
};

/* The core's verdict as an errno for vdpasim_fail(): -EFAULT or -EINVAL. */
static int vdpasim_vq_err(int err)
{
	return err == -EFAULT ? -EFAULT : -EINVAL;
}

/*
 * Load the queue into the ring core on first use after a configuration
 * change: the core takes the used index from the used ring (packed: both
 * positions from the queue's state, nothing in flight) and turns the
 * driver's notifications on.
 */
static int vdpasim_vq_start(struct vdpasim_vq *vq)
{
	struct vhostx_ring *r = &vq->ring;
	int err;

	memset(r, 0, sizeof(*r));
	r->num = vq->num;
	r->desc = u64_to_user_ptr(vq->desc_addr);
	r->avail = u64_to_user_ptr(vq->driver_addr);
	r->used = u64_to_user_ptr(vq->device_addr);
	r->acc = &vdpasim_acc;
	r->acc_ctx = vq;
	/* Neither EVENT_IDX nor INDIRECT_DESC is offered. */
	r->in_order = vq->in_order;
	r->last_avail_idx = vq->avail_base;
	if (vq->packed) {
		/* Every chain was completed before the queue stopped. */
		r->packed = true;
		r->pbufs = vq->pbufs;
		memset(r->pbufs, 0, vhostx_ring_pbufs_size(VDPASIM_VQ_NUM_MAX));
		r->avail_wrap = vq->avail_wrap;
		r->last_used_idx = vq->used_base;
		r->used_wrap = vq->used_wrap;
	}
	err = vhostx_ring_start(r);
	if (err)
		return vdpasim_vq_err(err);
	vq->started = true;
	return 0;
}

/* Make @vq usable for the ring calls of one lock hold, through @iotlb. */
static int vdpasim_vq_enter(struct vdpasim_vq *vq, struct vhost_iotlb *iotlb)
{
	vq->iotlb = iotlb;
	if (likely(vq->started))
		return vq->ring.broken ? -EINVAL : 0;
	return vdpasim_vq_start(vq);
}

/**
 * vdpasim_vq_stop() - unload a queue from the ring core, keeping its place
 * @vq: the queue
 *
 * Called when the driver changes the queue (address, size, readiness, state);
 * the next use loads it again from where it stopped.
 *
 * Context: device lock held.
 */
void vdpasim_vq_stop(struct vdpasim_vq *vq)
{
	if (!vq->started)
		return;
	vq->avail_base = vq->ring.last_avail_idx;
	vq->used_base = vq->ring.last_used_idx;
	vq->avail_wrap = vq->ring.avail_wrap;
	vq->used_wrap = vq->ring.used_wrap;
	vq->started = false;
}

/**
 * vdpasim_vq_state() - the queue's position
 * @vq: the queue
 * @state: filled: split, the next available index the device reads and the
 *         next used index it writes; packed (@vq->packed), both positions
 *         and wrap counters in @state->packed (the split fields then hold
 *         the positions with the wrap counters in bit 15)
 *
 * Context: device lock held.
 */
void vdpasim_vq_state(struct vdpasim_vq *vq, struct vdpax_vq_state *state)
{
	const struct vhostx_ring *r = &vq->ring;
	bool aw = vq->started ? r->avail_wrap : vq->avail_wrap;
	bool uw = vq->started ? r->used_wrap : vq->used_wrap;

	memset(state, 0, sizeof(*state));
	state->avail_index = vq->started ? r->last_avail_idx : vq->avail_base;
	state->used_index = vq->started ? r->last_used_idx : vq->used_base;
	if (!vq->packed)
		return;
	state->packed.last_avail_idx = state->avail_index;
	state->packed.last_avail_counter = aw;
	state->packed.last_used_idx = state->used_index;
	state->packed.last_used_counter = uw;
	state->avail_index |= aw ? BIT(15) : 0;
	state->used_index |= uw ? BIT(15) : 0;
}

/**
 * vdpasim_vq_set_state() - set the position of a stopped queue
 * @vq: the queue, not started
 * @state: split: the available index (the used one follows it: every chain
 *         taken is completed at once, until the ring core reads the used
 *         index at the next use); packed: @state->packed, both positions
 *         below the queue size when it is set (the ring core checks the
 *         rest when the queue is next used)
 *
 * Context: device lock held.
 * Return: 0, or -EINVAL for a packed position beyond the queue.
 */
int vdpasim_vq_set_state(struct vdpasim_vq *vq, const struct vdpax_vq_state *state)
{
	if (vq->packed) {
		if (vq->num && (state->packed.last_avail_idx >= vq->num ||
				state->packed.last_used_idx >= vq->num))
			return -EINVAL;
		vq->avail_base = state->packed.last_avail_idx;
		vq->avail_wrap = state->packed.last_avail_counter;
		vq->used_base = state->packed.last_used_idx;
		vq->used_wrap = state->packed.last_used_counter;
		return 0;
	}
	vq->avail_base = state->avail_index;
	vq->used_base = state->avail_index;
	return 0;
}

/**
 * vdpasim_vq_pop() - take the next available descriptor chain
 * @vq: the queue, ready and with a valid size
 * @iotlb: address space of the queue's group
 * @c: filled with the chain
 *
 * Context: device lock held.
 * Return: 1 if a chain was taken, 0 if none is available, -EFAULT if the
 * rings or a buffer cannot be reached, -EINVAL if the driver broke the
 * ring rules.
 */
int vdpasim_vq_pop(struct vdpasim_vq *vq, struct vhost_iotlb *iotlb,
		   struct vdpasim_chain *c)
{
	unsigned int i;
	int ret;

	ret = vdpasim_vq_enter(vq, iotlb);
	if (ret)
		return ret;
	ret = vhostx_ring_get_chain(&vq->ring, c->iov, ARRAY_SIZE(c->iov), &c->nout,
				    &c->nin, &c->head);
	if (ret <= 0)
		return ret ? vdpasim_vq_err(ret) : 0;
	c->out_len = 0;
	c->in_len = 0;
	for (i = 0; i < c->nout; i++)
		c->out_len += c->iov[i].iov_len;
	for (; i < c->nout + c->nin; i++)
		c->in_len += c->iov[i].iov_len;
	return 1;
}

/**
 * vdpasim_vq_avail() - how many chains the driver has made available
 * @vq: the queue, ready and with a valid size
 * @iotlb: address space of the queue's group
 * @n: set to the count, at most the queue size
 *
 * The index is read again only once the chains seen before are taken, so
 * popping @n chains never reads it. A packed ring has no index to count
 * with: @n is the queue size (an upper bound) when a chain is available.
 *
 * Context: device lock held.
 * Return: 0, -EFAULT if the ring cannot be reached, -EINVAL if the driver's
 * index is further ahead than the queue size.
 */
int vdpasim_vq_avail(struct vdpasim_vq *vq, struct vhost_iotlb *iotlb, u16 *n)
{
	struct vhostx_ring *r = &vq->ring;
	int ret;

	ret = vdpasim_vq_enter(vq, iotlb);
	if (ret)
		return ret;
	*n = 0;
	if (vhostx_ring_avail_empty(r))
		return 0;
	if (r->broken)
		return -EINVAL;
	*n = r->packed ? r->num : (u16)(r->avail_idx - r->last_avail_idx);
	return 0;
}

/**
 * vdpasim_vq_push() - return a chain through the used ring
 * @vq: the queue
 * @iotlb: address space of the queue's group
 * @head: the chain's head index
 * @len: bytes the device wrote into the chain
 *
 * Context: device lock held.
 * Return: 0, -EFAULT or -EINVAL.
 */
int vdpasim_vq_push(struct vdpasim_vq *vq, struct vhost_iotlb *iotlb, u16 head,
		    u32 len)
{
	struct vring_used_elem elem;
	int ret;

	ret = vdpasim_vq_enter(vq, iotlb);
	if (ret)
		return ret;
	vhostx_used_elem_set(&elem, head, len);
	ret = vhostx_ring_add_used(&vq->ring, &elem, 1);
	if (ret)
		return vdpasim_vq_err(ret);
	vq->need_irq = true;
	return 0;
}

/**
 * vdpasim_vq_push_batch() - return chains through the used ring at once
 * @vq: the queue
 * @iotlb: address space of the queue's group
 * @elems: the chains, in the order they were popped (ring byte order, see
 *         vhostx_used_elem_set())
 * @n: how many, at most VDPASIM_TX_BATCH; 0 does nothing
 *
 * With VIRTIO_F_IN_ORDER accepted, a batch whose lengths are all 0 but the
 * last one's (TX) goes out as one used entry. Counts @n completed chains.
 *
 * Context: device lock held.
 * Return: 0, -EFAULT or -EINVAL.
 */
int vdpasim_vq_push_batch(struct vdpasim_vq *vq, struct vhost_iotlb *iotlb,
			  const struct vring_used_elem *elems, unsigned int n)
{
	int ret;

	if (!n)
		return 0;
	ret = vdpasim_vq_enter(vq, iotlb);
	if (ret)
		return ret;
	ret = vhostx_ring_add_used(&vq->ring, elems, n);
	if (ret)
		return vdpasim_vq_err(ret);
	vq->need_irq = true;
	vq->stats.completed_desc += n;
	return 0;
}

/**
 * vdpasim_vq_want_irq() - whether the driver wants a used-buffer callback
 * @vq: the queue
 * @iotlb: address space of the queue's group
 *
 * Context: device lock held.
 * Return: false if the driver set VRING_AVAIL_F_NO_INTERRUPT; true if it
 * did not, or if the ring cannot tell (a spurious callback is harmless).
 */
bool vdpasim_vq_want_irq(struct vdpasim_vq *vq, struct vhost_iotlb *iotlb)
{
	if (vdpasim_vq_enter(vq, iotlb))
		return true;
	return vhostx_ring_need_signal(&vq->ring);
}

static int vdpasim_chain_copy(struct vhost_iotlb *iotlb, const struct vdpasim_chain *c,
			      u64 offset, void *buf, size_t len, bool to_chain)
{
	unsigned int first = to_chain ? c->nout : 0;
	unsigned int end = to_chain ? c->nout + c->nin : c->nout;
	unsigned int s;
	int err;

	for (s = first; s < end && len; s++) {
		u64 seglen = c->iov[s].iov_len;
		u64 addr = (u64)(uintptr_t)c->iov[s].iov_base;
		size_t n;

		if (offset >= seglen) {
			offset -= seglen;
			continue;
		}
		n = min_t(u64, len, seglen - offset);
		if (to_chain)
			err = vdpasim_iova_write(iotlb, addr + offset, buf, n);
		else
			err = vdpasim_iova_read(iotlb, addr + offset, buf, n);
		if (err)
			return err;
		offset = 0;
		buf += n;
		len -= n;
	}
	return len ? -EMSGSIZE : 0;
}

/**
 * vdpasim_chain_read() - copy from the readable part of a chain
 * @iotlb: address space
 * @c: the chain
 * @offset: offset into the readable bytes
 * @buf: destination
 * @len: bytes
 *
 * Context: device lock held.
 * Return: 0, -EMSGSIZE if the chain is too short, -EFAULT.
 */
int vdpasim_chain_read(struct vhost_iotlb *iotlb, const struct vdpasim_chain *c,
		       u64 offset, void *buf, size_t len)
{
	return vdpasim_chain_copy(iotlb, c, offset, buf, len, false);
}

/**
 * vdpasim_chain_write() - copy into the writable part of a chain
 * @iotlb: address space
 * @c: the chain
 * @offset: offset into the writable bytes
 * @buf: source
 * @len: bytes
 *
 * Context: device lock held.
 * Return: 0, -EMSGSIZE if the chain is too short, -EFAULT.
 */
int vdpasim_chain_write(struct vhost_iotlb *iotlb, const struct vdpasim_chain *c,
			u64 offset, const void *buf, size_t len)
{
	return vdpasim_chain_copy(iotlb, c, offset, (void *)buf, len, true);
}
