// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpax_sim_net: a software vDPA network device.
 *
 * The management device "vdpasim_net" creates devices on "vdpa dev add".
 * Each device has max_vqp queue pairs and a control queue. What the driver
 * transmits on TX queue 2k+1 is copied to a buffer of RX queue 2k, if its
 * destination MAC is the device's (or multicast), or dropped and counted
 * when the RX queue has no buffer. Control queue commands (MAC address,
 * number of queue pairs): kick_vq() answers the first few itself, so a
 * driver that busy-waits for the answer (virtio_net) gets it even on a
 * single CPU; the rest, and the datapath, run in a work item on an unbound
 * workqueue, in chunks of bounded size with interrupts enabled between them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_ids.h>

#include "sim.h"

#define VDPASIM_FEATURES	(BIT_ULL(VIRTIO_F_VERSION_1) |		\
				 BIT_ULL(VIRTIO_F_ACCESS_PLATFORM) |	\
				 BIT_ULL(VIRTIO_F_RING_PACKED) |	\
				 BIT_ULL(VIRTIO_F_IN_ORDER) |		\
				 BIT_ULL(VIRTIO_F_RING_RESET) |		\
				 BIT_ULL(VIRTIO_NET_F_MAC) |		\
				 BIT_ULL(VIRTIO_NET_F_MTU) |		\
				 BIT_ULL(VIRTIO_NET_F_STATUS) |		\
				 BIT_ULL(VIRTIO_NET_F_CTRL_VQ) |	\
				 BIT_ULL(VIRTIO_NET_F_CTRL_MAC_ADDR) |	\
				 BIT_ULL(VIRTIO_NET_F_MQ))

/* Frames or commands handled per hold of the device lock (interrupts off). */
#define VDPASIM_CHUNK		16
/* Control commands kick_vq() handles itself, in the kicker's context. */
#define VDPASIM_CVQ_INLINE	4
#define VDPASIM_VENDOR_ID	0

static struct device *vdpasim_root;
static struct device *vdpasim_port_root;
static struct vdpax_mgmt_dev vdpasim_port_mgmtdev;

/*
 * The work item goes to an unbound workqueue: a CPU that busy-waits for the
 * device (virtio_net polling for a control answer) does not keep it from
 * running elsewhere.
 */
void vdpasim_schedule(struct vdpasim_net *sim)
{
	queue_work(system_unbound_wq, &sim->work);
}

/* The value of @expr, evaluated with @sim's lock held (interrupts off). */
#define vdpasim_locked(sim, expr)				\
({								\
	unsigned long __flags;					\
	typeof(expr) __val;					\
								\
	spin_lock_irqsave(&(sim)->lock, __flags);		\
	__val = (expr);						\
	spin_unlock_irqrestore(&(sim)->lock, __flags);		\
	__val;							\
})

/* The features that decide the queue layout right now; lock held. */
static u64 vdpasim_layout_features(struct vdpasim_net *sim)
{
	return sim->features_set ? sim->drv_features : sim->dev_features;
}

/* Index of the control queue; lock held. */
static u16 vdpasim_cvq_index(struct vdpasim_net *sim)
{
	if (vdpasim_layout_features(sim) & BIT_ULL(VIRTIO_NET_F_MQ))
		return 2 * sim->max_vqp;
	return 2;
}

static bool vdpasim_has_cvq(struct vdpasim_net *sim)
{
	return vdpasim_layout_features(sim) & BIT_ULL(VIRTIO_NET_F_CTRL_VQ);
}

static bool vdpasim_is_cvq(struct vdpasim_net *sim, u16 idx)
{
	return vdpasim_has_cvq(sim) && idx == vdpasim_cvq_index(sim);
}

static struct vhost_iotlb *vdpasim_vq_iotlb(struct vdpasim_net *sim, u16 idx)
{
	unsigned int group = vdpasim_is_cvq(sim, idx) ? VDPASIM_CVQ_GROUP : VDPASIM_DATA_GROUP;

	return sim->iotlb[sim->group_asid[group]];
}

