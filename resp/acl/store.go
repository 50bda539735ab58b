package acl

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pikaraft/pikaraft/engine"
)

// The replicated users live in the engine's meta area (db0's strings
// instance, pikaraft's own column family: Pika never opens it, snapshots
// carry it), one record per user: key "acl/user/<name>", value the user's
// Describe() text. Only the FSM writes them, while applying an ACL entry,
// so every node holds the same users at the same log position.
const userPrefix = "acl/user/"

// stateKey is the engine attachment holding the decoded users.
type stateKey struct{}

// state caches the replicated users of one engine; nil means "reload".
type state struct {
	mu    sync.Mutex // serialises reloads
	users atomic.Pointer[Users]
}

func stateOf(eng *engine.Engine) *state {
	return eng.Attachment(stateKey{}, func() any { return &state{} }).(*state)
}

// Replicated returns the users stored in eng (decoded once per change).
func Replicated(eng *engine.Engine) (*Users, error) {
	st := stateOf(eng)
	if u := st.users.Load(); u != nil {
		return u, nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if u := st.users.Load(); u != nil {
		return u, nil
	}
	var list []*User
	err := eng.ScanMeta([]byte(userPrefix), func(key, value []byte) error {
		name := string(key[len(userPrefix):])
		u := NewUser(name)
		if err := u.SetRules(strings.Fields(string(value))); err != nil {
			return fmt.Errorf("acl: stored user %q: %w", name, err)
		}
		list = append(list, u)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("acl: load users: %w", err)
	}
	u := NewUsers(list...)
	st.users.Store(u)
	return u, nil
}

// invalidate makes the next Replicated call read the meta area again.
func invalidate(eng *engine.Engine) { stateOf(eng).users.Store(nil) }

func userKey(name string) []byte { return []byte(userPrefix + name) }

// ApplySetUser applies ACL SETUSER name rules as the replicated write w.
// When name has no record yet the user starts from base (the rules of the
// proposing node's built-in user, for "default" and "limit"), else from a
// new user. Deterministic: the same entry gives the same record everywhere.
func ApplySetUser(eng *engine.Engine, w engine.Writer, name string, base, rules []string) error {
	cur, err := Replicated(eng)
	if err != nil {
		return err
	}
	var u *User
	if old := cur.Get(name); old != nil {
		u = old.Clone()
	} else {
		u = NewUser(name)
		if err := u.SetRules(base); err != nil {
			return err
		}
	}
	if err := u.SetRules(rules); err != nil {
		return err
	}
	defer invalidate(eng)
	if err := eng.UpdateMeta(w, []engine.MetaOp{{Key: userKey(name), Value: []byte(u.Describe())}}); err != nil {
		return fmt.Errorf("acl: store user %q: %w", name, err)
	}
	return nil
}

// ApplyDelUser deletes the named users as the replicated write w and
// returns how many existed.
func ApplyDelUser(eng *engine.Engine, w engine.Writer, names []string) (int, error) {
	cur, err := Replicated(eng)
	if err != nil {
		return 0, err
	}
	var ops []engine.MetaOp
	seen := map[string]bool{}
	for _, n := range names {
		if cur.Get(n) != nil && !seen[n] {
			seen[n] = true
			ops = append(ops, engine.MetaOp{Key: userKey(n)})
		}
	}
	defer invalidate(eng)
	if err := eng.UpdateMeta(w, ops); err != nil {
		return 0, fmt.Errorf("acl: delete users: %w", err)
	}
	return len(ops), nil
}

// ApplyLoad replaces every replicated user with users (ACL LOAD) as the
// replicated write w.
func ApplyLoad(eng *engine.Engine, w engine.Writer, users []*User) error {
	cur, err := Replicated(eng)
	if err != nil {
		return err
	}
	ops := make([]engine.MetaOp, 0, len(cur.byName)+len(users))
	for _, n := range cur.Names() {
		ops = append(ops, engine.MetaOp{Key: userKey(n)})
	}
	for _, u := range users {
		ops = append(ops, engine.MetaOp{Key: userKey(u.Name), Value: []byte(u.Describe())})
	}
	defer invalidate(eng)
	if err := eng.UpdateMeta(w, ops); err != nil {
		return fmt.Errorf("acl: load users: %w", err)
	}
	return nil
}
