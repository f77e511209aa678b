// SPDX-License-Identifier: GPL-2.0-only
/*
 * The TX worker's budget counts every pass of its loop, an empty one too.
 *
 * A guest that moves avail->idx so that the device finds the TX ring empty
 * when it looks for a chain, and not empty when it re-enables
 * notifications, sends the device round its loop without a packet. If
 * only packets counted, the worker would stay in that one run for as long
 * as the guest keeps it up: the RX queue and every ioctl that waits for the
 * worker would starve.
 *
 * Made deterministic with userfaultfd: the pages holding avail->idx, the
 * avail ring entries and the used ring header (all in the guest memory
 * memfd) are registered for minor faults and their mappings zapped after
 * every access of the worker, so each of its reads and writes there stops
 * in a fault this test answers. The worker's accesses are sequential, so
 * while it waits on one page it is done with the others, which are then
 * zapped again. A read of avail->idx is answered from the state the device
 * left in used->flags: VRING_USED_F_NO_NOTIFY set (the device turned
 * notifications off and looks for chains) gets "empty", clear (the device
 * just turned them on and looks again) gets "one more". A device that takes
 * that "one more" as a chain to pop (the kernel's vhost_net remembers the
 * index it saw) reads the avail ring entry next; that entry names a real
 * 60-byte frame, the fault on its page tells us it was popped, and the
 * following answers are moved on by one.
 *
 * Asserted while the guest keeps this up: a frame injected on the tap
 * reaches the RX ring byte-exact, VHOST_SET_MEM_TABLE (which waits for the
 * worker) returns, the worker is still in the game after both (the guest
 * still gets faults), and with vhostx_net the TX queue's debugfs counter
 * "yields" grew. Then the guest stops, and both queues carry traffic.
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/userfaultfd.h>

#include "kselftest_harness.h"
#include "vtest.h"

#define PG		4096UL
#define NUM		256
/* The head the guest's "one more" names; vdrv hands out heads from 0 up. */
#define BOUNCE_HEAD	(NUM - 1)
#define BOUNCE_LEN	60
#define BOUNCE_SEQ	0xb0b0
/* avail is moved so that flags and idx end one slot page, ring[] fills the next. */
#define AVAIL_SLOT	(NUM - 4)

struct bounce {
	int uffd;
	uint8_t *alias;			/* second mapping of the guest memfd */
	size_t alias_len;
	uint8_t *mem;			/* the guest memory the device uses */
	uint8_t *p_idx, *p_ring, *p_used;	/* registered pages (in mem) */
	volatile uint16_t *a_idx;	/* avail->idx, through alias */
	volatile uint16_t *u_flags;	/* used->flags, through alias */
	uint16_t cur;			/* chains the device popped, as avail index */
	pid_t worker;			/* thread of the first fault */
	atomic_uint faults, idx_reads, mores, pops, other_threads;
	atomic_int stop, quit, err;
	pthread_t thread;
};

static void zap_others(struct bounce *b, uint8_t *page)
{
	uint8_t *pages[] = { b->p_idx, b->p_ring, b->p_used };

	for (unsigned int i = 0; i < 3; i++)
		if (pages[i] != page && madvise(pages[i], PG, MADV_DONTNEED))
			atomic_store(&b->err, errno);
}

