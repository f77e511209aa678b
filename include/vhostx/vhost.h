/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhostx device core: the part of a vhost device that is the same for
 * every device type (net today, vdpa later). It owns the file-level
 * lifecycle (owner, worker thread, memory table), the generic vhost
 * ioctls of <linux/vhost.h>, and the plumbing between eventfds, the
 * worker and the ring core of <vhostx/ring.h>.
 *
 * A device module embeds struct vhostx_dev and an array of struct
 * vhostx_vq, calls vhostx_dev_init() at open(), routes ioctls it does not
 * handle itself to vhostx_dev_ioctl(), and calls vhostx_dev_cleanup() at
 * release() after detaching its backends.
 *
 * Locking (see Documentation/design.rst, "vhost core and vhostx_net"):
 *  - vhostx_dev.mutex serialises ioctls and protects owner, mm, worker and
 *    the memory table pointer. It is taken before any vhostx_vq.mutex.
 *  - vhostx_vq.mutex protects everything the worker reads in that queue:
 *    ring state, eventfds, features, backend. The worker holds it while
 *    servicing the queue. Work functions never take vhostx_dev.mutex.
 *  - vhostx_dev_flush() waits for the worker; never call it with a
 *    vhostx_vq.mutex held.
 */
#ifndef _VHOSTX_VHOST_H
#define _VHOSTX_VHOST_H

#include <linux/atomic.h>
#include <linux/eventfd.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/nospec.h>
#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/vhost.h>
#include <linux/virtio_ring.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <vhostx/ring.h>

struct dentry;
struct file;
struct mm_struct;
struct task_struct;
struct vhostx_dev;
struct vhostx_work;
struct vhost_iotlb;

/* Maximum number of iovecs one queue gathers for a single packet. */
#define VHOSTX_IOV_MAX		UIO_MAXIOV
/* Used elements a queue can hold before it must publish them. */
#define VHOSTX_HEADS_MAX	(UIO_MAXIOV + 64)
/* Buckets of the batch size histogram: 1, 2-3, 4-7, ..., >= 128. */
#define VHOSTX_BATCH_BUCKETS	8

/**
 * typedef vhostx_work_fn_t - a function the worker runs
 * @work: the work item it was queued with
 */
typedef void (*vhostx_work_fn_t)(struct vhostx_work *work);

/**
 * struct vhostx_work - an item for a worker thread
 * @node: link in vhostx_worker.work_list
 * @fn: what to run
 * @flags: VHOSTX_WORK_QUEUED while on the list (atomic bit ops)
 *
 * An item is on the list at most once; queueing it again while queued is
 * a no-op, queueing it while it runs makes it run once more.
 */
struct vhostx_work {
	struct llist_node node;
	vhostx_work_fn_t fn;
	unsigned long flags;
};

/**
 * struct vhostx_worker - a worker thread of a device
 * @task: the "vhostx-<owner pid>" kernel thread
 * @work_list: pending work items, consumed by @task
 * @dev: the device
 * @id: its number on the device (VHOST_NEW_WORKER's answer); the worker
 *      made at VHOST_SET_OWNER is 0
 * @attached: queues whose vhostx_vq.worker it is; under the device mutex
 * @items: work items run; written by @task only, read racily by debugfs
 *
 * A device has one worker from VHOST_SET_OWNER on, serving every queue;
 * VHOST_NEW_WORKER adds more and VHOST_ATTACH_VRING_WORKER moves a queue
 * to one (vhost_worker.c). A worker goes at VHOST_FREE_WORKER (when no
 * queue uses it) or with the owner.
 */
struct vhostx_worker {
	struct task_struct *task;
	struct llist_head work_list;
	struct vhostx_dev *dev;
	u32 id;
	unsigned int attached;
	u64 items;
};

/**
 * struct vhostx_poll - wake the worker when a file becomes ready
 * @table: poll table used to hook @wait into the file's wait queue
 * @wqh: the wait queue we are on, NULL when stopped
 * @wait: our entry; its callback runs in atomic context and only queues
 *        (or, inline, calls @wake)
 * @work: queued on every wake-up that matches @mask
 * @wake: inline mode (vhostx_poll_init_inline()): called instead of
 *        queueing @work, in the wake-up's context (under the file's
 *        wait-queue lock, possibly with interrupts off), so it must not
 *        sleep; NULL in worker mode
 * @mask: events of interest (EPOLLIN, EPOLLOUT)
 * @vq: queue whose worker runs @work; NULL in inline mode
 * @wakeups: matching wake-ups seen (kicks for a kick eventfd)
 * @busy: a handler run is on and looks at the file itself before it ends
 *        (vhostx_poll_busy(), vhostx_poll_rearm()); a wake-up then takes
 *        @wait off the queue instead of queueing @work. Written by the
 *        run, read under the wait queue's lock.
 * @coalesce: the wake-up that queues @work sets @busy (set once, before
 *            the poll starts, by a handler that re-arms every run)
 *
 * Start and stop are serialised by whoever owns the poll (the queue
 * mutex for kick and backend polls).
 */
