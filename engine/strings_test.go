package engine

import (
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// strNow is the time of the string tests: second 1700000000 (0x6553f100), plus 250 ms.
const strNow int64 = 1_700_000_000_250

func strTestDB(t *testing.T) *DB {
	t.Helper()
	d, err := openTestEngine(t).DB(0)
	require.NoError(t, err)
	return d
}

func at(ms int64) Writer { return Writer{NowMs: ms} }

// rawString reads the strings record of key straight from RocksDB.
func rawString(t *testing.T, d *DB, key string) []byte {
	t.Helper()
	in := d.inst[KindStrings]
	v, err := in.get(in.ro, cfMeta, []byte(key))
	require.NoError(t, err)
	return v
}

func rawStringMissing(t *testing.T, d *DB, key string) {
	t.Helper()
	in := d.inst[KindStrings]
	_, err := in.get(in.ro, cfMeta, []byte(key))
	require.ErrorIs(t, err, ErrNotFound)
}

// putRawString writes a strings record straight into RocksDB.
func putRawString(t *testing.T, d *DB, key string, raw []byte) {
	t.Helper()
	in := d.inst[KindStrings]
	require.NoError(t, in.db.PutCF(in.wo, in.cfs[cfMeta], []byte(key), raw))
}

func mustSet(t *testing.T, d *DB, key, value string, opt SetOptions) SetResult {
	t.Helper()
	res, err := d.Set(at(strNow), []byte(key), []byte(value), opt)
	require.NoError(t, err)
	return res
}

func TestStringFormatWrite(t *testing.T) {
	d := strTestDB(t)
	mustSet(t, d, "k", "v", SetOptions{})
	require.Equal(t, []byte{0x76, 0, 0, 0, 0}, rawString(t, d, "k"))

	// SET EX 100 at second 1700000000 stores 1700000100 = 0x6553f164 LE.
	mustSet(t, d, "t", "ab", SetOptions{ExpireAt: 1700000100})
	require.Equal(t, []byte{'a', 'b', 0x64, 0xf1, 0x53, 0x65}, rawString(t, d, "t"))

	_, err := d.IncrBy(at(strNow), []byte("n"), -12)
	require.NoError(t, err)
	require.Equal(t, []byte{'-', '1', '2', 0, 0, 0, 0}, rawString(t, d, "n"))

	mustSet(t, d, "e", "", SetOptions{})
	require.Equal(t, []byte{0, 0, 0, 0}, rawString(t, d, "e"))
}

func TestStringFormatRead(t *testing.T) {
	d := strTestDB(t)
	putRawString(t, d, "p", []byte{'x', 'y', 0, 0, 0, 0})
	putRawString(t, d, "alive", []byte{'a', 0x00, 0xf1, 0x53, 0x65}) // expires at 1700000000
	putRawString(t, d, "dead", []byte{'d', 0xff, 0xf0, 0x53, 0x65})  // expired at 1699999999

	v, err := d.Get([]byte("p"), strNow)
	require.NoError(t, err)
	require.Equal(t, []byte("xy"), v)
	// A key whose timestamp equals the current second is still alive.
	v, err = d.Get([]byte("alive"), strNow)
	require.NoError(t, err)
	require.Equal(t, []byte("a"), v)
	_, err = d.Get([]byte("alive"), strNow+1000)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = d.Get([]byte("dead"), strNow)
	require.ErrorIs(t, err, ErrNotFound)
	n, err := d.Strlen([]byte("dead"), strNow)
	require.NoError(t, err)
	require.Zero(t, n)
}

func TestStringCorruptRecord(t *testing.T) {
	d := strTestDB(t)
	putRawString(t, d, "bad", []byte{1, 2})
	key := []byte("bad")
	_, err := d.Get(key, strNow)
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = d.MGet([][]byte{[]byte("x"), key}, strNow)
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = d.IncrBy(at(strNow), key, 1)
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = d.Append(at(strNow), key, []byte("x"))
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = d.SetBit(at(strNow), key, 1, 1)
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = d.PFAdd(at(strNow), key, [][]byte{[]byte("a")})
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = d.Set(at(strNow), key, []byte("v"), SetOptions{Cond: SetIfAbsent})
	require.ErrorIs(t, err, ErrCorrupt)
	require.Equal(t, []byte{1, 2}, rawString(t, d, "bad"))
	// A plain SET does not read the old record and repairs the key.
	mustSet(t, d, "bad", "v", SetOptions{})
	v, err := d.Get(key, strNow)
	require.NoError(t, err)
	require.Equal(t, []byte("v"), v)
}

func TestSetConditions(t *testing.T) {
	d := strTestDB(t)
	require.False(t, mustSet(t, d, "k", "v0", SetOptions{Cond: SetIfExists}).Written)
	rawStringMissing(t, d, "k")
	require.True(t, mustSet(t, d, "k", "v1", SetOptions{Cond: SetIfAbsent}).Written)
	res := mustSet(t, d, "k", "v2", SetOptions{Cond: SetIfAbsent, Get: true})
	require.False(t, res.Written)
	require.True(t, res.Found)
	require.Equal(t, []byte("v1"), res.Old)
	require.True(t, mustSet(t, d, "k", "v3", SetOptions{Cond: SetIfExists}).Written)

	res = mustSet(t, d, "k", "v4", SetOptions{Cond: SetIfEqual, Match: []byte("nope")})
	require.False(t, res.Written)
	require.True(t, res.Found)
	res = mustSet(t, d, "k", "v4", SetOptions{Cond: SetIfEqual, Match: []byte("v3")})
	require.True(t, res.Written)
	v, err := d.Get([]byte("k"), strNow)
	require.NoError(t, err)
	require.Equal(t, []byte("v4"), v)

	res = mustSet(t, d, "k", "v5", SetOptions{Get: true})
	require.Equal(t, []byte("v4"), res.Old)
	res = mustSet(t, d, "fresh", "v", SetOptions{Get: true})
	require.True(t, res.Written)
	require.False(t, res.Found)
	require.Nil(t, res.Old)
}

func TestStringSetExpiry(t *testing.T) {
	d := strTestDB(t)
	const exp = 1700000010
	mustSet(t, d, "k", "v", SetOptions{ExpireAt: exp})
	_, err := d.Get([]byte("k"), exp*1000+999)
	require.NoError(t, err)
	_, err = d.Get([]byte("k"), (exp+1)*1000)
	require.ErrorIs(t, err, ErrNotFound)

	// NX succeeds on an expired key and writes no TTL.
	res, err := d.Set(at((exp+1)*1000), []byte("k"), []byte("new"), SetOptions{Cond: SetIfAbsent})
	require.NoError(t, err)
	require.True(t, res.Written)
	require.Equal(t, []byte{'n', 'e', 'w', 0, 0, 0, 0}, rawString(t, d, "k"))

	_, err = d.Set(at(strNow), []byte("k"), []byte("v"), SetOptions{ExpireAt: 1 << 31})
	require.ErrorIs(t, err, ErrInvalidExpire)
	_, err = d.Set(at(strNow), []byte("k"), []byte("v"), SetOptions{ExpireAt: -1})
	require.ErrorIs(t, err, ErrInvalidExpire)
}

// TestStringTTLKeptOrCleared checks spec §2.1: which writes keep the
// expiry of a live key and which rewrite it with timestamp 0.
func TestStringTTLKeptOrCleared(t *testing.T) {
	w := at(strNow)
	k := []byte("k")
	cases := []struct {
		name string
		keep bool
		op   func(d *DB) error
	}{
		{"SET", false, func(d *DB) error { _, err := d.Set(w, k, []byte("1"), SetOptions{}); return err }},
		{"SET KEEPTTL", true, func(d *DB) error { _, err := d.Set(w, k, []byte("1"), SetOptions{KeepTTL: true}); return err }},
		{"GETSET", false, func(d *DB) error { _, err := d.Set(w, k, []byte("1"), SetOptions{Get: true}); return err }},
		{"MSET", false, func(d *DB) error { return d.MSet(w, [][]byte{k, []byte("1")}) }},
		{"APPEND", true, func(d *DB) error { _, err := d.Append(w, k, []byte("1")); return err }},
		{"SETRANGE", true, func(d *DB) error { _, err := d.SetRange(w, k, 0, []byte("1")); return err }},
		{"SETBIT", true, func(d *DB) error { _, err := d.SetBit(w, k, 3, 1); return err }},
		{"INCRBY", true, func(d *DB) error { _, err := d.IncrBy(w, k, 2); return err }},
		{"INCRBYFLOAT", true, func(d *DB) error { _, err := d.IncrByFloat(w, k, []byte("1.5")); return err }},
		{"PFADD", false, func(d *DB) error { _, err := d.PFAdd(w, k, [][]byte{[]byte("a")}); return err }},
		{"PFMERGE", false, func(d *DB) error { return d.PFMerge(w, k, nil) }},
		{"BITOP", false, func(d *DB) error { _, err := d.BitOp(w, BitOr, k, [][]byte{k}); return err }},
		{"GETEX PERSIST", false, func(d *DB) error { _, err := d.GetEx(w, k, GetExOptions{Persist: true}); return err }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := strTestDB(t)
			initial := "7"
			if c.name == "PFADD" || c.name == "PFMERGE" {
				initial = "" // an empty value is an empty HyperLogLog
			}
			mustSet(t, d, "k", initial, SetOptions{ExpireAt: 1700000100})
			require.NoError(t, c.op(d))
			raw := rawString(t, d, "k")
			tail := raw[len(raw)-4:]
			if c.keep {
				require.Equal(t, []byte{0x64, 0xf1, 0x53, 0x65}, tail)
			} else {
				require.Equal(t, []byte{0, 0, 0, 0}, tail)
			}
		})
	}
}

