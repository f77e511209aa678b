// SPDX-License-Identifier: GPL-2.0-only
/*
 * vdrv_bench: TX packet rate of a vhost-net node driven by the selftests'
 * userspace guest driver (selftests/vhost_net/vdrv.c), for descriptor
 * layouts testpmd cannot produce.
 *
 *   vdrv_bench [--dev NODE] [--tap IFACE] [--layout direct|indirect|chain]
 *              [--size BYTES] [--ring N] [--secs S] [--warmup S] [--cpu N]
 *
 * vdrv sets the device up (owner, features, memory table, split rings,
 * eventfds); this file lays the TX ring out once, keeps it full and
 * reposts every used entry at once, as a polling guest driver does:
 *
 *   direct    one descriptor: virtio-net header and frame together
 *   chain     two chained descriptors: header, then frame
 *   indirect  one ring descriptor (VRING_DESC_F_INDIRECT) pointing at a
 *             two-entry table: header, then frame
 *
 * The driver runs pinned to CPU --cpu (default 1, as testpmd's forwarding
 * core in the other scenarios; -1: not pinned) so that the worker does not
 * share its CPU. Calls are suppressed (VRING_AVAIL_F_NO_INTERRUPT: the
 * driver polls); kicks are sent only when the device has not set
 * VRING_USED_F_NO_NOTIFY.
 * After --warmup seconds, one window of --secs seconds is measured: frames
 * the device delivered into the tap (rx_packets + rx_dropped), used entries
 * the driver reaped, and the CPU time of the device's worker threads
 * (vhost-<pid> or vhostx-<pid>, first field of /proc/<tid>/schedstat).
 * Prints one line of key=value pairs starting with "vdrv_bench:"; kicks
 * and stalls (no used entry for 200 ms, after which the driver kicks
 * again) count over the whole run, warm-up included.
 * Exit 0 on success, 1 on failure ("vdrv_bench: error=..." on stdout).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>

#include "vdrv.h"

#define MAX_WORKERS	8

enum layout { LAYOUT_DIRECT, LAYOUT_CHAIN, LAYOUT_INDIRECT };

static const char * const layout_names[] = {
	[LAYOUT_DIRECT] = "direct",
	[LAYOUT_CHAIN] = "chain",
	[LAYOUT_INDIRECT] = "indirect",
};

struct opts {
	const char *dev;
	const char *tap;
	enum layout layout;
	unsigned int size;
	unsigned int ring;
	double secs;
	double warmup;
	int cpu;
};

/* Counters read at the two edges of the measured window. */
struct snap {
	uint64_t tap;		/* tap rx_packets + rx_dropped */
	uint64_t ns;		/* CLOCK_MONOTONIC */
	uint64_t worker_ns;	/* sum over the worker threads */
	uint64_t reaped;	/* used entries consumed */
};

struct bench {
	struct vdrv_dev d;
	struct vdrv_vq *vq;
	int tapfd;
	int stat_fd[2];		/* tap rx_packets, rx_dropped */
	int nworkers;
	int worker_fd[MAX_WORKERS];
	char worker_name[MAX_WORKERS][32];
	uint8_t *inflight;	/* per descriptor index: head owned by device */
	uint16_t *ids;		/* heads of one reap batch */
	uint16_t last_used;
	uint64_t reaped;
	uint64_t kicks;
	uint64_t stalls;	/* 200 ms without a used entry */
};

