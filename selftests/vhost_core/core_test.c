// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhostx core tests: what the core promises around the rings. Owner
 * rules, the worker thread (name, cgroup, lifetime), debugfs counters, the
 * max_mem_regions and budget parameters, memory table swaps under traffic,
 * the error eventfd and recovery, busy polling (it must really poll), TX
 * batches under a burst, the module reference an open file holds. Traffic goes through a tap with a tiny guest (vc.c).
 *
 * Needs vhostx_net loaded (SKIP otherwise) and root.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "kselftest_harness.h"
#include "vc.h"

#define F_V1		(1ULL << VIRTIO_F_VERSION_1)
#define F_NET_HDR	(1ULL << VHOST_NET_F_VIRTIO_NET_HDR)

/* Skip unless our node is there. */
#define NEED_VHOSTX() do {						\
		if (!vc_node())						\
			SKIP(return, "vhostx_net is not loaded");	\
	} while (0)

/* Run @fn in a child process (another mm); returns its exit code. */
static int in_child(int (*fn)(int fd), int fd)
{
	int st;
	pid_t p = fork();

	if (p == 0)
		_exit(fn(fd));
	if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st))
		return 255;
	return WEXITSTATUS(st);
}

static int child_not_owner(int fd)
{
	struct vhost_memory m = { 0 };
	struct vhost_vring_state s = { .index = 0, .num = 256 };
	uint64_t f;

	if (vc_ioctl(fd, VHOST_GET_FEATURES, &f))
		return 1;
	if (vc_ioctl(fd, VHOST_SET_MEM_TABLE, &m) != EPERM)
		return 2;
	if (vc_ioctl(fd, VHOST_SET_VRING_NUM, &s) != EPERM)
		return 3;
	if (vc_ioctl(fd, VHOST_SET_OWNER, NULL) != EBUSY)
		return 4;
	if (vc_ioctl(fd, VHOST_RESET_OWNER, NULL) != EPERM)
		return 5;
	if (vc_ioctl(fd, _IO(VHOST_VIRTIO, 0xfe), NULL) != ENOTTY)
		return 6;
	return 0;
}

static int child_takes_over(int fd)
{
	struct vhost_memory m = { 0 };

	if (vc_ioctl(fd, VHOST_SET_OWNER, NULL))
		return 1;
	if (vc_ioctl(fd, VHOST_SET_MEM_TABLE, &m))
		return 2;
	return 0;
}

TEST(owner_rules)
{
	struct vhost_memory m = { 0 };
	struct vc_dev d;

	NEED_VHOSTX();
	ASSERT_EQ(0, vc_open(&d));
	EXPECT_EQ(EPERM, vc_ioctl(d.fd, VHOST_SET_MEM_TABLE, &m));
	EXPECT_EQ(EPERM, vc_ioctl(d.fd, VHOST_RESET_OWNER, NULL));
	ASSERT_EQ(0, vc_ioctl(d.fd, VHOST_SET_OWNER, NULL));
	EXPECT_EQ(EBUSY, vc_ioctl(d.fd, VHOST_SET_OWNER, NULL));
	EXPECT_EQ(0, vc_ioctl(d.fd, VHOST_SET_MEM_TABLE, &m));
	/* A child shares the file, not the address space. */
	EXPECT_EQ(0, in_child(child_not_owner, d.fd));
	/* After a reset anyone may become the owner, and we are not it then. */
	ASSERT_EQ(0, vc_ioctl(d.fd, VHOST_RESET_OWNER, NULL));
	EXPECT_EQ(0, in_child(child_takes_over, d.fd));
	EXPECT_EQ(EPERM, vc_ioctl(d.fd, VHOST_SET_MEM_TABLE, &m));
	EXPECT_EQ(EPERM, vc_ioctl(d.fd, VHOST_RESET_OWNER, NULL));
	EXPECT_EQ(EBUSY, vc_ioctl(d.fd, VHOST_SET_OWNER, NULL));
	vc_close(&d);
}