func TestMSetMGet(t *testing.T) {
	d := strTestDB(t)
	require.NoError(t, d.MSet(at(strNow), [][]byte{[]byte("a"), []byte("1"), []byte("b"), []byte("")}))
	vals, err := d.MGet([][]byte{[]byte("a"), []byte("nope"), []byte("b")}, strNow)
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("1"), nil, {}}, vals)

	ok, err := d.MSetNX(at(strNow), [][]byte{[]byte("c"), []byte("3"), []byte("a"), []byte("x")})
	require.NoError(t, err)
	require.False(t, ok)
	rawStringMissing(t, d, "c")
	ok, err = d.MSetNX(at(strNow), [][]byte{[]byte("c"), []byte("3"), []byte("d"), []byte("4")})
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, []byte{'4', 0, 0, 0, 0}, rawString(t, d, "d"))
	require.Error(t, d.MSet(at(strNow), [][]byte{[]byte("a")}))
}

func TestIncrBy(t *testing.T) {
	d := strTestDB(t)
	k := []byte("n")
	n, err := d.IncrBy(at(strNow), k, 1)
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	n, err = d.IncrBy(at(strNow), k, -11)
	require.NoError(t, err)
	require.EqualValues(t, -10, n)

	mustSet(t, d, "n", "9223372036854775806", SetOptions{})
	n, err = d.IncrBy(at(strNow), k, 1)
	require.NoError(t, err)
	require.EqualValues(t, int64(9223372036854775807), n)
	_, err = d.IncrBy(at(strNow), k, 1)
	require.ErrorIs(t, err, ErrOverflow)
	mustSet(t, d, "n", "-9223372036854775808", SetOptions{})
	_, err = d.IncrBy(at(strNow), k, -1)
	require.ErrorIs(t, err, ErrOverflow)

	for _, bad := range []string{"", "abc", " 1", "1 ", "+1", "01", "-0", "1.5", "99999999999999999999"} {
		mustSet(t, d, "n", bad, SetOptions{})
		_, err = d.IncrBy(at(strNow), k, 1)
		require.ErrorIs(t, err, ErrNotInteger, "value %q", bad)
	}

	// An expired counter starts again from the increment, without TTL.
	mustSet(t, d, "n", "100", SetOptions{ExpireAt: 1700000000})
	n, err = d.IncrBy(at(strNow+1000), k, 5)
	require.NoError(t, err)
	require.EqualValues(t, 5, n)
	require.Equal(t, []byte{'5', 0, 0, 0, 0}, rawString(t, d, "n"))
}

