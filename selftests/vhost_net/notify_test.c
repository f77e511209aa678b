// SPDX-License-Identifier: GPL-2.0-only
/*
 * Notification control: EVENT_IDX suppression counts (used_event far ahead
 * means no call; one call exactly when used_event is crossed), the
 * avail_event the device publishes, VRING_AVAIL_F_NO_INTERRUPT with and
 * without NOTIFY_ON_EMPTY, the device's NO_NOTIFY flag, and busy polling.
 */
#include <stdlib.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "vtest.h"

/* Wait for used->idx to reach @want without touching the call eventfd. */
static int used_reaches(struct vdrv_vq *vq, uint16_t want, int timeout_ms)
{
	uint64_t end = vdrv_now_ms() + timeout_ms;

	while ((uint16_t)(__atomic_load_n(&vq->r.used->idx, __ATOMIC_ACQUIRE) -
			  want) > 0x8000) {
		if (vdrv_now_ms() > end)
			return 0;
		usleep(1000);
	}
	return 1;
}

/* Post @n TX frames with seq from @seq, kick once. */
static int tx_post_n(struct vdrv_vq *vq, unsigned int n, uint32_t seq)
{
	struct virtio_net_hdr_mrg_rxbuf h = { 0 };
	uint8_t frame[128];
	unsigned int i;
	int r;

	for (i = 0; i < n; i++) {
		vdrv_frame_fill(frame, sizeof(frame), seq + i, NULL, NULL);
		r = vdrv_tx_post(vq, &h, vq->dev->hdr_len, frame, sizeof(frame), 1, false);
		if (r < 0)
			return r;
	}
	vdrv_kick(vq);
	return 0;
}

/* Consume @n used entries (already published) and @n captured frames. */
static int tx_reap(struct vdrv_vq *vq, int cap, unsigned int n)
{
	uint8_t buf[256];
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (vdrv_used_get(vq, NULL) < 0)
			return -1;
		if (vdrv_pkt_recv(cap, buf, sizeof(buf), 2000) != 128 + 10)
			return -2;
	}
	return 0;
}

FIXTURE(ntf) {
	struct vdrv_dev d;
	struct vdrv_env e;
};

FIXTURE_SETUP(ntf)
{
	self->e.tap = self->e.cap = self->e.inj = -1;
	VTEST_NETNS();
	VTEST_TAP(&self->e, "vxtap0", 0, VDRV_HDR_LEN);
}

FIXTURE_TEARDOWN(ntf)
{
	vdrv_close(&self->d);
	vdrv_env_close(&self->e);
}

/* Returns 1 after a SKIP (no node). */
static int ntf_dev(struct __test_metadata *_metadata, struct vdrv_dev *d, int tap,
		   uint64_t features)
{
	struct vdrv_cfg cfg = { .features = features, .num = 64 };

	if (vtest_init_dev(_metadata, d, &cfg))
		return 1;
	VTEST_BACKEND(d, VDRV_TX, tap);
	VTEST_BACKEND(d, VDRV_RX, tap);
	return 0;
}

