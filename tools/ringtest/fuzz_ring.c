// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the vhostx ring core (drivers/vhost/core/ring.c, mem.c).
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
 *
 * Feature bit 5 (FZ_F_PACKED) selects the packed layout: the harness is a
 * packed driver, get_chain is held to a separate reference of the packed
 * walk (ref_expect_packed(), written apart from ring.c), add_used to the
 * exact used descriptors the rules ask for, the event suppression calls
 * to what the driver and device areas say, unget and restart to the
 * positions they must give.
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

/* ---- reference model, packed layout ---- */

static bool packed;
static u16 inflight_cnt[FZ_NUM_MAX];	/* packed: descriptors per buffer id in flight */

static struct vring_packed_desc *pdesc(unsigned int pos)
{
	return (struct vring_packed_desc *)ring.desc + pos;
}

static struct vring_packed_desc_event *pdriver(void)
{
	return (struct vring_packed_desc_event *)ring.avail;
}

static struct vring_packed_desc_event *pdevice(void)
{
	return (struct vring_packed_desc_event *)ring.used;
}

/* Available to a device whose wrap counter is @w: AVAIL == w, USED != w. */
static bool ref_pavail(u16 flags, bool w)
{
	unsigned int a = (flags >> 7) & 1, u = (flags >> 15) & 1;

	return a == (unsigned int)w && u != (unsigned int)w;
}

/*
 * Count positions as one number over two laps: (pos, wrap 1) is pos,
 * (pos, wrap 0) is num + pos; @b is this many descriptors after @a.
 */
static unsigned int ref_ahead(u16 a, bool aw, u16 b, bool bw)
{
	unsigned int la = aw ? a : a + ring.num, lb = bw ? b : b + ring.num;

	return (lb + 2 * ring.num - la) % (2 * ring.num);
}

static void ref_step(u16 *pos, bool *wrap, unsigned int n)
{
	while (n--) {
		if (++*pos == ring.num) {
			*pos = 0;
			*wrap = !*wrap;
		}
	}
}

static void ref_step_back(u16 *pos, bool *wrap, unsigned int n)
{
	while (n--) {
		if (!*pos) {
			*pos = ring.num;
			*wrap = !*wrap;
		}
		--*pos;
	}
}

static u16 ref_enc(u16 pos, bool wrap)
{
	return pos | (wrap ? 0x8000 : 0);
}

/* A packed descriptor as a split one, for ref_add() (addr, len, WRITE). */
static int ref_add_packed(struct ref_chain *c, const struct vring_packed_desc *p)
{
	struct vring_desc d = {
		.addr = p->addr, .len = p->len,
		.flags = htole16(le16toh(p->flags) & VRING_DESC_F_WRITE),
	};

	return ref_add(c, &d);
}

/* A packed indirect table: every entry in order, only WRITE counts. */
static int ref_indirect_packed(struct ref_chain *c, const struct vring_packed_desc *ind)
{
	struct ref_piece tp[VHOSTX_RING_INDIRECT_PIECES];
	u64 t = le64toh(ind->addr);
	u32 len = le32toh(ind->len);
	struct vring_packed_desc d;
	unsigned int entries, j;
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
	for (j = 0; j < entries; j++) {
		ref_read(t + 16ull * j, &d, sizeof(d));
		ret = ref_add_packed(c, &d);
		if (ret)
			return ret;
	}
	return 1;
}

/*
 * What get_chain() must return on a packed ring: the descriptor at the
 * ring's position must be available in its wrap; the chain then runs over
 * consecutive descriptors, at most as many as are not in flight (between
 * the used and the avail position); its last descriptor (or the indirect
 * one) carries the buffer id, which must be below num and not in flight
 * (the harness's own record of what it popped). *@count: descriptors.
 */
