// SPDX-License-Identifier: GPL-2.0-only
/*
 * vxprof: a QEMU TCG plugin that counts the guest kernel instructions
 * executed between two markers, per instruction address, exactly.
 *
 Every translation block whose address is in the kernel half of the
 * address space gets a counter of its own that each execution adds one
 * to. Two ways, both exact:
 *   mode=inline (default): an add inlined in the translated code. QEMU
 *     7.2's inline adds are not atomic, so this is exact only when one
 *     host thread runs all vCPUs: -accel tcg,thread=single (what
 *     tools/profile/run does).
 *   mode=cb: a callback that adds to a slot per vCPU (a vCPU thread only
 *     writes its own), exact with thread=multi too, but several times
 *     slower.
 * An instruction executed N times is the block it sits in executed N
 * times, so per-instruction counts come from the block counts when a
 * window is written out.
 *
 * The guest marks a window by executing two instructions that change
 * nothing (tools/profile/vxmark.c):
 *   xchg %bx,%bx (66 87 db)  start: remember every block's count so far
 *   xchg %cx,%cx (66 87 c9)  stop: write what ran since the start
 * Window N goes to <out>/prof-NNN.txt: a header, then one line per
 * instruction address that ran, "<address hex> <count> [S]", S marking a
 * stac (the start of a user-access section). tools/profile/report maps
 * addresses to functions with the guest's /proc/kallsyms.
 *
 * Arguments: -plugin vxprof.so,out=DIR[,mode=inline|cb]
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_plugin_api.h"

VXPROF_EXPORT int qemu_plugin_version = VXPROF_QEMU_PLUGIN_VERSION;

/* The x86-64 kernel half: kernel text, modules, BPF. */
#define KERNEL_BASE	0xffff800000000000ULL

enum { MARK_START = 1, MARK_STOP = 2 };

