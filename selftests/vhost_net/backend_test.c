// SPDX-License-Identifier: GPL-2.0-only
/*
 * Backends: detach (fd -1) and reattach under traffic, swapping between two
 * taps, macvtap on a veth, AF_PACKET on a veth, a tap without a vnet header
 * (VHOST_NET_F_VIRTIO_NET_HDR: the device adds and strips the header) and a
 * multiqueue tap with one vhost fd per queue. Every frame is accounted for:
 * no ring entry lost or completed twice, no frame lost or duplicated.
 */
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <netinet/in.h>

#include "kselftest_harness.h"
#include "vtest.h"

static const uint8_t zero_hdr[VDRV_HDR_LEN];

static int get_base(struct vdrv_dev *d, unsigned int idx)
{
	struct vhost_vring_state s = { .index = idx };

	if (ioctl(d->fd, VHOST_GET_VRING_BASE, &s) < 0)
		return -errno;
	return s.num;
}

/* Receive frames on @cap until @n distinct sequence numbers were seen. */
static int collect(int cap, size_t hdr, uint8_t *seen, unsigned int n,
		   unsigned int *dups, int timeout_ms)
{
	static uint8_t buf[70000];
	unsigned int got = 0;
	uint64_t end = vdrv_now_ms() + timeout_ms;

	for (unsigned int i = 0; i < n; i++)
		got += seen[i] ? 1 : 0;
	while (got < n && vdrv_now_ms() < end) {
		ssize_t r = vdrv_pkt_recv(cap, buf, sizeof(buf), 200);
		uint32_t seq;

		if (r < (ssize_t)(hdr + 18))
			continue;
		if (vdrv_frame_proto(buf + hdr) != VDRV_ETH_P_TEST)
			continue;
		seq = vdrv_frame_seq(buf + hdr);
		if (seq >= n) {
			(*dups)++;
			continue;
		}
		if (seen[seq])
			(*dups)++;
		else
			got++;
		seen[seq] = 1;
	}
	return got;
}

FIXTURE(be) {
	struct vdrv_dev d;
	struct vdrv_env e;
	struct vdrv_env e2;
};

FIXTURE_SETUP(be)
{
	struct vdrv_cfg cfg = {
		.features = VDRV_FEATURES_DEFAULT,
		.num = 256,
		.slot_size = 2048,
		.nregions = 2,
	};

	self->e.tap = self->e.cap = self->e.inj = -1;
	self->e2.tap = self->e2.cap = self->e2.inj = -1;
	VTEST_NETNS();
	VTEST_TAP(&self->e, "vxtap0", 0, VDRV_HDR_LEN);
	if (vtest_init_dev(_metadata, &self->d, &cfg))
		return;
}

FIXTURE_TEARDOWN(be)
{
	vdrv_close(&self->d);
	vdrv_env_close(&self->e);
	vdrv_env_close(&self->e2);
}

/*
 * TX: bursts are posted and kicked, and the backend is detached right
 * behind the kick, while the worker is busy with them, then attached again.
 * While detached the used index matches the device's avail position.
 */
TEST_F_TIMEOUT(be, detach_reattach_tx, 180)
{
	struct vdrv_vq *vq = &self->d.vq[VDRV_TX];
	const unsigned int total = 1000, burst = 50;
	unsigned int sent = 0, used = 0, dups = 0, i;
	uint8_t frame[1500], *seen = calloc(total, 1);
	int base;

	if (_metadata->skip)
		return;
	ASSERT_NE(NULL, seen);
	VTEST_BACKEND(&self->d, VDRV_TX, self->e.tap);
	while (sent < total) {
		for (i = 0; i < burst && sent < total; i++, sent++) {
			vdrv_frame_fill(frame, 60 + sent % 1400, sent, NULL, NULL);
			ASSERT_LE(0, vdrv_tx_post(vq, zero_hdr, VDRV_HDR_LEN, frame,
						  60 + sent % 1400, 1, false));
		}
		vdrv_kick(vq);
		if ((sent / burst) % 3)
			usleep(((sent / burst) % 5) * 300);
		ASSERT_EQ(0, vdrv_set_backend(&self->d, VDRV_TX, -1));
		base = get_base(&self->d, VDRV_TX);
		ASSERT_LE(0, base);
		/* Everything the device took is completed, nothing more. */
		EXPECT_EQ(base, __atomic_load_n(&vq->r.used->idx, __ATOMIC_ACQUIRE));
		while (vdrv_used_pending(vq)) {
			ASSERT_LE(0, vdrv_used_get(vq, NULL));
			used++;
		}
		ASSERT_EQ(0, vdrv_set_backend(&self->d, VDRV_TX, self->e.tap));
		vdrv_kick(vq);
	}
	while (used < total && vdrv_wait_used(vq, 5000)) {
		ASSERT_LE(0, vdrv_used_get(vq, NULL));
		used++;
	}
	EXPECT_EQ(total, used);
	EXPECT_EQ(0, vq->ninflight);
	EXPECT_EQ(total, collect(self->e.cap, 10, seen, total, &dups, 10000));
	EXPECT_EQ(0, dups);
	free(seen);
}

