// SPDX-License-Identifier: GPL-2.0-only
/*
 * vc: a tiny userspace virtio-net guest for the vhost core tests.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/vhost.h>

#include "vc.h"

static char vc_path[64];

long vc_param_get(const char *mod, const char *p)
{
	char path[128], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", mod, p);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtol(buf, NULL, 0);
}

int vc_param_set(const char *mod, const char *p, long v)
{
	char path[128], buf[32];
	int fd, n, ret = 0;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", mod, p);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return errno;
	n = snprintf(buf, sizeof(buf), "%ld", v);
	if (write(fd, buf, n) != n)
		ret = errno;
	close(fd);
	return ret;
}

const char *vc_node(void)
{
	const char *env = getenv("VC_NODE");
	char buf[64] = "";
	ssize_t n;
	int fd;

	if (env && *env)
		return env;

	fd = open("/sys/module/vhostx_net/parameters/devname", O_RDONLY);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	snprintf(vc_path, sizeof(vc_path), "/dev/%s", buf);
	return vc_path;
}

int vc_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? errno : 0;
}

static uint64_t gpa_of(struct vc_dev *d, void *p)
{
	return VC_GPA + ((uint8_t *)p - d->mem);
}

int vc_open(struct vc_dev *d)
{
	const char *node = vc_node();
	int mfd, q;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	if (!node)
		return ENOENT;
	mfd = memfd_create("vc-guest", 0);
	if (mfd < 0)
		return errno;
	if (ftruncate(mfd, VC_MEM) < 0) {
		close(mfd);
		return errno;
	}
	d->mem = mmap(NULL, VC_MEM, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	close(mfd);
	if (d->mem == MAP_FAILED) {
		d->mem = NULL;
		return errno;
	}
	/*
	 * Rings in the first MiB (per queue 64 KiB: descriptors, avail ring
	 * at +4 KiB, used ring at +8 KiB), RX buffers at 1 MiB, TX at 3 MiB.
	 * vhost-net takes the rings' process addresses.
	 */
	for (q = 0; q < 2; q++) {
		struct vc_vq *vq = &d->vq[q];

		vq->idx = q;
		vxr_init(&vq->r, d->mem, (uintptr_t)d->mem, q * 0x10000, VC_NUM, false, 0x1000);
		vq->buf = d->mem + (q == VC_RX ? (1UL << 20) : (3UL << 20));
		vq->buf_gpa = gpa_of(d, vq->buf);
		vq->kick = vq->call = vq->err = -1;
	}
	d->fd = open(node, O_RDWR);
	if (d->fd < 0)
		return errno;
	return 0;
}

void vc_close(struct vc_dev *d)
{
	int q;

	if (d->fd >= 0)
		close(d->fd);
	for (q = 0; q < 2; q++) {
		if (d->vq[q].kick >= 0)
			close(d->vq[q].kick);
		if (d->vq[q].call >= 0)
			close(d->vq[q].call);
		if (d->vq[q].err >= 0)
			close(d->vq[q].err);
	}
	if (d->mem)
		munmap(d->mem, VC_MEM);
	d->fd = -1;
	d->mem = NULL;
}

int vc_set_mem(struct vc_dev *d, bool split)
{
	struct {
		struct vhost_memory m;
		struct vhost_memory_region r[2];
	} t;

	memset(&t, 0, sizeof(t));
	if (split) {
		t.m.nregions = 2;
		/* Listed high first: the table must sort them. */
		t.r[0].guest_phys_addr = VC_GPA + VC_MEM / 2;
		t.r[0].memory_size = VC_MEM / 2;
		t.r[0].userspace_addr = (uintptr_t)d->mem + VC_MEM / 2;
		t.r[1].guest_phys_addr = VC_GPA;
		t.r[1].memory_size = VC_MEM / 2;
		t.r[1].userspace_addr = (uintptr_t)d->mem;
	} else {
		t.m.nregions = 1;
		t.r[0].guest_phys_addr = VC_GPA;
		t.r[0].memory_size = VC_MEM;
		t.r[0].userspace_addr = (uintptr_t)d->mem;
	}
	return vc_ioctl(d->fd, VHOST_SET_MEM_TABLE, &t);
}

