// SPDX-License-Identifier: GPL-2.0-only
/*
 * Packed virtqueues (VIRTIO_F_RING_PACKED) on /dev/vhost-net: frames both
 * ways byte-exact over many laps of the ring (the wrap counters flip),
 * direct and indirect chains, with and without EVENT_IDX; the vring base
 * (position and wrap counter of both sides) read back across a stop; bad
 * bases refused; and hostile descriptor rings that must stop only their
 * queue and signal its error eventfd.
 *
 * The kernel's vhost_net has no packed rings: it does not offer the
 * feature, and every test here is a SKIP against it.
 */
#include <stdlib.h>

#include "kselftest_harness.h"
#include "vtest.h"

#define MAXF	9100
#define NUM	64

FIXTURE(packed) {
	struct vdrv_dev d;
	struct vdrv_env e;
	uint8_t *frame;
};

FIXTURE_VARIANT(packed) {
	bool event_idx;
	bool indirect;
	unsigned int nsegs;
	int nregions;
};

FIXTURE_VARIANT_ADD(packed, direct) {
	.nsegs = 3, .nregions = 1,
};

FIXTURE_VARIANT_ADD(packed, event_idx) {
	.event_idx = true, .nsegs = 2, .nregions = 1,
};

FIXTURE_VARIANT_ADD(packed, indirect_two_regions) {
	.indirect = true, .nsegs = 9, .nregions = 2,
};

FIXTURE_VARIANT_ADD(packed, event_idx_indirect) {
	.event_idx = true, .indirect = true, .nsegs = 5, .nregions = 1,
};

FIXTURE_SETUP(packed)
{
	struct vdrv_cfg cfg = {
		.features = VDRV_FEATURES_DEFAULT | VDRV_F(VIRTIO_F_RING_PACKED) |
			    VDRV_F(VIRTIO_RING_F_INDIRECT_DESC) |
			    (variant->event_idx ? VDRV_F(VIRTIO_RING_F_EVENT_IDX) : 0),
		.num = NUM,
		.slot_size = MAXF + 64,
		.nregions = variant->nregions,
	};

	self->frame = malloc(MAXF);
	ASSERT_NE(NULL, self->frame);
	vtest_tap_dev(_metadata, &self->e, &self->d, &cfg, VDRV_F(VIRTIO_F_RING_PACKED), true);
}

FIXTURE_TEARDOWN(packed)
{
	vdrv_close(&self->d);
	vdrv_env_close(&self->e);
	free(self->frame);
}

/* TX then RX of frame @i: sizes vary so chains take 1..nsegs entries. */
static int one_each_way(struct __test_metadata *_metadata,
			FIXTURE_DATA(packed) *self,
			const FIXTURE_VARIANT(packed) *variant, unsigned int i)
{
	size_t len = 60 + (i * 1237) % (MAXF - 60);
	struct virtio_net_hdr_mrg_rxbuf h;
	unsigned int nb;

	vdrv_frame_fill(self->frame, len, i, NULL, NULL);
	if (vdrv_tx_check(&self->d.vq[VDRV_TX], self->e.cap, NULL, self->frame, len,
			  1 + i % variant->nsegs, variant->indirect, NULL)) {
		TH_LOG("TX frame %u of %zu bytes", i, len);
		return -1;
	}
	vdrv_frame_fill(self->frame, len, i + 100000, NULL, NULL);
	if (vdrv_rx_check(&self->d.vq[VDRV_RX], self->e.inj, self->frame, len, &h, &nb)) {
		TH_LOG("RX frame %u of %zu bytes", i, len);
		return -1;
	}
	return 0;
}

/*
 * Five laps of a 64-entry ring each way: every descriptor position is used
 * in both wrap-counter states. RX buffers are posted 2 KiB at a time, so
 * the larger frames take several (mergeable) buffers.
 */
TEST_F_TIMEOUT(packed, laps_both_ways, 240)
{
	struct vdrv_vq *rx = &self->d.vq[VDRV_RX], *tx = &self->d.vq[VDRV_TX];
	unsigned int i;

	if (_metadata->skip)
		return;
	ASSERT_LT(0, vdrv_rx_fill(rx, 2048, variant->nsegs > 4 ? 4 : variant->nsegs,
				  variant->indirect));
	vdrv_kick(rx);
	for (i = 0; i < 5 * NUM; i++)
		ASSERT_EQ(0, one_each_way(_metadata, self, variant, i));
	/* The driver's view: both laps moved on, nothing is left in flight. */
	EXPECT_EQ(0, tx->ninflight);
	EXPECT_EQ(5 * NUM, tx->r.last_used);
	EXPECT_EQ(0, vdrv_evt_count(tx->err));
	EXPECT_EQ(0, vdrv_evt_count(rx->err));
}

