package replica

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/linxGnu/grocksdb"
	"google.golang.org/protobuf/proto"

	"github.com/pikaraft/pikaraft/compat/binlog"
	"github.com/pikaraft/pikaraft/compat/replication/rsyncpb"
	"github.com/pikaraft/pikaraft/compat/replication/wire"
	"github.com/pikaraft/pikaraft/engine"
)

// Names in a receive directory (src/rsync_client.cc).
const (
	dumpMetaName = "DUMP_META_DATA"
	uuidPrefix   = "snapshot-uuid:"
	maxChunk     = 4 << 20
)

// dumpKinds are the instance directories a Pika master sends.
var dumpKinds = []string{"strings", "hashes", "lists", "zsets", "sets"}

// errNewerDump: the master's dump changed under the transfer.
var errNewerDump = errors.New("the master made a newer dump during the transfer")

// startTransfer fetches the dump of db in the background; retries
// resume from the files already received (DUMP_META_DATA).
func (l *link) startTransfer(db int) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		var err error
		for attempt := 0; attempt < 64; attempt++ {
			if err = l.r.transfer(l.master, db, l.stop); err == nil || errors.Is(err, errNewerDump) {
				break
			}
			select {
			case <-l.stop:
				return
			case <-time.After(time.Second):
			}
			l.r.cfg.Logger.Info("replica: file transfer interrupted, resuming", "db", db, "error", err)
		}
		select {
		case l.events <- event{db: db, err: err}:
		case <-l.stop:
		}
	}()
}

// transferDone installs a received dump, or starts over.
func (l *link) transferDone(ev event) {
	r := l.r
	if ev.err != nil {
		r.cfg.Logger.Error("replica: full sync transfer failed, DBSync again", "db", ev.db, "error", ev.err)
		r.setState(ev.db, TryDBSync)
		return
	}
	pos, err := r.install(ev.db)
	if err != nil {
		r.cfg.Logger.Error("replica: installing the dump failed", "db", ev.db, "error", err)
		r.setState(ev.db, TryDBSync)
		return
	}
	r.count(func(s *Stats) { s.FullSyncs++ })
	r.cfg.Logger.Info("replica: full sync installed, continuing from the dump's binlog position", "db", ev.db, "offset", pos.String())
	r.setState(ev.db, TryConnect)
}

// transfer is one attempt of Pika's RsyncClient: file list, then every
// file not yet received, over max-rsync-parallel-num workers sharing one
// connection, throttled.
func (r *Replica) transfer(master string, db int, stop <-chan struct{}) error {
	r.count(func(s *Stats) { s.Transfers++ })
	addr, err := shift(master, 10001)
	if err != nil {
		return err
	}
	c, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", addr, err)
	}
	t := &transfer{r: r, c: c, db: db, name: fmt.Sprintf("db%d", db), dir: r.syncDir(db), waiters: map[int32]chan *rsyncpb.RsyncResponse{}}
	defer c.Close()
	go func() {
		select {
		case <-stop:
			c.Close()
		case <-t.closed():
		}
	}()
	defer t.close()
	return t.run(stop)
}

type transfer struct {
	r    *Replica
	c    net.Conn
	db   int
	name string
	dir  string
	uuid string

	wmu     sync.Mutex
	mu      sync.Mutex
	waiters map[int32]chan *rsyncpb.RsyncResponse
	done    chan struct{}
	once    sync.Once
	metaMu  sync.Mutex
}

func (t *transfer) closed() chan struct{} {
	t.once.Do(func() { t.done = make(chan struct{}) })
	return t.done
}

func (t *transfer) close() {
	ch := t.closed()
	select {
	case <-ch:
	default:
		close(ch)
	}
}

func (t *transfer) send(m *rsyncpb.RsyncRequest) error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	_ = t.c.SetWriteDeadline(time.Now().Add(t.r.cfg.RequestTimeout))
	return wire.WriteMsg(t.c, m)
}

