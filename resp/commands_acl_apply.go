package resp

import (
	"errors"
	"strings"

	"github.com/pikaraft/pikaraft/resp/acl"
	"github.com/pikaraft/pikaraft/resp/command"
)

// aclBaseMarker introduces, in a proposed ACL SETUSER, the rules of the
// proposing node's built-in user ("default", "limit") the user starts from
// when it has no replicated record yet. Clients cannot send it: the client
// form of SETUSER refuses it as a rule, and "acl" is never proposed as sent.
const aclBaseMarker = "\x00base"

// applyACL runs a committed ACL entry in the FSM (Conn is nil):
//
//	ACL SETUSER name [\x00base "<rules>"] rules...
//	ACL DELUSER name...
//	ACL LOAD "<aclfile lines>"
//
// The result depends only on the entry and the replicated users, so every
// node stores the same records.
func applyACL(c *command.Ctx, argv [][]byte) command.Reply {
	if c.Engine == nil {
		return command.Err("ERR ACL changes must be applied by the cluster")
	}
	sub := strings.ToLower(string(argv[1]))
	switch {
	case sub == "setuser" && len(argv) >= 3:
		rest := argv[3:]
		var base []string
		if len(rest) >= 2 && string(rest[0]) == aclBaseMarker {
			base = strings.Fields(string(rest[1]))
			rest = rest[2:]
		}
		rules := make([]string, len(rest))
		for i, r := range rest {
			rules[i] = string(r)
		}
		if err := acl.ApplySetUser(c.Engine, c.W, string(argv[2]), base, rules); err != nil {
			return aclApplyErr(err)
		}
		return command.OK()
	case sub == "deluser" && len(argv) >= 3:
		names := make([]string, 0, len(argv)-2)
		for _, a := range argv[2:] {
			names = append(names, string(a))
		}
		n, err := acl.ApplyDelUser(c.Engine, c.W, names)
		if err != nil {
			return aclApplyErr(err)
		}
		return command.Int(int64(n))
	case sub == "load" && len(argv) == 3:
		users, err := acl.ParseFile("aclfile", string(argv[2]))
		if err != nil {
			return command.Err("ERR " + err.Error())
		}
		if err := acl.ApplyLoad(c.Engine, c.W, users); err != nil {
			return aclApplyErr(err)
		}
		return command.OK()
	}
	return command.Err("ERR unknown subcommand '" + string(argv[1]) + "'. Try ACL HELP.")
}

func aclApplyErr(err error) command.Reply {
	var re *acl.RuleError
	if errors.As(err, &re) {
		return command.Err("ERR " + re.Error())
	}
	return command.ErrReply(err)
}
