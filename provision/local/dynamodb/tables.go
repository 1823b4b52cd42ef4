package dynamodb

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
)

var (
	tablesBucket = []byte("dynamodb/tables")
	tokensBucket = []byte("dynamodb/tokens")
)

const itemsBucketPrefix = "dynamodb/items/"

type attributeDefinition struct {
	AttributeName string `json:"AttributeName"`
	AttributeType string `json:"AttributeType"`
}

type keySchemaElement struct {
	AttributeName string `json:"AttributeName"`
	KeyType       string `json:"KeyType"`
}

type projection struct {
	ProjectionType   string   `json:"ProjectionType,omitempty"`
	NonKeyAttributes []string `json:"NonKeyAttributes,omitempty"`
}

type throughput struct {
	ReadCapacityUnits  *int64 `json:"ReadCapacityUnits"`
	WriteCapacityUnits *int64 `json:"WriteCapacityUnits"`
}

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// indexMeta is a secondary index as stored.
type indexMeta struct {
	IndexName   string             `json:"IndexName"`
	KeySchema   []keySchemaElement `json:"KeySchema"`
	Projection  projection         `json:"Projection"`
	IndexStatus string             `json:"IndexStatus,omitempty"`
	Read, Write int64
}

// tableMeta is a table's definition and state as stored.
type tableMeta struct {
	TableName            string
	TableID              string
	TableArn             string
	TableStatus          string
	CreationDateTime     float64
	AttributeDefinitions []attributeDefinition
	KeySchema            []keySchemaElement
	BillingMode          string
	Read, Write          int64
	GSIs                 []indexMeta
	LSIs                 []indexMeta
	Tags                 []tag
	TTLAttribute         string
	TTLStatus            string
	StreamSpecification  json.RawMessage `json:",omitempty"` // normalized; absent when no stream is enabled
	LatestStreamArn      string          `json:",omitempty"`
	LatestStreamLabel    string          `json:",omitempty"`
	DeletionProtection   bool
	LastBillingChange    float64
}

type keyDef struct {
	Name string
	Kind attr.Kind
}

// table is a loaded table: its stored meta (guarded by Service.mu) and what
// the data path needs, derived from it.
type table struct {
	meta       tableMeta
	id         string // meta.TableID, readable without Service.mu
	hash, rng  keyDef // rng.Name is "" for a hash-only table
	bucket     []byte
	itemCount  atomic.Int64
	sizeBytes  atomic.Int64
	generation int // bumps on every meta change, so stale transitions can be ignored

	kdests atomic.Pointer[kinesisDests] // Kinesis streaming destinations; read by the committer without Service.mu
}

func newTable(m tableMeta) *table {
	t := &table{meta: m, id: m.TableID, bucket: []byte(itemsBucketPrefix + m.TableID)}
	t.hash, t.rng = keysOf(m.KeySchema, m.AttributeDefinitions)
	return t
}

func keysOf(ks []keySchemaElement, defs []attributeDefinition) (hash, rng keyDef) {
	kind := func(name string) attr.Kind {
		for _, d := range defs {
			if d.AttributeName == name {
				k, _ := attr.KindFromName(d.AttributeType)
				return k
			}
		}
		return attr.Invalid
	}
	for _, k := range ks {
		if k.KeyType == "HASH" {
			hash = keyDef{k.AttributeName, kind(k.AttributeName)}
		} else {
			rng = keyDef{k.AttributeName, kind(k.AttributeName)}
		}
	}
	return hash, rng
}

