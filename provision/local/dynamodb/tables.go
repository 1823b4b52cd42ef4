package dynamodb

import (
	"encoding/json"
	"fmt"
	"maps"
	"sync/atomic"
	"time"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/store"
)

var (
	tablesBucket = []byte("dynamodb/tables")
	tokensBucket = []byte("dynamodb/tokens")
)

const itemsBucketPrefix = "dynamodb/items/"

type attributeDefinition struct {
	AttributeName string `json:"AttributeName"`
	AttributeType string `json:"AttributeType"`
}

type keySchemaElement struct {
	AttributeName string `json:"AttributeName"`
	KeyType       string `json:"KeyType"`
}

type projection struct {
	ProjectionType   string   `json:"ProjectionType,omitempty"`
	NonKeyAttributes []string `json:"NonKeyAttributes,omitempty"`
}

type throughput struct {
	ReadCapacityUnits  *int64 `json:"ReadCapacityUnits"`
	WriteCapacityUnits *int64 `json:"WriteCapacityUnits"`
}

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// indexMeta is a secondary index as stored.
type indexMeta struct {
	IndexName   string             `json:"IndexName"`
	KeySchema   []keySchemaElement `json:"KeySchema"`
	Projection  projection         `json:"Projection"`
	IndexStatus string             `json:"IndexStatus,omitempty"`
	// Backfilling: an index UpdateTable added is past its resource
	// allocation, CREATING with the table ACTIVE (see settle).
	Backfilling bool `json:",omitempty"`
	Read, Write int64
	OnDemand    *onDemand `json:",omitempty"`
	capacityHistory
}

// tableMeta is a table's definition and state as stored.
type tableMeta struct {
	TableName            string
	TableID              string
	TableArn             string
	TableStatus          string
	CreationDateTime     float64
	AttributeDefinitions []attributeDefinition
	KeySchema            []keySchemaElement
	BillingMode          string
	Read, Write          int64
	GSIs                 []indexMeta
	LSIs                 []indexMeta
	Tags                 []tag
	TTLAttribute         string
	TTLStatus            string
	StreamSpecification  json.RawMessage `json:",omitempty"` // normalized; absent when no stream is enabled
	LatestStreamArn      string          `json:",omitempty"`
	LatestStreamLabel    string          `json:",omitempty"`
	DeletionProtection   bool
	LastBillingChange    float64
	capacityHistory
	SSE  *sseState  `json:",omitempty"` // absent: encrypted with a key AWS owns
	PITR *pitrState `json:",omitempty"` // absent: point-in-time recovery disabled
	// Class: absent for a table created without a class.
	Class *tableClassState `json:",omitempty"`
	// Insights: Contributor Insights of the table ("") and its indexes,
	// by index name; absent ones are DISABLED.
	Insights map[string]insightsState `json:",omitempty"`
	OnDemand *onDemand                `json:",omitempty"`
	// StreamChanging: the UPDATING is a stream being enabled or disabled,
	// which DeleteTable names when it refuses.
	StreamChanging bool `json:",omitempty"`
	// BillingChanging: the UPDATING is a switch of billing mode; the mode
	// it switches from is the other one.
	BillingChanging bool `json:",omitempty"`
	// ThroughputBefore is the provisioned throughput a change under way
	// replaces: DescribeTable shows it until the table is ACTIVE again.
	ThroughputBefore *throughputBefore `json:",omitempty"`
}

type keyDef struct {
	Name string
	Kind attr.Kind
}

// table is a loaded table: its stored meta (guarded by Service.mu) and what
// the data path needs, derived from it.
type table struct {
	meta       tableMeta
	id         string // meta.TableID, readable without Service.mu
	hash, rng  keyDef // rng.Name is "" for a hash-only table
	bucket     []byte
	itemCount  atomic.Int64
	sizeBytes  atomic.Int64
	generation int // bumps on every meta change, so stale transitions can be ignored

	kdests atomic.Pointer[kinesisDests] // Kinesis streaming destinations; read by the committer without Service.mu

	// indexed turns true, for good, once the table may have stored
	// indexes (see syncIndexes): writes to a table that never had one
	// skip looking for them.
	indexed atomic.Bool
	// stats are the indexes' item counts and sizes (index_stats.go).
	stats indexStats
}

func newTable(m tableMeta) *table {
	t := &table{meta: m, id: m.TableID, bucket: []byte(itemsBucketPrefix + m.TableID)}
	t.hash, t.rng = keysOf(m.KeySchema, m.AttributeDefinitions)
	return t
}

func keysOf(ks []keySchemaElement, defs []attributeDefinition) (hash, rng keyDef) {
	kind := func(name string) attr.Kind {
		for _, d := range defs {
			if d.AttributeName == name {
				k, _ := attr.KindFromName(d.AttributeType)
				return k
			}
		}
		return attr.Invalid
	}
	for _, k := range ks {
		if k.KeyType == "HASH" {
			hash = keyDef{k.AttributeName, kind(k.AttributeName)}
		} else {
			rng = keyDef{k.AttributeName, kind(k.AttributeName)}
		}
	}
	return hash, rng
}