/*
 * GET_VRING_BASE after a stop gives back exactly where both sides stand
 * (positions and wrap counters, in QEMU's encoding); the ring resumes from
 * there when the backend comes back.
 */
TEST_F_TIMEOUT(packed, base_across_stop, 240)
{
	struct vdrv_vq *tx = &self->d.vq[VDRV_TX];
	struct vhost_vring_state s = { .index = VDRV_TX };
	unsigned int i;

	if (_metadata->skip)
		return;
	ASSERT_LT(0, vdrv_rx_fill(&self->d.vq[VDRV_RX], 2048, 1, false));
	vdrv_kick(&self->d.vq[VDRV_RX]);
	for (i = 0; i < NUM + 7; i++)
		ASSERT_EQ(0, one_each_way(_metadata, self, variant, i));
	ASSERT_EQ(0, vdrv_set_backend(&self->d, VDRV_TX, -1));
	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_GET_VRING_BASE, &s));
	EXPECT_EQ(vdrv_vq_base(tx), s.num) {
		TH_LOG("device says %#x, driver is at %#x", s.num, vdrv_vq_base(tx));
	}
	/* Programmed again from that base, it carries on (a migration's view). */
	ASSERT_EQ(0, vdrv_vq_program(&self->d, VDRV_TX));
	VTEST_BACKEND(&self->d, VDRV_TX, self->e.tap);
	for (; i < 2 * NUM + 20; i++)
		ASSERT_EQ(0, one_each_way(_metadata, self, variant, i));
}

/* A base whose positions are not inside the ring is refused. */
TEST_F(packed, bad_base)
{
	static const uint32_t bad[] = {
		NUM, NUM | 0x8000, (uint32_t)NUM << 16, 0x7fff, 0x7fff0000,
	};
	struct vhost_vring_state s = { .index = VDRV_TX };
	unsigned int i;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, vdrv_set_backend(&self->d, VDRV_TX, -1));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		s.num = bad[i];
		errno = 0;
		EXPECT_EQ(-1, ioctl(self->d.fd, VHOST_SET_VRING_BASE, &s)) {
			TH_LOG("base %#x accepted", bad[i]);
		}
		EXPECT_EQ(EINVAL, errno);
	}
	s.num = 0x80008000;	/* both at 0 in the first lap: fine */
	EXPECT_EQ(0, ioctl(self->d.fd, VHOST_SET_VRING_BASE, &s));
}

/* A fixture of its own for hostile rings: TX queue, 16 entries. */
#define HNUM	16

struct hctx {
	struct vdrv_dev *d;
	struct vdrv_vq *vq;
	uint64_t data;
};

typedef void (*hbuild_fn)(struct hctx *c);

static void hdesc(struct hctx *c, unsigned int pos, uint64_t addr, uint32_t len,
		  uint16_t id, uint16_t flags, bool wrap)
{
	struct vring_packed_desc *d = &c->vq->r.pdesc[pos];

	d->addr = addr;
	d->len = len;
	d->id = id;
	__atomic_store_n(&d->flags, flags | (wrap ? 1 << VRING_PACKED_DESC_F_AVAIL :
					     1 << VRING_PACKED_DESC_F_USED),
			 __ATOMIC_RELEASE);
}

static void h_id_out_of_range(struct hctx *c)
{
	hdesc(c, 0, c->data, 100, HNUM, 0, true);
}

static void h_id_ffff(struct hctx *c)
{
	hdesc(c, 0, c->data, 100, 0xffff, 0, true);
}

/* Every entry of the ring available and chained: longer than the ring. */
static void h_chain_longer_than_ring(struct hctx *c)
{
	unsigned int i;

	for (i = HNUM; i-- > 0;)
		hdesc(c, i, c->data, 10, 1, VRING_DESC_F_NEXT, true);
}

static void h_addr_outside(struct hctx *c)
{
	hdesc(c, 0, 0x80000000ULL, 100, 1, 0, true);
}

static void h_indirect_zero_len(struct hctx *c)
{
	hdesc(c, 0, c->data, 0, 1, VRING_DESC_F_INDIRECT, true);
}

