// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhostx generic ioctls: the device-wide and per-queue calls of
 * <linux/vhost.h> with the semantics and errno values userspace (QEMU,
 * DPDK virtio-user, libvirt) knows from the kernel's vhost.
 *
 * Everything arriving here is untrusted: copy once, validate, then act.
 */
#include <linux/file.h>
#include <linux/nospec.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vhost.h>
#include <linux/virtio_ring.h>
#include <vhostx/abi.h>
#include "vhost_internal.h"

/*
 * Could every running queue that logs everything (VHOST_F_LOG_ALL acked,
 * or @log_all) log writes to @mem? The used ring is checked elsewhere.
 */
static bool vhostx_log_mem_ok(struct vhostx_dev *dev, struct vhostx_mem *mem,
			      bool log_all)
{
	unsigned int i;
	bool ok = true;

	lockdep_assert_held(&dev->mutex);
	for (i = 0; i < dev->nvqs && ok; i++) {
		struct vhostx_vq *vq = dev->vqs[i];

		mutex_lock(&vq->mutex);
		/* A stopped queue is checked when its backend is set. */
		if (vq->private_data &&
		    (log_all || vhostx_vq_has_feature(vq, VHOST_F_LOG_ALL)))
			ok = vhostx_vq_log_access_ok(vq, mem, vq->log_base, false, 0);
		mutex_unlock(&vq->mutex);
	}
	return ok;
}

/*
 * VHOST_SET_FEATURES. VIRTIO_F_ACCESS_PLATFORM switches every queue to a
 * new, empty device IOTLB, every time, as the kernel's vhost-net does:
 * QEMU acks the features again at each start of the device and does not
 * forward the vIOMMU's unmaps while it is stopped, so what was cached
 * before may be stale. Without it they translate through the memory table.
 */
int vhostx_set_features(struct vhostx_dev *dev, u64 features)
{
	struct vhost_iotlb *iotlb = NULL;
	unsigned int i;

	lockdep_assert_held(&dev->mutex);
	if (features & ~dev->features_supported)
		return -EOPNOTSUPP;
	/* The ring layout cannot change under a running queue. */
	if ((features ^ dev->features) & BIT_ULL(VIRTIO_F_RING_PACKED)) {
		for (i = 0; i < dev->nvqs; i++)
			if (READ_ONCE(dev->vqs[i]->private_data))
				return -EBUSY;
	}
	/* As the kernel's vhost-net: logging must be possible on running queues. */
	if ((features & BIT_ULL(VHOST_F_LOG_ALL)) &&
	    !vhostx_log_mem_ok(dev, dev->mem, true))
		return -EFAULT;
	if (features & BIT_ULL(VIRTIO_F_ACCESS_PLATFORM)) {
		iotlb = vhostx_devtlb_alloc();
		if (!iotlb)
			return -ENOMEM;
	}
	vhostx_dev_lock_vqs(dev);
	if (iotlb != dev->iotlb)
		vhostx_devtlb_replace(dev, iotlb);
	for (i = 0; i < dev->nvqs; i++) {
		struct vhostx_vq *vq = dev->vqs[i];

		vq->acked_features = features;
		vhostx_vq_apply_features(vq);
		/* A queue parked on a miss that was just forgotten misses again. */
		if (iotlb && vq->private_data)
			vhostx_poll_queue(&vq->poll);
	}
	vhostx_dev_unlock_vqs(dev);
	dev->features = features;
	return 0;
}

/*
 * VHOST_SET_MEM_TABLE: build and check a new table, point every queue at
 * it under its mutex (the only place the table is read), then free the
 * old one once the worker has been through a flush.
 */
static long vhostx_set_mem_table(struct vhostx_dev *dev,
				 struct vhost_memory __user *argp)
{
	struct vhost_memory_region *uregions;
	struct vhostx_mem_region *regions;
	struct vhostx_mem *mem, *old;
	struct vhost_memory hdr;
	unsigned int i, n;
	long ret;