// load reads the stored tables and completes transitions a restart cut short.
func (s *Service) load() error {
	return s.env.DB.Update(func(tx *bolt.Tx) error {
		tb, err := tx.CreateBucketIfNotExists(tablesBucket)
		if err != nil {
			return fmt.Errorf("dynamodb: create tables bucket: %w", err)
		}
		if _, err := tx.CreateBucketIfNotExists(tokensBucket); err != nil {
			return fmt.Errorf("dynamodb: create tokens bucket: %w", err)
		}
		for _, name := range [][]byte{streamsBucket, streamOfBucket, streamRecordsBucket} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("dynamodb: create %s bucket: %w", name, err)
			}
		}
		var metas []tableMeta
		err = tb.ForEach(func(k, v []byte) error {
			var m tableMeta
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("dynamodb: stored table %s: %w", k, err)
			}
			metas = append(metas, m)
			return nil
		})
		if err != nil {
			return err
		}
		for _, m := range metas {
			if m.TableStatus == "DELETING" {
				tb.Delete([]byte(m.TableName))
				tx.DeleteBucket([]byte(itemsBucketPrefix + m.TableID))
				continue
			}
			settle(&m)
			if err := s.adoptStoredStreamSpec(tx, &m); err != nil {
				return err
			}
			b, _ := json.Marshal(m)
			tb.Put([]byte(m.TableName), b)
			t := newTable(m)
			if ib := tx.Bucket(t.bucket); ib != nil {
				var n, size int64
				ib.ForEach(func(k, v []byte) error {
					n++
					if it, err := attr.DecodeItem(v); err == nil {
						size += int64(it.Size())
					}
					return nil
				})
				t.itemCount.Store(n)
				t.sizeBytes.Store(size)
			} else if _, err := tx.CreateBucket(t.bucket); err != nil {
				return err
			}
			s.tables[m.TableName] = t
		}
		return nil
	})
}

// settle finishes every pending transition of a table's meta.
func settle(m *tableMeta) {
	m.TableStatus = "ACTIVE"
	var gsis []indexMeta
	for _, g := range m.GSIs {
		if g.IndexStatus == "DELETING" {
			continue
		}
		g.IndexStatus = "ACTIVE"
		gsis = append(gsis, g)
	}
	m.GSIs = gsis
}

func (s *Service) saveMeta(tx *bolt.Tx, m *tableMeta) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return tx.Bucket(tablesBucket).Put([]byte(m.TableName), b)
}

// later runs fn after d unless the service stops first.
func (s *Service) later(d time.Duration, fn func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-timer.C:
			fn()
		case <-s.stop:
		}
	}()
}

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
}

type createTableInput struct {
	TableName              *string               `json:"TableName"`
	AttributeDefinitions   []attributeDefinition `json:"AttributeDefinitions"`
	KeySchema              []keySchemaElement    `json:"KeySchema"`
	BillingMode            *string               `json:"BillingMode"`
	ProvisionedThroughput  *throughput           `json:"ProvisionedThroughput"`
	GlobalSecondaryIndexes []indexInput          `json:"GlobalSecondaryIndexes"`
	LocalSecondaryIndexes  []indexInput          `json:"LocalSecondaryIndexes"`
	Tags                   []tag                 `json:"Tags"`
	StreamSpecification    json.RawMessage       `json:"StreamSpecification"`
	DeletionProtection     *bool                 `json:"DeletionProtectionEnabled"`
}

