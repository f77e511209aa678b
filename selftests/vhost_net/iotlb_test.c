// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device IOTLB (VIRTIO_F_ACCESS_PLATFORM), driven the way QEMU drives
 * vhost-net behind a vIOMMU: ring and buffer addresses are I/O virtual
 * addresses (here IOVA_BASE + offset, neither the user address nor the
 * guest physical one), translated by VHOST_IOTLB_UPDATE messages written
 * to the device, one page each as a guest with intel_iommu maps; the
 * device asks for what it misses with VHOST_IOTLB_MISS messages read from
 * it. Proves: the feature and backend feature negotiation; TX and RX
 * through the IOTLB, bytes compared; a miss (read, answered, the packet
 * then flows); a miss again after an invalidation; errnos for hostile
 * messages; one message per queue however often a parked queue is kicked;
 * poll() and read() semantics; the dirty log at guest physical addresses
 * through the IOTLB. Where the kernel's vhost_net (the reference) and ours
 * differ on purpose, the test says which answer it takes from which.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <linux/vhost_types.h>

#include "kselftest_harness.h"
#include "vtest.h"

#define IOVA_BASE	0x2000000000ULL
#define PG		4096ULL
#define MSG_SIZE	((ssize_t)sizeof(struct vhost_msg))

struct iot {
	struct vdrv_dev d;
	struct vdrv_env e;
	bool v2;
	/* A second mapping of guest memory; odd pages map there when set. */
	uint8_t *alias;
	unsigned int nmiss;
	uint64_t miss_iova[64];
	uint8_t miss_perm[64];
};

union iot_msg {
	struct vhost_msg m1;
	struct vhost_msg_v2 m2;
};

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? errno : 0;
}

/* One IOTLB message; the write()'s result or -errno. */
static ssize_t msg_write(int fd, bool v2, uint8_t type, uint64_t iova, uint64_t size,
			 uint64_t uaddr, uint8_t perm)
{
	struct vhost_iotlb_msg *m;
	union iot_msg u;
	ssize_t n;

	memset(&u, 0, sizeof(u));
	if (v2) {
		u.m2.type = VHOST_IOTLB_MSG_V2;
		m = &u.m2.iotlb;
	} else {
		u.m1.type = VHOST_IOTLB_MSG;
		m = &u.m1.iotlb;
	}
	m->iova = iova;
	m->size = size;
	m->uaddr = uaddr;
	m->perm = perm;
	m->type = type;
	n = write(fd, &u, v2 ? sizeof(u.m2) : sizeof(u.m1));
	return n < 0 ? -errno : n;
}

static uint8_t *iova_hva(struct iot *t, uint64_t iova)
{
	return t->d.mem + (iova - IOVA_BASE);
}

/* UPDATE [iova, iova + len) page by page (len a multiple of PG); 0 or -errno. */
static int iot_map(struct iot *t, uint64_t iova, uint64_t len, uint8_t perm)
{
	uint64_t off;
	ssize_t n;

	for (off = 0; off < len; off += PG) {
		uint8_t *hva = iova_hva(t, iova + off);

		if (t->alias && ((iova + off) / PG) % 2)
			hva = t->alias + (hva - t->d.mem);
		n = msg_write(t->d.fd, t->v2, VHOST_IOTLB_UPDATE, iova + off, PG,
			      (uintptr_t)hva, perm);
		if (n != MSG_SIZE)
			return n < 0 ? (int)n : -EPROTO;
	}
	return 0;
}

/* The pages holding [p, p + len) of guest memory, by IOVA. */
static int iot_map_area(struct iot *t, const void *p, size_t len, uint8_t perm)
{
	uint64_t first = vdrv_dma(&t->d, p) & ~(PG - 1);
	uint64_t last = (vdrv_dma(&t->d, p) + len - 1) & ~(PG - 1);

	return iot_map(t, first, last - first + PG, perm);
}

static size_t used_bytes(struct vdrv_vq *vq)
{
	return sizeof(struct vring_used) + vq->num * sizeof(struct vring_used_elem) + 2;
}

/* Read one MISS; 0, -ETIMEDOUT, or -EPROTO for anything else. */
static int iot_read_miss(struct iot *t, uint64_t *iova, uint8_t *perm, int timeout_ms)
{
	struct pollfd p = { .fd = t->d.fd, .events = POLLIN };
	struct vhost_iotlb_msg *m;
	union iot_msg u;
	ssize_t n;

	if (poll(&p, 1, timeout_ms) <= 0 || !(p.revents & POLLIN))
		return -ETIMEDOUT;
	memset(&u, 0, sizeof(u));
	n = read(t->d.fd, &u, sizeof(u));
	if (n != MSG_SIZE) {
		fprintf(stderr, "read %zd: %s\n", n, n < 0 ? strerror(errno) : "size");
		return -EPROTO;
	}
	if (u.m1.type != (t->v2 ? VHOST_IOTLB_MSG_V2 : VHOST_IOTLB_MSG)) {
		fprintf(stderr, "message format %u\n", u.m1.type);
		return -EPROTO;
	}
	m = t->v2 ? &u.m2.iotlb : &u.m1.iotlb;
	if (m->type != VHOST_IOTLB_MISS) {
		fprintf(stderr, "message type %u\n", m->type);
		return -EPROTO;
	}
	*iova = m->iova;
	*perm = m->perm;
	if (t->nmiss < 64) {
		t->miss_iova[t->nmiss] = m->iova;
		t->miss_perm[t->nmiss] = m->perm;
	}
	t->nmiss++;
	return 0;
}

