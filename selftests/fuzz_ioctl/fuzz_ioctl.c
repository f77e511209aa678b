// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_ioctl: a seeded, replayable, type-aware call-sequence fuzzer for
 * /dev/vhost-net (ours or the kernel's, $VHOST_NET_DEV) and, when one
 * exists, /dev/vhost-vdpa-N. Runs inside the test VM; the runner scans the
 * kernel log afterwards, the tests here check what userspace can see.
 *
 * Environment:
 *   FUZZ_SEED=N      seed (default: from the clock; always printed)
 *   FUZZ_SECONDS=S   time budget of the whole program (default 60 when
 *                    FUZZ_ITERS is not set), split between the tests
 *   FUZZ_ITERS=N     sequences per test
 *   FUZZ_FIRST=N     first sequence number (replay: with FUZZ_ITERS=1)
 *   FUZZ_ONLY=NAME   run only this test (the others SKIP)
 *   FUZZ_VERBOSE=1   log every call to stderr
 *   FUZZ_VDPA_DEV=P  fuzz this /dev/vhost-vdpa-N instead of making one
 *   FUZZ_VDPA_MGMTDEV=M  make it on this management device (default:
 *                    vdpasim_port for odd seeds when listed, else the first)
 * A failing sequence prints the line that replays it; the sequence in
 * progress is also kept in $VX_OUT/fuzz_ioctl.progress in case the kernel
 * does not survive it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/vhost.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include "kselftest_harness.h"
#include "fz_net.h"
#include "fz_vdpa.h"
#include "../lib/netutil.h"

/* The 6.1 harness still runs the body after a SKIP() in the setup. */
#define FZ_SKIPPED() do { if (_metadata->skip) return; } while (0)

/* Share of FUZZ_SECONDS per test. */
#define SHARE_SEQUENCES	0.55
#define SHARE_DEATH	0.25
#define SHARE_VDPA	0.20

static bool selected(const char *name)
{
	return !fz_params.only || !strcmp(fz_params.only, name);
}

/* Time left for a test: its share of the budget, or no bound. */
static double deadline(double share)
{
	const char *v = getenv("FUZZ_SECONDS");

	if (fz_params.iters && !(v && *v))
		return 1e18;
	if (fz_params.only)
		share = 1;
	return fz_now() + fz_params.seconds * share;
}

static bool more(uint64_t done, double until)
{
	if (fz_params.iters && done >= fz_params.iters)
		return false;
	return fz_now() < until;
}

static void replay_hint(const char *test, uint64_t seq)
{
	printf("# replay: FUZZ_SEED=%#llx FUZZ_FIRST=%llu FUZZ_ITERS=1 FUZZ_ONLY=%s FUZZ_VERBOSE=1 %s\n",
	       (unsigned long long)fz_params.seed, (unsigned long long)seq, test,
	       "selftests/fuzz_ioctl/fuzz_ioctl");
}

/* Stats go to $VX_OUT/fuzz_ioctl.stats too (one line per test) for the docs. */
static void record(const char *line)
{
	const char *out = getenv("VX_OUT");
	char path[256];
	FILE *f;

	printf("# %s\n", line);
	if (!out)
		return;
	snprintf(path, sizeof(path), "%s/fuzz_ioctl.stats", out);
	f = fopen(path, "a");
	if (f) {
		fprintf(f, "%s\n", line);
		fclose(f);
	}
}

/* One seed for every test: the harness forks each from the parent. */
static void __attribute__((constructor)) fz_main_init(void)
{
	fz_params_init();
	/* On even if ours was loaded with device_iotlb=0: fuzz it too. */
	nu_module_param_set("vhostx_net", "device_iotlb", "Y");
}

FIXTURE(fz) {
	struct fz_env env;
	int ready;
};

FIXTURE_SETUP(fz)
{
	int ret;

	fz_net_init();
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = fz_arena_init();
	ASSERT_EQ(0, ret) {
		TH_LOG("cannot map guest memory at %#llx: %s", FZ_RES_BASE, strerror(-ret));
	}
	ret = fz_env_init(&self->env);
	if (ret == -EPERM)
		SKIP(return, "not in the test VM (VX_IN_VM unset; FUZZ_ON_THIS_HOST=1 overrides)");
	ASSERT_EQ(0, ret) {
		TH_LOG("cannot set up backends: %s", strerror(-ret));
	}
	self->ready = 1;
	printf("# seed %#llx (FUZZ_SEED to replay)%s%s\n", (unsigned long long)fz_params.seed,
	       self->env.note[0] ? "; " : "", self->env.note);
}

FIXTURE_TEARDOWN(fz)
{
	if (self->ready)
		fz_env_fini(&self->env);
}

static int open_net_or_skip(void)
{
	int fd = open(fz_net_dev(), O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return fd >= 0 ? 0 : -errno;
}

/*
 * Random call sequences, each on a fresh open of the device, closed at the
 * end with whatever traffic is still in flight.
 */
TEST_F_TIMEOUT(fz, vhost_net_sequences, 86400)
{
	static struct fz_net s;
	struct fz_stats st = { 0 };
	double t0 = fz_now(), until = deadline(SHARE_SEQUENCES);
	uint64_t seq = fz_params.first;
	char line[1024];
	int ret;

	FZ_SKIPPED();
	if (!selected("vhost_net_sequences"))
		SKIP(return, "FUZZ_ONLY=%s", fz_params.only);
	ret = open_net_or_skip();
	if (ret == -ENOENT || ret == -ENXIO || ret == -ENODEV)
		SKIP(return, "%s: %s (load vhostx_net or vhost_net)", fz_net_dev(), strerror(-ret));
	ASSERT_EQ(0, ret);

	while (more(seq - fz_params.first, until)) {
		fz_progress("vhost_net_sequences", seq, fz_params.seed);
		ret = fz_net_sequence(&s, &self->env, &st, fz_params.seed, seq);
		ASSERT_EQ(0, ret) {
			TH_LOG("open %s: %s", fz_net_dev(), strerror(-ret));
		}
		if (s.failed) {
			replay_hint("vhost_net_sequences", seq);
			ASSERT_EQ(0, s.failed) {
				TH_LOG("sequence %llu: %s", (unsigned long long)seq, s.why);
			}
		}
		seq++;
	}
	/* Every device is closed: no worker may be left. */
	for (int i = 0; i < 100 && fz_count_workers(0) > 0; i++)
		usleep(20000);
	EXPECT_EQ(0, fz_count_workers(0));
	snprintf(line, sizeof(line),
		 "vhost_net_sequences: %s, seed %#llx, %llu sequences, %llu ops, %llu calls (%llu accepted), %llu backends attached, %llu used entries checked, %llu child processes, %llu dirty logs, %.0f s",
		 fz_net_dev(), (unsigned long long)fz_params.seed,
		 (unsigned long long)st.sequences, (unsigned long long)st.ops,
		 (unsigned long long)st.calls, (unsigned long long)st.ok,
		 (unsigned long long)st.backend_ok, (unsigned long long)st.used,
		 (unsigned long long)st.children, (unsigned long long)st.log_bases,
		 fz_now() - t0);
	record(line);
	if (!st.backend_ok && st.backend_unsupported)
		printf("# note: NET_SET_BACKEND is not implemented by %s: no traffic fuzzed\n",
		       fz_net_dev());
}

struct closer {
	int fd;
	unsigned int delay_us;
	int closing;		/* set just before the close */
};

static void *close_later(void *arg)
{
	struct closer *c = arg;

	usleep(c->delay_us);
	/*
	 * Raised first: any call that fails from here on may have met the
	 * closed fd (EBADF) or a new file that reused its number.
	 */
	__atomic_store_n(&c->closing, 1, __ATOMIC_SEQ_CST);
	close(c->fd);
	return NULL;
}

/*
 * The owner dies (SIGKILL, exit without close, or its fd closed by another
 * thread) while traffic flows; sometimes another process still holds the
 * file and must then find it refusing it (-EPERM) and closable. Afterwards
 * no worker of the dead owner may be left.
 */
static int death_round(struct fz_env *env, struct fz_stats *st, uint64_t seq, char *why,
		       size_t whylen)
{
	struct fz_rng r;
	unsigned int mode;
	int p[2], status, held = -1, n;
	pid_t pid;

	fz_seed(&r, fz_params.seed ^ 0xdea7ULL, seq);
	mode = fz_below(&r, 4);
	if (mode == 3) {
		held = open(fz_net_dev(), O_RDWR | O_CLOEXEC);
		if (held < 0)
			return -errno;
	}
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid) {
		static struct fz_net s;
		struct fz_stats cst = { 0 };
		pthread_t t;
		struct closer c;
		int ret = fz_net_open(&s, env, &cst, fz_params.seed ^ 0xdea7ULL, seq, held);

		close(p[0]);
		if (ret) {
			/* Say why: a bare exit status hid the errno once. */
			dprintf(p[1], "owner's open of %s: %s", fz_net_dev(), strerror(-ret));
			_exit(2);
		}
		fz_net_setup(&s);
		c.closing = 0;
		if (mode == 2) {
			c.fd = s.fd;
			c.delay_us = fz_below(&s.r, 20000);
			pthread_create(&t, NULL, close_later, &c);
		}
		for (unsigned int i = 0; !s.failed; i++) {
			if (fz_chance(&s.r, 10))
				fz_net_op(&s);
			else
				fz_net_traffic(&s);
			if (mode == 1 && i > 20 + fz_below(&s.r, 200))
				_exit(0);	/* exit without closing anything */
		}
		/*
		 * Once the fd is closed under it, the owner's calls fail as
		 * they must (EBADF, or the wrong file): not a finding. The
		 * kernel side is judged by the parent and the log scan.
		 */
		if (__atomic_load_n(&c.closing, __ATOMIC_SEQ_CST))
			_exit(0);
		if (write(p[1], s.why, strlen(s.why)) < 0)
			_exit(3);
		_exit(1);
	}
	close(p[1]);
	if (mode != 1) {
		usleep(2000 + fz_below(&r, 40000));
		kill(pid, SIGKILL);
	} else {
		for (int i = 0; i < 1000 && !waitpid(pid, &status, WNOHANG); i++)
			usleep(10000);
		kill(pid, SIGKILL);
	}
	waitpid(pid, &status, 0);
	st->sequences++;
	n = read(p[0], why, whylen - 1);
	close(p[0]);
	if (n > 0) {
		why[n] = 0;
		return -EIO;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status)) {
		snprintf(why, whylen, "owner exited with %d", WEXITSTATUS(status));
		return -EIO;
	}
	if (held >= 0) {
		struct vhost_vring_state vs = { .index = 0 };
		int ret = ioctl(held, VHOST_GET_VRING_BASE, &vs);

		/* The owner is gone, yet we are still not the owner. */
		if (ret != -1 || errno != EPERM) {
			snprintf(why, whylen, "GET_VRING_BASE after the owner died: %s",
				 ret ? strerror(errno) : "success, want EPERM");
			close(held);
			return -EIO;
		}
		close(held);
	}
	for (int i = 0; i < 100 && fz_count_workers(pid) > 0; i++)
		usleep(10000);
	if (fz_count_workers(pid) > 0) {
		snprintf(why, whylen, "a worker of dead owner %d is still there", pid);
		return -EIO;
	}
	return 0;
}

