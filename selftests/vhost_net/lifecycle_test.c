// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lifecycle: the worker thread named after the owner, the owner SIGKILLed
 * under traffic, the fd closed under traffic, many devices at once. After
 * each, the worker is gone, the module's reference count is back where it
 * was and the tap can be driven by a new device. Plus our per-queue debugfs
 * counters (vhostx_net only; SKIP with the kernel's vhost_net).
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vtest.h"

static const uint8_t zero_hdr[VDRV_HDR_LEN];

static const char *worker_prefix(void)
{
	return vdrv_is_vhostx() ? "vhostx-" : "vhost-";
}

/* Wait until no worker named after @pid is left. */
static int workers_gone(pid_t pid, int timeout_ms)
{
	uint64_t end = vdrv_now_ms() + timeout_ms;

	while (vdrv_count_comm(worker_prefix(), pid) > 0) {
		if (vdrv_now_ms() > end)
			return 0;
		usleep(10 * 1000);
	}
	return 1;
}

static int refcnt_back(int want, int timeout_ms)
{
	uint64_t end = vdrv_now_ms() + timeout_ms;
	const char *mod = vdrv_module_name();

	while (vdrv_module_refcnt(mod) != want) {
		if (vdrv_now_ms() > end)
			return 0;
		usleep(10 * 1000);
	}
	return 1;
}

/* A new device takes over @tap for TX and RX and moves a frame each way. */
static int tap_still_usable(struct vdrv_env *e)
{
	struct vdrv_cfg cfg = { .features = VDRV_FEATURES_DEFAULT, .num = 64 };
	struct vdrv_dev d;
	uint8_t frame[300];
	int r = -1;

	if (vdrv_init(&d, &cfg) || vdrv_set_backend(&d, VDRV_TX, e->tap) ||
	    vdrv_set_backend(&d, VDRV_RX, e->tap)) {
		fprintf(stderr, "new device on the old tap: %s failed\n", d.failed);
		goto out;
	}
	/* Drop what the old device left in the tap's queue. */
	while (vdrv_pkt_recv(e->cap, frame, sizeof(frame), 0) > 0)
		;
	if (vdrv_rx_fill(&d.vq[VDRV_RX], 2048, 1, false) <= 0)
		goto out;
	vdrv_kick(&d.vq[VDRV_RX]);
	/* Frames queued for the old device may come first: skip them. */
	while (vdrv_wait_used(&d.vq[VDRV_RX], 300)) {
		struct virtio_net_hdr_mrg_rxbuf h;
		uint8_t buf[2048];

		if (vdrv_rx_frame(&d.vq[VDRV_RX], &h, buf, sizeof(buf), NULL, 100) < 0)
			goto out;
	}
	vdrv_frame_fill(frame, sizeof(frame), 0xabcd, NULL, NULL);
	if (vdrv_tx_check(&d.vq[VDRV_TX], e->cap, NULL, frame, sizeof(frame), 1,
			  false, NULL))
		goto out;
	if (vdrv_rx_check(&d.vq[VDRV_RX], e->inj, frame, sizeof(frame), NULL, NULL))
		goto out;
	r = 0;
out:
	vdrv_close(&d);
	return r;
}

/* TX and RX as fast as possible until killed. Never returns. */
static void drive_traffic(struct vdrv_dev *d, int ready)
{
	struct virtio_net_hdr_mrg_rxbuf h;
	uint8_t frame[1000], buf[2048];
	uint32_t seq = 0;

	vdrv_rx_fill(&d->vq[VDRV_RX], 2048, 1, false);
	vdrv_kick(&d->vq[VDRV_RX]);
	if (write(ready, "r", 1) != 1)
		_exit(3);
	for (;;) {
		struct vdrv_vq *tx = &d->vq[VDRV_TX];

		vdrv_frame_fill(frame, 60 + seq % 900, seq, NULL, NULL);
		while (vdrv_tx_post(tx, zero_hdr, VDRV_HDR_LEN, frame,
				    60 + seq % 900, 1 + seq % 3, false) >= 0)
			seq++;
		vdrv_kick(tx);
		while (vdrv_used_get(tx, NULL) >= 0)
			;
		while (vdrv_used_pending(&d->vq[VDRV_RX]))
			vdrv_rx_frame(&d->vq[VDRV_RX], &h, buf, sizeof(buf), NULL, 0);
	}
}

FIXTURE(life) {
	struct vdrv_env e;
	int base_ref;
};

FIXTURE_SETUP(life)
{
	self->e.tap = self->e.cap = self->e.inj = -1;
	if (access(vdrv_dev_path(), F_OK) && vtest_node_missing(_metadata))
		return;
	VTEST_NETNS();
	VTEST_TAP(&self->e, "vxtap0", 0, VDRV_HDR_LEN);
	self->base_ref = vdrv_module_refcnt(vdrv_module_name());
	TH_LOG("%s refcnt %d", vdrv_module_name(), self->base_ref);
}

FIXTURE_TEARDOWN(life)
{
	vdrv_env_close(&self->e);
}

TEST_F(life, worker_named_after_owner)
{
	struct vdrv_dev d;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, vdrv_open(&d));
	EXPECT_EQ(0, vdrv_count_comm(worker_prefix(), getpid()));
	ASSERT_EQ(0, ioctl(d.fd, VHOST_SET_OWNER, NULL));
	EXPECT_EQ(1, vdrv_count_comm(worker_prefix(), getpid())) {
		TH_LOG("no thread named %s%d", worker_prefix(), getpid());
	}
	if (self->base_ref >= 0)
		EXPECT_EQ(self->base_ref + 1, vdrv_module_refcnt(vdrv_module_name()));
	vdrv_close(&d);
	EXPECT_EQ(1, workers_gone(getpid(), 2000));
	if (self->base_ref >= 0)
		EXPECT_EQ(1, refcnt_back(self->base_ref, 2000));
}

