package checker

import (
	"fmt"
	"slices"

	"github.com/pikaraft/pikaraft/jepsen-lite/history"
)

// Bank functions: transfer (MULTI DECRBY from, INCRBY to, EXEC) and read
// (every balance in one MULTI/EXEC; Values in account order).
const FTransfer = "transfer"

// Bank checks that every read (during the run and final) sees all
// accounts with the given total, and that the final reads of every node
// agree. Balances may go negative: transfers do not check funds.
func Bank(workload string, ops []history.Op, accounts int, total int64) *Result {
	pairs := history.Pairs(ops)
	r := newResult(workload, pairs)
	counted := map[string]int{}
	var finals []history.Pair
	for _, p := range pairs {
		if (p.Invoke.F != FRead && p.Invoke.F != FFinalRead) || p.Complete.Type != history.OK {
			continue
		}
		vals := p.Complete.Values
		var sum int64
		for _, v := range vals {
			sum += v
		}
		if len(vals) != accounts || sum != total {
			r.addCapped(Anomaly{Kind: "bad-total",
				Detail: fmt.Sprintf("read saw %d accounts totalling %d, want %d totalling %d", len(vals), sum, accounts, total),
				Ops:    []history.Op{p.Invoke, p.Complete}}, counted)
		}
		if p.Invoke.F == FFinalRead {
			finals = append(finals, p)
		}
	}
	if len(finals) == 0 {
		r.Notes = append(r.Notes, "no final read succeeded")
		if r.Status == Valid {
			r.Status = Unknown
		}
	}
	for _, f := range finals[min(1, len(finals)):] {
		if !slices.Equal(f.Complete.Values, finals[0].Complete.Values) {
			r.add(Anomaly{Kind: "divergent",
				Detail: fmt.Sprintf("nodes %d and %d hold different balances after convergence", finals[0].Complete.Node, f.Complete.Node),
				Ops:    []history.Op{finals[0].Complete, f.Complete}})
		}
	}
	r.noteCapped(counted)
	return r
}

// BankNoOverdraft is Bank for transfers that check funds under WATCH: it
// also reports every read that saw a negative balance (a transfer whose
// WATCH missed a concurrent change of its source account).
func BankNoOverdraft(workload string, ops []history.Op, accounts int, total int64) *Result {
	r := Bank(workload, ops, accounts, total)
	counted := map[string]int{}
	for _, p := range history.Pairs(ops) {
		if (p.Invoke.F != FRead && p.Invoke.F != FFinalRead) || p.Complete.Type != history.OK {
			continue
		}
		for i, v := range p.Complete.Values {
			if v < 0 {
				r.addCapped(Anomaly{Kind: "overdraft",
					Detail: fmt.Sprintf("account %d has balance %d: a WATCHed transfer overdrew it", i, v),
					Ops:    []history.Op{p.Invoke, p.Complete}}, counted)
				break
			}
		}
	}
	r.noteCapped(counted)
	return r
}
