// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpax_pci: a modern virtio-net PCI function as a vDPA parent.
 *
 * The PCI driver "vdpax_pci" has no ID table: it binds only to a function
 * whose driver_override names it (or that a user adds by new_id), and then
 * only to a Red Hat/virtio vendor function that the kernel's virtio PCI
 * library accepts as modern and that is a network device offering
 * VERSION_1. A bound function becomes the management device "pci/<BDF>";
 * "vdpa dev add ... mgmtdev pci/<BDF>" creates one vDPA device whose
 * virtqueues are the function's own rings: the config ops below program the
 * function's common configuration, and the driver (virtio_vdpa, or the
 * user of /dev/vhost-vdpa-N) writes the rings in memory the device reaches
 * by DMA.
 *
 * DMA: the platform IOMMU model. The device has no IOTLB of its own; its
 * DMA device is the PCI function, and a consumer either uses the DMA API
 * (virtio_vdpa) or attaches an IOMMU domain of its own (vhostx_vdpa).
 *
 * Interrupts: MSI-X, allocated when the vDPA device is created. Vector 0 is
 * the config interrupt; queue i gets vector i + 1, or, when the function
 * has fewer vectors than queues + 1, all queues share vector 1. The
 * function forgets vector assignments at reset: a queue's vector is
 * written when the queue is enabled, the config vector at the first status
 * write after a reset.
 *
 * The config space is read-only through the device (vpx_set_config()).
 *
 * What the hardware cannot do: report or set a queue's available index
 * (the virtio PCI transport has no register for it), so set_vq_state()
 * takes only index 0 on a queue not yet enabled and get_vq_state() answers
 * only for such a queue; and stop one queue alone (writing 0 to
 * queue_enable is not allowed), so set_vq_ready(false) marks the queue not
 * ready and the hardware queue stops at the next reset.
 *
 * Locks: vdpax_dev_lock (the core's) around dev_add/dev_del and the
 * management device's unregistration; vpx_pci.cfg_lock around every
 * select-then-access sequence of the common configuration; vpx_dev.cb_lock
 * (interrupts off) around the callbacks, which the interrupt handlers copy
 * under it and call after dropping it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/virtio_pci_modern.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_ids.h>
#include <uapi/linux/virtio_net.h>
#include <vhostx/vdpa.h>

#define VPX_DRIVER_NAME		"vdpax_pci"
/* Config space reads retried while the generation moves, at most. */
#define VPX_CONFIG_TRIES	8
/* The config interrupt's vector; the queues' start after it. */
#define VPX_CONFIG_VECTOR	0

/* Not in the 6.1 uapi headers: the numbers of the virtio spec. */
#ifndef VIRTIO_F_NOTIFICATION_DATA
#define VIRTIO_F_NOTIFICATION_DATA	38
#endif

/*
 * Features never offered: the bus has no way to pass notification data or
 * to reset one queue, and carries split-ring state only.
 */
#define VPX_FEATURES_HIDDEN	(BIT_ULL(VIRTIO_F_NOTIFICATION_DATA) |	\
				 BIT_ULL(VIRTIO_F_RING_RESET) |		\
				 BIT_ULL(VIRTIO_F_RING_PACKED))

static unsigned int reset_timeout_ms = 1000;
module_param(reset_timeout_ms, uint, 0644);
MODULE_PARM_DESC(reset_timeout_ms,
		 "How long to wait for a function to finish a reset, in ms (default 1000)");

/**
 * struct vpx_vq - one hardware virtqueue
 * @dev: the device
 * @notify: the queue's doorbell, mapped
 * @notify_pa: its physical address
 * @own_map: @notify was mapped for this queue alone (not inside the
 *           library's notify_base) and is unmapped with it
 * @cb: used-buffer callback; under vpx_dev.cb_lock
 * @irq: Linux IRQ of the queue's vector, or -1
 * @vector: MSI-X vector the queue is given when enabled
 * @ready: enabled by the driver and not disabled since
 * @started: enabled in the hardware since the last reset
 * @name: IRQ name
 */
struct vpx_vq {
	struct vpx_dev *dev;
	void __iomem *notify;
	resource_size_t notify_pa;
	bool own_map;
	struct vdpax_callback cb;
	int irq;
	u16 vector;
	bool ready;
	bool started;
	char name[40];
};