TEST_F_TIMEOUT(life, owner_sigkill_under_traffic, 120)
{
	unsigned int round;

	if (_metadata->skip)
		return;
	for (round = 0; round < 3; round++) {
		struct vdrv_cfg cfg = {
			.features = VDRV_FEATURES_DEFAULT,
			.num = 256,
			.nregions = 2,
		};
		struct pollfd p;
		int pfd[2], status;
		uint8_t frame[500];
		uint64_t end;
		pid_t pid;
		char c;

		ASSERT_EQ(0, pipe(pfd));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			struct vdrv_dev d;

			close(pfd[0]);
			if (vdrv_init(&d, &cfg) ||
			    vdrv_set_backend(&d, VDRV_TX, self->e.tap) ||
			    vdrv_set_backend(&d, VDRV_RX, self->e.tap)) {
				fprintf(stderr, "child: %s failed\n", d.failed);
				_exit(2);
			}
			drive_traffic(&d, pfd[1]);
		}
		close(pfd[1]);
		p = (struct pollfd){ .fd = pfd[0], .events = POLLIN };
		ASSERT_EQ(1, poll(&p, 1, 10000));
		ASSERT_EQ(1, read(pfd[0], &c, 1));
		close(pfd[0]);
		/* RX traffic too, then the kill lands somewhere in the middle. */
		end = vdrv_now_ms() + 100 + round * 150;
		while (vdrv_now_ms() < end) {
			vdrv_frame_fill(frame, sizeof(frame), 0, NULL, NULL);
			send(self->e.inj, frame, sizeof(frame), MSG_DONTWAIT);
			usleep(200);
		}
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFSIGNALED(status)) {
			TH_LOG("child exited with %d before the kill", WEXITSTATUS(status));
		}
		EXPECT_EQ(1, workers_gone(pid, 3000));
		if (self->base_ref >= 0)
			EXPECT_EQ(1, refcnt_back(self->base_ref, 3000));
	}
	EXPECT_EQ(0, tap_still_usable(&self->e));
}

