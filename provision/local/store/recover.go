package store

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
)

// openLogged opens a durable store with its log. Every open recovers: it
// puts the bbolt file back to the last checkpoint, replays the log from
// there, and checkpoints. A clean shutdown leaves nothing to replay, and
// every kill -9 test exercises this path.
func openLogged(dir string, o Options, logger *slog.Logger) (db *DB, err error) {
	path := filepath.Join(dir, FileName)
	unlock, err := lockDir(filepath.Join(dir, LockFileName), 2*time.Second)
	if errors.Is(err, errHeld) {
		return nil, errLocked(path)
	}
	if err != nil {
		return nil, withFix(fmt.Errorf("open store %s: %w", path, err))
	}
	defer func() {
		if err != nil {
			unlock()
		}
	}()
	cp, err := readCheckpoint(dir)
	if errors.Is(err, errNewerCheckpoint) {
		return nil, &NewerFormatError{Dir: dir, What: "its checkpoint"}
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: read %s: %w; the data directory is damaged: move it away to start afresh", path, CheckpointFileName, err)
	}
	if err := checkLogKept(filepath.Join(dir, LogFileName), cp); err != nil {
		return nil, fmt.Errorf("open store %s: %w; the data directory is damaged: move it away to start afresh", path, err)
	}
	var metas []byte
	pageSize := 0
	if cp != nil && !cp.unprotected {
		metas, pageSize = cp.metas, cp.pageSize
	}
	if err := checkFileHoldsMetas(path, metas, pageSize); err != nil {
		return nil, err
	}
	replayed := false
	if cp != nil && !cp.unprotected {
		// The metas the file has now go back if this open is refused
		// before the log is applied: after an unclean stop another
		// program (an spk from before the log, bbolt's tools) may have
		// changed the file and reused the checkpoint's pages, and a
		// refusal must leave its work as it found it.
		var found []byte // err below is the function's: the deferred put-back reads it
		if found, err = readHead(path, len(cp.metas)); err != nil {
			return nil, withFix(fmt.Errorf("open store %s: %w", path, err))
		}
		if err = restoreMetas(path, cp); err != nil {
			return nil, withFix(fmt.Errorf("open store %s: restore the checkpoint: %w", path, err))
		}
		defer func() {
			if err != nil && !replayed {
				if perr := writeHead(path, found); perr != nil {
					err = fmt.Errorf("%w (and its first pages could not be put back as they were: %v)", err, perr)
				}
			}
		}()
	}
	b, err := openBolt(path, &bolt.Options{
		Timeout:      2 * time.Second,
		FreelistType: bolt.FreelistMapType,
		// The log makes commits durable; the bbolt file is synced at
		// checkpoints (and by every commit again once unprotected).
		NoSync:     true,
		NoGrowSync: true,
		// While a checkpoint's reader is held, the pages freed since
		// pile up as pending; writing the whole freelist with every
		// commit would then cost more with each commit until the next
		// checkpoint. bbolt rebuilds the freelist on open instead; Close
		// writes it once, so a clean start does not scan.
		NoFreelistSync:  true,
		InitialMmapSize: int(mapSize),
	})
	if err != nil {
		return nil, err
	}
	db = &DB{bolt: b, dir: dir, log: logger, unlock: unlock, pageSize: b.Info().PageSize, syncData: b.Sync,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	// bbolt panics on a page of garbage where it could return an error,
	// and faults on a key it reads past the file's end, which the opening
	// reads (format, replay, checkpoint) turn into a panic here; this runs
	// before the deferred unlock above, which sees the error.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if db.held != nil {
				db.held.Rollback()
			}
			if db.metaFile != nil {
				db.metaFile.Close()
			}
			if db.wal != nil {
				db.wal.f.Close()
			}
			b.Close()
			db, err = nil, errUnreadablePage(path, r)
		}
	}()
	recorded, err := checkFormat(b, dir)
	if err != nil {
		b.Close()
		return nil, err
	}
	db.unrecorded = !recorded
	db.unprotectAt = o.unprotectAt
	if db.unprotectAt == 0 {
		db.unprotectAt = mapSize / 2
	}
	fail := func(err error) (*DB, error) {
		if db.metaFile != nil {
			db.metaFile.Close()
		}
		if db.wal != nil {
			db.wal.f.Close()
		}
		b.Close()
		return nil, err
	}
	if db.metaFile, err = os.Open(path); err != nil {
		return fail(withFix(fmt.Errorf("open store %s: %w", path, err)))
	}
	walPath := filepath.Join(dir, LogFileName)
	if db.wal, err = openWAL(walPath); err != nil {
		return fail(withFix(fmt.Errorf("open write-ahead log %s: %w", walPath, err)))
	}
	// Only a stop that was not clean (a checkpoint protecting the file)
	// leaves acknowledged writes in the log alone.
	if err := db.replay(cp != nil && !cp.unprotected); errors.Is(err, errNewerRecord) {
		return fail(&NewerFormatError{Dir: dir, What: "a record in its write-ahead log"})
	} else if errors.As(err, new(damaged)) {
		return fail(fmt.Errorf("open store %s: replay the write-ahead log: %w; the data directory is damaged: move it away to start afresh", path, err))
	} else if err != nil {
		return fail(fmt.Errorf("open store %s: replay the write-ahead log: %w; nothing was lost: free space or mend the disk, then start spk local again", path, err))
	}
	replayed = true
	var size int64
	b.View(func(tx *bolt.Tx) error { size = tx.Size(); return nil })
	db.logging = true
	db.ckptMu.Lock()
	if size >= db.unprotectAt {
		err = db.unprotectLocked()
	} else {
		err = db.checkpoint(true)
	}
	db.ckptMu.Unlock()
	if err != nil {
		if db.held != nil {
			db.held.Rollback()
		}
		return fail(withFix(err))
	}
	every := o.checkpointEvery
	if every == 0 {
		every = checkpointEvery
	}
	go db.checkpointer(every)
	return db, nil
}

