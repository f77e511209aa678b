// SPDX-License-Identifier: GPL-2.0-only
/*
 * Dirty-page logging, what QEMU needs to live-migrate a guest on
 * vhost=on: VHOST_F_LOG_ALL, VHOST_SET_LOG_BASE, VHOST_SET_LOG_FD and
 * VHOST_VRING_F_LOG with log_guest_addr.
 *
 * exact_*: after TX and RX traffic with logging on, the bitmap holds the
 * bit of every guest page the device wrote (RX buffers up to the length
 * of each used entry, walked through the chain's descriptors; the used
 * rings) and of no other page (TX buffers, descriptor tables, avail
 * rings, the unwritten rest of RX buffers). Bit layout: bit (gpa / 4096)
 * % 8 of byte gpa / 4096 / 8 from the log base, as the kernel's vhost.
 *
 * errnos: the kernel's answers for the log ioctls and for the checks the
 * log base takes (SET_LOG_BASE, SET_FEATURES with LOG_ALL, SET_VRING_ADDR
 * with F_LOG, SET_MEM_TABLE, SET_BACKEND).
 *
 * bad_*: a log base that is unmapped, read-only or too small for guest
 * memory stops the queue with its error eventfd and the errors counter
 * (vhostx_net; the kernel's vhost ignores failed log writes: SKIP there).
 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "vtest.h"

#define PG		4096ULL
#define KADDR		0xffff888000000000ULL

/* ---- helpers ---- */

/*
 * The end of the user address space (x86-64 TASK_SIZE_MAX): one page
 * below 2^47, or below 2^56 with 5-level paging, which lets a mapping
 * above 2^47 succeed.
 */
static uint64_t task_top(void)
{
	void *p = mmap((void *)(1ULL << 47), PG, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		return (1ULL << 47) - PG;
	munmap(p, PG);
	return (1ULL << 56) - PG;
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? errno : 0;
}

static int set_log_base(struct vdrv_dev *d, uint64_t base)
{
	return xioctl(d->fd, VHOST_SET_LOG_BASE, &base);
}

static int set_log_fd(struct vdrv_dev *d, int fd)
{
	return xioctl(d->fd, VHOST_SET_LOG_FD, &fd);
}

/* The used ring (packed: the device event area), log_guest_addr's target. */
static uint64_t used_gpa(struct vdrv_vq *vq)
{
	return vdrv_hva2gpa(vq->dev, vq->r.packed ? (void *)vq->r.dev_evt : (void *)vq->r.used);
}

static size_t used_size(struct vdrv_vq *vq)
{
	if (vq->r.packed)
		return sizeof(struct vring_packed_desc_event);
	return sizeof(struct vring_used) + vq->num * sizeof(struct vring_used_elem) +
	       sizeof(uint16_t);
}

/* SET_VRING_ADDR again, with or without VHOST_VRING_F_LOG. */
static int set_addr_log(struct vdrv_vq *vq, bool log, uint64_t log_gpa)
{
	struct vhost_vring_addr a = {
		.index = vq->index,
		.flags = log ? 1u << VHOST_VRING_F_LOG : 0,
		.desc_user_addr = vq->r.packed ? (uintptr_t)vq->r.pdesc : (uintptr_t)vq->r.desc,
		.avail_user_addr = vq->r.packed ? (uintptr_t)vq->r.drv_evt :
						(uintptr_t)vq->r.avail,
		.used_user_addr = vq->r.packed ? (uintptr_t)vq->r.dev_evt : (uintptr_t)vq->r.used,
		.log_guest_addr = log_gpa,
	};

	return xioctl(vq->dev->fd, VHOST_SET_VRING_ADDR, &a);
}

/* Bytes of bitmap guest memory up to its highest address needs. */
static size_t log_size(struct vdrv_dev *d)
{
	uint64_t end = 0;
	int i;

	for (i = 0; i < d->nregions; i++)
		if (d->reg[i].gpa + d->reg[i].size > end)
			end = d->reg[i].gpa + d->reg[i].size;
	return ((end / PG + 7) / 8 + PG - 1) & ~(PG - 1);
}

static void mark(uint8_t *bm, uint64_t gpa, uint64_t len)
{
	uint64_t p;

	if (!len)
		return;
	for (p = gpa / PG; p <= (gpa + len - 1) / PG; p++)
		bm[p / 8] |= 1u << (p % 8);
}

/* Oracle: the first @len bytes of chain @head, through its descriptors. */
static int mark_chain(struct vdrv_vq *vq, unsigned int head, uint32_t len, uint8_t *bm)
{
	struct vring_desc *t = vq->r.desc;
	unsigned int i = head, n = vq->num, k;

	/*
	 * Packed: the device overwrote the descriptors with used ones; the
	 * buffer is the chain's slot, in one region (the packed variants
	 * have one), however it was cut into descriptors.
	 */
	if (vq->r.packed) {
		mark(bm, vdrv_hva2gpa(vq->dev, vdrv_slot(vq, head)), len);
		return 0;
	}
	if (t[head].flags & VRING_DESC_F_INDIRECT) {
		n = t[head].len / sizeof(*t);
		t = vdrv_gpa2hva(vq->dev, t[head].addr);
		i = 0;
		if (!t)
			return -1;
	}
	for (k = 0; k < n && len; k++) {
		uint32_t l = t[i].len < len ? t[i].len : len;

		mark(bm, t[i].addr, l);
		len -= l;
		if (!(t[i].flags & VRING_DESC_F_NEXT))
			break;
		i = t[i].next;
	}
	return len ? -1 : 0;
}

static uint64_t evt_wait_count(int efd, int timeout_ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };

	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	return vdrv_evt_count(efd);
}