static int ref_expect_packed(struct ref_chain *c, unsigned int iov_max, u16 *id,
			     unsigned int *count)
{
	unsigned int pos = ring.last_avail_idx, room, n = 0;
	struct vring_packed_desc d;
	int ret;

	memset(c, 0, sizeof(*c));
	c->max = iov_max;
	*count = 0;
	if (ring.broken)
		return -EIO;
	if (!ref_pavail(le16toh(pdesc(pos)->flags), ring.avail_wrap))
		return 0;
	room = ring.num - ref_ahead(ring.last_used_idx, ring.used_wrap,
				    ring.last_avail_idx, ring.avail_wrap);
	for (;;) {
		if (n == room)
			return -ELOOP;
		n++;
		memcpy(&d, pdesc(pos), sizeof(d));
		if (le16toh(d.flags) & VRING_DESC_F_INDIRECT) {
			ret = ref_indirect_packed(c, &d);
			if (ret < 0)
				return ret;
			break;
		}
		ret = ref_add_packed(c, &d);
		if (ret)
			return ret;
		if (!(le16toh(d.flags) & VRING_DESC_F_NEXT))
			break;
		pos = (pos + 1) % ring.num;
	}
	*id = le16toh(d.id);
	*count = n;
	if (*id >= ring.num || inflight_cnt[*id])
		return -EINVAL;
	return 1;
}

/*
 * Must need_signal() say yes? The driver area decides: DISABLE no, DESC
 * with EVENT_IDX when the slot off_wrap names is one of those the device
 * wrote since the last such decision (or off is beyond the ring, or no
 * decision was made yet), anything else yes. NOTIFY_ON_EMPTY first.
 */
static bool ref_need_signal_packed(void)
{
	u16 flags = le16toh(pdriver()->flags), off_wrap = le16toh(pdriver()->off_wrap);
	u16 pos = ring.signalled_used & 0x7fff, off = off_wrap & 0x7fff;
	bool wrap = ring.signalled_used & 0x8000, owrap = off_wrap & 0x8000;
	unsigned int k, d;

	if (ring.notify_on_empty &&
	    ring.avail_idx == ref_enc(ring.last_avail_idx, ring.avail_wrap))
		return true;
	if (flags == VRING_PACKED_EVENT_FLAG_DISABLE)
		return false;
	if (flags != VRING_PACKED_EVENT_FLAG_DESC || !ring.event_idx)
		return true;
	if (!ring.signalled_used_valid || off >= ring.num)
		return true;
	d = ref_ahead(pos, wrap, ring.last_used_idx, ring.used_wrap);
	for (k = 0; k < d; k++) {
		if (pos == off && wrap == owrap)
			return true;
		ref_step(&pos, &wrap, 1);
	}
	return false;
}

/* FUZZ_RING_STATS: batches the ring wrote as one entry */
static unsigned long nbatch_one;

/*
 * In order (VIRTIO_F_IN_ORDER): does the device owe the driver only one
 * used entry for this batch? Only for two or more buffers none of which
 * but the last carries a length.
 */
static bool ref_one_entry(const struct vring_used_elem *e, unsigned int n)
{
	unsigned int i;

	if (!ring.in_order || n <= 1)
		return false;
	for (i = 0; i + 1 < n; i++)
		if (le32toh(e[i].len) != 0)
			return false;
	return true;
}

/* ---- harness state ---- */

static u16 inflight[FZ_INFLIGHT_MAX];	/* popped heads, pop order */
static unsigned int ninflight;
static unsigned int recent;		/* pops since the last add_used/restart */
static unsigned int desc_cursor;	/* guest's next descriptor slot */
static unsigned char used_before[FZ_IMG_SIZE];
static u16 g_pos;			/* packed: the guest's next position */
static bool g_wrap;			/* and its wrap counter */
static bool pk_desync;			/* packed: a failed add_used, in flight unknown */
static size_t desc_bytes, avail_bytes, used_bytes;	/* the layout's area sizes */

