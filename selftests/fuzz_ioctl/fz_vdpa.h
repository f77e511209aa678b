/* SPDX-License-Identifier: GPL-2.0-only */
/* fuzz_ioctl: the vhost-vdpa call and IOTLB fuzzer (fz_vdpa.c). */
#ifndef FZ_VDPA_H
#define FZ_VDPA_H

#include "fz.h"

struct fz_vdpa_dev {
	char path[280];
	int created;		/* we ran "vdpa dev add": delete it after */
	char why[200];		/* when fz_vdpa_find fails */
	char mgmtdev[64];	/* the management device it was made on */
};

struct fz_vdpa_stats {
	uint64_t sequences, ops, calls, ok, iotlb;
	uint64_t runs, kicks;	/* op_run: devices driven, kicks written */
};

struct fz_vdpa {
	struct fz_rng r;
	struct fz_env *env;
	struct fz_vdpa_stats *stats;
	int fd;
	uint64_t features;
	uint32_t config_size, nvqs, nas;
	int failed;
	char why[256];
};

/* 0: found; -ENOENT: our modules absent (skip); other: a failure (why). */
int fz_vdpa_find(struct fz_vdpa_dev *v, uint64_t seed);
void fz_vdpa_release(struct fz_vdpa_dev *v);
int fz_vdpa_sequence(struct fz_vdpa *s, const char *path, struct fz_env *env,
		     struct fz_vdpa_stats *stats, uint64_t seed, uint64_t seq);

#endif /* FZ_VDPA_H */
