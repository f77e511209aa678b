// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hostile rings: a guest that writes garbage into its rings. Each case must
 * signal the queue's error eventfd, must not complete the bad chain or send
 * anything, and must leave the queue stopped at the bad entry (a good chain
 * posted behind it does not go out), while the other queue keeps working.
 * The VM runner fails the run if the kernel log shows a WARN/BUG/oops.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "vtest.h"

#define NUM	16
#define BAD0	(NUM - 1)	/* vdrv hands out descriptors from 0 up */
#define BAD1	(NUM - 2)
#define GAP_GPA	0x80000000ULL	/* between the two regions: unmapped */
/* A third region for the length overflow cases, far above the other two. */
#define BIG_GPA		0x400000000ULL
#define BIG_SIZE	0x80000000ULL	/* 2 GiB, reserved but never touched */

struct ctx {
	struct vdrv_dev *d;
	struct vdrv_vq *vq;
	uint64_t data;		/* gpa of a valid, writable 4 KiB buffer */
	uint16_t rw;		/* VRING_DESC_F_WRITE on RX, 0 on TX */
	int backend;		/* the queue's backend fd (the tap) */
	int set_backend_ret;	/* what a build's own SET_BACKEND returned */
	bool failed;		/* a build step that is not under test failed */
};

typedef void (*build_fn)(struct ctx *c);

