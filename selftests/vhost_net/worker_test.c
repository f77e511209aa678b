// SPDX-License-Identifier: GPL-2.0-only
/*
 * Worker control (upstream 6.5 numbers, newer than Debian's 6.1 uapi):
 * VHOST_NEW_WORKER, VHOST_FREE_WORKER, VHOST_ATTACH_VRING_WORKER and
 * VHOST_GET_VRING_WORKER, so that RX and TX run on two threads.
 *
 * Asserted: both queues start on worker 0; a new worker is a second
 * "vhostx-<pid>" thread; with TX moved to it, traffic flows byte for byte
 * both ways and each worker's debugfs count of work items grows with its
 * own queue's traffic; a worker a queue uses cannot be freed; freeing one
 * ends its thread; queues move back and forth under traffic without a lost
 * or broken frame; RESET_OWNER ends every worker; the errnos of bad calls.
 *
 * The kernel's 6.1 vhost_net has none of these calls (it answers ENOTTY
 * after SET_OWNER): a SKIP with the kernel's module, a failure with ours.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "vtest.h"

#ifndef VHOST_NEW_WORKER
struct vhost_worker_state {
	unsigned int worker_id;
};

struct vhost_vring_worker {
	unsigned int index;
	unsigned int worker_id;
};

#define VHOST_NEW_WORKER _IOR(VHOST_VIRTIO, 0x8, struct vhost_worker_state)
#define VHOST_FREE_WORKER _IOW(VHOST_VIRTIO, 0x9, struct vhost_worker_state)
#define VHOST_ATTACH_VRING_WORKER _IOW(VHOST_VIRTIO, 0x15, struct vhost_vring_worker)
#define VHOST_GET_VRING_WORKER _IOWR(VHOST_VIRTIO, 0x16, struct vhost_vring_worker)
#endif

FIXTURE(wk) {
	struct vdrv_dev d;
	struct vdrv_env e;
};

FIXTURE_SETUP(wk)
{
	struct vdrv_cfg cfg = { .features = VDRV_FEATURES_DEFAULT, .num = 256 };

	self->e.tap = self->e.cap = self->e.inj = -1;
	VTEST_NETNS();
	VTEST_TAP(&self->e, "vxwk0", 0, VDRV_HDR_LEN);
	if (vtest_init_dev(_metadata, &self->d, &cfg))
		return;
}

FIXTURE_TEARDOWN(wk)
{
	vdrv_close(&self->d);
	vdrv_env_close(&self->e);
}

static int new_worker(int fd, unsigned int *id)
{
	struct vhost_worker_state s = { .worker_id = ~0U };

	if (ioctl(fd, VHOST_NEW_WORKER, &s))
		return -errno;
	*id = s.worker_id;
	return 0;
}

static int free_worker(int fd, unsigned int id)
{
	struct vhost_worker_state s = { .worker_id = id };

	return ioctl(fd, VHOST_FREE_WORKER, &s) ? -errno : 0;
}

static int attach(int fd, unsigned int index, unsigned int id)
{
	struct vhost_vring_worker w = { .index = index, .worker_id = id };

	return ioctl(fd, VHOST_ATTACH_VRING_WORKER, &w) ? -errno : 0;
}

/* The worker id of queue @index, or -errno. */
static long long get_worker(int fd, unsigned int index)
{
	struct vhost_vring_worker w = { .index = index, .worker_id = ~0U };

	if (ioctl(fd, VHOST_GET_VRING_WORKER, &w))
		return -errno;
	return w.worker_id;
}

/* Worker threads of this process's devices, after they settle (1 s). */
static int threads(int want)
{
	int n = -1;

	for (int i = 0; i < 100; i++) {
		n = vdrv_count_comm("vhostx-", getpid());
		if (n == want)
			break;
		usleep(10000);
	}
	return n;
}

/* Work items run by worker @id, from our debugfs "workers" file; -1 if none. */
static long long items(unsigned int id)
{
	const char *root = "/sys/kernel/debug/vhostx";
	char want[32], path[600], line[128];
	long long r = -1;
	struct dirent *de;
	unsigned int wid, att;
	unsigned long long n;
	FILE *f = NULL;
	DIR *dir;
	int tid;

	snprintf(want, sizeof(want), "%d-", (int)getpid());
	dir = opendir(root);
	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		if (!strncmp(de->d_name, want, strlen(want))) {
			snprintf(path, sizeof(path), "%s/%s/workers", root, de->d_name);
			f = fopen(path, "r");
			break;
		}
	}
	closedir(dir);
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%u %d %u %llu", &wid, &tid, &att, &n) == 4 && wid == id)
			r = n;
	fclose(f);
	return r;
}

