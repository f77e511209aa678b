// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhostx_net: the /dev/vhost-net device (skeleton).
 *
 * This first version registers the character device and answers
 * VHOST_GET_FEATURES; the data path arrives with the vhost core.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

static char *devname = "vhost-net";
module_param(devname, charp, 0444);
MODULE_PARM_DESC(devname,
		 "device node name (default vhost-net on the vhost-net minor; any other name gets a dynamic minor)");

static const u64 vhostx_net_features = BIT_ULL(VIRTIO_F_VERSION_1);

static long vhostx_net_ioctl(struct file *f, unsigned int ioctl,
			     unsigned long arg)
{
	u64 __user *argp = (u64 __user *)arg;

	switch (ioctl) {
	case VHOST_GET_FEATURES:
		return put_user(vhostx_net_features, argp);
	default:
		return -ENOIOCTLCMD;
	}
}

static int vhostx_net_open(struct inode *inode, struct file *f)
{
	return 0;
}

static const struct file_operations vhostx_net_fops = {
	.owner = THIS_MODULE,
	.open = vhostx_net_open,
	.unlocked_ioctl = vhostx_net_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice vhostx_net_misc = {
	.fops = &vhostx_net_fops,
};

static int __init vhostx_net_init(void)
{
	int ret;

	vhostx_net_misc.name = devname;
	vhostx_net_misc.minor = strcmp(devname, "vhost-net") ?
				MISC_DYNAMIC_MINOR : VHOST_NET_MINOR;
	ret = misc_register(&vhostx_net_misc);
	if (ret)
		pr_err("cannot register /dev/%s (%d): is the kernel's vhost_net loaded?\n",
		       devname, ret);
	return ret;
}

static void __exit vhostx_net_exit(void)
{
	misc_deregister(&vhostx_net_misc);
}

module_init(vhostx_net_init);
module_exit(vhostx_net_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vhostx: in-kernel virtio-net worker (vhost-net ABI)");
