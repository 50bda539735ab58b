package acl

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pikaraft/pikaraft/resp/command"
)

// Reasons a rule is refused, worded as Redis 7's ACLSetUserStringError.
const (
	errSyntax       = "Syntax error"
	errUnknownCmd   = "Unknown command or category name in ACL"
	errBadHash      = "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
	errNoSuchPass   = "The password you are trying to remove from the user does not exist"
	errKeyAfterAll  = "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
	errChanAfterAll = "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"
	errSelectors    = "Selectors are not supported by pikaraft"
)

// RuleError is a rule ACL SETUSER refused.
type RuleError struct {
	Rule   string
	Reason string
}

// Error returns Redis 7's text without the "ERR " prefix.
func (e *RuleError) Error() string {
	return fmt.Sprintf("Error in ACL SETUSER modifier '%s': %s", e.Rule, e.Reason)
}

// SetRules applies rules to u in order; on error u may be partly changed
// (callers work on a Clone).
func (u *User) SetRules(rules []string) error {
	for _, r := range rules {
		if err := u.setRule(r); err != nil {
			return &RuleError{Rule: r, Reason: err.Error()}
		}
	}
	return nil
}

type ruleErr string

func (e ruleErr) Error() string { return string(e) }

// setRule applies one ACL SETUSER rule (Redis 7's ACLSetUser).
func (u *User) setRule(op string) error {
	u.perm = nil
	lop := strings.ToLower(op)
	switch lop {
	case "on":
		u.On = true
		return nil
	case "off":
		u.On = false
		return nil
	case "nopass":
		u.NoPass, u.Passwords = true, nil
		return nil
	case "resetpass":
		u.NoPass, u.Passwords = false, nil
		return nil
	case "sanitize-payload":
		u.Sanitize = true
		return nil
	case "skip-sanitize-payload":
		u.Sanitize = false
		return nil
	case "allkeys":
		return u.setRule("~*")
	case "resetkeys":
		u.AllKeys, u.Keys = false, nil
		return nil
	case "allchannels":
		return u.setRule("&*")
	case "resetchannels":
		u.AllChannels, u.Channels = false, nil
		return nil
	case "allcommands":
		return u.setRule("+@all")
	case "nocommands":
		return u.setRule("-@all")
	case "reset":
		for _, r := range []string{"resetpass", "resetkeys", "resetchannels", "off", "-@all"} {
			if err := u.setRule(r); err != nil {
				return err
			}
		}
		u.Sanitize = true
		return nil
	case "clearselectors":
		return nil
	}
	if op == "" {
		return ruleErr(errSyntax)
	}
	switch op[0] {
	case '>':
		return u.addHash(HashPassword(op[1:]))
	case '#':
		if !validHash(op[1:]) {
			return ruleErr(errBadHash)
		}
		return u.addHash(op[1:])
	case '<':
		return u.removeHash(HashPassword(op[1:]))
	case '!':
		if !validHash(op[1:]) {
			return ruleErr(errBadHash)
		}
		return u.removeHash(op[1:])
	case '~', '%':
		return u.addKeyPattern(op)
	case '&':
		return u.addChannel(op[1:])
	case '+', '-':
		return u.addCommandRule(op)
	case '(':
		return ruleErr(errSelectors)
	}
	return ruleErr(errSyntax)
}

func validHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func (u *User) addHash(h string) error {
	if !slices.Contains(u.Passwords, h) {
		u.Passwords = append(u.Passwords, h)
	}
	u.NoPass = false
	return nil
}

func (u *User) removeHash(h string) error {
	i := slices.Index(u.Passwords, h)
	if i < 0 {
		return ruleErr(errNoSuchPass)
	}
	u.Passwords = slices.Delete(u.Passwords, i, i+1)
	return nil
}

// addKeyPattern handles ~pattern and %R~ / %W~ / %RW~pattern.
func (u *User) addKeyPattern(op string) error {
	kp := KeyPattern{Read: true, Write: true}
	if op[0] == '%' {
		kp.Read, kp.Write = false, false
		i := 1
		for ; i < len(op) && op[i] != '~'; i++ {
			switch op[i] {
			case 'R', 'r':
				kp.Read = true
			case 'W', 'w':
				kp.Write = true
			default:
				return ruleErr(errSyntax)
			}
		}
		if i == len(op) || (!kp.Read && !kp.Write) {
			return ruleErr(errSyntax)
		}
		op = op[i:]
	}
	kp.Pattern = op[1:]
	if u.AllKeys {
		return ruleErr(errKeyAfterAll)
	}
	if kp.Pattern == "*" && kp.Read && kp.Write {
		u.AllKeys, u.Keys = true, nil
		return nil
	}
	for i, k := range u.Keys {
		if k.Pattern == kp.Pattern {
			u.Keys[i].Read = k.Read || kp.Read
			u.Keys[i].Write = k.Write || kp.Write
			return nil
		}
	}
	u.Keys = append(u.Keys, kp)
	return nil
}

func (u *User) addChannel(p string) error {
	if u.AllChannels {
		return ruleErr(errChanAfterAll)
	}
	if p == "*" {
		u.AllChannels, u.Channels = true, nil
		return nil
	}
	if !slices.Contains(u.Channels, p) {
		u.Channels = append(u.Channels, p)
	}
	return nil
}

// addCommandRule handles +cmd, -cmd, +@cat, -@cat and +cmd|sub.
func (u *User) addCommandRule(op string) error {
	target := strings.ToLower(op[1:])
	if target == "@all" {
		u.AllCommands, u.CmdRules = op[0] == '+', nil
		return nil
	}
	if strings.HasPrefix(target, "@") {
		if !validCategory(target[1:]) {
			return ruleErr(errUnknownCmd)
		}
	} else {
		name, sub, hasSub := strings.Cut(target, "|")
		if _, ok := command.Commands.Lookup([]byte(name)); !ok {
			return ruleErr(errUnknownCmd)
		}
		if hasSub && (sub == "" || strings.Contains(sub, "|")) {
			return ruleErr(errSyntax)
		}
	}
	rule := string(op[0]) + target
	u.CmdRules = slices.DeleteFunc(u.CmdRules, func(r string) bool { return r[1:] == target })
	u.CmdRules = append(u.CmdRules, rule)
	return nil
}

// validCategory reports whether c is one of Redis 7's ACL categories.
func validCategory(c string) bool {
	return slices.Contains(command.ACLCategoryOrder, c)
}

// Categories returns Redis 7's ACL categories in ACL CAT order.
func Categories() []string { return slices.Clone(command.ACLCategoryOrder) }
