package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
)

// A checkpoint file records a moment when the bbolt file was synced: the
// LSN of the newest record in it and bbolt's two meta pages as they were.
// While the store runs, a read transaction opened at that moment stays
// open until the next checkpoint, and bbolt never reuses a page a reader
// can still see, so the pages the saved metas point to stay as they were
// on disk. Recovery writes the saved metas back over pages 0 and 1, which
// returns the file to the checkpointed state whatever the unsynced commits
// after it left behind, and replays the log from there.
//
// Confirmed in bbolt v1.5.0's source: Tx.Commit writes the dirty pages,
// then the meta page to page txid%2, syncing after each only without
// DB.NoSync (a field read under the writer lock); DB.meta() opens with
// the valid meta of the higher txid, so restoring both pages restores the
// state; freed pages wait in the freelist's pending lists until
// ReleasePendingPages finds no open reader that could see them; and a
// reader holds mmaplock shared, which DB.mmap needs exclusively (see
// mapSize).
//
// An unprotected checkpoint (the store grew past the size where it can
// keep that reader, see DB.unprotect) has no metas: recovery trusts the
// bbolt file as it stands, which after the switch is synced on every
// commit again.

// CheckpointFileName is the name of the checkpoint inside the data directory.
const CheckpointFileName = "checkpoint"

const checkpointMagic = "spkckpt1"

type checkpoint struct {
	lsn         uint64
	unprotected bool
	pageSize    int
	metas       []byte // pages 0 and 1, 2*pageSize bytes; nil when unprotected
}

func (c *checkpoint) encode() []byte {
	b := []byte(checkpointMagic)
	b = binary.LittleEndian.AppendUint64(b, c.lsn)
	flags := uint32(0)
	if c.unprotected {
		flags = 1
	}
	b = binary.LittleEndian.AppendUint32(b, flags)
	b = binary.LittleEndian.AppendUint32(b, uint32(c.pageSize))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(c.metas)))
	b = append(b, c.metas...)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

var errBadCheckpoint = errors.New("the checkpoint file is damaged")

// errNewerCheckpoint is a checkpoint of another version of its format
// ("spkckpt2"): a newer spk's, not damage.
var errNewerCheckpoint = errors.New("the checkpoint file is of a newer format")

func decodeCheckpoint(b []byte) (*checkpoint, error) {
	const head = len(checkpointMagic) + 8 + 4 + 4 + 4
	family := checkpointMagic[:len(checkpointMagic)-1]
	if len(b) >= len(checkpointMagic) && string(b[:len(family)]) == family && b[len(family)] > checkpointMagic[len(family)] && b[len(family)] <= '9' {
		return nil, errNewerCheckpoint
	}
	if len(b) < head+4 || string(b[:len(checkpointMagic)]) != checkpointMagic {
		return nil, errBadCheckpoint
	}
	body, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return nil, errBadCheckpoint
	}
	p := body[len(checkpointMagic):]
	c := &checkpoint{
		lsn:         binary.LittleEndian.Uint64(p),
		unprotected: binary.LittleEndian.Uint32(p[8:])&1 != 0,
		pageSize:    int(binary.LittleEndian.Uint32(p[12:])),
	}
	n := int(binary.LittleEndian.Uint32(p[16:]))
	if n != len(body)-head || (!c.unprotected && n != 2*c.pageSize) {
		return nil, errBadCheckpoint
	}
	if n > 0 {
		c.metas = body[head:]
	}
	return c, nil
}

// readCheckpoint returns the checkpoint in dir, or nil if there is none.
func readCheckpoint(dir string) (*checkpoint, error) {
	b, err := os.ReadFile(filepath.Join(dir, CheckpointFileName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return decodeCheckpoint(b)
}

// writeCheckpoint replaces the checkpoint in dir atomically and durably:
// temporary file, fsync, rename, fsync of the directory. replaced is false
// when it failed before the rename, so the old checkpoint is still the one
// on disk (a full disk, say): then nothing changed, and it may be retried.
func writeCheckpoint(dir string, c *checkpoint) (replaced bool, err error) {
	tmp := filepath.Join(dir, CheckpointFileName+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return false, err
	}
	_, err = f.Write(c.encode())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return false, err
	}
	// A failed rename may still have replaced the file.
	if err := os.Rename(tmp, filepath.Join(dir, CheckpointFileName)); err != nil {
		return true, err
	}
	return true, syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// readHead reads the first n bytes of the file at path.
func readHead(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	if _, err := f.ReadAt(b, 0); err != nil {
		return nil, err
	}
	return b, nil
}

// writeHead writes b at the start of the file at path, synced.
func writeHead(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.WriteAt(b, 0); err != nil {
		return err
	}
	return fdatasync(f)
}

// restoreMetas writes the checkpoint's meta pages back over pages 0 and 1
// of the bbolt file and syncs them.
func restoreMetas(path string, c *checkpoint) error { return writeHead(path, c.metas) }
