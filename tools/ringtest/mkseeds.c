// SPDX-License-Identifier: GPL-2.0-only
/*
 * Writes the hand-made seed inputs of the ring fuzzer (format in
 * fuzz_format.h) into the directory given as argument: well-formed traffic
 * plus one seed per hostile case the ring core must reject.
 */
#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/virtio_ring.h>
#include "fuzz_format.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

/* Layout used by every seed (num up to 64). */
#define DESC	0x000
#define AVAIL	0x400
#define USED	0x500
#define R0_GPA	0x10000u	/* 1 KiB at image 0x800 */
#define R0_OFF	0x800
#define R1_GPA	0x10400u	/* adjacent in gpa, at image 0x1000 */
#define R1_OFF	0x1000
#define R2_GPA	0x20000u	/* 2 KiB at image 0x1800, up to the end */
#define R2_OFF	0x1800
#define RSIZE01	0x400
#define RSIZE2	0x800

struct seed {
	unsigned int log2;
	u8 feat;
	u16 base;
	u8 ops[4096];
	size_t nops;
	u8 img[FZ_IMG_SIZE];
	unsigned int nextra;	/* regions after the standard three */
	struct { u32 gpa; u16 size; u16 off; } extra[3];
};

static struct seed s;

static void reset(unsigned int log2, u8 feat, u16 base)
{
	memset(&s, 0, sizeof(s));
	s.log2 = log2;
	s.feat = feat;
	s.base = base;
	/* avail->idx and used->idx start at base, like a live ring */
	s.img[AVAIL + 2] = base & 0xff;
	s.img[AVAIL + 3] = base >> 8;
	s.img[USED + 2] = base & 0xff;
	s.img[USED + 3] = base >> 8;
}

static void op8(u8 v)
{
	s.ops[s.nops++] = v;
}

static void op16(u16 v)
{
	op8(v & 0xff);
	op8(v >> 8);
}

static void op32(u32 v)
{
	op16(v & 0xffff);
	op16(v >> 16);
}

static void *gpa_ptr(u64 gpa)
{
	if (gpa >= R0_GPA && gpa < R0_GPA + RSIZE01)
		return s.img + R0_OFF + (gpa - R0_GPA);
	if (gpa >= R1_GPA && gpa < R1_GPA + RSIZE01)
		return s.img + R1_OFF + (gpa - R1_GPA);
	if (gpa >= R2_GPA && gpa < R2_GPA + RSIZE2)
		return s.img + R2_OFF + (gpa - R2_GPA);
	abort();
}

static void put_desc(u8 *p, u64 addr, u32 len, u16 flags, u16 next)
{
	struct vring_desc d = {
		htole64(addr), htole32(len), htole16(flags), htole16(next)
	};

	memcpy(p, &d, sizeof(d));
}

static void desc(unsigned int i, u64 addr, u32 len, u16 flags, u16 next)
{
	put_desc(s.img + DESC + 16 * i, addr, len, flags, next);
}

/* Indirect entry at table gpa (byte-wise: may straddle R0/R1). */
static void idesc(u64 table, unsigned int i, u64 addr, u32 len, u16 flags, u16 next)
{
	u8 b[16];
	unsigned int k;

	put_desc(b, addr, len, flags, next);
	for (k = 0; k < 16; k++)
		*(u8 *)gpa_ptr(table + 16 * i + k) = b[k];
}

/* Make @head available in the initial image (slot = avail idx). */
static void avail(u16 head)
{
	u16 idx = s.img[AVAIL + 2] | s.img[AVAIL + 3] << 8;
	unsigned int slot = idx & ((1u << s.log2) - 1);

	s.img[AVAIL + 4 + 2 * slot] = head & 0xff;
	s.img[AVAIL + 4 + 2 * slot + 1] = head >> 8;
	idx++;
	s.img[AVAIL + 2] = idx & 0xff;
	s.img[AVAIL + 3] = idx >> 8;
}