	lockdep_assert_held(&dev->mutex);
	if (copy_from_user(&hdr, argp, sizeof(hdr)))
		return -EFAULT;
	if (hdr.padding)
		return -EOPNOTSUPP;
	if (hdr.nregions > READ_ONCE(vhostx_max_mem_regions))
		return -E2BIG;
	n = hdr.nregions;

	uregions = kvmalloc_array(n ?: 1, sizeof(*uregions), GFP_KERNEL_ACCOUNT);
	if (!uregions)
		return -ENOMEM;
	regions = kvmalloc_array(n ?: 1, sizeof(*regions), GFP_KERNEL_ACCOUNT);
	if (!regions) {
		ret = -ENOMEM;
		goto out_uregions;
	}
	if (copy_from_user(uregions, argp->regions, array_size(n, sizeof(*uregions)))) {
		ret = -EFAULT;
		goto out_regions;
	}
	/* flags_padding carries no flags; the kernel's vhost ignores it too. */
	for (i = 0; i < n; i++) {
		regions[i].gpa = uregions[i].guest_phys_addr;
		regions[i].size = uregions[i].memory_size;
		regions[i].uaddr = uregions[i].userspace_addr;
		/* <linux/vhost_types.h>: 4K aligned addresses and sizes. */
		if ((regions[i].gpa | regions[i].size | regions[i].uaddr) &
		    (VHOST_PAGE_SIZE - 1)) {
			ret = -EINVAL;
			goto out_regions;
		}
	}
	ret = vhostx_mem_build(regions, n, &mem);
	if (ret) {
		/* The kernel's vhost says EFAULT for any bad region. */
		if (ret != -ENOMEM)
			ret = -EFAULT;
		goto out_regions;
	}
	/* Running queues that log everything must be able to log it all. */
	if (!vhostx_log_mem_ok(dev, mem, false)) {
		vhostx_mem_free(mem);
		ret = -EFAULT;
		goto out_regions;
	}

	old = dev->mem;
	dev->mem = mem;
	for (i = 0; i < dev->nvqs; i++) {
		mutex_lock(&dev->vqs[i]->mutex);
		dev->vqs[i]->ring.mem = mem;
		mutex_unlock(&dev->vqs[i]->mutex);
	}
	/* Readers hold a queue mutex; the flush is belt and braces. */
	vhostx_dev_flush(dev);
	vhostx_mem_free(old);
	ret = 0;

out_regions:
	kvfree(regions);
out_uregions:
	kvfree(uregions);
	return ret;
}

/* VHOST_SET_VRING_NUM and VHOST_SET_VRING_BASE: only while the queue is stopped. */
static long vhostx_vring_set_state(struct vhostx_vq *vq, unsigned int cmd,
				   struct vhost_vring_state __user *argp)
{
	struct vhost_vring_state s;

	lockdep_assert_held(&vq->mutex);
	/* Resizing or rebasing a running ring would confuse both sides. */
	if (vq->private_data)
		return -EBUSY;
	if (copy_from_user(&s, argp, sizeof(s)))
		return -EFAULT;
	if (cmd == VHOST_SET_VRING_NUM) {
		if (!s.num || s.num > 32768 || !is_power_of_2(s.num))
			return -EINVAL;
		vq->num = s.num;
		return 0;
	}
	/*
	 * The layout the acked features choose decides the encoding (packed:
	 * both sides' positions and wrap counters), the size set so far
	 * bounds the positions.
	 */
	vq->ring.num = vq->num;
	vhostx_vq_apply_features(vq);
	return vhostx_ring_set_base(&vq->ring, s.num);
}

static long vhostx_vring_set_addr(struct vhostx_vq *vq,
				  struct vhost_vring_addr __user *argp)
{
	struct vhost_vring_addr a;
	bool log_used;
	int ret;

