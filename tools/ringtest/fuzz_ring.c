// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the vhostx ring core (drivers/vhost/ring.c, mem.c).
 *
 * Input (see fuzz_format.h): a header with the ring setup and up to six
 * memory regions, a sequence of operations (device calls and guest-side
 * mutations), then bytes that initialise the guest memory image.
 *
 * Invariants checked (abort() on violation):
 *  - the ring core reads only the ring areas and the table's user ranges,
 *    and writes only the used area (enforced in ringtest_env.h);
 *  - get_chain's result (return value, head, every iovec) equals that of
 *    an independent reference of the rules (linear-search translation),
 *    unless an injected fault made it -EFAULT; read-ahead heads equal the
 *    image; guest reads per call are bounded by num and the indirect max;
 *  - every guest error breaks the ring, counts exactly one error and logs;
 *    a broken ring fails everything without touching guest memory;
 *  - add_used changes exactly the used slots and used->idx, and the used
 *    ring only ever receives heads that were popped and not yet used;
 *  - the cached avail index is never more than num ahead;
 *  - a built memory table is sorted, disjoint and inside the image, and
 *    translate agrees with a linear reference.
 *
 * Feature bit 4 runs the same input with the ring reaching guest memory
 * through an accessor (struct vhostx_ring_acc, the vDPA simulator's and
 * the device IOTLB's way) over the same image: the core's second walker,
 * held to the same reference.
 */
#include "fuzz_format.h"
#include "vdrv.h"

#define FAIL(...) do {							\
	fprintf(stderr, "fuzz_ring: invariant: " __VA_ARGS__);		\
	fprintf(stderr, "\n");						\
	abort();							\
} while (0)

#define ASSERT(c) do { if (!(c)) FAIL("%s (line %d)", #c, __LINE__); } while (0)

static unsigned char *img;
static int trace = -1;	/* FUZZ_RING_TRACE=1: log each call */

struct input {
	const u8 *p;
	size_t n;
};

static u8 in8(struct input *in)
{
	u8 v = 0;

	if (in->n) {
		v = *in->p++;
		in->n--;
	}
	return v;
}

static u16 in16(struct input *in)
{
	u16 lo = in8(in);

	return lo | (u16)in8(in) << 8;
}

static u32 in32(struct input *in)
{
	u32 lo = in16(in);

	return lo | (u32)in16(in) << 16;
}

/* ---- reference model ---- */

struct ref_piece {
	const unsigned char *host;
	u64 len;
};

static struct vhostx_mem *mem;
static struct vhostx_ring ring;

/* Region holding @gpa by linear search over the (checked) table. */
static const struct vhostx_mem_region *ref_region(u64 gpa)
{
	unsigned int i;

	for (i = 0; i < mem->nregions; i++) {
		const struct vhostx_mem_region *r = &mem->regions[i];

		if (gpa >= r->gpa && gpa - r->gpa <= r->size - 1)
			return r;
	}
	return NULL;
}

/* Same contract as vhostx_mem_translate(), by linear search. */
static int ref_translate(u64 gpa, u64 len, struct ref_piece *p, unsigned int max)
{
	unsigned int n = 0;

	if (!len)
		return 0;
	if (gpa + (len - 1) < gpa)
		return -EFAULT;
	for (;;) {
		const struct vhostx_mem_region *r = ref_region(gpa);
		u64 chunk;

		if (!r)
			return -EFAULT;
		if (n >= max)
			return -ENOBUFS;
		chunk = r->size - (gpa - r->gpa);
		if (chunk > len)
			chunk = len;
		p[n].host = (const unsigned char *)(uintptr_t)(r->uaddr + (gpa - r->gpa));
		p[n].len = chunk;
		n++;
		len -= chunk;
		if (!len)
			return n;
		gpa += chunk;
		/* a contiguous range must continue in the region that starts here */
	}
}

static void ref_read(u64 gpa, void *buf, unsigned int len)
{
	struct ref_piece p[16];
	unsigned char *d = buf;
	int n, i;

	n = ref_translate(gpa, len, p, 16);
	ASSERT(n > 0);
	for (i = 0; i < n; i++) {
		memcpy(d, p[i].host, p[i].len);
		d += p[i].len;
	}
}