static void *bounce_thread(void *arg)
{
	struct bounce *b = arg;

	while (!atomic_load(&b->quit)) {
		struct pollfd p = { .fd = b->uffd, .events = POLLIN };
		struct uffdio_continue cont = { 0 };
		struct uffd_msg msg;
		uint8_t *page;
		bool stop;

		if (poll(&p, 1, 50) <= 0)
			continue;
		if (read(b->uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		page = (uint8_t *)(uintptr_t)(msg.arg.pagefault.address & ~(PG - 1));
		if (!b->worker)
			b->worker = msg.arg.pagefault.feat.ptid;
		else if (b->worker != (pid_t)msg.arg.pagefault.feat.ptid)
			atomic_fetch_add(&b->other_threads, 1);
		stop = atomic_load(&b->stop);
		/* The worker waits here, so it is done with the other pages. */
		if (!stop)
			zap_others(b, page);
		if (page == b->p_idx) {
			bool more = !stop && !(*b->u_flags & VRING_USED_F_NO_NOTIFY);

			*b->a_idx = b->cur + (more ? 1 : 0);
			atomic_fetch_add(&b->idx_reads, 1);
			if (more)
				atomic_fetch_add(&b->mores, 1);
		} else if (page == b->p_ring) {
			/* It pops the chain our last "one more" showed. */
			b->cur++;
			atomic_fetch_add(&b->pops, 1);
		}
		/*
		 * Stopping: the index says exactly what was popped, mapped or
		 * not, so the next look at it ends the run.
		 */
		if (stop)
			*b->a_idx = b->cur;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		cont.range.start = (uintptr_t)page;
		cont.range.len = PG;
		if (ioctl(b->uffd, UFFDIO_CONTINUE, &cont)) {
			struct uffdio_range r = { .start = (uintptr_t)page, .len = PG };

			/* Mapped meanwhile (another thread's fault): just wake. */
			if (errno != EEXIST || ioctl(b->uffd, UFFDIO_WAKE, &r))
				atomic_store(&b->err, errno);
		}
		atomic_fetch_add(&b->faults, 1);
	}
	return NULL;
}

/* Wait until the handler has answered more than @n faults; false on timeout. */
static bool faults_past(struct bounce *b, unsigned int n, int timeout_ms)
{
	uint64_t end = vdrv_now_ms() + timeout_ms;

	while (atomic_load(&b->faults) <= n) {
		if (vdrv_now_ms() >= end)
			return false;
		usleep(1000);
	}
	return true;
}

struct memtab {
	struct vdrv_dev *d;
	atomic_int done;
	int ret;
	uint64_t ms;
};

/* VHOST_SET_MEM_TABLE with the table in force: waits for the worker. */
static void *memtab_thread(void *arg)
{
	struct memtab *t = arg;
	struct vhost_memory *m = calloc(1, sizeof(*m) + VDRV_MAX_REGIONS *
					sizeof(m->regions[0]));
	uint64_t t0 = vdrv_now_ms();

	if (!m) {
		t->ret = -ENOMEM;
	} else {
		vdrv_mem_table(t->d, m);
		t->ret = ioctl(t->d->fd, VHOST_SET_MEM_TABLE, m) ? -errno : 0;
		free(m);
	}
	t->ms = vdrv_now_ms() - t0;
	atomic_store(&t->done, 1);
	return NULL;
}

/* /sys/kernel/debug/vhostx/<pid>-<id>/<q> counter @key, or -1. */

static void comm_of(pid_t tid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)tid);
	snprintf(buf, len, "?");
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

FIXTURE(budget) {
	struct vdrv_dev d;
	struct vdrv_env e;
};

FIXTURE_SETUP(budget)
{
	struct vdrv_cfg cfg = {
		.features = VDRV_FEATURES_DEFAULT,	/* no EVENT_IDX */
		.num = NUM,
		.slot_size = PG,
	};
	struct vdrv_vq *tx;
	int r;

	self->e.tap = self->e.cap = self->e.inj = -1;
	self->d.fd = -1;
	VTEST_NETNS();
	VTEST_TAP(&self->e, "vxbud0", 0, VDRV_HDR_LEN);
	r = vdrv_open(&self->d);
	if (r == -ENOENT) {
		vtest_node_missing(_metadata);
		return;
	}
	ASSERT_EQ(0, r);
	ASSERT_EQ(0, vdrv_mem_init(&self->d, &cfg));
	/*
	 * avail->flags and avail->idx in the last 4 bytes of one slot page,
	 * avail->ring[] (and used_event) at the start of the next: a fault
	 * then says which of the two the device reads.
	 */
	tx = &self->d.vq[VDRV_TX];
	tx->r.avail = (struct vring_avail *)(vdrv_slot(tx, AVAIL_SLOT + 1) - 4);
	r = vdrv_configure(&self->d);
	ASSERT_EQ(0, r) {
		TH_LOG("%s: %s", self->d.failed, strerror(-r));
	}
}

FIXTURE_TEARDOWN(budget)
{
	vdrv_close(&self->d);
	vdrv_env_close(&self->e);
}

TEST_F_TIMEOUT(budget, tx_bounce_starves_nothing, 240)
{
	struct vdrv_vq *tx = &self->d.vq[VDRV_TX], *rx = &self->d.vq[VDRV_RX];
	struct uffdio_api api = {
		.api = UFFD_API,
		.features = UFFD_FEATURE_MINOR_SHMEM | UFFD_FEATURE_THREAD_ID,
	};
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MINOR };
	struct virtio_net_hdr_mrg_rxbuf hdr;
	uint8_t frame[BOUNCE_LEN], rxframe[200], buf[300];
	struct memtab mt = { .d = &self->d };
	struct bounce b = { .uffd = -1 };
	unsigned int f_served, seen = 0;
	long long yields0 = -1, yields = -1;
	bool live, rx_ok, mt_ok;
	pthread_t mtt;
	char comm[32];
	uint64_t end;
	ssize_t n;

	if (_metadata->skip)
		return;
	VTEST_BACKEND(&self->d, VDRV_TX, self->e.tap);
	VTEST_BACKEND(&self->d, VDRV_RX, self->e.tap);
	ASSERT_LT(0, vdrv_rx_fill(rx, 2048, 1, false));
	vdrv_kick(rx);
	vdrv_frame_fill(frame, sizeof(frame), 1, NULL, NULL);
	ASSERT_EQ(0, vdrv_tx_check(tx, self->e.cap, NULL, frame, sizeof(frame), 1,
				   false, NULL));
	ASSERT_EQ(0, vdrv_rx_check(rx, self->e.inj, frame, sizeof(frame), NULL, NULL));
	ASSERT_EQ(0, tx->ninflight);

	b.uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (b.uffd < 0)
		SKIP(return, "userfaultfd: %s", strerror(errno));
	if (ioctl(b.uffd, UFFDIO_API, &api) ||
	    !(api.features & UFFD_FEATURE_MINOR_SHMEM)) {
		close(b.uffd);
		SKIP(return, "userfaultfd without minor faults on shmem");
	}
	if (vdrv_is_vhostx())
		yields0 = vdrv_stat("tx", "yields");

	/* The chain "one more" names: one readable descriptor, header + frame. */
	vdrv_frame_fill(frame, sizeof(frame), BOUNCE_SEQ, NULL, NULL);
	memset(vdrv_slot(tx, BOUNCE_HEAD), 0, self->d.hdr_len);
	memcpy(vdrv_slot(tx, BOUNCE_HEAD) + self->d.hdr_len, frame, sizeof(frame));
	vdrv_desc_set(tx, BOUNCE_HEAD,
		      vdrv_hva2gpa(&self->d, vdrv_slot(tx, BOUNCE_HEAD)),
		      self->d.hdr_len + sizeof(frame), 0, 0);
	for (unsigned int i = 0; i < NUM; i++)
		tx->r.avail->ring[i] = BOUNCE_HEAD;

	b.mem = self->d.mem;
	b.alias_len = self->d.mem_size;
	b.alias = mmap(NULL, b.alias_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       self->d.memfd, 0);
	ASSERT_NE(MAP_FAILED, b.alias);
	b.p_idx = (uint8_t *)tx->r.avail;
	b.p_idx = (uint8_t *)((uintptr_t)b.p_idx & ~(PG - 1));
	b.p_ring = b.p_idx + PG;
	b.p_used = (uint8_t *)tx->r.used;
	ASSERT_EQ(0, (uintptr_t)b.p_used & (PG - 1));
	ASSERT_EQ(b.p_ring, (uint8_t *)tx->r.avail->ring);
	b.a_idx = (uint16_t *)(b.alias + ((uint8_t *)&tx->r.avail->idx - b.mem));
	b.u_flags = (uint16_t *)(b.alias + ((uint8_t *)&tx->r.used->flags - b.mem));
	b.cur = tx->r.avail_idx;
	ASSERT_EQ(b.cur, *b.a_idx);

	reg.range.start = (uintptr_t)b.p_idx;
	reg.range.len = 2 * PG;
	ASSERT_EQ(0, ioctl(b.uffd, UFFDIO_REGISTER, &reg)) {
		TH_LOG("UFFDIO_REGISTER avail: %s", strerror(errno));
	}
	reg.range.start = (uintptr_t)b.p_used;
	reg.range.len = PG;
	ASSERT_EQ(0, ioctl(b.uffd, UFFDIO_REGISTER, &reg)) {
		TH_LOG("UFFDIO_REGISTER used: %s", strerror(errno));
	}
	zap_others(&b, NULL);
	ASSERT_EQ(0, pthread_create(&b.thread, NULL, bounce_thread, &b));

	/* Go: the worker looks at an empty TX ring, and the guest plays. */
	vdrv_kick(tx);
	live = faults_past(&b, 64, 20000);
	EXPECT_TRUE(live) {
		TH_LOG("the worker's accesses did not reach userfaultfd (%u faults)",
		       atomic_load(&b.faults));
	}
	comm_of(b.worker, comm, sizeof(comm));
	TH_LOG("faulting thread %d (%s); %u faults, %u avail->idx reads, %u answered one more",
	       (int)b.worker, comm, atomic_load(&b.faults), atomic_load(&b.idx_reads),
	       atomic_load(&b.mores));

	/* While it goes on: an ioctl that waits for the worker, and an RX frame. */
	ASSERT_EQ(0, pthread_create(&mtt, NULL, memtab_thread, &mt));
	vdrv_frame_fill(rxframe, sizeof(rxframe), 2, NULL, NULL);
	ASSERT_EQ((ssize_t)sizeof(rxframe), send(self->e.inj, rxframe, sizeof(rxframe), 0));
	n = vdrv_rx_frame(rx, &hdr, buf, sizeof(buf), NULL, 30000);
	rx_ok = n == sizeof(rxframe) && !vdrv_cmp(buf, rxframe, sizeof(rxframe));
	end = vdrv_now_ms() + 10000;
	while (!atomic_load(&mt.done) && vdrv_now_ms() < end)
		usleep(10000);
	mt_ok = atomic_load(&mt.done);
	/* And the guest is still in the game after both. */
	f_served = atomic_load(&b.faults);
	live = faults_past(&b, f_served + 16, 10000);
	if (vdrv_is_vhostx())
		yields = vdrv_stat("tx", "yields");
	TH_LOG("while bouncing: RX frame %s (%zd), SET_MEM_TABLE %s, %u faults, %u pops, yields %lld -> %lld",
	       rx_ok ? "received" : "NOT received", n,
	       mt_ok ? "returned" : "still blocked", atomic_load(&b.faults),
	       atomic_load(&b.pops), yields0, yields);

	/* The guest stops: avail->idx reads say "empty" from now on. */
	atomic_store(&b.stop, 1);
	usleep(200 * 1000);
	reg.range.start = (uintptr_t)b.p_idx;
	reg.range.len = 2 * PG;
	EXPECT_EQ(0, ioctl(b.uffd, UFFDIO_UNREGISTER, &reg.range));
	reg.range.start = (uintptr_t)b.p_used;
	reg.range.len = PG;
	EXPECT_EQ(0, ioctl(b.uffd, UFFDIO_UNREGISTER, &reg.range));
	atomic_store(&b.quit, 1);
	pthread_join(b.thread, NULL);
	close(b.uffd);
	pthread_join(mtt, NULL);
	munmap(b.alias, b.alias_len);

	EXPECT_TRUE(rx_ok) {
		TH_LOG("the RX frame did not arrive while TX was kept busy");
	}
	EXPECT_TRUE(mt_ok) {
		TH_LOG("SET_MEM_TABLE waited for the worker for good");
	}
	EXPECT_EQ(0, mt.ret);
	EXPECT_TRUE(live) {
		TH_LOG("the worker left the game before the checks were done");
	}
	EXPECT_EQ(0, atomic_load(&b.err));
	EXPECT_EQ(0, atomic_load(&b.other_threads));
	EXPECT_LT(0, atomic_load(&b.mores));
	if (vdrv_is_vhostx()) {
		EXPECT_LT(yields0, yields) {
			TH_LOG("TX never yielded");
		}
		/* Ours pops nothing: it re-reads avail->idx and finds it empty. */
		EXPECT_EQ(0, atomic_load(&b.pops));
	}

	/*
	 * Back in step: what the device popped is ours to account for. Its
	 * used entries name BOUNCE_HEAD, which vdrv never handed out; skip
	 * them. The frames it sent are on the capture.
	 */
	tx->r.avail_idx = b.cur;
	__atomic_store_n(&tx->r.avail->idx, b.cur, __ATOMIC_RELEASE);
	usleep(100 * 1000);
	tx->r.last_used = __atomic_load_n(&tx->r.used->idx, __ATOMIC_ACQUIRE);
	if (!rx_ok) {
		/* A starved RX queue gets the frame once TX lets go. */
		n = vdrv_rx_frame(rx, &hdr, buf, sizeof(buf), NULL, 5000);
		TH_LOG("the RX frame %s once the guest stopped",
		       n == sizeof(rxframe) ? "arrived" : "did not arrive even");
	}
	while (vdrv_pkt_recv(self->e.cap, buf, sizeof(buf), 100) > 0)
		if (vdrv_frame_seq(buf + sizeof(struct virtio_net_hdr)) == BOUNCE_SEQ)
			seen++;
	TH_LOG("the device popped %u bounced chains, %u of their frames captured",
	       atomic_load(&b.pops), seen);
	EXPECT_GE(atomic_load(&b.pops), seen);
	vdrv_evt_count(tx->call);

	/* Both queues work, and nothing was a guest error. */
	vdrv_frame_fill(frame, sizeof(frame), 3, NULL, NULL);
	EXPECT_EQ(0, vdrv_tx_check(tx, self->e.cap, NULL, frame, sizeof(frame), 1,
				   false, NULL));
	EXPECT_EQ(0, vdrv_rx_check(rx, self->e.inj, frame, sizeof(frame), NULL, NULL));
	EXPECT_EQ(0, vdrv_evt_count(tx->err));
	EXPECT_EQ(0, vdrv_evt_count(rx->err));
}

TEST_HARNESS_MAIN
