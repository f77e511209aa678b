/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vdpax_sim_net internals: a software vDPA network device whose datapath
 * loops every transmitted frame back to the receive queue of the same pair.
 *
 * Memory model: rings and buffers are I/O virtual addresses, translated
 * through the device's own IOTLB (one per address space), whose entries hold
 * physical addresses. Each virtqueue group is attached to one address space;
 * group 0 holds the data queues, group 1 the control queue.
 */
#ifndef _VDPASIM_H
#define _VDPASIM_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/vhost_iotlb.h>
#include <linux/workqueue.h>
#include <uapi/linux/virtio_net.h>
#include <vhostx/ring.h>
#include <vhostx/vdpa.h>

#define VDPASIM_NGROUPS		2
#define VDPASIM_NAS		2
#define VDPASIM_DATA_GROUP	0
#define VDPASIM_CVQ_GROUP	1
#define VDPASIM_VQ_NUM_MAX	256
#define VDPASIM_MAX_VQP		4
#define VDPASIM_MAX_VQS		(2 * VDPASIM_MAX_VQP + 1)
#define VDPASIM_IOTLB_LIMIT	32768
#define VDPASIM_BUF_SIZE	65536
#define VDPASIM_HDR_LEN		sizeof(struct virtio_net_hdr_mrg_rxbuf)
/* TX chains completed with one vdpasim_vq_push_batch() call, at most. */
#define VDPASIM_TX_BATCH	16

/**
 * struct vdpasim_chain - a descriptor chain popped from an available ring
 * @head: index of the first descriptor (the used ring id)
 * @nout: number of device-readable segments, first in @iov
 * @nin: number of device-writable segments, after the readable ones
 * @out_len: total readable bytes
 * @in_len: total writable bytes
 * @iov: the segments as the ring core gives them: @iov_base holds the IOVA
 *       (never a user address), checked to be mapped when popped
 */
struct vdpasim_chain {
	u16 head;
	unsigned int nout;
	unsigned int nin;
	u64 out_len;
	u64 in_len;
	struct iovec iov[VDPASIM_VQ_NUM_MAX];
};

/**
 * struct vdpasim_vq_stats - per-queue counters reported through vstats
 * @received_desc: descriptor chains taken from the available ring
 * @completed_desc: descriptor chains returned through the used ring
 * @packets: frames transmitted (TX) or delivered (RX); commands that
 *           succeeded (control queue)
 * @bytes: frame bytes, virtio-net header excluded (data queues)
 * @drops: looped-back frames the RX queue could not take: filtered, too
 *         big for the buffer, or no buffer posted (RX)
 * @no_buffer: the part of @drops that found no receive buffer (RX)
 * @errors: malformed chains or frames (TX, RX), failed commands (control)
 */
struct vdpasim_vq_stats {
	u64 received_desc;
	u64 completed_desc;
	u64 packets;
	u64 bytes;
	u64 drops;
	u64 no_buffer;
	u64 errors;
};

/**
 * struct vdpasim_vq - device side of one virtqueue, split or packed
 * @desc_addr: descriptor table IOVA (packed: the descriptor ring)
 * @driver_addr: available ring IOVA (packed: the driver event area)
 * @device_addr: used ring IOVA (packed: the device event area)
 * @num: queue size; 0 when the driver set an invalid size
 * @ready: enabled by the driver
 * @packed: the driver accepted VIRTIO_F_RING_PACKED
 * @in_order: the driver accepted VIRTIO_F_IN_ORDER: the ring core may
 *            publish a TX batch with one used entry (the device uses every
 *            queue's buffers in the order it pops them)
 * @started: @ring is loaded (vq.c), since the last change of the above
 * @avail_base: next available index to read when not @started (packed:
 *              the descriptor position)
 * @used_base: next used index (as reported) when not @started (packed:
 *             the descriptor position)
 * @avail_wrap: packed: the driver ring wrap counter at @avail_base
 * @used_wrap: packed: the device ring wrap counter at @used_base
 * @pbufs: packed: the ring core's per-buffer-id state, room for
 *         VDPASIM_VQ_NUM_MAX (a slice of &vdpasim_net.pbufs)
 * @need_irq: used entries were added since the last callback
 * @iotlb: the address space the ring core reaches the queue through,
 *         set by vq.c before each ring call (lock held)
 * @ring: the ring core's state of the queue (walker, indexes, counters)
 * @stats: counters
 */
