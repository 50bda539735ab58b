package snapstore

import (
	"bufio"
	"bytes"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// streamOverTCP sends the snapshot id of from to a new sink of to the way
// hashicorp/raft's NetworkTransport does: io.Copy into a 256 KB bufio.Writer
// on the leader's TCP connection (Reader.WriteTo, file contents by
// sendfile), io.Copy from a 256 KB bufio.Reader on the follower's side into
// the sink (Sink.ReadFrom).
func streamOverTCP(t *testing.T, from *Store, id string, to *Store, index uint64) (*Sink, int64, error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	meta, rc, err := from.Open(id)
	require.NoError(t, err)
	defer rc.Close()
	sent := make(chan error, 1)
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			sent <- err
			return
		}
		defer c.Close()
		w := bufio.NewWriterSize(c, 256<<10)
		_, err = w.Write([]byte("rpc header")) // buffered bytes before the stream, as raft's RPC header
		if err == nil {
			_, err = io.Copy(w, rc)
		}
		if err == nil {
			err = w.Flush()
		}
		sent <- err
	}()
	c, err := ln.Accept()
	require.NoError(t, err)
	defer c.Close()
	r := bufio.NewReaderSize(c, 256<<10)
	head := make([]byte, len("rpc header"))
	_, err = io.ReadFull(r, head)
	require.NoError(t, err)
	sink := create(t, to, index)
	n, err := io.Copy(sink, io.LimitReader(r, meta.Size))
	require.NoError(t, <-sent)
	return sink, n, err
}

func TestSnapshotStreamsOverTCPIntoAnotherStore(t *testing.T) {
	ms := testMembers()
	archive := tarOf(t, ms)
	leader := newStore(t, t.TempDir())
	sink := create(t, leader, 10)
	_, err := sink.Write(archive)
	require.NoError(t, err)
	require.NoError(t, sink.Close())

	follower := newStore(t, t.TempDir())
	got, n, err := streamOverTCP(t, leader, sink.ID(), follower, 10)
	require.NoError(t, err)
	require.Equal(t, int64(len(archive)), n, "raft compares the count with the snapshot size")
	require.NoError(t, got.Close())

	meta, raw, rc := readAll(t, follower, got.ID())
	require.Equal(t, int64(len(archive)), meta.Size)
	require.Equal(t, archive, raw)
	members := rc.(*Reader).Members()
	require.Len(t, members, len(ms))
	for i, m := range members {
		require.Equal(t, ms[i].name, m.Name)
		require.True(t, m.HasCRC)
		data, err := os.ReadFile(filepath.Join(rc.(*Reader).Dir(), filepath.FromSlash(m.Name)))
		require.NoError(t, err)
		require.True(t, bytes.Equal(ms[i].data, data), "member %s", m.Name)
		require.Equal(t, crc32.Checksum(ms[i].data, castagnoli), m.CRC32C, "member %s", m.Name)
	}
}

func TestWriteToProducesTheTarStream(t *testing.T) {
	ms := testMembers()
	archive := tarOf(t, ms)
	s := newStore(t, t.TempDir())
	sink := create(t, s, 3)
	_, err := sink.Write(archive)
	require.NoError(t, err)
	require.NoError(t, sink.Close())

	_, rc, err := s.Open(sink.ID())
	require.NoError(t, err)
	var b bytes.Buffer
	n, err := io.Copy(&b, rc) // bytes.Buffer takes the files through ReadFrom
	require.NoError(t, err)
	require.Equal(t, int64(len(archive)), n)
	require.Equal(t, archive, b.Bytes())
	require.NoError(t, rc.Close())

	_, rc, err = s.Open(sink.ID())
	require.NoError(t, err)
	_, err = rc.Read(make([]byte, 10))
	require.NoError(t, err)
	_, err = rc.(*Reader).WriteTo(io.Discard)
	require.Error(t, err, "a stream already read from cannot start again")
	require.NoError(t, rc.Close())
}

func TestReadFromRefusesBadStreams(t *testing.T) {
	s := newStore(t, t.TempDir())
	archive := tarOf(t, testMembers())

	cut := create(t, s, 1) // the connection drops in the middle of the big member
	_, err := cut.ReadFrom(bytes.NewReader(archive[:2<<20]))
	require.Error(t, err)
	require.NoError(t, cut.Cancel())

	escape := create(t, s, 2)
	_, err = escape.ReadFrom(bytes.NewReader(tarOf(t, []member{{"../escape", []byte("x")}})))
	require.Error(t, err)
	require.Error(t, escape.Close())

	junk := create(t, s, 3)
	_, err = junk.ReadFrom(bytes.NewReader([]byte("not a tar stream at all, just some bytes")))
	require.Error(t, err)
	require.NoError(t, junk.Cancel())

	used := create(t, s, 4)
	_, err = used.Write(archive[:100])
	require.NoError(t, err)
	_, err = used.ReadFrom(bytes.NewReader(archive[100:]))
	require.Error(t, err, "a sink takes one stream")
	require.NoError(t, used.Cancel())

	list, err := s.List()
	require.NoError(t, err)
	require.Empty(t, list)
	entries, err := os.ReadDir(s.dir)
	require.NoError(t, err)
	require.Empty(t, entries, "failed snapshots leave nothing behind")

	ok := create(t, s, 5)
	n, err := ok.ReadFrom(bytes.NewReader(archive))
	require.NoError(t, err)
	require.Equal(t, int64(len(archive)), n)
	_, err = ok.Write([]byte("more"))
	require.Error(t, err, "no writes after ReadFrom")
	require.NoError(t, ok.Close())
	_, raw, _ := readAll(t, s, ok.ID())
	require.Equal(t, archive, raw)
}

func TestReceivingIsLogged(t *testing.T) {
	var logs bytes.Buffer
	s, err := New(t.TempDir(), 2, slog.New(slog.NewTextHandler(&logs, nil)))
	require.NoError(t, err)
	archive := tarOf(t, testMembers())
	sink := create(t, s, 7)
	_, err = sink.ReadFrom(bytes.NewReader(archive))
	require.NoError(t, err)
	require.NoError(t, sink.Close())
	require.Contains(t, logs.String(), fmt.Sprintf(`msg="snapstore: snapshot received" id=%s bytes=%d files=5`, sink.ID(), len(archive)))
}
