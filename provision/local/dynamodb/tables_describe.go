package dynamodb

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
)

func (s *Service) tableArn(name string) string {
	return "arn:aws:dynamodb:" + s.env.Region + ":" + s.env.AccountID + ":table/" + name
}

type tableNameInput struct {
	TableName *string `json:"TableName"`
}

func (s *Service) describeTable(body []byte) (any, error) {
	return s.readNamedTable(body, func(t *table) (any, error) {
		return map[string]any{"Table": s.describe(t)}, nil
	})
}

// readNamedTable serves a request that names one table (DescribeTable,
// DescribeTimeToLive): it decodes and validates the name and calls read
// with the table under the read lock.
func (s *Service) readNamedTable(body []byte, read func(*table) (any, error)) (any, error) {
	missing := func(name string) error {
		return notFound("Requested resource not found: Table: " + name + " not found")
	}
	return s.readTable(body, missing, read)
}

// readTable is readNamedTable with the operation's own answer for a table
// that does not exist, given the name the request used.
func (s *Service) readTable(body []byte, missing func(name string) error, read func(*table) (any, error)) (any, error) {
	var in tableNameInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := validateTableRef(in.TableName, "tableName"); err != nil {
		return nil, err
	}
	if err := s.foreignTableARN(*in.TableName); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tables[s.tableName(*in.TableName)]
	if !ok {
		return nil, missing(arnTableName(*in.TableName))
	}
	return read(t)
}

// describe renders a TableDescription; the caller holds s.mu.
func (s *Service) describe(t *table) map[string]any {
	m := t.meta
	d := map[string]any{
		"TableName":                 m.TableName,
		"TableId":                   m.TableID,
		"TableArn":                  m.TableArn,
		"TableStatus":               m.TableStatus,
		"CreationDateTime":          m.CreationDateTime,
		"AttributeDefinitions":      sortedDefinitions(m.AttributeDefinitions),
		"KeySchema":                 m.KeySchema,
		"ProvisionedThroughput":     m.capacityHistory.describe(m.Read, m.Write, s.env.Now()),
		"ItemCount":                 t.itemCount.Load(),
		"TableSizeBytes":            t.sizeBytes.Load(),
		"DeletionProtectionEnabled": m.DeletionProtection,
	}
	// The last time the table became on-demand stays in the summary
	// after a switch back, as DynamoDB describes it.
	switch {
	case m.BillingChanging && m.BillingMode == "PAY_PER_REQUEST":
		// The time it became on-demand is given once it has.
		d["BillingModeSummary"] = map[string]any{"BillingMode": m.BillingMode}
	case m.BillingMode == "PAY_PER_REQUEST" || m.LastBillingChange != 0:
		d["BillingModeSummary"] = map[string]any{"BillingMode": m.BillingMode, "LastUpdateToPayPerRequestDateTime": m.LastBillingChange}
	}
	if m.TableStatus == "UPDATING" && m.ThroughputBefore != nil {
		d["ProvisionedThroughput"] = m.capacityHistory.describeChanging(m.ThroughputBefore, s.env.Now())
	}
	if len(m.StreamSpecification) > 0 {
		d["StreamSpecification"] = m.StreamSpecification
	}
	if sse := describeSSE(&m); sse != nil {
		d["SSEDescription"] = sse
	}
	if class := describeTableClass(&m); class != nil {
		d["TableClassSummary"] = class
	}
	if od := m.OnDemand.describe(); od != nil {
		d["OnDemandThroughput"] = od
	}
	if m.LatestStreamArn != "" {
		d["LatestStreamArn"], d["LatestStreamLabel"] = m.LatestStreamArn, m.LatestStreamLabel
	}
	if len(m.GSIs) > 0 {
		var gs []map[string]any
		for i, g := range m.GSIs {
			count, size := t.indexFigures(&m, &m.GSIs[i])
			ix := map[string]any{
				"IndexName": g.IndexName, "KeySchema": g.KeySchema, "Projection": sortedProjection(g.Projection),
				"IndexStatus": g.IndexStatus, "ProvisionedThroughput": g.capacityHistory.describe(g.Read, g.Write, s.env.Now()),
				"IndexSizeBytes": size, "ItemCount": count,
				"IndexArn": m.TableArn + "/index/" + g.IndexName,
			}
			if od := g.OnDemand.describe(); od != nil {
				ix["OnDemandThroughput"] = od
			}
			// An index UpdateTable adds says whether it is backfilling
			// while it is CREATING, as DynamoDB does (see settle).
			if g.IndexStatus == "CREATING" && m.TableStatus != "CREATING" {
				ix["Backfilling"] = g.Backfilling
			}
			gs = append(gs, ix)
		}
		d["GlobalSecondaryIndexes"] = gs
	}
	if len(m.LSIs) > 0 {
		var ls []map[string]any
		for i, l := range m.LSIs {
			count, size := t.indexFigures(&m, &m.LSIs[i])
			ls = append(ls, map[string]any{
				"IndexName": l.IndexName, "KeySchema": l.KeySchema, "Projection": sortedProjection(l.Projection),
				"IndexSizeBytes": size, "ItemCount": count,
				"IndexArn": m.TableArn + "/index/" + l.IndexName,
			})
		}
		d["LocalSecondaryIndexes"] = ls
	}
	return d
}

