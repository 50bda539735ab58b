package command

import (
	"errors"
	"fmt"

	"github.com/pikaraft/pikaraft/engine"
)

// OBJECT. Pika has no such command; pikaraft answers what is true of its
// engine: ENCODING names the closest Redis shape (engine.DB.Encoding),
// REFCOUNT is always 1 (values are not shared), IDLETIME is 0 (access times
// are not tracked), and FREQ answers as Redis does without an LFU policy.

var ksObjectHelp = []string{
	"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"ENCODING <key>",
	"    Return the kind of internal representation used in order to store the value",
	"    associated with a <key>.",
	"FREQ <key>",
	"    Return the access frequency index of the <key>. The returned integer is",
	"    proportional to the logarithm of the recent access frequency of the key.",
	"IDLETIME <key>",
	"    Return the idle time of the <key>, that is the approximated number of",
	"    seconds elapsed since the last access to the key.",
	"REFCOUNT <key>",
	"    Return the number of references of the value associated with the specified",
	"    <key>.",
	"HELP",
	"    Print this help.",
}

const ksErrNoLFU = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. " +
	"Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."

func cmdObject(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 2 {
		return WrongArity(string(argv[0]))
	}
	sub := lowerASCII(argv[1])
	switch sub {
	case "help":
		if len(argv) != 2 {
			return WrongArity("object|help")
		}
		lines := make([]Reply, len(ksObjectHelp))
		for i, l := range ksObjectHelp {
			lines[i] = Status(l)
		}
		return Array(lines...)
	case "encoding", "refcount", "idletime", "freq":
	default:
		return Err(fmt.Sprintf("ERR unknown subcommand '%s'. Try OBJECT HELP.", argv[1]))
	}
	if len(argv) != 3 {
		return WrongArity("object|" + sub)
	}
	enc, err := c.DB.Encoding(argv[2], c.NowMs)
	if errors.Is(err, engine.ErrNotFound) {
		return Nil()
	}
	if err != nil {
		return ErrReply(err)
	}
	switch sub {
	case "encoding":
		return BulkString(enc)
	case "refcount":
		return Int(1)
	case "idletime":
		return Int(0)
	}
	return Err(ksErrNoLFU)
}