// withFix adds to a failure to open the store what to do about it, where
// its cause says: a full or failing disk leaves the directory as it was, for
// a later start; a directory whose files are not what they should be is
// damaged.
func withFix(err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return fmt.Errorf("%w; free space on its disk, then start spk local again: nothing was lost", err)
	case errors.Is(err, syscall.EIO):
		return fmt.Errorf("%w; mend the disk, then start spk local again", err)
	case errors.Is(err, syscall.EISDIR), errors.Is(err, syscall.ENOTDIR), errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%w; the data directory is damaged: move it away to start afresh", err)
	}
	return err
}

// checkLogKept refuses a log that is missing or shorter than the log a
// checkpoint relies on: the log is grown to a chunk and synced before any
// checkpoint is written, so after an unclean stop (a checkpoint that
// protects the file) it is there, a chunk long at least; without it the
// writes acknowledged since the checkpoint would be dropped unnoticed.
func checkLogKept(walPath string, cp *checkpoint) error {
	if cp == nil || cp.unprotected {
		return nil // the bbolt file holds every acknowledged write
	}
	fi, err := os.Stat(walPath)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("its write-ahead log %s is missing, though the last stop was not clean", walPath)
	}
	if err != nil {
		return err
	}
	// Not a whole number of chunks is no proof: a grow is written a piece
	// at a time, and a crash or a full disk can stop it halfway.
	if fi.Size() < walChunk {
		return fmt.Errorf("its write-ahead log %s is cut short (%d bytes)", walPath, fi.Size())
	}
	return nil
}

// damaged marks a log whose contents cannot be replayed, as opposed to one
// that could not be read or applied (a full or failing disk), after which a
// later start may succeed.
type damaged struct{ error }

func (d damaged) Unwrap() error { return d.error }