static int vc_vq_setup(struct vc_dev *d, struct vc_vq *vq)
{
	struct vhost_vring_state s = { .index = vq->idx };
	struct vhost_vring_addr a = { .index = vq->idx };
	struct vhost_vring_file f = { .index = vq->idx };
	int ret;

	vxr_reset(&vq->r);
	s.num = VC_NUM;
	ret = vc_ioctl(d->fd, VHOST_SET_VRING_NUM, &s);
	if (ret)
		return ret;
	s.num = 0;
	ret = vc_ioctl(d->fd, VHOST_SET_VRING_BASE, &s);
	if (ret)
		return ret;
	vxr_vring_addr(&vq->r, vq->idx, &a);
	ret = vc_ioctl(d->fd, VHOST_SET_VRING_ADDR, &a);
	if (ret)
		return ret;
	vq->kick = eventfd(0, EFD_NONBLOCK);
	vq->call = eventfd(0, EFD_NONBLOCK);
	vq->err = eventfd(0, EFD_NONBLOCK);
	if (vq->kick < 0 || vq->call < 0 || vq->err < 0)
		return errno;
	f.fd = vq->kick;
	ret = vc_ioctl(d->fd, VHOST_SET_VRING_KICK, &f);
	if (ret)
		return ret;
	f.fd = vq->call;
	ret = vc_ioctl(d->fd, VHOST_SET_VRING_CALL, &f);
	if (ret)
		return ret;
	f.fd = vq->err;
	return vc_ioctl(d->fd, VHOST_SET_VRING_ERR, &f);
}

int vc_setup(struct vc_dev *d, uint64_t features)
{
	int ret, q;

	ret = vc_ioctl(d->fd, VHOST_SET_OWNER, NULL);
	if (ret)
		return ret;
	ret = vc_ioctl(d->fd, VHOST_SET_FEATURES, &features);
	if (ret)
		return ret;
	ret = vc_set_mem(d, false);
	if (ret)
		return ret;
	for (q = 0; q < 2; q++) {
		ret = vc_vq_setup(d, &d->vq[q]);
		if (ret)
			return ret;
	}
	return 0;
}

int vc_backend(struct vc_dev *d, unsigned int q, int fd)
{
	struct vhost_vring_file f = { .index = q, .fd = fd };

	return vc_ioctl(d->fd, VHOST_NET_SET_BACKEND, &f);
}

static int vc_write(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = errno;
	close(fd);
	return ret;
}

