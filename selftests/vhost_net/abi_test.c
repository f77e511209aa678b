// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vhost ioctls newer than Debian's 6.1 uapi: VHOST_{GET,SET}_FEATURES_ARRAY
 * and VHOST_{GET,SET}_FORK_FROM_OWNER (upstream 6.17 numbers), and the
 * offered feature mask against the kernel's vhost_net and what tun takes.
 *
 * The kernel's 6.1 vhost_net lacks the new ioctls: after SET_OWNER it reads
 * the argument as a queue index and answers ENOTTY. That is a SKIP with the
 * kernel's module and a failure with ours.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <linux/if_tun.h>

#include "kselftest_harness.h"
#include "vtest.h"

#ifndef VHOST_GET_FEATURES_ARRAY
struct vhost_features_array {
	__u64 count;
	__u64 features[];
};
#define VHOST_GET_FEATURES_ARRAY _IOR(VHOST_VIRTIO, 0x83, struct vhost_features_array)
#define VHOST_SET_FEATURES_ARRAY _IOW(VHOST_VIRTIO, 0x83, struct vhost_features_array)
#endif
#ifndef VHOST_SET_FORK_FROM_OWNER
#define VHOST_FORK_OWNER_TASK		1
#define VHOST_FORK_OWNER_KTHREAD	0
#define VHOST_SET_FORK_FROM_OWNER _IOW(VHOST_VIRTIO, 0x84, __u8)
#define VHOST_GET_FORK_FROM_OWNER _IOR(VHOST_VIRTIO, 0x85, __u8)
#endif

/* tun offload flags newer than 6.1's <linux/if_tun.h>. */
#define ABI_TUN_F_USO4			0x20
#define ABI_TUN_F_USO6			0x40
#define ABI_TUN_F_UDP_TUNNEL_GSO	0x80
/* The virtio-net bits that need them (feature words 0 and 1). */
#define ABI_NET_F_GUEST_USO4		54
#define ABI_NET_F_GUEST_USO6		55
#define ABI_NET_F_GUEST_UDP_TUNNEL_GSO	65
#define ABI_NET_F_HOST_UDP_TUNNEL_GSO	67

#define ABI_VHOST_F_LOG_ALL		26
#define ABI_F_ACCESS_PLATFORM		33
#define ABI_F_RING_PACKED		34
#define ABI_F_IN_ORDER			35
#define ABI_F_RING_RESET		40
/*
 * What Debian 6.1's vhost_net offers: VHOST_FEATURES (NOTIFY_ON_EMPTY 24,
 * LOG_ALL 26, ANY_LAYOUT 27 = VHOST_NET_F_VIRTIO_NET_HDR, INDIRECT_DESC 28,
 * EVENT_IDX 29, VERSION_1 32), MRG_RXBUF 15 and ACCESS_PLATFORM 33.
 */
#define ABI_KERNEL_61_MASK		0x33d008000ULL
/*
 * Ours: the same; LOG_ALL (dirty logging), ACCESS_PLATFORM (device IOTLB)
 * and RING_PACKED (packed virtqueues; module parameter ring_packed),
 * IN_ORDER (buffers are used in the order they were made available) and
 * RING_RESET (per-queue reset: reset_test) are checked apart, offered,
 * they must be served (packed_test has the rings).
 */
#define ABI_VHOSTX_MASK			0x139008000ULL

#define SENTINEL			0xa5a5a5a5a5a5a5a5ULL

struct farray {
	struct vhost_features_array h;
	uint64_t w[8];
};

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? errno : 0;
}

static int open_dev(struct __test_metadata *_metadata, int *fd)
{
	*fd = open(vdrv_dev_path(), O_RDWR | O_CLOEXEC);
	if (*fd < 0 && errno == ENOENT)
		return vtest_node_missing(_metadata);
	ASSERT_LE(0, *fd) {
		TH_LOG("open %s: %s", vdrv_dev_path(), strerror(errno));
	}
	return 0;
}

/*
 * Does the module under test know @req? Asked after SET_OWNER on a fresh
 * file with a zeroed argument (queue index 0 for a module that does not
 * know it: ENOTTY). Returns 1 after a SKIP.
 */
