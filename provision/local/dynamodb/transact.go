package dynamodb

import (
	"crypto/sha256"
	"encoding/json"
	"strings"
	"time"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/dynamodb/expr"
	"github.com/spk-cli/spk/provision/local/store"
)

// transactAction is the union of the four TransactWriteItems actions.
type transactAction struct {
	TableName        *string                    `json:"TableName"`
	Key              attr.Item                  `json:"Key"`
	Item             attr.Item                  `json:"Item"`
	UpdateExpression *string                    `json:"UpdateExpression"`
	AttributeUpdates map[string]attributeUpdate `json:"-"`
	condInput
}

type transactWriteItem struct {
	ConditionCheck *transactAction `json:"ConditionCheck"`
	Put            *transactAction `json:"Put"`
	Delete         *transactAction `json:"Delete"`
	Update         *transactAction `json:"Update"`
}

type transactWriteInput struct {
	TransactItems               []transactWriteItem `json:"TransactItems"`
	ClientRequestToken          *string             `json:"ClientRequestToken"`
	ReturnConsumedCapacity      *string             `json:"ReturnConsumedCapacity"`
	ReturnItemCollectionMetrics *string             `json:"ReturnItemCollectionMetrics"`
}

// plannedWrite is one validated transaction action.
type plannedWrite struct {
	kind   string
	ref    *string // the table as the request named it
	t      *table
	m      tableMeta
	key    []byte
	keyMap attr.Item
	item   attr.Item // Put
	w      *preparedWrite
	u      *expr.Update
	old    attr.Item
	new    attr.Item
}

// tokenTTL is how long DynamoDB remembers a ClientRequestToken.
const tokenTTL = 10 * time.Minute

func (s *Service) transactWriteItems(body []byte) (any, error) {
	var in transactWriteInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	actions, err := checkTransactWrite(&in)
	if err != nil {
		return nil, err
	}
	plans := make([]*plannedWrite, len(actions))
	// Reasons known before the items are read: a key that does not fit.
	preset := make([]map[string]any, len(actions))
	seen := map[string]bool{}
	for i, a := range actions {
		p, err := s.planAction(a)
		if r := keyReason(err); r != nil {
			preset[i] = r
			continue
		}
		if err != nil {
			return nil, err
		}
		id := p.m.TableName + "\x00" + string(p.key)
		if seen[id] {
			return nil, validation("Transaction request cannot include multiple operations on one item")
		}
		seen[id] = true
		plans[i] = p
	}
	var collections collectionSet
	replayed, prior, err := s.commitTransaction(in.ClientRequestToken, body, func(tx *store.Tx) (error, error) {
		collections = collectionSet{}
		c := newCancellation(len(plans))
		for i, p := range plans {
			if p == nil {
				c.set(i, preset[i])
				continue
			}
			b := tx.Bucket(p.t.bucket)
			if b == nil {
				return notFound("Requested resource not found"), nil
			}
			old, err := readItem(b, p.key)
			if err != nil {
				return nil, err
			}
			p.old, p.new = old, nil
			var fail error
			switch p.kind {
			case "ConditionCheck", "Delete":
				fail = p.w.check(old)
			case "Put":
				fail = p.w.check(old)
				p.new = p.item
			case "Update":
				p.new, fail = applyUpdate(old, p.keyMap, p.w, p.u, &p.m)
				if ae, ok := fail.(*apiError); ok && strings.HasPrefix(ae.Msg, msgUpdateEmptyIndexKey) {
					return fail, nil // the whole request is refused, not cancelled
				}
			}
			c.fail(i, fail)
		}
		if failure := c.err(); failure != nil {
			return failure, nil
		}
		for _, p := range plans {
			if p.kind == "ConditionCheck" {
				continue
			}
			b := tx.Bucket(p.t.bucket)
			if err := s.storeItem(tx, b, p.t, p.key, p.old, p.new); err != nil {
				return nil, err
			}
			if wantsCollectionMetrics(in.ReturnItemCollectionMetrics, &p.m) {
				collections.add(b, p.t, &p.m, p.keyHash())
			}
		}
		return nil, nil
	}, func() []byte { return transactWriteUnits(plans).memo() })
	if err != nil {
		return nil, err
	}
	if replayed {
		out := map[string]any{}
		if cc := replayedCapacity(prior).render(in.ReturnConsumedCapacity, "ReadCapacityUnits"); cc != nil {
			out["ConsumedCapacity"] = cc
		}
		return out, nil
	}
	for _, p := range plans {
		switch p.kind {
		case "Put", "Update":
			p.t.applyCounts(p.old, p.new)
		case "Delete":
			p.t.applyCounts(p.old, nil)
		}
	}
	out := map[string]any{}
	if cc := transactWriteUnits(plans).render(in.ReturnConsumedCapacity, "WriteCapacityUnits"); cc != nil {
		out["ConsumedCapacity"] = cc
	}
	collections.setIn(out)
	return out, nil
}

