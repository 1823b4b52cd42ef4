package dynamodb

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/store"
)

var tableNamePattern = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)

// validateTableName returns DynamoDB's message for a bad table name.
func validateTableName(name *string, field string) error {
	if name == nil {
		return validation("1 validation error detected: Value null at '" + field + "' failed to satisfy constraint: Member must not be null")
	}
	var errs []string
	if !tableNamePattern.MatchString(*name) {
		errs = append(errs, "Value '"+*name+"' at '"+field+"' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	}
	if len(*name) < 3 {
		errs = append(errs, "Value '"+*name+"' at '"+field+"' failed to satisfy constraint: Member must have length greater than or equal to 3")
	}
	if len(*name) > 255 {
		errs = append(errs, "Value '"+*name+"' at '"+field+"' failed to satisfy constraint: Member must have length less than or equal to 255")
	}
	return validationErrors(errs)
}

// validationErrors formats Coral's "N validation errors detected" message.
func validationErrors(errs []string) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return validation("1 validation error detected: " + errs[0])
	}
	return validation(strconv.Itoa(len(errs)) + " validation errors detected: " + strings.Join(errs, "; "))
}

type indexInput struct {
	IndexName             *string            `json:"IndexName"`
	KeySchema             []keySchemaElement `json:"KeySchema"`
	Projection            *projection        `json:"Projection"`
	ProvisionedThroughput *throughput        `json:"ProvisionedThroughput"`
	OnDemandThroughput    *onDemandInput     `json:"OnDemandThroughput"`
}

type createTableInput struct {
	TableName              *string               `json:"TableName"`
	AttributeDefinitions   []attributeDefinition `json:"AttributeDefinitions"`
	KeySchema              []keySchemaElement    `json:"KeySchema"`
	BillingMode            *string               `json:"BillingMode"`
	ProvisionedThroughput  *throughput           `json:"ProvisionedThroughput"`
	GlobalSecondaryIndexes []indexInput          `json:"GlobalSecondaryIndexes"`
	LocalSecondaryIndexes  []indexInput          `json:"LocalSecondaryIndexes"`
	Tags                   []tagInput            `json:"Tags"`
	StreamSpecification    json.RawMessage       `json:"StreamSpecification"`
	DeletionProtection     *bool                 `json:"DeletionProtectionEnabled"`
	SSESpecification       *sseSpecification     `json:"SSESpecification"`
	TableClass             *string               `json:"TableClass"`
	OnDemandThroughput     *onDemandInput        `json:"OnDemandThroughput"`
}

// validateKeySchema checks a key schema's members, then its shape.
func validateKeySchema(ks []keySchemaElement, field string) error {
	if err := keySchemaMembers(ks, field); err != nil {
		return err
	}
	return keySchemaShape(ks)
}