TEST_F(ntf, event_idx_tx)
{
	struct vdrv_vq *vq;
	uint8_t frame[128];
	unsigned int i;
	uint64_t calls;
	uint16_t base;

	if (_metadata->skip)
		return;
	if (ntf_dev(_metadata, &self->d, self->e.tap, VDRV_FEATURES_DEFAULT | VDRV_F(VIRTIO_RING_F_EVENT_IDX)))
		return;
	vq = &self->d.vq[VDRV_TX];
	vq->manual_event = true;

	/* Warm up: the first completion after attaching always calls. */
	vdrv_frame_fill(frame, sizeof(frame), 0, NULL, NULL);
	vdrv_set_used_event(vq, 0);
	ASSERT_EQ(0, vdrv_tx_check(vq, self->e.cap, NULL, frame, sizeof(frame),
				   1, false, NULL));
	usleep(50 * 1000);
	vdrv_evt_count(vq->call);

	/* used_event far ahead: 16 completions, no call. */
	base = vq->r.last_used;
	vdrv_set_used_event(vq, base + 1000);
	ASSERT_EQ(0, tx_post_n(vq, 16, 1));
	ASSERT_EQ(1, used_reaches(vq, base + 16, 5000));
	usleep(100 * 1000);
	EXPECT_EQ(0, vdrv_evt_count(vq->call));
	ASSERT_EQ(0, tx_reap(vq, self->e.cap, 16));

	/* The device asks to be kicked for the next entry it has not seen. */
	for (i = 0; i < 100 && vdrv_avail_event(vq) != vq->r.avail_idx; i++)
		usleep(10 * 1000);
	EXPECT_EQ(vq->r.avail_idx, vdrv_avail_event(vq));

	/*
	 * used_event = base + 3: one at a time, the call comes exactly with
	 * the fourth completion and at no other.
	 */
	base = vq->r.last_used;
	vdrv_set_used_event(vq, base + 3);
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, tx_post_n(vq, 1, 100 + i));
		ASSERT_EQ(1, used_reaches(vq, base + i + 1, 5000));
		usleep(50 * 1000);
		calls = vdrv_evt_count(vq->call);
		EXPECT_EQ(i == 3 ? 1 : 0, calls) {
			TH_LOG("completion %u: %llu calls", i + 1, (unsigned long long)calls);
		}
		ASSERT_EQ(0, tx_reap(vq, self->e.cap, 1));
	}
}

TEST_F(ntf, event_idx_rx)
{
	struct virtio_net_hdr_mrg_rxbuf h;
	uint8_t frame[200], buf[256];
	struct vdrv_vq *vq;
	unsigned int i;
	uint16_t base;

	if (_metadata->skip)
		return;
	if (ntf_dev(_metadata, &self->d, self->e.tap, VDRV_FEATURES_DEFAULT | VDRV_F(VIRTIO_RING_F_EVENT_IDX)))
		return;
	vq = &self->d.vq[VDRV_RX];
	vq->manual_event = true;
	ASSERT_LT(0, vdrv_rx_fill(vq, 2048, 1, false));
	vq->rx_refill = false;
	vdrv_kick(vq);
	vdrv_frame_fill(frame, sizeof(frame), 0, NULL, NULL);
	ASSERT_EQ(0, vdrv_rx_check(vq, self->e.inj, frame, sizeof(frame), NULL, NULL));
	usleep(50 * 1000);
	vdrv_evt_count(vq->call);

	base = vq->r.last_used;
	vdrv_set_used_event(vq, base + 1000);
	for (i = 0; i < 10; i++) {
		vdrv_frame_fill(frame, sizeof(frame), i + 1, NULL, NULL);
		ASSERT_EQ(sizeof(frame), send(self->e.inj, frame, sizeof(frame), 0));
	}
	ASSERT_EQ(1, used_reaches(vq, base + 10, 5000));
	usleep(100 * 1000);
	EXPECT_EQ(0, vdrv_evt_count(vq->call));
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(sizeof(frame), vdrv_rx_frame(vq, &h, buf, sizeof(buf), NULL, 1000));
		EXPECT_EQ(i + 1, vdrv_frame_seq(buf));
	}

	/* used_event right behind: the next frame calls. */
	vdrv_set_used_event(vq, vq->r.last_used);
	ASSERT_EQ(sizeof(frame), send(self->e.inj, frame, sizeof(frame), 0));
	EXPECT_EQ(1, vdrv_evt_wait(vq->call, 5000));
}

