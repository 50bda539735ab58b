package checker

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/jepsen-lite/history"
)

// hist builds hand-made histories: each call adds an invocation at `at`
// and its completion at `until`.
type hist struct{ ops []history.Op }

func (h *hist) add(process int, f, key string, arg int64, at, until int64, typ history.Type, res func(*history.Op)) {
	inv := history.Op{Index: len(h.ops), Type: history.Invoke, Process: process, F: f, Key: key, Value: arg, Time: at}
	if f == FRead || f == FFinalRead {
		inv.Value = 0
	}
	h.ops = append(h.ops, inv)
	c := inv
	c.Index, c.Type, c.Time = len(h.ops), typ, until
	if res != nil {
		res(&c)
	}
	h.ops = append(h.ops, c)
}

func val(v int64) func(*history.Op) { return func(o *history.Op) { o.Value = v } }
func vals(v ...int64) func(*history.Op) {
	return func(o *history.Op) { o.Values = append([]int64{}, v...) }
}
func nilRead(o *history.Op) { o.Nil = true }

func kinds(r *Result) []string {
	var out []string
	for _, a := range r.Anomalies {
		out = append(out, a.Kind)
	}
	return out
}

func TestRegisterLinearizable(t *testing.T) {
	h := &hist{}
	h.add(0, FWrite, "k", 1, 0, 10, history.OK, nil)
	h.add(1, FRead, "k", 0, 5, 15, history.OK, val(1))
	h.add(0, FIncr, "k", 0, 20, 30, history.OK, val(2))
	// An indeterminate write may take effect at any later time...
	h.add(2, FWrite, "k", 7, 31, 40, history.Info, nil)
	h.add(1, FRead, "k", 0, 50, 60, history.OK, val(2))
	h.add(1, FRead, "k", 0, 70, 80, history.OK, val(7))
	// ...and an indeterminate incr may have applied, with any result.
	h.add(0, FIncr, "k", 0, 90, 95, history.Info, nil)
	h.add(1, FRead, "k", 0, 100, 110, history.OK, val(8))
	// Failed operations have no effect.
	h.add(2, FWrite, "k", 99, 111, 112, history.Fail, nil)
	h.add(1, FRead, "k", 0, 120, 130, history.OK, val(8))
	// Another key starts empty.
	h.add(3, FRead, "j", 0, 0, 5, history.OK, nilRead)
	r := Register("register", h.ops, time.Minute)
	require.Equal(t, Valid, r.Status, "%+v", r.Anomalies)
	require.Equal(t, 6, r.Counts[FRead][history.OK])
	require.Equal(t, 1, r.Counts[FIncr][history.Info])
}

func TestRegisterStaleReadIsCaught(t *testing.T) {
	h := &hist{}
	h.add(0, FWrite, "k", 1, 0, 10, history.OK, nil)
	h.add(0, FWrite, "k", 2, 20, 30, history.OK, nil)
	// Begins after the write of 2 was acknowledged, yet sees 1.
	h.add(1, FRead, "k", 0, 40, 50, history.OK, val(1))
	r := Register("register", h.ops, time.Minute)
	require.Equal(t, Invalid, r.Status)
	require.Equal(t, []string{"nonlinearizable"}, kinds(r))
	require.Equal(t, "k", r.Anomalies[0].Key)
	// The sub-history names the stale read.
	var sawRead bool
	for _, op := range r.Anomalies[0].Ops {
		sawRead = sawRead || (op.F == FRead && op.Type == history.OK && op.Value == 1)
	}
	require.True(t, sawRead, "%+v", r.Anomalies[0].Ops)

	dir := t.TempDir()
	require.NoError(t, r.WriteVisualizations(dir))
	require.FileExists(t, dir+"/"+r.Visualizations["k"])
}

func TestRegisterLostIncrAndPhantomValueAreCaught(t *testing.T) {
	// Two acknowledged increments, but a later read sees only one.
	h := &hist{}
	h.add(0, FIncr, "a", 0, 0, 10, history.OK, val(1))
	h.add(1, FIncr, "a", 0, 0, 10, history.OK, val(2))
	h.add(2, FRead, "a", 0, 20, 30, history.OK, val(1))
	// A value nobody wrote.
	h.add(3, FRead, "b", 0, 0, 10, history.OK, val(42))
	r := Register("register", h.ops, time.Minute)
	require.Equal(t, Invalid, r.Status)
	require.ElementsMatch(t, []string{"nonlinearizable", "nonlinearizable"}, kinds(r))
}

func TestRegisterDuplicateApplyIsCaught(t *testing.T) {
	// One INCR applied twice: the second reply is 3 although only two
	// increments were ever invoked.
	h := &hist{}
	h.add(0, FIncr, "a", 0, 0, 10, history.OK, val(2))
	h.add(1, FIncr, "a", 0, 20, 30, history.OK, val(3))
	r := Register("register", h.ops, time.Minute)
	require.Equal(t, Invalid, r.Status)
}

func TestSetValid(t *testing.T) {
	h := &hist{}
	h.add(0, FAdd, "s", 1, 0, 10, history.OK, nil)
	h.add(1, FAdd, "s", 2, 0, 10, history.Info, nil) // unknown: may or may not be there
	h.add(2, FAdd, "s", 3, 0, 10, history.Fail, nil)
	h.add(3, FRead, "s", 0, 5, 8, history.OK, vals()) // concurrent with the adds
	h.add(3, FRead, "s", 0, 11, 12, history.OK, vals(1))
	h.add(4, FFinalRead, "s", 0, 20, 21, history.OK, vals(1))
	h.add(5, FFinalRead, "s", 0, 20, 21, history.OK, vals(1))
	r := Set("set", h.ops)
	require.Equal(t, Valid, r.Status, "%+v", r.Anomalies)
}

