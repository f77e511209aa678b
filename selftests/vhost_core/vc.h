/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vc: the smallest virtio-net "guest" that drives a vhost-net node for the
 * vhost core tests. Guest memory is a memfd mapped once; rings and buffers
 * live in it at fixed guest physical addresses. No indirect descriptors,
 * one descriptor per buffer: the ring details are the vhost_net tests'
 * business, these tests look at the core around them.
 */
#ifndef VC_H
#define VC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_ring.h>

#include "../lib/vring.h"

#define VC_RX		0
#define VC_TX		1
#define VC_NUM		256
#define VC_BUF		2048
#define VC_HDR		12		/* virtio_net_hdr_mrg_rxbuf */
#define VC_MEM		(4UL << 20)
#define VC_GPA		0x40000000ULL	/* guest physical base */
#define VC_ETHERTYPE	0x88b5		/* IEEE local experimental */

struct vc_vq {
	unsigned int idx;
	/*
	 * The split ring (selftests/lib/vring.h), at process addresses for
	 * VHOST_SET_VRING_ADDR: r.desc, r.avail, r.used, r.avail_idx (the
	 * avail->idx published), r.last_used (used entries taken).
	 */
	struct vxr r;
	uint8_t *buf;			/* VC_NUM buffers of VC_BUF bytes */
	uint64_t buf_gpa;
	int kick, call, err;
};

struct vc_dev {
	int fd;
	uint8_t *mem;
	struct vc_vq vq[2];
};

struct vc_tap {
	int fd;		/* the tap queue (the backend) */
	int cap;	/* AF_PACKET bound to the tap: what TX sent, and RX injection */
	int ifindex;
	char name[16];
};

/* Path of the vhostx_net node, NULL if vhostx_net is not loaded. */
const char *vc_node(void);
/* Read /sys/module/<mod>/parameters/<p>; -1 on error. */
long vc_param_get(const char *mod, const char *p);
/* Write it; returns 0 or errno. */
int vc_param_set(const char *mod, const char *p, long v);

/* ioctl returning 0 or errno. */
int vc_ioctl(int fd, unsigned long req, void *arg);

/* Open the node and map guest memory; nothing configured. */
int vc_open(struct vc_dev *d);
void vc_close(struct vc_dev *d);
/* SET_OWNER, features, a one-region table, both rings, eventfds. */
int vc_setup(struct vc_dev *d, uint64_t features);
/* The memory table: one region, or the same memory as two regions. */
int vc_set_mem(struct vc_dev *d, bool split);
/* VHOST_NET_SET_BACKEND; returns 0 or errno. */
int vc_backend(struct vc_dev *d, unsigned int q, int fd);

/* A tap named vxc<n>, up, IPv6 off; vnet_hdr: 0 or 12. */
int vc_tap_open(struct vc_tap *t, int n, int vnet_hdr);
void vc_tap_close(struct vc_tap *t);
/* Set the tap's MTU; returns 0 or errno. */
int vc_tap_mtu(struct vc_tap *t, int mtu);

/* Build a test frame of @len bytes carrying @seq. */
void vc_frame(uint8_t *f, size_t len, uint32_t seq);

/* TX: post one frame (with a zero header) and kick. */
int vc_tx(struct vc_dev *d, const uint8_t *frame, size_t len, bool kick);
/* Kick a queue. */
void vc_kick(struct vc_dev *d, unsigned int q);
/* RX: post @n empty buffers and kick. */
int vc_rx_fill(struct vc_dev *d, unsigned int n);
/* Wait until @q has a new used entry; returns 1, or 0 on timeout. */
int vc_wait_used(struct vc_dev *d, unsigned int q, int ms);
/* Take the next used entry of @q: its buffer and length; -1 if none. */
int vc_used(struct vc_dev *d, unsigned int q, uint8_t **buf, uint32_t *len);
/* Frames of ours captured on the tap (TX), with timeout; -1 if none. */
ssize_t vc_capture(struct vc_tap *t, uint8_t *buf, size_t len, int ms);
/* Send a frame out of the tap (the guest receives it). */
int vc_inject(struct vc_tap *t, const uint8_t *frame, size_t len);

/* Counter @name of queue "rx"/"tx" from our debugfs dir; -1 if absent. */
long long vc_counter(const char *queue, const char *name);
/* Does our debugfs dir (<pid>-<id>) exist? */
bool vc_debugfs_dir(char *path, size_t len);
/* Is a signal pending on eventfd @fd within @ms? Consumes it. */
bool vc_eventfd_wait(int fd, int ms);

#endif /* VC_H */
