// SPDX-License-Identifier: GPL-2.0-only
/*
 * teardown: take vhost-net devices apart while traffic flows, and check
 * that nothing is left behind: no worker thread, the module reference
 * count back where it was, slab and vmalloc back within a tolerance, and a
 * device that still moves packets afterwards.
 *
 * The node is $VHOST_NET_DEV (default /dev/vhost-net); the module checks
 * apply to whichever of vhostx_net / vhost_net is loaded. Traffic tests
 * SKIP while the module does not implement VHOST_NET_SET_BACKEND.
 * TEARDOWN_ROUNDS scales the number of rounds (default 1).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/vhost.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "kselftest_harness.h"
#include "../fuzz_ioctl/fz_net.h"

#define TD_SKIPPED() do { if (_metadata->skip) return; } while (0)

static const char *module_name(void)
{
	if (!access("/sys/module/vhostx_net", F_OK))
		return "vhostx_net";
	if (!access("/sys/module/vhost_net", F_OK))
		return "vhost_net";
	return NULL;
}

static long refcnt(void)
{
	char path[128];
	const char *m = module_name();
	long v = -1;
	FILE *f;

	if (!m)
		return -1;
	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", m);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* kB from /proc/meminfo. */
static long meminfo(const char *key)
{
	char line[128];
	size_t n = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

/*
 * SUnreclaim in kB once caches are dropped and every slab cache shrunk
 * (which also drains KASAN's quarantine): selftests/lib/slab.py, beside
 * this program's directory, does it for every test that checks slab.
 */
static long slab_settled_kb(void)
{
	char exe[PATH_MAX], cmd[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	long v = -1;
	FILE *p;

	if (n <= 0)
		return -1;
	exe[n] = 0;
	snprintf(cmd, sizeof(cmd), "%s/../lib/slab.py", dirname(exe));
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (fscanf(p, "%ld", &v) != 1)
		v = -1;
	if (pclose(p))
		v = -1;
	return v;
}

static unsigned int rounds(unsigned int base)
{
	const char *v = getenv("TEARDOWN_ROUNDS");
	unsigned int k = v && *v ? (unsigned int)atoi(v) : 1;

	return base * (k ? k : 1);
}

static int find_fd(struct fz_env *env, const char *what)
{
	for (int i = 0; i < env->nfds; i++)
		if (!strcmp(env->fds[i].what, what))
			return env->fds[i].fd;
	return -1;
}

/* One seed for every test: the harness forks each from the parent. */
static void __attribute__((constructor)) td_main_init(void)
{
	fz_params_init();
}

FIXTURE(td) {
	struct fz_env env;
	struct fz_stats st;
	int tap, tap2, packet, macvtap;
	long refcnt0;
	int ready;
};

FIXTURE_SETUP(td)
{
	int ret, fd;

	fz_net_init();
	fd = open(fz_net_dev(), O_RDWR | O_CLOEXEC);
	if (fd < 0)
		SKIP(return, "%s: %s (load vhostx_net or vhost_net)", fz_net_dev(), strerror(errno));
	close(fd);
	ret = fz_arena_init();
	ASSERT_EQ(0, ret);
	ret = fz_env_init(&self->env);
	if (ret == -EPERM)
		SKIP(return, "not in the test VM (VX_IN_VM unset)");
	ASSERT_EQ(0, ret) {
		TH_LOG("backends: %s", strerror(-ret));
	}
	self->ready = 1;
	self->tap = find_fd(&self->env, "tap+vnet_hdr");
	self->tap2 = find_fd(&self->env, "tap");
	self->packet = find_fd(&self->env, "AF_PACKET raw, bound");
	self->macvtap = find_fd(&self->env, "macvtap");
	self->refcnt0 = refcnt();
	printf("# seed %#llx, module %s, refcnt %ld\n", (unsigned long long)fz_params.seed,
	       module_name() ? module_name() : "?", self->refcnt0);
}

FIXTURE_TEARDOWN(td)
{
	if (self->ready)
		fz_env_fini(&self->env);
}

/* A working device on the given backends, or a SKIP reason. */
static int plain_device(struct fz_net *s, FIXTURE_DATA(td) *self, uint64_t seq, int fd)
{
	int ret = fz_net_open(s, &self->env, &self->st, fz_params.seed, seq, fd);

	if (ret)
		return ret;
	s->plain = true;
	s->backend[0] = self->tap;
	s->backend[1] = self->tap;
	s->fill_len = 2048;
	fz_net_setup(s);
	if (s->failed)
		return -EIO;
	if (!s->vq[0].clean || !s->vq[1].clean)
		return self->st.backend_unsupported ? -EOPNOTSUPP : -EIO;
	return 0;
}

/* Both queues move packets within a few seconds. */
static bool flows(struct fz_net *s)
{
	uint64_t rx = s->vq[0].used_total, tx = s->vq[1].used_total;
	double until = fz_now() + 10;

	while (fz_now() < until && !s->failed) {
		fz_net_pump(s);
		if (s->vq[0].used_total > rx + 4 && s->vq[1].used_total > tx + 4)
			return true;
		usleep(2000);
	}
	return false;
}

#define ASSERT_FLOWS(s, when) do {					\
		ASSERT_TRUE(flows(s)) {					\
			TH_LOG("%s: no traffic: rx used %llu, tx used %llu%s%s", (when), \
			       (unsigned long long)(s)->vq[0].used_total,	\
			       (unsigned long long)(s)->vq[1].used_total,	\
			       (s)->failed ? ": " : "", (s)->failed ? (s)->why : ""); \
		}							\
	} while (0)

#define PLAIN_OR_SKIP(s, seq, fd) do {					\
		int __r = plain_device((s), self, (seq), (fd));		\
		if (__r == -EOPNOTSUPP)					\
			SKIP(return, "NET_SET_BACKEND not implemented by %s", fz_net_dev()); \
		ASSERT_EQ(0, __r) {					\
			TH_LOG("setup: %s", (s)->failed ? (s)->why : strerror(-__r)); \
		}							\
	} while (0)

