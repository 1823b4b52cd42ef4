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
	metaRootAt     = metaAt + 16
	metaFreelistAt = metaAt + 32
	metaPgidAt     = metaAt + 40
	metaTxidAt     = metaAt + 48
	metaSumAt      = metaAt + 56
	metaEnd        = metaAt + 64
)

// checkFileHoldsMetas refuses a bbolt file shorter than the pages its
// newest valid meta page says it holds (a truncated or cut-short file):
// bbolt would map past the file's end and the process would fault on the
// first read, with no error to report. It also reads every page the
// commit reaches (pageWalk), which bbolt panics or faults on when they
// hold garbage. metas
// are the two meta pages in effect (a checkpoint's, or nil for the file's
// own).
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
	newest := newestMeta(metas, pageSize)
	if newest == nil {
		return nil // bbolt refuses a file without a valid meta itself
	}
	hwm := binary.NativeEndian.Uint64(newest[metaPgidAt:])
	need := int64(hwm) * int64(pageSize)
	if st.Size() < need {
		return fmt.Errorf("open store %s: the file holds %d bytes where its last commit needs %d; the data directory is damaged: move it away to start afresh", path, st.Size(), need)
	}
	data, unmap, err := mapFile(f, int(need))
	if err != nil {
		return fmt.Errorf("open store %s: %w", path, err)
	}
	defer unmap()
	w := pageWalk{data: data, pageSize: pageSize, hwm: hwm, seen: make([]uint64, (hwm+63)/64)}
	// Every page the root reaches, after a clean stop too: a page damaged
	// while spk local was stopped would otherwise be found by whichever
	// read met it first, a background pass (TTL, retention) or a write
	// transaction's rollback among them, which bbolt reads on goroutines
	// of its own where a fault ends the process.
	if freelist := binary.NativeEndian.Uint64(newest[metaFreelistAt:]); freelist != noFreelist {
		err = w.freelist(freelist)
	}
	if err == nil {
		err = w.tree(binary.NativeEndian.Uint64(newest[metaRootAt:]))
	}
	if err != nil {
		return fmt.Errorf("open store %s: %w; the data directory is damaged: move it away to start afresh", path, err)
	}
	return nil
}

// newestMeta is the valid meta page of the two in metas with the highest
// transaction id, nil if neither is valid.
func newestMeta(metas []byte, pageSize int) []byte {
	var newest []byte
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
		if newest == nil || binary.NativeEndian.Uint64(m[metaTxidAt:]) > binary.NativeEndian.Uint64(newest[metaTxidAt:]) {
			newest = m
		}
	}
	return newest
}

// bbolt's page header: id, flags, count, overflow; its element headers are
// as long; a bucket's value begins with its root page and sequence.
const (
	pageHeaderSize   = 16
	elementSize      = 16
	bucketHeaderSize = 16

	branchPage   = 0x01
	leafPage     = 0x02
	metaPage     = 0x04
	freelistPage = 0x10
	bucketLeaf   = 0x01

	noFreelist = ^uint64(0) // a meta's freelist when it was not written
)

// pageWalk reads a bbolt file's pages as bbolt would, to refuse in words
// what bbolt panics on: with its freelist written, bbolt reads that page
// on open; without it (after a crash, and on every write transaction's
// rollback), it walks every page the root reaches, asserting each one's id
// and type, on a goroutine of its own where the panic cannot be recovered.
type pageWalk struct {
	data     []byte // the file's pages up to hwm
	pageSize int
	hwm      uint64   // the number of pages the commit uses
	seen     []uint64 // a bit per page id below hwm
}

// page is page id whole, with its overflow, once its header is checked.
func (w *pageWalk) page(id uint64) ([]byte, error) {
	if id < 2 || id >= w.hwm {
		return nil, fmt.Errorf("page %d is outside the %d pages of its last commit", id, w.hwm)
	}
	at := id * uint64(w.pageSize)
	buf := w.data[at : at+uint64(w.pageSize)]
	if got := binary.NativeEndian.Uint64(buf); got != id {
		return nil, fmt.Errorf("page %d says it is page %d", id, got)
	}
	switch binary.NativeEndian.Uint16(buf[8:]) {
	case branchPage, leafPage, metaPage, freelistPage:
	default:
		return nil, fmt.Errorf("page %d is of no known type (flags %#x)", id, binary.NativeEndian.Uint16(buf[8:]))
	}
	if overflow := uint64(binary.NativeEndian.Uint32(buf[12:])); overflow > 0 {
		if overflow >= w.hwm-id {
			return nil, fmt.Errorf("page %d runs past the %d pages of its last commit", id, w.hwm)
		}
		buf = w.data[at : at+(overflow+1)*uint64(w.pageSize)]
	}
	return buf, nil
}

