package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDurableReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	db, err := Open(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Batch(func(tx *Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte("kinesis/test"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("v"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir, false); err == nil || !strings.Contains(err.Error(), "locked by another process") {
		t.Fatalf("second open while the first is open: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *Tx) error {
		if got := string(tx.Bucket([]byte("kinesis/test")).Get([]byte("k"))); got != "v" {
			t.Fatalf("after reopen: %q", got)
		}
		return nil
	})
}

func TestInMemoryLeavesNothing(t *testing.T) {
	db, err := Open("", true)
	if err != nil {
		t.Fatal(err)
	}
	path := db.Path()
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
		t.Fatalf("in-memory store left %s behind (%v)", filepath.Dir(path), err)
	}
}

func TestOpenWithoutDir(t *testing.T) {
	if _, err := Open("", false); err == nil || !strings.Contains(err.Error(), "no data directory") {
		t.Fatalf("Open without a dir: %v", err)
	}
}

func TestBatchGroupsWritersAndIsolatesFailures(t *testing.T) {
	db, err := Open("", true)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.Update(func(tx *Tx) error { _, err := tx.CreateBucket([]byte("b")); return err })
	const writers = 50
	errs := make(chan error, writers)
	for i := 0; i < writers; i++ {
		go func(i int) {
			errs <- db.Batch(func(tx *Tx) error {
				if i%10 == 0 {
					tx.Bucket([]byte("b")).Put([]byte{byte(i)}, []byte("half-done"))
					return errors.New("refused")
				}
				if i == 7 {
					panic("boom")
				}
				return tx.Bucket([]byte("b")).Put([]byte{byte(i)}, []byte("ok"))
			})
		}(i)
	}
	failed := 0
	for i := 0; i < writers; i++ {
		if err := <-errs; err != nil {
			failed++
		}
	}
	if failed != 6 {
		t.Fatalf("%d writers failed, want 6 (5 refused, 1 panicked)", failed)
	}
	db.View(func(tx *Tx) error {
		b := tx.Bucket([]byte("b"))
		for i := 0; i < writers; i++ {
			got := string(b.Get([]byte{byte(i)}))
			want := "ok"
			if i%10 == 0 || i == 7 {
				want = ""
			}
			if got != want {
				t.Errorf("key %d = %q, want %q", i, got, want)
			}
		}
		return nil
	})
}