struct vdpasim_vq {
	u64 desc_addr;
	u64 driver_addr;
	u64 device_addr;
	u32 num;
	bool ready;
	bool packed;
	bool in_order;
	bool started;
	u16 avail_base;
	u16 used_base;
	bool avail_wrap;
	bool used_wrap;
	void *pbufs;
	bool need_irq;
	struct vhost_iotlb *iotlb;
	struct vhostx_ring ring;
	struct vdpasim_vq_stats stats;
};

/**
 * struct vdpasim_port_stats - what the host sees on a device's port
 * @rx_packets: frames the driver sent, received by the port
 * @rx_bytes: their bytes
 * @rx_dropped: frames the driver sent that found no memory
 * @tx_packets: frames sent through the port, delivered to the driver
 * @tx_bytes: their bytes
 * @tx_dropped: frames sent through the port and dropped: no carrier, queue
 *              full, not for the device's MAC, or too big for the buffer
 */
struct vdpasim_port_stats {
	atomic64_t rx_packets;
	atomic64_t rx_bytes;
	atomic64_t rx_dropped;
	atomic64_t tx_packets;
	atomic64_t tx_bytes;
	atomic64_t tx_dropped;
};

/**
 * struct vdpasim_net - one simulated network device
 * @vdpa: the bus device, first member
 * @lock: protects every field below except @work and what @cb_lock
 *        protects; taken with interrupts disabled because kick_vq may be
 *        called from any context, so never held across a loop the driver
 *        controls: at most one chunk of frames or control commands
 * @work: runs the datapath and the control commands kick_vq() left, and
 *        delivers callbacks; on system_unbound_wq
 * @cb_lock: protects @vq_cb and @config_cb, and is held while a callback
 *           runs, so none runs once set_vq_cb() or reset has returned.
 *           Never taken with @lock held: a callback may signal an eventfd
 *           that is also a queue's kick eventfd, whose wake-up calls
 *           kick_vq(), which takes @lock.
 * @vq_cb: used-buffer callback of each virtqueue
 * @config_cb: config change callback
 * @dev_features: features offered
 * @drv_features: features accepted by the driver
 * @features_set: @drv_features was set since the last reset
 * @status: virtio status byte
 * @suspended: suspend() was called and not resume()
 * @generation: config generation
 * @max_vqp: queue pairs this device has
 * @cur_vqp: queue pairs the driver enabled (VIRTIO_NET_CTRL_MQ)
 * @prov_mac: MAC address given at creation (restored on reset)
 * @prov_mtu: MTU given at creation
 * @config: config space, little-endian
 * @group_asid: address space each group is attached to
 * @iotlb: one IOTLB per address space
 * @nvqs: number of virtqueues (2 * @max_vqp + 1)
 * @vqs: the virtqueues
 * @pbufs: the packed ring state of every virtqueue (see &vdpasim_vq.pbufs)
 * @txc: scratch chain for the TX (or control) side
 * @rxc: scratch chain for the RX side
 * @buf: bounce buffer for one frame
 * @port: the host-side interface of a vdpasim_port device (set at
 *        creation, for the device's life), NULL for a loopback device
 * @port_live: @port is registered and not going away; under @lock, for
 *             the work item
 * @port_mutex: serializes carrier changes with @port's (un)registration, so
 *              that carrier is never touched on an unregistered interface
 *              (the link watch would keep a pointer to it); protects
 *              @port_registered
 * @port_registered: @port is registered
 * @port_in: frames the host sent through @port, for the RX queue; its own
 *           lock, taken inside @lock; only the work item dequeues
 * @port_out: frames the driver sent, for @port; under @lock
 * @port_stats: @port's counters
 */
