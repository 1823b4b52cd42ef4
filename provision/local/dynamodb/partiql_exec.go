package dynamodb

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/dynamodb/expr"
	"github.com/spk-cli/spk/provision/local/dynamodb/partiql"
	"github.com/spk-cli/spk/provision/local/store"
)

// ExecuteStatement runs one PartiQL statement: a SELECT becomes a read of
// one partition (when the WHERE clause gives the partition key) or of the
// whole table or index, and INSERT, UPDATE and DELETE become single-item
// writes through the same commit path as PutItem, UpdateItem and
// DeleteItem.

type executeStatementInput struct {
	Statement                           *string      `json:"Statement"`
	Parameters                          []attr.Value `json:"Parameters"`
	ConsistentRead                      *bool        `json:"ConsistentRead"`
	NextToken                           *string      `json:"NextToken"`
	Limit                               *int         `json:"Limit"`
	ReturnConsumedCapacity              *string      `json:"ReturnConsumedCapacity"`
	ReturnValuesOnConditionCheckFailure *string      `json:"ReturnValuesOnConditionCheckFailure"`
}

const (
	msgIncompleteKey = "Where clause does not contain a mandatory equality on all key attributes"
	msgBadTableName  = "Table name should be within the length [3, 255] and only contain 'a-z', 'A-Z', '0-9', '-', '_', '.'."
	maxStatementLen  = 8192
)

// parseStatement validates a statement and its parameters, parses it and
// binds the parameters. field names the statement in validation messages.
func parseStatement(src *string, params []attr.Value, field string) (partiql.Statement, *binder, error) {
	if src == nil {
		return nil, nil, validation("1 validation error detected: Value null at '" + field + "' failed to satisfy constraint: Member must not be null")
	}
	// The model's length counts characters, not bytes.
	if n := utf8.RuneCountInString(*src); n < 1 || n > maxStatementLen {
		c := "greater than or equal to 1"
		if n > maxStatementLen {
			c = "less than or equal to 8192"
		}
		return nil, nil, validation("1 validation error detected: Value '" + *src + "' at '" + field + "' failed to satisfy constraint: Member must have length " + c)
	}
	if params != nil && len(params) == 0 {
		// The statement's sibling member: "parameters", or
		// "statements.N.member.parameters" in a batch or transaction.
		at := strings.TrimSuffix(field, "statement") + "parameters"
		return nil, nil, validation("1 validation error detected: Value '[]' at '" + at + "' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	for _, p := range params {
		if msg := p.Invalid(); msg != "" {
			return nil, nil, validation(msg)
		}
	}
	parsed, err := partiql.Parse(*src)
	if err != nil {
		if _, ok := err.(*partiql.SyntaxError); ok {
			return nil, nil, validation("Statement wasn't well formed, can't be processed: " + err.Error())
		}
		return nil, nil, validation(err.Error())
	}
	if parsed.Params != len(params) {
		return nil, nil, validation("Number of parameters in request and statement don't match.")
	}
	return parsed.Statement, &binder{params: params}, nil
}

// lookupPQ finds a statement's table; a name DynamoDB could not have is a
// ValidationException with PartiQL's wording.
func (s *Service) lookupPQ(name string) (*table, tableMeta, error) {
	if err := validateTableName(&name, "tableName"); err != nil {
		return nil, tableMeta{}, validation(msgBadTableName)
	}
	return s.lookup(&name)
}

func (s *Service) executeStatement(body []byte) (any, error) {
	var in executeStatementInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var c constraints
	c.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, returnCapacityValues...)
	c.atLeast("limit", in.Limit, 1)
	if err := c.err(); err != nil {
		return nil, err
	}
	returnOld, err := checkOnFailure(in.ReturnValuesOnConditionCheckFailure)
	if err != nil {
		return nil, err
	}
	st, b, err := parseStatement(in.Statement, in.Parameters, "statement")
	if err != nil {
		return nil, err
	}
	if _, ok := st.(*partiql.Exists); ok {
		return nil, validation(msgExistsOutsideTx)
	}
	if sel, ok := st.(*partiql.Select); ok {
		return s.runSelect(sel, b, &in)
	}
	if in.NextToken != nil {
		return nil, validation("Invalid NextToken")
	}
	w, err := s.planWrite(st, b, returnOld)
	if err != nil {
		return nil, err
	}
	res, err := s.commitWrite(w)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"Items": w.returned(res.old, res.new)}
	if c := writeCapacity(in.ReturnConsumedCapacity, w.m.TableName, &w.m, res.old, res.new); c != nil {
		out["ConsumedCapacity"] = c
	}
	return out, nil
}

