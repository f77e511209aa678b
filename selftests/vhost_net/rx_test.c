// SPDX-License-Identifier: GPL-2.0-only
/*
 * RX: frames the host sends out of the tap land in the buffers the guest
 * posted, byte-exact, with and without mergeable RX buffers (num_buffers
 * checked), from 64 bytes to 64 KiB, and with the checksum-offload header
 * fields the host set.
 */
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_tun.h>

#include "kselftest_harness.h"
#include "vtest.h"

#define MAXF	65535	/* tap MTU 65521 + Ethernet header */

FIXTURE(rx) {
	struct vdrv_dev d;
	struct vdrv_env e;
	uint8_t *frame;
};

FIXTURE_VARIANT(rx) {
	bool mrg;
	size_t buflen;
	unsigned int nsegs;
	bool indirect;
	int nregions;
};

/* Linux virtio_net with mergeable buffers: MTU-sized buffers. */
FIXTURE_VARIANT_ADD(rx, mrg_1536) {
	.mrg = true, .buflen = 1536, .nsegs = 1, .nregions = 1,
};

FIXTURE_VARIANT_ADD(rx, mrg_4k_sg_two_regions) {
	.mrg = true, .buflen = 4096, .nsegs = 3, .nregions = 2,
};

FIXTURE_VARIANT_ADD(rx, mrg_indirect) {
	.mrg = true, .buflen = 2048, .nsegs = 4, .indirect = true, .nregions = 2,
};

/* Without mergeable buffers every buffer must hold a whole frame. */
FIXTURE_VARIANT_ADD(rx, big_sg) {
	.mrg = false, .buflen = 65536 + 64, .nsegs = 17, .nregions = 1,
};

FIXTURE_VARIANT_ADD(rx, big_indirect_two_regions) {
	.mrg = false, .buflen = 65536 + 64, .nsegs = 17, .indirect = true,
	.nregions = 2,
};

FIXTURE_SETUP(rx)
{
	struct vdrv_cfg cfg = {
		.features = VDRV_F(VIRTIO_F_VERSION_1) |
			    VDRV_F(VIRTIO_RING_F_INDIRECT_DESC) |
			    (variant->mrg ? VDRV_F(VIRTIO_NET_F_MRG_RXBUF) : 0),
		.num = variant->mrg ? 256 : 64,
		.slot_size = variant->buflen,
		.nregions = variant->nregions,
		.split_rx = true,
	};

	self->e.tap = self->e.cap = self->e.inj = -1;
	self->d.fd = -1;
	self->frame = malloc(MAXF);
	ASSERT_NE(NULL, self->frame);
	VTEST_NETNS();
	VTEST_TAP(&self->e, "vxtap0", 0, VDRV_HDR_LEN);
	if (vtest_init_dev(_metadata, &self->d, &cfg))
		return;
	VTEST_BACKEND(&self->d, VDRV_RX, self->e.tap);
}

FIXTURE_TEARDOWN(rx)
{
	vdrv_close(&self->d);
	vdrv_env_close(&self->e);
	free(self->frame);
}

static int rx_fill(struct vdrv_vq *vq, size_t buflen, unsigned int nsegs,
		   bool indirect)
{
	int n = vdrv_rx_fill(vq, buflen, nsegs, indirect);

	vdrv_kick(vq);
	return n;
}

TEST_F_TIMEOUT(rx, sizes, 120)
{
	static const size_t sizes[] = {
		60, 64, 65, 128, 1000, 1500, 1514, 1523, 1524, 1525, 2048,
		3000, 4096, 8192, 9018, 16384, 32768, 60000, 65535,
	};
	struct vdrv_vq *vq = &self->d.vq[VDRV_RX];
	struct virtio_net_hdr_mrg_rxbuf h;
	unsigned int i, nb;

	if (_metadata->skip)
		return;
	ASSERT_LT(0, rx_fill(vq, variant->buflen, variant->nsegs, variant->indirect));
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t len = sizes[i];

		vdrv_frame_fill(self->frame, len, i, NULL, NULL);
		ASSERT_EQ(0, vdrv_rx_check(vq, self->e.inj, self->frame, len, &h, &nb)) {
			TH_LOG("frame of %zu bytes", len);
		}
		if (variant->mrg) {
			size_t want = (len + VDRV_HDR_LEN + variant->buflen - 1) /
				      variant->buflen;

			EXPECT_EQ(want, nb) {
				TH_LOG("frame of %zu bytes in %zu-byte buffers", len,
				       variant->buflen);
			}
			EXPECT_EQ(nb, h.num_buffers);
		} else {
			EXPECT_EQ(1, nb);
		}
		EXPECT_EQ(0, h.hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM);
		EXPECT_EQ(VIRTIO_NET_HDR_GSO_NONE, h.hdr.gso_type);
	}
	/* Nothing else arrived. */
	EXPECT_EQ(0, vdrv_wait_used(vq, 200));
}