TEST_F_TIMEOUT(life, close_under_traffic, 120)
{
	static const int delays_us[] = { 0, 50, 300, 1000, 5000, 20000 };
	unsigned int round;

	if (_metadata->skip)
		return;
	for (round = 0; round < ARRAY_SIZE(delays_us); round++) {
		struct vdrv_cfg cfg = { .features = VDRV_FEATURES_DEFAULT, .num = 256 };
		uint8_t frame[1200];
		struct vdrv_dev d;
		unsigned int i;

		ASSERT_EQ(0, vdrv_init(&d, &cfg));
		ASSERT_EQ(0, vdrv_set_backend(&d, VDRV_TX, self->e.tap));
		ASSERT_EQ(0, vdrv_set_backend(&d, VDRV_RX, self->e.tap));
		ASSERT_LT(0, vdrv_rx_fill(&d.vq[VDRV_RX], 2048, 1, false));
		vdrv_kick(&d.vq[VDRV_RX]);
		for (i = 0; i < 200; i++) {
			vdrv_frame_fill(frame, 60 + i * 5, i, NULL, NULL);
			ASSERT_LE(0, vdrv_tx_post(&d.vq[VDRV_TX], zero_hdr, VDRV_HDR_LEN,
						  frame, 60 + i * 5, 1, false));
			send(self->e.inj, frame, 60 + i * 5, MSG_DONTWAIT);
		}
		vdrv_kick(&d.vq[VDRV_TX]);
		usleep(delays_us[round]);
		/* Close the device first; guest memory goes after. */
		close(d.fd);
		d.fd = -1;
		EXPECT_EQ(1, workers_gone(getpid(), 3000));
		vdrv_close(&d);
		if (self->base_ref >= 0)
			EXPECT_EQ(1, refcnt_back(self->base_ref, 3000));
	}
	EXPECT_EQ(0, tap_still_usable(&self->e));
}

/* RESET_OWNER under traffic, then the same fd is set up again and works. */
TEST_F_TIMEOUT(life, reset_owner_under_traffic, 60)
{
	struct vdrv_cfg cfg = { .features = VDRV_FEATURES_DEFAULT, .num = 256 };
	uint8_t frame[800];
	struct vdrv_dev d;
	unsigned int i;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, vdrv_init(&d, &cfg));
	ASSERT_EQ(0, vdrv_set_backend(&d, VDRV_TX, self->e.tap));
	for (i = 0; i < 200; i++) {
		vdrv_frame_fill(frame, 100 + i, i, NULL, NULL);
		ASSERT_LE(0, vdrv_tx_post(&d.vq[VDRV_TX], zero_hdr, VDRV_HDR_LEN,
					  frame, 100 + i, 1, false));
	}
	vdrv_kick(&d.vq[VDRV_TX]);
	usleep(500);
	ASSERT_EQ(0, ioctl(d.fd, VHOST_RESET_OWNER, NULL));
	EXPECT_EQ(1, workers_gone(getpid(), 3000));
	vdrv_close(&d);
	EXPECT_EQ(0, tap_still_usable(&self->e));
}

TEST_F(life, many_devices)
{
	struct vdrv_dev *d = calloc(32, sizeof(*d));
	unsigned int i;

	if (_metadata->skip)
		return;
	ASSERT_NE(NULL, d);
	for (i = 0; i < 32; i++) {
		ASSERT_EQ(0, vdrv_open(&d[i]));
		ASSERT_EQ(0, ioctl(d[i].fd, VHOST_SET_OWNER, NULL));
	}
	EXPECT_EQ(32, vdrv_count_comm(worker_prefix(), getpid()));
	for (i = 0; i < 32; i++)
		vdrv_close(&d[i]);
	EXPECT_EQ(1, workers_gone(getpid(), 3000));
	if (self->base_ref >= 0)
		EXPECT_EQ(1, refcnt_back(self->base_ref, 3000));
	free(d);
}

