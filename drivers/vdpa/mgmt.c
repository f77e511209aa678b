// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpax management devices: the objects "vdpa mgmtdev show" lists and
 * "vdpa dev add ... mgmtdev M" creates devices through.
 */
#include <linux/list.h>
#include <linux/module.h>
#include <linux/string.h>

#include "core.h"

/* Registered management devices; under vdpax_dev_lock. */
LIST_HEAD(vdpax_mgmtdev_list);

static bool vdpax_mgmtdev_match(const struct vdpax_mgmt_dev *mdev,
				const char *bus_name, const char *name)
{
	const struct device *dev = mdev->device;

	/* A handle names a bus exactly when the device sits on one. */
	if (!!bus_name != !!dev->bus)
		return false;
	if (bus_name && strcmp(dev->bus->name, bus_name))
		return false;
	return !strcmp(dev_name(dev), name);
}

/**
 * vdpax_mgmtdev_find_locked() - look a management device up by handle
 * @bus_name: bus name, or NULL for a device without bus
 * @name: device name
 *
 * Context: vdpax_dev_lock held.
 * Return: the management device or NULL.
 */
struct vdpax_mgmt_dev *vdpax_mgmtdev_find_locked(const char *bus_name,
						 const char *name)
{
	struct vdpax_mgmt_dev *mdev;

	lockdep_assert_held(&vdpax_dev_lock);
	list_for_each_entry(mdev, &vdpax_mgmtdev_list, list)
		if (vdpax_mgmtdev_match(mdev, bus_name, name))
			return mdev;
	return NULL;
}

int vdpax_mgmtdev_register(struct vdpax_mgmt_dev *mdev)
{
	const char *bus_name;
	int err = 0;

	if (!mdev->device || !mdev->ops || !mdev->ops->dev_add ||
	    !mdev->ops->dev_del || !mdev->id_table || !mdev->id_table[0].device)
		return -EINVAL;

	bus_name = mdev->device->bus ? mdev->device->bus->name : NULL;
	mutex_lock(&vdpax_dev_lock);
	if (vdpax_mgmtdev_find_locked(bus_name, dev_name(mdev->device)))
		err = -EEXIST;
	else
		list_add_tail(&mdev->list, &vdpax_mgmtdev_list);
	mutex_unlock(&vdpax_dev_lock);
	return err;
}
EXPORT_SYMBOL_GPL(vdpax_mgmtdev_register);

static int vdpax_del_if_child(struct device *dev, void *data)
{
	struct vdpax_device *vdev = dev_to_vdpax(dev);
	struct vdpax_mgmt_dev *mdev = data;

	if (vdev->mdev == mdev)
		mdev->ops->dev_del(mdev, vdev);
	return 0;
}

void vdpax_mgmtdev_unregister(struct vdpax_mgmt_dev *mdev)
{
	mutex_lock(&vdpax_dev_lock);
	list_del(&mdev->list);
	/* The klist iterator holds a reference on the current device. */
	bus_for_each_dev(&vdpax_bus, NULL, mdev, vdpax_del_if_child);
	mutex_unlock(&vdpax_dev_lock);
}
EXPORT_SYMBOL_GPL(vdpax_mgmtdev_unregister);