static int need_ioctl(struct __test_metadata *_metadata, unsigned long req,
		      const char *name)
{
	struct farray a = { 0 };
	int fd, e;

	if (open_dev(_metadata, &fd))
		return 1;
	ASSERT_EQ(0, xioctl(fd, VHOST_SET_OWNER, NULL));
	e = xioctl(fd, req, &a);
	close(fd);
	if (e == ENOTTY) {
		ASSERT_FALSE(vdrv_is_vhostx()) {
			TH_LOG("vhostx_net answers %s with ENOTTY", name);
		}
		SKIP(return 1, "%s does not know %s", vdrv_module_name(), name);
	}
	ASSERT_EQ(0, e) {
		TH_LOG("%s after SET_OWNER: %s", name, strerror(e));
	}
	return 0;
}

static int get_array(int fd, struct farray *a, uint64_t count)
{
	unsigned int i;

	a->h.count = count;
	for (i = 0; i < 8; i++)
		a->w[i] = SENTINEL;
	return xioctl(fd, VHOST_GET_FEATURES_ARRAY, a);
}

static int set_array(int fd, uint64_t count, uint64_t w0, uint64_t w1, uint64_t w2)
{
	struct farray a = { .h.count = count, .w = { w0, w1, w2 } };

	return xioctl(fd, VHOST_SET_FEATURES_ARRAY, &a);
}

static int set_fork(int fd, uint8_t mode)
{
	return xioctl(fd, VHOST_SET_FORK_FROM_OWNER, &mode);
}

static int get_fork(int fd, uint8_t *mode)
{
	*mode = 0xee;
	return xioctl(fd, VHOST_GET_FORK_FROM_OWNER, mode);
}

/* The numbers are upstream's, whichever header defined them. */
TEST(encodings)
{
	EXPECT_EQ(0x8008af83UL, (unsigned long)VHOST_GET_FEATURES_ARRAY);
	EXPECT_EQ(0x4008af83UL, (unsigned long)VHOST_SET_FEATURES_ARRAY);
	EXPECT_EQ(0x4001af84UL, (unsigned long)VHOST_SET_FORK_FROM_OWNER);
	EXPECT_EQ(0x8001af85UL, (unsigned long)VHOST_GET_FORK_FROM_OWNER);
	EXPECT_EQ(0, VHOST_FORK_OWNER_KTHREAD);
	EXPECT_EQ(1, VHOST_FORK_OWNER_TASK);
	EXPECT_EQ(8, sizeof(struct vhost_features_array));
}

/* GET fills count words: ours in word 0, zero after, nothing past count. */
TEST(get_features_array)
{
	struct farray a;
	uint64_t f;
	int fd, pass;

	if (need_ioctl(_metadata, VHOST_GET_FEATURES_ARRAY, "GET_FEATURES_ARRAY"))
		return;
	if (open_dev(_metadata, &fd))
		return;
	ASSERT_EQ(0, xioctl(fd, VHOST_GET_FEATURES, &f));
	/* No owner needed, and the owner gets the same. */
	for (pass = 0; pass < 2; pass++) {
		ASSERT_EQ(0, get_array(fd, &a, 0));
		EXPECT_EQ(0, a.h.count);
		EXPECT_EQ(SENTINEL, a.w[0]);

		ASSERT_EQ(0, get_array(fd, &a, 1));
		EXPECT_EQ(1, a.h.count);
		EXPECT_EQ(f, a.w[0]);
		EXPECT_EQ(SENTINEL, a.w[1]);

		ASSERT_EQ(0, get_array(fd, &a, 2));
		EXPECT_EQ(f, a.w[0]);
		if (vdrv_is_vhostx())
			EXPECT_EQ(0, a.w[1]);
		EXPECT_EQ(SENTINEL, a.w[2]);

		ASSERT_EQ(0, get_array(fd, &a, 3));
		EXPECT_EQ(f, a.w[0]);
		if (vdrv_is_vhostx())
			EXPECT_EQ(0, a.w[1]);
		/* Upstream has two words; the third reads as zero everywhere. */
		EXPECT_EQ(0, a.w[2]);
		EXPECT_EQ(SENTINEL, a.w[3]);

		ASSERT_EQ(0, get_array(fd, &a, 8));
		EXPECT_EQ(f, a.w[0]);
		EXPECT_EQ(0, a.w[7]);
		if (!pass)
			ASSERT_EQ(0, xioctl(fd, VHOST_SET_OWNER, NULL));
	}
	EXPECT_EQ(EFAULT, xioctl(fd, VHOST_GET_FEATURES_ARRAY, NULL));
	close(fd);
}

