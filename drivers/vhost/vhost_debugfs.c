// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhostx per-queue counters in debugfs:
 *
 *   /sys/kernel/debug/vhostx/<owner pid>-<device id>/<queue name>
 *
 * One "name value" pair per line. The directory appears at
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
	unsigned int i;

	/* Racy reads of counters only the worker writes: fine for stats. */
	seq_printf(m, "kicks %lld\n", (long long)atomic64_read(&vq->poll.wakeups));
	seq_printf(m, "calls %llu\n", READ_ONCE(st->calls));
	seq_printf(m, "packets %llu\n", READ_ONCE(st->packets));
	seq_printf(m, "bytes %llu\n", READ_ONCE(st->bytes));
	seq_printf(m, "errors %llu\n", READ_ONCE(st->errors));
	seq_printf(m, "drops %llu\n", READ_ONCE(st->drops));
	seq_printf(m, "runs %llu\n", READ_ONCE(st->runs));
	seq_printf(m, "yields %llu\n", READ_ONCE(st->yields));
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
