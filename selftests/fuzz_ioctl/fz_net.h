/* SPDX-License-Identifier: GPL-2.0-only */
/* fuzz_ioctl: the vhost-net call-sequence fuzzer (fz_net.c). */
#ifndef FZ_NET_H
#define FZ_NET_H

#include "fz.h"

struct fz_stats {
	uint64_t sequences, ops, calls, ok, used, children;
	uint64_t backend_ok, backend_unsupported;
	uint64_t log_bases;	/* good dirty-log bitmaps set (op_log) */
};

enum fz_owner { FZ_OWNER_NONE, FZ_OWNER_US, FZ_OWNER_OTHER };

#define FZ_MAX_NUM 32768

/* What we know of one queue; oracles only use what we know for sure. */
struct fz_vq {
	unsigned int num;		/* last accepted SET_VRING_NUM */
	bool addr_set;
	uint64_t desc, avail, used;	/* last accepted SET_VRING_ADDR */
	bool layout_ok;			/* all three tidy, inside the arena */
	bool ring_bad;			/* some ring is not user memory */
	bool has_backend, ever_backend;
	bool base_known;
	uint16_t base;
	int kick;			/* eventfd set as kick, or -1 */
	bool clean;			/* well-formed traffic only: used-ring oracle on */
	uint16_t avail_idx, used_seen;
	uint64_t used_total;		/* used entries seen (checked) */
	uint8_t out[FZ_MAX_NUM];	/* heads made available, not yet used */
	uint32_t out_len[FZ_MAX_NUM];
};

struct fz_net {
	struct fz_rng r;
	struct fz_env *env;
	struct fz_stats *stats;
	int fd;
	int depth;			/* 1 in a child: no grandchildren */
	bool forbid_owner;		/* a child that must not take the device */
	enum fz_owner owner;
	bool features_known;
	uint64_t features;		/* GET_FEATURES */
	bool acked_known;
	uint64_t acked;			/* last SET_FEATURES that worked */
	bool table_bad, table_maybe, table_sane;
	/*
	 * Something may have written into the arena behind our back (hostile
	 * descriptors, stray ring addresses, another table, a child): the
	 * used-ring oracle is off for the rest of the sequence.
	 */
	bool hostile;
	uint64_t gpa_base;
	struct fz_vq vq[2];
	void *membuf;
	/*
	 * Plain mode (the teardown tests): no random features, one memory
	 * region, 256-entry queues on the backends given here, buffers of
	 * fill_len bytes.
	 */
	bool plain;
	int backend[2];
	unsigned int fill_len;
	int failed;
	char why[256];
};

void fz_net_init(void);
const char *fz_net_dev(void);
int fz_net_open(struct fz_net *s, struct fz_env *env, struct fz_stats *stats,
		uint64_t seed, uint64_t seq, int fd);
void fz_net_setup(struct fz_net *s);
void fz_net_op(struct fz_net *s);
void fz_net_traffic(struct fz_net *s);
void fz_net_pump(struct fz_net *s);
int fz_net_sequence(struct fz_net *s, struct fz_env *env, struct fz_stats *stats,
		    uint64_t seed, uint64_t seq);

#endif /* FZ_NET_H */
