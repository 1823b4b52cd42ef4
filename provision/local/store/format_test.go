package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/spk-cli/spk/internal/version"
)

// TestFormatIsRecordedAndANewerOneRefused: a data directory records its
// format and the spk that wrote it; one of a newer format, a checkpoint of
// a newer format or a log record of an operation this spk does not know is
// refused as a newer spk's, naming what to do, and left as it was.
func TestFormatIsRecordedAndANewerOneRefused(t *testing.T) {
	setup := func(t *testing.T) string {
		dir := t.TempDir()
		db := openLoggedT(t, dir, Options{})
		mutate(t, db)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	read := func(t *testing.T, dir string) (format, by string) {
		t.Helper()
		b, err := bolt.Open(filepath.Join(dir, FileName), 0o600, &bolt.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		b.View(func(tx *bolt.Tx) error {
			if fb := tx.Bucket(formatBucket); fb != nil {
				format, by = string(fb.Get([]byte("format"))), string(fb.Get([]byte("written_by")))
			}
			return nil
		})
		return format, by
	}
	refused := func(t *testing.T, dir, what string) {
		t.Helper()
		before, _ := os.ReadFile(filepath.Join(dir, FileName))
		_, err := OpenWith(dir, Options{})
		var nf *NewerFormatError
		if !errors.As(err, &nf) || !strings.Contains(err.Error(), what) || !strings.HasSuffix(err.Error(), "cannot read: upgrade spk, or use another data directory") {
			t.Fatalf("open: %v; want a newer format refused, naming %q", err, what)
		}
		if after, _ := os.ReadFile(filepath.Join(dir, FileName)); string(after) != string(before) {
			t.Fatal("a refused open changed the store file")
		}
	}
	t.Run("recorded", func(t *testing.T) {
		dir := setup(t)
		if f, by := read(t, dir); f != "1" || by != version.Get().Version {
			t.Fatalf("format %q written by %q, want 1 by %s", f, by, version.Get().Version)
		}
	})
	t.Run("a newer format", func(t *testing.T) {
		dir := setup(t)
		b, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		b.Update(func(tx *bolt.Tx) error {
			fb := tx.Bucket(formatBucket)
			fb.Put([]byte("format"), []byte("2"))
			return fb.Put([]byte("written_by"), []byte("v9.0.0"))
		})
		b.Close()
		refused(t, dir, "was written by spk v9.0.0 (format 2)")
	})
	t.Run("a newer format in the log only", func(t *testing.T) {
		// A newer spk recorded its format and was killed before its first
		// checkpoint: the record is in the log alone.
		dir := t.TempDir()
		db := openLoggedT(t, dir, Options{})
		if err := db.Update(func(tx *Tx) error {
			fb := tx.Bucket(formatBucket)
			if err := fb.Put([]byte("format"), []byte("2")); err != nil {
				return err
			}
			return fb.Put([]byte("written_by"), []byte("v9.0.0"))
		}); err != nil {
			t.Fatal(err)
		}
		crashed := copyDir(t, dir)
		db.Close()
		_, err := OpenWith(crashed, Options{})
		var nf *NewerFormatError
		if !errors.As(err, &nf) || nf.Format != 2 {
			t.Fatalf("open after the newer spk's crash: %v; want its format refused", err)
		}
		if f, _ := read(t, crashed); f != "2" {
			t.Fatalf("the refused open left format %q; want the newer spk's 2 kept", f)
		}
	})
	t.Run("unrecorded", func(t *testing.T) {
		dir := t.TempDir()
		db := openLoggedT(t, dir, Options{})
		if !db.Unrecorded() {
			t.Error("a new directory reads as recorded")
		}
		db.Close()
		db = openLoggedT(t, dir, Options{})
		defer db.Close()
		if db.Unrecorded() {
			t.Error("a directory opened before reads as unrecorded")
		}
	})
	t.Run("a newer checkpoint", func(t *testing.T) {
		dir := setup(t)
		if err := os.WriteFile(filepath.Join(dir, CheckpointFileName), []byte("spkckpt2 of a layout to come"), 0o600); err != nil {
			t.Fatal(err)
		}
		refused(t, dir, "(its checkpoint)")
	})
	t.Run("a newer log record", func(t *testing.T) {
		dir := setup(t)
		// Whole, with its checksum, after the store's last record (4), of
		// an operation this spk does not have.
		if err := os.WriteFile(filepath.Join(dir, LogFileName), encodeRecord(nil, 5, []byte{99, 1, 'z', 0}), 0o600); err != nil {
			t.Fatal(err)
		}
		refused(t, dir, "(a record in its write-ahead log)")
	})
}
