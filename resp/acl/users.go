package acl

import (
	"fmt"
	"sort"
	"strings"
)

// Users is an immutable set of users, each with its rules compiled, safe to
// share between connections.
type Users struct {
	byName map[string]*User
}

// NewUsers builds a set from users (a later user of the same name wins).
// The users must not be changed afterwards.
func NewUsers(list ...*User) *Users {
	s := &Users{byName: make(map[string]*User, len(list))}
	for _, u := range list {
		u.compile()
		s.byName[u.Name] = u
	}
	return s
}

// Get returns the user called name, or nil.
func (s *Users) Get(name string) *User {
	if s == nil {
		return nil
	}
	return s.byName[name]
}

// Names returns the user names, sorted.
func (s *Users) Names() []string {
	out := make([]string, 0, len(s.byName))
	for n := range s.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// List returns the users sorted by name.
func (s *Users) List() []*User {
	names := s.Names()
	out := make([]*User, len(names))
	for i, n := range names {
		out[i] = s.byName[n]
	}
	return out
}

// Line returns the ACL LIST / aclfile line of u: "user <name> <rules>".
func Line(u *User) string { return "user " + u.Name + " " + u.Describe() }

// ParseFile parses an aclfile (Redis format: one "user <name> <rules...>"
// per line; blank lines and lines starting with '#' are skipped). The error
// names the line, as Redis 7's ACL LOAD does.
func ParseFile(name, content string) ([]*User, error) {
	var out []*User
	seen := map[string]bool{}
	for i, line := range strings.Split(content, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		if f[0] != "user" || len(f) < 2 {
			return nil, fmt.Errorf("%s:%d: line should start with user keyword", name, i+1)
		}
		if seen[f[1]] {
			return nil, fmt.Errorf("%s:%d: duplicate user '%s' found", name, i+1, f[1])
		}
		seen[f[1]] = true
		u := NewUser(f[1])
		if err := u.SetRules(f[2:]); err != nil {
			var re *RuleError
			if ok := asRuleError(err, &re); ok {
				return nil, fmt.Errorf("%s:%d: %s. ", name, i+1, re.Reason)
			}
			return nil, fmt.Errorf("%s:%d: %w", name, i+1, err)
		}
		out = append(out, u)
	}
	return out, nil
}

func asRuleError(err error, target **RuleError) bool {
	re, ok := err.(*RuleError)
	if ok {
		*target = re
	}
	return ok
}
