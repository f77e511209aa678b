// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the vhostx ring core and memory table, built from the
 * kernel's own drivers/vhost/core/ring.c and mem.c. Prints KTAP and a final
 * "N passed, N failed, N skipped" line; exits 1 if anything failed.
 */
#include <dirent.h>
#include <sys/mman.h>
#include "vdrv.h"

enum { PASS, FAIL, SKIP };

#define CHECK(c) do {							\
	if (!(c)) {							\
		printf("# %s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
		return FAIL;						\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		printf("# %s:%d: %s is %lld, expected %s = %lld\n",	\
		       __FILE__, __LINE__, #a, _a, #b, _b);		\
		return FAIL;						\
	}								\
} while (0)

#define TRY(x) do { int _r = (x); if (_r != PASS) return _r; } while (0)

/* Guest image layout used by most tests. */
#define IMG_SIZE	(1u << 20)
#define DESC_OFF	0x0
#define AVAIL_OFF	0x8000
#define USED_OFF	0x10000
#define GPA_A		0x10000000ull		/* region A */
#define SIZE_A		0x40000ull
#define OFF_A		0x40000
#define GPA_B		(GPA_A + SIZE_A)	/* adjacent in gpa, not in host */
#define SIZE_B		0x40000ull
#define OFF_B		0xa0000
#define GPA_C		0x80000000ull
#define SIZE_C		0x10000ull
#define OFF_C		0xf0000

static unsigned char *img;
static struct vdrv drv;
static struct vhostx_mem *mem;
static struct vhostx_ring ring;

#define U(off)	((u64)(uintptr_t)(img + (off)))
#define H(gpa)	((unsigned char *)vdrv_gpa(&drv, (gpa), 1))

/* Features for setup(). */
#define F_EVENT		1
#define F_INDIRECT	2
#define F_EMPTY		4

static void teardown(void);

static int setup_at(unsigned int num, unsigned int feat, u16 base)
{
	struct vhostx_mem_region regs[] = {
		{ .gpa = GPA_C, .size = SIZE_C, .uaddr = U(OFF_C) },
		{ .gpa = GPA_A, .size = SIZE_A, .uaddr = U(OFF_A) },
		{ .gpa = GPA_B, .size = SIZE_B, .uaddr = U(OFF_B) },
	};
	int ret;

	if (mem)
		teardown();
	vx_env_reset(img, IMG_SIZE);
	memset(img, 0, IMG_SIZE);
	vx_env_allow_read(img + DESC_OFF, vdrv_desc_bytes(num));
	vx_env_allow_read(img + AVAIL_OFF, vdrv_avail_bytes(num));
	vx_env_allow_read(img + USED_OFF, vdrv_used_bytes(num));
	vx_env_allow_read(img + OFF_A, SIZE_A);
	vx_env_allow_read(img + OFF_B, SIZE_B);
	vx_env_allow_read(img + OFF_C, SIZE_C);
	vx_env_allow_write(img + USED_OFF, vdrv_used_bytes(num));

	vdrv_init(&drv, num, img + DESC_OFF, img + AVAIL_OFF, img + USED_OFF);
	vdrv_add_region(&drv, GPA_A, SIZE_A, img + OFF_A);
	vdrv_add_region(&drv, GPA_B, SIZE_B, img + OFF_B);
	vdrv_add_region(&drv, GPA_C, SIZE_C, img + OFF_C);
	drv.r.avail_idx = base;
	drv.r.avail->idx = htole16(base);
	drv.r.used->idx = htole16(base);
	drv.r.last_used = base;

	mem = NULL;
	ret = vhostx_mem_build(regs, 3, &mem);
	CHECK_EQ(ret, 0);
	CHECK_EQ(vhostx_ring_check_addr(num, U(DESC_OFF), U(AVAIL_OFF), U(USED_OFF)), 0);
	memset(&ring, 0, sizeof(ring));
	ring.num = num;
	ring.desc = (void *)(img + DESC_OFF);
	ring.avail = (void *)(img + AVAIL_OFF);
	ring.used = (void *)(img + USED_OFF);
	ring.mem = mem;
	ring.event_idx = feat & F_EVENT;
	ring.indirect = feat & F_INDIRECT;
	ring.notify_on_empty = feat & F_EMPTY;
	ring.last_avail_idx = base;
	CHECK_EQ(vhostx_ring_start(&ring), 0);
	CHECK_EQ(ring.last_used_idx, base);
	return PASS;
}

static int setup(unsigned int num, unsigned int feat)
{
	return setup_at(num, feat, 0);
}

static void *pbufs;

static void teardown(void)
{
	vhostx_mem_free(mem);
	mem = NULL;
	free(pbufs);
	pbufs = NULL;
	vx_env_reset(img, IMG_SIZE);
}

static struct iovec iov[64];
static unsigned int nout, nin;
static u16 head;

static int pop(void)
{
	return vhostx_ring_get_chain(&ring, iov, 64, &nout, &nin, &head);
}

/* The ring must now be broken by exactly one guest error, with errno @err. */
static int expect_broken(int ret, int err)
{
	u64 chains;
	u16 last;

	CHECK_EQ(ret, -err);
	CHECK(ring.broken);
	CHECK_EQ(ring.stats.errors, 1);
	CHECK(vx_env.errs >= 1);
	/* Stays broken, no second error counted, nothing popped. */
	chains = ring.stats.chains;
	last = ring.last_avail_idx;
	CHECK_EQ(pop(), -EIO);
	CHECK_EQ(ring.stats.errors, 1);
	CHECK_EQ(ring.stats.chains, chains);
	CHECK_EQ(ring.last_avail_idx, last);
	return PASS;
}

static int expect_iov(unsigned int k, u64 gpa, size_t len)
{
	CHECK(k < nout + nin);
	CHECK(iov[k].iov_base == (void *)H(gpa));
	CHECK_EQ(iov[k].iov_len, len);
	return PASS;
}

/* ---- memory table ---- */

static int t_mem_check_sorts(void)
{
	struct vhostx_mem_region r[] = {
		{ 0x30000, 0x1000, U(0x3000) },
		{ 0x10000, 0x1000, U(0x1000) },
		{ 0x20000, 0x1000, U(0x2000) },
		{ 0x0, 0x10000, U(0x10000) },	/* ends right where the next starts */
	};

	vx_env_reset(img, IMG_SIZE);
	CHECK_EQ(vhostx_mem_check(r, 4), 0);
	CHECK_EQ(r[0].gpa, 0x0);
	CHECK_EQ(r[1].gpa, 0x10000);
	CHECK_EQ(r[1].uaddr, U(0x1000));
	CHECK_EQ(r[2].gpa, 0x20000);
	CHECK_EQ(r[3].gpa, 0x30000);
	CHECK_EQ(vhostx_mem_check(r, 0), 0);
	return PASS;
}

static int t_mem_check_sort_many(void)
{
	static struct vhostx_mem_region r[1000];
	unsigned int i;

	vx_env_reset(img, IMG_SIZE);
	for (i = 0; i < 1000; i++) {
		unsigned int k = (i * 7919) % 1000;	/* a permutation */

		r[i].gpa = 0x1000ull * k;
		r[i].size = 0x1000;
		r[i].uaddr = U(0);
	}
	CHECK_EQ(vhostx_mem_check(r, 1000), 0);
	for (i = 0; i < 1000; i++)
		CHECK_EQ(r[i].gpa, 0x1000ull * i);
	return PASS;
}

static int t_mem_check_rejects(void)
{
	struct vhostx_mem_region r[2];

	vx_env_reset(img, IMG_SIZE);
	/* zero size */
	r[0] = (struct vhostx_mem_region){ 0x1000, 0, U(0) };
	CHECK_EQ(vhostx_mem_check(r, 1), -EINVAL);
	/* overlap by one byte, in either input order */
	r[0] = (struct vhostx_mem_region){ 0x1000, 0x1001, U(0) };
	r[1] = (struct vhostx_mem_region){ 0x2000, 0x1000, U(0x2000) };
	CHECK_EQ(vhostx_mem_check(r, 2), -EINVAL);
	r[0] = (struct vhostx_mem_region){ 0x2000, 0x1000, U(0x2000) };
	r[1] = (struct vhostx_mem_region){ 0x1000, 0x1001, U(0) };
	CHECK_EQ(vhostx_mem_check(r, 2), -EINVAL);
	/* same start */
	r[0] = (struct vhostx_mem_region){ 0x1000, 0x10, U(0) };
	r[1] = (struct vhostx_mem_region){ 0x1000, 0x10, U(0x100) };
	CHECK_EQ(vhostx_mem_check(r, 2), -EINVAL);
	/* one inside another */
	r[0] = (struct vhostx_mem_region){ 0x1000, 0x10000, U(0) };
	r[1] = (struct vhostx_mem_region){ 0x2000, 0x10, U(0x100) };
	CHECK_EQ(vhostx_mem_check(r, 2), -EINVAL);
	/* gpa wrap */
	r[0] = (struct vhostx_mem_region){ ~0ull - 0xf, 0x20, U(0) };
	CHECK_EQ(vhostx_mem_check(r, 1), -EINVAL);
	/* ending exactly at the top of the gpa space is fine */
	r[0] = (struct vhostx_mem_region){ ~0ull - 0xf, 0x10, U(0) };
	CHECK_EQ(vhostx_mem_check(r, 1), 0);
	/* uaddr wrap */
	r[0] = (struct vhostx_mem_region){ 0, 0x20, ~0ull - 0xf };
	CHECK_EQ(vhostx_mem_check(r, 1), -EINVAL);
	/* uaddr outside the address space (the image) */
	r[0] = (struct vhostx_mem_region){ 0, 0x1000, U(IMG_SIZE - 0x800) };
	CHECK_EQ(vhostx_mem_check(r, 1), -EFAULT);
	r[0] = (struct vhostx_mem_region){ 0, 0x10, (u64)(uintptr_t)img - 0x100 };
	CHECK_EQ(vhostx_mem_check(r, 1), -EFAULT);
	/* the last byte of the image is fine */
	r[0] = (struct vhostx_mem_region){ 0, 0x800, U(IMG_SIZE - 0x800) };
	CHECK_EQ(vhostx_mem_check(r, 1), 0);
	return PASS;
}

static int t_mem_build(void)
{
	struct vhostx_mem_region r[] = {
		{ 0x20000, 0x1000, U(0x2000) },
		{ 0x10000, 0x1000, U(0x1000) },
	};
	struct vhostx_mem *m = NULL, *keep = (void *)0x1;
	struct iovec v[2];

	vx_env_reset(img, IMG_SIZE);
	CHECK_EQ(vhostx_mem_build(r, 2, &m), 0);
	CHECK_EQ(m->nregions, 2);
	CHECK_EQ(m->regions[0].gpa, 0x10000);
	CHECK_EQ(r[0].gpa, 0x20000);	/* input untouched */
	CHECK_EQ(vhostx_mem_translate(m, 0x20010, 8, v, 2), 1);
	CHECK(v[0].iov_base == img + 0x2010);
	vhostx_mem_free(m);
	r[1].gpa = 0x20800;		/* now overlapping */
	CHECK_EQ(vhostx_mem_build(r, 2, &keep), -EINVAL);
	CHECK(keep == (void *)0x1);
	/* empty table: everything faults */
	CHECK_EQ(vhostx_mem_build(r, 0, &m), 0);
	CHECK_EQ(vhostx_mem_translate(m, 0, 1, v, 2), -EFAULT);
	CHECK_EQ(vhostx_mem_translate(m, 0, 0, v, 2), 0);
	vhostx_mem_free(m);
	vhostx_mem_free(NULL);
	return PASS;
}

static int t_mem_translate(void)
{
	struct iovec v[4];

	TRY(setup(8, 0));
	/* inside A */
	CHECK_EQ(vhostx_mem_translate(mem, GPA_A + 0x10, 0x100, v, 4), 1);
	CHECK(v[0].iov_base == img + OFF_A + 0x10);
	CHECK_EQ(v[0].iov_len, 0x100);
	CHECK_EQ(mem->regions[mem->last_hit].gpa, GPA_A);
	/* spanning A and B: two iovecs */
	CHECK_EQ(vhostx_mem_translate(mem, GPA_B - 0x10, 0x30, v, 4), 2);
	CHECK(v[0].iov_base == img + OFF_A + SIZE_A - 0x10);
	CHECK_EQ(v[0].iov_len, 0x10);
	CHECK(v[1].iov_base == img + OFF_B);
	CHECK_EQ(v[1].iov_len, 0x20);
	/* too few iovecs */
	CHECK_EQ(vhostx_mem_translate(mem, GPA_B - 0x10, 0x30, v, 1), -ENOBUFS);
	/* the whole of A and B */
	CHECK_EQ(vhostx_mem_translate(mem, GPA_A, SIZE_A + SIZE_B, v, 4), 2);
	/* running off the end of B, or starting in a hole */
	CHECK_EQ(vhostx_mem_translate(mem, GPA_B, SIZE_B + 1, v, 4), -EFAULT);
	CHECK_EQ(vhostx_mem_translate(mem, GPA_A - 1, 2, v, 4), -EFAULT);
	CHECK_EQ(vhostx_mem_translate(mem, 0, 1, v, 4), -EFAULT);
	CHECK_EQ(vhostx_mem_translate(mem, ~0ull, 1, v, 4), -EFAULT);
	/* wrap of gpa + len */
	CHECK_EQ(vhostx_mem_translate(mem, GPA_A, ~0ull, v, 4), -EFAULT);
	CHECK_EQ(vhostx_mem_translate(mem, ~0ull - 1, 4, v, 4), -EFAULT);
	/* zero length maps nothing, anywhere */
	CHECK_EQ(vhostx_mem_translate(mem, 0, 0, v, 0), 0);
	/* hint moves to C, lookups elsewhere still work */
	CHECK_EQ(vhostx_mem_translate(mem, GPA_C + 5, 1, v, 4), 1);
	CHECK_EQ(mem->regions[mem->last_hit].gpa, GPA_C);
	CHECK_EQ(vhostx_mem_translate(mem, GPA_A + 5, 1, v, 4), 1);
	CHECK(v[0].iov_base == img + OFF_A + 5);
	/* a stale, out-of-range hint is ignored */
	mem->last_hit = 1000;
	CHECK_EQ(vhostx_mem_translate(mem, GPA_C + SIZE_C - 1, 1, v, 4), 1);
	CHECK(v[0].iov_base == img + OFF_C + SIZE_C - 1);
	teardown();
	return PASS;
}

/* ---- ring setup ---- */

static int t_check_addr(void)
{
	vx_env_reset(img, IMG_SIZE);
	CHECK_EQ(vhostx_ring_check_addr(256, U(0), U(0x1000), U(0x2000)), 0);
	CHECK_EQ(vhostx_ring_check_addr(1, U(0), U(0x1000), U(0x2000)), 0);
	CHECK_EQ(vhostx_ring_check_addr(32768, U(0), U(0x80000), U(0x90000)), 0);
	CHECK_EQ(vhostx_ring_check_addr(0, U(0), U(0x1000), U(0x2000)), -EINVAL);
	CHECK_EQ(vhostx_ring_check_addr(3, U(0), U(0x1000), U(0x2000)), -EINVAL);
	CHECK_EQ(vhostx_ring_check_addr(65536, U(0), U(0x1000), U(0x2000)), -EINVAL);
	CHECK_EQ(vhostx_ring_check_addr(256, U(8), U(0x1000), U(0x2000)), -EINVAL);
	CHECK_EQ(vhostx_ring_check_addr(256, U(0), U(0x1001), U(0x2000)), -EINVAL);
	CHECK_EQ(vhostx_ring_check_addr(256, U(0), U(0x1000), U(0x2002)), -EINVAL);
	/* used ring's avail_event field one byte past the image */
	CHECK_EQ(vhostx_ring_check_addr(256, U(0), U(0x1000), U(IMG_SIZE - 2052)), -EFAULT);
	CHECK_EQ(vhostx_ring_check_addr(256, U(0), U(0x1000), U(IMG_SIZE - 2056)), 0);
	CHECK_EQ(vhostx_ring_check_addr(256, U(IMG_SIZE - 16 * 255), U(0x1000), U(0x2000)),
		 -EFAULT);
	CHECK_EQ(vhostx_ring_check_addr(256, U(0), U(IMG_SIZE - 6 - 2 * 256 + 2), U(0x2000)),
		 -EFAULT);
	CHECK_EQ(vhostx_ring_check_addr(256, ~0ull - 15, U(0x1000), U(0x2000)), -EFAULT);
	return PASS;
}

static int t_start_used_idx(void)
{
	TRY(setup(8, 0));
	/* used->idx 8 behind avail base: fine, 8 in flight */
	ring.last_avail_idx = 8;
	drv.r.used->idx = htole16(0);
	CHECK_EQ(vhostx_ring_start(&ring), 0);
	CHECK_EQ(ring.last_used_idx, 0);
	/* 9 behind: bogus */
	ring.last_avail_idx = 9;
	TRY(expect_broken(vhostx_ring_start(&ring), EINVAL));
	/* used ahead of avail base: bogus too (distance wraps) */
	ring.stats.errors = 0;
	ring.last_avail_idx = 0;
	drv.r.used->idx = htole16(1);
	TRY(expect_broken(vhostx_ring_start(&ring), EINVAL));
	/* restart clears broken */
	ring.stats.errors = 0;
	drv.r.used->idx = htole16(0);
	CHECK_EQ(vhostx_ring_start(&ring), 0);
	CHECK(!ring.broken);
	/* wraparound: base 3, used 65533 -> 6 in flight */
	ring.last_avail_idx = 3;
	drv.r.used->idx = htole16(65533);
	CHECK_EQ(vhostx_ring_start(&ring), 0);
	CHECK_EQ(ring.last_used_idx, 65533);
	/* start writes used->flags = 0 */
	drv.r.used->flags = htole16(VRING_USED_F_NO_NOTIFY);
	CHECK_EQ(vhostx_ring_start(&ring), 0);
	CHECK_EQ(vdrv_used_flags(&drv), 0);
	/* bad setups */
	ring.stats.errors = 0;
	ring.num = 6;
	TRY(expect_broken(vhostx_ring_start(&ring), EINVAL));
	ring.stats.errors = 0;
	ring.num = 8;
	ring.mem = NULL;
	TRY(expect_broken(vhostx_ring_start(&ring), EINVAL));
	ring.mem = mem;
	/* unreadable used ring */
	ring.stats.errors = 0;
	vx_env_add_fault(img + USED_OFF, 4);
	TRY(expect_broken(vhostx_ring_start(&ring), EFAULT));
	teardown();
	return PASS;
}

/* ---- chains ---- */

static int t_empty(void)
{
	TRY(setup(8, 0));
	CHECK_EQ(pop(), 0);
	CHECK(vhostx_ring_avail_empty(&ring));
	CHECK(!ring.broken);
	CHECK_EQ(ring.stats.chains, 0);
	teardown();
	return PASS;
}

static int t_simple_chain(void)
{
	struct vseg one[] = { { GPA_A + 0x100, 64, false } };
	struct vseg three[] = {
		{ GPA_A + 0x1000, 10, false },
		{ GPA_C + 0x20, 20, false },
		{ GPA_A + 0x3000, 1500, true },
	};
	u16 h1, h2;

	TRY(setup(8, 0));
	h1 = vdrv_chain(&drv, one, 1);
	h2 = vdrv_chain(&drv, three, 3);
	CHECK(!vhostx_ring_avail_empty(&ring));
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, h1);
	CHECK_EQ(nout, 1);
	CHECK_EQ(nin, 0);
	TRY(expect_iov(0, GPA_A + 0x100, 64));
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, h2);
	CHECK_EQ(nout, 2);
	CHECK_EQ(nin, 1);
	TRY(expect_iov(0, GPA_A + 0x1000, 10));
	TRY(expect_iov(1, GPA_C + 0x20, 20));
	TRY(expect_iov(2, GPA_A + 0x3000, 1500));
	CHECK_EQ(pop(), 0);
	CHECK(vhostx_ring_avail_empty(&ring));
	CHECK_EQ(ring.stats.chains, 2);
	CHECK_EQ(ring.last_avail_idx, 2);
	CHECK(!ring.broken);
	teardown();
	return PASS;
}

