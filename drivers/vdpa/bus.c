// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpax bus: the "vdpa" bus type, device and driver registration, and the
 * config helpers that serialize status, features and config space access.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <uapi/linux/virtio_config.h>

#include "core.h"

/* Management device list and bus (un)registration; see core.h. */
DEFINE_MUTEX(vdpax_dev_lock);

static DEFINE_IDA(vdpax_index_ida);

/*
 * vdpax_override_lock protects vdpax_device.driver_override pointers: the
 * bus match callback runs both with and without the device lock held, so
 * the device lock cannot be used for it.
 */
static DEFINE_SPINLOCK(vdpax_override_lock);

/**
 * vdpax_name_valid() - whether a string may name a vDPA device
 * @name: NUL-terminated candidate
 *
 * Device names become sysfs directory names and must be usable in shell
 * scripts: 1..VDPAX_NAME_MAX characters from [A-Za-z0-9_.:-], not starting
 * with a dot.
 *
 * Return: true if acceptable.
 */
bool vdpax_name_valid(const char *name)
{
	size_t i, len = strnlen(name, VDPAX_NAME_MAX + 1);

	if (!len || len > VDPAX_NAME_MAX || name[0] == '.')
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!isalnum(c) && c != '_' && c != '-' && c != '.' && c != ':')
			return false;
	}
	return true;
}

#ifdef VHOSTX_BUS_MATCH_CONST_DRV
static int vdpax_bus_match(struct device *dev, const struct device_driver *drv)
#else
static int vdpax_bus_match(struct device *dev, struct device_driver *drv)
#endif
{
	struct vdpax_device *vdev = dev_to_vdpax(dev);
	int match = 1;

	spin_lock(&vdpax_override_lock);
	if (vdev->driver_override)
		match = !strcmp(vdev->driver_override, drv->name);
	spin_unlock(&vdpax_override_lock);
	return match;
}

/* Reset the device and empty every address space it has. */
static void vdpax_clean_slate(struct vdpax_device *vdev)
{
	const struct vdpax_config_ops *ops = vdev->config;
	unsigned int asid;

	vdpax_reset(vdev);
	if (!ops->reset_map)
		return;
	for (asid = 0; asid < vdev->nas; asid++)
		ops->reset_map(vdev, asid);
}

static int vdpax_bus_probe(struct device *dev)
{
	struct vdpax_driver *drv = drv_to_vdpax(dev->driver);
	struct vdpax_device *vdev = dev_to_vdpax(dev);

	vdpax_clean_slate(vdev);
	return drv->probe ? drv->probe(vdev) : 0;
}

static void vdpax_bus_remove(struct device *dev)
{
	struct vdpax_driver *drv = drv_to_vdpax(dev->driver);
	struct vdpax_device *vdev = dev_to_vdpax(dev);

	if (drv->remove)
		drv->remove(vdev);
	vdpax_clean_slate(vdev);
}

static ssize_t driver_override_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	struct vdpax_device *vdev = dev_to_vdpax(dev);
	ssize_t len;

	spin_lock(&vdpax_override_lock);
	len = sysfs_emit(buf, "%s\n", vdev->driver_override ?: "");
	spin_unlock(&vdpax_override_lock);
	return len;
}

static ssize_t driver_override_store(struct device *dev,
				     struct device_attribute *attr,
				     const char *buf, size_t count)
{
	struct vdpax_device *vdev = dev_to_vdpax(dev);
	const char *old;
	char *name = NULL;
	size_t len;

	len = strcspn(buf, "\n");
	if (len > VDPAX_NAME_MAX * 2)
		return -EINVAL;
	if (len) {
		name = kstrndup(buf, len, GFP_KERNEL);
		if (!name)
			return -ENOMEM;
	}

	spin_lock(&vdpax_override_lock);
	old = vdev->driver_override;
	vdev->driver_override = name;
	spin_unlock(&vdpax_override_lock);
	kfree(old);
	return count;
}
static DEVICE_ATTR_RW(driver_override);

static ssize_t mgmtdev_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	struct vdpax_device *vdev = dev_to_vdpax(dev);
	struct device *mdev_dev;

	if (!vdev->mdev)
		return sysfs_emit(buf, "\n");
	mdev_dev = vdev->mdev->device;
	if (mdev_dev->bus)
		return sysfs_emit(buf, "%s/%s\n", mdev_dev->bus->name, dev_name(mdev_dev));
	return sysfs_emit(buf, "%s\n", dev_name(mdev_dev));
}
static DEVICE_ATTR_RO(mgmtdev);

static struct attribute *vdpax_dev_attrs[] = {
	&dev_attr_driver_override.attr,
	&dev_attr_mgmtdev.attr,
	NULL,
};
ATTRIBUTE_GROUPS(vdpax_dev);