/*
 * Sum of our debugfs counter @key over both queues; 0 with the kernel's
 * vhost_net, which has no such counters (the callers check vhostx only).
 */
static long long log_counter(const char *key)
{
	if (!vdrv_is_vhostx())
		return 0;
	return vdrv_stat("rx", key) + vdrv_stat("tx", key);
}

/* Does the node offer VHOST_F_LOG_ALL? -1 when it cannot be opened. */
static int offers_log(void)
{
	uint64_t f = 0;
	int fd = open(vdrv_dev_path(), O_RDWR | O_CLOEXEC), r;

	if (fd < 0)
		return -1;
	r = ioctl(fd, VHOST_GET_FEATURES, &f);
	close(fd);
	return r == 0 && (f & VDRV_F(VHOST_F_LOG_ALL));
}

static bool offers_packed(void)
{
	uint64_t f = 0;
	int fd = open(vdrv_dev_path(), O_RDWR | O_CLOEXEC), r;

	if (fd < 0)
		return false;
	r = ioctl(fd, VHOST_GET_FEATURES, &f);
	close(fd);
	return r == 0 && (f & VDRV_F(VIRTIO_F_RING_PACKED));
}

/* ---- exact logging under traffic ---- */

FIXTURE(log) {
	struct vdrv_dev d;
	struct vdrv_env e;
	uint8_t *log;
	size_t logsz;
	int logfd;
};

FIXTURE_VARIANT(log) {
	bool mrg;
	bool packed;
	bool event_idx;
	bool indirect;
	size_t buflen;
	unsigned int nsegs;
	unsigned int num;
	int nregions;
};

/* Two-page buffers: a short frame leaves the second page alone. */
FIXTURE_VARIANT_ADD(log, mrg_8k_chain) {
	.mrg = true, .buflen = 8192, .nsegs = 3, .num = 256, .nregions = 1,
};

FIXTURE_VARIANT_ADD(log, mrg_8k_indirect_two_regions_event_idx) {
	.mrg = true, .event_idx = true, .indirect = true, .buflen = 8192,
	.nsegs = 2, .num = 256, .nregions = 2,
};

/*
 * Packed rings: used descriptors go into the descriptor rings (one page
 * each at 256 entries), whose guest address the ABI does not give.
 */
FIXTURE_VARIANT_ADD(log, packed_mrg_8k_chain) {
	.mrg = true, .packed = true, .buflen = 8192, .nsegs = 3, .num = 256,
	.nregions = 1,
};

FIXTURE_VARIANT_ADD(log, packed_mrg_8k_indirect_event_idx) {
	.mrg = true, .packed = true, .event_idx = true, .indirect = true,
	.buflen = 8192, .nsegs = 2, .num = 256, .nregions = 1,
};