static int t_write_only_chain(void)
{
	struct vseg s[] = {
		{ GPA_A, 100, true },
		{ GPA_A + 200, 0, true },	/* zero length: no iovec */
		{ GPA_A + 300, 50, true },
	};

	TRY(setup(4, 0));
	vdrv_chain(&drv, s, 3);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(nout, 0);
	CHECK_EQ(nin, 2);
	TRY(expect_iov(0, GPA_A, 100));
	TRY(expect_iov(1, GPA_A + 300, 50));
	teardown();
	return PASS;
}

static int t_readable_after_writable(void)
{
	struct vseg s[] = { { GPA_A, 10, false }, { GPA_A + 10, 10, true }, { GPA_A + 20, 10, false } };

	TRY(setup(8, 0));
	vdrv_chain(&drv, s, 3);
	TRY(expect_broken(pop(), EINVAL));
	CHECK_EQ(ring.last_avail_idx, 0);
	teardown();
	return PASS;
}

static int t_readable_after_empty_writable(void)
{
	struct vseg s[] = { { GPA_A, 0, true }, { GPA_A + 20, 10, false } };

	TRY(setup(8, 0));
	vdrv_chain(&drv, s, 2);
	TRY(expect_broken(pop(), EINVAL));
	teardown();
	return PASS;
}

static int t_chain_spans_regions(void)
{
	struct vseg s[] = { { GPA_B - 100, 300, false }, { GPA_B - 8, 16, true } };

	TRY(setup(8, 0));
	vdrv_chain(&drv, s, 2);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(nout, 2);
	CHECK_EQ(nin, 2);
	TRY(expect_iov(0, GPA_B - 100, 100));
	TRY(expect_iov(1, GPA_B, 200));
	TRY(expect_iov(2, GPA_B - 8, 8));
	TRY(expect_iov(3, GPA_B, 8));
	teardown();
	return PASS;
}

static int t_desc_outside_memory(void)
{
	struct vseg s[] = { { GPA_C + SIZE_C - 10, 11, false } };

	TRY(setup(8, 0));
	vdrv_chain(&drv, s, 1);
	TRY(expect_broken(pop(), EFAULT));
	teardown();
	TRY(setup(8, 0));
	vdrv_desc(&drv, 0, ~0ull - 1, 4, 0, 0);		/* addr + len wraps */
	vdrv_publish(&drv, 0);
	TRY(expect_broken(pop(), EFAULT));
	teardown();
	TRY(setup(8, 0));
	vdrv_desc(&drv, 0, 0x1000, 1, 0, 0);		/* hole below A */
	vdrv_publish(&drv, 0);
	TRY(expect_broken(pop(), EFAULT));
	teardown();
	return PASS;
}

static int t_head_out_of_range(void)
{
	TRY(setup(8, 0));
	vdrv_desc(&drv, 0, GPA_A, 1, 0, 0);
	vdrv_publish(&drv, 8);
	TRY(expect_broken(pop(), EINVAL));
	teardown();
	TRY(setup(8, 0));
	vdrv_publish(&drv, 0xffff);
	TRY(expect_broken(pop(), EINVAL));
	teardown();
	return PASS;
}

static int t_next_out_of_range(void)
{
	TRY(setup(8, 0));
	vdrv_desc(&drv, 2, GPA_A, 1, VRING_DESC_F_NEXT, 8);
	vdrv_publish(&drv, 2);
	TRY(expect_broken(pop(), EINVAL));
	teardown();
	return PASS;
}

static int t_desc_loop(void)
{
	unsigned int i;

	/* self loop */
	TRY(setup(8, 0));
	vdrv_desc(&drv, 3, GPA_A, 1, VRING_DESC_F_NEXT, 3);
	vdrv_publish(&drv, 3);
	TRY(expect_broken(pop(), ELOOP));
	teardown();
	/* cycle through the whole table, reached after a tail */
	TRY(setup(16, 0));
	for (i = 0; i < 16; i++)
		vdrv_desc(&drv, i, GPA_A + i, 1, VRING_DESC_F_NEXT, (i + 1) % 16);
	vdrv_publish(&drv, 5);
	TRY(expect_broken(pop(), ELOOP));
	/* walked at most num descriptors: reads = idx + slot + 16 descs */
	CHECK(vx_env.reads <= 2 + 16 + 1);
	teardown();
	return PASS;
}

static int t_chain_exactly_num(void)
{
	struct vseg s[16];
	unsigned int i;

	TRY(setup(16, 0));
	for (i = 0; i < 16; i++)
		s[i] = (struct vseg){ GPA_A + 0x100 * i, 0x10, i >= 10 };
	vdrv_chain(&drv, s, 16);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(nout, 10);
	CHECK_EQ(nin, 6);
	teardown();
	return PASS;
}

static int t_avail_idx_jump(void)
{
	unsigned int i;

	TRY(setup(8, 0));
	for (i = 0; i < 8; i++)
		vdrv_desc(&drv, i, GPA_A, 1, 0, 0);
	/* exactly num ahead is legal */
	for (i = 0; i < 8; i++)
		vdrv_publish(&drv, i);
	for (i = 0; i < 8; i++)
		CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 0);
	/* num + 1 ahead of last_avail_idx is not */
	vdrv_set_avail_idx(&drv, 8 + 9);
	TRY(expect_broken(pop(), EINVAL));
	teardown();
	/* same through avail_empty, which reports "not empty" on a bad idx */
	TRY(setup(8, 0));
	vdrv_set_avail_idx(&drv, 0x8000);
	CHECK(!vhostx_ring_avail_empty(&ring));
	CHECK(ring.broken);
	CHECK_EQ(ring.stats.errors, 1);
	CHECK_EQ(pop(), -EIO);
	teardown();
	return PASS;
}

static int t_avail_wrap(void)
{
	struct vseg s[] = { { GPA_A, 1, false } };
	unsigned int i;

	TRY(setup_at(4, 0, 65534));
	for (i = 0; i < 4; i++)
		vdrv_chain(&drv, s, 1);
	CHECK_EQ(le16toh(drv.r.avail->idx), 2);
	for (i = 0; i < 4; i++) {
		CHECK_EQ(pop(), 1);
		CHECK_EQ(head, i);
	}
	CHECK_EQ(pop(), 0);
	CHECK_EQ(ring.last_avail_idx, 2);
	teardown();
	return PASS;
}

static int t_enobufs(void)
{
	struct vseg s[] = { { GPA_A, 1, false }, { GPA_B - 1, 2, true }, { GPA_C, 3, true } };
	struct iovec small[3];

	TRY(setup(8, 0));
	vdrv_chain(&drv, s, 3);
	CHECK_EQ(vhostx_ring_get_chain(&ring, small, 3, &nout, &nin, &head), -ENOBUFS);
	CHECK(!ring.broken);
	CHECK_EQ(ring.stats.errors, 0);
	CHECK_EQ(ring.last_avail_idx, 0);
	CHECK_EQ(vhostx_ring_get_chain(&ring, small, 0, &nout, &nin, &head), -ENOBUFS);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, 0);
	CHECK_EQ(nout, 1);
	CHECK_EQ(nin, 3);
	teardown();
	return PASS;
}

static int t_length_overflow(void)
{
	const size_t big = (6ull << 30);	/* reserved, never touched */
	struct vhostx_mem_region r = { .gpa = 0, .size = big };
	unsigned char *bimg;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	struct vhostx_mem *m = NULL;
	unsigned int dir;

	bimg = mmap(NULL, big + 0x10000, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (bimg == MAP_FAILED) {
		printf("# no 6 GiB of address space\n");
		return SKIP;
	}
	for (dir = 0; dir < 2; dir++) {
		u16 w = dir ? VRING_DESC_F_WRITE : 0;

		vx_env_reset(bimg, big + 0x10000);
		desc = (void *)(bimg + big);
		avail = (void *)(bimg + big + 0x1000);
		used = (void *)(bimg + big + 0x2000);
		r.uaddr = (uintptr_t)bimg;
		CHECK_EQ(vhostx_mem_build(&r, 1, &m), 0);
		memset(&ring, 0, sizeof(ring));
		ring.num = 4;
		ring.desc = desc;
		ring.avail = avail;
		ring.used = used;
		ring.mem = m;
		CHECK_EQ(vhostx_ring_start(&ring), 0);
		/* 0xffffffff + 1 > U32_MAX in one direction */
		desc[0] = (struct vring_desc){ htole64(0), htole32(0xffffffffu),
					       htole16(w | VRING_DESC_F_NEXT), htole16(1) };
		desc[1] = (struct vring_desc){ htole64(0), htole32(1), htole16(w), 0 };
		avail->ring[0] = 0;
		avail->idx = htole16(1);
		CHECK_EQ(pop(), -EINVAL);
		CHECK(ring.broken);
		CHECK_EQ(ring.stats.errors, 1);
		/* exactly U32_MAX total is fine */
		desc[1].len = 0;
		CHECK_EQ(vhostx_ring_start(&ring), 0);
		CHECK_EQ(pop(), 1);
		CHECK_EQ(dir ? nin : nout, 1);
		CHECK_EQ(iov[0].iov_len, 0xffffffffu);
		vhostx_mem_free(m);
	}
	/* 0xffffffff out + 0xffffffff in: each direction fits */
	CHECK_EQ(vhostx_mem_build(&r, 1, &m), 0);
	ring.mem = m;
	desc[0] = (struct vring_desc){ 0, htole32(0xffffffffu), htole16(VRING_DESC_F_NEXT),
				       htole16(1) };
	desc[1] = (struct vring_desc){ 0, htole32(0xffffffffu), htole16(VRING_DESC_F_WRITE), 0 };
	avail->idx = htole16(2);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(nout, 1);
	CHECK_EQ(nin, 1);
	vhostx_mem_free(m);
	munmap(bimg, big + 0x10000);
	vx_env_reset(img, IMG_SIZE);
	return PASS;
}

/* ---- indirect ---- */

static int t_indirect(void)
{
	struct vseg s[] = {
		{ GPA_A + 0x100, 12, false },
		{ GPA_A + 0x200, 100, false },
		{ GPA_C + 0x300, 200, true },
	};
	struct vseg d1[] = { { GPA_A + 0x400, 7, false } };

	TRY(setup(8, F_INDIRECT));
	vdrv_indirect(&drv, GPA_A + 0x8000, s, 3);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, 0);
	CHECK_EQ(nout, 2);
	CHECK_EQ(nin, 1);
	TRY(expect_iov(0, GPA_A + 0x100, 12));
	TRY(expect_iov(1, GPA_A + 0x200, 100));
	TRY(expect_iov(2, GPA_C + 0x300, 200));
	/* direct descriptors followed by an indirect one (VIRTIO 2.7.5.3.2) */
	vdrv_desc(&drv, 4, d1[0].gpa, d1[0].len, VRING_DESC_F_NEXT, 5);
	/* the WRITE flag on the indirect descriptor itself is ignored */
	vdrv_desc(&drv, 5, GPA_A + 0x9000, 32, VRING_DESC_F_INDIRECT | VRING_DESC_F_WRITE, 0);
	vdrv_idesc(&drv, GPA_A + 0x9000, 0, GPA_A + 0x500, 5, VRING_DESC_F_NEXT, 1);
	vdrv_idesc(&drv, GPA_A + 0x9000, 1, GPA_A + 0x600, 6, VRING_DESC_F_WRITE, 0);
	vdrv_publish(&drv, 4);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, 4);
	CHECK_EQ(nout, 2);
	CHECK_EQ(nin, 1);
	TRY(expect_iov(0, GPA_A + 0x400, 7));
	TRY(expect_iov(1, GPA_A + 0x500, 5));
	TRY(expect_iov(2, GPA_A + 0x600, 6));
	teardown();
	return PASS;
}

