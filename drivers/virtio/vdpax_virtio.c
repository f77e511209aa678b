// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdpax_virtio: put vDPA devices on the kernel's virtio bus, so the stock
 * virtio drivers (virtio_net, ...) drive them from the host kernel.
 *
 * The driver is named "virtio_vdpa" on the vdpa bus, the name users and
 * scripts know. For each bound vDPA device it registers a virtio_device whose
 * config ops forward to the vDPA config ops, with rings from virtio_ring.
 *
 * DMA. For devices with their own IOTLB (set_map/dma_map) the driver does
 * not negotiate VIRTIO_F_ACCESS_PLATFORM, so virtio_ring hands out physical
 * addresses of kernel memory, and it maps every System RAM range of the
 * host 1:1 (IOVA == physical address) in address space 0, which all
 * virtqueue groups use after a reset. For platform IOMMU devices the virtio
 * device's parent is the vDPA device's DMA device and the DMA API is used.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ioport.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <vhostx/vdpa.h>

/* Most System RAM ranges mapped for one device. */
#define VDPAX_VIRTIO_MAX_RANGES	1024

/**
 * struct vdpax_virtio - a vDPA device seen as a virtio device
 * @vdev: the virtio device registered on the virtio bus
 * @vdpa: the vDPA device behind it
 * @own_iotlb: @vdpa translates through its own IOTLB (identity mapped)
 */
struct vdpax_virtio {
	struct virtio_device vdev;
	struct vdpax_device *vdpa;
	bool own_iotlb;
};

static struct vdpax_virtio *to_vdpax_virtio(struct virtio_device *vdev)
{
	return container_of(vdev, struct vdpax_virtio, vdev);
}

static struct vdpax_device *vd_get_vdpa(struct virtio_device *vdev)
{
	return to_vdpax_virtio(vdev)->vdpa;
}

static void vdpax_virtio_get(struct virtio_device *vdev, unsigned int offset,
			     void *buf, unsigned int len)
{
	if (vdpax_get_config(vd_get_vdpa(vdev), offset, buf, len))
		memset(buf, 0, len);
}

static void vdpax_virtio_set(struct virtio_device *vdev, unsigned int offset,
			     const void *buf, unsigned int len)
{
	vdpax_set_config(vd_get_vdpa(vdev), offset, buf, len);
}

static u32 vdpax_virtio_generation(struct virtio_device *vdev)
{
	struct vdpax_device *vdpa = vd_get_vdpa(vdev);

	return vdpa->config->get_generation ? vdpa->config->get_generation(vdpa) : 0;
}

static u8 vdpax_virtio_get_status(struct virtio_device *vdev)
{
	return vdpax_get_status(vd_get_vdpa(vdev));
}

static void vdpax_virtio_set_status(struct virtio_device *vdev, u8 status)
{
	vdpax_set_status(vd_get_vdpa(vdev), status);
}

static void vdpax_virtio_reset(struct virtio_device *vdev)
{
	vdpax_reset(vd_get_vdpa(vdev));
}

static bool vdpax_virtio_notify(struct virtqueue *vq)
{
	struct vdpax_device *vdpa = vd_get_vdpa(vq->vdev);

	vdpa->config->kick_vq(vdpa, vq->index);
	return true;
}

/* Used-buffer callback from the device: any context. */
static void vdpax_virtio_vq_cb(void *private)
{
	vring_interrupt(0, private);
}

static void vdpax_virtio_config_cb(void *private)
{
	struct vdpax_virtio *vd = private;

	virtio_config_changed(&vd->vdev);
}

/*
 * Hand the device @vq's ring as virtio_ring laid it out, at its first
 * position, with the used-buffer callback, and enable it: at setup, and
 * again after a queue reset (a new ring, perhaps of another size).
 */
