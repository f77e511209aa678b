// SPDX-License-Identifier: GPL-2.0-only
/*
 * vhostx_net: the /dev/vhost-net device. Each open file is one virtio-net
 * queue pair serviced in the kernel: VHOST_NET_SET_BACKEND attaches a tap,
 * macvtap/ipvtap or AF_PACKET socket to the RX or TX queue, and the
 * device's worker moves packets between that socket and the guest's rings
 * (net_rx.c, net_tx.c). Everything else is the vhost core's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/file.h>
#include <linux/if_packet.h>
#include <linux/if_tap.h>
#include <linux/if_tun.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/nospec.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/uaccess.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <net/sock.h>
#include "net.h"

static char *devname = "vhost-net";
module_param(devname, charp, 0444);
MODULE_PARM_DESC(devname,
		 "device node name (default vhost-net on the vhost-net minor; any other name gets a dynamic minor)");

unsigned int vhostx_net_budget_packets = 256;
module_param_named(budget_packets, vhostx_net_budget_packets, uint, 0644);
MODULE_PARM_DESC(budget_packets,
		 "packets a queue may move per run before other queues get a turn (default 256)");

unsigned int vhostx_net_budget_bytes = 512 * 1024;
module_param_named(budget_bytes, vhostx_net_budget_bytes, uint, 0644);
MODULE_PARM_DESC(budget_bytes,
		 "bytes a queue may move per run before other queues get a turn (default 512 KiB)");

bool vhostx_net_tx_batch = true;
module_param_named(tx_batch, vhostx_net_tx_batch, bool, 0644);
MODULE_PARM_DESC(tx_batch,
		 "hand TX packets to tun/tap in batches of up to 64 (default on)");

static bool vhostx_net_device_iotlb = true;
module_param_named(device_iotlb, vhostx_net_device_iotlb, bool, 0644);
MODULE_PARM_DESC(device_iotlb,
		 "offer VIRTIO_F_ACCESS_PLATFORM, the device IOTLB for guests behind a vIOMMU, to devices opened from now on (default on; off makes QEMU serve such a NIC in userspace)");

static bool vhostx_net_ring_packed = true;
module_param_named(ring_packed, vhostx_net_ring_packed, bool, 0644);
MODULE_PARM_DESC(ring_packed,
		 "offer VIRTIO_F_RING_PACKED, packed virtqueues, to devices opened from now on (default on; off leaves split rings only, as the kernel's vhost_net)");

#define VHOSTX_NET_FEATURES	(BIT_ULL(VIRTIO_F_VERSION_1) |			\
				 BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC) |		\
				 BIT_ULL(VIRTIO_RING_F_EVENT_IDX) |		\
				 BIT_ULL(VIRTIO_F_NOTIFY_ON_EMPTY) |		\
				 BIT_ULL(VIRTIO_F_ANY_LAYOUT) |			\
				 BIT_ULL(VIRTIO_NET_F_MRG_RXBUF) |		\
				 BIT_ULL(VHOST_NET_F_VIRTIO_NET_HDR) |		\
				 BIT_ULL(VHOST_F_LOG_ALL) |			\
				 BIT_ULL(VIRTIO_F_ACCESS_PLATFORM) |		\
				 BIT_ULL(VIRTIO_F_RING_PACKED) |		\
				 BIT_ULL(VIRTIO_F_IN_ORDER) |			\
				 BIT_ULL(VIRTIO_F_RING_RESET))

/* IOTLB messages for the device IOTLB (ACCESS_PLATFORM). */
#define VHOSTX_NET_BACKEND_FEATURES	(BIT_ULL(VHOST_BACKEND_F_IOTLB_MSG_V2) |	\
					 BIT_ULL(VHOST_BACKEND_F_IOTLB_BATCH))

/**
 * vhostx_net_hdr_lens() - virtio-net header sizes for a queue
 * @vq: the queue, mutex held
 * @vhost_hlen: header we add (RX) or strip (TX), 0 if the backend has one
 * @sock_hlen: header the backend carries, 0 if it has none
 */
void vhostx_net_hdr_lens(const struct vhostx_vq *vq, size_t *vhost_hlen,
			 size_t *sock_hlen)
{
	size_t len;

	if (vhostx_vq_has_feature(vq, VIRTIO_NET_F_MRG_RXBUF) ||
	    vhostx_vq_has_feature(vq, VIRTIO_F_VERSION_1))
		len = sizeof(struct virtio_net_hdr_mrg_rxbuf);
	else
		len = sizeof(struct virtio_net_hdr);
	if (vhostx_vq_has_feature(vq, VHOST_NET_F_VIRTIO_NET_HDR)) {
		*vhost_hlen = len;
		*sock_hlen = 0;
	} else {
		*vhost_hlen = 0;
		*sock_hlen = len;
	}
}