/*
 * Answer misses as QEMU does (the page, read-write) until @vq has a used
 * entry. 0, or -errno (-ERANGE: a miss outside guest memory).
 */
static int iot_serve(struct iot *t, struct vdrv_vq *vq)
{
	uint64_t iova, page;
	uint8_t perm;
	int i, r;

	for (i = 0; i < 400 && !vdrv_used_pending(vq); i++) {
		r = iot_read_miss(t, &iova, &perm, 25);
		if (r == -ETIMEDOUT)
			continue;
		if (r)
			return r;
		if (iova < IOVA_BASE || iova >= IOVA_BASE + t->d.mem_size) {
			fprintf(stderr, "miss at %#llx\n", (unsigned long long)iova);
			return -ERANGE;
		}
		page = iova & ~(PG - 1);
		r = iot_map(t, page, PG, VHOST_ACCESS_RW);
		if (r)
			return r;
	}
	return vdrv_used_pending(vq) ? 0 : -ETIMEDOUT;
}

static bool iot_missed(struct iot *t, const void *p, size_t len, uint8_t perm)
{
	uint64_t lo = vdrv_dma(&t->d, p), hi = lo + len;
	unsigned int i;

	for (i = 0; i < t->nmiss && i < 64; i++)
		if (t->miss_iova[i] >= lo && t->miss_iova[i] < hi && t->miss_perm[i] == perm)
			return true;
	return false;
}

/*
 * Open, check ACCESS_PLATFORM is offered (else SKIP), configure with it
 * acked and IOVAs, MSG_V2 if @v2. Maps everything (@map_all) or only the
 * used rings, as QEMU does before it starts the queues. Returns 1 after
 * a SKIP.
 */
static int iot_setup_num(struct __test_metadata *_metadata, struct iot *t, uint64_t extra,
			 bool v2, bool map_all, unsigned int num, bool alias)
{
	struct vdrv_cfg cfg = {
		.features = VDRV_FEATURES_DEFAULT | VDRV_F(VIRTIO_F_ACCESS_PLATFORM) |
			    VDRV_F(VIRTIO_RING_F_INDIRECT_DESC) | extra,
		.num = num,
		/* Big rings: small slots, so every page fits the IOTLB (2048). */
		.slot_size = num > 256 ? 2048 : 0,
	};
	uint64_t f, bf = VDRV_F(VHOST_BACKEND_F_IOTLB_MSG_V2);
	int r, i;

	memset(t, 0, sizeof(*t));
	t->e.tap = t->e.cap = t->e.inj = -1;
	VTEST_NETNS();
	VTEST_TAP(&t->e, "vxiot0", 0, VDRV_HDR_LEN);
	r = vdrv_open(&t->d);
	if (r == -ENOENT)
		return vtest_node_missing(_metadata);
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, xioctl(t->d.fd, VHOST_GET_FEATURES, &f));
	if (!(f & VDRV_F(VIRTIO_F_ACCESS_PLATFORM))) {
		ASSERT_FALSE(vdrv_is_vhostx());
		SKIP(return 1, "%s does not offer ACCESS_PLATFORM", vdrv_module_name());
	}
	ASSERT_EQ(0, vdrv_mem_init(&t->d, &cfg));
	t->d.iova_base = IOVA_BASE;
	if (alias) {
		t->alias = mmap(NULL, t->d.mem_size, PROT_READ | PROT_WRITE, MAP_SHARED,
				t->d.memfd, 0);
		ASSERT_NE(MAP_FAILED, t->alias);
	}
	t->v2 = v2;
	if (v2)
		ASSERT_EQ(0, xioctl(t->d.fd, VHOST_SET_BACKEND_FEATURES, &bf));
	r = vdrv_configure(&t->d);
	ASSERT_EQ(0, r) {
		TH_LOG("%s: %s", t->d.failed, strerror(-r));
	}
	if (map_all) {
		ASSERT_GT(2048, t->d.mem_size / PG);
		ASSERT_EQ(0, iot_map(t, IOVA_BASE, t->d.mem_size, VHOST_ACCESS_RW));
	} else {
		for (i = 0; i < VDRV_NVQ; i++)
			ASSERT_EQ(0, iot_map_area(t, t->d.vq[i].r.used,
						  used_bytes(&t->d.vq[i]), VHOST_ACCESS_RW));
	}
	return 0;
}

