/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhostx_vdpa internals: /dev/vhost-vdpa-N character devices over the
 * vdpax bus.
 *
 * One struct vxvdpa exists per bound vDPA device, from probe() until the
 * last reference to its device "vhost-vdpa-N" is gone (the open file keeps one
 * through the cdev). The file is single-open: the state of the opener
 * (owner, eventfds, address spaces) lives in struct vxvdpa and is torn
 * down at release(), at VHOST_RESET_OWNER, or at remove() if the device is
 * unbound while open. After remove() the file stays valid but every call
 * on it returns -ENODEV.
 *
 * Locking: vxvdpa.mutex serialises open, release, every ioctl, every IOTLB
 * write and remove(); it protects all the fields marked below. Two paths do
 * not take it and run in atomic context:
 *  - the kick wake-up, an inline-mode poll of the vhost core
 *    (vhostx_poll_init_inline()) called under the kick eventfd's wait-queue
 *    lock; it reads only vxvdpa_vq.vdpa and .index, fixed while it is
 *    registered (vhostx_poll_start() and vhostx_poll_stop() run under the
 *    mutex and synchronise with the wait-queue lock);
 *  - the device's used-buffer and config callbacks, whose private pointer
 *    is the eventfd context itself; the bus guarantees a callback no longer
 *    runs once set_vq_cb()/set_config_cb() replaced it, and only then is
 *    the context put.
 */
#ifndef _VHOSTX_VDPA_INTERNAL_H
#define _VHOSTX_VDPA_INTERNAL_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/vhost.h>
#include <linux/vhost_iotlb.h>
#include <linux/wait.h>
#include <vhostx/vdpa.h>
#include <vhostx/vhost.h>

/* Not in the 6.1 uapi headers: same numbers as later kernels. */
#ifndef VHOST_BACKEND_F_RESUME
#define VHOST_BACKEND_F_RESUME	0x5
#endif
#ifndef VHOST_VDPA_RESUME
#define VHOST_VDPA_RESUME	_IO(VHOST_VIRTIO, 0x7E)
#endif

struct vxvdpa;

/**
 * struct vxvdpa_vq - the file's side of one virtqueue
 * @v: the device
 * @vdpa: the bus device, for the kick path (fixed while @kick is set)
 * @index: virtqueue index
 * @kick: kick eventfd file, or NULL (under vxvdpa.mutex)
 * @kick_poll: our entry on @kick's wait queue; its wake-up calls kick_vq()
 * @call_ctx: used-buffer eventfd, or NULL (under vxvdpa.mutex)
 * @err_ctx: error eventfd, accepted for compatibility, never signalled
 * @busyloop_timeout: VHOST_SET_VRING_BUSYLOOP_TIMEOUT value, no effect
 */
struct vxvdpa_vq {
	struct vxvdpa *v;
	struct vdpax_device *vdpa;
	u16 index;
	struct file *kick;
	struct vhostx_poll kick_poll;
	struct eventfd_ctx *call_ctx;
	struct eventfd_ctx *err_ctx;
	u32 busyloop_timeout;
};

/**
 * struct vxvdpa - a vhost-vdpa character device
 * @dev: device "vhost-vdpa-<minor>" with the node's devt, child of the
 *       vDPA device
 * @cdev: the character device
 * @minor: minor number, also in the name
 * @nvqs: number of virtqueues of the vDPA device
 * @nas: number of address spaces of the vDPA device
 * @mutex: see the file comment; protects every field below
 * @vdpa: the bound device; NULL once remove() ran
 * @opened: the file is open
 * @mm: owner's address space (mmgrab() reference), NULL without owner;
 *      pinned pages are accounted in its pinned_vm
 * @backend_features: acked VHOST_SET_BACKEND_FEATURES bits
 * @config_ctx: config-change eventfd, or NULL
 * @range: usable IOVA range of the device
 * @as: one IOTLB per address space (IOVA -> physical address of pinned
 *      pages), allocated at the first mapping; NULL if never used
 * @domain: for a device without its own IOTLB (platform IOMMU model), the
 *          IOMMU domain its DMA device is attached to while the file is
 *          open; the mappings of @as are programmed into it. NULL otherwise
 * @in_batch: between VHOST_IOTLB_BATCH_BEGIN and _END
 * @batch_asid: address space of the current batch
 * @pinned: pages pinned through this file right now
 * @map_tag: tag of the last update; its IOTLB entries carry it as opaque
 * @vqs: @nvqs queues
 */
struct vxvdpa {
	struct device dev;
	struct cdev cdev;
	int minor;
	u32 nvqs;
	unsigned int nas;

	struct mutex mutex;	/* serialises the file's calls; see above */
	struct vdpax_device *vdpa;
	bool opened;
	struct mm_struct *mm;
	u64 backend_features;
	struct eventfd_ctx *config_ctx;
	struct vdpax_iova_range range;
	struct vhost_iotlb **as;
	struct iommu_domain *domain;
	bool in_batch;
	u32 batch_asid;
	u64 pinned;
	unsigned long map_tag;
	struct vxvdpa_vq *vqs;
};

/* vdpa.c */
int vxvdpa_check_owner(struct vxvdpa *v);

/* vdpa_vq.c: per-queue ioctls, kick and call plumbing */
long vxvdpa_vring_ioctl(struct vxvdpa *v, unsigned int cmd, void __user *argp);
long vxvdpa_set_config_call(struct vxvdpa *v, int __user *argp);
void vxvdpa_vqs_init(struct vxvdpa *v);
void vxvdpa_vqs_release(struct vxvdpa *v);

/* vdpa_iotlb.c: IOTLB messages, pinning, address spaces */
ssize_t vxvdpa_write_iter(struct kiocb *iocb, struct iov_iter *from);
void vxvdpa_iotlb_release(struct vxvdpa *v);
int vxvdpa_domain_attach(struct vxvdpa *v);
void vxvdpa_domain_detach(struct vxvdpa *v);

#endif /* _VHOSTX_VDPA_INTERNAL_H */