/**
 * struct vpx_pci - a bound PCI function, the management device
 * @mgmt: the management device "pci/<BDF>"
 * @mdev: the virtio PCI library's view of the function
 * @features: what its devices can offer (the function's, less the hidden)
 * @nvqs: number of hardware virtqueues
 * @vq_max: largest queue size the function reports
 * @dev: the vDPA device it backs, or NULL; under vdpax_dev_lock
 * @id_table: the classes it creates (network)
 * @cfg_lock: serialises select-then-access sequences of the common config
 */
struct vpx_pci {
	struct vdpax_mgmt_dev mgmt;
	struct virtio_pci_modern_device mdev;
	spinlock_t cfg_lock;	/* the common config's select registers */
	u64 features;
	u16 nvqs;
	u16 vq_max;
	struct vpx_dev *dev;
	struct virtio_device_id id_table[2];
};

/**
 * struct vpx_dev - the vDPA device of a function
 * @vdpa: the bus device (first member)
 * @pci: the function; NULL once dev_del() ran
 * @mdev: the function's registers (valid while @pci is)
 * @features: features offered to drivers
 * @nvqs: number of virtqueues
 * @vq_max: largest queue size
 * @vqs: @nvqs queues
 * @cfg_lock: the function's vpx_pci.cfg_lock (valid while @pci is)
 * @cb_lock: protects every callback (interrupts off)
 * @config_cb: config-change callback; under @cb_lock
 * @config_irq: Linux IRQ of the config vector, or -1
 * @config_vector_set: the config vector was written since the last reset
 * @shared_irq: all queues share one vector (and IRQ, vqs[0].irq)
 * @nvec: MSI-X vectors allocated
 * @config_name: config IRQ name
 */
struct vpx_dev {
	struct vdpax_device vdpa;
	struct vpx_pci *pci;
	struct virtio_pci_modern_device *mdev;
	u64 features;
	u16 nvqs;
	u16 vq_max;
	struct vpx_vq *vqs;
	spinlock_t *cfg_lock;
	spinlock_t cb_lock;	/* callbacks; taken in hard IRQ context */
	struct vdpax_callback config_cb;
	int config_irq;
	bool config_vector_set;
	bool shared_irq;
	int nvec;
	char config_name[40];
};

static struct vpx_dev *to_vpx(struct vdpax_device *vdpa)
{
	return container_of(vdpa, struct vpx_dev, vdpa);
}

/* Write 0 to the status and wait until the function reads back 0. */
static int vpx_hw_reset(struct virtio_pci_modern_device *mdev, spinlock_t *lock)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(reset_timeout_ms);
	u8 status;

	spin_lock(lock);
	vp_modern_set_status(mdev, 0);
	spin_unlock(lock);
	for (;;) {
		spin_lock(lock);
		status = vp_modern_get_status(mdev);
		spin_unlock(lock);
		if (!status)
			return 0;
		if (time_after(jiffies, deadline))
			break;
		usleep_range(100, 200);
	}
	dev_err_ratelimited(&mdev->pci_dev->dev,
			    "the function did not finish its reset within %u ms (status 0x%x)\n",
			    reset_timeout_ms, status);
	return -ETIMEDOUT;
}

/* Used-buffer interrupt of one queue. */
static irqreturn_t vpx_vq_irq(int irq, void *arg)
{
	struct vpx_vq *vq = arg;
	struct vdpax_callback cb;

	spin_lock(&vq->dev->cb_lock);
	cb = vq->cb;
	spin_unlock(&vq->dev->cb_lock);
	if (cb.callback)
		cb.callback(cb.private);
	return IRQ_HANDLED;
}

/* The one vector all queues share: every queue's callback. */
static irqreturn_t vpx_shared_irq(int irq, void *arg)
{
	struct vpx_dev *vdev = arg;
	u16 i;

	for (i = 0; i < vdev->nvqs; i++)
		vpx_vq_irq(irq, &vdev->vqs[i]);
	return IRQ_HANDLED;
}

static irqreturn_t vpx_config_irq(int irq, void *arg)
{
	struct vpx_dev *vdev = arg;
	struct vdpax_callback cb;

	spin_lock(&vdev->cb_lock);
	cb = vdev->config_cb;
	spin_unlock(&vdev->cb_lock);
	if (cb.callback)
		cb.callback(cb.private);
	return IRQ_HANDLED;
}