static bool vdpasim_running(struct vdpasim_net *sim)
{
	return (sim->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	       !(sim->status & VIRTIO_CONFIG_S_NEEDS_RESET) && !sim->suspended;
}

bool vdpasim_vq_usable(struct vdpasim_vq *vq)
{
	return vq->ready && vq->num;
}

/* The driver broke a ring or gave addresses we cannot reach; lock held. */
void vdpasim_fail(struct vdpasim_net *sim, u16 idx, int err)
{
	sim->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	dev_err_ratelimited(&sim->vdpa.dev, "virtqueue %u: %s (%d); device needs reset\n",
			    idx, err == -EFAULT ? "bad address" : "ring rules broken", err);
}

/* Handle one control command; returns VIRTIO_NET_OK or VIRTIO_NET_ERR. */
static u8 vdpasim_cvq_command(struct vdpasim_net *sim, struct vhost_iotlb *iotlb,
			      struct vdpasim_chain *c)
{
	struct virtio_net_ctrl_hdr hdr;
	u8 mac[ETH_ALEN];
	__le16 pairs;
	u16 n;

	if (vdpasim_chain_read(iotlb, c, 0, &hdr, sizeof(hdr)))
		return VIRTIO_NET_ERR;

	switch (hdr.class) {
	case VIRTIO_NET_CTRL_MAC:
		if (hdr.cmd != VIRTIO_NET_CTRL_MAC_ADDR_SET ||
		    !(sim->drv_features & BIT_ULL(VIRTIO_NET_F_CTRL_MAC_ADDR)) ||
		    vdpasim_chain_read(iotlb, c, sizeof(hdr), mac, sizeof(mac)) ||
		    !is_valid_ether_addr(mac))
			return VIRTIO_NET_ERR;
		ether_addr_copy(sim->config.mac, mac);
		return VIRTIO_NET_OK;
	case VIRTIO_NET_CTRL_MQ:
		if (hdr.cmd != VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET ||
		    !(sim->drv_features & BIT_ULL(VIRTIO_NET_F_MQ)) ||
		    vdpasim_chain_read(iotlb, c, sizeof(hdr), &pairs, sizeof(pairs)))
			return VIRTIO_NET_ERR;
		n = le16_to_cpu(pairs);
		if (n < VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MIN || n > sim->max_vqp)
			return VIRTIO_NET_ERR;
		sim->cur_vqp = n;
		return VIRTIO_NET_OK;
	default:
		return VIRTIO_NET_ERR;
	}
}

/*
 * Process up to @budget control commands, no more than the driver had made
 * available when this started. Returns true if the budget ran out (commands
 * may be left). Lock held.
 */
static bool vdpasim_handle_cvq(struct vdpasim_net *sim, unsigned int budget)
{
	u16 idx = vdpasim_cvq_index(sim);
	struct vdpasim_vq *vq = &sim->vqs[idx];
	struct vhost_iotlb *iotlb = sim->iotlb[sim->group_asid[VDPASIM_CVQ_GROUP]];
	struct vdpasim_chain *c = sim->txc;
	bool capped;
	u16 avail;
	u8 status;
	int err;

	lockdep_assert_held(&sim->lock);
	if (!vdpasim_has_cvq(sim) || !vdpasim_running(sim) || !vdpasim_vq_usable(vq))
		return false;

	/* One snapshot: a driver moving the index meanwhile gets no more. */
	err = vdpasim_vq_avail(vq, iotlb, &avail);
	if (err)
		goto out;
	capped = avail > budget;
	budget = min_t(unsigned int, budget, avail);
	for (; budget; budget--) {
		err = vdpasim_vq_pop(vq, iotlb, c);
		if (err <= 0)
			break;
		vq->stats.received_desc++;
		status = vdpasim_cvq_command(sim, iotlb, c);
		if (vdpasim_chain_write(iotlb, c, 0, &status, sizeof(status)))
			status = VIRTIO_NET_ERR;
		if (status == VIRTIO_NET_OK)
			vq->stats.packets++;
		else
			vq->stats.errors++;
		err = vdpasim_vq_push(vq, iotlb, c->head, sizeof(status));
		if (err)
			break;
		vq->stats.completed_desc++;
	}
out:
	if (err < 0) {
		vdpasim_fail(sim, idx, err);
		return false;
	}
	return capped && !budget;
}

bool vdpasim_accept(struct vdpasim_net *sim, const u8 *frame)
{
	return is_multicast_ether_addr(frame) || ether_addr_equal(frame, sim->config.mac);
}

/*
 * Move up to @budget frames from TX queue 2k+1 to RX queue 2k. Each RX
 * buffer is returned as it is filled (its length matters to the driver);
 * the TX chains go back in batches of up to VDPASIM_TX_BATCH, in the order
 * they were popped, all before the lock is dropped. Returns true if the
 * budget ran out (frames may be left). Lock held.
 */
static bool vdpasim_loop_pair(struct vdpasim_net *sim, unsigned int k, int budget)
{
	struct vdpasim_vq *rxq = &sim->vqs[2 * k], *txq = &sim->vqs[2 * k + 1];
	struct vhost_iotlb *iotlb = sim->iotlb[sim->group_asid[VDPASIM_DATA_GROUP]];
	struct virtio_net_hdr_mrg_rxbuf hdr = { .num_buffers = cpu_to_le16(1) };
	struct vdpasim_chain *txc = sim->txc, *rxc = sim->rxc;
	struct vring_used_elem done[VDPASIM_TX_BATCH];
	unsigned int ndone = 0;
	u16 failed = 2 * k + 1;
	bool more = false;
	size_t len;
	int err;

	lockdep_assert_held(&sim->lock);
	if (!vdpasim_vq_usable(txq))
		return false;

	while (budget-- > 0) {
		err = vdpasim_vq_pop(txq, iotlb, txc);
		if (err <= 0)
			goto out;
		txq->stats.received_desc++;

		if (txc->out_len < VDPASIM_HDR_LEN + ETH_HLEN ||
		    txc->out_len > VDPASIM_HDR_LEN + VDPASIM_BUF_SIZE) {
			txq->stats.errors++;
			goto complete_tx;
		}
		len = txc->out_len - VDPASIM_HDR_LEN;
		err = vdpasim_chain_read(iotlb, txc, VDPASIM_HDR_LEN, sim->buf, len);
		if (err)
			goto out;
		txq->stats.packets++;
		txq->stats.bytes += len;

		if (!vdpasim_vq_usable(rxq) || !vdpasim_accept(sim, sim->buf)) {
			rxq->stats.drops++;
			goto complete_tx;
		}
		err = vdpasim_vq_pop(rxq, iotlb, rxc);
		if (err < 0) {
			failed = 2 * k;
			goto out;
		}
		if (!err) {
			/*
			 * No receive buffer: a NIC drops the frame and counts
			 * it. Keeping it would stall TX until the driver
			 * posts one, and a driver may never do so.
			 */
			rxq->stats.drops++;
			rxq->stats.no_buffer++;
			goto complete_tx;
		}
		rxq->stats.received_desc++;
		if (rxc->in_len < VDPASIM_HDR_LEN + len) {
			/* Too small for the frame: return it unused. */
			rxq->stats.drops++;
			len = 0;
		} else {
			err = vdpasim_chain_write(iotlb, rxc, 0, &hdr, sizeof(hdr));
			if (!err)
				err = vdpasim_chain_write(iotlb, rxc, VDPASIM_HDR_LEN,
							  sim->buf, len);
			if (err) {
				failed = 2 * k;
				goto out;
			}
			rxq->stats.packets++;
			rxq->stats.bytes += len;
			len += VDPASIM_HDR_LEN;
		}
		err = vdpasim_vq_push(rxq, iotlb, rxc->head, len);
		if (err) {
			failed = 2 * k;
			goto out;
		}
		rxq->stats.completed_desc++;
complete_tx:
		vhostx_used_elem_set(&done[ndone++], txc->head, 0);
		if (ndone == ARRAY_SIZE(done)) {
			err = vdpasim_vq_push_batch(txq, iotlb, done, ndone);
			ndone = 0;
			if (err)
				goto out;
		}
	}
	more = true;
	err = 0;

out:
	/* What was popped before a failure is still returned. */
	if (ndone) {
		int terr = vdpasim_vq_push_batch(txq, iotlb, done, ndone);

		if (terr && err >= 0) {
			err = terr;
			failed = 2 * k + 1;
		}
	}
	if (err < 0) {
		vdpasim_fail(sim, failed, err);
		return false;
	}
	return more;
}

/*
 * Which queues completed buffers and want a callback: a bit per queue.
 * Lock held; the callbacks themselves run after it is dropped.
 */
static unsigned long vdpasim_pending_irqs(struct vdpasim_net *sim)
{
	unsigned long irqs = 0;
	u16 i;

	lockdep_assert_held(&sim->lock);
	BUILD_BUG_ON(VDPASIM_MAX_VQS > BITS_PER_LONG);
	for (i = 0; i < sim->nvqs; i++) {
		struct vdpasim_vq *vq = &sim->vqs[i];

		if (!vq->need_irq)
			continue;
		vq->need_irq = false;
		if (vdpasim_vq_want_irq(vq, vdpasim_vq_iotlb(sim, i)))
			irqs |= BIT(i);
	}
	return irqs;
}

/* Run the used-buffer callbacks of @irqs; the device lock is not held. */
static void vdpasim_deliver_irqs(struct vdpasim_net *sim, unsigned long irqs)
{
	unsigned long flags;
	unsigned int i;

	if (!irqs)
		return;
	spin_lock_irqsave(&sim->cb_lock, flags);
	for_each_set_bit(i, &irqs, VDPASIM_MAX_VQS) {
		const struct vdpax_callback *cb = &sim->vq_cb[i];

		if (cb->callback)
			cb->callback(cb->private);
	}
	spin_unlock_irqrestore(&sim->cb_lock, flags);
}

/*
 * One chunk of one unit of work: @unit 0 is the control queue, @unit k + 1
 * queue pair k. The lock is held, interrupts off, for this chunk only; the
 * callbacks it made due run after. Returns true if work may be left.
 */
static bool vdpasim_work_chunk(struct vdpasim_net *sim, unsigned int unit)
{
	struct sk_buff_head out;
	unsigned long flags, irqs;
	bool more = false, live = false;

	__skb_queue_head_init(&out);
	spin_lock_irqsave(&sim->lock, flags);
	if (vdpasim_running(sim)) {
		if (!unit)
			more = vdpasim_handle_cvq(sim, VDPASIM_CHUNK);
		else if (sim->port)
			more = vdpasim_port_pair(sim, VDPASIM_CHUNK);
		else if (unit <= sim->max_vqp)
			more = vdpasim_loop_pair(sim, unit - 1, VDPASIM_CHUNK);
	}
	if (sim->port) {
		skb_queue_splice_init(&sim->port_out, &out);
		live = sim->port_live;
	}
	irqs = vdpasim_pending_irqs(sim);
	spin_unlock_irqrestore(&sim->lock, flags);

	/* Softirqs raised by the callbacks (NAPI) run at local_bh_enable(). */
	local_bh_disable();
	vdpasim_deliver_irqs(sim, irqs);
	if (!skb_queue_empty(&out))
		vdpasim_port_deliver(sim, &out, live);
	local_bh_enable();
	return more;
}

static void vdpasim_work(struct work_struct *work)
{
	struct vdpasim_net *sim = container_of(work, struct vdpasim_net, work);
	bool more = false;
	unsigned int unit;

	/* max_vqp is fixed at creation. */
	for (unit = 0; unit <= sim->max_vqp; unit++)
		more |= vdpasim_work_chunk(sim, unit);
	/* Requeued rather than looping: the worker yields in between. */
	if (more)
		vdpasim_schedule(sim);
}

static int vdpasim_set_vq_address(struct vdpax_device *vdpa, u16 idx, u64 desc_area,
				  u64 driver_area, u64 device_area)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);
	struct vdpasim_vq *vq;
	unsigned long flags;

	if (idx >= sim->nvqs)
		return -EINVAL;
	vq = &sim->vqs[idx];
	spin_lock_irqsave(&sim->lock, flags);
	vdpasim_vq_stop(vq);
	vq->desc_addr = desc_area;
	vq->driver_addr = driver_area;
	vq->device_addr = device_area;
	spin_unlock_irqrestore(&sim->lock, flags);
	return 0;
}

