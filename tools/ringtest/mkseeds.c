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
	u16 base_hi;	/* packed: the high half of the vring base */
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
	if (s.feat & FZ_F_PACKED) {
		h[n++] = s.base_hi & 0xff;
		h[n++] = s.base_hi >> 8;
	}
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

/*
 * Packed layout (feature bit 5): the descriptor ring at DESC (16 bytes
 * each), the driver event area at AVAIL, the device event area at USED.
 * The size byte is num - 1.
 */
static void preset(unsigned int num, u8 feat, u32 base)
{
	reset(0, feat | FZ_F_PACKED, 0);
	memset(s.img + AVAIL, 0, 8);
	memset(s.img + USED, 0, 8);
	s.log2 = num - 1;
	s.base = base & 0xffff;
	s.base_hi = base >> 16;
}

static u16 pavail(int w)
{
	return w ? 1u << VRING_PACKED_DESC_F_AVAIL : 1u << VRING_PACKED_DESC_F_USED;
}

static void pdesc_img(unsigned int pos, u64 addr, u32 len, u16 id, u16 flags)
{
	struct vring_packed_desc d = { htole64(addr), htole32(len), htole16(id), htole16(flags) };

	memcpy(s.img + DESC + 16 * pos, &d, sizeof(d));
}

/* Packed indirect entry at table gpa (byte-wise: may straddle R0/R1). */
static void pidesc(u64 table, unsigned int i, u64 addr, u32 len, u16 flags)
{
	struct vring_packed_desc d = { htole64(addr), htole32(len), htole16(0xffff),
				       htole16(flags) };
	u8 *b = (u8 *)&d;
	unsigned int k;

	for (k = 0; k < 16; k++)
		*(u8 *)gpa_ptr(table + 16 * i + k) = b[k];
}

/* Packed PUBLISH: n descriptors with buffer id byte @id. */
static void ppublish(unsigned int n, u8 wmask, u8 id, const u16 (*d)[3])
{
	unsigned int k;

	op8(FZ_OP_PUBLISH);
	op8(n - 1);
	op8(wmask);
	op8(id);
	for (k = 0; k < n; k++) {
		op8(d[k][0]);
		op16(d[k][1]);
		op16(d[k][2]);
	}
}

static void prestart(u8 how, u32 base)
{
	op8(FZ_OP_RESTART);
	op8(how);
	if ((how & 3) == 1)
		op32(base);
}