type listTablesInput struct {
	ExclusiveStartTableName *string `json:"ExclusiveStartTableName"`
	Limit                   *int    `json:"Limit"`
}

func (s *Service) listTables(body []byte) (any, error) {
	var in listTablesInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	limit := 100
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 100 {
			c := "greater than or equal to 1"
			if *in.Limit > 100 {
				c = "less than or equal to 100"
			}
			return nil, validation(fmt.Sprintf("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value %s", *in.Limit, c))
		}
		limit = *in.Limit
	}
	if in.ExclusiveStartTableName != nil {
		if err := validateTableName(in.ExclusiveStartTableName, "exclusiveStartTableName"); err != nil {
			return nil, err
		}
	}
	s.mu.RLock()
	names := attr.SortedKeys(s.tables)
	s.mu.RUnlock()
	start := 0
	if in.ExclusiveStartTableName != nil {
		start = sort.SearchStrings(names, *in.ExclusiveStartTableName)
		if start < len(names) && names[start] == *in.ExclusiveStartTableName {
			start++
		}
	}
	out := map[string]any{}
	page := names[start:]
	if len(page) > limit {
		page = page[:limit]
		out["LastEvaluatedTableName"] = page[len(page)-1]
	}
	if page == nil {
		page = []string{}
	}
	out["TableNames"] = page
	return out, nil
}

// sortedDefinitions is a table's attribute definitions in name order, as
// DynamoDB describes them whatever order they were given in.
func sortedDefinitions(defs []attributeDefinition) []attributeDefinition {
	out := slices.Clone(defs)
	slices.SortFunc(out, func(a, b attributeDefinition) int { return strings.Compare(a.AttributeName, b.AttributeName) })
	return out
}

// sortedProjection is an index's projection with its non-key attributes in
// name order, as DynamoDB describes them.
func sortedProjection(p projection) projection {
	p.NonKeyAttributes = slices.Sorted(slices.Values(p.NonKeyAttributes))
	return p
}

// arnTableName is the table name a reference names, from its ARN when it
// is one: DynamoDB's not-found message names the table.
func arnTableName(ref string) string {
	if _, _, name, ok := tableARN(ref); ok {
		return name
	}
	return ref
}

// summaryModeOnly leaves only the billing mode in an answer's
// BillingModeSummary: CreateTable's and a billing switch's answers carry no
// time, as DynamoDB answers them; DescribeTable does.
func summaryModeOnly(desc map[string]any) {
	if sum, ok := desc["BillingModeSummary"].(map[string]any); ok {
		desc["BillingModeSummary"] = map[string]any{"BillingMode": sum["BillingMode"]}
	}
}