static int t_indirect_next_walks_table(void)
{
	TRY(setup(8, F_INDIRECT));
	/* entries visited 2 -> 0 -> 3, entry 1 never */
	vdrv_idesc(&drv, GPA_A, 2, GPA_A + 0x1000, 1, VRING_DESC_F_NEXT, 0);
	vdrv_idesc(&drv, GPA_A, 0, GPA_A + 0x2000, 2, VRING_DESC_F_NEXT, 3);
	vdrv_idesc(&drv, GPA_A, 1, ~0ull, 9, VRING_DESC_F_INDIRECT, 0);
	vdrv_idesc(&drv, GPA_A, 3, GPA_A + 0x3000, 3, VRING_DESC_F_WRITE, 0);
	/* the table starts at entry 0: put the chain start there */
	vdrv_idesc(&drv, GPA_A, 0, GPA_A + 0x1000, 1, VRING_DESC_F_NEXT, 2);
	vdrv_idesc(&drv, GPA_A, 2, GPA_A + 0x2000, 2, VRING_DESC_F_NEXT, 3);
	vdrv_desc(&drv, 0, GPA_A, 64, VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(&drv, 0);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(nout, 2);
	CHECK_EQ(nin, 1);
	TRY(expect_iov(0, GPA_A + 0x1000, 1));
	TRY(expect_iov(1, GPA_A + 0x2000, 2));
	TRY(expect_iov(2, GPA_A + 0x3000, 3));
	teardown();
	return PASS;
}

static int t_indirect_spans_regions(void)
{
	/* A 3-entry table starting 24 bytes before the A/B boundary: entry 1 straddles it. */
	u64 t = GPA_B - 24;
	struct vseg s[] = {
		{ GPA_C + 1, 1, false },
		{ GPA_C + 2, 2, false },
		{ GPA_C + 3, 3, true },
	};

	TRY(setup(8, F_INDIRECT));
	vdrv_indirect(&drv, t, s, 3);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(nout, 2);
	CHECK_EQ(nin, 1);
	TRY(expect_iov(0, GPA_C + 1, 1));
	TRY(expect_iov(1, GPA_C + 2, 2));
	TRY(expect_iov(2, GPA_C + 3, 3));
	teardown();
	return PASS;
}

static int t_indirect_fragmented(void)
{
	const u64 g = 0x900000000ull;
	struct vhostx_mem_region r[6] = { { GPA_A, SIZE_A, U(OFF_A) } };
	struct vhostx_mem *frag = NULL;
	unsigned int k;

	TRY(setup(8, F_INDIRECT));
	/* five adjacent 16-byte regions, scattered in A's host range */
	for (k = 0; k < 5; k++) {
		r[k + 1] = (struct vhostx_mem_region){ g + 16 * k, 16, U(OFF_A + 0x1000 * (5 - k)) };
		vdrv_add_region(&drv, g + 16 * k, 16, img + OFF_A + 0x1000 * (5 - k));
	}
	CHECK_EQ(vhostx_mem_build(r, 6, &frag), 0);
	ring.mem = frag;
	for (k = 0; k < 5; k++)
		vdrv_idesc(&drv, g, k, GPA_A + k, 1, k < 4 ? VRING_DESC_F_NEXT : 0, k + 1);
	/* four entries over four regions: fine, read piecewise */
	vdrv_idesc(&drv, g, 3, GPA_A + 3, 1, 0, 0);
	vdrv_desc(&drv, 0, g, 64, VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(&drv, 0);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(nout, 4);
	TRY(expect_iov(3, GPA_A + 3, 1));
	/* a table over five regions is refused, even if only entry 0 is used */
	vdrv_idesc(&drv, g, 0, GPA_A, 1, 0, 0);
	vdrv_desc(&drv, 1, g, 80, VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(&drv, 1);
	TRY(expect_broken(pop(), EINVAL));
	vhostx_mem_free(frag);
	teardown();
	return PASS;
}

static int t_indirect_errors(void)
{
	struct vseg s[] = { { GPA_A + 0x100, 12, false } };
	unsigned int i;

	/* not negotiated */
	TRY(setup(8, 0));
	vdrv_indirect(&drv, GPA_A, s, 1);
	TRY(expect_broken(pop(), EINVAL));
	teardown();
	/* zero length */
	TRY(setup(8, F_INDIRECT));
	vdrv_desc(&drv, 0, GPA_A, 0, VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(&drv, 0);
	TRY(expect_broken(pop(), EINVAL));
	teardown();
	/* not a multiple of 16 */
	TRY(setup(8, F_INDIRECT));
	vdrv_idesc(&drv, GPA_A, 0, GPA_A + 0x100, 1, 0, 0);
	vdrv_desc(&drv, 0, GPA_A, 24, VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(&drv, 0);
	TRY(expect_broken(pop(), EINVAL));
	teardown();
	/* more entries than allowed */
	TRY(setup(8, F_INDIRECT));
	vdrv_idesc(&drv, GPA_A, 0, GPA_A + 0x100, 1, 0, 0);
	vdrv_desc(&drv, 0, GPA_A, 16 * (VHOSTX_RING_INDIRECT_MAX + 1), VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(&drv, 0);
	TRY(expect_broken(pop(), EINVAL));
	teardown();
	/* ... while exactly the maximum is fine */
	TRY(setup(8, F_INDIRECT));
	vdrv_idesc(&drv, GPA_A, 0, GPA_A + 0x100, 1, 0, 0);
	vdrv_desc(&drv, 0, GPA_A, 16 * VHOSTX_RING_INDIRECT_MAX, VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(&drv, 0);
	CHECK_EQ(pop(), 1);
	teardown();
	/* nested indirect */
	TRY(setup(8, F_INDIRECT));
	vdrv_idesc(&drv, GPA_A, 0, GPA_A + 0x100, 1, VRING_DESC_F_NEXT, 1);
	vdrv_idesc(&drv, GPA_A, 1, GPA_A + 0x1000, 16, VRING_DESC_F_INDIRECT, 0);
	vdrv_desc(&drv, 0, GPA_A, 32, VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(&drv, 0);
	TRY(expect_broken(pop(), EINVAL));
	teardown();
	/* indirect with NEXT */
	TRY(setup(8, F_INDIRECT));
	vdrv_idesc(&drv, GPA_A, 0, GPA_A + 0x100, 1, 0, 0);
	vdrv_desc(&drv, 0, GPA_A, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	vdrv_desc(&drv, 1, GPA_A + 0x200, 1, 0, 0);
	vdrv_publish(&drv, 0);
	TRY(expect_broken(pop(), EINVAL));
	teardown();
	/* next inside the table out of range */
	TRY(setup(8, F_INDIRECT));
	vdrv_idesc(&drv, GPA_A, 0, GPA_A + 0x100, 1, VRING_DESC_F_NEXT, 2);
	vdrv_idesc(&drv, GPA_A, 1, GPA_A + 0x100, 1, 0, 0);
	vdrv_idesc(&drv, GPA_A, 2, GPA_A + 0x100, 1, 0, 0);	/* in memory, not in table */
	vdrv_desc(&drv, 0, GPA_A, 32, VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(&drv, 0);
	TRY(expect_broken(pop(), EINVAL));
	teardown();
	/* loop inside the table */
	TRY(setup(8, F_INDIRECT));
	for (i = 0; i < 4; i++)
		vdrv_idesc(&drv, GPA_A, i, GPA_A + 0x100, 1, VRING_DESC_F_NEXT, (i + 1) % 4);
	vdrv_desc(&drv, 0, GPA_A, 64, VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(&drv, 0);
	TRY(expect_broken(pop(), ELOOP));
	CHECK(vx_env.reads <= 2 + 1 + 4 + 1);
	teardown();
	/* table outside guest memory, and running off the end of C */
	TRY(setup(8, F_INDIRECT));
	vdrv_desc(&drv, 0, 0x1000, 16, VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(&drv, 0);
	TRY(expect_broken(pop(), EFAULT));
	teardown();
	TRY(setup(8, F_INDIRECT));
	vdrv_idesc(&drv, GPA_C + SIZE_C - 16, 0, GPA_C, 1, 0, 0);
	vdrv_desc(&drv, 0, GPA_C + SIZE_C - 16, 32, VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(&drv, 0);
	TRY(expect_broken(pop(), EFAULT));
	teardown();
	/* the whole table must be memory, even entries never visited */
	TRY(setup(8, F_INDIRECT));
	vdrv_idesc(&drv, GPA_C + SIZE_C - 16, 0, GPA_C, 1, 0, 0);
	vdrv_desc(&drv, 0, GPA_C + SIZE_C - 16, 48, VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(&drv, 0);
	TRY(expect_broken(pop(), EFAULT));
	teardown();
	/* descriptor in the table outside memory */
	TRY(setup(8, F_INDIRECT));
	vdrv_idesc(&drv, GPA_A, 0, 0x10, 1, 0, 0);
	vdrv_desc(&drv, 0, GPA_A, 16, VRING_DESC_F_INDIRECT, 0);
	vdrv_publish(&drv, 0);
	TRY(expect_broken(pop(), EFAULT));
	teardown();
	/* readable after writable across the indirect boundary */
	TRY(setup(8, F_INDIRECT));
	vdrv_desc(&drv, 0, GPA_A + 0x100, 4, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	vdrv_desc(&drv, 1, GPA_A, 16, VRING_DESC_F_INDIRECT, 0);
	vdrv_idesc(&drv, GPA_A, 0, GPA_A + 0x200, 4, 0, 0);
	vdrv_publish(&drv, 0);
	TRY(expect_broken(pop(), EINVAL));
	teardown();
	return PASS;
}

/* ---- faults ---- */

static int t_faults(void)
{
	struct vseg s[] = { { GPA_A, 1, false } };

	TRY(setup(8, 0));
	vdrv_chain(&drv, s, 1);
	vx_env_add_fault(&drv.r.avail->idx, 2);
	TRY(expect_broken(pop(), EFAULT));
	teardown();
	TRY(setup(8, 0));
	vdrv_chain(&drv, s, 1);
	vx_env_add_fault(&drv.r.avail->ring[0], 2);
	TRY(expect_broken(pop(), EFAULT));
	teardown();
	TRY(setup(8, 0));
	vdrv_chain(&drv, s, 1);
	vx_env_add_fault(&drv.r.desc[0], 16);
	TRY(expect_broken(pop(), EFAULT));
	teardown();
	/* indirect table unreadable (in the table, but "unmapped") */
	TRY(setup(8, F_INDIRECT));
	vdrv_indirect(&drv, GPA_A + 0x100, s, 1);
	vx_env_add_fault(H(GPA_A + 0x100), 1);
	TRY(expect_broken(pop(), EFAULT));
	teardown();
	/* same through the piecewise path */
	TRY(setup(8, F_INDIRECT));
	vdrv_indirect(&drv, GPA_B - 8, s, 1);
	vx_env_add_fault(H(GPA_B), 1);
	TRY(expect_broken(pop(), EFAULT));
	teardown();
	return PASS;
}

/*
 * avail_moved(): answers from avail->idx without touching the cached
 * state; a fault breaks the ring once; a broken ring reads nothing.
 */
static int t_avail_moved(void)
{
	struct vseg s[] = { { GPA_A, 1, false } };
	unsigned long reads;
	u16 seen;

	TRY(setup(8, 0));
	seen = ring.avail_idx;
	CHECK(!vhostx_ring_avail_moved(&ring, seen));
	vdrv_chain(&drv, s, 1);
	CHECK(vhostx_ring_avail_moved(&ring, seen));
	CHECK_EQ(ring.avail_idx, seen);
	CHECK_EQ(ring.last_avail_idx, 0);
	CHECK(!vhostx_ring_avail_moved(&ring, seen + 1));
	vx_env_add_fault(&drv.r.avail->idx, 2);
	CHECK(!vhostx_ring_avail_moved(&ring, seen));
	CHECK(ring.broken);
	CHECK_EQ(ring.stats.errors, 1);
	reads = vx_env.reads;
	vx_env.nfault = 0;
	CHECK(!vhostx_ring_avail_moved(&ring, seen));
	CHECK_EQ(vx_env.reads, reads);
	CHECK_EQ(ring.stats.errors, 1);
	teardown();
	return PASS;
}

/* ---- used ring ---- */

static int t_add_used(void)
{
	struct vring_used_elem e[3];
	u32 id, len;

	TRY(setup(8, 0));
	vhostx_used_elem_set(&e[0], 3, 100);
	vhostx_used_elem_set(&e[1], 5, 0);
	vhostx_used_elem_set(&e[2], 7, 0xffffffffu);
	vx_env.writes = 0;
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 3), 0);
	CHECK_EQ(vx_env.writes, 2);	/* one copy, one index */
	CHECK_EQ(vdrv_used_idx(&drv), 3);
	CHECK(vdrv_used(&drv, &id, &len));
	CHECK_EQ(id, 3);
	CHECK_EQ(len, 100);
	CHECK(vdrv_used(&drv, &id, &len));
	CHECK_EQ(id, 5);
	CHECK(vdrv_used(&drv, &id, &len));
	CHECK_EQ(id, 7);
	CHECK_EQ(len, 0xffffffffu);
	CHECK(!vdrv_used(&drv, &id, &len));
	CHECK_EQ(ring.stats.used, 3);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 0), 0);
	CHECK_EQ(vdrv_used_idx(&drv), 3);
	/* more than num is a caller bug: refused, ring intact */
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 9), -EINVAL);
	CHECK(!ring.broken);
	CHECK_EQ(ring.stats.errors, 0);
	teardown();
	return PASS;
}

static int t_add_used_wraps_ring(void)
{
	struct vring_used_elem e[8];
	unsigned int i;
	u32 id, len;

	/* last_used_idx 65533 with num 8: slots 5, 6, 7, 0, 1 and idx 65533 -> 2 */
	TRY(setup_at(8, 0, 65533));
	for (i = 0; i < 5; i++)
		vhostx_used_elem_set(&e[i], i, 10 * i);
	vx_env.writes = 0;
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 5), 0);
	CHECK_EQ(vx_env.writes, 3);	/* two copies, one index */
	CHECK_EQ(vdrv_used_idx(&drv), 2);
	CHECK_EQ(le32toh(drv.r.used->ring[5].id), 0);
	CHECK_EQ(le32toh(drv.r.used->ring[7].id), 2);
	CHECK_EQ(le32toh(drv.r.used->ring[0].id), 3);
	CHECK_EQ(le32toh(drv.r.used->ring[1].id), 4);
	for (i = 0; i < 5; i++) {
		CHECK(vdrv_used(&drv, &id, &len));
		CHECK_EQ(id, i);
		CHECK_EQ(len, 10 * i);
	}
	/* a full ring's worth in one batch, starting mid-ring */
	for (i = 0; i < 8; i++)
		vhostx_used_elem_set(&e[i], 7 - i, i);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 8), 0);
	CHECK_EQ(vdrv_used_idx(&drv), 10);
	for (i = 0; i < 8; i++) {
		CHECK(vdrv_used(&drv, &id, &len));
		CHECK_EQ(id, 7 - i);
	}
	/* and exactly to the end of the ring */
	TRY(setup_at(8, 0, 4));
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 4), 0);
	CHECK_EQ(le32toh(drv.r.used->ring[7].id), 4);
	CHECK_EQ(vdrv_used_idx(&drv), 8);
	teardown();
	return PASS;
}

static int t_add_used_fault(void)
{
	struct vring_used_elem e[2];

	TRY(setup(8, 0));
	vhostx_used_elem_set(&e[0], 1, 1);
	vhostx_used_elem_set(&e[1], 2, 2);
	vx_env_add_fault(&drv.r.used->idx, 2);
	TRY(expect_broken(vhostx_ring_add_used(&ring, e, 2), EFAULT));
	CHECK_EQ(ring.last_used_idx, 0);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 2), -EIO);
	teardown();
	TRY(setup_at(8, 0, 7));
	vx_env_add_fault(&drv.r.used->ring[0], 8);	/* second half of a wrapped batch */
	TRY(expect_broken(vhostx_ring_add_used(&ring, e, 2), EFAULT));
	CHECK_EQ(vdrv_used_idx(&drv), 7);
	teardown();
	return PASS;
}

/* ---- notification ---- */

static int t_signal_flags(void)
{
	struct vring_used_elem e;

	TRY(setup(8, 0));
	vhostx_used_elem_set(&e, 0, 0);
	CHECK_EQ(vhostx_ring_add_used(&ring, &e, 1), 0);
	CHECK(vhostx_ring_need_signal(&ring));
	vdrv_set_avail_flags(&drv, VRING_AVAIL_F_NO_INTERRUPT);
	CHECK(!vhostx_ring_need_signal(&ring));
	CHECK_EQ(ring.stats.signals, 1);
	/* NOTIFY_ON_EMPTY overrides once we consumed all we saw */
	ring.notify_on_empty = true;
	CHECK(vhostx_ring_need_signal(&ring));
	vdrv_set_avail_idx(&drv, 1);
	vdrv_desc(&drv, 0, GPA_A, 1, 0, 0);
	CHECK(!vhostx_ring_avail_empty(&ring));	/* caches idx 1: not empty */
	CHECK(!vhostx_ring_need_signal(&ring));
	CHECK_EQ(pop(), 1);
	CHECK(vhostx_ring_need_signal(&ring));
	CHECK(!ring.broken);
	teardown();
	return PASS;
}

static int t_signal_event_idx(void)
{
	struct vring_used_elem e[4];
	unsigned int i;

	TRY(setup(8, F_EVENT));
	for (i = 0; i < 4; i++)
		vhostx_used_elem_set(&e[i], i, 0);
	/* the first signal is always sent (nothing known yet) */
	vdrv_set_used_event(&drv, 100);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 1), 0);
	CHECK(vhostx_ring_need_signal(&ring));
	/* used 1 -> 2, guest wants an interrupt when used passes 1: yes */
	vdrv_set_used_event(&drv, 1);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 1), 0);
	CHECK(vhostx_ring_need_signal(&ring));
	/* used 2 -> 3, event still 1: no */
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 1), 0);
	CHECK(!vhostx_ring_need_signal(&ring));
	/* nothing new: no */
	CHECK(!vhostx_ring_need_signal(&ring));
	/* used 3 -> 6 with event 4 inside the batch: yes */
	vdrv_set_used_event(&drv, 4);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 3), 0);
	CHECK(vhostx_ring_need_signal(&ring));
	/* event exactly at the new index (not yet passed): no */
	vdrv_set_used_event(&drv, 7);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 1), 0);
	CHECK(!vhostx_ring_need_signal(&ring));
	/* two adds, then one decision covering both: event at 7 passed */
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 1), 0);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 1), 0);
	CHECK(vhostx_ring_need_signal(&ring));
	CHECK_EQ(ring.stats.signals, 4);
	/* avail->flags is ignored with EVENT_IDX */
	vdrv_set_avail_flags(&drv, VRING_AVAIL_F_NO_INTERRUPT);
	vdrv_set_used_event(&drv, 9);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 1), 0);
	CHECK(vhostx_ring_need_signal(&ring));
	teardown();
	return PASS;
}

static int t_signal_event_idx_wrap(void)
{
	struct vring_used_elem e[8];
	unsigned int i;

	TRY(setup_at(8, F_EVENT, 65530));
	for (i = 0; i < 8; i++)
		vhostx_used_elem_set(&e[i], i, 0);
	vdrv_set_used_event(&drv, 0);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 2), 0);	/* 65530 -> 65532 */
	CHECK(vhostx_ring_need_signal(&ring));		/* first */
	/* 65532 -> 65535, event 65534 crossed */
	vdrv_set_used_event(&drv, 65534);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 3), 0);
	CHECK(vhostx_ring_need_signal(&ring));
	/* 65535 -> 1 across the wrap, event 65535: crossed */
	vdrv_set_used_event(&drv, 65535);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 2), 0);
	CHECK_EQ(vdrv_used_idx(&drv), 1);
	CHECK(vhostx_ring_need_signal(&ring));
	/* 1 -> 3, event 65535 (behind): no */
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 2), 0);
	CHECK(!vhostx_ring_need_signal(&ring));
	/* 3 -> 5, event 4: yes */
	vdrv_set_used_event(&drv, 4);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 2), 0);
	CHECK(vhostx_ring_need_signal(&ring));
	teardown();
	return PASS;
}

static int t_signal_batch_overtakes(void)
{
	struct vring_used_elem e[8];
	unsigned int i;

	/* A batch stepping over signalled_used invalidates it: next signal forced. */
	TRY(setup(8, F_EVENT));
	for (i = 0; i < 8; i++)
		vhostx_used_elem_set(&e[i], i, 0);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 1), 0);
	CHECK(vhostx_ring_need_signal(&ring));		/* signalled_used = 1 */
	CHECK(ring.signalled_used_valid);
	for (i = 0; i < 8192; i++)
		CHECK_EQ(vhostx_ring_add_used(&ring, e, 8), 0);	/* 65536 entries later */
	CHECK(!ring.signalled_used_valid);
	vdrv_set_used_event(&drv, 50000);
	CHECK(vhostx_ring_need_signal(&ring));
	teardown();
	return PASS;
}

static int t_notify_flags(void)
{
	TRY(setup(8, 0));
	vx_env.writes = 0;
	vhostx_ring_disable_notify(&ring);
	CHECK_EQ(vdrv_used_flags(&drv), VRING_USED_F_NO_NOTIFY);
	vhostx_ring_disable_notify(&ring);
	CHECK_EQ(vx_env.writes, 1);		/* no rewrite of an unchanged flag */
	CHECK(!vhostx_ring_enable_notify(&ring));
	CHECK_EQ(vdrv_used_flags(&drv), 0);
	CHECK_EQ(vx_env.writes, 2);
	CHECK(!vhostx_ring_enable_notify(&ring));
	CHECK_EQ(vx_env.writes, 2);
	/* buffers that arrived meanwhile are reported */
	vhostx_ring_disable_notify(&ring);
	vdrv_desc(&drv, 0, GPA_A, 1, 0, 0);
	vdrv_publish(&drv, 0);
	CHECK(vhostx_ring_enable_notify(&ring));
	CHECK_EQ(pop(), 1);
	CHECK(!vhostx_ring_enable_notify(&ring));
	CHECK(!ring.broken);
	teardown();
	return PASS;
}

static int t_notify_event_idx(void)
{
	struct vseg s[] = { { GPA_A, 1, false } };

	TRY(setup_at(8, F_EVENT, 65535));
	vx_env.writes = 0;
	vhostx_ring_disable_notify(&ring);
	CHECK_EQ(vx_env.writes, 0);		/* nothing to write with EVENT_IDX */
	CHECK(!vhostx_ring_enable_notify(&ring));
	CHECK_EQ(vdrv_avail_event(&drv), 65535);
	vdrv_chain(&drv, s, 1);
	vdrv_chain(&drv, s, 1);
	CHECK(vhostx_ring_enable_notify(&ring));
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 0);
	CHECK(!vhostx_ring_enable_notify(&ring));
	CHECK_EQ(vdrv_avail_event(&drv), 1);
	CHECK_EQ(vdrv_used_flags(&drv), 0);
	teardown();
	return PASS;
}