/* Room that runs into an unmapped page, or a count no buffer can hold: EFAULT. */
TEST(get_features_array_fault)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct vhost_features_array *a;
	uint8_t *p;
	int fd;

	if (need_ioctl(_metadata, VHOST_GET_FEATURES_ARRAY, "GET_FEATURES_ARRAY"))
		return;
	if (open_dev(_metadata, &fd))
		return;
	p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p + pg, pg));
	/* count and word 0 are the last 16 bytes of the mapped page. */
	a = (void *)(p + pg - 16);
	a->count = 1;
	EXPECT_EQ(0, xioctl(fd, VHOST_GET_FEATURES_ARRAY, a));
	a->count = 2;
	EXPECT_EQ(EFAULT, xioctl(fd, VHOST_GET_FEATURES_ARRAY, a));
	/* Upstream before its clear_user fix computed this size unchecked. */
	if (vdrv_is_vhostx()) {
		a->count = ~0ULL;
		EXPECT_EQ(EFAULT, xioctl(fd, VHOST_GET_FEATURES_ARRAY, a));
		a->count = 1ULL << 61;
		EXPECT_EQ(EFAULT, xioctl(fd, VHOST_GET_FEATURES_ARRAY, a));
	}
	munmap(p, pg);
	close(fd);
}

/* SET: word 0 as SET_FEATURES, any bit we lack beyond it EOPNOTSUPP. */
TEST(set_features_array)
{
	struct farray offered;
	unsigned int b;
	uint64_t f, bad;
	int fd;

	if (need_ioctl(_metadata, VHOST_SET_FEATURES_ARRAY, "SET_FEATURES_ARRAY"))
		return;
	if (open_dev(_metadata, &fd))
		return;
	ASSERT_EQ(0, xioctl(fd, VHOST_GET_FEATURES, &f));
	ASSERT_EQ(0, get_array(fd, &offered, 3));
	EXPECT_EQ(f, offered.w[0]);

	EXPECT_EQ(0, set_array(fd, 1, f, 0, 0));
	EXPECT_EQ(0, set_array(fd, 2, f, 0, 0));
	EXPECT_EQ(0, set_array(fd, 3, f, 0, 0));
	EXPECT_EQ(0, set_array(fd, 1, VDRV_FEATURES_DEFAULT, 0, 0));
	/* count 0: no word at all, no feature acked (upstream's reading). */
	EXPECT_EQ(0, set_array(fd, 0, ~0ULL, ~0ULL, ~0ULL));

	/* A bit word 0 does not offer: refused by both calls alike. */
	for (b = 0; b < 64; b++) {
		if (f & (1ULL << b))
			continue;
		bad = f | (1ULL << b);
		EXPECT_EQ(EOPNOTSUPP, set_array(fd, 1, bad, 0, 0)) {
			TH_LOG("word 0 bit %u", b);
		}
		EXPECT_EQ(EOPNOTSUPP, xioctl(fd, VHOST_SET_FEATURES, &bad));
	}
	/* Bits 64..191 that GET did not offer. */
	for (b = 64; b < 192; b++) {
		uint64_t w[3] = { f, 0, 0 };

		if (offered.w[b / 64] & (1ULL << (b % 64)))
			continue;
		w[b / 64] = 1ULL << (b % 64);
		EXPECT_EQ(EOPNOTSUPP, set_array(fd, 3, w[0], w[1], w[2])) {
			TH_LOG("bit %u", b);
		}
	}
	if (vdrv_is_vhostx()) {
		EXPECT_EQ(EOPNOTSUPP, set_array(fd, 2, f, 1ULL << (ABI_NET_F_GUEST_UDP_TUNNEL_GSO - 64), 0));
		EXPECT_EQ(EOPNOTSUPP, set_array(fd, 2, f, 1ULL << (ABI_NET_F_HOST_UDP_TUNNEL_GSO - 64), 0));
	}
	EXPECT_EQ(EFAULT, xioctl(fd, VHOST_SET_FEATURES_ARRAY, NULL));
	/* Still fine after SET_OWNER. */
	ASSERT_EQ(0, xioctl(fd, VHOST_SET_OWNER, NULL));
	EXPECT_EQ(0, set_array(fd, 2, f, 0, 0));
	close(fd);
}