/* RX: frames keep coming while the backend goes away and comes back. */
TEST_F_TIMEOUT(be, detach_reattach_rx, 180)
{
	struct vdrv_vq *vq = &self->d.vq[VDRV_RX];
	const unsigned int total = 600, burst = 30;
	unsigned int sent = 0, got = 0, i;
	struct virtio_net_hdr_mrg_rxbuf h;
	uint8_t frame[1500], buf[2000];

	if (_metadata->skip)
		return;
	VTEST_BACKEND(&self->d, VDRV_RX, self->e.tap);
	ASSERT_LT(0, vdrv_rx_fill(vq, 2048, 1, false));
	vdrv_kick(vq);
	while (sent < total) {
		for (i = 0; i < burst && sent < total; i++, sent++) {
			vdrv_frame_fill(frame, 60 + sent % 1400, sent, NULL, NULL);
			ASSERT_EQ(60 + sent % 1400, send(self->e.inj, frame,
							 60 + sent % 1400, 0));
		}
		if ((sent / burst) % 2)
			usleep(((sent / burst) % 7) * 200);
		ASSERT_EQ(0, vdrv_set_backend(&self->d, VDRV_RX, -1));
		/* Take what was delivered, in order, before reattaching. */
		while (vdrv_used_pending(vq)) {
			ssize_t n = vdrv_rx_frame(vq, &h, buf, sizeof(buf), NULL, 1000);

			ASSERT_EQ(60 + got % 1400, n);
			ASSERT_EQ(got, vdrv_frame_seq(buf));
			got++;
		}
		ASSERT_EQ(0, vdrv_set_backend(&self->d, VDRV_RX, self->e.tap));
	}
	while (got < total) {
		ssize_t n = vdrv_rx_frame(vq, &h, buf, sizeof(buf), NULL, 5000);

		ASSERT_EQ(60 + got % 1400, n) {
			TH_LOG("frame %u of %u", got, total);
		}
		ASSERT_EQ(got, vdrv_frame_seq(buf));
		vdrv_frame_fill(frame, n, got, NULL, NULL);
		ASSERT_EQ(0, vdrv_cmp(buf, frame, n));
		got++;
	}
	EXPECT_EQ(0, vdrv_wait_used(vq, 200));
}

/* TX moves between two taps under traffic; every frame exits exactly once. */
TEST_F_TIMEOUT(be, swap_taps_tx, 180)
{
	struct vdrv_vq *vq = &self->d.vq[VDRV_TX];
	const unsigned int total = 600, burst = 40;
	unsigned int sent = 0, used = 0, dups = 0, got, i;
	uint8_t frame[600], *seen = calloc(total, 1);
	int which = 0;

	if (_metadata->skip)
		return;
	ASSERT_NE(NULL, seen);
	VTEST_TAP(&self->e2, "vxtap1", 0, VDRV_HDR_LEN);
	VTEST_BACKEND(&self->d, VDRV_TX, self->e.tap);
	while (sent < total) {
		for (i = 0; i < burst && sent < total; i++, sent++) {
			vdrv_frame_fill(frame, 100 + sent % 400, sent, NULL, NULL);
			ASSERT_LE(0, vdrv_tx_post(vq, zero_hdr, VDRV_HDR_LEN, frame,
						  100 + sent % 400, 1, false));
		}
		vdrv_kick(vq);
		which ^= 1;
		ASSERT_EQ(0, vdrv_set_backend(&self->d, VDRV_TX,
					      which ? self->e2.tap : self->e.tap));
		vdrv_kick(vq);
		while (vdrv_used_pending(vq)) {
			ASSERT_LE(0, vdrv_used_get(vq, NULL));
			used++;
		}
	}
	while (used < total && vdrv_wait_used(vq, 5000)) {
		ASSERT_LE(0, vdrv_used_get(vq, NULL));
		used++;
	}
	EXPECT_EQ(total, used);
	got = collect(self->e.cap, 10, seen, total, &dups, 1000);
	got = collect(self->e2.cap, 10, seen, total, &dups, 5000);
	EXPECT_EQ(total, got);
	EXPECT_EQ(0, dups);
	free(seen);
}

