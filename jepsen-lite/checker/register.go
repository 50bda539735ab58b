package checker

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/pikaraft/pikaraft/jepsen-lite/history"
)

// Register functions: read (GET; Value, or Nil for a missing key), write
// (SET Value) and incr (INCR; Value is the reply).
const (
	FRead  = "read"
	FWrite = "write"
	FIncr  = "incr"
)

type regState struct {
	V      int64
	Exists bool
}

type regInput struct {
	F       string
	V       int64 // written value
	Unknown bool  // the outcome is unknown: any output is possible
}

type regOutput struct {
	V      int64
	Exists bool
}

// RegisterModel is the sequential specification of one Redis string key
// holding an integer, for GET, SET and INCR.
var RegisterModel = porcupine.Model{
	Init: func() interface{} { return regState{} },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		s, in, out := state.(regState), input.(regInput), output.(regOutput)
		switch in.F {
		case FRead:
			return out.Exists == s.Exists && (!s.Exists || out.V == s.V), s
		case FWrite:
			return true, regState{V: in.V, Exists: true}
		case FIncr:
			next := regState{V: s.V + 1, Exists: true}
			return in.Unknown || out.V == next.V, next
		}
		return false, s
	},
	DescribeOperation: func(input, output interface{}) string {
		in, out := input.(regInput), output.(regOutput)
		switch in.F {
		case FRead:
			if !out.Exists {
				return "get -> nil"
			}
			return fmt.Sprintf("get -> %d", out.V)
		case FWrite:
			return fmt.Sprintf("set %d", in.V)
		}
		if in.Unknown {
			return "incr -> ?"
		}
		return fmt.Sprintf("incr -> %d", out.V)
	},
	DescribeState: func(state interface{}) string {
		s := state.(regState)
		if !s.Exists {
			return "nil"
		}
		return fmt.Sprint(s.V)
	},
}

type keyViz struct {
	key  string
	info porcupine.LinearizationInfo
}

// RegisterOps converts one key's pairs into porcupine operations: failed
// operations and reads without a result are left out; a write or incr
// whose outcome is unknown returns at end (after every other event), as
// Jepsen does for indeterminate operations. Metadata is the invocation's
// history index.
func RegisterOps(pairs []history.Pair, end int64) []porcupine.Operation {
	var out []porcupine.Operation
	for _, p := range pairs {
		inv, c := p.Invoke, p.Complete
		if c.Type == history.Fail || (inv.F == FRead && c.Type != history.OK) {
			continue
		}
		op := porcupine.Operation{ClientId: inv.Process, Call: inv.Time, Return: c.Time, Metadata: inv.Index}
		in := regInput{F: inv.F, V: inv.Value}
		var o regOutput
		if c.Type == history.OK {
			o = regOutput{V: c.Value, Exists: !c.Nil}
		} else {
			in.Unknown = true
			op.Return = end
		}
		op.Input, op.Output = in, o
		out = append(out, op)
	}
	return out
}

// Register checks a register history for linearizability, each key on its
// own, giving each key's search at most timeout.
func Register(workload string, ops []history.Op, timeout time.Duration) *Result {
	pairs := history.Pairs(ops)
	r := newResult(workload, pairs)
	end := horizon(ops)
	keys, m := byKey(pairs)
	byIndex := map[int]history.Pair{}
	for _, p := range pairs {
		byIndex[p.Invoke.Index] = p
	}
	unknown := 0
	for _, key := range keys {
		pops := RegisterOps(m[key], end)
		res, info := porcupine.CheckOperationsVerbose(RegisterModel, pops, timeout)
		switch res {
		case porcupine.Illegal:
			r.add(Anomaly{Kind: "nonlinearizable", Key: key,
				Detail: fmt.Sprintf("no linearization of the %d operations on %s exists", len(pops), key),
				Ops:    failingOps(info, byIndex)})
			r.viz = append(r.viz, keyViz{key: key, info: info})
		case porcupine.Unknown:
			unknown++
			r.Notes = append(r.Notes, fmt.Sprintf("linearizability search for %s timed out after %s", key, timeout))
		}
	}
	r.Notes = append(r.Notes, fmt.Sprintf("%d keys checked for linearizability", len(keys)))
	if unknown > 0 && r.Status == Valid {
		r.Status = Unknown
	}
	return r
}

// failingOps returns a small sub-history around where the search got
// stuck: the last operations of the longest partial linearization and the
// operations that could have come next, none of which fits.
func failingOps(info porcupine.LinearizationInfo, byIndex map[int]history.Pair) []history.Op {
	partials := info.PartialLinearizationsOperations()
	if len(partials) == 0 {
		return nil
	}
	var longest []porcupine.Operation
	for _, l := range partials[0] {
		if len(l) > len(longest) {
			longest = l
		}
	}
	done := map[int]bool{}
	for _, op := range longest {
		done[op.Metadata.(int)] = true
	}
	var out []history.Op
	start := len(longest) - 3
	if start < 0 {
		start = 0
	}
	indexes := []int{}
	for _, op := range longest[start:] {
		indexes = append(indexes, op.Metadata.(int))
	}
	// The next candidates: operations of the same key not linearized that
	// were invoked before the earliest return among them.
	key := ""
	if len(longest) > 0 {
		key = byIndex[longest[0].Metadata.(int)].Invoke.Key
	}
	var cands []history.Pair
	for idx, p := range byIndex {
		if p.Invoke.Key == key && !done[idx] && !(p.Invoke.F == FRead && p.Complete.Type != history.OK) && p.Complete.Type != history.Fail {
			cands = append(cands, p)
		}
	}
	if len(cands) > 0 {
		minRet := cands[0].Complete.Time
		for _, p := range cands {
			if p.Complete.Type == history.OK && p.Complete.Time < minRet {
				minRet = p.Complete.Time
			}
		}
		for _, p := range cands {
			if p.Invoke.Time <= minRet {
				indexes = append(indexes, p.Invoke.Index)
			}
		}
	}
	sort.Ints(indexes)
	for _, idx := range indexes {
		p := byIndex[idx]
		out = append(out, p.Invoke, p.Complete)
	}
	return out
}

// WriteVisualizations writes porcupine's HTML rendering of every
// non-linearizable key into dir and records the file names.
func (r *Result) WriteVisualizations(dir string) error {
	if len(r.viz) == 0 {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("visualizations: %w", err)
	}
	r.Visualizations = map[string]string{}
	for _, v := range r.viz {
		name := "linear-" + strings.NewReplacer(":", "_", "/", "_").Replace(v.key) + ".html"
		path := filepath.Join(dir, name)
		if err := porcupine.VisualizePath(RegisterModel, v.info, path); err != nil {
			return fmt.Errorf("visualize %s: %w", v.key, err)
		}
		r.Visualizations[v.key] = name
	}
	return nil
}