static void vdpasim_set_vq_num(struct vdpax_device *vdpa, u16 idx, u32 num)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);
	unsigned long flags;

	if (idx >= sim->nvqs)
		return;
	spin_lock_irqsave(&sim->lock, flags);
	/* A packed ring may have any size. */
	if (!num || num > VDPASIM_VQ_NUM_MAX ||
	    (!is_power_of_2(num) && !sim->vqs[idx].packed))
		num = 0;
	vdpasim_vq_stop(&sim->vqs[idx]);
	sim->vqs[idx].num = num;
	spin_unlock_irqrestore(&sim->lock, flags);
}

static void vdpasim_kick_vq(struct vdpax_device *vdpa, u16 idx)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);
	unsigned long flags;

	if (idx >= sim->nvqs)
		return;
	/*
	 * Called with interrupts off, from the kick eventfd's wake-up when the
	 * kicker is a vhost-vdpa owner: only a few control commands are
	 * answered here (what virtio_net's busy-wait needs); the rest, the
	 * data queues and the callbacks are the work item's.
	 */
	spin_lock_irqsave(&sim->lock, flags);
	if (vdpasim_is_cvq(sim, idx))
		vdpasim_handle_cvq(sim, VDPASIM_CVQ_INLINE);
	spin_unlock_irqrestore(&sim->lock, flags);
	vdpasim_schedule(sim);
}

