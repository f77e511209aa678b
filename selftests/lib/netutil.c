// SPDX-License-Identifier: GPL-2.0-only
/*
 * netutil: host-side network helpers shared by the selftests (see
 * netutil.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>

#include "netutil.h"

/* Close @fd after a call on it failed; returns -errno of that call. */
static int nu_close_err(int fd)
{
	int saved = errno;

	close(fd);
	return -saved;
}

static int nu_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

int nu_netns_new(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	nu_write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	nu_write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	return nu_link_up("lo");
}

int nu_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	r = system(cmd);
	if (r == -1)
		return -1;
	return WIFEXITED(r) ? WEXITSTATUS(r) : 128;
}

int nu_tun_open(const char *name, int flags, int hdr_sz)
{
	struct ifreq ifr = { 0 };
	int fd;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		/* No udev in the test VM: the node appears with the module. */
		nu_sh("modprobe -q tun");
		fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	ifr.ifr_flags = flags;
	if (hdr_sz > 0)
		ifr.ifr_flags |= IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		goto fail;
	if (hdr_sz > 0 && ioctl(fd, TUNSETVNETHDRSZ, &hdr_sz) < 0)
		goto fail;
	return fd;
fail:
	return nu_close_err(fd);
}

static int nu_ifreq(unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int r = 0;

	if (s < 0)
		return -errno;
	if (ioctl(s, req, ifr) < 0)
		r = -errno;
	close(s);
	return r;
}

int nu_link_up(const char *name)
{
	struct ifreq ifr = { 0 };
	int r;

	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	r = nu_ifreq(SIOCGIFFLAGS, &ifr);
	if (r)
		return r;
	ifr.ifr_flags |= IFF_UP;
	return nu_ifreq(SIOCSIFFLAGS, &ifr);
}

int nu_link_mtu(const char *name, int mtu)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	ifr.ifr_mtu = mtu;
	return nu_ifreq(SIOCSIFMTU, &ifr);
}

int nu_ifindex(const char *name)
{
	struct ifreq ifr = { 0 };
	int r;

	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	r = nu_ifreq(SIOCGIFINDEX, &ifr);
	return r ? r : ifr.ifr_ifindex;
}

int nu_link_mac(const char *name, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	int r;

	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	r = nu_ifreq(SIOCGIFHWADDR, &ifr);
	if (!r)
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	return r;
}

int nu_macvtap_open(const char *name, int hdr_sz)
{
	char path[128], dev[32];
	unsigned int maj, min;
	int idx, fd, n, sfd;

	idx = nu_ifindex(name);
	if (idx < 0)
		return idx;
	snprintf(path, sizeof(path), "/dev/tap%d", idx);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		/* No udev here: make the node from what sysfs says. */
		snprintf(path, sizeof(path), "/sys/class/net/%s/macvtap/tap%d/dev",
			 name, idx);
		sfd = open(path, O_RDONLY | O_CLOEXEC);
		if (sfd < 0)
			return -errno;
		n = read(sfd, dev, sizeof(dev) - 1);
		close(sfd);
		if (n <= 0)
			return -EIO;
		dev[n] = 0;
		if (sscanf(dev, "%u:%u", &maj, &min) != 2)
			return -EIO;
		snprintf(path, sizeof(path), "/tmp/netutil-tap%d", idx);
		unlink(path);
		if (mknod(path, S_IFCHR | 0600, makedev(maj, min)) < 0)
			return -errno;
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	if (hdr_sz > 0 && ioctl(fd, TUNSETVNETHDRSZ, &hdr_sz) < 0)
		return nu_close_err(fd);
	return fd;
}

int nu_pkt_open(const char *ifname, bool vnet_hdr, bool no_outgoing)
{
	struct sockaddr_ll sll = { 0 };
	int one = 1, buf = 16 << 20;
	int fd, idx;

	idx = nu_ifindex(ifname);
	if (idx < 0)
		return idx;
	/* Protocol 0 first: nothing is queued before the bind. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) < 0)
		goto fail;
	if (vnet_hdr &&
	    setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0)
		goto fail;
	if (no_outgoing &&
	    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0)
		goto fail;
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = idx;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		goto fail;
	return fd;
fail:
	return nu_close_err(fd);
}

ssize_t nu_pkt_recv(int fd, void *buf, size_t cap, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int r;

	r = poll(&p, 1, timeout_ms);
	if (r < 0)
		return -errno;
	if (!r)
		return -ETIMEDOUT;
	n = recv(fd, buf, cap, MSG_TRUNC | MSG_DONTWAIT);
	return n < 0 ? -errno : n;
}

int nu_walk_tasks(nu_task_fn fn, void *arg)
{
	char path[300], comm[64];
	struct dirent *de;
	int ret = 0;
	DIR *dir;

	dir = opendir("/proc");
	if (!dir)
		return -1;
	while (!ret && (de = readdir(dir))) {
		int fd;
		ssize_t n;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, comm, sizeof(comm) - 1);
		close(fd);
		if (n <= 0)
			continue;
		comm[n] = 0;
		comm[strcspn(comm, "\n")] = 0;
		ret = fn(de->d_name, comm, arg);
	}
	closedir(dir);
	return ret;
}

struct count_comm {
	char want[64];
	const char *prefix;
	pid_t pid;
	int count;
};

static int count_comm_one(const char *tid, const char *comm, void *arg)
{
	struct count_comm *c = arg;

	(void)tid;
	if (c->pid ? !strcmp(comm, c->want) : !strncmp(comm, c->prefix, strlen(c->prefix)))
		c->count++;
	return 0;
}

static char nu_param_path[256], nu_param_old[64];
static pid_t nu_param_pid;

/* At exit of the process that set it; not of a child it forked. */
static void nu_param_restore(void)
{
	FILE *f;

	if (getpid() != nu_param_pid)
		return;
	f = fopen(nu_param_path, "w");

	if (f) {
		fputs(nu_param_old, f);
		fclose(f);
	}
}

int nu_module_param_set(const char *mod, const char *name, const char *value)
{
	FILE *f;

	if (nu_param_path[0])
		return -EBUSY;
	snprintf(nu_param_path, sizeof(nu_param_path), "/sys/module/%s/parameters/%s", mod, name);
	f = fopen(nu_param_path, "r");
	if (!f || !fgets(nu_param_old, sizeof(nu_param_old), f)) {
		if (f)
			fclose(f);
		nu_param_path[0] = 0;
		return -ENOENT;
	}
	fclose(f);
	nu_param_old[strcspn(nu_param_old, "\n")] = 0;
	f = fopen(nu_param_path, "w");
	if (!f)
		return -errno;
	fputs(value, f);
	if (fclose(f))
		return -errno;
	nu_param_pid = getpid();
	atexit(nu_param_restore);
	return 0;
}

int nu_count_comm(const char *prefix, pid_t pid)
{
	struct count_comm c = { .prefix = prefix, .pid = pid };

	snprintf(c.want, sizeof(c.want), "%s%d", prefix, (int)pid);
	if (nu_walk_tasks(count_comm_one, &c) < 0)
		return -1;
	return c.count;
}