/* A chain as the rules say it must come out of vhostx_ring_get_chain(). */
struct ref_chain {
	struct ref_piece p[FZ_IOV_MAX];
	unsigned int max;
	unsigned int n;
	unsigned int out;
	unsigned int in;
	u64 out_len;
	u64 in_len;
	bool writing;
};

static int ref_add(struct ref_chain *c, const struct vring_desc *d)
{
	u32 len = le32toh(d->len);
	int n;

	if (le16toh(d->flags) & VRING_DESC_F_WRITE) {
		c->writing = true;
		c->in_len += len;
		if (c->in_len > 0xffffffffu)
			return -EINVAL;
	} else {
		if (c->writing)
			return -EINVAL;
		c->out_len += len;
		if (c->out_len > 0xffffffffu)
			return -EINVAL;
	}
	n = ref_translate(le64toh(d->addr), len, c->p + c->n, c->max - c->n);
	if (n < 0)
		return n;
	c->n += n;
	if (c->writing)
		c->in += n;
	else
		c->out += n;
	return 0;
}

static int ref_indirect(struct ref_chain *c, const struct vring_desc *ind)
{
	struct ref_piece tp[VHOSTX_RING_INDIRECT_PIECES];
	u64 t = le64toh(ind->addr);
	u32 len = le32toh(ind->len);
	unsigned int entries, j = 0, count = 0;
	struct vring_desc d;
	int np, ret;

	if (!ring.indirect || (le16toh(ind->flags) & VRING_DESC_F_NEXT))
		return -EINVAL;
	if (!len || len % 16)
		return -EINVAL;
	entries = len / 16;
	if (entries > VHOSTX_RING_INDIRECT_MAX)
		return -EINVAL;
	np = ref_translate(t, len, tp, VHOSTX_RING_INDIRECT_PIECES);
	if (np == -ENOBUFS)
		return -EINVAL;
	if (np < 0)
		return -EFAULT;
	for (;;) {
		if (++count > entries)
			return -ELOOP;
		ref_read(t + 16ull * j, &d, sizeof(d));
		if (le16toh(d.flags) & VRING_DESC_F_INDIRECT)
			return -EINVAL;
		ret = ref_add(c, &d);
		if (ret)
			return ret;
		if (!(le16toh(d.flags) & VRING_DESC_F_NEXT))
			return 1;
		j = le16toh(d.next);
		if (j >= entries)
			return -EINVAL;
	}
}

static int ref_walk(struct ref_chain *c, u16 head)
{
	unsigned int i = head, count = 0;
	struct vring_desc d;
	int ret;

	if (head >= ring.num)
		return -EINVAL;
	for (;;) {
		if (++count > ring.num)
			return -ELOOP;
		memcpy(&d, &ring.desc[i], sizeof(d));
		if (le16toh(d.flags) & VRING_DESC_F_INDIRECT)
			return ref_indirect(c, &d);
		ret = ref_add(c, &d);
		if (ret)
			return ret;
		if (!(le16toh(d.flags) & VRING_DESC_F_NEXT))
			return 1;
		i = le16toh(d.next);
		if (i >= ring.num)
			return -EINVAL;
	}
}

/*
 * What get_chain() must return now, from the guest image and the ring's
 * visible state (the read-ahead heads are checked against the image when
 * they are filled, see op_get_chain()).
 */
static int ref_expect(struct ref_chain *c, unsigned int iov_max, u16 *head)
{
	u16 last = ring.last_avail_idx, ahead;

	memset(c, 0, sizeof(*c));
	c->max = iov_max;
	if (ring.broken)
		return -EIO;
	if (last == ring.avail_idx) {
		u16 idx = le16toh(ring.avail->idx);

		if ((u16)(idx - last) > ring.num)
			return -EINVAL;
		if (idx == last)
			return 0;
	}
	ahead = last - ring.head_first;
	if (ahead < ring.head_n)
		*head = le16toh(ring.heads[ahead]);
	else
		*head = le16toh(ring.avail->ring[last & (ring.num - 1)]);
	return ref_walk(c, *head);
}

