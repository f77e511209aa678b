/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace environment for the vhostx ring core (drivers/vhost/core/ring.c and
 * mem.c, compiled unchanged; they include it instead of the kernel's
 * drivers/vhost/core/vhostx_env.h). "User addresses" are plain pointers into one
 * fake guest memory image: the flat image behind the core's user-memory
 * accessors. Every guest access made by the ring core goes
 * through vx_uaccess(), which enforces the fuzzing invariants:
 *
 *   - an access outside the image, or outside the allowed read/write
 *     ranges the harness declared, is a bug: report and abort();
 *   - an access touching a declared fault range fails with -EFAULT, like
 *     a user page that was unmapped behind our back.
 */
#ifndef _RINGTEST_ENV_H
#define _RINGTEST_ENV_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <vhostx/ring.h>	/* the basic types */

#ifndef __always_inline
#define __always_inline	inline __attribute__((__always_inline__))
#endif
#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif

#define min_t(type, x, y) ({ type __a = (x), __b = (y); __a < __b ? __a : __b; })
#define BUILD_BUG_ON(c)	((void)sizeof(char[1 - 2 * !!(c)]))

/* Consumes the trailing semicolon, exports nothing. */
#define VX_EXPORT(sym)	extern __typeof__(sym) sym

#define vx_rmb()	__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define vx_wmb()	__atomic_thread_fence(__ATOMIC_RELEASE)
#define vx_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)

#define VX_READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define VX_WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

static inline u16 vx16_to_cpu(__virtio16 v) { return le16toh(v); }
static inline u32 vx32_to_cpu(__virtio32 v) { return le32toh(v); }
static inline u64 vx64_to_cpu(__virtio64 v) { return le64toh(v); }
static inline __virtio16 cpu_to_vx16(u16 v) { return htole16(v); }
static inline __virtio32 cpu_to_vx32(u32 v) { return htole32(v); }

#define VX_ENV_MAX_RANGES	16

struct vx_env_range {
	uintptr_t start;
	uintptr_t end;		/* exclusive */
};

/*
 * The one environment instance (tests are single-threaded). Zero ranges
 * in a list mean "anywhere in the image".
 */
struct vx_env {
	unsigned char *base;
	size_t size;
	struct vx_env_range rd[VX_ENV_MAX_RANGES];
	unsigned int nrd;
	struct vx_env_range wr[VX_ENV_MAX_RANGES];
	unsigned int nwr;
	struct vx_env_range fault[VX_ENV_MAX_RANGES];
	unsigned int nfault;
	/* successful writes since the harness last looked (dirty-log check) */
	struct vx_env_range wlog[VX_ENV_MAX_RANGES];
	unsigned int nwlog;
	bool wlog_lost;		/* more writes than wlog holds */
	unsigned long reads;
	unsigned long writes;
	unsigned long faults;
	unsigned long errs;	/* vx_ring_err() calls */
	bool verbose;
	char last_err[160];
};

extern struct vx_env vx_env;

void vx_env_violation(const char *what, const void *p, size_t n);

/* Forget ranges and counters, keep verbosity. */
static inline void vx_env_reset(unsigned char *base, size_t size)
{
	bool verbose = vx_env.verbose;

	memset(&vx_env, 0, sizeof(vx_env));
	vx_env.verbose = verbose;
	vx_env.base = base;
	vx_env.size = size;
}

static inline void vx_env_add(struct vx_env_range *list, unsigned int *n,
			      const void *p, size_t len)
{
	if (*n >= VX_ENV_MAX_RANGES)
		abort();
	list[*n].start = (uintptr_t)p;
	list[*n].end = (uintptr_t)p + len;
	(*n)++;
}

#define vx_env_allow_read(p, len)	vx_env_add(vx_env.rd, &vx_env.nrd, p, len)
#define vx_env_allow_write(p, len)	vx_env_add(vx_env.wr, &vx_env.nwr, p, len)
#define vx_env_add_fault(p, len)	vx_env_add(vx_env.fault, &vx_env.nfault, p, len)

