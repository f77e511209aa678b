// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhostx workers: kernel threads named "vhostx-<owner pid>", running in
 * the owner's address space and charged to the owner's cgroups.
 * Everything that touches guest memory runs on one, one work item at a
 * time. A device gets one worker at VHOST_SET_OWNER, serving every queue;
 * the owner may add workers (VHOST_NEW_WORKER), move a queue to one
 * (VHOST_ATTACH_VRING_WORKER), ask which one a queue has
 * (VHOST_GET_VRING_WORKER) and free one no queue uses (VHOST_FREE_WORKER),
 * so that RX and TX of a pair can run on two CPUs.
 *
 * Work items are queued from wait-queue callbacks (the kick eventfd, the
 * backend socket) in atomic context: queueing is an RCU read of the
 * queue's worker, a lock-free list push and a wake-up, nothing more.
 *
 * Lifetimes: the device mutex guards the worker table and each worker's
 * attach count; a queue's worker pointer changes with the device mutex
 * and the queue mutex held, and a worker is stopped and freed only after
 * no queue points to it and an RCU grace period has passed, so a wake-up
 * that read the old pointer has finished queueing on it; the flush that
 * follows runs what it queued.
 */
#include <linux/cgroup.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/nospec.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <vhostx/abi.h>
#include "vhost_internal.h"

/* Bit in vhostx_work.flags: the item is on a worker's work list. */
#define VHOSTX_WORK_QUEUED	0

static void vhostx_work_init(struct vhostx_work *work, vhostx_work_fn_t fn)
{
	clear_bit(VHOSTX_WORK_QUEUED, &work->flags);
	work->fn = fn;
}

/* Any context, including wait-queue callbacks with interrupts off. */
static void vhostx_worker_queue(struct vhostx_worker *w, struct vhostx_work *work)
{
	if (test_and_set_bit(VHOSTX_WORK_QUEUED, &work->flags))
		return;
	/* llist_add() is a full barrier: the worker sees the item. */
	llist_add(&work->node, &w->work_list);
	wake_up_process(w->task);
}

/* Queue @work on @vq's worker; nothing happens while it has none. */
static void vhostx_vq_work_queue(struct vhostx_vq *vq, struct vhostx_work *work)
{
	struct vhostx_worker *w;

	rcu_read_lock();
	w = rcu_dereference(vq->worker);
	if (w)
		vhostx_worker_queue(w, work);
	rcu_read_unlock();
}

/**
 * vhostx_vq_has_work() - is work waiting for this queue's worker?
 * @vq: the queue; the caller is its worker, in a run (queue mutex held)
 *
 * Busy-polling handlers use this to give way to other queues of the same
 * worker.
 *
 * Return: true if at least one item is queued.
 */
bool vhostx_vq_has_work(struct vhostx_vq *vq)
{
	struct vhostx_worker *w;

	w = rcu_dereference_protected(vq->worker, lockdep_is_held(&vq->mutex));
	return w && !llist_empty(&w->work_list);
}
EXPORT_SYMBOL_GPL(vhostx_vq_has_work);

static int vhostx_worker_fn(void *data)
{
	struct vhostx_worker *w = data;
	struct vhostx_work *work, *next;
	struct llist_node *list;

	kthread_use_mm(w->dev->mm);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		list = llist_del_all(&w->work_list);
		if (!list) {
			schedule();
			continue;
		}
		__set_current_state(TASK_RUNNING);
		/* The list is LIFO; run items in the order they were queued. */
		list = llist_reverse_order(list);
		llist_for_each_entry_safe(work, next, list, node) {
			/* Clear before running: a wake-up during fn queues it again. */
			clear_bit(VHOSTX_WORK_QUEUED, &work->flags);
			/* Order the clear before fn's reads of what woke us. */
			smp_mb__after_atomic();
			work->fn(work);
			w->items++;
			cond_resched();
		}
	}
	kthread_unuse_mm(w->dev->mm);
	return 0;
}

struct vhostx_flush {
	struct vhostx_work work;
	struct completion done;
};