static void write_one(const char *dir, const char *name)
{
	char path[4096];
	size_t tail = FZ_IMG_SIZE;
	FILE *f;
	u8 h[128];
	size_t n = 0;

	while (tail && !s.img[tail - 1])
		tail--;
	h[n++] = s.log2;
	h[n++] = s.feat;
	h[n++] = s.base & 0xff;
	h[n++] = s.base >> 8;
	h[n++] = DESC & 0xff;
	h[n++] = DESC >> 8;
	h[n++] = AVAIL & 0xff;
	h[n++] = AVAIL >> 8;
	h[n++] = USED & 0xff;
	h[n++] = USED >> 8;
	h[n++] = 3 + s.nextra;
	/* regions, deliberately out of order */
	h[n++] = 0; memcpy(h + n, &(u32){ htole32(R2_GPA) }, 4); n += 4;
	h[n++] = RSIZE2 & 0xff; h[n++] = RSIZE2 >> 8; h[n++] = R2_OFF & 0xff; h[n++] = R2_OFF >> 8;
	h[n++] = 0; memcpy(h + n, &(u32){ htole32(R0_GPA) }, 4); n += 4;
	h[n++] = RSIZE01 & 0xff; h[n++] = RSIZE01 >> 8; h[n++] = R0_OFF & 0xff; h[n++] = R0_OFF >> 8;
	h[n++] = 0; memcpy(h + n, &(u32){ htole32(R1_GPA) }, 4); n += 4;
	h[n++] = RSIZE01 & 0xff; h[n++] = RSIZE01 >> 8; h[n++] = R1_OFF & 0xff; h[n++] = R1_OFF >> 8;
	for (unsigned int k = 0; k < s.nextra; k++) {
		h[n++] = 0; memcpy(h + n, &(u32){ htole32(s.extra[k].gpa) }, 4); n += 4;
		h[n++] = s.extra[k].size & 0xff; h[n++] = s.extra[k].size >> 8;
		h[n++] = s.extra[k].off & 0xff; h[n++] = s.extra[k].off >> 8;
	}
	h[n++] = s.nops & 0xff;
	h[n++] = s.nops >> 8;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		exit(1);
	}
	fwrite(h, 1, n, f);
	fwrite(s.ops, 1, s.nops, f);
	fwrite(s.img, 1, tail, f);
	fclose(f);
}

/* Each seed twice: user memory, and through an accessor (feature bit 4). */
static void write_seed(const char *dir, const char *name)
{
	char acc[256];

	write_one(dir, name);
	s.feat |= 16;
	snprintf(acc, sizeof(acc), "acc-%s", name);
	write_one(dir, acc);
	s.feat &= ~16;
}

#define F_EVENT 1
#define F_INDIRECT 2
#define F_EMPTY 4

static void get(void) { op8(FZ_OP_GET_CHAIN); op8(FZ_IOV_MAX); }
static void used1(void) { op8(FZ_OP_ADD_USED); op8(1); op8(0); op32(100); }
static void drain(void) { op8(FZ_OP_DRAIN); }

