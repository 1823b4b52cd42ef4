package dynamodb

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/spk-cli/spk/provision/local/service"
	"github.com/spk-cli/spk/provision/local/store"
)

// A table whose drop fails to commit stays DELETING, as stored, and the
// drop is tried again until the table is gone.
func TestADropThatFailsToCommitIsTriedAgain(t *testing.T) {
	db := mustOpenMemory(t)
	s, err := New(&service.Env{DB: db, Region: "us-east-1", AccountID: "000000000000", DeleteDelay: time.Hour, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.createTable(raceTableBody("doomed")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.deleteTable([]byte(`{"TableName":"doomed"}`)); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	tbl := s.tables["doomed"]
	s.mu.Unlock()
	done := db.FailNextCommit(errors.New("no space left on device"))
	s.dropTable("doomed", tbl)
	<-done
	if got := opText(t, s, "DescribeTable", `{"TableName":"doomed"}`); !strings.Contains(got, `"TableStatus":"DELETING"`) {
		t.Fatalf("after the failed drop DescribeTable answered %s; want the table DELETING", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for { // until the drop, tried again a second later, is through
		_, err := s.describeTable([]byte(`{"TableName":"doomed"}`))
		if err != nil && strings.Contains(err.Error(), "ResourceNotFoundException") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the table was not dropped on a second try: DescribeTable answered %v", err)
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
}

// A table whose CREATING -> ACTIVE commit fails (a full disk, for a moment)
// stays CREATING, as stored, and the settle is tried again until it is
// ACTIVE: it is never left CREATING, neither usable nor deletable.
func TestASettleThatFailsToCommitIsTriedAgain(t *testing.T) {
	db := mustOpenMemory(t)
	s, err := New(&service.Env{DB: db, Region: "us-east-1", AccountID: "000000000000", CreateDelay: time.Hour, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.createTable(raceTableBody("settling")); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	gen := s.tables["settling"].generation
	s.mu.Unlock()
	done := db.FailNextCommit(errors.New("no space left on device"))
	s.settleTable("settling", gen)
	<-done
	if got := opText(t, s, "DescribeTable", `{"TableName":"settling"}`); !strings.Contains(got, `"TableStatus":"CREATING"`) {
		t.Fatalf("after the failed settle DescribeTable answered %.300s; want the table CREATING", got)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(opText(t, s, "DescribeTable", `{"TableName":"settling"}`), `"TableStatus":"ACTIVE"`) {
		if time.Now().After(deadline) {
			t.Fatal("the table was not made ACTIVE on a second try")
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
}

// A write that reaches commit as the service closes is answered, never
// left waiting: once stop is closed, commit may still queue its op (both
// of its first select's cases are ready) after the committer drained the
// queue and returned.
func TestCommitAfterCloseIsAnswered(t *testing.T) {
	s, err := New(&service.Env{DB: mustOpenMemory(t), Region: "us-east-1", AccountID: "000000000000", Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	answered := make(chan error)
	go func() {
		for range 100 {
			if err := s.commit(func(*store.Tx) error { return nil }); !errors.Is(err, errClosed) {
				answered <- fmt.Errorf("commit after Close answered %v, want %v", err, errClosed)
				return
			}
		}
		answered <- nil
	}()
	select {
	case err := <-answered:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a commit after Close was never answered")
	}
}

// TestOldTransactionTokensAreForgotten: a ClientRequestToken is kept for
// its ten minutes only; the SDKs give every transaction one, so kept for
// ever they grew the store by every transaction made.
func TestOldTransactionTokensAreForgotten(t *testing.T) {
	db := mustOpenMemory(t)
	now := time.Now()
	s, err := New(&service.Env{DB: db, Region: "us-east-1", AccountID: "000000000000", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	var digest [32]byte
	if err := s.commit(func(tx *store.Tx) error {
		if err := saveToken(tx, []byte("old"), digest, now.Add(-tokenTTL), nil); err != nil {
			return err
		}
		return saveToken(tx, []byte("recent"), digest, now.Add(-tokenTTL+time.Second), []byte("memo"))
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.commit(s.forgetOldTokens); err != nil {
		t.Fatal(err)
	}
	var kept []string
	if err := db.View(func(tx *store.Tx) error {
		return tx.Bucket(tokensBucket).ForEach(func(k, _ []byte) error { kept = append(kept, string(k)); return nil })
	}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(kept) != "[recent]" {
		t.Fatalf("tokens kept: %v, want [recent]", kept)
	}
}

// TestADroppedTableLeavesNoDestinations: a deleted table's Kinesis
// destinations go with it, not at the next start only.
func TestADroppedTableLeavesNoDestinations(t *testing.T) {
	db := mustOpenMemory(t)
	s, err := New(&service.Env{DB: db, Region: "us-east-1", AccountID: "000000000000", DeleteDelay: time.Hour, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.createTable(raceTableBody("withdest")); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	tbl := s.tables["withdest"]
	s.mu.Unlock()
	if err := db.Update(func(tx *store.Tx) error {
		return putDests(tx, &kinesisDests{TableName: "withdest", TableID: tbl.meta.TableID})
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.deleteTable([]byte(`{"TableName":"withdest"}`)); err != nil {
		t.Fatal(err)
	}
	s.dropTable("withdest", tbl)
	n := 0
	db.View(func(tx *store.Tx) error {
		return tx.Bucket(destinationsBucket).ForEach(func(_, _ []byte) error { n++; return nil })
	})
	if n != 0 {
		t.Fatalf("%d destination records left after the table was dropped", n)
	}
}
