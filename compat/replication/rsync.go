package replication

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/pikaraft/pikaraft/compat/replication/rsyncpb"
	"github.com/pikaraft/pikaraft/compat/replication/wire"
)

// rsyncConn is one file transfer connection; up to max-rsync-parallel-num
// file requests are served at once (replicas use one reader per worker on
// a shared connection and match answers by reader_index).
type rsyncConn struct {
	s        *Server
	c        net.Conn
	wmu      sync.Mutex
	mu       sync.Mutex
	cond     *sync.Cond
	inflight int
	served   int64 // file bytes sent
	files    int
}

func (s *Server) serveRsync(c net.Conn) {
	rc := &rsyncConn{s: s, c: c}
	rc.cond = sync.NewCond(&rc.mu)
	log := s.cfg.Logger.With("replica_conn", c.RemoteAddr().String())
	done := make(chan struct{})
	defer close(done)
	go rc.progress(log, done)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		_ = c.SetReadDeadline(time.Now().Add(s.cfg.IdleTimeout))
		var req rsyncpb.RsyncRequest
		if err := wire.ReadMsg(c, 0, &req); err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				log.Info("replication: file transfer connection closed", "error", err)
			}
			return
		}
		if req.GetType() != rsyncpb.Type_kRsyncFile {
			if err := rc.send(s.rsyncMeta(&req)); err != nil {
				return
			}
			continue
		}
		rc.acquire()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer rc.release()
			resp := s.rsyncFile(&req)
			if fr := resp.GetFileResp(); fr != nil {
				rc.mu.Lock()
				rc.served += int64(fr.GetCount())
				if fr.GetEof() == 1 {
					rc.files++
				}
				rc.mu.Unlock()
			}
			if rc.send(resp) != nil {
				c.Close()
			}
		}()
	}
}

// progress logs the bytes served every 5 s while the connection lives.
func (rc *rsyncConn) progress(log interface{ Info(string, ...any) }, done chan struct{}) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	var last int64
	for {
		select {
		case <-done:
			rc.mu.Lock()
			log.Info("replication: file transfer connection done", "bytes", rc.served, "files", rc.files)
			rc.mu.Unlock()
			return
		case <-t.C:
			rc.mu.Lock()
			n, f := rc.served, rc.files
			rc.mu.Unlock()
			if n != last {
				log.Info("replication: full sync file transfer", "bytes", n, "files_done", f,
					"rate_bytes_per_s", (n-last)/5, "throttle", rc.s.limiter.Rate())
				last = n
			}
		}
	}
}

// acquire waits for a free serving slot (max-rsync-parallel-num, read
// on every request).
func (rc *rsyncConn) acquire() {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for rc.inflight >= int(max(rc.s.cfg.Settings.Int("max-rsync-parallel-num", 4), 1)) {
		rc.cond.Wait()
	}
	rc.inflight++
}

func (rc *rsyncConn) release() {
	rc.mu.Lock()
	rc.inflight--
	rc.mu.Unlock()
	rc.cond.Broadcast()
}

func (rc *rsyncConn) send(m *rsyncpb.RsyncResponse) error {
	rc.wmu.Lock()
	defer rc.wmu.Unlock()
	_ = rc.c.SetWriteDeadline(time.Now().Add(writeTimeout))
	if err := wire.WriteMsg(rc.c, m); err != nil {
		rc.c.Close()
		return err
	}
	return nil
}

// rsyncBase starts a response: kErr until proven otherwise, with the
// dump's uuid for the db when there is a dump to serve.
func (s *Server) rsyncBase(req *rsyncpb.RsyncRequest) (*rsyncpb.RsyncResponse, *dump, int) {
	resp := &rsyncpb.RsyncResponse{
		Type:         req.GetType().Enum(),
		ReaderIndex:  proto.Int32(req.GetReaderIndex()),
		SnapshotUuid: proto.String(""),
		DbName:       proto.String(req.GetDbName()),
		SlotId:       proto.Uint32(0),
		Code:         rsyncpb.StatusCode_kErr.Enum(),
	}
	db, ok := parseDBName(req.GetDbName(), s.cfg.Databases)
	d, running := s.dumps.get()
	if !ok || running || d == nil {
		return resp, nil, 0
	}
	resp.SnapshotUuid = proto.String(d.uuid[db])
	return resp, d, db
}

// rsyncMeta answers the file list of the db's dump (kErr while a dump is
// being made: the replica retries).
func (s *Server) rsyncMeta(req *rsyncpb.RsyncRequest) *rsyncpb.RsyncResponse {
	resp, d, db := s.rsyncBase(req)
	if d == nil {
		return resp
	}
	resp.Code = rsyncpb.StatusCode_kOk.Enum()
	resp.MetaResp = &rsyncpb.MetaResponse{Filenames: d.files[db]}
	s.cfg.Logger.Info("replication: full sync file list sent", "db", req.GetDbName(), "files", len(d.files[db]), "dump", d.dir)
	return resp
}

// rsyncFile answers one chunk of a dump file, at most 4 MiB and 100 ms at
// the throttle rate, after waiting for the throttle.
func (s *Server) rsyncFile(req *rsyncpb.RsyncRequest) *rsyncpb.RsyncResponse {
	resp, d, db := s.rsyncBase(req)
	fr := req.GetFileReq()
	if d == nil || fr == nil || !d.index[db][fr.GetFilename()] {
		return resp
	}
	data, eof, err := s.readChunk(filepath.Join(d.dir, dbName(db), filepath.FromSlash(fr.GetFilename())), fr.GetOffset(), fr.GetCount())
	if err != nil {
		s.cfg.Logger.Warn("replication: reading a dump file failed", "file", fr.GetFilename(), "error", err)
		return resp
	}
	e := int32(0)
	if eof {
		e = 1
	}
	resp.Code = rsyncpb.StatusCode_kOk.Enum()
	resp.FileResp = &rsyncpb.FileResponse{
		Eof: proto.Int32(e), Count: proto.Uint64(uint64(len(data))), Offset: proto.Uint64(fr.GetOffset()),
		Data: data, Checksum: proto.String(""), Filename: proto.String(fr.GetFilename()),
	}
	return resp
}

func (s *Server) readChunk(path string, off, count uint64) ([]byte, bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, false, err
	}
	size := uint64(st.Size())
	if off > size {
		return nil, false, fmt.Errorf("offset %d beyond the file size %d", off, size)
	}
	n := min(count, maxChunk, size-off)
	n = s.limiter.Chunk(n)
	if !s.limiter.Wait(int(n), s.stop) {
		return nil, false, errors.New("server closing")
	}
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, int64(off)); err != nil && !errors.Is(err, io.EOF) {
		return nil, false, err
	}
	return buf, off+n == size, nil
}
