package fsm

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/resp/command"
)

// preparingObserver counts PrepareSnapshot calls and observes nothing else.
type preparingObserver struct{ prepared int }

func (o *preparingObserver) BeginEntry(*engine.Engine, uint64, uint64, int64, int) {}
func (o *preparingObserver) Command(*command.Ctx, [][]byte, command.Reply)         {}
func (o *preparingObserver) EndEntry()                                             {}
func (o *preparingObserver) EndBatch()                                             {}
func (o *preparingObserver) Snapshot() (json.RawMessage, error)                    { return nil, nil }
func (o *preparingObserver) Restored(uint64, int64, json.RawMessage)               {}
func (o *preparingObserver) PrepareSnapshot() error                                { o.prepared++; return nil }

func TestPrepareSnapshotFlushesMemtablesAndPreparesTheObserver(t *testing.T) {
	f := openFSM(t, t.TempDir())
	obs := &preparingObserver{}
	f.SetObserver(obs)
	d, err := f.Engine().DB(0)
	require.NoError(t, err)
	_, err = d.Set(engine.Writer{NowMs: 1}, []byte("k"), []byte("v"), engine.SetOptions{})
	require.NoError(t, err)
	inMem := func() uint64 {
		n, _, err := f.Engine().IntProperty(0, engine.KindStrings, "rocksdb.num-entries-active-mem-table")
		require.NoError(t, err)
		return n
	}
	require.NotZero(t, inMem())

	require.NoError(t, f.PrepareSnapshot())

	require.Zero(t, inMem())
	require.Equal(t, 1, obs.prepared)
	v, err := d.Get([]byte("k"), 1)
	require.NoError(t, err)
	require.Equal(t, "v", string(v))
}
