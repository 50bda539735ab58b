package checker

import (
	"fmt"
	"slices"

	"github.com/pikaraft/pikaraft/jepsen-lite/history"
)

// Collection functions shared by the set and list-append workloads: add
// (SADD) or append (RPUSH) one unique Value, read (SMEMBERS/LRANGE during
// the run) and final-read (one per node after healing and convergence).
const (
	FAdd       = "add"
	FAppend    = "append"
	FFinalRead = "final-read"
)

// elems indexes the writes of one key of a collection history.
type elems struct {
	write   map[int64]history.Pair // element -> its add/append (fail excluded)
	known   map[int64]int64        // element -> time from which every read must contain it
	knownBy map[int64]history.Op   // the op that made it known (ack or read)
	reads   []history.Pair         // ok reads, in invocation order
	finals  []history.Pair         // ok final reads
	acked   []int64                // elements whose write was acknowledged
}

func indexElems(pairs []history.Pair, writeF string) *elems {
	e := &elems{write: map[int64]history.Pair{}, known: map[int64]int64{}, knownBy: map[int64]history.Op{}}
	for _, p := range pairs {
		if p.Invoke.F == writeF && p.Complete.Type != history.Fail {
			e.write[p.Invoke.Value] = p
			if p.Complete.Type == history.OK {
				e.acked = append(e.acked, p.Invoke.Value)
				e.learn(p.Invoke.Value, p.Complete)
			}
		}
	}
	for _, p := range pairs {
		if (p.Invoke.F == FRead || p.Invoke.F == FFinalRead) && p.Complete.Type == history.OK {
			e.reads = append(e.reads, p)
			if p.Invoke.F == FFinalRead {
				e.finals = append(e.finals, p)
			}
			for _, v := range p.Complete.Values {
				if _, ok := e.write[v]; ok {
					e.learn(v, p.Complete)
				}
			}
		}
	}
	return e
}

func (e *elems) learn(v int64, by history.Op) {
	if t, ok := e.known[v]; !ok || by.Time < t {
		e.known[v] = by.Time
		e.knownBy[v] = by
	}
}

// checkReads finds, in every ok read: elements nobody wrote (or written
// only after the read returned) and elements missing although they were
// acknowledged or seen by another read before this read began (a stale
// read during the run; a lost write in a final read).
func (e *elems) checkReads(r *Result, key string, counted map[string]int) {
	for _, rd := range e.reads {
		in := map[int64]bool{}
		for _, v := range rd.Complete.Values {
			in[v] = true
			w, ok := e.write[v]
			if !ok || w.Invoke.Time > rd.Complete.Time {
				r.addCapped(Anomaly{Kind: "unexpected", Key: key,
					Detail: fmt.Sprintf("read of %s returned %d, which no write before it could have added", key, v),
					Ops:    []history.Op{rd.Invoke, rd.Complete}}, counted)
			}
		}
		var missing []int64
		for v, t := range e.known {
			if t < rd.Invoke.Time && !in[v] {
				missing = append(missing, v)
			}
		}
		slices.Sort(missing)
		for _, v := range missing {
			kind, what := "stale-read", "a read"
			if rd.Invoke.F == FFinalRead {
				kind, what = "lost", fmt.Sprintf("the final read on node %d", rd.Complete.Node)
			}
			by := e.knownBy[v]
			how := "acknowledged"
			if by.F == FRead || by.F == FFinalRead {
				how = "seen by a read"
			}
			ops := []history.Op{}
			if w, ok := e.write[v]; ok {
				ops = append(ops, w.Invoke, w.Complete)
			}
			if by.F != e.write[v].Invoke.F {
				ops = append(ops, by)
			}
			ops = append(ops, rd.Invoke, rd.Complete)
			r.addCapped(Anomaly{Kind: kind, Key: key,
				Detail: fmt.Sprintf("%d was %s before %s of %s began, which does not contain it", v, how, what, key),
				Ops:    ops}, counted)
		}
	}
}

// checkFinals requires at least one final read and equal final reads on
// every node.
func (e *elems) checkFinals(r *Result, key string, sameOrder bool) bool {
	if len(e.finals) == 0 {
		r.Notes = append(r.Notes, "no final read of "+key+" succeeded: lost writes cannot be ruled out")
		if r.Status == Valid {
			r.Status = Unknown
		}
		return false
	}
	first := e.finals[0].Complete.Values
	for _, f := range e.finals[1:] {
		a, b := first, f.Complete.Values
		if !sameOrder {
			a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
		}
		if !slices.Equal(a, b) {
			r.add(Anomaly{Kind: "divergent", Key: key,
				Detail: fmt.Sprintf("nodes %d and %d hold different values for %s after convergence", e.finals[0].Complete.Node, f.Complete.Node, key),
				Ops:    []history.Op{e.finals[0].Complete, f.Complete}})
		}
	}
	return true
}

// Set checks a set history: every acknowledged add is in every final read,
// no read holds an element nobody added, and no read misses an element
// acknowledged or seen before the read began.
func Set(workload string, ops []history.Op) *Result {
	pairs := history.Pairs(ops)
	r := newResult(workload, pairs)
	keys, m := byKey(pairs)
	counted := map[string]int{}
	for _, key := range keys {
		e := indexElems(m[key], FAdd)
		e.checkReads(r, key, counted)
		e.checkFinals(r, key, false)
	}
	r.noteCapped(counted)
	r.Notes = append(r.Notes, fmt.Sprintf("%d set keys checked", len(keys)))
	return r
}