static int iot_setup(struct __test_metadata *_metadata, struct iot *t, uint64_t extra,
		     bool v2, bool map_all)
{
	return iot_setup_num(_metadata, t, extra, v2, map_all, 64, false);
}

static void iot_close(struct iot *t)
{
	if (t->alias)
		munmap(t->alias, t->d.mem_size);
	t->alias = NULL;
	vdrv_close(&t->d);
	vdrv_env_close(&t->e);
}

/* A TX frame through the IOTLB, bytes compared on the tap. */
static int iot_tx(struct iot *t, uint32_t seq, size_t len, unsigned int nsegs, bool indirect)
{
	uint8_t frame[2048];

	vdrv_frame_fill(frame, len, seq, NULL, NULL);
	return vdrv_tx_check(&t->d.vq[VDRV_TX], t->e.cap, NULL, frame, len, nsegs, indirect,
			     NULL);
}

/* Post @frame as a one-segment TX chain; returns its head or -errno. */
static int iot_post(struct iot *t, const uint8_t *frame, size_t len)
{
	return vdrv_tx_post(&t->d.vq[VDRV_TX], &(struct virtio_net_hdr_mrg_rxbuf){ 0 },
			    t->d.hdr_len, frame, len, 1, false);
}

/*
 * Ours offers the device IOTLB unless loaded with device_iotlb=0: on for
 * this program whatever it was, restored at exit.
 */
static void __attribute__((constructor)) iot_enable(void)
{
	nu_module_param_set("vhostx_net", "device_iotlb", "Y");
}

/* Offered and accepted: ACCESS_PLATFORM, IOTLB_MSG_V2; nothing unknown. */
TEST(features)
{
	uint64_t f, bf, bad;
	struct vdrv_dev d;
	int r;

	r = vdrv_open(&d);
	if (r == -ENOENT && vtest_node_missing(_metadata))
		return;
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, xioctl(d.fd, VHOST_GET_FEATURES, &f));
	if (!(f & VDRV_F(VIRTIO_F_ACCESS_PLATFORM))) {
		ASSERT_FALSE(vdrv_is_vhostx());
		SKIP(return, "%s does not offer ACCESS_PLATFORM", vdrv_module_name());
	}
	ASSERT_EQ(0, xioctl(d.fd, VHOST_GET_BACKEND_FEATURES, &bf));
	TH_LOG("%s: backend features %#llx", vdrv_module_name(), (unsigned long long)bf);
	EXPECT_TRUE(bf & VDRV_F(VHOST_BACKEND_F_IOTLB_MSG_V2));
	/* No address spaces on vhost-net. */
	EXPECT_FALSE(bf & VDRV_F(VHOST_BACKEND_F_IOTLB_ASID));
	if (vdrv_is_vhostx())
		EXPECT_TRUE(bf & VDRV_F(VHOST_BACKEND_F_IOTLB_BATCH));
	EXPECT_EQ(0, xioctl(d.fd, VHOST_SET_BACKEND_FEATURES, &bf));
	bad = bf | VDRV_F(VHOST_BACKEND_F_IOTLB_ASID);
	EXPECT_EQ(EOPNOTSUPP, xioctl(d.fd, VHOST_SET_BACKEND_FEATURES, &bad));
	bf = 0;
	EXPECT_EQ(0, xioctl(d.fd, VHOST_SET_BACKEND_FEATURES, &bf));
	ASSERT_EQ(0, xioctl(d.fd, VHOST_SET_OWNER, NULL));
	f = VDRV_F(VIRTIO_F_VERSION_1) | VDRV_F(VIRTIO_F_ACCESS_PLATFORM);
	EXPECT_EQ(0, xioctl(d.fd, VHOST_SET_FEATURES, &f));
	EXPECT_EQ(MSG_SIZE, msg_write(d.fd, false, VHOST_IOTLB_UPDATE, IOVA_BASE, PG,
				      0x10000000, VHOST_ACCESS_RO));
	EXPECT_EQ(MSG_SIZE, msg_write(d.fd, true, VHOST_IOTLB_INVALIDATE, IOVA_BASE, PG, 0, 0));
	vdrv_close(&d);
}