/* ---- harness state ---- */

static u16 inflight[FZ_INFLIGHT_MAX];	/* popped heads, pop order */
static unsigned int ninflight;
static unsigned int recent;		/* pops since the last add_used/restart */
static unsigned int desc_cursor;	/* guest's next descriptor slot */
static unsigned char used_before[FZ_IMG_SIZE];

static void model_reset(void)
{
	ninflight = 0;
	recent = 0;
}

/* Called after each device operation. */
/* Ring state before a device operation, for check_common(). */
struct before {
	bool broken;
	u64 errors;
	unsigned long errs;
	u16 last;
	u16 avail;
};

static struct before snap(void)
{
	return (struct before){ ring.broken, ring.stats.errors, vx_env.errs,
				ring.last_avail_idx, ring.avail_idx };
}

static void check_common(const struct before *b)
{
	bool was_broken = b->broken;
	u64 errors_before = b->errors;
	unsigned long errs_before = b->errs;

	if (was_broken) {
		ASSERT(ring.broken);
		ASSERT(ring.stats.errors == errors_before);
	}
	ASSERT(ring.stats.errors - errors_before <= 1);
	if (ring.stats.errors != errors_before) {
		ASSERT(ring.broken);
		ASSERT(vx_env.errs > errs_before);
	}
	/*
	 * A freshly read avail->idx is at most num ahead of where we were.
	 * (Later, unget() may legitimately widen the distance.)
	 */
	if (!ring.broken && ring.avail_idx != b->avail)
		ASSERT((u16)(ring.avail_idx - b->last) <= ring.num);
}

static void op_get_chain(struct input *in)
{
	static struct iovec iov[FZ_IOV_MAX];
	unsigned int iov_max = in8(in) % (FZ_IOV_MAX + 1), out = ~0u, inn = ~0u, k;
	const struct before b = snap();
	bool was_broken = ring.broken;
	u64 errors = ring.stats.errors;
	unsigned long reads = vx_env.reads;
	u16 last = ring.last_avail_idx, head = 0xffff;
	int ret;
	static struct ref_chain want;
	u16 want_head = 0xffff, first = ring.head_first, hn = ring.head_n;
	int expect = ref_expect(&want, iov_max, &want_head);

	ret = vhostx_ring_get_chain(&ring, iov, iov_max, &out, &inn, &head);
	if (trace)
		fprintf(stderr, "get_chain(iov_max %u) = %d head %u out %u in %u [last %u avail %u num %u]%s%s\n",
			iov_max, ret, head, out, inn, ring.last_avail_idx, ring.avail_idx, ring.num,
			ret < 0 ? " : " : "", ret < 0 ? vx_env.last_err : "");
	check_common(&b);
	/* idx + heads + num descriptors + an indirect table read piecewise */
	ASSERT(vx_env.reads - reads <=
	       2 + ring.num + VHOSTX_RING_INDIRECT_PIECES * VHOSTX_RING_INDIRECT_MAX);
	/* freshly read-ahead heads are what the guest image holds */
	if (ring.head_first != first || ring.head_n != hn) {
		unsigned int k;

		ASSERT(ring.head_n <= VHOSTX_RING_HEADS);
		ASSERT((u16)(ring.avail_idx - ring.head_first) >= ring.head_n);
		for (k = 0; k < ring.head_n; k++)
			ASSERT(ring.heads[k] ==
			       ring.avail->ring[(u16)(ring.head_first + k) & (ring.num - 1)]);
	}
	/* the rules, independently: exact, unless an injected fault cut in */
	if (ret != expect && !(ret == -EFAULT && vx_env.nfault))
		FAIL("get_chain = %d, reference %d (head %u)", ret, expect, want_head);
	if (ret == 1) {
		ASSERT(head == want_head);
		ASSERT(out == want.out && inn == want.in);
		for (k = 0; k < out + inn; k++)
			if (iov[k].iov_base != (void *)want.p[k].host ||
			    iov[k].iov_len != want.p[k].len)
				FAIL("iov %u is %p+%zu, reference %p+%llu", k, iov[k].iov_base,
				     iov[k].iov_len, (void *)want.p[k].host,
				     (unsigned long long)want.p[k].len);
	}
	if (was_broken) {
		ASSERT(ret == -EIO);
		ASSERT(vx_env.reads == reads);
		return;
	}
	switch (ret) {
	case 1:
		ASSERT(!ring.broken);
		ASSERT(head < ring.num);
		ASSERT(out + inn <= iov_max);
		ASSERT(ring.last_avail_idx == (u16)(last + 1));
		for (k = 0; k < out + inn; k++)
			ASSERT(iov[k].iov_len > 0);
		ASSERT(ninflight < FZ_INFLIGHT_MAX);
		inflight[ninflight++] = head;
		recent++;
		break;
	case 0:
		ASSERT(!ring.broken);
		ASSERT(ring.last_avail_idx == last);
		ASSERT(ring.avail_idx == last);
		break;
	case -ENOBUFS:
		ASSERT(!ring.broken);
		ASSERT(ring.stats.errors == errors);
		ASSERT(ring.last_avail_idx == last);
		break;
	case -EFAULT:
	case -EINVAL:
	case -ELOOP:
		ASSERT(ring.broken);
		ASSERT(ring.stats.errors == errors + 1);
		ASSERT(ring.last_avail_idx == last);
		break;
	default:
		FAIL("get_chain returned %d", ret);
	}
}