static void vdpasim_set_vq_cb(struct vdpax_device *vdpa, u16 idx,
			      const struct vdpax_callback *cb)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);
	unsigned long flags;

	if (idx >= sim->nvqs)
		return;
	spin_lock_irqsave(&sim->cb_lock, flags);
	if (cb)
		sim->vq_cb[idx] = *cb;
	else
		memset(&sim->vq_cb[idx], 0, sizeof(sim->vq_cb[idx]));
	spin_unlock_irqrestore(&sim->cb_lock, flags);
}

static void vdpasim_set_vq_ready(struct vdpax_device *vdpa, u16 idx, bool ready)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);
	unsigned long flags;
	bool kick;

	if (idx >= sim->nvqs)
		return;
	spin_lock_irqsave(&sim->lock, flags);
	if (sim->vqs[idx].ready != ready)
		vdpasim_vq_stop(&sim->vqs[idx]);
	sim->vqs[idx].ready = ready;
	kick = ready && vdpasim_running(sim);
	spin_unlock_irqrestore(&sim->lock, flags);
	if (kick)
		vdpasim_schedule(sim);
}

static bool vdpasim_get_vq_ready(struct vdpax_device *vdpa, u16 idx)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);

	if (idx >= sim->nvqs)
		return false;
	return vdpasim_locked(sim, sim->vqs[idx].ready);
}

static int vdpasim_set_vq_state(struct vdpax_device *vdpa, u16 idx,
				const struct vdpax_vq_state *state)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);
	struct vdpasim_vq *vq;
	unsigned long flags;
	int err = 0;

	if (idx >= sim->nvqs)
		return -EINVAL;
	vq = &sim->vqs[idx];
	spin_lock_irqsave(&sim->lock, flags);
	if (vq->ready && vdpasim_running(sim)) {
		err = -EBUSY;
	} else {
		vdpasim_vq_stop(vq);
		err = vdpasim_vq_set_state(vq, state);
	}
	spin_unlock_irqrestore(&sim->lock, flags);
	return err;
}

static int vdpasim_get_vq_state(struct vdpax_device *vdpa, u16 idx,
				struct vdpax_vq_state *state)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);
	unsigned long flags;

	if (idx >= sim->nvqs)
		return -EINVAL;
	spin_lock_irqsave(&sim->lock, flags);
	vdpasim_vq_state(&sim->vqs[idx], state);
	spin_unlock_irqrestore(&sim->lock, flags);
	return 0;
}

