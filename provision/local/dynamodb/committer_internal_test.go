package dynamodb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/spk-cli/spk/provision/local/store"
)

var committerBucket = []byte("committer-test")

// newCommitterService is the service on a durable store in a temporary
// directory, with the bucket the tests' writes change.
func newCommitterService(t *testing.T) *Service {
	t.Helper()
	s, db := openService(t, t.TempDir())
	t.Cleanup(func() { s.Close(); db.Close() })
	if err := db.Update(func(tx *store.Tx) error { _, err := tx.CreateBucket(committerBucket); return err }); err != nil {
		t.Fatal(err)
	}
	return s
}

// add is a read-modify-write of a counter: lost or doubled writes show.
func add(key string) func(tx *store.Tx) error {
	return func(tx *store.Tx) error {
		b := tx.Bucket(committerBucket)
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
		if v := tx.Bucket(committerBucket).Get([]byte(key)); v != nil {
			n = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return n
}

// Concurrent writers, some of whose writes fail or panic, each get their own
// outcome, and every write that succeeded is applied exactly once.
func TestCommitterAppliesEveryWriteOnceWithItsOwnOutcome(t *testing.T) {
	s := newCommitterService(t)
	const writers, each = 8, 150
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
					if err == nil || !strings.Contains(err.Error(), "transaction panicked: on purpose") {
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
}