/* Without mergeable buffers: one 64 KiB buffer per frame, 17 segments. */
FIXTURE_VARIANT_ADD(log, big_indirect_two_regions) {
	.mrg = false, .indirect = true, .buflen = 65536 + 64, .nsegs = 17,
	.num = 64, .nregions = 2,
};

FIXTURE_SETUP(log)
{
	struct vdrv_cfg cfg = {
		.features = VDRV_F(VIRTIO_F_VERSION_1) |
			    VDRV_F(VIRTIO_RING_F_INDIRECT_DESC) |
			    VDRV_F(VHOST_F_LOG_ALL) |
			    (variant->mrg ? VDRV_F(VIRTIO_NET_F_MRG_RXBUF) : 0) |
			    (variant->event_idx ? VDRV_F(VIRTIO_RING_F_EVENT_IDX) : 0) |
			    (variant->packed ? VDRV_F(VIRTIO_F_RING_PACKED) : 0),
		.num = variant->num,
		.slot_size = variant->buflen,
		.nregions = variant->nregions,
		.split_rx = true,
	};
	int i, off;

	self->e.tap = self->e.cap = self->e.inj = -1;
	self->d.fd = -1;
	self->log = NULL;
	self->logfd = -1;
	off = offers_log();
	if (off < 0 && vtest_node_missing(_metadata))
		return;
	if (!off)
		SKIP(return, "%s does not offer VHOST_F_LOG_ALL", vdrv_module_name());
	if (variant->packed && !offers_packed())
		SKIP(return, "%s does not offer VIRTIO_F_RING_PACKED", vdrv_module_name());
	VTEST_NETNS();
	VTEST_TAP(&self->e, "vxtap0", 0, VDRV_HDR_LEN);
	if (vtest_init_dev(_metadata, &self->d, &cfg))
		return;
	self->logsz = log_size(&self->d);
	self->log = mmap(NULL, self->logsz, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->log);
	self->logfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ASSERT_LE(0, self->logfd);
	/* QEMU's order: base and fd, rings with F_LOG, then the backends. */
	ASSERT_EQ(0, set_log_base(&self->d, (uintptr_t)self->log));
	ASSERT_EQ(0, set_log_fd(&self->d, self->logfd));
	for (i = 0; i < VDRV_NVQ; i++)
		ASSERT_EQ(0, set_addr_log(&self->d.vq[i], true, used_gpa(&self->d.vq[i])));
	VTEST_BACKEND(&self->d, VDRV_RX, self->e.tap);
	VTEST_BACKEND(&self->d, VDRV_TX, self->e.tap);
}

FIXTURE_TEARDOWN(log)
{
	vdrv_close(&self->d);
	vdrv_env_close(&self->e);
	if (self->log && self->log != MAP_FAILED)
		munmap(self->log, self->logsz);
	if (self->logfd >= 0)
		close(self->logfd);
}

/* Post RX buffers (no refill: their descriptors stay for the oracle). */
static int rx_post_all(struct vdrv_vq *vq, size_t buflen, unsigned int nsegs,
		       bool indirect)
{
	int n = vdrv_rx_fill(vq, buflen, nsegs, indirect);

	vq->rx_refill = false;
	vdrv_kick(vq);
	return n;
}

/*
 * Receive one frame of @len bytes on RX, marking in @want what the device
 * wrote according to each used entry and the chain's descriptors.
 */
static int rx_one(struct vdrv_dev *d, size_t len, uint8_t *want)
{
	struct vdrv_vq *vq = &d->vq[VDRV_RX];
	bool mrg = d->features & VDRV_F(VIRTIO_NET_F_MRG_RXBUF);
	unsigned int nb = 1, k;
	size_t got = 0;

	for (k = 0; k < nb; k++) {
		uint32_t ulen;
		int head;

		if (!vdrv_wait_used(vq, 5000))
			return -ETIMEDOUT;
		head = vdrv_used_get(vq, &ulen);
		if (head < 0)
			return head;
		if (mark_chain(vq, head, ulen, want))
			return -EPROTO;
		if (k == 0 && mrg) {
			struct virtio_net_hdr_mrg_rxbuf h;

			memcpy(&h, vdrv_slot(vq, head), sizeof(h));
			nb = h.num_buffers;
		}
		got += ulen;
	}
	return got == len + d->hdr_len ? 0 : -EMSGSIZE;
}