int vc_tap_open(struct vc_tap *t, int n, int vnet_hdr)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct ifreq ifr = { };
	char path[96];
	int s, ret;

	memset(t, 0, sizeof(*t));
	t->fd = t->cap = -1;
	snprintf(t->name, sizeof(t->name), "vxc%d", n);
	t->fd = open("/dev/net/tun", O_RDWR);
	if (t->fd < 0)
		return errno;
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet_hdr ? IFF_VNET_HDR : 0);
	memcpy(ifr.ifr_name, t->name, IFNAMSIZ);
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0)
		return errno;
	if (vnet_hdr && ioctl(t->fd, TUNSETVNETHDRSZ, &vnet_hdr) < 0)
		return errno;
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", t->name);
	vc_write(path, "1");
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		return errno;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, t->name, IFNAMSIZ);
	ret = ioctl(s, SIOCGIFFLAGS, &ifr) < 0 ? errno : 0;
	ifr.ifr_flags |= IFF_UP;
	if (!ret && ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		ret = errno;
	close(s);
	if (ret)
		return ret;
	t->ifindex = if_nametoindex(t->name);
	t->cap = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
	if (t->cap < 0)
		return errno;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = t->ifindex;
	if (bind(t->cap, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return errno;
	return 0;
}

int vc_tap_mtu(struct vc_tap *t, int mtu)
{
	struct ifreq ifr = { };
	int s, ret = 0;

	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		return errno;
	memcpy(ifr.ifr_name, t->name, IFNAMSIZ);
	ifr.ifr_mtu = mtu;
	if (ioctl(s, SIOCSIFMTU, &ifr) < 0)
		ret = errno;
	close(s);
	return ret;
}

void vc_tap_close(struct vc_tap *t)
{
	if (t->cap >= 0)
		close(t->cap);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = t->cap = -1;
}

void vc_frame(uint8_t *f, size_t len, uint32_t seq)
{
	size_t i;

	memset(f, 0xff, 6);			/* broadcast */
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);
	f[12] = VC_ETHERTYPE >> 8;
	f[13] = VC_ETHERTYPE & 0xff;
	memcpy(f + 14, &seq, sizeof(seq));
	for (i = 18; i < len; i++)
		f[i] = (uint8_t)(i * 7 + seq);
}

void vc_kick(struct vc_dev *d, unsigned int q)
{
	uint64_t one = 1;

	if (write(d->vq[q].kick, &one, sizeof(one)) != sizeof(one))
		perror("kick");
}

/*
 * Buffer @id in descriptor @id, made available at once; then a full
 * barrier, so the index is visible before anything we read next (the
 * device's flags, when a caller decides whether to kick).
 */
static void vc_post(struct vc_vq *vq, uint16_t id, uint32_t len, uint16_t flags)
{
	vxr_post(&vq->r, id, vq->buf_gpa + (uint64_t)id * VC_BUF, len, flags);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

int vc_tx(struct vc_dev *d, const uint8_t *frame, size_t len, bool kick)
{
	struct vc_vq *vq = &d->vq[VC_TX];
	uint16_t id = vq->r.avail_idx % VC_NUM;

	if (len + VC_HDR > VC_BUF)
		return EINVAL;
	memset(vq->buf + id * VC_BUF, 0, VC_HDR);
	memcpy(vq->buf + id * VC_BUF + VC_HDR, frame, len);
	vc_post(vq, id, VC_HDR + len, 0);
	if (kick)
		vc_kick(d, VC_TX);
	return 0;
}

int vc_rx_fill(struct vc_dev *d, unsigned int n)
{
	struct vc_vq *vq = &d->vq[VC_RX];
	unsigned int i;

	for (i = 0; i < n; i++)
		vc_post(vq, vq->r.avail_idx % VC_NUM, VC_BUF, VRING_DESC_F_WRITE);
	vc_kick(d, VC_RX);
	return 0;
}

int vc_wait_used(struct vc_dev *d, unsigned int q, int ms)
{
	struct vc_vq *vq = &d->vq[q];

	return vxr_wait_used(&vq->r, vq->call, ms) > 0;
}

int vc_used(struct vc_dev *d, unsigned int q, uint8_t **buf, uint32_t *len)
{
	struct vc_vq *vq = &d->vq[q];
	uint32_t id, l;

	if (!vxr_get_used(&vq->r, &id, &l))
		return -1;
	if (id >= VC_NUM)
		return -1;
	if (buf)
		*buf = vq->buf + (size_t)id * VC_BUF;
	if (len)
		*len = l;
	return id;
}

ssize_t vc_capture(struct vc_tap *t, uint8_t *buf, size_t len, int ms)
{
	struct pollfd p = { .fd = t->cap, .events = POLLIN };

	for (;;) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n;

		n = recvfrom(t->cap, buf, len, 0, (struct sockaddr *)&from, &fl);
		if (n >= 14 && from.sll_pkttype != PACKET_OUTGOING &&
		    buf[12] == (VC_ETHERTYPE >> 8) && buf[13] == (VC_ETHERTYPE & 0xff))
			return n;
		if (n >= 0)
			continue;
		if (errno != EAGAIN || ms <= 0)
			return -1;
		poll(&p, 1, 10);
		ms -= 10;
	}
}

int vc_inject(struct vc_tap *t, const uint8_t *frame, size_t len)
{
	return send(t->cap, frame, len, 0) == (ssize_t)len ? 0 : errno;
}

bool vc_debugfs_dir(char *path, size_t len)
{
	char prefix[32];
	struct dirent *e;
	bool found = false;
	DIR *dir;

	snprintf(prefix, sizeof(prefix), "%d-", getpid());
	dir = opendir("/sys/kernel/debug/vhostx");
	if (!dir)
		return false;
	while ((e = readdir(dir))) {
		if (!strncmp(e->d_name, prefix, strlen(prefix))) {
			snprintf(path, len, "/sys/kernel/debug/vhostx/%s", e->d_name);
			found = true;
			break;
		}
	}
	closedir(dir);
	return found;
}

long long vc_counter(const char *queue, const char *name)
{
	char dir[128], path[192], key[64];
	long long v, ret = -1;
	FILE *f;

	if (!vc_debugfs_dir(dir, sizeof(dir)))
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, queue);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", key, &v) == 2) {
		if (!strcmp(key, name)) {
			ret = v;
			break;
		}
	}
	fclose(f);
	return ret;
}

bool vc_eventfd_wait(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t v;

	if (poll(&p, 1, ms) <= 0)
		return false;
	return read(fd, &v, sizeof(v)) == sizeof(v);
}
