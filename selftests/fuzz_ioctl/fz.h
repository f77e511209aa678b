/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_ioctl: the pieces shared by the vhost-net and vhost-vdpa fuzzers.
 *
 * Every address the fuzzer hands the kernel comes from a small set of
 * windows that hold nothing of ours, so a kernel that writes where the
 * (hostile) caller told it to can only scribble over fuzzer-owned scratch:
 *
 *   [0, FZ_LOW_END)                    never mapped (mmap_min_addr, PIE)
 *   [FZ_RES_BASE, +FZ_RES_SIZE)        a PROT_NONE reservation whose
 *                                      first FZ_ARENA_SIZE bytes are the
 *                                      read-write, shared "guest memory"
 *   >= 2^47                            not user memory at all
 *
 * Guest physical addresses stay below 2^51 or at/above 2^62, so that a
 * dirty log based anywhere in those windows stays in them too.
 */
#ifndef FZ_H
#define FZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FZ_LOW_END	(1ULL << 36)
#define FZ_RES_BASE	0x200000000000ULL		/* 32 TiB */
#define FZ_RES_SIZE	(1ULL << 38)
#define FZ_ARENA_SIZE	(4ULL << 20)
#define FZ_USER_TOP	(1ULL << 47)			/* 4-level paging */
#define FZ_NEVER_USER	(1ULL << 56)			/* beyond even 5-level */

/* The arena: rings live in the first half, buffers in the second. */
#define FZ_RING_AREA	(FZ_ARENA_SIZE / 2)
#define FZ_BUF_AREA	(FZ_ARENA_SIZE / 2)

/* xoroshiro128+, seeded through splitmix64: fast and replayable. */
struct fz_rng {
	uint64_t s[2];
};

void fz_seed(struct fz_rng *r, uint64_t seed, uint64_t stream);
uint64_t fz_next(struct fz_rng *r);
uint64_t fz_below(struct fz_rng *r, uint64_t n);
bool fz_chance(struct fz_rng *r, unsigned int percent);
uint64_t fz_pick(struct fz_rng *r, const uint64_t *v, size_t n);
#define FZ_PICK(r, arr) fz_pick((r), (arr), sizeof(arr) / sizeof((arr)[0]))
uint64_t fz_mix(uint64_t a, uint64_t b);

/* Run parameters from the environment (FUZZ_SEED, FUZZ_SECONDS, ...). */
struct fz_params {
	uint64_t seed;
	double seconds;		/* total budget of the program */
	uint64_t iters;		/* 0: bounded by time only */
	uint64_t first;		/* first sequence number (replay) */
	int verbose;
	const char *only;	/* run only this test (FUZZ_ONLY) */
};

extern struct fz_params fz_params;
void fz_params_init(void);
double fz_now(void);

/* Where the run is at, for replaying a sequence that took the VM down. */
void fz_progress(const char *test, uint64_t seq, uint64_t seed);

/* Guest memory. */
extern uint8_t *fz_arena;
int fz_arena_init(void);
uint64_t fz_uaddr(struct fz_rng *r);
uint64_t fz_size(struct fz_rng *r);
uint64_t fz_gpa(struct fz_rng *r);

enum fz_region {
	FZ_REGION_OK,		/* user memory inside the safe windows */
	FZ_REGION_BAD,		/* not user memory: the device must never run on it */
	FZ_REGION_MAYBE,	/* above 2^47: valid only with 5-level paging */
};

enum fz_region fz_region_fix(uint64_t gpa, uint64_t *size, uint64_t uaddr);

/*
 * fz_ring.c: a hostile guest's writes into the split ring of @num entries
 * at user addresses @desc/@avail/@used (all in the arena): loops, bad
 * lengths, wild indices, indirect tables. Descriptors point into the
 * arena (the device sees its first byte at @base) or anywhere. Advances
 * *@avail_idx and publishes it.
 */
void fz_ring_hostile(struct fz_rng *r, unsigned int num, uint64_t desc, uint64_t avail,
		     uint64_t used, uint16_t *avail_idx, uint64_t base);

/* File descriptors of every kind the kernel may be handed. */
enum fz_kind {
	FZ_K_NONE,		/* -1 */
	FZ_K_EVENTFD,
	FZ_K_TAP,
	FZ_K_MACVTAP,
	FZ_K_PACKET,
	FZ_K_WRONG,		/* any other file or socket */
	FZ_K_BADNUM,		/* closed, huge or negative */
};

struct fz_fd {
	int fd;
	enum fz_kind kind;
	const char *what;
};

#define FZ_MAX_FDS 40

struct fz_env {
	struct fz_fd fds[FZ_MAX_FDS];
	int nfds;
	int burst_fd;		/* AF_PACKET on the tap: frames sent here reach its reader */
	int burst_ifindex;
	int have_macvtap;
	char note[256];
};

int fz_env_init(struct fz_env *env);
void fz_env_fini(struct fz_env *env);
const struct fz_fd *fz_env_fd(struct fz_env *env, struct fz_rng *r, enum fz_kind want);
const struct fz_fd *fz_env_any(struct fz_env *env, struct fz_rng *r);
int fz_burst(struct fz_env *env, struct fz_rng *r, unsigned int frames);

/* errno sanity: a value userspace may see from these calls. */
bool fz_errno_ok(int e);

/*
 * Verdicts of a sequence @s: any struct with "int failed" and "char why[]"
 * (struct fz_net, struct fz_vdpa). Only the first failure is kept.
 */
#define fz_fail(s, ...) fz_failf(&(s)->failed, (s)->why, sizeof((s)->why), __VA_ARGS__)
/*
 * For an ioctl() @name that returned @ret != 0 with errno @e: a return
 * other than -1, or an errno userspace may not see, fails @s. Returns -@e.
 */
#define fz_call_failed(s, name, ret, e) \
	fz_call_failedf(&(s)->failed, (s)->why, sizeof((s)->why), name, ret, e)
void fz_failf(int *failed, char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int fz_call_failedf(int *failed, char *why, size_t len, const char *name, int ret, int e);

/* Threads named "vhost-<pid>" / "vhostx-<pid>" (pid 0: any). */
int fz_count_workers(int pid);

#define fz_log(fmt, ...) do {						\
		if (fz_params.verbose)					\
			fprintf(stderr, "# " fmt "\n", ##__VA_ARGS__);	\
	} while (0)

#endif /* FZ_H */
