// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhostx per-queue counters in debugfs:
 *
 *   /sys/kernel/debug/vhostx/<owner pid>-<device id>/<queue name>
 *   /sys/kernel/debug/vhostx/<owner pid>-<device id>/workers
 *
 * One "name value" pair per line in a queue's file (its "worker" is the
 * id of the worker that runs it, -1 for none); a line per worker in
 * "workers": "id tid attached items". The directory appears at
 * VHOST_SET_OWNER and goes away at VHOST_RESET_OWNER or close. debugfs
 * waits for readers before removing a file, and files are removed before
 * the queues they show are freed.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include "vhost_internal.h"

static struct dentry *vhostx_debugfs_root;

static int vhostx_vq_stats_show(struct seq_file *m, void *unused)
{
	struct vhostx_vq *vq = m->private;
	const struct vhostx_vq_stats *st = &vq->stats;
	const struct vhostx_ring_stats *rs = &vq->ring.stats;
	struct vhostx_worker *w;
	unsigned int i;
	long long id;

	/* Workers are freed a grace period after no queue points to them. */
	rcu_read_lock();
	w = rcu_dereference(vq->worker);
	id = w ? w->id : -1;
	rcu_read_unlock();
	seq_printf(m, "worker %lld\n", id);

	/* Racy reads of counters only the worker writes: fine for stats. */
	seq_printf(m, "kicks %lld\n", (long long)atomic64_read(&vq->poll.wakeups));
	seq_printf(m, "calls %llu\n", READ_ONCE(st->calls));
	seq_printf(m, "packets %llu\n", READ_ONCE(st->packets));
	seq_printf(m, "bytes %llu\n", READ_ONCE(st->bytes));
	seq_printf(m, "errors %llu\n", READ_ONCE(st->errors));
	seq_printf(m, "drops %llu\n", READ_ONCE(st->drops));
	seq_printf(m, "runs %llu\n", READ_ONCE(st->runs));
	seq_printf(m, "yields %llu\n", READ_ONCE(st->yields));
	seq_printf(m, "iotlb_misses %llu\n", READ_ONCE(st->iotlb_misses));
	seq_printf(m, "log_words %llu\n", READ_ONCE(st->log_words));
	seq_printf(m, "log_signals %llu\n", READ_ONCE(st->log_signals));
	seq_printf(m, "chains %llu\n", READ_ONCE(rs->chains));
	seq_printf(m, "used %llu\n", READ_ONCE(rs->used));
	seq_printf(m, "signals %llu\n", READ_ONCE(rs->signals));
	seq_printf(m, "ring_errors %llu\n", READ_ONCE(rs->errors));
	seq_printf(m, "broken %d\n", READ_ONCE(vq->ring.broken) ? 1 : 0);
	for (i = 0; i < VHOSTX_BATCH_BUCKETS; i++)
		seq_printf(m, "batch_%u %llu\n", 1U << i, READ_ONCE(st->batch[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vhostx_vq_stats);

static int vhostx_workers_show(struct seq_file *m, void *unused)
{
	struct vhostx_dev *dev = m->private;
	struct vhostx_worker *w;
	unsigned long id;

	/*
	 * Not the device mutex: removal of this file, which waits for us,
	 * runs under it. A worker leaves the table a grace period before it
	 * is freed, and its thread is stopped after that grace period.
	 */
	rcu_read_lock();
	xa_for_each(&dev->workers, id, w)
		seq_printf(m, "%u %d %u %llu\n", w->id, task_pid_nr(w->task),
			   READ_ONCE(w->attached), READ_ONCE(w->items));
	rcu_read_unlock();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vhostx_workers);

/* Device IOTLB message counts (zero while ACCESS_PLATFORM is not acked). */
static int vhostx_iotlb_show(struct seq_file *m, void *unused)
{
	struct vhostx_dev *dev = m->private;

	/* Racy reads of counters written under the device mutex. */
	seq_printf(m, "updates %llu\n", READ_ONCE(dev->iotlb_updates));
	seq_printf(m, "invalidations %llu\n", READ_ONCE(dev->iotlb_invalidations));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vhostx_iotlb);

/* The virtio features offered and acked (VHOST_SET_FEATURES), in hex. */
static int vhostx_features_show(struct seq_file *m, void *unused)
{
	struct vhostx_dev *dev = m->private;

	/* Racy reads of values written under the device mutex. */
	seq_printf(m, "offered 0x%llx\n", READ_ONCE(dev->features_supported));
	seq_printf(m, "acked 0x%llx\n", READ_ONCE(dev->features));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vhostx_features);

/* Called at VHOST_SET_OWNER; debugfs failures are not errors. */
void vhostx_debugfs_dev_add(struct vhostx_dev *dev)
{
	char name[32];
	unsigned int i;

	lockdep_assert_held(&dev->mutex);
	if (IS_ERR_OR_NULL(vhostx_debugfs_root))
		return;
	snprintf(name, sizeof(name), "%d-%u", dev->owner_pid, dev->id);
	dev->debugfs = debugfs_create_dir(name, vhostx_debugfs_root);
	if (IS_ERR(dev->debugfs))
		return;
	for (i = 0; i < dev->nvqs; i++) {
		struct vhostx_vq *vq = dev->vqs[i];
		char qname[16];

		if (vq->name)
			strscpy(qname, vq->name, sizeof(qname));
		else
			snprintf(qname, sizeof(qname), "vq%u", i);
		debugfs_create_file(qname, 0444, dev->debugfs, vq,
				    &vhostx_vq_stats_fops);
	}
	debugfs_create_file("workers", 0444, dev->debugfs, dev, &vhostx_workers_fops);
	debugfs_create_file("iotlb", 0444, dev->debugfs, dev, &vhostx_iotlb_fops);
	debugfs_create_file("features", 0444, dev->debugfs, dev, &vhostx_features_fops);
}

/* Waits for readers of the device's files. */
void vhostx_debugfs_dev_remove(struct vhostx_dev *dev)
{
	lockdep_assert_held(&dev->mutex);
	debugfs_remove(dev->debugfs);
	dev->debugfs = NULL;
}

int vhostx_debugfs_init(void)
{
	vhostx_debugfs_root = debugfs_create_dir("vhostx", NULL);
	return 0;
}

void vhostx_debugfs_exit(void)
{
	debugfs_remove(vhostx_debugfs_root);
	vhostx_debugfs_root = NULL;
}