/* Without EVENT_IDX, VRING_AVAIL_F_NO_INTERRUPT silences the device. */
TEST_F(ntf, no_interrupt_flag)
{
	struct vdrv_vq *vq;
	uint16_t base;

	if (_metadata->skip)
		return;
	if (ntf_dev(_metadata, &self->d, self->e.tap, VDRV_FEATURES_DEFAULT))
		return;
	vq = &self->d.vq[VDRV_TX];
	vdrv_set_avail_flags(vq, VRING_AVAIL_F_NO_INTERRUPT);
	base = vq->r.last_used;
	ASSERT_EQ(0, tx_post_n(vq, 16, 0));
	ASSERT_EQ(1, used_reaches(vq, base + 16, 5000));
	usleep(100 * 1000);
	EXPECT_EQ(0, vdrv_evt_count(vq->call));
	ASSERT_EQ(0, tx_reap(vq, self->e.cap, 16));

	/* Idle again: the device wants kicks (NO_NOTIFY cleared). */
	usleep(50 * 1000);
	EXPECT_EQ(0, vq->r.used->flags & VRING_USED_F_NO_NOTIFY);

	vdrv_set_avail_flags(vq, 0);
	ASSERT_EQ(0, tx_post_n(vq, 1, 50));
	EXPECT_EQ(1, vdrv_evt_wait(vq->call, 5000));
	ASSERT_EQ(1, used_reaches(vq, base + 17, 5000));
	ASSERT_EQ(0, tx_reap(vq, self->e.cap, 1));
}

/* NOTIFY_ON_EMPTY: the device calls when it runs out, NO_INTERRUPT or not. */
TEST_F(ntf, notify_on_empty)
{
	struct vdrv_vq *vq;
	uint16_t base;

	if (_metadata->skip)
		return;
	if (ntf_dev(_metadata, &self->d, self->e.tap, VDRV_FEATURES_DEFAULT | VDRV_F(VIRTIO_F_NOTIFY_ON_EMPTY)))
		return;
	vq = &self->d.vq[VDRV_TX];
	vdrv_set_avail_flags(vq, VRING_AVAIL_F_NO_INTERRUPT);
	base = vq->r.last_used;
	ASSERT_EQ(0, tx_post_n(vq, 16, 0));
	ASSERT_EQ(1, used_reaches(vq, base + 16, 5000));
	EXPECT_EQ(1, vdrv_evt_wait(vq->call, 2000));
	ASSERT_EQ(0, tx_reap(vq, self->e.cap, 16));
}

static int busyloop(int fd, unsigned long req, unsigned int idx, unsigned int *num)
{
	struct vhost_vring_state s = { .index = idx, .num = *num };
	int r = ioctl(fd, req, &s);

	*num = s.num;
	return r < 0 ? errno : (s.index == idx ? 0 : -1);
}

TEST_F(ntf, busyloop)
{
	static const unsigned int vals[] = { 0, 1, 50, 1000, 100000, 0 };
	uint8_t frame[500];
	unsigned int i, q, v;

	if (_metadata->skip)
		return;
	if (ntf_dev(_metadata, &self->d, self->e.tap, VDRV_FEATURES_DEFAULT))
		return;
	for (q = 0; q < 2; q++) {
		for (i = 0; i < ARRAY_SIZE(vals); i++) {
			v = vals[i];
			EXPECT_EQ(0, busyloop(self->d.fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, q, &v));
			v = 12345;
			EXPECT_EQ(0, busyloop(self->d.fd, VHOST_GET_VRING_BUSYLOOP_TIMEOUT, q, &v));
			EXPECT_EQ(vals[i], v);
		}
	}
	/* Traffic both ways while busy polling for 50 us. */
	for (q = 0; q < 2; q++) {
		v = 50;
		ASSERT_EQ(0, busyloop(self->d.fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, q, &v));
	}
	ASSERT_LT(0, vdrv_rx_fill(&self->d.vq[VDRV_RX], 2048, 1, false));
	vdrv_kick(&self->d.vq[VDRV_RX]);
	for (i = 0; i < 50; i++) {
		vdrv_frame_fill(frame, sizeof(frame), i, NULL, NULL);
		ASSERT_EQ(0, vdrv_tx_check(&self->d.vq[VDRV_TX], self->e.cap, NULL, frame,
					   sizeof(frame), 1, false, NULL));
		ASSERT_EQ(0, vdrv_rx_check(&self->d.vq[VDRV_RX], self->e.inj, frame,
					   sizeof(frame), NULL, NULL));
	}
	v = 0;
	EXPECT_EQ(0, busyloop(self->d.fd, VHOST_GET_VRING_BUSYLOOP_TIMEOUT, 1, &v));
	EXPECT_EQ(50, v);
}

TEST_HARNESS_MAIN
