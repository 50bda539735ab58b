package workload

import (
	"context"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/pikaraft/pikaraft/jepsen-lite/checker"
	"github.com/pikaraft/pikaraft/jepsen-lite/history"
)

// Set adds unique elements with SADD and reads with SMEMBERS.
type Set struct {
	keys *keys
}

// Name implements Workload.
func (w *Set) Name() string { return "set" }

// Setup implements Workload (nothing to prepare).
func (w *Set) Setup(context.Context, *redis.Client) error { return nil }

// Next implements Workload: 80% adds, 20% reads.
func (w *Set) Next(rng *rand.Rand) history.Op {
	if rng.IntN(5) == 0 {
		return history.Op{F: checker.FRead, Key: w.keys.pick(rng, false)}
	}
	return history.Op{F: checker.FAdd, Key: w.keys.pick(rng, true), Value: w.keys.next()}
}

// Run implements Workload.
func (w *Set) Run(ctx context.Context, c *redis.Client, op *history.Op) error {
	if op.F == checker.FAdd {
		return c.SAdd(ctx, op.Key, op.Value).Err()
	}
	members, err := c.SMembers(ctx, op.Key).Result()
	if err != nil {
		return err
	}
	op.Values, err = ints(members)
	slices.Sort(op.Values)
	return err
}

// FinalReads implements Workload.
func (w *Set) FinalReads() []history.Op { return finalReads(w.keys) }

// Check implements Workload.
func (w *Set) Check(ops []history.Op) *checker.Result { return checker.Set(w.Name(), ops) }

// ints parses integer replies; the slice is non-nil even when empty, so
// an empty read is recorded as one.
func ints(ss []string) ([]int64, error) {
	out := make([]int64, 0, len(ss))
	for _, s := range ss {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
