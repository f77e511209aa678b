/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vv: a small userspace virtio-net driver for /dev/vhost-vdpa-N.
 *
 * It provides the vDPA device the tests talk to (a vdpasim_net device made
 * with the vdpa tool and bound to vhost_vdpa), a memfd that plays guest
 * memory mapped into the device at an IOVA that differs from the process
 * address, and split rings laid out in it (selftests/lib/vring.c): queue
 * 0 receives, queue 1 transmits, and the simulator loops every frame sent
 * on 1 back to 0; queue 2 is the control queue when the test negotiates
 * one. With
 * VIRTIO_F_RING_PACKED negotiated the rings are packed: the descriptor
 * ring where the split descriptor table is, the driver and device event
 * areas where the avail and used rings are.
 */
#ifndef VV_H
#define VV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "../lib/vring.h"

#define VV_DEV		"vxvv0"
#define VV_MAC		"02:00:00:76:76:01"
#define VV_MTU		1500
#define VV_RX		0
#define VV_TX		1
#define VV_CVQ		2	/* with VIRTIO_NET_F_CTRL_VQ and one pair */
#define VV_NQ		3
#define VV_QSIZE	256
#define VV_HDR_LEN	sizeof(struct virtio_net_hdr_mrg_rxbuf)
#define VV_BUF_SIZE	2048
#define VV_MEM_SIZE	(2UL << 20)
#define VV_IOVA		0x40000000ULL
#define VV_ETH_P_TEST	0x88b5
#define VV_F(bit)	(1ULL << (bit))
#define VV_FEATURES	(VV_F(VIRTIO_F_VERSION_1) | VV_F(VIRTIO_F_ACCESS_PLATFORM) | \
			 VV_F(VIRTIO_NET_F_MAC))

#ifndef VHOST_BACKEND_F_RESUME
#define VHOST_BACKEND_F_RESUME	0x5
#endif
#ifndef VHOST_VDPA_RESUME
#define VHOST_VDPA_RESUME	_IO(VHOST_VIRTIO, 0x7E)
#endif

struct vv_vq {
	unsigned int index;
	/*
	 * The ring (selftests/lib/vring.h) at IOVAs: r.num is the queue
	 * size, VV_QSIZE or less; r.packed its layout; r.desc/r.pdesc,
	 * r.avail, r.used the areas; r.avail_idx the buffers made available,
	 * r.last_used the used entries taken; packed: r.next_avail and
	 * r.avail_wrap, r.next_used and r.used_wrap.
	 */
	struct vxr r;
	uint8_t *bufs;		/* VV_QSIZE buffers of VV_BUF_SIZE */
	uint64_t bufs_iova;
	int kick;
	int call;
};

struct vv {
	int fd;
	int memfd;
	uint8_t *mem;		/* VV_MEM_SIZE bytes */
	uint64_t iova;		/* where mem sits in the device's IOVA space */
	uint8_t mac[6];
	bool packed;		/* VIRTIO_F_RING_PACKED negotiated */
	struct vv_vq vq[VV_NQ];
};

/*
 * Device management (vv.c). vv_ensure_device: 0 with a node, 1 when our
 * modules are not loaded (SKIP), -1 when they are and it fails (FAIL);
 * why says why.
 */
int vv_ensure_device(char *node, size_t len, char *why, size_t whylen);
int vv_sysfs_write(const char *path, const char *val);
int vv_bind(const char *drv);
int vv_parse_mac(const char *s, uint8_t mac[6]);
long vv_vmpin_kb(void);
long long vv_vstat(unsigned int qidx, const char *name);

/* IOTLB messages. */
int vv_iotlb(int fd, uint32_t asid, uint8_t type, uint64_t iova, uint64_t size,
	     uint64_t uaddr, uint8_t perm);

/* The guest driver. */
int vv_mem_init(struct vv *v, int fd);
void vv_mem_free(struct vv *v);
int vv_map(struct vv *v, uint32_t asid);
int vv_negotiate(struct vv *v, uint64_t features);
int vv_setup_vq(struct vv *v, unsigned int q);
int vv_start(struct vv *v, uint64_t features);
int vv_reset_vq(struct vv *v, unsigned int q, unsigned int num);
int vv_post_rx(struct vv *v, unsigned int n);
int vv_send(struct vv *v, const void *frame, size_t len);
int vv_recv(struct vv *v, void *frame, size_t *len, int timeout_ms);
int vv_tx_reclaim(struct vv *v);
size_t vv_make_frame(struct vv *v, uint8_t *buf, size_t len, uint32_t seq);

#endif /* VV_H */
