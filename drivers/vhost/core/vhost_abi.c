// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhostx: the vhost ioctls newer than Debian's 6.1 uapi (<vhostx/abi.h>):
 * the feature array and the worker mode. Like the 64-bit feature calls,
 * they need no owner.
 */
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <vhostx/abi.h>
#include "vhost_internal.h"

/* Our features fit in one word: word 0 is VHOST_{GET,SET}_FEATURES. */
#define VHOSTX_FEATURE_WORDS	1

static long vhostx_get_features_array(struct vhostx_dev *dev,
				      struct vhost_features_array __user *argp)
{
	u64 count, copied;

	if (get_user(count, &argp->count))
		return -EFAULT;
	copied = min_t(u64, count, VHOSTX_FEATURE_WORDS);
	if (copied && put_user(dev->features_supported, &argp->features[0]))
		return -EFAULT;
	/* The words the caller has room for beyond ours read as zero. */
	if (count > copied &&
	    clear_user(&argp->features[copied],
		       size_mul(count - copied, sizeof(u64))))
		return -EFAULT;
	return 0;
}

static long vhostx_set_features_array(struct vhostx_dev *dev,
				      struct vhost_features_array __user *argp)
{
	u64 count, word, features = 0;
	u64 i;

	if (get_user(count, &argp->count))
		return -EFAULT;
	if (count && get_user(features, &argp->features[0]))
		return -EFAULT;
	/* No bit above 63 is ours; the caller may send as many zero words as it likes. */
	for (i = VHOSTX_FEATURE_WORDS; i < count; i++) {
		if (get_user(word, &argp->features[i]))
			return -EFAULT;
		if (word)
			return -EOPNOTSUPP;
		if (!(i % 1024)) {
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}
	}
	/* count 0 acks no feature at all, as upstream's vhost-net reads it. */
	return vhostx_set_features(dev, features);
}

/**
 * vhostx_abi_ioctl() - VHOST_{GET,SET}_FEATURES_ARRAY, _FORK_FROM_OWNER
 * @dev: the device, mutex held
 * @cmd: one of the four
 * @argp: its user argument
 *
 * The feature array: @count words at @features. GET writes our word 0 if
 * there is room and zeroes every further word the caller gave room for;
 * SET refuses any bit beyond word 0 (-EOPNOTSUPP) and treats word 0 as
 * VHOST_SET_FEATURES does (a missing word 0 is 0). The worker mode: see
 * vhostx_fork_owner_ioctl().
 *
 * Return: 0 or -errno; -ENOIOCTLCMD for any other command.
 */
long vhostx_abi_ioctl(struct vhostx_dev *dev, unsigned int cmd,
		      void __user *argp)
{
	lockdep_assert_held(&dev->mutex);
	switch (cmd) {
	case VHOST_GET_FEATURES_ARRAY:
		return vhostx_get_features_array(dev, argp);
	case VHOST_SET_FEATURES_ARRAY:
		return vhostx_set_features_array(dev, argp);
	case VHOST_GET_FORK_FROM_OWNER:
	case VHOST_SET_FORK_FROM_OWNER:
		return vhostx_fork_owner_ioctl(cmd, argp, vhostx_dev_has_owner(dev));
	default:
		return -ENOIOCTLCMD;
	}
}