/*
 * The memory table is replaced under traffic by equivalent layouts (one
 * region, the same memory split in two, plus an unrelated extra region):
 * every frame still goes out and comes in byte-exact.
 */
TEST_F_TIMEOUT(be, mem_table_swap, 180)
{
	struct vdrv_vq *tx = &self->d.vq[VDRV_TX], *rx = &self->d.vq[VDRV_RX];
	const unsigned int total = 300, burst = 20;
	struct virtio_net_hdr_mrg_rxbuf h;
	uint8_t frame[1500], buf[2048], *seen = calloc(total, 1);
	unsigned int sent = 0, used = 0, got = 0, dups = 0, i, k = 0;
	struct {
		struct vhost_memory m;
		struct vhost_memory_region r[3];
	} t[3];
	uint64_t g0 = self->d.reg[0].gpa, g1 = self->d.reg[1].gpa;
	uint64_t s0 = self->d.reg[0].size, s1 = self->d.reg[1].size;
	uint64_t u0 = (uintptr_t)self->d.reg[0].hva, u1 = (uintptr_t)self->d.reg[1].hva;
	uint64_t half = (s0 / 2) & ~0xfffULL;	/* regions stay page-aligned */
	void *extra;

	if (_metadata->skip)
		return;
	ASSERT_NE(NULL, seen);
	extra = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, extra);
	memset(t, 0, sizeof(t));
	/* 0: as set up (two regions); 1: region 0 split again; 2: plus extra. */
	t[0].m.nregions = 2;
	t[0].r[0] = (struct vhost_memory_region){ g0, s0, u0 };
	t[0].r[1] = (struct vhost_memory_region){ g1, s1, u1 };
	t[1].m.nregions = 3;
	t[1].r[0] = (struct vhost_memory_region){ g0, half, u0 };
	t[1].r[1] = (struct vhost_memory_region){ g0 + half, s0 - half, u0 + half };
	t[1].r[2] = t[0].r[1];
	t[2].m.nregions = 3;
	t[2].r[0] = (struct vhost_memory_region){ 0x200000000ULL, 1 << 20, (uintptr_t)extra };
	t[2].r[1] = t[0].r[1];
	t[2].r[2] = t[0].r[0];

	VTEST_BACKEND(&self->d, VDRV_TX, self->e.tap);
	VTEST_BACKEND(&self->d, VDRV_RX, self->e.tap);
	ASSERT_LT(0, vdrv_rx_fill(rx, 2048, 1, false));
	vdrv_kick(rx);
	while (sent < total) {
		for (i = 0; i < burst && sent < total; i++, sent++) {
			size_t len = 60 + sent % 1400;

			vdrv_frame_fill(frame, len, sent, NULL, NULL);
			ASSERT_LE(0, vdrv_tx_post(tx, zero_hdr, VDRV_HDR_LEN, frame, len,
						  1 + sent % 3, false));
			ASSERT_EQ(len, send(self->e.inj, frame, len, 0));
		}
		vdrv_kick(tx);
		ASSERT_EQ(0, ioctl(self->d.fd, VHOST_SET_MEM_TABLE, &t[k % 3].m)) {
			TH_LOG("table %u: %s", k % 3, strerror(errno));
		}
		k++;
		while (vdrv_used_pending(tx)) {
			ASSERT_LE(0, vdrv_used_get(tx, NULL));
			used++;
		}
		while (got < sent) {
			ssize_t n = vdrv_rx_frame(rx, &h, buf, sizeof(buf), NULL, 5000);

			ASSERT_EQ(60 + got % 1400, n);
			vdrv_frame_fill(frame, n, got, NULL, NULL);
			ASSERT_EQ(0, vdrv_cmp(buf, frame, n));
			got++;
		}
	}
	while (used < total && vdrv_wait_used(tx, 5000)) {
		ASSERT_LE(0, vdrv_used_get(tx, NULL));
		used++;
	}
	EXPECT_EQ(total, used);
	EXPECT_EQ(total, got);
	EXPECT_EQ(total, collect(self->e.cap, 10, seen, total, &dups, 10000));
	EXPECT_EQ(0, dups);
	munmap(extra, 1 << 20);
	free(seen);
}

