// Package store is the durable key-value store shared by the services of the
// local endpoint: bbolt, with a write-ahead log in front of it so that a
// durable commit costs one fdatasync instead of bbolt's two.
//
// Services use Update, View and Batch with the recording transaction types
// of tx.go. Batch is the group commit: concurrent writers share one commit,
// so durability does not cost throughput. A write transaction of a durable
// store appends its redo record to the log and syncs it before bbolt
// commits, with bbolt's own syncs off, so a reader only ever sees data that
// is already on disk, and the log's order is the commit order (bbolt's
// writer lock is held throughout). Checkpoints (checkpoint.go) bound the
// log; recovery (recover.go) replays it on every open.
//
// Each service keeps to its own top-level buckets, named with its prefix
// ("kinesis/…", "dynamodb/…"); "store/…" is the store's own.
package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// FileName is the name of the database file inside the data directory.
const FileName = "spk-local.db"

// walBucket holds the LSN of the newest log record the bbolt file contains.
var (
	walBucket = []byte("store/wal")
	lsnKey    = []byte("lsn")
)

// Options tune Open.
type Options struct {
	// InMemory keeps nothing after Close (an anonymous memory file on
	// Linux, elsewhere a temporary file that is never synced).
	InMemory bool
	// Logger receives the store's warnings; nil means slog.Default().
	Logger *slog.Logger

	// For tests: when the bbolt file's high-water mark reaches
	// unprotectAt bytes, the store stops protecting its checkpoint (see
	// DB.unprotect). Zero means half the initial map.
	unprotectAt int64
	// For tests: the checkpoint interval; zero means checkpointEvery.
	checkpointEvery time.Duration
}

// mapSize is the map bbolt starts with in a logged store. A write that
// needs a bigger map must wait for every reader to end, and the store
// holds one for ever (see checkpoint.go), so the map must not need to
// grow: this is address space only, on Linux and macOS.
// (A variable: the constant would not compile where int has 32 bits,
// though the log is never used there.)
var mapSize int64 = 8 << 30

const (
	checkpointEvery = 2 * time.Second
	checkpointBytes = 32 << 20 // of log
)

// DB is an open store.
type DB struct {
	bolt *bolt.DB
	// InMemory reports whether the store keeps nothing after Close.
	InMemory bool
	memFile  *os.File // the anonymous file of an in-memory store, if any
	tempDir  string
	dir      string
	log      *slog.Logger

	groupMu    sync.Mutex
	pending    []call
	committing bool

	// wal is nil when the store keeps no log: in memory, or where bbolt
	// cannot be given a fixed map (Windows, 32-bit).
	wal *wal
	// logging says whether commits go through the log (and bbolt runs
	// without syncs). Read and written under bbolt's writer lock; it turns
	// false for good when the store grows past unprotectAt.
	logging     bool
	unprotectAt int64

	ckptMu   sync.Mutex // one checkpoint at a time
	held     *bolt.Tx   // the reader protecting the last checkpoint's pages
	ckptLSN  uint64     // LSN of the last checkpoint
	metaFile *os.File   // the bbolt file, to read its raw meta pages
	pageSize int
	unlock   func()

	kick chan struct{}
	stop chan struct{}
	done chan struct{}

	// failed, once set, refuses every later write (see fail).
	failed atomic.Pointer[error]
	// closed is set under bbolt's writer lock by the last transaction
	// before Close's final sync: writers queued behind it are refused, so
	// nothing is acknowledged that the sync did not cover.
	closed    bool
	closeOnce sync.Once
	closeErr  error
	// syncData syncs the bbolt file: (*bolt.DB).Sync, or a failing stand-in
	// in tests.
	syncData func() error
	// failNext is a commit failure a test asked for (FailNextCommit).
	failNext atomic.Pointer[injectedFailure]

	// unrecorded: the store had no format record when opened (Unrecorded).
	unrecorded bool

	commits     atomic.Uint64
	logSyncs    atomic.Uint64
	checkpoints atomic.Uint64
	// commitFailures counts commits that failed and were taken back (a
	// full disk, say), which leave the store taking writes; lastFailure
	// is the newest of them.
	commitFailures atomic.Uint64
	lastFailure    atomic.Pointer[CommitFailure]
}