/* pid of the kernel thread called @comm, 0 if none. */
static pid_t find_thread(const char *comm)
{
	char path[300], buf[32];
	struct dirent *e;
	pid_t found = 0;
	DIR *dir = opendir("/proc");

	if (!dir)
		return 0;
	while (!found && (e = readdir(dir))) {
		ssize_t n;
		int fd;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = 0;
		buf[strcspn(buf, "\n")] = 0;
		if (!strcmp(buf, comm))
			found = atoi(e->d_name);
	}
	closedir(dir);
	return found;
}

static void read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY);

	buf[0] = 0;
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
}

static bool write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok;
}

#define CG_ROOT	"/sys/fs/cgroup"
#define CG_TEST	CG_ROOT "/vxcore"

TEST(worker_thread)
{
	char comm[32], path[64], mine[256], its[256], pid[16];
	bool cg;
	pid_t w;
	int i;
	struct vc_dev d;

	NEED_VHOSTX();
	/* Put ourselves in a cgroup of our own if we can: the worker must follow. */
	mkdir(CG_TEST, 0755);
	snprintf(pid, sizeof(pid), "%d", getpid());
	cg = write_str(CG_TEST "/cgroup.procs", pid);
	if (!cg)
		TH_LOG("no cgroup2 to move into: cgroup check is against the root");

	snprintf(comm, sizeof(comm), "vhostx-%d", getpid());
	ASSERT_EQ(0, vc_open(&d));
	EXPECT_EQ(0, find_thread(comm));
	ASSERT_EQ(0, vc_ioctl(d.fd, VHOST_SET_OWNER, NULL));
	w = find_thread(comm);
	ASSERT_NE(0, w) TH_LOG("no thread %s after SET_OWNER", comm);
	read_file("/proc/self/cgroup", mine, sizeof(mine));
	snprintf(path, sizeof(path), "/proc/%d/cgroup", w);
	read_file(path, its, sizeof(its));
	EXPECT_STREQ(mine, its);
	if (cg)
		EXPECT_NE(NULL, strstr(its, "/vxcore"));

	/* RESET_OWNER ends the worker; a new owner gets a new one. */
	ASSERT_EQ(0, vc_ioctl(d.fd, VHOST_RESET_OWNER, NULL));
	for (i = 0; i < 100 && find_thread(comm); i++)
		usleep(10000);
	EXPECT_EQ(0, find_thread(comm));
	ASSERT_EQ(0, vc_ioctl(d.fd, VHOST_SET_OWNER, NULL));
	EXPECT_NE(0, find_thread(comm));
	vc_close(&d);
	for (i = 0; i < 100 && find_thread(comm); i++)
		usleep(10000);
	EXPECT_EQ(0, find_thread(comm));

	if (cg) {
		write_str(CG_ROOT "/cgroup.procs", pid);
		rmdir(CG_TEST);
	}
}

TEST(module_reference)
{
	long before, open_;
	char buf[32];
	struct vc_dev d;

	NEED_VHOSTX();
	read_file("/sys/module/vhostx_net/refcnt", buf, sizeof(buf));
	before = atol(buf);
	ASSERT_EQ(0, vc_open(&d));
	read_file("/sys/module/vhostx_net/refcnt", buf, sizeof(buf));
	open_ = atol(buf);
	EXPECT_EQ(before + 1, open_);
	vc_close(&d);
	read_file("/sys/module/vhostx_net/refcnt", buf, sizeof(buf));
	EXPECT_EQ(before, atol(buf));
}

TEST(max_mem_regions_param)
{
	struct {
		struct vhost_memory m;
		struct vhost_memory_region r[3];
	} t;
	long old = vc_param_get("vhostx", "max_mem_regions");
	struct vc_dev d;
	int i;

	NEED_VHOSTX();
	ASSERT_EQ(64, old);
	EXPECT_EQ(EINVAL, vc_param_set("vhostx", "max_mem_regions", 65537));
	ASSERT_EQ(0, vc_param_set("vhostx", "max_mem_regions", 2));
	ASSERT_EQ(0, vc_open(&d));
	ASSERT_EQ(0, vc_ioctl(d.fd, VHOST_SET_OWNER, NULL));
	memset(&t, 0, sizeof(t));
	for (i = 0; i < 3; i++) {
		t.r[i].guest_phys_addr = VC_GPA + i * 0x100000ULL;
		t.r[i].memory_size = 0x100000;
		t.r[i].userspace_addr = (uintptr_t)d.mem + i * 0x100000ULL;
	}
	t.m.nregions = 3;
	EXPECT_EQ(E2BIG, vc_ioctl(d.fd, VHOST_SET_MEM_TABLE, &t));
	t.m.nregions = 2;
	EXPECT_EQ(0, vc_ioctl(d.fd, VHOST_SET_MEM_TABLE, &t));
	vc_close(&d);
	EXPECT_EQ(0, vc_param_set("vhostx", "max_mem_regions", old));
}