static int vdpax_virtio_activate_vq(struct vdpax_device *vdpa, struct virtqueue *vq,
				    u32 min_num)
{
	const struct vdpax_config_ops *ops = vdpa->config;
	struct vdpax_vq_state state = {};
	struct vdpax_callback cb;
	u32 num = virtqueue_get_vring_size(vq);
	int err;

	if (num < min_num)
		return -EINVAL;
	ops->set_vq_num(vdpa, vq->index, num);
	err = ops->set_vq_address(vdpa, vq->index, virtqueue_get_desc_addr(vq),
				  virtqueue_get_avail_addr(vq), virtqueue_get_used_addr(vq));
	if (err)
		return err;
	/* A new packed ring starts with both wrap counters 1. */
	if (virtio_has_feature(vq->vdev, VIRTIO_F_RING_PACKED)) {
		state.packed.last_avail_counter = 1;
		state.packed.last_used_counter = 1;
	}
	err = ops->set_vq_state(vdpa, vq->index, &state);
	if (err)
		return err;

	cb.callback = vdpax_virtio_vq_cb;
	cb.private = vq;
	ops->set_vq_cb(vdpa, vq->index, &cb);
	ops->set_vq_ready(vdpa, vq->index, true);
	return 0;
}

static u32 vdpax_virtio_num_min(struct vdpax_device *vdpa)
{
	return vdpa->config->get_vq_num_min ? vdpa->config->get_vq_num_min(vdpa) : 1;
}

static struct virtqueue *vdpax_virtio_setup_vq(struct virtio_device *vdev, unsigned int idx,
					       void (*callback)(struct virtqueue *vq),
					       const char *name, bool ctx)
{
	struct vdpax_device *vdpa = vd_get_vdpa(vdev);
	const struct vdpax_config_ops *ops = vdpa->config;
	u32 max_num, min_num = vdpax_virtio_num_min(vdpa);
	struct virtqueue *vq;
	int err;

	if (idx >= vdpa->nvqs)
		return ERR_PTR(-ENOENT);
	if (ops->get_vq_ready(vdpa, idx))
		return ERR_PTR(-ENOENT);

	max_num = ops->get_vq_num_max(vdpa);
	if (!max_num || min_num > max_num)
		return ERR_PTR(-EINVAL);

	vq = vring_create_virtqueue(idx, max_num, ops->get_vq_align(vdpa), vdev, true,
				    min_num != max_num, ctx, vdpax_virtio_notify, callback,
				    name);
	if (!vq)
		return ERR_PTR(-ENOMEM);
#ifdef VHOSTX_VIRTIO_VQ_RESET
	/* What a resize (ethtool -G) may ask for. */
	vq->num_max = max_num;
#endif

	err = vdpax_virtio_activate_vq(vdpa, vq, min_num);
	if (err)
		goto err_del;
	return vq;

err_del:
	vring_del_virtqueue(vq);
	return ERR_PTR(err);
}

#ifdef VHOSTX_VIRTIO_VQ_RESET
/*
 * virtio_config_ops.disable_vq_and_reset (virtqueue_resize(), which
 * virtio_net's ethtool -G uses): only with VIRTIO_F_RING_RESET, which
 * promises that the device stops the queue alone when it is disabled (see
 * vdpax_config_ops.set_vq_ready). The callback is cleared after it, so no
 * callback runs once this returns; the ring may then be freed.
 */
static int vdpax_virtio_disable_vq_and_reset(struct virtqueue *vq)
{
	struct vdpax_device *vdpa = vd_get_vdpa(vq->vdev);
	const struct vdpax_config_ops *ops = vdpa->config;

	if (!virtio_has_feature(vq->vdev, VIRTIO_F_RING_RESET))
		return -ENOENT;
	ops->set_vq_ready(vdpa, vq->index, false);
	ops->set_vq_cb(vdpa, vq->index, NULL);
	return 0;
}

/* virtio_config_ops.enable_vq_after_reset: the new ring, from its start. */
static int vdpax_virtio_enable_vq_after_reset(struct virtqueue *vq)
{
	struct vdpax_device *vdpa = vd_get_vdpa(vq->vdev);

	/* Not reset by vdpax_virtio_disable_vq_and_reset(). */
	if (vdpa->config->get_vq_ready(vdpa, vq->index))
		return -EBUSY;
	return vdpax_virtio_activate_vq(vdpa, vq, vdpax_virtio_num_min(vdpa));
}
#endif

static void vdpax_virtio_del_vqs(struct virtio_device *vdev)
{
	struct vdpax_device *vdpa = vd_get_vdpa(vdev);
	const struct vdpax_config_ops *ops = vdpa->config;
	struct virtqueue *vq, *n;

	ops->set_config_cb(vdpa, NULL);
	list_for_each_entry_safe(vq, n, &vdev->vqs, list) {
		ops->set_vq_ready(vdpa, vq->index, false);
		/* After this returns the device no longer calls into the vq. */
		ops->set_vq_cb(vdpa, vq->index, NULL);
		vring_del_virtqueue(vq);
	}
}