/* SKIP for the kernel's module, which lacks the calls; else go on. */
#define NEED_WORKER_CALLS(fd) do {					\
		long long __r = get_worker((fd), 0);			\
		if (__r == -ENOTTY && !vdrv_is_vhostx())		\
			SKIP(return, "%s lacks the worker calls (6.5)",	\
			     vdrv_module_name());			\
		ASSERT_EQ(0, __r) {					\
			TH_LOG("GET_VRING_WORKER 0: %s", strerror((int)-__r)); \
		}							\
	} while (0)

/* Upstream's numbers, whichever header defined them. */
TEST(encodings)
{
	EXPECT_EQ(0x8004af08UL, (unsigned long)VHOST_NEW_WORKER);
	EXPECT_EQ(0x4004af09UL, (unsigned long)VHOST_FREE_WORKER);
	EXPECT_EQ(0x4008af15UL, (unsigned long)VHOST_ATTACH_VRING_WORKER);
	EXPECT_EQ(0xc008af16UL, (unsigned long)VHOST_GET_VRING_WORKER);
}

TEST_F(wk, default_worker)
{
	if (_metadata->skip)
		return;
	NEED_WORKER_CALLS(self->d.fd);
	EXPECT_EQ(0, get_worker(self->d.fd, VDRV_RX));
	EXPECT_EQ(0, get_worker(self->d.fd, VDRV_TX));
	EXPECT_EQ(1, threads(1));
	EXPECT_LE(0, items(0));
	EXPECT_EQ(-1, items(1));
}

TEST_F(wk, rx_and_tx_on_two_workers)
{
	long long before0, before1, after0, after1;
	unsigned int id = ~0U;

	if (_metadata->skip)
		return;
	NEED_WORKER_CALLS(self->d.fd);
	ASSERT_EQ(0, new_worker(self->d.fd, &id));
	EXPECT_EQ(1, id);
	EXPECT_EQ(2, threads(2));
	ASSERT_EQ(0, attach(self->d.fd, VDRV_TX, id));
	EXPECT_EQ(0, get_worker(self->d.fd, VDRV_RX));
	EXPECT_EQ(id, get_worker(self->d.fd, VDRV_TX));
	EXPECT_EQ(0, vdrv_stat("rx", "worker"));
	EXPECT_EQ(id, vdrv_stat("tx", "worker"));

	VTEST_BACKEND(&self->d, VDRV_TX, self->e.tap);
	VTEST_BACKEND(&self->d, VDRV_RX, self->e.tap);
	ASSERT_LT(0, vdrv_rx_fill(&self->d.vq[VDRV_RX], 2048, 1, false));
	vdrv_kick(&self->d.vq[VDRV_RX]);
	before0 = items(0);
	before1 = items(id);
	ASSERT_EQ(0, vdrv_traffic(&self->d, &self->e, 0, 16));
	after0 = items(0);
	after1 = items(id);
	TH_LOG("work items: worker 0 %lld -> %lld, worker %u %lld -> %lld",
	       before0, after0, id, before1, after1);
	/* At least one run per frame received, one per kick sent. */
	EXPECT_LE(before0 + 16, after0);
	EXPECT_LE(before1 + 16, after1);

	/* Both are in use: neither goes. */
	EXPECT_EQ(-EBUSY, free_worker(self->d.fd, 0));
	EXPECT_EQ(-EBUSY, free_worker(self->d.fd, id));

	/* TX back home; the other worker goes, its thread with it. */
	ASSERT_EQ(0, attach(self->d.fd, VDRV_TX, 0));
	EXPECT_EQ(0, free_worker(self->d.fd, id));
	EXPECT_EQ(1, threads(1));
	EXPECT_EQ(-ENODEV, free_worker(self->d.fd, id));
	EXPECT_EQ(0, vdrv_traffic(&self->d, &self->e, 100, 4));
	EXPECT_EQ(0, vdrv_evt_count(self->d.vq[VDRV_TX].err));
	EXPECT_EQ(0, vdrv_evt_count(self->d.vq[VDRV_RX].err));
}

struct mover {
	int fd;
	unsigned int id;
	volatile int stop;
	unsigned int moves;
	int err;
};

static void *mover_fn(void *arg)
{
	struct mover *m = arg;

	while (!m->stop) {
		unsigned int a = m->moves & 1 ? m->id : 0;
		int r = attach(m->fd, VDRV_TX, a);

		if (!r)
			r = attach(m->fd, VDRV_RX, a ? 0 : m->id);
		if (r) {
			m->err = r;
			break;
		}
		m->moves++;
		usleep(2000);
	}
	return NULL;
}

