package acl

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/resp/command"
)

// cmdPerm is a user's command rules compiled against the command table.
type cmdPerm struct {
	allowed map[string]bool            // command name → may run it
	subs    map[string]map[string]bool // command → first argument → explicit rule
}

// compile evaluates the command rules over every command of the table.
func (u *User) compile() *cmdPerm {
	if u.perm != nil {
		return u.perm
	}
	p := &cmdPerm{allowed: map[string]bool{}, subs: map[string]map[string]bool{}}
	specs := command.Commands.All()
	cats := make(map[string][]string, len(specs))
	for _, s := range specs {
		p.allowed[s.Name] = u.AllCommands
		cats[s.Name] = s.ACLCategories()
	}
	for _, r := range u.CmdRules {
		allow, target := r[0] == '+', r[1:]
		if cat, ok := strings.CutPrefix(target, "@"); ok {
			for _, s := range specs {
				if slices.Contains(cats[s.Name], cat) {
					p.allowed[s.Name] = allow
					delete(p.subs, s.Name)
				}
			}
			continue
		}
		name, sub, hasSub := strings.Cut(target, "|")
		if !hasSub {
			p.allowed[name] = allow
			delete(p.subs, name)
			continue
		}
		if p.subs[name] == nil {
			p.subs[name] = map[string]bool{}
		}
		p.subs[name][sub] = allow
	}
	u.perm = p
	return p
}

// CanRun reports whether u may run the command argv names (spec is its
// table entry): the command's own rule, or a +cmd|arg / -cmd|arg rule for
// its first argument.
func (u *User) CanRun(spec *command.Spec, argv [][]byte) bool {
	p := u.compile()
	if len(argv) > 1 {
		if subs := p.subs[spec.Name]; subs != nil {
			if allow, ok := subs[strings.ToLower(string(argv[1]))]; ok {
				return allow
			}
		}
	}
	return p.allowed[spec.Name]
}

// Denial says why a command was refused, for the error reply and ACL LOG.
type Denial struct {
	Reason string // "command", "key" or "channel"
	Object string // the command's full name, the key or the channel
}

// Message returns the error reply of a denial (Redis 7.2 wording); verbose
// is ACL DRYRUN's form, which names the key or channel and has no NOPERM.
func (d *Denial) Message(user string, verbose bool) string {
	var msg string
	switch {
	case d.Reason == "command":
		msg = fmt.Sprintf("User %s has no permissions to run the '%s' command", user, d.Object)
	case verbose:
		msg = fmt.Sprintf("User %s has no permissions to access the '%s' %s", user, d.Object, d.Reason)
	default:
		msg = "No permissions to access a " + d.Reason
	}
	if verbose {
		return msg
	}
	return "NOPERM " + msg
}

// Check decides whether u may run argv (spec is its table entry): the
// command rules, then every key against the key patterns (read commands
// need R, write commands W), then pub/sub channels. nil means allowed.
func (u *User) Check(spec *command.Spec, argv [][]byte) *Denial {
	if u.Unrestricted() {
		return nil
	}
	if !u.CanRun(spec, argv) {
		name := spec.Name
		if p := u.compile(); len(argv) > 1 && p.subs[spec.Name] != nil {
			name += "|" + strings.ToLower(string(argv[1]))
		}
		return &Denial{Reason: "command", Object: name}
	}
	if !u.AllKeys {
		write := spec.IsWrite()
		for _, i := range KeyPositions(spec, argv) {
			if !u.keyAllowed(argv[i], write) {
				return &Denial{Reason: "key", Object: string(argv[i])}
			}
		}
	}
	if !u.AllChannels {
		chans, pattern := channelArgs(spec.Name, argv)
		for _, ch := range chans {
			if !u.channelAllowed(ch, pattern) {
				return &Denial{Reason: "channel", Object: string(ch)}
			}
		}
	}
	return nil
}

func (u *User) keyAllowed(key []byte, write bool) bool {
	for _, k := range u.Keys {
		if (write && !k.Write) || (!write && !k.Read) {
			continue
		}
		if engine.GlobMatch([]byte(k.Pattern), key, false) {
			return true
		}
	}
	return false
}

// channelAllowed matches a channel against the user's patterns; a
// PSUBSCRIBE pattern must equal one of them literally (as Redis).
func (u *User) channelAllowed(ch []byte, pattern bool) bool {
	for _, p := range u.Channels {
		if pattern {
			if p == string(ch) {
				return true
			}
		} else if engine.GlobMatch([]byte(p), ch, false) {
			return true
		}
	}
	return false
}

// channelArgs returns the channels a pub/sub command names and whether
// they are patterns.
func channelArgs(name string, argv [][]byte) ([][]byte, bool) {
	switch name {
	case "subscribe", "ssubscribe":
		return argv[1:], false
	case "psubscribe":
		return argv[1:], true
	case "publish", "spublish":
		if len(argv) > 1 {
			return argv[1:2], false
		}
	}
	return nil, false
}

// KeyPositions returns the positions of argv's keys: the table's key
// triple, or for the movable-keys commands the keys their arguments name.
func KeyPositions(spec *command.Spec, argv [][]byte) []int {
	switch spec.Name {
	case "xread", "xreadgroup":
		for i := 1; i < len(argv); i++ {
			if command.EqualFold(argv[i], "STREAMS") {
				n := (len(argv) - i - 1) / 2
				return seq(i+1, i+n)
			}
		}
		return nil
	case "zunionstore", "zinterstore", "zdiffstore":
		return append([]int{1}, numKeys(argv, 2)...)
	case "zunion", "zinter", "zdiff", "sintercard", "zintercard", "lmpop", "zmpop":
		return numKeys(argv, 1)
	}
	return spec.Keys(len(argv))
}

// numKeys reads a numkeys argument at position at and returns the positions
// of the keys that follow it (clamped to argv).
func numKeys(argv [][]byte, at int) []int {
	if at >= len(argv) {
		return nil
	}
	n, ok := command.ParseInt(argv[at])
	if !ok || n <= 0 {
		return nil
	}
	return seq(at+1, min(at+int(n), len(argv)-1))
}

func seq(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}