/* Is every byte of [a, e) inside the union of the ranges? */
static inline bool vx_env_covered(const struct vx_env_range *l, unsigned int n,
				  uintptr_t a, uintptr_t e)
{
	while (a < e) {
		unsigned int i;

		for (i = 0; i < n; i++)
			if (a >= l[i].start && a < l[i].end)
				break;
		if (i == n)
			return false;
		a = l[i].end < e ? l[i].end : e;
	}
	return true;
}

static inline int vx_uaccess(const void *p, size_t n, bool write)
{
	uintptr_t a = (uintptr_t)p, base = (uintptr_t)vx_env.base;
	unsigned int i;

	if (!n)
		return 0;
	if (a < base || a - base > vx_env.size || n > vx_env.size - (a - base))
		vx_env_violation("access outside guest image", p, n);
	for (i = 0; i < vx_env.nfault; i++) {
		if (a < vx_env.fault[i].end && a + n > vx_env.fault[i].start) {
			vx_env.faults++;
			return -EFAULT;
		}
	}
	if (write) {
		if (vx_env.nwr && !vx_env_covered(vx_env.wr, vx_env.nwr, a, a + n))
			vx_env_violation("write outside allowed ranges", p, n);
		vx_env.writes++;
		if (vx_env.nwlog < VX_ENV_MAX_RANGES) {
			vx_env.wlog[vx_env.nwlog].start = a;
			vx_env.wlog[vx_env.nwlog].end = a + n;
			vx_env.nwlog++;
		} else {
			vx_env.wlog_lost = true;
		}
	} else {
		if (vx_env.nrd && !vx_env_covered(vx_env.rd, vx_env.nrd, a, a + n))
			vx_env_violation("read outside allowed ranges", p, n);
		vx_env.reads++;
	}
	return 0;
}

#define vx_get(x, ptr) ({						\
	__typeof__(*(ptr)) __vx_v;					\
	int __vx_e = vx_uaccess((ptr), sizeof(__vx_v), false);		\
	memset(&__vx_v, 0, sizeof(__vx_v));				\
	if (!__vx_e)							\
		memcpy(&__vx_v, (const void *)(ptr), sizeof(__vx_v));	\
	(x) = __vx_v;							\
	__vx_e;								\
})

#define vx_put(x, ptr) ({						\
	__typeof__(*(ptr)) __vx_v = (x);				\
	int __vx_e = vx_uaccess((ptr), sizeof(__vx_v), true);		\
	if (!__vx_e)							\
		memcpy((void *)(ptr), &__vx_v, sizeof(__vx_v));		\
	__vx_e;								\
})

static inline int vx_copy_from(void *dst, const void *src, size_t len)
{
	int e = vx_uaccess(src, len, false);

	if (!e && len)
		memcpy(dst, src, len);
	return e;
}

static inline int vx_copy_to(void *dst, const void *src, size_t len)
{
	int e = vx_uaccess(dst, len, true);

	if (!e && len)
		memcpy(dst, src, len);
	return e;
}

static inline int vx_read_desc(struct vring_desc *d, const struct vring_desc *p)
{
	return vx_copy_from(d, p, sizeof(*d));
}

/* The image is the whole "user address space". */
static inline bool vx_access_ok(u64 addr, u64 size)
{
	u64 base = (uintptr_t)vx_env.base;

	return addr >= base && addr - base <= vx_env.size &&
	       size <= vx_env.size - (addr - base);
}

static inline void *vx_uptr(u64 addr)
{
	return (void *)(uintptr_t)addr;
}

#define vx_ring_err(fmt, ...) do {					\
	vx_env.errs++;							\
	snprintf(vx_env.last_err, sizeof(vx_env.last_err), fmt, ##__VA_ARGS__); \
	if (vx_env.verbose)						\
		fprintf(stderr, "vhostx: %s\n", vx_env.last_err);	\
} while (0)

static inline void *vx_alloc(size_t size)
{
	return malloc(size);
}

static inline void vx_free(void *p)
{
	free(p);
}

#endif /* _RINGTEST_ENV_H */
