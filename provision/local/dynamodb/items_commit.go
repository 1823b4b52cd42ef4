package dynamodb

import (
	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/store"
)

// itemChangeFunc turns the stored item (nil when absent) into the item to
// store (nil to remove it), or into the request's failure.
type itemChangeFunc func(old attr.Item) (attr.Item, error)

// commitItem runs a single-item write (PutItem, UpdateItem, DeleteItem, a
// PartiQL statement) in its own transaction. The write and its change
// records commit together; when measure is set, the item collection of
// keyAttrs' partition key is measured as the write leaves it. The table's
// counts follow the commit. The returned error is the request's failure or
// a storage error.
func (s *Service) commitItem(t *table, key []byte, keyAttrs attr.Item, measure bool, change itemChangeFunc) (itemResult, error) {
	var res itemResult
	var failure error
	err := s.commit(func(tx *store.Tx) error {
		res, failure = itemResult{}, nil
		b := tx.Bucket(t.bucket)
		if b == nil {
			failure = notFound("Requested resource not found")
			return nil
		}
		old, err := readItem(b, key)
		if err != nil {
			return err
		}
		next, err := change(old)
		if err != nil {
			failure = err
			return nil
		}
		res.old, res.new = old, next
		if err := s.storeItem(tx, b, t, key, old, next); err != nil {
			return err
		}
		if measure {
			res.metrics = collectionMetrics(b, t, keyAttrs[t.hash.Name])
		}
		return nil
	})
	if err != nil {
		return itemResult{}, err
	}
	if failure != nil {
		return itemResult{}, failure
	}
	t.applyCounts(res.old, res.new)
	return res, nil
}

// storeItem replaces the item at key in b, the bucket of t, by next (nil
// to remove it) and records the change; old is the item it replaces.
func (s *Service) storeItem(tx *store.Tx, b *store.Bucket, t *table, key []byte, old, next attr.Item) error {
	var err error
	switch {
	case next != nil:
		err = b.Put(key, attr.AppendItem(nil, next))
	case old != nil:
		err = b.Delete(key)
	}
	if err != nil {
		return err
	}
	if err := updateIndexes(tx, t, key, old, next); err != nil {
		return err
	}
	return s.recordChange(tx, t, old, next, false)
}

// check fails the write when its condition does not hold for the stored
// item (nil when absent).
func (w *preparedWrite) check(old attr.Item) error {
	if w.cond != nil && !w.cond.Eval(old) {
		return conditionFailed(old, w.returnOld)
	}
	return nil
}

// answer is PutItem's and DeleteItem's response: the old item when
// ReturnValues is ALL_OLD, and the capacity and collection metrics asked
// for.
func (res *itemResult) answer(returnValues string, rc *string, table string, m *tableMeta) map[string]any {
	out := map[string]any{}
	if returnValues == "ALL_OLD" && res.old != nil {
		out["Attributes"] = res.old
	}
	if c := writeCapacity(rc, table, m, res.old, res.new); c != nil {
		out["ConsumedCapacity"] = c
	}
	if res.metrics != nil {
		out["ItemCollectionMetrics"] = res.metrics
	}
	return out
}