/* Compare the bitmap with the oracle; print the first differences. */
static void compare(struct __test_metadata *_metadata, const uint8_t *log,
		    const uint8_t *want, size_t sz)
{
	unsigned long missing = 0, extra = 0, set = 0;
	uint64_t p;

	for (p = 0; p < (uint64_t)sz * 8; p++) {
		bool g = log[p / 8] >> (p % 8) & 1, w = want[p / 8] >> (p % 8) & 1;

		set += g;
		if (g == w)
			continue;
		if (w)
			missing++;
		else
			extra++;
		if (missing + extra <= 8)
			TH_LOG("gpa %#llx: bit %s", (unsigned long long)(p * PG),
			       w ? "missing (page written)" : "set (page not written)");
	}
	TH_LOG("%lu bits set, %lu missing, %lu extra", set, missing, extra);
	EXPECT_EQ(0, missing);
	EXPECT_EQ(0, extra);
}

TEST_F_TIMEOUT(log, exact_after_tx_and_rx, 180)
{
	static const size_t sizes[] = {
		60, 1514, 4084, 4085, 8180, 9000, 20000, 65535,
	};
	struct vdrv_vq *rx = &self->d.vq[VDRV_RX], *tx = &self->d.vq[VDRV_TX];
	size_t txmax = variant->buflen - VDRV_HDR_LEN;
	long long sig0a, sig0b, sig1, sig2, rxw0, txw0;
	uint8_t *want, *frame;
	uint64_t evts;
	unsigned int i;

	if (_metadata->skip)
		return;
	want = calloc(1, self->logsz);
	frame = malloc(65536);
	ASSERT_NE(NULL, want);
	ASSERT_NE(NULL, frame);
	ASSERT_LT(0, rx_post_all(rx, variant->buflen, variant->nsegs, variant->indirect));
	/* Let the device settle, then start from a clean bitmap. */
	usleep(300 * 1000);
	memset(self->log, 0, self->logsz);
	/* Signals between the two reads may or may not be drained: bracket them. */
	sig0a = log_counter("log_signals");
	vdrv_evt_count(self->logfd);
	sig0b = log_counter("log_signals");
	rxw0 = vdrv_stat("rx", "log_words");
	txw0 = vdrv_stat("tx", "log_words");

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t len = sizes[i] < txmax ? sizes[i] : txmax;

		vdrv_frame_fill(frame, len, i, NULL, NULL);
		ASSERT_EQ(0, vdrv_tx_check(tx, self->e.cap, NULL, frame, len, 2,
					   variant->indirect, NULL)) {
			TH_LOG("TX frame of %zu bytes", len);
		}
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		vdrv_frame_fill(frame, sizes[i], 100 + i, NULL, NULL);
		ASSERT_EQ((ssize_t)sizes[i], send(self->e.inj, frame, sizes[i], 0));
		ASSERT_EQ(0, rx_one(&self->d, sizes[i], want)) {
			TH_LOG("RX frame of %zu bytes", sizes[i]);
		}
	}
	if (variant->packed) {
		/* Used descriptors: both rings got some; each ring is one page. */
		mark(want, vdrv_hva2gpa(&self->d, rx->r.pdesc), rx->num * 16);
		mark(want, vdrv_hva2gpa(&self->d, tx->r.pdesc), tx->num * 16);
		ASSERT_EQ(0, vdrv_hva2gpa(&self->d, rx->r.pdesc) % PG);
		ASSERT_EQ(PG, rx->num * 16);
		/*
		 * The device event areas are written only when notifications
		 * change: whether that happened in the window is timing, so
		 * their pages (not shared with anything else written) are
		 * taken as the log has them.
		 */
		for (i = 0; i < VDRV_NVQ; i++) {
			uint64_t p = used_gpa(&self->d.vq[i]) / PG;

			want[p / 8] = (want[p / 8] & ~(1u << p % 8)) |
				      (self->log[p / 8] & (1u << p % 8));
		}
	} else {
		/* Both used rings were written (entries, index, flags or avail_event). */
		mark(want, used_gpa(rx), used_size(rx));
		mark(want, used_gpa(tx), used_size(tx));
		ASSERT_EQ(1, used_size(rx) <= PG && used_gpa(rx) % PG + used_size(rx) <= PG);
	}
	/* A late enable_notify writes only used pages; let it land. */
	usleep(300 * 1000);
	compare(_metadata, self->log, want, self->logsz);
	sig1 = log_counter("log_signals");
	evts = vdrv_evt_count(self->logfd);
	sig2 = log_counter("log_signals");
	EXPECT_LT(0, evts);
	if (vdrv_is_vhostx()) {
		/* Every signal the queues counted reached the log eventfd. */
		EXPECT_LE(sig1 - sig0b, (long long)evts);
		EXPECT_GE(sig2 - sig0a, (long long)evts);
		/* Both queues set bits (TX: its used ring at least). */
		EXPECT_LT(rxw0, vdrv_stat("rx", "log_words"));
		EXPECT_LT(txw0, vdrv_stat("tx", "log_words"));
	}
	/* Nothing else arrived. */
	EXPECT_EQ(0, vdrv_used_pending(rx));
	free(want);
	free(frame);
}

