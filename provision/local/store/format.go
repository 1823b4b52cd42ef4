package store

import (
	"errors"
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/spk-cli/spk/internal/version"
)

// FormatVersion is the data directory's format: the buckets and encodings
// the services keep in the store, the log's records and the checkpoint. It
// goes up with any change an older spk would misread, or lose by rewriting
// a record it half understands (a new field, a new bucket, a new log op),
// and an spk refuses a directory of a higher format instead. Directories
// from before it was recorded are format 1.
const FormatVersion = 1

// formatBucket holds the format ("format") and the version of the spk that
// last opened the directory ("written_by"). No service's bucket name can
// begin with a zero byte.
var formatBucket = []byte("\x00spk")

// NewerFormatError refuses a data directory a newer spk wrote.
type NewerFormatError struct {
	Dir       string
	Format    int    // the directory's format, 0 when only its pieces tell
	WrittenBy string // the spk version that wrote it, when known
	What      string // the piece that told ("the checkpoint", "the log")
}

func (e *NewerFormatError) Error() string {
	by := "a newer spk"
	if e.WrittenBy != "" {
		by = "spk " + e.WrittenBy
	}
	what := ""
	if e.Format > 0 {
		what = fmt.Sprintf(" (format %d)", e.Format)
	} else if e.What != "" {
		what = " (" + e.What + ")"
	}
	return fmt.Sprintf("data directory %s was written by %s%s, which this spk (%s, format %d) cannot read: upgrade spk, or use another data directory",
		e.Dir, by, what, version.Get().Version, FormatVersion)
}

// checkFormat refuses a store of a newer format, before its log is
// replayed; recorded reports whether the store had a format record (none:
// new, or written by an spk from before the record).
func checkFormat(b *bolt.DB, dir string) (recorded bool, err error) {
	err = b.View(func(tx *bolt.Tx) error {
		fb := tx.Bucket(formatBucket)
		if fb == nil {
			return nil
		}
		recorded = true
		n, err := strconv.Atoi(string(fb.Get([]byte("format"))))
		if err != nil || n < 1 {
			return fmt.Errorf("open store %s: its format record %q is not a format: the data directory is damaged: move it away to start afresh", dir, fb.Get([]byte("format")))
		}
		if n > FormatVersion {
			return &NewerFormatError{Dir: dir, Format: n, WrittenBy: string(fb.Get([]byte("written_by")))}
		}
		return nil
	})
	return recorded, err
}

// Unrecorded reports whether the store had no format record when it was
// opened: a new directory, or one an spk from before the record wrote,
// whose data a service may have to bring up to date once.
func (db *DB) Unrecorded() bool { return db.unrecorded }

// recordFormat writes the format and this spk's version into the store,
// when they are not there already.
func (db *DB) recordFormat() error {
	v := version.Get().Version
	same := false
	db.View(func(tx *Tx) error {
		if fb := tx.tx.Bucket(formatBucket); fb != nil {
			same = string(fb.Get([]byte("format"))) == strconv.Itoa(FormatVersion) && string(fb.Get([]byte("written_by"))) == v
		}
		return nil
	})
	if same {
		return nil
	}
	return db.Update(func(tx *Tx) error {
		fb, err := tx.CreateBucketIfNotExists(formatBucket)
		if err != nil {
			return err
		}
		// Checked again after the log's replay: a newer spk killed before
		// its first checkpoint left its record in the log only.
		if n, err := strconv.Atoi(string(fb.Get([]byte("format")))); err == nil && n > FormatVersion {
			return &NewerFormatError{Dir: db.dir, Format: n, WrittenBy: string(fb.Get([]byte("written_by")))}
		}
		if err := fb.Put([]byte("format"), []byte(strconv.Itoa(FormatVersion))); err != nil {
			return err
		}
		return fb.Put([]byte("written_by"), []byte(v))
	})
}

// boltOpenError words bbolt's refusals of a file it cannot read as the
// user's next step.
func boltOpenError(path string, err error) error {
	if errors.Is(err, bolterrors.ErrVersionMismatch) {
		return fmt.Errorf("open store %s: its file is of another bbolt version, written by another program or a much newer spk: upgrade spk, or use another data directory", path)
	}
	if errors.Is(err, bolterrors.ErrInvalid) || errors.Is(err, bolterrors.ErrChecksum) {
		return fmt.Errorf("open store %s: %w: it is not a store, or a damaged one; the data directory is damaged: move it away to start afresh", path, err)
	}
	return fmt.Errorf("open store %s: %w", path, err)
}
