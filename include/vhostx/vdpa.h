/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vdpax: a vDPA bus for kernels built without CONFIG_VDPA.
 *
 * Three kinds of modules meet here:
 *  - parents (vDPA devices, e.g. vdpax_sim_net) allocate a struct
 *    vdpax_device, fill in a struct vdpax_config_ops and register it, usually
 *    from a management device's dev_add() callback;
 *  - consumers (vdpax_virtio, vhostx_vdpa) register a struct vdpax_driver and
 *    drive bound devices only through the config ops and the helpers below;
 *  - the core (vdpax.ko) owns the bus "vdpa" in sysfs and the generic netlink
 *    family "vdpa" that iproute2's vdpa tool talks to.
 *
 * DMA model. A device declares one of two models:
 *  - device-owned IOTLB: the parent implements set_map() and/or dma_map() /
 *    dma_unmap(), plus reset_map(). Addresses in rings and descriptors are
 *    I/O virtual addresses translated by the device through the IOTLB of the
 *    address space (ASID) its virtqueue group is attached to. A map entry
 *    carries a physical address (vhost_iotlb_map.addr). After reset_map()
 *    the address space is empty: every access faults. The core empties all
 *    address spaces before a driver's probe() and after its remove(), so a
 *    consumer never sees mappings left by another one.
 *  - platform IOMMU: none of set_map/dma_map is implemented; consumers use
 *    the DMA API on vdpax_device.dma_dev.
 *
 * Contexts. Unless noted, config ops are called in process context and may
 * sleep. kick_vq() may be called in any context (including with interrupts
 * disabled, from a kick eventfd's wake-up in the writer's context) and must
 * not sleep; it does a bounded amount of work that the driver cannot
 * extend (a driver may be hostile: vhostx_vdpa hands its owner the rings)
 * and defers the rest, except that a control command a driver busy-waits
 * for must not depend on work queued to the busy CPU. Device callbacks (struct vdpax_callback) are
 * invoked by the parent in any context, never concurrently with a
 * set_vq_cb()/set_config_cb() replacing them: once those return, the old
 * callback is neither running nor will run. A parent never runs a callback
 * while holding a lock its kick_vq() takes: a callback may signal an
 * eventfd whose wake-up kicks a queue of the same device (vhostx_vdpa
 * calls kick_vq() from the kick eventfd's wake-up, and userspace may give
 * one eventfd as both kick and call).
 */
#ifndef _VHOSTX_VDPA_H
#define _VHOSTX_VDPA_H

#include <linux/device.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <net/netlink.h>
#include <linux/rwsem.h>
#include <linux/skbuff.h>
#include <linux/types.h>
#include <linux/vhost_iotlb.h>
#include <uapi/linux/if_ether.h>
#include <uapi/linux/vdpa.h>

/* Longest device name accepted from netlink, without the terminating NUL. */
#define VDPAX_NAME_MAX	31

struct vdpax_device;
struct vdpax_mgmt_dev;

/**
 * struct vdpax_callback - an interrupt-like notification from the device
 * @callback: called by the parent when the event fires; NULL disables it.
 *            Must not sleep; may run in any context.
 * @private: argument passed to @callback
 */
struct vdpax_callback {
	void (*callback)(void *private);
	void *private;
};

/**
 * struct vdpax_vq_state_packed - the device's position in a packed virtqueue
 * @last_avail_counter: the driver ring wrap counter at @last_avail_idx
 * @last_avail_idx: the next descriptor the device will read
 * @last_used_counter: the device ring wrap counter at @last_used_idx
 * @last_used_idx: the next descriptor the device will write a used one to
 *
 * The fields of the kernel's struct vdpa_vq_state_packed. A new ring is at
 * position 0 of both sides with both counters 1.
 */
struct vdpax_vq_state_packed {
	u16 last_avail_counter:1;
	u16 last_avail_idx:15;
	u16 last_used_counter:1;
	u16 last_used_idx:15;
};

/**
 * struct vdpax_vq_state - the device's position in a virtqueue
 * @avail_index: split: index of the next available ring entry the device
 *               will read (the device's last_avail_idx)
 * @used_index: split: index of the next used ring entry the device will
 *              write; reported by get_vq_state(), ignored by set_vq_state()
 *              (a device restores it from the used ring's idx field)
 * @packed: packed (VIRTIO_F_RING_PACKED negotiated): both sides' positions
 *          and wrap counters, set and reported; a device that offers no
 *          packed rings ignores it. Callers zero what they do not fill.
 */