/* A tap without IFF_VNET_HDR: with VHOST_NET_F_VIRTIO_NET_HDR the device
 * strips the guest's header on TX and writes one on RX.
 */
TEST(tap_without_vnet_hdr)
{
	struct vdrv_cfg cfg = {
		.features = VDRV_FEATURES_DEFAULT | VDRV_F(VHOST_NET_F_VIRTIO_NET_HDR),
		.num = 64,
		.slot_size = 2048,
	};
	struct virtio_net_hdr_mrg_rxbuf h;
	struct vdrv_dev d = { .fd = -1 };
	struct vdrv_env e;
	uint8_t frame[1000], buf[1100];
	unsigned int nb;
	int cap, i;

	VTEST_NETNS();
	VTEST_TAP(&e, "vxtap0", 0, 0);
	if (vtest_init_dev(_metadata, &d, &cfg))
		return;
	VTEST_BACKEND(&d, VDRV_TX, e.tap);
	VTEST_BACKEND(&d, VDRV_RX, e.tap);
	/* e.cap expects a vnet header; use a plain capture socket. */
	cap = vdrv_pkt_open(e.name, false, true);
	ASSERT_LE(0, cap);
	ASSERT_LT(0, vdrv_rx_fill(&d.vq[VDRV_RX], 2048, 1, false));
	vdrv_kick(&d.vq[VDRV_RX]);
	for (i = 0; i < 20; i++) {
		struct vdrv_vq *vq = &d.vq[VDRV_TX];
		uint32_t len;

		vdrv_frame_fill(frame, 60 + i * 47, i, NULL, NULL);
		ASSERT_LE(0, vdrv_tx_post(vq, zero_hdr, VDRV_HDR_LEN, frame,
					  60 + i * 47, 2, false));
		vdrv_kick(vq);
		ASSERT_EQ(1, vdrv_wait_used(vq, 5000));
		ASSERT_LE(0, vdrv_used_get(vq, &len));
		ASSERT_EQ(60 + i * 47, vdrv_pkt_recv(cap, buf, sizeof(buf), 5000));
		ASSERT_EQ(0, vdrv_cmp(buf, frame, 60 + i * 47));

		ASSERT_EQ(0, vdrv_rx_check(&d.vq[VDRV_RX], e.inj, frame, 60 + i * 47,
					   &h, &nb));
		EXPECT_EQ(1, h.num_buffers);
		EXPECT_EQ(0, h.hdr.flags);
		EXPECT_EQ(VIRTIO_NET_HDR_GSO_NONE, h.hdr.gso_type);
	}
	close(cap);
	vdrv_close(&d);
	vdrv_env_close(&e);
}

/* Two veths vxv0 <-> vxv1 in the current netns, both up, IPv6 off. */
static int veth_pair(void)
{
	/* The VM's module autoload cannot reach modprobe: load it here. */
	vdrv_sh("modprobe -q veth");
	if (vdrv_sh("ip link add vxv0 type veth peer name vxv1") ||
	    vdrv_link_up("vxv0") || vdrv_link_up("vxv1"))
		return -1;
	return 0;
}

FIXTURE(veth) {
	struct vdrv_dev d;
	int peer_cap;	/* on vxv1, incoming only */
	int peer_inj;	/* on vxv1, sends towards vxv0 */
	int backend;
};

FIXTURE_VARIANT(veth) {
	bool macvtap;
};

FIXTURE_VARIANT_ADD(veth, macvtap) {
	.macvtap = true,
};

FIXTURE_VARIANT_ADD(veth, af_packet) {
	.macvtap = false,
};

