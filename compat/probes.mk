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
