// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhostx_net RX: backend to guest. For each packet the backend holds, we
 * learn its length, gather enough writable guest buffers (several chains
 * with VIRTIO_NET_F_MRG_RXBUF, one otherwise), let the backend's
 * recvmsg() copy the packet straight into them, write the virtio-net
 * header fields that are ours, and publish the used entries in batches.
 *
 * tun and tap queue packets on a ptr_ring: we take them out in batches
 * and pass each pointer back to recvmsg() in msg_control, as the kernel's
 * vhost-net does, so the ring's consumer lock is taken once per batch.
 */
#include <linux/if_tun.h>
#include <linux/if_vlan.h>
#include <linux/skbuff.h>
#include <linux/socket.h>
#include <linux/uio.h>
#include <linux/virtio_net.h>
#include <net/sock.h>
#include <net/xdp.h>
#include "net.h"

static int vhostx_net_ptr_len(void *ptr)
{
	struct sk_buff *skb;

	if (tun_is_xdp_frame(ptr))
		return tun_ptr_to_xdp(ptr)->len;
	skb = ptr;
	/* tun and tap put an offloaded VLAN tag back into the data. */
	return skb->len + (skb_vlan_tag_present(skb) ? VLAN_HLEN : 0);
}

/* Length of the next packet of a socket without a ring (AF_PACKET). */
static int vhostx_net_sk_peek_len(struct sock *sk)
{
	struct sk_buff *skb;
	unsigned long flags;
	int len = 0;

	spin_lock_irqsave(&sk->sk_receive_queue.lock, flags);
	skb = skb_peek(&sk->sk_receive_queue);
	if (skb)
		len = skb->len;
	spin_unlock_irqrestore(&sk->sk_receive_queue.lock, flags);
	return len;
}

/* Length of the next packet to receive, 0 if there is none. */
static int vhostx_net_rx_peek(struct vhostx_net_vq *nvq, struct socket *sock)
{
	struct vhostx_net_rxq *q = &nvq->rxq;

	if (!nvq->rx_ring)
		return vhostx_net_sk_peek_len(sock->sk);
	if (q->head == q->tail) {
		q->head = 0;
		q->tail = ptr_ring_consume_batched(nvq->rx_ring, q->queue,
						   VHOSTX_NET_RXQ_BATCH);
		if (!q->tail)
			return 0;
	}
	return vhostx_net_ptr_len(q->queue[q->head]);
}

/* The pointer recvmsg() must take (and will free), NULL without a ring. */
static void *vhostx_net_rxq_pop(struct vhostx_net_vq *nvq)
{
	struct vhostx_net_rxq *q = &nvq->rxq;

	if (!nvq->rx_ring || q->head == q->tail)
		return NULL;
	return q->queue[q->head++];
}

/**
 * vhostx_net_rxq_return() - put batched packets back on the backend's ring
 * @nvq: the RX queue, mutex held, backend still attached
 *
 * Called when the backend is detached, so no packet is lost or leaked.
 */
void vhostx_net_rxq_return(struct vhostx_net_vq *nvq)
{
	struct vhostx_net_rxq *q = &nvq->rxq;

	lockdep_assert_held(&nvq->vq.mutex);
	if (nvq->rx_ring && q->head != q->tail)
		ptr_ring_unconsume(nvq->rx_ring, q->queue + q->head,
				   q->tail - q->head, tun_ptr_free);
	q->head = 0;
	q->tail = 0;
}

/* Drop the next packet: it does not fit in what the guest offers. */
static void vhostx_net_rx_drop(struct vhostx_net_vq *nvq, struct socket *sock)
{
	struct msghdr msg = { };
	void *ptr = vhostx_net_rxq_pop(nvq);

	if (ptr) {
		tun_ptr_free(ptr);
		return;
	}
	/* A zero-length read takes the packet off the socket. */
	iov_iter_kvec(&msg.msg_iter, ITER_DEST, NULL, 0, 0);
	sock->ops->recvmsg(sock, &msg, 0, MSG_DONTWAIT | MSG_TRUNC);
}

/*
 * Gather writable buffers for @len bytes: at most @quota chains, their
 * segments in vq->iov, their heads and sizes in @bufs. Returns the number
 * of chains, 0 if the guest has not posted enough (nothing consumed),
 * -E2BIG if the packet cannot fit (nothing consumed), -EAGAIN on a device
 * IOTLB miss (nothing consumed, the queue waits for the update), another
 * -errno on a guest error (queue stopped).
 */