/* Without ACCESS_PLATFORM acked there is no IOTLB: what the kernel answers. */
TEST(no_access_platform)
{
	struct pollfd p;
	struct vdrv_dev d;
	uint64_t f = VDRV_F(VIRTIO_F_VERSION_1);
	union iot_msg u;
	int r, fl;

	r = vdrv_open(&d);
	if (r == -ENOENT && vtest_node_missing(_metadata))
		return;
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, xioctl(d.fd, VHOST_SET_OWNER, NULL));
	ASSERT_EQ(0, xioctl(d.fd, VHOST_SET_FEATURES, &f));
	EXPECT_EQ(-EFAULT, msg_write(d.fd, true, VHOST_IOTLB_UPDATE, IOVA_BASE, PG,
				     0x10000000, VHOST_ACCESS_RW));
	EXPECT_EQ(-EFAULT, msg_write(d.fd, false, VHOST_IOTLB_INVALIDATE, IOVA_BASE, PG, 0, 0));
	/* Blocking: nothing will ever come. */
	EXPECT_EQ(-1, read(d.fd, &u, sizeof(u)));
	EXPECT_EQ(EBADFD, errno);
	fl = fcntl(d.fd, F_GETFL);
	ASSERT_EQ(0, fcntl(d.fd, F_SETFL, fl | O_NONBLOCK));
	EXPECT_EQ(-1, read(d.fd, &u, sizeof(u)));
	EXPECT_EQ(EAGAIN, errno);
	/* Too small for a message: nothing, not an error. */
	EXPECT_EQ(0, read(d.fd, &u, sizeof(u) - 1));
	p.fd = d.fd;
	p.events = POLLIN;
	p.revents = 0;
	EXPECT_EQ(0, poll(&p, 1, 0));
	vdrv_close(&d);
}

/*
 * TX and RX with everything mapped, page by page, at IOVA_BASE. With 1024
 * entries every ring area spans several entries; with @alias the odd pages
 * map to a second mapping of the same memory, so no two neighbouring
 * entries are contiguous in user addresses either.
 */
static void iot_traffic(struct __test_metadata *_metadata, bool v2, unsigned int num,
			bool alias)
{
	struct vdrv_vq *rx;
	uint8_t frame[1514];
	struct iot t;

	if (iot_setup_num(_metadata, &t, 0, v2, true, num, alias))
		return;
	VTEST_BACKEND(&t.d, VDRV_TX, t.e.tap);
	VTEST_BACKEND(&t.d, VDRV_RX, t.e.tap);
	EXPECT_EQ(0, iot_tx(&t, 1, 60, 1, false));
	EXPECT_EQ(0, iot_tx(&t, 2, 1514, 5, false));
	EXPECT_EQ(0, iot_tx(&t, 3, 1000, 7, true));
	rx = &t.d.vq[VDRV_RX];
	rx->rx_refill = true;
	ASSERT_LT(0, vdrv_rx_fill(rx, 2048, 1, false));
	vdrv_kick(rx);
	vdrv_frame_fill(frame, sizeof(frame), 7, NULL, NULL);
	EXPECT_EQ(0, vdrv_rx_check(rx, t.e.inj, frame, sizeof(frame), NULL, NULL));
	vdrv_frame_fill(frame, 100, 8, NULL, NULL);
	EXPECT_EQ(0, vdrv_rx_check(rx, t.e.inj, frame, 100, NULL, NULL));
	/* Nothing missed. */
	EXPECT_EQ(0, t.nmiss);
	iot_close(&t);
}

TEST(traffic_v2)
{
	iot_traffic(_metadata, true, 64, false);
}

TEST(traffic_v1)
{
	iot_traffic(_metadata, false, 64, false);
}

TEST(traffic_big_rings_split_pages)
{
	iot_traffic(_metadata, true, 1024, true);
}

/*
 * Only the used rings mapped (as QEMU before it starts a queue): a kick
 * brings a MISS for the descriptor table (read access), then for the
 * others; answered, the frame goes out. Then RX: a miss for the
 * buffers with write access; answered, the frame comes in.
 */
TEST(miss_then_update)
{
	struct vdrv_vq *tx, *rx;
	uint8_t frame[1514], got[1600];
	uint64_t iova;
	uint8_t perm;
	uint32_t len;
	ssize_t n;
	struct iot t;
	int head;

	if (iot_setup(_metadata, &t, 0, true, false))
		return;
	tx = &t.d.vq[VDRV_TX];
	rx = &t.d.vq[VDRV_RX];
	VTEST_BACKEND(&t.d, VDRV_TX, t.e.tap);
	vdrv_frame_fill(frame, sizeof(frame), 11, NULL, NULL);
	head = iot_post(&t, frame, sizeof(frame));
	ASSERT_LE(0, head);
	vdrv_kick(tx);
	ASSERT_EQ(0, iot_read_miss(&t, &iova, &perm, 5000));
	EXPECT_EQ(vdrv_dma(&t.d, tx->r.desc), iova);
	EXPECT_EQ(VHOST_ACCESS_RO, perm);
	/* Parked: nothing happens until the update. */
	usleep(100 * 1000);
	EXPECT_EQ(0, vdrv_used_pending(tx));
	ASSERT_EQ(0, iot_map(&t, iova & ~(PG - 1), PG, VHOST_ACCESS_RW));
	ASSERT_EQ(0, iot_serve(&t, tx)) {
		TH_LOG("after %u misses", t.nmiss);
	}
	EXPECT_EQ(head, vdrv_used_get(tx, &len));
	n = vdrv_pkt_recv(t.e.cap, got, sizeof(got), 5000);
	ASSERT_EQ((ssize_t)(sizeof(frame) + sizeof(struct virtio_net_hdr)), n);
	EXPECT_EQ(0, vdrv_cmp(got + sizeof(struct virtio_net_hdr), frame, sizeof(frame)));
	EXPECT_TRUE(iot_missed(&t, vdrv_slot(tx, head), tx->slot_size, VHOST_ACCESS_RO));
	TH_LOG("TX: %u misses", t.nmiss);

	t.nmiss = 0;
	VTEST_BACKEND(&t.d, VDRV_RX, t.e.tap);
	head = vdrv_rx_post(rx, 2048, 1, false);
	ASSERT_LE(0, head);
	vdrv_kick(rx);
	vdrv_frame_fill(frame, sizeof(frame), 12, NULL, NULL);
	ASSERT_EQ((ssize_t)sizeof(frame), send(t.e.inj, frame, sizeof(frame), 0));
	ASSERT_EQ(0, iot_serve(&t, rx)) {
		TH_LOG("after %u misses", t.nmiss);
	}
	EXPECT_TRUE(iot_missed(&t, vdrv_slot(rx, head), 2048, VHOST_ACCESS_WO));
	TH_LOG("RX: %u misses", t.nmiss);
	EXPECT_EQ(head, vdrv_used_get(rx, &len));
	EXPECT_EQ(t.d.hdr_len + sizeof(frame), len);
	EXPECT_EQ(0, vdrv_cmp(vdrv_slot(rx, head) + t.d.hdr_len, frame, sizeof(frame)));
	iot_close(&t);
}