#ifdef VHOSTX_BUS_UEVENT_CONST_DEV
static int vdpax_bus_uevent(const struct device *cdev, struct kobj_uevent_env *env)
{
	/* The config ops take a mutable device; uevent only reads through them. */
	struct vdpax_device *vdev = dev_to_vdpax((struct device *)cdev);
#else
static int vdpax_bus_uevent(struct device *dev, struct kobj_uevent_env *env)
{
	struct vdpax_device *vdev = dev_to_vdpax(dev);
#endif

	return add_uevent_var(env, "VDPA_DEVICE_ID=%u",
			      vdev->config->get_device_id(vdev));
}

struct bus_type vdpax_bus = {
	.name = "vdpa",
	.dev_groups = vdpax_dev_groups,
	.match = vdpax_bus_match,
	.probe = vdpax_bus_probe,
	.remove = vdpax_bus_remove,
	.uevent = vdpax_bus_uevent,
};

static void vdpax_release_dev(struct device *dev)
{
	struct vdpax_device *vdev = dev_to_vdpax(dev);
	struct module *owner = vdev->owner_pinned ? vdev->owner : NULL;

	if (vdev->config && vdev->config->free)
		vdev->config->free(vdev);
	ida_free(&vdpax_index_ida, vdev->index);
	kfree(vdev->driver_override);
	kfree(vdev);
	/* The owner's code has run for the last time. */
	module_put(owner);
}

static bool vdpax_ops_complete(const struct vdpax_config_ops *ops,
			       unsigned int ngroups, unsigned int nas)
{
	if (!ops->set_vq_address || !ops->set_vq_num || !ops->kick_vq ||
	    !ops->set_vq_cb || !ops->set_vq_ready || !ops->get_vq_ready ||
	    !ops->set_vq_state || !ops->get_vq_state || !ops->get_vq_align ||
	    !ops->get_device_features || !ops->set_driver_features ||
	    !ops->get_driver_features || !ops->set_config_cb ||
	    !ops->get_vq_num_max || !ops->get_device_id || !ops->get_vendor_id ||
	    !ops->get_status || !ops->set_status || !ops->reset ||
	    !ops->get_config_size || !ops->get_config || !ops->set_config)
		return false;
	if (ngroups > 1 && !ops->get_vq_group)
		return false;
	if (nas > 1 && !ops->set_group_asid)
		return false;
	/* The device-owned IOTLB model needs a way to empty an address space. */
	if ((ops->set_map || ops->dma_map) && !ops->reset_map)
		return false;
	if (!!ops->dma_map != !!ops->dma_unmap)
		return false;
	if (!!ops->suspend != !!ops->resume)
		return false;
	return true;
}

struct vdpax_device *vdpax_alloc_device_sized(size_t size, struct module *owner,
					      struct device *parent,
					      const struct vdpax_config_ops *config,
					      unsigned int ngroups, unsigned int nas,
					      const char *name)
{
	struct vdpax_device *vdev;
	int index, err;

	if (size < sizeof(*vdev) || !config || !ngroups || !nas ||
	    !vdpax_ops_complete(config, ngroups, nas))
		return ERR_PTR(-EINVAL);
	if (name && !vdpax_name_valid(name))
		return ERR_PTR(-EINVAL);

	vdev = kzalloc(size, GFP_KERNEL);
	if (!vdev)
		return ERR_PTR(-ENOMEM);

	index = ida_alloc(&vdpax_index_ida, GFP_KERNEL);
	if (index < 0) {
		err = index;
		goto err_free;
	}

	vdev->index = index;
	vdev->owner = owner;
	vdev->ngroups = ngroups;
	vdev->nas = nas;
	vdev->dma_dev = &vdev->dev;
	init_rwsem(&vdev->cf_lock);
	device_initialize(&vdev->dev);
	vdev->dev.bus = &vdpax_bus;
	vdev->dev.parent = parent;
	vdev->dev.release = vdpax_release_dev;

	/* From here the release callback owns vdev; config->free is not set. */
	if (name)
		err = dev_set_name(&vdev->dev, "%s", name);
	else
		err = dev_set_name(&vdev->dev, "vdpa%u", index);
	if (err) {
		put_device(&vdev->dev);
		return ERR_PTR(err);
	}
	vdev->config = config;
	return vdev;

err_free:
	kfree(vdev);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(vdpax_alloc_device_sized);

static int vdpax_match_name(struct device *dev, const void *data)
{
	return sysfs_streq(dev_name(dev), data);
}

/**
 * vdpax_find_device_locked() - look a registered device up by name
 * @name: device name
 *
 * Context: vdpax_dev_lock held.
 * Return: the device with a reference held, or NULL.
 */
struct vdpax_device *vdpax_find_device_locked(const char *name)
{
	struct device *dev;

	lockdep_assert_held(&vdpax_dev_lock);
	dev = bus_find_device(&vdpax_bus, NULL, name, vdpax_match_name);
	return dev ? dev_to_vdpax(dev) : NULL;
}

int vdpax_register_device_locked(struct vdpax_device *vdev, struct vdpax_mgmt_dev *mdev,
				 u32 nvqs)
{
	struct vdpax_device *other;

	lockdep_assert_held(&vdpax_dev_lock);
	if (!mdev || !nvqs || !vdev->config)
		return -EINVAL;

	other = vdpax_find_device_locked(dev_name(&vdev->dev));
	if (other) {
		put_device(&other->dev);
		return -EEXIST;
	}
	vdev->mdev = mdev;
	vdev->nvqs = nvqs;
	return device_add(&vdev->dev);
}
EXPORT_SYMBOL_GPL(vdpax_register_device_locked);

void vdpax_unregister_device_locked(struct vdpax_device *vdev)
{
	lockdep_assert_held(&vdpax_dev_lock);
	/* The owner module stays until the device is released. */
	__module_get(vdev->owner);
	vdev->owner_pinned = true;
	device_unregister(&vdev->dev);
}
EXPORT_SYMBOL_GPL(vdpax_unregister_device_locked);

int vdpax_register_driver_module(struct vdpax_driver *drv, struct module *owner)
{
	drv->driver.bus = &vdpax_bus;
	drv->driver.owner = owner;
	return driver_register(&drv->driver);
}
EXPORT_SYMBOL_GPL(vdpax_register_driver_module);

void vdpax_unregister_driver(struct vdpax_driver *drv)
{
	driver_unregister(&drv->driver);
}
EXPORT_SYMBOL_GPL(vdpax_unregister_driver);

static bool vdpax_config_range_ok(struct vdpax_device *vdev,
				  unsigned int offset, unsigned int len)
{
	size_t size = vdev->config->get_config_size(vdev);

	return offset <= size && len <= size - offset;
}

int vdpax_get_config(struct vdpax_device *vdev, unsigned int offset,
		     void *buf, unsigned int len)
{
	if (!vdpax_config_range_ok(vdev, offset, len))
		return -EINVAL;
	down_read(&vdev->cf_lock);
	vdev->config->get_config(vdev, offset, buf, len);
	up_read(&vdev->cf_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(vdpax_get_config);

int vdpax_set_config(struct vdpax_device *vdev, unsigned int offset,
		     const void *buf, unsigned int len)
{
	if (!vdpax_config_range_ok(vdev, offset, len))
		return -EINVAL;
	down_write(&vdev->cf_lock);
	vdev->config->set_config(vdev, offset, buf, len);
	up_write(&vdev->cf_lock);
	return 0;
}
EXPORT_SYMBOL_GPL(vdpax_set_config);

u8 vdpax_get_status(struct vdpax_device *vdev)
{
	u8 status;

	down_read(&vdev->cf_lock);
	status = vdev->config->get_status(vdev);
	up_read(&vdev->cf_lock);
	return status;
}
EXPORT_SYMBOL_GPL(vdpax_get_status);

void vdpax_set_status(struct vdpax_device *vdev, u8 status)
{
	down_write(&vdev->cf_lock);
	if (status)
		vdev->config->set_status(vdev, status);
	else
		vdev->config->reset(vdev);
	up_write(&vdev->cf_lock);
}
EXPORT_SYMBOL_GPL(vdpax_set_status);

int vdpax_reset(struct vdpax_device *vdev)
{
	int err;

	down_write(&vdev->cf_lock);
	err = vdev->config->reset(vdev);
	up_write(&vdev->cf_lock);
	return err;
}
EXPORT_SYMBOL_GPL(vdpax_reset);

int vdpax_set_features(struct vdpax_device *vdev, u64 features)
{
	int err;

	down_write(&vdev->cf_lock);
	if (features & ~vdev->config->get_device_features(vdev))
		err = -EINVAL;
	else
		err = vdev->config->set_driver_features(vdev, features);
	up_write(&vdev->cf_lock);
	return err;
}
EXPORT_SYMBOL_GPL(vdpax_set_features);

struct vdpax_iova_range vdpax_get_iova_range(struct vdpax_device *vdev)
{
	struct vdpax_iova_range range = { .first = 0, .last = U64_MAX };

	if (vdev->config->get_iova_range)
		range = vdev->config->get_iova_range(vdev);
	return range;
}
EXPORT_SYMBOL_GPL(vdpax_get_iova_range);

/* Called once from main.c, after the netlink family is registered. */
int vdpax_bus_init(void)
{
	return bus_register(&vdpax_bus);
}

/* Called once from main.c; every device and management device is gone. */
void vdpax_bus_exit(void)
{
	bus_unregister(&vdpax_bus);
	ida_destroy(&vdpax_index_ida);
}
