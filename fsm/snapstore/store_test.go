package snapstore

import (
	"archive/tar"
	"bytes"
	"io"
	"log/slog"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine/trash"
)

var testConf = raft.Configuration{Servers: []raft.Server{{ID: "a", Address: "127.0.0.1:1"}}}

func newStore(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := New(dir, 2, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	return s
}

type member struct {
	name string
	data []byte
}

func testMembers() []member {
	rnd := rand.New(rand.NewSource(1))
	big := make([]byte, 3<<20+17)
	rnd.Read(big)
	return []member{
		{"MANIFEST.json", []byte(`{"version":1}`)},
		{"data/db0/strings/000007.sst", big},
		{"data/db0/strings/CURRENT", []byte("MANIFEST-000005\n")},
		{"data/db0/hashes/empty.log", nil},
		{"SUMS.json", []byte(`[]`)},
	}
}

func tarOf(t *testing.T, ms []member) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, m := range ms {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.data)), Typeflag: tar.TypeReg}))
		_, err := tw.Write(m.data)
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	return b.Bytes()
}

func create(t *testing.T, s *Store, index uint64) *Sink {
	t.Helper()
	sink, err := s.Create(1, index, 3, testConf, 1, nil)
	require.NoError(t, err)
	return sink.(*Sink)
}

// put stores archive as a complete snapshot at index.
func put(t *testing.T, s *Store, index uint64, archive []byte) {
	t.Helper()
	sink := create(t, s, index)
	_, err := sink.Write(archive)
	require.NoError(t, err)
	require.NoError(t, sink.Close())
}

func readAll(t *testing.T, s *Store, id string) (*raft.SnapshotMeta, []byte, io.ReadCloser) {
	t.Helper()
	meta, rc, err := s.Open(id)
	require.NoError(t, err)
	raw, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	return meta, raw, rc
}

func TestStreamedSnapshotIsUnpackedAndStreamsBackIdentically(t *testing.T) {
	s := newStore(t, t.TempDir())
	ms := testMembers()
	archive := tarOf(t, ms)
	sink := create(t, s, 10)
	for rest := archive; len(rest) > 0; { // in odd-sized pieces, as a network would
		n := min(len(rest), 70001)
		_, err := sink.Write(rest[:n])
		require.NoError(t, err)
		rest = rest[n:]
	}
	require.NoError(t, sink.Close())

	list, err := s.List()
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, uint64(10), list[0].Index)
	require.Equal(t, testConf, list[0].Configuration)

	meta, raw, rc := readAll(t, s, sink.ID())
	require.Equal(t, int64(len(archive)), meta.Size)
	require.Equal(t, archive, raw)
	r := rc.(*Reader)
	for i, m := range r.Members() {
		require.Equal(t, ms[i].name, m.Name)
		require.True(t, m.HasCRC)
		got, err := os.ReadFile(filepath.Join(r.Dir(), filepath.FromSlash(m.Name)))
		require.NoError(t, err)
		require.Equal(t, len(ms[i].data), len(got))
		require.True(t, bytes.Equal(ms[i].data, got))
	}
}

func TestLinkedSnapshotStreamsAsTar(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, filepath.Join(dir, "raft"))
	ms := testMembers()
	sink := create(t, s, 20)
	for _, m := range ms {
		if filepath.Ext(m.name) == ".json" {
			require.NoError(t, sink.WriteFile(m.name, m.data))
			continue
		}
		src := filepath.Join(dir, "src-"+filepath.Base(m.name))
		require.NoError(t, os.WriteFile(src, m.data, 0o644))
		require.NoError(t, sink.LinkFile(m.name, src))
		require.NoError(t, os.Remove(src)) // the snapshot keeps its own link
	}
	require.NoError(t, sink.Close())
	meta, raw, _ := readAll(t, s, sink.ID())
	want := tarOf(t, ms)
	require.Equal(t, int64(len(want)), meta.Size)
	require.Equal(t, want, raw)
}

func TestBadStreamIsRefused(t *testing.T) {
	s := newStore(t, t.TempDir())
	sink := create(t, s, 5)
	_, _ = sink.Write(tarOf(t, []member{{"../escape", []byte("x")}}))
	require.Error(t, sink.Close())
	list, err := s.List()
	require.NoError(t, err)
	require.Empty(t, list)

	sink = create(t, s, 6)
	_, _ = sink.Write([]byte("not a tar stream at all, just some bytes"))
	require.Error(t, sink.Close())
	entries, err := os.ReadDir(s.dir)
	require.NoError(t, err)
	require.Empty(t, entries, "a failed snapshot leaves nothing behind")
}