static int t_notify_faults(void)
{
	TRY(setup(8, 0));
	vx_env_add_fault(&drv.r.used->flags, 2);
	vhostx_ring_disable_notify(&ring);
	CHECK(ring.broken);
	CHECK_EQ(ring.stats.errors, 1);
	CHECK(!vhostx_ring_enable_notify(&ring));
	CHECK(!vhostx_ring_need_signal(&ring));
	CHECK_EQ(ring.stats.errors, 1);
	teardown();
	TRY(setup(8, F_EVENT));
	vx_env_add_fault(&drv.r.used->ring[8], 2);
	CHECK(!vhostx_ring_enable_notify(&ring));
	CHECK(ring.broken);
	CHECK_EQ(ring.stats.errors, 1);
	teardown();
	TRY(setup(8, F_EVENT));
	vx_env_add_fault(&drv.r.avail->ring[8], 2);	/* used_event */
	CHECK(vhostx_ring_need_signal(&ring));		/* first one needs no read */
	CHECK(vhostx_ring_need_signal(&ring));		/* fault: signal, break */
	CHECK(ring.broken);
	CHECK_EQ(ring.stats.errors, 1);
	teardown();
	return PASS;
}

static int t_unget(void)
{
	struct vseg s[] = { { GPA_A, 1, false } };

	TRY(setup(8, 0));
	vdrv_chain(&drv, s, 1);
	vdrv_chain(&drv, s, 1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, 0);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, 1);
	vhostx_ring_unget(&ring, 2);
	CHECK(!vhostx_ring_avail_empty(&ring));
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, 0);
	vhostx_ring_unget(&ring, 1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, 0);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, 1);
	CHECK_EQ(pop(), 0);
	teardown();
	return PASS;
}

static int t_avail_read_ahead(void)
{
	struct vseg s[] = { { GPA_A, 1, false } };
	unsigned int i;

	/* 20 chains from avail index 20 in a 32 ring: slots 20..31, then 0..7 */
	TRY(setup_at(32, 0, 20));
	drv.next_desc = 0;
	for (i = 0; i < 20; i++)
		vdrv_chain(&drv, s, 1);
	vx_env.reads = 0;
	for (i = 0; i < 20; i++) {
		CHECK_EQ(pop(), 1);
		CHECK_EQ(head, i);
	}
	/* avail idx once, two read-aheads (12 to the ring end, then 8), 20 descs */
	CHECK_EQ(vx_env.reads, 1 + 2 + 20);
	CHECK_EQ(pop(), 0);
	/* unget back across the read-ahead window: heads come back right */
	vhostx_ring_unget(&ring, 10);
	for (i = 10; i < 20; i++) {
		CHECK_EQ(pop(), 1);
		CHECK_EQ(head, i);
	}
	/* a newly published head is read, not served from the stale window */
	vdrv_desc(&drv, 31, GPA_A, 1, 0, 0);
	vdrv_publish(&drv, 31);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, 31);
	/* a bad head further ahead breaks the ring only when it is reached */
	vdrv_chain(&drv, s, 1);
	vdrv_publish(&drv, 32);
	CHECK_EQ(pop(), 1);
	TRY(expect_broken(pop(), EINVAL));
	teardown();
	return PASS;
}

static int t_restart_after_break(void)
{
	struct vseg s[] = { { GPA_A, 1, false } };

	TRY(setup(8, 0));
	vdrv_publish(&drv, 9);
	TRY(expect_broken(pop(), EINVAL));
	/* the owner fixes things up (e.g. after a device reset) and restarts */
	vdrv_init(&drv, 8, drv.r.desc, drv.r.avail, drv.r.used);
	ring.last_avail_idx = 0;
	CHECK_EQ(vhostx_ring_start(&ring), 0);
	CHECK(!ring.broken);
	vdrv_chain(&drv, s, 1);
	CHECK_EQ(pop(), 1);
	teardown();
	return PASS;
}

/* ---- fuzzer regressions and seeds, through the fuzz target ---- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char **replay_dirs;
static int nreplay_dirs;

static int replay_file(const char *path)
{
	static uint8_t buf[1 << 16];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		printf("# %s: %s\n", path, strerror(errno));
		return FAIL;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);	/* aborts on any invariant violation */
	return PASS;
}

static int t_replay_inputs(void)
{
	unsigned int count = 0;
	int i;

	if (!nreplay_dirs) {
		printf("# no input directories given\n");
		return SKIP;
	}
	for (i = 0; i < nreplay_dirs; i++) {
		struct dirent *de;
		DIR *d = opendir(replay_dirs[i]);

		if (!d) {
			printf("# %s: %s\n", replay_dirs[i], strerror(errno));
			return FAIL;
		}
		while ((de = readdir(d))) {
			char path[4096];

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", replay_dirs[i], de->d_name);
			if (replay_file(path) != PASS) {
				closedir(d);
				return FAIL;
			}
			count++;
		}
		closedir(d);
	}
	printf("# replayed %u inputs\n", count);
	return PASS;
}

/* ---- dirty log: used-area writes and reverse translation ---- */

#define UOFF(field)	((u32)((unsigned char *)(field) - (unsigned char *)drv.r.used))

static int expect_span(unsigned int k, u32 off, u32 len)
{
	CHECK(k < ring.log_n);
	CHECK_EQ(ring.log[k].off, off);
	CHECK_EQ(ring.log[k].len, len);
	return PASS;
}

static int t_log_used_off(void)
{
	struct vring_used_elem e[4];
	unsigned int i;

	TRY(setup(8, 0));
	for (i = 0; i < 4; i++)
		vhostx_used_elem_set(&e[i], i, i);
	/* Off: nothing is recorded, whatever is written. */
	vhostx_ring_disable_notify(&ring);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 4), 0);
	CHECK(!vhostx_ring_enable_notify(&ring));
	CHECK_EQ(ring.log_n, 0);
	teardown();
	return PASS;
}

static int t_log_used_spans(void)
{
	struct vring_used_elem e[8];
	unsigned int i;

	/* Starts at 6 of 8: elements 6, 7 then 0, 1, 2 and the index. */
	TRY(setup_at(8, 0, 6));
	ring.log_used = true;
	for (i = 0; i < 5; i++)
		vhostx_used_elem_set(&e[i], i, i);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 5), 0);
	/* The index touches element 0: one span. */
	CHECK_EQ(ring.log_n, 2);
	TRY(expect_span(0, UOFF(&drv.r.used->ring[6]), 16));
	TRY(expect_span(1, UOFF(&drv.r.used->idx), 26));
	ring.log_n = 0;
	/* used->flags, written only when it changes. */
	vhostx_ring_disable_notify(&ring);
	vhostx_ring_disable_notify(&ring);
	CHECK_EQ(ring.log_n, 1);
	TRY(expect_span(0, UOFF(&drv.r.used->flags), 2));
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 1), 0);
	CHECK_EQ(ring.log_n, 3);
	TRY(expect_span(1, UOFF(&drv.r.used->ring[3]), 8));
	TRY(expect_span(2, UOFF(&drv.r.used->idx), 2));
	/* idx then flags: adjacent, one span */
	CHECK(!vhostx_ring_enable_notify(&ring));
	CHECK_EQ(ring.log_n, 3);
	TRY(expect_span(2, UOFF(&drv.r.used->flags), 4));
	/* A full list grows its last span: more, never less. */
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 1), 0);
	CHECK_EQ(ring.log_n, 4);
	TRY(expect_span(3, UOFF(&drv.r.used->idx), UOFF(&drv.r.used->ring[5]) - UOFF(&drv.r.used->idx)));
	ring.log_n = 0;
	teardown();

	/* EVENT_IDX: avail_event after the used ring; start logs the flags. */
	TRY(setup(8, F_EVENT));
	ring.log_used = true;
	CHECK_EQ(vhostx_ring_start(&ring), 0);
	CHECK_EQ(ring.log_n, 1);
	TRY(expect_span(0, UOFF(&drv.r.used->flags), 2));
	ring.log_n = 0;
	vhostx_ring_disable_notify(&ring);
	CHECK_EQ(ring.log_n, 0);
	CHECK(!vhostx_ring_enable_notify(&ring));
	CHECK_EQ(ring.log_n, 1);
	TRY(expect_span(0, UOFF(&drv.r.used->ring[8]), 2));
	ring.log_n = 0;
	teardown();

	/* A fault logs what was written before it, and nothing after. */
	TRY(setup_at(8, 0, 7));
	ring.log_used = true;
	vx_env_add_fault(&drv.r.used->ring[0], 8);
	TRY(expect_broken(vhostx_ring_add_used(&ring, e, 2), EFAULT));
	CHECK_EQ(ring.log_n, 1);
	TRY(expect_span(0, UOFF(&drv.r.used->ring[7]), 8));
	teardown();
	return PASS;
}

struct rev {
	unsigned int n;
	u64 gpa[8];
	u64 len[8];
};

static int rev_cb(void *arg, u64 gpa, u64 len)
{
	struct rev *r = arg;

	if (r->n == 8)
		return -E2BIG;
	r->gpa[r->n] = gpa;
	r->len[r->n] = len;
	r->n++;
	return 0;
}

static int t_mem_reverse(void)
{
	struct vhostx_mem_region regs[] = {
		{ .gpa = 0x1000, .size = 0x2000, .uaddr = U(0x10000) },
		{ .gpa = 0x100000, .size = 0x1000, .uaddr = U(0x12000) },
		/* aliases the second page of the first region */
		{ .gpa = 0x200000, .size = 0x1000, .uaddr = U(0x11000) },
	};
	struct vhostx_mem *m = NULL;
	struct rev r = { 0 };

	vx_env_reset(img, IMG_SIZE);
	CHECK_EQ(vhostx_mem_build(regs, 3, &m), 0);
	CHECK_EQ(vhostx_mem_reverse(m, U(0x10010), 0x10, rev_cb, &r), 0);
	CHECK_EQ(r.n, 1);
	CHECK_EQ(r.gpa[0], 0x1010);
	CHECK_EQ(r.len[0], 0x10);
	/* Across two regions contiguous in user memory, one aliased. */
	r.n = 0;
	CHECK_EQ(vhostx_mem_reverse(m, U(0x10ff0), 0x1020, rev_cb, &r), 0);
	CHECK_EQ(r.n, 3);
	CHECK_EQ(r.gpa[0], 0x1ff0);
	CHECK_EQ(r.len[0], 0x1010);
	CHECK_EQ(r.gpa[1], 0x100000);
	CHECK_EQ(r.len[1], 0x10);
	CHECK_EQ(r.gpa[2], 0x200000);
	CHECK_EQ(r.len[2], 0x1000);
	/* A byte outside every region. */
	r.n = 0;
	CHECK_EQ(vhostx_mem_reverse(m, U(0x12ff0), 0x20, rev_cb, &r), -EFAULT);
	CHECK_EQ(vhostx_mem_reverse(m, U(0x20000), 1, rev_cb, &r), -EFAULT);
	CHECK_EQ(vhostx_mem_reverse(m, U(0x20000), 0, rev_cb, &r), 0);
	CHECK_EQ(vhostx_mem_reverse(m, ~0ull - 4, 16, rev_cb, &r), -EFAULT);
	/* The callback's error stops the walk. */
	r.n = 8;
	CHECK_EQ(vhostx_mem_reverse(m, U(0x10000), 1, rev_cb, &r), -E2BIG);
	vhostx_mem_free(m);
	return PASS;
}

struct test {
	const char *name;
	int (*fn)(void);
};

/*
 * The owner's accessor (device IOTLB in the kernel): here it translates
 * through the same table, except a "hole" that is not translated yet
 * (-EAGAIN), and reaches the ring areas with the environment's copies.
 */
static struct {
	u64 hole_lo, hole_hi;
	unsigned int reads, writes, translates, wr_translates, iov_reads;
	int fail_read;
} acc;

static int acc_translate(void *ctx, u64 addr, u64 len, struct iovec *v, unsigned int max,
			 bool write)
{
	acc.translates++;
	acc.wr_translates += write;
	if (len && addr < acc.hole_hi && addr + len > acc.hole_lo)
		return -EAGAIN;
	return vhostx_mem_translate(ctx, addr, len, v, max);
}

static int acc_read(void *ctx, void *dst, u64 addr, size_t len)
{
	(void)ctx;
	acc.reads++;
	if (acc.fail_read)
		return acc.fail_read;
	return vx_copy_from(dst, (const void *)(uintptr_t)addr, len);
}

static int acc_write(void *ctx, u64 addr, const void *src, size_t len)
{
	(void)ctx;
	acc.writes++;
	return vx_copy_to((void *)(uintptr_t)addr, src, len);
}

/* Indirect tables: from inside what acc_translate() gave, user memory here. */
static int acc_read_iov(void *ctx, void *dst, const void *src, size_t len)
{
	(void)ctx;
	acc.iov_reads++;
	return vx_copy_from(dst, src, len);
}

static const struct vhostx_ring_acc test_acc = {
	.translate = acc_translate,
	.read = acc_read,
	.write = acc_write,
	.read_iov = acc_read_iov,
};

/*
 * With an accessor every guest access goes through it (indirect tables
 * through its read_iov, never a plain access); an untranslated
 * buffer or indirect table is -EAGAIN with the ring intact and the chain
 * not consumed, and the same chain pops once it is translated.
 */
static int t_accessor(void)
{
	struct vseg two[] = {
		{ GPA_A + 0x1000, 10, false },
		{ GPA_A + 0x3000, 1500, true },
	};
	struct vseg ind[] = { { GPA_B + 0x100, 100, false } };
	struct vring_used_elem e;
	u16 h1, h2;
	u32 id, len;

	TRY(setup(8, F_INDIRECT));
	memset(&acc, 0, sizeof(acc));
	ring.acc = &test_acc;
	ring.acc_ctx = mem;
	h1 = vdrv_chain(&drv, two, 2);
	acc.hole_lo = GPA_A + 0x3000;
	acc.hole_hi = GPA_A + 0x4000;
	CHECK_EQ(pop(), -EAGAIN);
	CHECK(!ring.broken);
	CHECK_EQ(ring.stats.errors, 0);
	CHECK_EQ(ring.last_avail_idx, 0);
	CHECK(acc.reads > 0);
	CHECK_EQ(acc.wr_translates, 1);
	acc.hole_lo = acc.hole_hi = 0;
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, h1);
	CHECK_EQ(nout, 1);
	CHECK_EQ(nin, 1);
	TRY(expect_iov(1, GPA_A + 0x3000, 1500));
	CHECK_EQ(acc.wr_translates, 2);

	/* An indirect table not translated yet: the same. */
	h2 = vdrv_indirect(&drv, GPA_C + 0x800, ind, 1);
	acc.hole_lo = GPA_C + 0x800;
	acc.hole_hi = GPA_C + 0x810;
	CHECK_EQ(pop(), -EAGAIN);
	CHECK(!ring.broken);
	CHECK_EQ(ring.last_avail_idx, 1);
	CHECK_EQ(acc.iov_reads, 0);
	acc.hole_lo = acc.hole_hi = 0;
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, h2);
	TRY(expect_iov(0, GPA_B + 0x100, 100));
	CHECK_EQ(acc.iov_reads, 1);

	/* Used entries are written through it. */
	vhostx_used_elem_set(&e, h1, 1500);
	CHECK_EQ(vhostx_ring_add_used(&ring, &e, 1), 0);
	CHECK(acc.writes >= 2);
	CHECK(vdrv_used(&drv, &id, &len));
	CHECK_EQ(id, h1);
	CHECK_EQ(len, 1500);

	/* A ring area it cannot read is a guest error, as without it. */
	vdrv_chain(&drv, two, 2);
	acc.fail_read = -EFAULT;
	CHECK_EQ(pop(), -EFAULT);
	CHECK(ring.broken);
	teardown();
	return PASS;
}

/* ---- packed layout ---- */

/*
 * A packed ring of @num at the usual places: descriptor ring at DESC_OFF,
 * driver event area at AVAIL_OFF, device event area at USED_OFF; the
 * device may write the descriptor ring and its event area only. @base is
 * what VHOST_SET_VRING_BASE would carry.
 */
static int psetup_at(unsigned int num, unsigned int feat, u32 base)
{
	struct vhostx_mem_region regs[] = {
		{ .gpa = GPA_C, .size = SIZE_C, .uaddr = U(OFF_C) },
		{ .gpa = GPA_A, .size = SIZE_A, .uaddr = U(OFF_A) },
		{ .gpa = GPA_B, .size = SIZE_B, .uaddr = U(OFF_B) },
	};

	if (mem)
		teardown();
	vx_env_reset(img, IMG_SIZE);
	memset(img, 0, IMG_SIZE);
	vx_env_allow_read(img + DESC_OFF, vdrv_pdesc_bytes(num));
	vx_env_allow_read(img + AVAIL_OFF, VDRV_EVT_BYTES);
	vx_env_allow_read(img + USED_OFF, VDRV_EVT_BYTES);
	vx_env_allow_read(img + OFF_A, SIZE_A);
	vx_env_allow_read(img + OFF_B, SIZE_B);
	vx_env_allow_read(img + OFF_C, SIZE_C);
	vx_env_allow_write(img + DESC_OFF, vdrv_pdesc_bytes(num));
	vx_env_allow_write(img + USED_OFF, VDRV_EVT_BYTES);

	vdrv_init_packed(&drv, num, img + DESC_OFF, img + AVAIL_OFF, img + USED_OFF);
	vdrv_add_region(&drv, GPA_A, SIZE_A, img + OFF_A);
	vdrv_add_region(&drv, GPA_B, SIZE_B, img + OFF_B);
	vdrv_add_region(&drv, GPA_C, SIZE_C, img + OFF_C);

	mem = NULL;
	CHECK_EQ(vhostx_mem_build(regs, 3, &mem), 0);
	CHECK_EQ(vhostx_ring_check_addr_packed(num, U(DESC_OFF), U(AVAIL_OFF), U(USED_OFF)), 0);
	memset(&ring, 0, sizeof(ring));
	ring.packed = true;
	ring.num = num;
	ring.desc = (void *)(img + DESC_OFF);
	ring.avail = (void *)(img + AVAIL_OFF);
	ring.used = (void *)(img + USED_OFF);
	ring.mem = mem;
	ring.event_idx = feat & F_EVENT;
	ring.indirect = feat & F_INDIRECT;
	ring.notify_on_empty = feat & F_EMPTY;
	free(pbufs);
	pbufs = calloc(1, vhostx_ring_pbufs_size(num));
	if (!pbufs)
		return FAIL;
	ring.pbufs = pbufs;
	CHECK_EQ(vhostx_ring_set_base(&ring, base), 0);
	vdrv_packed_at(&drv, ring.last_avail_idx, ring.avail_wrap);
	CHECK_EQ(vhostx_ring_start(&ring), 0);
	CHECK(!ring.broken);
	return PASS;
}

