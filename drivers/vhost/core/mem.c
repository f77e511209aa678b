// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhostx memory table: guest physical ranges mapped to the owner's user
 * addresses. Built and checked once, then only read: lookups are a hint
 * check and a binary search, with no locks and no callbacks. The same file
 * builds in userspace (tools/ringtest) against tools/ringtest/ringtest_env.h.
 */
#include <vhostx/ring.h>
#ifdef __KERNEL__
#include "vhostx_env.h"
#else
#include "ringtest_env.h"
#endif

static bool region_less(const struct vhostx_mem_region *a,
			const struct vhostx_mem_region *b)
{
	return a->gpa < b->gpa;
}

static void region_swap(struct vhostx_mem_region *a, struct vhostx_mem_region *b)
{
	struct vhostx_mem_region t = *a;

	*a = *b;
	*b = t;
}

/* Restore the max-heap property below @root in r[0..n). */
static void heap_sift(struct vhostx_mem_region *r, unsigned int root, unsigned int n)
{
	for (;;) {
		unsigned int child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n && region_less(&r[child], &r[child + 1]))
			child++;
		if (!region_less(&r[root], &r[child]))
			return;
		region_swap(&r[root], &r[child]);
		root = child;
	}
}

/* Heapsort by gpa: O(n log n), no recursion, no allocation. */
static void regions_sort(struct vhostx_mem_region *r, unsigned int n)
{
	unsigned int i;

	if (n < 2)
		return;
	for (i = n / 2; i-- > 0;)
		heap_sift(r, i, n);
	for (i = n - 1; i > 0; i--) {
		region_swap(&r[0], &r[i]);
		heap_sift(r, 0, i);
	}
}

/**
 * vhostx_mem_check() - validate and sort a set of memory regions
 * @r: regions, sorted in place by guest physical address
 * @n: number of regions
 *
 * Every region must have a non-zero size, must not wrap around the end of
 * the guest physical or the user address space, and its user range must
 * be accessible; after sorting, guest physical ranges must not overlap.
 *
 * Return: 0, -EINVAL for a bad size, wrap or overlap, -EFAULT for a user
 * range outside the address space.
 */
int vhostx_mem_check(struct vhostx_mem_region *r, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!r[i].size)
			return -EINVAL;
		if (r[i].gpa + (r[i].size - 1) < r[i].gpa)
			return -EINVAL;
		if (r[i].uaddr + (r[i].size - 1) < r[i].uaddr)
			return -EINVAL;
		if (!vx_access_ok(r[i].uaddr, r[i].size))
			return -EFAULT;
	}
	regions_sort(r, n);
	for (i = 1; i < n; i++) {
		/* Previous end (inclusive) must lie below this start. */
		if (r[i - 1].gpa + (r[i - 1].size - 1) >= r[i].gpa)
			return -EINVAL;
	}
	return 0;
}

/**
 * vhostx_mem_build() - allocate, check and sort a memory table
 * @r: regions to copy (not modified)
 * @n: number of regions; 0 gives an empty table
 * @memp: where to store the new table on success
 *
 * Return: 0, -ENOMEM, or the error of vhostx_mem_check().
 */
int vhostx_mem_build(const struct vhostx_mem_region *r, unsigned int n,
		     struct vhostx_mem **memp)
{
	struct vhostx_mem *mem;
	unsigned int i;
	int ret;

	mem = vx_alloc(sizeof(*mem) + (size_t)n * sizeof(mem->regions[0]));
	if (!mem)
		return -ENOMEM;
	mem->nregions = n;
	mem->last_hit = 0;
	for (i = 0; i < n; i++)
		mem->regions[i] = r[i];
	ret = vhostx_mem_check(mem->regions, n);
	if (ret) {
		vx_free(mem);
		return ret;
	}
	*memp = mem;
	return 0;
}

/**
 * vhostx_mem_free() - free a table made by vhostx_mem_build()
 * @mem: the table, or NULL
 */
void vhostx_mem_free(struct vhostx_mem *mem)
{
	vx_free(mem);
}

static inline bool region_has(const struct vhostx_mem_region *reg, u64 gpa)
{
	return gpa >= reg->gpa && gpa - reg->gpa < reg->size;
}

