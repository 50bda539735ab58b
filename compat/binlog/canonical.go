package binlog

import (
	"bytes"
	"fmt"
	"strconv"
)

// Applied is one write command the FSM executed successfully, with the facts
// about its outcome that Pika's binlog form of it depends on. Only commands
// that succeeded (no error reply) are logged; the FSM fills the outcome
// fields the command needs and leaves the others empty.
type Applied struct {
	// Argv is the command as the client sent it (argument 0 keeps its case).
	Argv [][]byte
	// DB is the database the command ran in.
	DB int
	// Databases is the number of databases (FLUSHALL logs a flushdb in each).
	Databases int
	// NowMs is the entry's leader time in ms; Pika's time(NULL) is NowMs/1000.
	NowMs int64

	// Value is the key's new value after INCR, INCRBY, INCRBYFLOAT, APPEND.
	Value []byte
	// ExpireAt is the key's absolute expiry in unix seconds after the
	// command, 0 for none (INCR, INCRBY, INCRBYFLOAT, APPEND, SET KEEPTTL).
	ExpireAt int64
	// StreamID is the ID XADD added.
	StreamID []byte
	// Members is what a command moved or produced: the members SPOP
	// removed, the element RPOPLPUSH/LMOVE moved (one), the members an
	// SDIFFSTORE/SINTERSTORE/SUNIONSTORE stored, in storage order.
	Members [][]byte
	// NoOp reports that a command given in a Redis-only form Pika lacks
	// (SET ... KEEPTTL/EXAT/PXAT, EXPIRE ... NX/XX/GT/LT, MSETNX that set
	// nothing, LMOVE with nothing moved) changed nothing: no item is logged.
	NoOp bool
}

// Content is the content of one binlog item and the database it belongs to.
type Content struct {
	DB    int
	Bytes []byte
}

// setStoreChunk is the size after which SetOperationCmd::DoBinlog starts a
// new "sadd" item (128 KiB of member bytes).
const setStoreChunk = 131072

// Canonical returns the binlog items a classic Pika 3.5.5 master writes for
// the command: its canonical rewritten form (spec §1.6, corrected by the
// real Pika binlog), one item per database for FLUSHALL and several items
// for the commands Pika splits. Commands Pika does not rewrite are logged
// verbatim. Redis-only forms are logged as the Pika commands with the same
// effect.
func Canonical(a Applied) ([]Content, error) {
	if len(a.Argv) == 0 {
		return nil, fmt.Errorf("binlog: canonical: empty command")
	}
	argvs, err := canonicalArgvs(a)
	if err != nil {
		return nil, fmt.Errorf("binlog: canonical %s: %w", bytes.ToLower(a.Argv[0]), err)
	}
	if isFlushall(a.Argv) {
		out := make([]Content, 0, a.Databases)
		for db := 0; db < a.Databases; db++ {
			out = append(out, Content{DB: db, Bytes: EncodeRESP(argvs[0])})
		}
		return out, nil
	}
	out := make([]Content, len(argvs))
	for i, argv := range argvs {
		out[i] = Content{DB: a.DB, Bytes: EncodeRESP(argv)}
	}
	return out, nil
}

func isFlushall(argv [][]byte) bool { return bytes.EqualFold(argv[0], []byte("flushall")) }

// b is shorthand for a literal argument.
func b(s string) []byte { return []byte(s) }

