/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhostx_net internals: one device per open /dev/vhost-net, two queues
 * (RX, TX), each with a backend socket (tap, macvtap/ipvtap, AF_PACKET).
 */
#ifndef _VHOSTX_NET_H
#define _VHOSTX_NET_H

#include <linux/mm_types.h>
#include <linux/net.h>
#include <linux/ptr_ring.h>
#include <vhostx/vhost.h>

enum {
	VHOSTX_NET_RX = 0,
	VHOSTX_NET_TX = 1,
	VHOSTX_NET_NVQ = 2,
};

/* Pointers taken out of the backend's ring in one go (RX). */
#define VHOSTX_NET_RXQ_BATCH	64
/* Used entries published at once, at most (bounded by the ring size too). */
#define VHOSTX_NET_USED_BATCH	64

/**
 * struct vhostx_net_rxq - packets taken from a tun/tap ring, not yet
 *                         copied to the guest
 * @queue: skb or xdp_frame pointers as tun/tap store them
 * @head: next entry to hand to recvmsg
 * @tail: one past the last valid entry
 */
struct vhostx_net_rxq {
	void *queue[VHOSTX_NET_RXQ_BATCH];
	unsigned int head;
	unsigned int tail;
};

/* What a backend fd turned out to be. */
enum vhostx_net_backend {
	VHOSTX_NET_BE_NONE,
	VHOSTX_NET_BE_TUN,
	VHOSTX_NET_BE_TAP,
	VHOSTX_NET_BE_PACKET,
};

struct xdp_buff;

/**
 * struct vhostx_net_buf - one guest buffer (chain) gathered for a packet
 * @id: head descriptor index
 * @len: bytes it can hold, then bytes written into it
 */
struct vhostx_net_buf {
	u16 id;
	u32 len;
};

/**
 * struct vhostx_net_vq - a queue of the net device
 * @vq: the core queue; vq.private_data is the backend struct socket
 * @sock_poll: backend readiness (RX: EPOLLIN, TX: EPOLLOUT after -EAGAIN);
 *             started and stopped under vq.mutex
 * @rx_ring: the tun/tap ring the RX backend queues packets on, or NULL
 *           (AF_PACKET); valid while the backend is attached
 * @kind: what the attached backend is (tun and tap take TX batches)
 * @rxq: batch of pointers from @rx_ring (RX only), under vq.mutex
 * @frags: pages TX packets are copied into for a batch (TX only); their
 *         fragments are handed to tun/tap, which frees them
 * @xdp: the TX batch being built, VHOSTX_NET_USED_BATCH entries (TX only)
 * @nxdp: entries used in @xdp
 * @xdp_bytes: frame bytes in @xdp, counted when the batch is sent
 * @bufs: guest buffers of the packet being received (RX only), worker
 *        scratch under vq.mutex
 */
struct vhostx_net_vq {
	struct vhostx_vq vq;
	struct vhostx_poll sock_poll;
	struct ptr_ring *rx_ring;
	enum vhostx_net_backend kind;
	struct vhostx_net_rxq rxq;
	struct page_frag_cache frags;
	struct xdp_buff *xdp;
	unsigned int nxdp;
	u64 xdp_bytes;
	struct vhostx_net_buf bufs[VHOSTX_IOV_MAX];
};

/**
 * struct vhostx_net - the device behind one open file
 * @dev: the core device
 * @vqs: RX and TX queues
 * @vqps: pointers to the core queues, as vhostx_dev_init() wants them
 */
struct vhostx_net {
	struct vhostx_dev dev;
	struct vhostx_net_vq vqs[VHOSTX_NET_NVQ];
	struct vhostx_vq *vqps[VHOSTX_NET_NVQ];
};

/* Fairness budget per handler run, TX batching (module parameters, net.c). */
extern unsigned int vhostx_net_budget_packets;
extern unsigned int vhostx_net_budget_bytes;
extern bool vhostx_net_tx_batch;

/* net.c */
void vhostx_net_hdr_lens(const struct vhostx_vq *vq, size_t *vhost_hlen,
			 size_t *sock_hlen);
bool vhostx_net_busyloop(struct vhostx_net_vq *nvq,
			 bool (*ready)(struct vhostx_net_vq *nvq));

/* net_tx.c */
int vhostx_net_tx_init(struct vhostx_net_vq *nvq);
void vhostx_net_tx_free(struct vhostx_net_vq *nvq);
void vhostx_net_handle_tx_kick(struct vhostx_work *work);
void vhostx_net_handle_tx_sock(struct vhostx_work *work);

/* net_rx.c */
void vhostx_net_handle_rx_kick(struct vhostx_work *work);
void vhostx_net_handle_rx_sock(struct vhostx_work *work);
void vhostx_net_rxq_return(struct vhostx_net_vq *nvq);

#endif /* _VHOSTX_NET_H */