struct vdpax_vq_state {
	u16 avail_index;
	u16 used_index;
	struct vdpax_vq_state_packed packed;
};

/**
 * struct vdpax_iova_range - the I/O virtual addresses a device can use
 * @first: first usable IOVA
 * @last: last usable IOVA, inclusive
 */
struct vdpax_iova_range {
	u64 first;
	u64 last;
};

/**
 * struct vdpax_notification_area - a doorbell that can be mapped to users
 * @addr: physical address of the doorbell, page aligned for mmap
 * @size: size of the area in bytes (0: no area)
 */
struct vdpax_notification_area {
	resource_size_t addr;
	resource_size_t size;
};

/**
 * struct vdpax_config_ops - what a vDPA parent implements
 *
 * Virtqueue ops (@idx is validated by the caller to be < vdpax_device.nvqs):
 * @set_vq_address: set the descriptor table, driver (avail) and device (used)
 *                  area addresses of a virtqueue (IOVAs or DMA addresses).
 *                  Returns 0 or -errno.
 * @set_vq_num: set the queue size; invalid sizes (not a power of two,
 *              above get_vq_num_max()) leave the queue unusable.
 * @kick_vq: the driver made buffers available. Any context, never sleeps,
 *           bounded work (see Contexts above).
 * @set_vq_cb: set the used-buffer callback of a virtqueue (NULL: none).
 * @set_vq_ready: enable or disable a virtqueue. A device that offers
 *                VIRTIO_F_RING_RESET resets one queue this way while the
 *                others run: once set_vq_ready(false) returns it no longer
 *                touches that queue's rings, and it takes @set_vq_num,
 *                @set_vq_address and @set_vq_state for the queue before it
 *                is enabled again (a device that cannot stop one queue
 *                must not offer the bit).
 * @get_vq_ready: whether a virtqueue is enabled.
 * @set_vq_state: set the device's avail index (device not running, or the
 *                queue not ready). Returns 0 or -errno.
 * @get_vq_state: read the device's position; exact while suspended or the
 *                queue is not ready. Returns 0 or -errno.
 * @get_vendor_vq_stats: optional; append VDPA_ATTR_DEV_VENDOR_ATTR_NAME /
 *                       VDPA_ATTR_DEV_VENDOR_ATTR_VALUE pairs for queue @idx
 *                       to @msg. Returns 0 or -errno (-EMSGSIZE if full).
 * @get_vq_notification: optional; the doorbell of a queue for mmap.
 * @get_vq_irq: optional; the Linux IRQ behind a queue's callback, or -errno.
 * @get_vq_align: required alignment of ring areas in bytes.
 * @get_vq_group: the group (0 .. ngroups - 1) a virtqueue belongs to. Groups
 *                are attached to address spaces by @set_group_asid.
 *
 * Device ops:
 * @get_device_features: virtio features the device offers.
 * @set_driver_features: features the driver accepts; -EINVAL if not a
 *                       subset of the device features. Use
 *                       vdpax_set_features() rather than calling this.
 * @get_driver_features: features last accepted by @set_driver_features.
 * @set_config_cb: set the config-change callback (NULL: none).
 * @get_vq_num_max: largest queue size the device supports.
 * @get_vq_num_min: optional; smallest queue size (default 1).
 * @get_device_id: virtio device id (VIRTIO_ID_*).
 * @get_vendor_id: virtio vendor id.
 * @get_status: virtio device status byte.
 * @set_status: write the status byte; 0 is not a valid argument here (use
 *              @reset). Use vdpax_set_status().
 * @reset: reset the device: status, features, queues, callbacks, counters
 *         and group-to-ASID attachments (all groups back to ASID 0). IOTLB
 *         contents survive a reset. Returns 0 or -errno. Use vdpax_reset().
 * @suspend: optional; stop processing rings, keep state. When it returns
 *           the device no longer touches driver memory. Returns 0 or -errno.
 * @resume: optional; undo @suspend. Returns 0 or -errno.
 * @get_config_size: size of the device-specific config space.
 * @get_config: read config space; the range is checked by the caller.
 *              Use vdpax_get_config().
 * @set_config: write config space; the range is checked by the caller.
 *              Use vdpax_set_config().
 * @get_generation: optional; config generation counter (default 0).
 * @get_iova_range: optional; usable IOVA range (default: all 64 bits).
 *
 * DMA ops (device-owned IOTLB model; see the file comment):
 * @set_map: replace the whole mapping of address space @asid by a copy of
 *           @iotlb (map.addr are physical addresses, map.perm VHOST_MAP_*).
 *           The caller keeps ownership of @iotlb. Returns 0 or -errno
 *           (-EINVAL bad @asid or entry, -ENOMEM).
 * @dma_map: add one mapping [@iova, @iova + @size - 1] -> @pa to @asid.
 *           -EEXIST if it overlaps an existing one. @opaque is kept with the
 *           mapping for the caller. Returns 0 or -errno.
 * @dma_unmap: remove every mapping inside [@iova, @iova + @size - 1] of
 *             @asid. Returns 0 or -errno.
 * @reset_map: empty address space @asid. Returns 0 or -errno.
 * @set_group_asid: attach virtqueue group @group to address space @asid.
 *                  Returns 0 or -errno (-EINVAL bad group or asid, -EBUSY
 *                  if the device cannot change it now).
 *
 * @free: optional; release the parent's resources, called once when the last
 *        reference to the device is dropped (after unregistration).
 */