// replay applies the log's records above the LSN the bbolt file holds, in
// one transaction, stopping at the first torn or out-of-sequence record:
// a record is acknowledged only after it was synced whole, so anything
// after the first bad one was never acknowledged, unless a whole record
// follows it, which makes the bad one damage (findLater): refused. That is
// looked for when unclean says the log holds writes the file may not
// (after a clean stop the file holds them all).
func (db *DB) replay(unclean bool) error {
	return db.bolt.Update(func(btx *bolt.Tx) error {
		have := readLSN(btx)
		applied := have
		end, _, err := scan(db.wal.f, func(lsn uint64, payload []byte) error {
			if lsn <= applied {
				return nil // already in the bbolt file
			}
			if lsn != applied+1 {
				return damaged{fmt.Errorf("the log starts at record %d but the store holds records up to %d only", lsn, applied)}
			}
			if err := replay(btx, payload); err != nil {
				return damaged{err}
			}
			applied = lsn
			return nil
		})
		if err != nil {
			return err
		}
		if unclean {
			later, at, err := findLater(db.wal.f, end, applied)
			if err != nil {
				return err
			}
			if later != 0 {
				return damaged{fmt.Errorf("record %d at offset %d cannot be read, but record %d at offset %d after it can: replaying would lose acknowledged writes", applied+1, end, later, at)}
			}
		}
		db.wal.lsn = applied
		if applied == have {
			return nil
		}
		return putLSN(btx, applied)
	})
}

// checkpoint syncs the bbolt file and records its meta pages, then lets
// the log start over, and moves the protecting reader to the new state.
// Unless forced it does nothing when nothing was logged since the last.
// The caller holds ckptMu.
func (db *DB) checkpoint(force bool) error {
	if db.failed.Load() != nil {
		return nil // the next open recovers from the last checkpoint
	}
	if !force && db.newestLSN() == db.ckptLSN {
		return nil // nothing logged since the last one
	}
	// Flush most of the dirty pages before taking the writer lock, so
	// writers wait only for what the last moments added.
	if err := db.syncDataFile("checkpoint"); err != nil {
		return err
	}
	btx, err := db.bolt.Begin(true) // no commit may run meanwhile
	if err != nil {
		return err
	}
	defer btx.Rollback()
	if !db.logging {
		return nil
	}
	w := db.wal
	w.mu.Lock()
	defer w.mu.Unlock()
	if !force && w.lsn == db.ckptLSN {
		return nil
	}
	if err := db.syncDataFile("checkpoint"); err != nil {
		return err
	}
	metas := make([]byte, 2*db.pageSize)
	if _, err := db.metaFile.ReadAt(metas, 0); err != nil {
		return fmt.Errorf("checkpoint: read the meta pages of %s: %w", db.Path(), err)
	}
	if replaced, err := writeCheckpoint(db.dir, &checkpoint{lsn: w.lsn, pageSize: db.pageSize, metas: metas}); err != nil {
		err = fmt.Errorf("checkpoint: write %s: %w", filepath.Join(db.dir, CheckpointFileName), err)
		if !replaced {
			// The old checkpoint and the reader protecting its pages are
			// as they were: the next checkpoint tries again.
			return err
		}
		// The new checkpoint may have replaced the old one on disk while
		// its pages are not protected by the reader: no later commit may
		// reuse them, so no later commit may run.
		db.fail(err)
		return err
	}
	w.restart()
	db.ckptLSN = w.lsn
	// The new reader sees exactly the checkpointed state: the writer lock
	// is held, so nothing committed since the sync.
	reader, err := db.bolt.Begin(false)
	if err != nil {
		return err
	}
	if db.held != nil {
		db.held.Rollback()
	}
	db.held = reader
	db.checkpoints.Add(1)
	return nil
}

