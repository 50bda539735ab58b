package command

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFormatDoubleLikeRedis(t *testing.T) {
	for f, want := range map[float64]string{
		1.5: "1.5", -106.375: "-106.375", 1e10: "10000000000", 3479099956230698: "3479099956230698",
		0: "0", 0.1: "0.1", math.Inf(1): "inf", math.Inf(-1): "-inf", 1e21: "1e+21", 1e-7: "1e-07",
	} {
		require.Equal(t, want, FormatDouble(f), "%v", f)
	}
}

func TestAppendRESP(t *testing.T) {
	r := Array(OK(), Int(-3), Bulk([]byte("a\r\nb")), Nil(), Err("ERR x\ny"), Double(2.5), Map(BulkString("k"), Bool(true)))
	require.Equal(t, "*7\r\n+OK\r\n:-3\r\n$4\r\na\r\nb\r\n$-1\r\n-ERR x y\r\n$3\r\n2.5\r\n*2\r\n$1\r\nk\r\n:1\r\n",
		string(r.AppendRESP(nil, 2)))
	require.Equal(t, "*7\r\n+OK\r\n:-3\r\n$4\r\na\r\nb\r\n_\r\n-ERR x y\r\n,2.5\r\n%1\r\n$1\r\nk\r\n#t\r\n",
		string(r.AppendRESP(nil, 3)))
	require.Equal(t, "*-1\r\n", string(NilArray().AppendRESP(nil, 2)))
}

func TestErrReplyPrefix(t *testing.T) {
	require.Equal(t, "ERR boom", ErrReply(errString("boom")).Str)
	require.Equal(t, "WRONGTYPE Operation", ErrReply(errString("WRONGTYPE Operation")).Str)
	require.Equal(t, "ERR value is not an integer or out of range", ErrReply(ErrNotInteger).Str)
}

type errString string

func (e errString) Error() string { return string(e) }
