// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhostx_net TX: guest to backend. Each available chain is one packet
 * (readable descriptors only, virtio-net header first).
 *
 * tun and tap accept a batch of packets in one sendmsg() (TUN_MSG_PTR, an
 * array of xdp_buff): we copy each packet into a page fragment laid out as
 * they expect (struct tun_xdp_hdr at the start, the frame after a pad,
 * room for skb_shared_info at the end), and hand them over 64 at a time;
 * tun and tap build their skbs around those pages and free them. Packets
 * too big for one page (GSO), other backends, and sockets with a send
 * buffer limit (the batch would bypass it) take one sendmsg() each,
 * straight from the guest's buffers. Either way used entries are
 * published in batches with one signal per batch.
 */
#include <linux/if_tun.h>
#include <linux/mm.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/uio.h>
#include <net/sock.h>
#include <net/xdp.h>
#include "net.h"

/* Room before the frame: what an skb wants, plus XDP's if a program runs. */
#define VHOSTX_NET_TX_PAD	(NET_IP_ALIGN + NET_SKB_PAD)

/**
 * vhostx_net_tx_init() - allocate the TX batch array
 * @nvq: the TX queue
 *
 * Return: 0 or -ENOMEM.
 */
int vhostx_net_tx_init(struct vhostx_net_vq *nvq)
{
	nvq->xdp = kcalloc(VHOSTX_NET_USED_BATCH, sizeof(*nvq->xdp), GFP_KERNEL_ACCOUNT);
	nvq->nxdp = 0;
	nvq->xdp_bytes = 0;
	memset(&nvq->frags, 0, sizeof(nvq->frags));
	return nvq->xdp ? 0 : -ENOMEM;
}

/**
 * vhostx_net_tx_free() - free the batch array and the fragment cache
 * @nvq: the TX queue, its worker stopped
 */
void vhostx_net_tx_free(struct vhostx_net_vq *nvq)
{
	if (nvq->frags.va)
		__page_frag_cache_drain(virt_to_head_page(nvq->frags.va),
					nvq->frags.pagecnt_bias);
	nvq->frags.va = NULL;
	kfree(nvq->xdp);
	nvq->xdp = NULL;
}

/*
 * Copy one packet (@from: optional backend header of @sock_hlen bytes, then
 * the frame) into a fragment and add it to the batch. -ENOSPC: it does
 * not fit in a page; -ENOMEM: no page; both leave @from untouched.
 * -EFAULT: guest memory unreadable.
 */
static int vhostx_net_tx_build(struct vhostx_net_vq *nvq, struct socket *sock,
			       struct iov_iter *from, size_t sock_hlen)
{
	struct xdp_buff *xdp = &nvq->xdp[nvq->nxdp];
	size_t len = iov_iter_count(from);
	unsigned int pad, buflen;
	struct tun_xdp_hdr *hdr;
	struct page *page;
	void *buf;

	BUILD_BUG_ON(sizeof(struct tun_xdp_hdr) > VHOSTX_NET_TX_PAD);
	if (unlikely(len < sock_hlen))
		return -EFAULT;
	len -= sock_hlen;
	pad = SKB_DATA_ALIGN(VHOSTX_NET_TX_PAD +
			     (sock_flag(sock->sk, SOCK_XDP) ? XDP_PACKET_HEADROOM : 0));
	if (len > PAGE_SIZE)
		return -ENOSPC;
	buflen = SKB_DATA_ALIGN(pad + len) + SKB_DATA_ALIGN(sizeof(struct skb_shared_info));
	if (buflen > PAGE_SIZE)
		return -ENOSPC;
	buf = page_frag_alloc_align(&nvq->frags, buflen, GFP_KERNEL, ~(SMP_CACHE_BYTES - 1));
	if (unlikely(!buf))
		return -ENOMEM;

	hdr = buf;
	hdr->buflen = buflen;
	if (sock_hlen) {
		/* The backend's header: the part tun/tap read, then skip the rest. */
		if (copy_from_iter(&hdr->gso, sizeof(hdr->gso), from) != sizeof(hdr->gso))
			goto fault;
		iov_iter_advance(from, sock_hlen - sizeof(hdr->gso));
	} else {
		memset(&hdr->gso, 0, sizeof(hdr->gso));
	}
	/*
	 * The frame, into its page: copy_page_from_iter() knows the bounds
	 * (the fragment's compound page), where copy_from_iter() would ask
	 * hardened usercopy to look the kernel buffer up for every packet
	 * (make profile: about 200 instructions a 64-byte packet).
	 */
	page = virt_to_head_page(buf);
	if (copy_page_from_iter(page, buf + pad - page_address(page), len, from) != len)
		goto fault;
	xdp_init_buff(xdp, buflen, NULL);
	xdp_prepare_buff(xdp, buf, pad, len, true);
	nvq->nxdp++;
	return 0;

fault:
	page_frag_free(buf);
	return -EFAULT;
}