static void packed_seeds(const char *dir)
{
	static const u16 three[3][3] = { { 0, 0x10, 64 }, { 2, 0x100, 32 }, { 1, 0x20, 500 } };
	static const u16 one[1][3] = { { 0, 0x40, 8 } };
	unsigned int i;

	/* well-formed traffic */
	preset(8, 0, 0x80008000u);
	pdesc_img(0, R0_GPA + 0x10, 64, 0, pavail(1));
	get(); used1(); op8(FZ_OP_NEED_SIGNAL); get();
	ppublish(3, 4, 5, three);
	get(); used1(); op8(FZ_OP_AVAIL_EMPTY);
	write_seed(dir, "p-ok-simple");

	preset(8, F_EVENT, 0x80008000u);
	for (i = 0; i < 2; i++)
		ppublish(3, 4, i, three);
	drain(); op8(FZ_OP_NEED_SIGNAL); op8(FZ_OP_ENABLE_NOTIFY);
	/* the driver asks for an event at (3, wrap 1), DESC */
	op8(FZ_OP_POKE); op16(AVAIL); op8(3); op8(3); op8(0x80); op8(2); op8(0);
	ppublish(1, 0, 2, three); get(); used1(); op8(FZ_OP_NEED_SIGNAL);
	ppublish(1, 0, 3, three); get(); used1(); op8(FZ_OP_NEED_SIGNAL);
	op8(FZ_OP_DISABLE_NOTIFY); op8(FZ_OP_ENABLE_NOTIFY);
	op8(FZ_OP_AVAIL_MOVED); op8(1); op16(0);
	ppublish(3, 4, 4, three);
	op8(FZ_OP_AVAIL_MOVED); op8(1); op16(0);
	op8(FZ_OP_AVAIL_MOVED); op8(0); op16(0x8007);
	drain(); op8(FZ_OP_NEED_SIGNAL);
	write_seed(dir, "p-ok-event-idx");

	/* five descriptors (not a power of two), from position 3, many laps */
	preset(5, F_EVENT | F_INDIRECT, 0x80038003u);
	for (i = 0; i < 12; i++) {
		ppublish(1, 0, i, three);
		ppublish(3, 6, i + 1, three);
		drain();
		op8(FZ_OP_NEED_SIGNAL);
		op8(FZ_OP_ENABLE_NOTIFY);
	}
	write_seed(dir, "p-ok-wrap");

	preset(8, F_EMPTY, 0x80008000u);
	ppublish(3, 4, 1, three); ppublish(3, 4, 2, three);
	get(); get(); op8(FZ_OP_UNGET); op8(1); get();
	op8(FZ_OP_ADD_USED); op8(2); op8(1); op32(1); op32(2);
	op8(FZ_OP_NEED_SIGNAL); op8(FZ_OP_DISABLE_NOTIFY); op8(FZ_OP_ENABLE_NOTIFY);
	op8(FZ_OP_ADD_USED_TOO_MANY); prestart(0, 0); get();
	ppublish(1, 0, 3, one); get(); op8(FZ_OP_UNGET); op8(1);
	prestart(3, 0); get(); used1();
	write_seed(dir, "p-ok-unget-notify");

	preset(4, F_INDIRECT, 0x80008000u);
	pidesc(R0_GPA + 0x100, 0, R2_GPA, 10, VRING_DESC_F_NEXT);
	pidesc(R0_GPA + 0x100, 1, R2_GPA + 0x10, 20, VRING_DESC_F_INDIRECT);
	pidesc(R0_GPA + 0x100, 2, R1_GPA, 30, VRING_DESC_F_WRITE);
	pdesc_img(0, R0_GPA + 0x100, 48, 3, pavail(1) | VRING_DESC_F_INDIRECT);
	/* direct then indirect, the table straddling R0/R1 */
	pdesc_img(1, R2_GPA + 0x40, 8, 0xffff, pavail(1) | VRING_DESC_F_NEXT);
	pdesc_img(2, R1_GPA - 24, 48, 1, pavail(1) | VRING_DESC_F_INDIRECT);
	pidesc(R1_GPA - 24, 0, R2_GPA + 0x80, 1, 0);
	pidesc(R1_GPA - 24, 1, R2_GPA + 0x90, 2, 0);
	pidesc(R1_GPA - 24, 2, R2_GPA + 0xa0, 3, VRING_DESC_F_WRITE);
	get(); get(); drain();
	op8(FZ_OP_SET_AVAIL_IDX); op16(3 | 0x8000);
	op8(FZ_OP_PUBLISH_INDIRECT); op8(2); op8(4); op8(2); op8(2); op16(0x200);
	for (i = 0; i < 3; i++) {
		op8(i % 3); op16(0x40 * i); op16(100);
	}
	get(); used1();
	write_seed(dir, "p-ok-indirect");

	/* DPDK's base (0x8000, no used half), then QEMU-style rebases */
	preset(8, 0, 0x8000);
	ppublish(1, 0, 0, one); get(); used1();
	prestart(1 | 4, 0x80058005u);
	ppublish(2, 0, 1, three); get(); used1();
	prestart(1 | 2, 0);
	prestart(1, 0x00030001u);	/* used (3, wrap 0) ahead: refused by start */
	prestart(1 | 4, 0x80008000u); get();
	prestart(1, 0x80098000u);	/* position beyond the ring: refused */
	write_seed(dir, "p-ok-base");

	/* hostile: one error each */
	preset(8, 0, 0x80008000u);
	ppublish(1, 0, 0x80 | 100, one); get();
	write_seed(dir, "p-bad-id-range");

	preset(8, 0, 0x80008000u);
	ppublish(1, 0, 2, one); ppublish(2, 0, 2, three); get(); get();
	write_seed(dir, "p-bad-id-in-flight");

	preset(8, 0, 0x80008000u);
	for (i = 0; i < 8; i++)
		pdesc_img(i, R0_GPA + i, 1, 0, pavail(1) | VRING_DESC_F_NEXT);
	get();
	write_seed(dir, "p-bad-ring-loop");

	/* one in flight, then a chain of all the rest and one more */
	preset(4, 0, 0x80008000u);
	ppublish(1, 0, 0, one); get();
	ppublish(3, 0, 1, three);
	op8(FZ_OP_POKE); op16(DESC + 16 * 3 + 14); op8(1); op8(0x80 | VRING_DESC_F_NEXT);
	op8(0x00);
	get();
	write_seed(dir, "p-bad-into-in-flight");

	/* the old wrap's bits after a lap: empty, then a bad id */
	preset(4, 0, 0x80008000u);
	for (i = 0; i < 4; i++) {
		ppublish(1, 0, i, one); get(); used1();
	}
	op8(FZ_OP_SET_AVAIL_IDX); op16(0x8000);
	ppublish(1, 0, 0, one); get();
	op8(FZ_OP_SET_AVAIL_IDX); op16(0);
	ppublish(1, 0, 0x80 | 5, one); get();
	write_seed(dir, "p-bad-wrong-wrap");

	preset(8, 0, 0x80008000u);
	pdesc_img(1, R0_GPA, 4, 0xffff, pavail(1));
	pdesc_img(0, R0_GPA, 4, 0xffff, pavail(1) | VRING_DESC_F_WRITE | VRING_DESC_F_NEXT);
	pdesc_img(1, R0_GPA, 4, 1, pavail(1));
	get();
	write_seed(dir, "p-bad-read-after-write");

	preset(8, 0, 0x80008000u);
	pdesc_img(0, R2_GPA + RSIZE2 - 4, 8, 0, pavail(1));
	pdesc_img(1, ~0ull - 2, 8, 1, pavail(1));
	get();
	prestart(1 | 4, 0x80018001u); get();
	write_seed(dir, "p-bad-outside-memory");

	preset(8, F_INDIRECT, 0x80008000u);
	pdesc_img(0, R0_GPA, 24, 0, pavail(1) | VRING_DESC_F_INDIRECT);
	pdesc_img(1, R0_GPA, 0, 1, pavail(1) | VRING_DESC_F_INDIRECT);
	pdesc_img(2, R0_GPA, 16 * 1025, 2, pavail(1) | VRING_DESC_F_INDIRECT);
	pdesc_img(3, R0_GPA, 16, 3, pavail(1) | VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT);
	pdesc_img(4, R1_GPA - 16, 16 * 66, 4, pavail(1) | VRING_DESC_F_INDIRECT);
	for (i = 0; i < 5; i++) {
		get();
		prestart(1, (0x8000u | (i + 1)) * 0x10001u);
	}
	write_seed(dir, "p-bad-indirect-len");

	preset(8, 0, 0x80008000u);
	pdesc_img(0, R0_GPA, 16, 0, pavail(1) | VRING_DESC_F_INDIRECT);
	get();
	write_seed(dir, "p-bad-indirect-not-negotiated");

	preset(8, 0, 0x80008000u);
	ppublish(3, 4, 0, three);
	op8(FZ_OP_FAULT); op16(DESC); op8(16);
	get();
	op8(FZ_OP_FAULT); op16(0); op8(0);
	prestart(0, 0);
	op8(FZ_OP_FAULT); op16(USED); op8(4);
	get(); used1(); op8(FZ_OP_ENABLE_NOTIFY);
	op8(FZ_OP_FAULT); op16(0); op8(0);
	prestart(0, 0);
	op8(FZ_OP_FAULT); op16(AVAIL); op8(4);
	op8(FZ_OP_NEED_SIGNAL);
	write_seed(dir, "p-bad-faults");

	/* a used batch wrapping the ring end, its first flags unwritable */
	preset(4, 0, 0x80038003u);
	ppublish(1, 0, 0, one);
	ppublish(1, 0, 1, one);
	get(); get();
	op8(FZ_OP_FAULT); op16(DESC + 16 * 3 + 14); op8(2);
	op8(FZ_OP_ADD_USED); op8(2); op8(0); op32(1); op32(2);
	op8(FZ_OP_FAULT); op16(0); op8(0);
	prestart(0, 0); get();
	write_seed(dir, "p-bad-used-fault");
}

