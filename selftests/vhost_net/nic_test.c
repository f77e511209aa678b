// SPDX-License-Identifier: GPL-2.0-only
/*
 * The physical NIC path with an AF_PACKET backend: a PF_PACKET SOCK_RAW
 * socket bound to NIC A of the test VM is the vhost-net backend of both
 * queues. NIC A's only wire goes to NIC B (tools/vm/run --nics 2: two
 * virtio-net-pci NICs on a QEMU hub with nothing else on it). Frames the
 * ring sends must come out of NIC B byte for byte, frames sent on NIC B
 * must land in the RX ring byte for byte, both at once too, and the NICs'
 * own counters must have moved. Two ways to carry the virtio-net header:
 * the device adds and strips it (VHOST_NET_F_VIRTIO_NET_HDR; modern
 * features, 12-byte header, mergeable RX buffers), or the socket does
 * (PACKET_VNET_HDR, which speaks the 10-byte header only: legacy features,
 * no mergeable buffers).
 *
 * The NICs stay in the VM's own network namespace (a NIC handed to a
 * namespace only comes back when that namespace is torn down, later), with
 * IPv6 off so that nothing but the test's frames crosses the wire. SKIP when
 * the VM has no NIC pair (VX_NIC_MACS unset); a VM that was given one and
 * shows no interfaces with those MACs fails.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <net/if.h>

#include "kselftest_harness.h"
#include "vtest.h"

static const uint8_t zero_hdr[VDRV_HDR_LEN];

/* The interface whose address is @mac, into @name. 0 or -ENOENT. */
static int nic_by_mac(const uint8_t mac[6], char name[IFNAMSIZ])
{
	struct dirent *e;
	uint8_t got[6];
	DIR *dir = opendir("/sys/class/net");
	int r = -ENOENT;

	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.' || strlen(e->d_name) >= IFNAMSIZ)
			continue;
		if (vdrv_link_mac(e->d_name, got) || memcmp(got, mac, 6))
			continue;
		snprintf(name, IFNAMSIZ, "%s", e->d_name);
		r = 0;
		break;
	}
	closedir(dir);
	return r;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		      &mac[2], &mac[3], &mac[4], &mac[5]) == 6 ? 0 : -EINVAL;
}