struct vdpax_config_ops {
	int (*set_vq_address)(struct vdpax_device *vdev, u16 idx, u64 desc_area,
			      u64 driver_area, u64 device_area);
	void (*set_vq_num)(struct vdpax_device *vdev, u16 idx, u32 num);
	void (*kick_vq)(struct vdpax_device *vdev, u16 idx);
	void (*set_vq_cb)(struct vdpax_device *vdev, u16 idx,
			  const struct vdpax_callback *cb);
	void (*set_vq_ready)(struct vdpax_device *vdev, u16 idx, bool ready);
	bool (*get_vq_ready)(struct vdpax_device *vdev, u16 idx);
	int (*set_vq_state)(struct vdpax_device *vdev, u16 idx,
			    const struct vdpax_vq_state *state);
	int (*get_vq_state)(struct vdpax_device *vdev, u16 idx,
			    struct vdpax_vq_state *state);
	int (*get_vendor_vq_stats)(struct vdpax_device *vdev, u16 idx,
				   struct sk_buff *msg,
				   struct netlink_ext_ack *extack);
	struct vdpax_notification_area
		(*get_vq_notification)(struct vdpax_device *vdev, u16 idx);
	int (*get_vq_irq)(struct vdpax_device *vdev, u16 idx);
	u32 (*get_vq_align)(struct vdpax_device *vdev);
	u32 (*get_vq_group)(struct vdpax_device *vdev, u16 idx);

	u64 (*get_device_features)(struct vdpax_device *vdev);
	int (*set_driver_features)(struct vdpax_device *vdev, u64 features);
	u64 (*get_driver_features)(struct vdpax_device *vdev);
	void (*set_config_cb)(struct vdpax_device *vdev,
			      const struct vdpax_callback *cb);
	u16 (*get_vq_num_max)(struct vdpax_device *vdev);
	u16 (*get_vq_num_min)(struct vdpax_device *vdev);
	u32 (*get_device_id)(struct vdpax_device *vdev);
	u32 (*get_vendor_id)(struct vdpax_device *vdev);
	u8 (*get_status)(struct vdpax_device *vdev);
	void (*set_status)(struct vdpax_device *vdev, u8 status);
	int (*reset)(struct vdpax_device *vdev);
	int (*suspend)(struct vdpax_device *vdev);
	int (*resume)(struct vdpax_device *vdev);
	size_t (*get_config_size)(struct vdpax_device *vdev);
	void (*get_config)(struct vdpax_device *vdev, unsigned int offset,
			   void *buf, unsigned int len);
	void (*set_config)(struct vdpax_device *vdev, unsigned int offset,
			   const void *buf, unsigned int len);
	u32 (*get_generation)(struct vdpax_device *vdev);
	struct vdpax_iova_range (*get_iova_range)(struct vdpax_device *vdev);

