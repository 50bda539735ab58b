package replication_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"net"
	"os"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/pikaraft/pikaraft/compat/binlog"
	"github.com/pikaraft/pikaraft/compat/replication/innerpb"
	"github.com/pikaraft/pikaraft/compat/replication/replica"
	"github.com/pikaraft/pikaraft/compat/replication/rsyncpb"
	"github.com/pikaraft/pikaraft/compat/replication/wire"
	"github.com/pikaraft/pikaraft/engine/pikafixture"
)

type tframe struct {
	conn    int
	port    int
	fromRep bool
	payload []byte
}

// loadTranscript reassembles the frames of repl-transcript.jsonl.
func loadTranscript(t *testing.T) []tframe {
	f, err := os.Open(pikafixture.Path(t, "repl-transcript.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	type key struct {
		conn int
		dir  string
	}
	pending := map[key][]byte{}
	var out []tframe
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var r struct {
			Conn int    `json:"conn"`
			Port int    `json:"port"`
			Dir  string `json:"dir"`
			Hex  string `json:"hex"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
		if r.Port == 9520 || r.Dir == "open" {
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
			out = append(out, tframe{conn: r.Conn, port: r.Port, fromRep: r.Dir == "replica->master", payload: p})
			buf = buf[len(buf)-rd.Len():]
		}
		pending[k] = buf
	}
	return out
}

// sameShape requires got to set exactly the fields want sets, recursively
// (first element of repeated messages); values may differ.
func sameShape(t *testing.T, want, got protoreflect.Message, where string) {
	t.Helper()
	want.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		require.True(t, got.Has(fd), "%s: field %s missing", where, fd.Name())
		switch {
		case fd.IsList() && fd.Message() != nil:
			if v.List().Len() > 0 {
				require.Positive(t, got.Get(fd).List().Len(), "%s: %s empty", where, fd.Name())
				sameShape(t, v.List().Get(0).Message(), got.Get(fd).List().Get(0).Message(), where+"."+string(fd.Name()))
			}
		case fd.Message() != nil && !fd.IsList():
			sameShape(t, v.Message(), got.Get(fd).Message(), where+"."+string(fd.Name()))
		}
		return true
	})
	got.Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		require.True(t, want.Has(fd), "%s: extra field %s", where, fd.Name())
		return true
	})
}

// TestReplayTranscriptReplicaSide sends what the real Pika 3.5.5 replica
// sent, in its order, to a pikaraft master — with the values that must be
// ours substituted (binlog offsets from our dump, our file names and
// session ids, as a replica would) — and checks every answer has the
// shape of the real master's: same message types, fields, sequence.
func TestReplayTranscriptReplicaSide(t *testing.T) {
	frames := loadTranscript(t)
	m := startMaster(t, masterOpts{})
	m.fill("pre", 3000, true)
	// Also a key named like the fixture's, so after:* writes make sense.
	m.do(0, "set", "str:3", "x")

	var tResps []*innerpb.InnerResponse // the real master's answers on 11520
	var tItems []*innerpb.InnerResponse // ... of them, those carrying items
	var tKeepalive *innerpb.InnerResponse
	for _, f := range frames {
		if f.port != 11520 || f.fromRep {
			continue
		}
		var r innerpb.InnerResponse
		require.NoError(t, proto.Unmarshal(f.payload, &r))
		if r.GetType() == innerpb.Type_kBinlogSync {
			if len(r.GetBinlogSync()[0].GetBinlog()) > 0 {
				tItems = append(tItems, &r)
			} else if tKeepalive == nil {
				tKeepalive = &r
			}
			continue
		}
		tResps = append(tResps, &r)
	}
	nextResp := func(typ innerpb.Type) *innerpb.InnerResponse {
		for i, r := range tResps {
			if r.GetType() == typ {
				tResps = append(tResps[:i], tResps[i+1:]...)
				return r
			}
		}
		t.Fatalf("transcript has no more %s answers", typ)
		return nil
	}

	rc := dialRepl(t, m)
	sessions := map[string]int32{}
	dumpPos := map[string]binlog.Position{}
	rsyncDone := false
	replicaIndex := map[string]uint64{}
	for _, f := range frames {
		if f.port != 11520 || !f.fromRep {
			continue
		}
		var req innerpb.InnerRequest
		require.NoError(t, proto.Unmarshal(f.payload, &req))
		switch req.GetType() {
		case innerpb.Type_kMetaSync:
			rc.send(&req)
			got := rc.recvType(innerpb.Type_kMetaSync)
			sameShape(t, nextResp(innerpb.Type_kMetaSync).ProtoReflect(), got.ProtoReflect(), "MetaSync")
			require.Equal(t, innerpb.StatusCode_kOk, got.GetCode())
		case innerpb.Type_kDBSync:
			rc.send(&req)
			got := rc.recvType(innerpb.Type_kDBSync)
			sameShape(t, nextResp(innerpb.Type_kDBSync).ProtoReflect(), got.ProtoReflect(), "DBSync")
			sessions[req.GetDbSync().GetSlot().GetDbName()] = got.GetDbSync().GetSessionId()
		case innerpb.Type_kTrySync:
			if !rsyncDone {
				replayRsync(t, m, frames, dumpPos)
				rsyncDone = true
			}
			db := req.GetTrySync().GetSlot().GetDbName()
			p := dumpPos[db]
			req.TrySync.BinlogOffset = off(p.Filenum, p.Offset)
			rc.send(&req)
			got := rc.recvType(innerpb.Type_kTrySync)
			sameShape(t, nextResp(innerpb.Type_kTrySync).ProtoReflect(), got.ProtoReflect(), "TrySync")
			require.Equal(t, innerpb.InnerResponse_TrySync_kOk, got.GetTrySync().GetReplyCode())
			require.Equal(t, sessions[db], got.GetTrySync().GetSessionId(), "the DBSync session continues")
		case innerpb.Type_kBinlogSync:
			bs := req.GetBinlogSync()
			db := bs.GetDbName()
			bs.SessionId = proto.Int32(sessions[db])
			switch {
			case bs.GetFirstSend():
				p := dumpPos[db]
				bs.AckRangeStart, bs.AckRangeEnd = off4(p.Filenum, p.Offset, 0, 0), off4(p.Filenum, p.Offset, 0, 0)
			case bs.GetAckRangeEnd().GetOffset() == 0:
				// The answer to a keepalive: wait for one of ours for db.
				for {
					k := rc.recvType(innerpb.Type_kBinlogSync)
					if k.GetBinlogSync()[0].GetSlot().GetDbName() == db && len(k.GetBinlogSync()[0].GetBinlog()) == 0 {
						sameShape(t, tKeepalive.ProtoReflect(), k.ProtoReflect(), "keepalive")
						break
					}
				}
			default:
				// The ack of items: make the same writes, receive them, ack ours.
				var want []*innerpb.InnerResponse_BinlogSync
				for len(tItems) > 0 {
					r := tItems[0]
					tItems = tItems[1:]
					want = append(want, r.GetBinlogSync()...)
					if want[len(want)-1].GetBinlogOffset().GetOffset() == bs.GetAckRangeEnd().GetOffset() {
						break
					}
				}
				require.NotEmpty(t, want)
				for _, w := range want {
					it, err := binlog.DecodeItem(w.GetBinlog())
					require.NoError(t, err)
					m.appendContent(0, it.Content)
				}
				var got []*innerpb.InnerResponse_BinlogSync
				for len(got) < len(want) {
					msg := rc.recvType(innerpb.Type_kBinlogSync)
					require.Equal(t, innerpb.StatusCode_kOk, msg.GetCode())
					for _, e := range msg.GetBinlogSync() {
						if len(e.GetBinlog()) > 0 {
							got = append(got, e)
						}
					}
				}
				for i := range want {
					sameShape(t, want[i].ProtoReflect(), got[i].ProtoReflect(), "BinlogSync item")
					wi, _ := binlog.DecodeItem(want[i].GetBinlog())
					gi, err := binlog.DecodeItem(got[i].GetBinlog())
					require.NoError(t, err)
					require.Equal(t, string(wi.Content), string(gi.Content))
				}
				last := got[len(got)-1].GetBinlogOffset()
				replicaIndex[db] += uint64(len(got))
				bs.AckRangeStart = got[0].GetBinlogOffset()
				bs.AckRangeEnd = off4(last.GetFilenum(), last.GetOffset(), last.GetTerm(), replicaIndex[db])
			}
			rc.send(&req)
		}
	}
	require.Empty(t, tItems, "every item of the transcript was replayed")
	// The link is still up: the master did not close it on any ack.
	reps := m.srv.Replicas()
	require.Len(t, reps, 1)
	for _, d := range reps[0].DBs {
		require.True(t, d.Streaming)
	}
}

// replayRsync replays the file transfer connections: the meta requests as
// they were, the file requests with our file of the same kind.
func replayRsync(t *testing.T, m *testMaster, frames []tframe, dumpPos map[string]binlog.Position) {
	conns := map[int]*rawRsync{}
	var order []int
	for _, f := range frames {
		if f.port != 19521 {
			continue
		}
		if _, ok := conns[f.conn]; !ok {
			c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(m.port+10001))
			require.NoError(t, err)
			t.Cleanup(func() { c.Close() })
			conns[f.conn] = &rawRsync{t: t, c: c}
			order = append(order, f.conn)
		}
		rr := conns[f.conn]
		if !f.fromRep {
			var r rsyncpb.RsyncResponse
			require.NoError(t, proto.Unmarshal(f.payload, &r))
			rr.want = append(rr.want, &r)
			continue
		}
		var req rsyncpb.RsyncRequest
		require.NoError(t, proto.Unmarshal(f.payload, &req))
		rr.reqs = append(rr.reqs, &req)
	}
	for _, id := range order {
		rr := conns[id]
		for _, req := range rr.reqs {
			if req.GetType() == rsyncpb.Type_kRsyncMeta {
				got := rr.meta(req)
				want := rr.findWant(req, "")
				sameShape(t, want.ProtoReflect(), got.ProtoReflect(), "RsyncMeta")
				rr.uuid, rr.files, rr.db = got.GetSnapshotUuid(), got.GetMetaResp().GetFilenames(), req.GetDbName()
				requireLayout(t, rr.files)
				continue
			}
			want := rr.findWant(req, req.GetFileReq().GetFilename())
			name := ourFile(rr.files, req.GetFileReq().GetFilename())
			sub := proto.Clone(req).(*rsyncpb.RsyncRequest)
			sub.FileReq.Filename = proto.String(name)
			require.NoError(t, wire.WriteMsg(rr.c, sub))
			got := rr.recv()
			sameShape(t, want.ProtoReflect(), got.ProtoReflect(), "RsyncFile")
			require.Equal(t, rsyncpb.StatusCode_kOk, got.GetCode())
			require.Equal(t, rr.uuid, got.GetSnapshotUuid())
			require.Equal(t, req.GetReaderIndex(), got.GetReaderIndex())
			fr := got.GetFileResp()
			require.Equal(t, name, fr.GetFilename())
			require.Equal(t, req.GetFileReq().GetOffset(), fr.GetOffset())
			require.LessOrEqual(t, fr.GetCount(), req.GetFileReq().GetCount())
			require.Empty(t, fr.GetChecksum())
			if name == "info" && fr.GetOffset() == 0 && fr.GetEof() == 1 {
				p, err := replica.ParseInfo(fr.GetData())
				require.NoError(t, err)
				dumpPos[rr.db] = p
			}
		}
	}
	require.Len(t, dumpPos, 2, "both info files were fetched")
}

type rawRsync struct {
	t     *testing.T
	c     net.Conn
	reqs  []*rsyncpb.RsyncRequest
	want  []*rsyncpb.RsyncResponse
	uuid  string
	db    string
	files []string
}

func (r *rawRsync) recv() *rsyncpb.RsyncResponse {
	var m rsyncpb.RsyncResponse
	_ = r.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	require.NoError(r.t, wire.ReadMsg(r.c, 0, &m))
	return &m
}

// meta sends the meta request until the dump is ready (kErr before, as
// a real replica retries).
func (r *rawRsync) meta(req *rsyncpb.RsyncRequest) *rsyncpb.RsyncResponse {
	for i := 0; i < 100; i++ {
		require.NoError(r.t, wire.WriteMsg(r.c, req))
		got := r.recv()
		if got.GetCode() == rsyncpb.StatusCode_kOk {
			return got
		}
		require.Equal(r.t, rsyncpb.StatusCode_kErr, got.GetCode())
		time.Sleep(100 * time.Millisecond)
	}
	r.t.Fatal("the dump never became ready")
	return nil
}

// findWant finds the real master's answer to a request on this connection.
func (r *rawRsync) findWant(req *rsyncpb.RsyncRequest, file string) *rsyncpb.RsyncResponse {
	for _, w := range r.want {
		if w.GetType() == req.GetType() && w.GetReaderIndex() == req.GetReaderIndex() &&
			(file == "" || (w.GetFileResp().GetFilename() == file && w.GetFileResp().GetOffset() == req.GetFileReq().GetOffset())) {
			return w
		}
	}
	r.t.Fatalf("no answer to %v in the transcript", req)
	return nil
}

// ourFile maps a file name of Pika's dump to one of ours of the same
// type directory and kind (CURRENT, MANIFEST, OPTIONS, sst, log).
func ourFile(files []string, theirs string) string {
	kind := func(n string) string {
		b := path.Base(n)
		if i := strings.Index(b, "-"); i > 0 {
			return b[:i] // MANIFEST, OPTIONS
		}
		if e := path.Ext(b); e != "" {
			return e // .sst, .log
		}
		return b // CURRENT
	}
	fallback := ""
	for _, f := range files {
		if f == theirs {
			return f
		}
		if path.Dir(f) == path.Dir(theirs) {
			if kind(f) == kind(theirs) {
				return f
			}
			if path.Base(f) == "CURRENT" {
				fallback = f
			}
		}
	}
	return fallback
}

// requireLayout: type directories in Pika's order, then info.
func requireLayout(t *testing.T, files []string) {
	require.Equal(t, "info", files[len(files)-1])
	var dirs []string
	for _, f := range files[:len(files)-1] {
		d := path.Dir(f)
		if len(dirs) == 0 || dirs[len(dirs)-1] != d {
			dirs = append(dirs, d)
		}
	}
	require.Equal(t, []string{"strings", "hashes", "lists", "zsets", "sets"}, dirs)
}