static int vdpasim_put_stat(struct sk_buff *msg, const char *name, u64 val)
{
	if (nla_put_string(msg, VDPA_ATTR_DEV_VENDOR_ATTR_NAME, name) ||
	    nla_put_u64_64bit(msg, VDPA_ATTR_DEV_VENDOR_ATTR_VALUE, val, VDPA_ATTR_PAD))
		return -EMSGSIZE;
	return 0;
}

static int vdpasim_get_vq_stats(struct vdpax_device *vdpa, u16 idx, struct sk_buff *msg,
				struct netlink_ext_ack *extack)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);
	struct vdpasim_vq_stats st;
	unsigned long flags;
	bool cvq;

	if (idx >= sim->nvqs) {
		NL_SET_ERR_MSG_MOD(extack, "queue index out of range");
		return -ERANGE;
	}
	spin_lock_irqsave(&sim->lock, flags);
	st = sim->vqs[idx].stats;
	cvq = vdpasim_is_cvq(sim, idx);
	spin_unlock_irqrestore(&sim->lock, flags);

	if (vdpasim_put_stat(msg, "received_desc", st.received_desc) ||
	    vdpasim_put_stat(msg, "completed_desc", st.completed_desc))
		return -EMSGSIZE;
	if (cvq)
		return vdpasim_put_stat(msg, "cvq_ok", st.packets) ?:
		       vdpasim_put_stat(msg, "cvq_err", st.errors);
	if (idx & 1)
		return vdpasim_put_stat(msg, "tx_packets", st.packets) ?:
		       vdpasim_put_stat(msg, "tx_bytes", st.bytes) ?:
		       vdpasim_put_stat(msg, "tx_errors", st.errors);
	return vdpasim_put_stat(msg, "rx_packets", st.packets) ?:
	       vdpasim_put_stat(msg, "rx_bytes", st.bytes) ?:
	       vdpasim_put_stat(msg, "rx_drops", st.drops) ?:
	       vdpasim_put_stat(msg, "rx_no_buffer", st.no_buffer);
}

static u32 vdpasim_get_vq_align(struct vdpax_device *vdpa)
{
	return PAGE_SIZE;
}

static u32 vdpasim_get_vq_group(struct vdpax_device *vdpa, u16 idx)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);
	bool cvq = vdpasim_locked(sim, vdpasim_is_cvq(sim, idx));

	return cvq ? VDPASIM_CVQ_GROUP : VDPASIM_DATA_GROUP;
}

static u64 vdpasim_get_device_features(struct vdpax_device *vdpa)
{
	return vdpa_to_sim(vdpa)->dev_features;
}

static int vdpasim_set_driver_features(struct vdpax_device *vdpa, u64 features)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);
	unsigned long flags;
	unsigned int i;
	int err = 0;

	spin_lock_irqsave(&sim->lock, flags);
	if (sim->status & VIRTIO_CONFIG_S_FEATURES_OK) {
		err = -EBUSY;
	} else {
		sim->drv_features = features & sim->dev_features;
		sim->features_set = true;
		/* The queues' layout follows (they are not in use before FEATURES_OK). */
		for (i = 0; i < sim->nvqs; i++) {
			vdpasim_vq_stop(&sim->vqs[i]);
			sim->vqs[i].packed = sim->drv_features & BIT_ULL(VIRTIO_F_RING_PACKED);
			sim->vqs[i].in_order = sim->drv_features & BIT_ULL(VIRTIO_F_IN_ORDER);
		}
	}
	spin_unlock_irqrestore(&sim->lock, flags);
	return err;
}

static u64 vdpasim_get_driver_features(struct vdpax_device *vdpa)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);

	return vdpasim_locked(sim, sim->drv_features);
}

static void vdpasim_set_config_cb(struct vdpax_device *vdpa, const struct vdpax_callback *cb)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);
	unsigned long flags;

	spin_lock_irqsave(&sim->cb_lock, flags);
	if (cb)
		sim->config_cb = *cb;
	else
		memset(&sim->config_cb, 0, sizeof(sim->config_cb));
	spin_unlock_irqrestore(&sim->cb_lock, flags);
}

static u16 vdpasim_get_vq_num_max(struct vdpax_device *vdpa)
{
	return VDPASIM_VQ_NUM_MAX;
}

static u32 vdpasim_get_device_id(struct vdpax_device *vdpa)
{
	return VIRTIO_ID_NET;
}

static u32 vdpasim_get_vendor_id(struct vdpax_device *vdpa)
{
	return VDPASIM_VENDOR_ID;
}

static u8 vdpasim_get_status(struct vdpax_device *vdpa)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);

	return vdpasim_locked(sim, sim->status);
}

/* Whether the accepted features form a set this device can run; lock held. */
static bool vdpasim_features_ok(struct vdpasim_net *sim)
{
	u64 f = sim->drv_features;

	if (!(f & BIT_ULL(VIRTIO_F_VERSION_1)))
		return false;
	if ((f & (BIT_ULL(VIRTIO_NET_F_MQ) | BIT_ULL(VIRTIO_NET_F_CTRL_MAC_ADDR))) &&
	    !(f & BIT_ULL(VIRTIO_NET_F_CTRL_VQ)))
		return false;
	return true;
}