static void h_indirect_odd_len(struct hctx *c)
{
	hdesc(c, 0, c->data, 24, 1, VRING_DESC_F_INDIRECT, true);
}

static void h_indirect_with_next(struct hctx *c)
{
	hdesc(c, 1, c->data, 100, 1, 0, true);
	hdesc(c, 0, c->data, 16, 1, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, true);
}

FIXTURE(phostile) {
	struct vdrv_dev d;
	struct vdrv_env e;
};

FIXTURE_VARIANT(phostile) {
	hbuild_fn build;
	int expect_err;		/* 1: err eventfd; 0: ring just looks empty */
};

FIXTURE_VARIANT_ADD(phostile, id_out_of_range) { .build = h_id_out_of_range, .expect_err = 1, };
FIXTURE_VARIANT_ADD(phostile, id_ffff) { .build = h_id_ffff, .expect_err = 1, };
FIXTURE_VARIANT_ADD(phostile, chain_longer_than_ring) {
	.build = h_chain_longer_than_ring, .expect_err = 1,
};
FIXTURE_VARIANT_ADD(phostile, addr_outside_memory) { .build = h_addr_outside, .expect_err = 1, };
FIXTURE_VARIANT_ADD(phostile, indirect_zero_len) { .build = h_indirect_zero_len, .expect_err = 1, };
FIXTURE_VARIANT_ADD(phostile, indirect_odd_len) { .build = h_indirect_odd_len, .expect_err = 1, };
FIXTURE_VARIANT_ADD(phostile, indirect_with_next) {
	.build = h_indirect_with_next, .expect_err = 1,
};

FIXTURE_SETUP(phostile)
{
	struct vdrv_cfg cfg = {
		.features = VDRV_FEATURES_DEFAULT | VDRV_F(VIRTIO_F_RING_PACKED) |
			    VDRV_F(VIRTIO_RING_F_INDIRECT_DESC),
		.num = HNUM,
		.slot_size = 4096,
	};

	self->e.tap = self->e.cap = self->e.inj = -1;
	self->d.fd = -1;
	if (vtest_require_features(_metadata, VDRV_F(VIRTIO_F_RING_PACKED)))
		return;
	VTEST_NETNS();
	VTEST_TAP(&self->e, "vxtap0", 0, VDRV_HDR_LEN);
	if (vtest_init_dev(_metadata, &self->d, &cfg))
		return;
	VTEST_BACKEND(&self->d, VDRV_TX, self->e.tap);
	VTEST_BACKEND(&self->d, VDRV_RX, self->e.tap);
}

FIXTURE_TEARDOWN(phostile)
{
	vdrv_close(&self->d);
	vdrv_env_close(&self->e);
}

/*
 * The bad ring signals the TX error eventfd, nothing leaves the tap, and
 * the RX queue still delivers a frame afterwards.
 */
TEST_F_TIMEOUT(phostile, stops_only_its_queue, 60)
{
	struct vdrv_vq *tx = &self->d.vq[VDRV_TX], *rx = &self->d.vq[VDRV_RX];
	struct hctx c = { .d = &self->d, .vq = tx };
	uint8_t frame[200], got[256];
	ssize_t n;

	if (_metadata->skip)
		return;
	c.data = vdrv_dma(&self->d, vdrv_slot(tx, 5));
	variant->build(&c);
	vdrv_kick(tx);
	ASSERT_EQ(variant->expect_err, vdrv_evt_wait(tx->err, 5000)) {
		TH_LOG("the error eventfd %s", variant->expect_err ? "never fired" : "fired");
	}
	/* Nothing was sent: the capture socket stays empty. */
	n = vdrv_pkt_recv(self->e.cap, got, sizeof(got), 200);
	EXPECT_GT(0, n) {
		TH_LOG("a frame of %zd bytes left the tap", n);
	}
	if (vdrv_is_vhostx())
		EXPECT_EQ(1, vdrv_stat("tx", "broken"));
	/* RX is unaffected. */
	ASSERT_LT(0, vdrv_rx_fill(rx, 2048, 1, false));
	vdrv_kick(rx);
	vdrv_frame_fill(frame, sizeof(frame), 7, NULL, NULL);
	EXPECT_EQ(0, vdrv_rx_check(rx, self->e.inj, frame, sizeof(frame), NULL, NULL));
}

TEST_HARNESS_MAIN
