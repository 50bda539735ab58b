package node

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/fsm"
	"github.com/pikaraft/pikaraft/resp/command"
)

// queued is a queued write of cmds (each "NAME arg ...") in database db.
func queued(db int, cmds ...string) *queuedWrite {
	e := &fsm.Entry{DB: db}
	for _, c := range cmds {
		var argv [][]byte
		for _, a := range strings.Fields(c) {
			argv = append(argv, []byte(a))
		}
		e.Cmds = append(e.Cmds, argv)
	}
	return newQueuedWrite(e)
}

func TestPackEntries(t *testing.T) {
	big := strings.Repeat("v", coalesceMaxBytes/2+1)
	many := make([]string, coalesceMaxCmds-1)
	for i := range many {
		many[i] = fmt.Sprintf("SET m%d 1", i)
	}
	cases := []struct {
		name  string
		batch []*queuedWrite
		want  [][]int // queue positions per entry
	}{
		{"different keys share one entry",
			[]*queuedWrite{queued(0, "SET a 1"), queued(0, "INCR b"), queued(0, "HSET h f v", "LPUSH l x")}, [][]int{{0, 1, 2}}},
		{"a key two writers modify goes to another entry",
			[]*queuedWrite{queued(0, "SET a 1"), queued(0, "SET b 1"), queued(0, "INCR a"), queued(0, "SET c 1")}, [][]int{{0, 1, 3}, {2}}},
		{"one writer's commands on one key stay together",
			[]*queuedWrite{queued(0, "SET a 1", "INCR a"), queued(0, "SET b 1")}, [][]int{{0, 1}}},
		{"reads name no key",
			[]*queuedWrite{queued(0, "SET a 1"), queued(0, "GET a", "SET b 1")}, [][]int{{0, 1}}},
		{"the same key in another database is another version",
			[]*queuedWrite{queued(0, "SET a 1"), queued(1, "SET a 1"), queued(1, "SET b 1")}, [][]int{{0}, {1, 2}}},
		{"a database epoch bump is alone",
			[]*queuedWrite{queued(0, "SET a 1"), queued(0, "FLUSHDB"), queued(0, "SET b 1")}, [][]int{{0, 2}, {1}}},
		{"FLUSHALL is alone",
			[]*queuedWrite{queued(0, "FLUSHALL"), queued(0, "SET b 1")}, [][]int{{0}, {1}}},
		{"command limit",
			[]*queuedWrite{queued(0, many...), queued(0, "SET x 1"), queued(0, "SET y 1")}, [][]int{{0, 1}, {2}}},
		{"byte limit",
			[]*queuedWrite{queued(0, "SET a "+big), queued(0, "SET b "+big), queued(0, "SET c 1")}, [][]int{{0, 2}, {1}}},
		{"a write over the limits is alone, not split",
			[]*queuedWrite{queued(0, "SET a "+big, "SET b "+big), queued(0, "SET c 1")}, [][]int{{0}, {1}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pos := map[*queuedWrite]int{}
			for i, w := range tc.batch {
				pos[w] = i
			}
			var got [][]int
			for _, e := range packEntries(tc.batch) {
				var ids []int
				for _, w := range e {
					ids = append(ids, pos[w])
				}
				got = append(got, ids)
			}
			require.Equal(t, tc.want, got)
		})
	}
}

// Concurrent writers on the leader share log entries and each gets its own
// replies, in the order of its commands.
func TestConcurrentWritesShareEntries(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Engine.Databases = 2
	n := openNode(t, cfg)
	writeNow(t, n) // leader and writable
	before := n.raft.LastIndex()

	// Writers 0-7 also increment one counter they share; every tenth
	// writer uses database 1.
	const writers, writes, sharing = 40, 25, 8
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	shared := make(chan int64, sharing*writes)
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, key := 0, []byte(fmt.Sprintf("k%d", g))
			if g%10 == 9 {
				db = 1
			}
			cmds := [][][]byte{{[]byte("INCR"), key}}
			if g < sharing {
				cmds = append(cmds, [][]byte{[]byte("INCR"), []byte("shared")})
			}
			for i := 1; i <= writes; i++ {
				r, err := n.Write(context.Background(), db, cmds)
				if err != nil {
					errs <- err
					return
				}
				if len(r) != len(cmds) || r[0].Type != command.TypeInt || r[0].Int != int64(i) {
					errs <- fmt.Errorf("writer %d write %d: replies %v", g, i, r)
					return
				}
				if g < sharing {
					shared <- r[1].Int
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	close(shared)
	for err := range errs {
		require.NoError(t, err)
	}
	// The shared counter handed out 1..N, each value once.
	seen := map[int64]bool{}
	for v := range shared {
		require.False(t, seen[v], "shared counter value %d twice", v)
		seen[v] = true
	}
	for v := int64(1); v <= sharing*writes; v++ {
		require.True(t, seen[v], "shared counter value %d missing", v)
	}

	entries := n.raft.LastIndex() - before
	require.Less(t, entries, uint64(writers*writes), "1000 writes took %d log entries", entries)
	t.Logf("%d writes in %d log entries", writers*writes, entries)
}

// A batch stuck in flight does not hold back the writes queued behind it:
// once it is overdue, the queue is proposed as a second batch.
func TestStuckBatchLetsQueueGoAhead(t *testing.T) {
	n := openNode(t, testConfig(t, t.TempDir()))
	writeNow(t, n)
	idx := n.raft.LastIndex()
	slow := make(chan error, 1)
	go func() {
		_, err := n.Write(context.Background(), 0, [][][]byte{{[]byte("nodetest.sleep"), []byte("1500")}})
		slow <- err
	}()
	require.Eventually(t, func() bool { return n.raft.LastIndex() > idx }, 2*time.Second, time.Millisecond)
	idx = n.raft.LastIndex()
	time.Sleep(50 * time.Millisecond) // the slow batch is overdue

	fast := make(chan error, 1)
	go func() {
		r, err := n.Write(context.Background(), 0, [][][]byte{{[]byte("SET"), []byte("k"), []byte("v")}})
		if err == nil && (len(r) != 1 || r[0].Str != "OK") {
			err = fmt.Errorf("SET replied %v", r)
		}
		fast <- err
	}()
	// The SET reaches the log while the slow entry is still being applied.
	require.Eventually(t, func() bool { return n.raft.LastIndex() > idx }, time.Second, time.Millisecond)
	select {
	case err := <-slow:
		t.Fatalf("the slow write finished (%v) before the check", err)
	default:
	}
	require.NoError(t, <-slow)
	require.NoError(t, <-fast)
}