static void vhostx_flush_fn(struct vhostx_work *work)
{
	struct vhostx_flush *f = container_of(work, struct vhostx_flush, work);

	complete(&f->done);
}

/* Wait until what was queued on @w so far has run. */
static void vhostx_worker_flush(struct vhostx_worker *w)
{
	struct vhostx_flush f;

	init_completion(&f.done);
	vhostx_work_init(&f.work, vhostx_flush_fn);
	vhostx_worker_queue(w, &f.work);
	wait_for_completion(&f.done);
}

/**
 * vhostx_dev_flush() - wait until work queued so far has run
 * @dev: the device, mutex held
 *
 * Waits for every worker of the device. Never call this with a queue
 * mutex held: work items take it.
 */
void vhostx_dev_flush(struct vhostx_dev *dev)
{
	struct vhostx_worker *w;
	unsigned long id;

	lockdep_assert_held(&dev->mutex);
	xa_for_each(&dev->workers, id, w)
		vhostx_worker_flush(w);
}
EXPORT_SYMBOL_GPL(vhostx_dev_flush);

/*
 * A new worker in the device's table. The thread is attached to the
 * caller's (the owner's) cgroups, so the CPU time it burns is billed to
 * the VM that asked for it.
 */
static struct vhostx_worker *vhostx_worker_create(struct vhostx_dev *dev)
{
	struct vhostx_worker *w;
	struct task_struct *task;
	int ret;

	lockdep_assert_held(&dev->mutex);
	w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
	if (!w)
		return ERR_PTR(-ENOMEM);
	w->dev = dev;
	init_llist_head(&w->work_list);
	task = kthread_create(vhostx_worker_fn, w, "vhostx-%d", current->tgid);
	if (IS_ERR(task)) {
		ret = PTR_ERR(task);
		goto err_free;
	}
	w->task = task;
	wake_up_process(task);
	ret = cgroup_attach_task_all(current, task);
	if (ret)
		goto err_stop;
	ret = xa_alloc(&dev->workers, &w->id, w, xa_limit_32b, GFP_KERNEL_ACCOUNT);
	if (ret)
		goto err_stop;
	return w;

err_stop:
	kthread_stop(task);
err_free:
	kfree(w);
	return ERR_PTR(ret);
}

/* Stop and free a worker no queue uses any more; it leaves the table. */
static void vhostx_worker_destroy(struct vhostx_dev *dev, struct vhostx_worker *w)
{
	struct vhostx_work *work, *next;
	struct llist_node *list;

	lockdep_assert_held(&dev->mutex);
	xa_erase(&dev->workers, w->id);
	/* A wake-up that read a queue's old pointer has queued by now. */
	synchronize_rcu();
	vhostx_worker_flush(w);
	kthread_stop(w->task);
	/*
	 * Items still queued, such as a queue that yielded its budget, are
	 * dropped; they may be queued again on the queue's next worker.
	 */
	list = llist_del_all(&w->work_list);
	llist_for_each_entry_safe(work, next, list, node)
		clear_bit(VHOSTX_WORK_QUEUED, &work->flags);
	kfree(w);
}

/* Point @vq at @w (NULL: none), keeping the attach counts. */
static void vhostx_vq_set_worker(struct vhostx_vq *vq, struct vhostx_worker *w)
{
	struct vhostx_worker *old;

	lockdep_assert_held(&vq->dev->mutex);
	mutex_lock(&vq->mutex);
	old = rcu_dereference_protected(vq->worker, lockdep_is_held(&vq->mutex));
	rcu_assign_pointer(vq->worker, w);
	mutex_unlock(&vq->mutex);
	if (old)
		old->attached--;
	if (w)
		w->attached++;
}

/*
 * Give a device that just got its owner its first worker, serving every
 * queue: dev->mm is set, the caller is the owner.
 */
int vhostx_worker_start(struct vhostx_dev *dev)
{
	struct vhostx_worker *w;
	unsigned int i;

	lockdep_assert_held(&dev->mutex);
	w = vhostx_worker_create(dev);
	if (IS_ERR(w))
		return PTR_ERR(w);
	for (i = 0; i < dev->nvqs; i++)
		vhostx_vq_set_worker(dev->vqs[i], w);
	return 0;
}

