package store

import "fmt"

// Batch replaces bbolt's own: bbolt closes a batch after a fixed delay, so a
// lone writer always waits that delay and, under load, several small batches
// queue up for separate commits. Here a writer arriving while a commit is
// under way joins the next commit, and a lone writer commits at once.

// maxGroup bounds how many writers share one commit.
const maxGroup = 1000

type call struct {
	fn  func(*Tx) error
	err chan error
}

// Batch runs fn in a write transaction shared with concurrent callers, and
// returns once that transaction committed (or failed). As with bbolt's
// Batch, fn may run more than once and must only change the store through
// tx: when one caller's fn fails, the others are retried without it, and the
// failing fn runs alone so its error is its own.
func (db *DB) Batch(fn func(*Tx) error) error {
	c := call{fn: fn, err: make(chan error, 1)}
	db.groupMu.Lock()
	db.pending = append(db.pending, c)
	if !db.committing {
		db.committing = true
		go db.commitLoop()
	}
	db.groupMu.Unlock()
	return <-c.err
}

func (db *DB) commitLoop() {
	for {
		db.groupMu.Lock()
		calls := db.pending
		if len(calls) > maxGroup {
			calls, db.pending = calls[:maxGroup:maxGroup], calls[maxGroup:]
		} else {
			db.pending = nil
		}
		if len(calls) == 0 {
			db.committing = false
			db.groupMu.Unlock()
			return
		}
		db.groupMu.Unlock()
		db.commit(calls)
	}
}

func (db *DB) commit(calls []call) {
	for len(calls) > 0 {
		failed := -1
		err := db.Update(func(tx *Tx) error {
			for i, c := range calls {
				if err := SafeRun(c.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, c := range calls {
				c.err <- err
			}
			return
		}
		c := calls[failed]
		calls = append(calls[:failed:failed], calls[failed+1:]...)
		c.err <- db.Update(func(tx *Tx) error { return SafeRun(c.fn, tx) })
	}
}

// SafeRun runs fn in tx and turns a panic in it into fn's error: a write
// applied on a commit goroutine, rather than its caller's, must not end
// the process or leave the writes grouped with it unanswered.
func SafeRun(fn func(*Tx) error, tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("transaction panicked: %v", p)
		}
	}()
	return fn(tx)
}