	lockdep_assert_held(&vq->mutex);
	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~BIT(VHOST_VRING_F_LOG))
		return -EOPNOTSUPP;
	log_used = a.flags & BIT(VHOST_VRING_F_LOG);
	if ((u64)(unsigned long)a.desc_user_addr != a.desc_user_addr ||
	    (u64)(unsigned long)a.avail_user_addr != a.avail_user_addr ||
	    (u64)(unsigned long)a.used_user_addr != a.used_user_addr)
		return -EFAULT;
	/* The logged area is the used ring (packed: the descriptors). */
	if (!vhostx_vring_addr_aligned(&a, vhostx_vq_has_feature(vq, VIRTIO_F_RING_PACKED)) ||
	    (a.log_guest_addr & (VRING_USED_ALIGN_SIZE - 1)))
		return -EINVAL;
	if (vq->private_data) {
		/*
		 * Moving a running ring: the new place must be usable now
		 * (IOVAs: the IOTLB tells at use).
		 */
		ret = vhostx_vq_check_ring_addr(vq, a.desc_user_addr, a.avail_user_addr,
						a.used_user_addr);
		if (ret)
			return -EINVAL;
		/* Only the used ring's bitmap, as the kernel's vhost checks. */
		if (!vhostx_vq_log_access_ok(vq, NULL, vq->log_base, log_used,
					     a.log_guest_addr))
			return -EINVAL;
		vq->ring.desc = u64_to_user_ptr(a.desc_user_addr);
		vq->ring.avail = u64_to_user_ptr(a.avail_user_addr);
		vq->ring.used = u64_to_user_ptr(a.used_user_addr);
	}
	vq->desc_addr = a.desc_user_addr;
	vq->avail_addr = a.avail_user_addr;
	vq->used_addr = a.used_user_addr;
	vq->addr_set = true;
	vq->ring.log_used = log_used;
	vq->log_addr = a.log_guest_addr;
	return 0;
}

static long vhostx_vring_get_base(struct vhostx_vq *vq,
				  struct vhost_vring_state __user *argp)
{
	struct vhost_vring_state s = {
		.index = vq->index,
	};

	lockdep_assert_held(&vq->mutex);
	/*
	 * The worker holds the mutex for a whole run: this is a clean cut.
	 * Packed: both sides' positions and wrap counters.
	 */
	s.num = vhostx_ring_get_base(&vq->ring);
	if (copy_to_user(argp, &s, sizeof(s)))
		return -EFAULT;
	return 0;
}

/* Returns the previous kick file, for the caller to flush and put. */
static long vhostx_vring_set_kick(struct vhostx_vq *vq,
				  struct vhost_vring_file __user *argp,
				  struct file **oldp)
{
	struct vhost_vring_file f;
	struct file *file;
	long ret = 0;

	lockdep_assert_held(&vq->mutex);
	if (copy_from_user(&f, argp, sizeof(f)))
		return -EFAULT;
	file = f.fd == VHOST_FILE_UNBIND ? NULL : eventfd_fget(f.fd);
	if (IS_ERR(file))
		return PTR_ERR(file);
	if (file == vq->kick) {
		if (file)
			fput(file);
		return 0;
	}
	vhostx_poll_stop(&vq->poll);
	*oldp = vq->kick;
	vq->kick = file;
	if (file) {
		ret = vhostx_poll_start(&vq->poll, file);
		/* Kicks that came before the eventfd was known are lost: look. */
		if (!ret && vq->private_data)
			vhostx_poll_queue(&vq->poll);
	}
	return ret;
}

static long vhostx_vring_set_eventfd(struct vhostx_vq *vq,
				     struct vhost_vring_file __user *argp,
				     struct eventfd_ctx **slot)
{
	struct vhost_vring_file f;

	lockdep_assert_held(&vq->mutex);
	if (copy_from_user(&f, argp, sizeof(f)))
		return -EFAULT;
	return vhostx_eventfd_replace(slot, f.fd);
}

/**
 * vhostx_vring_ioctl() - per-queue ioctls
 * @dev: the device, mutex held, caller checked to be the owner
 * @cmd: the ioctl
 * @argp: its argument; every per-queue argument starts with the index
 *
 * Return: 0 or -errno; -ENOBUFS for a queue index out of range,
 * -ENOIOCTLCMD for a command that is not a queue command.
 */
