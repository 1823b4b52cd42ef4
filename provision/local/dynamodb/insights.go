package dynamodb

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spk-cli/spk/provision/local/store"
)

// Contributor Insights is described, not performed: spk publishes no
// CloudWatch rules, but a table's or an index's insights are enabled,
// disabled, described and listed as DynamoDB was recorded doing it
// (docs/local-dynamodb.md): ENABLING and DISABLING for the update delay,
// rules named after the table, the index and the moment they were made,
// and DISABLED entries left out of the list.

const (
	insightsAll       = "ACCESSED_AND_THROTTLED_KEYS"
	insightsThrottled = "THROTTLED_KEYS"
)

// insightsState is the Contributor Insights of a table or of one of its
// global indexes.
type insightsState struct {
	Status     string
	Mode       string
	LastUpdate float64 // epoch seconds
	RulesMade  int64   // epoch milliseconds: the rules' names end with it
}

type contributorInsightsInput struct {
	TableName                 *string `json:"TableName"`
	IndexName                 *string `json:"IndexName"`
	ContributorInsightsAction *string `json:"ContributorInsightsAction"`
	ContributorInsightsMode   *string `json:"ContributorInsightsMode"`
}

type listContributorInsightsInput struct {
	TableName  *string `json:"TableName"`
	MaxResults *int    `json:"MaxResults"`
	NextToken  *string `json:"NextToken"`
}

// insightsTarget finds the table t and checks the index named; the key of
// the insights it names ("" for the table's own). The caller holds s.mu.
func (s *Service) insightsTarget(tableRef string, index *string) (*table, string, error) {
	name := s.tableName(tableRef)
	t, ok := s.tables[name]
	if !ok {
		return nil, "", notFound("Requested resource not found: Table: " + arnTableName(tableRef) + " not found")
	}
	if index == nil {
		return t, "", nil
	}
	if indexOf(t.meta.GSIs, index) < 0 {
		return nil, "", notFound("Requested resource not found: Index: " + *index + " not found for table: " + name)
	}
	return t, *index, nil
}

// decodeInsights decodes and checks a Describe- or
// UpdateContributorInsights request; update adds the action and mode.
func decodeInsights(body []byte, update bool) (*contributorInsightsInput, error) {
	var in contributorInsightsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var c constraints
	c.tableRef("tableName", in.TableName)
	c.name("indexName", in.IndexName)
	if update {
		c.notNull("contributorInsightsAction", in.ContributorInsightsAction != nil)
		c.enum("contributorInsightsAction", in.ContributorInsightsAction, "ENABLE", "DISABLE")
		c.enum("contributorInsightsMode", in.ContributorInsightsMode, insightsAll, insightsThrottled)
	}
	return &in, c.err()
}

func (s *Service) describeContributorInsights(body []byte) (any, error) {
	in, err := decodeInsights(body, false)
	if err != nil {
		return nil, err
	}
	if err := s.foreignTableARN(*in.TableName); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, key, err := s.insightsTarget(*in.TableName, in.IndexName)
	if err != nil {
		return nil, err
	}
	return describeInsights(&t.meta, key, true), nil
}

func (s *Service) updateContributorInsights(body []byte) (any, error) {
	in, err := decodeInsights(body, true)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	t, key, err := s.insightsTarget(*in.TableName, in.IndexName)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	m := t.meta
	const invalidState = "Table or Index is not in a valid state to update Key Access Insights: "
	switch i := indexOf(m.GSIs, in.IndexName); {
	case m.TableStatus == "CREATING":
		s.mu.Unlock()
		return nil, validation(invalidState + "TableStatus must be ACTIVE to enable ContributorInsights.")
	case i >= 0 && m.GSIs[i].IndexStatus == "CREATING":
		s.mu.Unlock()
		return nil, validation(invalidState + "IndexStatus must be ACTIVE to enable ContributorInsights.")
	}
	cur := insightsOf(&m, key)
	next := cur
	now := s.env.Now()
	enable := *in.ContributorInsightsAction == "ENABLE"
	mode := insightsAll
	if in.ContributorInsightsMode != nil {
		mode = *in.ContributorInsightsMode
	}
	settled := cur.Status == "ENABLED" || cur.Status == "DISABLED"
	switch {
	case enable && settled && cur.Status == "ENABLED" && cur.Mode == mode, !enable && settled && cur.Status == "DISABLED":
		// Asked for what is: a no-op, answered with the settled status.
		s.mu.Unlock()
		return describeInsights(&m, key, false), nil
	case enable:
		if cur.Status != "ENABLED" && cur.Status != "ENABLING" {
			next.RulesMade = now.UnixMilli()
		}
		next.Status, next.Mode = "ENABLING", mode
	default:
		next.Status = "DISABLING"
	}
	next.LastUpdate = epochSeconds(now)
	m.Insights = setInsights(m.Insights, key, next)
	if err := s.env.DB.Update(func(tx *store.Tx) error { return s.saveMeta(tx, &m) }); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	t.meta = m
	out := describeInsights(&m, key, false)
	s.mu.Unlock()
	s.later(s.env.UpdateDelay, func() { s.settleInsights(t, key, next.LastUpdate) })
	return out, nil
}

// settleInsights ends an ENABLING or DISABLING begun at began, unless
// another change came since.
func (s *Service) settleInsights(t *table, key string, began float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tables[t.meta.TableName] != t {
		return
	}
	m := t.meta
	cur, ok := m.Insights[key]
	if !ok || cur.LastUpdate != began {
		return
	}
	if !cur.finish() {
		return
	}
	m.Insights = setInsights(m.Insights, key, cur)
	if err := s.env.DB.Update(func(tx *store.Tx) error { return s.saveMeta(tx, &m) }); err != nil {
		s.log.Error("dynamodb: settle contributor insights; trying again in a second", "table", m.TableName, "err", err)
		s.later(time.Second, func() { s.settleInsights(t, key, began) })
		return
	}
	t.meta = m
}