/**
 * vhostx_net_busyloop() - spin for work instead of sleeping
 * @nvq: the queue, mutex held, with busyloop_timeout set
 * @ready: tells whether there is something to do now
 *
 * Spins for up to busyloop_timeout microseconds. Gives up early when the
 * CPU is wanted, when another queue has work, or when an ioctl waits for
 * the device (it would wait for our mutex next).
 *
 * Return: true if @ready became true.
 */
bool vhostx_net_busyloop(struct vhostx_net_vq *nvq,
			 bool (*ready)(struct vhostx_net_vq *nvq))
{
	struct vhostx_vq *vq = &nvq->vq;
	u64 end = local_clock() + (u64)vq->busyloop_timeout * NSEC_PER_USEC;

	while (!need_resched() && !vhostx_vq_has_work(vq) &&
	       !mutex_is_locked(&vq->dev->mutex) && local_clock() < end) {
		if (ready(nvq))
			return true;
		cpu_relax();
	}
	return false;
}

/*
 * The socket behind a backend fd, with the file reference kept (drop it
 * with sockfd_put()). tun and tap/macvtap files are used through the
 * socket their driver exports; any other socket must be a raw packet
 * socket (family and type both checked). A socket of another family or
 * type is EINVAL; an fd that is no socket at all (eventfd, regular file,
 * a closed fd) is ENOTSOCK. The kernel's vhost-net says ENOTSOCK for both.
 */
static struct socket *vhostx_net_get_socket(int fd, enum vhostx_net_backend *kind)
{
	struct socket *sock;
	struct file *file;

	file = fget(fd);
	if (!file)
		return ERR_PTR(-ENOTSOCK);
	*kind = VHOSTX_NET_BE_TUN;
	sock = tun_get_socket(file);
	if (!IS_ERR(sock))
		return sock;
	*kind = VHOSTX_NET_BE_TAP;
	sock = tap_get_socket(file);
	if (!IS_ERR(sock))
		return sock;
	*kind = VHOSTX_NET_BE_PACKET;
	sock = sock_from_file(file);
	if (sock && sock->sk && sock->sk->sk_family == AF_PACKET &&
	    sock->sk->sk_type == SOCK_RAW)
		return sock;
	fput(file);
	return ERR_PTR(sock ? -EINVAL : -ENOTSOCK);
}

static struct ptr_ring *vhostx_net_ptr_ring(struct file *file)
{
	struct ptr_ring *ring;

	ring = tun_get_tx_ring(file);
	if (!IS_ERR(ring))
		return ring;
	ring = tap_get_ptr_ring(file);
	if (!IS_ERR(ring))
		return ring;
	return NULL;
}

/* Detach a queue's backend (mutex held); returns it for the caller to put. */
static struct socket *vhostx_net_detach(struct vhostx_net_vq *nvq)
{
	struct socket *sock = nvq->vq.private_data;

	lockdep_assert_held(&nvq->vq.mutex);
	vhostx_poll_stop(&nvq->sock_poll);
	if (nvq->vq.index == VHOSTX_NET_RX)
		vhostx_net_rxq_return(nvq);
	nvq->rx_ring = NULL;
	nvq->kind = VHOSTX_NET_BE_NONE;
	nvq->vq.private_data = NULL;
	return sock;
}

static long vhostx_net_set_backend(struct vhostx_net *n, u32 index, int fd)
{
	enum vhostx_net_backend kind = VHOSTX_NET_BE_NONE;
	struct socket *sock = NULL, *old;
	struct vhostx_net_vq *nvq;
	struct vhostx_vq *vq;
	long ret;

	mutex_lock(&n->dev.mutex);
	ret = vhostx_dev_check_owner(&n->dev);
	if (ret)
		goto unlock_dev;
	if (index >= VHOSTX_NET_NVQ) {
		ret = -ENOBUFS;
		goto unlock_dev;
	}
	index = array_index_nospec(index, VHOSTX_NET_NVQ);
	nvq = &n->vqs[index];
	vq = &nvq->vq;

	if (fd != -1) {
		sock = vhostx_net_get_socket(fd, &kind);
		if (IS_ERR(sock)) {
			ret = PTR_ERR(sock);
			goto unlock_dev;
		}
		/* A tun file without a device reports an error: refuse it. */
		if (vfs_poll(sock->file, NULL) & EPOLLERR) {
			ret = -EINVAL;
			goto put_sock;
		}
	}

	mutex_lock(&vq->mutex);
	old = vq->private_data;
	if (sock == old) {
		/* Same backend again: nothing changes, drop the extra reference. */
		mutex_unlock(&vq->mutex);
		ret = 0;
		goto put_sock;
	}
	if (sock) {
		ret = vhostx_vq_start(vq);
		if (ret) {
			mutex_unlock(&vq->mutex);
			goto put_sock;
		}
	}
	if (old)
		vhostx_net_detach(nvq);
	if (sock) {
		vq->private_data = sock;
		nvq->kind = kind;
		if (index == VHOSTX_NET_RX) {
			nvq->rx_ring = vhostx_net_ptr_ring(sock->file);
			vhostx_poll_start(&nvq->sock_poll, sock->file);
		}
		/* Buffers may be waiting already, and their kick came before us. */
		vhostx_poll_queue(&vq->poll);
	}
	mutex_unlock(&vq->mutex);

	if (old) {
		/* A run that still used the old socket must be over. */
		vhostx_dev_flush(&n->dev);
		sockfd_put(old);
	}
	mutex_unlock(&n->dev.mutex);
	return 0;

put_sock:
	if (sock)
		sockfd_put(sock);
unlock_dev:
	mutex_unlock(&n->dev.mutex);
	return ret;
}