func TestIncrByFloat(t *testing.T) {
	d := strTestDB(t)
	k := []byte("f")
	incr := func(by string) string {
		t.Helper()
		v, err := d.IncrByFloat(at(strNow), k, []byte(by))
		require.NoError(t, err)
		return string(v)
	}
	// Examples from the Redis INCRBYFLOAT documentation (long double arithmetic).
	mustSet(t, d, "f", "10.50", SetOptions{})
	require.Equal(t, "10.6", incr("0.1"))
	require.Equal(t, "5.6", incr("-5"))
	mustSet(t, d, "f", "5.0e3", SetOptions{})
	require.Equal(t, "5200", incr("2.0e2"))
	// The fixture's INCRBYFLOAT str:float 3.25 on a missing key.
	_, err := d.GetDel(at(strNow), k)
	require.NoError(t, err)
	require.Equal(t, "3.25", incr("3.25"))
	require.Equal(t, []byte{'3', '.', '2', '5', 0, 0, 0, 0}, rawString(t, d, "f"))
	mustSet(t, d, "f", "0.1", SetOptions{})
	require.Equal(t, "0.3", incr("0.2"))
	mustSet(t, d, "f", "1", SetOptions{})
	require.Equal(t, "0.00000000000000001", incr("-0.99999999999999999"))

	_, err = d.IncrByFloat(at(strNow), k, []byte("abc"))
	require.ErrorIs(t, err, ErrNotFloat)
	_, err = d.IncrByFloat(at(strNow), k, []byte("nan"))
	require.ErrorIs(t, err, ErrNotFloat)
	_, err = d.IncrByFloat(at(strNow), k, []byte(" 1"))
	require.ErrorIs(t, err, ErrNotFloat)
	_, err = d.IncrByFloat(at(strNow), k, []byte("inf"))
	require.ErrorIs(t, err, ErrIncrNaNOrInf)
	mustSet(t, d, "f", "1e4932", SetOptions{})
	_, err = d.IncrByFloat(at(strNow), k, []byte("1e4932"))
	require.ErrorIs(t, err, ErrIncrNaNOrInf)
	mustSet(t, d, "f", "text", SetOptions{})
	_, err = d.IncrByFloat(at(strNow), k, []byte("1"))
	require.ErrorIs(t, err, ErrNotFloat)
}

