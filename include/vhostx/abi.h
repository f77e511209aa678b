/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost ioctls newer than the <linux/vhost.h> we build against (Debian's
 * 6.1 lacks them). The numbers and layouts are those of upstream Linux
 * (6.17); each is defined only when the kernel's uapi header does not
 * have it, so a newer uapi wins. selftests/vhost_net/abi_test.c checks
 * the encodings as literal values.
 */
#ifndef _VHOSTX_ABI_H
#define _VHOSTX_ABI_H

#include <linux/errno.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/vhost.h>

#ifndef VHOST_GET_FEATURES_ARRAY
/**
 * struct vhost_features_array - feature bits as an array of 64-bit words
 * @count: number of words in @features
 * @features: word i holds feature bits 64 * i to 64 * i + 63
 */
struct vhost_features_array {
	__u64 count;
	__u64 features[];
};

/* 0x8008af83 and 0x4008af83 */
#define VHOST_GET_FEATURES_ARRAY _IOR(VHOST_VIRTIO, 0x83, struct vhost_features_array)
#define VHOST_SET_FEATURES_ARRAY _IOW(VHOST_VIRTIO, 0x83, struct vhost_features_array)
#endif

#ifndef VHOST_SET_FORK_FROM_OWNER
/* Worker modes: a task forked from the owner, or a kernel thread. */
#define VHOST_FORK_OWNER_TASK		1
#define VHOST_FORK_OWNER_KTHREAD	0

/* 0x4001af84 and 0x8001af85 */
#define VHOST_SET_FORK_FROM_OWNER _IOW(VHOST_VIRTIO, 0x84, __u8)
#define VHOST_GET_FORK_FROM_OWNER _IOR(VHOST_VIRTIO, 0x85, __u8)
#endif

#ifndef VHOST_NEW_WORKER
/**
 * struct vhost_worker_state - a worker, by id
 * @worker_id: VHOST_NEW_WORKER's answer; which one VHOST_FREE_WORKER frees
 */
struct vhost_worker_state {
	unsigned int worker_id;
};

/**
 * struct vhost_vring_worker - a queue and a worker
 * @index: the queue
 * @worker_id: the worker it gets (ATTACH) or has (GET)
 */
struct vhost_vring_worker {
	unsigned int index;
	unsigned int worker_id;
};

/* 0x8004af08, 0x4004af09, 0x4008af15 and 0xc008af16 (upstream 6.5) */
#define VHOST_NEW_WORKER _IOR(VHOST_VIRTIO, 0x8, struct vhost_worker_state)
#define VHOST_FREE_WORKER _IOW(VHOST_VIRTIO, 0x9, struct vhost_worker_state)
#define VHOST_ATTACH_VRING_WORKER _IOW(VHOST_VIRTIO, 0x15, struct vhost_vring_worker)
#define VHOST_GET_VRING_WORKER _IOWR(VHOST_VIRTIO, 0x16, struct vhost_vring_worker)
#endif

/**
 * vhostx_fork_owner_ioctl() - VHOST_{GET,SET}_FORK_FROM_OWNER
 * @cmd: the ioctl, one of the two
 * @argp: its __u8 argument
 * @has_owner: VHOST_SET_OWNER has been done on this file
 *
 * Every vhostx worker is a kernel thread (attached to the owner's mm and
 * cgroups), so GET answers VHOST_FORK_OWNER_KTHREAD and SET takes only
 * that. Like upstream, SET is for before VHOST_SET_OWNER and anyone
 * holding the file may call either. The caller holds the lock that makes
 * @has_owner stable.
 *
 * Return: 0; -EBUSY for SET after VHOST_SET_OWNER (before reading the
 * argument, as upstream); -EINVAL for a mode other than kthread (upstream
 * answers EINVAL for a mode it does not know); -EFAULT.
 */
static inline long vhostx_fork_owner_ioctl(unsigned int cmd, void __user *argp,
					   bool has_owner)
{
	u8 mode;

	if (cmd == VHOST_GET_FORK_FROM_OWNER)
		return put_user((u8)VHOST_FORK_OWNER_KTHREAD, (u8 __user *)argp);
	if (has_owner)
		return -EBUSY;
	if (get_user(mode, (u8 __user *)argp))
		return -EFAULT;
	return mode == VHOST_FORK_OWNER_KTHREAD ? 0 : -EINVAL;
}

#endif /* _VHOSTX_ABI_H */