TEST_F_TIMEOUT(fz, vhost_net_owner_death, 86400)
{
	struct fz_stats st = { 0 };
	double t0 = fz_now(), until = deadline(SHARE_DEATH);
	uint64_t seq = fz_params.first;
	char why[256], line[1024];
	int ret;

	FZ_SKIPPED();
	if (!selected("vhost_net_owner_death"))
		SKIP(return, "FUZZ_ONLY=%s", fz_params.only);
	ret = open_net_or_skip();
	if (ret == -ENOENT || ret == -ENXIO || ret == -ENODEV)
		SKIP(return, "%s: %s (load vhostx_net or vhost_net)", fz_net_dev(), strerror(-ret));

	while (more(seq - fz_params.first, until)) {
		fz_progress("vhost_net_owner_death", seq, fz_params.seed);
		why[0] = 0;
		ret = death_round(&self->env, &st, seq, why, sizeof(why));
		if (ret) {
			replay_hint("vhost_net_owner_death", seq);
			ASSERT_EQ(0, ret) {
				TH_LOG("round %llu: %s", (unsigned long long)seq, why);
			}
		}
		seq++;
	}
	snprintf(line, sizeof(line), "vhost_net_owner_death: %s, seed %#llx, %llu owners killed or exited mid-traffic, %.0f s",
		 fz_net_dev(), (unsigned long long)fz_params.seed,
		 (unsigned long long)st.sequences, fz_now() - t0);
	record(line);
}

