// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_ioctl: call sequences and IOTLB messages against /dev/vhost-vdpa-N.
 *
 * The device comes from the vDPA bus: when no node exists and the vdpa
 * tool sees a management device, one is created for the run ("vdpa dev
 * add"), bound to vhost_vdpa and deleted afterwards. No node: the caller
 * SKIPs if our vDPA modules are not loaded, and fails if they are.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <sys/ioctl.h>
#include "fz_vdpa.h"

static int find_node(char *path, size_t len)
{
	struct dirent *de;
	DIR *d = opendir("/dev");
	int found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		if (!strncmp(de->d_name, "vhost-vdpa-", 11)) {
			snprintf(path, len, "/dev/%s", de->d_name);
			found = 1;
		}
	}
	closedir(d);
	return found;
}

static int loaded(const char *mod)
{
	char path[280];

	snprintf(path, sizeof(path), "/sys/module/%s", mod);
	return !access(path, F_OK);
}

static int sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

/* Give the device we added to vhost_vdpa, whichever driver took it. */
static void bind_vhost_vdpa(void)
{
	const char *dev = "/sys/bus/vdpa/devices/vxfzvdpa0";
	char link[280], path[600];
	ssize_t n;
	char *drv;

	if (sysfs_write("/sys/bus/vdpa/devices/vxfzvdpa0/driver_override", "vhost_vdpa"))
		return;
	snprintf(path, sizeof(path), "%s/driver", dev);
	n = readlink(path, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = 0;
		drv = strrchr(link, '/');
		drv = drv ? drv + 1 : link;
		if (!strcmp(drv, "vhost_vdpa"))
			return;
		snprintf(path, sizeof(path), "/sys/bus/vdpa/drivers/%s/unbind", drv);
		sysfs_write(path, "vxfzvdpa0");
	}
	sysfs_write("/sys/bus/vdpa/drivers/vhost_vdpa/bind", "vxfzvdpa0");
}

/*
 * The management device to make the device on: $FUZZ_VDPA_MGMTDEV, else
 * vdpasim_port for odd seeds when it is listed (its datapath ends in a host
 * interface), else the first one listed.
 */
static void pick_mgmtdev(struct fz_vdpa_dev *v, uint64_t seed)
{
	const char *env = getenv("FUZZ_VDPA_MGMTDEV");
	FILE *p;

	if (env && *env) {
		snprintf(v->mgmtdev, sizeof(v->mgmtdev), "%s", env);
		return;
	}
	if ((seed & 1) && system("nsenter -t 1 -n vdpa mgmtdev show vdpasim_port >/dev/null 2>&1") == 0) {
		snprintf(v->mgmtdev, sizeof(v->mgmtdev), "vdpasim_port");
		return;
	}
	v->mgmtdev[0] = 0;
	p = popen("nsenter -t 1 -n vdpa mgmtdev show 2>/dev/null | sed -n '1s/:.*//p'", "r");
	if (!p)
		return;
	if (fgets(v->mgmtdev, sizeof(v->mgmtdev), p))
		v->mgmtdev[strcspn(v->mgmtdev, "\n")] = 0;
	pclose(p);
}

int fz_vdpa_find(struct fz_vdpa_dev *v, uint64_t seed)
{
	const char *env = getenv("FUZZ_VDPA_DEV");
	char cmd[256];

	memset(v, 0, sizeof(*v));
	if (env && *env) {
		snprintf(v->path, sizeof(v->path), "%s", env);
		if (!access(v->path, R_OK | W_OK))
			return 0;
		snprintf(v->why, sizeof(v->why), "FUZZ_VDPA_DEV=%s: %s", env, strerror(errno));
		return -EIO;
	}
	if (find_node(v->path, sizeof(v->path)))
		return 0;
	/*
	 * Ask the bus for one: any management device will do. The vdpa
	 * family lives in the initial network namespace only, and the
	 * fuzzer runs in a private one.
	 */
	pick_mgmtdev(v, seed);
	snprintf(cmd, sizeof(cmd), "nsenter -t 1 -n vdpa dev add name vxfzvdpa0 mgmtdev '%s' >/dev/null 2>&1",
		 v->mgmtdev);
	if (v->mgmtdev[0] && !strchr(v->mgmtdev, '\'') && system(cmd) == 0) {
		v->created = 1;
		bind_vhost_vdpa();
		for (int i = 0; i < 50; i++) {
			if (find_node(v->path, sizeof(v->path)))
				return 0;
			usleep(100000);
		}
	}
	/* Without our vDPA modules there is nothing to fuzz: skip. With them, a bug. */
	if (!loaded("vdpax") || !loaded("vdpax_sim_net") || !loaded("vhostx_vdpa")) {
		snprintf(v->why, sizeof(v->why),
			 "no /dev/vhost-vdpa-N (vdpax, vdpax_sim_net or vhostx_vdpa not loaded)");
		return -ENOENT;
	}
	snprintf(v->why, sizeof(v->why), "vdpax, vdpax_sim_net and vhostx_vdpa are loaded but %s (%s)",
		 v->created ? "the device added gets no /dev/vhost-vdpa-N node" :
		 "vdpa dev add failed", v->mgmtdev[0] ? v->mgmtdev : "no management device");
	return -EIO;
}