FIXTURE(net) {
	struct vc_dev d;
	struct vc_tap t;
};

FIXTURE_VARIANT(net) {
	int tap_hdr;		/* vnet header on the tap: 12, or 0 (we add it) */
};

FIXTURE_VARIANT_ADD(net, tap_hdr) { .tap_hdr = 12 };
FIXTURE_VARIANT_ADD(net, our_hdr) { .tap_hdr = 0 };

FIXTURE_SETUP(net)
{
	self->d.fd = -1;
	self->t.fd = self->t.cap = -1;
	if (!vc_node())
		SKIP(return, "vhostx_net is not loaded");
	ASSERT_EQ(0, vc_tap_open(&self->t, getpid() % 1000, variant->tap_hdr));
	ASSERT_EQ(0, vc_open(&self->d));
	ASSERT_EQ(0, vc_setup(&self->d, F_V1 | (variant->tap_hdr ? 0 : F_NET_HDR)));
	ASSERT_EQ(0, vc_backend(&self->d, VC_TX, self->t.fd));
	ASSERT_EQ(0, vc_backend(&self->d, VC_RX, self->t.fd));
}

FIXTURE_TEARDOWN(net)
{
	vc_close(&self->d);
	vc_tap_close(&self->t);
}

/* Send @n frames guest to tap, each checked byte for byte. */
static int tx_roundtrip(struct vc_dev *d, struct vc_tap *t, uint32_t seq0, int n,
			bool kick_each)
{
	uint8_t frame[1500], got[2048];
	int i;

	for (i = 0; i < n; i++) {
		vc_frame(frame, 60 + (i * 97) % 1400, seq0 + i);
		if (vc_tx(d, frame, 60 + (i * 97) % 1400, kick_each || i == n - 1))
			return 1;
	}
	for (i = 0; i < n; i++) {
		size_t len = 60 + (i * 97) % 1400;
		ssize_t got_len = vc_capture(t, got, sizeof(got), 5000);

		if (got_len != (ssize_t)len)
			return 100 + i;
		vc_frame(frame, len, seq0 + i);
		if (memcmp(frame, got, len))
			return 200 + i;
	}
	for (i = 0; i < n; i++) {
		if (vc_wait_used(d, VC_TX, 2000) != 1 || vc_used(d, VC_TX, NULL, NULL) < 0)
			return 300 + i;
	}
	return 0;
}