// finishInsights ends every ENABLING and DISABLING of a table's insights,
// as a store opened again finishes every transition its timers would have.
func finishInsights(m *tableMeta) {
	for key, st := range m.Insights {
		if st.finish() {
			m.Insights = setInsights(m.Insights, key, st)
		}
	}
}

// finish ends an ENABLING or DISABLING, and reports whether there was one.
func (st *insightsState) finish() bool {
	switch st.Status {
	case "ENABLING":
		st.Status = "ENABLED"
	case "DISABLING":
		st.Status = "DISABLED"
	default:
		return false
	}
	return true
}

func (s *Service) listContributorInsights(body []byte) (any, error) {
	var in listContributorInsightsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	var c constraints
	if in.TableName != nil {
		c.tableRef("tableName", in.TableName)
	}
	c.atLeast("maxResults", in.MaxResults, 0)
	c.atMost("maxResults", in.MaxResults, 100)
	if err := c.err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var tables []*table
	if in.TableName != nil {
		t, ok := s.tables[s.tableName(*in.TableName)]
		if !ok {
			return nil, notFound("Requested resource not found: Table: " + arnTableName(*in.TableName) + " not found")
		}
		tables = []*table{t}
	} else {
		for _, t := range s.tables {
			tables = append(tables, t)
		}
		slices.SortFunc(tables, func(a, b *table) int { return strings.Compare(a.meta.TableName, b.meta.TableName) })
	}
	// Every entry not DISABLED, a table before its indexes; the token is
	// how many entries earlier pages held.
	var all []map[string]any
	for _, t := range tables {
		for _, key := range insightsKeys(&t.meta) {
			st := t.meta.Insights[key]
			if st.Status == "DISABLED" {
				continue
			}
			e := map[string]any{"TableName": t.meta.TableName, "ContributorInsightsStatus": st.Status, "ContributorInsightsMode": st.Mode}
			if key != "" {
				e["IndexName"] = key
			}
			all = append(all, e)
		}
	}
	from := 0
	if in.NextToken != nil {
		n, err := strconv.Atoi(*in.NextToken)
		if err != nil || n < 0 || n > len(all) {
			return nil, validation("Invalid NextToken")
		}
		from = n
	}
	limit := len(all) - from
	if in.MaxResults != nil && *in.MaxResults > 0 && *in.MaxResults < limit {
		limit = *in.MaxResults
	}
	out := map[string]any{"ContributorInsightsSummaries": append([]map[string]any{}, all[from:from+limit]...)}
	if from+limit < len(all) {
		out["NextToken"] = strconv.Itoa(from + limit)
	}
	return out, nil
}

// insightsKeys is the table's own insights key, then its indexes' in the
// order they are described.
func insightsKeys(m *tableMeta) []string {
	keys := []string{""}
	for _, g := range m.GSIs {
		keys = append(keys, g.IndexName)
	}
	return slices.DeleteFunc(keys, func(k string) bool { _, ok := m.Insights[k]; return !ok })
}

// insightsOf is the insights of the table ("") or an index, DISABLED if
// never set.
func insightsOf(m *tableMeta, key string) insightsState {
	if st, ok := m.Insights[key]; ok {
		return st
	}
	return insightsState{Status: "DISABLED"}
}

// setInsights returns a copy of all with key set to st: metas are copied,
// not shared, between a change and its commit.
func setInsights(all map[string]insightsState, key string, st insightsState) map[string]insightsState {
	next := maps.Clone(all)
	if next == nil {
		next = map[string]insightsState{}
	}
	next[key] = st
	return next
}

// describeInsights answers for the table's or an index's insights; rules
// lists the rules of ENABLED insights, as DescribeContributorInsights does.
func describeInsights(m *tableMeta, key string, rules bool) map[string]any {
	st := insightsOf(m, key)
	d := map[string]any{"TableName": m.TableName, "ContributorInsightsStatus": st.Status}
	if key != "" {
		d["IndexName"] = key
	}
	if st.Mode != "" {
		d["ContributorInsightsMode"] = st.Mode
	}
	if rules && st.LastUpdate != 0 {
		d["LastUpdateDateTime"] = st.LastUpdate
	}
	if rules && st.Status == "ENABLED" {
		d["ContributorInsightsRuleList"] = insightsRules(m, key, st)
	}
	return d
}

// insightsRules names the CloudWatch rules DynamoDB makes: the partition
// key's (PK) and, with a sort key, the sort key's (SK), each for the keys
// most accessed (C) and most throttled (T), or throttled only.
func insightsRules(m *tableMeta, key string, st insightsState) []string {
	schema := m.KeySchema
	if i := indexOf(m.GSIs, &key); i >= 0 {
		schema = m.GSIs[i].KeySchema
	}
	keys := []string{"PK"}
	if len(schema) > 1 {
		keys = append(keys, "SK")
	}
	kinds := []string{"C", "T"}
	if st.Mode == insightsThrottled {
		kinds = []string{"T"}
	}
	suffix := m.TableName
	if key != "" {
		suffix += "-" + key
	}
	suffix += "-" + strconv.FormatInt(st.RulesMade, 10)
	var rules []string
	for _, k := range keys {
		for _, kind := range kinds {
			rules = append(rules, "DynamoDBContributorInsights-"+k+kind+"-"+suffix)
		}
	}
	return rules
}