// syncDataFile syncs the bbolt file; a failure makes the store refuse
// writes (see fail): the kernel reports a failed writeback once, so a
// checkpoint retried later would trust pages that never reached the disk.
func (db *DB) syncDataFile(doing string) error {
	if err := db.syncData(); err != nil {
		err = fmt.Errorf("%s: %w", doing, &syncError{path: db.Path(), err: err})
		db.fail(err)
		return err
	}
	return nil
}

// newestLSN returns the LSN of the newest record.
func (db *DB) newestLSN() uint64 {
	db.wal.mu.Lock()
	defer db.wal.mu.Unlock()
	return db.wal.lsn
}

// unprotect is taken once the bbolt file's high-water mark passes
// unprotectAt: a bigger file could need a bigger map, which bbolt can
// only make once every reader has ended, and the protecting reader never
// ends. So the store syncs the file, writes an unprotected checkpoint
// (recovery then trusts the file as it stands), ends the reader, and has
// bbolt sync every commit itself from then on, without the log.
func (db *DB) unprotect() {
	db.ckptMu.Lock()
	defer db.ckptMu.Unlock()
	if err := db.unprotectLocked(); err != nil && db.failed.Load() == nil {
		db.log.Error("store: could not switch to synced commits; will try again on the next commit", "err", err)
	}
}

func (db *DB) unprotectLocked() error {
	btx, err := db.bolt.Begin(true)
	if err != nil {
		return err
	}
	defer btx.Rollback()
	if !db.logging {
		return nil
	}
	w := db.wal
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := db.syncDataFile("switch to synced commits"); err != nil {
		return err
	}
	if replaced, err := writeCheckpoint(db.dir, &checkpoint{lsn: w.lsn, unprotected: true, pageSize: db.pageSize}); err != nil {
		err = fmt.Errorf("write %s: %w", filepath.Join(db.dir, CheckpointFileName), err)
		if replaced {
			// An unprotected checkpoint on disk while commits still skip
			// bbolt's syncs would be trusted as it stands after a crash.
			db.fail(err)
		}
		return err
	}
	w.restart()
	db.ckptLSN = w.lsn
	db.logging = false
	db.bolt.NoSync = false
	db.bolt.NoGrowSync = false
	if db.held != nil {
		db.held.Rollback()
		db.held = nil
	}
	db.checkpoints.Add(1)
	db.log.Warn("store: the data file passed the size the write-ahead log can protect; commits now sync the data file directly (slower) until spk local restarts",
		"path", db.Path(), "size_bytes", btx.Size(), "limit_bytes", db.unprotectAt)
	return nil
}

// closeClean syncs the bbolt file and removes the checkpoint: after a
// clean shutdown the file stands on its own, as bbolt left it, so another
// program (an older spk, bbolt's tools) may open and change it without a
// stale checkpoint later putting it back. The log then holds nothing above
// the file's LSN. The caller holds ckptMu.
func (db *DB) closeClean() error {
	// One commit with the freelist written, so the next open reads it
	// rather than scanning the file.
	if err := db.bolt.Update(func(*bolt.Tx) error { db.bolt.NoFreelistSync = false; return nil }); err != nil {
		return fmt.Errorf("close store: write the freelist: %w", err)
	}
	btx, err := db.bolt.Begin(true)
	if err != nil {
		return err
	}
	defer btx.Rollback()
	db.closed = true
	if err := db.syncDataFile("close store"); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(db.dir, CheckpointFileName)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("close store: %w", err)
	}
	return syncDir(db.dir)
}

// checkpointer checkpoints every interval, or sooner when the log grew
// past checkpointBytes.
func (db *DB) checkpointer(every time.Duration) {
	defer close(db.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-db.stop:
			return
		case <-t.C:
		case <-db.kick:
		}
		db.ckptMu.Lock()
		err := db.checkpoint(false)
		db.ckptMu.Unlock()
		if err != nil && db.failed.Load() == nil { // fail logged its own
			db.log.Error("store: checkpoint failed; the log keeps growing until one succeeds", "err", err)
		}
	}
}