/* Many zero words are fine; a word in an unmapped page is EFAULT. */
TEST(set_features_array_long)
{
	size_t words = 1 << 20, len = (words + 1) * 8 + 4096;
	struct vhost_features_array *a;
	uint64_t f;
	int fd;

	if (need_ioctl(_metadata, VHOST_SET_FEATURES_ARRAY, "SET_FEATURES_ARRAY"))
		return;
	if (open_dev(_metadata, &fd))
		return;
	ASSERT_EQ(0, xioctl(fd, VHOST_GET_FEATURES, &f));
	/* A hole after the array: a mapping next to it would be read on. */
	len = (len + 4095) & ~4095UL;
	a = mmap(NULL, len + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, a);
	ASSERT_EQ(0, munmap((uint8_t *)a + len, 4096));
	a->count = words;
	a->features[0] = f;
	EXPECT_EQ(0, xioctl(fd, VHOST_SET_FEATURES_ARRAY, a));
	a->features[words - 1] = 1;
	EXPECT_EQ(EOPNOTSUPP, xioctl(fd, VHOST_SET_FEATURES_ARRAY, a));
	a->features[words - 1] = 0;
	a->count = 1ULL << 62;
	EXPECT_EQ(EFAULT, xioctl(fd, VHOST_SET_FEATURES_ARRAY, a));
	munmap(a, len);
	close(fd);
}

/*
 * The array's word 0 takes effect: acking VHOST_NET_F_VIRTIO_NET_HDR through
 * it (over a SET_FEATURES without it) makes the device strip the guest's
 * header for a tap that has none.
 */
TEST(set_features_array_applies)
{
	struct vdrv_cfg cfg = { .features = VDRV_FEATURES_DEFAULT, .num = 64, .slot_size = 2048 };
	static const uint8_t zero_hdr[VDRV_HDR_LEN];
	struct vdrv_dev d = { .fd = -1 };
	uint8_t frame[300], buf[400];
	struct vdrv_env e;
	uint32_t len;
	int cap;

	if (need_ioctl(_metadata, VHOST_SET_FEATURES_ARRAY, "SET_FEATURES_ARRAY"))
		return;
	VTEST_NETNS();
	VTEST_TAP(&e, "vxtap0", 0, 0);
	if (vtest_init_dev(_metadata, &d, &cfg))
		return;
	d.features |= VDRV_F(VHOST_NET_F_VIRTIO_NET_HDR);
	ASSERT_EQ(0, set_array(d.fd, 2, d.features, 0, 0));
	VTEST_BACKEND(&d, VDRV_TX, e.tap);
	cap = vdrv_pkt_open(e.name, false, true);
	ASSERT_LE(0, cap);
	vdrv_frame_fill(frame, sizeof(frame), 1, NULL, NULL);
	ASSERT_LE(0, vdrv_tx_post(&d.vq[VDRV_TX], zero_hdr, VDRV_HDR_LEN, frame,
				  sizeof(frame), 1, false));
	vdrv_kick(&d.vq[VDRV_TX]);
	ASSERT_EQ(1, vdrv_wait_used(&d.vq[VDRV_TX], 5000));
	ASSERT_LE(0, vdrv_used_get(&d.vq[VDRV_TX], &len));
	/* Without the bit the tap would see our 12 header bytes first. */
	ASSERT_EQ(sizeof(frame), vdrv_pkt_recv(cap, buf, sizeof(buf), 5000));
	EXPECT_EQ(0, vdrv_cmp(buf, frame, sizeof(frame)));
	close(cap);
	vdrv_close(&d);
	vdrv_env_close(&e);
}