TEST_F_TIMEOUT(rx, bursts, 120)
{
	struct vdrv_vq *vq = &self->d.vq[VDRV_RX];
	const unsigned int total = 400, burst = 40;
	struct virtio_net_hdr_mrg_rxbuf h;
	static uint8_t buf[MAXF];
	unsigned int sent = 0, got = 0;

	if (_metadata->skip)
		return;
	ASSERT_LT(0, rx_fill(vq, variant->buflen, variant->nsegs, variant->indirect));
	while (got < total) {
		while (sent < total && sent - got < burst) {
			size_t len = 60 + (sent * 997) % 3000;

			vdrv_frame_fill(self->frame, len, sent, NULL, NULL);
			ASSERT_EQ((ssize_t)len, send(self->e.inj, self->frame, len, 0));
			sent++;
		}
		while (got < sent) {
			size_t len = 60 + (got * 997) % 3000;
			ssize_t n = vdrv_rx_frame(vq, &h, buf, sizeof(buf), NULL, 5000);

			ASSERT_EQ((ssize_t)len, n) {
				TH_LOG("frame %u", got);
			}
			vdrv_frame_fill(self->frame, len, got, NULL, NULL);
			ASSERT_EQ(0, vdrv_cmp(buf, self->frame, len)) {
				TH_LOG("frame %u", got);
			}
			got++;
		}
	}
	EXPECT_EQ(0, vdrv_wait_used(vq, 200));
}

/* Frames that arrive before any buffer is posted wait for the buffers. */
TEST_F(rx, late_buffers)
{
	struct vdrv_vq *vq = &self->d.vq[VDRV_RX];
	struct virtio_net_hdr_mrg_rxbuf h;
	static uint8_t buf[MAXF];
	unsigned int i;

	if (_metadata->skip)
		return;
	for (i = 0; i < 5; i++) {
		vdrv_frame_fill(self->frame, 100 + i, i, NULL, NULL);
		ASSERT_EQ(100 + i, send(self->e.inj, self->frame, 100 + i, 0));
	}
	usleep(300 * 1000);
	EXPECT_EQ(0, vdrv_used_pending(vq));
	ASSERT_LT(0, rx_fill(vq, variant->buflen, variant->nsegs, variant->indirect));
	for (i = 0; i < 5; i++) {
		ASSERT_EQ(100 + i, vdrv_rx_frame(vq, &h, buf, sizeof(buf), NULL, 5000));
		vdrv_frame_fill(self->frame, 100 + i, i, NULL, NULL);
		ASSERT_EQ(0, vdrv_cmp(buf, self->frame, 100 + i));
	}
}

/* The host's checksum-offload request reaches the guest's header. */
TEST_F(rx, csum_partial)
{
	struct vdrv_vq *vq = &self->d.vq[VDRV_RX];
	unsigned int off = TUN_F_CSUM;
	struct virtio_net_hdr_mrg_rxbuf h;
	struct virtio_net_hdr vh = { 0 };
	static uint8_t pkt[sizeof(vh) + 1000], buf[2000];
	int inj;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, ioctl(self->e.tap, TUNSETOFFLOAD, off));
	inj = vdrv_pkt_open(self->e.name, true, true);
	ASSERT_LE(0, inj);
	ASSERT_LT(0, rx_fill(vq, variant->buflen, variant->nsegs, variant->indirect));
	vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh.csum_start = 34;
	vh.csum_offset = 6;
	memcpy(pkt, &vh, sizeof(vh));
	vdrv_frame_ipv4(pkt + sizeof(vh), 1000, 3, 17, NULL, NULL);
	ASSERT_EQ(sizeof(pkt), send(inj, pkt, sizeof(pkt), 0));
	ASSERT_EQ(1000, vdrv_rx_frame(vq, &h, buf, sizeof(buf), NULL, 5000));
	EXPECT_EQ(0, vdrv_cmp(buf, pkt + sizeof(vh), 1000));
	EXPECT_EQ(VIRTIO_NET_HDR_F_NEEDS_CSUM, h.hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM);
	EXPECT_EQ(34, h.hdr.csum_start);
	EXPECT_EQ(6, h.hdr.csum_offset);
	close(inj);
}

/*
 * Without mergeable buffers a frame larger than the posted buffer is dropped
 * (the kernel discards it and keeps the buffer); the next one still fits.
 */
TEST(oversized_frame_dropped)
{
	struct vdrv_cfg cfg = {
		.features = VDRV_F(VIRTIO_F_VERSION_1),
		.num = 16,
		.slot_size = 1536,
	};
	struct virtio_net_hdr_mrg_rxbuf h;
	static uint8_t frame[4000], buf[4000];
	struct vdrv_dev d = { .fd = -1 };
	struct vdrv_env e;
	struct vdrv_vq *vq;

	VTEST_NETNS();
	VTEST_TAP(&e, "vxtap0", 0, VDRV_HDR_LEN);
	if (vtest_init_dev(_metadata, &d, &cfg))
		return;
	VTEST_BACKEND(&d, VDRV_RX, e.tap);
	vq = &d.vq[VDRV_RX];
	ASSERT_EQ(16, vdrv_rx_fill(vq, 1536, 1, false));
	vdrv_kick(vq);

	vdrv_frame_fill(frame, 3000, 1, NULL, NULL);
	ASSERT_EQ(3000, send(e.inj, frame, 3000, 0));
	vdrv_frame_fill(frame, 200, 2, NULL, NULL);
	ASSERT_EQ(200, send(e.inj, frame, 200, 0));
	ASSERT_EQ(200, vdrv_rx_frame(vq, &h, buf, sizeof(buf), NULL, 5000));
	EXPECT_EQ(2, vdrv_frame_seq(buf));
	EXPECT_EQ(0, vdrv_cmp(buf, frame, 200));
	EXPECT_EQ(0, vdrv_wait_used(vq, 200));
	vdrv_close(&d);
	vdrv_env_close(&e);
}

TEST_HARNESS_MAIN
