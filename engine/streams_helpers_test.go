package engine

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Helpers for the stream tests.

func stW(ms int64) Writer { return Writer{NowMs: ms} }

func stDB(t *testing.T) *DB {
	t.Helper()
	_, d := ksDB(t)
	return d
}

func stFields(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

// stExplicit is the XADD argument for the explicit ID ms-seq.
func stExplicit(ms, seq uint64) XAddArgs {
	return XAddArgs{Mode: StreamIDExplicit, ID: StreamID{ms, seq}}
}

// stAdd adds an entry with an explicit ID and requires success.
func stAdd(t *testing.T, d *DB, key string, ms, seq uint64, fields ...string) {
	t.Helper()
	id, err := d.XAdd(stW(ksNowMs), []byte(key), stExplicit(ms, seq), stFields(fields...))
	require.NoError(t, err)
	require.Equal(t, StreamID{ms, seq}, id)
}

// stMeta decodes the raw meta record of key.
func stMeta(t *testing.T, d *DB, key string) streamMeta {
	t.Helper()
	raw := ksGetRaw(t, d, KindStreams, cfMeta, []byte(key))
	require.NotNil(t, raw, "stream meta of %q", key)
	m, err := decodeStreamMeta(raw)
	require.NoError(t, err)
	return m
}

// stIDs returns the IDs of entries as "ms-seq" strings.
func stIDs(entries []StreamEntry) []string {
	out := []string{}
	for _, e := range entries {
		out = append(out, e.ID.String())
	}
	return out
}

// stAll reads every entry of key (nil for a missing stream).
func stAll(t *testing.T, d *DB, key string) []StreamEntry {
	t.Helper()
	es, err := d.XRange([]byte(key), StreamID{}, MaxStreamID, 0, false)
	if err == ErrNotFound {
		return nil
	}
	require.NoError(t, err)
	return es
}

// stRawData lists every data record of the streams instance as
// (key bytes, value bytes).
func stRawData(t *testing.T, d *DB) [][2][]byte {
	t.Helper()
	r, err := d.read(KindStreams, true)
	require.NoError(t, err)
	defer r.close()
	it := r.iter(cfData, nil, nil)
	defer it.Close()
	var out [][2][]byte
	for it.SeekToFirst(); it.Valid(); it.Next() {
		out = append(out, [2][]byte{it.KeyCopy(), it.ValueCopy()})
	}
	require.NoError(t, it.Err())
	return out
}

// stParseID parses "ms-seq".
func stParseID(t *testing.T, s string) StreamID {
	t.Helper()
	msStr, seqStr, ok := strings.Cut(s, "-")
	require.True(t, ok, s)
	ms, err := strconv.ParseUint(msStr, 10, 64)
	require.NoError(t, err, s)
	seq, err := strconv.ParseUint(seqStr, 10, 64)
	require.NoError(t, err, s)
	return StreamID{ms, seq}
}