struct vhostx_poll {
	poll_table table;
	wait_queue_head_t *wqh;
	wait_queue_entry_t wait;
	struct vhostx_work work;
	void (*wake)(struct vhostx_poll *poll);
	__poll_t mask;
	struct vhostx_vq *vq;
	atomic64_t wakeups;
	bool busy;
	bool coalesce;
};

/**
 * struct vhostx_vq_stats - per-queue counters shown in debugfs
 * @packets: packets (or requests) completed
 * @bytes: payload bytes moved
 * @calls: call eventfd signals sent to the driver
 * @errors: guest errors that stopped the queue
 * @drops: packets dropped (too big for the guest's buffers, backend error)
 * @runs: handler runs
 * @yields: runs that stopped because the fairness budget ran out
 * @iotlb_misses: device IOTLB misses queued for the owner (the queue
 *                waited for an update each time)
 * @log_words: dirty-log bitmap words the queue ORed bits into (one
 *             atomic user write each; 0 while logging is off)
 * @log_signals: log eventfd signals (VHOST_SET_LOG_FD) the queue sent
 * @batch: histogram of used-ring batch sizes, bucket i counts sizes in
 *         [2^i, 2^(i+1)), the last bucket everything above
 *
 * Written by the worker under the queue mutex; read racily by debugfs.
 */
struct vhostx_vq_stats {
	u64 packets;
	u64 bytes;
	u64 calls;
	u64 errors;
	u64 drops;
	u64 runs;
	u64 yields;
	u64 iotlb_misses;
	u64 log_words;
	u64 log_signals;
	u64 batch[VHOSTX_BATCH_BUCKETS];
};

/**
 * struct vhostx_vq - one virtqueue of a vhost device
 * @dev: the device
 * @index: queue index as used by the vring ioctls
 * @name: short name for logs and debugfs ("rx", "tx")
 * @worker: the worker that runs this queue's work, NULL without owner;
 *          changed with the device mutex and @mutex held, read under RCU
 *          by wake-ups (which queue work on it) and under @mutex
 * @mutex: protects every field below it against the worker and ioctls
 * @ring: ring core state; last_avail_idx doubles as the vring base
 * @num: ring size from VHOST_SET_VRING_NUM, 0 if not set
 * @desc_addr: descriptor table user address (VHOST_SET_VRING_ADDR)
 * @avail_addr: available ring user address
 * @used_addr: used ring user address
 * @addr_set: the three addresses above were set
 * @acked_features: features from VHOST_SET_FEATURES
 * @busyloop_timeout: busy-poll time in microseconds, 0 = off
 * @kick: kick eventfd file, or NULL
 * @call_ctx: call eventfd, or NULL
 * @err_ctx: error eventfd, or NULL
 * @private_data: the device's backend; non-NULL means the queue runs
 * @failed: the current breakage of @ring was reported (counted, signalled)
 * @log_base: the dirty-page bitmap (VHOST_SET_LOG_BASE), owner's memory:
 *            bit (gpa / 4096) % 8 of byte gpa / 4096 / 8
 * @log_addr: guest physical address of the used ring (log_guest_addr of
 *            VHOST_SET_VRING_ADDR), logged when @ring.log_used is set
 *            (VHOST_VRING_F_LOG)
 * @log_ctx: the device's log eventfd (VHOST_SET_LOG_FD), a borrowed
 *           copy of vhostx_dev.log_ctx, or NULL
 * @log_signal: bits were set since @log_ctx was last signalled
 * @handle_kick: the device's kick handler, set before vhostx_dev_init()
 * @poll: kick eventfd poll, its work runs @handle_kick
 * @miss_node: on vhostx_dev.iotlb_misses while a miss of this queue
 *             waits to be read (vhostx_dev.iotlb_lock)
 * @miss_iova: I/O virtual address of the queue's last IOTLB miss
 * @miss_perm: access it needed (VHOST_ACCESS_RO or VHOST_ACCESS_WO)
 * @miss_pending: the miss was read, no update covered it yet; the queue
 *                is parked until one does (vhostx_dev.iotlb_lock)
 * @iov: worker scratch, VHOSTX_IOV_MAX entries
 * @heads: worker scratch, VHOSTX_HEADS_MAX used elements
 * @pbufs: the packed ring's per-buffer state (vhostx_ring_pbufs_size() of
 *         @pbufs_num entries), allocated at the first start of a packed
 *         ring and kept across restarts of the same size, so buffers in
 *         flight stay known; @ring.pbufs points here while the ring is
 *         packed. Freed by vhostx_vq_reset()
 * @pbufs_num: the ring size @pbufs was allocated for, 0 without
 * @stats: counters
 */
