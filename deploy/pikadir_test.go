package deploy_test

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/linxGnu/grocksdb"
	"github.com/stretchr/testify/require"
)

// fixtureNowMs is a time shortly after the real Pika 3.5.5 wrote the
// fixture data (the automatic stream ID 1795314903928-0 plus two minutes;
// see resp/command/fixture_test.go): the keys with 1-second TTLs are gone
// by then, those with TTLs of 1000 s and more are still there. The servers
// in these tests run with their clocks shifted to it (clock-offset-ms).
const fixtureNowMs = 1795314903928 + 120_000

// rawVersion is the collection version the raw records below use (a
// second in the past of fixtureNowMs, as Pika would have written).
const rawVersion = int32(fixtureNowMs/1000 - 3600)

// rawRecords describes what writeRawPikaRecords puts into db0, as the
// client sees it.
type rawRecords struct {
	Strings map[string]string // GET key → value (no TTL)
	TTLKey  string            // a string with an absolute expiry
	TTLSec  int64             // its remaining TTL at fixtureNowMs
	Hash    string            // HGETALL key
	Fields  map[string]string // its fields
	Set     string            // SMEMBERS key
	Members []string          // its members
}

// u32le, i32le encode Pika's little-endian integers (spec §2.0).
func u32le(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func i32le(v int32) []byte  { return binary.LittleEndian.AppendUint32(nil, uint32(v)) }

// baseMeta is Pika's 12-byte collection meta value: count, version, expiry.
func baseMeta(count, version, ts int32) []byte {
	return append(append(i32le(count), i32le(version)...), i32le(ts)...)
}

// dataKey is Pika's base data key: u32le len | key | i32le version | suffix.
func dataKey(key string, version int32, suffix string) []byte {
	out := append(u32le(uint32(len(key))), key...)
	out = append(out, i32le(version)...)
	return append(out, suffix...)
}

// openPikaInstance opens one instance directory the way Pika 3.5.5 does on
// start (spec §1.3): all of its column families by their exact names, none
// created. Only bytewise instances are opened here, so no custom
// comparator is needed.
func openPikaInstance(t *testing.T, dir string, cfs []string) (*grocksdb.DB, []*grocksdb.ColumnFamilyHandle) {
	t.Helper()
	opts := grocksdb.NewDefaultOptions()
	t.Cleanup(opts.Destroy)
	opts.SetCreateIfMissingColumnFamilies(false)
	cfOpts := make([]*grocksdb.Options, len(cfs))
	for i := range cfs {
		cfOpts[i] = grocksdb.NewDefaultOptions()
		t.Cleanup(cfOpts[i].Destroy)
	}
	db, handles, err := grocksdb.OpenDbColumnFamilies(opts, dir, cfs, cfOpts)
	require.NoError(t, err, "open %s with Pika's column families %v", dir, cfs)
	return db, handles
}

// writeRawPikaRecords adds records to a Pika db-path with plain RocksDB
// writes in Pika 3.5.5's encoding (spec §2.1–2.3), not through pikaraft's
// engine: strings (one with an expiry), a hash and a set, in db0.
func writeRawPikaRecords(t *testing.T, dbPath string) rawRecords {
	t.Helper()
	r := rawRecords{
		Strings: map[string]string{},
		TTLKey:  "raw:ttl", TTLSec: 7200,
		Hash: "raw:hash", Fields: map[string]string{"f1": "v1", "f2": "", "f\x00bin": "\xff\x00"},
		Set: "raw:set", Members: []string{"a", "b", "c"},
	}
	wo := grocksdb.NewDefaultWriteOptions()
	defer wo.Destroy()

	db, cfs := openPikaInstance(t, filepath.Join(dbPath, "db0", "strings"), []string{"default"})
	for i := 0; i < 500; i++ {
		k, v := fmt.Sprintf("raw:str:%03d", i), fmt.Sprintf("value-%d", i)
		r.Strings[k] = v
		require.NoError(t, db.PutCF(wo, cfs[0], []byte(k), append([]byte(v), i32le(0)...)))
	}
	expiry := int32(fixtureNowMs/1000 + r.TTLSec)
	require.NoError(t, db.PutCF(wo, cfs[0], []byte(r.TTLKey), append([]byte("soon"), i32le(expiry)...)))
	closeInstance(db, cfs)

	db, cfs = openPikaInstance(t, filepath.Join(dbPath, "db0", "hashes"), []string{"default", "data_cf"})
	require.NoError(t, db.PutCF(wo, cfs[0], []byte(r.Hash), baseMeta(int32(len(r.Fields)), rawVersion, 0)))
	for f, v := range r.Fields {
		require.NoError(t, db.PutCF(wo, cfs[1], dataKey(r.Hash, rawVersion, f), []byte(v)))
	}
	closeInstance(db, cfs)

	db, cfs = openPikaInstance(t, filepath.Join(dbPath, "db0", "sets"), []string{"default", "member_cf"})
	require.NoError(t, db.PutCF(wo, cfs[0], []byte(r.Set), baseMeta(int32(len(r.Members)), rawVersion, 0)))
	for _, m := range r.Members {
		require.NoError(t, db.PutCF(wo, cfs[1], dataKey(r.Set, rawVersion, m), nil))
	}
	closeInstance(db, cfs)
	return r
}

func closeInstance(db *grocksdb.DB, cfs []*grocksdb.ColumnFamilyHandle) {
	for _, h := range cfs {
		h.Destroy()
	}
	db.Close()
}
