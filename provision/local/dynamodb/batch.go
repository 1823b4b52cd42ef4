package dynamodb

import (
	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/dynamodb/expr"
	"github.com/spk-cli/spk/provision/local/store"
)

type writeRequest struct {
	PutRequest *struct {
		Item attr.Item `json:"Item"`
	} `json:"PutRequest"`
	DeleteRequest *struct {
		Key attr.Item `json:"Key"`
	} `json:"DeleteRequest"`
}

type batchWriteInput struct {
	RequestItems                map[string][]writeRequest `json:"RequestItems"`
	ReturnConsumedCapacity      *string                   `json:"ReturnConsumedCapacity"`
	ReturnItemCollectionMetrics *string                   `json:"ReturnItemCollectionMetrics"`
}

type batchWrite struct {
	t    *table
	m    *tableMeta
	hash attr.Value
	key  []byte
	item attr.Item // nil for a delete
	old  attr.Item
}

func (s *Service) batchWriteItem(body []byte) (any, error) {
	var in batchWriteInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkBatchWrite(&in); err != nil {
		return nil, err
	}
	var writes []*batchWrite
	tables := map[string]*table{}
	for _, name := range attr.SortedKeys(in.RequestItems) {
		n := name
		t, m, err := s.lookup(&n)
		if err != nil {
			return nil, err
		}
		tables[name] = t
		seen := map[string]bool{}
		for _, r := range in.RequestItems[name] {
			w := &batchWrite{t: t, m: &m}
			if r.PutRequest != nil {
				// A put without the key, or with a key of another type, is
				// refused as a Key would be, not in PutItem's words.
				if !t.holdsKey(r.PutRequest.Item) {
					return nil, validation(msgKeySchema)
				}
				if w.key, err = t.keyOfItem(r.PutRequest.Item, &m); err != nil {
					return nil, err
				}
				w.item = r.PutRequest.Item
				w.hash = w.item[t.hash.Name]
			} else {
				if w.key, err = t.keyOf(r.DeleteRequest.Key); err != nil {
					return nil, err
				}
				w.hash = r.DeleteRequest.Key[t.hash.Name]
			}
			if seen[string(w.key)] {
				return nil, validation("Provided list of item keys contains duplicates")
			}
			seen[string(w.key)] = true
			writes = append(writes, w)
		}
	}
	var missing error
	var collections collectionSet
	err := s.commit(func(tx *store.Tx) error {
		missing, collections = nil, collectionSet{}
		for _, w := range writes {
			b := tx.Bucket(w.t.bucket)
			if b == nil {
				missing = notFound("Requested resource not found")
				return nil
			}
		}
		for _, w := range writes {
			b := tx.Bucket(w.t.bucket)
			old, err := readItem(b, w.key)
			if err != nil {
				return err
			}
			w.old = old
			if err := s.storeItem(tx, b, w.t, w.key, old, w.item); err != nil {
				return err
			}
		}
		for _, w := range writes {
			if wantsCollectionMetrics(in.ReturnItemCollectionMetrics, w.m) {
				collections.add(tx.Bucket(w.t.bucket), w.t, w.m, w.hash)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if missing != nil {
		return nil, missing
	}
	for _, w := range writes {
		w.t.applyCounts(w.old, w.item)
	}
	out := map[string]any{"UnprocessedItems": map[string]any{}}
	if in.ReturnConsumedCapacity != nil && *in.ReturnConsumedCapacity != "NONE" {
		units := map[*table]float64{}
		ixUnits := map[*table]*indexUnits{}
		for _, w := range writes {
			units[w.t] += writeUnits(w.old, w.item)
			if ixUnits[w.t] == nil {
				ixUnits[w.t] = &indexUnits{}
			}
			ixUnits[w.t].merge(indexWriteUnits(w.m, w.old, w.item), 1)
		}
		var cc []map[string]any
		for _, name := range attr.SortedKeys(tables) {
			t := tables[name]
			cc = append(cc, capacityOf(in.ReturnConsumedCapacity, name, units[t], *ixUnits[t]))
		}
		out["ConsumedCapacity"] = cc
	}
	collections.setIn(out)
	return out, nil
}

type keysAndAttributes struct {
	Keys                     []attr.Item       `json:"Keys"`
	ProjectionExpression     *string           `json:"ProjectionExpression"`
	ExpressionAttributeNames map[string]string `json:"ExpressionAttributeNames"`
	AttributesToGet          []string          `json:"AttributesToGet"`
	ConsistentRead           *bool             `json:"ConsistentRead"`
}

type batchGetInput struct {
	RequestItems           map[string]keysAndAttributes `json:"RequestItems"`
	ReturnConsumedCapacity *string                      `json:"ReturnConsumedCapacity"`
}

// maxBatchGetBytes is the most a BatchGetItem answers at once.
const maxBatchGetBytes = 16 << 20

// unprocessedKeys is a table's entry of UnprocessedKeys: the keys left, with
// what was asked of them.
func unprocessedKeys(ka keysAndAttributes, keys []attr.Item) map[string]any {
	out := map[string]any{"Keys": keys}
	if ka.ProjectionExpression != nil {
		out["ProjectionExpression"] = *ka.ProjectionExpression
	}
	if ka.ExpressionAttributeNames != nil {
		out["ExpressionAttributeNames"] = ka.ExpressionAttributeNames
	}
	if ka.AttributesToGet != nil {
		out["AttributesToGet"] = ka.AttributesToGet
	}
	if ka.ConsistentRead != nil {
		out["ConsistentRead"] = *ka.ConsistentRead
	}
	return out
}

func (s *Service) batchGetItem(body []byte) (any, error) {
	var in batchGetInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkBatchGet(&in); err != nil {
		return nil, err
	}
	type get struct {
		t          *table
		name       string
		ka         keysAndAttributes // as asked, for UnprocessedKeys
		keys       [][]byte
		paths      []expr.Path
		consistent bool
		units      float64 // ConsumedCapacity
	}
	var gets []get
	for _, name := range attr.SortedKeys(in.RequestItems) {
		n := name
		t, m, err := s.lookup(&n)
		if err != nil {
			return nil, err
		}
		ka := in.RequestItems[name]
		paths, _, _ := projectionOf(ka.ProjectionExpression, ka.AttributesToGet, ka.ExpressionAttributeNames, nil)
		if err := nestedKeyPath(paths, nil, []string{t.hash.Name, t.rng.Name}, indexKeyNames(t, &m)); err != nil {
			return nil, err // as GetItem refuses it
		}
		g := get{t: t, name: name, ka: ka, paths: paths, consistent: ka.ConsistentRead != nil && *ka.ConsistentRead}
		seen := map[string]bool{}
		for _, k := range ka.Keys {
			key, err := t.keyOf(k)
			if err != nil {
				return nil, err
			}
			if seen[string(key)] {
				return nil, validation("Provided list of item keys contains duplicates")
			}
			seen[string(key)] = true
			g.keys = append(g.keys, key)
		}
		gets = append(gets, g)
	}
	responses := map[string][]attr.Item{}
	unprocessed := map[string]any{}
	err := s.env.DB.View(func(tx *store.Tx) error {
		size, full := 0, false
		for i := range gets {
			g := &gets[i]
			b := tx.Bucket(g.t.bucket)
			if b == nil {
				return notFound("Requested resource not found")
			}
			items := []attr.Item{}
			for j, k := range g.keys {
				if full {
					unprocessed[g.name] = unprocessedKeys(g.ka, g.ka.Keys[j:])
					break
				}
				it, err := readItem(b, k)
				if err != nil {
					return err
				}
				units := readUnits(it, g.consistent) // of the whole item, as GetItem
				if it != nil && g.paths != nil {
					it = expr.Project(it, g.paths)
				}
				// A response holds at most 16 MB; the rest is left for
				// the caller to ask again, as UnprocessedKeys.
				if it != nil && size+it.Size() > maxBatchGetBytes {
					full = true
					unprocessed[g.name] = unprocessedKeys(g.ka, g.ka.Keys[j:])
					break
				}
				g.units += units
				if it == nil {
					continue
				}
				size += it.Size()
				items = append(items, it)
			}
			responses[g.name] = items
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := map[string]any{"Responses": responses, "UnprocessedKeys": unprocessed}
	if in.ReturnConsumedCapacity != nil && *in.ReturnConsumedCapacity != "NONE" {
		var cc []map[string]any
		for _, g := range gets {
			cc = append(cc, capacity(in.ReturnConsumedCapacity, g.name, g.units)) // as GetItem reports it
		}
		out["ConsumedCapacity"] = cc
	}
	return out, nil
}