void fz_vdpa_release(struct fz_vdpa_dev *v)
{
	if (v->created && system("nsenter -t 1 -n vdpa dev del vxfzvdpa0 >/dev/null 2>&1") != 0)
		v->created = 0;
}

static int call(struct fz_vdpa *s, const char *name, unsigned long req, void *arg)
{
	int ret, e;

	s->stats->calls++;
	ret = ioctl(s->fd, req, arg);
	e = errno;
	fz_log("%s -> %d (%s)", name, ret, ret ? strerror(e) : "ok");
	if (!ret) {
		s->stats->ok++;
		return 0;
	}
	return fz_call_failed(s, name, ret, e);
}

static void op_query(struct fz_vdpa *s)
{
	uint8_t buf[64];
	struct vhost_vdpa_iova_range range;
	uint32_t v32;
	uint64_t v64;

	switch (fz_below(&s->r, 9)) {
	case 0:
		call(s, "GET_DEVICE_ID", VHOST_VDPA_GET_DEVICE_ID, &v32);
		break;
	case 1:
		call(s, "GET_STATUS", VHOST_VDPA_GET_STATUS, buf);
		break;
	case 2:
		if (!call(s, "GET_CONFIG_SIZE", VHOST_VDPA_GET_CONFIG_SIZE, &v32))
			s->config_size = v32;
		break;
	case 3:
		if (!call(s, "GET_VQS_COUNT", VHOST_VDPA_GET_VQS_COUNT, &v32))
			s->nvqs = v32;
		break;
	case 4:
		call(s, "GET_GROUP_NUM", VHOST_VDPA_GET_GROUP_NUM, &v32);
		break;
	case 5:
		if (!call(s, "GET_AS_NUM", VHOST_VDPA_GET_AS_NUM, &v32))
			s->nas = v32;
		break;
	case 6:
		if (!call(s, "GET_IOVA_RANGE", VHOST_VDPA_GET_IOVA_RANGE, &range) &&
		    range.first > range.last)
			fz_fail(s, "GET_IOVA_RANGE: first %#llx > last %#llx",
			     (unsigned long long)range.first, (unsigned long long)range.last);
		break;
	case 7:
		call(s, "GET_VRING_NUM", VHOST_VDPA_GET_VRING_NUM, buf);
		break;
	default:
		if (!call(s, "GET_FEATURES", VHOST_GET_FEATURES, &v64))
			s->features = v64;
		break;
	}
}

