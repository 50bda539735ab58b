package engine

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// hsFillHash creates key with fields f00..f(n-1), values v00...
func hsFillHash(t *testing.T, d *DB, key string, n int) {
	t.Helper()
	var kv []string
	for i := 0; i < n; i++ {
		kv = append(kv, fmt.Sprintf("f%02d", i), fmt.Sprintf("v%02d", i))
	}
	_, err := d.HSet(hsW(hsT0), []byte(key), hsFV(kv...))
	require.NoError(t, err)
}

func TestHScanFullCycle(t *testing.T) {
	d := hsDB(t)
	hsFillHash(t, d, "h", 25)
	var got []string
	cursor, calls := uint64(0), 0
	for {
		next, fvs, err := d.HScan([]byte("h"), cursor, nil, 10, hsT0)
		require.NoError(t, err)
		got = append(got, hsFlat(fvs)...)
		calls++
		if next == 0 {
			break
		}
		require.Equal(t, cursor+10, next)
		cursor = next
	}
	require.Equal(t, 3, calls)
	require.Len(t, got, 50)
	require.Equal(t, []string{"f00", "v00"}, got[:2])
	require.Equal(t, []string{"f24", "v24"}, got[48:])

	// MATCH filters what was visited; a literal prefix narrows the walk.
	next, fvs, err := d.HScan([]byte("h"), 0, []byte("f1*"), 100, hsT0)
	require.NoError(t, err)
	require.Zero(t, next)
	require.Len(t, fvs, 10)
	next, fvs, err = d.HScan([]byte("h"), 0, []byte("*3"), 100, hsT0)
	require.NoError(t, err)
	require.Zero(t, next)
	require.Equal(t, []string{"f03", "v03", "f13", "v13", "f23", "v23"}, hsFlat(fvs))

	next, fvs, err = d.HScan([]byte("missing"), 0, nil, 10, hsT0)
	require.NoError(t, err)
	require.Zero(t, next)
	require.Empty(t, fvs)
}

func TestScanSurvivesConcurrentWrites(t *testing.T) {
	d := hsDB(t)
	members := hsFillSet(t, d, "s", 40, hsT0)
	seen, removed := map[string]bool{}, map[string]bool{}
	cursor := uint64(0)
	for round := 0; ; round++ {
		next, got, err := d.SScan([]byte("s"), cursor, nil, 7, hsT0)
		require.NoError(t, err)
		for _, m := range got {
			seen[string(m)] = true
		}
		if next == 0 {
			break
		}
		// Between calls, two members behind the cursor disappear. Resuming
		// by position would now skip two; the hint resumes at the exact member.
		_, err = d.SRem(hsW(hsT0), []byte("s"), hsB(members[2*round], members[2*round+1]))
		require.NoError(t, err)
		removed[members[2*round]], removed[members[2*round+1]] = true, true
		cursor = next
	}
	for _, m := range members {
		if !removed[m] {
			require.True(t, seen[m], m)
		}
	}
}

func TestSScanWithoutHint(t *testing.T) {
	d := hsDB(t)
	members := hsFillSet(t, d, "s", 30, hsT0)
	// A cursor this node never issued resumes by position.
	next, got, err := d.SScan([]byte("s"), 12, []byte("m*"), 5, hsT0)
	require.NoError(t, err)
	require.EqualValues(t, 17, next)
	require.Equal(t, members[12:17], hsS(got))
	next, got, err = d.SScan([]byte("s"), 1000, nil, 5, hsT0)
	require.NoError(t, err)
	require.Zero(t, next)
	require.Empty(t, got)
}

func TestHScanX(t *testing.T) {
	d := hsDB(t)
	hsFillHash(t, d, "h", 12)
	fvs, next, err := d.HScanX([]byte("h"), []byte("f03"), nil, 4, hsT0)
	require.NoError(t, err)
	require.Equal(t, []string{"f03", "v03", "f04", "v04", "f05", "v05", "f06", "v06"}, hsFlat(fvs))
	require.Equal(t, "f07", string(next))
	fvs, next, err = d.HScanX([]byte("h"), []byte("f09"), []byte("*1*"), 10, hsT0)
	require.NoError(t, err)
	require.Equal(t, []string{"f10", "v10", "f11", "v11"}, hsFlat(fvs))
	require.Empty(t, next)
	fvs, next, err = d.HScanX([]byte("h"), nil, nil, 2, hsT0)
	require.NoError(t, err)
	require.Equal(t, []string{"f00", "v00", "f01", "v01"}, hsFlat(fvs))
	require.Equal(t, "f02", string(next))
}

func TestPKHScanRange(t *testing.T) {
	d := hsDB(t)
	hsFillHash(t, d, "h", 10)
	fvs, next, err := d.PKHScanRange([]byte("h"), []byte("f02"), []byte("f05"), nil, 10, hsT0)
	require.NoError(t, err)
	require.Equal(t, []string{"f02", "v02", "f03", "v03", "f04", "v04", "f05", "v05"}, hsFlat(fvs))
	require.Empty(t, next)
	fvs, next, err = d.PKHScanRange([]byte("h"), []byte("f02"), []byte("f05"), nil, 2, hsT0)
	require.NoError(t, err)
	require.Equal(t, []string{"f02", "v02", "f03", "v03"}, hsFlat(fvs))
	require.Equal(t, "f04", string(next))
	fvs, next, err = d.PKHScanRange([]byte("h"), nil, nil, []byte("*[13]"), 3, hsT0)
	require.NoError(t, err)
	require.Equal(t, []string{"f01", "v01"}, hsFlat(fvs))
	require.Equal(t, "f03", string(next))
	_, _, err = d.PKHScanRange([]byte("h"), []byte("f05"), []byte("f02"), nil, 3, hsT0)
	require.ErrorIs(t, err, ErrInvalidRange)

	fvs, next, err = d.PKHRScanRange([]byte("h"), []byte("f05"), []byte("f02"), nil, 3, hsT0)
	require.NoError(t, err)
	require.Equal(t, []string{"f05", "v05", "f04", "v04", "f03", "v03"}, hsFlat(fvs))
	require.Equal(t, "f02", string(next))
	fvs, next, err = d.PKHRScanRange([]byte("h"), nil, nil, nil, 2, hsT0)
	require.NoError(t, err)
	require.Equal(t, []string{"f09", "v09", "f08", "v08"}, hsFlat(fvs))
	require.Equal(t, "f07", string(next))
	fvs, next, err = d.PKHRScanRange([]byte("h"), []byte("f055"), []byte(""), nil, 100, hsT0)
	require.NoError(t, err)
	require.Len(t, fvs, 6, "starts at the last field <= start")
	require.Empty(t, next)
	_, _, err = d.PKHRScanRange([]byte("h"), []byte("f02"), []byte("f05"), nil, 3, hsT0)
	require.ErrorIs(t, err, ErrInvalidRange)

	// A neighbouring key's records are outside the range of h.
	hsFillHash(t, d, "hh", 3)
	hsFillHash(t, d, "g", 3)
	fvs, _, err = d.PKHRScanRange([]byte("hh"), nil, nil, nil, 100, hsT0)
	require.NoError(t, err)
	require.Len(t, fvs, 3)
}