static int psetup(unsigned int num, unsigned int feat)
{
	return psetup_at(num, feat, 0x80008000u);
}

/* Return buffer @id with @len, alone. */
static int pused1(u16 id, u32 len)
{
	struct vring_used_elem e;

	vhostx_used_elem_set(&e, id, len);
	return vhostx_ring_add_used(&ring, &e, 1);
}

static int t_p_check_addr(void)
{
	vx_env_reset(img, IMG_SIZE);
	CHECK_EQ(vhostx_ring_check_addr_packed(256, U(0), U(0x1000), U(0x2000)), 0);
	CHECK_EQ(vhostx_ring_check_addr_packed(1, U(0), U(0x1000), U(0x2000)), 0);
	/* any size: not only powers of two */
	CHECK_EQ(vhostx_ring_check_addr_packed(3, U(0), U(0x1000), U(0x2000)), 0);
	CHECK_EQ(vhostx_ring_check_addr_packed(32767, U(0), U(0x80000), U(0x90000)), 0);
	CHECK_EQ(vhostx_ring_check_addr_packed(32768, U(0), U(0x80000), U(0x90000)), 0);
	CHECK_EQ(vhostx_ring_check_addr_packed(0, U(0), U(0x1000), U(0x2000)), -EINVAL);
	CHECK_EQ(vhostx_ring_check_addr_packed(32769, U(0), U(0x80000), U(0x90000)), -EINVAL);
	/* alignment: descriptors 16, event areas 4 */
	CHECK_EQ(vhostx_ring_check_addr_packed(256, U(8), U(0x1000), U(0x2000)), -EINVAL);
	CHECK_EQ(vhostx_ring_check_addr_packed(256, U(0), U(0x1002), U(0x2000)), -EINVAL);
	CHECK_EQ(vhostx_ring_check_addr_packed(256, U(0), U(0x1000), U(0x2002)), -EINVAL);
	CHECK_EQ(vhostx_ring_check_addr_packed(256, U(0), U(0x1004), U(0x2004)), 0);
	/* areas that leave the address space (the image) */
	CHECK_EQ(vhostx_ring_check_addr_packed(256, U(IMG_SIZE - 16 * 255), U(0x1000), U(0x2000)),
		 -EFAULT);
	CHECK_EQ(vhostx_ring_check_addr_packed(256, U(IMG_SIZE - 16 * 256), U(0x1000), U(0x2000)),
		 0);
	CHECK_EQ(vhostx_ring_check_addr_packed(256, U(0), U(IMG_SIZE - 2), U(0x2000)), -EINVAL);
	CHECK_EQ(vhostx_ring_check_addr_packed(256, U(0), U(0x1000), U(IMG_SIZE)), -EFAULT);
	CHECK_EQ(vhostx_ring_check_addr_packed(256, U(0), U(0x1000), U(IMG_SIZE - 4)), 0);
	/* the split check still wants a power of two */
	CHECK_EQ(vhostx_ring_check_addr(3, U(0), U(0x1000), U(0x2000)), -EINVAL);
	CHECK(vhostx_ring_pbufs_size(1) > 0);
	CHECK(vhostx_ring_pbufs_size(32768) >= 32768 * 6);
	return PASS;
}

static int t_p_base(void)
{
	struct vseg one[] = { { GPA_A, 1, false } };
	struct vhostx_ring r;

	/* split: the avail index, 16 bits */
	memset(&r, 0, sizeof(r));
	r.num = 8;
	CHECK_EQ(vhostx_ring_set_base(&r, 0x1234), 0);
	CHECK_EQ(r.last_avail_idx, 0x1234);
	CHECK_EQ(r.avail_idx, 0x1234);
	CHECK_EQ(vhostx_ring_get_base(&r), 0x1234);
	CHECK_EQ(vhostx_ring_set_base(&r, 0x10000), -EINVAL);
	CHECK_EQ(r.last_avail_idx, 0x1234);

	/* packed: QEMU's encoding, both halves */
	memset(&r, 0, sizeof(r));
	r.packed = true;
	r.num = 256;
	CHECK_EQ(vhostx_ring_set_base(&r, 0x80008000u), 0);
	CHECK_EQ(r.last_avail_idx, 0);
	CHECK(r.avail_wrap);
	CHECK_EQ(r.last_used_idx, 0);
	CHECK(r.used_wrap);
	CHECK_EQ(r.avail_idx, 0x8000);
	CHECK_EQ(vhostx_ring_get_base(&r), 0x80008000u);
	/* avail (5, wrap 0), used (250, wrap 1): a lap apart, 11 in flight */
	CHECK_EQ(vhostx_ring_set_base(&r, (0x8000u | 250) << 16 | 5), 0);
	CHECK_EQ(r.last_avail_idx, 5);
	CHECK(!r.avail_wrap);
	CHECK_EQ(r.last_used_idx, 250);
	CHECK(r.used_wrap);
	CHECK_EQ(vhostx_ring_get_base(&r), (0x8000u | 250) << 16 | 5);
	CHECK_EQ(vhostx_ring_set_base(&r, 0x7fff0001u), -EINVAL);	/* used 32767 */
	CHECK_EQ(vhostx_ring_set_base(&r, 0x00010100u), -EINVAL);	/* avail 256 */
	CHECK_EQ(vhostx_ring_get_base(&r), (0x8000u | 250) << 16 | 5);	/* unchanged */
	CHECK_EQ(vhostx_ring_set_base(&r, 0x80ff80ffu), 0);	/* 255, both wraps 1 */
	CHECK_EQ(vhostx_ring_get_base(&r), 0x80ff80ffu);
	CHECK_EQ(vhostx_ring_set_base(&r, 0xffffffffu), -EINVAL);
	/* DPDK virtio-user sends only the avail half: used follows avail */
	CHECK_EQ(vhostx_ring_set_base(&r, 0x8000), 0);
	CHECK_EQ(vhostx_ring_get_base(&r), 0x80008000u);
	CHECK_EQ(vhostx_ring_set_base(&r, 0x0007), 0);
	CHECK_EQ(vhostx_ring_get_base(&r), 0x00070007u);
	/* without num yet, the position check waits for start() */
	r.num = 0;
	CHECK_EQ(vhostx_ring_set_base(&r, 0x80ff80ffu), 0);
	CHECK_EQ(r.last_avail_idx, 0xff);

	/* a ring that ran: the base round-trips and restarts where it was */
	TRY(psetup(4, 0));
	vdrv_pchain(&drv, one, 1, 2);
	vdrv_pchain(&drv, one, 1, 3);
	vdrv_pchain(&drv, one, 1, 1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pused1(2, 0), 0);
	CHECK_EQ(pused1(3, 0), 0);
	CHECK_EQ(pused1(1, 0), 0);
	vdrv_pchain(&drv, one, 1, 0);
	vdrv_pchain(&drv, one, 1, 2);	/* crosses the end: avail (1, wrap 0) */
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pused1(0, 0), 0);
	CHECK_EQ(pused1(2, 0), 0);
	CHECK_EQ(vhostx_ring_get_base(&ring), 0x00010001u);
	/* set_base forgets buffers in flight: the same id may come again */
	vdrv_pchain(&drv, one, 1, 3);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(vhostx_ring_get_base(&ring), 0x00010002u);
	CHECK_EQ(vhostx_ring_set_base(&ring, 0x00010001u), 0);
	CHECK_EQ(vhostx_ring_start(&ring), 0);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, 3);
	CHECK_EQ(pused1(3, 7), 0);
	teardown();
	return PASS;
}

static int t_p_start(void)
{
	TRY(psetup(8, 0));
	/* start reads nothing, writes the device event flags (ENABLE) */
	drv.r.dev_evt->flags = htole16(VRING_PACKED_EVENT_FLAG_DISABLE);
	vx_env.reads = 0;
	vx_env.writes = 0;
	CHECK_EQ(vhostx_ring_start(&ring), 0);
	CHECK_EQ(vx_env.reads, 0);
	CHECK_EQ(vx_env.writes, 1);
	CHECK_EQ(vdrv_device_event_flags(&drv), VRING_PACKED_EVENT_FLAG_ENABLE);
	CHECK_EQ(ring.used_flags, 0);
	/* used a whole ring behind avail: 8 in flight, fine */
	CHECK_EQ(vhostx_ring_set_base(&ring, 0x00008000u | 0x0000u << 16 | 0x8000), 0);
	ring.used_wrap = false;
	CHECK_EQ(vhostx_ring_start(&ring), 0);
	/* used ahead of avail: bogus */
	CHECK_EQ(vhostx_ring_set_base(&ring, (0x8000u | 1) << 16 | 0x8000), 0);
	TRY(expect_broken(vhostx_ring_start(&ring), EINVAL));
	/* restart clears broken */
	ring.stats.errors = 0;
	CHECK_EQ(vhostx_ring_set_base(&ring, 0x80038003u), 0);
	CHECK_EQ(vhostx_ring_start(&ring), 0);
	CHECK(!ring.broken);
	/* bad setups */
	ring.stats.errors = 0;
	ring.pbufs = NULL;
	TRY(expect_broken(vhostx_ring_start(&ring), EINVAL));
	ring.pbufs = pbufs;
	ring.stats.errors = 0;
	ring.last_avail_idx = 8;	/* behind set_base's back */
	TRY(expect_broken(vhostx_ring_start(&ring), EINVAL));
	ring.last_avail_idx = 0;
	ring.stats.errors = 0;
	ring.num = 32769;
	TRY(expect_broken(vhostx_ring_start(&ring), EINVAL));
	ring.num = 8;
	CHECK_EQ(vhostx_ring_set_base(&ring, 0x80008000u), 0);
	/* a device area we cannot write */
	ring.stats.errors = 0;
	vx_env_add_fault(img + USED_OFF + 2, 2);
	TRY(expect_broken(vhostx_ring_start(&ring), EFAULT));
	teardown();
	return PASS;
}

static int t_p_simple_chain(void)
{
	struct vseg one[] = { { GPA_A + 0x100, 64, false } };
	struct vseg three[] = {
		{ GPA_A + 0x1000, 10, false },
		{ GPA_C + 0x20, 20, false },
		{ GPA_A + 0x3000, 1500, true },
	};

	TRY(psetup(8, 0));
	CHECK(vhostx_ring_avail_empty(&ring));
	CHECK_EQ(pop(), 0);
	vdrv_pchain(&drv, one, 1, 5);
	vdrv_pchain(&drv, three, 3, 7);
	CHECK(!vhostx_ring_avail_empty(&ring));
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, 5);
	CHECK_EQ(nout, 1);
	CHECK_EQ(nin, 0);
	TRY(expect_iov(0, GPA_A + 0x100, 64));
	CHECK_EQ(ring.last_avail_idx, 1);
	/* the id is the last descriptor's (the others hold junk) */
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, 7);
	CHECK_EQ(nout, 2);
	CHECK_EQ(nin, 1);
	TRY(expect_iov(0, GPA_A + 0x1000, 10));
	TRY(expect_iov(1, GPA_C + 0x20, 20));
	TRY(expect_iov(2, GPA_A + 0x3000, 1500));
	CHECK_EQ(ring.last_avail_idx, 4);
	CHECK(ring.avail_wrap);
	CHECK_EQ(ring.avail_idx, 0x8004);
	CHECK_EQ(pop(), 0);
	CHECK(vhostx_ring_avail_empty(&ring));
	CHECK_EQ(ring.stats.chains, 2);
	CHECK(!ring.broken);
	/* an id in every descriptor (Linux) is fine too */
	vdrv_pchain_id(&drv, three, 3, 6, 6);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, 6);
	/* zero-length descriptors give no iovec (room first: 7 of 8 in flight) */
	CHECK_EQ(pused1(5, 0), 0);
	{
		struct vseg s[] = { { GPA_A, 100, true }, { GPA_A + 200, 0, true } };

		vdrv_pchain(&drv, s, 2, 0);
		CHECK_EQ(pop(), 1);
		CHECK_EQ(nin, 1);
	}
	teardown();
	return PASS;
}

/* Many laps with chains of 1..3 descriptors, some crossing the ring end. */
static int p_laps(unsigned int num, unsigned int feat)
{
	struct vseg s[3] = {
		{ GPA_A + 0x100, 10, false },
		{ GPA_B + 0x200, 20, false },
		{ GPA_C + 0x300, 30, true },
	};
	unsigned int i, k;
	u32 id, len;

	TRY(psetup(num, feat));
	for (i = 0; i < 40; i++) {
		unsigned int n = 1 + i % 3;
		u16 bid = (i * 5 + 1) % num;

		if (n > num)
			n = num;
		vdrv_pchain(&drv, s + 3 - n, n, bid);
		CHECK_EQ(pop(), 1);
		CHECK_EQ(head, bid);
		CHECK_EQ(nout + nin, n);
		for (k = 0; k < n; k++)
			TRY(expect_iov(k, s[3 - n + k].gpa, s[3 - n + k].len));
		CHECK_EQ(pop(), 0);
		CHECK_EQ(pused1(bid, 100 + i), 0);
		CHECK(vdrv_pused(&drv, &id, &len));
		CHECK_EQ(id, bid);
		CHECK_EQ(len, 100 + i);
		CHECK(!vdrv_pused(&drv, &id, &len));
		CHECK_EQ(ring.last_avail_idx, drv.r.next_avail);
		CHECK_EQ(ring.avail_wrap, drv.r.avail_wrap);
		CHECK_EQ(ring.last_used_idx, drv.r.next_used);
		CHECK_EQ(ring.used_wrap, drv.r.used_wrap);
	}
	CHECK_EQ(ring.stats.chains, 40);
	CHECK_EQ(ring.stats.used, 40);
	teardown();
	return PASS;
}

static int t_p_wrap(void)
{
	struct vseg two[] = { { GPA_A, 1, false }, { GPA_A + 8, 2, true } };
	u32 id, len;

	TRY(p_laps(4, 0));
	TRY(p_laps(5, 0));	/* not a power of two */
	TRY(p_laps(3, 0));
	TRY(p_laps(1, 0));
	/* a chain across the ring end from a base at the last slot */
	TRY(psetup_at(4, 0, 0x80038003u));
	vdrv_pchain(&drv, two, 2, 1);
	CHECK_EQ(le16toh(drv.r.pdesc[0].flags) & 0x8080, 1u << VRING_PACKED_DESC_F_USED);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, 1);
	CHECK_EQ(nout, 1);
	CHECK_EQ(nin, 1);
	CHECK_EQ(ring.last_avail_idx, 1);
	CHECK(!ring.avail_wrap);
	CHECK_EQ(ring.avail_idx, 1);
	CHECK_EQ(pused1(1, 2), 0);
	/* written at the old used position with the old wrap's flags */
	CHECK_EQ(le16toh(drv.r.pdesc[3].flags), 0x8080);
	CHECK_EQ(ring.last_used_idx, 1);
	CHECK(!ring.used_wrap);
	CHECK(vdrv_pused(&drv, &id, &len));
	CHECK_EQ(id, 1);
	/* the next lap's used descriptors have both bits clear */
	vdrv_pchain(&drv, two, 1, 2);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pused1(2, 0), 0);
	CHECK_EQ(le16toh(drv.r.pdesc[1].flags), 0);
	CHECK(vdrv_pused(&drv, &id, &len));
	CHECK_EQ(id, 2);
	teardown();
	return PASS;
}

static int t_p_indirect(void)
{
	struct vseg ind[] = {
		{ GPA_A + 0x100, 100, false },
		{ GPA_B + 0x200, 200, false },
		{ GPA_C + 0x300, 300, true },
	};
	struct vseg one[] = { { GPA_A + 0x10, 16, false } };
	u32 id, len;

	TRY(psetup(4, F_INDIRECT));
	vdrv_pindirect(&drv, GPA_C + 0x800, ind, 3, 3);
	/* the table's flags other than WRITE and its ids are ignored */
	vdrv_pidesc(&drv, GPA_C + 0x800, 0, GPA_A + 0x100, 100,
		    VRING_DESC_F_NEXT | VRING_DESC_F_INDIRECT);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, 3);
	CHECK_EQ(nout, 2);
	CHECK_EQ(nin, 1);
	TRY(expect_iov(0, GPA_A + 0x100, 100));
	TRY(expect_iov(1, GPA_B + 0x200, 200));
	TRY(expect_iov(2, GPA_C + 0x300, 300));
	CHECK_EQ(ring.last_avail_idx, 1);
	CHECK_EQ(pused1(3, 300), 0);
	CHECK_EQ(ring.last_used_idx, 1);
	CHECK(vdrv_pused(&drv, &id, &len));
	CHECK_EQ(id, 3);
	CHECK_EQ(len, 300);
	/* direct descriptors, then a table ending the chain: the id is the table's */
	vdrv_pdesc(&drv, 2, GPA_C + 0x900, 16, 0, vdrv_pavail(true) | VRING_DESC_F_INDIRECT);
	vdrv_pidesc(&drv, GPA_C + 0x900, 0, GPA_B, 5, VRING_DESC_F_WRITE);
	drv.r.pdesc[2].id = htole16(2);
	vdrv_pdesc(&drv, 1, GPA_A + 0x10, 16, 9, vdrv_pavail(true) | VRING_DESC_F_NEXT);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, 2);
	CHECK_EQ(nout, 1);
	CHECK_EQ(nin, 1);
	TRY(expect_iov(1, GPA_B, 5));
	CHECK_EQ(ring.last_avail_idx, 3);
	teardown();

	/* the bad tables of the split ring, with its errnos */
	TRY(psetup(4, 0));
	vdrv_pindirect(&drv, GPA_C + 0x800, ind, 1, 0);	/* not negotiated */
	TRY(expect_broken(pop(), EINVAL));
	TRY(psetup(4, F_INDIRECT));
	vdrv_pdesc(&drv, 0, GPA_C + 0x800, 16, 0,
		   vdrv_pavail(true) | VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT);
	TRY(expect_broken(pop(), EINVAL));
	TRY(psetup(4, F_INDIRECT));
	vdrv_pdesc(&drv, 0, GPA_C + 0x800, 0, 0, vdrv_pavail(true) | VRING_DESC_F_INDIRECT);
	TRY(expect_broken(pop(), EINVAL));
	TRY(psetup(4, F_INDIRECT));
	vdrv_pdesc(&drv, 0, GPA_C + 0x800, 17, 0, vdrv_pavail(true) | VRING_DESC_F_INDIRECT);
	TRY(expect_broken(pop(), EINVAL));
	TRY(psetup(4, F_INDIRECT));
	vdrv_pdesc(&drv, 0, GPA_A, 16 * (VHOSTX_RING_INDIRECT_MAX + 1), 0,
		   vdrv_pavail(true) | VRING_DESC_F_INDIRECT);
	TRY(expect_broken(pop(), EINVAL));
	TRY(psetup(4, F_INDIRECT));
	vdrv_pdesc(&drv, 0, GPA_C + SIZE_C - 16, 32, 0, vdrv_pavail(true) | VRING_DESC_F_INDIRECT);
	TRY(expect_broken(pop(), EFAULT));
	TRY(psetup(4, F_INDIRECT));
	{
		struct vseg bad[] = { { GPA_A, 1, true }, { GPA_A, 1, false } };

		vdrv_pindirect(&drv, GPA_C + 0x800, bad, 2, 0);
		TRY(expect_broken(pop(), EINVAL));
	}
	TRY(psetup(4, F_INDIRECT));
	{
		struct vseg bad[] = { { GPA_C + SIZE_C - 1, 2, false } };

		vdrv_pindirect(&drv, GPA_C + 0x800, bad, 1, 0);
		TRY(expect_broken(pop(), EFAULT));
	}
	/* an id out of range in the indirect descriptor */
	TRY(psetup(4, F_INDIRECT));
	vdrv_pindirect(&drv, GPA_C + 0x800, one, 1, 4);
	TRY(expect_broken(pop(), EINVAL));
	teardown();
	return PASS;
}