static void vdpasim_set_status(struct vdpax_device *vdpa, u8 status)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);
	unsigned long flags;
	bool start;

	spin_lock_irqsave(&sim->lock, flags);
	if ((status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !(sim->status & VIRTIO_CONFIG_S_FEATURES_OK) && !vdpasim_features_ok(sim))
		status &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	/* The device owns NEEDS_RESET: only a reset clears it. */
	status |= sim->status & VIRTIO_CONFIG_S_NEEDS_RESET;
	start = !(sim->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
		(status & VIRTIO_CONFIG_S_DRIVER_OK);
	sim->status = status;
	spin_unlock_irqrestore(&sim->lock, flags);
	if (start) {
		vdpasim_port_carrier(sim, true);
		vdpasim_schedule(sim);
	}
}

/* Back to the state after creation, IOTLBs excepted; lock held. */
static void vdpasim_reset_locked(struct vdpasim_net *sim)
{
	unsigned int i;

	sim->status = 0;
	sim->drv_features = 0;
	sim->features_set = false;
	sim->suspended = false;
	sim->cur_vqp = 1;
	ether_addr_copy(sim->config.mac, sim->prov_mac);
	for (i = 0; i < VDPASIM_NGROUPS; i++)
		sim->group_asid[i] = 0;
	memset(sim->vqs, 0, sim->nvqs * sizeof(*sim->vqs));
	for (i = 0; i < sim->nvqs; i++) {
		/* A new packed ring: position 0, both wrap counters 1. */
		sim->vqs[i].avail_wrap = true;
		sim->vqs[i].used_wrap = true;
		sim->vqs[i].pbufs = (u8 *)sim->pbufs +
				    i * vhostx_ring_pbufs_size(VDPASIM_VQ_NUM_MAX);
	}
	sim->generation++;
}

static int vdpasim_reset(struct vdpax_device *vdpa)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);
	unsigned long flags;

	spin_lock_irqsave(&sim->lock, flags);
	vdpasim_reset_locked(sim);
	spin_unlock_irqrestore(&sim->lock, flags);
	vdpasim_port_carrier(sim, false);
	/* Apart: see @cb_lock. A callback still running is waited for. */
	spin_lock_irqsave(&sim->cb_lock, flags);
	memset(sim->vq_cb, 0, sizeof(sim->vq_cb));
	memset(&sim->config_cb, 0, sizeof(sim->config_cb));
	spin_unlock_irqrestore(&sim->cb_lock, flags);
	return 0;
}

static void vdpasim_set_suspended(struct vdpasim_net *sim, bool suspended)
{
	unsigned long flags;

	/* The work item checks this under the lock before each batch. */
	spin_lock_irqsave(&sim->lock, flags);
	sim->suspended = suspended;
	spin_unlock_irqrestore(&sim->lock, flags);
}

static int vdpasim_suspend(struct vdpax_device *vdpa)
{
	vdpasim_set_suspended(vdpa_to_sim(vdpa), true);
	return 0;
}

static int vdpasim_resume(struct vdpax_device *vdpa)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);

	vdpasim_set_suspended(sim, false);
	vdpasim_schedule(sim);
	return 0;
}

static size_t vdpasim_get_config_size(struct vdpax_device *vdpa)
{
	return sizeof(struct virtio_net_config);
}

static void vdpasim_get_config(struct vdpax_device *vdpa, unsigned int offset,
			       void *buf, unsigned int len)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);
	unsigned long flags;

	if (offset > sizeof(sim->config) || len > sizeof(sim->config) - offset)
		return;
	spin_lock_irqsave(&sim->lock, flags);
	memcpy(buf, (u8 *)&sim->config + offset, len);
	spin_unlock_irqrestore(&sim->lock, flags);
}

static void vdpasim_set_config(struct vdpax_device *vdpa, unsigned int offset,
			       const void *buf, unsigned int len)
{
	/* Read-only for VERSION_1 drivers: the MAC changes through the control queue. */
}

static u32 vdpasim_get_generation(struct vdpax_device *vdpa)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);

	return vdpasim_locked(sim, sim->generation);
}

static struct vdpax_iova_range vdpasim_get_iova_range(struct vdpax_device *vdpa)
{
	return (struct vdpax_iova_range){ .first = 0, .last = U64_MAX };
}

static int vdpasim_set_group_asid(struct vdpax_device *vdpa, unsigned int group,
				  unsigned int asid)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);
	unsigned long flags;

	if (group >= VDPASIM_NGROUPS || asid >= VDPASIM_NAS)
		return -EINVAL;
	spin_lock_irqsave(&sim->lock, flags);
	sim->group_asid[group] = asid;
	spin_unlock_irqrestore(&sim->lock, flags);
	return 0;
}

static void vdpasim_free(struct vdpax_device *vdpa)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);
	unsigned int i;

	cancel_work_sync(&sim->work);
	vdpasim_port_free(sim);
	for (i = 0; i < VDPASIM_NAS; i++)
		if (sim->iotlb[i])
			vhost_iotlb_free(sim->iotlb[i]);
	kvfree(sim->buf);
	kfree(sim->rxc);
	kfree(sim->txc);
	kvfree(sim->pbufs);
	kfree(sim->vqs);
}