static void op_config(struct fz_vdpa *s)
{
	static const uint64_t offs[] = { 0, 1, 6, 8, 0xff, 0x100, 0xffff, 0x7fffffff,
					 0xfffffff0, 0xffffffff };
	/*
	 * Not in the arena: the device writes received frames into the
	 * arena's buffers from its own work item at any time, and it must
	 * not change the header between the call and the check below.
	 */
	static uint64_t cfg[(sizeof(struct vhost_vdpa_config) + 4096) / sizeof(uint64_t) + 1];
	struct vhost_vdpa_config *c = (void *)cfg;
	bool set = fz_chance(&s->r, 40);
	int ret;

	c->off = fz_chance(&s->r, 60) ? fz_below(&s->r, 64) : FZ_PICK(&s->r, offs);
	c->len = fz_chance(&s->r, 60) ? fz_below(&s->r, 64) : FZ_PICK(&s->r, offs);
	if (c->len > 4096)	/* the buffer behind the header must hold it */
		c->len = fz_chance(&s->r, 50) ? c->len : 4096;
	ret = call(s, set ? "SET_CONFIG" : "GET_CONFIG",
		   set ? VHOST_VDPA_SET_CONFIG : VHOST_VDPA_GET_CONFIG, c);
	if (s->config_size && !ret &&
	    (!c->len || c->off > s->config_size || c->len > s->config_size - c->off))
		fz_fail(s, "%s off %u len %u accepted for a %u-byte config", set ? "SET_CONFIG" :
		     "GET_CONFIG", c->off, c->len, s->config_size);
}

static void op_status(struct fz_vdpa *s)
{
	static const uint64_t st[] = { 0, 1, 3, 7, 0xb, 0xf, 0x40, 0x80, 0xff };
	uint8_t v = fz_chance(&s->r, 80) ? FZ_PICK(&s->r, st) : (uint8_t)fz_next(&s->r);

	call(s, "SET_STATUS", VHOST_VDPA_SET_STATUS, &v);
}

static void op_vring(struct fz_vdpa *s)
{
	unsigned int idx = fz_chance(&s->r, 85) ? fz_below(&s->r, s->nvqs ? s->nvqs : 3)
					      : (unsigned int)fz_next(&s->r);
	struct vhost_vring_state st = { .index = idx };
	struct vhost_vring_addr a = { .index = idx };
	struct vhost_vring_file f = { .index = idx };
	int ret;

	switch (fz_below(&s->r, 8)) {
	case 0:
		st.num = 1u << fz_below(&s->r, 17);
		call(s, "SET_VRING_NUM", VHOST_SET_VRING_NUM, &st);
		break;
	case 1:
		a.desc_user_addr = fz_uaddr(&s->r);
		a.avail_user_addr = fz_uaddr(&s->r);
		a.used_user_addr = fz_uaddr(&s->r);
		call(s, "SET_VRING_ADDR", VHOST_SET_VRING_ADDR, &a);
		break;
	case 2:
		st.num = fz_below(&s->r, 0x20000);
		call(s, "SET_VRING_BASE", VHOST_SET_VRING_BASE, &st);
		break;
	case 3:
		call(s, "GET_VRING_BASE", VHOST_GET_VRING_BASE, &st);
		break;
	case 4:
		f.fd = fz_env_any(s->env, &s->r)->fd;
		call(s, "SET_VRING_KICK", VHOST_SET_VRING_KICK, &f);
		break;
	case 5:
		f.fd = fz_env_any(s->env, &s->r)->fd;
		call(s, "SET_VRING_CALL", VHOST_SET_VRING_CALL, &f);
		break;
	case 6:
		st.num = fz_below(&s->r, 3);
		call(s, "SET_VRING_ENABLE", VHOST_VDPA_SET_VRING_ENABLE, &st);
		break;
	default:
		ret = call(s, "GET_VRING_GROUP", VHOST_VDPA_GET_VRING_GROUP, &st);
		if (!ret && idx >= s->nvqs && s->nvqs)
			fz_fail(s, "GET_VRING_GROUP accepted queue %u of %u", idx, s->nvqs);
		if (fz_chance(&s->r, 50)) {
			st.index = fz_below(&s->r, 4);
			st.num = fz_chance(&s->r, 80) ? fz_below(&s->r, 3) : (uint32_t)fz_next(&s->r);
			call(s, "SET_GROUP_ASID", VHOST_VDPA_SET_GROUP_ASID, &st);
		}
		break;
	}
}

