// SPDX-License-Identifier: GPL-2.0-only
/*
 * Runner self-test: a module that WARNs while loading. make check must fail
 * when it is loaded with the suite.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init vxbroken_warn_init(void)
{
	WARN(1, "vxbroken_warn: deliberate warning for the runner self-test\n");
	return 0;
}

static void __exit vxbroken_warn_exit(void)
{
}

module_init(vxbroken_warn_init);
module_exit(vxbroken_warn_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vhostx runner self-test: warns on load");
