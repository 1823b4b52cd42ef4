package dynamodb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"

	bolt "go.etcd.io/bbolt"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/dynamodb/expr"
)

// maxPage is DynamoDB's 1 MB of data read per Query or Scan page.
const maxPage = 1 << 20

type readInput struct {
	TableName                 *string                    `json:"TableName"`
	IndexName                 *string                    `json:"IndexName"`
	Select                    *string                    `json:"Select"`
	AttributesToGet           []string                   `json:"AttributesToGet"`
	Limit                     *int                       `json:"Limit"`
	ConsistentRead            *bool                      `json:"ConsistentRead"`
	ConditionalOperator       *string                    `json:"ConditionalOperator"`
	ExclusiveStartKey         attr.Item                  `json:"ExclusiveStartKey"`
	ReturnConsumedCapacity    *string                    `json:"ReturnConsumedCapacity"`
	ProjectionExpression      *string                    `json:"ProjectionExpression"`
	FilterExpression          *string                    `json:"FilterExpression"`
	ExpressionAttributeNames  map[string]string          `json:"ExpressionAttributeNames"`
	ExpressionAttributeValues map[string]attr.Value      `json:"ExpressionAttributeValues"`
	KeyConditionExpression    *string                    `json:"KeyConditionExpression"`
	KeyConditions             map[string]filterCondition `json:"KeyConditions"`
	QueryFilter               map[string]filterCondition `json:"QueryFilter"`
	ScanFilter                map[string]filterCondition `json:"ScanFilter"`
	ScanIndexForward          *bool                      `json:"ScanIndexForward"`
	Segment                   *int                       `json:"Segment"`
	TotalSegments             *int                       `json:"TotalSegments"`
}

// rangeCond is a sort key condition, compared on order-preserving encodings.
type rangeCond struct {
	op   string // EQ LT LE GT GE BETWEEN BEGINS_WITH
	vals [][]byte
}

func (rc *rangeCond) match(enc []byte) bool {
	if rc == nil {
		return true
	}
	c := bytes.Compare(enc, rc.vals[0])
	switch rc.op {
	case "EQ":
		return c == 0
	case "LT":
		return c < 0
	case "LE":
		return c <= 0
	case "GT":
		return c > 0
	case "GE":
		return c >= 0
	case "BETWEEN":
		return c >= 0 && bytes.Compare(enc, rc.vals[1]) <= 0
	case "BEGINS_WITH":
		return bytes.HasPrefix(enc, rc.vals[0])
	}
	return false
}

// lower is the smallest encoding that can match, for seeking.
func (rc *rangeCond) lower() []byte {
	if rc == nil {
		return nil
	}
	switch rc.op {
	case "EQ", "GT", "GE", "BETWEEN", "BEGINS_WITH":
		return rc.vals[0]
	}
	return nil
}

// beyond reports whether enc is past every match in ascending order.
func (rc *rangeCond) beyond(enc []byte) bool {
	if rc == nil {
		return false
	}
	switch rc.op {
	case "EQ", "LT", "LE":
		return bytes.Compare(enc, rc.vals[0]) > 0
	case "BETWEEN":
		return bytes.Compare(enc, rc.vals[1]) > 0
	case "BEGINS_WITH":
		return bytes.Compare(enc, rc.vals[0]) > 0 && !bytes.HasPrefix(enc, rc.vals[0])
	}
	return false
}

// keyQuery is a validated key condition.
type keyQuery struct {
	hash attr.Value
	rng  *rangeCond
}

type keyCond struct {
	op   string
	vals []attr.Value
}