/* IOTLB messages with edge ranges: iova 0, size 0, wrapping, ~0. */
static void op_iotlb(struct fz_vdpa *s)
{
	static const uint64_t types[] = { VHOST_IOTLB_UPDATE, VHOST_IOTLB_UPDATE,
					  VHOST_IOTLB_INVALIDATE, VHOST_IOTLB_BATCH_BEGIN,
					  VHOST_IOTLB_BATCH_END, VHOST_IOTLB_MISS,
					  VHOST_IOTLB_ACCESS_FAIL, 0, 9 };
	uint8_t *buf = fz_arena + FZ_RING_AREA + 8192;
	struct vhost_msg_v2 m2 = { 0 };
	struct vhost_msg m1 = { 0 };
	struct vhost_iotlb_msg *io;
	uint64_t size = fz_size(&s->r), uaddr = fz_uaddr(&s->r);
	size_t len;
	ssize_t n;
	bool v2 = fz_chance(&s->r, 80), full;

	io = v2 ? &m2.iotlb : &m1.iotlb;
	io->iova = fz_chance(&s->r, 40) ? fz_below(&s->r, 64) << 12 : fz_gpa(&s->r);
	/* A mapping must never reach memory of ours outside the windows. */
	if (uaddr + (size ? size - 1 : 0) < uaddr)
		size = ~0ULL - uaddr;
	fz_region_fix(io->iova, &size, uaddr);
	if (fz_chance(&s->r, 8))
		size = 0;
	io->size = size;
	io->uaddr = uaddr;
	io->perm = fz_chance(&s->r, 85) ? 1 + fz_below(&s->r, 3) : (uint8_t)fz_next(&s->r);
	io->type = FZ_PICK(&s->r, types);
	if (v2) {
		m2.type = fz_chance(&s->r, 90) ? VHOST_IOTLB_MSG_V2 : (uint32_t)fz_next(&s->r);
		m2.asid = fz_chance(&s->r, 80) ? 0 : fz_chance(&s->r, 50) ? 1 : (uint32_t)fz_next(&s->r);
		len = sizeof(m2);
		memcpy(buf, &m2, len);
	} else {
		m1.type = VHOST_IOTLB_MSG;
		len = sizeof(m1);
		memcpy(buf, &m1, len);
	}
	full = (v2 ? m2.type == VHOST_IOTLB_MSG_V2 : true) && !fz_chance(&s->r, 5);
	if (!full)
		len = fz_below(&s->r, len + 1);
	s->stats->calls++;
	s->stats->iotlb++;
	n = write(s->fd, buf, len);
	if (n < 0 && !fz_errno_ok(errno))
		fz_fail(s, "IOTLB write: errno %d", errno);
	else if (n >= 0 && (size_t)n != len)
		fz_fail(s, "IOTLB write of %zu bytes returned %zd", len, n);
	else if (n >= 0 && full && io->type == VHOST_IOTLB_UPDATE &&
		 (!io->size || io->iova + io->size - 1 < io->iova))
		fz_fail(s, "IOTLB update iova %#llx size %#llx (empty or wrapping) accepted",
		     (unsigned long long)io->iova, (unsigned long long)io->size);
	else if (n >= 0)
		s->stats->ok++;
}

static void op_setup(struct fz_vdpa *s)
{
	uint64_t f;

	switch (fz_below(&s->r, 4)) {
	case 0:
		call(s, "SET_OWNER", VHOST_SET_OWNER, NULL);
		break;
	case 1:
		f = fz_chance(&s->r, 70) ? s->features & fz_next(&s->r) : fz_next(&s->r);
		call(s, "SET_FEATURES", VHOST_SET_FEATURES, &f);
		break;
	case 2:
		f = fz_chance(&s->r, 70) ? 0xf & fz_next(&s->r) : fz_next(&s->r);
		call(s, "SET_BACKEND_FEATURES", VHOST_SET_BACKEND_FEATURES, &f);
		break;
	default:
		f = fz_env_any(s->env, &s->r)->fd;
		call(s, "SET_CONFIG_CALL", VHOST_VDPA_SET_CONFIG_CALL, &f);
		break;
	}
}