/*
 * Stop every worker. Every source of work (kick polls, backend polls)
 * must be stopped already.
 */
void vhostx_worker_stop(struct vhostx_dev *dev)
{
	struct vhostx_worker *w;
	unsigned long id;
	unsigned int i;

	lockdep_assert_held(&dev->mutex);
	for (i = 0; i < dev->nvqs; i++)
		vhostx_vq_set_worker(dev->vqs[i], NULL);
	xa_for_each(&dev->workers, id, w)
		vhostx_worker_destroy(dev, w);
}

/* The worker with this id; device mutex held. */
static struct vhostx_worker *vhostx_worker_find(struct vhostx_dev *dev, u32 id)
{
	lockdep_assert_held(&dev->mutex);
	return xa_load(&dev->workers, id);
}

/*
 * VHOST_NEW_WORKER and VHOST_FREE_WORKER: the caller is the owner. At
 * most nvqs + 1 workers, enough to give each queue a worker of its own
 * before the first one is freed.
 */
static long vhostx_worker_new_free(struct vhostx_dev *dev, unsigned int cmd,
				   struct vhost_worker_state __user *argp)
{
	struct vhost_worker_state state;
	struct vhostx_worker *w;
	unsigned long id, n = 0;

	lockdep_assert_held(&dev->mutex);
	if (cmd == VHOST_NEW_WORKER) {
		xa_for_each(&dev->workers, id, w)
			n++;
		if (n > dev->nvqs)
			return -ENOSPC;
		w = vhostx_worker_create(dev);
		if (IS_ERR(w))
			return PTR_ERR(w);
		state.worker_id = w->id;
		if (copy_to_user(argp, &state, sizeof(state))) {
			vhostx_worker_destroy(dev, w);
			return -EFAULT;
		}
		return 0;
	}
	if (copy_from_user(&state, argp, sizeof(state)))
		return -EFAULT;
	w = vhostx_worker_find(dev, state.worker_id);
	if (!w)
		return -ENODEV;
	if (w->attached)
		return -EBUSY;
	vhostx_worker_destroy(dev, w);
	return 0;
}

/*
 * VHOST_ATTACH_VRING_WORKER and VHOST_GET_VRING_WORKER: the caller is
 * the owner. A queue may move while it runs: after the switch, the old
 * worker is flushed, so whatever it had queued for the queue has run
 * before the call returns, and every later wake-up goes to the new one.
 */
static long vhostx_vring_worker(struct vhostx_dev *dev, unsigned int cmd,
				struct vhost_vring_worker __user *argp)
{
	struct vhost_vring_worker vw;
	struct vhostx_worker *w, *old;
	struct vhostx_vq *vq;
	unsigned int idx;

	lockdep_assert_held(&dev->mutex);
	if (copy_from_user(&vw, argp, sizeof(vw)))
		return -EFAULT;
	if (vw.index >= dev->nvqs)
		return -ENOBUFS;
	idx = array_index_nospec(vw.index, dev->nvqs);
	vq = dev->vqs[idx];
	/* Stable: it changes only under the device mutex, which we hold. */
	old = rcu_dereference_protected(vq->worker, lockdep_is_held(&dev->mutex));
	if (cmd == VHOST_GET_VRING_WORKER) {
		if (!old)
			return -EINVAL;
		vw.worker_id = old->id;
		return copy_to_user(argp, &vw, sizeof(vw)) ? -EFAULT : 0;
	}
	w = vhostx_worker_find(dev, vw.worker_id);
	if (!w)
		return -ENODEV;
	if (w == old)
		return 0;
	vhostx_vq_set_worker(vq, w);
	if (old) {
		synchronize_rcu();
		vhostx_worker_flush(old);
	}
	return 0;
}

