// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpax module init and exit: the "vdpa" generic netlink family, then the
 * "vdpa" bus. The rest of the module is bus.c (devices, drivers, config
 * helpers), mgmt.c (management devices) and netlink.c (the family).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "core.h"

static int __init vdpax_init(void)
{
	int err;

	/*
	 * The family goes first: a kernel vDPA core (CONFIG_VDPA) would own
	 * both "vdpa" names, and a duplicate family is refused cleanly where a
	 * duplicate bus would leave sysfs warnings in the log.
	 */
	err = vdpax_netlink_init();
	if (err == -EEXIST) {
		pr_err("the generic netlink family \"vdpa\" already exists: a kernel vDPA core (CONFIG_VDPA) is loaded; refusing to load\n");
		return err;
	}
	if (err)
		return err;

	err = vdpax_bus_init();
	if (err) {
		pr_err("cannot register the \"vdpa\" bus (%d); refusing to load\n", err);
		goto err_netlink;
	}
	return 0;

err_netlink:
	vdpax_netlink_exit();
	return err;
}

/*
 * Every management device module depends on this one, so by now no device
 * and no management device is left. The family goes first so that no
 * request can reach the bus while it is unregistered.
 */
static void __exit vdpax_exit(void)
{
	vdpax_netlink_exit();
	vdpax_bus_exit();
}

module_init(vdpax_init);
module_exit(vdpax_exit);

MODULE_DESCRIPTION("vdpax: vDPA bus and the vdpa generic netlink family");
MODULE_LICENSE("GPL");