static void op_add_used(struct input *in, bool all)
{
	struct vring_used_elem e[FZ_NUM_MAX];
	unsigned int want = in8(in), seed = in8(in), n, i;
	const struct before b = snap();
	bool was_broken = ring.broken;
	unsigned long writes = vx_env.writes;
	unsigned char *used = (unsigned char *)ring.used;
	size_t used_bytes = vdrv_used_bytes(ring.num);
	u16 old = ring.last_used_idx;
	int ret;

	n = ninflight < ring.num ? ninflight : ring.num;
	if (!all)
		n = want % (n + 1);
	/* pick n distinct in-flight heads, order driven by the seed */
	for (i = 0; i < n; i++) {
		unsigned int k = (seed + i * 7) % ninflight;

		vhostx_used_elem_set(&e[i], inflight[k], in32(in));
		inflight[k] = inflight[--ninflight];
	}
	recent = 0;
	memcpy(used_before, used, used_bytes);
	ret = vhostx_ring_add_used(&ring, e, n);
	if (trace)
		fprintf(stderr, "add_used(%u) = %d\n", n, ret);
	check_common(&b);
	if (was_broken) {
		ASSERT(ret == -EIO || (!n && !ret));
		ASSERT(vx_env.writes == writes);
		ASSERT(!memcmp(used_before, used, used_bytes));
		return;
	}
	if (ret == -EFAULT) {
		ASSERT(ring.broken);
		return;
	}
	ASSERT(ret == 0);
	ASSERT(ring.last_used_idx == (u16)(old + n));
	/* expected image: the slots and the index, nothing else */
	for (i = 0; i < n; i++) {
		unsigned int slot = (u16)(old + i) & (ring.num - 1);

		memcpy(used_before + 4 + 8 * slot, &e[i], 8);
	}
	if (n) {
		u16 idx = htole16(ring.last_used_idx);

		memcpy(used_before + 2, &idx, 2);
	}
	ASSERT(!memcmp(used_before, used, used_bytes));
}

static void op_add_used_too_many(void)
{
	static struct vring_used_elem e[FZ_NUM_MAX + 1];
	bool was_broken = ring.broken;
	u64 errors = ring.stats.errors;
	unsigned long writes = vx_env.writes;
	int ret;

	ret = vhostx_ring_add_used(&ring, e, ring.num + 1);
	ASSERT(ret == (was_broken ? -EIO : -EINVAL));
	ASSERT(ring.broken == was_broken);
	ASSERT(ring.stats.errors == errors);
	ASSERT(vx_env.writes == writes);
}