// CommitFailure is a failed commit: why, and when.
type CommitFailure struct {
	Err string
	At  time.Time
}

// noteFailure counts a commit that failed and was taken back.
func (db *DB) noteFailure(err error) {
	db.commitFailures.Add(1)
	db.lastFailure.Store(&CommitFailure{Err: err.Error(), At: time.Now()})
}

// LastCommitFailure is the newest commit that failed and was taken back,
// or nil when none has since the store opened.
func (db *DB) LastCommitFailure() *CommitFailure { return db.lastFailure.Load() }

type injectedFailure struct {
	err  error
	done chan struct{}
}

// FailNextCommit makes the next write transaction whose function succeeds
// fail with err instead of committing, as a full disk would, and returns a
// channel closed once that has happened. It is for tests of the services:
// after a failed commit nothing they keep in memory may run ahead of the
// store.
func (db *DB) FailNextCommit(err error) <-chan struct{} {
	f := &injectedFailure{err: err, done: make(chan struct{})}
	db.failNext.Store(f)
	return f.done
}

// InjectRefusal makes the store refuse every later write, as after a
// failed sync (see fail), with err as the cause. It is for tests of what
// spk local reports then (its health, spk doctor, spk status).
func (db *DB) InjectRefusal(err error) { db.fail(err) }

// ErrClosed answers a write to a closed store.
var ErrClosed = errors.New("store: closed")

// fail makes the store refuse every later write, after an error that
// leaves it unable to tell what is on disk: a failed sync (the kernel may
// have dropped the pages it could not write, and a later sync would
// succeed without them), or a failed commit whose log record could not be
// taken back. The log and the last checkpoint still hold every
// acknowledged write, so the next open recovers them; Close therefore
// leaves both in place.
func (db *DB) fail(err error) {
	err = fmt.Errorf("store %s refuses writes after: %w; restart spk local, which recovers every acknowledged write from its log", db.dir, err)
	if db.failed.CompareAndSwap(nil, &err) {
		db.log.Error("store: refusing writes until spk local restarts", "err", err)
	}
}

// Refusing is why the store refuses every write until a restart (see
// fail), or nil while it takes writes.
func (db *DB) Refusing() error {
	if p := db.failed.Load(); p != nil {
		return *p
	}
	return nil
}

// refusal is why a write may not run, or nil. The caller holds bbolt's
// writer lock.
func (db *DB) refusal() error {
	if db.closed {
		return ErrClosed
	}
	if err := db.failed.Load(); err != nil {
		return *err
	}
	return nil
}

// Stats are the store's counts since it opened.
type Stats struct {
	Commits        uint64 // write transactions committed
	CommitFailures uint64 // commits that failed and were taken back
	LogSyncs       uint64 // fdatasyncs of the log (one per logged commit)
	Checkpoints    uint64
}

// Stats returns the store's counts.
func (db *DB) Stats() Stats {
	return Stats{Commits: db.commits.Load(), CommitFailures: db.commitFailures.Load(), LogSyncs: db.logSyncs.Load(), Checkpoints: db.checkpoints.Load()}
}

// Path is the bbolt file's path (a name only, for an in-memory store).
func (db *DB) Path() string { return db.bolt.Path() }

