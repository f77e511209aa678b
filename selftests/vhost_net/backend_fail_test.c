// SPDX-License-Identifier: GPL-2.0-only
/*
 * A VHOST_NET_SET_BACKEND that fails while a backend is attached leaves
 * the queue as it was: the old backend carries traffic both ways, byte
 * for byte, and no guest error is counted or signalled.
 *
 * Two ways to fail: the new backend is a good tap but the queue cannot be
 * started (its used ring is made unreadable for the call with mprotect(),
 * so writing used->flags faults: EFAULT), or the fd is no backend at all
 * (an eventfd: ENOTSOCK; a UDP socket: ENOTSOCK from the kernel, EINVAL
 * from ours), refused before the queue is touched.
 */
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "kselftest_harness.h"
#include "vtest.h"

#define PG	4096UL

enum how { START_FAILS, EVENTFD, UDP_SOCKET };

FIXTURE(bf) {
	struct vdrv_dev d;
	struct vdrv_env e;	/* the attached backend */
	struct vdrv_env e2;	/* the one that fails to replace it */
};

FIXTURE_VARIANT(bf) {
	unsigned int index;
	enum how how;
};

FIXTURE_VARIANT_ADD(bf, tx_start_fails) { .index = VDRV_TX, .how = START_FAILS };
FIXTURE_VARIANT_ADD(bf, rx_start_fails) { .index = VDRV_RX, .how = START_FAILS };
FIXTURE_VARIANT_ADD(bf, tx_eventfd) { .index = VDRV_TX, .how = EVENTFD };
FIXTURE_VARIANT_ADD(bf, rx_eventfd) { .index = VDRV_RX, .how = EVENTFD };
FIXTURE_VARIANT_ADD(bf, tx_udp_socket) { .index = VDRV_TX, .how = UDP_SOCKET };
FIXTURE_VARIANT_ADD(bf, rx_udp_socket) { .index = VDRV_RX, .how = UDP_SOCKET };

FIXTURE_SETUP(bf)
{
	struct vdrv_cfg cfg = { .features = VDRV_FEATURES_DEFAULT, .num = 256 };

	self->e.tap = self->e.cap = self->e.inj = -1;
	self->e2.tap = self->e2.cap = self->e2.inj = -1;
	VTEST_NETNS();
	VTEST_TAP(&self->e, "vxbf0", 0, VDRV_HDR_LEN);
	VTEST_TAP(&self->e2, "vxbf1", 0, VDRV_HDR_LEN);
	if (vtest_init_dev(_metadata, &self->d, &cfg))
		return;
}

FIXTURE_TEARDOWN(bf)
{
	vdrv_close(&self->d);
	vdrv_env_close(&self->e);
	vdrv_env_close(&self->e2);
}

TEST_F(bf, old_backend_kept)
{
	struct vdrv_vq *vq = &self->d.vq[variant->index];
	uint8_t buf[2048];
	int fd = -1, r = 0, want = 0;

	if (_metadata->skip)
		return;
	VTEST_BACKEND(&self->d, VDRV_TX, self->e.tap);
	VTEST_BACKEND(&self->d, VDRV_RX, self->e.tap);
	ASSERT_LT(0, vdrv_rx_fill(&self->d.vq[VDRV_RX], 2048, 1, false));
	vdrv_kick(&self->d.vq[VDRV_RX]);
	ASSERT_EQ(0, vdrv_traffic(&self->d, &self->e, 0, 4));

	switch (variant->how) {
	case START_FAILS:
		/* The queue is idle: nothing but this call touches its rings. */
		ASSERT_EQ(0, (uintptr_t)vq->r.used & (PG - 1));
		ASSERT_EQ(0, mprotect(vq->r.used, PG, PROT_NONE));
		r = vdrv_set_backend(&self->d, variant->index, self->e2.tap);
		ASSERT_EQ(0, mprotect(vq->r.used, PG, PROT_READ | PROT_WRITE));
		want = EFAULT;
		break;
	case EVENTFD:
		fd = eventfd(0, EFD_CLOEXEC);
		ASSERT_LE(0, fd);
		r = vdrv_set_backend(&self->d, variant->index, fd);
		want = ENOTSOCK;
		break;
	case UDP_SOCKET:
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		ASSERT_LE(0, fd);
		r = vdrv_set_backend(&self->d, variant->index, fd);
		want = vdrv_is_vhostx() ? EINVAL : ENOTSOCK;
		break;
	}
	if (fd >= 0)
		close(fd);
	EXPECT_EQ(-want, r) {
		TH_LOG("SET_BACKEND: %s, want %s", strerror(-r), strerror(want));
	}

	/* The old tap still carries both directions, byte for byte. */
	EXPECT_EQ(0, vdrv_traffic(&self->d, &self->e, 10, 4));
	/* Nothing went to the tap that was refused. */
	EXPECT_EQ(-ETIMEDOUT, vdrv_pkt_recv(self->e2.cap, buf, sizeof(buf), 100));
	EXPECT_EQ(0, vdrv_evt_count(self->d.vq[VDRV_TX].err));
	EXPECT_EQ(0, vdrv_evt_count(self->d.vq[VDRV_RX].err));

	/* And the refused tap can still be attached for real. */
	VTEST_BACKEND(&self->d, variant->index, self->e2.tap);
	if (variant->index == VDRV_TX) {
		uint8_t frame[300];

		vdrv_frame_fill(frame, sizeof(frame), 50, NULL, NULL);
		EXPECT_EQ(0, vdrv_tx_check(vq, self->e2.cap, NULL, frame, sizeof(frame),
					   1, false, NULL));
	} else {
		uint8_t frame[300];

		vdrv_frame_fill(frame, sizeof(frame), 50, NULL, NULL);
		EXPECT_EQ(0, vdrv_rx_check(vq, self->e2.inj, frame, sizeof(frame),
					   NULL, NULL));
	}
	EXPECT_EQ(0, vdrv_evt_count(vq->err));
}

TEST_HARNESS_MAIN