/*
 * A batch of used buffers, out of order, of different descriptor counts:
 * one used descriptor each, positions advancing by their counts, the
 * first one's flags written last.
 */
static int t_p_used_batch(void)
{
	struct vseg s[3] = { { GPA_A, 1, false }, { GPA_A, 1, false }, { GPA_A, 1, true } };
	struct vring_used_elem e[4];
	u32 id, len;
	unsigned int k;

	TRY(psetup(8, 0));
	vdrv_pchain(&drv, s, 1, 10 % 8);	/* id 2, 1 desc  at 0 */
	vdrv_pchain(&drv, s, 2, 4);		/* id 4, 2 descs at 1 */
	vdrv_pchain(&drv, s, 1, 0);		/* id 0, 1 desc  at 3 */
	vdrv_pchain(&drv, s, 3, 7);		/* id 7, 3 descs at 4 */
	for (k = 0; k < 4; k++)
		CHECK_EQ(pop(), 1);
	CHECK_EQ(ring.last_avail_idx, 7);
	vhostx_used_elem_set(&e[0], 0, 1000);
	vhostx_used_elem_set(&e[1], 7, 2000);
	vhostx_used_elem_set(&e[2], 2, 3000);
	vhostx_used_elem_set(&e[3], 4, 4000);
	vx_env.nwlog = 0;
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 4), 0);
	/* used at 0 (id 0, 1 desc), 1 (id 7, 3), 4 (id 2, 1), 5 (id 4, 2) */
	CHECK_EQ(le16toh(drv.r.pdesc[0].id), 0);
	CHECK_EQ(le32toh(drv.r.pdesc[0].len), 1000);
	CHECK_EQ(le16toh(drv.r.pdesc[1].id), 7);
	CHECK_EQ(le16toh(drv.r.pdesc[4].id), 2);
	CHECK_EQ(le16toh(drv.r.pdesc[5].id), 4);
	CHECK_EQ(le32toh(drv.r.pdesc[5].len), 4000);
	CHECK_EQ(le16toh(drv.r.pdesc[5].flags), 0x8080);
	/* the last write was the first descriptor's flags */
	CHECK(vx_env.nwlog >= 5);
	CHECK(vx_env.wlog[vx_env.nwlog - 1].start == (uintptr_t)&drv.r.pdesc[0].flags);
	CHECK_EQ(vx_env.wlog[vx_env.nwlog - 1].end - vx_env.wlog[vx_env.nwlog - 1].start, 2);
	for (k = 0; k + 1 < vx_env.nwlog; k++)
		CHECK(vx_env.wlog[k].start > (uintptr_t)&drv.r.pdesc[0].flags ||
		      vx_env.wlog[k].end <= (uintptr_t)&drv.r.pdesc[0].flags);
	CHECK_EQ(ring.last_used_idx, 7);
	CHECK_EQ(ring.stats.used, 4);
	CHECK(vdrv_pused(&drv, &id, &len));
	CHECK_EQ(id, 0);
	CHECK_EQ(len, 1000);
	CHECK(vdrv_pused(&drv, &id, &len));
	CHECK_EQ(id, 7);
	CHECK(vdrv_pused(&drv, &id, &len));
	CHECK_EQ(id, 2);
	CHECK(vdrv_pused(&drv, &id, &len));
	CHECK_EQ(id, 4);
	CHECK_EQ(len, 4000);
	CHECK(!vdrv_pused(&drv, &id, &len));

	/* caller bugs: nothing written, the ring stays up */
	vdrv_pchain(&drv, s, 1, 1);
	CHECK_EQ(pop(), 1);
	vx_env.writes = 0;
	CHECK_EQ(pused1(3, 0), -EINVAL);		/* never popped */
	CHECK_EQ(pused1(8, 0), -EINVAL);		/* out of range */
	vhostx_used_elem_set(&e[0], 1, 0);
	vhostx_used_elem_set(&e[1], 1, 0);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 2), -EINVAL);	/* twice */
	vhostx_used_elem_set(&e[1], 6, 0);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 2), -EINVAL);	/* one bad */
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 9), -EINVAL);	/* > num */
	CHECK_EQ(vx_env.writes, 0);
	CHECK(!ring.broken);
	CHECK_EQ(ring.stats.errors, 0);
	CHECK_EQ(pused1(1, 5), 0);			/* still in flight, once */
	CHECK_EQ(pused1(1, 5), -EINVAL);
	CHECK(vdrv_pused(&drv, &id, &len));
	CHECK_EQ(id, 1);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 0), 0);
	teardown();
	return PASS;
}

static int t_p_signal(void)
{
	struct vseg s[] = { { GPA_A, 1, false } };
	unsigned int i;

	/* without EVENT_IDX: the driver's flags */
	TRY(psetup(8, 0));
	for (i = 0; i < 4; i++)
		vdrv_pchain(&drv, s, 1, i);
	for (i = 0; i < 4; i++)
		CHECK_EQ(pop(), 1);
	CHECK_EQ(pused1(0, 0), 0);
	CHECK(vhostx_ring_need_signal(&ring));
	vdrv_set_driver_event(&drv, 0, VRING_PACKED_EVENT_FLAG_DISABLE);
	CHECK_EQ(pused1(1, 0), 0);
	CHECK(!vhostx_ring_need_signal(&ring));
	/* DESC without EVENT_IDX is not the driver's to use: signal */
	vdrv_set_driver_event(&drv, 0x8000 | 7, VRING_PACKED_EVENT_FLAG_DESC);
	CHECK_EQ(pused1(2, 0), 0);
	CHECK(vhostx_ring_need_signal(&ring));
	vdrv_set_driver_event(&drv, 0, 3);	/* reserved value: signal */
	CHECK(vhostx_ring_need_signal(&ring));
	CHECK_EQ(ring.stats.signals, 3);
	teardown();

	/* with EVENT_IDX: off_wrap names the used descriptor to signal at */
	TRY(psetup(4, F_EVENT));
	vdrv_set_driver_event(&drv, 0x8000 | 3, VRING_PACKED_EVENT_FLAG_DESC);
	vdrv_pchain(&drv, s, 1, 0);
	vdrv_pchain(&drv, s, 1, 1);
	vdrv_pchain(&drv, s, 1, 2);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pused1(0, 0), 0);		/* used at 0: the first is always sent */
	CHECK(vhostx_ring_need_signal(&ring));
	CHECK_EQ(pused1(1, 0), 0);		/* at 1: no */
	CHECK(!vhostx_ring_need_signal(&ring));
	CHECK(!vhostx_ring_need_signal(&ring));	/* nothing new: no */
	vdrv_set_driver_event(&drv, 0x8000 | 2, VRING_PACKED_EVENT_FLAG_DESC);
	CHECK_EQ(pused1(2, 0), 0);		/* at 2 = the event: yes */
	CHECK(vhostx_ring_need_signal(&ring));
	/* across the wrap: event (3, wrap 1) in a batch from 3 to (1, wrap 0) */
	vdrv_set_driver_event(&drv, 0x8000 | 3, VRING_PACKED_EVENT_FLAG_DESC);
	vdrv_pchain(&drv, s, 1, 3);
	vdrv_pchain(&drv, s, 1, 0);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 1);
	{
		struct vring_used_elem e[2];

		vhostx_used_elem_set(&e[0], 3, 0);
		vhostx_used_elem_set(&e[1], 0, 0);
		CHECK_EQ(vhostx_ring_add_used(&ring, e, 2), 0);
	}
	CHECK_EQ(ring.last_used_idx, 1);
	CHECK(!ring.used_wrap);
	CHECK(vhostx_ring_need_signal(&ring));
	/* event (0, wrap 0) was written in that batch, not in the next */
	vdrv_set_driver_event(&drv, 0, VRING_PACKED_EVENT_FLAG_DESC);
	vdrv_pchain(&drv, s, 1, 1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pused1(1, 0), 0);		/* at 1 */
	CHECK(!vhostx_ring_need_signal(&ring));
	/* event (2, wrap 0): not yet; then yes */
	vdrv_set_driver_event(&drv, 2, VRING_PACKED_EVENT_FLAG_DESC);
	vdrv_pchain(&drv, s, 1, 2);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pused1(2, 0), 0);		/* at 2 */
	CHECK(vhostx_ring_need_signal(&ring));
	/* the event of a lap ago (2, wrap 1), converted back a lap: no */
	vdrv_set_driver_event(&drv, 0x8000 | 2, VRING_PACKED_EVENT_FLAG_DESC);
	vdrv_pchain(&drv, s, 1, 3);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pused1(3, 0), 0);		/* at 3 */
	CHECK(!vhostx_ring_need_signal(&ring));
	/* an offset the ring does not have: signal */
	vdrv_set_driver_event(&drv, 0x8000 | 4, VRING_PACKED_EVENT_FLAG_DESC);
	CHECK(vhostx_ring_need_signal(&ring));
	/* DISABLE wins over EVENT_IDX; ENABLE always signals */
	vdrv_set_driver_event(&drv, 0, VRING_PACKED_EVENT_FLAG_DISABLE);
	CHECK(!vhostx_ring_need_signal(&ring));
	vdrv_set_driver_event(&drv, 0, VRING_PACKED_EVENT_FLAG_ENABLE);
	CHECK(vhostx_ring_need_signal(&ring));
	teardown();

	/* a window of more than a ring since the last decision: forced */
	TRY(psetup(4, F_EVENT));
	vdrv_set_driver_event(&drv, 0x8000 | 3, VRING_PACKED_EVENT_FLAG_DESC);
	vdrv_pchain(&drv, s, 1, 0);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pused1(0, 0), 0);
	CHECK(vhostx_ring_need_signal(&ring));	/* first */
	CHECK(ring.signalled_used_valid);
	vdrv_set_driver_event(&drv, 0, VRING_PACKED_EVENT_FLAG_DISABLE);
	for (i = 0; i < 5; i++) {
		vdrv_pchain(&drv, s, 1, 1);
		CHECK_EQ(pop(), 1);
		CHECK_EQ(pused1(1, 0), 0);
		CHECK(!vhostx_ring_need_signal(&ring));
	}
	CHECK(!ring.signalled_used_valid);
	vdrv_set_driver_event(&drv, 0x8000 | 3, VRING_PACKED_EVENT_FLAG_DESC);
	CHECK(vhostx_ring_need_signal(&ring));
	teardown();

	/* faults: a signal, the ring broken */
	TRY(psetup(4, 0));
	vx_env_add_fault(img + AVAIL_OFF + 2, 2);
	CHECK(vhostx_ring_need_signal(&ring));
	CHECK(ring.broken);
	CHECK_EQ(ring.stats.errors, 1);
	CHECK(!vhostx_ring_need_signal(&ring));
	TRY(psetup(4, F_EVENT));
	vdrv_set_driver_event(&drv, 0, VRING_PACKED_EVENT_FLAG_DESC);
	vx_env_add_fault(img + AVAIL_OFF, 2);
	CHECK(vhostx_ring_need_signal(&ring));	/* the first reads no offset */
	CHECK(!ring.broken);
	CHECK(vhostx_ring_need_signal(&ring));
	CHECK(ring.broken);
	CHECK_EQ(ring.stats.errors, 1);
	teardown();
	return PASS;
}

static int t_p_notify(void)
{
	struct vseg s[] = { { GPA_A, 1, false } };

	TRY(psetup(4, 0));
	vx_env.writes = 0;
	vhostx_ring_disable_notify(&ring);
	CHECK_EQ(vdrv_device_event_flags(&drv), VRING_PACKED_EVENT_FLAG_DISABLE);
	CHECK(ring.used_flags & VRING_USED_F_NO_NOTIFY);
	vhostx_ring_disable_notify(&ring);
	CHECK_EQ(vx_env.writes, 1);
	CHECK(!vhostx_ring_enable_notify(&ring));
	CHECK_EQ(vdrv_device_event_flags(&drv), VRING_PACKED_EVENT_FLAG_ENABLE);
	CHECK_EQ(vx_env.writes, 2);
	CHECK(!vhostx_ring_enable_notify(&ring));
	CHECK_EQ(vx_env.writes, 2);
	/* buffers that arrived meanwhile are reported */
	vhostx_ring_disable_notify(&ring);
	vdrv_pchain(&drv, s, 1, 0);
	CHECK(vhostx_ring_enable_notify(&ring));
	CHECK_EQ(pop(), 1);
	CHECK(!vhostx_ring_enable_notify(&ring));
	teardown();

	/* EVENT_IDX: off_wrap = the next position we look at, flags DESC */
	TRY(psetup_at(4, F_EVENT, 0x80038003u));
	vx_env.writes = 0;
	vhostx_ring_disable_notify(&ring);
	CHECK_EQ(vx_env.writes, 0);
	CHECK(!vhostx_ring_enable_notify(&ring));
	CHECK_EQ(vdrv_device_event_off(&drv), 0x8003);
	CHECK_EQ(vdrv_device_event_flags(&drv), VRING_PACKED_EVENT_FLAG_DESC);
	CHECK_EQ(vx_env.writes, 2);
	vdrv_pchain(&drv, s, 1, 0);
	vdrv_pchain(&drv, s, 1, 1);
	CHECK(vhostx_ring_enable_notify(&ring));
	CHECK_EQ(vx_env.writes, 3);		/* the offset only */
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 0);
	CHECK(!vhostx_ring_enable_notify(&ring));
	CHECK_EQ(vdrv_device_event_off(&drv), 1);	/* (1, wrap 0) */
	teardown();

	/* faults break the ring */
	TRY(psetup(4, 0));
	vx_env_add_fault(img + USED_OFF + 2, 2);
	vhostx_ring_disable_notify(&ring);
	CHECK(ring.broken);
	CHECK_EQ(ring.stats.errors, 1);
	CHECK(!vhostx_ring_enable_notify(&ring));
	CHECK_EQ(ring.stats.errors, 1);
	TRY(psetup(4, F_EVENT));
	vx_env_add_fault(img + USED_OFF, 2);
	CHECK(!vhostx_ring_enable_notify(&ring));
	CHECK(ring.broken);
	TRY(psetup(4, 0));
	vhostx_ring_disable_notify(&ring);
	vx_env_add_fault(img + DESC_OFF + 14, 2);
	CHECK(!vhostx_ring_enable_notify(&ring));
	CHECK(ring.broken);
	CHECK_EQ(ring.stats.errors, 1);
	TRY(psetup(4, 0));
	vx_env_add_fault(img + DESC_OFF + 14, 2);
	CHECK(!vhostx_ring_avail_empty(&ring));
	CHECK(ring.broken);
	teardown();
	return PASS;
}

static int t_p_unget(void)
{
	struct vseg s[3] = { { GPA_A, 1, false }, { GPA_A, 2, false }, { GPA_A, 3, false } };

	/* from position 3 of 5: chains of 1, 2 and 2 descriptors, the last two crossing */
	TRY(psetup_at(5, 0, 0x80028002u));
	vdrv_pchain(&drv, s, 1, 4);
	vdrv_pchain(&drv, s, 2, 0);
	vdrv_pchain(&drv, s, 2, 2);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(ring.last_avail_idx, 2);
	CHECK(!ring.avail_wrap);
	CHECK_EQ(ring.avail_idx, 2);
	vhostx_ring_unget(&ring, 2);
	CHECK_EQ(ring.last_avail_idx, 3);
	CHECK(ring.avail_wrap);
	CHECK_EQ(ring.avail_idx, 2);		/* what we saw stays */
	CHECK(!vhostx_ring_avail_empty(&ring));
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, 0);
	CHECK_EQ(nout, 2);
	CHECK_EQ(ring.avail_idx, 2);
	vhostx_ring_unget(&ring, 1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, 0);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, 2);
	CHECK_EQ(pop(), 0);
	/* used ones are not given back: unget stops there */
	CHECK_EQ(pused1(2, 0), 0);
	vhostx_ring_unget(&ring, 3);
	CHECK_EQ(ring.last_avail_idx, 2);
	CHECK(!ring.avail_wrap);
	/* more than popped since a restart: stops at once */
	CHECK_EQ(vhostx_ring_set_base(&ring, 0x80008000u), 0);
	CHECK_EQ(vhostx_ring_start(&ring), 0);
	vhostx_ring_unget(&ring, 2);
	CHECK_EQ(ring.last_avail_idx, 0);
	CHECK(ring.avail_wrap);
	teardown();
	return PASS;
}

