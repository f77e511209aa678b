#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vdpa_testpmd.sh with VIRTIO_F_IN_ORDER: testpmd's virtio-user asks for it
# (in_order=1) and vdpasim_net offers it, so testpmd takes its in-order
# paths (TX buffers reclaimed by position, a TX batch answered with one
# used entry); the negotiated features are read back. Split rings, and
# packed ones too with VV_TESTPMD_VDEV_ARGS=",packed_vq=1".
VV_TESTPMD_VDEV_ARGS=",in_order=1${VV_TESTPMD_VDEV_ARGS:-}" \
	exec bash "$(dirname "$0")/vdpa_testpmd.sh" "$@"