// keyHash is the partition key value the action writes.
func (p *plannedWrite) keyHash() attr.Value {
	if p.item != nil {
		return p.item[p.t.hash.Name]
	}
	return p.keyMap[p.t.hash.Name]
}

var errAlreadyApplied = &apiError{Type: "already applied"}

// planAction binds a validated action to its table and checks it against
// the key schema.
func (s *Service) planAction(a *checkedAction) (*plannedWrite, error) {
	t, m, err := s.lookup(a.TableName)
	if err != nil {
		return nil, err
	}
	p := &plannedWrite{kind: a.kind, ref: a.TableName, t: t, m: m, w: a.w, u: a.u}
	if a.kind == "Put" {
		if p.key, err = t.keyOfItem(a.Item, &m); err != nil {
			return nil, err
		}
		p.item = a.Item
		return p, nil
	}
	if a.kind == "Update" {
		ui := &updateItemInput{TableName: a.TableName, Key: a.Key, UpdateExpression: a.UpdateExpression, condInput: a.condInput}
		if err := checkUpdatedKeys(t, ui, a.u); err != nil {
			return nil, err
		}
	}
	if p.key, err = t.keyOf(a.Key); err != nil {
		return nil, err
	}
	if a.kind == "Update" {
		if err := checkUpdatePaths(t, &m, a.u); err != nil {
			return nil, err
		}
	}
	p.keyMap = a.Key
	return p, nil
}

type transactGet struct {
	TableName                *string           `json:"TableName"`
	Key                      attr.Item         `json:"Key"`
	ProjectionExpression     *string           `json:"ProjectionExpression"`
	ExpressionAttributeNames map[string]string `json:"ExpressionAttributeNames"`
}

type transactGetInput struct {
	TransactItems []struct {
		Get *transactGet `json:"Get"`
	} `json:"TransactItems"`
	ReturnConsumedCapacity *string `json:"ReturnConsumedCapacity"`
}