static void model_reset(void)
{
	ninflight = 0;
	recent = 0;
	memset(inflight_cnt, 0, sizeof(inflight_cnt));
	pk_desync = false;
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
	 * (Later, unget() may legitimately widen the distance.) Packed: the
	 * furthest position popped is at most num ahead of the next one to
	 * pop, and positions stay in the ring.
	 */
	if (packed) {
		ASSERT(ring.last_avail_idx < ring.num && ring.last_used_idx < ring.num);
		if (!ring.broken)
			ASSERT(ref_ahead(ring.last_avail_idx, ring.avail_wrap,
					 ring.avail_idx & 0x7fff, ring.avail_idx & 0x8000) <=
			       ring.num);
	} else if (!ring.broken && ring.avail_idx != b->avail) {
		ASSERT((u16)(ring.avail_idx - b->last) <= ring.num);
	}
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
	u16 frontier = ring.avail_idx, want_pos = ring.last_avail_idx;
	bool want_wrap = ring.avail_wrap;
	unsigned int count = 0;
	int expect = packed ? ref_expect_packed(&want, iov_max, &want_head, &count) :
			      ref_expect(&want, iov_max, &want_head);

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
		if (packed) {
			/* past the chain; the furthest position moves only forward */
			ref_step(&want_pos, &want_wrap, count);
			ASSERT(ring.last_avail_idx == want_pos && ring.avail_wrap == want_wrap);
			k = ref_ahead(frontier & 0x7fff, frontier & 0x8000, want_pos, want_wrap);
			ASSERT(ring.avail_idx == (k && k <= ring.num ?
						  ref_enc(want_pos, want_wrap) : frontier));
			inflight_cnt[head] = count;
		} else {
			ASSERT(ring.last_avail_idx == (u16)(last + 1));
		}
		for (k = 0; k < out + inn; k++)
			ASSERT(iov[k].iov_len > 0);
		ASSERT(ninflight < FZ_INFLIGHT_MAX);
		inflight[ninflight++] = head;
		recent++;
		break;
	case 0:
		ASSERT(!ring.broken);
		ASSERT(ring.last_avail_idx == last);
		if (packed)
			ASSERT(ring.avail_wrap == want_wrap && ring.avail_idx == frontier);
		else
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
		ASSERT(ring.avail_wrap == want_wrap);
		break;
	default:
		FAIL("get_chain returned %d", ret);
	}
}

/*
 * Packed: one used descriptor per element at the used position (len, id,
 * AVAIL = USED = the used wrap counter), the position stepping by the
 * descriptors each buffer took; nothing else in the image changes.
 */
static void op_add_used_packed(const struct vring_used_elem *e, const u16 *cnt,
			       unsigned int n, const struct before *b)
{
	static unsigned char want[FZ_IMG_SIZE];
	unsigned long writes = vx_env.writes;
	u16 pos = ring.last_used_idx;
	bool wrap = ring.used_wrap;
	unsigned int i;
	int ret;

	memcpy(want, img, FZ_IMG_SIZE);
	ret = vhostx_ring_add_used(&ring, e, n);
	if (trace)
		fprintf(stderr, "add_used(%u) = %d [used %u/%d]\n", n, ret, ring.last_used_idx,
			ring.used_wrap);
	check_common(b);
	if (b->broken) {
		ASSERT(ret == -EIO || (!n && !ret));
		ASSERT(vx_env.writes == writes);
		ASSERT(!memcmp(want, img, FZ_IMG_SIZE));
		/* still in flight for the ring: for us too */
		for (i = 0; i < n; i++) {
			inflight_cnt[le32toh(e[i].id)] = cnt[i];
			inflight[ninflight++] = le32toh(e[i].id);
		}
		return;
	}
	if (ret == -EFAULT) {
		ASSERT(ring.broken);
		pk_desync = true;	/* which ones made it is the ring's business now */
		return;
	}
	ASSERT(ret == 0);
	if (ref_one_entry(e, n)) {
		/* one used descriptor where the batch starts: the last buffer's */
		unsigned char *p = (unsigned char *)pdesc(pos);
		u16 id = htole16(le32toh(e[n - 1].id)), flags = htole16(wrap ? 0x8080 : 0);

		memcpy(want + (p - img) + 8, &e[n - 1].len, 4);
		memcpy(want + (p - img) + 12, &id, 2);
		memcpy(want + (p - img) + 14, &flags, 2);
		for (i = 0; i < n; i++) {
			ASSERT(cnt[i] >= 1);
			ref_step(&pos, &wrap, cnt[i]);
		}
		ASSERT(vx_env.writes - writes == 2);
		nbatch_one++;
	}
	for (i = 0; i < n && !ref_one_entry(e, n); i++) {
		unsigned char *p = (unsigned char *)pdesc(pos);
		u16 id = htole16(le32toh(e[i].id)), flags = htole16(wrap ? 0x8080 : 0);

		ASSERT(cnt[i] >= 1);
		memcpy(want + (p - img) + 8, &e[i].len, 4);
		memcpy(want + (p - img) + 12, &id, 2);
		memcpy(want + (p - img) + 14, &flags, 2);
		ref_step(&pos, &wrap, cnt[i]);
	}
	ASSERT(ring.last_used_idx == pos && ring.used_wrap == wrap);
	if (memcmp(want, img, FZ_IMG_SIZE)) {
		for (i = 0; i < FZ_IMG_SIZE && want[i] == img[i]; i++)
			;
		FAIL("add_used image differs at %u: %#x, expected %#x", i, img[i], want[i]);
	}
}

