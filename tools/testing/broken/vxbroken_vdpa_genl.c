// SPDX-License-Identifier: GPL-2.0-only
/*
 * Conflict test: a module that takes the generic netlink family name
 * "vdpa" and does nothing with it, standing in for a kernel vDPA core.
 * While it is loaded, vdpax must refuse to load and say why
 * (selftests/vdpa/vdpa_genl_conflict.sh).
 */
#include <linux/module.h>
#include <net/genetlink.h>

static struct genl_family vxbroken_vdpa_family = {
	.name = "vdpa",
	.version = 1,
	.module = THIS_MODULE,
};

static int __init vxbroken_vdpa_genl_init(void)
{
	return genl_register_family(&vxbroken_vdpa_family);
}

static void __exit vxbroken_vdpa_genl_exit(void)
{
	genl_unregister_family(&vxbroken_vdpa_family);
}

module_init(vxbroken_vdpa_genl_init);
module_exit(vxbroken_vdpa_genl_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vhostx conflict test: holds the \"vdpa\" generic netlink family");
