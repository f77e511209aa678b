/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel environment for the vhostx ring core.
 *
 * ring.c and mem.c, and only they, include this small set of static
 * inlines and macros; the very same files also build in userspace against
 * tools/ringtest/ringtest_env.h. These are the user-memory accessors (see
 * <vhostx/ring.h>): guest ring and table accesses are plain user accesses,
 * as the worker runs with the owner's mm, and every address was checked
 * with access_ok() when it was configured (the accessors below check
 * again, which is cheap). Rings with an accessor of their owner's do not
 * use them.
 */
#ifndef _VHOSTX_ENV_H
#define _VHOSTX_ENV_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/virtio_types.h>
#include <uapi/linux/virtio_ring.h>
#include <asm/barrier.h>
#include <vhostx/ring.h>

/* Exported to the device modules (vhostx_net, vhostx_vdpa). */
#define VX_EXPORT(sym)		EXPORT_SYMBOL_GPL(sym)

/*
 * Ordering against the guest, which runs on another CPU. Each use in
 * ring.c says which guest access it pairs with.
 */
/* read ring slots after the avail index that covers them */
#define vx_rmb()		smp_rmb()
/* write used elements before the used index that covers them */
#define vx_wmb()		smp_wmb()
/* publish our index or flags before reading the guest's */
#define vx_mb()			smp_mb()

#define VX_READ_ONCE(x)		READ_ONCE(x)
#define VX_WRITE_ONCE(x, v)	WRITE_ONCE(x, v)

/* VERSION_1 rings are little-endian. */
static inline u16 vx16_to_cpu(__virtio16 v)
{
	return le16_to_cpu((__force __le16)v);
}

static inline u32 vx32_to_cpu(__virtio32 v)
{
	return le32_to_cpu((__force __le32)v);
}

static inline u64 vx64_to_cpu(__virtio64 v)
{
	return le64_to_cpu((__force __le64)v);
}

static inline __virtio16 cpu_to_vx16(u16 v)
{
	return (__force __virtio16)cpu_to_le16(v);
}

static inline __virtio32 cpu_to_vx32(u32 v)
{
	return (__force __virtio32)cpu_to_le32(v);
}

/*
 * Guest memory accessors. All return 0 or -EFAULT. vx_get/vx_put take an
 * lvalue and a typed user pointer, like get_user()/put_user().
 */
#define vx_get(x, ptr)		get_user(x, ptr)
#define vx_put(x, ptr)		put_user(x, ptr)

static inline int vx_copy_from(void *dst, const void __user *src, size_t len)
{
	return copy_from_user(dst, src, len) ? -EFAULT : 0;
}

static inline int vx_copy_to(void __user *dst, const void *src, size_t len)
{
	return copy_to_user(dst, src, len) ? -EFAULT : 0;
}

/*
 * Read one 16-byte descriptor with a single user-access section (two
 * 8-byte loads; the source may be unaligned inside an indirect table).
 */
static inline int vx_read_desc(struct vring_desc *d, const struct vring_desc __user *p)
{
	const u64 __user *src = (const u64 __user *)p;
	u64 *dst = (u64 *)(void *)d;

	if (!user_read_access_begin(p, sizeof(*p)))
		return -EFAULT;
	unsafe_get_user(dst[0], &src[0], efault);
	unsafe_get_user(dst[1], &src[1], efault);
	user_read_access_end();
	return 0;
efault:
	user_read_access_end();
	return -EFAULT;
}

/* Is [addr, addr + size) a valid user range? size may be 0. */
static inline bool vx_access_ok(u64 addr, u64 size)
{
	if (addr != (unsigned long)addr || size != (unsigned long)size)
		return false;
	return access_ok((void __user *)(unsigned long)addr, (unsigned long)size);
}

static inline void __user *vx_uptr(u64 addr)
{
	return (void __user *)(unsigned long)addr;
}

/* Rate-limited report of a guest error. */
#define vx_ring_err(fmt, ...)	pr_err_ratelimited("vhostx: " fmt "\n", ##__VA_ARGS__)

/* Memory table allocation (may be large: up to 64k regions). */
static inline void *vx_alloc(size_t size)
{
	return kvmalloc(size, GFP_KERNEL_ACCOUNT);
}

static inline void vx_free(void *p)
{
	kvfree(p);
}

#endif /* _VHOSTX_ENV_H */
