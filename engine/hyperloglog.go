package engine

import (
	"encoding/binary"
	"errors"
	"math"
	"math/bits"
)

// HyperLogLog in Pika's own format (spec §2.7, redis_hyperloglog.cc): a
// string record whose value is 2^17 one-byte registers, no header. Element
// hash: MurmurHash3_x86_32 with seed 313; register index = low 17 bits,
// rank = min(15, ctz(hash>>17)) + 1. An empty value reads as all zeros
// (Pika itself writes one for PFADD without elements).

const (
	hllPrecision = 17
	hllRegisters = 1 << hllPrecision
	hllSeed      = 313
	hllMaxRank   = 32 - hllPrecision + 1
)

// hllAlpha is Pika's bias constant for m = 2^17.
var hllAlpha = 0.7213 / (1 + 1.079/float64(hllRegisters))

// hllInvPow[r] = 1.0 / (1 << r), the terms of Pika's harmonic sum.
var hllInvPow = func() (t [hllMaxRank + 1]float64) {
	for r := range t {
		t[r] = 1.0 / float64(uint32(1)<<uint(r))
	}
	return t
}()

// murmur3x86_32 is MurmurHash3_x86_32 (Austin Appleby), as Pika uses it.
func murmur3x86_32(data []byte, seed uint32) uint32 {
	const c1, c2 = 0xcc9e2d51, 0x1b873593
	h := seed
	n := len(data) / 4
	for i := 0; i < n; i++ {
		k := binary.LittleEndian.Uint32(data[i*4:])
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
		h = bits.RotateLeft32(h, 13)
		h = h*5 + 0xe6546b64
	}
	tail := data[n*4:]
	var k uint32
	switch len(tail) {
	case 3:
		k ^= uint32(tail[2]) << 16
		fallthrough
	case 2:
		k ^= uint32(tail[1]) << 8
		fallthrough
	case 1:
		k ^= uint32(tail[0])
		k *= c1
		k = bits.RotateLeft32(k, 15)
		k *= c2
		h ^= k
	}
	h ^= uint32(len(data))
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

// hll is a register array of hllRegisters bytes.
type hll []byte

// hllFromValue returns a writable copy of the registers stored in value:
// zeros for an empty value, ErrNotHLL for anything that is not a register
// array (wrong length, or a register above the largest possible rank).
func hllFromValue(value []byte) (hll, error) {
	h := make(hll, hllRegisters)
	switch len(value) {
	case 0:
		return h, nil
	case hllRegisters:
		for _, r := range value {
			if r > hllMaxRank {
				return nil, ErrNotHLL
			}
		}
		copy(h, value)
		return h, nil
	}
	return nil, ErrNotHLL
}

// add records one element and keeps hist (see histogram) up to date.
func (h hll) add(elem []byte, hist *hllHistogram) {
	x := murmur3x86_32(elem, hllSeed)
	idx := x & (hllRegisters - 1)
	// ctz(0) is undefined in C++; Pika's x86 build yields the maximum rank.
	rank := uint8(min(hllMaxRank-1, bits.TrailingZeros32(x>>hllPrecision))) + 1
	if rank > h[idx] {
		hist[h[idx]]--
		hist[rank]++
		h[idx] = rank
	}
}

// merge folds o into h with Pika's quirk: a register smaller than the
// other's becomes the bitwise OR of both, not the maximum.
func (h hll) merge(o hll) {
	for i, r := range o {
		if h[i] < r {
			h[i] |= r
		}
	}
}

// hllHistogram counts the registers holding each rank.
type hllHistogram [hllMaxRank + 1]int

// histogram counts h's registers by value (hllFromValue guarantees <= hllMaxRank).
func (h hll) histogram() *hllHistogram {
	var hist hllHistogram
	for _, r := range h {
		hist[r]++
	}
	return &hist
}

// estimate is Pika's HyperLogLog::Estimate. Pika sums 1/2^r over the
// registers one by one; every partial sum is a multiple of 2^-16 below
// 2^18, exact in a double, so summing per rank gives the same bits.
func (hist *hllHistogram) estimate() float64 {
	sum := 0.0
	for r, n := range hist {
		sum += float64(n) * hllInvPow[r]
	}
	m := float64(hllRegisters)
	est := hllAlpha * m * m / sum
	if est <= 2.5*m {
		if zeros := hist[0]; zeros != 0 {
			est = m * math.Log(m/float64(zeros))
		}
	} else if est > math.Pow(2, 32)/30.0 {
		est = math.Log1p(est*-1/math.Pow(2, 32)) * math.Pow(2, 32) * -1
	}
	return est
}

// count is the integer cardinality Pika replies (a C++ int32 cast).
func (hist *hllHistogram) count() int64 { return int64(int32(hist.estimate())) }

// optionalHLL reads the registers of a possibly missing key.
func optionalHLL(v []byte, _ int32, err error) (hll, bool, error) {
	if errors.Is(err, ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	h, err := hllFromValue(v)
	return h, err == nil, err
}

// PFAdd adds elems to the HyperLogLog at key and reports whether its
// (integer) estimate changed, or the key was created. As in Pika the
// record is always rewritten, without TTL.
func (d *DB) PFAdd(w Writer, key []byte, elems [][]byte) (bool, error) {
	changed := false
	err := d.update(KindStrings, w, func(t *txn) error {
		h, found, err := optionalHLL(t.getString(key))
		if err != nil {
			return err
		}
		if !found {
			h = make(hll, hllRegisters)
		}
		hist := h.histogram()
		before := hist.count()
		for _, e := range elems {
			h.add(e, hist)
		}
		changed = hist.count() != before || !found && len(elems) == 0
		t.putString(key, h, 0)
		return nil
	})
	return changed, err
}

// PFCount returns the cardinality of the union of the HyperLogLogs at keys
// (merged with Pika's quirk), read from one snapshot. Missing keys count as empty.
func (d *DB) PFCount(keys [][]byte, nowMs int64) (int64, error) {
	r, err := d.read(KindStrings, len(keys) > 1)
	if err != nil {
		return 0, err
	}
	defer r.close()
	acc := make(hll, hllRegisters)
	for i, k := range keys {
		h, found, err := optionalHLL(r.getString(k, strSec(nowMs)))
		if err != nil {
			return 0, err
		}
		switch {
		case found && i == 0:
			copy(acc, h)
		case found:
			acc.merge(h)
		}
	}
	return acc.histogram().count(), nil
}

// PFMerge merges the HyperLogLogs at srcs into dest (which is part of the
// union if it exists) and rewrites dest without TTL.
func (d *DB) PFMerge(w Writer, dest []byte, srcs [][]byte) error {
	return d.update(KindStrings, w, func(t *txn) error {
		acc, found, err := optionalHLL(t.getString(dest))
		if err != nil {
			return err
		}
		if !found {
			acc = make(hll, hllRegisters)
		}
		for _, k := range srcs {
			h, found, err := optionalHLL(t.getString(k))
			if err != nil {
				return err
			}
			if found {
				acc.merge(h)
			}
		}
		t.putString(dest, acc, 0)
		return nil
	})
}
