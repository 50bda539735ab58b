package resp

import (
	"github.com/pikaraft/pikaraft/resp/command"
)

// checkACL applies authentication and the ACL to a command about to run or
// be queued: NOAUTH before AUTH, then the user's command, key and channel
// rules (NOPERM, recorded in ACL LOG). nil means the command may run.
func (c *Conn) checkACL(spec *command.Spec, argv [][]byte) *command.Reply {
	name := c.ownUser()
	if name == "" {
		if spec.Flags&command.FlagNoAuth == 0 {
			return &errNoAuth
		}
		return nil
	}
	u := c.srv.aclUsers().Get(name)
	if u == nil {
		// The user was deleted (ACL DELUSER / LOAD): as Redis, its
		// connections are closed.
		c.kill()
		return &errNoAuth
	}
	if spec.Flags&command.FlagNoAuth != 0 || u.Unrestricted() {
		return nil
	}
	if d := u.Check(spec, argv); d != nil {
		c.logDenial(d.Reason, d.Object, name)
		r := command.Err(d.Message(name, false))
		return &r
	}
	return nil
}