TEST_F(net, tx_rx_bytes_and_counters)
{
	uint8_t frame[1500], *buf;
	struct virtio_net_hdr_mrg_rxbuf hdr;
	char dir[128];
	uint32_t len;

	ASSERT_EQ(0, tx_roundtrip(&self->d, &self->t, 1, 1, true));

	ASSERT_EQ(0, vc_rx_fill(&self->d, 16));
	vc_frame(frame, 1000, 77);
	ASSERT_EQ(0, vc_inject(&self->t, frame, 1000));
	ASSERT_EQ(1, vc_wait_used(&self->d, VC_RX, 5000));
	ASSERT_LE(0, vc_used(&self->d, VC_RX, &buf, &len));
	ASSERT_EQ(VC_HDR + 1000, len);
	memcpy(&hdr, buf, sizeof(hdr));
	EXPECT_EQ(1, hdr.num_buffers);
	EXPECT_EQ(0, hdr.hdr.flags);
	EXPECT_EQ(VIRTIO_NET_HDR_GSO_NONE, hdr.hdr.gso_type);
	EXPECT_EQ(0, memcmp(frame, buf + VC_HDR, 1000));

	ASSERT_TRUE(vc_debugfs_dir(dir, sizeof(dir)));
	EXPECT_EQ(1, vc_counter("tx", "packets"));
	EXPECT_EQ(60, vc_counter("tx", "bytes"));
	EXPECT_LE(1, vc_counter("tx", "kicks"));
	EXPECT_EQ(1, vc_counter("tx", "used"));
	EXPECT_EQ(0, vc_counter("tx", "errors"));
	EXPECT_EQ(1, vc_counter("rx", "packets"));
	EXPECT_EQ(1000, vc_counter("rx", "bytes"));
	EXPECT_LE(1, vc_counter("rx", "calls"));
	EXPECT_EQ(0, vc_counter("rx", "broken"));
	EXPECT_LE(1, vc_counter("rx", "batch_1"));

	/* The directory goes with the device. */
	vc_close(&self->d);
	EXPECT_FALSE(vc_debugfs_dir(dir, sizeof(dir)));
}

/* Swapping the memory table while TX runs loses nothing and breaks nothing. */
struct swapper {
	struct vc_dev *d;
	volatile bool stop;
	int swaps;
	int err;
};

static void *swap_tables(void *arg)
{
	struct swapper *s = arg;

	while (!s->stop) {
		int ret = vc_set_mem(s->d, s->swaps & 1);

		if (ret) {
			s->err = ret;
			break;
		}
		s->swaps++;
	}
	return NULL;
}

TEST_F(net, mem_table_swap_under_traffic)
{
	struct swapper s = { .d = &self->d };
	pthread_t th;
	int i, before;

	ASSERT_EQ(0, pthread_create(&th, NULL, swap_tables, &s));
	/*
	 * Traffic starts once the swapper is swapping: on a busy TCG host the
	 * thread once got no swap in before all 8 round trips were done.
	 */
	for (i = 0; i < 5000 && !__atomic_load_n(&s.swaps, __ATOMIC_RELAXED) && !s.err; i++)
		usleep(1000);
	before = __atomic_load_n(&s.swaps, __ATOMIC_RELAXED);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, tx_roundtrip(&self->d, &self->t, 1000 + i * 16, 16, i & 1));
	s.stop = true;
	pthread_join(th, NULL);
	EXPECT_EQ(0, s.err);
	EXPECT_LT(0, s.swaps);
	TH_LOG("%d table swaps, %d of them during the traffic", s.swaps, s.swaps - before);
	EXPECT_FALSE(vc_eventfd_wait(self->d.vq[VC_TX].err, 0));
	EXPECT_EQ(128, vc_counter("tx", "packets"));
	EXPECT_EQ(0, vc_counter("tx", "errors"));
}

/* A bad head stops the queue and signals; detach, rebase, reattach: it works. */
TEST_F(net, error_eventfd_and_recovery)
{
	struct vc_vq *vq = &self->d.vq[VC_TX];
	struct vhost_vring_state s = { .index = VC_TX };

	vq->r.avail->ring[vq->r.avail_idx % VC_NUM] = VC_NUM + 5;
	vq->r.avail_idx++;
	__atomic_store_n(&vq->r.avail->idx, vq->r.avail_idx, __ATOMIC_RELEASE);
	vc_kick(&self->d, VC_TX);
	ASSERT_TRUE(vc_eventfd_wait(vq->err, 5000));
	EXPECT_EQ(1, vc_counter("tx", "errors"));
	EXPECT_EQ(1, vc_counter("tx", "broken"));
	/* Stopped means stopped: more kicks, no more errors, nothing used. */
	vc_kick(&self->d, VC_TX);
	EXPECT_FALSE(vc_eventfd_wait(vq->err, 200));
	EXPECT_EQ(0, vq->r.used->idx);

	ASSERT_EQ(0, vc_backend(&self->d, VC_TX, -1));
	s.num = vq->r.avail_idx;
	ASSERT_EQ(0, vc_ioctl(self->d.fd, VHOST_SET_VRING_BASE, &s));
	ASSERT_EQ(0, vc_ioctl(self->d.fd, VHOST_GET_VRING_BASE, &s));
	EXPECT_EQ(1, s.num);
	/* The used index must follow the base, as a driver would have it. */
	vq->r.used->idx = vq->r.avail_idx;
	vq->r.last_used = vq->r.avail_idx;
	ASSERT_EQ(0, vc_backend(&self->d, VC_TX, self->t.fd));
	EXPECT_EQ(0, vc_counter("tx", "broken"));
	EXPECT_EQ(0, tx_roundtrip(&self->d, &self->t, 500, 4, false));
}

