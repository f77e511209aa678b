// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bad ioctl input: every vhost-net ioctl with bad arguments, in the wrong
 * order or from the wrong process gets the errno the kernel's vhost_net
 * gives (observed on Debian 6.1, noted at each case). Where the kernel is
 * lax and accepts nonsense, ours must refuse it (EINVAL or EFAULT); those
 * checks only apply when vhostx_net is the module under test.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>

#include "kselftest_harness.h"
#include "vtest.h"

/* Not a vhost address: the kernel half of x86-64 canonical space. */
#define KADDR		0xffff888000000000ULL
#define NOT_AN_FD	9999

/* 0 when the ioctl succeeds, else its errno. */
static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? errno : 0;
}

static int set_state(int fd, unsigned long req, unsigned int idx, unsigned int num)
{
	struct vhost_vring_state s = { .index = idx, .num = num };

	return xioctl(fd, req, &s);
}

static int set_file(int fd, unsigned long req, unsigned int idx, int efd)
{
	struct vhost_vring_file f = { .index = idx, .fd = efd };

	return xioctl(fd, req, &f);
}

static int set_addr(int fd, unsigned int idx, uint64_t desc, uint64_t avail,
		    uint64_t used, unsigned int flags, uint64_t log)
{
	struct vhost_vring_addr a = {
		.index = idx, .flags = flags, .desc_user_addr = desc,
		.avail_user_addr = avail, .used_user_addr = used,
		.log_guest_addr = log,
	};

	return xioctl(fd, VHOST_SET_VRING_ADDR, &a);
}

static int set_vq_addr(struct vdrv_dev *d, unsigned int idx)
{
	struct vdrv_vq *vq = &d->vq[idx];

	return set_addr(d->fd, idx, (uintptr_t)vq->r.desc, (uintptr_t)vq->r.avail,
			(uintptr_t)vq->r.used, 0, 0);
}

struct mt {
	struct vhost_memory m;
	struct vhost_memory_region r[128];
};

static int set_mem(int fd, struct mt *t, unsigned int n)
{
	t->m.nregions = n;
	return xioctl(fd, VHOST_SET_MEM_TABLE, &t->m);
}

static void region(struct mt *t, unsigned int i, uint64_t gpa, uint64_t size,
		   uint64_t uaddr)
{
	t->r[i].guest_phys_addr = gpa;
	t->r[i].memory_size = size;
	t->r[i].userspace_addr = uaddr;
	t->r[i].flags_padding = 0;
}

/*
 * A case where the kernel's vhost_net accepts bad input: with ours loaded
 * the call must fail with EINVAL or EFAULT; with the kernel's, log it.
 */
#define EXPECT_STRICT(err, what) do {					\
		int __e = (err);					\
		if (vdrv_is_vhostx()) {					\
			EXPECT_TRUE(__e == EINVAL || __e == EFAULT) {	\
				TH_LOG("%s: got %s, want EINVAL/EFAULT", \
				       (what), __e ? strerror(__e) : "success"); \
			}						\
		} else {						\
			TH_LOG("kernel vhost_net is lax here: %s -> %s", \
			       (what), __e ? strerror(__e) : "accepted"); \
		}							\
	} while (0)

/*
 * The kernel answers @kerr; the issue lets ours answer @alt instead (e.g. the
 * memory table: "EINVAL/EFAULT"; backends: "anything else is EINVAL").
 */
#define EXPECT_ERR2(kerr, alt, expr) do {				\
		int __e = (expr);					\
		if (vdrv_is_vhostx()) {					\
			EXPECT_TRUE(__e == (kerr) || __e == (alt)) {	\
				TH_LOG("%s: got %s, want %s or %s", #expr, \
				       __e ? strerror(__e) : "success",	\
				       strerror(kerr), strerror(alt));	\
			}						\
		} else {						\
			EXPECT_EQ((kerr), __e);				\
		}							\
	} while (0)