FIXTURE_SETUP(veth)
{
	struct vdrv_cfg cfg = {
		.features = VDRV_FEATURES_DEFAULT |
			    (variant->macvtap ? 0 : VDRV_F(VHOST_NET_F_VIRTIO_NET_HDR)),
		.num = 64,
		.slot_size = 2048,
	};
	struct sockaddr_ll sll = { 0 };

	self->d.fd = -1;
	self->peer_cap = self->peer_inj = self->backend = -1;
	VTEST_NETNS();
	if (veth_pair())
		SKIP(return, "cannot create a veth pair (CONFIG_VETH, iproute2)");
	if (variant->macvtap) {
		vdrv_sh("modprobe -q macvtap");
		if (vdrv_sh("ip link add link vxv0 name vxmvt0 type macvtap mode bridge"))
			SKIP(return, "cannot create a macvtap (CONFIG_MACVTAP)");
		ASSERT_EQ(0, vdrv_link_up("vxmvt0"));
		self->backend = vdrv_macvtap_open("vxmvt0", VDRV_HDR_LEN);
	} else {
		self->backend = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
		sll.sll_family = AF_PACKET;
		sll.sll_protocol = htons(ETH_P_ALL);
		sll.sll_ifindex = vdrv_ifindex("vxv0");
		ASSERT_EQ(0, bind(self->backend, (struct sockaddr *)&sll, sizeof(sll)));
	}
	ASSERT_LE(0, self->backend);
	self->peer_cap = vdrv_pkt_open("vxv1", false, true);
	self->peer_inj = vdrv_pkt_open("vxv1", false, true);
	ASSERT_LE(0, self->peer_cap);
	ASSERT_LE(0, self->peer_inj);
	if (vtest_init_dev(_metadata, &self->d, &cfg))
		return;
}

FIXTURE_TEARDOWN(veth)
{
	vdrv_close(&self->d);
	if (self->backend >= 0)
		close(self->backend);
	if (self->peer_cap >= 0)
		close(self->peer_cap);
	if (self->peer_inj >= 0)
		close(self->peer_inj);
}

TEST_F_TIMEOUT(veth, tx, 120)
{
	struct vdrv_vq *vq = &self->d.vq[VDRV_TX];
	uint8_t frame[1514], buf[1600];
	unsigned int i;

	if (_metadata->skip)
		return;
	VTEST_BACKEND(&self->d, VDRV_TX, self->backend);
	for (i = 0; i < 30; i++) {
		size_t len = 60 + i * 48;
		ssize_t n;

		vdrv_frame_fill(frame, len, i, NULL, NULL);
		ASSERT_LE(0, vdrv_tx_post(vq, zero_hdr, VDRV_HDR_LEN, frame, len,
					  1 + i % 3, false));
		vdrv_kick(vq);
		ASSERT_EQ(1, vdrv_wait_used(vq, 5000));
		ASSERT_LE(0, vdrv_used_get(vq, NULL));
		do {
			n = vdrv_pkt_recv(self->peer_cap, buf, sizeof(buf), 5000);
		} while (n >= 14 && vdrv_frame_proto(buf) != VDRV_ETH_P_TEST);
		ASSERT_EQ(len, n);
		ASSERT_EQ(0, vdrv_cmp(buf, frame, len));
	}
}

TEST_F_TIMEOUT(veth, rx, 120)
{
	struct vdrv_vq *vq = &self->d.vq[VDRV_RX];
	struct virtio_net_hdr_mrg_rxbuf h;
	uint8_t frame[1514], buf[1600], mac[6];
	unsigned int i;

	if (_metadata->skip)
		return;
	/* macvtap takes frames for its own address; AF_PACKET takes all. */
	ASSERT_EQ(0, vdrv_link_mac(variant->macvtap ? "vxmvt0" : "vxv0", mac));
	VTEST_BACKEND(&self->d, VDRV_RX, self->backend);
	ASSERT_LT(0, vdrv_rx_fill(vq, 2048, 1, false));
	vdrv_kick(vq);
	for (i = 0; i < 30; i++) {
		size_t len = 60 + i * 48;
		ssize_t n;

		vdrv_frame_fill(frame, len, i, mac, NULL);
		ASSERT_EQ(len, send(self->peer_inj, frame, len, 0));
		do {
			n = vdrv_rx_frame(vq, &h, buf, sizeof(buf), NULL, 5000);
		} while (n >= 14 && vdrv_frame_proto(buf) != VDRV_ETH_P_TEST);
		ASSERT_EQ(len, n);
		ASSERT_EQ(0, vdrv_cmp(buf, frame, len));
		EXPECT_EQ(1, h.num_buffers);
	}
}

/*
 * Multiqueue: one IFF_MULTI_QUEUE tap, two queue fds, one vhost fd on each,
 * as QEMU does for two queue pairs. TX from both arrives; RX flows spread
 * over both, and each frame reaches exactly one of them.
 */
