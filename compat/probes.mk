# SPDX-License-Identifier: GPL-2.0-only
#
# Kernel feature probes, WireGuard style: look at the headers we build
# against instead of comparing version numbers in C. Each probe adds a
# -DVHOSTX_... flag that the C code tests with #ifdef.
#
# $(call vx-probe,header relative to the kernel tree,extended regex,macro)

vx-hdr = $(firstword $(wildcard $(srctree)/$(1) $(objtree)/$(1)))
vx-probe = $(if $(call vx-hdr,$(1)),$(if $(shell grep -qsE '$(2)' $(call vx-hdr,$(1)) && echo y),-D$(3)))

# eventfd_signal(ctx) lost its count argument in 6.8.
VX_COMPAT_FLAGS += $(call vx-probe,include/linux/eventfd.h,eventfd_signal\(struct eventfd_ctx \*[a-z]*\);,VHOSTX_EVENTFD_SIGNAL_ONE_ARG)
# The vhost_iotlb interval tree library exists (CONFIG_VHOST_IOTLB).
VX_COMPAT_FLAGS += $(call vx-probe,include/linux/vhost_iotlb.h,vhost_iotlb_add_range_ctx,VHOSTX_HAVE_VHOST_IOTLB)
# bus_type.match() takes a const struct device_driver * since 6.11.
VX_COMPAT_FLAGS += $(call vx-probe,include/linux/device/bus.h,\(\*match\).struct device \*dev. const struct device_driver,VHOSTX_BUS_MATCH_CONST_DRV)
# bus_type.uevent() takes a const struct device * since 6.3.
VX_COMPAT_FLAGS += $(call vx-probe,include/linux/device/bus.h,\(\*uevent\).const struct device \*,VHOSTX_BUS_UEVENT_CONST_DEV)
# virtio_config_ops.find_vqs() takes struct virtqueue_info[] since 6.11.
VX_COMPAT_FLAGS += $(call vx-probe,include/linux/virtio_config.h,^struct virtqueue_info \{,VHOSTX_VIRTQUEUE_INFO)
# virtio_config_ops can reset one queue (and struct virtqueue has num_max) since 5.19.
VX_COMPAT_FLAGS += $(call vx-probe,include/linux/virtio_config.h,\(\*disable_vq_and_reset\).struct virtqueue,VHOSTX_VIRTIO_VQ_RESET)