/* After this no callback read before it is still running. */
static void vpx_sync_irqs(struct vpx_dev *vdev)
{
	u16 i;

	if (vdev->config_irq >= 0)
		synchronize_irq(vdev->config_irq);
	for (i = 0; i < vdev->nvqs; i++)
		if (vdev->vqs[i].irq >= 0)
			synchronize_irq(vdev->vqs[i].irq);
}

static int vpx_set_vq_address(struct vdpax_device *vdpa, u16 idx, u64 desc_area,
			      u64 driver_area, u64 device_area)
{
	struct vpx_dev *vdev = to_vpx(vdpa);

	/* The transport forbids moving an enabled queue. */
	if (vdev->vqs[idx].started)
		return -EBUSY;
	spin_lock(vdev->cfg_lock);
	vp_modern_queue_address(vdev->mdev, idx, desc_area, driver_area, device_area);
	spin_unlock(vdev->cfg_lock);
	return 0;
}

static void vpx_set_vq_num(struct vdpax_device *vdpa, u16 idx, u32 num)
{
	struct vpx_dev *vdev = to_vpx(vdpa);

	/* Split rings only: a power of two, at most what the function has. */
	if (vdev->vqs[idx].started || !is_power_of_2(num) || num > vdev->vq_max)
		return;
	spin_lock(vdev->cfg_lock);
	vp_modern_set_queue_size(vdev->mdev, idx, num);
	spin_unlock(vdev->cfg_lock);
}

/* Any context: one doorbell write, nothing the driver can stretch. */
static void vpx_kick_vq(struct vdpax_device *vdpa, u16 idx)
{
	struct vpx_dev *vdev = to_vpx(vdpa);

	vp_iowrite16(idx, (__le16 __iomem *)vdev->vqs[idx].notify);
}

static void vpx_set_vq_cb(struct vdpax_device *vdpa, u16 idx, const struct vdpax_callback *cb)
{
	struct vpx_dev *vdev = to_vpx(vdpa);
	struct vpx_vq *vq = &vdev->vqs[idx];
	unsigned long flags;

	spin_lock_irqsave(&vdev->cb_lock, flags);
	if (cb)
		vq->cb = *cb;
	else
		vq->cb = (struct vdpax_callback){};
	spin_unlock_irqrestore(&vdev->cb_lock, flags);
	if (vq->irq >= 0)
		synchronize_irq(vq->irq);
}

static void vpx_set_vq_ready(struct vdpax_device *vdpa, u16 idx, bool ready)
{
	struct vpx_dev *vdev = to_vpx(vdpa);
	struct vpx_vq *vq = &vdev->vqs[idx];
	u16 got;

	if (!ready) {
		/* The hardware queue runs on until the next reset. */
		vq->ready = false;
		return;
	}
	spin_lock(vdev->cfg_lock);
	got = vp_modern_queue_vector(vdev->mdev, idx, vq->vector);
	vp_modern_set_queue_enable(vdev->mdev, idx, true);
	spin_unlock(vdev->cfg_lock);
	if (got != vq->vector)
		dev_warn_ratelimited(&vdev->vdpa.dev,
				     "queue %u: the function refused MSI-X vector %u: no used-buffer interrupts\n",
				     idx, vq->vector);
	vq->ready = true;
	vq->started = true;
}

static bool vpx_get_vq_ready(struct vdpax_device *vdpa, u16 idx)
{
	return to_vpx(vdpa)->vqs[idx].ready;
}

static int vpx_set_vq_state(struct vdpax_device *vdpa, u16 idx,
			    const struct vdpax_vq_state *state)
{
	struct vpx_dev *vdev = to_vpx(vdpa);

	/* A fresh queue starts at 0; nothing can move the hardware's index. */
	if (vdev->vqs[idx].started || state->avail_index)
		return -EOPNOTSUPP;
	return 0;
}

static int vpx_get_vq_state(struct vdpax_device *vdpa, u16 idx, struct vdpax_vq_state *state)
{
	struct vpx_dev *vdev = to_vpx(vdpa);

	/* Once the hardware has the queue, its position cannot be read. */
	if (vdev->vqs[idx].started)
		return -EOPNOTSUPP;
	state->avail_index = 0;
	state->used_index = 0;
	return 0;
}

