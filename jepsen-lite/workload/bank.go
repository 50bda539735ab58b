package workload

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/pikaraft/pikaraft/jepsen-lite/checker"
	"github.com/pikaraft/pikaraft/jepsen-lite/history"
)

// Bank moves money between accounts with optimistic locking: WATCH from,
// GET from, and only if the balance covers the amount MULTI DECRBY from,
// INCRBY to EXEC (one Raft entry, aborted by the FSM if from changed since
// the WATCH). It reads every balance inside one MULTI/EXEC. The total must
// never change and, since a transfer never overdraws the balance it read,
// no balance may ever be negative: a negative one means a WATCH missed a
// concurrent transfer.
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
		return w.transfer(ctx, c, op.Transfer)
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

// ErrNotApplied reports an operation that certainly had no effect (the
// runner records it as failed): an EXEC aborted by WATCH, or a transfer
// refused for lack of funds before anything was sent.
var ErrNotApplied = errors.New("not applied")

// transfer moves t.Amount if the source balance, read under WATCH, covers it.
func (w *Bank) transfer(ctx context.Context, c *redis.Client, t *history.Transfer) error {
	from, to := w.account(t.From), w.account(t.To)
	err := c.Watch(ctx, func(tx *redis.Tx) error {
		bal, err := tx.Get(ctx, from).Int64()
		if err != nil {
			return fmt.Errorf("%w: read balance: %v", ErrNotApplied, err)
		}
		if bal < t.Amount {
			return fmt.Errorf("%w: insufficient funds (%d < %d)", ErrNotApplied, bal, t.Amount)
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.DecrBy(ctx, from, t.Amount)
			p.IncrBy(ctx, to, t.Amount)
			return nil
		})
		return err
	}, from)
	if errors.Is(err, redis.TxFailedErr) {
		return fmt.Errorf("%w: %v", ErrNotApplied, err)
	}
	return err
}

// FinalReads implements Workload: one read of every account.
func (w *Bank) FinalReads() []history.Op { return []history.Op{{F: checker.FFinalRead}} }

// Check implements Workload.
func (w *Bank) Check(ops []history.Op) *checker.Result {
	return checker.BankNoOverdraft(w.Name(), ops, w.Accounts, int64(w.Accounts)*w.Initial)
}
