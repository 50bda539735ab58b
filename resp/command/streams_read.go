package command

import (
	"errors"
	"fmt"

	"github.com/pikaraft/pikaraft/engine"
)

// XREAD and XINFO.

// xreadCmd is XREAD [COUNT count] [BLOCK ms] STREAMS key [key ...] id
// [id ...]. It never waits: with data it answers at once; with none it
// answers a nil array. The server waits for BLOCK (XReadBlocking).
func xreadCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 4 {
		return WrongArity("xread")
	}
	count, streamsArg := int64(0), 0
	for i := 1; i < len(argv) && streamsArg == 0; i++ {
		more := len(argv) - i - 1
		switch {
		case EqualFold(argv[i], "block") && more > 0:
			i++
			ms, ok := ParseInt(argv[i])
			if !ok {
				return ErrReply(errTimeoutNotInt)
			}
			if ms < 0 {
				return ErrReply(errTimeoutNegative)
			}
		case EqualFold(argv[i], "count") && more > 0:
			i++
			n, ok := ParseInt(argv[i])
			if !ok {
				return ErrReply(ErrNotInteger)
			}
			count = max(n, 0)
		case EqualFold(argv[i], "streams") && more > 0:
			streamsArg = i + 1
			if (len(argv)-streamsArg)%2 != 0 {
				return Err("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.")
			}
		case EqualFold(argv[i], "group") && more >= 2:
			return Err("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.")
		case EqualFold(argv[i], "noack"):
			return Err("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.")
		default:
			return ErrReply(ErrSyntax)
		}
	}
	if streamsArg == 0 {
		return ErrReply(ErrSyntax)
	}
	n := (len(argv) - streamsArg) / 2
	streams := make([]engine.XReadStream, n)
	for i := range streams {
		streams[i].Key = argv[streamsArg+i]
		arg := argv[streamsArg+n+i]
		switch {
		case len(arg) == 1 && arg[0] == '$':
			streams[i].FromLast = true
		case len(arg) == 1 && arg[0] == '>':
			return Err("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.")
		default:
			id, err := parseStrictID(arg)
			if err != nil {
				return ErrReply(err)
			}
			streams[i].After = id
		}
	}
	res, err := c.DB.XRead(streams, count)
	if err != nil {
		return ErrReply(err)
	}
	if len(res) == 0 {
		return NilArray() // BLOCK waits in the server (streams_block.go)
	}
	kv := make([]Reply, 0, 2*len(res))
	for _, r := range res {
		kv = append(kv, Bulk(r.Key), entriesReply(r.Entries))
	}
	return PairMap(kv...)
}

var xinfoHelp = []string{
	"XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"CONSUMERS <key> <groupname>",
	"    Show consumers of <groupname>.",
	"GROUPS <key>",
	"    Show the stream consumer groups.",
	"STREAM <key> [FULL [COUNT <count>]",
	"    Show information about the stream.",
	"HELP",
	"    Prints this help.",
}

// xinfoCmd is XINFO STREAM key [FULL [COUNT n]] | GROUPS key | CONSUMERS
// key group | HELP. Pika 3.5.5 has no consumer groups: GROUPS is always
// empty and CONSUMERS always NOGROUP.
func xinfoCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 2 {
		return WrongArity("xinfo")
	}
	sub := lowerASCII(argv[1])
	wantArgs := map[string]int{"help": 2, "groups": 3, "consumers": 4}[sub]
	switch {
	case sub == "help" && len(argv) == 2:
		out := make([]Reply, len(xinfoHelp))
		for i, l := range xinfoHelp {
			out[i] = Status(l)
		}
		return Array(out...)
	case sub == "stream" && len(argv) >= 3, wantArgs > 0 && len(argv) == wantArgs:
	case sub == "stream" || wantArgs > 0:
		return WrongArity("xinfo|" + sub)
	default:
		return Err(fmt.Sprintf("ERR unknown subcommand '%s'. Try XINFO HELP.", argv[1]))
	}
	key := argv[2]
	if sub == "stream" {
		return xinfoStream(c, argv)
	}
	n, err := c.DB.XLen(key)
	if err != nil {
		return ErrReply(err)
	}
	if n == 0 {
		return ErrReply(engine.ErrNoSuchKey)
	}
	if sub == "groups" {
		return Array()
	}
	return Err(fmt.Sprintf("NOGROUP No such consumer group '%s' for key name '%s'", argv[3], key))
}

// xinfoStream is XINFO STREAM key [FULL [COUNT n]] in Redis 7's field order,
// without the radix-tree fields (there is no radix tree).
func xinfoStream(c *Ctx, argv [][]byte) Reply {
	full, count := false, int64(10)
	if len(argv) > 3 {
		if !EqualFold(argv[3], "full") {
			return ErrReply(ErrSyntax)
		}
		full = true
		if len(argv) > 4 {
			if len(argv) != 6 || !EqualFold(argv[4], "count") {
				return ErrReply(ErrSyntax)
			}
			n, ok := ParseInt(argv[5])
			if !ok {
				return ErrReply(ErrNotInteger)
			}
			count = max(n, 0)
		}
	}
	info, err := c.DB.XInfo(argv[2])
	if errors.Is(err, engine.ErrNotFound) {
		return ErrReply(engine.ErrNoSuchKey)
	}
	if err != nil {
		return ErrReply(err)
	}
	kv := []Reply{
		BulkString("length"), Int(info.Length),
		BulkString("last-generated-id"), BulkString(info.LastGeneratedID.String()),
		BulkString("max-deleted-entry-id"), BulkString(info.MaxDeletedEntryID.String()),
		BulkString("entries-added"), Int(int64(info.EntriesAdded)),
		BulkString("recorded-first-entry-id"), BulkString(info.RecordedFirstEntryID.String()),
	}
	if !full {
		return Map(append(kv,
			BulkString("groups"), Int(0),
			BulkString("first-entry"), entryReply(info.FirstEntry),
			BulkString("last-entry"), entryReply(info.LastEntry))...)
	}
	es, err := c.DB.XRange(argv[2], engine.StreamID{}, engine.MaxStreamID, count, false)
	if err != nil && !errors.Is(err, engine.ErrNotFound) {
		return ErrReply(err)
	}
	return Map(append(kv, BulkString("entries"), entriesReply(es), BulkString("groups"), Array())...)
}
