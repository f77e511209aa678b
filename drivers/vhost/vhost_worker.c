// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhostx worker: one kernel thread per device, named "vhostx-<owner pid>",
 * running in the owner's address space and charged to the owner's cgroups.
 * Everything that touches guest memory runs here, one work item at a time.
 *
 * Work items are queued from wait-queue callbacks (the kick eventfd, the
 * backend socket) in atomic context: queueing is a lock-free list push and
 * a wake-up, nothing more.
 */
#include <linux/cgroup.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include "vhost_internal.h"

/* Bit in vhostx_work.flags: the item is on the device's work list. */
#define VHOSTX_WORK_QUEUED	0

/**
 * vhostx_work_init() - prepare a work item
 * @work: the item
 * @fn: function the worker calls with @work
 */
void vhostx_work_init(struct vhostx_work *work, vhostx_work_fn_t fn)
{
	clear_bit(VHOSTX_WORK_QUEUED, &work->flags);
	work->fn = fn;
}
EXPORT_SYMBOL_GPL(vhostx_work_init);

/**
 * vhostx_work_queue() - have the device's worker run a work item
 * @dev: the device
 * @work: the item
 *
 * Safe in any context, including wait-queue callbacks with interrupts
 * off. Does nothing while the device has no worker (no owner).
 */
void vhostx_work_queue(struct vhostx_dev *dev, struct vhostx_work *work)
{
	struct task_struct *worker = READ_ONCE(dev->worker);

	if (!worker)
		return;
	if (test_and_set_bit(VHOSTX_WORK_QUEUED, &work->flags))
		return;
	/* llist_add() is a full barrier: the worker sees the item. */
	llist_add(&work->node, &dev->work_list);
	wake_up_process(worker);
}
EXPORT_SYMBOL_GPL(vhostx_work_queue);

/**
 * vhostx_dev_has_work() - is work waiting for the worker?
 * @dev: the device
 *
 * Busy-polling handlers use this to give way to other queues.
 *
 * Return: true if at least one item is queued.
 */
bool vhostx_dev_has_work(struct vhostx_dev *dev)
{
	return !llist_empty(&dev->work_list);
}
EXPORT_SYMBOL_GPL(vhostx_dev_has_work);

static int vhostx_worker_fn(void *data)
{
	struct vhostx_dev *dev = data;
	struct vhostx_work *work, *next;
	struct llist_node *list;

	kthread_use_mm(dev->mm);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		list = llist_del_all(&dev->work_list);
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
			cond_resched();
		}
	}
	kthread_unuse_mm(dev->mm);
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

/**
 * vhostx_dev_flush() - wait until work queued so far has run
 * @dev: the device
 *
 * Never call this with a queue mutex held: work items take it.
 */
void vhostx_dev_flush(struct vhostx_dev *dev)
{
	struct vhostx_flush f;

	if (!READ_ONCE(dev->worker))
		return;
	init_completion(&f.done);
	vhostx_work_init(&f.work, vhostx_flush_fn);
	vhostx_work_queue(dev, &f.work);
	wait_for_completion(&f.done);
}
EXPORT_SYMBOL_GPL(vhostx_dev_flush);

/*
 * Start the worker of a device that just got its owner: dev->mm is set,
 * the caller is the owner. The thread is attached to the caller's
 * cgroups so the CPU time it burns is billed to the VM that asked for it.
 */
int vhostx_worker_start(struct vhostx_dev *dev)
{
	struct task_struct *task;
	int ret;

	lockdep_assert_held(&dev->mutex);
	task = kthread_create(vhostx_worker_fn, dev, "vhostx-%d", current->tgid);
	if (IS_ERR(task))
		return PTR_ERR(task);
	wake_up_process(task);
	ret = cgroup_attach_task_all(current, task);
	if (ret)
		goto err_stop;
	WRITE_ONCE(dev->worker, task);
	return 0;

err_stop:
	kthread_stop(task);
	return ret;
}

/*
 * Stop the worker. Every source of work (kick polls, backend polls) must
 * be stopped already. Items still queued, such as a queue that yielded
 * its budget, are dropped and may be queued again by the next worker.
 */
void vhostx_worker_stop(struct vhostx_dev *dev)
{
	struct vhostx_work *work, *next;
	struct llist_node *list;

	lockdep_assert_held(&dev->mutex);
	if (!dev->worker)
		return;
	vhostx_dev_flush(dev);
	kthread_stop(dev->worker);
	WRITE_ONCE(dev->worker, NULL);
	list = llist_del_all(&dev->work_list);
	llist_for_each_entry_safe(work, next, list, node)
		clear_bit(VHOSTX_WORK_QUEUED, &work->flags);
}

static int vhostx_poll_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			      int sync, void *key)
{
	struct vhostx_poll *poll = container_of(wait, struct vhostx_poll, wait);

	/* A wake-up without a key may be anything: take it. */
	if (key && !(key_to_poll(key) & poll->mask))
		return 0;
	atomic64_inc(&poll->wakeups);
	vhostx_work_queue(poll->dev, &poll->work);
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
 * @dev: the device whose worker runs @fn
 */
void vhostx_poll_init(struct vhostx_poll *poll, vhostx_work_fn_t fn,
		      __poll_t mask, struct vhostx_dev *dev)
{
	init_waitqueue_func_entry(&poll->wait, vhostx_poll_wakeup);
	init_poll_funcptr(&poll->table, vhostx_poll_enqueue);
	poll->wqh = NULL;
	poll->mask = mask;
	poll->dev = dev;
	atomic64_set(&poll->wakeups, 0);
	vhostx_work_init(&poll->work, fn);
}
EXPORT_SYMBOL_GPL(vhostx_poll_init);

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
	if (mask & poll->mask)
		vhostx_work_queue(poll->dev, &poll->work);
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
	if (poll->wqh) {
		remove_wait_queue(poll->wqh, &poll->wait);
		poll->wqh = NULL;
	}
}
EXPORT_SYMBOL_GPL(vhostx_poll_stop);

/**
 * vhostx_poll_queue() - run the poll's work as if an event had come
 * @poll: the poll
 */
void vhostx_poll_queue(struct vhostx_poll *poll)
{
	vhostx_work_queue(poll->dev, &poll->work);
}
EXPORT_SYMBOL_GPL(vhostx_poll_queue);
