package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// openLoggedT opens a durable store whose checkpoints happen only when the
// test asks (or at Close).
func openLoggedT(t *testing.T, dir string, o Options) *DB {
	t.Helper()
	if o.checkpointEvery == 0 {
		o.checkpointEvery = time.Hour
	}
	db, err := OpenWith(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// dump lists every bucket, key, value and sequence under the root, the
// store's own buckets (its log position, its format) left out.
func dump(t *testing.T, b *bolt.DB) string {
	t.Helper()
	var out []string
	var walk func(prefix string, bk *bolt.Bucket)
	walk = func(prefix string, bk *bolt.Bucket) {
		out = append(out, fmt.Sprintf("%s seq=%d", prefix, bk.Sequence()))
		bk.ForEach(func(k, v []byte) error {
			if v == nil {
				walk(prefix+"/"+string(k), bk.Bucket(k))
				return nil
			}
			out = append(out, fmt.Sprintf("%s %q=%q", prefix, k, v))
			return nil
		})
	}
	if err := b.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, bk *bolt.Bucket) error {
			if !bytes.Equal(name, walBucket) && !bytes.Equal(name, formatBucket) {
				walk(string(name), bk)
			}
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// mutate runs every kind of write the services make, over several
// transactions.
func mutate(t *testing.T, db *DB) {
	t.Helper()
	steps := []func(tx *Tx) error{
		func(tx *Tx) error {
			a, err := tx.CreateBucket([]byte("a"))
			if err != nil {
				return err
			}
			for i := 0; i < 50; i++ {
				if err := a.Put(fmt.Appendf(nil, "k%02d", i), fmt.Appendf(nil, "v%d", i)); err != nil {
					return err
				}
			}
			n, err := a.CreateBucketIfNotExists([]byte("nested"))
			if err != nil {
				return err
			}
			deeper, err := n.CreateBucket([]byte("deeper"))
			if err != nil {
				return err
			}
			if _, err := deeper.NextSequence(); err != nil {
				return err
			}
			return deeper.Put([]byte("x"), []byte("y"))
		},
		func(tx *Tx) error {
			a := tx.Bucket([]byte("a"))
			if err := a.Delete([]byte("k03")); err != nil {
				return err
			}
			c := a.Cursor()
			for k, _ := c.Seek([]byte("k10")); k != nil && bytes.Compare(k, []byte("k20")) < 0; k, _ = c.Next() {
				if err := c.Delete(); err != nil {
					return err
				}
			}
			if err := a.SetSequence(41); err != nil {
				return err
			}
			d := a.Bucket([]byte("nested")).Bucket([]byte("deeper"))
			if _, err := d.NextSequence(); err != nil {
				return err
			}
			_, err := tx.CreateBucketIfNotExists([]byte("gone"))
			return err
		},
		func(tx *Tx) error {
			g := tx.Bucket([]byte("gone"))
			if err := g.Put([]byte("k"), []byte("v")); err != nil {
				return err
			}
			if _, err := g.CreateBucket([]byte("sub")); err != nil {
				return err
			}
			if err := tx.DeleteBucket([]byte("gone")); err != nil {
				return err
			}
			a := tx.Bucket([]byte("a"))
			if err := a.Put([]byte("k00"), []byte("overwritten")); err != nil {
				return err
			}
			c := a.Cursor()
			if k, _ := c.Last(); string(k) != "nested" {
				return fmt.Errorf("last key %q", k)
			}
			if k, _ := c.Prev(); string(k) != "k49" {
				return fmt.Errorf("before the last %q", k)
			}
			if err := c.Delete(); err != nil {
				return err
			}
			if k, _ := c.First(); k == nil {
				return fmt.Errorf("empty")
			}
			if _, _ = c.Prev(); c.key != nil {
				return fmt.Errorf("Prev before First gave %q", c.key)
			}
			b, err := a.CreateBucket([]byte("temp"))
			if err != nil {
				return err
			}
			if err := b.Put([]byte("t"), nil); err != nil {
				return err
			}
			return a.DeleteBucket([]byte("temp"))
		},
	}
	for i, step := range steps {
		if err := db.Update(step); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
}

// replayTarget opens a fresh bbolt file to replay dir's log into, and the
// log; both close when the test ends.
func replayTarget(t *testing.T, dir string) (*bolt.DB, *os.File) {
	t.Helper()
	b, err := bolt.Open(filepath.Join(t.TempDir(), "replayed.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	f, err := os.Open(filepath.Join(dir, LogFileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return b, f
}

// replayLog applies the records of dir's log to a fresh bbolt file, n times.
func replayLog(t *testing.T, dir string, times int) *bolt.DB {
	t.Helper()
	b, f := replayTarget(t, dir)
	for i := 0; i < times; i++ {
		if err := b.Update(func(tx *bolt.Tx) error {
			_, _, err := scan(f, func(_ uint64, p []byte) error { return replay(tx, p) })
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func TestRecordedOpsReplayToTheSameState(t *testing.T) {
	dir := t.TempDir()
	db := openLoggedT(t, dir, Options{})
	defer db.Close()
	mutate(t, db)
	want := dump(t, db.bolt)
	if !strings.Contains(want, `a "k00"="overwritten"`) || !strings.Contains(want, "a seq=41") || !strings.Contains(want, "a/nested/deeper seq=2") || strings.Contains(want, "gone") || strings.Contains(want, `"k10"`) {
		t.Fatalf("the writes did not do what the test expects:\n%s", want)
	}
	if got := dump(t, replayLog(t, dir, 1)); got != want {
		t.Fatalf("replayed state differs:\n%s\nwant:\n%s", got, want)
	}
	if got := dump(t, replayLog(t, dir, 3)); got != want {
		t.Fatalf("replaying three times gives another state:\n%s\nwant:\n%s", got, want)
	}
}

func TestFailingTransactionRecordsNothing(t *testing.T) {
	dir := t.TempDir()
	db := openLoggedT(t, dir, Options{})
	defer db.Close()
	mutate(t, db)
	before, off := db.wal.lsn, db.wal.off
	syncs := db.Stats().LogSyncs
	err := db.Update(func(tx *Tx) error {
		tx.Bucket([]byte("a")).Put([]byte("half"), []byte("done"))
		return fmt.Errorf("refused")
	})
	if err == nil || err.Error() != "refused" {
		t.Fatalf("Update: %v", err)
	}
	err = db.Batch(func(tx *Tx) error {
		tx.Bucket([]byte("a")).Put([]byte("half"), []byte("done"))
		panic("boom")
	})
	if err == nil || err.Error() != "transaction panicked: boom" {
		t.Fatalf("Batch: %v", err)
	}
	// A write transaction that only reads commits without a record.
	if err := db.Update(func(tx *Tx) error { tx.Bucket([]byte("a")).Get([]byte("k00")); return nil }); err != nil {
		t.Fatal(err)
	}
	if db.wal.lsn != before || db.wal.off != off || db.Stats().LogSyncs != syncs {
		t.Fatalf("log moved: lsn %d→%d, offset %d→%d, syncs %d→%d", before, db.wal.lsn, off, db.wal.off, syncs, db.Stats().LogSyncs)
	}
	db.View(func(tx *Tx) error {
		if v := tx.Bucket([]byte("a")).Get([]byte("half")); v != nil {
			t.Fatalf("a failed write is visible: %q", v)
		}
		return nil
	})
}

func TestTornOrCorruptTailStopsReplay(t *testing.T) {
	cases := map[string]func(f *os.File, lastStart, end int64){
		"half a record": func(f *os.File, lastStart, end int64) {
			mid := lastStart + (end-lastStart)/2
			f.WriteAt(make([]byte, end-mid), mid)
		},
		"a flipped byte": func(f *os.File, lastStart, end int64) {
			b := make([]byte, 1)
			f.ReadAt(b, end-1)
			b[0] ^= 0x40
			f.WriteAt(b, end-1)
		},
		"an old record after the last": func(f *os.File, lastStart, end int64) {
			// A whole record, but its LSN does not follow.
			_, p, _, err := readRecord(f, lastStart, fileSize(t, f), 0)
			if err != nil {
				panic(err)
			}
			f.WriteAt(encodeRecord(nil, 1, p), lastStart)
		},
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			db := openLoggedT(t, dir, Options{})
			mutate(t, db)
			lastStart := db.wal.off
			if err := db.Update(func(tx *Tx) error { return tx.Bucket([]byte("a")).Put([]byte("last"), []byte("lost")) }); err != nil {
				t.Fatal(err)
			}
			end := db.wal.off
			want := dump(t, replayLogUpTo(t, dir, lastStart))
			f, err := os.OpenFile(filepath.Join(dir, LogFileName), os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			damage(f, lastStart, end)
			f.Close()
			b := replayLog(t, dir, 1)
			if got := dump(t, b); got != want {
				t.Fatalf("replay did not stop before the damaged record:\n%s\nwant:\n%s", got, want)
			}
			db.Close()
		})
	}
}

// replayLogUpTo replays the records that start before end.
func replayLogUpTo(t *testing.T, dir string, end int64) *bolt.DB {
	t.Helper()
	b, f := replayTarget(t, dir)
	err := b.Update(func(tx *bolt.Tx) error {
		var off int64
		for off < end {
			_, p, next, err := readRecord(f, off, fileSize(t, f), 0)
			if err != nil {
				return err
			}
			if err := replay(tx, p); err != nil {
				return err
			}
			off = next
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fileSize(t *testing.T, f *os.File) int64 {
	t.Helper()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// Past the end of the log's run lie stale bytes; a length field there may
// claim gigabytes. Reading stops without allocating them: opening a store
// used to allocate and zero up to 2 GiB, and took seconds, when the stale
// bytes said so.
func TestStaleTailIsNotRead(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), LogFileName))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	log := encodeRecord(nil, 1, []byte("first"))
	log = encodeRecord(log, 2, []byte("second"))
	stale := binary.LittleEndian.AppendUint32(nil, 1<<30) // a gigabyte, says the stale header
	stale = binary.LittleEndian.AppendUint32(stale, 0)
	stale = binary.LittleEndian.AppendUint64(stale, 3)
	log = append(log, stale...)
	log = append(log, make([]byte, 4096)...)
	if _, err := f.Write(log); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var got []string
	end, last, err := scan(f, func(_ uint64, p []byte) error { got = append(got, string(p)); return nil })
	runtime.ReadMemStats(&after)
	if err != nil || last != 2 || !slices.Equal(got, []string{"first", "second"}) {
		t.Fatalf("scan read %q up to record %d (%v), want the two records", got, last, err)
	}
	if want := int64(2*walHeader + len("first") + len("second")); end != want {
		t.Fatalf("the run ends at %d, want %d", end, want)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Fatalf("scanning a 4 KiB log allocated %d bytes", n)
	}
}