static int t_p_avail_moved(void)
{
	struct vseg s[] = { { GPA_A, 1, false } };
	u16 seen;

	TRY(psetup(4, 0));
	vdrv_pchain(&drv, s, 1, 0);
	vdrv_pchain(&drv, s, 1, 1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 0);
	/* not enough: give both back, remember what was seen */
	vhostx_ring_unget(&ring, 2);
	seen = ring.avail_idx;
	CHECK_EQ(seen, 0x8002);
	CHECK(vhostx_ring_enable_notify(&ring));	/* the two are still there */
	vx_env.writes = 0;
	CHECK(!vhostx_ring_avail_moved(&ring, seen));
	CHECK_EQ(vx_env.writes, 0);
	vdrv_pchain(&drv, s, 1, 2);
	CHECK(vhostx_ring_avail_moved(&ring, seen));
	CHECK_EQ(ring.last_avail_idx, 0);		/* nothing cached moves */
	CHECK_EQ(ring.avail_idx, 0x8002);
	/* a position beyond the ring reads nothing */
	vx_env.reads = 0;
	CHECK(!vhostx_ring_avail_moved(&ring, 4));
	CHECK_EQ(vx_env.reads, 0);
	/* across the end: (0, wrap 0) */
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 1);
	vdrv_pchain(&drv, s, 1, 3);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(ring.avail_idx, 0);
	CHECK(!vhostx_ring_avail_moved(&ring, ring.avail_idx));
	/* a fault breaks the ring, answers false; broken answers false */
	vx_env_add_fault(img + DESC_OFF + 14, 2);
	CHECK(!vhostx_ring_avail_moved(&ring, 0));
	CHECK(ring.broken);
	CHECK_EQ(ring.stats.errors, 1);
	CHECK(!vhostx_ring_avail_moved(&ring, 0));
	teardown();
	return PASS;
}

/* Every hostile rule of the split ring, with its errno, for the packed one. */
static int t_p_hostile(void)
{
	struct vseg s[4] = {
		{ GPA_A, 1, false }, { GPA_A, 1, false }, { GPA_A, 1, false }, { GPA_A, 1, false },
	};
	unsigned int i;

	/* not available: AVAIL not our wrap, or USED equal to it: empty */
	TRY(psetup(4, 0));
	vdrv_pdesc(&drv, 0, GPA_A, 1, 0, 0);
	CHECK_EQ(pop(), 0);
	vdrv_pdesc(&drv, 0, GPA_A, 1, 0, 0x8080);	/* a used descriptor */
	CHECK_EQ(pop(), 0);
	vdrv_pdesc(&drv, 0, GPA_A, 1, 0, vdrv_pavail(false));	/* wrong wrap */
	CHECK_EQ(pop(), 0);
	CHECK(vhostx_ring_avail_empty(&ring));
	CHECK(!ring.broken);
	/* the next lap still carrying the old wrap's bits: empty */
	for (i = 0; i < 4; i++) {
		vdrv_pchain(&drv, s, 1, i);
		CHECK_EQ(pop(), 1);
		CHECK_EQ(pused1(i, 0), 0);
	}
	vdrv_pdesc(&drv, 0, GPA_A, 1, 0, vdrv_pavail(true));
	CHECK_EQ(pop(), 0);
	CHECK(!ring.broken);
	CHECK_EQ(ring.stats.errors, 0);
	teardown();

	/* buffer id out of range, and already in flight */
	TRY(psetup(4, 0));
	vdrv_pchain(&drv, s, 1, 4);
	TRY(expect_broken(pop(), EINVAL));
	TRY(psetup(4, 0));
	vdrv_pchain(&drv, s, 1, 0xffff);
	TRY(expect_broken(pop(), EINVAL));
	TRY(psetup(4, 0));
	vdrv_pchain(&drv, s, 1, 2);
	vdrv_pchain(&drv, s, 2, 2);
	CHECK_EQ(pop(), 1);
	TRY(expect_broken(pop(), EINVAL));
	CHECK_EQ(ring.last_avail_idx, 1);

	/* a chain longer than the ring: every descriptor says NEXT */
	TRY(psetup(4, 0));
	for (i = 0; i < 4; i++)
		vdrv_pdesc(&drv, i, GPA_A, 1, 0, vdrv_pavail(true) | VRING_DESC_F_NEXT);
	vx_env.reads = 0;
	TRY(expect_broken(pop(), ELOOP));
	CHECK(vx_env.reads <= 1 + 4);
	/* exactly num is fine */
	TRY(psetup(4, 0));
	vdrv_pchain(&drv, s, 4, 3);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(nout, 4);
	CHECK_EQ(ring.last_avail_idx, 0);
	CHECK(!ring.avail_wrap);
	/* a chain running into descriptors in flight: 1 in flight, 4 more */
	TRY(psetup(4, 0));
	vdrv_pchain(&drv, s, 1, 0);
	CHECK_EQ(pop(), 1);
	vdrv_pchain(&drv, s, 3, 1);
	vdrv_pdesc(&drv, 3, GPA_A, 1, 0, vdrv_pavail(true) | VRING_DESC_F_NEXT);
	vdrv_pdesc(&drv, 0, GPA_A, 1, 1, vdrv_pavail(false));
	TRY(expect_broken(pop(), ELOOP));
	/* whereas 3 more fit */
	TRY(psetup(4, 0));
	vdrv_pchain(&drv, s, 1, 0);
	CHECK_EQ(pop(), 1);
	vdrv_pchain(&drv, s, 3, 1);
	CHECK_EQ(pop(), 1);

	/* addresses outside memory, wrapping, in a hole */
	TRY(psetup(4, 0));
	vdrv_pdesc(&drv, 0, GPA_C + SIZE_C - 10, 11, 0, vdrv_pavail(true));
	TRY(expect_broken(pop(), EFAULT));
	TRY(psetup(4, 0));
	vdrv_pdesc(&drv, 0, ~0ull - 1, 4, 0, vdrv_pavail(true));
	TRY(expect_broken(pop(), EFAULT));
	TRY(psetup(4, 0));
	vdrv_pdesc(&drv, 0, 0x1000, 1, 0, vdrv_pavail(true));
	TRY(expect_broken(pop(), EFAULT));
	/* readable after writable */
	TRY(psetup(4, 0));
	{
		struct vseg rw[] = { { GPA_A, 1, true }, { GPA_A, 1, false } };

		vdrv_pchain(&drv, rw, 2, 0);
		TRY(expect_broken(pop(), EINVAL));
	}
	/* an unreadable descriptor ring: flags, then the rest */
	TRY(psetup(4, 0));
	vx_env_add_fault(img + DESC_OFF + 14, 2);
	TRY(expect_broken(pop(), EFAULT));
	TRY(psetup(4, 0));
	vdrv_pchain(&drv, s, 2, 0);
	vx_env_add_fault(img + DESC_OFF + 16, 2);
	TRY(expect_broken(pop(), EFAULT));
	/* a used descriptor we cannot write */
	TRY(psetup(4, 0));
	vdrv_pchain(&drv, s, 1, 0);
	CHECK_EQ(pop(), 1);
	vx_env_add_fault(img + DESC_OFF + 8, 4);
	CHECK_EQ(pused1(0, 0), -EFAULT);
	CHECK(ring.broken);
	CHECK_EQ(ring.stats.errors, 1);
	CHECK_EQ(pused1(0, 0), -EIO);
	TRY(psetup(4, 0));
	vdrv_pchain(&drv, s, 1, 0);
	CHECK_EQ(pop(), 1);
	vx_env_add_fault(img + DESC_OFF + 14, 2);	/* its flags */
	CHECK_EQ(pused1(0, 0), -EFAULT);
	CHECK(ring.broken);
	CHECK_EQ(ring.stats.errors, 1);
	/* iov too small / not translated: not consumed, not broken */
	TRY(psetup(4, 0));
	vdrv_pchain(&drv, s, 3, 0);
	CHECK_EQ(vhostx_ring_get_chain(&ring, iov, 2, &nout, &nin, &head), -ENOBUFS);
	CHECK(!ring.broken);
	CHECK_EQ(ring.last_avail_idx, 0);
	CHECK_EQ(pop(), 1);
	/* a broken ring touches nothing */
	TRY(psetup(4, 0));
	vdrv_pchain(&drv, s, 1, 9);
	TRY(expect_broken(pop(), EINVAL));
	vx_env.reads = vx_env.writes = 0;
	CHECK(!vhostx_ring_avail_empty(&ring));
	CHECK(!vhostx_ring_enable_notify(&ring));
	vhostx_ring_disable_notify(&ring);
	CHECK(!vhostx_ring_need_signal(&ring));
	CHECK_EQ(pused1(0, 0), -EIO);
	CHECK_EQ(vx_env.reads + vx_env.writes, 0);
	teardown();
	return PASS;
}

static int t_p_log(void)
{
	struct vseg s[3] = { { GPA_A, 1, false }, { GPA_A, 1, false }, { GPA_A, 1, false } };
	struct vring_used_elem e[3];

	/* from position 2 of 4: chains of 1, 2, 1; one batch crosses the end */
	TRY(psetup_at(4, F_EVENT, 0x80028002u));
	ring.log_used = true;
	CHECK_EQ(vhostx_ring_start(&ring), 0);
	CHECK_EQ(ring.log_n, 1);			/* the device flags */
	CHECK_EQ(ring.log[0].area, VHOSTX_RING_AREA_USED);
	CHECK_EQ(ring.log[0].off, 2);
	CHECK_EQ(ring.log[0].len, 2);
	ring.log_n = 0;
	vdrv_pchain(&drv, s, 1, 0);
	vdrv_pchain(&drv, s, 2, 1);
	vdrv_pchain(&drv, s, 1, 2);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(ring.log_n, 0);
	vhostx_used_elem_set(&e[0], 1, 0);	/* 2 descs at 2, 3 */
	vhostx_used_elem_set(&e[1], 0, 0);	/* at 0 */
	vhostx_used_elem_set(&e[2], 2, 0);	/* at 1 */
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 3), 0);
	CHECK_EQ(ring.log_n, 2);
	CHECK_EQ(ring.log[0].area, VHOSTX_RING_AREA_DESC);
	CHECK_EQ(ring.log[0].off, 32);
	CHECK_EQ(ring.log[0].len, 32);
	CHECK_EQ(ring.log[1].area, VHOSTX_RING_AREA_DESC);
	CHECK_EQ(ring.log[1].off, 0);
	CHECK_EQ(ring.log[1].len, 32);
	ring.log_n = 0;
	/* enable: the offset then the flags, one span of the device area */
	CHECK(!vhostx_ring_enable_notify(&ring));
	CHECK_EQ(ring.log_n, 1);
	CHECK_EQ(ring.log[0].area, VHOSTX_RING_AREA_USED);
	CHECK_EQ(ring.log[0].off, 0);
	CHECK_EQ(ring.log[0].len, 4);
	/* not drained: a full list grows spans of the same area */
	CHECK(!vhostx_ring_enable_notify(&ring));
	vdrv_pchain(&drv, s, 1, 0);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pused1(0, 0), 0);
	vdrv_pchain(&drv, s, 1, 1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pused1(1, 0), 0);
	CHECK(ring.log_n <= VHOSTX_RING_LOG_SPANS);
	teardown();

	/* off: nothing recorded */
	TRY(psetup(4, 0));
	vdrv_pchain(&drv, s, 1, 0);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pused1(0, 0), 0);
	vhostx_ring_disable_notify(&ring);
	CHECK_EQ(ring.log_n, 0);
	teardown();
	return PASS;
}

/* The accessor walker instance with the packed layout. */
static int t_p_accessor(void)
{
	struct vseg two[] = { { GPA_A + 0x1000, 10, false }, { GPA_A + 0x3000, 1500, true } };
	struct vseg ind[] = { { GPA_B + 0x100, 100, false } };
	u32 id, len;

	TRY(psetup(8, F_INDIRECT));
	memset(&acc, 0, sizeof(acc));
	ring.acc = &test_acc;
	ring.acc_ctx = mem;
	vdrv_pchain(&drv, two, 2, 6);
	acc.hole_lo = GPA_A + 0x3000;
	acc.hole_hi = GPA_A + 0x4000;
	CHECK_EQ(pop(), -EAGAIN);
	CHECK(!ring.broken);
	CHECK_EQ(ring.last_avail_idx, 0);
	acc.hole_lo = acc.hole_hi = 0;
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, 6);
	TRY(expect_iov(1, GPA_A + 0x3000, 1500));
	vdrv_pindirect(&drv, GPA_C + 0x800, ind, 1, 5);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, 5);
	CHECK_EQ(acc.iov_reads, 1);
	CHECK_EQ(pused1(5, 1), 0);
	CHECK(acc.writes >= 2);
	CHECK(vdrv_pused(&drv, &id, &len));
	CHECK_EQ(id, 5);
	acc.fail_read = -EFAULT;
	CHECK_EQ(pop(), -EFAULT);
	CHECK(ring.broken);
	teardown();
	return PASS;
}

/* ---- VIRTIO_F_IN_ORDER batching (in_order) ---- */

/* Split: used element @slot as (id, len). */
static int expect_used_slot(unsigned int slot, u32 id, u32 len)
{
	CHECK_EQ(le32toh(drv.r.used->ring[slot].id), id);
	CHECK_EQ(le32toh(drv.r.used->ring[slot].len), len);
	return PASS;
}

/* Fill the used ring's elements with a marker the device must not touch. */
static void used_mark(void)
{
	memset(drv.r.used->ring, 0xa5, 8ul * drv.r.num);
}

static int used_untouched(unsigned int slot)
{
	CHECK_EQ(le32toh(drv.r.used->ring[slot].id), 0xa5a5a5a5u);
	CHECK_EQ(le32toh(drv.r.used->ring[slot].len), 0xa5a5a5a5u);
	return PASS;
}

static int t_inorder_split(void)
{
	struct vring_used_elem e[8];
	unsigned int i;

	TRY(setup(8, 0));
	ring.in_order = true;
	used_mark();
	/* TX: four zero lengths, one element at slot 3, the index over four */
	for (i = 0; i < 4; i++)
		vhostx_used_elem_set(&e[i], i, 0);
	vx_env.writes = 0;
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 4), 0);
	CHECK_EQ(vx_env.writes, 2);
	CHECK_EQ(vdrv_used_idx(&drv), 4);
	CHECK_EQ(ring.last_used_idx, 4);
	TRY(expect_used_slot(3, 3, 0));
	for (i = 0; i < 3; i++)
		TRY(used_untouched(i));
	CHECK_EQ(ring.stats.used, 4);
	/* the last one may carry a length */
	vhostx_used_elem_set(&e[0], 4, 0);
	vhostx_used_elem_set(&e[1], 5, 77);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 2), 0);
	TRY(used_untouched(4));
	TRY(expect_used_slot(5, 5, 77));
	CHECK_EQ(vdrv_used_idx(&drv), 6);
	/* RX: lengths that matter, one element each */
	vhostx_used_elem_set(&e[0], 6, 10);
	vhostx_used_elem_set(&e[1], 7, 20);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 2), 0);
	TRY(expect_used_slot(6, 6, 10));
	TRY(expect_used_slot(7, 7, 20));
	/* a length in the middle: one each too */
	used_mark();
	vhostx_used_elem_set(&e[0], 0, 0);
	vhostx_used_elem_set(&e[1], 1, 5);
	vhostx_used_elem_set(&e[2], 2, 0);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 3), 0);
	TRY(expect_used_slot(0, 0, 0));
	TRY(expect_used_slot(1, 1, 5));
	TRY(expect_used_slot(2, 2, 0));
	/* one element: as always */
	vhostx_used_elem_set(&e[0], 3, 0);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 1), 0);
	TRY(expect_used_slot(3, 3, 0));
	CHECK_EQ(vdrv_used_idx(&drv), 12);
	/* without the feature: every element */
	ring.in_order = false;
	used_mark();
	for (i = 0; i < 3; i++)
		vhostx_used_elem_set(&e[i], 4 + i, 0);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 3), 0);
	for (i = 0; i < 3; i++)
		TRY(expect_used_slot(4 + i, 4 + i, 0));
	CHECK(!ring.broken);
	teardown();

	/* across the ring end and the u16 wrap: 65533 + 5, slot 1 only */
	TRY(setup_at(8, 0, 65533));
	ring.in_order = true;
	used_mark();
	for (i = 0; i < 5; i++)
		vhostx_used_elem_set(&e[i], i, 0);
	vx_env.writes = 0;
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 5), 0);
	CHECK_EQ(vx_env.writes, 2);
	CHECK_EQ(vdrv_used_idx(&drv), 2);
	TRY(expect_used_slot(1, 4, 0));
	for (i = 0; i < 8; i++)
		if (i != 1)
			TRY(used_untouched(i));
	/* a whole ring in one batch: the slot before the start */
	for (i = 0; i < 8; i++)
		vhostx_used_elem_set(&e[i], 7 - i, 0);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 8), 0);
	CHECK_EQ(vdrv_used_idx(&drv), 10);
	TRY(expect_used_slot(1, 0, 0));
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 9), -EINVAL);
	teardown();

	/* dirty log: the one element and the index, nothing skipped */
	TRY(setup_at(8, 0, 6));
	ring.in_order = true;
	ring.log_used = true;
	for (i = 0; i < 5; i++)
		vhostx_used_elem_set(&e[i], i, 0);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 5), 0);	/* 6..10: slot 2 */
	CHECK_EQ(ring.log_n, 2);
	TRY(expect_span(0, UOFF(&drv.r.used->ring[2]), 8));
	TRY(expect_span(1, UOFF(&drv.r.used->idx), 2));
	ring.log_n = 0;
	teardown();

	/* faults: the element (nothing published), then the index */
	TRY(setup(8, 0));
	ring.in_order = true;
	ring.log_used = true;
	for (i = 0; i < 3; i++)
		vhostx_used_elem_set(&e[i], i, 0);
	vx_env_add_fault(&drv.r.used->ring[2], 8);
	TRY(expect_broken(vhostx_ring_add_used(&ring, e, 3), EFAULT));
	CHECK_EQ(vdrv_used_idx(&drv), 0);
	CHECK_EQ(ring.last_used_idx, 0);
	CHECK_EQ(ring.log_n, 0);
	TRY(setup(8, 0));
	ring.in_order = true;
	ring.log_used = true;
	vx_env_add_fault(&drv.r.used->idx, 2);
	TRY(expect_broken(vhostx_ring_add_used(&ring, e, 3), EFAULT));
	CHECK_EQ(ring.last_used_idx, 0);
	CHECK_EQ(ring.log_n, 1);
	TRY(expect_span(0, UOFF(&drv.r.used->ring[2]), 8));
	teardown();
	return PASS;
}