func TestAppendSetRangeGetRange(t *testing.T) {
	d := strTestDB(t)
	k := []byte("s")
	n, err := d.Append(at(strNow), k, []byte("Hello"))
	require.NoError(t, err)
	require.EqualValues(t, 5, n)
	n, err = d.Append(at(strNow), k, []byte(" World"))
	require.NoError(t, err)
	require.EqualValues(t, 11, n)
	n, err = d.SetRange(at(strNow), k, 6, []byte("Redis"))
	require.NoError(t, err)
	require.EqualValues(t, 11, n)
	v, err := d.Get(k, strNow)
	require.NoError(t, err)
	require.Equal(t, "Hello Redis", string(v))

	n, err = d.SetRange(at(strNow), []byte("pad"), 6, []byte("Redis"))
	require.NoError(t, err)
	require.EqualValues(t, 11, n)
	require.Equal(t, append(make([]byte, 6), "Redis\x00\x00\x00\x00"...), rawString(t, d, "pad"))

	n, err = d.SetRange(at(strNow), []byte("none"), 3, nil)
	require.NoError(t, err)
	require.Zero(t, n)
	rawStringMissing(t, d, "none")
	_, err = d.SetRange(at(strNow), k, -1, []byte("x"))
	require.ErrorIs(t, err, ErrOffsetRange)
	_, err = d.SetRange(at(strNow), k, MaxStringLen, []byte("x"))
	require.ErrorIs(t, err, ErrStringTooLong)
	_, err = d.SetRange(at(strNow), k, 1<<62, []byte("x"))
	require.ErrorIs(t, err, ErrStringTooLong)
	_, err = d.SetRange(at(strNow), k, math.MaxInt64, []byte("x"))
	require.ErrorIs(t, err, ErrStringTooLong)

	mustSet(t, d, "g", "This is a string", SetOptions{})
	for _, c := range []struct {
		start, end int64
		want       string
	}{{0, 3, "This"}, {-3, -1, "ing"}, {0, -1, "This is a string"}, {10, 100, "string"},
		{5, 3, ""}, {0, -100, "T"}, {-1, -5, ""}, {100, 200, ""}} {
		v, err := d.GetRange([]byte("g"), c.start, c.end, strNow)
		require.NoError(t, err)
		require.Equal(t, c.want, string(v), "GETRANGE %d %d", c.start, c.end)
	}
	v, err = d.GetRange([]byte("missing"), 0, -1, strNow)
	require.NoError(t, err)
	require.Empty(t, v)
}