/* Detach both backends, stop the worker, forget the owner. */
static void vhostx_net_stop(struct vhostx_net *n)
{
	struct socket *socks[VHOSTX_NET_NVQ];
	unsigned int i;

	lockdep_assert_held(&n->dev.mutex);
	for (i = 0; i < VHOSTX_NET_NVQ; i++) {
		mutex_lock(&n->vqs[i].vq.mutex);
		socks[i] = vhostx_net_detach(&n->vqs[i]);
		mutex_unlock(&n->vqs[i].vq.mutex);
	}
	/* Flushes and stops the worker before anything goes away. */
	vhostx_dev_cleanup(&n->dev);
	for (i = 0; i < VHOSTX_NET_NVQ; i++)
		if (socks[i])
			sockfd_put(socks[i]);
}

static long vhostx_net_reset_owner(struct vhostx_net *n)
{
	long ret;

	mutex_lock(&n->dev.mutex);
	ret = vhostx_dev_check_owner(&n->dev);
	if (!ret)
		vhostx_net_stop(n);
	mutex_unlock(&n->dev.mutex);
	return ret;
}

static long vhostx_net_ioctl(struct file *f, unsigned int cmd,
			     unsigned long arg)
{
	struct vhostx_net *n = f->private_data;
	void __user *argp = (void __user *)arg;
	struct vhost_vring_file backend;
	long ret;

	switch (cmd) {
	case VHOST_NET_SET_BACKEND:
		if (copy_from_user(&backend, argp, sizeof(backend)))
			return -EFAULT;
		return vhostx_net_set_backend(n, backend.index, backend.fd);
	case VHOST_RESET_OWNER:
		return vhostx_net_reset_owner(n);
	default:
		mutex_lock(&n->dev.mutex);
		ret = vhostx_dev_ioctl(&n->dev, cmd, argp);
		mutex_unlock(&n->dev.mutex);
		return ret;
	}
}

static int vhostx_net_open(struct inode *inode, struct file *f)
{
	struct vhostx_net *n;
	unsigned int i;
	u64 features;
	int ret;

	n = kvzalloc(sizeof(*n), GFP_KERNEL_ACCOUNT);
	if (!n)
		return -ENOMEM;
	n->vqs[VHOSTX_NET_RX].vq.name = "rx";
	n->vqs[VHOSTX_NET_RX].vq.handle_kick = vhostx_net_handle_rx_kick;
	n->vqs[VHOSTX_NET_TX].vq.name = "tx";
	n->vqs[VHOSTX_NET_TX].vq.handle_kick = vhostx_net_handle_tx_kick;
	for (i = 0; i < VHOSTX_NET_NVQ; i++)
		n->vqps[i] = &n->vqs[i].vq;

	ret = vhostx_net_tx_init(&n->vqs[VHOSTX_NET_TX]);
	if (ret)
		goto err_free;
	features = VHOSTX_NET_FEATURES;
	if (!READ_ONCE(vhostx_net_device_iotlb))
		features &= ~BIT_ULL(VIRTIO_F_ACCESS_PLATFORM);
	if (!READ_ONCE(vhostx_net_ring_packed))
		features &= ~BIT_ULL(VIRTIO_F_RING_PACKED);
	ret = vhostx_dev_init(&n->dev, n->vqps, VHOSTX_NET_NVQ, features);
	if (ret)
		goto err_tx;
	n->dev.backend_features_supported = VHOSTX_NET_BACKEND_FEATURES;
	vhostx_poll_init(&n->vqs[VHOSTX_NET_RX].sock_poll, vhostx_net_handle_rx_sock,
			 EPOLLIN, &n->vqs[VHOSTX_NET_RX].vq);
	/* handle_rx re-arms it every run: a packet while it is queued wakes nobody. */
	n->vqs[VHOSTX_NET_RX].sock_poll.coalesce = true;
	vhostx_poll_init(&n->vqs[VHOSTX_NET_TX].sock_poll, vhostx_net_handle_tx_sock,
			 EPOLLOUT, &n->vqs[VHOSTX_NET_TX].vq);
	f->private_data = n;
	return 0;

err_tx:
	vhostx_net_tx_free(&n->vqs[VHOSTX_NET_TX]);
err_free:
	kvfree(n);
	return ret;
}