/* Memory table rejections: the kernel says EFAULT, ours may say EINVAL. */
#define EXPECT_MEM_EFAULT(expr)		EXPECT_ERR2(EFAULT, EINVAL, expr)
/*
 * The kernel answers @kerr; ours must answer exactly @ours (where the issue
 * asks for a different errno than the kernel's).
 */
#define EXPECT_ERR_OURS(kerr, ours, expr) do {				\
		int __e = (expr);					\
		if (vdrv_is_vhostx()) {					\
			EXPECT_EQ((ours), __e) {			\
				TH_LOG("%s: got %s, want %s", #expr,	\
				       __e ? strerror(__e) : "success",	\
				       strerror(ours));			\
			}						\
		} else {						\
			EXPECT_EQ((kerr), __e);				\
		}							\
	} while (0)

/*
 * Backend fds. No socket at all (eventfd, file, closed fd): ENOTSOCK from
 * everyone. A socket of the wrong family or type: the kernel folds it into
 * ENOTSOCK, ours says EINVAL ("anything else is EINVAL").
 */
#define EXPECT_NOTSOCK(expr)		EXPECT_EQ(ENOTSOCK, (expr))
#define EXPECT_WRONG_SOCK(expr)		EXPECT_ERR_OURS(ENOTSOCK, EINVAL, expr)

FIXTURE(ioc) {
	struct vdrv_dev d;
	struct vdrv_env e;
};

FIXTURE_SETUP(ioc)
{
	struct vdrv_cfg cfg = { .features = VDRV_FEATURES_DEFAULT, .num = 64 };
	int r;

	self->e.tap = self->e.cap = self->e.inj = -1;
	VTEST_NETNS();
	VTEST_TAP(&self->e, "vxtap0", 0, VDRV_HDR_LEN);
	r = vdrv_open(&self->d);
	if (r == -ENOENT && vtest_node_missing(_metadata))
		return;
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, vdrv_mem_init(&self->d, &cfg));
}

FIXTURE_TEARDOWN(ioc)
{
	vdrv_close(&self->d);
	vdrv_env_close(&self->e);
}

/* Everything but the feature calls needs an owner first: EPERM. */
TEST_F(ioc, before_owner)
{
	int fd = self->d.fd, unknown = 0;
	struct mt t = { 0 };
	uint64_t f, base = 0;

	if (_metadata->skip)
		return;
	region(&t, 0, VDRV_GPA_BASE0, 4096, (uintptr_t)self->d.mem);
	EXPECT_EQ(0, xioctl(fd, VHOST_GET_FEATURES, &f));
	f = VDRV_F(VIRTIO_F_VERSION_1);
	/* The kernel takes SET_FEATURES without an owner. */
	EXPECT_EQ(0, xioctl(fd, VHOST_SET_FEATURES, &f));
	EXPECT_EQ(EPERM, set_mem(fd, &t, 1));
	EXPECT_EQ(EPERM, set_state(fd, VHOST_SET_VRING_NUM, 0, 64));
	EXPECT_EQ(EPERM, set_state(fd, VHOST_SET_VRING_BASE, 0, 0));
	EXPECT_EQ(EPERM, set_state(fd, VHOST_GET_VRING_BASE, 0, 0));
	EXPECT_EQ(EPERM, set_vq_addr(&self->d, 0));
	EXPECT_EQ(EPERM, set_file(fd, VHOST_SET_VRING_KICK, 0, self->d.vq[0].kick));
	EXPECT_EQ(EPERM, set_file(fd, VHOST_SET_VRING_CALL, 0, self->d.vq[0].call));
	EXPECT_EQ(EPERM, set_file(fd, VHOST_SET_VRING_ERR, 0, self->d.vq[0].err));
	EXPECT_EQ(EPERM, set_state(fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, 0, 10));
	EXPECT_EQ(EPERM, set_state(fd, VHOST_GET_VRING_BUSYLOOP_TIMEOUT, 0, 0));
	EXPECT_EQ(EPERM, set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, self->e.tap));
	EXPECT_EQ(EPERM, xioctl(fd, VHOST_RESET_OWNER, NULL));
	EXPECT_EQ(EPERM, xioctl(fd, VHOST_SET_LOG_BASE, &base));
	/* Unknown calls: the kernel checks ownership first (EPERM). */
	unknown = xioctl(fd, _IOW(VHOST_VIRTIO, 0x7e, int), &unknown);
	EXPECT_TRUE(unknown == EPERM || (vdrv_is_vhostx() && unknown == ENOTTY)) {
		TH_LOG("unknown ioctl before SET_OWNER: %s", strerror(unknown));
	}
	/* And after all that, it is still possible to become the owner. */
	EXPECT_EQ(0, xioctl(fd, VHOST_SET_OWNER, NULL));
}