TEST_F_TIMEOUT(log, off_writes_nothing, 120)
{
	uint64_t features = self->d.features & ~VDRV_F(VHOST_F_LOG_ALL);
	struct vdrv_vq *rx = &self->d.vq[VDRV_RX];
	long long words0, sig0;
	uint8_t frame[1500];
	unsigned int i, k;

	if (_metadata->skip)
		return;
	/* QEMU after a cancelled migration: features and rings without logging. */
	ASSERT_EQ(0, xioctl(self->d.fd, VHOST_SET_FEATURES, &features));
	for (i = 0; i < VDRV_NVQ; i++)
		ASSERT_EQ(0, set_addr_log(&self->d.vq[i], false, 0));
	ASSERT_LT(0, rx_post_all(rx, variant->buflen, variant->nsegs, variant->indirect));
	usleep(200 * 1000);
	memset(self->log, 0, self->logsz);
	vdrv_evt_count(self->logfd);
	words0 = log_counter("log_words");
	sig0 = log_counter("log_signals");
	for (i = 0; i < 10; i++) {
		vdrv_frame_fill(frame, sizeof(frame), i, NULL, NULL);
		ASSERT_EQ(0, vdrv_tx_check(&self->d.vq[VDRV_TX], self->e.cap, NULL, frame,
					   sizeof(frame), 1, false, NULL));
		ASSERT_EQ((ssize_t)sizeof(frame), send(self->e.inj, frame, sizeof(frame), 0));
		ASSERT_EQ(1, vdrv_wait_used(rx, 5000));
		while (vdrv_used_get(rx, NULL) >= 0)
			;
	}
	usleep(200 * 1000);
	for (k = 0; k < self->logsz; k++)
		ASSERT_EQ(0, self->log[k]) {
			TH_LOG("byte %u of the bitmap is %#x", k, self->log[k]);
		}
	EXPECT_EQ(0, vdrv_evt_count(self->logfd));
	/* Our counters agree: no word written, no signal sent. */
	EXPECT_EQ(words0, log_counter("log_words"));
	EXPECT_EQ(sig0, log_counter("log_signals"));
}

/* ---- errnos, checked against the kernel's vhost_net ---- */

FIXTURE(lerr) {
	struct vdrv_dev d;
	struct vdrv_env e;
	uint8_t *log;
	size_t logsz;
};

FIXTURE_SETUP(lerr)
{
	struct vdrv_cfg cfg = {
		.features = VDRV_FEATURES_DEFAULT,
		.num = 64,
	};
	int off;

	self->e.tap = self->e.cap = self->e.inj = -1;
	self->d.fd = -1;
	self->log = NULL;
	off = offers_log();
	if (off < 0 && vtest_node_missing(_metadata))
		return;
	if (!off)
		SKIP(return, "%s does not offer VHOST_F_LOG_ALL", vdrv_module_name());
	VTEST_NETNS();
	VTEST_TAP(&self->e, "vxtap0", 0, VDRV_HDR_LEN);
	if (vtest_init_dev(_metadata, &self->d, &cfg))
		return;
	self->logsz = log_size(&self->d);
	self->log = mmap(NULL, self->logsz, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->log);
}