/* Hand the batch to tun/tap; they own the fragments unless the call fails. */
static void vhostx_net_tx_send_batch(struct vhostx_net_vq *nvq, struct socket *sock)
{
	struct tun_msg_ctl ctl = {
		.type = TUN_MSG_PTR,
		.num = nvq->nxdp,
		.ptr = nvq->xdp,
	};
	struct msghdr msg = {
		.msg_control = &ctl,
		.msg_controllen = sizeof(ctl),
		.msg_flags = MSG_DONTWAIT,
	};
	unsigned int i;
	int ret;

	if (!nvq->nxdp)
		return;
	ret = sock->ops->sendmsg(sock, &msg, 0);
	if (likely(ret >= 0)) {
		nvq->vq.stats.packets += nvq->nxdp;
		nvq->vq.stats.bytes += nvq->xdp_bytes;
	} else {
		/* Device gone: the packets are lost, the pages are ours to free. */
		for (i = 0; i < nvq->nxdp; i++)
			page_frag_free(nvq->xdp[i].data);
		nvq->vq.stats.drops += nvq->nxdp;
	}
	nvq->nxdp = 0;
	nvq->xdp_bytes = 0;
}

/* Send the batch, publish pending used entries, notify the driver if it wants. */
static void vhostx_net_tx_flush(struct vhostx_net_vq *nvq, struct socket *sock,
				unsigned int *pending)
{
	struct vhostx_vq *vq = &nvq->vq;

	vhostx_net_tx_send_batch(nvq, sock);
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

/* Can this socket take batches? tun and tap can, when no send limit applies. */
static bool vhostx_net_tx_can_batch(struct vhostx_net_vq *nvq, struct socket *sock)
{
	return READ_ONCE(vhostx_net_tx_batch) &&
	       (nvq->kind == VHOSTX_NET_BE_TUN || nvq->kind == VHOSTX_NET_BE_TAP) &&
	       READ_ONCE(sock->sk->sk_sndbuf) == INT_MAX;
}

static void vhostx_net_handle_tx(struct vhostx_net_vq *nvq)
{
	struct vhostx_vq *vq = &nvq->vq;
	unsigned int pending = 0, pkts = 0, batch, out, in;
	size_t vhost_hlen, sock_hlen, len;
	struct socket *sock;
	bool can_batch;
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
	can_batch = vhostx_net_tx_can_batch(nvq, sock);
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
			vhostx_net_tx_flush(nvq, sock, &pending);
			if (vq->busyloop_timeout &&
			    vhostx_net_busyloop(nvq, vhostx_net_tx_ready))
				goto next;
			if (unlikely(vhostx_vq_enable_notify(vq))) {
				vhostx_vq_disable_notify(vq);
				goto next;
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

		ret = can_batch ? vhostx_net_tx_build(nvq, sock, &msg.msg_iter, sock_hlen) :
				  -ENOSPC;
		if (!ret) {
			/* Counted when the batch goes out. */
			nvq->xdp_bytes += len - min(len, sock_hlen);
			goto queued;
		}
		/* Too big for a page, or no page: keep order, send it alone. */
		if (ret != -EFAULT) {
			vhostx_net_tx_send_batch(nvq, sock);
			ret = sock->ops->sendmsg(sock, &msg, len);
		}
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
queued:
		vhostx_used_elem_set(&vq->heads[pending++], head, 0);
		if (pending >= batch)
			vhostx_net_tx_flush(nvq, sock, &pending);
		bytes += len;
next:
		/*
		 * Every pass counts, an empty one too: a guest that moves
		 * avail->idx so that we find the ring empty, then not, must
		 * not keep the worker here.
		 */
		if (vhostx_vq_over_budget(vq, ++pkts, bytes, vhostx_net_budget_packets,
					  vhostx_net_budget_bytes))
			break;
	}
	vhostx_net_tx_flush(nvq, sock, &pending);
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