TEST_F(ioc, set_owner_twice)
{
	if (_metadata->skip)
		return;
	ASSERT_EQ(0, xioctl(self->d.fd, VHOST_SET_OWNER, NULL));
	EXPECT_EQ(EBUSY, xioctl(self->d.fd, VHOST_SET_OWNER, NULL));
}

/* Another process holding the fd is not the owner. */
TEST_F(ioc, other_process)
{
	int status;
	pid_t pid;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, xioctl(self->d.fd, VHOST_SET_OWNER, NULL));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = self->d.fd, bad = 0;
		uint64_t f;

		bad |= (xioctl(fd, VHOST_GET_FEATURES, &f) != 0) << 0;
		bad |= (set_state(fd, VHOST_SET_VRING_NUM, 0, 64) != EPERM) << 1;
		bad |= (xioctl(fd, VHOST_SET_OWNER, NULL) != EBUSY) << 2;
		bad |= (xioctl(fd, VHOST_RESET_OWNER, NULL) != EPERM) << 3;
		bad |= (set_file(fd, VHOST_NET_SET_BACKEND, 0, self->e.tap) != EPERM) << 4;
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	/* bit 0 GET_FEATURES, 1 SET_VRING_NUM, 2 SET_OWNER, 3 RESET_OWNER, 4 SET_BACKEND */
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(ioc, reset_owner)
{
	int fd = self->d.fd;
	uint8_t frame[100];

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, vdrv_configure(&self->d));
	ASSERT_EQ(0, vdrv_set_backend(&self->d, VDRV_TX, self->e.tap));
	EXPECT_EQ(0, xioctl(fd, VHOST_RESET_OWNER, NULL));
	/* Back to unowned. */
	EXPECT_EQ(EPERM, set_state(fd, VHOST_SET_VRING_NUM, 0, 64));
	EXPECT_EQ(EPERM, xioctl(fd, VHOST_RESET_OWNER, NULL));
	/* The tap was let go: a new device life can take it again. */
	self->d.vq[VDRV_TX].r.avail_idx = 0;
	ASSERT_EQ(0, vdrv_configure(&self->d));
	ASSERT_EQ(0, vdrv_set_backend(&self->d, VDRV_TX, self->e.tap));
	vdrv_frame_fill(frame, sizeof(frame), 1, NULL, NULL);
	EXPECT_EQ(0, vdrv_tx_check(&self->d.vq[VDRV_TX], self->e.cap, NULL,
				   frame, sizeof(frame), 1, false, NULL));
}

/* Unknown ioctls: ENOIOCTLCMD inside, ENOTTY out here. */
TEST_F(ioc, unknown_ioctl)
{
	struct vhost_vring_state s = { 0 };
	struct ifreq ifr = { 0 };

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, xioctl(self->d.fd, VHOST_SET_OWNER, NULL));
	EXPECT_EQ(ENOTTY, xioctl(self->d.fd, _IOW(VHOST_VIRTIO, 0x7e, s), &s));
	EXPECT_EQ(ENOTTY, xioctl(self->d.fd, _IOWR(VHOST_VIRTIO, 0xfe, s), &s));
	EXPECT_EQ(ENOTTY, xioctl(self->d.fd, TUNSETIFF, &ifr));
	EXPECT_EQ(ENOTTY, xioctl(self->d.fd, FIONBIO + 0x1000, &s));
}

