package store

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
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
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	db, err := Open("", true)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), make([]byte, 1<<20))
	})
	if err != nil {
		t.Fatal(err)
	}
	size, err := db.Size()
	if err != nil || size < 1<<20 {
		t.Fatalf("size of an in-memory store holding 1 MiB: %d, %v", size, err)
	}
	entries, _ := os.ReadDir(tmp)
	if runtime.GOOS == "linux" && len(entries) != 0 {
		t.Fatalf("an in-memory store on Linux wrote to the file system: %v", entries)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
		t.Fatalf("in-memory store left %v behind", entries)
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
