// SPDX-License-Identifier: GPL-2.0-only
/*
 * vv: device management and a split-ring virtio-net driver over
 * /dev/vhost-vdpa-N, for the vhost_vdpa tests. See vv.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <linux/if_ether.h>
#include <linux/virtio_ids.h>
#include "vv.h"

#define SYS_VDPA "/sys/bus/vdpa"

int vv_sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

static int bound_driver(char *drv, size_t len)
{
	char link[PATH_MAX];
	ssize_t n;
	char *b;

	n = readlink(SYS_VDPA "/devices/" VV_DEV "/driver", link, sizeof(link) - 1);
	if (n < 0) {
		drv[0] = 0;
		return 0;
	}
	link[n] = 0;
	b = strrchr(link, '/');
	b = b ? b + 1 : link;
	if (strlen(b) >= len)
		return 0;
	strcpy(drv, b);
	return 1;
}

/* Bind the test device to @drv (through driver_override), whatever it had. */
int vv_bind(const char *drv)
{
	char cur[64], path[PATH_MAX];
	int err;

	if (bound_driver(cur, sizeof(cur)) && !strcmp(cur, drv))
		return 0;
	err = vv_sysfs_write(SYS_VDPA "/devices/" VV_DEV "/driver_override", drv);
	if (err)
		return err;
	if (cur[0]) {
		snprintf(path, sizeof(path), SYS_VDPA "/drivers/%s/unbind", cur);
		err = vv_sysfs_write(path, VV_DEV);
		if (err)
			return err;
	}
	snprintf(path, sizeof(path), SYS_VDPA "/drivers/%s/bind", drv);
	return vv_sysfs_write(path, VV_DEV);
}

static int find_node(char *node, size_t len)
{
	struct dirent *de;
	DIR *d = opendir(SYS_VDPA "/devices/" VV_DEV);
	int found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		if (!strncmp(de->d_name, "vhost-vdpa-", 11)) {
			snprintf(node, len, "/dev/%s", de->d_name);
			found = 1;
		}
	}
	closedir(d);
	return found;
}

static int loaded(const char *mod)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s", mod);
	return !stat(path, &st);
}

/* Run @cmd (stdout and stderr together); its last line goes to @out. */
static int run_last_line(const char *cmd, char *out, size_t len)
{
	char line[256];
	FILE *p = popen(cmd, "r");
	int rc;

	out[0] = 0;
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0]) {
			size_t n = strlen(line);

			if (n >= len)
				n = len - 1;
			memcpy(out, line, n);
			out[n] = 0;
		}
	}
	rc = pclose(p);
	return rc ? -1 : 0;
}

/*
 * Missing modules are a reason to skip (return 1). With vdpax,
 * vdpax_sim_net and vhostx_vdpa loaded, not getting a node is a bug in
 * them (return -1). @why says which, either way.
 */
int vv_ensure_device(char *node, size_t len, char *why, size_t whylen)
{
	char out[160];
	struct stat st;
	int err, i;

	if (stat(SYS_VDPA, &st)) {
		snprintf(why, whylen, "no vdpa bus (vdpax.ko not loaded)");
		return loaded("vdpax") ? -1 : 1;
	}
	if (stat(SYS_VDPA "/drivers/vhost_vdpa", &st)) {
		if (!loaded("vhostx_vdpa")) {
			snprintf(why, whylen, "no vhost_vdpa driver (vhostx_vdpa.ko not loaded)");
			return 1;
		}
		snprintf(why, whylen, "vhostx_vdpa is loaded but no vhost_vdpa driver is on the bus");
		return -1;
	}
	if (stat(SYS_VDPA "/devices/" VV_DEV, &st)) {
		if (system("command -v vdpa >/dev/null 2>&1")) {
			snprintf(why, whylen, "no vdpa tool (iproute2)");
			return 1;
		}
		if (run_last_line("vdpa mgmtdev show vdpasim_net 2>&1", out, sizeof(out))) {
			if (!loaded("vdpax_sim_net")) {
				snprintf(why, whylen, "no vdpasim_net management device (vdpax_sim_net.ko not loaded)");
				return 1;
			}
			snprintf(why, whylen, "vdpax_sim_net is loaded but vdpa mgmtdev show vdpasim_net fails: %s",
				 out);
			return -1;
		}
		if (run_last_line("vdpa dev add name " VV_DEV " mgmtdev vdpasim_net mac " VV_MAC
				  " mtu 1500 2>&1", out, sizeof(out))) {
			snprintf(why, whylen, "vdpa dev add failed: %s", out);
			return -1;
		}
	}
	err = vv_bind("vhost_vdpa");
	if (err) {
		snprintf(why, whylen, "cannot bind " VV_DEV " to vhost_vdpa: %s", strerror(-err));
		return -1;
	}
	for (i = 0; i < 50; i++) {
		if (find_node(node, len) && !stat(node, &st))
			return 0;
		usleep(20000);
	}
	snprintf(why, whylen, "no /dev/vhost-vdpa-N node for " VV_DEV " bound to vhost_vdpa");
	return -1;
}