/* After an INVALIDATE of everything the next kick misses again. */
TEST(invalidate_then_miss)
{
	struct vdrv_vq *tx;
	uint8_t frame[200];
	uint64_t iova;
	uint8_t perm;
	uint32_t len;
	struct iot t;
	int head;

	if (iot_setup(_metadata, &t, 0, true, true))
		return;
	tx = &t.d.vq[VDRV_TX];
	VTEST_BACKEND(&t.d, VDRV_TX, t.e.tap);
	ASSERT_EQ(0, iot_tx(&t, 21, 200, 1, false));
	ASSERT_EQ(MSG_SIZE, msg_write(t.d.fd, true, VHOST_IOTLB_INVALIDATE, IOVA_BASE,
				      t.d.mem_size, 0, 0));
	vdrv_frame_fill(frame, sizeof(frame), 22, NULL, NULL);
	head = iot_post(&t, frame, sizeof(frame));
	ASSERT_LE(0, head);
	vdrv_kick(tx);
	ASSERT_EQ(0, iot_read_miss(&t, &iova, &perm, 5000));
	EXPECT_EQ(vdrv_dma(&t.d, tx->r.desc), iova);
	EXPECT_EQ(VHOST_ACCESS_RO, perm);
	usleep(100 * 1000);
	EXPECT_EQ(0, vdrv_used_pending(tx));
	ASSERT_EQ(0, iot_map(&t, IOVA_BASE, t.d.mem_size, VHOST_ACCESS_RW));
	ASSERT_EQ(0, iot_serve(&t, tx));
	EXPECT_EQ(head, vdrv_used_get(tx, &len));
	/* QEMU's "everything" (iova 0, size 0: a mask of all ones plus one). */
	ASSERT_EQ(MSG_SIZE, msg_write(t.d.fd, true, VHOST_IOTLB_INVALIDATE, 0, 0, 0, 0));
	t.nmiss = 0;
	head = iot_post(&t, frame, sizeof(frame));
	ASSERT_LE(0, head);
	vdrv_kick(tx);
	ASSERT_EQ(0, iot_read_miss(&t, &iova, &perm, 5000));
	EXPECT_EQ(vdrv_dma(&t.d, tx->r.desc), iova);
	/* Answered page by page from here on. */
	ASSERT_EQ(0, iot_map(&t, iova & ~(PG - 1), PG, VHOST_ACCESS_RW));
	ASSERT_EQ(0, iot_serve(&t, tx));
	EXPECT_EQ(head, vdrv_used_get(tx, &len));
	iot_close(&t);
}

/*
 * VHOST_SET_FEATURES with ACCESS_PLATFORM starts from an empty IOTLB, as
 * on the kernel's vhost-net: QEMU stops listening to the vIOMMU while vhost
 * is stopped and acks the features again at the next start, so whatever
 * the device cached before may have been unmapped meanwhile.
 */
