// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runner self-test: a module that leaks a reference to itself, so it can
 * never be unloaded, and has a parameter without a description. make check
 * must fail on both.
 */
#include <linux/module.h>

static int undocumented;
module_param(undocumented, int, 0444);

static int __init vxbroken_leak_init(void)
{
	__module_get(THIS_MODULE);
	return 0;
}

static void __exit vxbroken_leak_exit(void)
{
}

module_init(vxbroken_leak_init);
module_exit(vxbroken_leak_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vhostx runner self-test: leaks a module reference");
