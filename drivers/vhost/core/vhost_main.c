// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhostx.ko: the vhost device core library used by vhostx_net (and later
 * vhostx_vdpa). It has no device node of its own; see
 * Documentation/design.rst, "vhost core and vhostx_net".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include "vhost_internal.h"

unsigned int vhostx_max_mem_regions = 64;

static int vhostx_set_max_mem_regions(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int ret;

	ret = kstrtouint(val, 0, &n);
	if (ret)
		return ret;
	if (n > VHOSTX_MEM_REGIONS_LIMIT)
		return -EINVAL;
	WRITE_ONCE(vhostx_max_mem_regions, n);
	return 0;
}

static const struct kernel_param_ops vhostx_max_mem_regions_ops = {
	.set = vhostx_set_max_mem_regions,
	.get = param_get_uint,
};

module_param_cb(max_mem_regions, &vhostx_max_mem_regions_ops,
		&vhostx_max_mem_regions, 0644);
MODULE_PARM_DESC(max_mem_regions,
		 "Maximum number of regions in VHOST_SET_MEM_TABLE (default 64, at most 65536)");

static int __init vhostx_init(void)
{
	return vhostx_debugfs_init();
}

static void __exit vhostx_exit(void)
{
	vhostx_debugfs_exit();
}

module_init(vhostx_init);
module_exit(vhostx_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vhostx: vhost device core (owner, worker, memory table, vring ioctls)");