FIXTURE_TEARDOWN(lerr)
{
	vdrv_close(&self->d);
	vdrv_env_close(&self->e);
	if (self->log && self->log != MAP_FAILED)
		munmap(self->log, self->logsz);
}

TEST_F(lerr, log_fd)
{
	int efd, nul, fd;

	if (_metadata->skip)
		return;
	efd = eventfd(0, EFD_CLOEXEC);
	nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, efd);
	ASSERT_LE(0, nul);
	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_EQ(0, set_log_fd(&self->d, efd));
	EXPECT_EQ(0, set_log_fd(&self->d, efd));
	EXPECT_EQ(EINVAL, set_log_fd(&self->d, nul));
	EXPECT_EQ(EBADF, set_log_fd(&self->d, fd));
	EXPECT_EQ(EBADF, set_log_fd(&self->d, -2));
	EXPECT_EQ(EFAULT, xioctl(self->d.fd, VHOST_SET_LOG_FD, NULL));
	EXPECT_EQ(0, set_log_fd(&self->d, -1));
	EXPECT_EQ(0, set_log_fd(&self->d, -1));
	/* The device keeps its own reference: closing ours is fine. */
	EXPECT_EQ(0, set_log_fd(&self->d, efd));
	close(efd);
	close(nul);
}

TEST_F(lerr, log_base_checks)
{
	uint64_t feat = self->d.features, feat_log = feat | VDRV_F(VHOST_F_LOG_ALL);
	struct vdrv_vq *rx = &self->d.vq[VDRV_RX];
	uint64_t good = (uintptr_t)self->log;

	if (_metadata->skip)
		return;
	EXPECT_EQ(EFAULT, xioctl(self->d.fd, VHOST_SET_LOG_BASE, NULL));
	/* No queue runs: anything goes now, SET_BACKEND checks later. */
	EXPECT_EQ(0, set_log_base(&self->d, KADDR));
	EXPECT_EQ(0, set_addr_log(rx, true, used_gpa(rx)));
	EXPECT_EQ(EFAULT, vdrv_set_backend(&self->d, VDRV_RX, self->e.tap) * -1);
	EXPECT_EQ(0, set_addr_log(rx, false, 0));
	/* Not logging: the base is not looked at. */
	EXPECT_EQ(0, vdrv_set_backend(&self->d, VDRV_RX, self->e.tap));
	EXPECT_EQ(0, set_log_base(&self->d, KADDR));
	/* Logging on a running queue needs a base that can hold the bits. */
	EXPECT_EQ(EFAULT, xioctl(self->d.fd, VHOST_SET_FEATURES, &feat_log));
	EXPECT_EQ(EINVAL, set_addr_log(rx, true, used_gpa(rx)));
	EXPECT_EQ(0, set_log_base(&self->d, good));
	EXPECT_EQ(0, set_addr_log(rx, true, used_gpa(rx)));
	EXPECT_EQ(0, xioctl(self->d.fd, VHOST_SET_FEATURES, &feat_log));
	/* Now the running queue refuses a base whose bitmap is no user memory. */
	EXPECT_EQ(EFAULT, set_log_base(&self->d, KADDR));
	EXPECT_EQ(EFAULT, set_log_base(&self->d, task_top()));
	EXPECT_EQ(0, set_log_base(&self->d, good));
	EXPECT_EQ(0, xioctl(self->d.fd, VHOST_SET_FEATURES, &feat));
}

