package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/linxGnu/grocksdb"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/node/nodetest"
)

// pikaCFs is what Pika 3.5.5 opens in each instance (spec §1.2), with the
// comparator of each column family ("" = bytewise).
var pikaCFs = map[string][][2]string{
	"strings": {{"default", ""}},
	"hashes":  {{"default", ""}, {"data_cf", ""}},
	"sets":    {{"default", ""}, {"member_cf", ""}},
	"lists":   {{"default", ""}, {"data_cf", "blackwidow.ListsDataKeyComparator"}},
	"zsets":   {{"default", ""}, {"data_cf", ""}, {"score_cf", "blackwidow.ZSetsScoreKeyComparator"}},
	"streams": {{"default", ""}, {"data_cf", ""}},
}

func admin(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := run(args, &out, &out)
	return code, out.String()
}

// writeAllTypes writes one key of every type in db0 and one in db1.
func writeAllTypes(t *testing.T, s *nodetest.Server) {
	t.Helper()
	ctx := context.Background()
	c := s.Client()
	defer c.Close()
	require.NoError(t, c.Set(ctx, "str", "hello", 0).Err())
	require.NoError(t, c.Incr(ctx, "ctr").Err())
	require.NoError(t, c.HSet(ctx, "hash", "f1", "v1", "f2", "v2").Err())
	require.NoError(t, c.RPush(ctx, "list", "a", "b", "c").Err())
	require.NoError(t, c.SAdd(ctx, "set", "x", "y").Err())
	require.NoError(t, c.ZAdd(ctx, "zset", redis.Z{Score: -1.5, Member: "m1"}, redis.Z{Score: 2, Member: "m2"}).Err())
	require.NoError(t, c.XAdd(ctx, &redis.XAddArgs{Stream: "stream", ID: "1-1", Values: []string{"k", "v"}}).Err())
	c1 := redis.NewClient(&redis.Options{Addr: s.Addr(), DB: 1, MaxRetries: -1})
	defer c1.Close()
	require.NoError(t, c1.Set(ctx, "db1:key", "in-db1", 0).Err())
}

// checkAllTypes reads back what writeAllTypes wrote.
func checkAllTypes(t *testing.T, s *nodetest.Server) {
	t.Helper()
	ctx := context.Background()
	c := s.Client()
	defer c.Close()
	require.Equal(t, "hello", c.Get(ctx, "str").Val())
	require.Equal(t, "1", c.Get(ctx, "ctr").Val())
	require.Equal(t, map[string]string{"f1": "v1", "f2": "v2"}, c.HGetAll(ctx, "hash").Val())
	require.Equal(t, []string{"a", "b", "c"}, c.LRange(ctx, "list", 0, -1).Val())
	require.ElementsMatch(t, []string{"x", "y"}, c.SMembers(ctx, "set").Val())
	require.Equal(t, []redis.Z{{Score: -1.5, Member: "m1"}, {Score: 2, Member: "m2"}}, c.ZRangeWithScores(ctx, "zset", 0, -1).Val())
	require.Equal(t, []redis.XMessage{{ID: "1-1", Values: map[string]any{"k": "v"}}}, c.XRange(ctx, "stream", "-", "+").Val())
	c1 := redis.NewClient(&redis.Options{Addr: s.Addr(), DB: 1, MaxRetries: -1})
	defer c1.Close()
	require.Equal(t, "in-db1", c1.Get(ctx, "db1:key").Val())
}

// openAsPika opens an instance read-only the way Pika 3.5.5 does (spec
// §1.3): exactly its column families, by name, with comparators of the
// names Pika registers. RocksDB refuses the open if the directory has any
// other column family or a comparator name differs.
func openAsPika(t *testing.T, dir string, cfs [][2]string) (*grocksdb.DB, []*grocksdb.ColumnFamilyHandle) {
	t.Helper()
	opts := grocksdb.NewDefaultOptions()
	t.Cleanup(opts.Destroy)
	names := make([]string, len(cfs))
	cfOpts := make([]*grocksdb.Options, len(cfs))
	for i, cf := range cfs {
		names[i] = cf[0]
		cfOpts[i] = grocksdb.NewDefaultOptions()
		t.Cleanup(cfOpts[i].Destroy)
		if cf[1] != "" {
			// Only the name is checked at open; this read-only handle is
			// never used to read these column families.
			cfOpts[i].SetComparator(grocksdb.NewComparator(cf[1], bytes.Compare))
		}
	}
	db, handles, err := grocksdb.OpenDbForReadOnlyColumnFamilies(opts, dir, names, cfOpts, false)
	require.NoError(t, err, "Pika's open of %s", dir)
	return db, handles
}

