/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Input format of the ring fuzzer (fuzz_ring.c), shared with the seed
 * generator (mkseeds.c). All multi-byte fields are little-endian; a short
 * input reads as zeros.
 *
 *   u8  num_log2      ring size 1 << (v % (FZ_NUM_LOG2_MAX + 1));
 *                     packed: 1 + v % FZ_NUM_MAX (any size)
 *   u8  features      bit 0 EVENT_IDX, bit 1 INDIRECT_DESC, bit 2 NOTIFY_ON_EMPTY,
 *                     bit 3 log the used area, bit 4 reach guest memory through
 *                     an accessor (struct vhostx_ring_acc) instead of user memory,
 *                     bit 5 the packed layout (FZ_F_PACKED), bit 6 VIRTIO_F_IN_ORDER
 *                     (FZ_F_IN_ORDER: ring.in_order; ADD_USED's order byte bit 7
 *                     then zeroes every length but the last)
 *   u16 base          last_avail_idx at start; packed: the low half of
 *                     VHOST_SET_VRING_BASE's value, followed by
 *   [u16 base_hi]     packed only: its high half
 *   u16 desc, avail, used   image offsets (rounded down to the alignment;
 *                     packed: the descriptor ring and the driver and device
 *                     event areas)
 *   u8  nregions      v % (FZ_MAX_REGIONS + 1), then per region:
 *       u8 how (bit 0: gpa = ~0 - g, bit 1: size in 4 KiB pages),
 *       u32 g, u16 size, u16 image offset
 *   u16 ops_len, then ops_len bytes of operations (u8 opcode % FZ_NOPS, args)
 *   the rest: initial guest image contents
 */
#ifndef _FUZZ_FORMAT_H
#define _FUZZ_FORMAT_H

#define FZ_IMG_SIZE		8192
#define FZ_NUM_LOG2_MAX		6	/* num up to 64 */
#define FZ_NUM_MAX		(1u << FZ_NUM_LOG2_MAX)
#define FZ_MAX_REGIONS		6
#define FZ_IOV_MAX		64
#define FZ_MAX_OPS		1024
#define FZ_INFLIGHT_MAX		4096
#define FZ_F_PACKED		32
#define FZ_F_IN_ORDER		64

/*
 * The packed layout reads some operations differently:
 *   PUBLISH           u8 n-1, u8 write mask, u8 id, then the descriptors;
 *                     written at the guest's own position with its wrap
 *                     counter's AVAIL/USED bits, head flags last
 *   PUBLISH_INDIRECT  u8 n-1, u8 write mask, u8 id, table, entries as split
 *   SET_AVAIL_IDX     u16: the guest's position (bits 0-14, modulo num) and
 *                     wrap counter (bit 15) for the next PUBLISH
 *   RESTART           u8 how: bit 0 set_base first, with the ring's own
 *                     get_base() (bit 1) or a u32 that follows; bit 2 the
 *                     guest's position follows the ring's
 * An id byte v means v % num, or v & 0x7f as it is when bit 7 is set.
 */

enum {
	FZ_OP_GET_CHAIN,	/* u8 iov_max */
	FZ_OP_ADD_USED,		/* u8 n, u8 order, u32 len per element */
	FZ_OP_NEED_SIGNAL,
	FZ_OP_ENABLE_NOTIFY,
	FZ_OP_DISABLE_NOTIFY,
	FZ_OP_AVAIL_EMPTY,
	FZ_OP_UNGET,		/* u8 n */
	FZ_OP_POKE,		/* u16 offset, u8 len-1 (0..7), bytes: guest write */
	FZ_OP_PUBLISH,		/* u8 n-1, u8 write mask, per desc: u8 region, u16 off, u16 len */
	FZ_OP_PUBLISH_INDIRECT,	/* u8 n-1, u8 write mask, u8 region, u16 off (table), per entry as above */
	FZ_OP_SET_AVAIL_IDX,	/* u16 */
	FZ_OP_RESTART,
	FZ_OP_FAULT,		/* u16 offset, u8 len (0: clear all) */
	FZ_OP_TRANSLATE,	/* u8 region, u16 off, u8 hi?, [u32 hi], u16 len, u8 max */
	FZ_OP_DRAIN,		/* pop all, one batched add_used */
	FZ_OP_ADD_USED_TOO_MANY,	/* n = num + 1: refused, ring intact */
	FZ_OP_AVAIL_MOVED,	/* u8 how (bit 0: seen = cached avail_idx), u16 seen */
	FZ_NOPS
};

#endif