struct vhostx_vq {
	struct vhostx_dev *dev;
	unsigned int index;
	const char *name;
	struct vhostx_worker __rcu *worker;

	struct mutex mutex;
	struct vhostx_ring ring;
	unsigned int num;
	u64 desc_addr;
	u64 avail_addr;
	u64 used_addr;
	bool addr_set;
	u64 acked_features;
	u32 busyloop_timeout;
	struct file *kick;
	struct eventfd_ctx *call_ctx;
	struct eventfd_ctx *err_ctx;
	void *private_data;
	bool failed;
	void __user *log_base;
	u64 log_addr;
	struct eventfd_ctx *log_ctx;
	bool log_signal;
	vhostx_work_fn_t handle_kick;
	struct vhostx_poll poll;
	struct list_head miss_node;
	u64 miss_iova;
	u8 miss_perm;
	bool miss_pending;
	struct iovec *iov;
	struct vring_used_elem *heads;
	void *pbufs;
	unsigned int pbufs_num;
	struct vhostx_vq_stats stats;
};

/**
 * struct vhostx_dev - a vhost device, one per open file
 * @mutex: serialises ioctls; protects @mm, @workers, @owner_pid, @mem,
 *         @features, @backend_features, @log_ctx and @debugfs
 * @mm: the owner's address space (a reference), NULL without owner
 * @workers: the worker threads by id (struct vhostx_worker), none
 *           without owner
 * @owner_pid: pid (tgid) of the process that called VHOST_SET_OWNER
 * @vqs: the queues
 * @nvqs: number of queues
 * @mem: current memory table; every started queue's ring.mem points here
 * @features_supported: what VHOST_GET_FEATURES reports
 * @features: acked features (also copied into each vq)
 * @backend_features_supported: what VHOST_GET_BACKEND_FEATURES reports
 * @backend_features: acked backend features
 * @log_ctx: log eventfd (VHOST_SET_LOG_FD), the reference each queue's
 *           log_ctx borrows; NULL when none
 * @iotlb: the device IOTLB (IOVA -> owner's user address) while
 *         VIRTIO_F_ACCESS_PLATFORM is acked, else NULL. Changed, and its
 *         entries changed, only with @mutex and every queue mutex held:
 *         a worker run (one queue mutex) sees one unchanging IOTLB
 * @iotlb_lock: protects @iotlb_misses and the queues' miss fields
 * @iotlb_misses: queues whose miss waits for read()
 * @iotlb_wait: read() and poll() wait here for misses
 * @iotlb_batch: between VHOST_IOTLB_BATCH_BEGIN and _END (@mutex)
 * @iotlb_updates: VHOST_IOTLB_UPDATE messages taken (@mutex; debugfs
 *                 reads it racily)
 * @iotlb_invalidations: VHOST_IOTLB_INVALIDATE messages taken (@mutex)
 * @id: unique number, names the debugfs directory
 * @debugfs: debugfs directory "<owner_pid>-<id>", or NULL/error
 */
struct vhostx_dev {
	struct mutex mutex;
	struct mm_struct *mm;
	struct xarray workers;
	pid_t owner_pid;
	struct vhostx_vq **vqs;
	unsigned int nvqs;
	struct vhostx_mem *mem;
	u64 features_supported;
	u64 features;
	u64 backend_features_supported;
	u64 backend_features;
	struct eventfd_ctx *log_ctx;
	struct vhost_iotlb *iotlb;
	spinlock_t iotlb_lock;
	struct list_head iotlb_misses;
	wait_queue_head_t iotlb_wait;
	bool iotlb_batch;
	u64 iotlb_updates;
	u64 iotlb_invalidations;
	unsigned int id;
	struct dentry *debugfs;
};

