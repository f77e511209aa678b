// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhostx_net TX: guest to backend. Each available chain is one packet
 * (readable descriptors only, virtio-net header first); it is handed to
 * the backend with one sendmsg() straight from the guest's buffers, and
 * the used entries are published in batches with one signal per batch.
 */
#include <linux/socket.h>
#include <linux/uio.h>
#include "net.h"

/* Publish pending used entries and notify the driver if it wants it. */
static void vhostx_net_tx_flush(struct vhostx_vq *vq, unsigned int *pending)
{
	if (!*pending)
		return;
	if (!vhostx_vq_add_used(vq, vq->heads, *pending))
		vhostx_vq_signal(vq);
	*pending = 0;
}

static bool vhostx_net_tx_ready(struct vhostx_net_vq *nvq)
{
	return !vhostx_vq_avail_empty(&nvq->vq);
}

static void vhostx_net_handle_tx(struct vhostx_net_vq *nvq)
{
	struct vhostx_vq *vq = &nvq->vq;
	unsigned int pending = 0, pkts = 0, batch, out, in;
	size_t vhost_hlen, sock_hlen, len;
	struct socket *sock;
	u64 bytes = 0;
	u16 head;
	int ret;

	mutex_lock(&vq->mutex);
	if (!vhostx_vq_ready(vq))
		goto unlock;
	sock = vq->private_data;
	vq->stats.runs++;
	vhostx_net_hdr_lens(vq, &vhost_hlen, &sock_hlen);
	batch = min_t(unsigned int, vq->ring.num, VHOSTX_NET_USED_BATCH);
	/* We run now: no need to hear that the socket has room. */
	vhostx_poll_stop(&nvq->sock_poll);
	vhostx_vq_disable_notify(vq);

	for (;;) {
		struct msghdr msg = { .msg_flags = MSG_DONTWAIT };

		ret = vhostx_vq_get_chain(vq, vq->iov, VHOSTX_IOV_MAX, &out, &in, &head);
		if (unlikely(ret < 0)) {
			if (ret == -ENOBUFS)
				vhostx_vq_fail(vq, "TX chain needs more than %u segments",
					       VHOSTX_IOV_MAX);
			break;
		}
		if (!ret) {
			/* Let the guest see completions before we wait for more. */
			vhostx_net_tx_flush(vq, &pending);
			if (vq->busyloop_timeout &&
			    vhostx_net_busyloop(nvq, vhostx_net_tx_ready))
				continue;
			if (unlikely(vhostx_vq_enable_notify(vq))) {
				vhostx_vq_disable_notify(vq);
				continue;
			}
			break;
		}
		if (unlikely(in)) {
			vhostx_vq_fail(vq, "TX chain %u has %u writable segments", head, in);
			break;
		}
		len = iov_length(vq->iov, out);
		if (unlikely(len < vhost_hlen)) {
			vhostx_vq_fail(vq, "TX chain %u shorter (%zu) than its header", head, len);
			break;
		}
		iov_iter_init(&msg.msg_iter, ITER_SOURCE, vq->iov, out, len);
		iov_iter_advance(&msg.msg_iter, vhost_hlen);
		len -= vhost_hlen;
		ret = sock->ops->sendmsg(sock, &msg, len);
		if (unlikely(ret < 0)) {
			if (ret == -EAGAIN || ret == -ENOMEM || ret == -ENOBUFS) {
				/* Keep the chain; retry when the socket has room. */
				vhostx_vq_unget(vq, 1);
				vhostx_poll_start(&nvq->sock_poll, sock->file);
				break;
			}
			/* Backend refused the packet (device down, bad header): drop. */
			vq->stats.drops++;
		} else if (unlikely(ret != len)) {
			vq->stats.drops++;
		} else {
			/* Frame bytes: no virtio-net header, whoever carries it. */
			vq->stats.packets++;
			vq->stats.bytes += len - min(len, sock_hlen);
		}
		vhostx_used_elem_set(&vq->heads[pending++], head, 0);
		if (pending >= batch)
			vhostx_net_tx_flush(vq, &pending);
		bytes += len;
		if (vhostx_vq_over_budget(vq, ++pkts, bytes, vhostx_net_budget_packets,
					  vhostx_net_budget_bytes))
			break;
	}
	vhostx_net_tx_flush(vq, &pending);
unlock:
	mutex_unlock(&vq->mutex);
}

/* Work of the TX kick eventfd (and of budget yields). */
void vhostx_net_handle_tx_kick(struct vhostx_work *work)
{
	struct vhostx_vq *vq = vhostx_kick_vq(work);

	vhostx_net_handle_tx(container_of(vq, struct vhostx_net_vq, vq));
}

/* Work of the TX socket poll: the backend has room again. */
void vhostx_net_handle_tx_sock(struct vhostx_work *work)
{
	struct vhostx_net_vq *nvq = container_of(work, struct vhostx_net_vq,
						 sock_poll.work);

	vhostx_net_handle_tx(nvq);
}