/* The kernel answers a vring index past the device's queues with ENOBUFS. */
TEST_F(ioc, bad_vring_index)
{
	static const unsigned int bad[] = { 2, 3, 255, 0x10000, 0x80000000, 0xffffffff };
	int fd = self->d.fd, efd = self->d.vq[0].kick;
	unsigned int i;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, vdrv_configure(&self->d));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		unsigned int x = bad[i];

		TH_LOG("index %#x", x);
		EXPECT_EQ(ENOBUFS, set_state(fd, VHOST_SET_VRING_NUM, x, 64));
		EXPECT_EQ(ENOBUFS, set_state(fd, VHOST_SET_VRING_BASE, x, 0));
		EXPECT_EQ(ENOBUFS, set_state(fd, VHOST_GET_VRING_BASE, x, 0));
		EXPECT_EQ(ENOBUFS, set_addr(fd, x, (uintptr_t)self->d.vq[0].r.desc,
					    (uintptr_t)self->d.vq[0].r.avail,
					    (uintptr_t)self->d.vq[0].r.used, 0, 0));
		EXPECT_EQ(ENOBUFS, set_file(fd, VHOST_SET_VRING_KICK, x, efd));
		EXPECT_EQ(ENOBUFS, set_file(fd, VHOST_SET_VRING_CALL, x, efd));
		EXPECT_EQ(ENOBUFS, set_file(fd, VHOST_SET_VRING_ERR, x, efd));
		EXPECT_EQ(ENOBUFS, set_state(fd, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, x, 5));
		EXPECT_EQ(ENOBUFS, set_state(fd, VHOST_GET_VRING_BUSYLOOP_TIMEOUT, x, 0));
		EXPECT_EQ(ENOBUFS, set_file(fd, VHOST_NET_SET_BACKEND, x, self->e.tap));
	}
}

TEST_F(ioc, vring_num)
{
	static const unsigned int bad[] = {
		0, 3, 6, 100, 255, 257, 1000, 32767, 32769, 65535, 65536,
		0x10000 + 256, 0x80000000, 0xffffffff,
	};
	static const unsigned int good[] = { 1, 2, 4, 64, 256, 1024, 32768 };
	int fd = self->d.fd;
	unsigned int i;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, xioctl(fd, VHOST_SET_OWNER, NULL));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(EINVAL, set_state(fd, VHOST_SET_VRING_NUM, 0, bad[i])) {
			TH_LOG("num %u", bad[i]);
		}
	}
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		EXPECT_EQ(0, set_state(fd, VHOST_SET_VRING_NUM, 1, good[i])) {
			TH_LOG("num %u", good[i]);
		}
	}
}

TEST_F(ioc, vring_base)
{
	struct vhost_vring_state s = { .index = 1 };
	int fd = self->d.fd;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, xioctl(fd, VHOST_SET_OWNER, NULL));
	EXPECT_EQ(EINVAL, set_state(fd, VHOST_SET_VRING_BASE, 1, 0x10000));
	EXPECT_EQ(EINVAL, set_state(fd, VHOST_SET_VRING_BASE, 1, 0xffffffff));
	EXPECT_EQ(0, set_state(fd, VHOST_SET_VRING_BASE, 1, 1234));
	EXPECT_EQ(0, xioctl(fd, VHOST_GET_VRING_BASE, &s));
	EXPECT_EQ(1, s.index);
	EXPECT_EQ(1234, s.num);
	EXPECT_EQ(0, set_state(fd, VHOST_SET_VRING_BASE, 1, 0xffff));
	EXPECT_EQ(0, xioctl(fd, VHOST_GET_VRING_BASE, &s));
	EXPECT_EQ(0xffff, s.num);
	EXPECT_EQ(EFAULT, xioctl(fd, VHOST_GET_VRING_BASE, NULL));
	EXPECT_EQ(EFAULT, xioctl(fd, VHOST_SET_VRING_BASE, (void *)8));
}

