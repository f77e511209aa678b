// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_ioctl: random numbers, parameters, the guest-memory windows and the
 * pool of file descriptors (real backends and wrong ones) the fuzzers use.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <netinet/in.h>
#include "fz.h"
#include "../lib/netutil.h"

struct fz_params fz_params;
uint8_t *fz_arena;

/* ---- random numbers ---------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t fz_mix(uint64_t a, uint64_t b)
{
	uint64_t x = a ^ (b * 0xd6e8feb86659fd93ULL);

	return splitmix64(&x);
}

void fz_seed(struct fz_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = fz_mix(seed, stream);

	r->s[0] = splitmix64(&x);
	r->s[1] = splitmix64(&x) | 1;
}

uint64_t fz_next(struct fz_rng *r)
{
	uint64_t s0 = r->s[0], s1 = r->s[1], res = s0 + s1;

	s1 ^= s0;
	r->s[0] = ((s0 << 24) | (s0 >> 40)) ^ s1 ^ (s1 << 16);
	r->s[1] = (s1 << 37) | (s1 >> 27);
	return res;
}

uint64_t fz_below(struct fz_rng *r, uint64_t n)
{
	return n ? fz_next(r) % n : 0;
}

bool fz_chance(struct fz_rng *r, unsigned int percent)
{
	return fz_below(r, 100) < percent;
}

uint64_t fz_pick(struct fz_rng *r, const uint64_t *v, size_t n)
{
	return v[fz_below(r, n)];
}

/* ---- parameters -------------------------------------------------------- */

double fz_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

void fz_params_init(void)
{
	const char *v;

	fz_params.seed = env_u64("FUZZ_SEED", 0);
	if (!fz_params.seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		fz_params.seed = fz_mix(ts.tv_sec, ts.tv_nsec ^ getpid());
	}
	v = getenv("FUZZ_SECONDS");
	fz_params.seconds = v && *v ? atof(v) : 60;
	fz_params.iters = env_u64("FUZZ_ITERS", 0);
	fz_params.first = env_u64("FUZZ_FIRST", 0);
	fz_params.verbose = (int)env_u64("FUZZ_VERBOSE", 0);
	v = getenv("FUZZ_ONLY");
	fz_params.only = v && *v ? v : NULL;
}

/*
 * The current sequence goes to $VX_OUT/fuzz_ioctl.progress (the VM's output
 * share) so that a run that took the kernel down can still be replayed.
 */