/* With a budget of 4 packets a 64-packet burst yields and still all arrives. */
TEST_F(net, fairness_budget)
{
	long old = vc_param_get("vhostx_net", "budget_packets");

	ASSERT_LT(0, old);
	ASSERT_EQ(0, vc_param_set("vhostx_net", "budget_packets", 4));
	EXPECT_EQ(0, tx_roundtrip(&self->d, &self->t, 9000, 64, false));
	EXPECT_EQ(0, vc_param_set("vhostx_net", "budget_packets", old));
	EXPECT_LE(15, vc_counter("tx", "yields"));
	EXPECT_EQ(64, vc_counter("tx", "packets"));
}

TEST_F(net, busyloop)
{
	struct vhost_vring_state s = { .index = VC_TX, .num = 200 };

	ASSERT_EQ(0, vc_ioctl(self->d.fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, &s));
	s.num = 0;
	ASSERT_EQ(0, vc_ioctl(self->d.fd, VHOST_GET_VRING_BUSYLOOP_TIMEOUT, &s));
	EXPECT_EQ(200, s.num);
	EXPECT_EQ(VC_TX, s.index);
	EXPECT_EQ(0, tx_roundtrip(&self->d, &self->t, 7000, 32, true));
	EXPECT_EQ(0, vc_counter("tx", "errors"));
}

/*
 * A paced TX stream from a driver that honours VRING_USED_F_NO_NOTIFY: it
 * publishes a frame, then kicks only if the device has not said "no
 * kicks". It waits for each frame's used entry and then for @gap_us
 * before the next, so the device has long finished that frame. Returns 0
 * or which frame failed; @kicks gets the kicks the driver made.
 */
