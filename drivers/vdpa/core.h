/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vdpax core internals shared by bus.c, mgmt.c and netlink.c. Nothing here
 * is exported; other modules only see include/vhostx/vdpa.h.
 */
#ifndef _VDPAX_CORE_H
#define _VDPAX_CORE_H

#include <linux/mutex.h>
#include <vhostx/vdpa.h>

/*
 * vdpax_dev_lock protects the management device list, device registration
 * and unregistration on the bus. Netlink handlers hold
 * it for a whole request, so a name lookup and the registration or deletion
 * that follows are atomic, and a device found by a handler stays registered
 * (its config ops stay callable) until the handler is done.
 */
extern struct mutex vdpax_dev_lock;

extern struct bus_type vdpax_bus;
extern struct list_head vdpax_mgmtdev_list;

bool vdpax_name_valid(const char *name);
struct vdpax_device *vdpax_find_device_locked(const char *name);
struct vdpax_mgmt_dev *vdpax_mgmtdev_find_locked(const char *bus_name,
						 const char *dev_name);

int vdpax_bus_init(void);
void vdpax_bus_exit(void);
int vdpax_netlink_init(void);
void vdpax_netlink_exit(void);

#endif /* _VDPAX_CORE_H */
