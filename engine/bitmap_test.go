package engine

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSetBitGetBit(t *testing.T) {
	d := strTestDB(t)
	k := []byte("b")
	// The fixture's SETBIT str:bits 7 1, SETBIT str:bits 100 1 (MSB first).
	old, err := d.SetBit(at(strNow), k, 7, 1)
	require.NoError(t, err)
	require.Zero(t, old)
	_, err = d.SetBit(at(strNow), k, 100, 1)
	require.NoError(t, err)
	want := make([]byte, 13+4)
	want[0], want[12] = 0x01, 0x08
	require.Equal(t, want, rawString(t, d, "b"))

	old, err = d.SetBit(at(strNow), k, 7, 0)
	require.NoError(t, err)
	require.Equal(t, 1, old)
	for off, bit := range map[int64]int{7: 0, 100: 1, 101: 0, 1 << 20: 0} {
		got, err := d.GetBit(k, off, strNow)
		require.NoError(t, err)
		require.Equal(t, bit, got, "offset %d", off)
	}
	_, err = d.SetBit(at(strNow), k, MaxBitOffset+1, 1)
	require.ErrorIs(t, err, ErrBitOffset)
	_, err = d.SetBit(at(strNow), k, -1, 1)
	require.ErrorIs(t, err, ErrBitOffset)
}

func TestBitCount(t *testing.T) {
	d := strTestDB(t)
	mustSet(t, d, "s", "foobar", SetOptions{})
	k := []byte("s")
	// Examples from the Redis BITCOUNT documentation.
	for _, c := range []struct {
		r    *BitRange
		want int64
	}{
		{nil, 26}, {&BitRange{0, 0, false}, 4}, {&BitRange{1, 1, false}, 6},
		{&BitRange{5, 30, true}, 17}, {&BitRange{-2, -1, false}, 7},
		{&BitRange{-1, -2, false}, 0}, {&BitRange{0, 100, false}, 26}, {&BitRange{-100, -100, true}, 0},
	} {
		n, err := d.BitCount(k, c.r, strNow)
		require.NoError(t, err)
		require.Equal(t, c.want, n, "%+v", c.r)
	}
	n, err := d.BitCount([]byte("missing"), nil, strNow)
	require.NoError(t, err)
	require.Zero(t, n)
}

func TestBitPos(t *testing.T) {
	d := strTestDB(t)
	mustSet(t, d, "a", "\xff\xf0\x00", SetOptions{})
	mustSet(t, d, "b", "\x00\xff\xf0", SetOptions{})
	mustSet(t, d, "z", "\x00\x00\x00", SetOptions{})
	mustSet(t, d, "f", "\xff\xff", SetOptions{})
	// Examples from the Redis BITPOS documentation, plus edge cases.
	for _, c := range []struct {
		key      string
		bit      int
		r        *BitRange
		endGiven bool
		want     int64
	}{
		{"a", 0, nil, false, 12},
		{"b", 1, &BitRange{0, -1, false}, false, 8},
		{"b", 1, &BitRange{2, -1, false}, false, 16},
		{"b", 1, &BitRange{2, -1, false}, true, 16},
		{"b", 1, &BitRange{7, 15, true}, true, 8},
		{"z", 1, nil, false, -1},
		{"z", 1, &BitRange{7, -3, true}, true, -1},
		{"f", 0, nil, false, 16},
		{"f", 0, &BitRange{0, -1, false}, true, -1},
		{"f", 0, &BitRange{1, -1, false}, false, 16},
		{"missing", 0, nil, false, 0},
		{"missing", 1, nil, false, -1},
	} {
		n, err := d.BitPos([]byte(c.key), c.bit, c.r, c.endGiven, strNow)
		require.NoError(t, err)
		require.Equal(t, c.want, n, "%+v", c)
	}
	mustSet(t, d, "e", "", SetOptions{})
	n, err := d.BitPos([]byte("e"), 0, nil, false, strNow)
	require.NoError(t, err)
	require.EqualValues(t, -1, n)
}

func TestBitOp(t *testing.T) {
	d := strTestDB(t)
	mustSet(t, d, "k1", "foobar", SetOptions{})
	mustSet(t, d, "k2", "abcdef", SetOptions{})
	mustSet(t, d, "k3", "\x0f", SetOptions{})
	srcs := [][]byte{[]byte("k1"), []byte("k2")}
	for _, c := range []struct {
		op   BitOpKind
		srcs [][]byte
		want string
	}{
		{BitAnd, srcs, "`bc`ab"},
		{BitOr, srcs, "goofev"},
		{BitXor, srcs, "\x07\x0d\x0c\x06\x04\x14"},
		{BitNot, [][]byte{[]byte("k3")}, "\xf0"},
		{BitAnd, [][]byte{[]byte("k1"), []byte("k3")}, "\x06\x00\x00\x00\x00\x00"},
		{BitOr, [][]byte{[]byte("missing")}, ""},
	} {
		n, err := d.BitOp(at(strNow), c.op, []byte("dest"), c.srcs)
		require.NoError(t, err)
		require.EqualValues(t, len(c.want), n)
		require.Equal(t, append([]byte(c.want), 0, 0, 0, 0), rawString(t, d, "dest"))
	}
	_, err := d.BitOp(at(strNow), BitNot, []byte("dest"), srcs)
	require.ErrorIs(t, err, ErrBitOpNot)
}
