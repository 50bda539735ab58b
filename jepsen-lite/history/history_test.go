package history

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPairsMatchesCompletionsAndClosesOpenOps(t *testing.T) {
	r := NewRecorder()
	a := r.Add(Op{Type: Invoke, Process: 0, F: "write", Key: "k", Value: 1, Time: 10})
	r.Add(Op{Type: Invoke, Process: 1, F: "read", Key: "k", Time: 11})
	r.Add(Op{Type: Info, Process: NemesisProcess, F: "start-kill", Time: 12, Error: "n1"})
	r.Add(Op{Type: OK, Process: 1, F: "read", Key: "k", Value: 1, Time: 13})
	r.Add(Op{Type: Invoke, Process: 2, F: "write", Key: "k", Value: 2, Time: 14})
	r.Add(Op{Type: Fail, Process: 0, F: "write", Key: "k", Value: 1, Time: 20})
	ps := Pairs(r.Ops())
	require.Len(t, ps, 3)
	require.Equal(t, a.Index, ps[0].Invoke.Index)
	require.Equal(t, Fail, ps[0].Complete.Type)
	require.Equal(t, int64(1), ps[1].Complete.Value)
	// Process 2 never completed: info after the last event.
	require.Equal(t, Info, ps[2].Complete.Type)
	require.Equal(t, int64(21), ps[2].Complete.Time)
}

func TestFormats(t *testing.T) {
	ops := []Op{
		{Index: 0, Type: Invoke, Process: 3, Workload: "register", F: "read", Key: "k", Node: 1, Time: 5},
		{Index: 1, Type: OK, Process: 3, Workload: "register", F: "read", Key: "k", Nil: true, Node: 1, Time: 9},
		{Index: 2, Type: Info, Process: NemesisProcess, F: "start-kill", Node: -1, Time: 10, Error: "n2 (leader)"},
		{Index: 3, Type: OK, Process: 4, Workload: "set", F: "final-read", Key: "s", Values: []int64{1, 2}, Node: 0, Time: 11},
		{Index: 4, Type: Info, Process: 5, Workload: "bank", F: "transfer", Transfer: &Transfer{From: 1, To: 2, Amount: 3}, Time: 12, Error: "i/o timeout"},
	}
	var b bytes.Buffer
	require.NoError(t, WriteEDN(&b, ops))
	require.Equal(t, `{:index 0, :type :invoke, :process 3, :workload :register, :f :read, :key "k", :value nil, :node 1, :time 5}
{:index 1, :type :ok, :process 3, :workload :register, :f :read, :key "k", :value nil, :node 1, :time 9}
{:index 2, :type :info, :process :nemesis, :f :start-kill, :time 10, :error "n2 (leader)"}
{:index 3, :type :ok, :process 4, :workload :set, :f :final-read, :key "s", :value [1 2], :node 0, :time 11}
{:index 4, :type :info, :process 5, :workload :bank, :f :transfer, :value {:from 1, :to 2, :amount 3}, :node 0, :time 12, :error "i/o timeout"}
`, b.String())

	b.Reset()
	require.NoError(t, WriteJSON(&b, ops))
	back, err := ReadJSON(&b)
	require.NoError(t, err)
	require.Equal(t, ops, back)
}
