package node

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/resp/command"
)

// nodetest.now replies with the cluster time and position the FSM gave it,
// so the tests see what a write handler sees without depending on data
// commands.
func init() {
	command.Commands.Register(&command.Spec{
		Name: "nodetest.now", Arity: 1, Flags: command.FlagWrite,
		Run: func(c *command.Ctx, argv [][]byte) command.Reply {
			return command.Status(fmt.Sprintf("%d %d", c.NowMs, c.W.Pos.Index))
		},
	}, &command.Spec{
		// nodetest.sleep ms: an entry whose apply takes ms milliseconds.
		Name: "nodetest.sleep", Arity: 2, Flags: command.FlagWrite,
		Run: func(c *command.Ctx, argv [][]byte) command.Reply {
			ms, _ := strconv.Atoi(string(argv[1]))
			time.Sleep(time.Duration(ms) * time.Millisecond)
			return command.OK()
		},
	}, &command.Spec{
		Name: "nodetest.hincr", Arity: 3, Flags: command.FlagWrite,
		Run: func(c *command.Ctx, argv [][]byte) command.Reply {
			v, err := c.DB.HIncrBy(c.W, argv[1], argv[2], 1)
			if err != nil {
				return command.ErrReply(err)
			}
			return command.Int(v)
		},
	})
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

func testConfig(t *testing.T, dir string) Config {
	return Config{
		ID: "n1", RaftDir: filepath.Join(dir, "raft"), DBPath: filepath.Join(dir, "db"),
		RaftBind: freeAddr(t), Bootstrap: true, Logger: quiet,
		HeartbeatTimeout: 200 * time.Millisecond, ElectionTimeout: 200 * time.Millisecond,
	}
}

func openNode(t *testing.T, cfg Config) *Node {
	t.Helper()
	n, err := Open(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close() })
	return n
}

func nowCmd() [][][]byte { return [][][]byte{{[]byte("nodetest.now")}} }

func writeNow(t *testing.T, n *Node) (now int64, index uint64) {
	t.Helper()
	r, err := n.Write(context.Background(), 0, nowCmd())
	require.NoError(t, err)
	require.Len(t, r, 1)
	_, err = fmt.Sscanf(r[0].Str, "%d %d", &now, &index)
	require.NoError(t, err, r[0].Str)
	return now, index
}

func TestWriteAndReadOnSingleNode(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	clock := int64(5_000_000)
	cfg.Clock = func() int64 { return clock }
	n := openNode(t, cfg)

	now, idx := writeNow(t, n)
	require.Equal(t, int64(5_000_000), now)
	_, idx2 := writeNow(t, n)
	require.Greater(t, idx2, idx)

	// A clock that jumps back does not move cluster time back.
	clock = 4_000_000
	now, _ = writeNow(t, n)
	require.Equal(t, int64(5_000_000), now)
	rt, err := n.ReadTime(context.Background(), false)
	require.NoError(t, err)
	require.Equal(t, int64(5_000_000), rt)
	rt, err = n.ReadTime(context.Background(), true)
	require.NoError(t, err)
	require.Equal(t, int64(5_000_000), rt)

	// Wrong database: a deterministic error reply from the FSM.
	r, err := n.Write(context.Background(), 9, nowCmd())
	require.NoError(t, err)
	require.Equal(t, []command.Reply{command.Err("ERR DB index is out of range")}, r)
}

func TestConcurrentReadsShareVerification(t *testing.T) {
	n := openNode(t, testConfig(t, t.TempDir()))
	_, idx := writeNow(t, n)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := n.ReadTime(context.Background(), false)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.GreaterOrEqual(t, n.fsm.AppliedIndex(), idx)
}

func TestRestartAfterSnapshotAndTruncation(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	cfg.TrailingLogs = 5
	cfg.Clock = func() int64 { return 7_000_000 }
	n, err := Open(cfg)
	require.NoError(t, err)
	var last uint64
	for i := 0; i < 50; i++ {
		_, last = writeNow(t, n)
	}
	require.NoError(t, n.Raft().Snapshot().Error())
	first, err := n.store.FirstIndex()
	require.NoError(t, err)
	require.Greater(t, first, uint64(1), "log was not truncated")
	require.NoError(t, n.Close())

	// Restart with a slow clock: raft resumes after the snapshot (compacted
	// entries are not asked for, nothing after it is replayed) and the
	// cluster time comes back from the snapshot's manifest.
	cfg.Clock = func() int64 { return 1_000 }
	cfg.RaftBind = freeAddr(t)
	n2 := openNode(t, cfg)
	now, idx := writeNow(t, n2)
	require.Equal(t, int64(7_000_000), now)
	require.Greater(t, idx, last)
}

func TestCloseRefusesNewWrites(t *testing.T) {
	n, err := Open(testConfig(t, t.TempDir()))
	require.NoError(t, err)
	writeNow(t, n)
	require.NoError(t, n.Close())
	_, err = n.Write(context.Background(), 0, nowCmd())
	require.ErrorIs(t, err, ErrShuttingDown)
	require.NoError(t, n.Close())
}

func TestRefusesEngineAheadOfLostRaftState(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	n, err := Open(cfg)
	require.NoError(t, err)
	r, err := n.Write(context.Background(), 0, [][][]byte{{[]byte("nodetest.hincr"), []byte("h"), []byte("f")}})
	require.NoError(t, err)
	require.Equal(t, []command.Reply{command.Int(1)}, r)
	require.NoError(t, n.Close())
	require.NoError(t, os.RemoveAll(cfg.RaftDir))
	cfg.RaftBind = freeAddr(t)
	_, err = Open(cfg)
	require.ErrorContains(t, err, "raft state was lost")
}