static void indir_desc(struct ctx *c, unsigned int head, struct vring_desc *t,
		       uint32_t len)
{
	vdrv_desc_set(c->vq, head, vdrv_hva2gpa(c->d, t), len,
		      VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(c->vq, head);
}

static void b_head_num(struct ctx *c)
{
	vdrv_publish(c->vq, NUM);
}

static void b_head_ffff(struct ctx *c)
{
	vdrv_publish(c->vq, 0xffff);
}

static void b_next_out_of_range(struct ctx *c)
{
	vdrv_desc_set(c->vq, BAD0, c->data, 100, c->rw | VRING_DESC_F_NEXT, NUM + 3);
	vdrv_publish(c->vq, BAD0);
}

static void b_self_loop(struct ctx *c)
{
	vdrv_desc_set(c->vq, BAD0, c->data, 100, c->rw | VRING_DESC_F_NEXT, BAD0);
	vdrv_publish(c->vq, BAD0);
}

static void b_two_loop(struct ctx *c)
{
	vdrv_desc_set(c->vq, BAD0, c->data, 100, c->rw | VRING_DESC_F_NEXT, BAD1);
	vdrv_desc_set(c->vq, BAD1, c->data + 100, 100, c->rw | VRING_DESC_F_NEXT, BAD0);
	vdrv_publish(c->vq, BAD0);
}

static void b_nested_indirect(struct ctx *c)
{
	struct vring_desc *t = vdrv_indir(c->vq, BAD0), *t2 = vdrv_indir(c->vq, BAD1);

	t2[0] = (struct vring_desc){ .addr = c->data, .len = 100, .flags = c->rw };
	t[0] = (struct vring_desc){ .addr = vdrv_hva2gpa(c->d, t2), .len = 16,
				    .flags = VRING_DESC_F_INDIRECT };
	indir_desc(c, BAD0, t, 16);
}

static void b_indirect_zero_len(struct ctx *c)
{
	struct vring_desc *t = vdrv_indir(c->vq, BAD0);

	t[0] = (struct vring_desc){ .addr = c->data, .len = 100, .flags = c->rw };
	indir_desc(c, BAD0, t, 0);
}

static void b_indirect_len_17(struct ctx *c)
{
	struct vring_desc *t = vdrv_indir(c->vq, BAD0);

	t[0] = (struct vring_desc){ .addr = c->data, .len = 100, .flags = c->rw };
	t[1] = t[0];
	indir_desc(c, BAD0, t, 17);
}

static void b_indirect_len_24(struct ctx *c)
{
	struct vring_desc *t = vdrv_indir(c->vq, BAD0);

	t[0] = (struct vring_desc){ .addr = c->data, .len = 100, .flags = c->rw };
	t[1] = t[0];
	indir_desc(c, BAD0, t, 24);
}

static void b_indirect_loop(struct ctx *c)
{
	struct vring_desc *t = vdrv_indir(c->vq, BAD0);

	t[0] = (struct vring_desc){ .addr = c->data, .len = 100,
				    .flags = c->rw | VRING_DESC_F_NEXT, .next = 1 };
	t[1] = (struct vring_desc){ .addr = c->data + 100, .len = 100,
				    .flags = c->rw | VRING_DESC_F_NEXT, .next = 0 };
	indir_desc(c, BAD0, t, 32);
}

/*
 * The last entry of a two-entry table says "more follows": whether a device
 * walks the table in order (the kernel ignores next inside indirect tables)
 * or follows next, the chain runs past the table's end.
 */
static void b_indirect_runs_off_end(struct ctx *c)
{
	struct vring_desc *t = vdrv_indir(c->vq, BAD0);

	t[0] = (struct vring_desc){ .addr = c->data, .len = 100,
				    .flags = c->rw | VRING_DESC_F_NEXT, .next = 1 };
	t[1] = (struct vring_desc){ .addr = c->data + 100, .len = 100,
				    .flags = c->rw | VRING_DESC_F_NEXT, .next = 2 };
	t[2] = (struct vring_desc){ .addr = c->data + 200, .len = 100, .flags = c->rw };
	indir_desc(c, BAD0, t, 32);
}

static void b_indirect_outside_mem(struct ctx *c)
{
	vdrv_desc_set(c->vq, BAD0, GAP_GPA, 32, VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(c->vq, BAD0);
}

static void b_indirect_huge(struct ctx *c)
{
	/* 2^32 - 16 bytes of table: far more entries than any ring. */
	vdrv_desc_set(c->vq, BAD0, c->data, 0xfffffff0, VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(c->vq, BAD0);
}

static void b_desc_outside_mem(struct ctx *c)
{
	vdrv_desc_set(c->vq, BAD0, GAP_GPA, 100, c->rw, 0);
	vdrv_publish(c->vq, BAD0);
}

static void b_desc_at_zero(struct ctx *c)
{
	vdrv_desc_set(c->vq, BAD0, 0, 100, c->rw, 0);
	vdrv_publish(c->vq, BAD0);
}

static void b_desc_addr_wraps(struct ctx *c)
{
	vdrv_desc_set(c->vq, BAD0, 0xfffffffffffff000ULL, 0x2000, c->rw, 0);
	vdrv_publish(c->vq, BAD0);
}

static void b_desc_len_huge(struct ctx *c)
{
	vdrv_desc_set(c->vq, BAD0, c->data, 0xffffffff, c->rw, 0);
	vdrv_publish(c->vq, BAD0);
}

static void b_desc_across_region_end(struct ctx *c)
{
	struct vdrv_region *r = &c->d->reg[0];

	/* Region 0 ends and the next gpa is unmapped (region 1 is far away). */
	vdrv_desc_set(c->vq, BAD0, r->gpa + r->size - 50, 100, c->rw, 0);
	vdrv_publish(c->vq, BAD0);
}

static void b_avail_idx_jump(struct ctx *c)
{
	struct vdrv_vq *vq = c->vq;

	__atomic_store_n(&vq->r.avail->idx, (uint16_t)(vq->r.avail_idx + NUM + 1),
			 __ATOMIC_RELEASE);
}

static void b_avail_idx_back(struct ctx *c)
{
	struct vdrv_vq *vq = c->vq;

	/* Just behind the device: 0xffff entries "available". */
	__atomic_store_n(&vq->r.avail->idx, (uint16_t)(vq->r.avail_idx - 1),
			 __ATOMIC_RELEASE);
}

/*
 * Two descriptors of 2 GiB each, both wholly inside guest memory (a 2 GiB
 * region added for this): each is a valid buffer on its own, but the
 * chain's length, 2^32, does not fit the 32-bit length of a used entry.
 * ring.c adds each length into a 64-bit sum and fails the chain once the
 * sum passes U32_MAX, before translating that descriptor; with a region
 * this large every descriptor up to the overflow also translates, so the
 * overflow check is what stops the chain, not the memory table. The
 * region is reserved address space only: nothing reads or writes it.
 */
static void b_len_overflow(struct ctx *c)
{
	struct {
		struct vhost_memory m;
		struct vhost_memory_region r[VDRV_MAX_REGIONS + 1];
	} t;
	struct vhost_memory_region *big;
	void *p;

	p = mmap(NULL, BIG_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		c->failed = true;
		return;
	}
	memset(&t, 0, sizeof(t));
	vdrv_mem_table(c->d, &t.m);
	big = &t.m.regions[t.m.nregions++];
	big->guest_phys_addr = BIG_GPA;
	big->memory_size = BIG_SIZE;
	big->userspace_addr = (uintptr_t)p;
	if (ioctl(c->d->fd, VHOST_SET_MEM_TABLE, &t.m) < 0) {
		c->failed = true;
		return;
	}
	vdrv_desc_set(c->vq, BAD0, BIG_GPA, 0x80000000U, c->rw | VRING_DESC_F_NEXT, BAD1);
	vdrv_desc_set(c->vq, BAD1, BIG_GPA, 0x80000000U, c->rw, 0);
	vdrv_publish(c->vq, BAD0);
}

/*
 * used->idx jumps: with the backend detached, the other side moves
 * used->idx NUM + 1 entries ahead, more chains than the ring can have in
 * flight. ring.c reads used->idx when the queue (re)starts and refuses a
 * value more than the ring size away from the avail base; while running
 * it publishes from its own copy and never reads used->idx back, so this
 * check is the only place a jump can be seen. Setting the backend again
 * must fail with EINVAL and signal the error eventfd. used->idx is put
 * back afterwards so the checks after the build see what we completed.
 */
static void b_used_idx_jump(struct ctx *c)
{
	struct vdrv_vq *vq = c->vq;
	uint16_t old;

	if (vdrv_set_backend(c->d, vq->index, -1)) {
		c->failed = true;
		return;
	}
	old = __atomic_load_n(&vq->r.used->idx, __ATOMIC_ACQUIRE);
	__atomic_store_n(&vq->r.used->idx, (uint16_t)(old + NUM + 1), __ATOMIC_RELEASE);
	c->set_backend_ret = vdrv_set_backend(c->d, vq->index, c->backend);
	__atomic_store_n(&vq->r.used->idx, old, __ATOMIC_RELEASE);
}

static void b_wrong_direction(struct ctx *c)
{
	/* Writable buffer on TX, read-only one on RX. */
	vdrv_desc_set(c->vq, BAD0, c->data, 1000, c->rw ^ VRING_DESC_F_WRITE, 0);
	vdrv_publish(c->vq, BAD0);
}

FIXTURE(hostile) {
	struct vdrv_dev d;
	struct vdrv_env e;
};

FIXTURE_VARIANT(hostile) {
	build_fn build;
	bool rx;		/* attack the RX queue (else TX) */
	bool no_follow;		/* do not post a good chain behind it */
	bool kernel_continues;	/* the kernel skips the bad head and goes on */
	/* The kernel's vhost_net has no such check (the case is ours only). */
	const char *kernel_lacks;
	int set_backend_err;	/* the build's SET_BACKEND must fail so */
};

FIXTURE_VARIANT_ADD(hostile, tx_head_out_of_range) {
	.build = b_head_num,
};

FIXTURE_VARIANT_ADD(hostile, tx_head_ffff) {
	.build = b_head_ffff,
};

FIXTURE_VARIANT_ADD(hostile, tx_next_out_of_range) {
	.build = b_next_out_of_range,
};

FIXTURE_VARIANT_ADD(hostile, tx_self_loop) {
	.build = b_self_loop,
};

FIXTURE_VARIANT_ADD(hostile, tx_loop) {
	.build = b_two_loop,
};

FIXTURE_VARIANT_ADD(hostile, tx_nested_indirect) {
	.build = b_nested_indirect,
};

FIXTURE_VARIANT_ADD(hostile, tx_indirect_zero_len) {
	.build = b_indirect_zero_len,
};

FIXTURE_VARIANT_ADD(hostile, tx_indirect_len_17) {
	.build = b_indirect_len_17,
};

FIXTURE_VARIANT_ADD(hostile, tx_indirect_len_24) {
	.build = b_indirect_len_24,
};

FIXTURE_VARIANT_ADD(hostile, tx_indirect_loop) {
	.build = b_indirect_loop,
};

FIXTURE_VARIANT_ADD(hostile, tx_indirect_runs_off_end) {
	.build = b_indirect_runs_off_end,
};

FIXTURE_VARIANT_ADD(hostile, tx_indirect_outside_mem) {
	.build = b_indirect_outside_mem,
};

FIXTURE_VARIANT_ADD(hostile, tx_indirect_huge) {
	.build = b_indirect_huge,
};

FIXTURE_VARIANT_ADD(hostile, tx_desc_outside_mem) {
	.build = b_desc_outside_mem,
};

FIXTURE_VARIANT_ADD(hostile, tx_desc_at_gpa_zero) {
	.build = b_desc_at_zero,
};

FIXTURE_VARIANT_ADD(hostile, tx_desc_addr_wraps) {
	.build = b_desc_addr_wraps,
};

FIXTURE_VARIANT_ADD(hostile, tx_desc_len_huge) {
	.build = b_desc_len_huge,
};

FIXTURE_VARIANT_ADD(hostile, tx_desc_across_region_end) {
	.build = b_desc_across_region_end,
};

FIXTURE_VARIANT_ADD(hostile, tx_avail_idx_jump) {
	.build = b_avail_idx_jump, .no_follow = true,
};

FIXTURE_VARIANT_ADD(hostile, tx_avail_idx_back) {
	.build = b_avail_idx_back, .no_follow = true,
};

FIXTURE_VARIANT_ADD(hostile, tx_len_overflow) {
	.build = b_len_overflow,
	.kernel_lacks = "no check of a chain's total length",
};

FIXTURE_VARIANT_ADD(hostile, tx_used_idx_jump) {
	.build = b_used_idx_jump, .no_follow = true, .set_backend_err = EINVAL,
	.kernel_lacks = "used->idx is taken as it is at start",
};

/*
 * The kernel consumes a TX chain with writable descriptors, signals the
 * error and then carries on with the next chain (the bad head is never
 * returned to the guest). Ours must stop; with the kernel the rest of the
 * check is skipped.
 */
FIXTURE_VARIANT_ADD(hostile, tx_writable_desc) {
	.build = b_wrong_direction, .kernel_continues = true,
};

FIXTURE_VARIANT_ADD(hostile, rx_head_out_of_range) {
	.build = b_head_num, .rx = true,
};

FIXTURE_VARIANT_ADD(hostile, rx_loop) {
	.build = b_two_loop, .rx = true,
};

FIXTURE_VARIANT_ADD(hostile, rx_nested_indirect) {
	.build = b_nested_indirect, .rx = true,
};

FIXTURE_VARIANT_ADD(hostile, rx_desc_outside_mem) {
	.build = b_desc_outside_mem, .rx = true,
};

FIXTURE_VARIANT_ADD(hostile, rx_avail_idx_jump) {
	.build = b_avail_idx_jump, .rx = true, .no_follow = true,
};

FIXTURE_VARIANT_ADD(hostile, rx_len_overflow) {
	.build = b_len_overflow, .rx = true,
	.kernel_lacks = "no check of a chain's total length",
};

FIXTURE_VARIANT_ADD(hostile, rx_used_idx_jump) {
	.build = b_used_idx_jump, .rx = true, .no_follow = true,
	.set_backend_err = EINVAL,
	.kernel_lacks = "used->idx is taken as it is at start",
};

/* The kernel drops a read-only RX chain the same way. */
FIXTURE_VARIANT_ADD(hostile, rx_readonly_desc) {
	.build = b_wrong_direction, .rx = true, .kernel_continues = true,
};

FIXTURE_SETUP(hostile)
{
	struct vdrv_cfg cfg = {
		.features = VDRV_FEATURES_DEFAULT | VDRV_F(VIRTIO_RING_F_INDIRECT_DESC),
		.num = NUM,
		.slot_size = 8192,
		.nregions = 2,
	};

	vtest_tap_dev(_metadata, &self->e, &self->d, &cfg, 0, true);
}

FIXTURE_TEARDOWN(hostile)
{
	/* Closing a device whose queue is wedged must not hang. */
	vdrv_close(&self->d);
	vdrv_env_close(&self->e);
}

/* Make the device look at @vq: kick, and on RX offer a frame on @inj. */
static int poke(struct vdrv_vq *vq, int inj, bool rx, uint32_t seq)
{
	uint8_t frame[200];

	vdrv_kick(vq);
	if (!rx)
		return 0;
	vdrv_frame_fill(frame, sizeof(frame), seq, NULL, NULL);
	return send(inj, frame, sizeof(frame), 0) == sizeof(frame) ? 0 : -1;
}

TEST_F(hostile, error_eventfd)
{
	struct vdrv_vq *vq = &self->d.vq[variant->rx ? VDRV_RX : VDRV_TX];
	struct vdrv_vq *other = &self->d.vq[variant->rx ? VDRV_TX : VDRV_RX];
	struct ctx c = { .d = &self->d, .vq = vq };
	uint8_t frame[300], buf[400];
	uint64_t nerr;

	if (_metadata->skip)
		return;
	if (variant->kernel_lacks && !vdrv_is_vhostx())
		SKIP(return, "kernel vhost_net: %s", variant->kernel_lacks);
	c.rw = variant->rx ? VRING_DESC_F_WRITE : 0;
	c.backend = self->e.tap;
	/* A valid buffer for the bad chains to point at: slot 0's memory. */
	c.data = vdrv_hva2gpa(&self->d, vdrv_slot(vq, BAD1 - 1));
	ASSERT_NE(0, c.data);
	ASSERT_EQ(0, vdrv_evt_count(vq->err));

	variant->build(&c);
	ASSERT_FALSE(c.failed) {
		TH_LOG("setting up the case failed: %s", strerror(errno));
	}
	EXPECT_EQ(-variant->set_backend_err, c.set_backend_ret);
	ASSERT_EQ(0, poke(vq, self->e.inj, variant->rx, 1));
	ASSERT_EQ(1, vdrv_evt_wait(vq->err, 5000)) {
		TH_LOG("no error eventfd signal");
	}
	usleep(100 * 1000);
	EXPECT_EQ(0, vdrv_used_pending(vq));
	EXPECT_EQ(-ETIMEDOUT, vdrv_pkt_recv(self->e.cap, buf, sizeof(buf), 200));

	/* A good chain behind the bad one, and another kick. */
	if (!variant->no_follow) {
		vdrv_frame_fill(frame, sizeof(frame), 2, NULL, NULL);
		int r;

		if (variant->rx)
			r = vdrv_rx_post(vq, 2048, 1, false);
		else
			r = vdrv_tx_post(vq, &(struct virtio_net_hdr_mrg_rxbuf){ 0 },
					 self->d.hdr_len, frame, sizeof(frame), 1, false);
		ASSERT_LE(0, r);
	}
	ASSERT_EQ(0, poke(vq, self->e.inj, variant->rx, 3));
	usleep(500 * 1000);
	nerr = vdrv_evt_count(vq->err);
	TH_LOG("error signals after the second kick: %llu", (unsigned long long)nerr);
	if (variant->kernel_continues && !vdrv_is_vhostx()) {
		TH_LOG("kernel vhost_net skipped the bad chain and went on");
	} else {
		EXPECT_EQ(0, vdrv_used_pending(vq)) {
			TH_LOG("the queue went on past the bad entry");
		}
		EXPECT_EQ(-ETIMEDOUT, vdrv_pkt_recv(self->e.cap, buf, sizeof(buf), 100));
	}

	/* The other queue of the same device still works. */
	vdrv_frame_fill(frame, sizeof(frame), 7, NULL, NULL);
	if (variant->rx) {
		/* Drain what the stopped RX queue left on the tap first. */
		while (vdrv_pkt_recv(self->e.cap, buf, sizeof(buf), 0) > 0)
			;
		EXPECT_EQ(0, vdrv_tx_check(other, self->e.cap, NULL, frame,
					   sizeof(frame), 1, false, NULL));
	} else {
		ASSERT_LT(0, vdrv_rx_fill(other, 2048, 1, false));
		vdrv_kick(other);
		EXPECT_EQ(0, vdrv_rx_check(other, self->e.inj, frame, sizeof(frame),
					   NULL, NULL));
	}
}

TEST_HARNESS_MAIN
