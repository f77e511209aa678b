// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhostx device lifecycle: init at open(), owner (VHOST_SET_OWNER and the
 * reset that undoes it), cleanup at release(). The owner is the address
 * space (mm) of the process that called VHOST_SET_OWNER: every later
 * ioctl except the feature queries must come from it, and the worker
 * thread runs in it.
 */
#include <linux/atomic.h>
#include <linux/file.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include "vhost_internal.h"

static atomic_t vhostx_dev_ids = ATOMIC_INIT(0);

/**
 * vhostx_dev_init() - initialise a device and its queues at open()
 * @dev: the device (embedded in the device module's private data)
 * @vqs: its queues; each has handle_kick (and optionally name) set
 * @nvqs: number of queues
 * @features: feature bits VHOST_GET_FEATURES reports
 *
 * Allocates the per-queue scratch arrays the worker needs, so nothing on
 * the data path allocates.
 *
 * Return: 0 or -ENOMEM (nothing to undo then).
 */
int vhostx_dev_init(struct vhostx_dev *dev, struct vhostx_vq **vqs,
		    unsigned int nvqs, u64 features)
{
	unsigned int i;

	mutex_init(&dev->mutex);
	dev->mm = NULL;
	xa_init_flags(&dev->workers, XA_FLAGS_ALLOC);
	dev->owner_pid = 0;
	dev->vqs = vqs;
	dev->nvqs = nvqs;
	dev->mem = NULL;
	dev->features_supported = features;
	dev->features = 0;
	dev->backend_features_supported = 0;
	dev->backend_features = 0;
	dev->id = atomic_inc_return(&vhostx_dev_ids);
	dev->debugfs = NULL;
	vhostx_devtlb_init(dev);

	for (i = 0; i < nvqs; i++) {
		struct vhostx_vq *vq = vqs[i];

		vq->dev = dev;
		vq->index = i;
		mutex_init(&vq->mutex);
		vq->iov = kmalloc_array(VHOSTX_IOV_MAX, sizeof(*vq->iov),
					GFP_KERNEL_ACCOUNT);
		vq->heads = kmalloc_array(VHOSTX_HEADS_MAX, sizeof(*vq->heads),
					  GFP_KERNEL_ACCOUNT);
		if (!vq->iov || !vq->heads)
			goto err_free;
		vq->kick = NULL;
		vq->call_ctx = NULL;
		vq->err_ctx = NULL;
		vq->pbufs = NULL;
		vhostx_vq_reset(vq);
		RCU_INIT_POINTER(vq->worker, NULL);
		vhostx_poll_init(&vq->poll, vq->handle_kick, EPOLLIN, vq);
	}
	return 0;

err_free:
	/* vqs[i] may be half done: free it along with the ones before. */
	do {
		kfree(vqs[i]->iov);
		kfree(vqs[i]->heads);
		vqs[i]->iov = NULL;
		vqs[i]->heads = NULL;
	} while (i--);
	return -ENOMEM;
}
EXPORT_SYMBOL_GPL(vhostx_dev_init);

/**
 * vhostx_dev_free() - free what vhostx_dev_init() allocated
 * @dev: a device after vhostx_dev_cleanup()
 */
void vhostx_dev_free(struct vhostx_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nvqs; i++) {
		kfree(dev->vqs[i]->iov);
		kfree(dev->vqs[i]->heads);
		dev->vqs[i]->iov = NULL;
		dev->vqs[i]->heads = NULL;
	}
	/* Empty since vhostx_dev_cleanup(). */
	xa_destroy(&dev->workers);
}
EXPORT_SYMBOL_GPL(vhostx_dev_free);

/**
 * vhostx_dev_has_owner() - has VHOST_SET_OWNER been done?
 * @dev: the device, mutex held
 *
 * Return: true if the device has an owner.
 */
bool vhostx_dev_has_owner(struct vhostx_dev *dev)
{
	lockdep_assert_held(&dev->mutex);
	return dev->mm;
}