/* The test device is removed when the test program ends (not its children). */
static void __attribute__((destructor)) vv_cleanup(void)
{
	struct stat st;

	if (!stat(SYS_VDPA "/devices/" VV_DEV, &st) &&
	    system("vdpa dev del " VV_DEV " >/dev/null 2>&1"))
		fprintf(stderr, "# vdpa dev del " VV_DEV " failed\n");
}

int vv_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
	return 0;
}

/* Pinned memory of this process (VmPin of /proc/self/status), in kB. */
long vv_vmpin_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * One vendor counter of a queue of the test device, as the vdpa tool shows
 * it (vdpa -j dev vstats show): the value, or -1 if it is not there.
 */
long long vv_vstat(unsigned int qidx, const char *name)
{
	char cmd[128], key[64], buf[1024];
	long long val = -1;
	size_t n;
	FILE *p;
	char *at;

	snprintf(cmd, sizeof(cmd), "vdpa -j dev vstats show " VV_DEV " qidx %u 2>/dev/null", qidx);
	snprintf(key, sizeof(key), "\"%s\":", name);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = 0;
	pclose(p);
	at = strstr(buf, key);
	if (at)
		val = strtoll(at + strlen(key), NULL, 10);
	return val;
}

int vv_iotlb(int fd, uint32_t asid, uint8_t type, uint64_t iova, uint64_t size,
	     uint64_t uaddr, uint8_t perm)
{
	struct vhost_msg_v2 m = {
		.type = VHOST_IOTLB_MSG_V2,
		.asid = asid,
		.iotlb = {
			.iova = iova,
			.size = size,
			.uaddr = uaddr,
			.perm = perm,
			.type = type,
		},
	};
	ssize_t n = write(fd, &m, sizeof(m));

	if (n < 0)
		return -errno;
	return n == sizeof(m) ? 0 : -EIO;
}

/*
 * Layout of the memory: per queue q, 64 KiB at q * 64 KiB hold the
 * descriptor table, the available ring (+4 KiB) and the used ring
 * (+8 KiB); buffers follow from 256 KiB, VV_QSIZE per queue.
 */
#define VV_RING_STRIDE	0x10000UL
#define VV_RING_ALIGN	0x1000UL
#define VV_BUF_BASE	0x40000UL

/* Lay queue @q's ring out in its 64 KiB, @num entries, split or packed. */
static void vv_ring_init(struct vv *v, unsigned int q, unsigned int num)
{
	vxr_init(&v->vq[q].r, v->mem, v->iova, q * VV_RING_STRIDE, num, v->packed,
		 VV_RING_ALIGN);
}

int vv_mem_init(struct vv *v, int fd)
{
	unsigned int q;

	memset(v, 0, sizeof(*v));
	v->fd = fd;
	v->iova = VV_IOVA;
	v->memfd = memfd_create("vv-guest", 0);
	if (v->memfd < 0)
		return -errno;
	if (ftruncate(v->memfd, VV_MEM_SIZE))
		return -errno;
	v->mem = mmap(NULL, VV_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, v->memfd, 0);
	if (v->mem == MAP_FAILED) {
		v->mem = NULL;
		return -errno;
	}
	for (q = 0; q < VV_NQ; q++) {
		struct vv_vq *vq = &v->vq[q];

		vq->index = q;
		vq->kick = -1;
		vq->call = -1;
		vv_ring_init(v, q, VV_QSIZE);
		vq->bufs = v->mem + VV_BUF_BASE + q * VV_QSIZE * VV_BUF_SIZE;
		vq->bufs_iova = v->iova + VV_BUF_BASE + q * VV_QSIZE * VV_BUF_SIZE;
	}
	return 0;
}