/* device lifecycle (vhost_dev.c) */
int vhostx_dev_init(struct vhostx_dev *dev, struct vhostx_vq **vqs,
		    unsigned int nvqs, u64 features);
void vhostx_dev_cleanup(struct vhostx_dev *dev);
void vhostx_dev_free(struct vhostx_dev *dev);
int vhostx_dev_check_owner(struct vhostx_dev *dev);
long vhostx_dev_ioctl(struct vhostx_dev *dev, unsigned int cmd,
		      void __user *argp);

/* device IOTLB messages on the device file (vhost_devtlb.c) */
ssize_t vhostx_dev_read_iter(struct vhostx_dev *dev, struct iov_iter *to,
			     bool nonblock);
ssize_t vhostx_dev_write_iter(struct vhostx_dev *dev, struct iov_iter *from);
__poll_t vhostx_dev_poll(struct vhostx_dev *dev, struct file *file,
			 poll_table *wait);

/* workers (vhost_worker.c) */
bool vhostx_vq_has_work(struct vhostx_vq *vq);
void vhostx_dev_flush(struct vhostx_dev *dev);
void vhostx_poll_init(struct vhostx_poll *poll, vhostx_work_fn_t fn,
		      __poll_t mask, struct vhostx_vq *vq);
void vhostx_poll_init_inline(struct vhostx_poll *poll,
			     void (*wake)(struct vhostx_poll *poll), __poll_t mask);
int vhostx_poll_start(struct vhostx_poll *poll, struct file *file);
void vhostx_poll_stop(struct vhostx_poll *poll);
void vhostx_poll_queue(struct vhostx_poll *poll);
void vhostx_poll_busy(struct vhostx_poll *poll);
bool vhostx_poll_rearm(struct vhostx_poll *poll, struct file *file);

/* queue helpers for device handlers (vhost_vq.c) */
int vhostx_vq_start(struct vhostx_vq *vq);
bool vhostx_vq_ready(struct vhostx_vq *vq);
int vhostx_vq_get_chain(struct vhostx_vq *vq, struct iovec *iov,
			unsigned int iov_max, unsigned int *out,
			unsigned int *in, u16 *head);
void vhostx_vq_unget(struct vhostx_vq *vq, unsigned int n);
int vhostx_vq_add_used(struct vhostx_vq *vq,
		       const struct vring_used_elem *heads, unsigned int n);
void vhostx_vq_signal(struct vhostx_vq *vq);
bool vhostx_vq_enable_notify(struct vhostx_vq *vq);
void vhostx_vq_disable_notify(struct vhostx_vq *vq);
bool vhostx_vq_avail_empty(struct vhostx_vq *vq);
bool vhostx_vq_avail_moved(struct vhostx_vq *vq, u16 seen);
int vhostx_vq_log_write(struct vhostx_vq *vq, const struct iovec *iov,
			unsigned int n, size_t len);
__printf(2, 3) void vhostx_vq_fail(struct vhostx_vq *vq, const char *fmt, ...);
bool vhostx_vq_over_budget(struct vhostx_vq *vq, unsigned int pkts,
			   u64 bytes, unsigned int max_pkts, u64 max_bytes);

/**
 * vhostx_vq_has_feature() - was a feature bit acked for this queue?
 * @vq: the queue (caller holds its mutex, or is the worker)
 * @bit: feature bit number
 *
 * Return: true if @bit is set in the acked features.
 */
static inline bool vhostx_vq_has_feature(const struct vhostx_vq *vq, unsigned int bit)
{
	return vq->acked_features & BIT_ULL(bit);
}

/**
 * vhostx_kick_vq() - the queue a kick work item belongs to
 * @work: the work passed to a kick handler
 *
 * Return: the queue whose kick poll embeds @work.
 */
static inline struct vhostx_vq *vhostx_kick_vq(struct vhostx_work *work)
{
	return container_of(work, struct vhostx_vq, poll.work);
}

/**
 * vhostx_is_vring_ioctl() - is this one of the generic per-queue ioctls?
 * @cmd: the ioctl
 *
 * The per-queue commands of <linux/vhost.h> every vhost device serves (the
 * vDPA-only ones aside); each argument starts with the queue index.
 * vhostx_dev_ioctl() serves them for vhostx devices, vhostx_vdpa itself.
 *
 * Return: true for VHOST_{SET,GET}_VRING_{NUM,ADDR,BASE,KICK,CALL,ERR,
 * BUSYLOOP_TIMEOUT} (those that exist), false for anything else.
 */
