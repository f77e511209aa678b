// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_ioctl: one random, type-aware call sequence against a vhost-net
 * device node (ours or the kernel's: same ABI), with the oracles that must
 * hold whatever the sequence: errno values userspace may see, calls that
 * must be refused, state that must read back, a device that never runs on
 * memory that is not user memory, and a used ring that only ever holds
 * heads we made available.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "fz_net.h"

#define NVQ 2
#define VHOST_F_LOG_ALL_BIT 26

static unsigned int max_regions = 64;

void fz_net_init(void)
{
	static const char * const params[] = {
		"/sys/module/vhostx/parameters/max_mem_regions",
		"/sys/module/vhost/parameters/max_mem_regions",
	};

	for (unsigned int i = 0; i < 2; i++) {
		FILE *f = fopen(params[i], "r");
		unsigned int v;

		if (!f)
			continue;
		if (fscanf(f, "%u", &v) == 1 && v > max_regions)
			max_regions = v;
		fclose(f);
	}
}

const char *fz_net_dev(void)
{
	const char *d = getenv("VHOST_NET_DEV");

	return d && *d ? d : "/dev/vhost-net";
}

/* Every call goes through here: 0 or -errno, and the errno must be sane. */
static int call(struct fz_net *s, const char *name, unsigned long req, void *arg)
{
	int ret, e;

	char idxs[16] = "";

	s->stats->calls++;
	ret = ioctl(s->fd, req, arg);
	e = errno;
	if (fz_params.verbose && arg && _IOC_TYPE(req) == VHOST_VIRTIO &&
	    _IOC_NR(req) >= 0x10 && _IOC_NR(req) <= 0x30)
		snprintf(idxs, sizeof(idxs), " [%u]", *(unsigned int *)arg);
	if (ret == 0) {
		s->stats->ok++;
		fz_log("%s%s -> 0", name, idxs);
		return 0;
	}
	fz_log("%s%s -> %d (%s)", name, idxs, ret, strerror(e));
	return fz_call_failed(s, name, ret, e);
}

static void must_fail(struct fz_net *s, const char *name, int ret, const char *why)
{
	if (!ret)
		fz_fail(s, "%s succeeded but must fail: %s", name, why);
}

static void must_errno(struct fz_net *s, const char *name, int ret, int want, const char *why)
{
	if (ret != -want)
		fz_fail(s, "%s: %s: got %s, want %s", name, why,
		     ret ? strerror(-ret) : "success", strerror(want));
}

/* Owner-only calls from a non-owner: -EPERM, as in the kernel's vhost. */
static bool owner_gate(struct fz_net *s, const char *name, int ret)
{
	if (s->owner == FZ_OWNER_US)
		return false;
	must_errno(s, name, ret, EPERM, "caller is not the owner");
	return true;
}

static unsigned int pick_idx(struct fz_net *s)
{
	static const uint64_t odd[] = { 2, 3, 0x100, 0x7fffffff, 0x80000000, 0xffffffff };

	return fz_chance(&s->r, 92) ? fz_below(&s->r, NVQ) : FZ_PICK(&s->r, odd);
}

static const struct fz_fd *pick_fd(struct fz_net *s, enum fz_kind likely)
{
	unsigned int p = fz_below(&s->r, 100);

	if (p < 55)
		return fz_env_fd(s->env, &s->r, likely);
	if (p < 65)
		return fz_env_fd(s->env, &s->r, FZ_K_NONE);
	return fz_env_any(s->env, &s->r);
}

static void vq_forget(struct fz_vq *vq)
{
	vq->clean = false;
}

static void vq_reset_all(struct fz_net *s)
{
	for (int i = 0; i < NVQ; i++) {
		memset(&s->vq[i], 0, sizeof(s->vq[i]));
		s->vq[i].kick = -1;
	}
}

/*
 * Ring addresses and the memory table are checked against user memory only
 * without VIRTIO_F_ACCESS_PLATFORM: with it they are IOVAs, translated by
 * the device IOTLB at access time.
 */
static bool uva_mode(struct fz_net *s)
{
	return s->acked_known && !(s->acked & (1ULL << VIRTIO_F_ACCESS_PLATFORM));
}

/* ---- ring sizes and layout -------------------------------------------- */

static uint64_t desc_bytes(unsigned int num)
{
	return 16ULL * num;
}

static uint64_t avail_bytes(unsigned int num)
{
	return 6 + 2ULL * num;
}

static uint64_t used_bytes(unsigned int num)
{
	return 6 + 8ULL * num;
}

static bool in_ring_area(uint64_t a, uint64_t len)
{
	uint64_t base = (uint64_t)(uintptr_t)fz_arena;

	return a >= base && len <= FZ_RING_AREA && a - base <= FZ_RING_AREA - len;
}

/* Not user memory in any paging mode: the device must never run on it. */
static bool range_bad(uint64_t a, uint64_t len)
{
	uint64_t l = len ? len - 1 : 0;

	return a + l < a || a + l >= FZ_NEVER_USER;
}

static void vq_recheck(struct fz_vq *vq)
{
	unsigned int n = vq->num;

	vq->layout_ok = n && vq->addr_set && !(vq->desc & 15) && !(vq->avail & 1) &&
			!(vq->used & 3) && in_ring_area(vq->desc, desc_bytes(n)) &&
			in_ring_area(vq->avail, avail_bytes(n)) &&
			in_ring_area(vq->used, used_bytes(n));
	vq->ring_bad = vq->addr_set && n &&
		       (range_bad(vq->desc, desc_bytes(n)) || range_bad(vq->avail, avail_bytes(n)) ||
			range_bad(vq->used, used_bytes(n)));
	if (!vq->layout_ok)
		vq->clean = false;
}

/* ---- the calls ---------------------------------------------------------- */

static void op_set_owner(struct fz_net *s)
{
	int ret;

	if (s->forbid_owner)
		return;
	ret = call(s, "SET_OWNER", VHOST_SET_OWNER, NULL);

	if (s->owner != FZ_OWNER_NONE)
		must_errno(s, "SET_OWNER", ret, EBUSY, "the device has an owner");
	else if (ret && ret != -ENOMEM)
		fz_fail(s, "SET_OWNER on an unowned device: %s", strerror(-ret));
	if (!ret)
		s->owner = FZ_OWNER_US;
}

static void op_reset_owner(struct fz_net *s)
{
	int ret = call(s, "RESET_OWNER", VHOST_RESET_OWNER, NULL);

	if (owner_gate(s, "RESET_OWNER", ret))
		return;
	if (ret && ret != -ENOMEM)
		fz_fail(s, "RESET_OWNER by the owner: %s", strerror(-ret));
	if (!ret) {
		s->owner = FZ_OWNER_NONE;
		s->table_bad = s->table_sane = s->table_maybe = false;
		s->acked_known = false;
		vq_reset_all(s);
	}
}

#ifndef VIRTIO_F_IN_ORDER
#define VIRTIO_F_IN_ORDER	35
#endif

/*
 * Acked bits that make our guest side wrong: it writes split rings and
 * hands out free heads in any order, so with RING_PACKED the device reads
 * something else, and with IN_ORDER it may answer a batch with one used
 * entry for heads we did not give in that order. Either ends the oracle.
 */
#define FZ_NO_ORACLE	(1ULL << VIRTIO_F_RING_PACKED | 1ULL << VIRTIO_F_IN_ORDER)

/*
 * Would acking @want switch the ring layout (VIRTIO_F_RING_PACKED), as far
 * as we know? Unknown acked features (after a child or a RESET_OWNER) may.
 */
static bool layout_may_change(const struct fz_net *s, uint64_t want)
{
	return !s->acked_known || ((want ^ s->acked) & (1ULL << VIRTIO_F_RING_PACKED));
}

/* Could the device be reading packed rings (VIRTIO_F_RING_PACKED acked)? */
static bool maybe_packed(const struct fz_net *s)
{
	return !s->acked_known || (s->acked & (1ULL << VIRTIO_F_RING_PACKED));
}

/* The ring layout changed: what GET_VRING_BASE answers is not known. */
static void forget_bases(struct fz_net *s)
{
	for (unsigned int i = 0; i < NVQ; i++)
		s->vq[i].base_known = false;
}

static void op_features(struct fz_net *s)
{
	uint64_t f = 0, want;
	int ret;

	if (fz_chance(&s->r, 30)) {
		ret = call(s, "GET_FEATURES", VHOST_GET_FEATURES, &f);
		if (ret)
			fz_fail(s, "GET_FEATURES: %s", strerror(-ret));
		else if (s->features_known && f != s->features)
			fz_fail(s, "GET_FEATURES changed: %#llx then %#llx",
			     (unsigned long long)s->features, (unsigned long long)f);
		s->features = f;
		s->features_known = true;
		return;
	}
	if (!s->features_known)
		return;
	switch (fz_below(&s->r, 4)) {
	case 0:
	case 1:
		want = s->features & fz_next(&s->r) & ~(1ULL << VHOST_F_LOG_ALL_BIT);
		break;
	case 2:
		want = s->features | (1ULL << fz_below(&s->r, 64));
		break;
	default:
		want = fz_next(&s->r);
		break;
	}
	ret = call(s, "SET_FEATURES", VHOST_SET_FEATURES, &want);
	if (!ret && ((want ^ s->acked) & (1ULL << VIRTIO_F_RING_PACKED)))
		forget_bases(s);	/* the same base now means something else */
	if (!ret) {
		s->acked = want;
		s->acked_known = true;
		if (want & FZ_NO_ORACLE)
			s->hostile = true;
	}
	if (want & ~s->features)
		must_errno(s, "SET_FEATURES", ret, EOPNOTSUPP, "unsupported feature bits");
	/*
	 * The ring layout may not change under a running queue. What is
	 * acked is unknown after a child or another owner had the device.
	 */
	else if (ret == -EBUSY && layout_may_change(s, want))
		;
	else if (ret && !(want & (1ULL << VHOST_F_LOG_ALL_BIT)) && ret != -ENOMEM)
		fz_fail(s, "SET_FEATURES %#llx (a subset of GET_FEATURES): %s",
		     (unsigned long long)want, strerror(-ret));
}

#ifndef VHOST_GET_FEATURES_ARRAY
#define VHOST_GET_FEATURES_ARRAY	_IOC(_IOC_READ, VHOST_VIRTIO, 0x83, 8)
#define VHOST_SET_FEATURES_ARRAY	_IOC(_IOC_WRITE, VHOST_VIRTIO, 0x83, 8)
#endif
#ifndef VHOST_SET_FORK_FROM_OWNER
#define VHOST_SET_FORK_FROM_OWNER	_IOC(_IOC_WRITE, VHOST_VIRTIO, 0x84, 1)
#define VHOST_GET_FORK_FROM_OWNER	_IOC(_IOC_READ, VHOST_VIRTIO, 0x85, 1)
#endif

/*
 * A module without the calls of 0x83-0x85 (the kernel's 6.1) reads a queue
 * index from the argument: ENOTTY, ENOBUFS, or EPERM before SET_OWNER.
 */
static bool abi_unknown(int ret)
{
	return ret == -ENOTTY || ret == -ENOBUFS || ret == -EPERM;
}

/* VHOST_{GET,SET}_FEATURES_ARRAY and VHOST_{GET,SET}_FORK_FROM_OWNER. */
static void op_abi(struct fz_net *s)
{
	/*
	 * GET zeroes all the room a count claims: a big one that fits in the
	 * address space would wipe our stack. These two cannot (EFAULT).
	 */
	static const uint64_t counts[] = { 0, 1, 2, 3, 5, 1ULL << 61, ~0ULL };
	bool ours = access("/sys/module/vhostx_net", F_OK) == 0;
	uint64_t a[6], count = counts[fz_below(&s->r, 7)];
	unsigned int i, n = count < 5 ? count : 5;
	uint8_t mode;
	int ret;

	switch (fz_below(&s->r, 4)) {
	case 0:
		a[0] = count;
		for (i = 1; i < 6; i++)
			a[i] = 0xa5a5a5a5a5a5a5a5ULL;
		ret = call(s, "GET_FEATURES_ARRAY", VHOST_GET_FEATURES_ARRAY, a);
		if (ret && !abi_unknown(ret) && !(count > 5 && ret == -EFAULT))
			fz_fail(s, "GET_FEATURES_ARRAY count %llu: %s",
				(unsigned long long)count, strerror(-ret));
		if (ret)
			return;
		if (count && s->features_known && a[1] != s->features)
			fz_fail(s, "GET_FEATURES_ARRAY word 0 %#llx, GET_FEATURES %#llx",
				(unsigned long long)a[1], (unsigned long long)s->features);
		for (i = 1; i < n; i++)
			if (ours && a[1 + i])
				fz_fail(s, "GET_FEATURES_ARRAY word %u: %#llx", i,
					(unsigned long long)a[1 + i]);
		if (count < 5 && a[1 + count] != 0xa5a5a5a5a5a5a5a5ULL)
			fz_fail(s, "GET_FEATURES_ARRAY count %u wrote past the array",
				(unsigned int)count);
		return;
	case 1:
		if (count > 5)
			count = fz_below(&s->r, 5);
		a[0] = count;
		a[1] = s->features & fz_next(&s->r) & ~(1ULL << VHOST_F_LOG_ALL_BIT);
		for (i = 2; i < 6; i++)
			a[i] = fz_chance(&s->r, 80) ? 0 : 1ULL << fz_below(&s->r, 64);
		ret = call(s, "SET_FEATURES_ARRAY", VHOST_SET_FEATURES_ARRAY, a);
		if (abi_unknown(ret))
			return;
		for (i = 2; i < 1 + count; i++)
			if (a[i] && ours)
				must_errno(s, "SET_FEATURES_ARRAY", ret, EOPNOTSUPP,
					   "a bit beyond word 0");
		if (!ret) {
			s->acked = count ? a[1] : 0;
			s->acked_known = true;
			if (s->acked & FZ_NO_ORACLE)
				s->hostile = true;	/* as in SET_FEATURES */
		} else if (ret == -EBUSY && layout_may_change(s, count ? a[1] : 0)) {
			/* The ring layout may not change under a running queue. */
		} else if (ret != -EOPNOTSUPP) {
			fz_fail(s, "SET_FEATURES_ARRAY: %s", strerror(-ret));
		}
		return;
	case 2:
		mode = 0xee;
		ret = call(s, "GET_FORK_FROM_OWNER", VHOST_GET_FORK_FROM_OWNER, &mode);
		if (!ret && (mode > 1 || (ours && mode != 0)))
			fz_fail(s, "GET_FORK_FROM_OWNER: %u", mode);
		else if (ret && !abi_unknown(ret))
			fz_fail(s, "GET_FORK_FROM_OWNER: %s", strerror(-ret));
		return;
	default:
		mode = fz_chance(&s->r, 70) ? 0 : (uint8_t)fz_next(&s->r);
		ret = call(s, "SET_FORK_FROM_OWNER", VHOST_SET_FORK_FROM_OWNER, &mode);
		if (!ours)
			return;
		if (s->owner != FZ_OWNER_NONE)
			must_errno(s, "SET_FORK_FROM_OWNER", ret, EBUSY, "after SET_OWNER");
		else
			must_errno(s, "SET_FORK_FROM_OWNER", ret, mode ? EINVAL : 0,
				   mode ? "only kthread mode (0)" : "kthread mode before SET_OWNER");
		return;
	}
}

static void op_backend_features(struct fz_net *s)
{
	uint64_t f = 0;
	int ret;

	ret = call(s, "GET_BACKEND_FEATURES", VHOST_GET_BACKEND_FEATURES, &f);
	if (ret) {
		must_errno(s, "GET_BACKEND_FEATURES", ret, ENOTTY, "the only excuse");
		return;
	}
	f = fz_chance(&s->r, 50) ? f & fz_next(&s->r) : fz_next(&s->r);
	ret = call(s, "SET_BACKEND_FEATURES", VHOST_SET_BACKEND_FEATURES, &f);
	(void)ret;
}

static void op_mem_table(struct fz_net *s)
{
	static const uint64_t big[] = { 65, 129, 509, 0x10000, 0x7fffffff, 0xffffffff };
	struct vhost_memory *m = s->membuf;
	unsigned int n, mode = fz_below(&s->r, 10);
	bool bad = false, maybe = false, sane = false;
	uint64_t base = (uint64_t)(uintptr_t)fz_arena;
	void *arg = m;
	int ret;

	memset(m, 0, sizeof(*m));
	n = fz_below(&s->r, 9);
	if (mode < 4) {		/* guest memory = the arena, maybe with company */
		s->gpa_base = fz_chance(&s->r, 50) ? 0 : fz_below(&s->r, 1ULL << 40) & ~0xfffULL;
		m->regions[0].guest_phys_addr = s->gpa_base;
		m->regions[0].memory_size = FZ_ARENA_SIZE;
		m->regions[0].userspace_addr = base;
		n = 1 + (fz_chance(&s->r, 30) ? fz_below(&s->r, 4) : 0);
		sane = n == 1;
	}
	for (unsigned int i = mode < 4 ? 1 : 0; i < n; i++) {
		struct vhost_memory_region *rg = &m->regions[i];

		if (i && fz_chance(&s->r, 20)) {
			*rg = m->regions[fz_below(&s->r, i)];	/* duplicate or overlap */
			rg->memory_size += fz_below(&s->r, 3) * 0x1000;
		} else {
			rg->guest_phys_addr = fz_gpa(&s->r);
			rg->memory_size = fz_size(&s->r);
			rg->userspace_addr = fz_uaddr(&s->r);
		}
		if (fz_chance(&s->r, 5))
			rg->flags_padding = fz_next(&s->r);
	}
	for (unsigned int i = 0; i < n; i++) {
		struct vhost_memory_region *rg = &m->regions[i];

		switch (fz_region_fix(rg->guest_phys_addr, (uint64_t *)&rg->memory_size,
				      rg->userspace_addr)) {
		case FZ_REGION_BAD:
			bad = true;
			break;
		case FZ_REGION_MAYBE:
			maybe = true;
			break;
		default:
			break;
		}
	}
	m->nregions = n;
	if (fz_chance(&s->r, 4))
		m->padding = 1 + fz_below(&s->r, 0xffffffff);
	if (fz_chance(&s->r, 6))
		m->nregions = FZ_PICK(&s->r, big);
	if (fz_chance(&s->r, 3))
		arg = (void *)(uintptr_t)fz_uaddr(&s->r);

	ret = call(s, "SET_MEM_TABLE", VHOST_SET_MEM_TABLE, arg);
	if (owner_gate(s, "SET_MEM_TABLE", ret))
		return;
	if (m->nregions > max_regions && arg == m)
		must_fail(s, "SET_MEM_TABLE", ret, "more regions than max_mem_regions");
	if (m->padding && arg == m)
		must_fail(s, "SET_MEM_TABLE", ret, "padding is not zero");
	if (ret)
		return;
	if (arg != m || m->nregions != n) {	/* whatever the kernel read: unknown */
		s->table_maybe = true;
		s->table_sane = false;
		s->table_bad = false;
	} else {
		s->table_bad = bad;
		s->table_maybe = maybe;
		s->table_sane = sane && !bad;
	}
	for (int i = 0; i < NVQ; i++) {
		if (s->vq[i].has_backend && s->table_bad && uva_mode(s))
			fz_fail(s, "SET_MEM_TABLE accepted a region outside user memory while vq %d runs",
			     i);
		if (s->vq[i].clean || !s->table_sane)
			s->hostile = true;	/* old descriptors, new meaning */
		vq_forget(&s->vq[i]);
	}
}

static void op_vring_num(struct fz_net *s)
{
	static const uint64_t nums[] = { 0, 1, 2, 3, 4, 8, 16, 64, 128, 255, 256, 1024,
					 32768, 32769, 65535, 65536, 0x80000000, 0xffffffff };
	struct vhost_vring_state st = { .index = pick_idx(s) };
	int ret;

	st.num = fz_chance(&s->r, 60) ? 1u << fz_below(&s->r, 9) : FZ_PICK(&s->r, nums);
	ret = call(s, "SET_VRING_NUM", VHOST_SET_VRING_NUM, &st);
	if (owner_gate(s, "SET_VRING_NUM", ret))
		return;
	if (st.index >= NVQ) {
		must_fail(s, "SET_VRING_NUM", ret, "no such queue");
		return;
	}
	if (s->vq[st.index].has_backend)
		must_fail(s, "SET_VRING_NUM", ret, "the queue has a backend");
	else if (!st.num || st.num > 32768 || (st.num & (st.num - 1)))
		must_fail(s, "SET_VRING_NUM", ret, "size not a power of two up to 32768");
	else if (ret && ret != -ENOMEM)
		fz_fail(s, "SET_VRING_NUM %u on a stopped queue: %s", st.num, strerror(-ret));
	if (!ret) {
		s->vq[st.index].num = st.num;
		vq_recheck(&s->vq[st.index]);
		vq_forget(&s->vq[st.index]);
	}
}

/* Ring addresses: a tidy layout in the arena most of the time. */
static void layout(struct fz_net *s, unsigned int idx, struct vhost_vring_addr *a)
{
	unsigned int num = s->vq[idx].num ? s->vq[idx].num : 256;
	uint64_t slot = FZ_RING_AREA / NVQ;
	uint64_t base = (uint64_t)(uintptr_t)fz_arena + idx * slot;

	if (num > 1024)		/* the arena has room for tidy rings up to 1024 */
		num = 1024;
	a->desc_user_addr = base;
	a->avail_user_addr = base + desc_bytes(num);
	a->used_user_addr = (a->avail_user_addr + avail_bytes(num) + 4095) & ~4095ULL;
}

static void op_vring_addr(struct fz_net *s)
{
	struct vhost_vring_addr a = { .index = pick_idx(s) };
	bool tidy = a.index < NVQ && fz_chance(&s->r, 65);
	int ret;

	if (tidy) {
		layout(s, a.index, &a);
	} else {
		s->hostile = true;
		a.desc_user_addr = fz_uaddr(&s->r);
		a.avail_user_addr = fz_chance(&s->r, 50) ? fz_uaddr(&s->r) : a.desc_user_addr + 4096;
		a.used_user_addr = fz_chance(&s->r, 50) ? fz_uaddr(&s->r) : a.desc_user_addr + 8192;
	}
	if (fz_chance(&s->r, 15))
		a.flags = fz_chance(&s->r, 50) ? 1u << VHOST_VRING_F_LOG : (unsigned int)fz_next(&s->r);
	a.log_guest_addr = fz_chance(&s->r, 50) ? fz_gpa(&s->r) & ~7ULL : fz_gpa(&s->r);
	ret = call(s, "SET_VRING_ADDR", VHOST_SET_VRING_ADDR, &a);
	if (owner_gate(s, "SET_VRING_ADDR", ret))
		return;
	if (a.index >= NVQ) {
		must_fail(s, "SET_VRING_ADDR", ret, "no such queue");
		return;
	}
	if (a.flags & ~(1u << VHOST_VRING_F_LOG))
		must_fail(s, "SET_VRING_ADDR", ret, "unknown flags");
	if ((a.avail_user_addr & 1) || (a.used_user_addr & 3) || (a.log_guest_addr & 3))
		must_fail(s, "SET_VRING_ADDR", ret, "misaligned avail/used/log address");
	if (s->vq[a.index].has_backend && s->vq[a.index].num && uva_mode(s) &&
	    (range_bad(a.desc_user_addr, desc_bytes(s->vq[a.index].num)) ||
	     range_bad(a.avail_user_addr, avail_bytes(s->vq[a.index].num)) ||
	     range_bad(a.used_user_addr, used_bytes(s->vq[a.index].num))))
		must_fail(s, "SET_VRING_ADDR", ret, "a running queue moved outside user memory");
	if (!ret) {
		struct fz_vq *vq = &s->vq[a.index];

		vq->addr_set = true;
		vq->desc = a.desc_user_addr;
		vq->avail = a.avail_user_addr;
		vq->used = a.used_user_addr;
		vq_recheck(vq);
		vq_forget(vq);
	}
}

static void op_vring_base(struct fz_net *s)
{
	static const uint64_t odd[] = { 0x10000, 0x10001, 0x7fffffff, 0xffffffff };
	struct vhost_vring_state st = { .index = pick_idx(s) };
	struct fz_vq *vq;
	int ret;

	if (fz_chance(&s->r, 50)) {
		st.num = 0xdeadbeef;
		ret = call(s, "GET_VRING_BASE", VHOST_GET_VRING_BASE, &st);
		if (owner_gate(s, "GET_VRING_BASE", ret))
			return;
		if (st.index >= NVQ) {
			must_fail(s, "GET_VRING_BASE", ret, "no such queue");
			return;
		}
		vq = &s->vq[st.index];
		if (ret)
			fz_fail(s, "GET_VRING_BASE: %s", strerror(-ret));
		else if (vq->base_known && st.num != vq->base)
			fz_fail(s, "GET_VRING_BASE %u after SET_VRING_BASE %u on a queue that never ran",
			     st.num, vq->base);
		return;
	}
	st.num = fz_chance(&s->r, 80) ? fz_below(&s->r, 0x10000) : FZ_PICK(&s->r, odd);
	ret = call(s, "SET_VRING_BASE", VHOST_SET_VRING_BASE, &st);
	if (owner_gate(s, "SET_VRING_BASE", ret))
		return;
	if (st.index >= NVQ) {
		must_fail(s, "SET_VRING_BASE", ret, "no such queue");
		return;
	}
	vq = &s->vq[st.index];
	if (vq->has_backend)
		must_fail(s, "SET_VRING_BASE", ret, "the queue has a backend");
	/* Packed: positions beyond the ring size are refused, and only so. */
	else if (maybe_packed(s) && ret && ret != -EINVAL)
		fz_fail(s, "SET_VRING_BASE %#x (packed): %s", st.num, strerror(-ret));
	else if (maybe_packed(s))
		;
	else if (st.num > 0xffff)
		must_fail(s, "SET_VRING_BASE", ret, "index above 0xffff (split ring)");
	else if (ret)
		fz_fail(s, "SET_VRING_BASE %u on a stopped queue: %s", st.num, strerror(-ret));
	if (!ret) {
		/* A packed base reads back in its full encoding. */
		vq->base_known = !vq->ever_backend && !maybe_packed(s);
		vq->base = st.num;
		vq_forget(vq);
	}
}

static void op_vring_fd(struct fz_net *s)
{
	static const char * const names[] = { "SET_VRING_KICK", "SET_VRING_CALL",
					      "SET_VRING_ERR" };
	static const unsigned long reqs[] = { VHOST_SET_VRING_KICK, VHOST_SET_VRING_CALL,
					      VHOST_SET_VRING_ERR };
	unsigned int which = fz_below(&s->r, 3);
	const struct fz_fd *f = pick_fd(s, FZ_K_EVENTFD);
	struct vhost_vring_file vf = { .index = pick_idx(s), .fd = f->fd };
	int ret;

	ret = call(s, names[which], reqs[which], &vf);
	if (owner_gate(s, names[which], ret))
		return;
	if (vf.index >= NVQ) {
		must_fail(s, names[which], ret, "no such queue");
		return;
	}
	if (f->kind != FZ_K_EVENTFD && f->kind != FZ_K_NONE)
		must_fail(s, names[which], ret, f->what);
	else if (ret && ret != -ENOMEM)
		fz_fail(s, "%s with %s: %s", names[which], f->what, strerror(-ret));
	if (!ret && which == 0)
		s->vq[vf.index].kick = f->kind == FZ_K_EVENTFD ? f->fd : -1;
}

static void op_busyloop(struct fz_net *s)
{
	struct vhost_vring_state st = { .index = pick_idx(s) };
	unsigned int want = (unsigned int)fz_next(&s->r);
	int ret;

	st.num = want;
	ret = call(s, "SET_VRING_BUSYLOOP_TIMEOUT", VHOST_SET_VRING_BUSYLOOP_TIMEOUT, &st);
	if (owner_gate(s, "SET_VRING_BUSYLOOP_TIMEOUT", ret) || st.index >= NVQ) {
		if (st.index >= NVQ)
			must_fail(s, "SET_VRING_BUSYLOOP_TIMEOUT", ret, "no such queue");
		return;
	}
	if (ret)
		return;
	st.num = 0;
	ret = call(s, "GET_VRING_BUSYLOOP_TIMEOUT", VHOST_GET_VRING_BUSYLOOP_TIMEOUT, &st);
	if (!ret && st.num != want)
		fz_fail(s, "busyloop timeout reads back %u, set %u", st.num, want);
}

/*
 * A dirty-log bitmap that holds every page of the arena wherever gpa_base
 * (below 2^40) puts it, in the middle of the reservation: bits for other
 * guest addresses (below 2^51, or at/above 2^62) land in the reservation
 * or beyond user memory, never in the arena or in the fuzzer's own data.
 */
#define FZ_LOG_WIN	(FZ_RES_BASE + FZ_RES_SIZE / 2)
#define FZ_LOG_WIN_SIZE	((1ULL << 40) / 4096 / 8 + FZ_ARENA_SIZE)

static bool log_window(void)
{
	static bool mapped;
	void *p;

	if (mapped || !fz_arena)
		return mapped;
	p = mmap((void *)FZ_LOG_WIN, FZ_LOG_WIN_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
	mapped = p == (void *)FZ_LOG_WIN;
	return mapped;
}

static void op_log(struct fz_net *s)
{
	int ret;

	if (fz_chance(&s->r, 35) && log_window()) {
		/* Logging for real: a good bitmap, and often LOG_ALL with it. */
		uint64_t base = FZ_LOG_WIN;

		ret = call(s, "SET_LOG_BASE", VHOST_SET_LOG_BASE, &base);
		if (owner_gate(s, "SET_LOG_BASE", ret))
			return;
		s->stats->log_bases++;
		if (!ret && s->acked_known && fz_chance(&s->r, 60)) {
			uint64_t want = s->acked | 1ULL << VHOST_F_LOG_ALL_BIT;

			if (!call(s, "SET_FEATURES", VHOST_SET_FEATURES, &want))
				s->acked = want;
		}
	} else if (fz_chance(&s->r, 50)) {
		uint64_t base = fz_uaddr(&s->r);

		ret = call(s, "SET_LOG_BASE", VHOST_SET_LOG_BASE, &base);
		/* Its bits may land in the arena, over our rings. */
		if (!owner_gate(s, "SET_LOG_BASE", ret))
			s->hostile = true;
	} else {
		const struct fz_fd *f = pick_fd(s, FZ_K_EVENTFD);
		int fd = f->fd;

		ret = call(s, "SET_LOG_FD", VHOST_SET_LOG_FD, &fd);
		if (!owner_gate(s, "SET_LOG_FD", ret) &&
		    f->kind != FZ_K_EVENTFD && f->kind != FZ_K_NONE)
			must_fail(s, "SET_LOG_FD", ret, f->what);
	}
}

static void op_backend(struct fz_net *s)
{
	static const enum fz_kind real[] = { FZ_K_TAP, FZ_K_TAP, FZ_K_MACVTAP, FZ_K_PACKET };
	const struct fz_fd *f = pick_fd(s, real[fz_below(&s->r, 4)]);
	struct vhost_vring_file vf = { .index = pick_idx(s), .fd = f->fd };
	bool is_real = f->kind == FZ_K_TAP || f->kind == FZ_K_MACVTAP || f->kind == FZ_K_PACKET;
	struct fz_vq *vq;
	int ret;

	ret = call(s, "NET_SET_BACKEND", VHOST_NET_SET_BACKEND, &vf);
	if (ret == -ENOTTY || ret == -EOPNOTSUPP) {
		s->stats->backend_unsupported++;
		return;
	}
	if (owner_gate(s, "NET_SET_BACKEND", ret))
		return;
	if (vf.index >= NVQ) {
		must_fail(s, "NET_SET_BACKEND", ret, "no such queue");
		return;
	}
	vq = &s->vq[vf.index];
	if (!is_real && f->kind != FZ_K_NONE) {
		must_fail(s, "NET_SET_BACKEND", ret, f->what);
		return;
	}
	if (is_real && !ret && s->table_bad && uva_mode(s)) {
		fz_fail(s, "NET_SET_BACKEND started vq %u on a memory table with non-user memory",
		     vf.index);
		return;
	}
	if (is_real && !ret && vq->ring_bad && uva_mode(s)) {
		fz_fail(s, "NET_SET_BACKEND started vq %u with rings outside user memory", vf.index);
		return;
	}
	/* The kernel's vhost checks the rings even to detach: -EFAULT is fair. */
	if (f->kind == FZ_K_NONE && ret && ret != -EFAULT)
		fz_fail(s, "NET_SET_BACKEND -1 (detach): %s", strerror(-ret));
	if (ret)
		return;
	s->stats->backend_ok += is_real;
	vq->has_backend = is_real;
	if (is_real) {
		vq->ever_backend = true;
		vq->base_known = false;
	}
	vq_forget(vq);
}

/* Calls no vhost device knows: refused (owner check, queue index or unknown). */
static void op_unknown(struct fz_net *s)
{
	unsigned int nr = 0x90 + fz_below(&s->r, 0x70);
	unsigned int dir = fz_below(&s->r, 4), size = fz_below(&s->r, 256);
	unsigned long req = _IOC(dir, VHOST_VIRTIO, nr, size);
	void *arg = fz_arena + FZ_RING_AREA + fz_below(&s->r, FZ_BUF_AREA - 256);
	int ret = call(s, "unknown ioctl", req, arg);

	/* The kernel's vhost reads a queue index first: ENOBUFS, EFAULT happen. */
	if (ret != -ENOTTY && ret != -EPERM && ret != -EINVAL && ret != -ENOBUFS && ret != -EFAULT)
		fz_fail(s, "unknown ioctl %#lx: %s, want ENOTTY", req, ret ? strerror(-ret) : "success");
}

/* read/write/poll: IOTLB messages where the device speaks them, else refused. */
static void op_rw(struct fz_net *s)
{
	static const uint64_t types[] = { VHOST_IOTLB_MISS, VHOST_IOTLB_UPDATE,
					  VHOST_IOTLB_INVALIDATE, VHOST_IOTLB_ACCESS_FAIL,
					  VHOST_IOTLB_BATCH_BEGIN, VHOST_IOTLB_BATCH_END, 0, 7 };
	uint8_t *buf = fz_arena + FZ_RING_AREA + FZ_BUF_AREA - 512;
	struct vhost_msg_v2 msg = { 0 };
	struct pollfd p = { .fd = s->fd, .events = POLLIN | POLLOUT };
	uint64_t size = fz_size(&s->r);
	int fl;
	ssize_t n;

	msg.type = fz_chance(&s->r, 70) ? VHOST_IOTLB_MSG_V2 : (uint32_t)fz_next(&s->r);
	msg.asid = fz_chance(&s->r, 80) ? 0 : (uint32_t)fz_next(&s->r);
	msg.iotlb.iova = fz_gpa(&s->r);
	msg.iotlb.uaddr = fz_uaddr(&s->r);
	if (msg.iotlb.uaddr + (size ? size - 1 : 0) < msg.iotlb.uaddr)
		size = ~0ULL - msg.iotlb.uaddr;
	fz_region_fix(msg.iotlb.iova, &size, msg.iotlb.uaddr);
	msg.iotlb.size = size;
	msg.iotlb.perm = fz_below(&s->r, 5);
	msg.iotlb.type = FZ_PICK(&s->r, types);
	memcpy(buf, &msg, sizeof(msg));
	s->hostile = true;		/* IOTLB updates move what addresses mean */
	s->stats->calls++;
	n = write(s->fd, buf, fz_chance(&s->r, 85) ? sizeof(msg) : fz_below(&s->r, 100));
	if (n < 0 && !fz_errno_ok(errno))
		fz_fail(s, "write: errno %d", errno);
	fl = fcntl(s->fd, F_GETFL);
	if (fl >= 0 && !fcntl(s->fd, F_SETFL, fl | O_NONBLOCK)) {
		n = read(s->fd, buf, fz_below(&s->r, 2) ? sizeof(msg) : 1);
		if (n < 0 && !fz_errno_ok(errno))
			fz_fail(s, "read: errno %d", errno);
		fcntl(s->fd, F_SETFL, fl);
	}
	poll(&p, 1, 0);
}

/* ---- guest side: rings ------------------------------------------------- */

static uint64_t to_gpa(struct fz_net *s, const void *p)
{
	return s->gpa_base + (uint64_t)((const uint8_t *)p - fz_arena);
}

/* Look at what the device put in the used ring: only heads we gave it. */
static void check_used(struct fz_net *s, unsigned int idx)
{
	struct fz_vq *vq = &s->vq[idx];
	struct vring_used *u = (void *)(uintptr_t)vq->used;
	uint16_t now, fresh;

	if (!vq->clean || s->hostile)
		return;
	now = __atomic_load_n(&u->idx, __ATOMIC_ACQUIRE);
	fresh = now - vq->used_seen;
	if (fresh > (uint16_t)(vq->avail_idx - vq->used_seen)) {
		fz_fail(s, "vq %u: used idx moved by %u with %u buffers outstanding", idx, fresh,
		     (uint16_t)(vq->avail_idx - vq->used_seen));
		return;
	}
	for (uint16_t i = 0; i < fresh; i++) {
		struct vring_used_elem e = u->ring[(uint16_t)(vq->used_seen + i) % vq->num];

		if (e.id >= vq->num || !vq->out[e.id]) {
			fz_fail(s, "vq %u: used ring holds head %u, which we never made available",
			     idx, e.id);
			return;
		}
		if (idx == 0 && e.len > vq->out_len[e.id]) {
			fz_fail(s, "vq %u: used len %u for a %u-byte buffer", idx, e.len,
			     vq->out_len[e.id]);
			return;
		}
		vq->out[e.id] = 0;
		vq->used_total++;
		s->stats->used++;
	}
	vq->used_seen = now;
}

/* Well-formed single-buffer chains, RX writable, TX a header and a frame. */
static void fill_clean(struct fz_net *s, unsigned int idx)
{
	struct fz_vq *vq = &s->vq[idx];
	struct vring_desc *d = (void *)(uintptr_t)vq->desc;
	struct vring_avail *a = (void *)(uintptr_t)vq->avail;
	unsigned int slot = FZ_BUF_AREA / NVQ / vq->num;
	unsigned int want = 1 + fz_below(&s->r, vq->num);

	check_used(s, idx);
	for (unsigned int head = 0; head < vq->num && want; head++) {
		uint8_t *buf;
		uint32_t len;

		if (vq->out[head] || (uint16_t)(vq->avail_idx - vq->used_seen) >= vq->num)
			continue;
		buf = fz_arena + FZ_RING_AREA + idx * (FZ_BUF_AREA / NVQ) + head * slot;
		len = s->fill_len && s->fill_len <= slot ? s->fill_len : 1 + fz_below(&s->r, slot);
		if (idx == 1) {
			memset(buf, 0, 12);
			if (len > 26)
				memset(buf + 12, 0xff, 6);
		}
		d[head].addr = to_gpa(s, buf);
		d[head].len = len;
		d[head].flags = idx == 0 ? VRING_DESC_F_WRITE : 0;
		d[head].next = 0;
		vq->out[head] = 1;
		vq->out_len[head] = len;
		a->ring[vq->avail_idx % vq->num] = head;
		vq->avail_idx++;
		want--;
	}
	__atomic_store_n(&a->idx, vq->avail_idx, __ATOMIC_RELEASE);
}

/* Whatever a hostile guest may write (fz_ring_hostile): no oracle then. */
static void fill_hostile(struct fz_net *s, unsigned int idx)
{
	struct fz_vq *vq = &s->vq[idx];

	vq->clean = false;
	s->hostile = true;
	fz_ring_hostile(&s->r, vq->num, vq->desc, vq->avail, vq->used, &vq->avail_idx,
			s->gpa_base);
}

/* Set up a queue the way QEMU does, starting a "clean" epoch. */
static void op_clean_queue(struct fz_net *s, unsigned int idx)
{
	static const enum fz_kind real[] = { FZ_K_TAP, FZ_K_TAP, FZ_K_MACVTAP, FZ_K_PACKET };
	struct fz_vq *vq = &s->vq[idx];
	struct vhost_vring_state st = { .index = idx, .num = s->plain ? 256 :
					1u << (2 + fz_below(&s->r, 7)) };
	struct vhost_vring_addr a = { .index = idx };
	struct vhost_vring_file vf = { .index = idx, .fd = -1 };
	const struct fz_fd *f;
	int ret;

	if (s->owner != FZ_OWNER_US || !s->table_sane || s->table_bad)
		return;
	if (vq->has_backend && call(s, "NET_SET_BACKEND", VHOST_NET_SET_BACKEND, &vf))
		return;
	vq->has_backend = false;
	if (call(s, "SET_VRING_NUM", VHOST_SET_VRING_NUM, &st))
		return;
	vq->num = st.num;
	layout(s, idx, &a);
	if (call(s, "SET_VRING_ADDR", VHOST_SET_VRING_ADDR, &a))
		return;
	vq->addr_set = true;
	vq->desc = a.desc_user_addr;
	vq->avail = a.avail_user_addr;
	vq->used = a.used_user_addr;
	vq_recheck(vq);
	st.num = 0;
	if (call(s, "SET_VRING_BASE", VHOST_SET_VRING_BASE, &st))
		return;
	vq->base_known = !vq->ever_backend;
	vq->base = 0;
	f = fz_env_fd(s->env, &s->r, FZ_K_EVENTFD);
	vf.fd = f->fd;
	if (!call(s, "SET_VRING_KICK", VHOST_SET_VRING_KICK, &vf))
		vq->kick = f->fd;
	vf.fd = fz_env_fd(s->env, &s->r, FZ_K_EVENTFD)->fd;
	call(s, "SET_VRING_CALL", VHOST_SET_VRING_CALL, &vf);
	memset((void *)(uintptr_t)vq->desc, 0, desc_bytes(vq->num));
	memset((void *)(uintptr_t)vq->avail, 0, avail_bytes(vq->num));
	memset((void *)(uintptr_t)vq->used, 0, used_bytes(vq->num));
	memset(vq->out, 0, sizeof(vq->out));
	vq->avail_idx = vq->used_seen = 0;
	f = fz_env_fd(s->env, &s->r, real[fz_below(&s->r, 4)]);
	vf.fd = s->plain ? s->backend[idx] : f->fd;
	ret = call(s, "NET_SET_BACKEND", VHOST_NET_SET_BACKEND, &vf);
	if (ret == -ENOTTY || ret == -EOPNOTSUPP)
		s->stats->backend_unsupported++;
	if (ret)
		return;
	s->stats->backend_ok++;
	vq->has_backend = true;
	vq->ever_backend = true;
	vq->base_known = false;
	vq->clean = vq->layout_ok;
}

void fz_net_traffic(struct fz_net *s)
{
	unsigned int idx = fz_below(&s->r, NVQ);
	struct fz_vq *vq = &s->vq[idx];
	uint64_t one = 1;

	if (vq->layout_ok && s->table_sane) {
		if (vq->clean && !s->hostile && fz_chance(&s->r, 92))
			fill_clean(s, idx);
		else
			fill_hostile(s, idx);
	} else if (vq->layout_ok && fz_chance(&s->r, 50)) {
		fill_hostile(s, idx);
	}
	if (vq->kick >= 0 && write(vq->kick, &one, sizeof(one)) < 0)
		one = 0;
	if (idx == 0 || fz_chance(&s->r, 30))
		fz_burst(s->env, &s->r, 1 + fz_below(&s->r, 32));
	if (fz_chance(&s->r, 30))
		usleep(fz_below(&s->r, 2000));
	check_used(s, idx);
}

/* Well-formed traffic and no calls on the device: fine from another thread. */
void fz_net_pump(struct fz_net *s)
{
	uint64_t one = 1;

	for (unsigned int idx = 0; idx < NVQ; idx++) {
		struct fz_vq *vq = &s->vq[idx];

		if (!vq->clean || s->hostile)
			continue;
		fill_clean(s, idx);
		if (vq->kick >= 0 && write(vq->kick, &one, sizeof(one)) < 0)
			one = 1;
	}
	fz_burst(s->env, &s->r, 1 + fz_below(&s->r, 16));
	for (unsigned int idx = 0; idx < NVQ; idx++)
		check_used(s, idx);
}

/*
 * Another process with the same file: it is not the owner, so it gets
 * -EPERM; or, when nobody owns the device, it takes it and dies with it
 * (killed or exiting) while traffic may be flowing.
 */
static void op_child(struct fz_net *s)
{
	int p[2], status, take = s->owner == FZ_OWNER_NONE && fz_chance(&s->r, 60);
	uint64_t cseed = fz_next(&s->r);
	char why[200] = "";
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return;
	}
	if (!pid) {
		struct fz_net c = *s;
		struct fz_stats st = { 0 };

		close(p[0]);
		c.stats = &st;
		c.failed = 0;
		c.depth = 1;
		c.forbid_owner = !take;
		c.owner = take ? FZ_OWNER_NONE :
			  s->owner == FZ_OWNER_NONE ? FZ_OWNER_NONE : FZ_OWNER_OTHER;
		fz_seed(&c.r, cseed, 1);
		if (take)
			op_set_owner(&c);
		for (int i = 0; i < 12 && !c.failed; i++)
			fz_net_op(&c);
		if (c.failed && write(p[1], c.why, strlen(c.why)) < 0)
			_exit(3);
		_exit(c.failed ? 1 : 0);
	}
	close(p[1]);
	if (fz_chance(&s->r, 40)) {
		usleep(fz_below(&s->r, 3000));
		kill(pid, SIGKILL);
	}
	waitpid(pid, &status, 0);
	if (read(p[0], why, sizeof(why) - 1) > 0)
		fz_fail(s, "child: %s", why);
	else if (WIFEXITED(status) && WEXITSTATUS(status))
		fz_fail(s, "child exited with %d", WEXITSTATUS(status));
	close(p[0]);
	s->stats->children++;
	s->acked_known = false;		/* anyone may SET_FEATURES */
	s->hostile = true;		/* and write into the shared arena */
	/*
	 * The child may have taken the device (and died with it) or been
	 * killed before it could: ask the device, by trying to take it.
	 */
	if (take) {
		vq_reset_all(s);
		s->table_bad = s->table_sane = false;
		s->table_maybe = true;
		s->owner = call(s, "SET_OWNER", VHOST_SET_OWNER, NULL) ? FZ_OWNER_OTHER
								       : FZ_OWNER_US;
	}
}

void fz_net_op(struct fz_net *s)
{
	unsigned int p = fz_below(&s->r, 1000);

	s->stats->ops++;
	if (p < 40)
		op_set_owner(s);
	else if (p < 55)
		op_reset_owner(s);
	else if (p < 95)
		op_features(s);
	else if (p < 110)
		op_abi(s);
	else if (p < 125)
		op_backend_features(s);
	else if (p < 210)
		op_mem_table(s);
	else if (p < 280)
		op_vring_num(s);
	else if (p < 370)
		op_vring_addr(s);
	else if (p < 430)
		op_vring_base(s);
	else if (p < 520)
		op_vring_fd(s);
	else if (p < 540)
		op_busyloop(s);
	else if (p < 560)
		op_log(s);
	else if (p < 650)
		op_backend(s);
	else if (p < 670)
		op_unknown(s);
	else if (p < 690)
		op_rw(s);
	else if (p < 720)
		op_clean_queue(s, fz_below(&s->r, NVQ));
	else if (p < 985)
		fz_net_traffic(s);
	else if (s->depth == 0)
		op_child(s);
}

/* The usual start (owner, features, guest memory, both queues), often. */
void fz_net_setup(struct fz_net *s)
{
	uint64_t f;

	op_set_owner(s);
	if (!call(s, "GET_FEATURES", VHOST_GET_FEATURES, &f)) {
		s->features = f;
		s->features_known = true;
		/* Our rings: split, heads in any order; op_features may switch. */
		f &= ~(1ULL << VHOST_F_LOG_ALL_BIT | FZ_NO_ORACLE);
		/*
		 * Plain: the tap writes the virtio-net header itself, as with
		 * QEMU; were vhost to add one as well, every received frame
		 * would be longer than peeked and dropped.
		 */
		if (s->plain)
			f &= ~(1ULL << VIRTIO_F_ACCESS_PLATFORM |
			       1ULL << VHOST_NET_F_VIRTIO_NET_HDR);
		else if (fz_chance(&s->r, 50))
			f &= fz_next(&s->r);
		if (!call(s, "SET_FEATURES", VHOST_SET_FEATURES, &f)) {
			s->acked = f;
			s->acked_known = true;
		}
	}
	if (s->plain) {
		struct vhost_memory *m = s->membuf;

		memset(m, 0, sizeof(*m) + sizeof(m->regions[0]));
		m->nregions = 1;
		m->regions[0].memory_size = FZ_ARENA_SIZE;
		m->regions[0].userspace_addr = (uint64_t)(uintptr_t)fz_arena;
		s->gpa_base = 0;
		s->table_sane = !call(s, "SET_MEM_TABLE", VHOST_SET_MEM_TABLE, m);
	}
	for (int i = 0; i < 20 && !s->table_sane && !s->failed; i++)
		op_mem_table(s);
	op_clean_queue(s, 0);
	op_clean_queue(s, 1);
}

/* A fresh state on an open device (@fd, or a new open when @fd < 0). */
int fz_net_open(struct fz_net *s, struct fz_env *env, struct fz_stats *stats,
		uint64_t seed, uint64_t seq, int fd)
{
	memset(s, 0, sizeof(*s));
	s->env = env;
	s->stats = stats;
	s->membuf = calloc(1, sizeof(struct vhost_memory) +
			      (max_regions + 1) * sizeof(struct vhost_memory_region));
	if (!s->membuf)
		return -ENOMEM;
	vq_reset_all(s);
	fz_seed(&s->r, seed, seq);
	s->acked_known = fd < 0;	/* a fresh open has nothing acked */
	s->fd = fd >= 0 ? fd : open(fz_net_dev(), O_RDWR | O_CLOEXEC);
	if (s->fd < 0) {
		free(s->membuf);
		s->membuf = NULL;
		return -errno;
	}
	return 0;
}

int fz_net_sequence(struct fz_net *s, struct fz_env *env, struct fz_stats *stats,
		    uint64_t seed, uint64_t seq)
{
	unsigned int nops;
	int fd2 = -1, ret;

	ret = fz_net_open(s, env, stats, seed, seq, -1);
	if (ret)
		return ret;
	stats->sequences++;
	if (fz_chance(&s->r, 75))
		fz_net_setup(s);
	nops = 8 + fz_below(&s->r, 80);
	for (unsigned int i = 0; i < nops && !s->failed; i++) {
		fz_net_op(s);
		if (fz_chance(&s->r, 1)) {	/* the same file under another number */
			fd2 = dup(s->fd);
			if (fd2 >= 0) {
				close(s->fd);
				s->fd = fd2;
			}
		}
	}
	/* Close while kicks and frames may still be in flight. */
	close(s->fd);
	free(s->membuf);
	return 0;
}
