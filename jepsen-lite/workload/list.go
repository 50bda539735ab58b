package workload

import (
	"context"
	"math/rand/v2"

	"github.com/redis/go-redis/v9"

	"github.com/pikaraft/pikaraft/jepsen-lite/checker"
	"github.com/pikaraft/pikaraft/jepsen-lite/history"
)

// List appends unique values with RPUSH (recording the reply, the new
// length) and reads whole lists with LRANGE 0 -1.
type List struct {
	keys *keys
}

// Name implements Workload.
func (w *List) Name() string { return "list-append" }

// Setup implements Workload (nothing to prepare).
func (w *List) Setup(context.Context, *redis.Client) error { return nil }

// Next implements Workload: 70% appends, 30% reads.
func (w *List) Next(rng *rand.Rand) history.Op {
	if rng.IntN(10) < 3 {
		return history.Op{F: checker.FRead, Key: w.keys.pick(rng, false)}
	}
	return history.Op{F: checker.FAppend, Key: w.keys.pick(rng, true), Value: w.keys.next()}
}

// Run implements Workload. A completed append's Values holds the RPUSH
// reply; the checker reads it from Value of the completion, so it is
// stored there.
func (w *List) Run(ctx context.Context, c *redis.Client, op *history.Op) error {
	if op.F == checker.FAppend {
		n, err := c.RPush(ctx, op.Key, op.Value).Result()
		if err == nil {
			op.Value = n
		}
		return err
	}
	vals, err := c.LRange(ctx, op.Key, 0, -1).Result()
	if err != nil {
		return err
	}
	op.Values, err = ints(vals)
	return err
}

// FinalReads implements Workload.
func (w *List) FinalReads() []history.Op { return finalReads(w.keys) }

// Check implements Workload.
func (w *List) Check(ops []history.Op) *checker.Result { return checker.ListAppend(w.Name(), ops) }