func TestCancelAndRetention(t *testing.T) {
	s := newStore(t, t.TempDir())
	archive := tarOf(t, testMembers())
	sink := create(t, s, 1)
	_, err := sink.Write(archive[:1000])
	require.NoError(t, err)
	require.NoError(t, sink.Cancel())
	for i := uint64(2); i <= 4; i++ {
		put(t, s, i, archive)
	}
	list, err := s.List()
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, []uint64{4, 3}, []uint64{list[0].Index, list[1].Index})
	entries, err := os.ReadDir(s.dir)
	require.NoError(t, err)
	require.Len(t, entries, 2)
}

func TestLegacyFileSnapshotsAreRead(t *testing.T) {
	dir := t.TempDir()
	fss, err := raft.NewFileSnapshotStore(dir, 2, io.Discard)
	require.NoError(t, err)
	_, trans := raft.NewInmemTransport("")
	sink, err := fss.Create(1, 7, 2, testConf, 1, trans)
	require.NoError(t, err)
	archive := tarOf(t, testMembers())
	_, err = sink.Write(archive)
	require.NoError(t, err)
	require.NoError(t, sink.Close())

	s := newStore(t, dir)
	list, err := s.List()
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, uint64(7), list[0].Index)
	meta, raw, _ := readAll(t, s, list[0].ID)
	require.Equal(t, int64(len(archive)), meta.Size)
	require.Equal(t, archive, raw)

	// A newer snapshot in the new format is listed first; reaping keeps two.
	for i := uint64(8); i <= 9; i++ {
		sink := create(t, s, i)
		_, err := sink.Write(archive)
		require.NoError(t, err)
		require.NoError(t, sink.Close())
	}
	list, err = s.List()
	require.NoError(t, err)
	require.Equal(t, []uint64{9, 8}, []uint64{list[0].Index, list[1].Index})
	_, err = os.Stat(filepath.Join(dir, "snapshots", list[0].ID, treeMetaName))
	require.NoError(t, err)
	entries, err := os.ReadDir(filepath.Join(dir, "snapshots"))
	require.NoError(t, err)
	require.Len(t, entries, 2, "the legacy snapshot was reaped")
}

func TestUnfinishedSnapshotRemovedOnOpen(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, dir)
	sink := create(t, s, 1)
	_, err := sink.Write(tarOf(t, testMembers())) // crash before Close
	require.NoError(t, err)
	s2 := newStore(t, dir)
	entries, err := os.ReadDir(s2.dir)
	require.NoError(t, err)
	require.Empty(t, entries)
}

// With a trash bin, old snapshots leave the listing at once and their files
// go in the background; a snapshot being deleted is never listed.
func TestRetentionThroughTrash(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, dir)
	bin := trash.New(slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer bin.Close()
	// What an earlier process left half-deleted: a whole snapshot, tree.json
	// included, under the trash suffix.
	left := filepath.Join(s.dir, "3-1-1"+trash.Suffix)
	require.NoError(t, os.MkdirAll(filepath.Join(left, filesDir), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(left, treeMetaName), []byte(`{"ID":"3-1-1","Index":1,"Term":3,"Version":1}`), 0o644))
	require.NoError(t, s.SetTrash(bin))
	archive := tarOf(t, testMembers())
	for i := uint64(2); i <= 4; i++ {
		put(t, s, i, archive)
		list, err := s.List()
		require.NoError(t, err)
		for _, m := range list {
			require.GreaterOrEqual(t, m.Index, uint64(2), "the half-deleted snapshot is not listed")
		}
	}
	list, err := s.List()
	require.NoError(t, err)
	require.Equal(t, []uint64{4, 3}, []uint64{list[0].Index, list[1].Index})
	require.Eventually(t, func() bool { return bin.Pending() == 0 }, 10*time.Second, 5*time.Millisecond)
	entries, err := os.ReadDir(s.dir)
	require.NoError(t, err)
	require.Len(t, entries, 2, "the reaped snapshot and the leftover are gone")
	_, raw, _ := readAll(t, s, list[1].ID)
	require.Equal(t, archive, raw)
}