/**
 * vhostx_worker_ioctl() - the worker control calls
 * @dev: the device, mutex held; the caller is its owner
 * @cmd: VHOST_NEW_WORKER, VHOST_FREE_WORKER, VHOST_ATTACH_VRING_WORKER or
 *       VHOST_GET_VRING_WORKER
 * @argp: the call's argument
 *
 * Return: 0; -ENOBUFS for a queue index out of range, -ENODEV for an
 * unknown worker id, -EBUSY to free a worker a queue uses, -ENOSPC for a
 * worker beyond nvqs + 1, -EINVAL for the worker of a queue that has none,
 * -EFAULT, -ENOMEM; -ENOIOCTLCMD for any other command.
 */
long vhostx_worker_ioctl(struct vhostx_dev *dev, unsigned int cmd, void __user *argp)
{
	lockdep_assert_held(&dev->mutex);
	switch (cmd) {
	case VHOST_NEW_WORKER:
	case VHOST_FREE_WORKER:
		return vhostx_worker_new_free(dev, cmd, argp);
	case VHOST_ATTACH_VRING_WORKER:
	case VHOST_GET_VRING_WORKER:
		return vhostx_vring_worker(dev, cmd, argp);
	default:
		return -ENOIOCTLCMD;
	}
}

static int vhostx_poll_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			      int sync, void *key)
{
	struct vhostx_poll *poll = container_of(wait, struct vhostx_poll, wait);

	/* A wake-up without a key may be anything: take it. */
	if (key && !(key_to_poll(key) & poll->mask))
		return 0;
	/*
	 * Work is queued, or a run is on, that checks the file before it
	 * ends: nothing to queue, and no need to hear of the next events
	 * either. We hold the queue's lock; vhostx_poll_rearm() puts the
	 * entry back.
	 */
	if (READ_ONCE(poll->busy)) {
		list_del_init(&wait->entry);
		return 0;
	}
	if (poll->coalesce)
		WRITE_ONCE(poll->busy, true);
	atomic64_inc(&poll->wakeups);
	vhostx_poll_queue(poll);
	return 0;
}

static void vhostx_poll_enqueue(struct file *file, wait_queue_head_t *wqh,
				poll_table *pt)
{
	struct vhostx_poll *poll = container_of(pt, struct vhostx_poll, table);

	poll->wqh = wqh;
	add_wait_queue(wqh, &poll->wait);
}

/**
 * vhostx_poll_init() - prepare a poll that queues work on file events
 * @poll: the poll
 * @fn: work function run by the worker on each matching event
 * @mask: events to react to (EPOLLIN, EPOLLOUT)
 * @vq: the queue whose worker runs @fn
 */
void vhostx_poll_init(struct vhostx_poll *poll, vhostx_work_fn_t fn,
		      __poll_t mask, struct vhostx_vq *vq)
{
	init_waitqueue_func_entry(&poll->wait, vhostx_poll_wakeup);
	INIT_LIST_HEAD(&poll->wait.entry);
	init_poll_funcptr(&poll->table, vhostx_poll_enqueue);
	poll->wqh = NULL;
	poll->busy = false;
	poll->coalesce = false;
	poll->wake = NULL;
	poll->mask = mask;
	poll->vq = vq;
	atomic64_set(&poll->wakeups, 0);
	vhostx_work_init(&poll->work, fn);
}
EXPORT_SYMBOL_GPL(vhostx_poll_init);

/**
 * vhostx_poll_init_inline() - prepare a poll that calls a function on file
 *                             events, with no worker in between
 * @poll: the poll
 * @wake: called on each matching event, in the wake-up's context (the
 *        file's wait-queue lock held, maybe in interrupt context), and by
 *        vhostx_poll_start() and vhostx_poll_queue(); it must not sleep
 * @mask: events to react to (EPOLLIN, EPOLLOUT)
 *
 * For devices whose kick is a doorbell write (vhost-vdpa): the device does
 * the work, so a thread hop would only add latency. vhostx_poll_busy() and
 * vhostx_poll_rearm() are for worker-mode polls only.
 */
void vhostx_poll_init_inline(struct vhostx_poll *poll,
			     void (*wake)(struct vhostx_poll *poll), __poll_t mask)
{
	vhostx_poll_init(poll, NULL, mask, NULL);
	poll->wake = wake;
}
EXPORT_SYMBOL_GPL(vhostx_poll_init_inline);

