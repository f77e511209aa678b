// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhostx_vdpa: the "vhost_vdpa" driver of the vdpax bus. Each bound vDPA
 * device gets a character device /dev/vhost-vdpa-<n> that speaks the
 * vhost-vdpa ioctls of <linux/vhost.h> (QEMU's -netdev vhost-vdpa, DPDK's
 * virtio-user) and takes its memory mappings as IOTLB messages written to
 * the file. A device without its own IOTLB (platform IOMMU model) is
 * reached through an IOMMU domain the open file attaches its DMA device to
 * (vdpa_iotlb.c); where no IOMMU translates for it, open() fails with
 * -EOPNOTSUPP.
 *
 * This file: module and driver registration, the character devices, open
 * and release, and the device-wide ioctls. Queues are in vdpa_vq.c, the
 * IOTLB in vdpa_iotlb.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/virtio_config.h>
#include <vhostx/abi.h>

#include "vdpa_internal.h"

#define VXVDPA_DEV_MAX		(1U << MINORBITS)

#define VXVDPA_BACKEND_FEATURES	(BIT_ULL(VHOST_BACKEND_F_IOTLB_MSG_V2) |	\
				 BIT_ULL(VHOST_BACKEND_F_IOTLB_BATCH) |	\
				 BIT_ULL(VHOST_BACKEND_F_IOTLB_ASID))

static dev_t vxvdpa_devt;
static DEFINE_IDA(vxvdpa_minors);

/**
 * vxvdpa_check_owner() - is the caller the owner of the device?
 * @v: the device, mutex held
 *
 * Return: 0, or -EPERM without an owner or from another address space.
 */
int vxvdpa_check_owner(struct vxvdpa *v)
{
	lockdep_assert_held(&v->mutex);
	return v->mm && v->mm == current->mm ? 0 : -EPERM;
}

static u64 vxvdpa_backend_supported(struct vxvdpa *v)
{
	u64 features = VXVDPA_BACKEND_FEATURES;

	if (v->vdpa->config->suspend)
		features |= BIT_ULL(VHOST_BACKEND_F_SUSPEND) | BIT_ULL(VHOST_BACKEND_F_RESUME);
	return features;
}

/*
 * Back to the state of a fresh open: the device reset, no queue plumbing,
 * no mappings, no owner. The device stops touching memory (reset) before
 * the pages it could reach are unpinned.
 */
static void vxvdpa_stop(struct vxvdpa *v)
{
	const struct vdpax_config_ops *ops = v->vdpa->config;

	lockdep_assert_held(&v->mutex);
	vxvdpa_vqs_release(v);
	vdpax_reset(v->vdpa);
	if (v->config_ctx) {
		ops->set_config_cb(v->vdpa, NULL);
		eventfd_ctx_put(v->config_ctx);
		v->config_ctx = NULL;
	}
	vxvdpa_iotlb_release(v);
	v->backend_features = 0;
	if (v->mm) {
		mmdrop(v->mm);
		v->mm = NULL;
	}
}

static long vxvdpa_set_owner(struct vxvdpa *v)
{
	lockdep_assert_held(&v->mutex);
	if (v->mm)
		return -EBUSY;
	if (!current->mm)
		return -EINVAL;
	mmgrab(current->mm);
	v->mm = current->mm;
	return 0;
}

static long vxvdpa_reset_owner(struct vxvdpa *v)
{
	int err = vxvdpa_check_owner(v);

	if (err)
		return err;
	vxvdpa_stop(v);
	return 0;
}

static long vxvdpa_set_status(struct vxvdpa *v, u8 __user *argp)
{
	u8 status, old;

	if (get_user(status, argp))
		return -EFAULT;
	old = vdpax_get_status(v->vdpa);
	/* Bits only go away through a reset. */
	if (status && (old & ~status))
		return -EINVAL;
	if (!status) {
		v->in_batch = false;
		return vdpax_reset(v->vdpa);
	}
	vdpax_set_status(v->vdpa, status);
	return 0;
}