/* find_vqs() lost its parallel arrays for struct virtqueue_info in 6.11. */
#ifdef VHOSTX_VIRTQUEUE_INFO
#define VQ_NAME(i)	(vqs_info[i].name)
#define VQ_CALLBACK(i)	(vqs_info[i].callback)
#define VQ_CTX(i)	(vqs_info[i].ctx)
#else
#define VQ_NAME(i)	(names[i])
#define VQ_CALLBACK(i)	(callbacks[i])
#define VQ_CTX(i)	(ctx ? ctx[i] : false)
#endif

#ifdef VHOSTX_VIRTQUEUE_INFO
static int vdpax_virtio_find_vqs(struct virtio_device *vdev, unsigned int nvqs,
				 struct virtqueue *vqs[], struct virtqueue_info vqs_info[],
				 struct irq_affinity *desc)
#else
static int vdpax_virtio_find_vqs(struct virtio_device *vdev, unsigned int nvqs,
				 struct virtqueue *vqs[], vq_callback_t *callbacks[],
				 const char * const names[], const bool *ctx,
				 struct irq_affinity *desc)
#endif
{
	struct vdpax_virtio *vd = to_vdpax_virtio(vdev);
	struct vdpax_callback cb = {
		.callback = vdpax_virtio_config_cb,
		.private = vd,
	};
	unsigned int i, idx = 0;
	int err;

	for (i = 0; i < nvqs; i++) {
		if (!VQ_NAME(i)) {
			vqs[i] = NULL;
			continue;
		}
		vqs[i] = vdpax_virtio_setup_vq(vdev, idx++, VQ_CALLBACK(i), VQ_NAME(i), VQ_CTX(i));
		if (IS_ERR(vqs[i])) {
			err = PTR_ERR(vqs[i]);
			goto err_del;
		}
	}
	vd->vdpa->config->set_config_cb(vd->vdpa, &cb);
	return 0;

err_del:
	vdpax_virtio_del_vqs(vdev);
	return err;
}

#undef VQ_NAME
#undef VQ_CALLBACK
#undef VQ_CTX

static u64 vdpax_virtio_get_features(struct virtio_device *vdev)
{
	struct vdpax_virtio *vd = to_vdpax_virtio(vdev);
	u64 features = vd->vdpa->config->get_device_features(vd->vdpa);

	/* Identity-mapped rings hold physical addresses: no DMA API. */
	if (vd->own_iotlb)
		features &= ~BIT_ULL(VIRTIO_F_ACCESS_PLATFORM);
	return features;
}

static int vdpax_virtio_finalize_features(struct virtio_device *vdev)
{
#ifdef VHOSTX_VIRTIO_VQ_RESET
	bool ring_reset = __virtio_test_bit(vdev, VIRTIO_F_RING_RESET);
#endif

	vring_transport_features(vdev);
#ifdef VHOSTX_VIRTIO_VQ_RESET
	/*
	 * virtio_ring keeps only the ring bits it knows, RING_RESET not among
	 * them in some kernels: it is this transport's (disable_vq_and_reset).
	 */
	if (ring_reset)
		__virtio_set_bit(vdev, VIRTIO_F_RING_RESET);
#endif
	return vdpax_set_features(vd_get_vdpa(vdev), vdev->features);
}

static const char *vdpax_virtio_bus_name(struct virtio_device *vdev)
{
	return dev_name(&vd_get_vdpa(vdev)->dev);
}

static const struct virtio_config_ops vdpax_virtio_config_ops = {
	.get = vdpax_virtio_get,
	.set = vdpax_virtio_set,
	.generation = vdpax_virtio_generation,
	.get_status = vdpax_virtio_get_status,
	.set_status = vdpax_virtio_set_status,
	.reset = vdpax_virtio_reset,
	.find_vqs = vdpax_virtio_find_vqs,
	.del_vqs = vdpax_virtio_del_vqs,
	.get_features = vdpax_virtio_get_features,
	.finalize_features = vdpax_virtio_finalize_features,
	.bus_name = vdpax_virtio_bus_name,
#ifdef VHOSTX_VIRTIO_VQ_RESET
	.disable_vq_and_reset = vdpax_virtio_disable_vq_and_reset,
	.enable_vq_after_reset = vdpax_virtio_enable_vq_after_reset,
#endif
};