static int vhostx_net_rx_bufs(struct vhostx_vq *vq, struct vhostx_net_buf *bufs,
			      size_t len, unsigned int quota, unsigned int *segs)
{
	unsigned int n = 0, seg = 0, out, in;
	size_t have = 0;
	u16 head;
	int ret;

	while (have < len) {
		if (n == quota) {
			ret = -E2BIG;
			goto unget;
		}
		ret = vhostx_vq_get_chain(vq, vq->iov + seg, VHOSTX_IOV_MAX - seg,
					  &out, &in, &head);
		if (ret == -ENOBUFS && !seg) {
			vhostx_vq_fail(vq, "RX chain needs more than %u segments",
				       VHOSTX_IOV_MAX);
			return -EINVAL;
		}
		if (ret == -ENOBUFS) {
			ret = -E2BIG;
			goto unget;
		}
		/* IOTLB miss: the chains taken so far wait with the packet. */
		if (ret == -EAGAIN)
			goto unget;
		if (ret < 0)
			return ret;
		if (!ret)
			goto unget;
		if (unlikely(out || !in)) {
			vhostx_vq_fail(vq, "RX chain %u has %u readable, %u writable segments",
				       head, out, in);
			return -EINVAL;
		}
		bufs[n].id = head;
		bufs[n].len = min_t(size_t, iov_length(vq->iov + seg, in), U32_MAX);
		have += bufs[n].len;
		seg += in;
		n++;
	}
	*segs = seg;
	return n;

unget:
	vhostx_vq_unget(vq, n);
	return ret;
}

/*
 * Write @len bytes at @off of the packet held by vq->iov[0..segs). The
 * header fields are written once per packet and almost always sit in the
 * first segment: there, a write of constant size (no iov_iter walk, no
 * hardened-usercopy lookup of the source; make profile counted about 150
 * instructions a packet for those). Anywhere else, the iov_iter.
 */
static int vhostx_net_rx_put(struct vhostx_vq *vq, unsigned int segs, size_t total,
			     size_t off, const void *buf, size_t len)
{
	void __user *to = vq->iov[0].iov_base + off;
	struct iov_iter it;

	if (likely(vq->iov[0].iov_len >= off + len)) {
		switch (len) {
		case sizeof(__le16):
			return put_user(*(const __le16 *)buf, (__le16 __user *)to);
		case sizeof(struct virtio_net_hdr):
			return copy_to_user(to, buf, sizeof(struct virtio_net_hdr)) ? -EFAULT : 0;
		case sizeof(struct virtio_net_hdr_mrg_rxbuf):
			return copy_to_user(to, buf, sizeof(struct virtio_net_hdr_mrg_rxbuf)) ?
			       -EFAULT : 0;
		}
	}
	iov_iter_init(&it, ITER_DEST, vq->iov, segs, total);
	iov_iter_advance(&it, off);
	return copy_to_iter(buf, len, &it) == len ? 0 : -EFAULT;
}

static void vhostx_net_rx_flush(struct vhostx_vq *vq, unsigned int *pending)
{
	if (!*pending)
		return;
	if (!vhostx_vq_add_used(vq, vq->heads, *pending))
		vhostx_vq_signal(vq);
	*pending = 0;
}

static bool vhostx_net_rx_ready(struct vhostx_net_vq *nvq)
{
	return vhostx_net_rx_peek(nvq, nvq->vq.private_data) > 0;
}