static void op_bool(struct input *in, unsigned int which)
{
	const struct before b = snap();
	bool was_broken = ring.broken, r = false;
	unsigned long acc = vx_env.reads + vx_env.writes;

	(void)in;
	switch (which) {
	case FZ_OP_NEED_SIGNAL:
		r = vhostx_ring_need_signal(&ring);
		break;
	case FZ_OP_ENABLE_NOTIFY:
		r = vhostx_ring_enable_notify(&ring);
		break;
	case FZ_OP_DISABLE_NOTIFY:
		vhostx_ring_disable_notify(&ring);
		break;
	case FZ_OP_AVAIL_EMPTY:
		r = vhostx_ring_avail_empty(&ring);
		break;
	}
	if (trace)
		fprintf(stderr, "op %u = %d\n", which, r);
	check_common(&b);
	if (was_broken) {
		ASSERT(vx_env.reads + vx_env.writes == acc);
		ASSERT(!r);
	}
	if (which == FZ_OP_AVAIL_EMPTY && r)
		ASSERT(ring.avail_idx == ring.last_avail_idx);
}

static void op_avail_moved(struct input *in)
{
	const struct before b = snap();
	unsigned int how = in8(in);
	u16 seen = in16(in);
	unsigned long acc = vx_env.reads + vx_env.writes;
	bool was_broken = ring.broken, r;
	u16 now = le16toh(ring.avail->idx);

	if (how & 1)
		seen = ring.avail_idx;
	r = vhostx_ring_avail_moved(&ring, seen);
	if (trace)
		fprintf(stderr, "avail_moved(%u) = %d [avail->idx %u]\n", seen, r, now);
	check_common(&b);
	if (was_broken) {
		ASSERT(!r);
		ASSERT(vx_env.reads + vx_env.writes == acc);
		return;
	}
	/* nothing cached moves */
	ASSERT(ring.avail_idx == b.avail && ring.last_avail_idx == b.last);
	if (ring.broken) {
		ASSERT(vx_env.nfault);
		ASSERT(!r);
		return;
	}
	ASSERT(r == (now != seen));
}

/*
 * The owner's accessor over the same image: ring addresses are image
 * pointers, buffers translate through the table, indirect tables are read
 * from inside what translate gave. The environment checks each access.
 */
static int fz_translate(void *ctx, u64 addr, u64 len, struct iovec *iov, unsigned int max,
			bool write)
{
	(void)ctx;
	(void)write;
	return vhostx_mem_translate(mem, addr, len, iov, max);
}

static int fz_read(void *ctx, void *dst, u64 addr, size_t len)
{
	(void)ctx;
	return vx_copy_from(dst, (const void *)(uintptr_t)addr, len);
}

static int fz_write(void *ctx, u64 addr, const void *src, size_t len)
{
	(void)ctx;
	return vx_copy_to((void *)(uintptr_t)addr, src, len);
}

static int fz_read_iov(void *ctx, void *dst, const void *src, size_t len)
{
	(void)ctx;
	return vx_copy_from(dst, src, len);
}

static const struct vhostx_ring_acc fz_acc = {
	.translate = fz_translate,
	.read = fz_read,
	.write = fz_write,
	.read_iov = fz_read_iov,
};

static void op_unget(struct input *in)
{
	unsigned int k = in8(in) % (recent + 1);

	vhostx_ring_unget(&ring, k);
	if (trace)
		fprintf(stderr, "unget(%u) [last %u avail %u]\n", k, ring.last_avail_idx, ring.avail_idx);
	ninflight -= k;
	recent -= k;
}

static void op_poke(struct input *in)
{
	unsigned int off = in16(in) % FZ_IMG_SIZE, len = in8(in) % 8 + 1, i;

	for (i = 0; i < len && off + i < FZ_IMG_SIZE; i++)
		img[off + i] = in8(in);
}

/* A guest address: a region by index plus an offset (may run past it). */
static u64 pick_gpa(struct input *in)
{
	unsigned int r = in8(in);
	u16 off = in16(in);

	if (!mem->nregions)
		return off;
	return mem->regions[r % mem->nregions].gpa + off;
}