/* Nothing of the device may outlive it. */
#define ASSERT_ALL_GONE(pid) do {					\
		for (int __i = 0; __i < 200 && fz_count_workers(pid) > 0; __i++) \
			usleep(10000);					\
		ASSERT_EQ(0, fz_count_workers(pid));			\
		ASSERT_EQ(self->refcnt0, refcnt());			\
	} while (0)

struct pump {
	struct fz_net *s;
	volatile int stop;
	pthread_t t;
};

static void *pump_fn(void *arg)
{
	struct pump *p = arg;

	while (!p->stop && !p->s->failed)
		fz_net_pump(p->s);
	return NULL;
}

static void pump_start(struct pump *p, struct fz_net *s)
{
	p->s = s;
	p->stop = 0;
	pthread_create(&p->t, NULL, pump_fn, p);
}

static void pump_stop(struct pump *p)
{
	p->stop = 1;
	pthread_join(p->t, NULL);
}

/* The owner is SIGKILLed while both queues are busy. */
TEST_F_TIMEOUT(td, owner_sigkill_under_traffic, 1200)
{
	unsigned int n = rounds(20);

	TD_SKIPPED();
	for (unsigned int i = 0; i < n; i++) {
		static struct fz_net s;
		int p[2], status;
		char why[300] = "";
		int ret;
		pid_t pid;

		ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
		fflush(NULL);
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			int r = plain_device(&s, self, i, -1);

			if (r == -EOPNOTSUPP)
				_exit(4);
			if (r) {
				dprintf(p[1], "setup: %s", s.failed ? s.why : strerror(-r));
				_exit(1);
			}
			if (write(p[1], "", 1) != 1)	/* running */
				_exit(1);
			for (;;) {
				fz_net_pump(&s);
				if (s.failed) {
					dprintf(p[1], "%s", s.why);
					_exit(1);
				}
			}
		}
		close(p[1]);
		/* Wait until it runs, then let traffic flow a little. */
		if (read(p[0], why, 1) == 1)
			usleep(20000 + (i * 7919) % 200000);
		kill(pid, SIGKILL);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		if (WIFEXITED(status) && WEXITSTATUS(status) == 4) {
			close(p[0]);
			SKIP(return, "NET_SET_BACKEND not implemented by %s", fz_net_dev());
		}
		memset(why, 0, sizeof(why));
		ret = read(p[0], why, sizeof(why) - 1);
		close(p[0]);
		ASSERT_EQ(0, ret > 0 ? strlen(why) : 0) {
			TH_LOG("round %u: %s", i, why);
		}
		ASSERT_TRUE(WIFSIGNALED(status));
		ASSERT_ALL_GONE(pid);
	}
	printf("# %u owners SIGKILLed under traffic\n", n);
}

struct closer {
	int fd;
	unsigned int us;
	pthread_t t;
};

static void *closer_fn(void *arg)
{
	struct closer *c = arg;

	usleep(c->us);
	close(c->fd);
	return NULL;
}

/* The last fd is closed by one thread while another keeps kicking. */
TEST_F_TIMEOUT(td, fd_close_under_traffic, 1200)
{
	unsigned int n = rounds(20);

	TD_SKIPPED();
	for (unsigned int i = 0; i < n; i++) {
		static struct fz_net s;
		struct closer c;
		struct pump p;

		PLAIN_OR_SKIP(&s, i, -1);
		pump_start(&p, &s);
		c.fd = s.fd;
		c.us = 10000 + (i * 7919) % 100000;
		pthread_create(&c.t, NULL, closer_fn, &c);
		pthread_join(c.t, NULL);
		usleep(5000);
		pump_stop(&p);
		free(s.membuf);
		ASSERT_EQ(0, s.failed) {
			TH_LOG("round %u: %s", i, s.why);
		}
		ASSERT_ALL_GONE(getpid());
	}
	printf("# %u devices closed under traffic\n", n);
}

