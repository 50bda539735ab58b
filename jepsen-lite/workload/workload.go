// Package workload holds jepsen-lite's workloads: each generates client
// operations, runs them against a node with go-redis and checks the
// resulting history.
package workload

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/pikaraft/pikaraft/jepsen-lite/checker"
	"github.com/pikaraft/pikaraft/jepsen-lite/history"
)

// Workload generates, runs and checks one kind of operation.
type Workload interface {
	// Name is the --workload name.
	Name() string
	// Setup writes the initial data through c (before the clients start).
	Setup(ctx context.Context, c *redis.Client) error
	// Next returns the next invocation (F, Key and arguments set).
	Next(rng *rand.Rand) history.Op
	// Run executes op through c and fills in the results of a successful
	// completion (Values, Value, Nil). An error leaves the outcome to the
	// caller's classification.
	Run(ctx context.Context, c *redis.Client, op *history.Op) error
	// FinalReads returns the final-read invocations, one per key used.
	FinalReads() []history.Op
	// Check checks the workload's part of the history.
	Check(ops []history.Op) *checker.Result
}

// Options tune the workloads.
type Options struct {
	// Keys is the number of keys in use at once (register, set, list).
	Keys int
	// OpsPerKey retires a key after this many operations (register,
	// list) or adds (set), bounding each linearizability search.
	OpsPerKey int
	// CheckTimeout bounds each key's linearizability search.
	CheckTimeout time.Duration
}

// Names lists the workloads.
var Names = []string{"register", "set", "list-append", "bank"}

// New returns the workload called name.
func New(name string, o Options) (Workload, error) {
	if o.Keys <= 0 {
		o.Keys = 5
	}
	if o.OpsPerKey <= 0 {
		o.OpsPerKey = 150
	}
	if o.CheckTimeout <= 0 {
		o.CheckTimeout = time.Minute
	}
	switch name {
	case "register":
		return &Register{o: o, keys: newKeys("r", o.Keys, o.OpsPerKey)}, nil
	case "set":
		return &Set{keys: newKeys("s", o.Keys, 4*o.OpsPerKey)}, nil
	case "list-append":
		return &List{keys: newKeys("l", o.Keys, o.OpsPerKey)}, nil
	case "bank":
		return &Bank{Accounts: 5, Initial: 100}, nil
	}
	return nil, fmt.Errorf("unknown workload %q (want one of %s)", name, strings.Join(Names, ", "))
}

// keys hands out keys from a small active set, retiring each after a
// number of uses; values are unique across the run.
type keys struct {
	mu      sync.Mutex
	prefix  string
	gen     []int
	uses    []int
	perKey  int
	used    map[string]bool
	counter int64
}

func newKeys(prefix string, n, perKey int) *keys {
	return &keys{prefix: prefix, gen: make([]int, n), uses: make([]int, n), perKey: perKey, used: map[string]bool{}}
}

// pick returns a key of the active set; count says whether the use
// counts towards its retirement.
func (k *keys) pick(rng *rand.Rand, count bool) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := rng.IntN(len(k.gen))
	key := fmt.Sprintf("jepsen:%s:%d:%d", k.prefix, s, k.gen[s])
	k.used[key] = true
	if count {
		if k.uses[s]++; k.uses[s] >= k.perKey {
			k.uses[s], k.gen[s] = 0, k.gen[s]+1
		}
	}
	return key
}

// next returns a value never handed out before.
func (k *keys) next() int64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.counter++
	return k.counter
}

// all returns every key handed out, sorted.
func (k *keys) all() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make([]string, 0, len(k.used))
	for key := range k.used {
		out = append(out, key)
	}
	sort.Strings(out)
	return out
}

func finalReads(k *keys) []history.Op {
	var out []history.Op
	for _, key := range k.all() {
		out = append(out, history.Op{F: checker.FFinalRead, Key: key})
	}
	return out
}