static struct vdpax_notification_area vpx_get_vq_notification(struct vdpax_device *vdpa,
							       u16 idx)
{
	struct vpx_dev *vdev = to_vpx(vdpa);
	struct vdpax_notification_area area = {};
	u32 mult = vdev->mdev->notify_offset_multiplier;
	resource_size_t pa = vdev->vqs[idx].notify_pa;

	/* Only a doorbell alone in its page can be handed to users. */
	if (mult >= PAGE_SIZE && PAGE_ALIGNED(pa)) {
		area.addr = pa;
		area.size = PAGE_SIZE;
	}
	return area;
}

static int vpx_get_vq_irq(struct vdpax_device *vdpa, u16 idx)
{
	struct vpx_dev *vdev = to_vpx(vdpa);

	if (vdev->shared_irq || vdev->vqs[idx].irq < 0)
		return -EINVAL;
	return vdev->vqs[idx].irq;
}

static u32 vpx_get_vq_align(struct vdpax_device *vdpa)
{
	return PAGE_SIZE;
}

static u64 vpx_get_device_features(struct vdpax_device *vdpa)
{
	return to_vpx(vdpa)->features;
}

static int vpx_set_driver_features(struct vdpax_device *vdpa, u64 features)
{
	struct vpx_dev *vdev = to_vpx(vdpa);

	if (features & ~vdev->features)
		return -EINVAL;
	spin_lock(vdev->cfg_lock);
	vp_modern_set_features(vdev->mdev, features);
	spin_unlock(vdev->cfg_lock);
	return 0;
}

static u64 vpx_get_driver_features(struct vdpax_device *vdpa)
{
	struct vpx_dev *vdev = to_vpx(vdpa);
	u64 features;

	spin_lock(vdev->cfg_lock);
	features = vp_modern_get_driver_features(vdev->mdev);
	spin_unlock(vdev->cfg_lock);
	return features;
}

static void vpx_set_config_cb(struct vdpax_device *vdpa, const struct vdpax_callback *cb)
{
	struct vpx_dev *vdev = to_vpx(vdpa);
	unsigned long flags;

	spin_lock_irqsave(&vdev->cb_lock, flags);
	if (cb)
		vdev->config_cb = *cb;
	else
		vdev->config_cb = (struct vdpax_callback){};
	spin_unlock_irqrestore(&vdev->cb_lock, flags);
	if (vdev->config_irq >= 0)
		synchronize_irq(vdev->config_irq);
}

static u16 vpx_get_vq_num_max(struct vdpax_device *vdpa)
{
	return to_vpx(vdpa)->vq_max;
}

static u32 vpx_get_device_id(struct vdpax_device *vdpa)
{
	return to_vpx(vdpa)->mdev->id.device;
}

static u32 vpx_get_vendor_id(struct vdpax_device *vdpa)
{
	return to_vpx(vdpa)->mdev->id.vendor;
}

static u8 vpx_get_status(struct vdpax_device *vdpa)
{
	struct vpx_dev *vdev = to_vpx(vdpa);
	u8 status;

	spin_lock(vdev->cfg_lock);
	status = vp_modern_get_status(vdev->mdev);
	spin_unlock(vdev->cfg_lock);
	return status;
}

static void vpx_set_status(struct vdpax_device *vdpa, u8 status)
{
	struct vpx_dev *vdev = to_vpx(vdpa);
	bool refused = false;

	spin_lock(vdev->cfg_lock);
	if (!vdev->config_vector_set) {
		refused = vp_modern_config_vector(vdev->mdev, VPX_CONFIG_VECTOR) !=
			  VPX_CONFIG_VECTOR;
		vdev->config_vector_set = true;
	}
	vp_modern_set_status(vdev->mdev, status);
	spin_unlock(vdev->cfg_lock);
	if (refused)
		dev_warn_ratelimited(&vdpa->dev,
				     "the function refused the config MSI-X vector: no config interrupts\n");
}