/* Backends swapped and detached under traffic; afterwards packets still flow. */
TEST_F_TIMEOUT(td, backend_swap_under_traffic, 1200)
{
	static struct fz_net s;
	unsigned int n = rounds(200), swaps = 0;
	struct fz_rng r;
	struct pump p;
	int cand[5];

	TD_SKIPPED();
	cand[0] = self->tap;
	cand[1] = self->tap2;
	cand[2] = self->packet;
	cand[3] = self->macvtap;
	cand[4] = -1;
	fz_seed(&r, fz_params.seed, 0xbac);
	PLAIN_OR_SKIP(&s, 0, -1);
	ASSERT_FLOWS(&s, "before the swaps");
	pump_start(&p, &s);
	for (unsigned int i = 0; i < n; i++) {
		struct vhost_vring_file vf = { .index = fz_below(&r, 2) };

		vf.fd = cand[fz_below(&r, 5)];
		if (vf.fd == -1 && i % 5)	/* detach now and then, not all the time */
			vf.fd = self->tap;
		if (!ioctl(s.fd, VHOST_NET_SET_BACKEND, &vf))
			swaps++;
		usleep(fz_below(&r, 3000));
	}
	pump_stop(&p);
	ASSERT_EQ(0, s.failed) {
		TH_LOG("%s", s.why);
	}
	for (unsigned int q = 0; q < 2; q++) {
		struct vhost_vring_file vf = { .index = q, .fd = self->tap };

		ASSERT_EQ(0, ioctl(s.fd, VHOST_NET_SET_BACKEND, &vf));
	}
	ASSERT_TRUE(flows(&s)) {
		TH_LOG("no traffic after %u backend swaps (rx used %llu, tx used %llu)", swaps,
		       (unsigned long long)s.vq[0].used_total,
		       (unsigned long long)s.vq[1].used_total);
	}
	ASSERT_LT(n / 2, swaps);
	close(s.fd);
	free(s.membuf);
	ASSERT_ALL_GONE(getpid());
	printf("# %u backend swaps/detaches under traffic, then traffic flows\n", swaps);
}

/* The same guest memory under a different region layout, or briefly none. */
static void table(struct vhost_memory *m, unsigned int pieces, bool hole)
{
	uint64_t base = (uint64_t)(uintptr_t)fz_arena, step = FZ_ARENA_SIZE / pieces;

	memset(m, 0, sizeof(*m) + pieces * sizeof(m->regions[0]));
	m->nregions = pieces;
	for (unsigned int i = 0; i < pieces; i++) {
		m->regions[i].guest_phys_addr = i * step;
		m->regions[i].memory_size = step;
		m->regions[i].userspace_addr = base + i * step;
	}
	if (hole)	/* the buffers' half goes missing */
		m->nregions = pieces / 2;
}

static unsigned int replace_tables(struct fz_net *s, struct vhost_memory *m, struct fz_rng *r,
				   unsigned int n, bool holes)
{
	static const unsigned int pieces[] = { 1, 2, 4, 8, 16 };
	unsigned int done = 0;
	struct pump p;

	pump_start(&p, s);
	for (unsigned int i = 0; i < n; i++) {
		table(m, pieces[fz_below(r, 5)], holes && fz_chance(r, 10));
		if (!ioctl(s->fd, VHOST_SET_MEM_TABLE, m))
			done++;
		usleep(fz_below(r, 3000));
	}
	pump_stop(&p);
	return done;
}

/*
 * The same memory under other region layouts: traffic never stops. Then
 * tables that briefly lose the buffers' half: a queue may stop on a buffer
 * outside guest memory (ours does, and signals its error eventfd; the
 * kernel's retries it), and once the whole table is back and the backends
 * set again, as a VMM restarts queues, traffic flows.
 */