static void vhostx_net_handle_rx(struct vhostx_net_vq *nvq)
{
	struct vhostx_vq *vq = &nvq->vq;
	unsigned int pending = 0, pkts = 0, quota, segs, n, i;
	size_t vhost_hlen, sock_hlen, len, total, left;
	struct virtio_net_hdr_mrg_rxbuf hdr = { };
	bool mergeable, keep_poll = false;
	struct socket *sock;
	u64 bytes = 0;
	int peek, ret;

	mutex_lock(&vq->mutex);
	if (!vhostx_vq_ready(vq)) {
		/* Its wake-up may have left the poll busy: the run that resumes restarts it. */
		vhostx_poll_stop(&nvq->sock_poll);
		goto unlock;
	}
	sock = vq->private_data;
	vq->stats.runs++;
	vhostx_net_hdr_lens(vq, &vhost_hlen, &sock_hlen);
	mergeable = vhostx_vq_has_feature(vq, VIRTIO_NET_F_MRG_RXBUF);
	/* Every chain brings at least one segment. */
	quota = mergeable ? min_t(unsigned int, vq->ring.num, VHOSTX_IOV_MAX) : 1;
	/*
	 * The socket poll stays on the socket's wait queue across runs; while
	 * we run, a new packet takes it off instead of queueing us again, and
	 * the drained exit below puts it back (no wait-queue work at all when
	 * no packet came meanwhile). Any other exit but the budget stops it.
	 */
	vhostx_poll_busy(&nvq->sock_poll);
	vhostx_vq_disable_notify(vq);

	for (;;) {
		struct msghdr msg = { };

		peek = vhostx_net_rx_peek(nvq, sock);
		if (!peek) {
			if (vq->busyloop_timeout &&
			    vhostx_net_busyloop(nvq, vhostx_net_rx_ready))
				goto next;	/* counts against the budget too */
			/* A packet came after our look: go on. */
			if (vhostx_poll_rearm(&nvq->sock_poll, sock->file)) {
				vhostx_poll_busy(&nvq->sock_poll);
				goto next;	/* counts against the budget too */
			}
			keep_poll = true;
			break;
		}
		len = peek + sock_hlen;
		total = len + vhost_hlen;

		ret = vhostx_net_rx_bufs(vq, nvq->bufs, total, quota, &segs);
		if (ret == -E2BIG) {
			vhostx_net_rx_drop(nvq, sock);
			vq->stats.drops++;
			goto next;
		}
		if (ret < 0)
			break;
		if (!ret) {
			/*
			 * Not enough guest buffers (perhaps some, given back):
			 * the guest's next kick resumes us. Retry only if it
			 * added buffers meanwhile, else we would spin.
			 */
			u16 seen = vq->ring.avail_idx;

			vhostx_net_rx_flush(vq, &pending);
			if (unlikely(vhostx_vq_enable_notify(vq)) &&
			    vhostx_vq_avail_moved(vq, seen)) {
				vhostx_vq_disable_notify(vq);
				goto next;
			}
			break;
		}
		n = ret;

		msg.msg_control = vhostx_net_rxq_pop(nvq);
		iov_iter_init(&msg.msg_iter, ITER_DEST, vq->iov, segs, total);
		iov_iter_advance(&msg.msg_iter, vhost_hlen);
		ret = sock->ops->recvmsg(sock, &msg, len, MSG_DONTWAIT | MSG_TRUNC);
		if (unlikely(ret < 0 || ret > len || (msg.msg_flags & MSG_TRUNC))) {
			/* Gone (raced), or did not fit after all: the guest keeps its buffers. */
			vhostx_vq_unget(vq, n);
			vq->stats.drops++;
			goto next;
		}
		/* The packet may be shorter than announced: trim, give back the rest. */
		len = ret;
		total = vhost_hlen + len;
		for (i = 0, left = total; i < n && left; i++) {
			nvq->bufs[i].len = min_t(size_t, nvq->bufs[i].len, left);
			left -= nvq->bufs[i].len;
		}
		if (i < n) {
			vhostx_vq_unget(vq, n - i);
			n = i;
		}

		/*
		 * The header is ours to write when the backend has none; its
		 * num_buffers field (12-byte headers) is ours either way.
		 */
		hdr.num_buffers = cpu_to_le16(n);
		if (vhost_hlen)
			ret = vhostx_net_rx_put(vq, segs, total, 0, &hdr, vhost_hlen);
		else if (sock_hlen == sizeof(hdr))
			ret = vhostx_net_rx_put(vq, segs, total,
						offsetof(typeof(hdr), num_buffers),
						&hdr.num_buffers, sizeof(hdr.num_buffers));
		else
			ret = 0;
		if (unlikely(ret)) {
			vhostx_vq_unget(vq, n);
			vhostx_vq_fail(vq, "cannot write the RX header");
			break;
		}
		/* Dirty log (migration): header and packet, before the used entries. */
		if (unlikely(vhostx_vq_has_feature(vq, VHOST_F_LOG_ALL)) &&
		    vhostx_vq_log_write(vq, vq->iov, segs, total)) {
			vhostx_vq_unget(vq, n);
			break;
		}

		if (pending + n > VHOSTX_NET_USED_BATCH || pending + n > vq->ring.num)
			vhostx_net_rx_flush(vq, &pending);
		for (i = 0; i < n; i++)
			vhostx_used_elem_set(&vq->heads[pending++], nvq->bufs[i].id,
					     nvq->bufs[i].len);
		/* Frame bytes: no virtio-net header, whoever carries it. */
		vq->stats.packets++;
		vq->stats.bytes += len - min(len, sock_hlen);
		bytes += len;
next:
		if (vhostx_vq_over_budget(vq, ++pkts, bytes, vhostx_net_budget_packets,
					  vhostx_net_budget_bytes)) {
			/* Queued again: the next run re-arms the poll. */
			keep_poll = true;
			break;
		}
	}
	vhostx_net_rx_flush(vq, &pending);
	if (!keep_poll)
		vhostx_poll_stop(&nvq->sock_poll);
unlock:
	mutex_unlock(&vq->mutex);
}

/* Work of the RX kick eventfd: the guest posted buffers (or a yield). */
void vhostx_net_handle_rx_kick(struct vhostx_work *work)
{
	struct vhostx_vq *vq = vhostx_kick_vq(work);

	vhostx_net_handle_rx(container_of(vq, struct vhostx_net_vq, vq));
}

/* Work of the RX socket poll: the backend has packets. */
void vhostx_net_handle_rx_sock(struct vhostx_work *work)
{
	struct vhostx_net_vq *nvq = container_of(work, struct vhostx_net_vq,
						 sock_poll.work);

	vhostx_net_handle_rx(nvq);
}
