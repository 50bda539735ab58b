// Package acl is Redis 7's access control model as pikaraft enforces it:
// users with passwords, command rules (+@category, -command, +cmd|sub),
// key patterns with read/write permissions and pub/sub channel patterns.
// It knows nothing about connections or Raft: the RESP server checks
// commands against Users, and the replicated state (store.go) keeps the
// users in the engine's meta area so every node enforces the same rules.
package acl

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
)

// KeyPattern is one key pattern of a user with the access it grants.
type KeyPattern struct {
	Pattern     string
	Read, Write bool
}

// String returns the pattern as ACL LIST prints it (~p, %R~p, %W~p).
func (k KeyPattern) String() string {
	switch {
	case k.Read && k.Write:
		return "~" + k.Pattern
	case k.Read:
		return "%R~" + k.Pattern
	default:
		return "%W~" + k.Pattern
	}
}

// User is one ACL user. Build it with NewUser and SetRules; once it is
// part of a Users set it must not change (copy it with Clone).
type User struct {
	Name      string
	On        bool
	NoPass    bool
	Sanitize  bool     // sanitize-payload (shown; pikaraft has no RESTORE)
	Passwords []string // SHA-256 hex digests, in the order they were added

	AllCommands bool     // the rules start from +@all (else -@all)
	CmdRules    []string // later rules, in order: "+@read", "-set", "+config|get"

	AllKeys bool
	Keys    []KeyPattern

	AllChannels bool
	Channels    []string

	perm *cmdPerm // compiled CmdRules, nil until needed
}

// NewUser returns a user as ACL SETUSER creates it: off, no password, no
// commands, no keys, no channels.
func NewUser(name string) *User {
	return &User{Name: name, Sanitize: true}
}

// Clone returns a deep copy of u that can be changed.
func (u *User) Clone() *User {
	c := *u
	c.Passwords = slices.Clone(u.Passwords)
	c.CmdRules = slices.Clone(u.CmdRules)
	c.Keys = slices.Clone(u.Keys)
	c.Channels = slices.Clone(u.Channels)
	c.perm = nil
	return &c
}

// HashPassword returns the SHA-256 hex digest ACL stores for a password.
func HashPassword(pass string) string {
	sum := sha256.Sum256([]byte(pass))
	return hex.EncodeToString(sum[:])
}

// CheckPassword reports whether pass authenticates u (ignoring on/off).
func (u *User) CheckPassword(pass string) bool {
	if u.NoPass {
		return true
	}
	h := HashPassword(pass)
	return slices.Contains(u.Passwords, h)
}

// Unrestricted reports whether u may run every command on every key and
// channel: the dispatcher skips the checks for such a user.
func (u *User) Unrestricted() bool {
	return u.AllCommands && len(u.CmdRules) == 0 && u.AllKeys && u.AllChannels
}

// Flags returns the user's flags as ACL GETUSER lists them.
func (u *User) Flags() []string {
	var out []string
	if u.On {
		out = append(out, "on")
	} else {
		out = append(out, "off")
	}
	if u.NoPass {
		out = append(out, "nopass")
	}
	if u.Sanitize {
		out = append(out, "sanitize-payload")
	} else {
		out = append(out, "skip-sanitize-payload")
	}
	return out
}

// KeysString is the "keys" field of ACL GETUSER ("~*", "~a:* %R~b:*", "").
func (u *User) KeysString() string {
	if u.AllKeys {
		return "~*"
	}
	parts := make([]string, len(u.Keys))
	for i, k := range u.Keys {
		parts[i] = k.String()
	}
	return strings.Join(parts, " ")
}

// ChannelsString is the "channels" field of ACL GETUSER ("&*", "&a &b", "").
func (u *User) ChannelsString() string {
	if u.AllChannels {
		return "&*"
	}
	parts := make([]string, len(u.Channels))
	for i, c := range u.Channels {
		parts[i] = "&" + c
	}
	return strings.Join(parts, " ")
}

// CommandsString is the "commands" field of ACL GETUSER ("+@all",
// "-@all +@read -keys").
func (u *User) CommandsString() string {
	base := "-@all"
	if u.AllCommands {
		base = "+@all"
	}
	if len(u.CmdRules) == 0 {
		return base
	}
	return base + " " + strings.Join(u.CmdRules, " ")
}

// Describe returns the user's rules as ACL LIST prints them after
// "user <name> " (Redis 7.2 order: flags, passwords, keys, channels,
// commands). Applying them to a new user gives back the same user.
func (u *User) Describe() string {
	parts := u.Flags()
	for _, p := range u.Passwords {
		parts = append(parts, "#"+p)
	}
	if k := u.KeysString(); k != "" {
		parts = append(parts, k)
	}
	if u.AllChannels {
		parts = append(parts, "&*")
	} else {
		parts = append(parts, "resetchannels")
		if c := u.ChannelsString(); c != "" {
			parts = append(parts, c)
		}
	}
	parts = append(parts, u.CommandsString())
	return strings.Join(parts, " ")
}
