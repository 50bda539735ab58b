package checker

import (
	"fmt"
	"slices"

	"github.com/pikaraft/pikaraft/jepsen-lite/history"
)

// ListAppend checks a list-append history: every read of a key is a
// prefix of one order (the longest read), with no duplicates; an
// acknowledged RPUSH whose reply was n put its value at position n; every
// acknowledged append is in every final read; and set-style rules for
// unexpected and stale values.
func ListAppend(workload string, ops []history.Op) *Result {
	pairs := history.Pairs(ops)
	r := newResult(workload, pairs)
	keys, m := byKey(pairs)
	counted := map[string]int{}
	for _, key := range keys {
		e := indexElems(m[key], FAppend)
		e.checkReads(r, key, counted)
		e.checkFinals(r, key, true)
		var longest history.Pair
		for _, rd := range e.reads {
			if len(rd.Complete.Values) > len(longest.Complete.Values) {
				longest = rd
			}
		}
		order := longest.Complete.Values
		for _, rd := range e.reads {
			vals := rd.Complete.Values
			seen := map[int64]bool{}
			for _, v := range vals {
				if seen[v] {
					r.addCapped(Anomaly{Kind: "duplicate", Key: key,
						Detail: fmt.Sprintf("read of %s contains %d twice", key, v),
						Ops:    []history.Op{rd.Invoke, rd.Complete}}, counted)
				}
				seen[v] = true
			}
			if !slices.Equal(vals, order[:min(len(vals), len(order))]) {
				r.addCapped(Anomaly{Kind: "incompatible-order", Key: key,
					Detail: fmt.Sprintf("read of %s is not a prefix of the longest read", key),
					Ops:    []history.Op{rd.Invoke, rd.Complete, longest.Complete}}, counted)
			}
		}
		if len(e.finals) == 0 {
			continue
		}
		for _, v := range e.acked {
			w := e.write[v]
			n := int(w.Complete.Value)
			if n < 1 || n > len(order) || order[n-1] != v {
				r.addCapped(Anomaly{Kind: "wrong-position", Key: key,
					Detail: fmt.Sprintf("RPUSH %s %d replied %d, but the list does not hold %d at position %d", key, v, n, v, n),
					Ops:    []history.Op{w.Invoke, w.Complete, longest.Complete}}, counted)
			}
		}
	}
	r.noteCapped(counted)
	r.Notes = append(r.Notes, fmt.Sprintf("%d list keys checked", len(keys)))
	return r
}
