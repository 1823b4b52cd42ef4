package dynamodb

import (
	"errors"
	"fmt"
	"time"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/store"
)

// Writes go through one committer goroutine. It takes every write waiting
// and applies them, in order, in a single bbolt transaction: one commit
// (one fdatasync of the store's log) for the group, and each write's
// read-modify-write is serialised with every other write (ten concurrent
// ADDs give exactly ten).
// A write is acknowledged only after its transaction committed. This is
// bbolt's Batch without its fixed wait: Batch holds every group open for
// MaxBatchDelay, so a lone writer always waits; here a group waits only
// for writers known to be on their way back (see grouper).

type commitOp struct {
	apply func(tx *store.Tx) error
	done  chan error
}

var errClosed = errors.New("dynamodb: the service is shutting down")

const maxGroup = 512

// commit runs apply in a write transaction shared with other writers and
// returns once it committed. apply may run more than once (when a group is
// retried), so it must reset any result it records.
func (s *Service) commit(apply func(tx *store.Tx) error) error {
	op := &commitOp{apply: apply, done: make(chan error, 1)}
	select {
	case s.commits <- op:
	case <-s.stop:
		return errClosed
	}
	// Once stop is closed the first select may still have queued op (both
	// cases ready): the committer runs what it drains before it returns,
	// and an op queued after that is answered here.
	select {
	case err := <-op.done:
		return err
	case <-s.committerGone:
		select {
		case err := <-op.done:
			return err
		default:
			return errClosed
		}
	}
}

func (s *Service) committer() {
	defer s.wg.Done()
	defer close(s.committerGone)
	group := make([]*commitOp, 0, maxGroup)
	var g grouper
	for {
		var op *commitOp
		select {
		case op = <-s.commits:
		case <-s.stop:
			for {
				select {
				case op := <-s.commits:
					s.runGroup([]*commitOp{op})
				default:
					return
				}
			}
		}
		group = append(group[:0], op)
	fill:
		for len(group) < maxGroup {
			select {
			case op := <-s.commits:
				group = append(group, op)
			default:
				break fill
			}
		}
		if want := g.want(); len(group) < want {
			group = s.linger(group, want, g.patience())
		}
		started := time.Now()
		s.runGroup(group)
		g.done(len(group), len(s.commits), time.Since(started))
	}
}

// linger waits, at most patience, for the group to reach want writes.
func (s *Service) linger(group []*commitOp, want int, patience time.Duration) []*commitOp {
	timer := time.NewTimer(patience)
	defer timer.Stop()
	for len(group) < want {
		select {
		case op := <-s.commits:
			group = append(group, op)
		case <-timer.C:
			return group
		case <-s.stop:
			return group
		}
	}
	return group
}

// grouper sizes commit groups. Each commit costs about one fsync however
// many writes share it, so throughput is writes per group over commit
// time. Synchronous clients fall into convoys: the writes acknowledged by
// one commit come back while the next is under way, so eight clients
// settle into two groups of four that take turns, each paying a whole
// commit. The grouper counts the writers in play (the group just committed
// and those that queued meanwhile) and lets the next group wait a fraction
// of a commit for the ones still on their way back, so all of them share
// one commit. A lone writer never waits, and a group waits at most as
// long as the last commit took: the wait is repaid as soon as one
// straggler joins instead of paying a commit of its own.
type grouper struct {
	writers  int           // writers in play at the end of the last commit
	lastCost time.Duration // duration of the last commit
}

// maxLinger bounds the wait when commits are slow (a busy disk).
const maxLinger = time.Millisecond

func (g *grouper) want() int { return g.writers }

func (g *grouper) patience() time.Duration {
	return min(g.lastCost, maxLinger)
}

func (g *grouper) done(size, queued int, cost time.Duration) {
	g.lastCost = cost
	g.writers = min(size+queued, maxGroup)
}

func (s *Service) runGroup(group []*commitOp) {
	failed := -1
	err := s.env.DB.Update(func(tx *store.Tx) error {
		for i, op := range group {
			if err := store.SafeRun(op.apply, tx); err != nil {
				failed = i
				return err
			}
		}
		return nil
	})
	if err == nil || failed < 0 || len(group) == 1 {
		for _, op := range group {
			op.done <- err
		}
		return
	}
	// One write failed: the group rolled back, so give each its own
	// transaction and its own outcome.
	for _, op := range group {
		op.done <- s.env.DB.Update(func(tx *store.Tx) error { return store.SafeRun(op.apply, tx) })
	}
}

// lookup returns a table that accepts data-plane requests and a copy of
// its meta.
func (s *Service) lookup(name *string) (*table, tableMeta, error) {
	if err := validateTableRef(name, "tableName"); err != nil {
		return nil, tableMeta{}, err
	}
	s.mu.RLock()
	t, ok := s.tables[s.tableName(*name)]
	var m tableMeta
	if ok {
		m = t.meta
	}
	s.mu.RUnlock()
	if !ok || m.TableStatus == "CREATING" || m.TableStatus == "DELETING" {
		return nil, m, notFound("Requested resource not found")
	}
	return t, m, nil
}

