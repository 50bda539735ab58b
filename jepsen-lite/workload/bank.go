package workload

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/pikaraft/pikaraft/jepsen-lite/checker"
	"github.com/pikaraft/pikaraft/jepsen-lite/history"
)

// Bank moves money between accounts with MULTI DECRBY from, INCRBY to
// EXEC (one Raft entry, so no WATCH is needed: the transfer does not
// depend on a balance read first, and balances may go negative) and reads
// every balance inside one MULTI/EXEC. The total must never change.
type Bank struct {
	Accounts int
	Initial  int64
}

// Name implements Workload.
func (w *Bank) Name() string { return "bank" }

func (w *Bank) account(i int) string { return "jepsen:b:" + strconv.Itoa(i) }

// Setup implements Workload: every account gets the initial balance in
// one MULTI/EXEC (safe to repeat before the clients start).
func (w *Bank) Setup(ctx context.Context, c *redis.Client) error {
	_, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for i := 0; i < w.Accounts; i++ {
			p.Set(ctx, w.account(i), w.Initial, 0)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("bank setup: %w", err)
	}
	return nil
}

// Next implements Workload: 70% transfers of 1..5, 30% reads.
func (w *Bank) Next(rng *rand.Rand) history.Op {
	if rng.IntN(10) < 3 {
		return history.Op{F: checker.FRead}
	}
	from := rng.IntN(w.Accounts)
	to := (from + 1 + rng.IntN(w.Accounts-1)) % w.Accounts
	return history.Op{F: checker.FTransfer, Transfer: &history.Transfer{From: from, To: to, Amount: 1 + rng.Int64N(5)}}
}

// Run implements Workload.
func (w *Bank) Run(ctx context.Context, c *redis.Client, op *history.Op) error {
	if op.F == checker.FTransfer {
		t := op.Transfer
		_, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.DecrBy(ctx, w.account(t.From), t.Amount)
			p.IncrBy(ctx, w.account(t.To), t.Amount)
			return nil
		})
		return err
	}
	var gets []*redis.StringCmd
	_, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for i := 0; i < w.Accounts; i++ {
			gets = append(gets, p.Get(ctx, w.account(i)))
		}
		return nil
	})
	if err != nil {
		return err
	}
	op.Values = make([]int64, 0, w.Accounts)
	for _, g := range gets {
		v, err := g.Int64()
		if err != nil {
			return fmt.Errorf("bank read: %w", err)
		}
		op.Values = append(op.Values, v)
	}
	return nil
}

// FinalReads implements Workload: one read of every account.
func (w *Bank) FinalReads() []history.Op { return []history.Op{{F: checker.FFinalRead}} }

// Check implements Workload.
func (w *Bank) Check(ops []history.Op) *checker.Result {
	return checker.Bank(w.Name(), ops, w.Accounts, int64(w.Accounts)*w.Initial)
}