	int (*set_map)(struct vdpax_device *vdev, unsigned int asid,
		       struct vhost_iotlb *iotlb);
	int (*dma_map)(struct vdpax_device *vdev, unsigned int asid, u64 iova,
		       u64 size, u64 pa, u32 perm, void *opaque);
	int (*dma_unmap)(struct vdpax_device *vdev, unsigned int asid, u64 iova,
			 u64 size);
	int (*reset_map)(struct vdpax_device *vdev, unsigned int asid);
	int (*set_group_asid)(struct vdpax_device *vdev, unsigned int group,
			      unsigned int asid);

	void (*free)(struct vdpax_device *vdev);
};

/**
 * struct vdpax_device - a vDPA device on the vdpax bus
 * @dev: the driver-model device; its name is the vDPA device name
 * @dma_dev: device for the DMA API (platform IOMMU model); defaults to @dev
 * @config: the parent's config ops, never NULL
 * @cf_lock: serializes config space access, status and feature changes made
 *           through the vdpax_* helpers, so netlink readers see a
 *           consistent status/features/config triple
 * @index: unique number, also used for default names ("vdpa<index>")
 * @nvqs: number of virtqueues, set at registration
 * @ngroups: number of virtqueue groups (>= 1)
 * @nas: number of address spaces (>= 1)
 * @mdev: the management device that created it, NULL if created otherwise
 * @driver_override: driver name this device only binds to, or NULL; under
 *                   the device lock
 * @owner: module implementing @config; pinned from unregistration until the
 *         device is released, so config->free() never outlives its code
 * @owner_pinned: @owner is pinned
 */
struct vdpax_device {
	struct device dev;
	struct device *dma_dev;
	const struct vdpax_config_ops *config;
	struct rw_semaphore cf_lock;
	unsigned int index;
	u32 nvqs;
	unsigned int ngroups;
	unsigned int nas;
	struct vdpax_mgmt_dev *mdev;
	const char *driver_override;
	struct module *owner;
	bool owner_pinned;
};

/**
 * struct vdpax_driver - a consumer of vDPA devices
 * @driver: the driver-model driver; its name shows in /sys/bus/vdpa/drivers
 * @probe: bind to a device (its address spaces are empty, it is reset)
 * @remove: unbind; the core resets the device and empties its address
 *          spaces afterwards
 */
struct vdpax_driver {
	struct device_driver driver;
	int (*probe)(struct vdpax_device *vdev);
	void (*remove)(struct vdpax_device *vdev);
};

/**
 * struct vdpax_dev_set_config - attributes given to "vdpa dev add"
 * @device_features: virtio features the new device may offer at most
 * @net: network device attributes
 * @net.mac: MAC address (valid unicast)
 * @net.mtu: MTU
 * @net.max_vq_pairs: number of queue pairs
 * @mask: which fields are set: BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MACADDR),
 *        BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MTU), BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MAX_VQP),
 *        BIT_ULL(VDPA_ATTR_DEV_FEATURES)
 *
 * The core has checked each set field against the management device's
 * limits before dev_add() is called.
 */
struct vdpax_dev_set_config {
	u64 device_features;
	struct {
		u8 mac[ETH_ALEN];
		u16 mtu;
		u16 max_vq_pairs;
	} net;
	u64 mask;
};

/**
 * struct vdpax_mgmtdev_ops - how a management device creates devices
 * @dev_add: create and register (vdpax_register_device_locked()) a device
 *           named @name. Called with the core's device lock held. Returns 0
 *           or -errno, with a message in @extack for user errors.
 * @dev_del: unregister (vdpax_unregister_device_locked()) and release a
 *           device this management device created. Called with the core's
 *           device lock held.
 */
struct vdpax_mgmtdev_ops {
	int (*dev_add)(struct vdpax_mgmt_dev *mdev, const char *name,
		       const struct vdpax_dev_set_config *config,
		       struct netlink_ext_ack *extack);
	void (*dev_del)(struct vdpax_mgmt_dev *mdev, struct vdpax_device *vdev);
};

/**
 * struct vdpax_mgmt_dev - a management device ("vdpa mgmtdev show")
 * @device: names it: "<bus>/<name>" or "<name>" if @device has no bus
 * @ops: create/delete callbacks
 * @id_table: virtio device ids it can create, terminated by a zero entry
 * @config_attr_mask: which vdpax_dev_set_config fields it accepts (same bits
 *                    as vdpax_dev_set_config.mask)
 * @supported_features: virtio features its devices can offer
 * @max_supported_vqs: most virtqueues one device can have
 * @max_vq_pairs: upper bound for max_vqp
 * @min_mtu: lower bound for mtu
 * @max_mtu: upper bound for mtu
 * @list: on the core's list, under the core's device lock
 */