TEST_F_TIMEOUT(fz, vhost_vdpa_iotlb, 86400)
{
	struct fz_vdpa_stats st = { 0 };
	struct fz_vdpa_dev dev;
	static struct fz_vdpa s;
	double t0 = fz_now(), until = deadline(SHARE_VDPA);
	uint64_t seq = fz_params.first;
	char line[1024];
	int ret;

	FZ_SKIPPED();
	if (!selected("vhost_vdpa_iotlb"))
		SKIP(return, "FUZZ_ONLY=%s", fz_params.only);
	ret = fz_vdpa_find(&dev, fz_params.seed);
	if (ret == -ENOENT)
		SKIP(return, "%s", dev.why);
	if (ret)
		fz_vdpa_release(&dev);
	ASSERT_EQ(0, ret) {
		TH_LOG("%s", dev.why);
	}

	while (more(seq - fz_params.first, until)) {
		fz_progress("vhost_vdpa_iotlb", seq, fz_params.seed);
		ret = fz_vdpa_sequence(&s, dev.path, &self->env, &st, fz_params.seed, seq);
		if (ret) {
			fz_vdpa_release(&dev);
			ASSERT_EQ(0, ret) {
				TH_LOG("open %s: %s", dev.path, strerror(-ret));
			}
		}
		if (s.failed) {
			fz_vdpa_release(&dev);
			replay_hint("vhost_vdpa_iotlb", seq);
			ASSERT_EQ(0, s.failed) {
				TH_LOG("sequence %llu: %s", (unsigned long long)seq, s.why);
			}
		}
		seq++;
	}
	fz_vdpa_release(&dev);
	snprintf(line, sizeof(line),
		 "vhost_vdpa_iotlb: %s (%s), seed %#llx, %llu sequences, %llu ops, %llu calls (%llu accepted), %llu IOTLB messages, %llu devices driven (%llu kicks), %.0f s",
		 dev.path, dev.mgmtdev[0] ? dev.mgmtdev : "given", (unsigned long long)fz_params.seed, (unsigned long long)st.sequences,
		 (unsigned long long)st.ops, (unsigned long long)st.calls,
		 (unsigned long long)st.ok, (unsigned long long)st.iotlb,
		 (unsigned long long)st.runs, (unsigned long long)st.kicks, fz_now() - t0);
	record(line);
}

TEST_HARNESS_MAIN
