package dynamodb

import (
	"bytes"
	"math"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/store"
)

// DynamoDB reports ItemCollectionMetrics only when a write asks for SIZE
// and its table has a local secondary index: an item collection (the items
// sharing a partition key) is then limited to 10 GB.

// wantsCollectionMetrics reports whether a write reports
// ItemCollectionMetrics.
func wantsCollectionMetrics(rim *string, m *tableMeta) bool {
	return rim != nil && *rim == "SIZE" && len(m.LSIs) > 0
}

// collectionMetrics measures the item collection of hash as it stands in
// b. The service gives a range of whole gigabytes, [0, 1] for a collection
// under 1 GB.
func collectionMetrics(b *store.Bucket, t *table, hash attr.Value) map[string]any {
	prefix := partitionPrefix(hash)
	size := 0
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		size += len(v)
	}
	lo := math.Floor(float64(size) / (1 << 30))
	return map[string]any{
		"ItemCollectionKey":   attr.Item{t.hash.Name: hash},
		"SizeEstimateRangeGB": []float64{lo, lo + 1},
	}
}

// collectionSet gathers the collections a multi-item write touched, by
// table name, each collection once.
type collectionSet struct {
	byTable map[string][]map[string]any
	seen    map[string]bool
}

func (cs *collectionSet) add(b *store.Bucket, t *table, m *tableMeta, hash attr.Value) {
	id := m.TableName + "\x00" + string(partitionPrefix(hash))
	if cs.seen[id] {
		return
	}
	if cs.byTable == nil {
		cs.byTable, cs.seen = map[string][]map[string]any{}, map[string]bool{}
	}
	cs.seen[id] = true
	cs.byTable[m.TableName] = append(cs.byTable[m.TableName], collectionMetrics(b, t, hash))
}

// setIn adds the ItemCollectionMetrics member to a batch or transaction
// response when any collection was measured.
func (cs *collectionSet) setIn(out map[string]any) {
	if len(cs.byTable) > 0 {
		out["ItemCollectionMetrics"] = cs.byTable
	}
}