// storageKey is the bbolt key of an item: the hash key's bytes with a
// length prefix, then the range key in an order-preserving encoding, so a
// partition is one contiguous, sorted run of keys.
func storageKey(hash attr.Value, rng *attr.Value) []byte {
	hb := attr.KeyBytes(hash)
	k := make([]byte, 0, 2+len(hb)+16)
	k = append(k, byte(len(hb)>>8), byte(len(hb)))
	k = append(k, hb...)
	if rng != nil {
		k = attr.AppendOrdered(k, *rng)
	}
	return k
}

// partitionPrefix is the storage key prefix of every item with this hash.
func partitionPrefix(hash attr.Value) []byte { return storageKey(hash, nil) }

// hashOfStorageKey returns the hash key bytes of a storage key.
func hashOfStorageKey(k []byte) []byte {
	if len(k) < 2 {
		return nil
	}
	n := int(k[0])<<8 | int(k[1])
	if 2+n > len(k) {
		return nil
	}
	return k[2 : 2+n]
}

const (
	msgKeySchema   = "The provided key element does not match the schema"
	maxItemSize    = 400 * 1024
	maxHashKeySize = 2048
	maxRangeSize   = 1024
)

// keyOf validates a Key parameter and returns the item's storage key.
func (t *table) keyOf(key attr.Item) ([]byte, error) {
	if msg := attr.InvalidItem(key); msg != "" {
		return nil, validation(msg)
	}
	want := 1
	if t.rng.Name != "" {
		want = 2
	}
	h, ok := key[t.hash.Name]
	if !ok || len(key) != want || h.Kind != t.hash.Kind {
		return nil, validation(msgKeySchema)
	}
	var r *attr.Value
	if t.rng.Name != "" {
		rv, ok := key[t.rng.Name]
		if !ok || rv.Kind != t.rng.Kind {
			return nil, validation(msgKeySchema)
		}
		r = &rv
	}
	if err := t.checkKeyValues(h, r); err != nil {
		return nil, err
	}
	return storageKey(h, r), nil
}

func emptyKeyError(v attr.Value, name string) error {
	return validation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty " + emptyKind(v) + " value. Key: " + name)
}

// emptyIndexKeyError is emptyKeyError for a secondary index's key.
func emptyIndexKeyError(v attr.Value, index, name string) error {
	return validation("One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty " + emptyKind(v) + " value. IndexName: " + index + ", IndexKey: " + name)
}

// emptyKind names an empty key value's type as DynamoDB's messages do.
func emptyKind(v attr.Value) string {
	if v.Kind == attr.B {
		return "binary"
	}
	return "string"
}

func isEmptyKey(v attr.Value) bool {
	return v.Kind == attr.S && v.Str == "" || v.Kind == attr.B && len(v.Bin) == 0
}

func (t *table) checkKeyValues(h attr.Value, r *attr.Value) error {
	if isEmptyKey(h) {
		return emptyKeyError(h, t.hash.Name)
	}
	if r != nil && isEmptyKey(*r) {
		return emptyKeyError(*r, t.rng.Name)
	}
	if len(attr.KeyBytes(h)) > maxHashKeySize {
		return validation(msgHashKeySize)
	}
	if r != nil && len(attr.KeyBytes(*r)) > maxRangeSize {
		return validation(msgRangeKeySize)
	}
	return nil
}

const (
	msgNesting  = "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit"
	msgItemSize = "Item size has exceeded the maximum allowed size"
	// An update's item is over the limit in other words than a put's.
	msgUpdatedItemSize = "Item size to update has exceeded the maximum allowed size"
	msgHashKeySize     = "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"
	msgRangeKeySize    = "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes"
	msgIndexKeySize    = "One or more parameter values were invalid: Size limit exceeded for Index Key "
)

// indexKeyLimit is the most bytes a secondary index's partition (HASH) or
// sort key value may hold, as a table's.
func indexKeyLimit(keyType string) int {
	if keyType == "RANGE" {
		return maxRangeSize
	}
	return maxHashKeySize
}

// indexableKey reports whether v may be a secondary index's key of that
// type: an empty or oversized string or binary may not, and DynamoDB leaves
// an item holding one out of the index (only an item written before the
// index existed can).
func indexableKey(v attr.Value, keyType string) bool {
	return !isEmptyKey(v) && len(attr.KeyBytes(v)) <= indexKeyLimit(keyType)
}

// holdsKey reports whether it has every key attribute, of its type.
func (t *table) holdsKey(it attr.Item) bool {
	for _, k := range []keyDef{t.hash, t.rng} {
		if v, ok := it[k.Name]; k.Name != "" && (!ok || v.Kind != k.Kind) {
			return false
		}
	}
	return true
}