struct vdpasim_net {
	struct vdpax_device vdpa;
	spinlock_t lock;	/* everything below but @work and the callbacks */
	struct work_struct work;
	spinlock_t cb_lock;	/* vq_cb, config_cb; held across callbacks */
	struct vdpax_callback vq_cb[VDPASIM_MAX_VQS];
	struct vdpax_callback config_cb;
	u64 dev_features;
	u64 drv_features;
	bool features_set;
	u8 status;
	bool suspended;
	u32 generation;
	u16 max_vqp;
	u16 cur_vqp;
	u8 prov_mac[ETH_ALEN];
	u16 prov_mtu;
	struct virtio_net_config config;
	unsigned int group_asid[VDPASIM_NGROUPS];
	struct vhost_iotlb *iotlb[VDPASIM_NAS];
	u32 nvqs;
	struct vdpasim_vq *vqs;
	void *pbufs;
	struct vdpasim_chain *txc;
	struct vdpasim_chain *rxc;
	u8 *buf;
	struct net_device *port;
	bool port_live;
	struct mutex port_mutex;
	bool port_registered;
	struct sk_buff_head port_in;
	struct sk_buff_head port_out;
	struct vdpasim_port_stats port_stats;
};

static inline struct vdpasim_net *vdpa_to_sim(struct vdpax_device *vdpa)
{
	return container_of(vdpa, struct vdpasim_net, vdpa);
}

/* net.c: what port.c shares with the loopback datapath */
void vdpasim_schedule(struct vdpasim_net *sim);
bool vdpasim_vq_usable(struct vdpasim_vq *vq);
bool vdpasim_accept(struct vdpasim_net *sim, const u8 *frame);
void vdpasim_fail(struct vdpasim_net *sim, u16 idx, int err);

/* port.c: the host-side interface of a vdpasim_port device */
int vdpasim_port_alloc(struct vdpasim_net *sim, const char *name,
		       struct netlink_ext_ack *extack);
int vdpasim_port_register(struct vdpasim_net *sim, struct netlink_ext_ack *extack);
void vdpasim_port_unregister(struct vdpasim_net *sim);
void vdpasim_port_free(struct vdpasim_net *sim);
void vdpasim_port_carrier(struct vdpasim_net *sim, bool on);
bool vdpasim_port_pair(struct vdpasim_net *sim, int budget);
void vdpasim_port_deliver(struct vdpasim_net *sim, struct sk_buff_head *list, bool live);

/* iova.c: address translation and the IOTLB ops */
int vdpasim_iova_read(struct vhost_iotlb *iotlb, u64 iova, void *buf, size_t len);
int vdpasim_iova_write(struct vhost_iotlb *iotlb, u64 iova, const void *buf, size_t len);
int vdpasim_set_map(struct vdpax_device *vdpa, unsigned int asid,
		    struct vhost_iotlb *src);
int vdpasim_dma_map(struct vdpax_device *vdpa, unsigned int asid, u64 iova,
		    u64 size, u64 pa, u32 perm, void *opaque);
int vdpasim_dma_unmap(struct vdpax_device *vdpa, unsigned int asid, u64 iova,
		      u64 size);
int vdpasim_reset_map(struct vdpax_device *vdpa, unsigned int asid);

/* vq.c: the device side of split and packed virtqueues, on the vhostx ring core */
void vdpasim_vq_stop(struct vdpasim_vq *vq);
void vdpasim_vq_state(struct vdpasim_vq *vq, struct vdpax_vq_state *state);
int vdpasim_vq_set_state(struct vdpasim_vq *vq, const struct vdpax_vq_state *state);
int vdpasim_vq_pop(struct vdpasim_vq *vq, struct vhost_iotlb *iotlb,
		   struct vdpasim_chain *c);
int vdpasim_vq_avail(struct vdpasim_vq *vq, struct vhost_iotlb *iotlb, u16 *n);
int vdpasim_vq_push(struct vdpasim_vq *vq, struct vhost_iotlb *iotlb, u16 head,
		    u32 len);
int vdpasim_vq_push_batch(struct vdpasim_vq *vq, struct vhost_iotlb *iotlb,
			  const struct vring_used_elem *elems, unsigned int n);
bool vdpasim_vq_want_irq(struct vdpasim_vq *vq, struct vhost_iotlb *iotlb);
int vdpasim_chain_read(struct vhost_iotlb *iotlb, const struct vdpasim_chain *c,
		       u64 offset, void *buf, size_t len);
int vdpasim_chain_write(struct vhost_iotlb *iotlb, const struct vdpasim_chain *c,
			u64 offset, const void *buf, size_t len);

#endif /* _VDPASIM_H */