// Size is the bbolt file's size in bytes.
func (db *DB) Size() (int64, error) {
	var fi os.FileInfo
	var err error
	if db.memFile != nil {
		fi, err = db.memFile.Stat()
	} else {
		fi, err = os.Stat(db.Path())
	}
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// Open opens (creating if needed) the store in dir. With inMemory the store
// keeps nothing after Close (see Options.InMemory) and dir is ignored.
func Open(dir string, inMemory bool) (*DB, error) {
	return OpenWith(dir, Options{InMemory: inMemory})
}

// logSupported says whether bbolt can run with a fixed map here: on
// Windows bbolt grows the file to the map's size, and 32-bit address space
// is too small for one.
func logSupported() bool { return runtime.GOOS != "windows" && strconv.IntSize == 64 }

// OpenWith opens the store in dir with o.
func OpenWith(dir string, o Options) (*DB, error) {
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	opts := &bolt.Options{Timeout: 2 * time.Second, FreelistType: bolt.FreelistMapType}
	if o.InMemory {
		return openInMemory(opts, logger)
	}
	if dir == "" {
		return nil, fmt.Errorf("open store: no data directory given; set a data directory or use in-memory mode")
	}
	created := missingDirs(dir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	if logSupported() {
		// A new directory's entry must be on disk before the acknowledged
		// writes inside it are: sync the parent of each one created.
		for _, d := range created {
			if err := syncDir(filepath.Dir(d)); err != nil {
				return nil, fmt.Errorf("create data directory %s: %w", dir, err)
			}
		}
	}
	var db *DB
	if !logSupported() {
		b, err := openBolt(path, opts)
		if err != nil {
			return nil, err
		}
		recorded, err := checkFormat(b, dir)
		if err != nil {
			b.Close()
			return nil, err
		}
		db = &DB{bolt: b, dir: dir, log: logger, unrecorded: !recorded}
	} else {
		var err error
		if db, err = openLogged(dir, o, logger); err != nil {
			return nil, err
		}
	}
	if err := db.recordFormat(); err != nil {
		db.Close()
		if _, newer := errors.AsType[*NewerFormatError](err); newer {
			return nil, err
		}
		return nil, fmt.Errorf("open store %s: record its format: %w", path, err)
	}
	return db, nil
}

// missingDirs lists dir and those of its ancestors that do not exist yet.
func missingDirs(dir string) []string {
	var out []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) || d == filepath.Dir(d) {
			return out
		}
		out = append(out, d)
	}
}

// openInMemory opens a store that keeps nothing after Close: in an
// anonymous memory file where the system has one (so bbolt's page writes
// are copies in memory, and nothing reaches a disk or outlives a kill),
// else in a temporary file that is never synced.
func openInMemory(opts *bolt.Options, logger *slog.Logger) (*DB, error) {
	opts.NoSync = true
	opts.NoGrowSync = true
	opts.NoFreelistSync = true
	if f, err := memFile(); err == nil {
		opts.OpenFile = func(string, int, os.FileMode) (*os.File, error) { return f, nil }
		b, err := openBolt(f.Name(), opts)
		if err != nil {
			f.Close()
			return nil, err
		}
		return &DB{bolt: b, InMemory: true, memFile: f, log: logger}, nil
	}
	d, err := os.MkdirTemp("", "spk-local-*")
	if err != nil {
		return nil, fmt.Errorf("create temporary store: %w", err)
	}
	b, err := openBolt(filepath.Join(d, FileName), opts)
	if err != nil {
		os.RemoveAll(d)
		return nil, err
	}
	return &DB{bolt: b, InMemory: true, tempDir: d, log: logger}, nil
}

func openBolt(path string, opts *bolt.Options) (b *bolt.DB, err error) {
	// bbolt panics on some damage it finds on open (keys out of order
	// when it rebuilds the freelist) where it could return an error: the
	// panic becomes the damaged-directory line, and the file's lock is
	// released and the file closed (its mapping stays until the process,
	// which is about to end, does).
	var file *os.File
	openFile := opts.OpenFile
	if openFile == nil {
		openFile = os.OpenFile
	}
	o := *opts
	o.OpenFile = func(name string, flag int, perm os.FileMode) (*os.File, error) {
		f, err := openFile(name, flag, perm)
		file = f
		return f, err
	}
	defer func() {
		if r := recover(); r != nil {
			if file != nil {
				releaseFileLock(file)
				file.Close()
			}
			b, err = nil, errUnreadablePage(path, r)
		}
	}()
	b, err = bolt.Open(path, 0o600, &o)
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, errLocked(path)
	}
	if err != nil {
		return nil, boltOpenError(path, err)
	}
	return b, nil
}

// errUnreadablePage is the damaged-directory line for a panic of bbolt's
// over a page it could not read.
func errUnreadablePage(path string, r any) error {
	return fmt.Errorf("open store %s: a page of its file cannot be read (bbolt: %v); the data directory is damaged: move it away to start afresh", path, r)
}

func errLocked(path string) error {
	return fmt.Errorf("open store %s: it is locked by another process; stop the other spk local or use another data directory", path)
}

// View runs fn in a read transaction.
func (db *DB) View(fn func(*Tx) error) error {
	return db.bolt.View(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx}) })
}

var recorders = sync.Pool{New: func() any { return new(recorder) }}

