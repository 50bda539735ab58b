package workload

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/pikaraft/pikaraft/jepsen-lite/checker"
	"github.com/pikaraft/pikaraft/jepsen-lite/history"
)

// Register is GET / SET (with a one-day TTL that must never expire, clock
// skew or not) / INCR on a few integer keys, checked for linearizability.
type Register struct {
	o    Options
	keys *keys
}

// RegisterTTLSeconds is the TTL every register write sets: far longer than
// any run, so no key may ever be seen expired.
const RegisterTTLSeconds = 86400

// Name implements Workload.
func (w *Register) Name() string { return "register" }

// Setup implements Workload (nothing to prepare).
func (w *Register) Setup(context.Context, *redis.Client) error { return nil }

// Next implements Workload: 50% reads, 30% writes, 20% increments.
func (w *Register) Next(rng *rand.Rand) history.Op {
	op := history.Op{Key: w.keys.pick(rng, true)}
	switch x := rng.IntN(10); {
	case x < 5:
		op.F = checker.FRead
	case x < 8:
		op.F, op.Value = checker.FWrite, w.keys.next()
	default:
		op.F = checker.FIncr
	}
	return op
}

// Run implements Workload.
func (w *Register) Run(ctx context.Context, c *redis.Client, op *history.Op) error {
	switch op.F {
	case checker.FRead:
		s, err := c.Get(ctx, op.Key).Result()
		if errors.Is(err, redis.Nil) {
			op.Nil = true
			return nil
		}
		if err != nil {
			return err
		}
		v, err := strconv.ParseInt(s, 10, 64)
		op.Value = v
		return err
	case checker.FWrite:
		return c.Do(ctx, "set", op.Key, op.Value, "ex", RegisterTTLSeconds).Err()
	default:
		v, err := c.Incr(ctx, op.Key).Result()
		op.Value = v
		return err
	}
}

// FinalReads implements Workload: none, the register check needs none.
func (w *Register) FinalReads() []history.Op { return nil }

// Check implements Workload.
func (w *Register) Check(ops []history.Op) *checker.Result {
	return checker.Register(w.Name(), ops, w.o.CheckTimeout)
}