static void fail(const char *what, int err)
{
	printf("vdrv_bench: error=\"%s%s%s\"\n", what, err ? ": " : "",
	       err ? strerror(err) : "");
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* First unsigned number in a small /proc or /sys file, re-read with pread. */
static uint64_t read_u64(int fd)
{
	char buf[64];
	ssize_t n;

	if (fd < 0)
		return 0;
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strtoull(buf, NULL, 10);
}

static int open_stat(const char *iface, const char *counter)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", iface, counter);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/*
 * The worker threads serving this process: comm "vhost-<pid>" (the
 * kernel's vhost) or "vhostx-<pid>" (ours), as lib.sh's workers() finds
 * them. Keeps their schedstat files open.
 */
static int find_worker(const char *tid, const char *comm, void *arg)
{
	struct bench *b = arg;
	char want[32], path[300];
	int fd;

	if (b->nworkers >= MAX_WORKERS)
		return 1;
	snprintf(want, sizeof(want), "vhost-%d", (int)getpid());
	if (strcmp(comm, want)) {
		snprintf(want, sizeof(want), "vhostx-%d", (int)getpid());
		if (strcmp(comm, want))
			return 0;
	}
	snprintf(path, sizeof(path), "/proc/%s/schedstat", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	b->worker_fd[b->nworkers] = fd;
	snprintf(b->worker_name[b->nworkers], sizeof(b->worker_name[0]), "%s", comm);
	b->nworkers++;
	return 0;
}

static void find_workers(struct bench *b)
{
	nu_walk_tasks(find_worker, b);
}

static void take_snap(struct bench *b, struct snap *s)
{
	int i;

	s->tap = read_u64(b->stat_fd[0]) + read_u64(b->stat_fd[1]);
	s->ns = now_ns();
	s->worker_ns = 0;
	for (i = 0; i < b->nworkers; i++)
		s->worker_ns += read_u64(b->worker_fd[i]);
	s->reaped = b->reaped;
}

/*
 * Lay every chain out once: the device never writes TX descriptors or
 * buffers, so a reaped head can be republished as it is. Returns the
 * number of chains; @step is the distance between two heads.
 */
static unsigned int layout_ring(struct bench *b, const struct opts *o,
				unsigned int *step)
{
	struct vdrv_vq *vq = b->vq;
	size_t hlen = b->d.hdr_len;
	unsigned int h, n = 0;

	*step = o->layout == LAYOUT_CHAIN ? 2 : 1;
	for (h = 0; h < vq->num; h += *step) {
		uint8_t *slot = vdrv_slot(vq, h);
		uint64_t hdr = vdrv_hva2gpa(&b->d, slot);
		uint64_t frame = hdr + hlen;
		struct vring_desc *t;

		/* A zero header: no offloads, as testpmd's txonly sends. */
		memset(slot, 0, hlen);
		vdrv_frame_ipv4(slot + hlen, o->size, h, IPPROTO_UDP, NULL, NULL);
		/* UDP checksum 0: none (the host stack drops the frame anyway). */
		slot[hlen + 40] = 0;
		slot[hlen + 41] = 0;
		switch (o->layout) {
		case LAYOUT_DIRECT:
			vdrv_desc_set(vq, h, hdr, hlen + o->size, 0, 0);
			break;
		case LAYOUT_CHAIN:
			vdrv_desc_set(vq, h, hdr, hlen, VRING_DESC_F_NEXT, h + 1);
			vdrv_desc_set(vq, h + 1, frame, o->size, 0, 0);
			break;
		case LAYOUT_INDIRECT:
			t = vdrv_indir(vq, h);
			t[0].addr = hdr;
			t[0].len = hlen;
			t[0].flags = VRING_DESC_F_NEXT;
			t[0].next = 1;
			t[1].addr = frame;
			t[1].len = o->size;
			t[1].flags = 0;
			t[1].next = 0;
			vdrv_desc_set(vq, h, vdrv_hva2gpa(&b->d, t), 2 * sizeof(*t),
				      VRING_DESC_F_INDIRECT, 0);
			break;
		}
		n++;
	}
	return n;
}

static void kick(struct bench *b, bool always)
{
	struct vdrv_vq *vq = b->vq;
	uint64_t one = 1;

	/* The new avail index must be visible before we read the flags. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!always && (__atomic_load_n(&vq->r.used->flags, __ATOMIC_RELAXED) &
			VRING_USED_F_NO_NOTIFY))
		return;
	if (write(vq->kick, &one, sizeof(one)) != sizeof(one))
		fail("kick", errno);
	b->kicks++;
}

/*
 * Reap every used entry, then republish the chains: a head the device
 * returns must be one we made available and not yet got back.
 */
static unsigned int reap(struct bench *b, unsigned int step)
{
	struct vdrv_vq *vq = b->vq;
	uint16_t idx = __atomic_load_n(&vq->r.used->idx, __ATOMIC_ACQUIRE);
	unsigned int n = (uint16_t)(idx - b->last_used), i;

	if (n > vq->num)
		fail("used index ran ahead of the ring", 0);
	for (i = 0; i < n; i++) {
		uint32_t id = vq->r.used->ring[(uint16_t)(b->last_used + i) % vq->num].id;

		if (id >= vq->num || id % step || !b->inflight[id]) {
			char msg[80];

			snprintf(msg, sizeof(msg), "device returned head %u, not in flight", id);
			fail(msg, 0);
		}
		b->inflight[id] = 0;
		b->ids[i] = id;
	}
	for (i = 0; i < n; i++) {
		b->inflight[b->ids[i]] = 1;
		vdrv_publish(vq, b->ids[i]);
	}
	b->last_used += n;
	b->reaped += n;
	return n;
}

static void print_usage(void)
{
	fprintf(stderr,
		"usage: vdrv_bench [--dev NODE] [--tap IFACE] [--layout direct|indirect|chain]\n"
		"                  [--size BYTES] [--ring N] [--secs S] [--warmup S] [--cpu N]\n");
	exit(2);
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "dev", required_argument, NULL, 'd' },
		{ "tap", required_argument, NULL, 't' },
		{ "layout", required_argument, NULL, 'l' },
		{ "size", required_argument, NULL, 's' },
		{ "ring", required_argument, NULL, 'r' },
		{ "secs", required_argument, NULL, 'S' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "cpu", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int i;
	int c;

	o->dev = NULL;
	o->tap = "vxb0";
	o->layout = LAYOUT_DIRECT;
	o->size = 64;
	o->ring = 1024;
	o->secs = 5;
	o->warmup = 2;
	o->cpu = 1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dev = optarg;
			break;
		case 't':
			o->tap = optarg;
			break;
		case 'l':
			for (i = 0; i < 3; i++)
				if (!strcmp(optarg, layout_names[i]))
					break;
			if (i == 3)
				print_usage();
			o->layout = i;
			break;
		case 's':
			o->size = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			o->ring = strtoul(optarg, NULL, 0);
			break;
		case 'S':
			o->secs = strtod(optarg, NULL);
			break;
		case 'w':
			o->warmup = strtod(optarg, NULL);
			break;
		case 'c':
			o->cpu = strtol(optarg, NULL, 0);
			break;
		default:
			print_usage();
		}
	}
	/* 60: the smallest Ethernet frame without FCS; 1514: no GSO here. */
	if (optind != argc || o->size < 60 || o->size > 1514 || o->secs <= 0 ||
	    o->warmup < 0 || o->ring < 2 || o->ring > 32768 || (o->ring & (o->ring - 1)))
		print_usage();
}

int main(int argc, char **argv)
{
	struct vdrv_cfg cfg = { 0 };
	struct snap s0, s1;
	struct bench b;
	struct opts o;
	uint64_t t_start, t_win, t_end = 0, t_prog, t, pkts, dns, t_setup;
	unsigned int step, nchains, h, n, spins = 0;
	char workers[MAX_WORKERS * 32 + 1] = "";
	int i, r;

	parse(argc, argv, &o);
	t_setup = now_ns();
	if (o.dev)
		setenv("VHOST_NET_DEV", o.dev, 1);
	if (o.cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(o.cpu, &set);
		/* One CPU only (a one-vCPU VM): run unpinned. */
		if (sched_setaffinity(0, sizeof(set), &set))
			o.cpu = -1;
	}
	memset(&b, 0, sizeof(b));
	b.tapfd = b.stat_fd[0] = b.stat_fd[1] = -1;

	/* The same features for every layout: only the layout differs. */
	cfg.features = VDRV_FEATURES_DEFAULT | VDRV_F(VIRTIO_RING_F_INDIRECT_DESC);
	cfg.num = o.ring;
	cfg.slot_size = VDRV_HDR_LEN + o.size;
	cfg.nregions = 1;
	r = vdrv_init(&b.d, &cfg);
	if (r)
		fail(b.d.failed ? b.d.failed : "vdrv_init", -r);
	b.vq = &b.d.vq[VDRV_TX];
	b.inflight = calloc(b.vq->num, 1);
	b.ids = calloc(b.vq->num, sizeof(*b.ids));
	if (!b.inflight || !b.ids)
		fail("calloc", ENOMEM);

	b.tapfd = vdrv_tap_open(o.tap, 0, b.d.hdr_len);
	if (b.tapfd < 0)
		fail("tap open", -b.tapfd);
	r = vdrv_link_up(o.tap);
	if (r)
		fail("tap up", -r);
	b.stat_fd[0] = open_stat(o.tap, "rx_packets");
	b.stat_fd[1] = open_stat(o.tap, "rx_dropped");
	if (b.stat_fd[0] < 0 || b.stat_fd[1] < 0)
		fail("tap statistics", errno);
	/* TX only: no RX backend, no RX buffers. */
	r = vdrv_set_backend(&b.d, VDRV_TX, b.tapfd);
	if (r)
		fail("SET_BACKEND", -r);

	/* The worker exists since SET_OWNER; look for it outside the window. */
	find_workers(&b);
	nchains = layout_ring(&b, &o, &step);
	vdrv_set_avail_flags(b.vq, VRING_AVAIL_F_NO_INTERRUPT);
	for (h = 0; h < b.vq->num; h += step) {
		b.inflight[h] = 1;
		vdrv_publish(b.vq, h);
	}
	kick(&b, true);

	t_start = now_ns();
	t_win = t_start + (uint64_t)(o.warmup * 1e9);
	t_prog = t_start;
	memset(&s0, 0, sizeof(s0));
	for (bool in_win = false;;) {
		n = reap(&b, step);
		if (n)
			kick(&b, false);
		if (!n && ++spins < 64)
			continue;
		spins = 0;
		t = now_ns();
		if (n) {
			t_prog = t;
		} else if (t - t_prog > 200000000ULL) {
			/*
			 * No used entry for 200 ms: a lost kick, or (from
			 * here it looks the same) a worker whose vCPU the
			 * host did not run. Count it and kick again.
			 */
			b.stalls++;
			kick(&b, true);
			t_prog = t;
		}
		if (!in_win && t >= t_win) {
			take_snap(&b, &s0);
			t_end = s0.ns + (uint64_t)(o.secs * 1e9);
			in_win = true;
		} else if (in_win && t >= t_end) {
			take_snap(&b, &s1);
			break;
		}
	}
	if (vdrv_evt_count(b.vq->err))
		fail("the device signalled a ring error", 0);

	for (i = 0; i < b.nworkers; i++) {
		if (i)
			strcat(workers, ",");
		strcat(workers, b.worker_name[i]);
		close(b.worker_fd[i]);
	}
	pkts = s1.tap - s0.tap;
	dns = s1.ns - s0.ns;
	printf("vdrv_bench: layout=%s size=%u ring=%u chains=%u node=%s cpu=%d",
	       layout_names[o.layout], o.size, o.ring, nchains, vdrv_dev_path(), o.cpu);
	printf(" pps=%.0f packets=%llu ns=%llu worker_ns=%llu",
	       dns ? pkts * 1e9 / dns : 0.0, (unsigned long long)pkts,
	       (unsigned long long)dns, (unsigned long long)(s1.worker_ns - s0.worker_ns));
	if (pkts && b.nworkers)
		printf(" cpu_ns_per_pkt=%.0f", (double)(s1.worker_ns - s0.worker_ns) / pkts);
	printf(" used=%llu kicks=%llu stalls=%llu workers=%s\n",
	       (unsigned long long)(s1.reaped - s0.reaped), (unsigned long long)b.kicks,
	       (unsigned long long)b.stalls, b.nworkers ? workers : "none");
	fflush(stdout);
	t = now_ns();

	vdrv_set_backend(&b.d, VDRV_TX, -1);
	vdrv_close(&b.d);
	close(b.tapfd);
	close(b.stat_fd[0]);
	close(b.stat_fd[1]);
	free(b.inflight);
	free(b.ids);
	fprintf(stderr, "vdrv_bench timing: setup %.2fs, run %.2fs, teardown %.2fs\n",
		(t_start - t_setup) / 1e9, (t - t_start) / 1e9, (now_ns() - t) / 1e9);
	return 0;
}
