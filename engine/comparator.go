package engine

/*
#cgo LDFLAGS: -lrocksdb
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <rocksdb/c.h>

// Pika's custom comparators, in C so that RocksDB never calls into Go on a
// key comparison (spec §1.4). Neither reads past the end of a key: missing
// bytes are treated as "the key ends here", which is deterministic.

static uint32_t pr_u32le(const char* p) {
	const unsigned char* u = (const unsigned char*)p;
	return (uint32_t)u[0] | ((uint32_t)u[1] << 8) | ((uint32_t)u[2] << 16) | ((uint32_t)u[3] << 24);
}

static uint64_t pr_u64le(const char* p) {
	const unsigned char* u = (const unsigned char*)p;
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--) v = (v << 8) | u[i];
	return v;
}

static int pr_memcmp_len(const char* a, size_t alen, const char* b, size_t blen) {
	size_t n = alen < blen ? alen : blen;
	int r = n ? memcmp(a, b, n) : 0;
	if (r != 0) return r < 0 ? -1 : 1;
	if (alen == blen) return 0;
	return alen < blen ? -1 : 1;
}

// blackwidow.ListsDataKeyComparator: user key bytes (not the length prefix),
// then signed int32 version, then unsigned uint64 index.
static int pr_lists_compare(void* state, const char* a, size_t alen, const char* b, size_t blen) {
	(void)state;
	size_t apos = 0, bpos = 0;
	size_t aklen = 0, bklen = 0;
	if (alen >= 4) { aklen = pr_u32le(a); apos = 4; }
	if (blen >= 4) { bklen = pr_u32le(b); bpos = 4; }
	if (aklen > alen - apos) aklen = alen - apos;
	if (bklen > blen - bpos) bklen = blen - bpos;
	int r = pr_memcmp_len(a + apos, aklen, b + bpos, bklen);
	if (r != 0) return r;
	apos += aklen; bpos += bklen;
	int aend = apos + 4 > alen, bend = bpos + 4 > blen;
	if (aend && bend) return 0;
	if (aend) return -1;
	if (bend) return 1;
	int32_t av = (int32_t)pr_u32le(a + apos), bv = (int32_t)pr_u32le(b + bpos);
	if (av != bv) return av < bv ? -1 : 1;
	apos += 4; bpos += 4;
	aend = apos + 8 > alen; bend = bpos + 8 > blen;
	if (aend && bend) return 0;
	if (aend) return -1;
	if (bend) return 1;
	uint64_t ai = pr_u64le(a + apos), bi = pr_u64le(b + bpos);
	if (ai != bi) return ai < bi ? -1 : 1;
	return 0;
}

// blackwidow.ZSetsScoreKeyComparator: raw bytes of (len | key | version),
// then the score as a double (NaN compares greater), then member bytes.
static int pr_zsets_score_compare(void* state, const char* a, size_t alen, const char* b, size_t blen) {
	(void)state;
	size_t apre = alen, bpre = blen;
	if (alen >= 4 && (size_t)pr_u32le(a) + 8 <= alen) apre = (size_t)pr_u32le(a) + 8;
	if (blen >= 4 && (size_t)pr_u32le(b) + 8 <= blen) bpre = (size_t)pr_u32le(b) + 8;
	int r = pr_memcmp_len(a, apre, b, bpre);
	if (r != 0) return r;
	int aend = apre + 8 > alen, bend = bpre + 8 > blen;
	if (aend || bend) {
		// Short keys (never stored): order by the remaining raw bytes.
		return pr_memcmp_len(a + apre, alen - apre, b + bpre, blen - bpre);
	}
	uint64_t abits = pr_u64le(a + apre), bbits = pr_u64le(b + bpre);
	double as, bs;
	memcpy(&as, &abits, 8);
	memcpy(&bs, &bbits, 8);
	if (as != bs) return as < bs ? -1 : 1;
	size_t apos = apre + 8, bpos = bpre + 8;
	return pr_memcmp_len(a + apos, alen - apos, b + bpos, blen - bpos);
}

static const char* pr_lists_name(void* state) { (void)state; return "blackwidow.ListsDataKeyComparator"; }
static const char* pr_zsets_name(void* state) { (void)state; return "blackwidow.ZSetsScoreKeyComparator"; }
static void pr_noop_destroy(void* state) { (void)state; }

static rocksdb_comparator_t* pr_new_lists_comparator(void) {
	return rocksdb_comparator_create(NULL, pr_noop_destroy, pr_lists_compare, pr_lists_name);
}
static rocksdb_comparator_t* pr_new_zsets_score_comparator(void) {
	return rocksdb_comparator_create(NULL, pr_noop_destroy, pr_zsets_score_compare, pr_zsets_name);
}
static int pr_call_lists(const char* a, size_t alen, const char* b, size_t blen) { return pr_lists_compare(NULL, a, alen, b, blen); }
static int pr_call_zsets(const char* a, size_t alen, const char* b, size_t blen) { return pr_zsets_score_compare(NULL, a, alen, b, blen); }
*/
import "C"

import "unsafe"

// Names RocksDB records in the MANIFEST for Pika's custom comparators.
const (
	listsDataComparatorName  = "blackwidow.ListsDataKeyComparator"
	zsetsScoreComparatorName = "blackwidow.ZSetsScoreKeyComparator"
)

// newListsComparator returns a native comparator for lists data_cf. The
// returned pointer is owned by the grocksdb Options it is set on.
func newListsComparator() unsafe.Pointer { return unsafe.Pointer(C.pr_new_lists_comparator()) }

// newZSetsScoreComparator returns a native comparator for zsets score_cf.
func newZSetsScoreComparator() unsafe.Pointer {
	return unsafe.Pointer(C.pr_new_zsets_score_comparator())
}

func cBytes(b []byte) (*C.char, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.char)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

// compareListsDataKeys runs the C lists comparator (used by tests and by
// in-Go iteration bounds).
func compareListsDataKeys(a, b []byte) int {
	ap, al := cBytes(a)
	bp, bl := cBytes(b)
	return int(C.pr_call_lists(ap, al, bp, bl))
}

// compareZSetsScoreKeys runs the C zset score comparator.
func compareZSetsScoreKeys(a, b []byte) int {
	ap, al := cBytes(a)
	bp, bl := cBytes(b)
	return int(C.pr_call_zsets(ap, al, bp, bl))
}