func validateKeySchema(ks []keySchemaElement, field string) error {
	if ks == nil {
		return validation("1 validation error detected: Value null at '" + field + "' failed to satisfy constraint: Member must not be null")
	}
	if len(ks) == 0 || len(ks) > 2 {
		c := "greater than or equal to 1"
		if len(ks) > 2 {
			c = "less than or equal to 2"
		}
		return validation(fmt.Sprintf("1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: Member must have length %s", ks, field, c))
	}
	for i, k := range ks {
		if k.KeyType != "HASH" && k.KeyType != "RANGE" {
			return validation(fmt.Sprintf("1 validation error detected: Value '%s' at '%s.%d.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]", k.KeyType, field, i+1))
		}
		if k.AttributeName == "" || len(k.AttributeName) > 255 {
			return validation(fmt.Sprintf("1 validation error detected: Value '%s' at '%s.%d.member.attributeName' failed to satisfy constraint: Member must have length greater than or equal to 1", k.AttributeName, field, i+1))
		}
	}
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

func validateProjection(p *projection, index string) (projection, error) {
	if p == nil || p.ProjectionType == "" {
		return projection{}, validation("One or more parameter values were invalid: Unknown ProjectionType: null")
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
		return projection{}, validation("1 validation error detected: Value '" + p.ProjectionType + "' at 'projection.projectionType' failed to satisfy constraint: Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]")
	}
	return *p, nil
}

// buildIndexes validates index inputs against the attribute definitions.
func buildIndexes(in []indexInput, global bool, tableHash, tableRange string, billing string, used map[string]bool, defs map[string]string, seen map[string]bool) ([]indexMeta, error) {
	var out []indexMeta
	if in != nil && len(in) == 0 {
		kind := "LocalSecondaryIndexes"
		if global {
			kind = "GlobalSecondaryIndexes"
		}
		return nil, validation("One or more parameter values were invalid: List of " + kind + " is empty")
	}
	for _, ix := range in {
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
		if err := validateKeySchema(ix.KeySchema, "keySchema"); err != nil {
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
			return nil, validation("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [" + strings.Join(missing, ", ") + "], AttributeDefinitions: [" + strings.Join(attr.SortedKeys(defs), ", ") + "]")
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
		p, err := validateProjection(ix.Projection, name)
		if err != nil {
			return nil, err
		}
		m := indexMeta{IndexName: name, KeySchema: ix.KeySchema, Projection: p}
		if global {
			m.IndexStatus = "ACTIVE"
			r, w, err := validateThroughput(ix.ProvisionedThroughput, billing, name)
			if err != nil {
				return nil, err
			}
			m.Read, m.Write = r, w
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

func (s *Service) createTable(body []byte) (any, error) {
	var in createTableInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkCreateTableMembers(&in); err != nil {
		return nil, err
	}
	if err := validateKeySchema(in.KeySchema, "keySchema"); err != nil {
		return nil, err
	}
	defs := map[string]string{}
	for i, d := range in.AttributeDefinitions {
		if d.AttributeType != "S" && d.AttributeType != "N" && d.AttributeType != "B" {
			return nil, validation(fmt.Sprintf("1 validation error detected: Value '%s' at 'attributeDefinitions.%d.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]", d.AttributeType, i+1))
		}
		if _, dup := defs[d.AttributeName]; dup {
			return nil, validation("Cannot have two attributes with the same name. Attribute name: " + d.AttributeName)
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
	if len(missing) > 0 {
		return nil, validation("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [" + strings.Join(missing, ", ") + "], AttributeDefinitions: [" + strings.Join(attr.SortedKeys(defs), ", ") + "]")
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
	tableRange := ""
	if len(in.KeySchema) == 2 {
		tableRange = in.KeySchema[1].AttributeName
	}
	seen := map[string]bool{}
	lsis, err := buildIndexes(in.LocalSecondaryIndexes, false, in.KeySchema[0].AttributeName, tableRange, billing, used, defs, seen)
	if err != nil {
		return nil, err
	}
	gsis, err := buildIndexes(in.GlobalSecondaryIndexes, true, in.KeySchema[0].AttributeName, tableRange, billing, used, defs, seen)
	if err != nil {
		return nil, err
	}
	if len(used) != len(defs) {
		return nil, validation("One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions")
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
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
		CreationDateTime:     float64(now.UnixMilli()) / 1000,
		AttributeDefinitions: in.AttributeDefinitions,
		KeySchema:            in.KeySchema,
		BillingMode:          billing,
		Read:                 read,
		Write:                write,
		GSIs:                 gsis,
		LSIs:                 lsis,
		Tags:                 mergeTags(nil, in.Tags),
		TTLStatus:            "DISABLED",
	}
	if in.DeletionProtection != nil {
		m.DeletionProtection = *in.DeletionProtection
	}
	if billing == "PAY_PER_REQUEST" {
		m.LastBillingChange = m.CreationDateTime
	}
	for i := range m.GSIs {
		m.GSIs[i].IndexStatus = "CREATING"
	}
	s.mu.Lock()
	if _, exists := s.tables[m.TableName]; exists {
		s.mu.Unlock()
		return nil, inUse("Table already exists: " + m.TableName)
	}
	if s.env.EnforceLimits && len(s.tables) >= 2500 {
		s.mu.Unlock()
		return nil, &apiError{Type: "LimitExceededException", Msg: "Subscriber limit exceeded: There is a limit of 2500 tables per subscriber"}
	}
	t := newTable(m)
	err = s.env.DB.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(t.bucket); err != nil {
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
	gen := t.generation
	s.mu.Unlock()
	s.later(s.env.CreateDelay, func() { s.settleTable(m.TableName, gen) })
	return map[string]any{"TableDescription": desc}, nil
}

// settleTable makes a table ACTIVE (and its indexes) unless it changed since.
func (s *Service) settleTable(name string, gen int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tables[name]
	if !ok || t.generation != gen || t.meta.TableStatus == "DELETING" {
		return
	}
	m := t.meta
	m.GSIs = slices.Clone(m.GSIs)
	settle(&m)
	if err := s.env.DB.Update(func(tx *bolt.Tx) error { return s.saveMeta(tx, &m) }); err != nil {
		s.log.Error("dynamodb: activate table", "table", name, "err", err)
		return
	}
	t.meta = m
	t.generation++
}

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
	var in tableNameInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := validateTableName(in.TableName, "tableName"); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.tables[*in.TableName]
	if !ok {
		return nil, notFound("Requested resource not found: Table: " + *in.TableName + " not found")
	}
	return read(t)
}

func throughputDesc(m tableMeta, r, w int64) map[string]any {
	return map[string]any{"NumberOfDecreasesToday": 0, "ReadCapacityUnits": r, "WriteCapacityUnits": w}
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
		"AttributeDefinitions":      m.AttributeDefinitions,
		"KeySchema":                 m.KeySchema,
		"ProvisionedThroughput":     throughputDesc(m, m.Read, m.Write),
		"ItemCount":                 t.itemCount.Load(),
		"TableSizeBytes":            t.sizeBytes.Load(),
		"DeletionProtectionEnabled": m.DeletionProtection,
	}
	if m.BillingMode == "PAY_PER_REQUEST" {
		d["BillingModeSummary"] = map[string]any{"BillingMode": "PAY_PER_REQUEST", "LastUpdateToPayPerRequestDateTime": m.LastBillingChange}
	} else if m.LastBillingChange != 0 {
		d["BillingModeSummary"] = map[string]any{"BillingMode": "PROVISIONED"}
	}
	if len(m.StreamSpecification) > 0 {
		d["StreamSpecification"] = m.StreamSpecification
	}
	if m.LatestStreamArn != "" {
		d["LatestStreamArn"], d["LatestStreamLabel"] = m.LatestStreamArn, m.LatestStreamLabel
	}
	if len(m.GSIs) > 0 {
		var gs []map[string]any
		for _, g := range m.GSIs {
			gs = append(gs, map[string]any{
				"IndexName": g.IndexName, "KeySchema": g.KeySchema, "Projection": g.Projection,
				"IndexStatus": g.IndexStatus, "ProvisionedThroughput": throughputDesc(m, g.Read, g.Write),
				"IndexSizeBytes": t.sizeBytes.Load(), "ItemCount": t.itemCount.Load(),
				"IndexArn": m.TableArn + "/index/" + g.IndexName,
			})
		}
		d["GlobalSecondaryIndexes"] = gs
	}
	if len(m.LSIs) > 0 {
		var ls []map[string]any
		for _, l := range m.LSIs {
			ls = append(ls, map[string]any{
				"IndexName": l.IndexName, "KeySchema": l.KeySchema, "Projection": l.Projection,
				"IndexSizeBytes": t.sizeBytes.Load(), "ItemCount": t.itemCount.Load(),
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

type gsiUpdate struct {
	Create *indexInput `json:"Create"`
	Update *indexInput `json:"Update"`
	Delete *indexInput `json:"Delete"`
}

type updateTableInput struct {
	TableName                   *string               `json:"TableName"`
	AttributeDefinitions        []attributeDefinition `json:"AttributeDefinitions"`
	BillingMode                 *string               `json:"BillingMode"`
	ProvisionedThroughput       *throughput           `json:"ProvisionedThroughput"`
	GlobalSecondaryIndexUpdates []gsiUpdate           `json:"GlobalSecondaryIndexUpdates"`
	StreamSpecification         json.RawMessage       `json:"StreamSpecification"`
	DeletionProtection          *bool                 `json:"DeletionProtectionEnabled"`
}

func (s *Service) updateTable(body []byte) (any, error) {
	var in updateTableInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkUpdateTableMembers(&in); err != nil {
		return nil, err
	}
	if in.BillingMode == nil && in.ProvisionedThroughput == nil && len(in.GlobalSecondaryIndexUpdates) == 0 && in.StreamSpecification == nil && in.DeletionProtection == nil {
		return nil, validation("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required")
	}
	stream, err := parseStreamSpec(in.StreamSpecification, false)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	t, ok := s.tables[*in.TableName]
	if !ok {
		s.mu.Unlock()
		return nil, notFound("Requested resource not found: Table: " + *in.TableName + " not found")
	}
	if t.meta.TableStatus != "ACTIVE" {
		s.mu.Unlock()
		return nil, inUse("Attempt to change a resource which is still in use: Table is being " + strings.ToLower(t.meta.TableStatus[:len(t.meta.TableStatus)-3]) + "ed: " + *in.TableName)
	}
	m := t.meta
	m.GSIs = slices.Clone(m.GSIs)
	m.AttributeDefinitions = slices.Clone(m.AttributeDefinitions)
	if err := checkStreamUpdate(stream, &m, &in); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	now := s.env.Now()
	if err := applyTableUpdate(&m, &in, now); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	m.TableStatus = "UPDATING"
	err = s.env.DB.Update(func(tx *bolt.Tx) error {
		switch {
		case stream != nil && *stream.StreamEnabled:
			if err := startStream(tx, &m, *stream.StreamViewType, now, s.env.UpdateDelay); err != nil {
				return err
			}
		case stream != nil:
			if err := stopStream(tx, &m, now, s.env.UpdateDelay); err != nil {
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
	t.generation++
	gen := t.generation
	desc := s.describe(t)
	s.mu.Unlock()
	s.later(s.env.UpdateDelay, func() { s.settleTable(m.TableName, gen) })
	return map[string]any{"TableDescription": desc}, nil
}

func applyTableUpdate(m *tableMeta, in *updateTableInput, now time.Time) error {
	billing := m.BillingMode
	if in.BillingMode != nil {
		if *in.BillingMode != "PROVISIONED" && *in.BillingMode != "PAY_PER_REQUEST" {
			return validation("1 validation error detected: Value '" + *in.BillingMode + "' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]")
		}
		if *in.BillingMode != billing {
			m.LastBillingChange = float64(now.UnixMilli()) / 1000
		}
		billing = *in.BillingMode
	}
	if in.ProvisionedThroughput != nil || (in.BillingMode != nil && billing != m.BillingMode) {
		tp := in.ProvisionedThroughput
		if billing == "PROVISIONED" && tp == nil {
			return validation("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
		}
		r, w, err := validateThroughput(tp, billing, "")
		if err != nil {
			return err
		}
		if billing == "PROVISIONED" && r == m.Read && w == m.Write && m.BillingMode == billing && len(in.GlobalSecondaryIndexUpdates) == 0 {
			return validation(fmt.Sprintf("The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: %d. Requested ReadCapacityUnits: %d. Current WriteCapacityUnits provisioned for the table: %d. Requested WriteCapacityUnits: %d. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.", m.Read, r, m.Write, w))
		}
		m.Read, m.Write = r, w
		if billing == "PAY_PER_REQUEST" {
			for i := range m.GSIs {
				m.GSIs[i].Read, m.GSIs[i].Write = 0, 0
			}
		}
	}
	m.BillingMode = billing
	if in.DeletionProtection != nil {
		m.DeletionProtection = *in.DeletionProtection
	}
	defs := map[string]string{}
	for _, d := range m.AttributeDefinitions {
		defs[d.AttributeName] = d.AttributeType
	}
	for _, d := range in.AttributeDefinitions {
		if old, ok := defs[d.AttributeName]; ok && old != d.AttributeType {
			return validation("One or more parameter values were invalid: Cannot change the type of attribute " + d.AttributeName)
		}
		if _, ok := defs[d.AttributeName]; !ok {
			defs[d.AttributeName] = d.AttributeType
			m.AttributeDefinitions = append(m.AttributeDefinitions, d)
		}
	}
	for _, u := range in.GlobalSecondaryIndexUpdates {
		switch {
		case u.Create != nil:
			seen := map[string]bool{}
			for _, g := range m.GSIs {
				seen[g.IndexName] = true
			}
			for _, l := range m.LSIs {
				seen[l.IndexName] = true
			}
			if u.Create.IndexName != nil && seen[*u.Create.IndexName] {
				return validation("One or more parameter values were invalid: Index with name: " + *u.Create.IndexName + " already exists")
			}
			gs, err := buildIndexes([]indexInput{*u.Create}, true, "", "", billing, map[string]bool{}, defs, seen)
			if err != nil {
				return err
			}
			gs[0].IndexStatus = "CREATING"
			m.GSIs = append(m.GSIs, gs[0])
		case u.Delete != nil:
			i := indexOf(m.GSIs, u.Delete.IndexName)
			if i < 0 {
				return notFound("Requested resource not found: Index: " + deref(u.Delete.IndexName) + " not found")
			}
			m.GSIs[i].IndexStatus = "DELETING"
		case u.Update != nil:
			i := indexOf(m.GSIs, u.Update.IndexName)
			if i < 0 {
				return notFound("Requested resource not found: Index: " + deref(u.Update.IndexName) + " not found")
			}
			r, w, err := validateThroughput(u.Update.ProvisionedThroughput, billing, *u.Update.IndexName)
			if err != nil {
				return err
			}
			m.GSIs[i].Read, m.GSIs[i].Write = r, w
			m.GSIs[i].IndexStatus = "UPDATING"
		}
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}

func indexOf(ix []indexMeta, name *string) int {
	if name == nil {
		return -1
	}
	for i, g := range ix {
		if g.IndexName == *name {
			return i
		}
	}
	return -1
}

func (s *Service) deleteTable(body []byte) (any, error) {
	var in tableNameInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := validateTableName(in.TableName, "tableName"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	t, ok := s.tables[*in.TableName]
	if !ok {
		s.mu.Unlock()
		return nil, notFound("Requested resource not found: Table: " + *in.TableName + " not found")
	}
	if t.meta.TableStatus == "CREATING" || t.meta.TableStatus == "UPDATING" || t.meta.TableStatus == "DELETING" {
		st := t.meta.TableStatus
		s.mu.Unlock()
		return nil, inUse("Attempt to change a resource which is still in use: Table is being " + map[string]string{"CREATING": "created", "UPDATING": "updated", "DELETING": "deleted"}[st] + ": " + *in.TableName)
	}
	if t.meta.DeletionProtection {
		s.mu.Unlock()
		return nil, validation("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
	}
	m := t.meta
	m.TableStatus = "DELETING"
	err := s.env.DB.Update(func(tx *bolt.Tx) error {
		// The stream goes DISABLED with the table and stays readable; the
		// DELETING description still shows the specification it had.
		spec := m.StreamSpecification
		if err := stopStream(tx, &m, s.env.Now(), s.env.DeleteDelay); err != nil {
			return err
		}
		m.StreamSpecification = spec
		return s.saveMeta(tx, &m)
	})
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	t.meta = m
	t.generation++
	desc := s.describe(t)
	s.mu.Unlock()
	s.later(s.env.DeleteDelay, func() { s.dropTable(m.TableName, t) })
	return map[string]any{"TableDescription": desc}, nil
}

// dropTable removes a DELETING table and its items.
func (s *Service) dropTable(name string, t *table) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tables[name] != t {
		return
	}
	err := s.env.DB.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(tablesBucket).Delete([]byte(name)); err != nil {
			return err
		}
		if tx.Bucket(t.bucket) != nil {
			return tx.DeleteBucket(t.bucket)
		}
		return nil
	})
	if err != nil {
		s.log.Error("dynamodb: delete table", "table", name, "err", err)
		return
	}
	delete(s.tables, name)
}