TEST_F_TIMEOUT(be, multiqueue, 120)
{
	const unsigned int total = 64;
	uint8_t frame[200], buf[300], *seen = calloc(2 * total, 1);
	struct vdrv_cfg cfg = { .features = VDRV_FEATURES_DEFAULT, .num = 128 };
	struct virtio_net_hdr_mrg_rxbuf h;
	unsigned int q, i, dups = 0, per[2] = { 0, 0 }, got = 0;
	struct vdrv_dev d2 = { .fd = -1 };
	struct vdrv_env m;
	int q1;

	if (_metadata->skip)
		return;
	ASSERT_NE(NULL, seen);
	/* A fresh multiqueue tap; the fixture's single-queue one is unused. */
	VTEST_TAP(&m, "vxmq0", IFF_MULTI_QUEUE, VDRV_HDR_LEN);
	q1 = vdrv_tap_open("vxmq0", IFF_MULTI_QUEUE, VDRV_HDR_LEN);
	ASSERT_LE(0, q1);
	if (vtest_init_dev(_metadata, &d2, &cfg))
		return;
	VTEST_BACKEND(&self->d, VDRV_TX, m.tap);
	VTEST_BACKEND(&self->d, VDRV_RX, m.tap);
	VTEST_BACKEND(&d2, VDRV_TX, q1);
	VTEST_BACKEND(&d2, VDRV_RX, q1);

	/* TX: interleaved from both queues. */
	for (i = 0; i < total; i++) {
		struct vdrv_dev *d = i % 2 ? &d2 : &self->d;

		vdrv_frame_fill(frame, 100 + i, i, NULL, NULL);
		ASSERT_LE(0, vdrv_tx_post(&d->vq[VDRV_TX], zero_hdr, VDRV_HDR_LEN,
					  frame, 100 + i, 1, false));
		vdrv_kick(&d->vq[VDRV_TX]);
	}
	EXPECT_EQ(total, collect(m.cap, 10, seen, total, &dups, 10000));
	EXPECT_EQ(0, dups);
	for (q = 0; q < 2; q++) {
		struct vdrv_vq *vq = &(q ? &d2 : &self->d)->vq[VDRV_TX];

		while (vdrv_used_pending(vq) || vdrv_wait_used(vq, 200))
			ASSERT_LE(0, vdrv_used_get(vq, NULL));
		EXPECT_EQ(0, vq->ninflight);
	}

	/* RX: 64 UDP flows (different ports) spread over the two queues. */
	memset(seen, 0, 2 * total);
	for (q = 0; q < 2; q++) {
		struct vdrv_vq *vq = &(q ? &d2 : &self->d)->vq[VDRV_RX];

		ASSERT_LT(0, vdrv_rx_fill(vq, 2048, 1, false));
		vdrv_kick(vq);
	}
	for (i = 0; i < total; i++) {
		vdrv_frame_ipv4(frame, sizeof(frame), i, 17, NULL, NULL);
		ASSERT_EQ(sizeof(frame), send(m.inj, frame, sizeof(frame), 0));
	}
	for (uint64_t end = vdrv_now_ms() + 10000; got < total && vdrv_now_ms() < end;) {
		for (q = 0; q < 2; q++) {
			struct vdrv_vq *vq = &(q ? &d2 : &self->d)->vq[VDRV_RX];
			ssize_t n;
			uint32_t seq;

			if (!vdrv_used_pending(vq) && !vdrv_wait_used(vq, 20))
				continue;
			n = vdrv_rx_frame(vq, &h, buf, sizeof(buf), NULL, 1000);
			ASSERT_EQ(sizeof(frame), n);
			vdrv_frame_ipv4(frame, sizeof(frame), buf[18] << 8 | buf[19], 17,
					NULL, NULL);
			seq = buf[18] << 8 | buf[19];	/* IPv4 id = seq */
			ASSERT_LT(seq, total);
			ASSERT_EQ(0, vdrv_cmp(buf, frame, sizeof(frame)));
			if (seen[seq])
				dups++;
			seen[seq] = 1;
			per[q]++;
			got++;
		}
	}
	TH_LOG("RX frames per queue: %u %u", per[0], per[1]);
	EXPECT_EQ(total, got);
	EXPECT_EQ(0, dups);
	EXPECT_LT(0, per[0]);
	EXPECT_LT(0, per[1]);
	vdrv_close(&d2);
	close(q1);
	vdrv_env_close(&m);
	free(seen);
}

TEST_HARNESS_MAIN
