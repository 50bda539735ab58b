package resp

import (
	"context"
	"strings"
	"time"

	"github.com/pikaraft/pikaraft/resp/acl"
	"github.com/pikaraft/pikaraft/resp/command"
)

// The users a node enforces are the replicated ACL users (resp/acl, kept
// in the engine and the same on every node) over two built-in users that
// follow this node's pika.conf, as Pika 3.5 maps its old settings onto ACL:
//
//   - "default": `on ~* &* +@all` with requirepass as its password, or
//     nopass when requirepass is empty (then no AUTH is needed);
//   - "limit" (only when userpass is set and differs from requirepass):
//     `on ~* &* +@all` with userpass as its password, minus every command of
//     userblacklist.
//
// Once ACL SETUSER has written a replicated record for "default" or
// "limit", that record replaces the built-in user on every node.

// aclView is the merged user set and what it was built from.
type aclView struct {
	repl   *acl.Users
	gen    uint64
	merged *acl.Users
}

// aclUsers returns the users this node enforces now.
func (s *Server) aclUsers() *acl.Users {
	repl := s.lastRepl.Load()
	if eng := s.cluster.Engine(); eng != nil {
		if u, err := acl.Replicated(eng); err == nil {
			if u != repl {
				s.lastRepl.Store(u) // stored only when it changes: every command gets here
			}
			repl = u
		}
		// On error (engine being replaced by a snapshot install) the last
		// users read stay in force.
	}
	gen := s.rt.generation()
	if v := s.aclView.Load(); v != nil && v.repl == repl && v.gen == gen {
		return v.merged
	}
	list := s.builtinUsers()
	if repl != nil {
		list = append(list, repl.List()...)
	}
	v := &aclView{repl: repl, gen: gen, merged: acl.NewUsers(list...)}
	s.aclView.Store(v)
	return v.merged
}

// builtinUsers builds "default" and "limit" from the runtime config.
func (s *Server) builtinUsers() []*acl.User {
	r := s.rt
	r.mu.RLock()
	requirePass, userPass := r.requirePass, r.userPass
	black := make([]string, 0, len(r.blacklist))
	for name := range r.blacklist {
		black = append(black, name)
	}
	r.mu.RUnlock()
	def := acl.NewUser("default")
	rules := builtinRules(requirePass)
	def.SetRules(rules) // fixed rules: cannot fail
	out := []*acl.User{def}
	if userPass != "" && userPass != requirePass {
		lim := acl.NewUser("limit")
		rules := builtinRules(userPass)
		for _, name := range black {
			if _, ok := command.Commands.Lookup([]byte(name)); ok {
				rules = append(rules, "-"+name)
			}
		}
		lim.SetRules(rules)
		out = append(out, lim)
	}
	return out
}

// builtinRules are the rules of a built-in user with password pass.
func builtinRules(pass string) []string {
	rules := []string{"on", "~*", "&*", "+@all"}
	if pass == "" {
		return append(rules, "nopass")
	}
	return append(rules, "#"+acl.HashPassword(pass))
}

// builtinBase returns, for ACL SETUSER on a built-in user without a
// replicated record, the rules it starts from (password as a hash).
func (s *Server) builtinBase(name string) []string {
	for _, u := range s.builtinUsers() {
		if u.Name == name {
			return strings.Fields(u.Describe())
		}
	}
	return nil
}

// defaultNoPass reports whether new connections are authenticated as
// "default" at once (the default user is on and has nopass).
func (s *Server) defaultNoPass() bool {
	u := s.aclUsers().Get("default")
	return u != nil && u.On && u.NoPass
}

// authRetryTimeout bounds the linearizable catch-up a failed AUTH does.
const authRetryTimeout = time.Second

// authenticate checks user/pass (user "" = the one-argument AUTH form:
// "default", then Pika's "limit") and returns the user authenticated. A
// failure is retried once after a linearizable ReadTime, so a user just
// created through another node is found here too.
func (s *Server) authenticate(ctx context.Context, user, pass string) (string, bool) {
	if name, ok := s.tryAuth(user, pass); ok {
		return name, true
	}
	rctx, cancel := context.WithTimeout(ctx, authRetryTimeout)
	defer cancel()
	if _, err := s.cluster.ReadTime(rctx, false); err == nil {
		return s.tryAuth(user, pass)
	}
	return "", false
}

func (s *Server) tryAuth(user, pass string) (string, bool) {
	users := s.aclUsers()
	names := []string{user}
	if user == "" {
		names = []string{"default", "limit"}
	}
	for _, n := range names {
		if u := users.Get(n); u != nil && u.On && u.CheckPassword(pass) {
			return n, true
		}
	}
	return "", false
}

// logDenial records a refused command or AUTH in ACL LOG.
func (c *Conn) logDenial(reason, object, user string) {
	context := "toplevel"
	if c.multi != nil {
		context = "multi"
	}
	now := time.Now()
	c.srv.aclLog.Add(now, reason, context, object, user, c.infoLine(now))
}