static void guest_desc(unsigned int i, u64 addr, u32 len, u16 flags, u16 next)
{
	struct vring_desc d = {
		.addr = htole64(addr), .len = htole32(len),
		.flags = htole16(flags), .next = htole16(next),
	};

	memcpy(&ring.desc[i & (ring.num - 1)], &d, sizeof(d));
}

static void guest_publish(u16 head)
{
	u16 idx = le16toh(ring.avail->idx);

	ring.avail->ring[idx & (ring.num - 1)] = htole16(head);
	ring.avail->idx = htole16(idx + 1);
}

/* A mostly well-formed direct chain of 1..4 descriptors. */
static void op_publish(struct input *in)
{
	unsigned int n = in8(in) % 4 + 1, wmask = in8(in), k;
	u16 head = desc_cursor & (ring.num - 1);

	for (k = 0; k < n; k++) {
		unsigned int i = (desc_cursor + k) & (ring.num - 1);
		u64 gpa = pick_gpa(in);
		u32 len = in16(in);
		u16 flags = ((wmask >> k) & 1 ? VRING_DESC_F_WRITE : 0) |
			    (k + 1 < n ? VRING_DESC_F_NEXT : 0);

		guest_desc(i, gpa, len, flags, (i + 1) & (ring.num - 1));
	}
	desc_cursor += n;
	guest_publish(head);
}

/* An indirect table of 1..8 entries in guest memory plus its descriptor. */
static void op_publish_indirect(struct input *in)
{
	unsigned int n = in8(in) % 8 + 1, wmask = in8(in), k;
	u64 table = pick_gpa(in);
	u16 head = desc_cursor & (ring.num - 1);

	for (k = 0; k < n; k++) {
		struct vring_desc d;
		struct ref_piece p[16];
		unsigned char *b = (unsigned char *)&d;
		int np, j;

		d.addr = htole64(pick_gpa(in));
		d.len = htole32(in16(in));
		d.flags = htole16(((wmask >> k) & 1 ? VRING_DESC_F_WRITE : 0) |
				  (k + 1 < n ? VRING_DESC_F_NEXT : 0));
		d.next = htole16(k + 1);
		np = ref_translate(table + 16ull * k, 16, p, 16);
		for (j = 0; j < np; j++) {
			memcpy((void *)p[j].host, b, p[j].len);
			b += p[j].len;
		}
	}
	guest_desc(head, table, 16 * n, VRING_DESC_F_INDIRECT, 0);
	desc_cursor++;
	guest_publish(head);
}

/*
 * Dirty log: every write the ring core made since the last look lies in
 * the used area and, with log_used, inside a recorded span; without it
 * nothing is recorded. Then drain, as the owner does after each call.
 */
static void check_log(void)
{
	uintptr_t used = (uintptr_t)ring.used;
	unsigned int i, k;

	ASSERT(ring.log_n <= VHOSTX_RING_LOG_SPANS);
	if (!ring.log_used)
		ASSERT(ring.log_n == 0);
	for (k = 0; k < ring.log_n; k++) {
		ASSERT(ring.log[k].len);
		ASSERT(ring.log[k].off + ring.log[k].len <= vdrv_used_bytes(ring.num));
	}
	for (i = 0; i < vx_env.nwlog && ring.log_used; i++) {
		uintptr_t a = vx_env.wlog[i].start, e = vx_env.wlog[i].end;

		ASSERT(a >= used && e <= used + vdrv_used_bytes(ring.num));
		for (k = 0; k < ring.log_n; k++)
			if (a - used >= ring.log[k].off &&
			    e - used <= ring.log[k].off + ring.log[k].len)
				break;
		ASSERT(k < ring.log_n);
	}
	ASSERT(!vx_env.wlog_lost || !ring.log_used);
	vx_env.nwlog = 0;
	vx_env.wlog_lost = false;
	ring.log_n = 0;
}