/* Always a kthread: GET says so, SET takes only that and only before SET_OWNER. */
TEST(fork_from_owner)
{
	uint8_t m;
	pid_t pid;
	int fd, st;

	if (need_ioctl(_metadata, VHOST_GET_FORK_FROM_OWNER, "GET_FORK_FROM_OWNER"))
		return;
	if (open_dev(_metadata, &fd))
		return;
	ASSERT_EQ(0, get_fork(fd, &m));
	if (vdrv_is_vhostx())
		EXPECT_EQ(VHOST_FORK_OWNER_KTHREAD, m);
	EXPECT_EQ(0, set_fork(fd, VHOST_FORK_OWNER_KTHREAD));
	ASSERT_EQ(0, get_fork(fd, &m));
	EXPECT_EQ(VHOST_FORK_OWNER_KTHREAD, m);
	if (vdrv_is_vhostx()) {
		EXPECT_EQ(EINVAL, set_fork(fd, VHOST_FORK_OWNER_TASK));
	} else if (!set_fork(fd, VHOST_FORK_OWNER_TASK)) {
		/* Upstream has task mode; put kthread back. */
		ASSERT_EQ(0, get_fork(fd, &m));
		EXPECT_EQ(VHOST_FORK_OWNER_TASK, m);
		EXPECT_EQ(0, set_fork(fd, VHOST_FORK_OWNER_KTHREAD));
	}
	EXPECT_EQ(EINVAL, set_fork(fd, 2));
	EXPECT_EQ(EINVAL, set_fork(fd, 0xff));
	ASSERT_EQ(0, get_fork(fd, &m));
	EXPECT_EQ(VHOST_FORK_OWNER_KTHREAD, m);
	EXPECT_EQ(EFAULT, xioctl(fd, VHOST_SET_FORK_FROM_OWNER, NULL));
	EXPECT_EQ(EFAULT, xioctl(fd, VHOST_GET_FORK_FROM_OWNER, NULL));

	ASSERT_EQ(0, xioctl(fd, VHOST_SET_OWNER, NULL));
	ASSERT_EQ(0, get_fork(fd, &m));
	EXPECT_EQ(VHOST_FORK_OWNER_KTHREAD, m);
	/* Upstream checks the owner before it reads the argument. */
	EXPECT_EQ(EBUSY, set_fork(fd, VHOST_FORK_OWNER_KTHREAD));
	EXPECT_EQ(EBUSY, set_fork(fd, VHOST_FORK_OWNER_TASK));
	EXPECT_EQ(EBUSY, xioctl(fd, VHOST_SET_FORK_FROM_OWNER, NULL));

	/* Another process: GET works, SET is still EBUSY. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(get_fork(fd, &m) || m != VHOST_FORK_OWNER_KTHREAD ? 1 :
		      set_fork(fd, 0) != EBUSY ? 2 : 0);
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		TH_LOG("child: status %#x", st);
	}

	/* RESET_OWNER: no owner again, SET allowed again. */
	ASSERT_EQ(0, xioctl(fd, VHOST_RESET_OWNER, NULL));
	EXPECT_EQ(0, set_fork(fd, VHOST_FORK_OWNER_KTHREAD));
	close(fd);
}

/*
 * The offered mask, bit by bit. No virtio-net device bit but MRG_RXBUF is
 * ever offered by a vhost-net node: the offloads (CSUM, TSO, USO, ...) are
 * QEMU's to negotiate with tap (TUNSETOFFLOAD) and pass through in the
 * header. Ours is the kernel's 6.1 mask; LOG_ALL and ACCESS_PLATFORM, when
 * offered, must work (iotlb_test has the rest of the device IOTLB).
 */