func (t *transfer) run(stop <-chan struct{}) error {
	files, err := t.meta(stop)
	if err != nil {
		return err
	}
	done, err := t.loadMeta()
	if err != nil {
		return err
	}
	var todo []string
	for _, f := range files {
		if !filepath.IsLocal(filepath.FromSlash(f)) {
			return fmt.Errorf("the master lists an unsafe file name %q", f)
		}
		if done[f] {
			t.r.count(func(s *Stats) { s.FilesResumed++ })
			continue
		}
		todo = append(todo, f)
	}
	t.r.cfg.Logger.Info("replica: fetching the dump", "db", t.db, "files", len(files), "already_received", len(files)-len(todo), "uuid", t.uuid)
	go t.readLoop()
	par := min(max(t.r.cfg.Parallel(), 1), 64)
	errs := make(chan error, par)
	for w := 0; w < par; w++ {
		var mine []string
		for i := w; i < len(todo); i += par {
			mine = append(mine, todo[i])
		}
		go func() {
			for _, f := range mine {
				if err := t.fetch(int32(w), f, stop); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	var first error
	for range par {
		if err := <-errs; err != nil && first == nil {
			first = err
			t.c.Close() // stops the other workers
		}
	}
	if first != nil && errors.Is(first, errNewerDump) {
		os.RemoveAll(t.dir)
		os.MkdirAll(t.dir, 0o755)
	}
	return first
}

// meta asks for the file list, retrying while the master makes its dump.
func (t *transfer) meta(stop <-chan struct{}) ([]string, error) {
	req := &rsyncpb.RsyncRequest{Type: rsyncpb.Type_kRsyncMeta.Enum(), ReaderIndex: proto.Int32(0), DbName: proto.String(t.name), SlotId: proto.Uint32(0)}
	for try := 0; ; try++ {
		if err := t.send(req); err != nil {
			return nil, err
		}
		var resp rsyncpb.RsyncResponse
		_ = t.c.SetReadDeadline(time.Now().Add(t.r.cfg.RequestTimeout))
		if err := wire.ReadMsg(t.c, 0, &resp); err != nil {
			return nil, err
		}
		if resp.GetCode() == rsyncpb.StatusCode_kOk && resp.GetType() == rsyncpb.Type_kRsyncMeta {
			t.uuid = resp.GetSnapshotUuid()
			return resp.GetMetaResp().GetFilenames(), nil
		}
		if try >= 600 {
			return nil, errors.New("the master has no dump to send")
		}
		select {
		case <-stop:
			return nil, errors.New("stopped")
		case <-time.After(time.Second):
		}
	}
}

// readLoop routes responses to the worker waiting on their reader_index.
func (t *transfer) readLoop() {
	defer t.close()
	for {
		var resp rsyncpb.RsyncResponse
		_ = t.c.SetReadDeadline(time.Time{})
		if err := wire.ReadMsg(t.c, 0, &resp); err != nil {
			return
		}
		t.mu.Lock()
		ch := t.waiters[resp.GetReaderIndex()]
		t.mu.Unlock()
		if ch != nil {
			select {
			case ch <- &resp:
			default:
			}
		}
	}
}

// fetch receives one file chunk by chunk.
func (t *transfer) fetch(idx int32, name string, stop <-chan struct{}) error {
	ch := make(chan *rsyncpb.RsyncResponse, 1)
	t.mu.Lock()
	t.waiters[idx] = ch
	t.mu.Unlock()
	path := filepath.Join(t.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	var off uint64
	for {
		count := t.r.limiter.Chunk(maxChunk)
		if !t.r.limiter.Wait(int(count), stop) {
			return errors.New("stopped")
		}
		err := t.send(&rsyncpb.RsyncRequest{Type: rsyncpb.Type_kRsyncFile.Enum(), ReaderIndex: proto.Int32(idx), DbName: proto.String(t.name),
			SlotId: proto.Uint32(0), FileReq: &rsyncpb.FileRequest{Filename: proto.String(name), Count: proto.Uint64(count), Offset: proto.Uint64(off)}})
		if err != nil {
			return err
		}
		var resp *rsyncpb.RsyncResponse
		select {
		case resp = <-ch:
		case <-t.closed():
			return errors.New("file transfer connection lost")
		case <-time.After(t.r.cfg.RequestTimeout):
			return fmt.Errorf("no answer for %s at %d", name, off)
		}
		if resp.GetCode() != rsyncpb.StatusCode_kOk {
			return fmt.Errorf("the master could not send %s", name)
		}
		if resp.GetSnapshotUuid() != t.uuid {
			return errNewerDump
		}
		fr := resp.GetFileResp()
		if fr.GetFilename() != name || fr.GetOffset() != off || uint64(len(fr.GetData())) != fr.GetCount() {
			return fmt.Errorf("answer for %s at %d does not match the request", fr.GetFilename(), fr.GetOffset())
		}
		if _, err := f.WriteAt(fr.GetData(), int64(off)); err != nil {
			return err
		}
		off += fr.GetCount()
		t.r.count(func(s *Stats) { s.BytesFetched += int64(fr.GetCount()) })
		if fr.GetEof() == 1 {
			if err := f.Sync(); err != nil {
				return err
			}
			t.r.count(func(s *Stats) { s.FilesFetched++ })
			return t.record(name)
		}
		if fr.GetCount() == 0 {
			return fmt.Errorf("empty chunk of %s at %d without eof", name, off)
		}
	}
}

// loadMeta reads DUMP_META_DATA: the files of this uuid already received.
// Another uuid (or none) empties the directory.
func (t *transfer) loadMeta() (map[string]bool, error) {
	done := map[string]bool{}
	b, err := os.ReadFile(filepath.Join(t.dir, dumpMetaName))
	lines := strings.Split(string(b), "\n")
	if err == nil && len(lines) > 0 && strings.TrimPrefix(lines[0], uuidPrefix) == t.uuid && strings.HasPrefix(lines[0], uuidPrefix) {
		for _, ln := range lines[1:] {
			if name, _, ok := strings.Cut(ln, ":"); ok && name != "" {
				done[name] = true
			}
		}
		return done, nil
	}
	if err := os.RemoveAll(t.dir); err != nil {
		return nil, err
	}
	for _, k := range dumpKinds {
		if err := os.MkdirAll(filepath.Join(t.dir, k), 0o755); err != nil {
			return nil, err
		}
	}
	return done, os.WriteFile(filepath.Join(t.dir, dumpMetaName), []byte(uuidPrefix+t.uuid+"\n"), 0o644)
}

// record notes a received file in DUMP_META_DATA (checksum empty, as Pika).
func (t *transfer) record(name string) error {
	t.metaMu.Lock()
	defer t.metaMu.Unlock()
	f, err := os.OpenFile(filepath.Join(t.dir, dumpMetaName), os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteString(name + ":\n")
	return err
}

// ParseInfo parses a dump's info file as a Pika replica does: line 2 is
// the master ip, lines 3.. non-negative integers (port, filenum, offset,
// optional term and index), at most 8 lines.
func ParseInfo(b []byte) (binlog.Position, error) {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) < 5 || len(lines) > 8 {
		return binlog.Position{}, fmt.Errorf("info file of %d lines", len(lines))
	}
	var nums []uint64
	for _, ln := range lines[2:] {
		n, err := strconv.ParseUint(strings.TrimSpace(ln), 10, 64)
		if err != nil {
			return binlog.Position{}, fmt.Errorf("info file line %q: %w", ln, err)
		}
		nums = append(nums, n)
	}
	if nums[1] > 1<<32-1 {
		return binlog.Position{}, fmt.Errorf("info file filenum %d", nums[1])
	}
	return binlog.Position{Filenum: uint32(nums[1]), Offset: nums[2]}, nil
}

// CheckPikaDump verifies that every instance of a received database has
// exactly Pika's column families (no pikaraft_applied left in).
func CheckPikaDump(dbDir string) error {
	kinds := map[string]engine.Kind{}
	for _, k := range engine.Kinds {
		kinds[k.String()] = k
	}
	for _, name := range dumpKinds {
		p := filepath.Join(dbDir, name)
		if _, err := os.Stat(filepath.Join(p, "CURRENT")); err != nil {
			return fmt.Errorf("dump instance %s: %w", name, err)
		}
		opts := grocksdb.NewDefaultOptions()
		got, err := grocksdb.ListColumnFamilies(opts, p)
		opts.Destroy()
		if err != nil {
			return fmt.Errorf("dump instance %s: %w", name, err)
		}
		if want := engine.PikaCFNames(kinds[name]); !slices.Equal(got, want) {
			return fmt.Errorf("dump instance %s has column families %v, Pika has %v", name, got, want)
		}
	}
	return nil
}

// install swaps a received dump in for database db (Pika's
// TryUpdateMasterOffset): check it, replace db/db<i>, reopen the engine,
// and pad our binlog up to the dump's position (SetProducerStatus).
func (r *Replica) install(db int) (binlog.Position, error) {
	dir := r.syncDir(db)
	info, err := os.ReadFile(filepath.Join(dir, "info"))
	if err != nil {
		return binlog.Position{}, err
	}
	pos, err := ParseInfo(info)
	if err != nil {
		return binlog.Position{}, err
	}
	if err := CheckPikaDump(dir); err != nil {
		return binlog.Position{}, err
	}
	for _, n := range []string{"info", dumpMetaName} {
		if err := os.Remove(filepath.Join(dir, n)); err != nil {
			return binlog.Position{}, err
		}
	}
	target := filepath.Join(r.cfg.Dir, "db", fmt.Sprintf("db%d", db))
	bak := target + "_bak"
	r.engMu.Lock()
	defer r.engMu.Unlock()
	if err := r.eng.Close(); err != nil {
		return binlog.Position{}, err
	}
	reopen := func() error {
		eng, err := engine.Open(filepath.Join(r.cfg.Dir, "db"), engine.Options{Databases: r.cfg.Databases})
		if err == nil {
			r.eng = eng
		}
		return err
	}
	if err := os.RemoveAll(bak); err != nil {
		return binlog.Position{}, errors.Join(err, reopen())
	}
	if err := os.Rename(target, bak); err != nil {
		return binlog.Position{}, errors.Join(err, reopen())
	}
	if err := os.Rename(dir, target); err != nil {
		_ = os.Rename(bak, target)
		return binlog.Position{}, errors.Join(err, reopen())
	}
	if err := reopen(); err != nil {
		return binlog.Position{}, err
	}
	if err := os.RemoveAll(bak); err != nil {
		return binlog.Position{}, err
	}
	if err := r.logs.DB(db).Reset(pos, 0, 0, uint32(time.Now().Unix())); err != nil {
		return binlog.Position{}, err
	}
	return pos, nil
}