void fz_progress(const char *test, uint64_t seq, uint64_t seed)
{
	static int fd = -2;
	char buf[160];
	int n;

	if (fd == -2) {
		const char *out = getenv("VX_OUT");

		fd = -1;
		if (out) {
			snprintf(buf, sizeof(buf), "%s/fuzz_ioctl.progress", out);
			fd = open(buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		}
	}
	if (fd < 0)
		return;
	n = snprintf(buf, sizeof(buf),
		     "%s: FUZZ_SEED=%#llx FUZZ_FIRST=%llu FUZZ_ITERS=1 FUZZ_ONLY=%s\n",
		     test, (unsigned long long)seed, (unsigned long long)seq, test);
	if (pwrite(fd, buf, n, 0) == n && ftruncate(fd, n) == 0)
		return;
}

/* ---- guest memory ------------------------------------------------------ */

int fz_arena_init(void)
{
	void *res, *a;

	if (fz_arena)
		return 0;
	res = mmap((void *)FZ_RES_BASE, FZ_RES_SIZE, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
	if (res == MAP_FAILED)
		return -errno;
	if (res != (void *)FZ_RES_BASE)
		return -EADDRINUSE;
	/* Shared, so that children see and feed the same guest memory. */
	a = mmap(res, FZ_ARENA_SIZE, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (a == MAP_FAILED)
		return -errno;
	fz_arena = a;
	return 0;
}

/* A user address for rings, logs and memory regions: see fz.h. */
uint64_t fz_uaddr(struct fz_rng *r)
{
	static const uint64_t odd[] = {
		0, 1, 0xfff, 0x1000, 0x10000, FZ_LOW_END - 0x1000,
		FZ_RES_BASE + FZ_ARENA_SIZE, FZ_RES_BASE + FZ_ARENA_SIZE - 8,
		FZ_RES_BASE + FZ_RES_SIZE - 0x1000,
		FZ_USER_TOP - 0x2000, FZ_USER_TOP - 0x1000, FZ_USER_TOP - 1, FZ_USER_TOP,
		0x8000000000000000ULL, 0xffff800000000000ULL, 0xffff888000000000ULL,
		0xffffffff81000000ULL, 0xffffffffff600000ULL, ~0ULL - 0xfff, ~0ULL,
	};
	uint64_t base = (uint64_t)(uintptr_t)fz_arena;

	switch (fz_below(r, 6)) {
	case 0:
	case 1:
	case 2:		/* aligned, in the ring half of the arena */
		return base + (fz_below(r, FZ_RING_AREA / 64) * 64);
	case 3:		/* anywhere in the arena, any alignment */
		return base + fz_below(r, FZ_ARENA_SIZE);
	case 4:		/* the reservation behind it */
		return FZ_RES_BASE + FZ_ARENA_SIZE + fz_below(r, FZ_RES_SIZE - FZ_ARENA_SIZE);
	default:
		return FZ_PICK(r, odd);
	}
}

uint64_t fz_size(struct fz_rng *r)
{
	static const uint64_t v[] = {
		0, 1, 2, 0xfff, 0x1000, 0x1001, FZ_ARENA_SIZE / 2, FZ_ARENA_SIZE,
		FZ_ARENA_SIZE + 1, 1ULL << 32, 1ULL << 40, 1ULL << 46, 1ULL << 47,
		1ULL << 56, 1ULL << 63, ~0ULL - 0xfff, ~0ULL,
	};

	if (fz_chance(r, 30))
		return 1 + fz_below(r, FZ_ARENA_SIZE);
	return FZ_PICK(r, v);
}

uint64_t fz_gpa(struct fz_rng *r)
{
	static const uint64_t v[] = {
		0, 1, 0xfff, 0x1000, 0x100000, 1ULL << 32, (1ULL << 51) - 0x1000,
		(1ULL << 51) - 1, 1ULL << 62, 1ULL << 63, ~0ULL - FZ_ARENA_SIZE + 1,
		~0ULL - 0xfff, ~0ULL,
	};

	switch (fz_below(r, 4)) {
	case 0:
		return fz_below(r, 1ULL << 32);
	case 1:
		return fz_below(r, 1ULL << 51);
	case 2:
		return (3ULL << 62) | fz_next(r);
	default:
		return FZ_PICK(r, v);
	}
}

/*
 * Classify a memory region, clamping it first so that user memory it
 * covers stays inside the window it starts in.
 */
enum fz_region fz_region_fix(uint64_t gpa, uint64_t *size, uint64_t uaddr)
{
	uint64_t last;

	if (!*size || gpa + (*size - 1) < gpa || uaddr + (*size - 1) < uaddr)
		return FZ_REGION_BAD;
	last = uaddr + (*size - 1);
	if (last >= FZ_NEVER_USER)
		return FZ_REGION_BAD;
	if (uaddr < FZ_LOW_END) {
		if (last >= FZ_LOW_END)
			*size = FZ_LOW_END - uaddr;
	} else if (uaddr >= FZ_RES_BASE && uaddr < FZ_RES_BASE + FZ_RES_SIZE) {
		if (last >= FZ_RES_BASE + FZ_RES_SIZE)
			*size = FZ_RES_BASE + FZ_RES_SIZE - uaddr;
	} else if (uaddr < FZ_USER_TOP - 0x1000) {
		/* Never generated: keep it harmless all the same. */
		*size = 0x1000;
	}
	last = uaddr + (*size - 1);
	if (last >= FZ_USER_TOP - 0x1000)
		return FZ_REGION_MAYBE;
	return FZ_REGION_OK;
}

/* ---- file descriptors -------------------------------------------------- */

static void add_fd(struct fz_env *env, int fd, enum fz_kind kind, const char *what)
{
	if (fd < 0 && kind != FZ_K_NONE && kind != FZ_K_BADNUM)
		return;
	if (env->nfds >= FZ_MAX_FDS) {
		if (fd >= 0)
			close(fd);
		return;
	}
	env->fds[env->nfds].fd = fd;
	env->fds[env->nfds].kind = kind;
	env->fds[env->nfds].what = what;
	env->nfds++;
}

/* A tun/tap, up; the vnet header is 12 bytes when @flags ask for one. */
static int open_tap(const char *name, int flags)
{
	int fd = nu_tun_open(name, flags, flags & IFF_VNET_HDR ? 12 : 0);
	int r;

	if (fd < 0)
		return fd;
	r = nu_link_up(name);
	if (r) {
		close(fd);
		return r;
	}
	return fd;
}

static int packet_socket(int type, int ifindex)
{
	struct sockaddr_ll sll = { 0 };
	int s = socket(AF_PACKET, type | SOCK_CLOEXEC, htons(ETH_P_ALL));

	if (s < 0 || !ifindex)
		return s;
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll))) {
		close(s);
		return -1;
	}
	return s;
}

