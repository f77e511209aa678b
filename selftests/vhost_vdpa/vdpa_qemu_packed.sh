#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vdpa_qemu.sh with "-device virtio-net-pci,packed=on": QEMU 7.2 on
# -netdev vhost-vdpa gives the guest packed virtqueues when the device
# offers them, and the frames cross them both ways.
VV_QEMU_PACKED=1 exec bash "$(dirname "$0")/vdpa_qemu.sh" "$@"