static int vpx_reset(struct vdpax_device *vdpa)
{
	struct vpx_dev *vdev = to_vpx(vdpa);
	unsigned long flags;
	u16 i;
	int err;

	err = vpx_hw_reset(vdev->mdev, vdev->cfg_lock);
	/* The function forgot its vectors; the callbacks go too. */
	spin_lock_irqsave(&vdev->cb_lock, flags);
	vdev->config_cb = (struct vdpax_callback){};
	for (i = 0; i < vdev->nvqs; i++)
		vdev->vqs[i].cb = (struct vdpax_callback){};
	spin_unlock_irqrestore(&vdev->cb_lock, flags);
	vpx_sync_irqs(vdev);
	for (i = 0; i < vdev->nvqs; i++) {
		vdev->vqs[i].ready = false;
		vdev->vqs[i].started = false;
	}
	vdev->config_vector_set = false;
	return err;
}

static size_t vpx_get_config_size(struct vdpax_device *vdpa)
{
	return to_vpx(vdpa)->mdev->device_len;
}

static void vpx_get_config(struct vdpax_device *vdpa, unsigned int offset, void *buf,
			   unsigned int len)
{
	struct vpx_dev *vdev = to_vpx(vdpa);
	struct virtio_pci_modern_device *mdev = vdev->mdev;
	unsigned int i, tries = 0;
	u32 before, after;
	u8 *p = buf;

	/* A consistent snapshot, but never an endless loop on a busy device. */
	do {
		before = vp_modern_generation(mdev);
		for (i = 0; i < len; i++)
			p[i] = vp_ioread8((u8 __iomem *)mdev->device + offset + i);
		after = vp_modern_generation(mdev);
	} while (before != after && ++tries < VPX_CONFIG_TRIES);
}

/*
 * A VERSION_1 network device's config space is read-only to the driver
 * (the MAC changes through the control queue), and every function taken
 * here is one. Writes are dropped rather than passed on: QEMU writes its
 * own -device MAC at start-up, which a device model that still honours
 * legacy writes (QEMU's virtio-net-pci before feature negotiation) would
 * take, and the function would lose its MAC.
 */
static void vpx_set_config(struct vdpax_device *vdpa, unsigned int offset, const void *buf,
			   unsigned int len)
{
	dev_dbg_ratelimited(&vdpa->dev, "config write at %u (%u bytes) dropped: read-only\n",
			    offset, len);
}

static u32 vpx_get_generation(struct vdpax_device *vdpa)
{
	return vp_modern_generation(to_vpx(vdpa)->mdev);
}

/* Release: only memory is left; the hardware was let go at dev_del(). */
static void vpx_free(struct vdpax_device *vdpa)
{
	kfree(to_vpx(vdpa)->vqs);
}

static const struct vdpax_config_ops vpx_ops = {
	.set_vq_address = vpx_set_vq_address,
	.set_vq_num = vpx_set_vq_num,
	.kick_vq = vpx_kick_vq,
	.set_vq_cb = vpx_set_vq_cb,
	.set_vq_ready = vpx_set_vq_ready,
	.get_vq_ready = vpx_get_vq_ready,
	.set_vq_state = vpx_set_vq_state,
	.get_vq_state = vpx_get_vq_state,
	.get_vq_notification = vpx_get_vq_notification,
	.get_vq_irq = vpx_get_vq_irq,
	.get_vq_align = vpx_get_vq_align,
	.get_device_features = vpx_get_device_features,
	.set_driver_features = vpx_set_driver_features,
	.get_driver_features = vpx_get_driver_features,
	.set_config_cb = vpx_set_config_cb,
	.get_vq_num_max = vpx_get_vq_num_max,
	.get_device_id = vpx_get_device_id,
	.get_vendor_id = vpx_get_vendor_id,
	.get_status = vpx_get_status,
	.set_status = vpx_set_status,
	.reset = vpx_reset,
	.get_config_size = vpx_get_config_size,
	.get_config = vpx_get_config,
	.set_config = vpx_set_config,
	.get_generation = vpx_get_generation,
	.free = vpx_free,
};