/* /sys/class/net/@ifname/statistics/@what, or -1. */
static long long nic_stat(const char *ifname, const char *what)
{
	char path[128];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", ifname, what);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* Wait until @ifname's operstate is "up": frames sent before are dropped. */
static int nic_wait_up(const char *ifname, int timeout_ms)
{
	char path[128], st[16];
	uint64_t end = vdrv_now_ms() + timeout_ms;

	snprintf(path, sizeof(path), "/sys/class/net/%s/operstate", ifname);
	do {
		FILE *f = fopen(path, "r");

		st[0] = 0;
		if (f) {
			if (!fgets(st, sizeof(st), f))
				st[0] = 0;
			fclose(f);
		}
		if (!strncmp(st, "up", 2))
			return 0;
		usleep(50000);
	} while (vdrv_now_ms() < end);
	return -ETIMEDOUT;
}

FIXTURE(nic) {
	struct vdrv_dev d;
	char a[IFNAMSIZ], b[IFNAMSIZ];
	uint8_t mac_a[6], mac_b[6];
	int backend;	/* AF_PACKET on A, outgoing frames ignored */
	int cap;	/* on B, incoming only */
	int inj;	/* on B, sends towards A */
	long long a_tx, a_rx, b_tx, b_rx;	/* counters at the start */
};

FIXTURE_VARIANT(nic) {
	bool sock_hdr;	/* PACKET_VNET_HDR on the backend, not the device's */
};

FIXTURE_VARIANT_ADD(nic, vhost_hdr) {
	.sock_hdr = false,
};

FIXTURE_VARIANT_ADD(nic, sock_hdr) {
	.sock_hdr = true,
};

FIXTURE_SETUP(nic)
{
	struct vdrv_cfg cfg = {
		.features = variant->sock_hdr ? VDRV_F(VIRTIO_RING_F_INDIRECT_DESC) :
			    VDRV_FEATURES_DEFAULT | VDRV_F(VHOST_NET_F_VIRTIO_NET_HDR) |
			    VDRV_F(VIRTIO_RING_F_INDIRECT_DESC),
		.num = 64,
		.slot_size = 2048,
	};
	const char *macs = getenv("VX_NIC_MACS");
	int ra = -ENOENT, rb = -ENOENT;

	self->d.fd = -1;
	self->backend = self->cap = self->inj = -1;
	self->a[0] = self->b[0] = 0;
	if (!macs || !*macs)
		SKIP(return, "no NIC pair in this VM (boot it with tools/vm/run --nics 2 or VX_NICS=2)");
	ASSERT_EQ(0, parse_mac(macs, self->mac_a));
	ASSERT_NE(NULL, strchr(macs, ' '));
	ASSERT_EQ(0, parse_mac(strchr(macs, ' ') + 1, self->mac_b));
	/* No udev in the VM: nothing loads the stock kernel's virtio_net. */
	vdrv_sh("modprobe -q virtio_net");
	for (uint64_t end = vdrv_now_ms() + 5000; vdrv_now_ms() < end; usleep(100000)) {
		ra = nic_by_mac(self->mac_a, self->a);
		rb = nic_by_mac(self->mac_b, self->b);
		if (!ra && !rb)
			break;
	}
	ASSERT_EQ(0, ra) {
		TH_LOG("no interface with NIC A's MAC (VX_NIC_MACS=%s)", macs);
	}
	ASSERT_EQ(0, rb) {
		TH_LOG("no interface with NIC B's MAC (VX_NIC_MACS=%s)", macs);
	}
	vdrv_sh("sysctl -qw net.ipv6.conf.%s.disable_ipv6=1 net.ipv6.conf.%s.disable_ipv6=1",
		self->a, self->b);
	ASSERT_EQ(0, vdrv_link_up(self->a));
	ASSERT_EQ(0, vdrv_link_up(self->b));
	ASSERT_EQ(0, nic_wait_up(self->a, 10000));
	ASSERT_EQ(0, nic_wait_up(self->b, 10000));

	self->backend = vdrv_pkt_open(self->a, variant->sock_hdr, true);
	self->cap = vdrv_pkt_open(self->b, false, true);
	self->inj = vdrv_pkt_open(self->b, false, true);
	ASSERT_LE(0, self->backend);
	ASSERT_LE(0, self->cap);
	ASSERT_LE(0, self->inj);
	if (vtest_init_dev(_metadata, &self->d, &cfg))
		return;
	VTEST_BACKEND(&self->d, VDRV_TX, self->backend);
	VTEST_BACKEND(&self->d, VDRV_RX, self->backend);
	ASSERT_LT(0, vdrv_rx_fill(&self->d.vq[VDRV_RX], 2048, 1, false));
	vdrv_kick(&self->d.vq[VDRV_RX]);
	self->a_tx = nic_stat(self->a, "tx_packets");
	self->a_rx = nic_stat(self->a, "rx_packets");
	self->b_tx = nic_stat(self->b, "tx_packets");
	self->b_rx = nic_stat(self->b, "rx_packets");
	ASSERT_LE(0, self->a_tx);
	ASSERT_LE(0, self->b_rx);
	TH_LOG("NIC A %s, NIC B %s, node %s (%s)", self->a, self->b,
	       vdrv_dev_path(), vdrv_module_name());
}

FIXTURE_TEARDOWN(nic)
{
	vdrv_close(&self->d);
	if (self->backend >= 0)
		close(self->backend);
	if (self->cap >= 0)
		close(self->cap);
	if (self->inj >= 0)
		close(self->inj);
	if (self->a[0])
		vdrv_sh("ip link set %s down", self->a);
	if (self->b[0])
		vdrv_sh("ip link set %s down", self->b);
}

/* Frame @i of a run: 60..1514 bytes, the last one full size. */
static size_t frame_len(unsigned int i, unsigned int n)
{
	return i == n - 1 ? 1514 : 60 + (i * 48) % 1455;
}

/* Next test frame on @fd (other ethertypes skipped). Length or -errno. */
static ssize_t recv_test_frame(int fd, uint8_t *buf, size_t cap)
{
	ssize_t n;

	do {
		n = vdrv_pkt_recv(fd, buf, cap, 5000);
	} while (n >= 14 && vdrv_frame_proto(buf) != VDRV_ETH_P_TEST);
	return n;
}

/* Next test frame in the RX ring (other ethertypes skipped). */
static ssize_t rx_test_frame(struct vdrv_vq *vq, struct virtio_net_hdr_mrg_rxbuf *h,
			     uint8_t *buf, size_t cap)
{
	ssize_t n;

	do {
		n = vdrv_rx_frame(vq, h, buf, cap, NULL, 5000);
	} while (n >= 14 && vdrv_frame_proto(buf) != VDRV_ETH_P_TEST);
	return n;
}

/* Ring -> NIC A -> wire -> NIC B, byte for byte; nothing loops back. */
TEST_F_TIMEOUT(nic, tx, 120)
{
	const unsigned int n = 30;
	struct vdrv_vq *vq = &self->d.vq[VDRV_TX];
	uint8_t frame[1514], buf[2048];
	unsigned int i;

	if (_metadata->skip)
		return;
	for (i = 0; i < n; i++) {
		size_t len = frame_len(i, n);
		ssize_t r;

		vdrv_frame_fill(frame, len, i, self->mac_b, self->mac_a);
		ASSERT_LE(0, vdrv_tx_post(vq, zero_hdr, self->d.hdr_len, frame, len,
					  1 + i % 3, i % 4 == 3));
		vdrv_kick(vq);
		ASSERT_EQ(1, vdrv_wait_used(vq, 5000));
		ASSERT_LE(0, vdrv_used_get(vq, NULL));
		r = recv_test_frame(self->cap, buf, sizeof(buf));
		ASSERT_EQ(len, r);
		ASSERT_EQ(0, vdrv_cmp(buf, frame, len));
		ASSERT_EQ(i, vdrv_frame_seq(buf));
	}
	EXPECT_EQ(0, vq->ninflight);
	/* The backend ignores outgoing frames: none of ours in the RX ring. */
	EXPECT_EQ(0, vdrv_wait_used(&self->d.vq[VDRV_RX], 500));
	EXPECT_LE(self->a_tx + n, nic_stat(self->a, "tx_packets"));
	EXPECT_LE(self->b_rx + n, nic_stat(self->b, "rx_packets"));
	TH_LOG("NIC A tx +%lld, NIC B rx +%lld",
	       nic_stat(self->a, "tx_packets") - self->a_tx,
	       nic_stat(self->b, "rx_packets") - self->b_rx);
}

/* NIC B -> wire -> NIC A -> RX ring, byte for byte. */
TEST_F_TIMEOUT(nic, rx, 120)
{
	const unsigned int n = 30;
	struct vdrv_vq *vq = &self->d.vq[VDRV_RX];
	struct virtio_net_hdr_mrg_rxbuf h;
	uint8_t frame[1514], buf[2048];
	unsigned int i;

	if (_metadata->skip)
		return;
	for (i = 0; i < n; i++) {
		size_t len = frame_len(i, n);
		ssize_t r;

		vdrv_frame_fill(frame, len, i, self->mac_a, self->mac_b);
		ASSERT_EQ(len, send(self->inj, frame, len, 0));
		r = rx_test_frame(vq, &h, buf, sizeof(buf));
		ASSERT_EQ(len, r);
		ASSERT_EQ(0, vdrv_cmp(buf, frame, len));
		ASSERT_EQ(i, vdrv_frame_seq(buf));
		EXPECT_EQ(VIRTIO_NET_HDR_GSO_NONE, h.hdr.gso_type);
		if (variant->sock_hdr) {
			/* The socket's header: at most "checksum was checked". */
			EXPECT_EQ(0, h.hdr.flags & ~VIRTIO_NET_HDR_F_DATA_VALID);
		} else {
			EXPECT_EQ(0, h.hdr.flags);
			EXPECT_EQ(1, h.num_buffers);
		}
	}
	EXPECT_LE(self->b_tx + n, nic_stat(self->b, "tx_packets"));
	EXPECT_LE(self->a_rx + n, nic_stat(self->a, "rx_packets"));
	TH_LOG("NIC B tx +%lld, NIC A rx +%lld",
	       nic_stat(self->b, "tx_packets") - self->b_tx,
	       nic_stat(self->a, "rx_packets") - self->a_rx);
}

/*
 * Both directions at once on the one socket: a burst of TX chains and a
 * burst of frames from NIC B in flight together; every frame arrives once,
 * on its own side, intact.
 */
TEST_F_TIMEOUT(nic, both_ways, 120)
{
	const unsigned int n = 48;
	struct vdrv_vq *tx = &self->d.vq[VDRV_TX], *rx = &self->d.vq[VDRV_RX];
	struct virtio_net_hdr_mrg_rxbuf h;
	uint8_t frame[1514], buf[2048], seen_tx[48] = { 0 }, seen_rx[48] = { 0 };
	unsigned int i, got_tx = 0, got_rx = 0, dups = 0, done = 0;
	uint64_t end;

	if (_metadata->skip)
		return;
	for (i = 0; i < n; i++) {
		vdrv_frame_fill(frame, frame_len(i, n), i, self->mac_b, self->mac_a);
		ASSERT_LE(0, vdrv_tx_post(tx, zero_hdr, self->d.hdr_len, frame,
					  frame_len(i, n), 1, false));
		vdrv_kick(tx);
		vdrv_frame_fill(frame, frame_len(n - 1 - i, n), 1000 + i,
				self->mac_a, self->mac_b);
		ASSERT_EQ(frame_len(n - 1 - i, n),
			  send(self->inj, frame, frame_len(n - 1 - i, n), 0));
	}
	for (end = vdrv_now_ms() + 15000; (got_tx < n || got_rx < n) && vdrv_now_ms() < end;) {
		ssize_t r;
		uint32_t seq;

		r = vdrv_pkt_recv(self->cap, buf, sizeof(buf), 20);
		if (r >= 18 && vdrv_frame_proto(buf) == VDRV_ETH_P_TEST) {
			seq = vdrv_frame_seq(buf);
			ASSERT_LT(seq, n) {
				TH_LOG("NIC B got frame %u, not one the ring sent", seq);
			}
			vdrv_frame_fill(frame, frame_len(seq, n), seq, self->mac_b, self->mac_a);
			ASSERT_EQ(frame_len(seq, n), r);
			ASSERT_EQ(0, vdrv_cmp(buf, frame, r));
			dups += seen_tx[seq];
			got_tx += !seen_tx[seq];
			seen_tx[seq] = 1;
		}
		if (!vdrv_used_pending(rx) && !vdrv_wait_used(rx, 20))
			continue;
		r = vdrv_rx_frame(rx, &h, buf, sizeof(buf), NULL, 1000);
		ASSERT_LE(18, r);
		if (vdrv_frame_proto(buf) != VDRV_ETH_P_TEST)
			continue;
		seq = vdrv_frame_seq(buf) - 1000;
		ASSERT_LT(seq, n) {
			TH_LOG("RX ring got frame %u, not one NIC B sent", seq + 1000);
		}
		vdrv_frame_fill(frame, frame_len(n - 1 - seq, n), 1000 + seq,
				self->mac_a, self->mac_b);
		ASSERT_EQ(frame_len(n - 1 - seq, n), r);
		ASSERT_EQ(0, vdrv_cmp(buf, frame, r));
		dups += seen_rx[seq];
		got_rx += !seen_rx[seq];
		seen_rx[seq] = 1;
	}
	while (vdrv_used_pending(tx) || vdrv_wait_used(tx, 200)) {
		ASSERT_LE(0, vdrv_used_get(tx, NULL));
		done++;
	}
	EXPECT_EQ(n, got_tx);
	EXPECT_EQ(n, got_rx);
	EXPECT_EQ(0, dups);
	EXPECT_EQ(n, done);
	EXPECT_EQ(0, tx->ninflight);
	EXPECT_LE(self->a_tx + n, nic_stat(self->a, "tx_packets"));
	EXPECT_LE(self->a_rx + n, nic_stat(self->a, "rx_packets"));
	EXPECT_LE(self->b_tx + n, nic_stat(self->b, "tx_packets"));
	EXPECT_LE(self->b_rx + n, nic_stat(self->b, "rx_packets"));
}

TEST_HARNESS_MAIN
