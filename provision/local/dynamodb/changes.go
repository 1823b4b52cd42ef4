package dynamodb

import (
	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/store"
)

// Every write path (PutItem, UpdateItem, DeleteItem, BatchWriteItem,
// TransactWriteItems, PartiQL, the TTL sweeper) reports each item it
// changed to recordChange, inside the write's own transaction. The change
// then becomes a DynamoDB Streams record and a Kinesis streaming destination
// record in that same transaction, so a write and its change records are on
// disk together or not at all.

// itemChange is one committed item-level modification. old is nil for an
// insert and new is nil for a removal.
type itemChange struct {
	t        *table
	old, new attr.Item
	byTTL    bool // removed by the TTL sweeper: the record names the service as its author
}

// recordChange captures a change made inside tx. A write that leaves the
// item as it was (or deletes an item that does not exist) changes nothing
// and produces no record.
func (s *Service) recordChange(tx *store.Tx, t *table, old, new attr.Item, byTTL bool) error {
	if old == nil && new == nil || old != nil && new != nil && attr.EqualItems(old, new) {
		return nil
	}
	c := itemChange{t: t, old: old, new: new, byTTL: byTTL}
	if err := s.appendStreamRecord(tx, &c); err != nil {
		return err
	}
	return s.queueDestinationRecord(tx, &c)
}
