// Package checker decides whether a jepsen-lite history is valid: register
// histories are checked for linearizability with porcupine (one partition
// per key), sets and lists for lost, unexpected, duplicated and stale
// elements, bank histories for a constant total.
package checker

import (
	"github.com/pikaraft/pikaraft/jepsen-lite/history"
)

// Status is a checker's verdict.
type Status string

// Verdicts.
const (
	// Valid: no anomaly.
	Valid Status = "valid"
	// Invalid: at least one anomaly.
	Invalid Status = "invalid"
	// Unknown: the checker gave up (a linearizability search timed out)
	// and found no anomaly before that.
	Unknown Status = "unknown"
)

// Anomaly is one violation found in a history.
type Anomaly struct {
	// Kind names the violation: nonlinearizable, lost, unexpected,
	// stale-read, duplicate, incompatible-order, wrong-position,
	// divergent, bad-total.
	Kind string `json:"kind"`
	Key  string `json:"key,omitempty"`
	// Detail explains the violation in one sentence.
	Detail string `json:"detail"`
	// Ops is a small failing sub-history: the operations that together
	// show the violation.
	Ops []history.Op `json:"ops,omitempty"`
}

// Result is one workload's verdict.
type Result struct {
	Workload string `json:"workload"`
	Status   Status `json:"status"`
	// Counts is the number of completions per function and type, e.g.
	// counts["write"]["info"].
	Counts    map[string]map[history.Type]int `json:"counts"`
	Anomalies []Anomaly                       `json:"anomalies,omitempty"`
	// Notes are facts about the check (keys checked, timeouts, skips).
	Notes []string `json:"notes,omitempty"`
	// Visualizations maps a non-linearizable key to the file holding
	// porcupine's HTML rendering of its history (set when written).
	Visualizations map[string]string `json:"visualizations,omitempty"`

	viz []keyViz
}

// Valid reports whether the verdict is valid.
func (r *Result) Valid() bool { return r.Status == Valid }

func newResult(workload string, pairs []history.Pair) *Result {
	r := &Result{Workload: workload, Status: Valid, Counts: map[string]map[history.Type]int{}}
	for _, p := range pairs {
		m := r.Counts[p.Invoke.F]
		if m == nil {
			m = map[history.Type]int{}
			r.Counts[p.Invoke.F] = m
		}
		m[p.Complete.Type]++
	}
	return r
}

func (r *Result) add(a Anomaly) {
	r.Anomalies = append(r.Anomalies, a)
	r.Status = Invalid
}

// maxAnomalies caps how many anomalies of one kind a result lists.
const maxAnomalies = 20

// addCapped adds an anomaly unless maxAnomalies of its kind are listed
// already; it returns false when the anomaly was only counted.
func (r *Result) addCapped(a Anomaly, counted map[string]int) {
	counted[a.Kind]++
	if counted[a.Kind] <= maxAnomalies {
		r.add(a)
		return
	}
	r.Status = Invalid
}

// noteCapped adds a note saying how many anomalies were not listed.
func (r *Result) noteCapped(counted map[string]int) {
	for kind, n := range counted {
		if n > maxAnomalies {
			r.Notes = append(r.Notes, itoa(n)+" "+kind+" anomalies in total, the first "+itoa(maxAnomalies)+" listed")
		}
	}
}