TEST_F(wk, queues_move_under_traffic)
{
	struct mover m = { .fd = self->d.fd };
	unsigned int n;
	pthread_t t;
	int r = 0;

	if (_metadata->skip)
		return;
	NEED_WORKER_CALLS(self->d.fd);
	ASSERT_EQ(0, new_worker(self->d.fd, &m.id));
	VTEST_BACKEND(&self->d, VDRV_TX, self->e.tap);
	VTEST_BACKEND(&self->d, VDRV_RX, self->e.tap);
	ASSERT_LT(0, vdrv_rx_fill(&self->d.vq[VDRV_RX], 2048, 1, false));
	vdrv_kick(&self->d.vq[VDRV_RX]);

	ASSERT_EQ(0, pthread_create(&t, NULL, mover_fn, &m));
	/* Until both queues moved 20 times (at most 4096 frames each way). */
	for (n = 0; n < 4096 && m.moves < 20 && !m.err; n += 8) {
		r = vdrv_traffic(&self->d, &self->e, n, 8);
		if (r)
			break;
	}
	m.stop = 1;
	pthread_join(t, NULL);
	TH_LOG("%u moves of both queues during %u frames each way", m.moves, n);
	EXPECT_EQ(0, r);
	EXPECT_EQ(0, m.err) {
		TH_LOG("ATTACH_VRING_WORKER: %s", strerror(-m.err));
	}
	EXPECT_LE(20, m.moves);
	EXPECT_EQ(0, vdrv_traffic(&self->d, &self->e, 100000, 4));
	EXPECT_EQ(0, vdrv_evt_count(self->d.vq[VDRV_TX].err));
	EXPECT_EQ(0, vdrv_evt_count(self->d.vq[VDRV_RX].err));
}

TEST_F(wk, reset_owner_ends_every_worker)
{
	unsigned int id = ~0U;

	if (_metadata->skip)
		return;
	NEED_WORKER_CALLS(self->d.fd);
	ASSERT_EQ(0, new_worker(self->d.fd, &id));
	ASSERT_EQ(0, attach(self->d.fd, VDRV_RX, id));
	EXPECT_EQ(2, threads(2));
	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_RESET_OWNER, NULL));
	EXPECT_EQ(0, threads(0));
	/* No owner: the calls are refused. */
	EXPECT_EQ(-EPERM, get_worker(self->d.fd, VDRV_RX));
	EXPECT_EQ(-EPERM, new_worker(self->d.fd, &id));
	/* A new owner starts again from one worker, 0. */
	ASSERT_EQ(0, ioctl(self->d.fd, VHOST_SET_OWNER, NULL));
	EXPECT_EQ(1, threads(1));
	EXPECT_EQ(0, get_worker(self->d.fd, VDRV_RX));
	EXPECT_EQ(0, get_worker(self->d.fd, VDRV_TX));
}

TEST_F(wk, bad_calls)
{
	unsigned int id = ~0U, id2 = ~0U, id3 = ~0U;
	int status;
	pid_t pid;

	if (_metadata->skip)
		return;
	NEED_WORKER_CALLS(self->d.fd);
	EXPECT_EQ(-ENOBUFS, get_worker(self->d.fd, 2));
	EXPECT_EQ(-ENOBUFS, attach(self->d.fd, 2, 0));
	EXPECT_EQ(-ENODEV, attach(self->d.fd, VDRV_TX, 7));
	EXPECT_EQ(-ENODEV, free_worker(self->d.fd, 7));
	EXPECT_EQ(-EBUSY, free_worker(self->d.fd, 0));
	EXPECT_EQ(-EFAULT, ioctl(self->d.fd, VHOST_NEW_WORKER, (void *)8) ? -errno : 0);
	/* At most one worker more than queues: 0 and two new ones. */
	ASSERT_EQ(0, new_worker(self->d.fd, &id));
	ASSERT_EQ(0, new_worker(self->d.fd, &id2));
	EXPECT_EQ(-ENOSPC, new_worker(self->d.fd, &id3));
	EXPECT_EQ(3, threads(3));
	/* Attaching a queue to the worker it has changes nothing. */
	EXPECT_EQ(0, attach(self->d.fd, VDRV_TX, 0));
	EXPECT_EQ(0, free_worker(self->d.fd, id2));
	EXPECT_EQ(2, threads(2));

	/* Another process holding the file is not the owner. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		unsigned int x;

		_exit(new_worker(self->d.fd, &x) == -EPERM &&
		      get_worker(self->d.fd, 0) == -EPERM &&
		      free_worker(self->d.fd, id) == -EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	EXPECT_EQ(2, threads(2));
}

TEST_HARNESS_MAIN
