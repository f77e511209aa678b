// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpax_sim_net: the device side of split virtqueues (virtio 1.x, 2.7),
 * reading and writing the rings through an IOTLB.
 *
 * Everything in the rings is written by the driver and is not trusted: ring
 * indexes are bounded by the queue size, chains by the number of
 * descriptors, and indirect descriptors (never offered) are refused. A ring
 * that breaks these rules makes the pop fail with -EINVAL; the caller stops
 * using the queue and flags DEVICE_NEEDS_RESET.
 */
#include <linux/kernel.h>
#include <uapi/linux/virtio_ring.h>

#include "sim.h"

#define VDPASIM_AVAIL_IDX(vq)		((vq)->driver_addr + 2)
#define VDPASIM_AVAIL_RING(vq, i)	((vq)->driver_addr + 4 + 2 * (u64)(i))
#define VDPASIM_USED_IDX(vq)		((vq)->device_addr + 2)
#define VDPASIM_USED_RING(vq, i)	((vq)->device_addr + 4 + 8 * (u64)(i))

static int vdpasim_read16(struct vhost_iotlb *iotlb, u64 iova, u16 *val)
{
	__le16 v;
	int err = vdpasim_iova_read(iotlb, iova, &v, sizeof(v));

	*val = le16_to_cpu(v);
	return err;
}

static int vdpasim_write16(struct vhost_iotlb *iotlb, u64 iova, u16 val)
{
	__le16 v = cpu_to_le16(val);

	return vdpasim_iova_write(iotlb, iova, &v, sizeof(v));
}

/**
 * vdpasim_vq_pop() - take the next available descriptor chain
 * @vq: the queue, ready and with a valid size
 * @iotlb: address space of the queue's group
 * @c: filled with the chain
 *
 * Context: device lock held.
 * Return: 1 if a chain was taken, 0 if none is available, -EFAULT if the
 * rings cannot be reached, -EINVAL if the driver broke the ring rules.
 */
int vdpasim_vq_pop(struct vdpasim_vq *vq, struct vhost_iotlb *iotlb,
		   struct vdpasim_chain *c)
{
	u16 avail_idx, head, i;
	unsigned int count;
	int err;

	err = vdpasim_read16(iotlb, VDPASIM_AVAIL_IDX(vq), &avail_idx);
	if (err)
		return err;
	if (avail_idx == vq->last_avail_idx)
		return 0;
	if ((u16)(avail_idx - vq->last_avail_idx) > vq->num)
		return -EINVAL;
	/* Read the ring entry only after seeing the index that covers it. */
	smp_rmb();

	err = vdpasim_read16(iotlb, VDPASIM_AVAIL_RING(vq, vq->last_avail_idx & (vq->num - 1)),
			     &head);
	if (err)
		return err;
	if (head >= vq->num)
		return -EINVAL;

	c->head = head;
	c->nout = 0;
	c->nin = 0;
	c->out_len = 0;
	c->in_len = 0;
	i = head;
	for (count = 0; ; count++) {
		struct vring_desc desc;
		u16 flags;

		if (count >= vq->num)
			return -EINVAL;	/* a loop, or longer than the table */
		err = vdpasim_iova_read(iotlb, vq->desc_addr + (u64)i * sizeof(desc),
					&desc, sizeof(desc));
		if (err)
			return err;
		flags = le16_to_cpu((__force __le16)desc.flags);
		if (flags & VRING_DESC_F_INDIRECT)
			return -EINVAL;
		if (flags & VRING_DESC_F_WRITE) {
			c->in_len += le32_to_cpu((__force __le32)desc.len);
			c->nin++;
		} else {
			if (c->nin)
				return -EINVAL;	/* readable after writable */
			c->out_len += le32_to_cpu((__force __le32)desc.len);
			c->nout++;
		}
		c->seg[count].addr = le64_to_cpu((__force __le64)desc.addr);
		c->seg[count].len = le32_to_cpu((__force __le32)desc.len);
		if (!(flags & VRING_DESC_F_NEXT))
			break;
		i = le16_to_cpu((__force __le16)desc.next);
		if (i >= vq->num)
			return -EINVAL;
	}

	vq->last_avail_idx++;
	return 1;
}

/**
 * vdpasim_vq_avail() - how many chains the driver has made available
 * @vq: the queue, ready and with a valid size
 * @iotlb: address space of the queue's group
 * @n: set to the count, at most the queue size
 *
 * Context: device lock held.
 * Return: 0, -EFAULT if the ring cannot be reached, -EINVAL if the driver's
 * index is further ahead than the queue size.
 */
int vdpasim_vq_avail(struct vdpasim_vq *vq, struct vhost_iotlb *iotlb, u16 *n)
{
	u16 avail_idx;
	int err;

	err = vdpasim_read16(iotlb, VDPASIM_AVAIL_IDX(vq), &avail_idx);
	if (err)
		return err;
	*n = avail_idx - vq->last_avail_idx;
	return *n > vq->num ? -EINVAL : 0;
}

/**
 * vdpasim_vq_push() - return a chain through the used ring
 * @vq: the queue
 * @iotlb: address space of the queue's group
 * @head: the chain's head index
 * @len: bytes the device wrote into the chain
 *
 * Context: device lock held.
 * Return: 0 or -EFAULT.
 */
int vdpasim_vq_push(struct vdpasim_vq *vq, struct vhost_iotlb *iotlb, u16 head,
		    u32 len)
{
	struct vring_used_elem elem = {
		.id = (__force __virtio32)cpu_to_le32(head),
		.len = (__force __virtio32)cpu_to_le32(len),
	};
	int err;

	err = vdpasim_iova_write(iotlb, VDPASIM_USED_RING(vq, vq->used_idx & (vq->num - 1)),
				 &elem, sizeof(elem));
	if (err)
		return err;
	/* The element must be visible before the index that publishes it. */
	smp_wmb();
	err = vdpasim_write16(iotlb, VDPASIM_USED_IDX(vq), vq->used_idx + 1);
	if (err)
		return err;
	vq->used_idx++;
	vq->need_irq = true;
	return 0;
}

/**
 * vdpasim_vq_want_irq() - whether the driver wants a used-buffer callback
 * @vq: the queue
 * @iotlb: address space of the queue's group
 *
 * Context: device lock held.
 * Return: false if the driver set VRING_AVAIL_F_NO_INTERRUPT.
 */
bool vdpasim_vq_want_irq(struct vdpasim_vq *vq, struct vhost_iotlb *iotlb)
{
	u16 flags;

	/* Order the used index write before reading the driver's flags. */
	smp_mb();
	if (vdpasim_read16(iotlb, vq->driver_addr, &flags))
		return true;
	return !(flags & VRING_AVAIL_F_NO_INTERRUPT);
}

static int vdpasim_chain_copy(struct vhost_iotlb *iotlb, const struct vdpasim_chain *c,
			      u64 offset, void *buf, size_t len, bool to_chain)
{
	unsigned int first = to_chain ? c->nout : 0;
	unsigned int end = to_chain ? c->nout + c->nin : c->nout;
	unsigned int s;
	int err;

	for (s = first; s < end && len; s++) {
		u64 seglen = c->seg[s].len;
		size_t n;

		if (offset >= seglen) {
			offset -= seglen;
			continue;
		}
		n = min_t(u64, len, seglen - offset);
		if (to_chain)
			err = vdpasim_iova_write(iotlb, c->seg[s].addr + offset, buf, n);
		else
			err = vdpasim_iova_read(iotlb, c->seg[s].addr + offset, buf, n);
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