func TestGetDelGetExDelVX(t *testing.T) {
	d := strTestDB(t)
	k := []byte("k")
	mustSet(t, d, "k", "v", SetOptions{})
	v, err := d.GetEx(at(strNow), k, GetExOptions{ExpireAt: 1700000100})
	require.NoError(t, err)
	require.Equal(t, "v", string(v))
	require.Equal(t, []byte{'v', 0x64, 0xf1, 0x53, 0x65}, rawString(t, d, "k"))
	_, err = d.GetEx(at(strNow), []byte("nope"), GetExOptions{})
	require.ErrorIs(t, err, ErrNotFound)

	v, err = d.GetDel(at(strNow), k)
	require.NoError(t, err)
	require.Equal(t, "v", string(v))
	rawStringMissing(t, d, "k")
	_, err = d.GetDel(at(strNow), k)
	require.ErrorIs(t, err, ErrNotFound)

	mustSet(t, d, "k", "v", SetOptions{})
	for _, c := range []struct {
		val  string
		want int64
	}{{"other", -1}, {"v", 1}, {"v", 0}} {
		n, err := d.DelVX(at(strNow), k, []byte(c.val))
		require.NoError(t, err)
		require.Equal(t, c.want, n, "DELVX %s", c.val)
	}
	rawStringMissing(t, d, "k")
}

func BenchmarkSet(b *testing.B) {
	e, err := Open(b.TempDir(), Options{})
	require.NoError(b, err)
	defer e.Close()
	d, _ := e.DB(0)
	val := make([]byte, 100)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		key := []byte(fmt.Sprintf("key:%d", i%100000))
		if _, err := d.Set(at(strNow), key, val, SetOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	e, err := Open(b.TempDir(), Options{})
	require.NoError(b, err)
	defer e.Close()
	d, _ := e.DB(0)
	val := make([]byte, 100)
	const n = 10000
	for i := 0; i < n; i++ {
		_, err := d.Set(at(strNow), []byte(fmt.Sprintf("key:%d", i)), val, SetOptions{})
		require.NoError(b, err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := d.Get([]byte(fmt.Sprintf("key:%d", i%n)), strNow); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetAllocs reads 100-byte values with prebuilt keys, so that
// -benchmem counts the engine's allocations only.
func BenchmarkGetAllocs(b *testing.B) {
	e, err := Open(b.TempDir(), Options{})
	require.NoError(b, err)
	defer e.Close()
	d, _ := e.DB(0)
	val := make([]byte, 100)
	const n = 10000
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("key:%d", i))
		_, err := d.Set(at(strNow), keys[i], val, SetOptions{})
		require.NoError(b, err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := d.Get(keys[i%n], strNow); err != nil {
			b.Fatal(err)
		}
	}
}