/*
 * VIRTIO_F_IN_ORDER (feature bit 6): TX-style batches (ADD_USED's order
 * bit 7 zeroes every length but the last; DRAIN's are all zero) that the
 * ring writes as one entry, RX-style ones that it does not, with EVENT_IDX
 * and the dirty log on, split and packed.
 */
static void inorder_seeds(const char *dir)
{
	static const u16 one[1][3] = { { 0, 0x40, 8 } };
	static const u16 two[2][3] = { { 0, 0x10, 64 }, { 2, 0x100, 32 } };
	unsigned int i;

	reset(3, F_EVENT | 8 | FZ_F_IN_ORDER, 0);
	for (i = 0; i < 5; i++)
		publish(1, 0, one);
	for (i = 0; i < 5; i++)
		get();
	op8(FZ_OP_ADD_USED); op8(5); op8(0x80);
	for (i = 0; i < 5; i++)
		op32(i == 4 ? 60 : 7);
	op8(FZ_OP_NEED_SIGNAL);
	for (i = 0; i < 6; i++)
		publish(i & 1 ? 2 : 1, 0, i & 1 ? two : one);
	for (i = 0; i < 6; i++)
		get();
	op8(FZ_OP_ADD_USED); op8(3); op8(0x80); op32(1); op32(2); op32(3);
	op8(FZ_OP_ADD_USED); op8(2); op8(0); op32(10); op32(20);
	op8(FZ_OP_NEED_SIGNAL);
	drain(); op8(FZ_OP_NEED_SIGNAL); op8(FZ_OP_ENABLE_NOTIFY);
	write_seed(dir, "io-split");

	preset(8, F_EVENT | 8 | FZ_F_IN_ORDER, 0x80008000u);
	ppublish(2, 0, 0, two);
	ppublish(1, 0, 1, one);
	ppublish(1, 0, 2, one);
	get(); get(); get();
	/* the driver asks for an event at (2, wrap 1), inside the batch */
	op8(FZ_OP_POKE); op16(AVAIL); op8(3); op8(2); op8(0x80); op8(2); op8(0);
	op8(FZ_OP_ADD_USED); op8(3); op8(0x80); op32(5); op32(6); op32(7);
	op8(FZ_OP_NEED_SIGNAL);
	for (i = 0; i < 4; i++)
		ppublish(i & 1 ? 2 : 1, 0, 3 + i, i & 1 ? two : one);
	drain(); op8(FZ_OP_NEED_SIGNAL);
	for (i = 0; i < 3; i++)
		ppublish(1, 0, i, one);
	get(); get(); get();
	op8(FZ_OP_ADD_USED); op8(3); op8(0); op32(10); op32(20); op32(30);
	op8(FZ_OP_NEED_SIGNAL); op8(FZ_OP_ENABLE_NOTIFY);
	write_seed(dir, "io-packed");
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
	packed_seeds(dir);
	inorder_seeds(dir);
	return 0;
}