long vhostx_vring_ioctl(struct vhostx_dev *dev, unsigned int cmd,
			void __user *argp)
{
	struct vhost_vring_state s;
	struct file *oldkick = NULL;
	struct vhostx_vq *vq;
	u32 idx;
	long ret;

	lockdep_assert_held(&dev->mutex);
	ret = vhostx_vring_index(argp, dev->nvqs, &idx);
	if (ret)
		return ret;
	vq = dev->vqs[idx];

	mutex_lock(&vq->mutex);
	switch (cmd) {
	case VHOST_SET_VRING_NUM:
	case VHOST_SET_VRING_BASE:
		ret = vhostx_vring_set_state(vq, cmd, argp);
		break;
	case VHOST_SET_VRING_ADDR:
		ret = vhostx_vring_set_addr(vq, argp);
		break;
	case VHOST_GET_VRING_BASE:
		ret = vhostx_vring_get_base(vq, argp);
		break;
	case VHOST_SET_VRING_KICK:
		ret = vhostx_vring_set_kick(vq, argp, &oldkick);
		break;
	case VHOST_SET_VRING_CALL:
		ret = vhostx_vring_set_eventfd(vq, argp, &vq->call_ctx);
		break;
	case VHOST_SET_VRING_ERR:
		ret = vhostx_vring_set_eventfd(vq, argp, &vq->err_ctx);
		break;
	case VHOST_SET_VRING_BUSYLOOP_TIMEOUT:
		if (copy_from_user(&s, argp, sizeof(s))) {
			ret = -EFAULT;
			break;
		}
		vq->busyloop_timeout = s.num;
		ret = 0;
		break;
	case VHOST_GET_VRING_BUSYLOOP_TIMEOUT:
		s.index = idx;
		s.num = vq->busyloop_timeout;
		ret = copy_to_user(argp, &s, sizeof(s)) ? -EFAULT : 0;
		break;
	default:
		ret = -ENOIOCTLCMD;
		break;
	}
	mutex_unlock(&vq->mutex);

	if (oldkick) {
		/* A run started by the old eventfd may still be going. */
		vhostx_dev_flush(dev);
		fput(oldkick);
	}
	return ret;
}

/*
 * VHOST_SET_LOG_BASE: every queue takes the new bitmap, except a running
 * one whose log it could not hold (EFAULT; that queue keeps its old base,
 * the others take the new one, as in the kernel's vhost).
 */
static long vhostx_set_log_base(struct vhostx_dev *dev, u64 __user *argp)
{
	void __user *base;
	unsigned int i;
	long ret = 0;
	u64 p;

	lockdep_assert_held(&dev->mutex);
	if (copy_from_user(&p, argp, sizeof(p)))
		return -EFAULT;
	if ((u64)(unsigned long)p != p)
		return -EFAULT;
	base = u64_to_user_ptr(p);
	for (i = 0; i < dev->nvqs; i++) {
		struct vhostx_vq *vq = dev->vqs[i];

		mutex_lock(&vq->mutex);
		if (vq->private_data &&
		    !vhostx_vq_log_access_ok(vq, vhostx_vq_has_feature(vq, VHOST_F_LOG_ALL) ?
					     dev->mem : NULL, base,
					     vq->ring.log_used, vq->log_addr))
			ret = -EFAULT;
		else
			vq->log_base = base;
		mutex_unlock(&vq->mutex);
	}
	return ret;
}