// keyOfItem validates a whole item's key attributes (PutItem) and returns
// its storage key.
func (t *table) keyOfItem(it attr.Item, m *tableMeta) ([]byte, error) {
	if msg := attr.InvalidItem(it); msg != "" {
		return nil, validation(msg)
	}
	var r *attr.Value
	for _, k := range []keyDef{t.hash, t.rng} {
		if k.Name == "" {
			continue
		}
		v, ok := it[k.Name]
		if !ok {
			return nil, validation("One or more parameter values were invalid: Missing the key " + k.Name + " in the item")
		}
		if v.Kind != k.Kind {
			return nil, validation(fmt.Sprintf("One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s", k.Name, k.Kind, v.Kind))
		}
	}
	h := it[t.hash.Name]
	if t.rng.Name != "" {
		rv := it[t.rng.Name]
		r = &rv
	}
	if err := t.checkKeyValues(h, r); err != nil {
		return nil, err
	}
	if err := checkItem(it, m); err != nil {
		return nil, err
	}
	return storageKey(h, r), nil
}

// checkKeyShape checks a key's attribute values before the table is known.
func checkKeyShape(key attr.Item) error {
	if msg := attr.InvalidItem(key); msg != "" {
		return validation(msg)
	}
	return nil
}

// checkItemShape checks what DynamoDB checks of an item a request gives
// whole before it looks the table up: its values, its attributes' names,
// nesting and size.
func checkItemShape(it attr.Item) error {
	if err := checkNames(it); err != nil {
		return err
	}
	return checkItemValues(it)
}

// checkNames refuses an item's attribute names that cannot be stored.
func checkNames[V any](it map[string]V) error {
	for name := range it {
		if msg := badAttributeName(name); msg != "" {
			return validation("One or more parameter values were invalid: " + msg)
		}
	}
	return nil
}

// checkItemValues is checkItemShape without the names: an update's result
// keeps the names its item had, which an earlier spk may have stored.
func checkItemValues(it attr.Item) error {
	if msg := attr.InvalidItem(it); msg != "" {
		return validation(msg)
	}
	if attr.TooDeep(it) {
		return validation(msgNesting)
	}
	if it.Size() > maxItemSize {
		return validation(msgItemSize)
	}
	return nil
}

// maxAttributeNameBytes is the longest attribute name: "at least one
// character long and less than 64 KB" (the developer guide's naming
// rules), 65535 bytes as the service counts.
const maxAttributeNameBytes = 65535

// badAttributeName is why an attribute's name cannot be stored, in the
// words of DynamoDB's validation ("Empty attribute name", "Attribute name
// is too large, must be less than 65536 bytes"), or "".
func badAttributeName(name string) string {
	switch {
	case name == "":
		return "Empty attribute name"
	case len(name) > maxAttributeNameBytes:
		return "Attribute name is too large, must be less than 65536 bytes"
	}
	return ""
}

// checkItem applies the nesting and size limits and the secondary index key
// rules.
func checkItem(it attr.Item, m *tableMeta) error { return checkItemAs(it, m, false) }

// msgUpdateEmptyIndexKey begins the refusal of an update expression that
// leaves an empty secondary index key: DynamoDB words it apart from a
// written item's, names no index, and refuses a transaction with it rather
// than cancelling it.
const msgUpdateEmptyIndexKey = "One or more parameter values are not valid. The update expression attempted to update a secondary index key to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty "

// checkItemAs is checkItem for an item an update expression made (update)
// or one written whole.
func checkItemAs(it attr.Item, m *tableMeta, update bool) error {
	check := checkItemShape
	if update {
		check = checkItemValues // the names the request gave were checked with it
	}
	if err := check(it); err != nil {
		return err
	}
	for _, group := range [][]indexMeta{m.GSIs, m.LSIs} {
		for _, ix := range group {
			for _, k := range ix.KeySchema {
				v, ok := it[k.AttributeName]
				if !ok {
					continue
				}
				want := attrType(m, k.AttributeName)
				if v.Kind.String() != want {
					return validation(fmt.Sprintf("One or more parameter values were invalid: Type mismatch for Index Key %s Expected: %s Actual: %s IndexName: %s", k.AttributeName, want, v.Kind, ix.IndexName))
				}
				if isEmptyKey(v) && update {
					return validation(msgUpdateEmptyIndexKey + emptyKind(v) + " value.")
				}
				if isEmptyKey(v) {
					return emptyIndexKeyError(v, ix.IndexName, k.AttributeName)
				}
				if limit := indexKeyLimit(k.KeyType); len(attr.KeyBytes(v)) > limit {
					return validation(fmt.Sprintf("%s%s Actual Size: %d bytes Max Size: %d bytes IndexName: %s", msgIndexKeySize, k.AttributeName, len(attr.KeyBytes(v)), limit, ix.IndexName))
				}
			}
		}
	}
	return nil
}

func attrType(m *tableMeta, name string) string {
	for _, d := range m.AttributeDefinitions {
		if d.AttributeName == name {
			return d.AttributeType
		}
	}
	return ""
}

// readItem returns the stored item at key, or nil.
func readItem(b *store.Bucket, key []byte) (attr.Item, error) {
	v := b.Get(key)
	if v == nil {
		return nil, nil
	}
	return attr.DecodeItem(v)
}