func TestSetLostWriteIsCaught(t *testing.T) {
	h := &hist{}
	h.add(0, FAdd, "s", 1, 0, 10, history.OK, nil)
	h.add(0, FAdd, "s", 2, 10, 20, history.OK, nil)
	h.add(4, FFinalRead, "s", 0, 30, 31, history.OK, vals(1))
	r := Set("set", h.ops)
	require.Equal(t, Invalid, r.Status)
	require.Equal(t, []string{"lost"}, kinds(r))
	require.Contains(t, r.Anomalies[0].Detail, "2 was acknowledged")
}

func TestSetUnexpectedStaleAndDivergentAreCaught(t *testing.T) {
	h := &hist{}
	h.add(0, FAdd, "s", 1, 0, 10, history.OK, nil)
	h.add(1, FAdd, "s", 2, 0, 10, history.Info, nil)
	// 2 is seen, so every later read must hold it.
	h.add(2, FRead, "s", 0, 20, 30, history.OK, vals(1, 2))
	h.add(2, FRead, "s", 0, 40, 50, history.OK, vals(1))
	// 9 was never added; 3 (a failed add) has no effect.
	h.add(3, FAdd, "s", 3, 0, 10, history.Fail, nil)
	h.add(2, FRead, "s", 0, 60, 70, history.OK, vals(1, 2, 3, 9))
	h.add(4, FFinalRead, "s", 0, 80, 81, history.OK, vals(1, 2))
	h.add(5, FFinalRead, "s", 0, 80, 81, history.OK, vals(1))
	r := Set("set", h.ops)
	require.Equal(t, Invalid, r.Status)
	require.ElementsMatch(t, []string{"stale-read", "unexpected", "unexpected", "lost", "divergent"}, kinds(r))
}

func TestSetWithoutFinalReadIsUnknown(t *testing.T) {
	h := &hist{}
	h.add(0, FAdd, "s", 1, 0, 10, history.OK, nil)
	require.Equal(t, Unknown, Set("set", h.ops).Status)
}

func TestListAppendValid(t *testing.T) {
	h := &hist{}
	h.add(0, FAppend, "l", 10, 0, 10, history.OK, val(1))
	h.add(1, FAppend, "l", 20, 5, 15, history.OK, val(2))
	h.add(2, FAppend, "l", 30, 5, 15, history.Info, nil)
	h.add(3, FRead, "l", 0, 6, 7, history.OK, vals(10))
	h.add(3, FRead, "l", 0, 20, 21, history.OK, vals(10, 20))
	h.add(4, FFinalRead, "l", 0, 30, 31, history.OK, vals(10, 20, 30))
	h.add(5, FFinalRead, "l", 0, 30, 31, history.OK, vals(10, 20, 30))
	r := ListAppend("list-append", h.ops)
	require.Equal(t, Valid, r.Status, "%+v", r.Anomalies)
}

func TestListAppendAnomaliesAreCaught(t *testing.T) {
	h := &hist{}
	h.add(0, FAppend, "l", 10, 0, 10, history.OK, val(1))
	h.add(1, FAppend, "l", 20, 0, 10, history.OK, val(2))
	h.add(2, FAppend, "l", 30, 0, 10, history.OK, val(3))
	// Order disagreement and a duplicate.
	h.add(3, FRead, "l", 0, 12, 13, history.OK, vals(20, 10))
	h.add(3, FRead, "l", 0, 14, 15, history.OK, vals(10, 20, 20))
	// 30 acknowledged at position 3 but lost.
	h.add(4, FFinalRead, "l", 0, 30, 31, history.OK, vals(10, 20))
	r := ListAppend("list-append", h.ops)
	require.Equal(t, Invalid, r.Status)
	got := kinds(r)
	for _, k := range []string{"incompatible-order", "duplicate", "lost", "wrong-position"} {
		require.Contains(t, got, k)
	}
}

func TestBank(t *testing.T) {
	h := &hist{}
	h.add(0, FTransfer, "", 0, 0, 10, history.OK, nil)
	h.add(1, FRead, "", 0, 11, 12, history.OK, vals(99, 101, 100))
	h.add(2, FFinalRead, "", 0, 20, 21, history.OK, vals(99, 101, 100))
	require.Equal(t, Valid, Bank("bank", h.ops, 3, 300).Status)

	h.add(1, FRead, "", 0, 13, 14, history.OK, vals(99, 100, 100))
	h.add(3, FFinalRead, "", 0, 20, 21, history.OK, vals(100, 100, 100))
	r := Bank("bank", h.ops, 3, 300)
	require.Equal(t, Invalid, r.Status)
	require.ElementsMatch(t, []string{"bad-total", "divergent"}, kinds(r))
}

func TestBankNoOverdraft(t *testing.T) {
	h := &hist{}
	h.add(1, FRead, "", 0, 11, 12, history.OK, vals(0, 200, 100))
	h.add(2, FFinalRead, "", 0, 20, 21, history.OK, vals(0, 200, 100))
	require.Equal(t, Valid, BankNoOverdraft("bank", h.ops, 3, 300).Status)

	h.add(1, FRead, "", 0, 13, 14, history.OK, vals(-1, 201, 100))
	r := BankNoOverdraft("bank", h.ops, 3, 300)
	require.Equal(t, Invalid, r.Status)
	require.Equal(t, []string{"overdraft"}, kinds(r))
	require.Equal(t, Valid, Bank("bank", h.ops, 3, 300).Status, "plain Bank allows negative balances")
}