// canonicalArgvs returns the argv of each item to log.
func canonicalArgvs(a Applied) ([][][]byte, error) {
	argv := a.Argv
	now := a.NowMs / 1000
	one := func(x ...[]byte) [][][]byte { return [][][]byte{x} }
	var nb [24]byte
	switch string(lowerName(argv[0], &nb)) {
	case "set":
		return canonicalSet(a, now)
	case "setex", "psetex":
		if len(argv) != 4 {
			return nil, errArgs
		}
		n, err := parseInt(argv[2])
		if err != nil {
			return nil, err
		}
		if bytes.EqualFold(argv[0], b("psetex")) {
			n /= 1000
		}
		return one(b("pksetexat"), argv[1], int32Arg(now+n), argv[3]), nil
	case "setnx":
		if len(argv) != 3 {
			return nil, errArgs
		}
		return one(b("setnx"), argv[1], argv[2]), nil
	case "incr", "incrby", "incrbyfloat", "append":
		if len(argv) < 2 {
			return nil, errArgs
		}
		return one(b("pksetexat"), argv[1], intArg(a.ExpireAt), a.Value), nil
	case "expire", "pexpire", "pexpireat", "expireat":
		return canonicalExpire(a, now)
	case "flushall":
		return one(b("flushdb")), nil
	case "flushdb":
		if len(argv) == 2 && isAsyncOpt(argv[1]) {
			return one(argv[0]), nil
		}
		return [][][]byte{argv}, nil
	case "hset":
		if len(argv) > 4 && len(argv)%2 == 0 {
			return [][][]byte{append([][]byte{b("hmset")}, argv[1:]...)}, nil
		}
		return [][][]byte{argv}, nil
	case "xadd":
		return canonicalXadd(a)
	case "mset", "msetnx":
		if a.NoOp {
			return nil, nil
		}
		if len(argv) < 3 || len(argv)%2 == 0 {
			return nil, errArgs
		}
		var out [][][]byte
		for i := 1; i+1 < len(argv); i += 2 {
			out = append(out, [][]byte{b("set"), argv[i], argv[i+1]})
		}
		return out, nil
	case "del":
		var out [][][]byte
		for _, k := range argv[1:] {
			out = append(out, [][]byte{argv[0], k})
		}
		return out, nil
	case "spop":
		if len(argv) < 2 || len(a.Members) == 0 {
			return nil, nil
		}
		return [][][]byte{append([][]byte{b("srem"), argv[1]}, a.Members...)}, nil
	case "rpoplpush", "lmove":
		return canonicalMove(a)
	case "sdiffstore", "sinterstore", "sunionstore":
		if len(argv) < 3 {
			return nil, errArgs
		}
		return setStore(argv[1], a.Members), nil
	}
	return [][][]byte{argv}, nil
}

var errArgs = fmt.Errorf("wrong number of arguments")

// canonicalSet follows SetCmd::DoInitial/ToRedisProtocol: with EX or PX and
// no NX/XX/VX anywhere, `pksetexat key <int32 now+sec> value` (PX: ms/1000);
// otherwise verbatim. GET is dropped; EXAT/PXAT/KEEPTTL (Redis-only) are
// logged by their effect.
func canonicalSet(a Applied, now int64) ([][][]byte, error) {
	argv := a.Argv
	if len(argv) < 3 {
		return nil, errArgs
	}
	if len(argv) == 3 {
		return [][][]byte{argv}, nil // plain SET: verbatim
	}
	var (
		cond, ttl, redisOnly, keepTTL bool
		sec, at                       int64
		kept                          = [][]byte{argv[0], argv[1], argv[2]}
	)
	var ob [24]byte
	for i := 3; i < len(argv); i++ {
		opt := string(lowerName(argv[i], &ob))
		switch opt {
		case "nx", "xx":
			cond = true
			kept = append(kept, argv[i])
		case "vx":
			if i+1 >= len(argv) {
				return nil, errArgs
			}
			cond = true
			kept = append(kept, argv[i], argv[i+1])
			i++
		case "ex", "px", "exat", "pxat":
			if i+1 >= len(argv) {
				return nil, errArgs
			}
			n, err := parseInt(argv[i+1])
			if err != nil {
				return nil, err
			}
			switch opt {
			case "ex", "px":
				ttl, sec = true, n
				if opt == "px" {
					sec = n / 1000
				}
				kept = append(kept, argv[i], argv[i+1])
			case "exat":
				redisOnly, at = true, n
			case "pxat":
				redisOnly, at = true, n/1000
			}
			i++
		case "keepttl":
			redisOnly, keepTTL = true, true
		case "get":
			// Redis-only; does not change what is stored.
		default:
			return nil, fmt.Errorf("syntax error at %q", argv[i])
		}
	}
	key, val := argv[1], argv[2]
	if redisOnly {
		if a.NoOp {
			return nil, nil
		}
		if keepTTL {
			at = a.ExpireAt
		}
		if at > 0 {
			return [][][]byte{{b("pksetexat"), key, int32Arg(at), val}}, nil
		}
		return [][][]byte{{b("set"), key, val}}, nil
	}
	if ttl && !cond {
		return [][][]byte{{b("pksetexat"), key, int32Arg(now + sec), val}}, nil
	}
	return [][][]byte{kept}, nil
}