struct vdpax_mgmt_dev {
	struct device *device;
	const struct vdpax_mgmtdev_ops *ops;
	const struct virtio_device_id *id_table;
	u64 config_attr_mask;
	u64 supported_features;
	u32 max_supported_vqs;
	u16 max_vq_pairs;
	u16 min_mtu;
	u16 max_mtu;
	struct list_head list;
};

#define VDPAX_CFG_MAC		BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MACADDR)
#define VDPAX_CFG_MTU		BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MTU)
#define VDPAX_CFG_MAX_VQP	BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MAX_VQP)
#define VDPAX_CFG_FEATURES	BIT_ULL(VDPA_ATTR_DEV_FEATURES)

static inline struct vdpax_device *dev_to_vdpax(struct device *dev)
{
	return container_of(dev, struct vdpax_device, dev);
}

static inline struct vdpax_driver *drv_to_vdpax(struct device_driver *drv)
{
	return container_of(drv, struct vdpax_driver, driver);
}

static inline void *vdpax_get_drvdata(const struct vdpax_device *vdev)
{
	return dev_get_drvdata(&vdev->dev);
}

static inline void vdpax_set_drvdata(struct vdpax_device *vdev, void *data)
{
	dev_set_drvdata(&vdev->dev, data);
}

static inline struct device *vdpax_get_dma_dev(struct vdpax_device *vdev)
{
	return vdev->dma_dev;
}

/**
 * vdpax_has_own_iotlb() - whether a device translates through its own IOTLB
 * @vdev: the device
 *
 * Return: true for the device-owned IOTLB model (set_map or dma_map),
 * false for the platform IOMMU model.
 */
static inline bool vdpax_has_own_iotlb(const struct vdpax_device *vdev)
{
	return vdev->config->set_map || vdev->config->dma_map;
}

/**
 * vdpax_alloc_device_sized() - allocate a vDPA device embedded in a bigger
 *                              parent structure
 * @size: size of the parent structure; struct vdpax_device must be its
 *        first member
 * @owner: module implementing @config (THIS_MODULE of the parent driver)
 * @parent: parent device in sysfs (the management device's device), or NULL
 * @config: config ops; must stay valid for the device's lifetime
 * @ngroups: number of virtqueue groups, at least 1
 * @nas: number of address spaces, at least 1
 * @name: device name, or NULL for "vdpa<index>"
 *
 * The device is initialized but not registered. Release it with
 * vdpax_put_device() if registration is not reached; config->free() is
 * then called too.
 *
 * Return: the device, or an ERR_PTR (-EINVAL bad arguments, -ENOMEM).
 */
struct vdpax_device *vdpax_alloc_device_sized(size_t size, struct module *owner,
					      struct device *parent,
					      const struct vdpax_config_ops *config,
					      unsigned int ngroups, unsigned int nas,
					      const char *name);

/**
 * vdpax_alloc_device() - allocate a parent structure embedding a vDPA device
 * @type: the parent structure type
 * @member: name of its struct vdpax_device member (must be the first)
 * @parent: see vdpax_alloc_device_sized()
 * @config: see vdpax_alloc_device_sized()
 * @ngroups: see vdpax_alloc_device_sized()
 * @nas: see vdpax_alloc_device_sized()
 * @name: see vdpax_alloc_device_sized()
 *
 * Return: a @type pointer, or an ERR_PTR.
 */
#define vdpax_alloc_device(type, member, parent, config, ngroups, nas, name)	\
	((type *)vdpax_alloc_device_sized(sizeof(type) +			\
		BUILD_BUG_ON_ZERO(offsetof(type, member)), THIS_MODULE,		\
		parent, config, ngroups, nas, name))

/**
 * vdpax_put_device() - drop a reference to a vDPA device
 * @vdev: the device
 */
static inline void vdpax_put_device(struct vdpax_device *vdev)
{
	put_device(&vdev->dev);
}