func (w *pageWalk) freelist(id uint64) error {
	p, err := w.page(id)
	if err != nil {
		return err
	}
	if flags := binary.NativeEndian.Uint16(p[8:]); flags != freelistPage {
		return fmt.Errorf("the freelist's page %d is not a freelist (flags %#x)", id, flags)
	}
	n, at := uint64(binary.NativeEndian.Uint16(p[10:])), uint64(pageHeaderSize)
	if n == 0xFFFF { // the count is the first id's place
		if len(p) < pageHeaderSize+8 {
			return fmt.Errorf("the freelist's page %d is cut short", id)
		}
		n, at = binary.NativeEndian.Uint64(p[pageHeaderSize:]), at+8
	}
	if n > (uint64(len(p))-at)/8 {
		return fmt.Errorf("the freelist's page %d lists more pages than it holds", id)
	}
	return nil
}

// tree walks the pages under a bucket's root page.
func (w *pageWalk) tree(id uint64) error {
	p, err := w.page(id) // checks id < hwm
	if err != nil {
		return err
	}
	if w.seen[id/64]&(1<<(id%64)) != 0 {
		return fmt.Errorf("page %d is reached twice", id)
	}
	w.seen[id/64] |= 1 << (id % 64)
	return w.node(p, id)
}

// node walks a branch or leaf page's children and the buckets in it; an
// inline bucket's page (id 0) is inside its parent's value.
func (w *pageWalk) node(p []byte, id uint64) error {
	flags, n := binary.NativeEndian.Uint16(p[8:]), int(binary.NativeEndian.Uint16(p[10:]))
	if flags != branchPage && flags != leafPage {
		return fmt.Errorf("page %d is not a branch or leaf page (flags %#x)", id, flags)
	}
	if pageHeaderSize+n*elementSize > len(p) {
		return fmt.Errorf("page %d holds more elements than fit in it", id)
	}
	for i := range n {
		e := pageHeaderSize + i*elementSize
		// Every key and value must lie inside the page: bbolt reads them
		// through its mapping, and one past the file's end faults.
		if flags == branchPage {
			pos, ksize := uint64(binary.NativeEndian.Uint32(p[e:])), uint64(binary.NativeEndian.Uint32(p[e+4:]))
			if uint64(e)+pos+ksize > uint64(len(p)) {
				return fmt.Errorf("page %d holds a key outside it", id)
			}
			if err := w.tree(binary.NativeEndian.Uint64(p[e+8:])); err != nil {
				return err
			}
			continue
		}
		pos, ksize, vsize := uint64(binary.NativeEndian.Uint32(p[e+4:])), uint64(binary.NativeEndian.Uint32(p[e+8:])), uint64(binary.NativeEndian.Uint32(p[e+12:]))
		start := uint64(e) + pos + ksize
		if start+vsize > uint64(len(p)) {
			return fmt.Errorf("page %d holds a key or value outside it", id)
		}
		if binary.NativeEndian.Uint32(p[e:])&bucketLeaf == 0 {
			continue
		}
		if vsize < bucketHeaderSize {
			return fmt.Errorf("page %d holds a bucket of no known shape", id)
		}
		v := p[start : start+vsize]
		root := binary.NativeEndian.Uint64(v)
		if root != 0 {
			if err := w.tree(root); err != nil {
				return err
			}
			continue
		}
		inline := v[bucketHeaderSize:]
		if len(inline) < pageHeaderSize || binary.NativeEndian.Uint16(inline[8:]) != leafPage {
			return fmt.Errorf("page %d holds a bucket of no known shape", id)
		}
		if err := w.node(inline, id); err != nil {
			return err
		}
	}
	return nil
}
