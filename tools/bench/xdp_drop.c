// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_drop: attach (or detach) a two-instruction XDP program that drops every
 * frame, in native mode, to a network device. Used by tools/bench on the tap
 * so that TX numbers measure the vhost worker and the tap, not the host stack.
 * No libbpf and no BPF compiler needed: the program is built in place.
 *
 * usage: xdp_drop attach IFNAME | xdp_drop detach IFNAME
 */
#include <errno.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int prog_load(void)
{
	struct bpf_insn insns[2] = {
		/* r0 = XDP_DROP */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_DROP },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	static char log[4096];
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_XDP;
	attr.insns = (unsigned long)insns;
	attr.insn_cnt = 2;
	attr.license = (unsigned long)"GPL";
	attr.log_buf = (unsigned long)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	fd = syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd < 0)
		fprintf(stderr, "xdp_drop: BPF_PROG_LOAD: %s\n%s", strerror(errno), log);
	return fd;
}

struct req {
	struct nlmsghdr nh;
	struct ifinfomsg ifi;
	char attrs[64];
};

static void put_attr(struct req *r, unsigned short type, const void *data, int len)
{
	struct rtattr *rta = (struct rtattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

static int set_xdp(int ifindex, int fd)
{
	char buf[4096];
	struct req r;
	struct rtattr *nest;
	struct nlmsghdr *nh;
	__u32 flags = XDP_FLAGS_DRV_MODE;
	int s, n;

	memset(&r, 0, sizeof(r));
	r.nh.nlmsg_len = NLMSG_LENGTH(sizeof(r.ifi));
	r.nh.nlmsg_type = RTM_SETLINK;
	r.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	r.ifi.ifi_family = AF_UNSPEC;
	r.ifi.ifi_index = ifindex;
	nest = (struct rtattr *)((char *)&r + NLMSG_ALIGN(r.nh.nlmsg_len));
	put_attr(&r, IFLA_XDP | NLA_F_NESTED, NULL, 0);
	put_attr(&r, IFLA_XDP_FD, &fd, sizeof(fd));
	if (fd >= 0)
		put_attr(&r, IFLA_XDP_FLAGS, &flags, sizeof(flags));
	nest->rta_len = (char *)&r + r.nh.nlmsg_len - (char *)nest;

	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s < 0 || send(s, &r, r.nh.nlmsg_len, 0) < 0) {
		perror("xdp_drop: netlink");
		return -1;
	}
	n = recv(s, buf, sizeof(buf), 0);
	close(s);
	nh = (struct nlmsghdr *)buf;
	if (n < (int)NLMSG_LENGTH(sizeof(struct nlmsgerr)) || nh->nlmsg_type != NLMSG_ERROR) {
		fprintf(stderr, "xdp_drop: unexpected netlink answer\n");
		return -1;
	}
	n = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
	if (n) {
		fprintf(stderr, "xdp_drop: RTM_SETLINK: %s\n", strerror(-n));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ifindex, fd = -1;

	if (argc != 3 || (strcmp(argv[1], "attach") && strcmp(argv[1], "detach"))) {
		fprintf(stderr, "usage: xdp_drop attach|detach IFNAME\n");
		return 2;
	}
	ifindex = if_nametoindex(argv[2]);
	if (!ifindex) {
		fprintf(stderr, "xdp_drop: no device %s\n", argv[2]);
		return 1;
	}
	if (!strcmp(argv[1], "attach")) {
		fd = prog_load();
		if (fd < 0)
			return 1;
	}
	return set_xdp(ifindex, fd) ? 1 : 0;
}
