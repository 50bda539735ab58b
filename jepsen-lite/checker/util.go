package checker

import (
	"strconv"

	"github.com/pikaraft/pikaraft/jepsen-lite/history"
)

func itoa(n int) string { return strconv.Itoa(n) }

// horizon returns a time after every entry of the history: the return
// time given to operations whose outcome is unknown.
func horizon(ops []history.Op) int64 {
	var end int64
	for _, op := range ops {
		if op.Time > end {
			end = op.Time
		}
	}
	return end + 1
}

// byKey groups pairs by key, keeping order.
func byKey(pairs []history.Pair) (keys []string, m map[string][]history.Pair) {
	m = map[string][]history.Pair{}
	for _, p := range pairs {
		if _, ok := m[p.Invoke.Key]; !ok {
			keys = append(keys, p.Invoke.Key)
		}
		m[p.Invoke.Key] = append(m[p.Invoke.Key], p)
	}
	return keys, m
}