TEST_F_TIMEOUT(td, mem_table_replace_under_traffic, 1200)
{
	static struct fz_net s;
	unsigned int n = rounds(100), done;
	struct vhost_memory *m;
	struct fz_rng r;

	TD_SKIPPED();
	fz_seed(&r, fz_params.seed, 0x7ab);
	PLAIN_OR_SKIP(&s, 0, -1);
	m = calloc(1, sizeof(*m) + 16 * sizeof(m->regions[0]));
	ASSERT_NE(NULL, m);
	ASSERT_FLOWS(&s, "before the replacements");
	done = replace_tables(&s, m, &r, n, false);
	ASSERT_EQ(0, s.failed) {
		TH_LOG("%s", s.why);
	}
	ASSERT_EQ(n, done);
	ASSERT_FLOWS(&s, "after relayouts without holes");

	done += replace_tables(&s, m, &r, n, true);
	ASSERT_EQ(0, s.failed) {
		TH_LOG("%s", s.why);
	}
	ASSERT_EQ(2 * n, done);
	table(m, 1, false);
	ASSERT_EQ(0, ioctl(s.fd, VHOST_SET_MEM_TABLE, m));
	for (unsigned int q = 0; q < 2; q++) {
		struct vhost_vring_file vf = { .index = q, .fd = -1 };

		ASSERT_EQ(0, ioctl(s.fd, VHOST_NET_SET_BACKEND, &vf));
		vf.fd = self->tap;
		ASSERT_EQ(0, ioctl(s.fd, VHOST_NET_SET_BACKEND, &vf));
	}
	ASSERT_FLOWS(&s, "after tables with holes, restored, backends set again");
	close(s.fd);
	free(s.membuf);
	free(m);
	ASSERT_ALL_GONE(getpid());
	printf("# %u memory tables replaced under traffic, then traffic flows\n", done);
}

/*
 * Unloading the module while a file is open must be refused, and leave the
 * device working.
 */
TEST_F_TIMEOUT(td, rmmod_while_open, 600)
{
	static struct fz_net s;
	const char *m = module_name();
	int ret, e;

	TD_SKIPPED();
	if (!m)
		SKIP(return, "neither vhostx_net nor vhost_net is loaded");
	ASSERT_EQ(0, fz_net_open(&s, &self->env, &self->st, fz_params.seed, 0, -1));
	ASSERT_EQ(0, ioctl(s.fd, VHOST_SET_OWNER, NULL));
	ASSERT_LT(self->refcnt0, refcnt());

	ret = syscall(SYS_delete_module, m, O_NONBLOCK);
	e = errno;
	ASSERT_EQ(-1, ret) {
		TH_LOG("%s was unloaded with a file open", m);
	}
	ASSERT_TRUE(e == EWOULDBLOCK || e == EBUSY) {
		TH_LOG("delete_module: %s", strerror(e));
	}
	/* Still there and still answering. */
	ASSERT_EQ(0, access("/sys/module/vhostx_net", F_OK) && access("/sys/module/vhost_net", F_OK));
	ASSERT_EQ(-1, ioctl(s.fd, VHOST_SET_OWNER, NULL));
	ASSERT_EQ(EBUSY, errno);
	close(s.fd);
	free(s.membuf);
	ASSERT_ALL_GONE(getpid());
}

/*
 * Many devices opened, used and closed: slab and vmalloc come back (within
 * a tolerance: the rest of the system allocates too), and so do the module
 * reference count and the workers.
 */
TEST_F_TIMEOUT(td, open_close_leaks, 1200)
{
	unsigned int n = rounds(300);
	long slab0, vm0, slab1, vm1;
	bool traffic = true;

	TD_SKIPPED();
	/* Settle, then measure. */
	for (unsigned int i = 0; i < 20; i++) {
		static struct fz_net s;

		if (plain_device(&s, self, i, -1))
			traffic = false;
		close(s.fd);
		free(s.membuf);
	}
	usleep(200000);
	slab0 = slab_settled_kb();
	ASSERT_LT(0, slab0) {
		TH_LOG("cannot read SUnreclaim through selftests/lib/slab.py");
	}
	vm0 = meminfo("VmallocUsed");
	for (unsigned int i = 0; i < n; i++) {
		static struct fz_net s;

		if (traffic) {
			ASSERT_EQ(0, plain_device(&s, self, i, -1)) {
				TH_LOG("round %u: %s", i, s.why);
			}
			for (int k = 0; k < 3; k++)
				fz_net_pump(&s);
		} else {
			ASSERT_EQ(0, fz_net_open(&s, &self->env, &self->st, fz_params.seed, i, -1));
			fz_net_setup(&s);
		}
		close(s.fd);
		free(s.membuf);
	}
	ASSERT_ALL_GONE(getpid());
	usleep(500000);
	slab1 = slab_settled_kb();
	ASSERT_LT(0, slab1);
	vm1 = meminfo("VmallocUsed");
	printf("# %u devices%s: SUnreclaim %ld -> %ld kB, VmallocUsed %ld -> %ld kB\n", n,
	       traffic ? " with traffic" : " (no backends: NET_SET_BACKEND missing)",
	       slab0, slab1, vm0, vm1);
	/* A device is tens of kB: a leak per device would show as megabytes. */
	EXPECT_GT(slab0 + 2048, slab1);
	EXPECT_GT(vm0 + 2048, vm1);
}

TEST_HARNESS_MAIN