// keyConditionsFromExpr turns a key condition AST into per-attribute
// conditions, with DynamoDB's messages for unsupported shapes.
func keyConditionsFromExpr(c *expr.Cond, out map[string]keyCond) error {
	switch c.Kind {
	case expr.CondOr, expr.CondNot:
		return validation("Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: " + map[expr.CondKind]string{expr.CondOr: "OR", expr.CondNot: "NOT"}[c.Kind])
	case expr.CondIn:
		return validation("Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: IN")
	case expr.CondAnd:
		for _, s := range c.Sub {
			if s.Kind == expr.CondAnd {
				return validation("Invalid KeyConditionExpression: KeyConditionExpressions cannot contain nested operations")
			}
			if err := keyConditionsFromExpr(s, out); err != nil {
				return err
			}
		}
		return nil
	case expr.CondFunc:
		if c.Op != "begins_with" {
			return validation("Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: " + c.Op)
		}
		if c.Operands[0].Kind != expr.OpPath {
			return validation("Invalid KeyConditionExpression: Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand")
		}
	case expr.CondBetween:
		if c.Operands[0].Kind != expr.OpPath {
			return validation("Invalid KeyConditionExpression: Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand")
		}
	case expr.CondCompare:
		if c.Op == "<>" {
			return validation("Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: <>")
		}
	}
	var name string
	var vals []attr.Value
	swapped := false
	for i, o := range c.Operands {
		switch o.Kind {
		case expr.OpPath:
			if name != "" {
				return validation("Invalid KeyConditionExpression: Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition")
			}
			if len(o.Path) > 1 {
				return validation("Invalid KeyConditionExpression: KeyConditionExpressions cannot have conditions on nested attributes")
			}
			name = o.Path[0].Name
			swapped = i != 0
		case expr.OpSize:
			return validation("Invalid KeyConditionExpression: KeyConditionExpressions cannot contain nested operations")
		default:
			vals = append(vals, o.Value)
		}
	}
	if name == "" {
		return validation("Invalid KeyConditionExpression: Invalid condition in KeyConditionExpression: No key attribute specified")
	}
	if _, dup := out[name]; dup {
		return validation("Invalid KeyConditionExpression: KeyConditionExpressions must only contain one condition per key")
	}
	op := map[string]string{"=": "EQ", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE", "BETWEEN": "BETWEEN", "begins_with": "BEGINS_WITH"}[c.Op]
	if swapped {
		op = map[string]string{"EQ": "EQ", "LT": "GT", "LE": "GE", "GT": "LT", "GE": "LE"}[op]
	}
	out[name] = keyCond{op: op, vals: vals}
	return nil
}

// buildKeyQuery checks per-attribute key conditions against a key schema.
func buildKeyQuery(conds map[string]keyCond, hash, rng keyDef) (*keyQuery, error) {
	h, ok := conds[hash.Name]
	if !ok {
		return nil, validation("Query condition missed key schema element: " + hash.Name)
	}
	for name := range conds {
		if name != hash.Name && name != rng.Name {
			return nil, validation("Query condition missed key schema element: " + firstNonEmpty(rng.Name, hash.Name))
		}
	}
	if h.op != "EQ" {
		return nil, validation("Query key condition not supported")
	}
	if h.vals[0].Kind != hash.Kind {
		return nil, validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
	}
	q := &keyQuery{hash: h.vals[0]}
	if r, ok := conds[rng.Name]; ok && rng.Name != "" {
		for _, v := range r.vals {
			if v.Kind != rng.Kind {
				return nil, validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
			}
		}
		if r.op == "BEGINS_WITH" && rng.Kind == attr.N {
			return nil, validation("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N")
		}
		rc := &rangeCond{op: r.op}
		for _, v := range r.vals {
			rc.vals = append(rc.vals, attr.AppendOrdered(nil, v))
		}
		q.rng = rc
	}
	return q, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// readPlan is what a Query or Scan reads and how it pages.
type readPlan struct {
	t          *table
	m          tableMeta
	index      *indexMeta
	ihash      keyDef // the key schema being read (table or index)
	irng       keyDef
	key        *keyQuery // nil for Scan
	filter     *expr.Cond
	paths      []expr.Path
	count      bool
	limit      int
	forward    bool
	startKey   attr.Item
	segment    int
	segments   int
	capacityRC *string
	consistent bool // ConsistentRead, for ConsumedCapacity
}

type readResult struct {
	items    []attr.Item
	raw      []byte // pageHeadroom bytes, then items already encoded, comma-separated (fast path)
	rawCount int
	scanned  int
	last     attr.Item
	size     int
}

// plain reports whether items are returned exactly as stored, so they can
// be transcoded straight from storage to JSON.
func (p *readPlan) plain() bool {
	return p.filter == nil && p.paths == nil && p.index == nil && !p.count
}

// firstPageBuffer is the starting size of a page's encoded items: most
// pages fit, so the buffer is rarely regrown. The items start after
// pageHeadroom bytes, where the response's opening is written once the
// counts are known; it is longer than that opening can be.
const (
	firstPageBuffer = 16 << 10
	pageHeadroom    = 80
)

// visitStored is visit for the plain case.
func (p *readPlan) visitStored(r *readResult, stored []byte) (bool, error) {
	if r.rawCount > 0 {
		r.raw = append(r.raw, ',')
	} else if r.raw == nil {
		r.raw = make([]byte, pageHeadroom, firstPageBuffer)
	}
	var size int
	var err error
	r.raw, size, err = attr.AppendStoredJSON(r.raw, stored)
	if err != nil {
		return false, err
	}
	r.rawCount++
	r.scanned++
	r.size += size
	if p.limit > 0 && r.scanned >= p.limit || r.size >= maxPage {
		it, err := attr.DecodeItem(stored)
		if err != nil {
			return false, err
		}
		r.last = p.lastKey(it)
		return false, nil
	}
	return true, nil
}

// readChecks is what validating a Query or Scan without its table yields.
type readChecks struct {
	conds  map[string]keyCond // Query's key conditions, by attribute
	filter *expr.Cond
	paths  []expr.Path
	count  bool
}

// checkReadConstraints runs the member checks, in the order DynamoDB
// reports them for each operation.
func checkReadConstraints(in *readInput, isQuery bool) error {
	var c constraints
	c.enum("select", in.Select, selectValues...)
	c.name("indexName", in.IndexName)
	if isQuery {
		c.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, returnCapacityValues...)
		c.filterOperators("queryFilter", in.QueryFilter)
		c.tableName("tableName", in.TableName)
		c.enum("conditionalOperator", in.ConditionalOperator, conditionalOpValues...)
		c.listLength("attributesToGet", in.AttributesToGet, 1, 255)
		c.atLeast("limit", in.Limit, 1)
		c.filterOperators("keyConditions", in.KeyConditions)
	} else {
		c.atLeast("totalSegments", in.TotalSegments, 1)
		c.atMost("totalSegments", in.TotalSegments, 1000000)
		c.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, returnCapacityValues...)
		c.tableName("tableName", in.TableName)
		c.enum("conditionalOperator", in.ConditionalOperator, conditionalOpValues...)
		c.filterOperators("scanFilter", in.ScanFilter)
		c.atLeast("segment", in.Segment, 0)
		c.atMost("segment", in.Segment, 999999)
		c.atLeast("limit", in.Limit, 1)
		c.listLength("attributesToGet", in.AttributesToGet, 1, 255)
	}
	return c.err()
}