/* A unix socket bound to a long abstract name: getname() fills 110 bytes. */
static int long_unix_socket(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -1;
	memset(sun.sun_path, 'v', sizeof(sun.sun_path));
	sun.sun_path[0] = 0;
	snprintf(sun.sun_path + 1, 16, "vxfz%d", getpid());
	sun.sun_path[strlen(sun.sun_path + 1) + 1] = 'x';
	if (bind(s, (struct sockaddr *)&sun, sizeof(sun))) {
		close(s);
		return -1;
	}
	return s;
}

int fz_env_init(struct fz_env *env)
{
	int fd, pfd[2], ifindex;

	memset(env, 0, sizeof(*env));
	env->burst_fd = -1;
	/* Interfaces, modules and a hostile caller: only in the test VM. */
	if (!getenv("VX_IN_VM") && !getenv("FUZZ_ON_THIS_HOST"))
		return -EPERM;
	/* A private network namespace: everything we create dies with us. */
	if (unshare(CLONE_NEWNET))
		return -errno;
	nu_link_up("lo");
	if (system("modprobe -q tun; modprobe -q macvtap; modprobe -q dummy") < 0)
		return -errno;

	add_fd(env, -1, FZ_K_NONE, "-1");
	for (int i = 0; i < 3; i++)
		add_fd(env, eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), FZ_K_EVENTFD, "eventfd");

	fd = open_tap("vxfz0", IFF_TAP | IFF_NO_PI | IFF_VNET_HDR);
	if (fd < 0)
		return fd;
	add_fd(env, fd, FZ_K_TAP, "tap+vnet_hdr");
	env->burst_ifindex = if_nametoindex("vxfz0");
	env->burst_fd = packet_socket(SOCK_RAW, env->burst_ifindex);
	add_fd(env, open_tap("vxfz1", IFF_TAP | IFF_NO_PI), FZ_K_TAP, "tap");
	add_fd(env, open_tap("vxfz2", IFF_TUN | IFF_NO_PI | IFF_VNET_HDR), FZ_K_TAP, "tun");

	if (system("ip link add vxfzd0 type dummy 2>/dev/null && ip link set vxfzd0 up && "
		   "ip link add link vxfzd0 name vxfzmv0 type macvtap mode bridge 2>/dev/null && "
		   "ip link set vxfzmv0 up") == 0) {
		fd = nu_macvtap_open("vxfzmv0", 0);
		if (fd >= 0) {
			int hdr = 12;

			if (ioctl(fd, TUNSETVNETHDRSZ, &hdr))
				hdr = 0;
			add_fd(env, fd, FZ_K_MACVTAP, "macvtap");
			env->have_macvtap = 1;
		}
	}
	if (!env->have_macvtap)
		snprintf(env->note, sizeof(env->note), "no macvtap backend");
	ifindex = if_nametoindex("vxfzd0");
	if (!ifindex)
		ifindex = env->burst_ifindex;
	add_fd(env, packet_socket(SOCK_RAW, ifindex), FZ_K_PACKET, "AF_PACKET raw, bound");
	add_fd(env, packet_socket(SOCK_RAW, 0), FZ_K_PACKET, "AF_PACKET raw, unbound");

	add_fd(env, packet_socket(SOCK_DGRAM, ifindex), FZ_K_WRONG, "AF_PACKET dgram");
	add_fd(env, socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), FZ_K_WRONG, "udp");
	add_fd(env, socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), FZ_K_WRONG, "tcp");
	add_fd(env, socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDP), FZ_K_WRONG, "inet raw");
	add_fd(env, socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6), FZ_K_WRONG,
	       "inet6 raw");
	add_fd(env, socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), FZ_K_WRONG,
	       "netlink raw");
	add_fd(env, long_unix_socket(), FZ_K_WRONG, "unix, long name");
	if (!pipe2(pfd, O_CLOEXEC)) {
		add_fd(env, pfd[0], FZ_K_WRONG, "pipe read end");
		add_fd(env, pfd[1], FZ_K_WRONG, "pipe write end");
	}
	add_fd(env, open("/dev/null", O_RDWR | O_CLOEXEC), FZ_K_WRONG, "/dev/null");
	add_fd(env, open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC), FZ_K_WRONG, "directory");
	add_fd(env, epoll_create1(EPOLL_CLOEXEC), FZ_K_WRONG, "epoll");
	add_fd(env, open("/dev/net/tun", O_RDWR | O_CLOEXEC), FZ_K_WRONG, "tun, not attached");

	add_fd(env, 1000, FZ_K_BADNUM, "closed fd");
	add_fd(env, INT_MAX, FZ_K_BADNUM, "INT_MAX");
	add_fd(env, -2, FZ_K_BADNUM, "-2");
	add_fd(env, INT_MIN, FZ_K_BADNUM, "INT_MIN");
	return 0;
}