static int vhostx_net_release(struct inode *inode, struct file *f)
{
	struct vhostx_net *n = f->private_data;

	mutex_lock(&n->dev.mutex);
	vhostx_net_stop(n);
	mutex_unlock(&n->dev.mutex);
	vhostx_dev_free(&n->dev);
	vhostx_net_tx_free(&n->vqs[VHOSTX_NET_TX]);
	kvfree(n);
	return 0;
}

/* read(), write(), poll(): IOTLB messages, as on the kernel's vhost-net. */
static ssize_t vhostx_net_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct vhostx_net *n = iocb->ki_filp->private_data;

	return vhostx_dev_read_iter(&n->dev, to, iocb->ki_filp->f_flags & O_NONBLOCK);
}

static ssize_t vhostx_net_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct vhostx_net *n = iocb->ki_filp->private_data;

	return vhostx_dev_write_iter(&n->dev, from);
}

static __poll_t vhostx_net_poll(struct file *f, poll_table *wait)
{
	struct vhostx_net *n = f->private_data;

	return vhostx_dev_poll(&n->dev, f, wait);
}

static const struct file_operations vhostx_net_fops = {
	.owner = THIS_MODULE,
	.open = vhostx_net_open,
	.release = vhostx_net_release,
	.read_iter = vhostx_net_read_iter,
	.write_iter = vhostx_net_write_iter,
	.poll = vhostx_net_poll,
	.unlocked_ioctl = vhostx_net_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice vhostx_net_misc = {
	.fops = &vhostx_net_fops,
};

static bool vhostx_net_path_exists(const char *fmt, const char *arg)
{
	struct path path;
	char *name;
	bool found;

	name = kasprintf(GFP_KERNEL, fmt, arg);
	if (!name)
		return false;
	found = !kern_path(name, 0, &path);
	if (found)
		path_put(&path);
	kfree(name);
	return found;
}

/* Who registered the node or minor we want: name the usual suspect. */
static const char *vhostx_net_holder(void)
{
	if (vhostx_net_path_exists("/sys/module/%s", "vhost_net"))
		return "the kernel's vhost_net module (rmmod vhost_net)";
	return "another driver (see /proc/misc)";
}

static int __init vhostx_net_init(void)
{
	bool fixed = !strcmp(devname, "vhost-net");
	int ret;

	if (!*devname || strchr(devname, '/')) {
		pr_err("devname=\"%s\" is not a valid node name\n", devname);
		return -EINVAL;
	}
	/* misc_register() would trip over a taken name with a sysfs splat. */
	if (vhostx_net_path_exists("/sys/class/misc/%s", devname)) {
		pr_err("/dev/%s is already registered by %s; or load with devname=<other name>\n",
		       devname, vhostx_net_holder());
		return -EBUSY;
	}
	vhostx_net_misc.name = devname;
	vhostx_net_misc.minor = fixed ? VHOST_NET_MINOR : MISC_DYNAMIC_MINOR;
	ret = misc_register(&vhostx_net_misc);
	if (ret) {
		if (ret == -EBUSY && fixed)
			pr_err("misc minor %d (vhost-net) is taken by %s; or load with devname=<other name>\n",
			       VHOST_NET_MINOR, vhostx_net_holder());
		else
			pr_err("cannot register /dev/%s: %d\n", devname, ret);
		return ret;
	}
	return 0;
}

static void __exit vhostx_net_exit(void)
{
	misc_deregister(&vhostx_net_misc);
}

module_init(vhostx_net_init);
module_exit(vhostx_net_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vhostx: in-kernel virtio-net worker (vhost-net ABI)");
/*
 * The node's aliases, as the kernel's vhost_net has them: kmod creates
 * /dev/vhost-net at boot and the first open loads whichever module the
 * aliases resolve to (tools/dkms-install blacklists the kernel's).
 */
MODULE_ALIAS_MISCDEV(VHOST_NET_MINOR);
MODULE_ALIAS("devname:vhost-net");