static void op_restart(void)
{
	u64 errors = ring.stats.errors;
	int ret;

	ret = vhostx_ring_start(&ring);
	if (trace)
		fprintf(stderr, "start = %d\n", ret);
	if (ret) {
		ASSERT(ret == -EINVAL || ret == -EFAULT);
		ASSERT(ring.broken);
		ASSERT(ring.stats.errors == errors + 1);
	} else {
		ASSERT(!ring.broken);
		ASSERT((u16)(ring.last_avail_idx - ring.last_used_idx) <= ring.num);
	}
	model_reset();
}

static void op_fault(struct input *in)
{
	unsigned int off = in16(in) % FZ_IMG_SIZE, len = in8(in);

	if (!len || vx_env.nfault >= 4) {
		vx_env.nfault = 0;
		return;
	}
	if (len > FZ_IMG_SIZE - off)
		len = FZ_IMG_SIZE - off;
	vx_env_add_fault(img + off, len);
}

static void op_translate(struct input *in)
{
	struct iovec v[8];
	struct ref_piece p[8];
	u64 gpa = pick_gpa(in) + (in8(in) & 1 ? (u64)in32(in) << 16 : 0);
	u64 len = in16(in);
	unsigned int max = in8(in) % 9;
	int a, b, i;

	if (len == 0xffff)
		len = ~0ull;
	a = vhostx_mem_translate(mem, gpa, len, v, max);
	b = ref_translate(gpa, len, p, max);
	if (trace)
		fprintf(stderr, "translate(%#llx, %#llx, %u) = %d\n",
			(unsigned long long)gpa, (unsigned long long)len, max, a);
	if (a != b)
		FAIL("translate(%#llx, %#llx, %u) = %d, reference %d",
		     (unsigned long long)gpa, (unsigned long long)len, max, a, b);
	for (i = 0; i < a; i++) {
		ASSERT(v[i].iov_base == (void *)p[i].host);
		ASSERT(v[i].iov_len == p[i].len);
	}
	ASSERT(mem->last_hit < mem->nregions || !mem->nregions);
}