// canonicalExpire: EXPIRE k s → expireat k now+s; PEXPIRE k ms → expireat k
// now+ms/1000; PEXPIREAT k ms → expireat k ms/1000; EXPIREAT verbatim.
// Redis 7 flags (NX/XX/GT/LT) are dropped; a flagged command that changed
// nothing is not logged.
func canonicalExpire(a Applied, now int64) ([][][]byte, error) {
	argv := a.Argv
	if len(argv) < 3 {
		return nil, errArgs
	}
	if len(argv) > 3 && a.NoOp {
		return nil, nil
	}
	n, err := parseInt(argv[2])
	if err != nil {
		return nil, err
	}
	var at int64
	switch string(bytes.ToLower(argv[0])) {
	case "expire":
		at = now + n
	case "pexpire":
		at = now + n/1000
	case "pexpireat":
		at = n / 1000
	default: // expireat
		return [][][]byte{argv[:3]}, nil
	}
	return [][][]byte{{b("expireat"), argv[1], intArg(at)}}, nil
}

// canonicalXadd replaces the ID argument by the ID actually added (the
// real Pika binlog stores `XADD key <ms-seq> ...` for `XADD key * ...`).
func canonicalXadd(a Applied) ([][][]byte, error) {
	argv := a.Argv
	i := 2
	for i < len(argv) {
		switch string(bytes.ToLower(argv[i])) {
		case "nomkstream":
			i++
			continue
		case "maxlen", "minid":
			i++
			if i < len(argv) && (bytes.Equal(argv[i], b("=")) || bytes.Equal(argv[i], b("~"))) {
				i++
			}
			i++
			if i+1 < len(argv) && bytes.EqualFold(argv[i], b("limit")) {
				i += 2
			}
			continue
		}
		break
	}
	if i >= len(argv) {
		return nil, errArgs
	}
	if len(a.StreamID) == 0 {
		return [][][]byte{argv}, nil
	}
	out := append([][]byte(nil), argv...)
	out[i] = a.StreamID
	return [][][]byte{out}, nil
}

// canonicalMove: RPOPLPUSH src dst is logged as `RPOP src` and
// `LPUSH dst <value>` (RPopLPushCmd::DoBinlog); LMOVE likewise with the
// directions it names.
func canonicalMove(a Applied) ([][][]byte, error) {
	argv := a.Argv
	if len(a.Members) != 1 {
		return nil, nil // nothing moved
	}
	pop, push := b("RPOP"), b("LPUSH")
	if bytes.EqualFold(argv[0], b("lmove")) {
		if len(argv) != 5 {
			return nil, errArgs
		}
		if bytes.EqualFold(argv[3], b("left")) {
			pop = b("LPOP")
		}
		if bytes.EqualFold(argv[4], b("right")) {
			push = b("RPUSH")
		}
	} else if len(argv) != 3 {
		return nil, errArgs
	}
	return [][][]byte{{pop, argv[1]}, {push, argv[2], a.Members[0]}}, nil
}

// setStore is SetOperationCmd::DoBinlog: `del dest`, then the stored
// members as `sadd dest ...` items of about 128 KiB each.
func setStore(dest []byte, members [][]byte) [][][]byte {
	out := [][][]byte{{b("del"), dest}}
	if len(members) == 0 {
		return out
	}
	cur := [][]byte{b("sadd"), dest, members[0]}
	size := len(members[0])
	for _, m := range members[1:] {
		if size >= setStoreChunk {
			out = append(out, cur)
			cur = [][]byte{b("sadd"), dest}
			size = 0
		}
		cur = append(cur, m)
		size += len(m)
	}
	return append(out, cur)
}

func isAsyncOpt(x []byte) bool {
	return bytes.EqualFold(x, b("async")) || bytes.EqualFold(x, b("sync"))
}

func parseInt(x []byte) (int64, error) {
	n, err := strconv.ParseInt(string(x), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("value is not an integer: %q", x)
	}
	return n, nil
}

// int32Arg formats v truncated to int32, as Pika's static_cast<int32_t>.
func int32Arg(v int64) []byte { return strconv.AppendInt(nil, int64(int32(v)), 10) }

func intArg(v int64) []byte { return strconv.AppendInt(nil, v, 10) }

// lowerName lowercases a command or option name into buf without
// allocating; names longer than buf are returned unchanged (they match no
// known name).
func lowerName(x []byte, buf *[24]byte) []byte {
	if len(x) > len(buf) {
		return x
	}
	for i, c := range x {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return buf[:len(x)]
}