// pageToken is what a NextToken carries: the request it continues and
// where the next page starts.
type pageToken struct {
	Request string    `json:"r"`
	Key     attr.Item `json:"k"`
}

// requestDigest identifies a statement and its parameters, so a NextToken
// is only accepted for the request that produced it.
func requestDigest(in *executeStatementInput) string {
	b, _ := json.Marshal([]any{in.Statement, in.Parameters})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

func (s *Service) runSelect(st *partiql.Select, b *binder, in *executeStatementInput) (any, error) {
	t, m, err := s.lookupPQ(st.Table)
	if err != nil {
		return nil, err
	}
	consistent := in.ConsistentRead != nil && *in.ConsistentRead
	p := &readPlan{t: t, m: m, table: m.TableName, ihash: t.hash, irng: t.rng, forward: true, capacityRC: in.ReturnConsumedCapacity, consistent: consistent, entryFilter: true}
	if st.Index != "" {
		if err := p.useIndex(st.Index); err != nil {
			return nil, err
		}
		if consistent && isGSI(&m, st.Index) {
			return nil, validation("Strongly consistent read is not supported on Global Secondary Indexes")
		}
		if err := p.selectsProjected(st); err != nil {
			return nil, err
		}
	}
	if in.Limit != nil {
		p.limit = *in.Limit
	}
	p.filter = &expr.Cond{Kind: expr.CondTrue}
	if st.Where != nil {
		if p.filter, err = b.cond(st.Where); err != nil {
			return nil, err
		}
		if decomposedReads(st.Where, p.ihash.Name, p.irng.Name) > maxKeyReads {
			return nil, validation(msgTooManyReads)
		}
		p.key = b.keyAccess(st.Where, p.ihash, p.irng)
		if err := p.filtersProjected(p.key != nil || namesPartitions(st.Where, p.ihash.Name)); err != nil {
			return nil, err
		}
	}
	if err := checkOrderBy(st, p.ihash, p.irng); err != nil {
		return nil, err
	}
	ordered := b.planKeyReads(st, p.ihash, p.irng, p.key != nil)
	if ordered != nil {
		p.key = nil // each Query has its own; run finds where a page resumes
		if ordered.reads() > 1 && (p.limit == 0 || p.limit > keysPageItems) {
			p.limit = keysPageItems
		}
	}
	proj, err := newSelectList(st)
	if err != nil {
		return nil, err
	}
	digest := requestDigest(in)
	if in.NextToken != nil {
		raw, err := base64.RawURLEncoding.DecodeString(*in.NextToken)
		var tok pageToken
		if err != nil || json.Unmarshal(raw, &tok) != nil || tok.Key == nil {
			return nil, validation("Invalid NextToken")
		}
		if tok.Request != digest {
			return nil, validation("NextToken does not match request")
		}
		if err := p.checkStartKey(tok.Key); err != nil {
			return nil, validation("Invalid NextToken")
		}
		p.startKey = tok.Key
	}
	var r *readResult
	err = s.env.DB.View(func(tx *store.Tx) error {
		if ordered != nil {
			r, err = ordered.run(p, tx)
		} else {
			r, err = p.run(tx)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	items := make([]attr.Item, len(r.items))
	for i, it := range r.items {
		items[i] = proj.apply(it)
	}
	out := map[string]any{"Items": items}
	if r.last != nil {
		tok, _ := json.Marshal(pageToken{Request: digest, Key: r.last})
		out["NextToken"] = base64.RawURLEncoding.EncodeToString(tok)
		out["LastEvaluatedKey"] = r.last
	}
	if cc := p.readCapacity(readUnitsOf(r.size, consistent)); cc != nil {
		out["ConsumedCapacity"] = cc
	}
	return out, nil
}

// selectsProjected checks a SELECT's columns against the index it reads: a
// local index fetches the others from the table; a global one cannot, and
// DynamoDB refuses them, listed in the statement's order.
func (p *readPlan) selectsProjected(st *partiql.Select) error {
	if st.Star {
		return nil
	}
	if p.localIndex() {
		p.fetch = true
		return nil
	}
	return p.pathsProjected(st.Paths)
}

// pathsProjected refuses, as DynamoDB does, attributes asked of a global
// index that it does not project: it cannot fetch them from the table.
func (p *readPlan) pathsProjected(paths []expr.Path) error {
	var missing []string
	for _, path := range paths {
		if name := path[0].Name; !p.projected(name) && !slices.Contains(missing, name) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return validation("One or more parameter values were invalid: Global secondary index " + p.index.IndexName + " does not project [" + strings.Join(missing, ", ") + "]")
	}
	return nil
}

// filtersProjected refuses a keyed read of an index whose WHERE clause has
// a top-level condition on an attribute the index does not project:
// DynamoDB does not fetch filter attributes from the table for PartiQL,
// not even through a local index. An index scan is not refused; its
// conditions see the entries as the index holds them.
func (p *readPlan) filtersProjected(keyed bool) error {
	if p.index == nil || !keyed {
		return nil
	}
	var missing []string
	for _, c := range topConjuncts(p.filter) {
		for _, name := range condNames(c) {
			if !p.projected(name) && !slices.Contains(missing, name) {
				missing = append(missing, name)
			}
		}
	}
	if len(missing) > 0 {
		return validation("One or more parameter values were invalid: Secondary index " + p.index.IndexName + " does not project one or more filter attributes: [" + strings.Join(missing, ", ") + "]")
	}
	return nil
}

// topConjuncts splits a condition at its top-level ANDs.
func topConjuncts(c *expr.Cond) []*expr.Cond {
	if c.Kind == expr.CondAnd {
		var out []*expr.Cond
		for _, s := range c.Sub {
			out = append(out, topConjuncts(s)...)
		}
		return out
	}
	return []*expr.Cond{c}
}

// condNames is the top-level attribute names a condition reads, in order.
func condNames(c *expr.Cond) []string {
	var names []string
	for _, o := range c.Operands {
		for _, p := range operandPaths(o) {
			names = append(names, p[0].Name)
		}
	}
	for _, s := range c.Sub {
		names = append(names, condNames(s)...)
	}
	return names
}

// useIndex points a read plan at one of the table's indexes.
func (p *readPlan) useIndex(name string) error {
	for _, group := range [][]indexMeta{p.m.GSIs, p.m.LSIs} {
		for i := range group {
			if group[i].IndexName == name && group[i].IndexStatus != "DELETING" {
				p.index = &group[i]
			}
		}
	}
	if p.index == nil {
		return validation("The table does not have the specified index") // Query names it; PartiQL does not
	}
	if p.index.IndexStatus == "CREATING" {
		return validation("Cannot read from backfilling global secondary index: " + name)
	}
	p.ihash, p.irng = keysOf(p.index.KeySchema, p.m.AttributeDefinitions)
	return nil
}

// selectList is a SELECT's list of paths. A path's value is returned under
// its last attribute name and the list indexes after it, as DynamoDB names
// a selected expression: SELECT a.b returns {"b": ...}, SELECT a.b[0]
// {"b[0]": ...}.
type selectList struct {
	paths []expr.Path
	names []string
}

func newSelectList(st *partiql.Select) (*selectList, error) {
	if st.Star {
		return nil, nil
	}
	p := &selectList{paths: st.Paths}
	seen := map[string]bool{}
	for _, path := range st.Paths {
		name := path[0].Name
		for _, e := range path {
			if e.IsIndex {
				name += "[" + strconv.Itoa(e.Index) + "]"
			} else {
				name = e.Name
			}
		}
		if seen[name] {
			return nil, validation("Duplicate identifiers in select clause: " + name)
		}
		seen[name] = true
		p.names = append(p.names, name)
	}
	return p, nil
}

func (p *selectList) apply(it attr.Item) attr.Item {
	if p == nil {
		return it
	}
	out := attr.Item{}
	for i, path := range p.paths {
		if v, ok := expr.Resolve(it, path); ok {
			out[p.names[i]] = v
		}
	}
	return out
}
