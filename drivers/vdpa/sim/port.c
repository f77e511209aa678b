// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host-side port of a "vdpasim_port" device: a network interface named
 * after the vDPA device, at the other end of the device's wire. A frame the
 * driver transmits is received on the port; a frame the host sends through
 * the port lands in the driver's receive queue. Put the port in a bridge,
 * or route through it, and the device reaches the network.
 *
 * The port has carrier while the driver has the device running
 * (DRIVER_OK). Frames sent through the port wait in @port_in, at most
 * VDPASIM_PORT_QLEN of them, until the driver posts receive buffers; more
 * are dropped and counted, like a NIC whose ring is full.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

#include "sim.h"

#define VDPASIM_PORT_QLEN	256

struct vdpasim_port_priv {
	struct vdpasim_net *sim;
};

static struct vdpasim_net *vdpasim_port_sim(struct net_device *ndev)
{
	return ((struct vdpasim_port_priv *)netdev_priv(ndev))->sim;
}

static netdev_tx_t vdpasim_port_xmit(struct sk_buff *skb, struct net_device *ndev)
{
	struct vdpasim_net *sim = vdpasim_port_sim(ndev);

	if (!netif_carrier_ok(ndev) || skb_headlen(skb) < ETH_HLEN ||
	    skb_queue_len(&sim->port_in) >= VDPASIM_PORT_QLEN) {
		atomic64_inc(&sim->port_stats.tx_dropped);
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	skb_queue_tail(&sim->port_in, skb);
	vdpasim_schedule(sim);
	return NETDEV_TX_OK;
}

static void vdpasim_port_get_stats64(struct net_device *ndev, struct rtnl_link_stats64 *s)
{
	struct vdpasim_port_stats *ps = &vdpasim_port_sim(ndev)->port_stats;

	s->rx_packets = atomic64_read(&ps->rx_packets);
	s->rx_bytes = atomic64_read(&ps->rx_bytes);
	s->rx_dropped = atomic64_read(&ps->rx_dropped);
	s->tx_packets = atomic64_read(&ps->tx_packets);
	s->tx_bytes = atomic64_read(&ps->tx_bytes);
	s->tx_dropped = atomic64_read(&ps->tx_dropped);
}

/* No ndo_open/ndo_stop: nothing to do; carrier follows the driver. */
static const struct net_device_ops vdpasim_port_ops = {
	.ndo_start_xmit = vdpasim_port_xmit,
	.ndo_get_stats64 = vdpasim_port_get_stats64,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_validate_addr = eth_validate_addr,
};

/**
 * vdpasim_port_alloc() - allocate the port of a new device
 * @sim: the device, not registered yet
 * @name: the vDPA device's name, which the port takes
 * @extack: for the reason of a refusal
 *
 * Return: 0, or -EINVAL (the name cannot name an interface), -ENOMEM.
 */
int vdpasim_port_alloc(struct vdpasim_net *sim, const char *name,
		       struct netlink_ext_ack *extack)
{
	struct net_device *ndev;

	if (!dev_valid_name(name)) {
		NL_SET_ERR_MSG_MOD(extack, "a vdpasim_port device's name names its port, and this one cannot name a network interface");
		return -EINVAL;
	}
	ndev = alloc_netdev(sizeof(struct vdpasim_port_priv), name, NET_NAME_USER, ether_setup);
	if (!ndev)
		return -ENOMEM;
	((struct vdpasim_port_priv *)netdev_priv(ndev))->sim = sim;
	ndev->netdev_ops = &vdpasim_port_ops;
	ndev->priv_flags |= IFF_NO_QUEUE;
	ndev->min_mtu = ETH_MIN_MTU;
	ndev->max_mtu = sim->prov_mtu;
	ndev->mtu = sim->prov_mtu;
	eth_hw_addr_random(ndev);
	netif_carrier_off(ndev);
	skb_queue_head_init(&sim->port_in);
	__skb_queue_head_init(&sim->port_out);
	mutex_init(&sim->port_mutex);
	sim->port = ndev;
	return 0;
}

/**
 * vdpasim_port_register() - make the port visible
 * @sim: the device
 * @extack: for the reason of a refusal
 *
 * Return: 0, or -EEXIST (an interface has the name), or another -errno.
 */
int vdpasim_port_register(struct vdpasim_net *sim, struct netlink_ext_ack *extack)
{
	unsigned long flags;
	int err;

	mutex_lock(&sim->port_mutex);
	err = register_netdev(sim->port);
	sim->port_registered = !err;
	mutex_unlock(&sim->port_mutex);
	if (err) {
		if (err == -EEXIST)
			NL_SET_ERR_MSG_MOD(extack, "a network interface with the device's name exists");
		else
			NL_SET_ERR_MSG_MOD(extack, "cannot register the device's port");
		return err;
	}
	spin_lock_irqsave(&sim->lock, flags);
	sim->port_live = true;
	spin_unlock_irqrestore(&sim->lock, flags);
	return 0;
}

/**
 * vdpasim_port_unregister() - take the port away before the device goes
 * @sim: the device; its port was registered
 *
 * After this the work item delivers no frame to the port.
 */
void vdpasim_port_unregister(struct vdpasim_net *sim)
{
	unsigned long flags;

	spin_lock_irqsave(&sim->lock, flags);
	sim->port_live = false;
	spin_unlock_irqrestore(&sim->lock, flags);
	mutex_lock(&sim->port_mutex);
	unregister_netdev(sim->port);
	sim->port_registered = false;
	mutex_unlock(&sim->port_mutex);
}

/**
 * vdpasim_port_free() - free the port when the device is released
 * @sim: the device; its work item is cancelled
 */
void vdpasim_port_free(struct vdpasim_net *sim)
{
	if (!sim->port)
		return;
	skb_queue_purge(&sim->port_in);
	__skb_queue_purge(&sim->port_out);
	mutex_destroy(&sim->port_mutex);
	free_netdev(sim->port);
}

/**
 * vdpasim_port_carrier() - carrier follows the driver's DRIVER_OK
 * @sim: the device
 * @on: the driver started the device (true) or reset it (false)
 *
 * Called in process context without the device lock (set_status, reset).
 * Only a registered port's carrier changes: a reset comes after dev_del()
 * unregistered the port when the driver is unbound from a device being
 * deleted. A reset drops what waits for the driver, taken under the device
 * lock, where the work item dequeues.
 */
void vdpasim_port_carrier(struct vdpasim_net *sim, bool on)
{
	struct sk_buff_head drop;
	unsigned long flags;

	if (!sim->port)
		return;
	mutex_lock(&sim->port_mutex);
	if (sim->port_registered) {
		if (on)
			netif_carrier_on(sim->port);
		else
			netif_carrier_off(sim->port);
	}
	mutex_unlock(&sim->port_mutex);
	if (on)
		return;
	__skb_queue_head_init(&drop);
	spin_lock_irqsave(&sim->lock, flags);
	spin_lock(&sim->port_in.lock);
	skb_queue_splice_init(&sim->port_in, &drop);
	spin_unlock(&sim->port_in.lock);
	spin_unlock_irqrestore(&sim->lock, flags);
	__skb_queue_purge(&drop);
}

/*
 * Driver to port: TX chains become frames in @port_out, the chains going
 * back in batches of up to VDPASIM_TX_BATCH (in pop order) before this
 * returns; lock held.
 */
static int vdpasim_port_tx(struct vdpasim_net *sim, struct vhost_iotlb *iotlb, int *budget)
{
	struct vdpasim_vq *txq = &sim->vqs[1];
	struct vdpasim_chain *c = sim->txc;
	struct vring_used_elem done[VDPASIM_TX_BATCH];
	unsigned int ndone = 0;
	struct sk_buff *skb;
	size_t len;
	int err = 0, terr;

	while (*budget > 0 && vdpasim_vq_usable(txq)) {
		err = vdpasim_vq_pop(txq, iotlb, c);
		if (err <= 0)
			break;
		err = 0;
		--*budget;
		txq->stats.received_desc++;
		if (c->out_len < VDPASIM_HDR_LEN + ETH_HLEN ||
		    c->out_len > VDPASIM_HDR_LEN + VDPASIM_BUF_SIZE) {
			txq->stats.errors++;
			goto complete;
		}
		len = c->out_len - VDPASIM_HDR_LEN;
		skb = alloc_skb(len, GFP_ATOMIC);
		if (!skb) {
			atomic64_inc(&sim->port_stats.rx_dropped);
			goto complete;
		}
		err = vdpasim_chain_read(iotlb, c, VDPASIM_HDR_LEN, skb_put(skb, len), len);
		if (err) {
			dev_kfree_skb_any(skb);
			break;
		}
		txq->stats.packets++;
		txq->stats.bytes += len;
		__skb_queue_tail(&sim->port_out, skb);
complete:
		vhostx_used_elem_set(&done[ndone++], c->head, 0);
		if (ndone == ARRAY_SIZE(done)) {
			err = vdpasim_vq_push_batch(txq, iotlb, done, ndone);
			ndone = 0;
			if (err)
				return err;
		}
	}
	/* What was popped before a failure is still returned. */
	terr = vdpasim_vq_push_batch(txq, iotlb, done, ndone);
	return err ?: terr;
}

/* Port to driver: frames from @port_in into RX buffers; lock held. */
static int vdpasim_port_rx(struct vdpasim_net *sim, struct vhost_iotlb *iotlb, int *budget)
{
	struct virtio_net_hdr_mrg_rxbuf hdr = { .num_buffers = cpu_to_le16(1) };
	struct vdpasim_vq *rxq = &sim->vqs[0];
	struct vdpasim_chain *c = sim->rxc;
	struct sk_buff *skb;
	u32 used;
	int err;

	while (*budget > 0 && vdpasim_vq_usable(rxq) && !skb_queue_empty_lockless(&sim->port_in)) {
		err = vdpasim_vq_pop(rxq, iotlb, c);
		if (err <= 0)
			return err;	/* no buffer: the frames wait */
		/* The only consumer, under the device lock: not empty. */
		skb = skb_dequeue(&sim->port_in);
		if (WARN_ON_ONCE(!skb))
			return -EINVAL;
		--*budget;
		rxq->stats.received_desc++;
		used = 0;
		if (!vdpasim_accept(sim, skb->data) || skb->len > VDPASIM_BUF_SIZE ||
		    c->in_len < VDPASIM_HDR_LEN + skb->len) {
			rxq->stats.drops++;
			atomic64_inc(&sim->port_stats.tx_dropped);
		} else {
			err = skb_copy_bits(skb, 0, sim->buf, skb->len);
			if (!err)
				err = vdpasim_chain_write(iotlb, c, 0, &hdr, sizeof(hdr));
			if (!err)
				err = vdpasim_chain_write(iotlb, c, VDPASIM_HDR_LEN, sim->buf,
							  skb->len);
			if (err) {
				dev_kfree_skb_any(skb);
				return err;
			}
			rxq->stats.packets++;
			rxq->stats.bytes += skb->len;
			atomic64_inc(&sim->port_stats.tx_packets);
			atomic64_add(skb->len, &sim->port_stats.tx_bytes);
			used = VDPASIM_HDR_LEN + skb->len;
		}
		dev_consume_skb_any(skb);
		err = vdpasim_vq_push(rxq, iotlb, c->head, used);
		if (err)
			return err;
		rxq->stats.completed_desc++;
	}
	return 0;
}

/**
 * vdpasim_port_pair() - move frames between the queue pair and the port
 * @sim: the device, running
 * @budget: frames to move at most, both directions together
 *
 * Called with the device lock held. Frames for the port are left in
 * @port_out for vdpasim_port_deliver(), once the lock is dropped.
 *
 * Return: true if the budget ran out (frames may be left).
 */
bool vdpasim_port_pair(struct vdpasim_net *sim, int budget)
{
	struct vhost_iotlb *iotlb = sim->iotlb[sim->group_asid[VDPASIM_DATA_GROUP]];
	int err;

	lockdep_assert_held(&sim->lock);
	err = vdpasim_port_tx(sim, iotlb, &budget);
	if (err < 0) {
		vdpasim_fail(sim, 1, err);
		return false;
	}
	err = vdpasim_port_rx(sim, iotlb, &budget);
	if (err < 0) {
		vdpasim_fail(sim, 0, err);
		return false;
	}
	return budget <= 0;
}

/**
 * vdpasim_port_deliver() - hand frames the driver sent to the port
 * @sim: the device
 * @list: frames taken from @port_out under the lock
 * @live: the port was registered and not yet going away
 *
 * Called without the device lock, with bottom halves disabled.
 */
void vdpasim_port_deliver(struct vdpasim_net *sim, struct sk_buff_head *list, bool live)
{
	struct vdpasim_port_stats *ps = &sim->port_stats;
	struct sk_buff *skb;

	while ((skb = __skb_dequeue(list))) {
		if (!live) {
			kfree_skb(skb);
			continue;
		}
		atomic64_inc(&ps->rx_packets);
		atomic64_add(skb->len, &ps->rx_bytes);
		skb->protocol = eth_type_trans(skb, sim->port);
		netif_rx(skb);
	}
}