static inline bool vhostx_is_vring_ioctl(unsigned int cmd)
{
	switch (cmd) {
	case VHOST_SET_VRING_NUM:
	case VHOST_SET_VRING_ADDR:
	case VHOST_SET_VRING_BASE:
	case VHOST_GET_VRING_BASE:
	case VHOST_SET_VRING_KICK:
	case VHOST_SET_VRING_CALL:
	case VHOST_SET_VRING_ERR:
	case VHOST_SET_VRING_BUSYLOOP_TIMEOUT:
	case VHOST_GET_VRING_BUSYLOOP_TIMEOUT:
		return true;
	default:
		return false;
	}
}

/**
 * vhostx_vring_addr_aligned() - are a VHOST_SET_VRING_ADDR's areas aligned?
 * @a: the ioctl's argument
 * @packed: the queue uses the packed layout (VIRTIO_F_RING_PACKED acked)
 *
 * Split (VIRTIO 1.2 2.7): descriptors 16, avail 2, used 4 bytes. Packed
 * (2.8): descriptors 16, both event suppression areas 4 bytes.
 *
 * Return: true if every area is aligned.
 */
static inline bool vhostx_vring_addr_aligned(const struct vhost_vring_addr *a,
					     bool packed)
{
	u64 avail_mask = packed ? sizeof(struct vring_packed_desc_event) - 1 :
				  VRING_AVAIL_ALIGN_SIZE - 1;

	return !(a->desc_user_addr & (VRING_DESC_ALIGN_SIZE - 1)) &&
	       !(a->avail_user_addr & avail_mask) &&
	       !(a->used_user_addr & (VRING_USED_ALIGN_SIZE - 1));
}

/**
 * vhostx_vring_index() - the queue a per-queue ioctl names
 * @argp: the ioctl's user argument; every per-queue argument starts with
 *        a u32 queue index
 * @nvqs: how many queues the device has
 * @idx: set to the index, clamped under speculation
 *
 * Return: 0, -EFAULT if @argp cannot be read, -ENOBUFS if the index is
 * not below @nvqs (the kernel's vhost answers the same).
 */
static inline int vhostx_vring_index(void __user *argp, u32 nvqs, u32 *idx)
{
	u32 i;

	if (get_user(i, (u32 __user *)argp))
		return -EFAULT;
	if (i >= nvqs)
		return -ENOBUFS;
	*idx = array_index_nospec(i, nvqs);
	return 0;
}

/**
 * vhostx_eventfd_signal() - signal an eventfd once
 * @ctx: the eventfd context
 *
 * eventfd_signal() lost its count argument in Linux 6.8; this hides which
 * one the kernel has (compat probe VHOSTX_EVENTFD_SIGNAL_ONE_ARG).
 */
static inline void vhostx_eventfd_signal(struct eventfd_ctx *ctx)
{
#ifdef VHOSTX_EVENTFD_SIGNAL_ONE_ARG
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/**
 * vhostx_eventfd_fdget() - the eventfd an ioctl names, or none
 * @fd: an eventfd, or VHOST_FILE_UNBIND
 *
 * Return: a referenced context (put it with eventfd_ctx_put()), NULL for
 * VHOST_FILE_UNBIND, or the ERR_PTR() of eventfd_ctx_fdget() for a bad @fd.
 */
static inline struct eventfd_ctx *vhostx_eventfd_fdget(int fd)
{
	return fd == VHOST_FILE_UNBIND ? NULL : eventfd_ctx_fdget(fd);
}

/**
 * vhostx_eventfd_replace() - point an eventfd slot at another eventfd
 * @slot: the slot; the caller holds the lock that protects it
 * @fd: the new eventfd, or VHOST_FILE_UNBIND for none
 *
 * The old context, if any, is put once the new one is in place. On error
 * @slot is left as it was.
 *
 * Return: 0, or the error of eventfd_ctx_fdget() for a bad @fd.
 */
static inline int vhostx_eventfd_replace(struct eventfd_ctx **slot, int fd)
{
	struct eventfd_ctx *ctx = vhostx_eventfd_fdget(fd);

	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	swap(ctx, *slot);
	if (ctx)
		eventfd_ctx_put(ctx);
	return 0;
}

#endif /* _VHOSTX_VHOST_H */