TEST_F(lerr, mem_table_needs_log_room)
{
	uint64_t feat = self->d.features | VDRV_F(VHOST_F_LOG_ALL);
	struct vhost_memory *m;
	/* The bitmap of guest memory below 64 MiB fits below the top. */
	uint64_t base = task_top() - PG;

	if (_metadata->skip)
		return;
	ASSERT_EQ(1, self->d.nregions);
	ASSERT_GT(64ULL << 20, self->d.reg[0].gpa + self->d.reg[0].size);
	ASSERT_EQ(0, xioctl(self->d.fd, VHOST_SET_FEATURES, &feat));
	ASSERT_EQ(0, set_log_base(&self->d, base));
	ASSERT_EQ(0, vdrv_set_backend(&self->d, VDRV_TX, self->e.tap));
	m = calloc(1, sizeof(*m) + 2 * sizeof(m->regions[0]));
	ASSERT_NE(NULL, m);
	vdrv_mem_table(&self->d, m);
	EXPECT_EQ(0, xioctl(self->d.fd, VHOST_SET_MEM_TABLE, m));
	/* Guest memory at 4 GiB: its bits would lie 128 KiB past the base. */
	m->nregions = 2;
	m->regions[1].guest_phys_addr = 1ULL << 32;
	m->regions[1].memory_size = PG;
	m->regions[1].userspace_addr = (uintptr_t)self->log;
	EXPECT_EQ(EFAULT, xioctl(self->d.fd, VHOST_SET_MEM_TABLE, m));
	/* Without the backend nothing is checked. */
	ASSERT_EQ(0, vdrv_set_backend(&self->d, VDRV_TX, -1));
	EXPECT_EQ(0, xioctl(self->d.fd, VHOST_SET_MEM_TABLE, m));
	free(m);
}

/* ---- a log that cannot be written ---- */

enum bad_kind { BAD_UNMAPPED, BAD_READONLY, BAD_TOO_SMALL };

FIXTURE(bad) {
	struct vdrv_dev d;
	struct vdrv_env e;
	uint8_t *good;
	size_t goodsz;
	uint8_t *map;
	size_t mapsz;
	uint64_t bad;
};

FIXTURE_VARIANT(bad) {
	enum bad_kind kind;
	bool at_start;
};

FIXTURE_VARIANT_ADD(bad, unmapped_at_start) { .kind = BAD_UNMAPPED, .at_start = true };
FIXTURE_VARIANT_ADD(bad, unmapped_running) { .kind = BAD_UNMAPPED };
FIXTURE_VARIANT_ADD(bad, readonly_at_start) { .kind = BAD_READONLY, .at_start = true };
FIXTURE_VARIANT_ADD(bad, readonly_running) { .kind = BAD_READONLY };
FIXTURE_VARIANT_ADD(bad, too_small_running) { .kind = BAD_TOO_SMALL };

FIXTURE_SETUP(bad)
{
	struct vdrv_cfg cfg = {
		.features = VDRV_FEATURES_DEFAULT | VDRV_F(VHOST_F_LOG_ALL),
		.num = 64,
	};
	struct vdrv_vq *rx;
	uint64_t bused, brx;
	int off;

	self->e.tap = self->e.cap = self->e.inj = -1;
	self->d.fd = -1;
	self->good = self->map = NULL;
	off = offers_log();
	if (off < 0 && vtest_node_missing(_metadata))
		return;
	if (!off)
		SKIP(return, "%s does not offer VHOST_F_LOG_ALL", vdrv_module_name());
	VTEST_NETNS();
	VTEST_TAP(&self->e, "vxtap0", 0, VDRV_HDR_LEN);
	if (vtest_init_dev(_metadata, &self->d, &cfg))
		return;
	rx = &self->d.vq[VDRV_RX];
	self->goodsz = log_size(&self->d);
	self->good = mmap(NULL, self->goodsz, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->good);
	self->mapsz = 2 * PG;
	self->map = mmap(NULL, self->mapsz, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->map);
	switch (variant->kind) {
	case BAD_UNMAPPED:
		/* Where a mapping was: the bits of low guest memory land there. */
		self->bad = (uintptr_t)self->map;
		ASSERT_EQ(0, munmap(self->map, self->mapsz));
		self->map = NULL;
		break;
	case BAD_READONLY:
		ASSERT_EQ(0, mprotect(self->map, self->mapsz, PROT_READ));
		self->bad = (uintptr_t)self->map;
		break;
	case BAD_TOO_SMALL:
		/* One page, then a hole: the used ring's bits fit, the buffers' not. */
		ASSERT_EQ(0, munmap(self->map + PG, PG));
		self->mapsz = PG;
		bused = (used_gpa(&self->d.vq[VDRV_TX]) + used_size(rx)) / PG / 8;
		brx = vdrv_hva2gpa(&self->d, vdrv_slot(rx, 0)) / PG / 8;
		ASSERT_LT(bused, brx);
		self->bad = (uintptr_t)self->map + PG - brx;
		break;
	}
	ASSERT_EQ(0, set_log_base(&self->d, variant->at_start ?
				  self->bad : (uintptr_t)self->good));
	ASSERT_EQ(0, set_addr_log(rx, true, used_gpa(rx)));
	vdrv_evt_count(rx->err);
}