// Update runs fn in a write transaction and commits it if fn succeeds. In
// a logged store the transaction's record is appended to the log and
// synced before bbolt commits (without syncing), and Update returns after
// the commit: the write is acknowledged once it is on disk, and no reader
// sees it before.
func (db *DB) Update(fn func(*Tx) error) error {
	btx, err := db.bolt.Begin(true)
	if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	if err != nil {
		return err
	}
	defer btx.Rollback() // after a commit it only reports the tx closed
	if err := db.refusal(); err != nil {
		return err
	}
	tx := &Tx{tx: btx}
	if db.logging {
		r := recorders.Get().(*recorder)
		r.reset()
		tx.rec = r
		defer func() {
			if cap(r.buf) <= 4<<20 {
				recorders.Put(r)
			}
		}()
	}
	if err := fn(tx); err != nil {
		return err
	}
	if f := db.failNext.Swap(nil); f != nil {
		db.noteFailure(f.err) // as the failure it stands for
		close(f.done)
		return f.err
	}
	if tx.rec == nil || tx.rec.n == 0 {
		if err := btx.Commit(); err != nil {
			db.noteFailure(err)
			return err
		}
		db.commits.Add(1)
		return nil
	}
	grown, err := db.commitLogged(btx, tx.rec)
	if grown {
		db.unprotect()
	}
	return err
}

// commitLogged appends rec to the log, then commits. grown reports that
// the file passed unprotectAt, for the caller to act on once the log's
// lock is released.
func (db *DB) commitLogged(btx *bolt.Tx, rec *recorder) (grown bool, err error) {
	w := db.wal
	w.mu.Lock()
	defer w.mu.Unlock()
	start, err := w.append(rec.buf)
	if err != nil {
		if _, ok := errors.AsType[*syncError](err); !ok {
			err = fmt.Errorf("write-ahead log %s: %w", w.f.Name(), err)
			db.noteFailure(err)
			return false, err
		}
		// Whether the record reached the disk is unknown; voiding it makes
		// it absent if the disk still takes writes, and the store refuses
		// writes either way.
		w.void(w.off)
		db.fail(err)
		return false, err
	}
	err = putLSN(btx, w.lsn)
	size := btx.Size()
	if err == nil {
		err = btx.Commit()
	}
	if err != nil {
		if terr := w.takeBack(start); terr != nil {
			db.fail(fmt.Errorf("a failed commit (%v) could not be taken back from the log: %w", err, terr))
		} else {
			db.noteFailure(err)
		}
		return false, err
	}
	db.commits.Add(1)
	db.logSyncs.Add(1)
	if w.off >= checkpointBytes {
		select {
		case db.kick <- struct{}{}:
		default:
		}
	}
	return size >= db.unprotectAt, nil
}

func putLSN(btx *bolt.Tx, lsn uint64) error {
	b, err := btx.CreateBucketIfNotExists(walBucket)
	if err != nil {
		return err
	}
	return b.Put(lsnKey, binary.BigEndian.AppendUint64(nil, lsn))
}

func readLSN(btx *bolt.Tx) uint64 {
	b := btx.Bucket(walBucket)
	if b == nil {
		return 0
	}
	v := b.Get(lsnKey)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// Close checkpoints and closes the store; an in-memory store is removed.
// Closing again returns the first Close's error.
func (db *DB) Close() error {
	db.closeOnce.Do(func() { db.closeErr = db.close() })
	return db.closeErr
}

func (db *DB) close() error {
	var errs []error
	if db.stop != nil {
		close(db.stop)
		<-db.done
	}
	if db.wal != nil {
		db.ckptMu.Lock()
		if db.failed.Load() == nil {
			errs = append(errs, db.closeClean())
		}
		if db.held != nil {
			// bbolt's Close waits for every reader.
			db.held.Rollback()
			db.held = nil
		}
		db.ckptMu.Unlock()
	} else if !db.InMemory {
		errs = append(errs, db.bolt.Sync())
	}
	errs = append(errs, db.bolt.Close())
	if db.wal != nil {
		errs = append(errs, db.wal.f.Close(), db.metaFile.Close())
	}
	if db.unlock != nil {
		db.unlock()
	}
	if db.tempDir != "" {
		os.RemoveAll(db.tempDir)
	}
	return errors.Join(errs...)
}
