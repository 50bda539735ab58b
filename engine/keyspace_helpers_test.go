package engine

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// Test helpers that write raw Pika records, so the key-space operations can
// be tested without the per-type command engines.

const ksNowMs = int64(1_700_000_000_500) // a time with a sub-second part
const ksNow = int32(1_700_000_000)       // ksNowMs in seconds

func ksWriter() Writer { return Writer{NowMs: ksNowMs} }

func ksDB(t *testing.T) (*Engine, *DB) {
	t.Helper()
	e := openTestEngine(t)
	d, err := e.DB(0)
	require.NoError(t, err)
	return e, d
}

func ksPutRaw(t *testing.T, d *DB, k Kind, cf int, key, value []byte) {
	t.Helper()
	require.NoError(t, d.update(k, Writer{NowMs: ksNowMs}, func(tx *txn) error {
		tx.put(cf, key, value)
		return nil
	}))
}

func ksGetRaw(t *testing.T, d *DB, k Kind, cf int, key []byte) []byte {
	t.Helper()
	r, err := d.read(k, false)
	require.NoError(t, err)
	defer r.close()
	v, err := r.get(cf, key)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	require.NoError(t, err)
	return v
}

func ksPutString(t *testing.T, d *DB, key, value string, ts int32) {
	t.Helper()
	ksPutRaw(t, d, KindStrings, cfMeta, []byte(key), encodeStringValue([]byte(value), ts))
}

// ksPutBase writes a hash, set or zset with one element at version ver.
func ksPutBase(t *testing.T, d *DB, k Kind, key string, ver, ts int32) {
	t.Helper()
	ksPutRaw(t, d, k, cfMeta, []byte(key), baseMeta{Count: 1, Version: ver, TS: ts}.encode())
	switch k {
	case KindHashes:
		ksPutRaw(t, d, k, cfData, encodeDataKey([]byte(key), ver, []byte("f")), []byte("v"))
	case KindSets:
		ksPutRaw(t, d, k, cfData, encodeDataKey([]byte(key), ver, []byte("m")), nil)
	case KindZSets:
		ksPutRaw(t, d, k, cfData, encodeDataKey([]byte(key), ver, []byte("m")), encodeScore(1.5))
		ksPutRaw(t, d, k, cfScore, encodeZSetScoreKey([]byte(key), ver, 1.5, []byte("m")), nil)
	}
}

// ksPutList writes a one-element list at version ver.
func ksPutList(t *testing.T, d *DB, key string, ver, ts int32) {
	t.Helper()
	ksPutRaw(t, d, KindLists, cfMeta, []byte(key), listMeta{Count: 1, Version: ver, TS: ts,
		Left: listInitialLeft - 1, Right: listInitialRight}.encode())
	ksPutRaw(t, d, KindLists, cfData, encodeListDataKey([]byte(key), ver, listInitialLeft), []byte("e"))
}

// ksPutStream writes a one-entry stream at version ver.
func ksPutStream(t *testing.T, d *DB, key string, ver int32) {
	t.Helper()
	id := StreamID{Ms: 5, Seq: 1}
	ksPutRaw(t, d, KindStreams, cfMeta, []byte(key), streamMeta{EntriesAdded: 1, FirstID: id, LastID: id,
		Length: 1, Version: ver}.encode())
	ksPutRaw(t, d, KindStreams, cfData, encodeStreamDataKey([]byte(key), ver, id), []byte{1, 0, 0, 0, 'f', 1, 0, 0, 0, 'v'})
}

// ksPutAllTypes makes key live in all six types, without TTL.
func ksPutAllTypes(t *testing.T, d *DB, key string) {
	t.Helper()
	ksPutString(t, d, key, "s", 0)
	ksPutBase(t, d, KindHashes, key, ksNow-100, 0)
	ksPutBase(t, d, KindSets, key, ksNow-100, 0)
	ksPutBase(t, d, KindZSets, key, ksNow-100, 0)
	ksPutList(t, d, key, ksNow-100, 0)
	ksPutStream(t, d, key, 2)
}

func ksStrings(keys [][]byte) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = string(k)
	}
	return out
}