FIXTURE_TEARDOWN(bad)
{
	vdrv_close(&self->d);
	vdrv_env_close(&self->e);
	if (self->good && self->good != MAP_FAILED)
		munmap(self->good, self->goodsz);
	if (self->map && self->map != MAP_FAILED)
		munmap(self->map, self->mapsz);
}

TEST_F_TIMEOUT(bad, queue_error, 60)
{
	struct vdrv_vq *rx = &self->d.vq[VDRV_RX];
	uint8_t frame[1000];
	uint16_t used_before;

	if (_metadata->skip)
		return;
	/* SET_BACKEND only checks that the bitmap is user memory. */
	ASSERT_EQ(0, vdrv_set_backend(&self->d, VDRV_RX, self->e.tap));
	ASSERT_LT(0, vdrv_rx_fill(rx, 2048, 1, false));
	rx->rx_refill = false;
	vdrv_kick(rx);
	if (!variant->at_start) {
		/* One frame with a good log, then the base goes bad under traffic. */
		vdrv_frame_fill(frame, sizeof(frame), 1, NULL, NULL);
		ASSERT_EQ((ssize_t)sizeof(frame), send(self->e.inj, frame, sizeof(frame), 0));
		ASSERT_EQ(1, vdrv_wait_used(rx, 5000));
		while (vdrv_used_get(rx, NULL) >= 0)
			;
		EXPECT_EQ(0, vdrv_evt_count(rx->err));
		ASSERT_EQ(0, set_log_base(&self->d, self->bad));
	}
	used_before = rx->r.used->idx;
	vdrv_frame_fill(frame, sizeof(frame), 2, NULL, NULL);
	ASSERT_EQ((ssize_t)sizeof(frame), send(self->e.inj, frame, sizeof(frame), 0));
	if (!vdrv_is_vhostx()) {
		/* The kernel's vhost ignores a failed log write and goes on. */
		EXPECT_EQ(1, vdrv_wait_used(rx, 5000));
		SKIP(return, "%s does not report log write failures", vdrv_module_name());
	}
	EXPECT_LT(0, evt_wait_count(rx->err, 5000)) {
		TH_LOG("no error signalled for a %s log base",
		       variant->kind == BAD_UNMAPPED ? "unmapped" :
		       variant->kind == BAD_READONLY ? "read-only" : "too small");
	}
	EXPECT_EQ(1, vdrv_stat("rx", "errors"));
	/* The frame was not completed, and the queue stays stopped. */
	usleep(200 * 1000);
	EXPECT_EQ(used_before, rx->r.used->idx);
	vdrv_kick(rx);
	usleep(200 * 1000);
	EXPECT_EQ(used_before, rx->r.used->idx);
	EXPECT_EQ(0, vdrv_evt_count(rx->err));
	EXPECT_EQ(1, vdrv_stat("rx", "errors"));
	/* Setting the backend again with a good log restarts it. */
	ASSERT_EQ(0, set_log_base(&self->d, (uintptr_t)self->good));
	ASSERT_EQ(0, vdrv_set_backend(&self->d, VDRV_RX, -1));
	ASSERT_EQ(0, vdrv_set_backend(&self->d, VDRV_RX, self->e.tap));
	vdrv_kick(rx);
	vdrv_frame_fill(frame, sizeof(frame), 3, NULL, NULL);
	ASSERT_EQ((ssize_t)sizeof(frame), send(self->e.inj, frame, sizeof(frame), 0));
	EXPECT_EQ(1, vdrv_wait_used(rx, 5000));
}

TEST_HARNESS_MAIN
