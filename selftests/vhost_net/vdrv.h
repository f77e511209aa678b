/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vdrv: a small userspace virtio-net "guest driver" for vhost-net tests.
 *
 * It owns a piece of memory that plays guest RAM (one or two regions in the
 * vhost memory table, with guest-physical addresses that differ from the
 * process addresses), lays split rings out in it, and drives a vhost-net fd
 * through the <linux/vhost.h> ioctls. Helpers create the backends the tests
 * need: tap and macvtap devices, AF_PACKET sockets, network namespaces.
 *
 * Queue 0 is RX (host to guest), queue 1 is TX (guest to host), as in
 * vhost-net. Every chain posted on a queue gets a "slot": a fixed-size piece
 * of guest memory indexed by the chain's head descriptor, so a used entry
 * always tells where its data is.
 */
#ifndef VDRV_H
#define VDRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "../lib/netutil.h"
#include "../lib/vring.h"

#define VDRV_RX			0
#define VDRV_TX			1
#define VDRV_NVQ		2
#define VDRV_MAX_REGIONS	2
#define VDRV_MAX_SEGS		64
#define VDRV_HDR_LEN		sizeof(struct virtio_net_hdr_mrg_rxbuf)

/* Guest-physical bases of the regions; chosen so gpa != process address. */
#define VDRV_GPA_BASE0		0x00100000ULL
#define VDRV_GPA_BASE1		0x100000000ULL

/* Experimental ethertype for test frames: the host stack ignores it. */
#define VDRV_ETH_P_TEST		0x88b5

#define VDRV_F(bit)		(1ULL << (bit))
/* What a modern virtio-net driver asks for by default. */
#define VDRV_FEATURES_DEFAULT	(VDRV_F(VIRTIO_F_VERSION_1) | \
				 VDRV_F(VIRTIO_NET_F_MRG_RXBUF))

struct vdrv_dev;

struct vdrv_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *hva;
};

struct vdrv_vq {
	struct vdrv_dev *dev;
	unsigned int index;
	unsigned int num;	/* queue size, r.num */
	/*
	 * The ring (selftests/lib/vring.h), laid out as vring_init() does
	 * (used ring page aligned; packed: the descriptor ring and both
	 * event areas back to back). Tests peek at r.desc/r.pdesc,
	 * r.avail/r.drv_evt, r.used/r.dev_evt, r.packed, r.avail_idx (split:
	 * the avail->idx published; packed: buffers made available),
	 * r.last_used (used entries taken), r.next_avail, r.next_used and
	 * the wrap counters. r.chain_descs is ours: descriptors (split) or
	 * ring entries (packed) a chain in flight occupies, 0 once it is back.
	 */
	struct vxr r;
	int kick;
	int call;
	int err;
	uint8_t *slots;		/* num * slot_size bytes of guest memory */
	size_t slot_size;
	uint8_t *indir;		/* per-head indirect tables */
	uint16_t *free_stack;	/* free descriptor indices (packed: buffer ids) */
	unsigned int free_top;
	uint8_t *inflight;	/* 1 while a head is owned by the device */
	unsigned int ninflight;
	/* How vdrv_rx_frame() reposts consumed RX buffers. */
	size_t rx_buflen;
	unsigned int rx_nsegs;
	bool rx_indirect;
	bool rx_refill;
	/* Leave used_event alone when consuming (event-idx tests set it). */
	bool manual_event;
	/* Packed: free ring entries. */
	unsigned int free_descs;
	/* The size the ring memory was laid out for (vdrv_vq_reinit). */
	unsigned int num_max;
};

struct vdrv_cfg {
	uint64_t features;	/* acked with VHOST_SET_FEATURES */
	unsigned int num;	/* ring size; 256 when 0 */
	size_t slot_size;	/* bytes per chain; 4096 when 0 */
	int nregions;		/* 1 or 2; 1 when 0 */
	bool split_rx;		/* region border in the RX slots (else TX) */
};

struct vdrv_dev {
	int fd;
	uint64_t features;
	size_t hdr_len;		/* virtio-net header size the guest sees */
	int memfd;
	uint8_t *mem;
	size_t mem_size;
	size_t brk;
	int nregions;
	struct vdrv_region reg[VDRV_MAX_REGIONS];
	struct vdrv_vq vq[VDRV_NVQ];
	const char *failed;	/* name of the step that failed, for messages */
	/*
	 * Device IOTLB (VIRTIO_F_ACCESS_PLATFORM): when not 0, the device
	 * sees guest memory at I/O virtual addresses from here on (mem[0] at
	 * iova_base): rings and descriptors carry these, set before
	 * vdrv_configure(); the test maps them with IOTLB messages.
	 */
	uint64_t iova_base;
};

/* Device node under test: $VHOST_NET_DEV or /dev/vhost-net. */
const char *vdrv_dev_path(void);
/* True when our vhostx_net module (not the kernel's vhost_net) is loaded. */
bool vdrv_is_vhostx(void);
/* True when the node should exist: $VHOST_NET_DEV set or vhostx loaded. */
bool vdrv_node_expected(void);
/* Name of the module serving the node: "vhostx_net" or "vhost_net". */
const char *vdrv_module_name(void);