TEST_F(ioc, vring_addr)
{
	struct vdrv_vq *vq = &self->d.vq[0];
	uint64_t desc = (uintptr_t)vq->r.desc, avail = (uintptr_t)vq->r.avail;
	uint64_t used = (uintptr_t)vq->r.used;
	int fd = self->d.fd;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, xioctl(fd, VHOST_SET_OWNER, NULL));
	ASSERT_EQ(0, set_state(fd, VHOST_SET_VRING_NUM, 0, vq->num));
	EXPECT_EQ(0, set_addr(fd, 0, desc, avail, used, 0, 0));
	/* Unknown flags. */
	EXPECT_EQ(EOPNOTSUPP, set_addr(fd, 0, desc, avail, used, 2, 0));
	EXPECT_EQ(EOPNOTSUPP, set_addr(fd, 0, desc, avail, used, 0x80000000, 0));
	/* avail needs 2-byte, used 4-byte alignment; so does the log address. */
	EXPECT_EQ(EINVAL, set_addr(fd, 0, desc, avail + 1, used, 0, 0));
	EXPECT_EQ(EINVAL, set_addr(fd, 0, desc, avail, used + 2, 0, 0));
	EXPECT_EQ(EINVAL, set_addr(fd, 0, desc, avail, used + 1, 0, 0));
	EXPECT_EQ(EINVAL, set_addr(fd, 0, desc, avail, used, 0, 2));
	/* The kernel does not check the descriptor table's 16-byte alignment. */
	EXPECT_STRICT(set_addr(fd, 0, desc + 8, avail, used, 0, 0), "desc 8-aligned");
	EXPECT_STRICT(set_addr(fd, 0, desc + 1, avail, used, 0, 0), "desc 1-aligned");
	/* Without a backend, addresses are only checked when one is set. */
	EXPECT_EQ(0, set_addr(fd, 0, KADDR, KADDR + 0x1000, KADDR + 0x2000, 0, 0));
	EXPECT_EQ(EFAULT, set_file(fd, VHOST_NET_SET_BACKEND, 0, self->e.tap));
	EXPECT_EQ(0, set_addr(fd, 0, desc, avail, used, 0, 0));
	EXPECT_EQ(EFAULT, xioctl(fd, VHOST_SET_VRING_ADDR, NULL));
}

/* Ring addresses that are not mapped make SET_BACKEND fail with EFAULT. */
TEST_F(ioc, vring_addr_unmapped)
{
	int fd = self->d.fd;
	uint8_t frame[200];
	uint8_t *hole;

	if (_metadata->skip)
		return;
	hole = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	ASSERT_EQ(0, munmap(hole, 3 * 4096));
	ASSERT_EQ(0, vdrv_configure(&self->d));
	EXPECT_EQ(0, set_addr(fd, VDRV_TX, (uintptr_t)hole, (uintptr_t)hole + 4096,
			      (uintptr_t)hole + 8192, 0, 0));
	EXPECT_EQ(EFAULT, set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, self->e.tap));
	/* Good addresses again: the same tap attaches and carries traffic. */
	EXPECT_EQ(0, set_vq_addr(&self->d, VDRV_TX));
	ASSERT_EQ(0, set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, self->e.tap));
	vdrv_frame_fill(frame, sizeof(frame), 5, NULL, NULL);
	EXPECT_EQ(0, vdrv_tx_check(&self->d.vq[VDRV_TX], self->e.cap, NULL,
				   frame, sizeof(frame), 1, false, NULL));
}