// load reads the stored tables and completes transitions a restart cut short.
func (s *Service) load() error {
	return s.env.DB.Update(func(tx *store.Tx) error {
		tb, err := tx.CreateBucketIfNotExists(tablesBucket)
		if err != nil {
			return fmt.Errorf("dynamodb: create tables bucket: %w", err)
		}
		if _, err := tx.CreateBucketIfNotExists(tokensBucket); err != nil {
			return fmt.Errorf("dynamodb: create tokens bucket: %w", err)
		}
		for _, name := range [][]byte{streamsBucket, streamOfBucket, streamRecordsBucket} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("dynamodb: create %s bucket: %w", name, err)
			}
		}
		var metas []tableMeta
		err = tb.ForEach(func(k, v []byte) error {
			var m tableMeta
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("dynamodb: stored table %s: %w", k, err)
			}
			metas = append(metas, m)
			return nil
		})
		if err != nil {
			return err
		}
		for _, m := range metas {
			if m.TableStatus == "DELETING" {
				tb.Delete([]byte(m.TableName))
				if err := syncIndexes(tx, newTable(m), nil); err != nil {
					return err
				}
				tx.DeleteBucket([]byte(itemsBucketPrefix + m.TableID))
				continue
			}
			settle(&m, false)
			finishInsights(&m)
			if err := s.adoptStoredStreamSpec(tx, &m); err != nil {
				return err
			}
			b, _ := json.Marshal(m)
			tb.Put([]byte(m.TableName), b)
			t := newTable(m)
			if ib := tx.Bucket(t.bucket); ib != nil {
				var n, size int64
				var scratch []byte
				ib.ForEach(func(k, v []byte) error {
					n++
					// Sized as Query sizes a page: transcoding is a fifth
					// of the cost of decoding into maps.
					var sz int
					var err error
					if scratch, sz, err = attr.AppendStoredJSON(scratch[:0], v); err == nil {
						size += int64(sz)
					}
					return nil
				})
				t.itemCount.Store(n)
				t.sizeBytes.Store(size)
			} else if _, err := tx.CreateBucket(t.bucket); err != nil {
				return err
			}
			// An spk from before the index key limits may have indexed
			// keys an index cannot hold; once, on the first open by
			// this one, those entries go.
			if s.env.DB.Unrecorded() {
				if err := dropUnholdableEntries(tx, t); err != nil {
					return err
				}
			}
			// Builds the indexes a store written before they were
			// materialised lacks, and drops those settle removed.
			if err := syncIndexes(tx, t, &m); err != nil {
				return err
			}
			s.tables[m.TableName] = t
		}
		return nil
	})
}

// settle finishes a table's pending transitions and reports whether an
// index is left backfilling. DynamoDB builds an index UpdateTable adds in
// two phases: resource allocation, with the table UPDATING, then the
// backfill, with the table ACTIVE and the index still CREATING. With
// backfill, an index ending its allocation starts its backfill and one
// backfilling goes on (finishBackfill ends it); without, every index is
// ACTIVE, as a store opened again finishes everything.
func settle(m *tableMeta, backfill bool) (backfilling bool) {
	allocating := m.TableStatus == "UPDATING"
	m.TableStatus = "ACTIVE"
	m.StreamChanging, m.BillingChanging, m.ThroughputBefore = false, false, nil
	var gsis []indexMeta
	for _, g := range m.GSIs {
		switch {
		case g.IndexStatus == "DELETING":
			// Its insights go with it, as on DynamoDB.
			if _, ok := m.Insights[g.IndexName]; ok {
				m.Insights = maps.Clone(m.Insights)
				delete(m.Insights, g.IndexName)
			}
			continue
		case g.IndexStatus == "CREATING" && backfill && (allocating || g.Backfilling):
			g.Backfilling, backfilling = true, true
		default:
			g.IndexStatus, g.Backfilling = "ACTIVE", false
		}
		gsis = append(gsis, g)
	}
	m.GSIs = gsis
	keepUsedDefinitions(m)
	settleSSE(m)
	settleTableClass(m)
	return backfilling
}

func (s *Service) saveMeta(tx *store.Tx, m *tableMeta) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return tx.Bucket(tablesBucket).Put([]byte(m.TableName), b)
}

// later runs fn after d unless the service stops first; with no delay, at
// once. The caller must hold none of the locks fn takes.
func (s *Service) later(d time.Duration, fn func()) {
	if d <= 0 {
		// No delay: settled before the request that started it answers, so
		// the next request finds it done (as the Kinesis service does).
		fn()
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-timer.C:
			fn()
		case <-s.stop:
		}
	}()
}