/* Give back interrupts and doorbell mappings; the function is reset. */
static void vpx_release_hw(struct vpx_dev *vdev)
{
	struct pci_dev *pdev = vdev->mdev->pci_dev;
	u16 i;

	if (vdev->config_irq >= 0)
		free_irq(vdev->config_irq, vdev);
	vdev->config_irq = -1;
	for (i = 0; i < vdev->nvqs; i++) {
		struct vpx_vq *vq = &vdev->vqs[i];

		if (vq->irq >= 0 && !(vdev->shared_irq && i))
			free_irq(vq->irq, vdev->shared_irq ? (void *)vdev : (void *)vq);
		vq->irq = -1;
		if (vq->own_map && vq->notify)
			pci_iounmap(pdev, vq->notify);
		vq->notify = NULL;
	}
	if (vdev->nvec)
		pci_free_irq_vectors(pdev);
	vdev->nvec = 0;
}

/*
 * One vector per queue plus the config vector if the function has them,
 * else two: config, and one all queues share.
 */
static int vpx_setup_irqs(struct vpx_dev *vdev, struct netlink_ext_ack *extack)
{
	struct pci_dev *pdev = vdev->mdev->pci_dev;
	int nvec, irq, err;
	u16 i;

	nvec = pci_alloc_irq_vectors(pdev, vdev->nvqs + 1, vdev->nvqs + 1, PCI_IRQ_MSIX);
	if (nvec < 0) {
		nvec = pci_alloc_irq_vectors(pdev, 2, 2, PCI_IRQ_MSIX);
		if (nvec < 0) {
			NL_SET_ERR_MSG_MOD(extack, "the PCI function has fewer than 2 MSI-X vectors");
			return nvec;
		}
		vdev->shared_irq = true;
	}
	vdev->nvec = nvec;

	snprintf(vdev->config_name, sizeof(vdev->config_name), "vdpax_pci[%s]-config",
		 pci_name(pdev));
	irq = pci_irq_vector(pdev, VPX_CONFIG_VECTOR);
	err = request_irq(irq, vpx_config_irq, 0, vdev->config_name, vdev);
	if (err)
		goto err_irq;
	vdev->config_irq = irq;

	if (vdev->shared_irq) {
		struct vpx_vq *vq0 = &vdev->vqs[0];

		snprintf(vq0->name, sizeof(vq0->name), "vdpax_pci[%s]-queues", pci_name(pdev));
		irq = pci_irq_vector(pdev, 1);
		err = request_irq(irq, vpx_shared_irq, 0, vq0->name, vdev);
		if (err)
			goto err_irq;
		for (i = 0; i < vdev->nvqs; i++) {
			vdev->vqs[i].irq = irq;
			vdev->vqs[i].vector = 1;
		}
		return 0;
	}
	for (i = 0; i < vdev->nvqs; i++) {
		struct vpx_vq *vq = &vdev->vqs[i];

		snprintf(vq->name, sizeof(vq->name), "vdpax_pci[%s]-%u", pci_name(pdev), i);
		irq = pci_irq_vector(pdev, i + 1);
		err = request_irq(irq, vpx_vq_irq, 0, vq->name, vq);
		if (err)
			goto err_irq;
		vq->irq = irq;
		vq->vector = i + 1;
	}
	return 0;

err_irq:
	NL_SET_ERR_MSG_MOD(extack, "cannot request the PCI function's interrupts");
	return err;
}

static int vpx_map_doorbells(struct vpx_dev *vdev, struct netlink_ext_ack *extack)
{
	struct virtio_pci_modern_device *mdev = vdev->mdev;
	u16 i;

	for (i = 0; i < vdev->nvqs; i++) {
		struct vpx_vq *vq = &vdev->vqs[i];

		/* May sleep (ioremap); no device is registered yet to race. */
		vq->notify = vp_modern_map_vq_notify(mdev, i, &vq->notify_pa);
		if (!vq->notify) {
			NL_SET_ERR_MSG_MOD(extack, "cannot map a queue's doorbell");
			return -EIO;
		}
		/* Outside notify_base the library mapped it for this queue. */
		vq->own_map = !mdev->notify_base;
	}
	return 0;
}

static int vpx_check_features(struct vpx_pci *pci, u64 features, struct netlink_ext_ack *extack)
{
	if (!(features & BIT_ULL(VIRTIO_F_VERSION_1))) {
		NL_SET_ERR_MSG_MOD(extack, "device_features must include VERSION_1 (bit 32)");
		return -EINVAL;
	}
	/* A translating function must be driven with translated addresses. */
	if ((pci->features & BIT_ULL(VIRTIO_F_ACCESS_PLATFORM)) &&
	    !(features & BIT_ULL(VIRTIO_F_ACCESS_PLATFORM))) {
		NL_SET_ERR_MSG_MOD(extack,
				   "device_features must keep ACCESS_PLATFORM (bit 33): the function's DMA is translated");
		return -EINVAL;
	}
	return 0;
}