/* Check a vhost_vdpa_config header against the config space size. */
static int vxvdpa_config_hdr(struct vxvdpa *v, struct vhost_vdpa_config __user *argp,
			     struct vhost_vdpa_config *c)
{
	size_t size = v->vdpa->config->get_config_size(v->vdpa);

	if (copy_from_user(c, argp, offsetof(struct vhost_vdpa_config, buf)))
		return -EFAULT;
	if (!c->len || c->off > size || c->len > size - c->off)
		return -EINVAL;
	return 0;
}

static long vxvdpa_get_config(struct vxvdpa *v, struct vhost_vdpa_config __user *argp)
{
	struct vhost_vdpa_config c;
	long ret;
	u8 *buf;

	ret = vxvdpa_config_hdr(v, argp, &c);
	if (ret)
		return ret;
	buf = kvzalloc(c.len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = vdpax_get_config(v->vdpa, c.off, buf, c.len);
	if (!ret && copy_to_user(argp->buf, buf, c.len))
		ret = -EFAULT;
	kvfree(buf);
	return ret;
}

static long vxvdpa_set_config(struct vxvdpa *v, struct vhost_vdpa_config __user *argp)
{
	struct vhost_vdpa_config c;
	long ret;
	u8 *buf;

	ret = vxvdpa_config_hdr(v, argp, &c);
	if (ret)
		return ret;
	buf = vmemdup_user(argp->buf, c.len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = vdpax_set_config(v->vdpa, c.off, buf, c.len);
	kvfree(buf);
	return ret;
}

static long vxvdpa_set_features(struct vxvdpa *v, u64 __user *argp)
{
	u64 features;

	if (copy_from_user(&features, argp, sizeof(features)))
		return -EFAULT;
	/* Features are fixed once the device accepted them. */
	if (vdpax_get_status(v->vdpa) & VIRTIO_CONFIG_S_FEATURES_OK)
		return -EBUSY;
	return vdpax_set_features(v->vdpa, features) ? -EINVAL : 0;
}

static long vxvdpa_set_backend_features(struct vxvdpa *v, u64 __user *argp)
{
	u64 features;

	if (copy_from_user(&features, argp, sizeof(features)))
		return -EFAULT;
	if (features & ~vxvdpa_backend_supported(v))
		return -EOPNOTSUPP;
	v->backend_features = features;
	return 0;
}

static long vxvdpa_get_iova_range(struct vxvdpa *v, void __user *argp)
{
	struct vhost_vdpa_iova_range r = {
		.first = v->range.first,
		.last = v->range.last,
	};

	return copy_to_user(argp, &r, sizeof(r)) ? -EFAULT : 0;
}

static long vxvdpa_suspend_resume(struct vxvdpa *v, bool suspend)
{
	const struct vdpax_config_ops *ops = v->vdpa->config;

	if (!ops->suspend)
		return -EOPNOTSUPP;
	return suspend ? ops->suspend(v->vdpa) : ops->resume(v->vdpa);
}

/* The device-wide calls; -ENOIOCTLCMD for anything else. Mutex held. */
static long vxvdpa_dev_ioctl(struct vxvdpa *v, unsigned int cmd, void __user *argp)
{
	struct vdpax_device *vdpa = v->vdpa;
	const struct vdpax_config_ops *ops = vdpa->config;

	switch (cmd) {
	case VHOST_GET_FEATURES:
		return put_user(ops->get_device_features(vdpa), (u64 __user *)argp);
	case VHOST_SET_FEATURES:
		return vxvdpa_set_features(v, argp);
	case VHOST_GET_BACKEND_FEATURES:
		return put_user(vxvdpa_backend_supported(v), (u64 __user *)argp);
	case VHOST_SET_BACKEND_FEATURES:
		return vxvdpa_set_backend_features(v, argp);
	case VHOST_SET_OWNER:
		return vxvdpa_set_owner(v);
	case VHOST_RESET_OWNER:
		return vxvdpa_reset_owner(v);
	case VHOST_GET_FORK_FROM_OWNER:
	case VHOST_SET_FORK_FROM_OWNER:
		/* Upstream's vhost-vdpa answers them too (no worker there). */
		return vhostx_fork_owner_ioctl(cmd, argp, v->mm);
	case VHOST_VDPA_GET_DEVICE_ID:
		return put_user(ops->get_device_id(vdpa), (u32 __user *)argp);
	case VHOST_VDPA_GET_STATUS:
		return put_user(vdpax_get_status(vdpa), (u8 __user *)argp);
	case VHOST_VDPA_SET_STATUS:
		return vxvdpa_set_status(v, argp);
	case VHOST_VDPA_GET_CONFIG:
		return vxvdpa_get_config(v, argp);
	case VHOST_VDPA_SET_CONFIG:
		return vxvdpa_set_config(v, argp);
	case VHOST_VDPA_GET_VRING_NUM:
		return put_user(ops->get_vq_num_max(vdpa), (u16 __user *)argp);
	case VHOST_VDPA_SET_CONFIG_CALL:
		return vxvdpa_set_config_call(v, argp);
	case VHOST_VDPA_GET_IOVA_RANGE:
		return vxvdpa_get_iova_range(v, argp);
	case VHOST_VDPA_GET_CONFIG_SIZE:
		return put_user((u32)ops->get_config_size(vdpa), (u32 __user *)argp);
	case VHOST_VDPA_GET_VQS_COUNT:
		return put_user(v->nvqs, (u32 __user *)argp);
	case VHOST_VDPA_GET_GROUP_NUM:
		return put_user((u32)vdpa->ngroups, (u32 __user *)argp);
	case VHOST_VDPA_GET_AS_NUM:
		return put_user(v->nas, (unsigned int __user *)argp);
	case VHOST_VDPA_SUSPEND:
		return vxvdpa_suspend_resume(v, true);
	case VHOST_VDPA_RESUME:
		return vxvdpa_suspend_resume(v, false);
	}
	return -ENOIOCTLCMD;
}

static long vxvdpa_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct vxvdpa *v = file->private_data;
	void __user *argp = (void __user *)arg;
	long ret;

	mutex_lock(&v->mutex);
	if (!v->vdpa) {
		ret = -ENODEV;
		goto out;
	}
	ret = vxvdpa_dev_ioctl(v, cmd, argp);
	if (ret == -ENOIOCTLCMD)
		ret = vxvdpa_vring_ioctl(v, cmd, argp);
out:
	mutex_unlock(&v->mutex);
	return ret;
}

static int vxvdpa_open(struct inode *inode, struct file *file)
{
	struct vxvdpa *v = container_of(inode->i_cdev, struct vxvdpa, cdev);
	int err;

	mutex_lock(&v->mutex);
	if (!v->vdpa) {
		err = -ENODEV;
		goto out;
	}
	if (v->opened) {
		err = -EBUSY;
		goto out;
	}
	err = vdpax_reset(v->vdpa);
	if (err)
		goto out;
	v->range = vdpax_get_iova_range(v->vdpa);
	err = vxvdpa_domain_attach(v);
	if (err)
		goto out;
	v->in_batch = false;
	v->opened = true;
	file->private_data = v;
	stream_open(inode, file);
out:
	mutex_unlock(&v->mutex);
	return err;
}

static int vxvdpa_release(struct inode *inode, struct file *file)
{
	struct vxvdpa *v = file->private_data;

	mutex_lock(&v->mutex);
	/* After remove() everything is already down. */
	if (v->vdpa) {
		vxvdpa_stop(v);
		vxvdpa_domain_detach(v);
	}
	v->opened = false;
	mutex_unlock(&v->mutex);
	return 0;
}

static const struct file_operations vxvdpa_fops = {
	.owner = THIS_MODULE,
	.open = vxvdpa_open,
	.release = vxvdpa_release,
	.write_iter = vxvdpa_write_iter,
	.unlocked_ioctl = vxvdpa_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = no_llseek,
};

static void vxvdpa_release_dev(struct device *dev)
{
	struct vxvdpa *v = container_of(dev, struct vxvdpa, dev);

	ida_free(&vxvdpa_minors, v->minor);
	mutex_destroy(&v->mutex);
	kfree(v->as);
	kfree(v->vqs);
	kfree(v);
}

static int vxvdpa_probe(struct vdpax_device *vdpa)
{
	struct vxvdpa *v;
	int minor, err;

	/* Queue indexes travel as u16 in the bus ops. */
	if (vdpa->nvqs > U16_MAX + 1)
		return -EINVAL;

	v = kzalloc(sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	v->nvqs = vdpa->nvqs;
	v->nas = vdpa->nas;
	v->vdpa = vdpa;
	mutex_init(&v->mutex);
	v->vqs = kcalloc(v->nvqs, sizeof(*v->vqs), GFP_KERNEL);
	v->as = kcalloc(v->nas, sizeof(*v->as), GFP_KERNEL);
	if (!v->vqs || !v->as) {
		err = -ENOMEM;
		goto err_free;
	}
	minor = ida_alloc_max(&vxvdpa_minors, VXVDPA_DEV_MAX - 1, GFP_KERNEL);
	if (minor < 0) {
		err = minor;
		goto err_free;
	}
	v->minor = minor;
	vxvdpa_vqs_init(v);

	/* From here the release callback frees everything. */
	/*
	 * No class, as in the kernel: the node's device sits right under the
	 * vDPA device (/sys/bus/vdpa/devices/<dev>/vhost-vdpa-N), where
	 * libvirt and scripts look for it.
	 */
	device_initialize(&v->dev);
	v->dev.parent = &vdpa->dev;
	v->dev.devt = MKDEV(MAJOR(vxvdpa_devt), minor);
	v->dev.release = vxvdpa_release_dev;
	err = dev_set_name(&v->dev, "vhost-vdpa-%u", minor);
	if (err)
		goto err_put;

	cdev_init(&v->cdev, &vxvdpa_fops);
	v->cdev.owner = THIS_MODULE;
	err = cdev_device_add(&v->cdev, &v->dev);
	if (err)
		goto err_put;

	vdpax_set_drvdata(vdpa, v);
	return 0;

err_put:
	put_device(&v->dev);
	return err;
err_free:
	kfree(v->as);
	kfree(v->vqs);
	mutex_destroy(&v->mutex);
	kfree(v);
	return err;
}

static void vxvdpa_remove(struct vdpax_device *vdpa)
{
	struct vxvdpa *v = vdpax_get_drvdata(vdpa);

	/* No new opens; an open file keeps v alive but loses the device. */
	cdev_device_del(&v->cdev, &v->dev);
	mutex_lock(&v->mutex);
	if (v->opened) {
		vxvdpa_stop(v);
		vxvdpa_domain_detach(v);
	}
	v->vdpa = NULL;
	mutex_unlock(&v->mutex);
	vdpax_set_drvdata(vdpa, NULL);
	put_device(&v->dev);
}

static struct vdpax_driver vxvdpa_driver = {
	.driver = {
		.name = "vhost_vdpa",
	},
	.probe = vxvdpa_probe,
	.remove = vxvdpa_remove,
};

static int __init vxvdpa_init(void)
{
	int err;

	err = alloc_chrdev_region(&vxvdpa_devt, 0, VXVDPA_DEV_MAX, "vhost-vdpa");
	if (err)
		return err;
	err = vdpax_register_driver(&vxvdpa_driver);
	if (err)
		goto err_region;
	return 0;

err_region:
	unregister_chrdev_region(vxvdpa_devt, VXVDPA_DEV_MAX);
	return err;
}

static void __exit vxvdpa_exit(void)
{
	vdpax_unregister_driver(&vxvdpa_driver);
	unregister_chrdev_region(vxvdpa_devt, VXVDPA_DEV_MAX);
	ida_destroy(&vxvdpa_minors);
}

module_init(vxvdpa_init);
module_exit(vxvdpa_exit);

MODULE_DESCRIPTION("vhostx_vdpa: /dev/vhost-vdpa-N character devices for vDPA devices");
MODULE_LICENSE("GPL");