/* Map the whole arena at @iova in address space 0: v2 message, else v1. */
static int map_arena(struct fz_vdpa *s, uint64_t iova)
{
	struct vhost_msg_v2 m2 = { .type = VHOST_IOTLB_MSG_V2 };
	struct vhost_msg m1 = { .type = VHOST_IOTLB_MSG };
	struct vhost_iotlb_msg io = {
		.iova = iova, .size = FZ_ARENA_SIZE, .uaddr = (uintptr_t)fz_arena,
		.perm = VHOST_ACCESS_RW, .type = VHOST_IOTLB_UPDATE,
	};

	s->stats->calls++;
	s->stats->iotlb++;
	m2.iotlb = io;
	if (write(s->fd, &m2, sizeof(m2)) == sizeof(m2))
		return 0;
	m1.iotlb = io;
	if (write(s->fd, &m1, sizeof(m1)) == sizeof(m1))
		return 0;
	if (!fz_errno_ok(errno))
		fz_fail(s, "IOTLB update of the arena: errno %d", errno);
	return -1;
}

/* Queue @idx's rings: 64 KiB of the arena's ring half each. */
#define RUN_RING(idx)	((uint64_t)(idx) * 0x10000)
#define RUN_AVAIL	0x2000
#define RUN_USED	0x4000
#define RUN_QUEUES	3

/* Well-formed buffers: writable ones on RX (0), frames behind a zero header on TX (1). */
static void post_clean(struct fz_vdpa *s, unsigned int idx, unsigned int num, uint64_t iova,
		       uint16_t *avail_idx)
{
	uint8_t *ring = fz_arena + RUN_RING(idx);
	struct vring_desc *d = (void *)ring;
	struct vring_avail *a = (void *)(ring + RUN_AVAIL);
	unsigned int n = 1 + fz_below(&s->r, num);

	for (unsigned int i = 0; i < n; i++) {
		uint16_t head = (uint16_t)(*avail_idx + i) % num;
		uint64_t off = FZ_RING_AREA + (uint64_t)idx * (FZ_BUF_AREA / 4) + head * 2048ULL;
		uint32_t len = idx == 1 ? 12 + 14 + fz_below(&s->r, 1501) : 2048;

		if (idx == 1) {
			memset(fz_arena + off, 0, 12);
			memset(fz_arena + off + 12, 0xff, 6);
		}
		d[head].addr = iova + off;
		d[head].len = len;
		d[head].flags = idx == 0 ? VRING_DESC_F_WRITE : 0;
		d[head].next = 0;
		a->ring[head] = head;
	}
	*avail_idx += n;
	__atomic_store_n(&a->idx, *avail_idx, __ATOMIC_RELEASE);
}

/*
 * Drive the device as a driver would, and as a hostile one: the arena
 * mapped at an IOVA, the first queues laid out in it, DRIVER_OK, then
 * clean or hostile (fz_ring_hostile) ring contents and kicks. Kick and
 * call eventfds come from the environment; now and then one eventfd is
 * both, so a callback wakes the kick path of the same device.
 */