/**
 * vhostx_dev_check_owner() - is the caller the owner?
 * @dev: the device, mutex held
 *
 * Return: 0 if current shares the owner's address space, -EPERM otherwise
 * (also when there is no owner yet).
 */
int vhostx_dev_check_owner(struct vhostx_dev *dev)
{
	lockdep_assert_held(&dev->mutex);
	return dev->mm && dev->mm == current->mm ? 0 : -EPERM;
}
EXPORT_SYMBOL_GPL(vhostx_dev_check_owner);

/* VHOST_SET_OWNER: the caller's address space becomes the device's. */
int vhostx_dev_set_owner(struct vhostx_dev *dev)
{
	struct vhostx_mem *mem;
	struct mm_struct *mm;
	unsigned int i;
	int ret;

	lockdep_assert_held(&dev->mutex);
	if (dev->mm)
		return -EBUSY;
	mm = get_task_mm(current);
	if (!mm)
		return -EINVAL;

	/* Start with an empty table: every translation fails cleanly. */
	ret = vhostx_mem_build(NULL, 0, &mem);
	if (ret)
		goto err_mm;

	dev->mm = mm;
	ret = vhostx_worker_start(dev);
	if (ret)
		goto err_worker;

	dev->mem = mem;
	for (i = 0; i < dev->nvqs; i++) {
		mutex_lock(&dev->vqs[i]->mutex);
		dev->vqs[i]->ring.mem = mem;
		mutex_unlock(&dev->vqs[i]->mutex);
	}
	dev->owner_pid = current->tgid;
	vhostx_debugfs_dev_add(dev);
	return 0;

err_worker:
	dev->mm = NULL;
	vhostx_mem_free(mem);
err_mm:
	mmput(mm);
	return ret;
}

/**
 * vhostx_dev_cleanup() - drop the owner and everything set up since
 * @dev: the device, mutex held (or the last reference at release())
 *
 * The device module must have detached its backends (private_data NULL,
 * backend polls stopped) first. Stops the kick polls and the worker,
 * then releases the eventfds, the memory table and the owner's mm, and
 * resets every queue, so the device is as after vhostx_dev_init(): this
 * is VHOST_RESET_OWNER as well as the first half of release().
 */
void vhostx_dev_cleanup(struct vhostx_dev *dev)
{
	unsigned int i;

	lockdep_assert_held(&dev->mutex);
	for (i = 0; i < dev->nvqs; i++) {
		struct vhostx_vq *vq = dev->vqs[i];

		mutex_lock(&vq->mutex);
		vhostx_poll_stop(&vq->poll);
		mutex_unlock(&vq->mutex);
	}
	/* No wake-up can queue work now; let the worker finish and go. */
	vhostx_worker_stop(dev);
	vhostx_debugfs_dev_remove(dev);

	/* No IOTLB, no misses: a blocked read() says EBADFD. */
	vhostx_dev_lock_vqs(dev);
	vhostx_devtlb_replace(dev, NULL);
	vhostx_dev_unlock_vqs(dev);

	for (i = 0; i < dev->nvqs; i++) {
		struct vhostx_vq *vq = dev->vqs[i];

		mutex_lock(&vq->mutex);
		if (vq->kick)
			fput(vq->kick);
		if (vq->call_ctx)
			eventfd_ctx_put(vq->call_ctx);
		if (vq->err_ctx)
			eventfd_ctx_put(vq->err_ctx);
		vq->kick = NULL;
		vq->call_ctx = NULL;
		vq->err_ctx = NULL;
		vhostx_vq_reset(vq);
		mutex_unlock(&vq->mutex);
	}

	/* The queues' borrowed copies went with vhostx_vq_reset(). */
	if (dev->log_ctx)
		eventfd_ctx_put(dev->log_ctx);
	dev->log_ctx = NULL;
	vhostx_mem_free(dev->mem);
	dev->mem = NULL;
	if (dev->mm)
		mmput(dev->mm);
	dev->mm = NULL;
	dev->owner_pid = 0;
	dev->features = 0;
	dev->backend_features = 0;
}
EXPORT_SYMBOL_GPL(vhostx_dev_cleanup);