/* One translated kernel block; never freed (QEMU may run it until exit). */
struct block {
	struct block *next;
	uint64_t base;		/* sum of counts at the last start mark */
	unsigned int n;		/* instructions */
	uint64_t *pc;		/* their addresses */
	unsigned char *stac;	/* 1 where the instruction is a stac */
	uint64_t count[];	/* executions, one slot per vCPU */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* blocks, windows */
static struct block *blocks;	/* under lock */
static unsigned int nvcpus;
static unsigned int window;	/* windows written, under lock */
static int started;		/* a start mark was seen, under lock */
static char outdir[4096] = ".";
static int use_cb;		/* mode=cb */

static uint64_t block_sum(const struct block *b)
{
	uint64_t s = 0;
	unsigned int v;

	for (v = 0; v < nvcpus; v++)
		s += __atomic_load_n(&b->count[v], __ATOMIC_RELAXED);
	return s;
}

static void block_exec(unsigned int vcpu, void *udata)
{
	struct block *b = udata;

	if (vcpu < nvcpus)
		b->count[vcpu]++;
}

/* Per-address totals of one window: open addressing on the address. */
struct slot {
	uint64_t pc;
	uint64_t n;
	int stac;
};

static struct slot *table;
static size_t table_size;
static size_t table_used;

static int table_grow(void)
{
	size_t i, j, size = table_size ? table_size * 2 : 1 << 16;
	struct slot *t = calloc(size, sizeof(*t));

	if (!t)
		return -1;
	for (i = 0; i < table_size; i++) {
		if (!table[i].pc)
			continue;
		for (j = (table[i].pc * 0x9e3779b97f4a7c15ULL >> 40) & (size - 1); t[j].pc; j = (j + 1) & (size - 1))
			;
		t[j] = table[i];
	}
	free(table);
	table = t;
	table_size = size;
	return 0;
}

static int table_add(uint64_t pc, uint64_t n, int stac)
{
	size_t j;

	if (table_used * 2 >= table_size && table_grow())
		return -1;
	for (j = (pc * 0x9e3779b97f4a7c15ULL >> 40) & (table_size - 1); table[j].pc && table[j].pc != pc;
	     j = (j + 1) & (table_size - 1))
		;
	if (!table[j].pc) {
		table[j].pc = pc;
		table_used++;
	}
	table[j].n += n;
	table[j].stac = stac;
	return 0;
}

static void mark_start(void)
{
	struct block *b;

	pthread_mutex_lock(&lock);
	for (b = blocks; b; b = b->next)
		b->base = block_sum(b);
	started = 1;
	pthread_mutex_unlock(&lock);
}

static void mark_stop(void)
{
	uint64_t total = 0, d;
	struct block *b;
	char path[4200];
	unsigned int i;
	size_t k;
	FILE *f;

	pthread_mutex_lock(&lock);
	if (!started) {
		qemu_plugin_outs("vxprof: stop mark without a start mark, ignored\n");
		goto out;
	}
	started = 0;
	table_used = 0;
	if (table)
		memset(table, 0, table_size * sizeof(*table));
	for (b = blocks; b; b = b->next) {
		d = block_sum(b) - b->base;
		if (!d)
			continue;
		for (i = 0; i < b->n; i++) {
			if (table_add(b->pc[i], d, b->stac[i]))
				goto out;
			total += d;
		}
	}
	snprintf(path, sizeof(path), "%s/prof-%03u.txt", outdir, window);
	f = fopen(path, "w");
	if (!f) {
		qemu_plugin_outs("vxprof: cannot write a window file\n");
		goto out;
	}
	fprintf(f, "# vxprof window %u: kernel instructions %" PRIu64 "\n", window, total);
	for (k = 0; k < table_size; k++)
		if (table[k].pc)
			fprintf(f, "%" PRIx64 " %" PRIu64 "%s\n", table[k].pc,
				table[k].n, table[k].stac ? " S" : "");
	fclose(f);
	window++;
out:
	pthread_mutex_unlock(&lock);
}

static void mark_exec(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	if ((uintptr_t)udata == MARK_START)
		mark_start();
	else
		mark_stop();
}

static int insn_is(const struct qemu_plugin_insn *insn, const unsigned char *bytes,
		   size_t len)
{
	return qemu_plugin_insn_size(insn) == len &&
	       !memcmp(qemu_plugin_insn_data(insn), bytes, len);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	static const unsigned char start[] = { 0x66, 0x87, 0xdb };
	static const unsigned char stop[] = { 0x66, 0x87, 0xc9 };
	static const unsigned char stac[] = { 0x0f, 0x01, 0xcb };
	size_t i, n = qemu_plugin_tb_n_insns(tb);
	struct qemu_plugin_insn *insn;
	struct block *b;

	(void)id;
	if (qemu_plugin_tb_vaddr(tb) < KERNEL_BASE) {
		/* User space: only the markers (vxmark) matter there. */
		for (i = 0; i < n; i++) {
			insn = qemu_plugin_tb_get_insn(tb, i);
			if (insn_is(insn, start, sizeof(start)))
				qemu_plugin_register_vcpu_insn_exec_cb(insn, mark_exec,
					QEMU_PLUGIN_CB_NO_REGS, (void *)(uintptr_t)MARK_START);
			else if (insn_is(insn, stop, sizeof(stop)))
				qemu_plugin_register_vcpu_insn_exec_cb(insn, mark_exec,
					QEMU_PLUGIN_CB_NO_REGS, (void *)(uintptr_t)MARK_STOP);
		}
		return;
	}
	b = calloc(1, sizeof(*b) + nvcpus * sizeof(b->count[0]));
	if (!b)
		return;
	b->pc = calloc(n ? n : 1, sizeof(*b->pc));
	b->stac = calloc(n ? n : 1, 1);
	if (!b->pc || !b->stac) {
		free(b->pc);
		free(b->stac);
		free(b);
		return;
	}
	b->n = n;
	for (i = 0; i < n; i++) {
		insn = qemu_plugin_tb_get_insn(tb, i);
		b->pc[i] = qemu_plugin_insn_vaddr(insn);
		b->stac[i] = insn_is(insn, stac, sizeof(stac));
	}
	pthread_mutex_lock(&lock);
	b->next = blocks;
	blocks = b;
	pthread_mutex_unlock(&lock);
	if (use_cb)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, block_exec, QEMU_PLUGIN_CB_NO_REGS, b);
	else
		qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
							 &b->count[0], 1);
}

VXPROF_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
				      int argc, char **argv)
{
	int i;

	if (!info->system_emulation) {
		qemu_plugin_outs("vxprof: system emulation only\n");
		return -1;
	}
	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4) && strlen(argv[i] + 4) < sizeof(outdir)) {
			strcpy(outdir, argv[i] + 4);
		} else if (!strcmp(argv[i], "mode=cb")) {
			use_cb = 1;
		} else if (!strcmp(argv[i], "mode=inline")) {
			use_cb = 0;
		} else {
			qemu_plugin_outs("vxprof: unknown argument (out=DIR, mode=inline|cb)\n");
			return -1;
		}
	}
	nvcpus = info->system.max_vcpus > 0 ? info->system.max_vcpus : 1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	return 0;
}
