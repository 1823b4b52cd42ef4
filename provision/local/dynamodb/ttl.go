package dynamodb

import (
	"math/big"
	"time"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/store"
)

// ttlInterval is how often expired items are looked for. DynamoDB takes up
// to a few days; spk deletes them within seconds.
const ttlInterval = time.Second

// maxExpiredPerSweep bounds the deletes of one table in one pass, so a mass
// expiry becomes several commits of bounded size a second apart.
const maxExpiredPerSweep = 10000

type ttlSpec struct {
	Enabled       *bool   `json:"Enabled"`
	AttributeName *string `json:"AttributeName"`
}

type updateTTLInput struct {
	TableName               *string  `json:"TableName"`
	TimeToLiveSpecification *ttlSpec `json:"TimeToLiveSpecification"`
}

func (s *Service) updateTimeToLive(body []byte) (any, error) {
	var in updateTTLInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	spec := in.TimeToLiveSpecification
	var c constraints
	c.tableRef("tableName", in.TableName)
	c.notNull("timeToLiveSpecification", spec != nil)
	if spec != nil {
		c.notNull("timeToLiveSpecification.attributeName", spec.AttributeName != nil)
		c.stringLength("timeToLiveSpecification.attributeName", spec.AttributeName, 1, 255)
		c.notNull("timeToLiveSpecification.enabled", spec.Enabled != nil)
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tables[s.tableName(*in.TableName)]
	if !ok {
		return nil, notFound("Requested resource not found: Table: " + *in.TableName + " not found")
	}
	switch t.meta.TableStatus {
	case "CREATING":
		// DynamoDB's words here put the name before the state.
		return nil, stillInUse("Table " + t.meta.TableName + " is being created")
	case "DELETING":
		// As a tag change of a table being deleted is refused.
		return nil, stillInUse("Table is being deleted: " + t.meta.TableName)
	}
	m := t.meta
	switch {
	case *spec.Enabled && m.TTLStatus == "ENABLED" && m.TTLAttribute != *spec.AttributeName:
		return nil, validation("TimeToLive is active on a different AttributeName: current AttributeName is " + m.TTLAttribute)
	case *spec.Enabled && m.TTLStatus == "ENABLED":
		return nil, validation("TimeToLive is already enabled")
	case !*spec.Enabled && m.TTLStatus != "ENABLED":
		return nil, validation("TimeToLive is already disabled")
	case !*spec.Enabled && m.TTLAttribute != *spec.AttributeName:
		return nil, validation("TimeToLive is active on a different AttributeName: current AttributeName is " + m.TTLAttribute)
	}
	if *spec.Enabled {
		m.TTLStatus, m.TTLAttribute = "ENABLED", *spec.AttributeName
	} else {
		m.TTLStatus, m.TTLAttribute = "DISABLED", ""
	}
	err := s.env.DB.Update(func(tx *store.Tx) error {
		if err := syncIndexes(tx, t, &m); err != nil {
			return err
		}
		return s.saveMeta(tx, &m)
	})
	if err != nil {
		return nil, err
	}
	t.meta = m
	return map[string]any{"TimeToLiveSpecification": map[string]any{"Enabled": *spec.Enabled, "AttributeName": *spec.AttributeName}}, nil
}

func (s *Service) describeTimeToLive(body []byte) (any, error) {
	return s.readNamedTable(body, func(t *table) (any, error) {
		if st := t.meta.TableStatus; st == "CREATING" || st == "DELETING" {
			return nil, validation("Cannot describe time to live while table is in " + st + " state: Current table state is " + st)
		}
		d := map[string]any{"TimeToLiveStatus": "DISABLED"}
		if t.meta.TTLStatus == "ENABLED" {
			d = map[string]any{"TimeToLiveStatus": "ENABLED", "AttributeName": t.meta.TTLAttribute}
		}
		return map[string]any{"TimeToLiveDescription": d}, nil
	})
}

// ttlSweeper deletes expired items: a TTL attribute holding a number of
// epoch seconds in the past.
func (s *Service) ttlSweeper() {
	defer s.wg.Done()
	tick := time.NewTicker(ttlInterval)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
			s.sweepExpired()
		}
	}
}

func (s *Service) sweepExpired() {
	type target struct {
		t    *table
		name string
		attr string
	}
	var targets []target
	s.mu.RLock()
	for _, t := range s.tables {
		if t.meta.TTLStatus == "ENABLED" && t.meta.TableStatus != "DELETING" {
			targets = append(targets, target{t, t.meta.TableName, t.meta.TTLAttribute})
		}
	}
	s.mu.RUnlock()
	clock := s.env.Now()
	unix := clock.Unix()
	now := big.NewFloat(float64(unix))
	// DynamoDB considers for expiry only TTLs up to five years in the past:
	// an older value (0, a small counter) is not a time, and stays.
	oldest := clock.AddDate(-ttlHorizonYears, 0, 0).Unix()
	floor := big.NewFloat(float64(oldest))
	for _, tg := range targets {
		var expired [][]byte
		s.env.DB.View(func(tx *store.Tx) error {
			expired, _ = expiredKeys(tx, tg.t, oldest, unix, maxExpiredPerSweep)
			return nil
		})
		if len(expired) == 0 {
			continue
		}
		// Re-check under the commit so a write that refreshed the item wins.
		var removed []attr.Item
		err := s.commit(func(tx *store.Tx) error {
			removed = removed[:0]
			b := tx.Bucket(tg.t.bucket)
			if b == nil {
				return nil
			}
			for _, k := range expired {
				it, err := readItem(b, k)
				if err != nil || it == nil || !isExpired(it[tg.attr], floor, now) {
					continue
				}
				if err := b.Delete(k); err != nil {
					return err
				}
				if err := updateIndexes(tx, tg.t, k, it, nil); err != nil {
					return err
				}
				if err := s.recordChange(tx, tg.t, it, nil, true); err != nil {
					return err
				}
				removed = append(removed, it)
			}
			return nil
		})
		if err != nil {
			s.log.Warn("dynamodb: delete expired items", "table", tg.name, "err", err)
			continue
		}
		for _, it := range removed {
			tg.t.applyCounts(it, nil)
		}
	}
}

// isExpired reports whether a TTL value is a time at or after floor and
// before now.
func isExpired(v attr.Value, floor, now *big.Float) bool {
	if v.Kind != attr.N {
		return false
	}
	f, ok := new(big.Float).SetString(v.Str)
	return ok && f.Cmp(now) < 0 && f.Cmp(floor) >= 0
}

// ttlHorizonYears is how far in the past a TTL may be and still expire
// its item (the developer guide: "can't be more than five years in the
// past").
const ttlHorizonYears = 5