static int vpx_dev_add(struct vdpax_mgmt_dev *mgmt, const char *name,
		       const struct vdpax_dev_set_config *cfg, struct netlink_ext_ack *extack)
{
	struct vpx_pci *pci = container_of(mgmt, struct vpx_pci, mgmt);
	struct pci_dev *pdev = pci->mdev.pci_dev;
	u64 features = pci->features;
	struct vpx_dev *vdev;
	u16 i;
	int err;

	if (pci->dev) {
		NL_SET_ERR_MSG_MOD(extack, "the PCI function already backs a vDPA device");
		return -EBUSY;
	}
	if (cfg->mask & VDPAX_CFG_FEATURES) {
		features = cfg->device_features;
		err = vpx_check_features(pci, features, extack);
		if (err)
			return err;
	}

	vdev = vdpax_alloc_device(struct vpx_dev, vdpa, &pdev->dev, &vpx_ops, 1, 1, name);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);
	vdev->vdpa.dma_dev = &pdev->dev;
	vdev->pci = pci;
	vdev->mdev = &pci->mdev;
	vdev->cfg_lock = &pci->cfg_lock;
	vdev->features = features;
	vdev->nvqs = pci->nvqs;
	vdev->vq_max = pci->vq_max;
	vdev->config_irq = -1;
	spin_lock_init(&vdev->cb_lock);
	vdev->vqs = kcalloc(vdev->nvqs, sizeof(*vdev->vqs), GFP_KERNEL);
	if (!vdev->vqs) {
		err = -ENOMEM;
		goto err_put;
	}
	for (i = 0; i < vdev->nvqs; i++) {
		vdev->vqs[i].dev = vdev;
		vdev->vqs[i].irq = -1;
	}

	err = vpx_map_doorbells(vdev, extack);
	if (err)
		goto err_hw;
	err = vpx_setup_irqs(vdev, extack);
	if (err)
		goto err_hw;
	err = vpx_reset(&vdev->vdpa);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "the PCI function does not complete a reset");
		goto err_hw;
	}
	err = vdpax_register_device_locked(&vdev->vdpa, mgmt, vdev->nvqs);
	if (err)
		goto err_hw;
	pci->dev = vdev;
	return 0;

err_hw:
	vpx_release_hw(vdev);
err_put:
	/* vpx_free() frees the queues. */
	vdpax_put_device(&vdev->vdpa);
	return err;
}

static void vpx_dev_del(struct vdpax_mgmt_dev *mgmt, struct vdpax_device *vdpa)
{
	struct vpx_pci *pci = container_of(mgmt, struct vpx_pci, mgmt);
	struct vpx_dev *vdev = to_vpx(vdpa);

	/* Unbinds the driver, which resets the device. */
	vdpax_unregister_device_locked(vdpa);
	/* Whatever the driver left, the function stops touching memory. */
	vpx_hw_reset(vdev->mdev, vdev->cfg_lock);
	vpx_release_hw(vdev);
	vdev->pci = NULL;
	pci->dev = NULL;
}

static const struct vdpax_mgmtdev_ops vpx_mgmtdev_ops = {
	.dev_add = vpx_dev_add,
	.dev_del = vpx_dev_del,
};

/* The function's queue pairs, from its config space if it has MQ. */
static u16 vpx_max_vq_pairs(struct virtio_pci_modern_device *mdev, u64 features)
{
	u16 pairs;

	if (!(features & BIT_ULL(VIRTIO_NET_F_MQ)) ||
	    mdev->device_len < offsetofend(struct virtio_net_config, max_virtqueue_pairs))
		return 1;
	pairs = vp_ioread16((__le16 __iomem *)((u8 __iomem *)mdev->device +
			    offsetof(struct virtio_net_config, max_virtqueue_pairs)));
	return pairs ?: 1;
}

