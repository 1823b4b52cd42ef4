package dynamodb

import (
	"bytes"
	"encoding/json"
	"sync"
	"sync/atomic"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/store"
)

// An index's ItemCount and IndexSizeBytes (DescribeTable) are the items
// it holds and the size of their projections, kept as its entries change
// so that a sparse index does not report the table's figures.
//
// A write counts into the statistics of the index definitions its own
// transaction sees, and only once it has committed: bbolt runs commit
// handlers after releasing its writer lock, so statistics looked up then
// could belong to an index rebuilt in between. They are therefore keyed
// by name and stored definition, and created inside the transaction that
// builds the index.
type indexStat struct {
	def  []byte   // the stored definition they count for
	keep []string // the attributes the index projects; nil for ALL

	count, size atomic.Int64
}

// indexStats are a table's index statistics by index name; a name has
// more than one only after its index was rebuilt with other keys.
type indexStats struct {
	mu sync.RWMutex
	m  map[string][]*indexStat
}

func newIndexStat(m *tableMeta, ix *indexMeta, def []byte) *indexStat {
	st := &indexStat{def: def}
	if ix.Projection.ProjectionType == "ALL" {
		return st
	}
	seen := map[string]bool{}
	for _, group := range [][]string{keyNames(m.KeySchema), keyNames(ix.KeySchema), ix.Projection.NonKeyAttributes} {
		for _, name := range group {
			if !seen[name] {
				seen[name] = true
				st.keep = append(st.keep, name)
			}
		}
	}
	return st
}

func keyNames(ks []keySchemaElement) []string {
	var out []string
	for _, k := range ks {
		out = append(out, k.AttributeName)
	}
	return out
}

// sizeOf is the size of it as the index holds it.
func (st *indexStat) sizeOf(it attr.Item) int64 {
	if st.keep == nil {
		return int64(it.Size())
	}
	n := 0
	for _, name := range st.keep {
		if v, ok := it[name]; ok {
			n += len(name) + v.Size()
		}
	}
	return int64(n)
}

// add records st, built or counted in the current transaction.
func (s *indexStats) add(name string, st *indexStat) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string][]*indexStat{}
	}
	s.m[name] = append(s.m[name], st)
}

// get returns the statistics of index name with definition def, or nil.
func (s *indexStats) get(name, def []byte) *indexStat {
	s.mu.RLock()
	defer s.mu.RUnlock()
	list := s.m[string(name)]
	for i := len(list) - 1; i >= 0; i-- {
		if bytes.Equal(list[i].def, def) {
			return list[i]
		}
	}
	return nil
}

// countChange registers, for when tx commits, what moving an item from old
// to next (either nil) changes in st; wasIn and isIn say whether the index
// held it before and holds it after.
func (st *indexStat) countChange(tx *store.Tx, old, next attr.Item, wasIn, isIn bool) {
	var dc, ds int64
	if wasIn {
		dc--
		ds -= st.sizeOf(old)
	}
	if isIn {
		dc++
		ds += st.sizeOf(next)
	}
	if dc != 0 || ds != 0 {
		tx.OnCommit(func() {
			st.count.Add(dc)
			st.size.Add(ds)
		})
	}
}

// countIndex counts an index whose entries exist but whose statistics do
// not (when a store is opened), from its entries and the items they point to.
func countIndex(tx *store.Tx, t *table, name string, st *indexStat) error {
	eb := indexEntries(tx, t, name)
	items := tx.Bucket(t.bucket)
	if eb == nil || items == nil {
		return nil
	}
	var n, size int64
	err := eb.ForEach(func(_, key []byte) error {
		// Sized without decoding, as the table's items are on load.
		sz, err := attr.StoredSize(items.Get(key), st.keep)
		if err != nil {
			return err
		}
		n++
		size += int64(sz)
		return nil
	})
	st.count.Store(n)
	st.size.Store(size)
	return err
}

// indexFigures is DescribeTable's ItemCount and IndexSizeBytes for ix;
// zeros while the index has none (it is being built).
func (t *table) indexFigures(m *tableMeta, ix *indexMeta) (count, size int64) {
	def, err := json.Marshal(indexKeysOf(m, ix))
	if err != nil {
		return 0, 0
	}
	if st := t.stats.get([]byte(ix.IndexName), def); st != nil {
		return st.count.Load(), st.size.Load()
	}
	return 0, 0
}