/* With a backend attached: the ring may not be resized or rebased. */
TEST_F(ioc, busy_with_backend)
{
	struct vdrv_vq *vq = &self->d.vq[VDRV_TX];
	struct mt t = { 0 };
	int fd = self->d.fd;
	uint8_t frame[300];

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, vdrv_configure(&self->d));
	ASSERT_EQ(0, vdrv_set_backend(&self->d, VDRV_TX, self->e.tap));
	EXPECT_EQ(EBUSY, set_state(fd, VHOST_SET_VRING_NUM, VDRV_TX, 64));
	EXPECT_EQ(EBUSY, set_state(fd, VHOST_SET_VRING_BASE, VDRV_TX, 0));
	/* Kernel addresses are refused at once when a backend is attached. */
	EXPECT_EQ(EINVAL, set_addr(fd, VDRV_TX, KADDR, KADDR + 0x1000,
				   KADDR + 0x2000, 0, 0));
	/* A memory table pointing at kernel memory: EFAULT, old table kept. */
	region(&t, 0, VDRV_GPA_BASE0, self->d.mem_size, KADDR);
	EXPECT_MEM_EFAULT(set_mem(fd, &t, 1));
	region(&t, 0, VDRV_GPA_BASE0, 0x2000, 0xfffffffffffff000ULL);
	EXPECT_MEM_EFAULT(set_mem(fd, &t, 1));
	vdrv_frame_fill(frame, sizeof(frame), 1, NULL, NULL);
	EXPECT_EQ(0, vdrv_tx_check(vq, self->e.cap, NULL, frame, sizeof(frame),
				   2, false, NULL));
	/* Detached, the ring can be changed again. */
	EXPECT_EQ(0, vdrv_set_backend(&self->d, VDRV_TX, -1));
	EXPECT_EQ(0, set_state(fd, VHOST_SET_VRING_BASE, VDRV_TX, vq->r.avail_idx));
}

TEST_F(ioc, vring_fds)
{
	static const unsigned long reqs[] = {
		VHOST_SET_VRING_KICK, VHOST_SET_VRING_CALL, VHOST_SET_VRING_ERR,
	};
	int fd = self->d.fd, pfd[2];
	unsigned int i;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, pipe(pfd));
	ASSERT_EQ(0, xioctl(fd, VHOST_SET_OWNER, NULL));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(EBADF, set_file(fd, reqs[i], 0, NOT_AN_FD));
		EXPECT_EQ(EBADF, set_file(fd, reqs[i], 0, -5));
		EXPECT_EQ(EINVAL, set_file(fd, reqs[i], 0, pfd[0]));
		EXPECT_EQ(EINVAL, set_file(fd, reqs[i], 0, fd));
		EXPECT_EQ(EINVAL, set_file(fd, reqs[i], 0, self->e.tap));
		EXPECT_EQ(0, set_file(fd, reqs[i], 0, self->d.vq[0].err));
		EXPECT_EQ(0, set_file(fd, reqs[i], 0, -1));
		EXPECT_EQ(EFAULT, xioctl(fd, reqs[i], NULL));
	}
	close(pfd[0]);
	close(pfd[1]);
}

static unsigned int max_regions(void)
{
	char path[128], buf[16] = "";
	int fd, n;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/max_mem_regions",
		 vdrv_is_vhostx() ? "vhostx" : "vhost");
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 64;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? (unsigned int)atoi(buf) : 64;
}