TEST(set_features_empties_iotlb)
{
	struct vdrv_vq *tx;
	uint8_t frame[200];
	uint64_t iova, f;
	uint8_t perm;
	uint32_t len;
	struct iot t;
	int head;

	if (iot_setup(_metadata, &t, 0, true, true))
		return;
	tx = &t.d.vq[VDRV_TX];
	VTEST_BACKEND(&t.d, VDRV_TX, t.e.tap);
	ASSERT_EQ(0, iot_tx(&t, 31, 200, 1, false));
	f = t.d.features;
	ASSERT_EQ(0, xioctl(t.d.fd, VHOST_SET_FEATURES, &f));
	vdrv_frame_fill(frame, sizeof(frame), 32, NULL, NULL);
	head = iot_post(&t, frame, sizeof(frame));
	ASSERT_LE(0, head);
	vdrv_kick(tx);
	ASSERT_EQ(0, iot_read_miss(&t, &iova, &perm, 5000));
	EXPECT_EQ(vdrv_dma(&t.d, tx->r.desc), iova);
	usleep(100 * 1000);
	EXPECT_EQ(0, vdrv_used_pending(tx));
	ASSERT_EQ(0, iot_map(&t, IOVA_BASE, t.d.mem_size, VHOST_ACCESS_RW));
	ASSERT_EQ(0, iot_serve(&t, tx));
	EXPECT_EQ(head, vdrv_used_get(tx, &len));
	iot_close(&t);
}

/* Malformed and hostile messages: errors, and the device still works. */
TEST(hostile_messages)
{
	uint64_t bf = VDRV_F(VHOST_BACKEND_F_IOTLB_MSG_V2), ua;
	union iot_msg u;
	struct iot t;
	int fd;

	if (iot_setup(_metadata, &t, 0, true, true))
		return;
	fd = t.d.fd;
	ua = (uintptr_t)t.d.mem;
	/* Both the kernel's and ours. */
	EXPECT_EQ(-EINVAL, msg_write(fd, true, VHOST_IOTLB_UPDATE, IOVA_BASE, 0, ua,
				     VHOST_ACCESS_RW));
	EXPECT_EQ(-EFAULT, msg_write(fd, true, VHOST_IOTLB_UPDATE, ~0ULL - 100, PG, ua,
				     VHOST_ACCESS_RW));
	EXPECT_EQ(-EFAULT, msg_write(fd, true, VHOST_IOTLB_UPDATE, IOVA_BASE, PG, ~0ULL - 100,
				     VHOST_ACCESS_RW));
	EXPECT_EQ(-EFAULT, msg_write(fd, true, VHOST_IOTLB_UPDATE, IOVA_BASE, PG,
				     0xffff888000000000ULL, VHOST_ACCESS_RW));
	EXPECT_EQ(-EFAULT, msg_write(fd, true, 9, IOVA_BASE, PG, ua, VHOST_ACCESS_RW));
	EXPECT_EQ(-EFAULT, msg_write(fd, true, VHOST_IOTLB_MISS, IOVA_BASE, PG, ua,
				     VHOST_ACCESS_RW));
	EXPECT_EQ(-EFAULT, msg_write(fd, true, VHOST_IOTLB_ACCESS_FAIL, IOVA_BASE, PG, ua,
				     VHOST_ACCESS_RW));
	/* Not acked (the kernel's does not know batches at all). */
	EXPECT_EQ(-EFAULT, msg_write(fd, true, VHOST_IOTLB_BATCH_END, 0, 0, 0, 0));
	memset(&u, 0, sizeof(u));
	u.m2.type = 7;
	EXPECT_EQ(-1, write(fd, &u, sizeof(u)));
	EXPECT_EQ(EINVAL, errno);
	u.m2.type = VHOST_IOTLB_MSG_V2;
	u.m2.iotlb.type = VHOST_IOTLB_UPDATE;
	u.m2.iotlb.iova = IOVA_BASE;
	u.m2.iotlb.size = PG;
	u.m2.iotlb.uaddr = ua;
	u.m2.iotlb.perm = VHOST_ACCESS_RW;
	EXPECT_EQ(-1, write(fd, &u, 20));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, write(fd, &u, 3));
	EXPECT_EQ(EINVAL, errno);
	/* A wrapping invalidation drops (at least) to the end: no error. */
	EXPECT_EQ(MSG_SIZE, msg_write(fd, true, VHOST_IOTLB_INVALIDATE, IOVA_BASE + PG, ~0ULL,
				      0, 0));
	/* Permissions: ours refuses what means nothing; the kernel takes it. */
	if (vdrv_is_vhostx()) {
		EXPECT_EQ(-EFAULT, msg_write(fd, true, VHOST_IOTLB_UPDATE, IOVA_BASE, PG, ua, 0));
		EXPECT_EQ(-EFAULT, msg_write(fd, true, VHOST_IOTLB_UPDATE, IOVA_BASE, PG, ua, 4));
		EXPECT_EQ(-EFAULT, msg_write(fd, true, VHOST_IOTLB_UPDATE, IOVA_BASE, PG, ua,
					     0xff));
		/* Batches, acked: END only after BEGIN, no BEGIN twice. */
		bf |= VDRV_F(VHOST_BACKEND_F_IOTLB_BATCH);
		ASSERT_EQ(0, xioctl(fd, VHOST_SET_BACKEND_FEATURES, &bf));
		EXPECT_EQ(-EFAULT, msg_write(fd, true, VHOST_IOTLB_BATCH_END, 0, 0, 0, 0));
		EXPECT_EQ(MSG_SIZE, msg_write(fd, true, VHOST_IOTLB_BATCH_BEGIN, 0, 0, 0, 0));
		EXPECT_EQ(-EFAULT, msg_write(fd, true, VHOST_IOTLB_BATCH_BEGIN, 0, 0, 0, 0));
		EXPECT_EQ(MSG_SIZE, msg_write(fd, true, VHOST_IOTLB_UPDATE, IOVA_BASE, PG, ua,
					      VHOST_ACCESS_RW));
		EXPECT_EQ(MSG_SIZE, msg_write(fd, true, VHOST_IOTLB_BATCH_END, 0, 0, 0, 0));
		EXPECT_EQ(-EFAULT, msg_write(fd, true, VHOST_IOTLB_BATCH_END, 0, 0, 0, 0));
	} else {
		TH_LOG("%s: perm 0 update: %zd (ours: -EFAULT)", vdrv_module_name(),
		       msg_write(fd, true, VHOST_IOTLB_UPDATE, IOVA_BASE, PG, ua, 0));
	}
	/* Whatever was refused, the device works with a fresh map. */
	ASSERT_EQ(MSG_SIZE, msg_write(fd, true, VHOST_IOTLB_INVALIDATE, 0, 0, 0, 0));
	ASSERT_EQ(0, iot_map(&t, IOVA_BASE, t.d.mem_size, VHOST_ACCESS_RW));
	VTEST_BACKEND(&t.d, VDRV_TX, t.e.tap);
	EXPECT_EQ(0, iot_tx(&t, 31, 300, 2, false));
	EXPECT_EQ(0, t.nmiss);
	iot_close(&t);
}