/* Open the node only. Returns 0 or -errno. */
int vdrv_open(struct vdrv_dev *d);
/* Allocate guest memory and lay out rings; no ioctls. Returns 0 or -errno. */
int vdrv_mem_init(struct vdrv_dev *d, const struct vdrv_cfg *cfg);
/* Fill @m (caller-sized for @d->nregions) with the table for @d. */
void vdrv_mem_table(struct vdrv_dev *d, struct vhost_memory *m);
/* The full sequence QEMU does: open, owner, features, mem table, rings. */
int vdrv_init(struct vdrv_dev *d, const struct vdrv_cfg *cfg);
/* The part of vdrv_init() after open and vdrv_mem_init(). */
int vdrv_configure(struct vdrv_dev *d);
/*
 * The VHOST_SET_VRING_BASE value for @vq's current position: the avail
 * index, or with the packed layout avail position | wrap << 15 and the used
 * position | wrap << 15 in the upper half (QEMU's encoding).
 */
uint32_t vdrv_vq_base(const struct vdrv_vq *vq);
/*
 * A driver's queue reset (VIRTIO_F_RING_RESET): forget every buffer, clear
 * the ring memory and lay the ring out again with @num entries (at most the
 * size vdrv_mem_init() made it for), both sides at 0 (packed: wrap
 * counters 1). Programming it is the caller's (vdrv_vq_program()). 0 or
 * -EINVAL.
 */
int vdrv_vq_reinit(struct vdrv_vq *vq, unsigned int num);
/* Program one ring (num, base, addr, kick, call, err). */
int vdrv_vq_program(struct vdrv_dev *d, unsigned int index);
/* VHOST_NET_SET_BACKEND. Returns 0 or -errno. */
int vdrv_set_backend(struct vdrv_dev *d, unsigned int index, int fd);
void vdrv_close(struct vdrv_dev *d);

/* The address the device is given for @hva: its IOVA, else its gpa. */
uint64_t vdrv_dma(struct vdrv_dev *d, const void *hva);

/* Guest memory translation. Returns 0 (gpa) / NULL (hva) when unmapped. */
uint64_t vdrv_hva2gpa(struct vdrv_dev *d, const void *hva);
void *vdrv_gpa2hva(struct vdrv_dev *d, uint64_t gpa);

/* Data area of chain @head. */
uint8_t *vdrv_slot(struct vdrv_vq *vq, unsigned int head);
/* Indirect table area reserved for chain @head (VDRV_MAX_SEGS + 2 entries). */
struct vring_desc *vdrv_indir(struct vdrv_vq *vq, unsigned int head);
/* Split: publish @head in the avail ring (entry, then idx with release). */
void vdrv_publish(struct vdrv_vq *vq, uint16_t head);
void vdrv_desc_set(struct vdrv_vq *vq, unsigned int i, uint64_t addr,
		   uint32_t len, uint16_t flags, uint16_t next);

/*
 * Post one TX chain: @hdr (@hdrlen bytes) then @len bytes of @frame, split
 * over @nsegs descriptors (and at region borders), direct or through an
 * indirect table. Returns the head or -errno (-ENOSPC: ring full).
 */
int vdrv_tx_post(struct vdrv_vq *vq, const void *hdr, size_t hdrlen,
		 const void *frame, size_t len, unsigned int nsegs, bool indirect);
/* Post one writable RX chain of @buflen bytes over @nsegs descriptors. */
int vdrv_rx_post(struct vdrv_vq *vq, size_t buflen, unsigned int nsegs,
		 bool indirect);
/* Post RX buffers until the ring is full; remember the shape for refills. */
int vdrv_rx_fill(struct vdrv_vq *vq, size_t buflen, unsigned int nsegs,
		 bool indirect);

/*
 * Take the next used entry: returns its head and stores its length, or
 * -EAGAIN when there is none, -EPROTO when the device returned a head we
 * never posted or twice.
 */
int vdrv_used_get(struct vdrv_vq *vq, uint32_t *len);
/* Entries the device has published but we have not consumed. */
unsigned int vdrv_used_pending(struct vdrv_vq *vq);
/* Wait until a used entry is pending (polls call fd). 1 found, 0 timeout. */
int vdrv_wait_used(struct vdrv_vq *vq, int timeout_ms);

/*
 * Receive one frame from the RX queue: waits up to @timeout_ms, gathers
 * num_buffers entries when MRG_RXBUF is on, copies the header to @hdr and
 * the frame to @buf (up to @cap bytes) and reposts the buffers when
 * rx_refill is set. Returns the frame length, -ETIMEDOUT or -errno.
 * @nbufs (may be NULL) gets the number of buffers the frame used.
 */
ssize_t vdrv_rx_frame(struct vdrv_vq *vq, struct virtio_net_hdr_mrg_rxbuf *hdr,
		      void *buf, size_t cap, unsigned int *nbufs, int timeout_ms);

void vdrv_kick(struct vdrv_vq *vq);
/* Read an eventfd counter without blocking: signals since last read. */
uint64_t vdrv_evt_count(int efd);
/* Wait for an eventfd to fire, consume it. 1 fired, 0 timeout. */
int vdrv_evt_wait(int efd, int timeout_ms);

