// Package history records the operations of a jepsen-lite run the way
// Jepsen does: every client operation is an invocation followed by exactly
// one completion (ok, fail or info), with times relative to the start of the
// run. A fail completion proves the operation had no effect; an info
// completion means its outcome is unknown (it may take effect at any time
// after its invocation).
package history

import (
	"sort"
	"sync"
	"time"
)

// Type is the kind of a history entry.
type Type string

// Entry types.
const (
	// Invoke starts an operation.
	Invoke Type = "invoke"
	// OK completes an operation that took effect (its results are known).
	OK Type = "ok"
	// Fail completes an operation that certainly did not take effect.
	Fail Type = "fail"
	// Info completes an operation whose outcome is unknown, or records a
	// nemesis event.
	Info Type = "info"
)

// NemesisProcess is the process number of nemesis events.
const NemesisProcess = -1

// Transfer is a bank transfer's arguments.
type Transfer struct {
	From   int   `json:"from"`
	To     int   `json:"to"`
	Amount int64 `json:"amount"`
}

// Op is one history entry. Which value fields are set depends on the
// workload and the function: Value for single values (a register write or
// read, an added element, an appended value), Values for collection reads,
// Nil for a read of a missing key.
type Op struct {
	Index    int       `json:"index"`
	Type     Type      `json:"type"`
	Process  int       `json:"process"`
	Workload string    `json:"workload,omitempty"`
	F        string    `json:"f"`
	Key      string    `json:"key,omitempty"`
	Value    int64     `json:"value,omitempty"`
	Values   []int64   `json:"values,omitempty"`
	Nil      bool      `json:"nil,omitempty"`
	Transfer *Transfer `json:"transfer,omitempty"`
	// Node is the index of the node the client talked to (-1 for none).
	Node int `json:"node"`
	// Time is nanoseconds since the start of the run.
	Time int64 `json:"time"`
	// Error is the error text of a fail or info completion, or the
	// description of a nemesis event.
	Error string `json:"error,omitempty"`
}

// Recorder collects a history from concurrent clients.
type Recorder struct {
	start time.Time
	mu    sync.Mutex
	ops   []Op
}

// NewRecorder starts a history; times are measured from now.
func NewRecorder() *Recorder { return &Recorder{start: time.Now()} }

// Now returns the current time of the run in nanoseconds.
func (r *Recorder) Now() int64 { return int64(time.Since(r.start)) }

// Add appends an entry, stamping its index and (when zero) its time, and
// returns the stamped entry.
func (r *Recorder) Add(op Op) Op {
	r.mu.Lock()
	defer r.mu.Unlock()
	if op.Time == 0 {
		op.Time = r.Now()
	}
	op.Index = len(r.ops)
	r.ops = append(r.ops, op)
	return op
}

// Ops returns a copy of the history so far.
func (r *Recorder) Ops() []Op {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Op(nil), r.ops...)
}

// Pair is an invocation and its completion.
type Pair struct {
	Invoke   Op
	Complete Op
}

// Pairs matches every client invocation with the next completion of the
// same process, in invocation order. An invocation without a completion
// (the run ended while it was in flight) is completed as info at the end
// of the history. Nemesis events are skipped.
func Pairs(ops []Op) []Pair {
	open := map[int]int{} // process -> index in out
	var out []Pair
	var end int64
	for _, op := range ops {
		if op.Time > end {
			end = op.Time
		}
		if op.Process == NemesisProcess {
			continue
		}
		if op.Type == Invoke {
			open[op.Process] = len(out)
			out = append(out, Pair{Invoke: op})
			continue
		}
		if i, ok := open[op.Process]; ok {
			out[i].Complete = op
			delete(open, op.Process)
		}
	}
	for _, i := range open {
		c := out[i].Invoke
		c.Type, c.Time, c.Error = Info, end+1, "no completion recorded"
		out[i].Complete = c
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Invoke.Index < out[j].Invoke.Index })
	return out
}

// Filter returns the entries of one workload (nemesis events included).
func Filter(ops []Op, workload string) []Op {
	var out []Op
	for _, op := range ops {
		if op.Workload == workload || op.Process == NemesisProcess {
			out = append(out, op)
		}
	}
	return out
}