static const struct vdpax_config_ops vdpasim_net_ops = {
	.set_vq_address = vdpasim_set_vq_address,
	.set_vq_num = vdpasim_set_vq_num,
	.kick_vq = vdpasim_kick_vq,
	.set_vq_cb = vdpasim_set_vq_cb,
	.set_vq_ready = vdpasim_set_vq_ready,
	.get_vq_ready = vdpasim_get_vq_ready,
	.set_vq_state = vdpasim_set_vq_state,
	.get_vq_state = vdpasim_get_vq_state,
	.get_vendor_vq_stats = vdpasim_get_vq_stats,
	.get_vq_align = vdpasim_get_vq_align,
	.get_vq_group = vdpasim_get_vq_group,
	.get_device_features = vdpasim_get_device_features,
	.set_driver_features = vdpasim_set_driver_features,
	.get_driver_features = vdpasim_get_driver_features,
	.set_config_cb = vdpasim_set_config_cb,
	.get_vq_num_max = vdpasim_get_vq_num_max,
	.get_device_id = vdpasim_get_device_id,
	.get_vendor_id = vdpasim_get_vendor_id,
	.get_status = vdpasim_get_status,
	.set_status = vdpasim_set_status,
	.reset = vdpasim_reset,
	.suspend = vdpasim_suspend,
	.resume = vdpasim_resume,
	.get_config_size = vdpasim_get_config_size,
	.get_config = vdpasim_get_config,
	.set_config = vdpasim_set_config,
	.get_generation = vdpasim_get_generation,
	.get_iova_range = vdpasim_get_iova_range,
	.set_map = vdpasim_set_map,
	.dma_map = vdpasim_dma_map,
	.dma_unmap = vdpasim_dma_unmap,
	.reset_map = vdpasim_reset_map,
	.set_group_asid = vdpasim_set_group_asid,
	.free = vdpasim_free,
};

/* Check a device_features request for dependencies the core cannot know. */
static int vdpasim_check_features(u64 f, u16 max_vqp, struct netlink_ext_ack *extack)
{
	if (!(f & BIT_ULL(VIRTIO_F_VERSION_1))) {
		NL_SET_ERR_MSG_MOD(extack, "device_features must include VERSION_1 (bit 32)");
		return -EINVAL;
	}
	if ((f & (BIT_ULL(VIRTIO_NET_F_MQ) | BIT_ULL(VIRTIO_NET_F_CTRL_MAC_ADDR))) &&
	    !(f & BIT_ULL(VIRTIO_NET_F_CTRL_VQ))) {
		NL_SET_ERR_MSG_MOD(extack, "device_features: MQ and CTRL_MAC_ADDR need CTRL_VQ");
		return -EINVAL;
	}
	if (max_vqp > 1 && !(f & BIT_ULL(VIRTIO_NET_F_MQ))) {
		NL_SET_ERR_MSG_MOD(extack, "max_vqp above 1 needs the MQ feature");
		return -EINVAL;
	}
	return 0;
}

static int vdpasim_dev_add(struct vdpax_mgmt_dev *mdev, const char *name,
			   const struct vdpax_dev_set_config *cfg,
			   struct netlink_ext_ack *extack)
{
	u64 features = VDPASIM_FEATURES;
	struct vdpasim_net *sim;
	u16 max_vqp = 1;
	unsigned int i;
	int err;

	if (cfg->mask & VDPAX_CFG_MAX_VQP)
		max_vqp = cfg->net.max_vq_pairs;
	if (cfg->mask & VDPAX_CFG_FEATURES)
		features = cfg->device_features;
	err = vdpasim_check_features(features, max_vqp, extack);
	if (err)
		return err;

	sim = vdpax_alloc_device(struct vdpasim_net, vdpa, mdev->device, &vdpasim_net_ops,
				 VDPASIM_NGROUPS, VDPASIM_NAS, name);
	if (IS_ERR(sim))
		return PTR_ERR(sim);

	spin_lock_init(&sim->lock);
	spin_lock_init(&sim->cb_lock);
	INIT_WORK(&sim->work, vdpasim_work);
	sim->dev_features = features;
	sim->max_vqp = max_vqp;
	sim->nvqs = 2 * max_vqp + 1;
	if (cfg->mask & VDPAX_CFG_MAC)
		ether_addr_copy(sim->prov_mac, cfg->net.mac);
	else
		eth_random_addr(sim->prov_mac);
	sim->prov_mtu = (cfg->mask & VDPAX_CFG_MTU) ? cfg->net.mtu : ETH_DATA_LEN;

	sim->config.status = (__force __virtio16)cpu_to_le16(VIRTIO_NET_S_LINK_UP);
	sim->config.max_virtqueue_pairs = (__force __virtio16)cpu_to_le16(max_vqp);
	sim->config.mtu = (__force __virtio16)cpu_to_le16(sim->prov_mtu);

