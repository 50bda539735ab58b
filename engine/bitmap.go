package engine

import (
	"math/bits"
)

// Bitmaps (spec §2.8) are plain string values: bit offset lives in byte
// offset>>3 at bit 7-(offset&7), most significant bit first.

// MaxBitOffset is the largest bit offset SETBIT accepts (512 MB of bits - 1).
const MaxBitOffset = MaxStringLen*8 - 1

// SetBit sets the bit at offset to bit (0 or 1), growing the value with
// zero bytes and keeping its expiry, and returns the previous bit.
func (d *DB) SetBit(w Writer, key []byte, offset int64, bit int) (int, error) {
	if offset < 0 || offset > MaxBitOffset {
		return 0, ErrBitOffset
	}
	var old int
	err := d.update(KindStrings, w, func(t *txn) error {
		v, ts, _, err := optionalString(t.getString(key))
		if err != nil {
			return err
		}
		idx := int(offset >> 3)
		if idx >= len(v) {
			v = append(v, make([]byte, idx+1-len(v))...)
		}
		mask := byte(1) << (7 - uint(offset&7))
		if v[idx]&mask != 0 {
			old = 1
		}
		if bit != 0 {
			v[idx] |= mask
		} else {
			v[idx] &^= mask
		}
		t.putString(key, v, ts)
		return nil
	})
	return old, err
}

// GetBit returns the bit at offset of key's value (0 past the end or if missing).
func (d *DB) GetBit(key []byte, offset, nowMs int64) (int, error) {
	if offset < 0 {
		return 0, ErrBitOffset
	}
	v, _, _, err := optionalString(d.readString(key, nowMs))
	if err != nil || offset>>3 >= int64(len(v)) {
		return 0, err
	}
	return int(v[offset>>3]>>(7-uint(offset&7))) & 1, nil
}

// BitRange is the optional range of BITCOUNT and BITPOS: Start and End are
// byte indexes, or bit indexes if Bit is set; negative counts from the end.
type BitRange struct {
	Start, End int64
	Bit        bool
}

// bitSpan resolves r against a value of n bytes into an inclusive bit
// span [first, last]; ok is false if the span is empty.
func (r BitRange) bitSpan(n int64) (first, last int64, ok bool) {
	total := n
	if r.Bit {
		total = n * 8
	}
	start, end := r.Start, r.End
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start, end = max(start, 0), max(end, 0)
	if end >= total {
		end = total - 1
	}
	if start > end {
		return 0, 0, false
	}
	if r.Bit {
		return start, end, true
	}
	return start * 8, end*8 + 7, true
}

// BitCount counts the set bits of key's value, within r if not nil (Redis 7 rules).
func (d *DB) BitCount(key []byte, r *BitRange, nowMs int64) (int64, error) {
	v, _, _, err := optionalString(d.readString(key, nowMs))
	if err != nil {
		return 0, err
	}
	if r == nil {
		r = &BitRange{Start: 0, End: -1}
	} else if r.Start < 0 && r.End < 0 && r.Start > r.End {
		return 0, nil
	}
	first, last, ok := r.bitSpan(int64(len(v)))
	if !ok {
		return 0, nil
	}
	var n int64
	fb, lb := first>>3, last>>3
	for i := fb; i <= lb; i++ {
		b := v[i]
		if i == fb {
			b &= 0xff >> uint(first&7)
		}
		if i == lb {
			b &= 0xff << uint(7-last&7)
		}
		n += int64(bits.OnesCount8(b))
	}
	return n, nil
}

// BitPos returns the position of the first bit equal to bit in key's value,
// within r if not nil; endGiven says whether the client gave an end index
// (BITPOS key 0 start, without end, treats the value as zero-padded on the
// right). -1 if there is none.
func (d *DB) BitPos(key []byte, bit int, r *BitRange, endGiven bool, nowMs int64) (int64, error) {
	v, _, found, err := optionalString(d.readString(key, nowMs))
	if err != nil {
		return 0, err
	}
	if !found {
		if bit != 0 {
			return -1, nil
		}
		return 0, nil
	}
	rr := BitRange{Start: 0, End: -1}
	if r != nil {
		rr = *r
	}
	if !endGiven {
		rr.End = -1
	}
	first, last, ok := rr.bitSpan(int64(len(v)))
	if !ok {
		return -1, nil
	}
	skip := byte(0xff) // a byte that holds no wanted bit
	if bit != 0 {
		skip = 0
	}
	for p := first; p <= last; {
		if p&7 == 0 && p+7 <= last && v[p>>3] == skip {
			p += 8
			continue
		}
		if int(v[p>>3]>>(7-uint(p&7)))&1 == bit {
			return p, nil
		}
		p++
	}
	if bit == 0 && !endGiven {
		return last + 1, nil
	}
	return -1, nil
}

// BitOpKind is the operation of BITOP.
type BitOpKind int

// BITOP operations.
const (
	BitAnd BitOpKind = iota
	BitOr
	BitXor
	BitNot
)

// BitOp stores op applied to the values of srcs into dest (without TTL) and
// returns the length of the result. Missing sources are empty strings,
// shorter ones are zero-padded. As in Pika, an empty result is stored as
// an empty string.
func (d *DB) BitOp(w Writer, op BitOpKind, dest []byte, srcs [][]byte) (int64, error) {
	if op == BitNot && len(srcs) != 1 {
		return 0, ErrBitOpNot
	}
	var n int64
	err := d.update(KindStrings, w, func(t *txn) error {
		vals := make([][]byte, len(srcs))
		maxLen := 0
		for i, k := range srcs {
			v, _, _, err := optionalString(t.getString(k))
			if err != nil {
				return err
			}
			vals[i] = v
			maxLen = max(maxLen, len(v))
		}
		out := make([]byte, maxLen)
		for j := range out {
			var acc byte
			for i, v := range vals {
				var b byte
				if j < len(v) {
					b = v[j]
				}
				switch {
				case i == 0:
					acc = b
				case op == BitAnd:
					acc &= b
				case op == BitOr:
					acc |= b
				case op == BitXor:
					acc ^= b
				}
			}
			if op == BitNot {
				acc = ^acc
			}
			out[j] = acc
		}
		t.putString(dest, out, 0)
		n = int64(maxLen)
		return nil
	})
	return n, err
}
