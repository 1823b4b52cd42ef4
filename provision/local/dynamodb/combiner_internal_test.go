package dynamodb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/spk-cli/spk/provision/local/service"
	"github.com/spk-cli/spk/provision/local/store"
)

var combinerBucket = []byte("combiner-test")

// newCombinerService is a Service with only what commit needs: an
// in-memory store, whose writes the combiner groups.
func newCombinerService(t *testing.T) *Service {
	t.Helper()
	db, err := store.Open("", true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Update(func(tx *store.Tx) error { _, err := tx.CreateBucket(combinerBucket); return err }); err != nil {
		t.Fatal(err)
	}
	s := &Service{env: &service.Env{DB: db}}
	s.combine.idle.L = &s.combine.mu
	return s
}

// add is a read-modify-write of a counter: lost or doubled writes show.
func add(key string) func(tx *store.Tx) error {
	return func(tx *store.Tx) error {
		b := tx.Bucket(combinerBucket)
		var n uint64
		if v := b.Get([]byte(key)); v != nil {
			n = binary.BigEndian.Uint64(v)
		}
		return b.Put([]byte(key), binary.BigEndian.AppendUint64(nil, n+1))
	}
}

func counter(t *testing.T, s *Service, key string) uint64 {
	t.Helper()
	var n uint64
	s.env.DB.View(func(tx *store.Tx) error {
		if v := tx.Bucket(combinerBucket).Get([]byte(key)); v != nil {
			n = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return n
}

// Concurrent writers, some of whose writes fail or panic, each get their own
// outcome, and every write that succeeded is applied exactly once.
func TestCombinerAppliesEveryWriteOnceWithItsOwnOutcome(t *testing.T) {
	s := newCombinerService(t)
	const writers, each = 16, 300
	refused := errors.New("refused on purpose")
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if (w+i)%50 == 0 {
					// A write that panics gets its own error; the
					// writes grouped with it still commit.
					err := s.commit(func(tx *store.Tx) error {
						if err := add("refused")(tx); err != nil {
							return err
						}
						panic("on purpose")
					})
					if err == nil || !strings.Contains(err.Error(), "a write panicked: on purpose") {
						errs <- fmt.Errorf("a panicking write answered %v", err)
					}
					continue
				}
				if (w+i)%7 == 0 {
					// Fails after changing the store: the group rolls back
					// and the others commit again without it.
					err := s.commit(func(tx *store.Tx) error {
						if err := add("refused")(tx); err != nil {
							return err
						}
						return refused
					})
					if !errors.Is(err, refused) {
						errs <- err
					}
					continue
				}
				if err := s.commit(add("count")); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a write got another's outcome or failed: %v", err)
	}
	want := uint64(0)
	for w := range writers {
		for i := range each {
			if (w+i)%7 != 0 && (w+i)%50 != 0 {
				want++
			}
		}
	}
	if got := counter(t, s, "count"); got != want {
		t.Fatalf("count %d after %d successful writes", got, want)
	}
	if got := counter(t, s, "refused"); got != 0 {
		t.Fatalf("a refused write left %d changes", got)
	}
	if s.combine.leading || len(s.combine.queue) != 0 {
		t.Fatalf("combiner not idle after the writers returned: leading %v, %d queued", s.combine.leading, len(s.combine.queue))
	}
}

// Close waits for the writes under way, which commit, and refuses new ones.
func TestCombinerCloseWaitsForWritesUnderWay(t *testing.T) {
	s := newCombinerService(t)
	inside, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.commit(func(tx *store.Tx) error {
			close(inside)
			<-release
			return add("count")(tx)
		})
	}()
	<-inside
	closed := make(chan struct{})
	go func() { s.combine.close(); close(closed) }()
	// Once Close has marked the combiner closed it is waiting: the
	// write under way still leads.
	for !s.combine.isClosed() {
		runtime.Gosched()
	}
	close(release)
	<-closed
	// Close returned, so the write under way has committed.
	if got := counter(t, s, "count"); got != 1 {
		t.Fatalf("count %d when Close returned; the write under way must have committed", got)
	}
	if err := <-first; err != nil {
		t.Fatalf("the write under way: %v", err)
	}
	if err := s.commit(add("count")); !errors.Is(err, errClosed) {
		t.Fatalf("a write after Close: %v, want %v", err, errClosed)
	}
	if got := counter(t, s, "count"); got != 1 {
		t.Fatalf("count %d after a refused write", got)
	}
}

func (c *combiner) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}