/**
 * vhostx_poll_start() - start reacting to events of a file
 * @poll: the poll, stopped or already started (then nothing happens)
 * @file: the file to watch; the caller keeps it alive until stop
 *
 * If the file is ready already, the work is queued at once.
 *
 * Return: 0, or -EINVAL if the file reports an error condition (the poll
 * is left stopped).
 */
int vhostx_poll_start(struct vhostx_poll *poll, struct file *file)
{
	__poll_t mask;

	if (poll->wqh)
		return 0;
	mask = vfs_poll(file, &poll->table);
	/* Events that came before we listened are not lost. */
	if (mask & poll->mask)
		vhostx_poll_queue(poll);
	if (mask & EPOLLERR) {
		vhostx_poll_stop(poll);
		return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(vhostx_poll_start);

/**
 * vhostx_poll_stop() - stop reacting to events
 * @poll: the poll; stopping a stopped poll does nothing
 *
 * After return the wake-up callback no longer runs; work it queued
 * before may still be pending (flush the device to wait for it).
 */
void vhostx_poll_stop(struct vhostx_poll *poll)
{
	unsigned long flags;

	if (poll->wqh) {
		/* The entry may be off the queue already (see vhostx_poll_busy()). */
		spin_lock_irqsave(&poll->wqh->lock, flags);
		list_del_init(&poll->wait.entry);
		spin_unlock_irqrestore(&poll->wqh->lock, flags);
		poll->wqh = NULL;
	}
	WRITE_ONCE(poll->busy, false);
}
EXPORT_SYMBOL_GPL(vhostx_poll_stop);

/**
 * vhostx_poll_busy() - a run starts that will look at the file itself
 * @poll: a started poll, owned by the caller's run
 *
 * Until vhostx_poll_rearm(), the first matching wake-up takes the poll off
 * the file's wait queue and queues nothing: the run sees the event when it
 * checks the file. A run that ends up idle then costs no wait-queue
 * operations, where stopping and restarting the poll costs two, and a busy
 * run hears of the file once instead of once per event. A poll with
 * @coalesce set is busy from the wake-up that queues its work, so events
 * that come while the work waits for the worker cost no wake-up either;
 * its handler must end each run with vhostx_poll_rearm() or
 * vhostx_poll_stop().
 */
void vhostx_poll_busy(struct vhostx_poll *poll)
{
	WRITE_ONCE(poll->busy, true);
}
EXPORT_SYMBOL_GPL(vhostx_poll_busy);

/**
 * vhostx_poll_rearm() - end a run begun with vhostx_poll_busy()
 * @poll: the poll
 * @file: the file, to start the poll if it is stopped
 *
 * Wake-ups queue work again from here on.
 *
 * Return: true if an event came during the run (the poll had come off the
 * queue, or was stopped and the file is ready): the caller must check the
 * file again before it sleeps, or have work queued. False if nothing came
 * since the run's last look at the file.
 */
bool vhostx_poll_rearm(struct vhostx_poll *poll, struct file *file)
{
	unsigned long flags;
	bool missed = false;

	if (!poll->wqh) {
		WRITE_ONCE(poll->busy, false);
		/* vfs_poll() looks at the file itself and queues the work. */
		vhostx_poll_start(poll, file);
		return false;
	}
	spin_lock_irqsave(&poll->wqh->lock, flags);
	WRITE_ONCE(poll->busy, false);
	if (list_empty(&poll->wait.entry)) {
		__add_wait_queue(poll->wqh, &poll->wait);
		missed = true;
	}
	spin_unlock_irqrestore(&poll->wqh->lock, flags);
	return missed;
}
EXPORT_SYMBOL_GPL(vhostx_poll_rearm);

/**
 * vhostx_poll_queue() - run the poll's work as if an event had come
 * @poll: the poll; inline mode calls its function here and now
 */
void vhostx_poll_queue(struct vhostx_poll *poll)
{
	if (poll->wake)
		poll->wake(poll);
	else
		vhostx_vq_work_queue(poll->vq, &poll->work);
}
EXPORT_SYMBOL_GPL(vhostx_poll_queue);
