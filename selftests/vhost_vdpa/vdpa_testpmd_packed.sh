#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vdpa_testpmd.sh with packed virtqueues: testpmd's virtio-user asks for
# them (packed_vq=1) and vdpasim_net offers them, so every ring of the run
# is a packed one; the negotiated features are read back.
VV_TESTPMD_VDEV_ARGS=",packed_vq=1${VV_TESTPMD_VDEV_ARGS:-}" \
	exec bash "$(dirname "$0")/vdpa_testpmd.sh" "$@"