/* used_event (avail->ring[num]) and avail_event (used->ring[num]). */
void vdrv_set_used_event(struct vdrv_vq *vq, uint16_t v);
uint16_t vdrv_avail_event(struct vdrv_vq *vq);
void vdrv_set_avail_flags(struct vdrv_vq *vq, uint16_t flags);

/* ---- host side helpers ---- */

/*
 * Namespaces, links, tap, macvtap and AF_PACKET sockets come from
 * selftests/lib/netutil.h, under the names the tests use.
 */
#define vdrv_netns_new		nu_netns_new
#define vdrv_sh			nu_sh
#define vdrv_link_up		nu_link_up
#define vdrv_link_mtu		nu_link_mtu
#define vdrv_ifindex		nu_ifindex
#define vdrv_link_mac		nu_link_mac
#define vdrv_macvtap_open	nu_macvtap_open
#define vdrv_pkt_open		nu_pkt_open
#define vdrv_pkt_recv		nu_pkt_recv
#define vdrv_count_comm		nu_count_comm
/*
 * Create or attach to tap @name with IFF_TAP|IFF_NO_PI, plus IFF_VNET_HDR
 * and TUNSETVNETHDRSZ when @hdr_sz > 0, plus @extra flags (IFF_MULTI_QUEUE).
 */
int vdrv_tap_open(const char *name, int extra, int hdr_sz);

/*
 * Test frames: Ethernet to @dst from @src (NULL: built-in addresses),
 * ethertype VDRV_ETH_P_TEST, 32-bit sequence number, then a pattern derived
 * from the sequence. @len >= 18.
 */
void vdrv_frame_fill(uint8_t *buf, size_t len, uint32_t seq,
		     const uint8_t *dst, const uint8_t *src);
uint32_t vdrv_frame_seq(const uint8_t *buf);
uint16_t vdrv_frame_proto(const uint8_t *buf);
/*
 * IPv4 frame 192.0.2.1 -> 192.0.2.2 with protocol @ipproto (UDP or TCP)
 * of @len bytes total, ports from @seq, pattern payload. The L4 checksum
 * field holds the pseudo-header sum, as a driver leaves it for NEEDS_CSUM.
 */
void vdrv_frame_ipv4(uint8_t *buf, size_t len, uint32_t seq, int ipproto,
		     const uint8_t *dst, const uint8_t *src);

/* Print the first difference of two buffers to stderr; 0 if equal. */
int vdrv_cmp(const void *a, const void *b, size_t len);

/* ---- composite helpers the tests share ---- */

/*
 * A tap in the current netns, MTU 65521 (frames up to 65535) and up, with two AF_PACKET sockets
 * on it: @cap sees what the guest sent (incoming on the tap, with a
 * virtio_net_hdr in front: PACKET_VNET_HDR), @inj sends frames out of the
 * tap, i.e. towards the guest.
 */
struct vdrv_env {
	char name[16];
	int tap;
	int cap;
	int inj;
};

int vdrv_env_tap(struct vdrv_env *e, const char *name, int extra, int hdr_sz);
void vdrv_env_close(struct vdrv_env *e);

/*
 * Send @len bytes of @frame with header @hdr (NULL: zeroes) on the TX queue,
 * wait for its used entry and for the frame on @cap (a PACKET_VNET_HDR
 * socket), compare bytes. @got (may be NULL) receives the header the
 * capture saw. 0 on success, -1 with a message on stderr.
 */
int vdrv_tx_check(struct vdrv_vq *vq, int cap,
		  const struct virtio_net_hdr_mrg_rxbuf *hdr,
		  const uint8_t *frame, size_t len, unsigned int nsegs,
		  bool indirect, struct virtio_net_hdr *got);
/*
 * Send @len bytes of @frame on @inj and receive it on the RX queue, compare
 * bytes. @hdr (may be NULL) gets the header, @nbufs the buffers used.
 */
int vdrv_rx_check(struct vdrv_vq *vq, int inj, const uint8_t *frame,
		  size_t len, struct virtio_net_hdr_mrg_rxbuf *hdr,
		  unsigned int *nbufs);

/*
 * @n frames each way through tap @e (TX 777 bytes in 2 segments, RX 777 - i
 * bytes), sequence numbers from @seq, bytes compared. 0, or -1 with a
 * message on stderr.
 */
int vdrv_traffic(struct vdrv_dev *d, struct vdrv_env *e, uint32_t seq, unsigned int n);

/* /sys/module/<mod>/refcnt, or -1. */
int vdrv_module_refcnt(const char *mod);

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t vdrv_now_ms(void);

/*
 * Our debugfs counters ("name value" lines): the value of @key in the file
 * @path, or in queue file @q ("rx", "tx") of this process's first vhostx
 * device (/sys/kernel/debug/vhostx/<pid>-<id>/). -1 when absent.
 */
long long vdrv_stat_file(const char *path, const char *key);
long long vdrv_stat(const char *q, const char *key);

#endif /* VDRV_H */