struct vdpax_virtio_ranges {
	struct vhost_iotlb *iotlb;
	int err;
};

static int vdpax_virtio_add_ram(struct resource *res, void *arg)
{
	struct vdpax_virtio_ranges *r = arg;

	if (res->end < res->start)
		return 0;
	/* Nested resources are reported once through their parent. */
	if (vhost_iotlb_itree_first(r->iotlb, res->start, res->end))
		return 0;
	r->err = vhost_iotlb_add_range(r->iotlb, res->start, res->end, res->start,
				       VHOST_MAP_RW);
	return r->err;
}

/* Map every System RAM range 1:1 in address space 0 of @vdpa. */
static int vdpax_virtio_identity_map(struct vdpax_device *vdpa)
{
	const struct vdpax_config_ops *ops = vdpa->config;
	struct vdpax_virtio_ranges r = {};
	struct vhost_iotlb_map *map;
	int err;

	r.iotlb = vhost_iotlb_alloc(VDPAX_VIRTIO_MAX_RANGES, 0);
	if (!r.iotlb)
		return -ENOMEM;
	err = walk_iomem_res_desc(IORES_DESC_NONE, IORESOURCE_SYSTEM_RAM | IORESOURCE_BUSY,
				  0, U64_MAX, &r, vdpax_virtio_add_ram);
	if (r.err) {
		err = r.err;
		goto out;
	}
	if (err < 0 && err != -EINVAL)
		goto out;
	if (!r.iotlb->nmaps) {
		err = -ENOMEM;
		goto out;
	}

	if (ops->set_map) {
		err = ops->set_map(vdpa, 0, r.iotlb);
		goto out;
	}
	err = 0;
	for (map = vhost_iotlb_itree_first(r.iotlb, 0, U64_MAX); map && !err;
	     map = vhost_iotlb_itree_next(map, 0, U64_MAX))
		err = ops->dma_map(vdpa, 0, map->start, map->size, map->addr, map->perm, NULL);
out:
	vhost_iotlb_free(r.iotlb);
	return err;
}

static void vdpax_virtio_release(struct device *dev)
{
	struct virtio_device *vdev = container_of(dev, struct virtio_device, dev);

	kfree(to_vdpax_virtio(vdev));
}

static int vdpax_virtio_probe(struct vdpax_device *vdpa)
{
	const struct vdpax_config_ops *ops = vdpa->config;
	struct vdpax_virtio *vd;
	int err;

	vd = kzalloc(sizeof(*vd), GFP_KERNEL);
	if (!vd)
		return -ENOMEM;

	vd->vdpa = vdpa;
	vd->own_iotlb = vdpax_has_own_iotlb(vdpa);
	vd->vdev.config = &vdpax_virtio_config_ops;
	vd->vdev.dev.release = vdpax_virtio_release;
	vd->vdev.dev.parent = vd->own_iotlb ? &vdpa->dev : vdpax_get_dma_dev(vdpa);
	vd->vdev.id.device = ops->get_device_id(vdpa);
	vd->vdev.id.vendor = ops->get_vendor_id(vdpa);
	if (!vd->vdev.id.device) {
		err = -ENODEV;
		goto err_free;
	}

	if (vd->own_iotlb) {
		err = vdpax_virtio_identity_map(vdpa);
		if (err) {
			dev_err(&vdpa->dev, "cannot map system memory for the device: %d\n", err);
			goto err_free;
		}
	}

	vdpax_set_drvdata(vdpa, vd);
	err = register_virtio_device(&vd->vdev);
	if (err) {
		/* The virtio device is initialized: its release frees vd. */
		put_device(&vd->vdev.dev);
		return err;
	}
	return 0;

err_free:
	kfree(vd);
	return err;
}

static void vdpax_virtio_remove(struct vdpax_device *vdpa)
{
	struct vdpax_virtio *vd = vdpax_get_drvdata(vdpa);

	unregister_virtio_device(&vd->vdev);
}

static struct vdpax_driver vdpax_virtio_driver = {
	.driver = {
		.name = "virtio_vdpa",
	},
	.probe = vdpax_virtio_probe,
	.remove = vdpax_virtio_remove,
};

module_vdpax_driver(vdpax_virtio_driver);

MODULE_DESCRIPTION("vdpax_virtio: vDPA devices on the virtio bus (driver virtio_vdpa)");
MODULE_LICENSE("GPL");