/* VHOST_SET_LOG_FD: the eventfd signalled after log writes, -1 for none. */
static long vhostx_set_log_fd(struct vhostx_dev *dev, int __user *argp)
{
	struct eventfd_ctx *ctx;
	unsigned int i;
	int fd;

	lockdep_assert_held(&dev->mutex);
	if (get_user(fd, argp))
		return -EFAULT;
	ctx = vhostx_eventfd_fdget(fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	swap(ctx, dev->log_ctx);
	for (i = 0; i < dev->nvqs; i++) {
		mutex_lock(&dev->vqs[i]->mutex);
		dev->vqs[i]->log_ctx = dev->log_ctx;
		mutex_unlock(&dev->vqs[i]->mutex);
	}
	/* No queue can use the old one any more: it was read under the mutex. */
	if (ctx)
		eventfd_ctx_put(ctx);
	return 0;
}

/**
 * vhostx_dev_ioctl() - the generic vhost ioctls
 * @dev: the device; the caller holds its mutex
 * @cmd: the ioctl
 * @argp: its user argument
 *
 * Feature calls (also as arrays), the worker mode calls and
 * VHOST_SET_OWNER work for anyone holding the file;
 * the other known commands need the caller to be the owner (-EPERM
 * otherwise, as in the kernel's vhost). Unknown commands are unknown to
 * everyone: -ENOIOCTLCMD (ENOTTY in userspace) even before SET_OWNER.
 * Device modules handle their own commands (VHOST_RESET_OWNER, backends)
 * before calling this.
 *
 * Return: 0 or -errno; -ENOIOCTLCMD for a command it does not know.
 */
long vhostx_dev_ioctl(struct vhostx_dev *dev, unsigned int cmd,
		      void __user *argp)
{
	u64 __user *featurep = argp;
	u64 features;
	long ret;

	lockdep_assert_held(&dev->mutex);
	switch (cmd) {
	case VHOST_GET_FEATURES:
		return put_user(dev->features_supported, featurep);
	case VHOST_SET_FEATURES:
		if (copy_from_user(&features, featurep, sizeof(features)))
			return -EFAULT;
		return vhostx_set_features(dev, features);
	case VHOST_GET_BACKEND_FEATURES:
		return put_user(dev->backend_features_supported, featurep);
	case VHOST_SET_BACKEND_FEATURES:
		if (copy_from_user(&features, featurep, sizeof(features)))
			return -EFAULT;
		if (features & ~dev->backend_features_supported)
			return -EOPNOTSUPP;
		dev->backend_features = features;
		return 0;
	case VHOST_SET_OWNER:
		return vhostx_dev_set_owner(dev);
	case VHOST_GET_FEATURES_ARRAY:
	case VHOST_SET_FEATURES_ARRAY:
	case VHOST_GET_FORK_FROM_OWNER:
	case VHOST_SET_FORK_FROM_OWNER:
		/* Newer than our uapi: vhost_abi.c. */
		return vhostx_abi_ioctl(dev, cmd, argp);
	}

	/* Commands unknown here are unknown to everyone, owner or not. */
	if (cmd != VHOST_SET_MEM_TABLE && cmd != VHOST_SET_LOG_BASE &&
	    cmd != VHOST_SET_LOG_FD && !vhostx_is_vring_ioctl(cmd) &&
	    cmd != VHOST_NEW_WORKER && cmd != VHOST_FREE_WORKER &&
	    cmd != VHOST_ATTACH_VRING_WORKER && cmd != VHOST_GET_VRING_WORKER)
		return -ENOIOCTLCMD;
	ret = vhostx_dev_check_owner(dev);
	if (ret)
		return ret;

	switch (cmd) {
	case VHOST_SET_MEM_TABLE:
		return vhostx_set_mem_table(dev, argp);
	case VHOST_SET_LOG_BASE:
		return vhostx_set_log_base(dev, argp);
	case VHOST_SET_LOG_FD:
		return vhostx_set_log_fd(dev, argp);
	case VHOST_NEW_WORKER:
	case VHOST_FREE_WORKER:
	case VHOST_ATTACH_VRING_WORKER:
	case VHOST_GET_VRING_WORKER:
		/* Newer than our uapi: <vhostx/abi.h>, vhost_worker.c. */
		return vhostx_worker_ioctl(dev, cmd, argp);
	default:
		return vhostx_vring_ioctl(dev, cmd, argp);
	}
}
EXPORT_SYMBOL_GPL(vhostx_dev_ioctl);
