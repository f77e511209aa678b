/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhostx.ko internals shared between the core's own files. Device
 * modules use <vhostx/vhost.h> only.
 */
#ifndef _VHOSTX_VHOST_INTERNAL_H
#define _VHOSTX_VHOST_INTERNAL_H

#include <linux/eventfd.h>
#include <vhostx/vhost.h>

/* Upper bound of the max_mem_regions parameter (VHOST_SET_MEM_TABLE). */
#define VHOSTX_MEM_REGIONS_LIMIT	65536U

extern unsigned int vhostx_max_mem_regions;

/* vhost_dev.c */
int vhostx_dev_set_owner(struct vhostx_dev *dev);

/* vhost_worker.c */
int vhostx_worker_start(struct vhostx_dev *dev);
void vhostx_worker_stop(struct vhostx_dev *dev);
long vhostx_worker_ioctl(struct vhostx_dev *dev, unsigned int cmd, void __user *argp);

/* vhost_vq.c */
void vhostx_vq_reset(struct vhostx_vq *vq);
void vhostx_vq_apply_features(struct vhostx_vq *vq);
bool vhostx_vq_log_access_ok(struct vhostx_vq *vq, struct vhostx_mem *mem,
			     void __user *base, bool log_used, u64 log_addr);
int vhostx_vq_check_ring_addr(struct vhostx_vq *vq, u64 desc, u64 avail, u64 used);

/* vhost_devtlb.c: the device IOTLB (VIRTIO_F_ACCESS_PLATFORM) */
extern const struct vhostx_ring_acc vhostx_devtlb_acc;
void vhostx_devtlb_init(struct vhostx_dev *dev);
struct vhost_iotlb *vhostx_devtlb_alloc(void);
void vhostx_devtlb_replace(struct vhostx_dev *dev, struct vhost_iotlb *iotlb);
void vhostx_devtlb_vq_forget(struct vhostx_vq *vq);
bool vhostx_devtlb_prefetch(struct vhostx_vq *vq);
int vhostx_devtlb_check_ring(unsigned int num, u64 desc, u64 avail, u64 used, bool packed);
int vhostx_devtlb_log(struct vhostx_vq *vq, u64 iova, u64 len,
		      int (*fn)(void *arg, u64 gpa, u64 len));
void vhostx_dev_lock_vqs(struct vhostx_dev *dev);
void vhostx_dev_unlock_vqs(struct vhostx_dev *dev);

/* vhost_dev.c */
bool vhostx_dev_has_owner(struct vhostx_dev *dev);

/* vhost_debugfs.c */
int vhostx_debugfs_init(void);
void vhostx_debugfs_exit(void);
void vhostx_debugfs_dev_add(struct vhostx_dev *dev);
void vhostx_debugfs_dev_remove(struct vhostx_dev *dev);

/* vhost_ioctl.c */
long vhostx_vring_ioctl(struct vhostx_dev *dev, unsigned int cmd,
			void __user *argp);
int vhostx_set_features(struct vhostx_dev *dev, u64 features);

/* vhost_abi.c */
long vhostx_abi_ioctl(struct vhostx_dev *dev, unsigned int cmd,
		      void __user *argp);

#endif /* _VHOSTX_VHOST_INTERNAL_H */