void vv_mem_free(struct vv *v)
{
	unsigned int q;

	for (q = 0; q < VV_NQ; q++) {
		if (v->vq[q].kick >= 0)
			close(v->vq[q].kick);
		if (v->vq[q].call >= 0)
			close(v->vq[q].call);
	}
	if (v->mem)
		munmap(v->mem, VV_MEM_SIZE);
	if (v->memfd >= 0)
		close(v->memfd);
}

int vv_map(struct vv *v, uint32_t asid)
{
	return vv_iotlb(v->fd, asid, VHOST_IOTLB_UPDATE, v->iova, VV_MEM_SIZE,
			(uint64_t)(uintptr_t)v->mem, VHOST_ACCESS_RW);
}

static int add_status(int fd, uint8_t bits)
{
	uint8_t s;

	if (ioctl(fd, VHOST_VDPA_GET_STATUS, &s))
		return -errno;
	s |= bits;
	if (ioctl(fd, VHOST_VDPA_SET_STATUS, &s))
		return -errno;
	if (ioctl(fd, VHOST_VDPA_GET_STATUS, &s))
		return -errno;
	return (s & bits) == bits ? 0 : -EIO;
}

int vv_negotiate(struct vv *v, uint64_t features)
{
	uint8_t cfg[sizeof(struct vhost_vdpa_config) + 6];
	struct vhost_vdpa_config *c = (void *)cfg;
	uint8_t zero = 0;
	int err;

	if (ioctl(v->fd, VHOST_VDPA_SET_STATUS, &zero))
		return -errno;
	err = add_status(v->fd, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	if (err)
		return err;
	if (ioctl(v->fd, VHOST_SET_FEATURES, &features))
		return -errno;
	v->packed = features & VV_F(VIRTIO_F_RING_PACKED);
	err = add_status(v->fd, VIRTIO_CONFIG_S_FEATURES_OK);
	if (err)
		return err;
	c->off = 0;
	c->len = 6;
	if (ioctl(v->fd, VHOST_VDPA_GET_CONFIG, c))
		return -errno;
	memcpy(v->mac, c->buf, 6);
	return 0;
}

int vv_setup_vq(struct vv *v, unsigned int q)
{
	struct vv_vq *vq = &v->vq[q];
	struct vhost_vring_state s = { .index = q, .num = vq->r.num };
	struct vhost_vring_addr a;
	struct vhost_vring_file f = { .index = q };

	/* The same place for both layouts (areas 4 KiB apart): 12 KiB zeroed. */
	vv_ring_init(v, q, vq->r.num);
	vxr_reset(&vq->r);
	vxr_vring_addr(&vq->r, q, &a);
	if (ioctl(v->fd, VHOST_SET_VRING_NUM, &s))
		return -errno;
	/*
	 * Packed: the queue is new since the reset, positions 0 and wrap
	 * counters 1; no VHOST_SET_VRING_BASE (the packed_vring_base test
	 * covers it).
	 */
	s.num = 0;
	if (!vq->r.packed && ioctl(v->fd, VHOST_SET_VRING_BASE, &s))
		return -errno;
	if (ioctl(v->fd, VHOST_SET_VRING_ADDR, &a))
		return -errno;
	if (vq->kick < 0)
		vq->kick = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (vq->call < 0)
		vq->call = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (vq->kick < 0 || vq->call < 0)
		return -errno;
	f.fd = vq->kick;
	if (ioctl(v->fd, VHOST_SET_VRING_KICK, &f))
		return -errno;
	f.fd = vq->call;
	if (ioctl(v->fd, VHOST_SET_VRING_CALL, &f))
		return -errno;
	s.num = 1;
	if (ioctl(v->fd, VHOST_VDPA_SET_VRING_ENABLE, &s))
		return -errno;
	return 0;
}

/*
 * A driver's queue reset (VIRTIO_F_RING_RESET) through vhost-vdpa: disable
 * the queue, give it @num entries and a new ring from its first position
 * (packed: wrap counters 1), enable it. Buffers it held are forgotten.
 */
int vv_reset_vq(struct vv *v, unsigned int q, unsigned int num)
{
	struct vv_vq *vq = &v->vq[q];
	struct vhost_vring_state s = { .index = q };

	if (!num || num > VV_QSIZE)
		return -EINVAL;
	if (ioctl(v->fd, VHOST_VDPA_SET_VRING_ENABLE, &s))
		return -errno;
	vq->r.num = num;	/* vv_setup_vq lays it out again */
	s.num = num;
	if (ioctl(v->fd, VHOST_SET_VRING_NUM, &s))
		return -errno;
	s.num = v->packed ? 0x80008000 : 0;
	if (ioctl(v->fd, VHOST_SET_VRING_BASE, &s))
		return -errno;
	return vv_setup_vq(v, q);
}

/* Negotiate, set up both queues, post RX buffers and go. */
int vv_start(struct vv *v, uint64_t features)
{
	int err;

	err = vv_negotiate(v, features);
	if (!err)
		err = vv_setup_vq(v, VV_RX);
	if (!err)
		err = vv_setup_vq(v, VV_TX);
	if (!err)
		err = vv_post_rx(v, VV_QSIZE);
	if (!err)
		err = add_status(v->fd, VIRTIO_CONFIG_S_DRIVER_OK);
	return err;
}

static void kick(struct vv_vq *vq)
{
	uint64_t one = 1;

	if (write(vq->kick, &one, sizeof(one)) != sizeof(one))
		perror("kick");
}

/* Descriptor i of a queue always points at buffer i (packed: buffer id i). */
static void publish(struct vv_vq *vq, uint16_t head, uint32_t len, uint16_t flags)
{
	vxr_post(&vq->r, head, vq->bufs_iova + (uint64_t)head * VV_BUF_SIZE, len, flags);
}

int vv_post_rx(struct vv *v, unsigned int n)
{
	struct vv_vq *vq = &v->vq[VV_RX];
	unsigned int i;

	for (i = 0; i < n; i++)
		publish(vq, vq->r.avail_idx % vq->r.num, VV_BUF_SIZE, VRING_DESC_F_WRITE);
	kick(vq);
	return 0;
}

/* Reclaim completed TX chains; returns how many were completed. */
int vv_tx_reclaim(struct vv *v)
{
	return vxr_reclaim(&v->vq[VV_TX].r);
}

int vv_send(struct vv *v, const void *frame, size_t len)
{
	struct vv_vq *vq = &v->vq[VV_TX];
	uint16_t head = vq->r.avail_idx % vq->r.num;
	uint8_t *buf = vq->bufs + (size_t)head * VV_BUF_SIZE;

	if (len + VV_HDR_LEN > VV_BUF_SIZE)
		return -EINVAL;
	vv_tx_reclaim(v);
	if ((uint16_t)(vq->r.avail_idx - vq->r.last_used) >= vq->r.num)
		return -EAGAIN;
	memset(buf, 0, VV_HDR_LEN);
	memcpy(buf + VV_HDR_LEN, frame, len);
	publish(vq, head, len + VV_HDR_LEN, 0);
	kick(vq);
	return 0;
}

/* Next received frame (virtio-net header stripped), reposting its buffer. */
int vv_recv(struct vv *v, void *frame, size_t *len, int timeout_ms)
{
	struct vv_vq *vq = &v->vq[VV_RX];
	uint32_t id, elen;
	int ret;

	ret = vxr_wait_used(&vq->r, vq->call, timeout_ms);
	if (ret < 0)
		return ret;
	if (!ret || !vxr_get_used(&vq->r, &id, &elen))
		return -ETIMEDOUT;
	if (id >= VV_QSIZE || elen < VV_HDR_LEN || elen > VV_BUF_SIZE)
		return -EPROTO;
	*len = elen - VV_HDR_LEN;
	memcpy(frame, vq->bufs + (size_t)id * VV_BUF_SIZE + VV_HDR_LEN, *len);
	publish(vq, id, VV_BUF_SIZE, VRING_DESC_F_WRITE);
	kick(vq);
	return 0;
}

/* A test frame to the device's MAC: @len bytes, payload from @seq. */
size_t vv_make_frame(struct vv *v, uint8_t *buf, size_t len, uint32_t seq)
{
	size_t i;

	if (len < ETH_ZLEN)
		len = ETH_ZLEN;
	memcpy(buf, v->mac, 6);
	memcpy(buf + 6, "\x02\x00\x00\x00\x00\x99", 6);
	buf[12] = VV_ETH_P_TEST >> 8;
	buf[13] = VV_ETH_P_TEST & 0xff;
	memcpy(buf + 14, &seq, sizeof(seq));
	for (i = 18; i < len; i++)
		buf[i] = (uint8_t)(seq * 7 + i);
	return len;
}