// keySchemaMembers checks a key schema's members: its length, key types
// and attribute names.
func keySchemaMembers(ks []keySchemaElement, field string) error {
	if ks == nil {
		return validation("1 validation error detected: Value null at '" + field + "' failed to satisfy constraint: Member must not be null")
	}
	if len(ks) == 0 || len(ks) > 2 {
		c := "greater than or equal to 1"
		if len(ks) > 2 {
			c = "less than or equal to 2"
		}
		return validation(fmt.Sprintf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length %s", keySchemaString(ks), field, c))
	}
	for i, k := range ks {
		if k.KeyType != "HASH" && k.KeyType != "RANGE" {
			return validation(fmt.Sprintf("1 validation error detected: Value '%s' at '%s.%d.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]", k.KeyType, field, i+1))
		}
		if k.AttributeName == "" || len(k.AttributeName) > 255 {
			rule := "greater than or equal to 1"
			if k.AttributeName != "" {
				rule = "less than or equal to 255"
			}
			return validation(fmt.Sprintf("1 validation error detected: Value '%s' at '%s.%d.member.attributeName' failed to satisfy constraint: Member must have length %s", k.AttributeName, field, i+1, rule))
		}
	}
	return nil
}

// keySchemaShape checks a key schema whose members are valid: a HASH key,
// then a RANGE key of another attribute.
func keySchemaShape(ks []keySchemaElement) error {
	if ks[0].KeyType != "HASH" {
		return validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
	}
	if len(ks) == 2 {
		if ks[1].KeyType != "RANGE" {
			return validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
		}
		if ks[0].AttributeName == ks[1].AttributeName {
			return validation("Both the Hash Key and the Range Key element in the KeySchema have the same name")
		}
	}
	return nil
}

// indexThroughput validates a new global index's throughput, with
// DynamoDB's words for CreateTable's indexes and for UpdateTable's.
func indexThroughput(tp *throughput, billing, name string, added bool) (r, w int64, err error) {
	const invalid = "One or more parameter values were invalid: "
	given := tp != nil && (tp.ReadCapacityUnits != nil || tp.WriteCapacityUnits != nil)
	switch {
	case billing == "PAY_PER_REQUEST" && given && !added:
		return 0, 0, validation(invalid + "ProvisionedThroughput should not be specified for index: " + name + " when BillingMode is PAY_PER_REQUEST")
	case billing == "PAY_PER_REQUEST" && given:
		return 0, 0, validation(invalid + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified for index: " + name + " when BillingMode is PAY_PER_REQUEST")
	case billing == "PROVISIONED" && (tp == nil || tp.ReadCapacityUnits == nil || tp.WriteCapacityUnits == nil) && !added:
		return 0, 0, validation(invalid + "ProvisionedThroughput is not specified for index: " + name)
	case billing == "PROVISIONED" && (tp == nil || tp.ReadCapacityUnits == nil || tp.WriteCapacityUnits == nil):
		return 0, 0, validation(invalid + "Both ReadCapacityUnits and WriteCapacityUnits must be specified for index: " + name)
	}
	return validateThroughput(tp, billing, name)
}

func validateThroughput(tp *throughput, billing string, what string) (r, w int64, err error) {
	if billing == "PAY_PER_REQUEST" {
		if tp != nil && (tp.ReadCapacityUnits != nil && *tp.ReadCapacityUnits != 0 || tp.WriteCapacityUnits != nil && *tp.WriteCapacityUnits != 0) {
			return 0, 0, validation("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
		}
		return 0, 0, nil
	}
	if tp == nil || tp.ReadCapacityUnits == nil || tp.WriteCapacityUnits == nil {
		if what != "" {
			return 0, 0, validation("One or more parameter values were invalid: ProvisionedThroughput must be specified for index: " + what)
		}
		return 0, 0, validation("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
	}
	if *tp.ReadCapacityUnits < 1 || *tp.WriteCapacityUnits < 1 {
		return 0, 0, validation(fmt.Sprintf("1 validation error detected: Value '%d' at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1", min(*tp.ReadCapacityUnits, *tp.WriteCapacityUnits)))
	}
	return *tp.ReadCapacityUnits, *tp.WriteCapacityUnits, nil
}

func validateProjection(p *projection, field string) (projection, error) {
	if p == nil || p.ProjectionType == "" {
		return projection{}, validation("One or more parameter values were invalid: Unknown ProjectionType: null")
	}
	for i, a := range p.NonKeyAttributes {
		if slices.Contains(p.NonKeyAttributes[:i], a) {
			return projection{}, validation("One or more parameter values were invalid: Duplicate element in NonKeyAttributes: " + a)
		}
	}
	switch p.ProjectionType {
	case "ALL", "KEYS_ONLY":
		if len(p.NonKeyAttributes) > 0 {
			return projection{}, validation("One or more parameter values were invalid: ProjectionType is " + p.ProjectionType + ", but NonKeyAttributes is specified")
		}
	case "INCLUDE":
		if len(p.NonKeyAttributes) == 0 {
			return projection{}, validation("One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified")
		}
	default:
		return projection{}, validation("1 validation error detected: Value '" + p.ProjectionType + "' at '" + field + ".projectionType' failed to satisfy constraint: Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]")
	}
	return *p, nil
}

// indexBuild is what buildIndexes checks a request's indexes against.
type indexBuild struct {
	global                bool
	tableHash, tableRange string
	billing               string
	used                  map[string]bool   // key attributes seen so far; filled in
	defs                  map[string]string // attribute definitions by name
	defOrder              []string          // their names as the request lists them
	seen                  map[string]bool   // index names seen so far; filled in
	// added: the indexes come from UpdateTable, whose throughput refusals
	// DynamoDB words differently from CreateTable's.
	added bool
	// path is where index i is in the request, as member errors name it
	// ("globalSecondaryIndexes.1.member.").
	path func(i int) string
}

// buildIndexes validates index inputs against the attribute definitions.
// maxProjectedAttributes is how many NonKeyAttributes a table's INCLUDE
// indexes may name together (the same name in two indexes counts twice).
const maxProjectedAttributes = 100

// checkProjectedTotal refuses indexes that name more NonKeyAttributes
// together than DynamoDB allows. (The wording is inferred: AWS documents
// the limit, not its message.)
func checkProjectedTotal(groups ...[]indexMeta) error {
	n := 0
	for _, ixs := range groups {
		for _, ix := range ixs {
			n += len(ix.Projection.NonKeyAttributes)
		}
	}
	if n > maxProjectedAttributes {
		return validation(fmt.Sprintf("One or more parameter values were invalid: Number of projected attributes in all indexes exceeds limit of %d", maxProjectedAttributes))
	}
	return nil
}

func buildIndexes(in []indexInput, b indexBuild) ([]indexMeta, error) {
	global, tableHash, tableRange, billing, used, defs, seen, added, path := b.global, b.tableHash, b.tableRange, b.billing, b.used, b.defs, b.seen, b.added, b.path
	var out []indexMeta
	if in != nil && len(in) == 0 {
		kind := "LocalSecondaryIndexes"
		if global {
			kind = "GlobalSecondaryIndexes"
		}
		return nil, validation("One or more parameter values were invalid: List of " + kind + " is empty")
	}
	for i, ix := range in {
		if ix.IndexName == nil {
			return nil, validation("1 validation error detected: Value null at 'indexName' failed to satisfy constraint: Member must not be null")
		}
		name := *ix.IndexName
		if err := validateTableName(ix.IndexName, "indexName"); err != nil {
			return nil, err
		}
		if seen[name] {
			return nil, validation("One or more parameter values were invalid: Duplicate index name: " + name)
		}
		seen[name] = true
		if err := validateKeySchema(ix.KeySchema, path(i)+"keySchema"); err != nil {
			return nil, err
		}
		var missing []string
		for _, k := range ix.KeySchema {
			used[k.AttributeName] = true
			if _, ok := defs[k.AttributeName]; !ok {
				missing = append(missing, k.AttributeName)
			}
		}
		if len(missing) > 0 {
			return nil, validation("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [" + strings.Join(missing, ", ") + "], AttributeDefinitions: [" + strings.Join(b.definitionNames(), ", ") + "]")
		}
		if !global {
			if tableRange == "" {
				return nil, validation("One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex")
			}
			if len(ix.KeySchema) != 2 {
				return nil, validation("One or more parameter values were invalid: Index KeySchema does not have a range key for index: " + name)
			}
			if ix.KeySchema[0].AttributeName != tableHash {
				return nil, validation("One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: " + name + ". index hash key: " + ix.KeySchema[0].AttributeName + ", table hash key: " + tableHash)
			}
		}
		p, err := validateProjection(ix.Projection, path(i)+"projection")
		if err != nil {
			return nil, err
		}
		m := indexMeta{IndexName: name, KeySchema: ix.KeySchema, Projection: p}
		if global {
			m.IndexStatus = "ACTIVE"
			r, w, err := indexThroughput(ix.ProvisionedThroughput, billing, name, added)
			if err != nil {
				return nil, err
			}
			if err := validateOnDemand(ix.OnDemandThroughput, billing, name, false); err != nil {
				return nil, err
			}
			m.Read, m.Write = r, w
			m.OnDemand = ix.OnDemandThroughput.apply(nil)
		}
		out = append(out, m)
	}
	if !global && len(out) > 5 {
		return nil, validation("One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table limit of 5")
	}
	if global && len(out) > 20 {
		return nil, validation("One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of 20")
	}
	return out, nil
}

// unusedWithIndexes refuses a definition no key schema uses, the table's
// or an index's, when the table has indexes: DynamoDB checks it before any
// index rule, in these words (a table without indexes gets the count
// message later).
func unusedWithIndexes(in *createTableInput, defs map[string]string) error {
	if len(in.GlobalSecondaryIndexes) == 0 && len(in.LocalSecondaryIndexes) == 0 {
		return nil
	}
	schemas := [][]keySchemaElement{in.KeySchema}
	for _, group := range [][]indexInput{in.LocalSecondaryIndexes, in.GlobalSecondaryIndexes} {
		for _, ix := range group {
			schemas = append(schemas, ix.KeySchema)
		}
	}
	used := keyAttributes(schemas...)
	for name := range defs {
		if !used[name] {
			return validation("One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [" +
				strings.Join(definitionOrder(in.AttributeDefinitions), ", ") + "], keys used: [" + strings.Join(attr.SortedKeys(used), ", ") + "]")
		}
	}
	return nil
}

func (s *Service) createTable(body []byte) (any, error) {
	var in createTableInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkCreateTableMembers(&in); err != nil {
		return nil, err
	}
	if err := in.SSESpecification.validate(); err != nil {
		return nil, err
	}
	if err := keySchemaMembers(in.KeySchema, "keySchema"); err != nil {
		return nil, err
	}
	defs := map[string]string{}
	for i, d := range in.AttributeDefinitions {
		if d.AttributeType != "S" && d.AttributeType != "N" && d.AttributeType != "B" {
			return nil, validation(fmt.Sprintf("1 validation error detected: Value '%s' at 'attributeDefinitions.%d.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]", d.AttributeType, i+1))
		}
		if _, dup := defs[d.AttributeName]; dup {
			return nil, validation("Attribute Name is duplicated: " + d.AttributeName)
		}
		defs[d.AttributeName] = d.AttributeType
	}
	used := map[string]bool{}
	var missing []string
	for _, k := range in.KeySchema {
		used[k.AttributeName] = true
		if _, ok := defs[k.AttributeName]; !ok {
			missing = append(missing, k.AttributeName)
		}
	}
	// More key elements than definitions (none at all, or one attribute
	// named twice against its one definition) is DynamoDB's "no
	// definition", before the key schema's shape is looked at.
	if len(in.KeySchema) > len(in.AttributeDefinitions) {
		return nil, validation("Invalid KeySchema: Some index key attribute have no definition")
	}
	if len(missing) > 0 {
		return nil, validation("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [" + strings.Join(missing, ", ") + "], AttributeDefinitions: [" + strings.Join(definitionOrder(in.AttributeDefinitions), ", ") + "]")
	}
	if err := keySchemaShape(in.KeySchema); err != nil {
		return nil, err
	}
	if err := unusedWithIndexes(&in, defs); err != nil {
		return nil, err
	}
	billing := "PROVISIONED"
	if in.BillingMode != nil {
		billing = *in.BillingMode
		if billing != "PROVISIONED" && billing != "PAY_PER_REQUEST" {
			return nil, validation("1 validation error detected: Value '" + billing + "' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]")
		}
	}
	read, write, err := validateThroughput(in.ProvisionedThroughput, billing, "")
	if err != nil {
		return nil, err
	}
	if err := validateOnDemand(in.OnDemandThroughput, billing, "", false); err != nil {
		return nil, err
	}
	var indexes []*indexInput
	for i := range in.GlobalSecondaryIndexes {
		indexes = append(indexes, &in.GlobalSecondaryIndexes[i])
	}
	if err := checkTableLimits(in.ProvisionedThroughput, in.OnDemandThroughput, indexes, s.env.Region); err != nil {
		return nil, err
	}
	tableRange := ""
	if len(in.KeySchema) == 2 {
		tableRange = in.KeySchema[1].AttributeName
	}
	seen := map[string]bool{}
	build := indexBuild{tableHash: in.KeySchema[0].AttributeName, tableRange: tableRange, billing: billing, used: used, defs: defs, defOrder: definitionOrder(in.AttributeDefinitions), seen: seen}
	build.path = memberPath("localSecondaryIndexes")
	lsis, err := buildIndexes(in.LocalSecondaryIndexes, build)
	if err != nil {
		return nil, err
	}
	build.global, build.path = true, memberPath("globalSecondaryIndexes")
	gsis, err := buildIndexes(in.GlobalSecondaryIndexes, build)
	if err != nil {
		return nil, err
	}
	if err := checkProjectedTotal(lsis, gsis); err != nil {
		return nil, err
	}
	if len(used) != len(defs) {
		return nil, validation("One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions")
	}
	tags, err := validateTags(in.Tags)
	if err != nil {
		return nil, err
	}
	// The tag set is held to TagResource's size limit too, or a table made
	// with it could never be tagged again.
	if size := tagSetSize(tags); size > maxTagSetSize {
		return nil, validation(fmt.Sprintf("Tag set size %d bytes is above max size limit of %d bytes", size, maxTagSetSize))
	}
	stream, err := parseStreamSpec(in.StreamSpecification, true)
	if err != nil {
		return nil, err
	}
	now := s.env.Now()
	id := uuid.NewString()
	m := tableMeta{
		TableName:            *in.TableName,
		TableID:              id,
		TableArn:             s.tableArn(*in.TableName),
		TableStatus:          "CREATING",
		CreationDateTime:     epochSeconds(now),
		AttributeDefinitions: in.AttributeDefinitions,
		KeySchema:            in.KeySchema,
		BillingMode:          billing,
		Read:                 read,
		Write:                write,
		GSIs:                 gsis,
		LSIs:                 lsis,
		Tags:                 mergeTags(nil, tags),
		TTLStatus:            "DISABLED",
	}
	if in.DeletionProtection != nil {
		m.DeletionProtection = *in.DeletionProtection
	}
	m.SSE = s.createdSSE(in.SSESpecification)
	if in.TableClass != nil {
		m.Class = &tableClassState{Class: *in.TableClass}
	}
	m.OnDemand = in.OnDemandThroughput.apply(nil)
	if billing == "PAY_PER_REQUEST" {
		m.LastBillingChange = m.CreationDateTime
	}
	for i := range m.GSIs {
		m.GSIs[i].IndexStatus = "CREATING"
	}
	s.mu.Lock()
	if old, exists := s.tables[m.TableName]; exists {
		// Read under the lock: the create delay's timer replaces the meta.
		creating := old.meta.TableStatus == "CREATING"
		s.mu.Unlock()
		if creating {
			return nil, stillInUse("Table is being created: " + m.TableName)
		}
		return nil, inUse("Table already exists: " + m.TableName)
	}
	if s.env.EnforceLimits && len(s.tables) >= 2500 {
		s.mu.Unlock()
		return nil, &apiError{Type: "LimitExceededException", Msg: "Subscriber limit exceeded: There is a limit of 2500 tables per subscriber"}
	}
	t := newTable(m)
	err = s.env.DB.Update(func(tx *store.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(t.bucket); err != nil {
			return err
		}
		if err := syncIndexes(tx, t, &m); err != nil {
			return err
		}
		if stream != nil && *stream.StreamEnabled {
			if err := startStream(tx, &m, *stream.StreamViewType, now, s.env.CreateDelay); err != nil {
				return err
			}
		}
		return s.saveMeta(tx, &m)
	})
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	t.meta = m
	s.tables[m.TableName] = t
	desc := s.describe(t)
	summaryModeOnly(desc)
	gen := t.generation
	s.mu.Unlock()
	s.later(s.env.CreateDelay, func() { s.settleTable(m.TableName, gen) })
	return map[string]any{"TableDescription": desc}, nil
}

// settleTable makes a table ACTIVE, and its indexes but one UpdateTable
// added, unless the table changed since; that one backfills for the update
// delay more.
func (s *Service) settleTable(name string, gen int) {
	s.mu.Lock()
	t, ok := s.tables[name]
	if !ok || t.generation != gen || t.meta.TableStatus == "DELETING" {
		s.mu.Unlock()
		return
	}
	m := t.meta
	m.GSIs = slices.Clone(m.GSIs)
	startedBackfill := slices.ContainsFunc(m.GSIs, func(g indexMeta) bool { return g.IndexStatus == "CREATING" && !g.Backfilling })
	backfilling := settle(&m, true)
	err := s.commitMeta(t, &m)
	s.mu.Unlock()
	if err != nil {
		// Nothing changed: the table stays as it was, and the settle is
		// tried again, as a restart would.
		s.log.Error("dynamodb: activate table; trying again in a second", "table", name, "err", err)
		s.later(time.Second, func() { s.settleTable(name, gen) })
		return
	}
	if backfilling && startedBackfill {
		s.later(s.env.UpdateDelay, func() { s.finishBackfill(name, t) })
	}
}

// finishBackfill makes the index backfilling in t ACTIVE. Only one index
// is built at a time, and a new one cannot be backfilling before this
// backfill's timer fires (it must wait for this index to go, then for its
// own allocation), so the index found is the one this timer is for.
func (s *Service) finishBackfill(name string, t *table) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tables[name] != t || t.meta.TableStatus == "DELETING" {
		return
	}
	m := t.meta
	m.GSIs = slices.Clone(m.GSIs)
	done := false
	for i, g := range m.GSIs {
		if g.IndexStatus == "CREATING" && g.Backfilling {
			m.GSIs[i].IndexStatus, m.GSIs[i].Backfilling, done = "ACTIVE", false, true
		}
	}
	if !done {
		return
	}
	// The generation stays: a change made during the backfill (a
	// throughput change, say) still has its own timer to settle it.
	if err := s.storeMeta(t, &m); err != nil {
		s.log.Error("dynamodb: activate index; trying again in a second", "table", name, "err", err)
		s.later(time.Second, func() { s.finishBackfill(name, t) })
	}
}

// commitMeta stores m as t's meta, with the index entries it implies, and
// makes it current, a new generation that pending settles give way to. The
// caller holds s.mu.
func (s *Service) commitMeta(t *table, m *tableMeta) error {
	if err := s.storeMeta(t, m); err != nil {
		return err
	}
	t.generation++
	return nil
}

// storeMeta stores m as t's meta, with the index entries it implies, and
// makes it current. The caller holds s.mu.
func (s *Service) storeMeta(t *table, m *tableMeta) error {
	err := s.env.DB.Update(func(tx *store.Tx) error {
		if err := syncIndexes(tx, t, m); err != nil {
			return err
		}
		return s.saveMeta(tx, m)
	})
	if err != nil {
		return err
	}
	t.meta = *m
	return nil
}

// memberPath is where index i of a request's list field is, as member
// errors name it.
func memberPath(field string) func(i int) string {
	return func(i int) string { return atIndex(field, i, "") }
}

// definitionNames is the attribute definitions' names in the request's
// order, as DynamoDB lists them in its messages; sorted without one.
func (b indexBuild) definitionNames() []string {
	if b.defOrder != nil {
		return b.defOrder
	}
	return attr.SortedKeys(b.defs)
}

// definitionOrder is the names of defs in order.
func definitionOrder(defs []attributeDefinition) []string {
	names := make([]string, len(defs))
	for i, d := range defs {
		names[i] = d.AttributeName
	}
	return names
}