TEST_F(ioc, mem_table)
{
	uint64_t ua = (uintptr_t)self->d.mem, g = VDRV_GPA_BASE0;
	unsigned int i, max = max_regions();
	int fd = self->d.fd;
	struct mt *t;

	if (_metadata->skip)
		return;
	t = calloc(1, sizeof(*t) + 4096 * sizeof(t->r[0]));
	ASSERT_NE(NULL, t);
	ASSERT_EQ(0, xioctl(fd, VHOST_SET_OWNER, NULL));
	EXPECT_EQ(EFAULT, xioctl(fd, VHOST_SET_MEM_TABLE, NULL));
	region(t, 0, g, 0x10000, ua);
	EXPECT_EQ(0, set_mem(fd, t, 1));
	t->m.padding = 1;
	EXPECT_EQ(EOPNOTSUPP, set_mem(fd, t, 1));
	t->m.padding = 0;
	/* Too many regions. */
	TH_LOG("max_mem_regions %u", max);
	for (i = 0; i < max + 1 && i < 4096; i++)
		region(t, i, g + i * 0x1000, 0x1000,
		       ua + (i % (self->d.mem_size / 0x1000)) * 0x1000);
	EXPECT_EQ(0, set_mem(fd, t, max));
	EXPECT_EQ(E2BIG, set_mem(fd, t, max + 1));
	EXPECT_EQ(E2BIG, set_mem(fd, t, 0xffffffff));
	/* Zero size, and a gpa range that wraps: EFAULT. */
	region(t, 0, g, 0, ua);
	EXPECT_MEM_EFAULT(set_mem(fd, t, 1));
	region(t, 0, 0xfffffffffffff000ULL, 0x2000, ua);
	EXPECT_MEM_EFAULT(set_mem(fd, t, 1));
	region(t, 0, g, 0x10000, ua);
	region(t, 1, g + 0x20000, 0, ua);
	EXPECT_MEM_EFAULT(set_mem(fd, t, 2));

	/* What the kernel lets through (checked later, or never). */
	region(t, 0, 0, 0, ua);
	EXPECT_STRICT(set_mem(fd, t, 1), "zero size at gpa 0");
	region(t, 0, g, 0x10000, ua);
	region(t, 1, g + 0x8000, 0x10000, ua + 0x10000);
	EXPECT_STRICT(set_mem(fd, t, 2), "overlapping gpa ranges");
	region(t, 0, g, 0x10000, ua);
	region(t, 1, g, 0x10000, ua);
	EXPECT_STRICT(set_mem(fd, t, 2), "duplicate region");
	region(t, 0, g, 0x10000, KADDR);
	EXPECT_STRICT(set_mem(fd, t, 1), "kernel userspace_addr");
	region(t, 0, g, 0x2000, 0xfffffffffffff000ULL);
	EXPECT_STRICT(set_mem(fd, t, 1), "userspace_addr range wraps");
	region(t, 0, g + 1, 0x10000, ua + 1);
	EXPECT_STRICT(set_mem(fd, t, 1), "unaligned region");
	region(t, 0, g, 0x10001, ua);
	EXPECT_STRICT(set_mem(fd, t, 1), "unaligned size");

	/* An empty table is valid. */
	EXPECT_EQ(0, set_mem(fd, t, 0));
	free(t);
}

TEST_F(ioc, features)
{
	const uint64_t need = VDRV_F(VIRTIO_F_VERSION_1) |
			      VDRV_F(VIRTIO_RING_F_INDIRECT_DESC) |
			      VDRV_F(VIRTIO_RING_F_EVENT_IDX) |
			      VDRV_F(VIRTIO_F_NOTIFY_ON_EMPTY) |
			      VDRV_F(VIRTIO_F_ANY_LAYOUT) |
			      VDRV_F(VIRTIO_NET_F_MRG_RXBUF) |
			      VDRV_F(VHOST_NET_F_VIRTIO_NET_HDR);
	uint64_t f, bad;
	int fd = self->d.fd;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, xioctl(fd, VHOST_SET_OWNER, NULL));
	ASSERT_EQ(0, xioctl(fd, VHOST_GET_FEATURES, &f));
	TH_LOG("features %#llx", (unsigned long long)f);
	EXPECT_EQ(need, f & need);
	EXPECT_EQ(0, xioctl(fd, VHOST_SET_FEATURES, &f));
	bad = ~f & -~f;		/* lowest bit not offered */
	EXPECT_EQ(EOPNOTSUPP, xioctl(fd, VHOST_SET_FEATURES, &bad));
	bad |= VDRV_F(VIRTIO_F_VERSION_1);
	EXPECT_EQ(EOPNOTSUPP, xioctl(fd, VHOST_SET_FEATURES, &bad));
	bad = 1ULL << 63;
	EXPECT_EQ((f & bad) ? 0 : EOPNOTSUPP, xioctl(fd, VHOST_SET_FEATURES, &bad));
	EXPECT_EQ(EFAULT, xioctl(fd, VHOST_SET_FEATURES, NULL));
	EXPECT_EQ(EFAULT, xioctl(fd, VHOST_GET_FEATURES, NULL));

	ASSERT_EQ(0, xioctl(fd, VHOST_GET_BACKEND_FEATURES, &f));
	TH_LOG("backend features %#llx", (unsigned long long)f);
	EXPECT_EQ(0, xioctl(fd, VHOST_SET_BACKEND_FEATURES, &f));
	bad = ~f & -~f;
	EXPECT_EQ(EOPNOTSUPP, xioctl(fd, VHOST_SET_BACKEND_FEATURES, &bad));
}