/* PUBLISH op: n descriptors, each (region, off, len). */
static void publish(unsigned int n, u8 wmask, const u16 (*d)[3])
{
	unsigned int k;

	op8(FZ_OP_PUBLISH);
	op8(n - 1);
	op8(wmask);
	for (k = 0; k < n; k++) {
		op8(d[k][0]);
		op16(d[k][1]);
		op16(d[k][2]);
	}
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "corpus";
	static const u16 three[3][3] = { { 0, 0x10, 64 }, { 2, 0x100, 32 }, { 1, 0x20, 500 } };
	static const u16 span[2][3] = { { 0, 0x3f0, 0x20 }, { 0, 0x3f8, 0x10 } };
	unsigned int i;

	/* well-formed traffic */
	reset(3, 0, 0);
	desc(0, R0_GPA + 0x10, 64, 0, 0);
	avail(0);
	get(); used1(); op8(FZ_OP_NEED_SIGNAL); get();
	write_seed(dir, "ok-simple");

	reset(3, F_EVENT, 0);
	for (i = 0; i < 4; i++)
		publish(3, 4, three);
	drain(); op8(FZ_OP_NEED_SIGNAL); op8(FZ_OP_ENABLE_NOTIFY);
	publish(2, 2, span); op8(FZ_OP_ENABLE_NOTIFY); get(); op8(FZ_OP_DISABLE_NOTIFY);
	drain(); op8(FZ_OP_NEED_SIGNAL); op8(FZ_OP_AVAIL_EMPTY);
	op8(FZ_OP_AVAIL_MOVED); op8(1); op16(0);
	publish(3, 4, three);
	op8(FZ_OP_AVAIL_MOVED); op8(1); op16(0);
	op8(FZ_OP_AVAIL_MOVED); op8(0); op16(7);
	write_seed(dir, "ok-event-idx");

	reset(2, F_EVENT | F_INDIRECT, 65533);
	for (i = 0; i < 12; i++) {
		publish(1, 0, three);
		publish(3, 6, three);
		drain();
		op8(FZ_OP_NEED_SIGNAL);
		op8(FZ_OP_ENABLE_NOTIFY);
	}
	write_seed(dir, "ok-wrap-65535");

	reset(3, F_EMPTY, 0);
	publish(3, 4, three); publish(3, 4, three);
	get(); get(); op8(FZ_OP_UNGET); op8(1); get();
	op8(FZ_OP_ADD_USED); op8(2); op8(1); op32(1); op32(2);
	op8(FZ_OP_NEED_SIGNAL); op8(FZ_OP_DISABLE_NOTIFY); op8(FZ_OP_ENABLE_NOTIFY);
	op8(FZ_OP_ADD_USED_TOO_MANY); op8(FZ_OP_RESTART); get();
	write_seed(dir, "ok-unget-notify");

	reset(4, F_INDIRECT, 0);
	idesc(R0_GPA + 0x100, 0, R2_GPA, 10, VRING_DESC_F_NEXT, 1);
	idesc(R0_GPA + 0x100, 1, R2_GPA + 0x10, 20, VRING_DESC_F_NEXT, 2);
	idesc(R0_GPA + 0x100, 2, R1_GPA, 30, VRING_DESC_F_WRITE, 0);
	desc(0, R0_GPA + 0x100, 48, VRING_DESC_F_INDIRECT, 0);
	avail(0);
	/* direct then indirect, the table straddling R0/R1 */
	desc(1, R2_GPA + 0x40, 8, VRING_DESC_F_NEXT, 2);
	desc(2, R1_GPA - 24, 48, VRING_DESC_F_INDIRECT, 0);
	idesc(R1_GPA - 24, 0, R2_GPA + 0x80, 1, VRING_DESC_F_NEXT, 1);
	idesc(R1_GPA - 24, 1, R2_GPA + 0x90, 2, VRING_DESC_F_NEXT, 2);
	idesc(R1_GPA - 24, 2, R2_GPA + 0xa0, 3, VRING_DESC_F_WRITE, 0);
	avail(1);
	get(); get(); drain();
	op8(FZ_OP_PUBLISH_INDIRECT); op8(2); op8(4); op8(2); op16(0x200);
	for (i = 0; i < 3; i++) {
		op8(i % 3); op16(0x40 * i); op16(100);
	}
	get(); used1();
	write_seed(dir, "ok-indirect");

	reset(3, 0, 0);
	op8(FZ_OP_TRANSLATE); op8(0); op16(0x3f0); op8(0); op16(0x20); op8(2);
	op8(FZ_OP_TRANSLATE); op8(0); op16(0x3f0); op8(0); op16(0x20); op8(1);
	op8(FZ_OP_TRANSLATE); op8(2); op16(0x7f0); op8(0); op16(0x20); op8(4);
	op8(FZ_OP_TRANSLATE); op8(1); op16(0); op8(1); op32(0xffffffff); op16(0xffff); op8(4);
	write_seed(dir, "ok-translate");

	/* hostile: one error each */
	reset(3, 0, 0);
	desc(0, R0_GPA, 4, VRING_DESC_F_NEXT, 0);
	avail(0);
	get();
	write_seed(dir, "bad-self-loop");

	reset(3, 0, 0);
	for (i = 0; i < 8; i++)
		desc(i, R0_GPA + i, 1, VRING_DESC_F_NEXT, (i + 1) % 8);
	avail(3);
	get();
	write_seed(dir, "bad-ring-loop");

	reset(3, 0, 0);
	avail(8);
	get();
	write_seed(dir, "bad-head-range");

	reset(3, 0, 0);
	desc(0, R0_GPA, 4, VRING_DESC_F_NEXT, 9);
	avail(0);
	get();
	write_seed(dir, "bad-next-range");

	reset(3, 0, 0);
	op8(FZ_OP_SET_AVAIL_IDX); op16(9);
	get();
	write_seed(dir, "bad-avail-jump");

	reset(3, 0, 0);
	desc(0, R0_GPA, 4, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	desc(1, R0_GPA, 4, 0, 0);
	avail(0);
	get();
	write_seed(dir, "bad-read-after-write");

	reset(3, 0, 0);
	desc(0, R2_GPA + RSIZE2 - 4, 8, 0, 0);
	avail(0);
	desc(1, ~0ull - 2, 8, 0, 0);
	avail(1);
	get();
	op8(FZ_OP_POKE); op16(AVAIL + 4); op8(1); op16(1);
	op8(FZ_OP_RESTART); get();
	write_seed(dir, "bad-outside-memory");

	reset(3, F_INDIRECT, 0);
	idesc(R0_GPA, 0, R0_GPA + 0x100, 4, VRING_DESC_F_NEXT, 1);
	idesc(R0_GPA, 1, R0_GPA + 0x200, 16, VRING_DESC_F_INDIRECT, 0);
	desc(0, R0_GPA, 32, VRING_DESC_F_INDIRECT, 0);
	avail(0);
	get();
	write_seed(dir, "bad-nested-indirect");

	reset(3, F_INDIRECT, 0);
	idesc(R0_GPA, 0, R0_GPA + 0x100, 4, VRING_DESC_F_NEXT, 1);
	idesc(R0_GPA, 1, R0_GPA + 0x100, 4, VRING_DESC_F_NEXT, 0);
	desc(0, R0_GPA, 32, VRING_DESC_F_INDIRECT, 0);
	avail(0);
	get();
	write_seed(dir, "bad-indirect-loop");

	reset(3, F_INDIRECT, 0);
	desc(0, R0_GPA, 24, VRING_DESC_F_INDIRECT, 0);
	avail(0);
	desc(1, R0_GPA, 0, VRING_DESC_F_INDIRECT, 0);
	avail(1);
	desc(2, R0_GPA, 16 * 1025, VRING_DESC_F_INDIRECT, 0);
	avail(2);
	desc(3, R0_GPA, 16, VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 0);
	avail(3);
	for (i = 0; i < 4; i++) {
		get();
		op8(FZ_OP_RESTART);
		op8(FZ_OP_POKE); op16(AVAIL + 4); op8(1); op16(i + 1);
	}
	write_seed(dir, "bad-indirect-len");

	reset(3, 0, 0);
	publish(3, 4, three);
	op8(FZ_OP_FAULT); op16(DESC); op8(16);
	get();
	op8(FZ_OP_FAULT); op16(0); op8(0);
	op8(FZ_OP_RESTART);
	op8(FZ_OP_FAULT); op16(USED); op8(8);
	get(); used1(); op8(FZ_OP_ENABLE_NOTIFY);
	write_seed(dir, "bad-faults");

	/* table over R0, R1, then the hole: refused although entry 65 is the only one outside */
	reset(3, F_INDIRECT, 0);
	idesc(R1_GPA - 16, 0, R2_GPA, 4, VRING_DESC_F_NEXT, 65);
	desc(0, R1_GPA - 16, 16 * 66, VRING_DESC_F_INDIRECT, 0);
	avail(0);
	get();
	write_seed(dir, "bad-indirect-into-hole");

	/*
	 * Three 16-byte regions right after R1: a table from the end of R0
	 * over R1 into them crosses 4 regions (fine, read piecewise) or 5
	 * (refused).
	 */
	for (i = 0; i < 2; i++) {
		unsigned int k;

		reset(3, F_INDIRECT, 0);
		s.nextra = 3;
		for (k = 0; k < 3; k++) {
			s.extra[k].gpa = R1_GPA + RSIZE01 + 16 * k;
			s.extra[k].size = 16;
			s.extra[k].off = 0x700 + 0x20 * k;
		}
		idesc(R1_GPA - 16, 0, R2_GPA, 4, 0, 0);
		desc(0, R1_GPA - 16, 16 + RSIZE01 + 32 + 16 * i, VRING_DESC_F_INDIRECT, 0);
		avail(0);
		get();
		write_seed(dir, i ? "bad-indirect-5-regions" : "ok-indirect-4-regions");
	}

	/* a used batch wrapping the ring end, second half unwritable */
	reset(3, 0, 7);
	publish(1, 0, three);
	publish(1, 0, three);
	get(); get();
	op8(FZ_OP_FAULT); op16(USED + 4); op8(8);
	op8(FZ_OP_ADD_USED); op8(2); op8(0); op32(1); op32(2);
	write_seed(dir, "bad-used-wrap-fault");

	reset(3, F_EVENT, 0);
	op8(FZ_OP_POKE); op16(USED + 2); op8(1); op16(100);
	op8(FZ_OP_RESTART);
	write_seed(dir, "bad-used-idx");
	return 0;
}