// checkRead validates everything a Query or Scan request says that does
// not depend on the table.
func checkRead(in *readInput, isQuery bool) (*readChecks, error) {
	if err := checkReadConstraints(in, isQuery); err != nil {
		return nil, err
	}
	rc := &readChecks{}
	legacyFilter := in.ScanFilter
	filterName := "ScanFilter"
	if isQuery {
		legacyFilter, filterName = in.QueryFilter, "QueryFilter"
	}
	exprSet := map[string]bool{"ProjectionExpression": set(in.ProjectionExpression), "FilterExpression": set(in.FilterExpression)}
	legacySet := map[string]bool{"AttributesToGet": in.AttributesToGet != nil, filterName: legacyFilter != nil}
	if isQuery {
		exprSet["KeyConditionExpression"] = set(in.KeyConditionExpression)
		legacySet["KeyConditions"] = in.KeyConditions != nil && in.KeyConditionExpression != nil
	}
	if err := checkMixed(exprSet, legacySet); err != nil {
		return nil, err
	}
	used := present("ProjectionExpression", set(in.ProjectionExpression), "FilterExpression", set(in.FilterExpression), "KeyConditionExpression", isQuery && set(in.KeyConditionExpression))
	valueExprs := present("FilterExpression", set(in.FilterExpression), "KeyConditionExpression", isQuery && set(in.KeyConditionExpression))
	all := []string{"FilterExpression"}
	if isQuery {
		all = []string{"KeyConditionExpression", "FilterExpression"}
	}
	params, err := exprParams(in.ExpressionAttributeNames, in.ExpressionAttributeValues, used, valueExprs, all)
	if err != nil {
		return nil, err
	}
	if isQuery {
		rc.conds = map[string]keyCond{}
		switch {
		case in.KeyConditionExpression != nil:
			c, err := parseCond("KeyConditionExpression", in.KeyConditionExpression, params)
			if err != nil {
				return nil, err
			}
			if err := keyConditionsFromExpr(c, rc.conds); err != nil {
				return nil, err
			}
		case in.KeyConditions != nil:
			for _, name := range attr.SortedKeys(in.KeyConditions) {
				f := in.KeyConditions[name]
				if _, err := legacyCondition(name, *f.ComparisonOperator, f.AttributeValueList); err != nil {
					return nil, err
				}
				switch *f.ComparisonOperator {
				case "EQ", "LT", "LE", "GT", "GE", "BETWEEN", "BEGINS_WITH":
				default:
					return nil, validation("Attempted conditional constraint is not an indexable operation")
				}
				rc.conds[name] = keyCond{op: *f.ComparisonOperator, vals: f.AttributeValueList}
			}
		default:
			return nil, validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
		}
	}
	if in.FilterExpression != nil {
		if rc.filter, err = parseCond("FilterExpression", in.FilterExpression, params); err != nil {
			return nil, err
		}
	} else if legacyFilter != nil {
		if rc.filter, err = filterConditions(legacyFilter, in.ConditionalOperator); err != nil {
			return nil, err
		}
	} else if in.ConditionalOperator != nil {
		return nil, validation("ConditionalOperator can only be used when Filter or Expected is present")
	}
	if in.ProjectionExpression != nil {
		if rc.paths, err = parseProjection(in.ProjectionExpression, params); err != nil {
			return nil, err
		}
	} else if in.AttributesToGet != nil {
		for _, a := range in.AttributesToGet {
			rc.paths = append(rc.paths, expr.NamePath(a))
		}
	}
	if err := checkUnused(params); err != nil {
		return nil, err
	}
	if in.Select != nil {
		switch *in.Select {
		case "COUNT":
			if rc.paths != nil {
				return nil, validation("Cannot specify the AttributesToGet when choosing to get only the Count")
			}
			rc.count = true
		case "SPECIFIC_ATTRIBUTES":
			if rc.paths == nil {
				return nil, validation("1 validation error detected: Value 'SPECIFIC_ATTRIBUTES' at 'select' failed to satisfy constraint: Member must have AttributesToGet or ProjectionExpression when Select is SPECIFIC_ATTRIBUTES")
			}
		case "ALL_ATTRIBUTES":
			if rc.paths != nil {
				return nil, validation("Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES")
			}
		case "ALL_PROJECTED_ATTRIBUTES":
			if in.IndexName == nil {
				return nil, validation("One or more parameter values were invalid: Select type ALL_PROJECTED_ATTRIBUTES is supported only for index queries")
			}
		}
	}
	if !isQuery && (in.Segment != nil || in.TotalSegments != nil) {
		if in.Segment == nil || in.TotalSegments == nil {
			return nil, validation("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
		}
		if *in.Segment >= *in.TotalSegments {
			return nil, validation(fmt.Sprintf("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: %d is not less than TotalSegments: %d", *in.Segment, *in.TotalSegments))
		}
	}
	return rc, nil
}

// prepareRead validates a Query or Scan, then binds it to its table.
func (s *Service) prepareRead(in *readInput, isQuery bool) (*readPlan, error) {
	rc, err := checkRead(in, isQuery)
	if err != nil {
		return nil, err
	}
	t, m, err := s.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	p := &readPlan{t: t, m: m, ihash: t.hash, irng: t.rng, forward: true, capacityRC: in.ReturnConsumedCapacity,
		consistent: in.ConsistentRead != nil && *in.ConsistentRead, filter: rc.filter, paths: rc.paths, count: rc.count}
	if in.IndexName != nil {
		for _, group := range [][]indexMeta{m.GSIs, m.LSIs} {
			for i := range group {
				if group[i].IndexName == *in.IndexName && group[i].IndexStatus != "DELETING" {
					p.index = &group[i]
				}
			}
		}
		if p.index == nil {
			return nil, validation("The table does not have the specified index: " + *in.IndexName)
		}
		if p.index.IndexStatus == "CREATING" {
			return nil, validation("Cannot read from backfilling global secondary index: " + *in.IndexName)
		}
		p.ihash, p.irng = keysOf(p.index.KeySchema, m.AttributeDefinitions)
		if in.ConsistentRead != nil && *in.ConsistentRead && len(p.index.KeySchema) > 0 && isGSI(&m, p.index.IndexName) {
			return nil, validation("Consistent reads are not supported on global secondary indexes")
		}
	}
	if in.Limit != nil {
		p.limit = *in.Limit
	}
	if in.ScanIndexForward != nil {
		p.forward = *in.ScanIndexForward
	}
	if isQuery {
		if p.key, err = buildKeyQuery(rc.conds, p.ihash, p.irng); err != nil {
			return nil, err
		}
		if in.FilterExpression != nil {
			if name := condKeyAttr(p.filter, p.ihash.Name, p.irng.Name); name != "" {
				return nil, validation("Filter Expression can only contain non-primary key attributes: Primary key attribute: " + name)
			}
		}
	}
	if in.Select != nil && *in.Select == "ALL_ATTRIBUTES" && p.index != nil && p.index.Projection.ProjectionType != "ALL" && isGSI(&m, p.index.IndexName) {
		return nil, validation("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index " + p.index.IndexName + " because its projection type is not ALL")
	}
	if in.ExclusiveStartKey != nil {
		if err := p.checkStartKey(in.ExclusiveStartKey); err != nil {
			return nil, err
		}
		p.startKey = in.ExclusiveStartKey
	}
	if !isQuery && in.TotalSegments != nil {
		p.segment, p.segments = *in.Segment, *in.TotalSegments
	}
	return p, nil
}

func isGSI(m *tableMeta, name string) bool {
	for _, g := range m.GSIs {
		if g.IndexName == name {
			return true
		}
	}
	return false
}

// condKeyAttr returns a key attribute a filter refers to, or "".
func condKeyAttr(c *expr.Cond, keys ...string) string {
	for _, o := range c.Operands {
		for _, p := range operandPaths(o) {
			for _, k := range keys {
				if k != "" && p[0].Name == k {
					return k
				}
			}
		}
	}
	for _, s := range c.Sub {
		if k := condKeyAttr(s, keys...); k != "" {
			return k
		}
	}
	return ""
}

func operandPaths(o *expr.Operand) []expr.Path {
	if o.Kind == expr.OpPath {
		return []expr.Path{o.Path}
	}
	var ps []expr.Path
	for _, a := range o.Args {
		ps = append(ps, operandPaths(a)...)
	}
	return ps
}

func (p *readPlan) keyNames() []keyDef {
	ks := []keyDef{p.t.hash}
	if p.t.rng.Name != "" {
		ks = append(ks, p.t.rng)
	}
	if p.index != nil {
		for _, k := range []keyDef{p.ihash, p.irng} {
			if k.Name != "" && k.Name != p.t.hash.Name && k.Name != p.t.rng.Name {
				ks = append(ks, k)
			}
		}
	}
	return ks
}

func (p *readPlan) checkStartKey(k attr.Item) error {
	if msg := attr.InvalidItem(k); msg != "" {
		return validation(msg)
	}
	ks := p.keyNames()
	if len(k) != len(ks) {
		return validation("The provided starting key is invalid: The provided key element does not match the schema")
	}
	for _, d := range ks {
		v, ok := k[d.Name]
		if !ok || v.Kind != d.Kind {
			return validation("The provided starting key is invalid: The provided key element does not match the schema")
		}
	}
	if p.key != nil && p.index == nil && !attr.Equal(k[p.t.hash.Name], p.key.hash) {
		return validation("The provided starting key is invalid: Exclusive start key must be in the same partition as the query key")
	}
	return nil
}

// lastKey is the LastEvaluatedKey for an item.
func (p *readPlan) lastKey(it attr.Item) attr.Item {
	out := attr.Item{}
	for _, d := range p.keyNames() {
		out[d.Name] = it[d.Name]
	}
	return out
}

// project applies the index projection and then the requested paths.
func (p *readPlan) project(it attr.Item) attr.Item {
	if p.index != nil && p.index.Projection.ProjectionType != "ALL" {
		keep := map[string]bool{}
		for _, d := range p.keyNames() {
			keep[d.Name] = true
		}
		for _, a := range p.index.Projection.NonKeyAttributes {
			keep[a] = true
		}
		out := attr.Item{}
		for k, v := range it {
			if keep[k] {
				out[k] = v
			}
		}
		it = out
	}
	if p.paths != nil {
		return expr.Project(it, p.paths)
	}
	return it
}

// visit accumulates one evaluated item; it reports false when the page is
// full.
func (p *readPlan) visit(r *readResult, it attr.Item) bool {
	r.scanned++
	if p.index != nil {
		// An index read reads the index's entries, not the items.
		r.size += indexEntry(&p.m, p.index, it).Size()
	} else {
		r.size += it.Size()
	}
	if p.filter == nil || p.filter.Eval(it) {
		if p.count {
			r.items = append(r.items, nil)
		} else {
			r.items = append(r.items, p.project(it))
		}
	}
	if p.limit > 0 && r.scanned >= p.limit || r.size >= maxPage {
		r.last = p.lastKey(it)
		return false
	}
	return true
}

func (p *readPlan) run(tx *bolt.Tx) (*readResult, error) {
	b := tx.Bucket(p.t.bucket)
	if b == nil {
		return nil, notFound("Requested resource not found")
	}
	r := &readResult{}
	if p.index != nil {
		return r, p.runIndex(b, r)
	}
	c := b.Cursor()
	var prefix []byte
	if p.key != nil {
		prefix = partitionPrefix(p.key.hash)
	}
	var startKey []byte
	if p.startKey != nil {
		startKey = storageKeyOf(p.t, p.startKey)
	}
	var k, v []byte
	switch {
	case p.forward && startKey != nil:
		k, v = c.Seek(startKey)
		if k != nil && bytes.Equal(k, startKey) {
			k, v = c.Next()
		}
	case p.forward:
		k, v = c.Seek(append(append([]byte{}, prefix...), p.key.rngLower()...))
	case startKey != nil:
		if k, _ = c.Seek(startKey); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	default:
		end := prefixEnd(prefix)
		if end == nil {
			k, v = c.Last()
		} else if k, _ = c.Seek(end); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	}
	step := c.Next
	if !p.forward {
		step = c.Prev
	}
	for ; k != nil; k, v = step() {
		if !bytes.HasPrefix(k, prefix) {
			break
		}
		if p.key != nil && p.key.rng != nil {
			enc := k[len(prefix):]
			if !p.key.rng.match(enc) {
				if p.forward && p.key.rng.beyond(enc) {
					break
				}
				continue
			}
		}
		if p.segments > 1 && segmentOf(hashOfStorageKey(k), p.segments) != p.segment {
			continue
		}
		if p.plain() {
			more, err := p.visitStored(r, v)
			if err != nil {
				return nil, err
			}
			if !more {
				break
			}
			continue
		}
		it, err := attr.DecodeItem(v)
		if err != nil {
			return nil, err
		}
		if !p.visit(r, it) {
			break
		}
	}
	return r, nil
}

func (q *keyQuery) rngLower() []byte {
	if q == nil {
		return nil
	}
	return q.rng.lower()
}

func prefixEnd(prefix []byte) []byte {
	if len(prefix) == 0 {
		return nil
	}
	end := append([]byte{}, prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

func segmentOf(hash []byte, total int) int {
	h := fnv.New32a()
	h.Write(hash)
	return int(h.Sum32() % uint32(total))
}

func storageKeyOf(t *table, it attr.Item) []byte {
	if t.rng.Name == "" {
		return storageKey(it[t.hash.Name], nil)
	}
	r := it[t.rng.Name]
	return storageKey(it[t.hash.Name], &r)
}

// indexRow is an item's position in an index: its index key, then, as
// DynamoDB orders items whose index keys are equal, the table's partition
// key and sort key.
type indexRow struct {
	hash, rng        []byte
	tableHash, table []byte
	item             attr.Item
}

func compareRows(a, b *indexRow) int {
	if c := bytes.Compare(a.hash, b.hash); c != 0 {
		return c
	}
	if c := bytes.Compare(a.rng, b.rng); c != 0 {
		return c
	}
	if c := bytes.Compare(a.tableHash, b.tableHash); c != 0 {
		return c
	}
	return bytes.Compare(a.table, b.table)
}

func (p *readPlan) rowOf(it attr.Item) (*indexRow, bool) {
	h, ok := it[p.ihash.Name]
	if !ok || h.Kind != p.ihash.Kind {
		return nil, false
	}
	row := &indexRow{hash: partitionPrefix(h), item: it, tableHash: attr.AppendOrdered(nil, it[p.t.hash.Name])}
	if p.t.rng.Name != "" {
		row.table = attr.AppendOrdered(nil, it[p.t.rng.Name])
	}
	if p.irng.Name != "" {
		r, ok := it[p.irng.Name]
		if !ok || r.Kind != p.irng.Kind {
			return nil, false
		}
		row.rng = attr.AppendOrdered(nil, r)
	}
	return row, true
}

// runIndex reads an index by sorting the rows it holds; indexes are not
// materialised, which keeps writes cheap.
func (p *readPlan) runIndex(b *bolt.Bucket, r *readResult) error {
	var rows []*indexRow
	c := b.Cursor()
	var prefix []byte
	if p.key != nil && p.ihash.Name == p.t.hash.Name {
		prefix = partitionPrefix(p.key.hash) // a local index: one partition
	}
	var want []byte
	if p.key != nil {
		want = partitionPrefix(p.key.hash)
	}
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		it, err := attr.DecodeItem(v)
		if err != nil {
			return err
		}
		row, ok := p.rowOf(it)
		if !ok {
			continue
		}
		if p.key != nil && (!bytes.Equal(row.hash, want) || !p.key.rng.match(row.rng)) {
			continue
		}
		if p.segments > 1 && segmentOf(row.hash, p.segments) != p.segment {
			continue
		}
		rows = append(rows, row)
	}
	sort.Slice(rows, func(i, j int) bool { return compareRows(rows[i], rows[j]) < 0 })
	if !p.forward {
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
	}
	start := 0
	if p.startKey != nil {
		esk, ok := p.rowOf(p.startKey)
		if ok {
			start = sort.Search(len(rows), func(i int) bool {
				c := compareRows(rows[i], esk)
				if p.forward {
					return c > 0
				}
				return c < 0
			})
		}
	}
	for _, row := range rows[start:] {
		if !p.visit(r, row.item) {
			break
		}
	}
	return nil
}

func (s *Service) read(body []byte, isQuery bool) (any, error) {
	var in readInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	p, err := s.prepareRead(&in, isQuery)
	if err != nil {
		return nil, err
	}
	var r *readResult
	err = s.env.DB.View(func(tx *bolt.Tx) error {
		r, err = p.run(tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	// The items were encoded after room left for this prefix, which is
	// only known now: writing it in place saves copying the page.
	prefix := fmt.Appendf(make([]byte, 0, pageHeadroom), `{"Count":%d,"ScannedCount":%d`, len(r.items)+r.rawCount, r.scanned)
	var b []byte
	if p.count {
		b = prefix
	} else {
		prefix = append(prefix, `,"Items":[`...)
		if r.raw != nil {
			start := pageHeadroom - len(prefix)
			copy(r.raw[start:], prefix)
			b = r.raw[start:]
		} else {
			b = prefix
		}
		for i, it := range r.items {
			if i > 0 || r.rawCount > 0 {
				b = append(b, ',')
			}
			b = attr.AppendItemJSON(b, it)
		}
		b = append(b, ']')
	}
	if r.last != nil {
		b = append(b, `,"LastEvaluatedKey":`...)
		b = attr.AppendItemJSON(b, r.last)
	}
	if cc := p.readCapacity(readUnitsOf(r.size, p.consistent)); cc != nil {
		b = append(b, `,"ConsumedCapacity":`...)
		cb, _ := json.Marshal(cc)
		b = append(b, cb...)
	}
	return rawJSON(append(b, '}')), nil
}

// readCapacity is a page's ConsumedCapacity: a read of an index consumes
// the index's capacity, not the table's.
func (p *readPlan) readCapacity(units float64) map[string]any {
	if p.index == nil || p.capacityRC == nil || *p.capacityRC != "INDEXES" {
		return capacity(p.capacityRC, p.m.TableName, units)
	}
	group := "LocalSecondaryIndexes"
	if isGSI(&p.m, p.index.IndexName) {
		group = "GlobalSecondaryIndexes"
	}
	return map[string]any{"TableName": p.m.TableName, "CapacityUnits": units, "Table": map[string]any{"CapacityUnits": 0},
		group: map[string]any{p.index.IndexName: map[string]any{"CapacityUnits": units}}}
}

func (s *Service) query(body []byte) (any, error) { return s.read(body, true) }
func (s *Service) scan(body []byte) (any, error)  { return s.read(body, false) }