func (s *Service) transactGetItems(body []byte) (any, error) {
	var in transactGetInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkTransactGet(&in); err != nil {
		return nil, err
	}
	type get struct {
		t     *table
		name  string // the table as the request named it, which ConsumedCapacity echoes
		key   []byte
		paths []expr.Path
	}
	gets := make([]get, len(in.TransactItems))
	cancel := newCancellation(len(in.TransactItems))
	seen := map[string]bool{}
	for i, ti := range in.TransactItems {
		t, m, err := s.lookup(ti.Get.TableName)
		if err != nil {
			return nil, err
		}
		paths, _, _ := projectionOf(ti.Get.ProjectionExpression, nil, getNames(ti.Get), nil)
		if err := nestedKeyPath(paths, nil, []string{t.hash.Name, t.rng.Name}, indexKeyNames(t, &m)); err != nil {
			return nil, err // as GetItem refuses it
		}
		key, err := t.keyOf(ti.Get.Key)
		if r := keyReason(err); r != nil {
			cancel.set(i, r)
			continue
		}
		if err != nil {
			return nil, err
		}
		id := m.TableName + "\x00" + string(key)
		if seen[id] {
			return nil, validation("Transaction request cannot include multiple operations on one item")
		}
		seen[id] = true
		gets[i] = get{t, *ti.Get.TableName, key, paths}
	}
	if err := cancel.err(); err != nil {
		return nil, err
	}
	responses := make([]map[string]any, len(gets))
	units := tableCapacity{}
	err := s.env.DB.View(func(tx *store.Tx) error {
		size := 0
		for i, g := range gets {
			b := tx.Bucket(g.t.bucket)
			if b == nil {
				return notFound("Requested resource not found")
			}
			it, err := readItem(b, g.key)
			if err != nil {
				return err
			}
			// DynamoDB rejects the whole read above 4 MB of items (the
			// API reference's words; its answer is not recorded).
			if size += it.Size(); size > maxTransactBytes {
				return validation("The aggregate size of the items in the transaction cannot exceed 4 MB")
			}
			// A transactional read costs twice a consistent one, found
			// or not.
			units.addTable(g.name, 2*readUnits(it, true))
			responses[i] = map[string]any{}
			if it != nil && g.paths != nil {
				it = expr.Project(it, g.paths)
			}
			// A projection that leaves nothing answers no Item, as for a
			// missing item.
			if len(it) > 0 {
				responses[i]["Item"] = it
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := map[string]any{"Responses": responses}
	if cc := units.render(in.ReturnConsumedCapacity, "ReadCapacityUnits"); cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out, nil
}

// transactWriteUnits is what a write transaction consumes: two writes
// (prepare and commit) of the larger of each item before and after, as for
// a single-item write; the same for each index entry an action changes.
func transactWriteUnits(plans []*plannedWrite) tableCapacity {
	units := tableCapacity{}
	for _, p := range plans {
		ix := indexUnits{}
		if p.kind != "ConditionCheck" {
			ix = indexWriteUnits(&p.m, p.old, p.new)
		}
		units.add(*p.ref, writeUnits(p.old, p.new), ix, 2)
	}
	return units
}

// canonicalDigest hashes a request independent of its JSON key order, so a
// retry whose maps serialise in another order is the same request.
func canonicalDigest(body []byte) [32]byte {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return sha256.Sum256(body)
	}
	// What a request asks back is not what it asks done: a retry may ask
	// for its capacity another way.
	if m, ok := v.(map[string]any); ok {
		delete(m, "ReturnConsumedCapacity")
	}
	b, _ := json.Marshal(v)
	return sha256.Sum256(b)
}

// keyReason is the cancellation reason of a transaction's item whose key
// does not fit the table (missing, of another type, or over the size
// limits) or whose secondary index key is of another type or over its size
// limit (as a table key over it; the latter inferred): DynamoDB cancels
// such a transaction, where a single-item operation refuses the request. An
// empty key value is still refused.
func keyReason(err error) map[string]any {
	ae, ok := err.(*apiError)
	if !ok || ae.Type != "ValidationException" {
		return nil
	}
	if keyMisfit(ae.Msg) || strings.HasPrefix(ae.Msg, "One or more parameter values were invalid: Type mismatch for Index Key ") || strings.HasPrefix(ae.Msg, msgIndexKeySize) {
		return map[string]any{"Code": "ValidationError", "Message": ae.Msg}
	}
	return nil
}

// keyMisfit reports a refusal of a key that does not fit the table: a key
// attribute missing or of another type, or a key over the size limits.
func keyMisfit(msg string) bool {
	return msg == msgKeySchema || msg == msgHashKeySize || msg == msgRangeKeySize ||
		strings.HasPrefix(msg, "One or more parameter values were invalid: Missing the key ") ||
		strings.HasPrefix(msg, "One or more parameter values were invalid: Type mismatch for key ")
}

// cancellationReason is a failed item's entry in a cancelled transaction's
// CancellationReasons: its code, message and, when asked for, the item.
func cancellationReason(ae *apiError) map[string]any {
	r := map[string]any{"Code": errorCode(ae), "Message": ae.Msg}
	if item, ok := ae.Extra["Item"]; ok {
		r["Item"] = item
	}
	return r
}

// cancellation gathers a transaction's CancellationReasons, one an item,
// {"Code": "None"} for those that pass; one failed item cancels it.
type cancellation struct {
	reasons   []map[string]any
	cancelled bool
}

func newCancellation(n int) *cancellation {
	c := &cancellation{reasons: make([]map[string]any, n)}
	for i := range c.reasons {
		c.reasons[i] = map[string]any{"Code": "None"}
	}
	return c
}

// set gives item i a reason already made, and cancels the transaction.
func (c *cancellation) set(i int, reason map[string]any) {
	c.reasons[i], c.cancelled = reason, true
}

// fail records item i's failure (an *apiError), if any.
func (c *cancellation) fail(i int, err error) {
	if err != nil {
		c.set(i, cancellationReason(err.(*apiError)))
	}
}

// err is the TransactionCanceledException when an item failed.
func (c *cancellation) err() error {
	if !c.cancelled {
		return nil
	}
	return transactionCanceled(c.reasons)
}

// transactionCanceled is the error of a transaction one of whose items
// failed; reasons has an entry per item, {"Code": "None"} for the others.
func transactionCanceled(reasons []map[string]any) error {
	codes := make([]string, len(reasons))
	for i, r := range reasons {
		codes[i] = r["Code"].(string)
	}
	return &apiError{Type: "TransactionCanceledException", Upper: true,
		Msg:   "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]",
		Extra: map[string]any{"CancellationReasons": reasons}}
}

// errorCode is an error's code in CancellationReasons and in a batch
// statement's Error: the type without "Exception", ValidationError for
// validation.
func errorCode(ae *apiError) string {
	if ae.Type == "ValidationException" {
		return "ValidationError"
	}
	return strings.TrimSuffix(ae.Type, "Exception")
}