/**
 * vdpax_register_device_locked() - add a device to the bus from dev_add()
 * @vdev: allocated by vdpax_alloc_device()
 * @mdev: the management device whose dev_add() is running; the device is
 *	shown as created by it, and dev del reaches it through its dev_del()
 * @nvqs: number of virtqueues, at least 1
 *
 * Called with the core's device lock held, which the core takes around every
 * management device's dev_add() and dev_del().
 *
 * Return: 0, or -EEXIST (name in use), -EINVAL (no management device, no
 * virtqueues), or another -errno.
 */
int vdpax_register_device_locked(struct vdpax_device *vdev, struct vdpax_mgmt_dev *mdev,
				 u32 nvqs);

/**
 * vdpax_unregister_device_locked() - remove a device from dev_del()
 * @vdev: a registered device
 *
 * Unbinds the driver, then drops the registration reference. The owner
 * module stays pinned until the last reference is gone (its module refcount
 * shows devices not yet released). Called with the core's device lock held.
 */
void vdpax_unregister_device_locked(struct vdpax_device *vdev);

/**
 * vdpax_register_driver_module() - register a consumer driver
 * @drv: the driver
 * @owner: the module implementing it (THIS_MODULE)
 *
 * Return: 0 or -errno.
 */
int vdpax_register_driver_module(struct vdpax_driver *drv, struct module *owner);

/**
 * vdpax_register_driver() - register a consumer driver of this module
 * @drv: the driver
 */
#define vdpax_register_driver(drv) vdpax_register_driver_module(drv, THIS_MODULE)

/**
 * vdpax_unregister_driver() - unregister a consumer driver
 * @drv: a registered driver; bound devices are unbound first
 */
void vdpax_unregister_driver(struct vdpax_driver *drv);

/**
 * module_vdpax_driver() - module init/exit that only (un)register a driver
 * @__vdpax_driver: the struct vdpax_driver
 */
#define module_vdpax_driver(__vdpax_driver)				\
	module_driver(__vdpax_driver, vdpax_register_driver,		\
		      vdpax_unregister_driver)

/**
 * vdpax_mgmtdev_register() - make a management device visible to netlink
 * @mdev: filled-in management device (device, ops, id_table, limits)
 *
 * Return: 0, -EINVAL if a required field is missing, -EEXIST if a
 * management device with the same handle is registered.
 */
int vdpax_mgmtdev_register(struct vdpax_mgmt_dev *mdev);

/**
 * vdpax_mgmtdev_unregister() - remove a management device
 * @mdev: registered management device
 *
 * Deletes (through its dev_del()) every device it created, then removes it.
 */
void vdpax_mgmtdev_unregister(struct vdpax_mgmt_dev *mdev);

/**
 * vdpax_get_config() - read device config space
 * @vdev: the device
 * @offset: byte offset
 * @buf: destination
 * @len: bytes to read
 *
 * Return: 0, or -EINVAL if the range is outside the config space.
 */
int vdpax_get_config(struct vdpax_device *vdev, unsigned int offset,
		     void *buf, unsigned int len);

/**
 * vdpax_set_config() - write device config space
 * @vdev: the device
 * @offset: byte offset
 * @buf: source
 * @len: bytes to write
 *
 * Return: 0, or -EINVAL if the range is outside the config space.
 */
int vdpax_set_config(struct vdpax_device *vdev, unsigned int offset,
		     const void *buf, unsigned int len);

/**
 * vdpax_get_status() - read the device status byte
 * @vdev: the device
 *
 * Return: the status.
 */
u8 vdpax_get_status(struct vdpax_device *vdev);

/**
 * vdpax_set_status() - write the device status byte
 * @vdev: the device
 * @status: new status; 0 resets the device (vdpax_reset())
 */
void vdpax_set_status(struct vdpax_device *vdev, u8 status);

/**
 * vdpax_reset() - reset the device
 * @vdev: the device
 *
 * Return: 0 or -errno from the parent.
 */
int vdpax_reset(struct vdpax_device *vdev);

/**
 * vdpax_set_features() - set the driver features
 * @vdev: the device
 * @features: features the driver accepts
 *
 * Return: 0, or -EINVAL if @features is not a subset of the device's.
 */
int vdpax_set_features(struct vdpax_device *vdev, u64 features);

/**
 * vdpax_get_iova_range() - the IOVA range a device accepts
 * @vdev: the device
 *
 * Return: the parent's range, or [0, U64_MAX] if it does not say.
 */
struct vdpax_iova_range vdpax_get_iova_range(struct vdpax_device *vdev);

#endif /* _VHOSTX_VDPA_H */