/*
 * A queue parked on a miss and kicked again and again: ours queues one
 * message (a slot per queue); the kernel's one per kick. Either way they
 * all name the same address, and one update lets the frame go.
 */
TEST(miss_storm)
{
	union iot_msg u;
	struct vdrv_vq *tx;
	struct pollfd p;
	uint8_t frame[100];
	uint64_t iova, first = 0;
	uint8_t perm;
	unsigned int n = 0, i;
	uint32_t len;
	struct iot t;
	int head, fl;

	if (iot_setup(_metadata, &t, 0, true, false))
		return;
	tx = &t.d.vq[VDRV_TX];
	VTEST_BACKEND(&t.d, VDRV_TX, t.e.tap);
	vdrv_frame_fill(frame, sizeof(frame), 41, NULL, NULL);
	head = iot_post(&t, frame, sizeof(frame));
	ASSERT_LE(0, head);
	for (i = 0; i < 50; i++) {
		vdrv_kick(tx);
		usleep(2000);
	}
	usleep(100 * 1000);
	fl = fcntl(t.d.fd, F_GETFL);
	ASSERT_EQ(0, fcntl(t.d.fd, F_SETFL, fl | O_NONBLOCK));
	for (;;) {
		if (iot_read_miss(&t, &iova, &perm, 0))
			break;
		if (!n++)
			first = iova;
		EXPECT_EQ(first, iova);
		EXPECT_EQ(VHOST_ACCESS_RO, perm);
	}
	TH_LOG("%s: %u messages for 50 kicks", vdrv_module_name(), n);
	EXPECT_LE(1, n);
	/* 50 kicks, and the runs the backend's own wake-ups started. */
	EXPECT_GE(60, n);
	if (vdrv_is_vhostx())
		EXPECT_EQ(1, n);
	EXPECT_EQ(vdrv_dma(&t.d, tx->r.desc), first);
	/* Drained: not readable, and a read says so. */
	p.fd = t.d.fd;
	p.events = POLLIN;
	p.revents = 0;
	EXPECT_EQ(0, poll(&p, 1, 0));
	EXPECT_EQ(-1, read(t.d.fd, &u, sizeof(u)));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, fcntl(t.d.fd, F_SETFL, fl));
	ASSERT_EQ(0, iot_map(&t, IOVA_BASE, t.d.mem_size, VHOST_ACCESS_RW));
	ASSERT_EQ(0, iot_serve(&t, tx));
	EXPECT_EQ(head, vdrv_used_get(tx, &len));
	iot_close(&t);
}

