/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netutil: the host-side network helpers the selftests share: network
 * namespaces, links, tap and macvtap devices, AF_PACKET sockets, and the
 * /proc scan for vhost worker threads.
 *
 * Built into an area's programs through its Makefile:
 *   EXTRA_SRCS += ../lib/netutil.c
 *   EXTRA_HDRS += ../lib/netutil.h
 *
 * Every function returns a value >= 0 or -errno unless it says otherwise.
 */
#ifndef NETUTIL_H
#define NETUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Enter a fresh network namespace with IPv6 off (no stray frames), lo up. */
int nu_netns_new(void);
/* Run a shell command built from printf arguments; its exit status. */
int nu_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Create or attach to the tun/tap device @name with the TUNSETIFF @flags
 * (IFF_TAP or IFF_TUN, IFF_NO_PI, IFF_MULTI_QUEUE...), plus IFF_VNET_HDR and
 * TUNSETVNETHDRSZ when @hdr_sz > 0. Loads tun if /dev/net/tun is missing.
 * The link is left as it was (down when new). Returns the fd.
 */
int nu_tun_open(const char *name, int flags, int hdr_sz);
/*
 * Open the character device of macvtap @name (making a node in /tmp when
 * there is no /dev/tapN), with TUNSETVNETHDRSZ when @hdr_sz > 0.
 */
int nu_macvtap_open(const char *name, int hdr_sz);

int nu_link_up(const char *name);
int nu_link_mtu(const char *name, int mtu);
/* The interface index of @name. */
int nu_ifindex(const char *name);
int nu_link_mac(const char *name, uint8_t mac[6]);

/*
 * AF_PACKET SOCK_RAW socket bound to @ifname (all protocols), with a large
 * buffer; @vnet_hdr sets PACKET_VNET_HDR, @no_outgoing PACKET_IGNORE_OUTGOING.
 */
int nu_pkt_open(const char *ifname, bool vnet_hdr, bool no_outgoing);
/* Receive one frame, waiting up to @timeout_ms. Length, -ETIMEDOUT or -errno. */
ssize_t nu_pkt_recv(int fd, void *buf, size_t cap, int timeout_ms);

typedef int (*nu_task_fn)(const char *tid, const char *comm, void *arg);
/*
 * Call @fn for every task in /proc with its tid (as a string) and comm,
 * until @fn returns non-zero; returns that, 0, or -1 when /proc cannot be
 * read.
 */
int nu_walk_tasks(nu_task_fn fn, void *arg);
/*
 * Threads whose comm is "<@prefix><@pid>" (vhost worker names), or, for
 * @pid 0, whose comm starts with @prefix. -1 when /proc cannot be read.
 */
int nu_count_comm(const char *prefix, pid_t pid);
/*
 * Set parameter @name of module @mod (/sys/module/<mod>/parameters/<name>)
 * to @value until this process exits (not a child of it), when the old
 * value is put back.
 * One parameter per process. 0, or -errno (-ENOENT: no such module or
 * parameter).
 */
int nu_module_param_set(const char *mod, const char *name, const char *value);

#endif /* NETUTIL_H */
