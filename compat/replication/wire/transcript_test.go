package wire_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/pikaraft/pikaraft/compat/replication/innerpb"
	"github.com/pikaraft/pikaraft/compat/replication/rsyncpb"
	"github.com/pikaraft/pikaraft/compat/replication/wire"
	"github.com/pikaraft/pikaraft/engine/pikafixture"
)

// Ports of the recording (fixture README).
const (
	replPort  = 11520
	rsyncPort = 19521
)

type record struct {
	T    float64 `json:"t"`
	Conn int     `json:"conn"`
	Port int     `json:"port"`
	Dir  string  `json:"dir"`
	Hex  string  `json:"hex"`
}

// frame is one message of the transcript.
type frame struct {
	conn    int
	port    int
	dir     string
	payload []byte
}

// transcriptFrames reassembles the frames of every connection and
// direction on the two replication ports, in the order they completed.
func transcriptFrames(t *testing.T) []frame {
	t.Helper()
	f, err := os.Open(pikafixture.Path(t, "repl-transcript.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	type key struct {
		conn int
		dir  string
	}
	pending := map[key][]byte{}
	var out []frame
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var r record
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
		if (r.Port != replPort && r.Port != rsyncPort) || r.Dir == "open" {
			continue
		}
		b, err := hex.DecodeString(r.Hex)
		require.NoError(t, err)
		k := key{r.Conn, r.Dir}
		buf := append(pending[k], b...)
		for {
			rd := bytes.NewReader(buf)
			p, err := wire.ReadFrame(rd, 0)
			if err != nil {
				break
			}
			out = append(out, frame{conn: r.Conn, port: r.Port, dir: r.Dir, payload: p})
			buf = buf[len(buf)-rd.Len():]
		}
		pending[k] = buf
	}
	require.NoError(t, sc.Err())
	for k, rest := range pending {
		require.Empty(t, rest, "conn %d %s ends inside a frame", k.conn, k.dir)
	}
	return out
}

// TestTranscriptRoundTrip decodes every frame a real Pika 3.5.5 replica
// and master exchanged with our messages and re-encodes it: the bytes
// must be identical, so nothing was lost or reordered.
func TestTranscriptRoundTrip(t *testing.T) {
	frames := transcriptFrames(t)
	counts := map[string]int{}
	for i, f := range frames {
		var m proto.Message
		switch {
		case f.port == replPort && f.dir == "replica->master":
			m = &innerpb.InnerRequest{}
		case f.port == replPort:
			m = &innerpb.InnerResponse{}
		case f.dir == "replica->master":
			m = &rsyncpb.RsyncRequest{}
		default:
			m = &rsyncpb.RsyncResponse{}
		}
		require.NoError(t, proto.Unmarshal(f.payload, m), "frame %d", i)
		require.Empty(t, m.ProtoReflect().GetUnknown(), "frame %d has fields we do not know", i)
		again, err := wire.Marshal(m)
		require.NoError(t, err, "frame %d", i)
		require.Equal(t, f.payload, again, "frame %d (%T) re-encodes differently", i, m)
		switch v := m.(type) {
		case *innerpb.InnerRequest:
			counts["req/"+v.GetType().String()]++
		case *innerpb.InnerResponse:
			counts["resp/"+v.GetType().String()]++
		case *rsyncpb.RsyncRequest:
			counts["rsync-req/"+v.GetType().String()]++
		case *rsyncpb.RsyncResponse:
			counts["rsync-resp/"+v.GetType().String()]++
		}
	}
	// Every kind of exchange of the recording is there.
	for _, k := range []string{"req/kMetaSync", "resp/kMetaSync", "req/kDBSync", "resp/kDBSync",
		"req/kTrySync", "resp/kTrySync", "req/kBinlogSync", "resp/kBinlogSync",
		"rsync-req/kRsyncMeta", "rsync-resp/kRsyncMeta", "rsync-req/kRsyncFile", "rsync-resp/kRsyncFile"} {
		require.Positive(t, counts[k], k)
	}
	require.Equal(t, counts["rsync-req/kRsyncFile"], counts["rsync-resp/kRsyncFile"])
	t.Logf("frames: %d %v", len(frames), counts)
}

// TestTranscriptFieldValues checks fields whose meaning the spec fixes.
func TestTranscriptFieldValues(t *testing.T) {
	for _, f := range transcriptFrames(t) {
		if f.port != replPort {
			continue
		}
		if f.dir == "replica->master" {
			var req innerpb.InnerRequest
			require.NoError(t, proto.Unmarshal(f.payload, &req))
			if req.GetType() == innerpb.Type_kMetaSync {
				require.Equal(t, "127.0.0.1", req.GetMetaSync().GetNode().GetIp())
				require.EqualValues(t, 9510, req.GetMetaSync().GetNode().GetPort())
				require.Nil(t, req.GetMetaSync().Auth, "no masterauth → no auth field")
			}
			continue
		}
		var resp innerpb.InnerResponse
		require.NoError(t, proto.Unmarshal(f.payload, &resp))
		require.Equal(t, innerpb.StatusCode_kOk, resp.GetCode())
		if ms := resp.GetMetaSync(); ms != nil {
			require.True(t, ms.GetClassicMode())
			require.Len(t, ms.GetRunId(), 40)
			require.Len(t, ms.GetReplicationId(), 50)
			require.Len(t, ms.GetDbsInfo(), 2)
		}
		for _, b := range resp.GetBinlogSync() {
			if len(b.GetBinlog()) == 0 {
				require.Zero(t, b.GetBinlogOffset().GetOffset(), "keepalive carries a zero offset")
			}
		}
	}
}