/* poll(): POLLIN exactly while a miss waits; a blocking read() gets it. */
TEST(poll_and_read)
{
	struct vhost_msg_v2 m;
	struct vdrv_vq *tx;
	struct pollfd p;
	uint8_t frame[100];
	struct iot t;
	int head, fl;

	if (iot_setup(_metadata, &t, 0, true, false))
		return;
	tx = &t.d.vq[VDRV_TX];
	p.fd = t.d.fd;
	p.events = POLLIN | POLLOUT;
	p.revents = 0;
	poll(&p, 1, 0);
	EXPECT_FALSE(p.revents & POLLIN);
	TH_LOG("%s: idle revents %#x", vdrv_module_name(), p.revents);
	/* Ours: a write never blocks. The kernel's says nothing of POLLOUT. */
	if (vdrv_is_vhostx())
		EXPECT_TRUE(p.revents & POLLOUT);
	VTEST_BACKEND(&t.d, VDRV_TX, t.e.tap);
	vdrv_frame_fill(frame, sizeof(frame), 51, NULL, NULL);
	head = iot_post(&t, frame, sizeof(frame));
	ASSERT_LE(0, head);
	vdrv_kick(tx);
	p.events = POLLIN;
	p.revents = 0;
	ASSERT_EQ(1, poll(&p, 1, 5000));
	EXPECT_TRUE(p.revents & POLLIN);
	/* Blocking, but the message is there. */
	memset(&m, 0, sizeof(m));
	ASSERT_EQ(MSG_SIZE, read(t.d.fd, &m, sizeof(m)));
	EXPECT_EQ(VHOST_IOTLB_MSG_V2, m.type);
	EXPECT_EQ(0, m.asid);
	EXPECT_EQ(VHOST_IOTLB_MISS, m.iotlb.type);
	EXPECT_EQ(vdrv_dma(&t.d, tx->r.desc), m.iotlb.iova);
	EXPECT_EQ(VHOST_ACCESS_RO, m.iotlb.perm);
	/* The kernel's may hold more (a message per run): take them all. */
	fl = fcntl(t.d.fd, F_GETFL);
	ASSERT_EQ(0, fcntl(t.d.fd, F_SETFL, fl | O_NONBLOCK));
	while (read(t.d.fd, &m, sizeof(m)) == MSG_SIZE)
		EXPECT_EQ(VHOST_IOTLB_MISS, m.iotlb.type);
	EXPECT_EQ(EAGAIN, errno);
	p.revents = 0;
	EXPECT_EQ(0, poll(&p, 1, 0));
	iot_close(&t);
}

/* Is the bit of guest page @pfn set in @log? */
static bool log_bit(const uint8_t *log, uint64_t pfn)
{
	return log[pfn / 8] & (1u << (pfn % 8));
}

/*
 * Dirty log through the IOTLB: an RX buffer and the used ring are logged
 * at their guest physical pages (IOVA -> user address -> gpa), not at the
 * IOVA, and the used ring's log_guest_addr (0 here) is not what decides.
 */
TEST(dirty_log)
{
	size_t logsz = (IOVA_BASE + (16ULL << 20)) / PG / 8;
	uint64_t base, used_gpa, slot_gpa, slot_iova;
	struct vhost_vring_addr a;
	struct vdrv_vq *rx;
	uint8_t frame[1000];
	uint8_t *log;
	uint32_t len;
	struct iot t;
	int head;

	if (iot_setup(_metadata, &t, VDRV_F(VHOST_F_LOG_ALL), true, true))
		return;
	rx = &t.d.vq[VDRV_RX];
	log = mmap(NULL, logsz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, log);
	base = (uintptr_t)log;
	ASSERT_EQ(0, xioctl(t.d.fd, VHOST_SET_LOG_BASE, &base));
	memset(&a, 0, sizeof(a));
	a.index = VDRV_RX;
	a.flags = 1u << VHOST_VRING_F_LOG;
	a.desc_user_addr = vdrv_dma(&t.d, rx->r.desc);
	a.avail_user_addr = vdrv_dma(&t.d, rx->r.avail);
	a.used_user_addr = vdrv_dma(&t.d, rx->r.used);
	a.log_guest_addr = 0;
	ASSERT_EQ(0, xioctl(t.d.fd, VHOST_SET_VRING_ADDR, &a));
	VTEST_BACKEND(&t.d, VDRV_RX, t.e.tap);
	head = vdrv_rx_post(rx, 2048, 1, false);
	ASSERT_LE(0, head);
	vdrv_kick(rx);
	usleep(50 * 1000);
	memset(log, 0, logsz);
	vdrv_frame_fill(frame, sizeof(frame), 61, NULL, NULL);
	ASSERT_EQ((ssize_t)sizeof(frame), send(t.e.inj, frame, sizeof(frame), 0));
	ASSERT_EQ(1, vdrv_wait_used(rx, 5000));
	EXPECT_EQ(head, vdrv_used_get(rx, &len));
	EXPECT_EQ(0, vdrv_cmp(vdrv_slot(rx, head) + t.d.hdr_len, frame, sizeof(frame)));
	used_gpa = vdrv_hva2gpa(&t.d, rx->r.used);
	slot_gpa = vdrv_hva2gpa(&t.d, vdrv_slot(rx, head));
	slot_iova = vdrv_dma(&t.d, vdrv_slot(rx, head));
	EXPECT_TRUE(log_bit(log, slot_gpa / PG));
	EXPECT_TRUE(log_bit(log, used_gpa / PG));
	EXPECT_FALSE(log_bit(log, slot_iova / PG));
	EXPECT_FALSE(log_bit(log, vdrv_dma(&t.d, rx->r.used) / PG));
	EXPECT_FALSE(log_bit(log, 0));
	munmap(log, logsz);
	iot_close(&t);
}

TEST_HARNESS_MAIN