/* The table as built must be sorted, disjoint, non-empty and in the image. */
static void check_table(void)
{
	unsigned int i;

	for (i = 0; i < mem->nregions; i++) {
		const struct vhostx_mem_region *r = &mem->regions[i];

		ASSERT(r->size);
		ASSERT(r->gpa + (r->size - 1) >= r->gpa);
		ASSERT(r->uaddr >= (uintptr_t)img);
		ASSERT(r->uaddr - (uintptr_t)img + r->size <= FZ_IMG_SIZE);
		if (i)
			ASSERT(mem->regions[i - 1].gpa + (mem->regions[i - 1].size - 1) < r->gpa);
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct input in = { data, size }, ops;
	struct vhostx_mem_region regs[FZ_MAX_REGIONS];
	unsigned int num, feat, nregs, i, nops = 0;
	size_t ops_len;
	u64 desc, avail, used;
	u16 base;

	if (trace < 0)
		trace = getenv("FUZZ_RING_TRACE") != NULL;
	if (!img) {
		img = malloc(FZ_IMG_SIZE);
		if (!img)
			abort();
	}
	memset(img, 0, FZ_IMG_SIZE);
	vx_env_reset(img, FZ_IMG_SIZE);

	num = 1u << (in8(&in) % (FZ_NUM_LOG2_MAX + 1));
	feat = in8(&in);
	base = in16(&in);
	desc = in16(&in) % FZ_IMG_SIZE & ~15u;
	avail = in16(&in) % FZ_IMG_SIZE & ~1u;
	used = in16(&in) % FZ_IMG_SIZE & ~3u;
	nregs = in8(&in) % (FZ_MAX_REGIONS + 1);
	for (i = 0; i < nregs; i++) {
		u8 how = in8(&in);
		u32 g = in32(&in);
		u16 sz = in16(&in), off = in16(&in);

		regs[i].gpa = how & 1 ? ~0ull - g : g;
		regs[i].size = how & 2 ? (u64)sz << 12 : sz;
		regs[i].uaddr = (uintptr_t)img + off;
	}
	ops_len = in16(&in);
	if (ops_len > in.n)
		ops_len = in.n;
	ops.p = in.p;
	ops.n = ops_len;
	in.p += ops_len;
	in.n -= ops_len;
	/* the rest initialises the guest image */
	memcpy(img, in.p, in.n < FZ_IMG_SIZE ? in.n : FZ_IMG_SIZE);

	if (vhostx_ring_check_addr(num, (uintptr_t)img + desc, (uintptr_t)img + avail,
				   (uintptr_t)img + used))
		return 0;
	/* whatever check_addr accepts must lie in the image */
	ASSERT(desc + vdrv_desc_bytes(num) <= FZ_IMG_SIZE);
	ASSERT(avail + vdrv_avail_bytes(num) <= FZ_IMG_SIZE);
	ASSERT(used + vdrv_used_bytes(num) <= FZ_IMG_SIZE);

	mem = NULL;
	if (vhostx_mem_build(regs, nregs, &mem))
		return 0;
	check_table();

	vx_env_allow_read(img + desc, vdrv_desc_bytes(num));
	vx_env_allow_read(img + avail, vdrv_avail_bytes(num));
	vx_env_allow_read(img + used, vdrv_used_bytes(num));
	for (i = 0; i < mem->nregions; i++)
		vx_env_allow_read((void *)(uintptr_t)mem->regions[i].uaddr, mem->regions[i].size);
	vx_env_allow_write(img + used, vdrv_used_bytes(num));

	memset(&ring, 0, sizeof(ring));
	ring.num = num;
	ring.desc = (void *)(img + desc);
	ring.avail = (void *)(img + avail);
	ring.used = (void *)(img + used);
	ring.mem = mem;
	ring.event_idx = feat & 1;
	ring.indirect = feat & 2;
	ring.notify_on_empty = feat & 4;
	ring.log_used = feat & 8;
	if (feat & 16) {
		ring.acc = &fz_acc;
		ring.mem = NULL;	/* the accessor's business */
	}
	ring.last_avail_idx = base;
	desc_cursor = 0;
	model_reset();
	op_restart();

	while (ops.n && nops++ < FZ_MAX_OPS) {
		unsigned int op = in8(&ops) % FZ_NOPS;

		check_log();

		switch (op) {
		case FZ_OP_GET_CHAIN:
			op_get_chain(&ops);
			break;
		case FZ_OP_ADD_USED:
			op_add_used(&ops, false);
			break;
		case FZ_OP_ADD_USED_TOO_MANY:
			op_add_used_too_many();
			break;
		case FZ_OP_NEED_SIGNAL:
		case FZ_OP_ENABLE_NOTIFY:
		case FZ_OP_DISABLE_NOTIFY:
		case FZ_OP_AVAIL_EMPTY:
			op_bool(&ops, op);
			break;
		case FZ_OP_UNGET:
			op_unget(&ops);
			break;
		case FZ_OP_AVAIL_MOVED:
			op_avail_moved(&ops);
			break;
		case FZ_OP_POKE:
			op_poke(&ops);
			break;
		case FZ_OP_PUBLISH:
			op_publish(&ops);
			break;
		case FZ_OP_PUBLISH_INDIRECT:
			op_publish_indirect(&ops);
			break;
		case FZ_OP_SET_AVAIL_IDX:
			ring.avail->idx = htole16(in16(&ops));
			break;
		case FZ_OP_RESTART:
			op_restart();
			break;
		case FZ_OP_FAULT:
			op_fault(&ops);
			break;
		case FZ_OP_TRANSLATE:
			op_translate(&ops);
			break;
		case FZ_OP_DRAIN:
			/* pop everything, use it all in one batch */
			while (!ring.broken && ninflight < FZ_INFLIGHT_MAX) {
				u64 c = ring.stats.chains;
				u8 arg[1] = { FZ_IOV_MAX };
				struct input a = { arg, 1 };

				op_get_chain(&a);
				if (ring.stats.chains == c)
					break;
			}
			{
				struct input a = { NULL, 0 };

				op_add_used(&a, true);
			}
			break;
		}
	}
	check_log();
	vhostx_mem_free(mem);
	mem = NULL;
	return 0;
}