	err = -ENOMEM;
	sim->vqs = kcalloc(sim->nvqs, sizeof(*sim->vqs), GFP_KERNEL);
	sim->pbufs = kvcalloc(sim->nvqs, vhostx_ring_pbufs_size(VDPASIM_VQ_NUM_MAX), GFP_KERNEL);
	sim->txc = kzalloc(sizeof(*sim->txc), GFP_KERNEL);
	sim->rxc = kzalloc(sizeof(*sim->rxc), GFP_KERNEL);
	sim->buf = kvmalloc(VDPASIM_BUF_SIZE, GFP_KERNEL);
	if (!sim->vqs || !sim->pbufs || !sim->txc || !sim->rxc || !sim->buf)
		goto err_put;
	for (i = 0; i < VDPASIM_NAS; i++) {
		sim->iotlb[i] = vhost_iotlb_alloc(VDPASIM_IOTLB_LIMIT, 0);
		if (!sim->iotlb[i])
			goto err_put;
	}
	/* Not published yet: nothing else can take the lock. */
	vdpasim_reset_locked(sim);
	sim->generation = 0;

	/*
	 * The port first: a name clash refuses the device before a driver
	 * can bind to it.
	 */
	if (mdev == &vdpasim_port_mgmtdev) {
		err = vdpasim_port_alloc(sim, name, extack);
		if (err)
			goto err_put;
		err = vdpasim_port_register(sim, extack);
		if (err)
			goto err_put;
	}
	err = vdpax_register_device_locked(&sim->vdpa, mdev, sim->nvqs);
	if (err)
		goto err_port;
	return 0;

err_port:
	if (sim->port_live)
		vdpasim_port_unregister(sim);
err_put:
	/* Frees everything allocated above through vdpasim_free(). */
	vdpax_put_device(&sim->vdpa);
	return err;
}

static void vdpasim_dev_del(struct vdpax_mgmt_dev *mdev, struct vdpax_device *vdpa)
{
	struct vdpasim_net *sim = vdpa_to_sim(vdpa);

	if (sim->port)
		vdpasim_port_unregister(sim);
	vdpax_unregister_device_locked(vdpa);
}

static const struct vdpax_mgmtdev_ops vdpasim_mgmtdev_ops = {
	.dev_add = vdpasim_dev_add,
	.dev_del = vdpasim_dev_del,
};

static const struct virtio_device_id vdpasim_id_table[] = {
	{ VIRTIO_ID_NET, VIRTIO_DEV_ANY_ID },
	{ 0 },
};

static struct vdpax_mgmt_dev vdpasim_mgmtdev = {
	.ops = &vdpasim_mgmtdev_ops,
	.id_table = vdpasim_id_table,
	.config_attr_mask = VDPAX_CFG_MAC | VDPAX_CFG_MTU | VDPAX_CFG_MAX_VQP |
			    VDPAX_CFG_FEATURES,
	.supported_features = VDPASIM_FEATURES,
	.max_supported_vqs = 2 * VDPASIM_MAX_VQP + 1,
	.max_vq_pairs = VDPASIM_MAX_VQP,
	.min_mtu = ETH_MIN_MTU,
	.max_mtu = 9000,
};

/* Devices with a host-side port instead of the loopback: port.c. */
static struct vdpax_mgmt_dev vdpasim_port_mgmtdev = {
	.ops = &vdpasim_mgmtdev_ops,
	.id_table = vdpasim_id_table,
	.config_attr_mask = VDPAX_CFG_MAC | VDPAX_CFG_MTU | VDPAX_CFG_FEATURES,
	.supported_features = VDPASIM_FEATURES & ~BIT_ULL(VIRTIO_NET_F_MQ),
	.max_supported_vqs = 3,
	.max_vq_pairs = 1,
	.min_mtu = ETH_MIN_MTU,
	.max_mtu = 9000,
};

static int __init vdpasim_net_init(void)
{
	int err;

	vdpasim_root = root_device_register("vdpasim_net");
	if (IS_ERR(vdpasim_root))
		return PTR_ERR(vdpasim_root);
	vdpasim_port_root = root_device_register("vdpasim_port");
	if (IS_ERR(vdpasim_port_root)) {
		err = PTR_ERR(vdpasim_port_root);
		goto err_root;
	}

	vdpasim_mgmtdev.device = vdpasim_root;
	err = vdpax_mgmtdev_register(&vdpasim_mgmtdev);
	if (err)
		goto err_port_root;
	vdpasim_port_mgmtdev.device = vdpasim_port_root;
	err = vdpax_mgmtdev_register(&vdpasim_port_mgmtdev);
	if (err)
		goto err_mgmtdev;
	return 0;

err_mgmtdev:
	vdpax_mgmtdev_unregister(&vdpasim_mgmtdev);
err_port_root:
	root_device_unregister(vdpasim_port_root);
err_root:
	root_device_unregister(vdpasim_root);
	return err;
}

static void __exit vdpasim_net_exit(void)
{
	vdpax_mgmtdev_unregister(&vdpasim_port_mgmtdev);
	vdpax_mgmtdev_unregister(&vdpasim_mgmtdev);
	root_device_unregister(vdpasim_port_root);
	root_device_unregister(vdpasim_root);
}

module_init(vdpasim_net_init);
module_exit(vdpasim_net_exit);

MODULE_DESCRIPTION("vdpax_sim_net: software vDPA network devices, with a loopback datapath (vdpasim_net) or a host-side port (vdpasim_port)");
MODULE_LICENSE("GPL");