/* Find /sys/kernel/debug/vhostx/<pid>-<id>/; 0 when found. */
static int stats_dir(pid_t pid, char *out, size_t len)
{
	const char *root = "/sys/kernel/debug/vhostx";
	char want[32];
	struct dirent *de;
	DIR *dir;
	int r = -1;

	snprintf(want, sizeof(want), "%d-", (int)pid);
	dir = opendir(root);
	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		if (!strncmp(de->d_name, want, strlen(want))) {
			snprintf(out, len, "%s/%s", root, de->d_name);
			r = 0;
			break;
		}
	}
	closedir(dir);
	return r;
}

/* Value of counter @key in debugfs file @dir/@q, or -1. */
static long long stat_get(const char *dir, const char *q, const char *key)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, q);
	return vdrv_stat_file(path, key);
}

TEST_F(life, debugfs_counters)
{
	struct vdrv_cfg cfg = { .features = VDRV_FEATURES_DEFAULT, .num = 64 };
	long long txp, txb, rxp, rxb, kicks, calls;
	char dir[300];
	uint8_t frame[1000];
	struct vdrv_dev d;
	unsigned int i;

	if (_metadata->skip)
		return;
	if (!vdrv_is_vhostx() || access("/sys/kernel/debug/vhostx", F_OK))
		SKIP(return, "per-queue counters are a vhostx_net feature");
	ASSERT_EQ(0, vdrv_init(&d, &cfg));
	ASSERT_EQ(0, stats_dir(getpid(), dir, sizeof(dir)));
	ASSERT_EQ(0, vdrv_set_backend(&d, VDRV_TX, self->e.tap));
	ASSERT_EQ(0, vdrv_set_backend(&d, VDRV_RX, self->e.tap));
	txp = stat_get(dir, "tx", "packets");
	txb = stat_get(dir, "tx", "bytes");
	rxp = stat_get(dir, "rx", "packets");
	rxb = stat_get(dir, "rx", "bytes");
	kicks = stat_get(dir, "tx", "kicks");
	calls = stat_get(dir, "tx", "calls");
	ASSERT_LE(0, txp);
	ASSERT_LE(0, txb);
	ASSERT_LE(0, rxp);
	ASSERT_LE(0, rxb);
	ASSERT_LE(0, kicks);
	ASSERT_LE(0, calls);
	ASSERT_LT(0, vdrv_rx_fill(&d.vq[VDRV_RX], 2048, 1, false));
	vdrv_kick(&d.vq[VDRV_RX]);
	for (i = 0; i < 10; i++) {
		vdrv_frame_fill(frame, sizeof(frame), i, NULL, NULL);
		ASSERT_EQ(0, vdrv_tx_check(&d.vq[VDRV_TX], self->e.cap, NULL, frame,
					   sizeof(frame), 1, false, NULL));
		ASSERT_EQ(0, vdrv_rx_check(&d.vq[VDRV_RX], self->e.inj, frame,
					   sizeof(frame), NULL, NULL));
	}
	EXPECT_EQ(txp + 10, stat_get(dir, "tx", "packets"));
	EXPECT_LE(txb + 10 * 1000, stat_get(dir, "tx", "bytes"));
	EXPECT_GE(txb + 10 * (1000 + VDRV_HDR_LEN), stat_get(dir, "tx", "bytes"));
	EXPECT_EQ(rxp + 10, stat_get(dir, "rx", "packets"));
	EXPECT_LE(rxb + 10 * 1000, stat_get(dir, "rx", "bytes"));
	EXPECT_GE(rxb + 10 * (1000 + VDRV_HDR_LEN), stat_get(dir, "rx", "bytes"));
	EXPECT_LE(kicks + 1, stat_get(dir, "tx", "kicks"));
	EXPECT_LE(calls + 1, stat_get(dir, "tx", "calls"));
	EXPECT_EQ(0, stat_get(dir, "tx", "errors"));
	vdrv_close(&d);
	EXPECT_NE(0, access(dir, F_OK));
}

TEST_HARNESS_MAIN