static int vpx_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct virtio_pci_modern_device *mdev;
	struct vpx_pci *pci;
	u16 i, size;
	int err;

	/* Only virtio functions: other vendors reuse the 0x1000.. IDs. */
	if (pdev->vendor != PCI_VENDOR_ID_REDHAT_QUMRANET)
		return -ENODEV;

	pci = kzalloc(sizeof(*pci), GFP_KERNEL);
	if (!pci)
		return -ENOMEM;
	mdev = &pci->mdev;
	mdev->pci_dev = pdev;

	err = pci_enable_device(pdev);
	if (err)
		goto err_free;
	err = vp_modern_probe(mdev);
	if (err) {
		dev_info(&pdev->dev, "not a modern virtio PCI function: %d\n", err);
		goto err_disable;
	}
	err = -ENODEV;
	if (mdev->id.device != VIRTIO_ID_NET) {
		dev_info(&pdev->dev, "virtio device id %u: only network functions are taken\n",
			 mdev->id.device);
		goto err_remove;
	}
	if (!mdev->device) {
		dev_info(&pdev->dev, "no device configuration capability\n");
		goto err_remove;
	}
	spin_lock_init(&pci->cfg_lock);
	err = vpx_hw_reset(mdev, &pci->cfg_lock);
	if (err)
		goto err_remove;

	pci->features = vp_modern_get_features(mdev) & ~VPX_FEATURES_HIDDEN;
	if (!(pci->features & BIT_ULL(VIRTIO_F_VERSION_1))) {
		dev_info(&pdev->dev, "the function does not offer VERSION_1\n");
		err = -ENODEV;
		goto err_remove;
	}
	pci->nvqs = vp_modern_get_num_queues(mdev);
	if (pci->nvqs < 2) {
		dev_info(&pdev->dev, "the function has %u queues, a network device needs 2\n",
			 pci->nvqs);
		err = -ENODEV;
		goto err_remove;
	}
	for (i = 0; i < pci->nvqs; i++) {
		size = vp_modern_get_queue_size(mdev, i);
		pci->vq_max = max(pci->vq_max, size);
	}
	if (!pci->vq_max) {
		err = -ENODEV;
		goto err_remove;
	}
	pci_set_master(pdev);

	pci->id_table[0].device = VIRTIO_ID_NET;
	pci->id_table[0].vendor = VIRTIO_DEV_ANY_ID;
	pci->mgmt.device = &pdev->dev;
	pci->mgmt.ops = &vpx_mgmtdev_ops;
	pci->mgmt.id_table = pci->id_table;
	pci->mgmt.config_attr_mask = VDPAX_CFG_FEATURES;
	pci->mgmt.supported_features = pci->features;
	pci->mgmt.max_supported_vqs = pci->nvqs;
	pci->mgmt.max_vq_pairs = vpx_max_vq_pairs(mdev, pci->features);
	pci_set_drvdata(pdev, pci);
	err = vdpax_mgmtdev_register(&pci->mgmt);
	if (err)
		goto err_master;
	dev_info(&pdev->dev, "management device pci/%s: %u queues of up to %u entries\n",
		 pci_name(pdev), pci->nvqs, pci->vq_max);
	return 0;

err_master:
	pci_clear_master(pdev);
err_remove:
	vp_modern_remove(mdev);
err_disable:
	pci_disable_device(pdev);
err_free:
	kfree(pci);
	return err;
}

static void vpx_remove(struct pci_dev *pdev)
{
	struct vpx_pci *pci = pci_get_drvdata(pdev);

	/* Deletes the vDPA device, if any, first. */
	vdpax_mgmtdev_unregister(&pci->mgmt);
	vpx_hw_reset(&pci->mdev, &pci->cfg_lock);
	pci_clear_master(pdev);
	vp_modern_remove(&pci->mdev);
	pci_disable_device(pdev);
	kfree(pci);
}

/*
 * No ID table: the driver binds only where a user sent it, through
 * driver_override (or new_id), never to a NIC by itself.
 */
static struct pci_driver vpx_driver = {
	.name = VPX_DRIVER_NAME,
	.probe = vpx_probe,
	.remove = vpx_remove,
};

module_pci_driver(vpx_driver);

MODULE_DESCRIPTION("vdpax_pci: modern virtio-net PCI functions as vDPA devices (management device pci/<BDF>), bound on request");
MODULE_LICENSE("GPL");