/* Split signals: the skipped entries count as written. */
static int t_inorder_split_signal(void)
{
	struct vring_used_elem e[8];
	unsigned int i;

	TRY(setup(8, F_EVENT));
	ring.in_order = true;
	for (i = 0; i < 8; i++)
		vhostx_used_elem_set(&e[i], i, 0);
	vdrv_set_used_event(&drv, 100);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 1), 0);
	CHECK(vhostx_ring_need_signal(&ring));		/* the first */
	/* 1 -> 5 with the event at 2, a skipped entry: yes */
	vdrv_set_used_event(&drv, 2);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 4), 0);
	CHECK(vhostx_ring_need_signal(&ring));
	/* 5 -> 8, event at 5 (the first, skipped): yes */
	vdrv_set_used_event(&drv, 5);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 3), 0);
	CHECK(vhostx_ring_need_signal(&ring));
	/* 8 -> 11, event at 11 (not reached): no; then 11 -> 13: yes */
	vdrv_set_used_event(&drv, 11);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 3), 0);
	CHECK(!vhostx_ring_need_signal(&ring));
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 2), 0);
	CHECK(vhostx_ring_need_signal(&ring));
	/* 13 -> 21, a whole ring, event at 20 (the written one): yes */
	vdrv_set_used_event(&drv, 20);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 8), 0);
	CHECK_EQ(vdrv_used_idx(&drv), 21);
	CHECK(vhostx_ring_need_signal(&ring));
	CHECK_EQ(ring.stats.signals, 5);
	teardown();

	/* without EVENT_IDX: the driver's flag, whatever was skipped */
	TRY(setup(8, 0));
	ring.in_order = true;
	vdrv_set_avail_flags(&drv, VRING_AVAIL_F_NO_INTERRUPT);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 4), 0);
	CHECK(!vhostx_ring_need_signal(&ring));
	vdrv_set_avail_flags(&drv, 0);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 4), 0);
	CHECK(vhostx_ring_need_signal(&ring));
	teardown();
	return PASS;
}

/* Packed descriptor @pos as the device left it. */
static int expect_pused_at(unsigned int pos, u16 id, u32 len, u16 flags)
{
	CHECK_EQ(le16toh(drv.r.pdesc[pos].id), id);
	CHECK_EQ(le32toh(drv.r.pdesc[pos].len), len);
	CHECK_EQ(le16toh(drv.r.pdesc[pos].flags), flags);
	return PASS;
}

static int t_inorder_packed(void)
{
	struct vseg s[3] = { { GPA_A, 1, false }, { GPA_A, 1, false }, { GPA_A, 1, false } };
	struct vring_packed_desc before[8];
	struct vring_used_elem e[4];
	unsigned int k;

	TRY(psetup(8, 0));
	ring.in_order = true;
	vdrv_pchain(&drv, s, 1, 2);		/* id 2, 1 desc  at 0 */
	vdrv_pchain(&drv, s, 2, 4);		/* id 4, 2 descs at 1 */
	vdrv_pchain(&drv, s, 1, 0);		/* id 0, 1 desc  at 3 */
	vdrv_pchain(&drv, s, 3, 7);		/* id 7, 3 descs at 4 */
	for (k = 0; k < 4; k++)
		CHECK_EQ(pop(), 1);
	memcpy(before, drv.r.pdesc, sizeof(before));
	vhostx_used_elem_set(&e[0], 2, 0);
	vhostx_used_elem_set(&e[1], 4, 0);
	vhostx_used_elem_set(&e[2], 0, 0);
	vhostx_used_elem_set(&e[3], 7, 123);
	vx_env.writes = 0;
	vx_env.nwlog = 0;
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 4), 0);
	/* one used descriptor at the first position, the last id and length */
	TRY(expect_pused_at(0, 7, 123, 0x8080));
	CHECK(!memcmp(&before[1], &drv.r.pdesc[1], 7 * sizeof(before[0])));
	CHECK_EQ(vx_env.writes, 2);		/* id and length, then the flags */
	CHECK(vx_env.wlog[vx_env.nwlog - 1].start == (uintptr_t)&drv.r.pdesc[0].flags);
	CHECK_EQ(ring.last_used_idx, 7);
	CHECK(ring.used_wrap);
	CHECK_EQ(ring.stats.used, 4);
	/* all four left flight: never twice, and their ids may come again */
	CHECK_EQ(pused1(4, 0), -EINVAL);
	CHECK_EQ(pused1(7, 0), -EINVAL);
	vdrv_pchain(&drv, s, 1, 4);		/* id 4 at 7 */
	vdrv_pchain(&drv, s, 2, 2);		/* id 2 at 0, 1 (wrap 0) */
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, 4);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(head, 2);
	CHECK(!ring.avail_wrap);
	/* RX-style lengths: one each */
	vhostx_used_elem_set(&e[0], 4, 10);
	vhostx_used_elem_set(&e[1], 2, 20);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 2), 0);
	TRY(expect_pused_at(7, 4, 10, 0x8080));
	TRY(expect_pused_at(0, 2, 20, 0));
	CHECK_EQ(ring.last_used_idx, 2);
	CHECK(!ring.used_wrap);
	/* caller bugs are still caught before anything is written */
	vdrv_pchain(&drv, s, 1, 1);
	CHECK_EQ(pop(), 1);
	vhostx_used_elem_set(&e[0], 1, 0);
	vhostx_used_elem_set(&e[1], 1, 0);
	vx_env.writes = 0;
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 2), -EINVAL);	/* twice */
	vhostx_used_elem_set(&e[1], 3, 0);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 2), -EINVAL);	/* not in flight */
	CHECK_EQ(vx_env.writes, 0);
	CHECK(!ring.broken);
	CHECK_EQ(pused1(1, 0), 0);
	teardown();

	/* across the ring end: from 2 of 4, buffers at 2, 3-0 and 1 */
	TRY(psetup_at(4, 0, 0x80028002u));
	ring.in_order = true;
	vdrv_pchain(&drv, s, 1, 0);
	vdrv_pchain(&drv, s, 2, 1);
	vdrv_pchain(&drv, s, 1, 3);
	for (k = 0; k < 3; k++)
		CHECK_EQ(pop(), 1);
	vhostx_used_elem_set(&e[0], 0, 0);
	vhostx_used_elem_set(&e[1], 1, 0);
	vhostx_used_elem_set(&e[2], 3, 0);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 3), 0);
	TRY(expect_pused_at(2, 3, 0, 0x8080));
	CHECK_EQ(ring.last_used_idx, 2);
	CHECK(!ring.used_wrap);			/* a whole lap: the counter flipped */
	/* the next lap's used descriptor carries wrap 0 */
	vdrv_pchain(&drv, s, 1, 2);		/* at 2, wrap 0 */
	vdrv_pchain(&drv, s, 1, 0);		/* at 3 */
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 1);
	vhostx_used_elem_set(&e[0], 2, 0);
	vhostx_used_elem_set(&e[1], 0, 0);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 2), 0);
	TRY(expect_pused_at(2, 0, 0, 0));
	CHECK_EQ(ring.last_used_idx, 0);
	CHECK(ring.used_wrap);
	teardown();

	/* dirty log: the one descriptor written */
	TRY(psetup_at(4, 0, 0x80028002u));
	ring.in_order = true;
	ring.log_used = true;
	vdrv_pchain(&drv, s, 1, 0);
	vdrv_pchain(&drv, s, 2, 1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 1);
	ring.log_n = 0;
	vhostx_used_elem_set(&e[0], 0, 0);
	vhostx_used_elem_set(&e[1], 1, 0);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 2), 0);
	CHECK_EQ(ring.log_n, 1);
	CHECK_EQ(ring.log[0].area, VHOSTX_RING_AREA_DESC);
	CHECK_EQ(ring.log[0].off, 2 * 16);
	CHECK_EQ(ring.log[0].len, 16);
	teardown();

	/* faults: id and length (ids stay in flight), then the flags */
	TRY(psetup(4, 0));
	ring.in_order = true;
	vdrv_pchain(&drv, s, 1, 0);
	vdrv_pchain(&drv, s, 1, 1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 1);
	vhostx_used_elem_set(&e[0], 0, 0);
	vhostx_used_elem_set(&e[1], 1, 0);
	vx_env_add_fault(&drv.r.pdesc[0].len, 4);
	TRY(expect_broken(vhostx_ring_add_used(&ring, e, 2), EFAULT));
	CHECK_EQ(ring.last_used_idx, 0);
	CHECK_EQ(((u32 *)pbufs)[1 + 0], 1);	/* in flight, unclaimed */
	CHECK_EQ(((u32 *)pbufs)[1 + 1], 1);
	TRY(psetup(4, 0));
	ring.in_order = true;
	vdrv_pchain(&drv, s, 1, 0);
	vdrv_pchain(&drv, s, 1, 1);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 1);
	vx_env_add_fault(&drv.r.pdesc[0].flags, 2);
	TRY(expect_broken(vhostx_ring_add_used(&ring, e, 2), EFAULT));
	CHECK_EQ(ring.last_used_idx, 0);
	teardown();
	return PASS;
}

/*
 * A driver that frees in order (as DPDK's in-order TX cleanup): from its
 * next used position, walk its buffers until the one whose id the used
 * descriptor there names. Returns the buffers freed, or -1 if the used
 * descriptor names none of those in flight.
 */
static int inorder_driver_reap(const u16 *ids, const u16 *ndesc, unsigned int inflight,
			       unsigned int *first)
{
	unsigned int k = *first, freed = 0;
	u16 flags = le16toh(drv.r.pdesc[drv.r.next_used].flags), id;
	bool avail = flags & (1u << VRING_PACKED_DESC_F_AVAIL);
	bool used = flags & (1u << VRING_PACKED_DESC_F_USED);

	if (avail != drv.r.used_wrap || used != drv.r.used_wrap)
		return 0;
	id = le16toh(drv.r.pdesc[drv.r.next_used].id);
	for (; k < inflight; k++) {
		freed++;
		drv.r.next_used += ndesc[k];
		if (drv.r.next_used >= drv.r.num) {
			drv.r.next_used -= drv.r.num;
			drv.r.used_wrap = !drv.r.used_wrap;
		}
		if (ids[k] == id) {
			*first = k + 1;
			return freed;
		}
	}
	return -1;
}

/* Many laps of in-order TX batches, read back the way DPDK does. */
static int t_inorder_packed_laps(void)
{
	struct vseg s[3] = { { GPA_A, 1, false }, { GPA_A, 1, false }, { GPA_A, 1, false } };
	struct vring_used_elem e[8];
	u16 ids[8], nd[8];
	unsigned int lap, k, n, first;
	int freed;

	TRY(psetup(7, 0));		/* an odd size: batches end anywhere */
	ring.in_order = true;
	for (lap = 0; lap < 50; lap++) {
		unsigned int room = 7;

		n = 1 + lap % 4;
		for (k = 0; k < n; k++) {
			nd[k] = 1 + (lap + k) % 3;
			if (nd[k] > room)
				break;
			room -= nd[k];
			ids[k] = drv.r.next_avail;	/* DPDK: the id is the head's position */
			vdrv_pchain(&drv, s, nd[k], ids[k]);
			CHECK_EQ(pop(), 1);
			CHECK_EQ(head, ids[k]);
			vhostx_used_elem_set(&e[k], ids[k], 0);
		}
		n = k;
		CHECK_EQ(vhostx_ring_add_used(&ring, e, n), 0);
		first = 0;
		freed = inorder_driver_reap(ids, nd, n, &first);
		CHECK_EQ(freed, n);
		CHECK_EQ(inorder_driver_reap(ids, nd, n, &first), 0);	/* nothing more */
		CHECK_EQ(drv.r.next_used, ring.last_used_idx);
		CHECK_EQ(drv.r.used_wrap, ring.used_wrap);
	}
	CHECK(!ring.broken);
	teardown();
	return PASS;
}

/* Packed signals: an event inside the skipped buffers still signals. */
static int t_inorder_packed_signal(void)
{
	struct vseg s[2] = { { GPA_A, 1, false }, { GPA_A, 1, false } };
	struct vring_used_elem e[4];
	unsigned int k;

	TRY(psetup(8, F_EVENT));
	ring.in_order = true;
	vdrv_set_driver_event(&drv, 0x8000 | 7, VRING_PACKED_EVENT_FLAG_DESC);
	vdrv_pchain(&drv, s, 1, 0);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pused1(0, 0), 0);
	CHECK(vhostx_ring_need_signal(&ring));		/* the first */
	/* buffers at 1, 2, 3, 4; the event at 3, not written: yes */
	for (k = 1; k <= 4; k++) {
		vdrv_pchain(&drv, s, 1, k);
		CHECK_EQ(pop(), 1);
		vhostx_used_elem_set(&e[k - 1], k, 0);
	}
	vdrv_set_driver_event(&drv, 0x8000 | 3, VRING_PACKED_EVENT_FLAG_DESC);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 4), 0);
	TRY(expect_pused_at(1, 4, 0, 0x8080));
	CHECK(vhostx_ring_need_signal(&ring));
	/* buffers at 5-6 and 7; the event at 6, inside a chain: yes */
	vdrv_pchain(&drv, s, 2, 5);
	vdrv_pchain(&drv, s, 1, 7);
	CHECK_EQ(pop(), 1);
	CHECK_EQ(pop(), 1);
	vhostx_used_elem_set(&e[0], 5, 0);
	vhostx_used_elem_set(&e[1], 7, 0);
	vdrv_set_driver_event(&drv, 0x8000 | 6, VRING_PACKED_EVENT_FLAG_DESC);
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 2), 0);
	CHECK_EQ(ring.last_used_idx, 0);
	CHECK(!ring.used_wrap);
	CHECK(vhostx_ring_need_signal(&ring));
	/* next lap, the event at (5, wrap 0): buffers 0-3 no, 4-6 yes */
	vdrv_set_driver_event(&drv, 5, VRING_PACKED_EVENT_FLAG_DESC);
	for (k = 0; k < 4; k++) {
		vdrv_pchain(&drv, s, 1, k);
		CHECK_EQ(pop(), 1);
		vhostx_used_elem_set(&e[k], k, 0);
	}
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 4), 0);
	CHECK(!vhostx_ring_need_signal(&ring));
	for (k = 0; k < 3; k++) {
		vdrv_pchain(&drv, s, 1, 4 + k);
		CHECK_EQ(pop(), 1);
		vhostx_used_elem_set(&e[k], 4 + k, 0);
	}
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 3), 0);
	TRY(expect_pused_at(4, 6, 0, 0));
	CHECK(vhostx_ring_need_signal(&ring));
	teardown();

	/* without EVENT_IDX: the driver's flags */
	TRY(psetup(8, 0));
	ring.in_order = true;
	vdrv_set_driver_event(&drv, 0, VRING_PACKED_EVENT_FLAG_DISABLE);
	for (k = 0; k < 3; k++) {
		vdrv_pchain(&drv, s, 1, k);
		CHECK_EQ(pop(), 1);
		vhostx_used_elem_set(&e[k], k, 0);
	}
	CHECK_EQ(vhostx_ring_add_used(&ring, e, 3), 0);
	CHECK(!vhostx_ring_need_signal(&ring));
	vdrv_set_driver_event(&drv, 0, VRING_PACKED_EVENT_FLAG_ENABLE);
	CHECK(vhostx_ring_need_signal(&ring));
	teardown();
	return PASS;
}

#define T(x) { #x, t_##x }
static const struct test tests[] = {
	T(mem_check_sorts),
	T(mem_check_sort_many),
	T(mem_check_rejects),
	T(mem_build),
	T(mem_translate),
	T(check_addr),
	T(start_used_idx),
	T(empty),
	T(simple_chain),
	T(write_only_chain),
	T(readable_after_writable),
	T(readable_after_empty_writable),
	T(chain_spans_regions),
	T(desc_outside_memory),
	T(head_out_of_range),
	T(next_out_of_range),
	T(desc_loop),
	T(chain_exactly_num),
	T(avail_idx_jump),
	T(avail_wrap),
	T(enobufs),
	T(length_overflow),
	T(indirect),
	T(indirect_next_walks_table),
	T(indirect_spans_regions),
	T(indirect_fragmented),
	T(indirect_errors),
	T(faults),
	T(add_used),
	T(add_used_wraps_ring),
	T(add_used_fault),
	T(signal_flags),
	T(signal_event_idx),
	T(signal_event_idx_wrap),
	T(signal_batch_overtakes),
	T(notify_flags),
	T(notify_event_idx),
	T(notify_faults),
	T(unget),
	T(avail_read_ahead),
	T(restart_after_break),
	T(log_used_off),
	T(log_used_spans),
	T(mem_reverse),
	T(accessor),
	T(avail_moved),
	T(p_check_addr),
	T(p_base),
	T(p_start),
	T(p_simple_chain),
	T(p_wrap),
	T(p_indirect),
	T(p_used_batch),
	T(p_signal),
	T(p_notify),
	T(p_unget),
	T(p_avail_moved),
	T(p_hostile),
	T(p_log),
	T(p_accessor),
	T(inorder_split),
	T(inorder_split_signal),
	T(inorder_packed),
	T(inorder_packed_laps),
	T(inorder_packed_signal),
	T(replay_inputs),
};

int main(int argc, char **argv)
{
	unsigned int n = sizeof(tests) / sizeof(tests[0]), i;
	unsigned int pass = 0, fail = 0, skip = 0;

	if (argc > 1 && !strcmp(argv[1], "-v")) {
		vx_env.verbose = true;
		argc--;
		argv++;
	}
	/* remaining arguments: directories of fuzzer inputs to replay */
	replay_dirs = argv + 1;
	nreplay_dirs = argc - 1;
	img = malloc(IMG_SIZE);
	if (!img)
		return 1;
	printf("TAP version 13\n1..%u\n", n);
	for (i = 0; i < n; i++) {
		int r;

		r = tests[i].fn();
		if (mem)
			teardown();
		if (r == PASS) {
			printf("ok %u %s\n", i + 1, tests[i].name);
			pass++;
		} else if (r == SKIP) {
			printf("ok %u %s # SKIP\n", i + 1, tests[i].name);
			skip++;
		} else {
			printf("not ok %u %s\n", i + 1, tests[i].name);
			fail++;
		}
	}
	printf("%u passed, %u failed, %u skipped\n", pass, fail, skip);
	free(img);
	return fail ? 1 : 0;
}