// TestStripForPika writes every type through a real node, stops it, strips
// its db-path, and checks that every instance has exactly Pika's column
// families, that Pika's open succeeds and finds the raw records, that the
// node refuses to restart beside its stale Raft state, and that without it
// the node adopts the directory again with every key intact.
func TestStripForPika(t *testing.T) {
	s := nodetest.Start(t, nodetest.Options{Config: "databases : 2\n", Args: []string{"--node-id", "n1"}})
	writeAllTypes(t, s)
	s.Stop()
	dbPath := filepath.Join(s.DataDir, "data", "db")

	code, out := admin(t, "column-families", dbPath)
	require.Zero(t, code, out)
	require.Equal(t, 12, strings.Count(out, " pikaraft_applied\n"), out)

	code, out = admin(t, "strip-for-pika", dbPath)
	require.Zero(t, code, out)
	require.Contains(t, out, "Pika 3.5 can open it now")
	require.FileExists(t, filepath.Join(dbPath, "PIKARAFT_STRIPPED"))

	opts := grocksdb.NewDefaultOptions()
	defer opts.Destroy()
	for _, db := range []string{"db0", "db1"} {
		for kind, cfs := range pikaCFs {
			dir := filepath.Join(dbPath, db, kind)
			names, err := grocksdb.ListColumnFamilies(opts, dir)
			require.NoError(t, err)
			want := make([]string, len(cfs))
			for i, cf := range cfs {
				want[i] = cf[0]
			}
			require.Equal(t, want, names, "%s/%s", db, kind)
			pdb, handles := openAsPika(t, dir, cfs)
			for _, h := range handles {
				h.Destroy()
			}
			pdb.Close()
		}
	}
	code, out = admin(t, "column-families", dbPath)
	require.Zero(t, code, out)
	require.NotContains(t, out, "pikaraft_applied")
	require.Contains(t, out, "db0/zsets: default data_cf score_cf\n")

	// The raw records are Pika's: "str" → "hello" | i32le 0 (spec §2.1).
	pdb, handles := openAsPika(t, filepath.Join(dbPath, "db0", "strings"), pikaCFs["strings"])
	ro := grocksdb.NewDefaultReadOptions()
	sl, err := pdb.GetCF(ro, handles[0], []byte("str"))
	require.NoError(t, err)
	v := bytes.Clone(sl.Data())
	sl.Free()
	ro.Destroy()
	handles[0].Destroy()
	pdb.Close()
	require.Equal(t, append([]byte("hello"), binary.LittleEndian.AppendUint32(nil, 0)...), v)

	// Stripping twice is harmless (a dump may already be stripped).
	code, out = admin(t, "strip-for-pika", dbPath)
	require.Zero(t, code, out)

	// Back to pikaraft: refused while the old Raft state is there...
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	raftDir := filepath.Join(s.DataDir, "data", "raft")
	cmd := exec.CommandContext(ctx, nodetest.Binary(t), "-c", filepath.Join(s.DataDir, "pika.conf"),
		"--port", strconv.Itoa(s.Port), "--data-dir", filepath.Join(s.DataDir, "data"))
	msg, err := cmd.CombinedOutput()
	require.Error(t, err, "%s", msg)
	require.Contains(t, string(msg), "move "+raftDir+" away")
	// ...and adopted as an in-place upgrade once it is moved away.
	require.NoError(t, os.Rename(raftDir, raftDir+".before-rollback"))
	s.SetArgs("--node-id", "n1", "--bootstrap-expect", "1")
	s.Restart()
	checkAllTypes(t, s)
	require.NoFileExists(t, filepath.Join(dbPath, "PIKARAFT_STRIPPED"))
}

// TestStripForPikaErrors covers the cases an operator can get wrong.
func TestStripForPikaErrors(t *testing.T) {
	code, out := admin(t)
	require.Equal(t, 2, code)
	require.Contains(t, out, "usage: pikaraft-admin")
	code, out = admin(t, "strip-for-pika")
	require.Equal(t, 2, code, out)
	code, out = admin(t, "bogus", "x")
	require.Equal(t, 2, code)
	require.Contains(t, out, `unknown command "bogus"`)
	code, out = admin(t, "strip-for-pika", filepath.Join(t.TempDir(), "missing"))
	require.Equal(t, 1, code)
	require.Contains(t, out, "no such file or directory")
	code, out = admin(t, "strip-for-pika", t.TempDir())
	require.Equal(t, 1, code)
	require.Contains(t, out, "is it a db-path?")

	// A running node holds the RocksDB lock: refused, nothing changed.
	s := nodetest.Start(t, nodetest.Options{})
	dbPath := filepath.Join(s.DataDir, "data", "db")
	code, out = admin(t, "strip-for-pika", dbPath)
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "is pikaraft still running")
	require.NoFileExists(t, filepath.Join(dbPath, "PIKARAFT_STRIPPED"))
	c := s.Client()
	defer c.Close()
	require.NoError(t, c.Set(context.Background(), "still", "works", 0).Err())
}

// TestMigrateRaftLog moves a stopped bolt node's Raft log to the WAL: the
// node restarts on it with every key, its term and its log, and goes on
// writing; a second run finds nothing to migrate.
func TestMigrateRaftLog(t *testing.T) {
	s := nodetest.Start(t, nodetest.Options{Config: "databases : 2\n", Args: []string{"--node-id", "n1", "--raft-log-store", "bolt"}})
	writeAllTypes(t, s)
	s.Stop()
	raftDir := filepath.Join(s.DataDir, "data", "raft")
	require.FileExists(t, filepath.Join(raftDir, "raft.db"))

	code, out := admin(t, "migrate-raft-log", raftDir)
	require.Zero(t, code, out)
	require.Contains(t, out, "copied raft log entries 1..")
	require.NoFileExists(t, filepath.Join(raftDir, "raft.db"))
	require.DirExists(t, filepath.Join(raftDir, "wal"))

	s.SetArgs()
	s.Restart()
	checkAllTypes(t, s)
	require.Contains(t, s.Log(), "log_store=wal")
	c := s.Client()
	defer c.Close()
	require.NoError(t, c.Set(context.Background(), "after", "migration", 0).Err())
	require.Equal(t, "migration", c.Get(context.Background(), "after").Val())

	code, out = admin(t, "migrate-raft-log", raftDir)
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "has no raft.db to migrate")
}