/*
 * Backends: tap/macvtap fds and AF_PACKET SOCK_RAW sockets only. The
 * kernel folds every other fd into ENOTSOCK; ours says ENOTSOCK only for
 * what is no socket at all and EINVAL for a socket of the wrong kind.
 */
TEST_F(ioc, backend_fd_types)
{
	int fd = self->d.fd, s, r;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, vdrv_configure(&self->d));

	s = eventfd(0, 0);
	EXPECT_NOTSOCK(set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, s));
	close(s);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	EXPECT_WRONG_SOCK(set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, s));
	close(s);
	s = socket(AF_INET, SOCK_STREAM, 0);
	EXPECT_WRONG_SOCK(set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, s));
	close(s);
	s = socket(AF_INET, SOCK_RAW, IPPROTO_UDP);
	EXPECT_WRONG_SOCK(set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, s));
	close(s);
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	EXPECT_WRONG_SOCK(set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, s));
	close(s);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	EXPECT_WRONG_SOCK(set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, s));
	close(s);
	s = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
	EXPECT_WRONG_SOCK(set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, s));
	close(s);
	s = open("/dev/null", O_RDWR);
	EXPECT_NOTSOCK(set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, s));
	close(s);
	s = open("/proc/self/stat", O_RDONLY);
	EXPECT_NOTSOCK(set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, s));
	close(s);
	EXPECT_NOTSOCK(set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, NOT_AN_FD));
	EXPECT_NOTSOCK(set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, -2));
	EXPECT_NOTSOCK(set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, fd));
	EXPECT_EQ(EFAULT, xioctl(fd, VHOST_NET_SET_BACKEND, NULL));
	/* Nothing of the above got attached. */
	EXPECT_EQ(0, set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, -1));

	/* A tun fd that was never attached to a device. */
	s = open("/dev/net/tun", O_RDWR);
	ASSERT_LE(0, s);
	r = set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, s);
	/* Its socket is found, then polling it says EPOLLERR: EINVAL for both. */
	EXPECT_EQ(EINVAL, r) {
		TH_LOG("unattached tun fd -> %s", r ? strerror(r) : "accepted");
	}
	EXPECT_EQ(0, set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, -1));
	close(s);

	/* The good kinds. */
	s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	EXPECT_EQ(0, set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, s));
	EXPECT_EQ(0, set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, -1));
	close(s);
	EXPECT_EQ(0, set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, self->e.tap));
	EXPECT_EQ(0, set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, self->e.tap));
	EXPECT_EQ(0, set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, -1));
	EXPECT_EQ(0, set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, -1));
}

/* SET_BACKEND before the ring has addresses: EFAULT. */
TEST_F(ioc, backend_before_ring)
{
	uint64_t f = VDRV_FEATURES_DEFAULT;
	int fd = self->d.fd;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, xioctl(fd, VHOST_SET_OWNER, NULL));
	ASSERT_EQ(0, xioctl(fd, VHOST_SET_FEATURES, &f));
	EXPECT_EQ(EFAULT, set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, self->e.tap));
	ASSERT_EQ(0, set_state(fd, VHOST_SET_VRING_NUM, VDRV_TX, 64));
	EXPECT_EQ(EFAULT, set_file(fd, VHOST_NET_SET_BACKEND, VDRV_TX, self->e.tap));
}

TEST_HARNESS_MAIN