TEST(offered_mask)
{
	struct utsname u;
	uint64_t f;
	int fd;

	if (open_dev(_metadata, &fd))
		return;
	ASSERT_EQ(0, xioctl(fd, VHOST_GET_FEATURES, &f));
	TH_LOG("%s offers %#llx", vdrv_module_name(), (unsigned long long)f);
	EXPECT_EQ(VDRV_F(VIRTIO_NET_F_MRG_RXBUF), f & 0xffffff);
	EXPECT_EQ(0, f >> 41);
	ASSERT_EQ(0, uname(&u));
	if (vdrv_is_vhostx()) {
		/* Dirty logging and the device IOTLB: offered, they must be served. */
		EXPECT_EQ(ABI_VHOSTX_MASK, f & ~(VDRV_F(ABI_VHOST_F_LOG_ALL) |
						 VDRV_F(ABI_F_ACCESS_PLATFORM) |
						 VDRV_F(ABI_F_RING_PACKED) |
						 VDRV_F(ABI_F_IN_ORDER) |
						 VDRV_F(ABI_F_RING_RESET)));
		ASSERT_EQ(0, xioctl(fd, VHOST_SET_OWNER, NULL));
		if (f & VDRV_F(ABI_VHOST_F_LOG_ALL)) {
			uint64_t base = 0;

			EXPECT_NE(EOPNOTSUPP, xioctl(fd, VHOST_SET_LOG_BASE, &base));
		}
		if (f & VDRV_F(ABI_F_ACCESS_PLATFORM)) {
			struct vhost_msg m = { .type = VHOST_IOTLB_MSG };
			uint64_t ap = VDRV_F(ABI_F_ACCESS_PLATFORM);

			m.iotlb.type = VHOST_IOTLB_INVALIDATE;
			m.iotlb.size = 4096;
			EXPECT_EQ(0, xioctl(fd, VHOST_SET_FEATURES, &ap));
			EXPECT_EQ((ssize_t)sizeof(m), write(fd, &m, sizeof(m)));
		}
	} else if (!strncmp(u.release, "6.1.", 4)) {
		EXPECT_EQ(ABI_KERNEL_61_MASK, f);
	}
	close(fd);
}

/*
 * What the tap backend accepts (TUNSETOFFLOAD) against what we offer: an
 * offload tun refuses must have no feature bit in our mask. On 6.1, tun
 * takes CSUM/TSO4/TSO6/TSO_ECN/UFO and refuses USO and UDP tunnel GSO;
 * the GUEST_USO bits (54, 55) and the UDP tunnel bits (65-68, the only
 * tun-dependent bits an upstream vhost-net offers) are not ours.
 */
TEST(tun_offloads)
{
	static const struct {
		unsigned int tun;
		unsigned int bit;
		const char *name;
	} dep[] = {
		{ ABI_TUN_F_USO4, ABI_NET_F_GUEST_USO4, "USO4" },
		{ ABI_TUN_F_USO6, ABI_NET_F_GUEST_USO6, "USO6" },
		{ ABI_TUN_F_UDP_TUNNEL_GSO, ABI_NET_F_GUEST_UDP_TUNNEL_GSO, "UDP_TUNNEL_GSO" },
		{ ABI_TUN_F_UDP_TUNNEL_GSO, ABI_NET_F_HOST_UDP_TUNNEL_GSO, "UDP_TUNNEL_GSO" },
	};
	uint64_t w[2] = { 0, 0 };
	struct farray a;
	struct vdrv_env e;
	unsigned int i;
	struct utsname u;
	int fd, r;

	if (open_dev(_metadata, &fd))
		return;
	ASSERT_EQ(0, xioctl(fd, VHOST_GET_FEATURES, &w[0]));
	r = get_array(fd, &a, 2);
	if (!r)
		w[1] = a.w[1];
	close(fd);
	VTEST_NETNS();
	VTEST_TAP(&e, "vxtap0", 0, VDRV_HDR_LEN);
	/* What QEMU asks for a modern guest: all of 6.1's. */
	EXPECT_EQ(0, ioctl(e.tap, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 |
			   TUN_F_TSO_ECN | TUN_F_UFO));
	ASSERT_EQ(0, uname(&u));
	for (i = 0; i < sizeof(dep) / sizeof(dep[0]); i++) {
		bool offered = w[dep[i].bit / 64] & (1ULL << (dep[i].bit % 64));

		r = ioctl(e.tap, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | dep[i].tun);
		r = r < 0 ? errno : 0;
		TH_LOG("tun %s: %s; %s offers bit %u: %s", dep[i].name,
		       r ? strerror(r) : "accepted", vdrv_module_name(), dep[i].bit,
		       offered ? "yes" : "no");
		if (!strncmp(u.release, "6.1.", 4))
			EXPECT_EQ(EINVAL, r);
		if (r)
			EXPECT_FALSE(offered);
		if (vdrv_is_vhostx())
			EXPECT_FALSE(offered);
	}
	vdrv_env_close(&e);
}

TEST_HARNESS_MAIN
