package dynamodb

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/dynamodb/expr"
)

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
		c.tableRef("tableName", in.TableName)
		c.enum("conditionalOperator", in.ConditionalOperator, conditionalOpValues...)
		c.listLength("attributesToGet", in.AttributesToGet, 1, 255)
		c.atLeast("limit", in.Limit, 1)
		c.filterOperators("keyConditions", in.KeyConditions)
	} else {
		c.atLeast("totalSegments", in.TotalSegments, 1)
		c.atMost("totalSegments", in.TotalSegments, 1000000)
		c.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, returnCapacityValues...)
		c.tableRef("tableName", in.TableName)
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
	// KeyConditions mixes only with KeyConditionExpression: with a filter
	// or projection expression it is taken.
	if err := checkMixed(
		present("ProjectionExpression", set(in.ProjectionExpression), "FilterExpression", set(in.FilterExpression),
			"KeyConditionExpression", isQuery && set(in.KeyConditionExpression)),
		present("AttributesToGet", in.AttributesToGet != nil, filterName, legacyFilter != nil,
			"ConditionalOperator", in.ConditionalOperator != nil,
			"KeyConditions", isQuery && in.KeyConditions != nil && in.KeyConditionExpression != nil)); err != nil {
		return nil, err
	}
	if err := checkConditionalOperator(in.ConditionalOperator, len(legacyFilter)); err != nil {
		return nil, err
	}
	used := present("ProjectionExpression", set(in.ProjectionExpression), "FilterExpression", set(in.FilterExpression), "KeyConditionExpression", isQuery && set(in.KeyConditionExpression))
	valueExprs := present("FilterExpression", set(in.FilterExpression), "KeyConditionExpression", isQuery && set(in.KeyConditionExpression))
	all := []string{"FilterExpression"}
	if isQuery {
		all = nil // Query's refusal names no expression
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
	}
	if in.ProjectionExpression != nil {
		if rc.paths, err = parseProjection(in.ProjectionExpression, params); err != nil {
			return nil, err
		}
	} else if in.AttributesToGet != nil {
		seen := map[string]bool{}
		for _, a := range in.AttributesToGet {
			if seen[a] {
				return nil, validation("One or more parameter values were invalid: Duplicate value in attribute name: " + a)
			}
			seen[a] = true
			rc.paths = append(rc.paths, expr.NamePath(a))
		}
	}
	if err := checkUnused(params); err != nil {
		return nil, err
	}
	if in.Select != nil {
		switch *in.Select {
		case "COUNT":
			switch {
			case in.ProjectionExpression != nil && isQuery:
				// Query's wording has the prefix, Scan's not (DynamoDB's answers).
				return nil, validation("1 validation error detected: Cannot specify the ProjectionExpression when choosing to get only the Count")
			case in.ProjectionExpression != nil:
				return nil, validation("Cannot specify the ProjectionExpression when choosing to get only the Count")
			case rc.paths != nil:
				return nil, validation("Cannot specify the AttributesToGet when choosing to get only the Count")
			}
			rc.count = true
		case "SPECIFIC_ATTRIBUTES":
			if rc.paths == nil {
				msg := "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"
				if isQuery {
					msg = "1 validation error detected: " + msg
				}
				return nil, validation(msg)
			}
		case "ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES":
			// With a projection only SPECIFIC_ATTRIBUTES may be asked for;
			// the answer names the parameter given.
			switch {
			case in.ProjectionExpression != nil:
				return nil, validation("Cannot specify the ProjectionExpression when choosing to get " + *in.Select)
			case rc.paths != nil:
				return nil, validation("Cannot specify the AttributesToGet when choosing to get " + *in.Select)
			case *in.Select == "ALL_PROJECTED_ATTRIBUTES" && in.IndexName == nil:
				return nil, validation("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName")
			}
		}
	}
	if !isQuery && (in.Segment != nil || in.TotalSegments != nil) {
		if in.TotalSegments == nil {
			return nil, validation("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
		}
		if in.Segment == nil {
			return nil, validation("The Segment parameter is required but was not present in the request when parameter TotalSegments is present")
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
	p := &readPlan{t: t, m: m, table: *in.TableName, ihash: t.hash, irng: t.rng, forward: true, capacityRC: in.ReturnConsumedCapacity,
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
		// A local index fetches from the table what it does not project,
		// when the read names attributes or asks for all of them.
		p.fetch = p.localIndex() && (rc.paths != nil || in.Select != nil && *in.Select == "ALL_ATTRIBUTES")
	}
	if in.Limit != nil {
		p.limit = *in.Limit
	}
	if in.ScanIndexForward != nil {
		p.forward = *in.ScanIndexForward
	}
	if isQuery {
		index := ""
		if p.index != nil {
			index = p.index.IndexName
		}
		if p.key, err = buildKeyQuery(rc.conds, p.ihash, p.irng, index); err != nil {
			return nil, err
		}
	}
	if !isQuery && in.TotalSegments != nil {
		p.segment, p.segments = *in.Segment, *in.TotalSegments
	}
	// DynamoDB's order (dynalite's recordings): a Query's key conditions
	// and start key, a path into a key in the projection, its filter on a
	// key and Select; a Scan's Select, start key and path into a key in
	// the projection; then a path into a key in the filter.
	selectAll := func() error {
		if in.Select != nil && *in.Select == "ALL_ATTRIBUTES" && p.index != nil && p.index.Projection.ProjectionType != "ALL" && isGSI(&m, p.index.IndexName) {
			return validation("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index " + p.index.IndexName + " because its projection type is not ALL")
		}
		return nil
	}
	if !isQuery {
		if err := selectAll(); err != nil {
			return nil, err
		}
	}
	if in.ExclusiveStartKey != nil {
		if err := p.checkStartKey(in.ExclusiveStartKey); err != nil {
			return nil, err
		}
		p.startKey = in.ExclusiveStartKey
	}
	keys, indexKeys := []string{t.hash.Name, t.rng.Name}, indexKeyNames(t, &m)
	if err := nestedKeyPath(rc.paths, nil, keys, indexKeys); err != nil {
		return nil, err
	}
	if isQuery && p.filter != nil {
		if name := condKeyAttr(p.filter, p.ihash.Name, p.irng.Name); name != "" {
			if in.FilterExpression == nil { // the legacy QueryFilter
				return nil, validation("QueryFilter can only contain non-primary key attributes: Primary key attribute: " + name)
			}
			return nil, validation("Filter Expression can only contain non-primary key attributes: Primary key attribute: " + name)
		}
		// Neither kind of index fetches a filter's attributes from the
		// table (a local one fetches only what a read asks for), so a
		// Query's filter on what the index does not project is refused.
		// A Scan's filter sees the entries as they are.
		if p.index != nil {
			if err := p.filterProjected(); err != nil {
				return nil, err
			}
		}
	}
	if isQuery {
		if err := selectAll(); err != nil {
			return nil, err
		}
	}
	if p.index != nil && !p.localIndex() {
		// A global index has only what it projects: asking for more is
		// refused rather than answered without it.
		if rc.paths != nil && !rc.count {
			if err := p.pathsProjected(rc.paths); err != nil {
				return nil, err
			}
		}
	}
	if err := nestedKeyPath(nil, p.filter, keys, indexKeys); err != nil {
		return nil, err
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

// nestedKeyPath refuses a path into a key attribute (pk.x, pk[0]) among
// paths or a condition's operands: keys are scalars. keys name the table's
// key attributes, indexKeys its indexes' (indexKeyNames); a path into a
// table key is named first, as DynamoDB checks the table's keys before
// its indexes'.
func nestedKeyPath(paths []expr.Path, c *expr.Cond, keys, indexKeys []string) error {
	var all []expr.Path
	all = append(all, paths...)
	var walk func(c *expr.Cond)
	walk = func(c *expr.Cond) {
		if c == nil {
			return
		}
		for _, o := range c.Operands {
			all = append(all, operandPaths(o)...)
		}
		for _, s := range c.Sub {
			walk(s)
		}
	}
	walk(c)
	for _, set := range []struct {
		names []string
		label string
	}{{keys, "Key"}, {indexKeys, "IndexKey"}} {
		for _, k := range set.names {
			for _, p := range all {
				if len(p) >= 2 && k != "" && p[0].Name == k {
					return validation("Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: " + set.label + ": " + k)
				}
			}
		}
	}
	return nil
}

// indexKeyNames is every key attribute of m's indexes, global then local,
// that is not a key of the table itself: like the table's keys, they are
// scalars no path may reach into, whichever index (or none) a request
// reads.
func indexKeyNames(t *table, m *tableMeta) []string {
	var names []string // a few at most: a slice is cheaper than a set on every read
	for _, group := range [][]indexMeta{m.GSIs, m.LSIs} {
		for _, ix := range group {
			if ix.IndexStatus == "DELETING" {
				continue
			}
			for _, k := range ix.KeySchema {
				if n := k.AttributeName; n != t.hash.Name && n != t.rng.Name && !slices.Contains(names, n) {
					names = append(names, n)
				}
			}
		}
	}
	return names
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

// filterProjected refuses a Query of an index whose filter names an
// attribute the index does not project, listing them sorted, in
// DynamoDB's words.
func (p *readPlan) filterProjected() error {
	var missing []string
	for _, name := range condNames(p.filter) {
		if !p.projected(name) && !slices.Contains(missing, name) {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	return validation("One or more parameter values were invalid: Secondary index " + p.index.IndexName + " does not project one or more filter attributes: [" + strings.Join(missing, ", ") + "]")
}