static int paced_stream(struct vc_dev *d, uint32_t seq0, int n, int gap_us,
			int *kicks)
{
	struct vc_vq *vq = &d->vq[VC_TX];
	uint8_t frame[60];
	int i;

	*kicks = 0;
	for (i = 0; i < n; i++) {
		vc_frame(frame, sizeof(frame), seq0 + i);
		if (vc_tx(d, frame, sizeof(frame), false))
			return 1 + i;
		/* avail->idx must be visible before we look at the flags. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (!(__atomic_load_n(&vq->r.used->flags, __ATOMIC_RELAXED) &
		      VRING_USED_F_NO_NOTIFY)) {
			vc_kick(d, VC_TX);
			(*kicks)++;
		}
		if (vc_wait_used(d, VC_TX, 5000) != 1 || vc_used(d, VC_TX, NULL, NULL) < 0)
			return 100 + i;
		usleep(gap_us);
	}
	return 0;
}

/* Keep the worker and us on different CPUs if we may (best effort). */
static void pin_apart(void)
{
	char comm[32];
	cpu_set_t set;
	pid_t w;

	snprintf(comm, sizeof(comm), "vhostx-%d", getpid());
	w = find_thread(comm);
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (w > 0)
		sched_setaffinity(w, sizeof(set), &set);
	CPU_ZERO(&set);
	CPU_SET(1, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/*
 * Busy polling must really poll. Without it, a device that found the ring
 * empty turns kicks back on (clears NO_NOTIFY) before it sleeps, so each
 * frame of a paced stream costs a kick. With a busyloop timeout far longer
 * than the gap between frames, the worker is still polling the ring with
 * NO_NOTIFY set when the next frame comes, picks it up without a kick, and
 * the device counts fewer kicks than frames. What is asserted is counts
 * (kicks against frames, and against the same stream without busyloop),
 * not how long anything took. Spinning ends early when the worker's CPU is
 * wanted, so the two sides are kept on different CPUs.
 */
TEST_F(net, busyloop_polls)
{
	struct vhost_vring_state s = { .index = VC_TX };
	long long k0, k1, k2, r0, r1, r2, p0;
	int n = 32, gap = 5000, kicks_off, kicks_on;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs: polling yields to a task on its CPU");
	pin_apart();
	p0 = vc_counter("tx", "packets");
	k0 = vc_counter("tx", "kicks");
	r0 = vc_counter("tx", "runs");
	ASSERT_LE(0, k0);

	/* The control: no busyloop, a kick per frame (or nearly). */
	ASSERT_EQ(0, paced_stream(&self->d, 12000, n, gap, &kicks_off));
	k1 = vc_counter("tx", "kicks");
	r1 = vc_counter("tx", "runs");

	s.num = 200000;		/* 200 ms, forty gaps */
	ASSERT_EQ(0, vc_ioctl(self->d.fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, &s));
	ASSERT_EQ(0, paced_stream(&self->d, 13000, n, gap, &kicks_on));
	k2 = vc_counter("tx", "kicks");
	r2 = vc_counter("tx", "runs");
	s.num = 0;
	ASSERT_EQ(0, vc_ioctl(self->d.fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, &s));

	TH_LOG("%d frames each; no busyloop: %lld kicks (driver %d), %lld runs; busyloop: %lld kicks (driver %d), %lld runs",
	       n, k1 - k0, kicks_off, r1 - r0, k2 - k1, kicks_on, r2 - r1);
	EXPECT_EQ(2 * n, vc_counter("tx", "packets") - p0);
	EXPECT_EQ(0, vc_counter("tx", "errors"));
	/* Polling picked up at least half the frames without a kick. */
	EXPECT_LE(2 * (k2 - k1), n);
	/* And that is the busyloop's doing: the control needed more kicks. */
	EXPECT_LT(k2 - k1, k1 - k0);
}

/*
 * 64 frames posted before a single kick: the worker takes them in one run
 * and publishes used entries in batches, so the batch histogram moves in a
 * bucket above 1 and there are fewer batches than frames.
 */
TEST_F(net, tx_burst_batches)
{
	static const char * const names[] = {
		"batch_1", "batch_2", "batch_4", "batch_8",
		"batch_16", "batch_32", "batch_64", "batch_128",
	};
	long long before[8], delta, total = 0, multi = 0, u0;
	unsigned int i;

	for (i = 0; i < 8; i++) {
		before[i] = vc_counter("tx", names[i]);
		ASSERT_LE(0, before[i]) {
			TH_LOG("no %s counter", names[i]);
		}
	}
	u0 = vc_counter("tx", "used");
	ASSERT_EQ(0, tx_roundtrip(&self->d, &self->t, 15000, 64, false));
	for (i = 0; i < 8; i++) {
		delta = vc_counter("tx", names[i]) - before[i];
		if (delta)
			TH_LOG("%s +%lld", names[i], delta);
		total += delta;
		if (i)
			multi += delta;
	}
	EXPECT_EQ(64, vc_counter("tx", "used") - u0);
	EXPECT_LE(1, multi) {
		TH_LOG("every used entry went out alone");
	}
	EXPECT_GT(64, total);
}

/*
 * Mergeable RX with too few buffers for a frame: the worker gives them
 * back and waits for a kick instead of spinning; one more buffer and the
 * frame arrives in two.
 */
TEST(rx_waits_for_enough_buffers)
{
	uint64_t f = F_V1 | (1ULL << VIRTIO_NET_F_MRG_RXBUF);
	struct virtio_net_hdr_mrg_rxbuf hdr;
	uint8_t frame[3000], got[3000], *buf;
	long long runs;
	struct vc_dev d;
	struct vc_tap t;
	uint32_t len, off = 0;
	int i;

	NEED_VHOSTX();
	ASSERT_EQ(0, vc_tap_open(&t, 500 + getpid() % 100, 12));
	ASSERT_EQ(0, vc_tap_mtu(&t, 4000));
	ASSERT_EQ(0, vc_open(&d));
	ASSERT_EQ(0, vc_setup(&d, f));
	ASSERT_EQ(0, vc_backend(&d, VC_RX, t.fd));
	ASSERT_EQ(0, vc_rx_fill(&d, 1));
	vc_frame(frame, sizeof(frame), 3);
	ASSERT_EQ(0, vc_inject(&t, frame, sizeof(frame)));
	usleep(500000);
	EXPECT_EQ(0, vc_wait_used(&d, VC_RX, 0));
	runs = vc_counter("rx", "runs");
	TH_LOG("rx runs while short of buffers: %lld", runs);
	EXPECT_GT(20, runs);
	ASSERT_EQ(0, vc_rx_fill(&d, 1));
	ASSERT_EQ(1, vc_wait_used(&d, VC_RX, 5000));
	usleep(100000);
	for (i = 0; i < 2; i++) {
		ASSERT_LE(0, vc_used(&d, VC_RX, &buf, &len)) TH_LOG("buffer %d", i);
		if (i == 0) {
			memcpy(&hdr, buf, sizeof(hdr));
			EXPECT_EQ(2, hdr.num_buffers);
			ASSERT_EQ(VC_BUF, len);
			memcpy(got, buf + VC_HDR, len - VC_HDR);
			off = len - VC_HDR;
		} else {
			ASSERT_EQ(sizeof(frame) - off, len);
			memcpy(got + off, buf, len);
		}
	}
	EXPECT_EQ(0, memcmp(frame, got, sizeof(frame)));
	EXPECT_EQ(0, vc_counter("rx", "drops"));
	vc_close(&d);
	vc_tap_close(&t);
}

/* The owner dies with traffic in flight: the device goes cleanly. */
TEST(owner_killed_under_traffic)
{
	char dir[128], path[160];
	int sync[2], i;
	pid_t p;

	NEED_VHOSTX();
	ASSERT_EQ(0, pipe(sync));
	p = fork();
	ASSERT_LE(0, p);
	if (p == 0) {
		struct vc_dev d;
		struct vc_tap t;
		uint8_t frame[200];
		char c = 1;

		if (vc_tap_open(&t, 900 + getpid() % 100, 12) || vc_open(&d) ||
		    vc_setup(&d, F_V1) || vc_backend(&d, VC_TX, t.fd) ||
		    vc_backend(&d, VC_RX, t.fd))
			_exit(1);
		vc_rx_fill(&d, VC_NUM);
		if (write(sync[1], &c, 1) != 1)
			_exit(1);
		for (i = 0;; i++) {
			struct vc_vq *tx = &d.vq[VC_TX];

			vc_frame(frame, sizeof(frame), i);
			if ((uint16_t)(tx->r.avail_idx - tx->r.used->idx) < VC_NUM - 1)
				vc_tx(&d, frame, sizeof(frame), true);
			vc_inject(&t, frame, sizeof(frame));
			while (vc_used(&d, VC_TX, NULL, NULL) >= 0)
				;
		}
	}
	close(sync[1]);
	{
		char c;

		ASSERT_EQ(1, read(sync[0], &c, 1));
	}
	usleep(300000);
	snprintf(path, sizeof(path), "/sys/kernel/debug/vhostx");
	snprintf(dir, sizeof(dir), "%d-", p);
	kill(p, SIGKILL);
	ASSERT_EQ(p, waitpid(p, NULL, 0));
	/* Its debugfs directory and worker are gone once the files closed. */
	for (i = 0; i < 200; i++) {
		DIR *d = opendir(path);
		struct dirent *e;
		bool found = false;

		while (d && (e = readdir(d)))
			found |= !strncmp(e->d_name, dir, strlen(dir));
		if (d)
			closedir(d);
		if (!found)
			break;
		usleep(10000);
	}
	EXPECT_LT(i, 200);
	snprintf(dir, sizeof(dir), "vhostx-%d", p);
	EXPECT_EQ(0, find_thread(dir));
	close(sync[0]);
}

TEST_HARNESS_MAIN