void fz_env_fini(struct fz_env *env)
{
	for (int i = 0; i < env->nfds; i++)
		if (env->fds[i].fd >= 0 && env->fds[i].kind != FZ_K_BADNUM)
			close(env->fds[i].fd);
	if (env->burst_fd >= 0)
		close(env->burst_fd);
	env->nfds = 0;
}

const struct fz_fd *fz_env_fd(struct fz_env *env, struct fz_rng *r, enum fz_kind want)
{
	int n = 0, pick;

	for (int i = 0; i < env->nfds; i++)
		n += env->fds[i].kind == want;
	if (!n)
		return &env->fds[0];
	pick = fz_below(r, n);
	for (int i = 0; i < env->nfds; i++)
		if (env->fds[i].kind == want && !pick--)
			return &env->fds[i];
	return &env->fds[0];
}

const struct fz_fd *fz_env_any(struct fz_env *env, struct fz_rng *r)
{
	return &env->fds[fz_below(r, env->nfds)];
}

/* Frames into the tap: they wait in its queue for whoever reads it (vhost). */
int fz_burst(struct fz_env *env, struct fz_rng *r, unsigned int frames)
{
	static const uint64_t lens[] = { 14, 15, 60, 64, 128, 1000, 1514 };
	uint8_t frame[1514];
	int sent = 0;

	if (env->burst_fd < 0)
		return 0;
	for (unsigned int i = 0; i < frames; i++) {
		size_t len = fz_chance(r, 50) ? FZ_PICK(r, lens) : 14 + fz_below(r, 1501);

		memset(frame, 0xff, 6);				/* broadcast */
		memcpy(frame + 6, "\x02\x00\x5e\x00\x00\x01", 6);
		frame[12] = 0x88;				/* local experimental */
		frame[13] = 0xb5;
		for (size_t j = 14; j < len; j++)
			frame[j] = (uint8_t)(j * 31 + i);
		if (send(env->burst_fd, frame, len, MSG_DONTWAIT) == (ssize_t)len)
			sent++;
	}
	return sent;
}

bool fz_errno_ok(int e)
{
	switch (e) {
	case EPERM: case ENOENT: case EBADF: case EAGAIN: case ENOMEM: case EFAULT:
	case EBUSY: case EEXIST: case ENODEV: case EINVAL: case ENOSPC: case E2BIG:
	case ENXIO: case ENOTTY: case ENOBUFS: case EOPNOTSUPP: case ENOTSOCK:
	case ESOCKTNOSUPPORT: case EPFNOSUPPORT: case EAFNOSUPPORT: case EMSGSIZE:
	case ENOTCONN: case ERANGE: case EIO: case EOVERFLOW: case EPROTONOSUPPORT:
		return true;
	default:
		/* Notably the kernel-internal codes >= 512 (ENOIOCTLCMD, ENOTSUPP). */
		return false;
	}
}

void fz_failf(int *failed, char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (*failed)
		return;
	*failed = 1;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

int fz_call_failedf(int *failed, char *why, size_t len, const char *name, int ret, int e)
{
	if (ret != -1)
		fz_failf(failed, why, len, "%s returned %d", name, ret);
	else if (!fz_errno_ok(e))
		fz_failf(failed, why, len, "%s failed with errno %d, not a userspace errno",
			 name, e);
	return -e;
}

int fz_count_workers(int pid)
{
	int old = nu_count_comm("vhost-", pid), ours = nu_count_comm("vhostx-", pid);

	return old < 0 || ours < 0 ? -1 : old + ours;
}