static void op_add_used(struct input *in, bool all)
{
	struct vring_used_elem e[FZ_NUM_MAX];
	u16 cnt[FZ_NUM_MAX];
	unsigned int want = in8(in), seed = in8(in), n, i;
	const struct before b = snap();
	bool was_broken = ring.broken;
	unsigned long writes = vx_env.writes;
	unsigned char *used = (unsigned char *)ring.used;
	u16 old = ring.last_used_idx;
	int ret;

	n = ninflight < ring.num ? ninflight : ring.num;
	if (!all)
		n = want % (n + 1);
	/* pick n distinct in-flight heads, order driven by the seed */
	for (i = 0; i < n; i++) {
		unsigned int k = (seed + i * 7) % ninflight;
		u32 len = in32(in);

		/* in order: a TX-style batch, only the last length may count */
		if (ring.in_order && (seed & 0x80) && i + 1 < n)
			len = 0;
		vhostx_used_elem_set(&e[i], inflight[k], len);
		cnt[i] = inflight_cnt[inflight[k]];
		inflight_cnt[inflight[k]] = 0;
		inflight[k] = inflight[--ninflight];
	}
	recent = 0;
	if (packed) {
		op_add_used_packed(e, cnt, n, &b);
		return;
	}
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
	/*
	 * expected image: the slots and the index, nothing else; in order,
	 * only the last element's slot
	 */
	for (i = ref_one_entry(e, n) ? n - 1 : 0; i < n; i++) {
		unsigned int slot = (u16)(old + i) & (ring.num - 1);

		memcpy(used_before + 4 + 8 * slot, &e[i], 8);
	}
	if (ref_one_entry(e, n)) {
		ASSERT(vx_env.writes - writes == 2);
		nbatch_one++;
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

/* The event suppression calls of a packed ring, against the two areas. */
static void op_bool_packed(unsigned int which, const struct before *b)
{
	unsigned long acc = vx_env.reads + vx_env.writes;
	u16 flags_before = ring.used_flags, target;
	bool r = false, want = false;

	switch (which) {
	case FZ_OP_NEED_SIGNAL:
		want = !ring.broken && ref_need_signal_packed();
		r = vhostx_ring_need_signal(&ring);
		break;
	case FZ_OP_ENABLE_NOTIFY:
		r = vhostx_ring_enable_notify(&ring);
		/* what it wrote, then what it saw after writing */
		target = ring.event_idx ? VRING_PACKED_EVENT_FLAG_DESC :
					  VRING_PACKED_EVENT_FLAG_ENABLE;
		if (!ring.broken) {
			if (ring.event_idx)
				ASSERT(le16toh(pdevice()->off_wrap) == ring.avail_idx);
			if (flags_before != target)
				ASSERT(le16toh(pdevice()->flags) == target);
			ASSERT(ring.used_flags == target);
		}
		want = !ring.broken && ref_pavail(le16toh(pdesc(ring.last_avail_idx)->flags),
						  ring.avail_wrap);
		break;
	case FZ_OP_DISABLE_NOTIFY:
		vhostx_ring_disable_notify(&ring);
		if (!ring.broken && !ring.event_idx) {
			if (flags_before != VRING_PACKED_EVENT_FLAG_DISABLE)
				ASSERT(le16toh(pdevice()->flags) == VRING_PACKED_EVENT_FLAG_DISABLE);
			ASSERT(ring.used_flags == VRING_PACKED_EVENT_FLAG_DISABLE);
		}
		if (ring.event_idx)
			ASSERT(vx_env.reads + vx_env.writes == acc);
		break;
	case FZ_OP_AVAIL_EMPTY:
		want = !ring.broken && !ref_pavail(le16toh(pdesc(ring.last_avail_idx)->flags),
						   ring.avail_wrap);
		r = vhostx_ring_avail_empty(&ring);
		break;
	}
	if (trace)
		fprintf(stderr, "op %u = %d [want %d]\n", which, r, want);
	check_common(b);
	if (b->broken) {
		ASSERT(vx_env.reads + vx_env.writes == acc);
		ASSERT(!r);
		return;
	}
	/* a fault may cut in: it breaks the ring and answers the error's way */
	if (ring.broken) {
		ASSERT(vx_env.nfault);
		return;
	}
	if (which != FZ_OP_DISABLE_NOTIFY && r != want)
		FAIL("event call %u = %d, reference %d", which, r, want);
}

static void op_bool(struct input *in, unsigned int which)
{
	const struct before b = snap();
	bool was_broken = ring.broken, r = false;
	unsigned long acc = vx_env.reads + vx_env.writes;

	(void)in;
	if (packed) {
		op_bool_packed(which, &b);
		return;
	}
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
	if (packed && (seen & 0x7fff) < ring.num)
		now = ref_pavail(le16toh(pdesc(seen & 0x7fff)->flags), seen & 0x8000);
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
	if (packed) {
		ASSERT(r == ((seen & 0x7fff) < ring.num && now));
		if ((seen & 0x7fff) >= ring.num)
			ASSERT(vx_env.reads + vx_env.writes == acc);
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
	unsigned int k = in8(in) % (recent + 1), i;
	u16 pos = ring.last_avail_idx, frontier = ring.avail_idx;
	bool wrap = ring.avail_wrap;

	if (packed) {
		/* back over the last k chains, which are still in flight */
		for (i = 0; i < k; i++) {
			u16 id = inflight[ninflight - 1 - i];

			ASSERT(inflight_cnt[id]);
			ref_step_back(&pos, &wrap, inflight_cnt[id]);
			inflight_cnt[id] = 0;
		}
	}
	vhostx_ring_unget(&ring, k);
	if (packed)
		ASSERT(ring.last_avail_idx == pos && ring.avail_wrap == wrap &&
		       ring.avail_idx == frontier);
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

/* An id byte: mostly below num, sometimes anything below 128. */
static u16 pick_id(struct input *in)
{
	u8 v = in8(in);

	return v & 0x80 ? v & 0x7f : v % ring.num;
}

/* The flags a packed driver makes a descriptor available with. */
static u16 guest_pflags(bool w)
{
	return w ? 1u << VRING_PACKED_DESC_F_AVAIL : 1u << VRING_PACKED_DESC_F_USED;
}

static void guest_pdesc(unsigned int pos, u64 addr, u32 len, u16 id, u16 flags)
{
	struct vring_packed_desc d = {
		.addr = htole64(addr), .len = htole32(len),
		.id = htole16(id), .flags = htole16(flags),
	};

	memcpy(pdesc(pos), &d, sizeof(d));
}

static void guest_step(void)
{
	if (++g_pos >= ring.num) {
		g_pos = 0;
		g_wrap = !g_wrap;
	}
}

/*
 * Packed: a chain of 1..4 descriptors at the guest's position, the id in
 * the last one, the head's flags written last.
 */
static void op_publish_packed(struct input *in)
{
	unsigned int n = in8(in) % 4 + 1, wmask = in8(in), k;
	u16 id = pick_id(in), head = g_pos, head_flags = 0;

	for (k = 0; k < n; k++) {
		u64 gpa = pick_gpa(in);
		u32 len = in16(in);
		u16 flags = guest_pflags(g_wrap) | ((wmask >> k) & 1 ? VRING_DESC_F_WRITE : 0) |
			    (k + 1 < n ? VRING_DESC_F_NEXT : 0);

		if (!k)
			head_flags = flags;
		guest_pdesc(g_pos, gpa, len, k + 1 < n ? 0xffff : id, k ? flags : 0);
		guest_step();
	}
	pdesc(head)->flags = htole16(head_flags);
}

/* Packed: an indirect table of 1..8 entries and its ring descriptor. */
static void op_publish_indirect_packed(struct input *in)
{
	unsigned int n = in8(in) % 8 + 1, wmask = in8(in), k;
	u16 id = pick_id(in);
	u64 table = pick_gpa(in);

	for (k = 0; k < n; k++) {
		struct vring_packed_desc d;
		struct ref_piece p[16];
		unsigned char *b = (unsigned char *)&d;
		int np, j;

		d.addr = htole64(pick_gpa(in));
		d.len = htole32(in16(in));
		d.id = htole16(0xffff);
		/* NEXT (and any other flag but WRITE) means nothing in a packed table */
		d.flags = htole16(((wmask >> k) & 1 ? VRING_DESC_F_WRITE : 0) |
				  (k + 1 < n ? VRING_DESC_F_NEXT : 0));
		np = ref_translate(table + 16ull * k, 16, p, 16);
		for (j = 0; j < np; j++) {
			memcpy((void *)p[j].host, b, p[j].len);
			b += p[j].len;
		}
	}
	guest_pdesc(g_pos, table, 16 * n, id, guest_pflags(g_wrap) | VRING_DESC_F_INDIRECT);
	guest_step();
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
	uintptr_t base[2] = { (uintptr_t)ring.used, (uintptr_t)ring.desc };
	size_t size[2] = { used_bytes, desc_bytes };
	unsigned int i, k;

	ASSERT(ring.log_n <= VHOSTX_RING_LOG_SPANS);
	if (!ring.log_used)
		ASSERT(ring.log_n == 0);
	for (k = 0; k < ring.log_n; k++) {
		unsigned int a = ring.log[k].area;

		ASSERT(ring.log[k].len);
		/* a split ring writes its used ring only */
		ASSERT(a == VHOSTX_RING_AREA_USED || (packed && a == VHOSTX_RING_AREA_DESC));
		ASSERT(ring.log[k].off + ring.log[k].len <= size[a]);
	}
	for (i = 0; i < vx_env.nwlog && ring.log_used; i++) {
		uintptr_t a = vx_env.wlog[i].start, e = vx_env.wlog[i].end;

		for (k = 0; k < ring.log_n; k++) {
			uintptr_t s = base[ring.log[k].area] + ring.log[k].off;

			if (a >= s && e <= s + ring.log[k].len)
				break;
		}
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
	} else if (packed) {
		/* from the base: nothing read, in flight at most a ring */
		ASSERT(!ring.broken);
		ASSERT(ring.last_avail_idx < ring.num && ring.last_used_idx < ring.num);
		ASSERT(ref_ahead(ring.last_used_idx, ring.used_wrap, ring.last_avail_idx,
				 ring.avail_wrap) <= ring.num);
		ASSERT(ring.avail_idx == ref_enc(ring.last_avail_idx, ring.avail_wrap));
		ASSERT(ring.used_flags == VRING_PACKED_EVENT_FLAG_ENABLE);
	} else {
		ASSERT(!ring.broken);
		ASSERT((u16)(ring.last_avail_idx - ring.last_used_idx) <= ring.num);
	}
	/* a packed ring keeps its buffers in flight across a start */
	if (!packed)
		model_reset();
	recent = 0;
}

/*
 * Packed: VHOST_SET_VRING_BASE, then start. A good base forgets what is
 * in flight (both sides); a bad one changes nothing.
 */
static void op_restart_packed(struct input *in)
{
	unsigned int how = in8(in);
	u32 before = vhostx_ring_get_base(&ring), v;
	int ret;

	if ((how & 1) || pk_desync) {
		v = (how & 2) || pk_desync ? before : in32(in);
		ret = vhostx_ring_set_base(&ring, v);
		if (trace)
			fprintf(stderr, "set_base(%#x) = %d\n", v, ret);
		if (ret) {
			ASSERT(ret == -EINVAL);
			ASSERT(vhostx_ring_get_base(&ring) == before);
			ASSERT((v & 0x7fff) >= ring.num || ((v >> 16) & 0x7fff) >= ring.num);
		} else {
			u32 lo = v & 0xffff, hi = v >> 16 ? v >> 16 : lo;

			ASSERT(vhostx_ring_get_base(&ring) == (hi << 16 | lo));
			model_reset();
		}
	}
	op_restart();
	if (how & 4) {
		g_pos = ring.last_avail_idx;
		g_wrap = ring.avail_wrap;
	}
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

/* FUZZ_RING_STATS=1: at exit, how many inputs ran a ring of each layout. */
static unsigned long nrun[2], nrun_in_order;
static unsigned int feat_or;

static void print_stats(void)
{
	fprintf(stderr, "fuzz_ring: %lu split and %lu packed inputs ran a ring, %lu in order (%lu batches written as one entry)\n",
		nrun[0], nrun[1], nrun_in_order, nbatch_one);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct input in = { data, size }, ops;
	struct vhostx_mem_region regs[FZ_MAX_REGIONS];
	unsigned int num, feat, nregs, i, nops = 0;
	size_t ops_len;
	u64 desc, avail, used;
	u16 base, base_hi;

	if (trace < 0) {
		const char *f = getenv("FUZZ_RING_FEAT_OR");

		trace = getenv("FUZZ_RING_TRACE") != NULL;
		/* FUZZ_RING_FEAT_OR=64: every input with these feature bits set */
		feat_or = f ? strtoul(f, NULL, 0) & 0xff : 0;
		if (getenv("FUZZ_RING_STATS"))
			atexit(print_stats);
	}
	if (!img) {
		img = malloc(FZ_IMG_SIZE);
		if (!img)
			abort();
	}
	memset(img, 0, FZ_IMG_SIZE);
	vx_env_reset(img, FZ_IMG_SIZE);

	num = in8(&in);
	feat = in8(&in) | feat_or;
	packed = feat & FZ_F_PACKED;
	num = packed ? 1 + num % FZ_NUM_MAX : 1u << (num % (FZ_NUM_LOG2_MAX + 1));
	base = in16(&in);
	base_hi = packed ? in16(&in) : 0;
	desc = in16(&in) % FZ_IMG_SIZE & ~15u;
	avail = in16(&in) % FZ_IMG_SIZE & (packed ? ~3u : ~1u);
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

	if (packed) {
		desc_bytes = vdrv_pdesc_bytes(num);
		avail_bytes = used_bytes = VDRV_EVT_BYTES;
		if (vhostx_ring_check_addr_packed(num, (uintptr_t)img + desc,
						  (uintptr_t)img + avail, (uintptr_t)img + used))
			return 0;
	} else {
		desc_bytes = vdrv_desc_bytes(num);
		avail_bytes = vdrv_avail_bytes(num);
		used_bytes = vdrv_used_bytes(num);
		if (vhostx_ring_check_addr(num, (uintptr_t)img + desc, (uintptr_t)img + avail,
					   (uintptr_t)img + used))
			return 0;
	}
	/* whatever check_addr accepts must lie in the image */
	ASSERT(desc + desc_bytes <= FZ_IMG_SIZE);
	ASSERT(avail + avail_bytes <= FZ_IMG_SIZE);
	ASSERT(used + used_bytes <= FZ_IMG_SIZE);

	mem = NULL;
	if (vhostx_mem_build(regs, nregs, &mem))
		return 0;
	check_table();

	vx_env_allow_read(img + desc, desc_bytes);
	vx_env_allow_read(img + avail, avail_bytes);
	vx_env_allow_read(img + used, used_bytes);
	for (i = 0; i < mem->nregions; i++)
		vx_env_allow_read((void *)(uintptr_t)mem->regions[i].uaddr, mem->regions[i].size);
	vx_env_allow_write(img + used, used_bytes);
	/* packed: used descriptors go into the descriptor ring */
	if (packed)
		vx_env_allow_write(img + desc, desc_bytes);

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
	ring.in_order = feat & FZ_F_IN_ORDER;
	if (feat & 16) {
		ring.acc = &fz_acc;
		ring.mem = NULL;	/* the accessor's business */
	}
	ring.last_avail_idx = base;
	desc_cursor = 0;
	model_reset();
	if (packed) {
		static u8 pbufs_mem[sizeof(u32) * (1 + FZ_NUM_MAX) + sizeof(u16) * FZ_NUM_MAX];

		ASSERT(vhostx_ring_pbufs_size(num) <= sizeof(pbufs_mem));
		memset(pbufs_mem, 0, sizeof(pbufs_mem));
		ring.packed = true;
		ring.pbufs = pbufs_mem;
		if (vhostx_ring_set_base(&ring, (u32)base_hi << 16 | base)) {
			vhostx_mem_free(mem);
			mem = NULL;
			return 0;
		}
		g_pos = ring.last_avail_idx;
		g_wrap = ring.avail_wrap;
	}
	op_restart();
	nrun[packed]++;
	nrun_in_order += ring.in_order;

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
			if (packed)
				op_publish_packed(&ops);
			else
				op_publish(&ops);
			break;
		case FZ_OP_PUBLISH_INDIRECT:
			if (packed)
				op_publish_indirect_packed(&ops);
			else
				op_publish_indirect(&ops);
			break;
		case FZ_OP_SET_AVAIL_IDX:
			if (packed) {
				u16 v = in16(&ops);

				g_pos = (v & 0x7fff) % ring.num;
				g_wrap = v & 0x8000;
			} else {
				ring.avail->idx = htole16(in16(&ops));
			}
			break;
		case FZ_OP_RESTART:
			if (packed)
				op_restart_packed(&ops);
			else
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
