// SPDX-License-Identifier: GPL-2.0-only
/*
 * TX: frames the guest posts on the TX queue come out of the tap (seen by an
 * AF_PACKET socket on the tap's host side) byte-exact, with the virtio-net
 * header's checksum and GSO fields carried through.
 */
#include <stdlib.h>
#include <linux/if_tun.h>

#include "kselftest_harness.h"
#include "vtest.h"

#define MAXF	65536

FIXTURE(tx) {
	struct vdrv_dev d;
	struct vdrv_env e;
	uint8_t *frame;
};

FIXTURE_VARIANT(tx) {
	int nregions;
	unsigned int nsegs;
	bool indirect;
};

FIXTURE_VARIANT_ADD(tx, flat) {
	.nregions = 1, .nsegs = 1, .indirect = false,
};

FIXTURE_VARIANT_ADD(tx, two_regions_sg) {
	.nregions = 2, .nsegs = 5, .indirect = false,
};

FIXTURE_VARIANT_ADD(tx, indirect) {
	.nregions = 1, .nsegs = 8, .indirect = true,
};

FIXTURE_VARIANT_ADD(tx, two_regions_indirect) {
	.nregions = 2, .nsegs = 33, .indirect = true,
};

FIXTURE_SETUP(tx)
{
	struct vdrv_cfg cfg = {
		.features = VDRV_FEATURES_DEFAULT |
			    VDRV_F(VIRTIO_RING_F_INDIRECT_DESC),
		.num = 64,
		.slot_size = MAXF + 256,
		.nregions = variant->nregions,
	};

	self->frame = malloc(MAXF);
	ASSERT_NE(NULL, self->frame);
	vtest_tap_dev(_metadata, &self->e, &self->d, &cfg, 0, false);
}

FIXTURE_TEARDOWN(tx)
{
	vdrv_close(&self->d);
	vdrv_env_close(&self->e);
	free(self->frame);
}

/* Every size from the Ethernet minimum to 64 KiB, one at a time. */
TEST_F_TIMEOUT(tx, sizes, 120)
{
	static const size_t sizes[] = {
		60, 61, 64, 127, 128, 256, 1000, 1514, 1518, 2048, 4000,
		4096, 8192, 9018, 16384, 32768, 60000, 65535, 65536,
	};
	unsigned int i;

	if (_metadata->skip)
		return;
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		vdrv_frame_fill(self->frame, sizes[i], i, NULL, NULL);
		ASSERT_EQ(0, vdrv_tx_check(&self->d.vq[VDRV_TX], self->e.cap, NULL,
					   self->frame, sizes[i], variant->nsegs,
					   variant->indirect, NULL)) {
			TH_LOG("frame of %zu bytes", sizes[i]);
		}
	}
}

/*
 * Bursts: many chains in flight at once, one kick per burst. All come out
 * in order, each used head exactly once.
 */
TEST_F_TIMEOUT(tx, bursts, 120)
{
	struct vdrv_vq *vq = &self->d.vq[VDRV_TX];
	const unsigned int total = 400, burst = 32;
	static uint8_t buf[MAXF + 64];
	unsigned int sent = 0, got = 0, used = 0;

	if (_metadata->skip)
		return;
	while (got < total) {
		while (sent < total && sent - used < burst) {
			size_t len = 60 + (sent * 997) % 3000;

			int r;

			vdrv_frame_fill(self->frame, len, sent, NULL, NULL);
			r = vdrv_tx_post(vq, &(struct virtio_net_hdr_mrg_rxbuf){ 0 },
					 self->d.hdr_len, self->frame, len,
					 variant->nsegs, variant->indirect);
			if (r == -ENOSPC && sent > used)
				break;	/* ring full: let the device drain it */
			ASSERT_LE(0, r);
			sent++;
		}
		vdrv_kick(vq);
		while (vdrv_used_pending(vq) || (used < sent && vdrv_wait_used(vq, 5000))) {
			ASSERT_LE(0, vdrv_used_get(vq, NULL));
			used++;
		}
		ASSERT_EQ(sent, used);
		while (got < used) {
			size_t len = 60 + (got * 997) % 3000;
			ssize_t n = vdrv_pkt_recv(self->e.cap, buf, sizeof(buf), 5000);

			ASSERT_EQ((ssize_t)(len + sizeof(struct virtio_net_hdr)), n) {
				TH_LOG("frame %u", got);
			}
			vdrv_frame_fill(self->frame, len, got, NULL, NULL);
			ASSERT_EQ(0, vdrv_cmp(buf + sizeof(struct virtio_net_hdr),
					      self->frame, len)) {
				TH_LOG("frame %u", got);
			}
			got++;
		}
	}
	ASSERT_EQ(0, vq->ninflight);
	ASSERT_EQ(-ETIMEDOUT, vdrv_pkt_recv(self->e.cap, buf, sizeof(buf), 200));
}

/* A partial checksum request reaches the host with its offsets. */
TEST_F(tx, csum_partial)
{
	struct virtio_net_hdr_mrg_rxbuf h = { 0 };
	struct virtio_net_hdr got;

	if (_metadata->skip)
		return;
	vdrv_frame_ipv4(self->frame, 1000, 7, 17, NULL, NULL);
	h.hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.hdr.csum_start = 34;
	h.hdr.csum_offset = 6;
	ASSERT_EQ(0, vdrv_tx_check(&self->d.vq[VDRV_TX], self->e.cap, &h,
				   self->frame, 1000, variant->nsegs,
				   variant->indirect, &got));
	EXPECT_EQ(VIRTIO_NET_HDR_F_NEEDS_CSUM, got.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM);
	EXPECT_EQ(34, got.csum_start);
	EXPECT_EQ(6, got.csum_offset);
	EXPECT_EQ(VIRTIO_NET_HDR_GSO_NONE, got.gso_type);
}

/* A 64 KiB TCP super-frame with TSO fields arrives as one GSO frame. */
TEST_F(tx, gso_tcpv4)
{
	struct virtio_net_hdr_mrg_rxbuf h = { 0 };
	struct virtio_net_hdr got;
	size_t len = 14 + 65535;

	if (_metadata->skip)
		return;
	vdrv_frame_ipv4(self->frame, len > MAXF ? MAXF : len, 9, 6, NULL, NULL);
	len = len > MAXF ? MAXF : len;
	h.hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.hdr.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	h.hdr.gso_size = 1448;
	h.hdr.hdr_len = 54;
	h.hdr.csum_start = 34;
	h.hdr.csum_offset = 16;
	ASSERT_EQ(0, vdrv_tx_check(&self->d.vq[VDRV_TX], self->e.cap, &h,
				   self->frame, len, variant->nsegs,
				   variant->indirect, &got));
	EXPECT_EQ(VIRTIO_NET_HDR_GSO_TCPV4, got.gso_type & ~VIRTIO_NET_HDR_GSO_ECN);
	EXPECT_EQ(1448, got.gso_size);
	EXPECT_EQ(VIRTIO_NET_HDR_F_NEEDS_CSUM, got.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM);
	EXPECT_EQ(34, got.csum_start);
	EXPECT_EQ(16, got.csum_offset);
}

TEST_HARNESS_MAIN
