// SPDX-License-Identifier: GPL-2.0-only
/*
 * VIRTIO_F_IN_ORDER: a burst of TX buffers, one kick. With the feature
 * acked the device may return a batch with one used entry (split: the
 * last buffer's, in its own slot, used->idx over all; packed: one used
 * descriptor at the batch's first position with the last buffer's id),
 * and vhostx_net does: fewer entries than buffers are written, each one
 * names the last buffer of its batch, and every frame reaches the tap.
 * Without the feature every buffer gets its own entry (the control). A
 * node that does not offer the feature (or packed rings, for the packed
 * variants) is a SKIP.
 */
#include "kselftest_harness.h"
#include "vtest.h"

#define NUM	64
#define BURST	32
#define MAXF	2048

FIXTURE(inorder) {
	struct vdrv_dev d;
	struct vdrv_env e;
	uint8_t frame[MAXF];
};

FIXTURE_VARIANT(inorder) {
	bool in_order;
	bool packed;
};

FIXTURE_VARIANT_ADD(inorder, split) { .in_order = true, .packed = false };
FIXTURE_VARIANT_ADD(inorder, split_control) { .in_order = false, .packed = false };
FIXTURE_VARIANT_ADD(inorder, packed) { .in_order = true, .packed = true };
FIXTURE_VARIANT_ADD(inorder, packed_control) { .in_order = false, .packed = true };

FIXTURE_SETUP(inorder)
{
	uint64_t need = (variant->in_order ? VDRV_F(VIRTIO_F_IN_ORDER) : 0) |
			(variant->packed ? VDRV_F(VIRTIO_F_RING_PACKED) : 0);
	struct vdrv_cfg cfg = {
		.features = VDRV_FEATURES_DEFAULT | need,
		.num = NUM,
		.slot_size = MAXF + 64,
		.nregions = 1,
	};

	vtest_tap_dev(_metadata, &self->e, &self->d, &cfg, need, false);
}

FIXTURE_TEARDOWN(inorder)
{
	vdrv_close(&self->d);
	vdrv_env_close(&self->e);
}

/* Packed: is the descriptor at @pos used in the lap of wrap counter @w? */
static bool pused(const struct vdrv_vq *vq, unsigned int pos, bool w)
{
	uint16_t f = __atomic_load_n(&vq->r.pdesc[pos].flags, __ATOMIC_ACQUIRE);
	bool a = f & (1u << VRING_PACKED_DESC_F_AVAIL), u = f & (1u << VRING_PACKED_DESC_F_USED);

	return a == w && u == w;
}

TEST_F_TIMEOUT(inorder, tx_burst, 60)
{
	struct vdrv_vq *vq = &self->d.vq[VDRV_TX];
	static uint8_t buf[MAXF + 64];
	uint16_t heads[BURST], pos[BURST + 1];
	unsigned int i, k, entries = 0;
	uint64_t end;

	if (_metadata->skip)
		return;
	if (!variant->packed)
		memset(vq->r.used->ring, 0xa5, sizeof(vq->r.used->ring[0]) * NUM);
	for (i = 0; i < BURST; i++) {
		int r;

		pos[i] = vq->r.packed ? vq->r.next_avail : 0;
		vdrv_frame_fill(self->frame, 60 + i, i, NULL, NULL);
		r = vdrv_tx_post(vq, &(struct virtio_net_hdr_mrg_rxbuf){ 0 }, self->d.hdr_len,
				 self->frame, 60 + i, 1, false);
		ASSERT_LE(0, r);
		heads[i] = r;
	}
	pos[BURST] = vq->r.packed ? vq->r.next_avail : 0;
	vdrv_kick(vq);
	/* every frame out of the tap: the device has returned every buffer */
	for (i = 0; i < BURST; i++) {
		ssize_t n = vdrv_pkt_recv(self->e.cap, buf, sizeof(buf), 5000);

		ASSERT_EQ((ssize_t)(60 + i + sizeof(struct virtio_net_hdr)), n) {
			TH_LOG("frame %u", i);
		}
	}
	end = vdrv_now_ms() + 5000;
	if (!variant->packed) {
		/* split: used->idx over all; the entries, where batches end */
		while (vdrv_used_pending(vq) != BURST && vdrv_now_ms() < end)
			usleep(1000);
		ASSERT_EQ(BURST, vdrv_used_pending(vq));
		for (i = 0; i < BURST; i++) {
			struct vring_used_elem *e = &vq->r.used->ring[i];

			if (e->id == 0xa5a5a5a5u && e->len == 0xa5a5a5a5u)
				continue;
			entries++;
			ASSERT_EQ(heads[i], e->id) {
				TH_LOG("slot %u", i);
			}
			ASSERT_EQ(0, e->len);
		}
		/* the batch that ends the burst wrote the last slot */
		ASSERT_EQ(heads[BURST - 1], vq->r.used->ring[BURST - 1].id);
	} else {
		/*
		 * packed, read as an in-order driver: from a used descriptor,
		 * buffers up to the one whose id it carries
		 */
		for (i = 0; i < BURST; entries++) {
			while (!pused(vq, pos[i], true) && vdrv_now_ms() < end)
				usleep(1000);
			ASSERT_TRUE(pused(vq, pos[i], true)) {
				TH_LOG("no used descriptor at %u (buffer %u)", pos[i], i);
			}
			for (k = i; k < BURST && heads[k] != vq->r.pdesc[pos[i]].id; k++)
				;
			ASSERT_LT(k, BURST) {
				TH_LOG("used id %u at %u names no buffer from %u on",
				       vq->r.pdesc[pos[i]].id, pos[i], i);
			}
			ASSERT_EQ(0, vq->r.pdesc[pos[i]].len);
			i = k + 1;
		}
	}
	TH_LOG("%u buffers, %u used entries", BURST, entries);
	if (variant->in_order) {
		ASSERT_LT(entries, BURST);
	} else {
		ASSERT_EQ(BURST, entries);
	}
}

TEST_HARNESS_MAIN