/* Index of the region holding @gpa, or -1. */
static inline int mem_find(struct vhostx_mem *mem, u64 gpa)
{
	unsigned int n = mem->nregions;
	unsigned int hint = VX_READ_ONCE(mem->last_hit);
	unsigned int lo, hi;

	if (likely(hint < n && region_has(&mem->regions[hint], gpa)))
		return hint;
	/* Find the last region starting at or below gpa. */
	lo = 0;
	hi = n;
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (mem->regions[mid].gpa <= gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || !region_has(&mem->regions[lo - 1], gpa))
		return -1;
	VX_WRITE_ONCE(mem->last_hit, lo - 1);
	return lo - 1;
}

/**
 * vhostx_mem_translate() - map a guest physical range to user iovecs
 * @mem: the memory table
 * @gpa: start of the range
 * @len: length of the range; 0 maps to nothing
 * @iov: iovecs to fill
 * @max: number of entries in @iov
 *
 * A range crossing from one region into the next gives one iovec per
 * region, even when the user ranges happen to be contiguous.
 *
 * Return: the number of iovecs filled, -EFAULT if any byte of the range
 * is outside the table (or the range wraps), -ENOBUFS if @max is too small.
 */
int vhostx_mem_translate(struct vhostx_mem *mem, u64 gpa, u64 len,
			 struct iovec *iov, unsigned int max)
{
	unsigned int n = 0;
	int idx;

	if (!len)
		return 0;
	if (unlikely(gpa + (len - 1) < gpa))
		return -EFAULT;
	idx = mem_find(mem, gpa);
	for (;;) {
		const struct vhostx_mem_region *reg;
		u64 off, chunk;

		if (unlikely(idx < 0))
			return -EFAULT;
		if (unlikely(n >= max))
			return -ENOBUFS;
		reg = &mem->regions[idx];
		off = gpa - reg->gpa;
		chunk = reg->size - off;
		if (chunk > len)
			chunk = len;
		if (unlikely(chunk != (size_t)chunk))
			return -EFAULT;
		iov[n].iov_base = vx_uptr(reg->uaddr + off);
		iov[n].iov_len = (size_t)chunk;
		n++;
		len -= chunk;
		if (likely(!len))
			return n;
		/* gpa + chunk cannot wrap: the range end was checked above. */
		gpa += chunk;
		/* Sorted and disjoint: only idx + 1 can hold the next byte. */
		if ((unsigned int)idx + 1 < mem->nregions &&
		    mem->regions[idx + 1].gpa == gpa)
			idx++;
		else
			idx = -1;
	}
}

/**
 * vhostx_mem_reverse() - guest physical ranges behind a user range
 * @mem: the memory table the user range was translated with
 * @uaddr: start of the user range
 * @len: its length; 0 reports nothing
 * @fn: called with @arg, a guest physical start and a length for the part
 *      of the range each region maps; a non-zero return stops the walk
 * @arg: passed to @fn
 *
 * Every region is looked at (the table is sorted by guest address, not by
 * user address, and regions may alias the same user memory), so memory
 * two regions map is reported at both guest addresses.
 *
 * Return: 0, the first non-zero value @fn returned, or -EFAULT when a
 * byte of the range is in no region or the range wraps.
 */
int vhostx_mem_reverse(struct vhostx_mem *mem, u64 uaddr, u64 len,
		       int (*fn)(void *arg, u64 gpa, u64 len), void *arg)
{
	u64 last, at;
	unsigned int i;
	int ret;

	if (!len)
		return 0;
	last = uaddr + (len - 1);
	if (unlikely(last < uaddr))
		return -EFAULT;
	for (i = 0; i < mem->nregions; i++) {
		const struct vhostx_mem_region *reg = &mem->regions[i];
		u64 rlast = reg->uaddr + (reg->size - 1);
		u64 lo, hi;

		if (reg->uaddr > last || rlast < uaddr)
			continue;
		lo = reg->uaddr > uaddr ? reg->uaddr : uaddr;
		hi = rlast < last ? rlast : last;
		ret = fn(arg, reg->gpa + (lo - reg->uaddr), hi - lo + 1);
		if (ret)
			return ret;
	}
	/* Every byte must have been in some region: walk the union. */
	at = uaddr;
	for (;;) {
		u64 reach = 0;
		bool found = false;

		for (i = 0; i < mem->nregions; i++) {
			const struct vhostx_mem_region *reg = &mem->regions[i];
			u64 rlast = reg->uaddr + (reg->size - 1);

			if (at >= reg->uaddr && at <= rlast && (!found || rlast > reach)) {
				reach = rlast;
				found = true;
			}
		}
		if (!found)
			return -EFAULT;
		if (reach >= last)
			return 0;
		at = reach + 1;
	}
}
