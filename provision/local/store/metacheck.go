package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// bbolt's meta page, as bbolt v1 lays it out in native byte order after
// the 16-byte page header: magic, version, page size, flags, root bucket
// (page, sequence), freelist page, high-water page id, txid, checksum (an
// FNV-64a of what comes before it).
const (
	metaMagic      = 0xED0CDAED
	metaAt         = 16
	metaPageSizeAt = metaAt + 8
	metaPgidAt     = metaAt + 40
	metaTxidAt     = metaAt + 48
	metaSumAt      = metaAt + 56
	metaEnd        = metaAt + 64
)

// checkFileHoldsMetas refuses a bbolt file shorter than the pages its
// newest valid meta page says it holds (a truncated or cut-short file):
// bbolt would map past the file's end and the process would fault on the
// first read, with no error to report. metas are the two meta pages in
// effect (a checkpoint's, or nil for the file's own).
func checkFileHoldsMetas(path string, metas []byte, pageSize int) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil // a new store
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if metas == nil {
		first := make([]byte, metaEnd)
		if _, err := f.ReadAt(first, 0); err != nil {
			return nil // too short to be a store: bbolt says so itself
		}
		pageSize = int(binary.NativeEndian.Uint32(first[metaPageSizeAt:]))
		if pageSize < metaEnd || pageSize > 1<<16 {
			return nil // not a valid meta: bbolt refuses it itself
		}
		metas = make([]byte, 2*pageSize)
		if n, err := f.ReadAt(metas, 0); err != nil && !(errors.Is(err, io.EOF) && n >= metaEnd) {
			return nil
		}
	}
	var need int64
	var newest uint64
	found := false
	for i := range 2 {
		if (i+1)*pageSize > len(metas) {
			break
		}
		m := metas[i*pageSize:]
		if binary.NativeEndian.Uint32(m[metaAt:]) != metaMagic {
			continue
		}
		h := fnv.New64a()
		h.Write(m[metaAt:metaSumAt])
		if h.Sum64() != binary.NativeEndian.Uint64(m[metaSumAt:]) {
			continue
		}
		if txid := binary.NativeEndian.Uint64(m[metaTxidAt:]); !found || txid > newest {
			newest, found = txid, true
			need = int64(binary.NativeEndian.Uint64(m[metaPgidAt:])) * int64(pageSize)
		}
	}
	if found && st.Size() < need {
		return fmt.Errorf("open store %s: the file holds %d bytes where its last commit needs %d; the data directory is damaged: move it away to start afresh", path, st.Size(), need)
	}
	return nil
}