static void op_run(struct fz_vdpa *s)
{
	static const uint64_t iovas[] = { 0, 0x40000000, 1ULL << 32, (1ULL << 47) - FZ_ARENA_SIZE };
	unsigned int nq = s->nvqs < RUN_QUEUES ? s->nvqs : RUN_QUEUES;
	uint16_t avail_idx[RUN_QUEUES] = { 0 };
	unsigned int num[RUN_QUEUES] = { 0 };
	int kick[RUN_QUEUES] = { -1, -1, -1 };
	uint64_t iova = FZ_PICK(&s->r, iovas), f, one = 1;
	uint8_t st;

	if (!nq || map_arena(s, iova))
		return;
	s->stats->runs++;
	st = 0;
	call(s, "SET_STATUS", VHOST_VDPA_SET_STATUS, &st);
	st = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;
	call(s, "SET_STATUS", VHOST_VDPA_SET_STATUS, &st);
	f = s->features & (fz_chance(&s->r, 70) ? ~0ULL : fz_next(&s->r));
	call(s, "SET_FEATURES", VHOST_SET_FEATURES, &f);
	st |= VIRTIO_CONFIG_S_FEATURES_OK;
	call(s, "SET_STATUS", VHOST_VDPA_SET_STATUS, &st);
	memset(fz_arena, 0, RUN_RING(nq));
	for (unsigned int q = 0; q < nq; q++) {
		struct vhost_vring_state vs = { .index = q, .num = 1u << (2 + fz_below(&s->r, 7)) };
		struct vhost_vring_addr a = {
			.index = q, .desc_user_addr = iova + RUN_RING(q),
			.avail_user_addr = iova + RUN_RING(q) + RUN_AVAIL,
			.used_user_addr = iova + RUN_RING(q) + RUN_USED,
		};
		struct vhost_vring_file vf = { .index = q };

		if (!call(s, "SET_VRING_NUM", VHOST_SET_VRING_NUM, &vs))
			num[q] = vs.num;
		if (fz_chance(&s->r, 10))
			a.used_user_addr = fz_gpa(&s->r);
		call(s, "SET_VRING_ADDR", VHOST_SET_VRING_ADDR, &a);
		vs.num = 0;
		call(s, "SET_VRING_BASE", VHOST_SET_VRING_BASE, &vs);
		vf.fd = fz_env_fd(s->env, &s->r, FZ_K_EVENTFD)->fd;
		if (!call(s, "SET_VRING_KICK", VHOST_SET_VRING_KICK, &vf))
			kick[q] = vf.fd;
		if (fz_chance(&s->r, 70))
			vf.fd = fz_env_fd(s->env, &s->r, FZ_K_EVENTFD)->fd;
		call(s, "SET_VRING_CALL", VHOST_SET_VRING_CALL, &vf);
		vs.num = 1;
		call(s, "SET_VRING_ENABLE", VHOST_VDPA_SET_VRING_ENABLE, &vs);
	}
	st |= VIRTIO_CONFIG_S_DRIVER_OK;
	call(s, "SET_STATUS", VHOST_VDPA_SET_STATUS, &st);
	for (unsigned int k = 1 + fz_below(&s->r, 8); k--; ) {
		unsigned int q = fz_below(&s->r, nq);
		uint64_t ring = (uintptr_t)fz_arena + RUN_RING(q);

		if (num[q] && fz_chance(&s->r, 75))
			post_clean(s, q, num[q], iova, &avail_idx[q]);
		else if (num[q])
			fz_ring_hostile(&s->r, num[q], ring, ring + RUN_AVAIL, ring + RUN_USED,
					&avail_idx[q], iova);
		if (kick[q] >= 0 && write(kick[q], &one, sizeof(one)) == sizeof(one))
			s->stats->kicks++;
		if (fz_chance(&s->r, 30))
			usleep(fz_below(&s->r, 1000));
	}
}

int fz_vdpa_sequence(struct fz_vdpa *s, const char *path, struct fz_env *env,
		     struct fz_vdpa_stats *stats, uint64_t seed, uint64_t seq)
{
	unsigned int nops;
	uint64_t f;

	memset(s, 0, sizeof(*s));
	s->env = env;
	s->stats = stats;
	fz_seed(&s->r, seed, seq);
	s->fd = open(path, O_RDWR | O_CLOEXEC);
	if (s->fd < 0)
		return -errno;
	stats->sequences++;
	if (fz_chance(&s->r, 80)) {
		uint32_t v32;

		call(s, "SET_OWNER", VHOST_SET_OWNER, NULL);
		if (!call(s, "GET_FEATURES", VHOST_GET_FEATURES, &f))
			s->features = f;
		if (!call(s, "GET_BACKEND_FEATURES", VHOST_GET_BACKEND_FEATURES, &f)) {
			f &= fz_chance(&s->r, 70) ? ~0ULL : fz_next(&s->r);
			call(s, "SET_BACKEND_FEATURES", VHOST_SET_BACKEND_FEATURES, &f);
		}
		if (!call(s, "GET_CONFIG_SIZE", VHOST_VDPA_GET_CONFIG_SIZE, &v32))
			s->config_size = v32;
		if (!call(s, "GET_VQS_COUNT", VHOST_VDPA_GET_VQS_COUNT, &v32))
			s->nvqs = v32;
	}
	nops = 8 + fz_below(&s->r, 60);
	for (unsigned int i = 0; i < nops && !s->failed; i++) {
		unsigned int p = fz_below(&s->r, 100);

		s->stats->ops++;
		if (p < 15)
			op_query(s);
		else if (p < 25)
			op_config(s);
		else if (p < 35)
			op_status(s);
		else if (p < 55)
			op_vring(s);
		else if (p < 88)
			op_iotlb(s);
		else if (p < 91)
			op_run(s);
		else
			op_setup(s);
	}
	close(s->fd);
	return 0;
}
