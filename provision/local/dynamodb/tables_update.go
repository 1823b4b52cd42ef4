package dynamodb

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spk-cli/spk/provision/local/store"
)

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
	SSESpecification            *sseSpecification     `json:"SSESpecification"`
	OnDemandThroughput          *onDemandInput        `json:"OnDemandThroughput"`
	TableClass                  *string               `json:"TableClass"`
	// WarmThroughput is taken and changes nothing: spk local has no warm
	// throughput to set (docs/local-dynamodb.md). Typed, so that a value
	// of another type is refused as the other members' are.
	WarmThroughput *warmThroughput `json:"WarmThroughput"`
}

type warmThroughput struct {
	ReadUnitsPerSecond  *int64 `json:"ReadUnitsPerSecond"`
	WriteUnitsPerSecond *int64 `json:"WriteUnitsPerSecond"`
}

// warmOnly reports an UpdateTable that asks only for warm throughput.
func warmOnly(in *updateTableInput) bool {
	return in.WarmThroughput != nil &&
		in.BillingMode == nil && in.ProvisionedThroughput == nil && len(in.GlobalSecondaryIndexUpdates) == 0 && in.StreamSpecification == nil &&
		in.DeletionProtection == nil && in.SSESpecification == nil && !in.OnDemandThroughput.given() && in.TableClass == nil
}

func (s *Service) updateTable(body []byte) (any, error) {
	var in updateTableInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkUpdateTableMembers(&in); err != nil {
		return nil, err
	}
	if in.BillingMode == nil && in.ProvisionedThroughput == nil && len(in.GlobalSecondaryIndexUpdates) == 0 && in.StreamSpecification == nil && in.DeletionProtection == nil && in.SSESpecification == nil && !in.OnDemandThroughput.given() && in.TableClass == nil && !warmOnly(&in) {
		return nil, validation("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is required")
	}
	if err := checkIndexUpdates(in.GlobalSecondaryIndexUpdates); err != nil {
		return nil, err
	}
	if in.ProvisionedThroughput != nil && slices.ContainsFunc(in.GlobalSecondaryIndexUpdates, func(u gsiUpdate) bool { return u.Create != nil || u.Delete != nil }) {
		return nil, validation("One or more parameter values were invalid: You cannot create or delete index while updating table IOPS")
	}
	if err := oneConcern(&in); err != nil {
		return nil, err
	}
	var indexes []*indexInput
	for _, u := range in.GlobalSecondaryIndexUpdates {
		indexes = append(indexes, u.Create, u.Update)
	}
	if err := checkTableLimits(in.ProvisionedThroughput, in.OnDemandThroughput, indexes, s.env.Region); err != nil {
		return nil, err
	}
	if err := in.SSESpecification.validate(); err != nil {
		return nil, err
	}
	stream, err := parseStreamSpec(in.StreamSpecification, false)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	t, ok := s.tables[s.tableName(*in.TableName)]
	if !ok {
		s.mu.Unlock()
		return nil, notFound("Requested resource not found: Table: " + *in.TableName + " not found")
	}
	if in.DeletionProtection != nil && (t.meta.TableStatus == "ACTIVE" || t.meta.TableStatus == "UPDATING") {
		defer s.mu.Unlock()
		return s.setDeletionProtection(t, *in.DeletionProtection)
	}
	if warmOnly(&in) && t.meta.TableStatus == "ACTIVE" {
		// Warm throughput alone: taken, nothing to change here.
		defer s.mu.Unlock()
		return map[string]any{"TableDescription": s.describe(t)}, nil
	}
	dropping := slices.ContainsFunc(t.meta.GSIs, func(g indexMeta) bool { return g.IndexStatus == "DELETING" })
	alongside := t.meta.TableStatus == "UPDATING" && (otherIndexesThroughput(&t.meta, &in) || dropping && sameBillingAlone(&t.meta, &in))
	// Refusals are worded under the lock: the update delay's timer
	// replaces the meta.
	if t.meta.TableStatus == "UPDATING" && !alongside {
		err := busyRefusal(&t.meta, &in)
		s.mu.Unlock()
		return nil, err
	}
	if status := t.meta.TableStatus; status != "ACTIVE" && !alongside {
		s.mu.Unlock()
		return nil, stillInUse("Table is being " + strings.ToLower(status[:len(status)-3]) + "ed: " + *in.TableName)
	}
	if err := backfillRefusal(&t.meta, &in); err != nil {
		s.mu.Unlock()
		return nil, err
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
	classAgain := false
	if in.TableClass != nil {
		// A class changes on its own, the table UPDATING meanwhile.
		if changeTableClass(&m, *in.TableClass, epochSeconds(now)) {
			m.TableStatus = "UPDATING"
		} else {
			classAgain = true
		}
	} else if in.SSESpecification != nil {
		// Encryption changes on its own: the table stays ACTIVE while
		// its SSEDescription is UPDATING.
		if err := s.updateSSE(&m, in.SSESpecification); err != nil {
			s.mu.Unlock()
			return nil, err
		}
	} else if !onlyIndexThroughput(&in) && !sameBillingAlone(&t.meta, &in) {
		m.TableStatus = "UPDATING"
		m.StreamChanging = stream != nil
		m.BillingChanging = m.BillingMode != t.meta.BillingMode
		if was := t.meta; was.BillingMode == "PROVISIONED" && m.BillingMode == "PROVISIONED" && (m.Read != was.Read || m.Write != was.Write) {
			m.ThroughputBefore = &throughputBefore{Read: was.Read, Write: was.Write, History: was.capacityHistory}
		}
	}
	err = s.env.DB.Update(func(tx *store.Tx) error {
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
		if err := syncIndexes(tx, t, &m); err != nil {
			return err
		}
		return s.saveMeta(tx, &m)
	})
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	old := t.meta
	t.meta = m
	t.generation++
	gen := t.generation
	desc := s.describe(t)
	if in.OnDemandThroughput.given() {
		// Cleared members are answered as -1, as DynamoDB answers them.
		if od := in.OnDemandThroughput.echo(m.OnDemand); od != nil {
			desc["OnDemandThroughput"] = od
		}
	}
	if sameBillingAlone(&old, &in) || classAgain {
		// DynamoDB answers UPDATING to the mode or class the table has,
		// and the table never leaves ACTIVE.
		desc["TableStatus"] = "UPDATING"
	}
	echoOldThroughput(desc, &old, &m, now)
	if old.BillingMode != m.BillingMode {
		summaryModeOnly(desc)
	}
	s.mu.Unlock()
	s.later(s.env.UpdateDelay, func() { s.settleTable(m.TableName, gen) })
	return map[string]any{"TableDescription": desc}, nil
}

// sameBillingAlone reports an UpdateTable that only asks an on-demand
// table to be on-demand.
func sameBillingAlone(m *tableMeta, in *updateTableInput) bool {
	return in.BillingMode != nil && *in.BillingMode == "PAY_PER_REQUEST" && m.BillingMode == "PAY_PER_REQUEST" &&
		in.ProvisionedThroughput == nil && in.StreamSpecification == nil && len(in.GlobalSecondaryIndexUpdates) == 0 &&
		!in.OnDemandThroughput.given()
}

// onlyIndexThroughput reports an UpdateTable that only changes indexes'
// throughput or the table's on-demand cap: DynamoDB keeps the table ACTIVE,
// the indexes UPDATING.
func onlyIndexThroughput(in *updateTableInput) bool {
	if in.BillingMode != nil || in.ProvisionedThroughput != nil || in.StreamSpecification != nil {
		return false
	}
	for _, u := range in.GlobalSecondaryIndexUpdates {
		if u.Update == nil {
			return false
		}
	}
	return true
}

// echoOldThroughput makes an UpdateTable's answer show the throughput the
// table and its indexes had, with the new change times but the old count
// of decreases, as DynamoDB answers while the change is under way;
// DescribeTable shows the new one. A switch to on-demand answers 0/0 and
// the switch as the last decrease.
func echoOldThroughput(desc map[string]any, old, m *tableMeta, now time.Time) {
	if old.BillingMode != "PROVISIONED" {
		return
	}
	echo := func(h, was capacityHistory, r, w int64) map[string]any {
		return h.describeChanging(&throughputBefore{Read: r, Write: w, History: was}, now)
	}
	if m.BillingMode == "PAY_PER_REQUEST" {
		h := old.capacityHistory
		h.LastDecrease = epochSeconds(now)
		desc["ProvisionedThroughput"] = echo(h, old.capacityHistory, 0, 0)
		return
	}
	desc["ProvisionedThroughput"] = echo(m.capacityHistory, old.capacityHistory, old.Read, old.Write)
	gsis, _ := desc["GlobalSecondaryIndexes"].([]map[string]any)
	for _, d := range gsis {
		name, _ := d["IndexName"].(string)
		i, j := indexOf(old.GSIs, &name), indexOf(m.GSIs, &name)
		if i >= 0 && j >= 0 {
			d["ProvisionedThroughput"] = echo(m.GSIs[j].capacityHistory, old.GSIs[i].capacityHistory, old.GSIs[i].Read, old.GSIs[i].Write)
		}
	}
}

// checkIndexUpdates applies DynamoDB's rules on the list of index updates:
// not empty when given, one action an entry, one entry an index.
func checkIndexUpdates(updates []gsiUpdate) error {
	const invalid = "One or more parameter values were invalid: "
	if updates != nil && len(updates) == 0 {
		return validation(invalid + "List of GlobalSecondaryIndexUpdates is empty")
	}
	seen := map[string]bool{}
	for _, u := range updates {
		var name *string
		actions := 0
		for _, a := range []*indexInput{u.Create, u.Update, u.Delete} {
			if a != nil {
				actions++
				name = a.IndexName
			}
		}
		switch {
		case actions == 0:
			return validation(invalid + "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null")
		case actions > 1:
			return validation(invalid + "Only one global secondary index action is allowed per GlobalSecondaryIndexUpdate object")
		case name != nil && seen[*name]:
			return validation(invalid + "Only one global secondary index update per index is allowed simultaneously. Index: " + *name)
		case name != nil:
			seen[*name] = true
		}
	}
	return nil
}

// busyRefusal is why an UpdateTable cannot change a table that is being
// updated, in the words DynamoDB uses for what is under way and what the
// request asks: a throughput change, an index built or dropped, a stream
// enabled or disabled.
func busyRefusal(m *tableMeta, in *updateTableInput) error {
	iops := in.BillingMode != nil || in.ProvisionedThroughput != nil
	indexes := slices.ContainsFunc(in.GlobalSecondaryIndexUpdates, func(u gsiUpdate) bool { return u.Create != nil || u.Delete != nil })
	var creating, deleting []string
	for _, g := range m.GSIs {
		switch {
		case g.IndexStatus == "CREATING" && !g.Backfilling:
			// A backfilling index no longer holds the table (see settle).
			creating = append(creating, g.IndexName)
		case g.IndexStatus == "DELETING":
			deleting = append(deleting, g.IndexName)
		}
	}
	// An update naming the index being dropped is told so first.
	for _, u := range in.GlobalSecondaryIndexUpdates {
		for _, a := range []*indexInput{u.Create, u.Delete, u.Update} {
			if a != nil && a.IndexName != nil && slices.Contains(deleting, *a.IndexName) {
				return stillInUse("Index is being deleted. Table: " + m.TableName + " Index: " + *a.IndexName)
			}
		}
	}
	list := func(names []string) string { return "[" + strings.Join(names, ", ") + "]" }
	// Neither an index nor the stream: the throughput is what is changing.
	iopsUnderWay := len(creating) == 0 && len(deleting) == 0 && !m.StreamChanging
	switch {
	case len(creating) > 0 && iops:
		return stillInUse("Can't change table IOPS when an index is being created. Table: " + m.TableName + " Indexes: " + list(creating))
	case len(deleting) > 0 && iops:
		return stillInUse("Can't change table IOPS when an index is being deleted. Table: " + m.TableName + " Indexes: " + list(deleting))
	case len(creating) > 0 && in.OnDemandThroughput.given():
		return stillInUse("OnDemandThroughput cannot be updated while index creation is in progress for indexes: " + list(creating))
	case len(deleting) > 0 && in.OnDemandThroughput.given():
		return stillInUse("OnDemandThroughput cannot be updated while index deletion is in progress for indexes: " + list(deleting))
	case m.StreamChanging && in.OnDemandThroughput.given():
		return stillInUse("OnDemandThroughput cannot be updated while stream status update is in progress")
	case m.BillingChanging && in.OnDemandThroughput.given() && m.BillingMode == "PAY_PER_REQUEST":
		// The switch is from PROVISIONED, which caps are checked against.
		return validation("One or more parameter values were invalid: MaxReadRequestUnits for OnDemandThroughput cannot be specified when the table BillingMode is PROVISIONED")
	case m.BillingChanging && in.OnDemandThroughput.given():
		return stillInUse("OnDemandThroughput cannot be updated while BillingMode update is in progress")
	case len(creating) > 0 && in.StreamSpecification != nil:
		return stillInUse("Can't change stream status when an index is being created")
	case len(deleting) > 0 && (indexes || len(in.GlobalSecondaryIndexUpdates) > 0):
		return onlyOneOnlineIndex()
	case len(creating) > 0 && (indexes || len(in.GlobalSecondaryIndexUpdates) > 0):
		// The index being built cannot be dropped or changed until it
		// backfills.
		for _, u := range in.GlobalSecondaryIndexUpdates {
			switch {
			case u.Delete != nil && u.Delete.IndexName != nil && slices.Contains(creating, *u.Delete.IndexName):
				return stillInUse("Index creation is in resource allocation phase. Retry deletion during backfilling phase or when the index is active. Table: " + m.TableName + " Index: " + *u.Delete.IndexName)
			case u.Update != nil && u.Update.IndexName != nil && slices.Contains(creating, *u.Update.IndexName):
				return stillInUse("Index is being created but is not backfilling yet. Table: " + m.TableName + " Index: " + *u.Update.IndexName)
			}
		}
		return onlyOneOnlineIndex()
	case m.StreamChanging && indexes:
		return stillInUse("Can't create or delete an index when stream status is being updated.")
	case m.Class != nil && m.Class.Next != "" && indexes:
		return stillInUse("Can't create or delete an index when a table class update is in progress.")
	case iopsUnderWay && iops:
		return stillInUse("Table IOPS are currently being updated. Table: " + m.TableName)
	case iopsUnderWay && in.StreamSpecification != nil:
		return stillInUse("Can't enable or disable stream while table IOPS are being updated. Table: " + m.TableName)
	case iopsUnderWay && indexes:
		return stillInUse("Can't create or delete indexes while table IOPS are being updated. Table: " + m.TableName)
	}
	return stillInUse("Table is being updated: " + m.TableName)
}

// onlyOneOnlineIndex is DynamoDB's refusal of a second index built or
// dropped while one is.
func onlyOneOnlineIndex() error {
	return &apiError{Type: "LimitExceededException", Msg: "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"}
}

// otherIndexesThroughput reports an UpdateTable that DynamoDB admits while
// an index is being built or dropped: one that changes only the
// throughput of other indexes.
func otherIndexesThroughput(m *tableMeta, in *updateTableInput) bool {
	busy := slices.ContainsFunc(m.GSIs, func(g indexMeta) bool { return g.IndexStatus == "CREATING" || g.IndexStatus == "DELETING" })
	if !busy || len(in.GlobalSecondaryIndexUpdates) == 0 || !onlyIndexThroughput(in) || in.OnDemandThroughput.given() || in.SSESpecification != nil || in.DeletionProtection != nil {
		return false
	}
	for _, u := range in.GlobalSecondaryIndexUpdates {
		if i := indexOf(m.GSIs, u.Update.IndexName); i >= 0 && m.GSIs[i].IndexStatus != "ACTIVE" {
			return false
		}
	}
	return true
}

// backfillRefusal is why an UpdateTable cannot change an ACTIVE table one
// of whose indexes is backfilling (see settle), in DynamoDB's words, or
// nil. The backfilling index may be dropped or its throughput changed, and
// other indexes' and the table's throughput changed, as DynamoDB admits
// them then; no other index built or dropped, no stream changed and no
// on-demand cap.
func backfillRefusal(m *tableMeta, in *updateTableInput) error {
	i := slices.IndexFunc(m.GSIs, func(g indexMeta) bool { return g.IndexStatus == "CREATING" && g.Backfilling })
	if i < 0 {
		return nil
	}
	building := m.GSIs[i].IndexName
	for _, u := range in.GlobalSecondaryIndexUpdates {
		if u.Create != nil || u.Delete != nil && deref(u.Delete.IndexName) != building {
			return onlyOneOnlineIndex()
		}
	}
	switch {
	case in.StreamSpecification != nil:
		return stillInUse("Can't change stream status when an index is being created")
	case in.OnDemandThroughput.given():
		return stillInUse("OnDemandThroughput cannot be updated while index creation is in progress for indexes: [" + building + "]")
	}
	return nil
}

// oneConcern refuses an UpdateTable that changes encryption or deletion
// protection along with anything else, in DynamoDB's words; encryption is
// named first when both are, and either before an on-demand cap, which
// goes alone or with a billing mode.
func oneConcern(in *updateTableInput) error {
	others := in.BillingMode != nil || in.ProvisionedThroughput != nil || len(in.GlobalSecondaryIndexUpdates) > 0 || in.StreamSpecification != nil || in.OnDemandThroughput.given()
	switch {
	case in.SSESpecification != nil && (others || in.DeletionProtection != nil || in.TableClass != nil):
		return validation("One or more parameter values were invalid: Server-Side Encryption modification must be the only operation in the request")
	case in.TableClass != nil && (others || in.DeletionProtection != nil):
		return validation("One or more parameter values were invalid: TableClass modification must be the only operation in the request")
	case in.DeletionProtection != nil && others:
		return validation("One or more parameter values were invalid: DeletionProtection modification must be the only operation in the request")
	case in.OnDemandThroughput.given() && (in.ProvisionedThroughput != nil || len(in.GlobalSecondaryIndexUpdates) > 0 || in.StreamSpecification != nil):
		return validation("One or more parameter values were invalid: OnDemandThroughput can only be combined with BillingMode in an UpdateTable request")
	}
	return nil
}

// setDeletionProtection changes deletion protection at once, as DynamoDB
// does: the table's status does not change, and a table being updated
// takes it too. The caller holds s.mu.
func (s *Service) setDeletionProtection(t *table, on bool) (any, error) {
	m := t.meta
	m.DeletionProtection = on
	if err := s.env.DB.Update(func(tx *store.Tx) error { return s.saveMeta(tx, &m) }); err != nil {
		return nil, err
	}
	t.meta = m
	return map[string]any{"TableDescription": s.describe(t)}, nil
}

func applyTableUpdate(m *tableMeta, in *updateTableInput, now time.Time) error {
	if in.BillingMode != nil && *in.BillingMode == "PROVISIONED" && in.ProvisionedThroughput == nil {
		return validation("One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED")
	}
	billing, wasProvisioned := m.BillingMode, m.BillingMode == "PROVISIONED"
	// Indexes that a switch to PROVISIONED must give a throughput.
	var unpriced []string
	if in.BillingMode != nil && *in.BillingMode == "PROVISIONED" && billing == "PAY_PER_REQUEST" {
		for _, g := range m.GSIs {
			unpriced = append(unpriced, g.IndexName)
		}
	}
	if in.BillingMode != nil {
		if *in.BillingMode != "PROVISIONED" && *in.BillingMode != "PAY_PER_REQUEST" {
			return validation("1 validation error detected: Value '" + *in.BillingMode + "' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]")
		}
		if *in.BillingMode != billing && *in.BillingMode == "PAY_PER_REQUEST" {
			m.LastBillingChange = epochSeconds(now)
		}
		billing = *in.BillingMode
	}
	if in.ProvisionedThroughput != nil || (in.BillingMode != nil && billing != m.BillingMode) {
		tp := in.ProvisionedThroughput
		if billing == "PROVISIONED" && tp == nil {
			return validation("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
		}
		if in.BillingMode != nil && billing == "PAY_PER_REQUEST" && tp != nil && (deref64(tp.ReadCapacityUnits) != 0 || deref64(tp.WriteCapacityUnits) != 0) {
			// A switch to on-demand is told so in UpdateTable's own words.
			return validation("One or more parameter values were invalid: ProvisionedThroughput cannot be specified when BillingMode is PAY_PER_REQUEST")
		}
		r, w, err := validateThroughput(tp, billing, "")
		if err != nil {
			return err
		}
		if billing == "PROVISIONED" && r == m.Read && w == m.Write && m.BillingMode == billing && len(in.GlobalSecondaryIndexUpdates) == 0 {
			return validation(fmt.Sprintf("The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: %d. Requested ReadCapacityUnits: %d. Current WriteCapacityUnits provisioned for the table: %d. Requested WriteCapacityUnits: %d. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.", m.Read, r, m.Write, w))
		}
		if wasProvisioned && billing == "PROVISIONED" {
			m.capacityHistory.record(m.Read, m.Write, r, w, now)
		}
		m.Read, m.Write = r, w
		if billing == "PAY_PER_REQUEST" {
			for i := range m.GSIs {
				g := &m.GSIs[i]
				if wasProvisioned {
					// DynamoDB counts a switch to on-demand as a decrease of
					// each index's throughput, not of the table's.
					g.capacityHistory.record(g.Read, g.Write, 0, 0, now)
				}
				g.Read, g.Write = 0, 0
			}
		}
	}
	if err := validateOnDemand(in.OnDemandThroughput, billing, "", true); err != nil {
		return err
	}
	if billing == "PROVISIONED" {
		// A switch to PROVISIONED drops the caps, the indexes' too.
		m.OnDemand = nil
		for i := range m.GSIs {
			m.GSIs[i].OnDemand = nil
		}
	}
	m.OnDemand = in.OnDemandThroughput.apply(m.OnDemand)
	m.BillingMode = billing
	if in.DeletionProtection != nil {
		m.DeletionProtection = *in.DeletionProtection
	}
	// The request's definitions add to the table's; a definition of an
	// attribute the table has keeps the table's type, as DynamoDB does.
	defs := map[string]string{}
	for _, d := range m.AttributeDefinitions {
		defs[d.AttributeName] = d.AttributeType
	}
	for _, d := range in.AttributeDefinitions {
		if _, ok := defs[d.AttributeName]; !ok {
			defs[d.AttributeName] = d.AttributeType
			m.AttributeDefinitions = append(m.AttributeDefinitions, d)
		}
	}
	// One index built or dropped at a time: DynamoDB's limit, in its words
	// (as dynalite recorded them for more than five updates).
	online := 0
	for _, u := range in.GlobalSecondaryIndexUpdates {
		if u.Create != nil || u.Delete != nil {
			online++
		}
	}
	if online > 1 || len(in.GlobalSecondaryIndexUpdates) > 5 {
		return onlyOneOnlineIndex()
	}
	for at, u := range in.GlobalSecondaryIndexUpdates {
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
				return validation("Attempting to create an index which already exists")
			}
			// A key the table does not define needs a definition, and a
			// request without any is told so in these words.
			undefined := slices.ContainsFunc(u.Create.KeySchema, func(k keySchemaElement) bool { _, ok := defs[k.AttributeName]; return !ok })
			if undefined && len(in.AttributeDefinitions) == 0 {
				return validation("One or more parameter values were invalid: AttributeDefinitions is not specified for index: " + deref(u.Create.IndexName))
			}
			gs, err := buildIndexes([]indexInput{*u.Create}, indexBuild{global: true, billing: billing, used: map[string]bool{}, defs: defs, seen: seen, added: true,
				path: func(int) string { return atIndex("globalSecondaryIndexUpdates", at, "create.") }})
			if err != nil {
				return err
			}
			if len(m.GSIs) >= 20 {
				return &apiError{Type: "LimitExceededException", Msg: "Subscriber limit exceeded: Number of global secondary indexes exceeds per-table limit of 20"}
			}
			if err := checkProjectedTotal(m.LSIs, m.GSIs, gs); err != nil {
				return err
			}
			// The new index's keys are defined in this request, even those
			// the table defines already (the UpdateTable reference), once
			// the index is otherwise sound: DynamoDB answers its throughput
			// and projection refusals first.
			if err := definedInRequest(u.Create, in.AttributeDefinitions); err != nil {
				return err
			}
			gs[0].IndexStatus = "CREATING"
			m.GSIs = append(m.GSIs, gs[0])
		case u.Delete != nil:
			i := indexOf(m.GSIs, u.Delete.IndexName)
			if indexOf(m.LSIs, u.Delete.IndexName) >= 0 {
				return validation("Cannot delete an index that is not a GlobalSecondaryIndex: " + *u.Delete.IndexName)
			}
			if i < 0 {
				return notFound("Requested resource not found: Index " + deref(u.Delete.IndexName) + " for table " + m.TableName)
			}
			m.GSIs[i].IndexStatus, m.GSIs[i].Backfilling = "DELETING", false
			unpriced = slices.DeleteFunc(unpriced, func(n string) bool { return n == *u.Delete.IndexName })
		case u.Update != nil:
			i := indexOf(m.GSIs, u.Update.IndexName)
			if indexOf(m.LSIs, u.Update.IndexName) >= 0 {
				return validation("Cannot update an index that is not a GlobalSecondaryIndex: " + *u.Update.IndexName)
			}
			if i < 0 {
				return notFound("Requested resource not found: Index " + deref(u.Update.IndexName) + " for table " + m.TableName)
			}
			if m.GSIs[i].IndexStatus == "UPDATING" {
				return stillInUse("Index is being updated. Table: " + m.TableName + " Index: " + *u.Update.IndexName)
			}
			if err := validateOnDemand(u.Update.OnDemandThroughput, billing, *u.Update.IndexName, true); err != nil {
				return err
			}
			m.GSIs[i].OnDemand = u.Update.OnDemandThroughput.apply(m.GSIs[i].OnDemand)
			if tp := u.Update.ProvisionedThroughput; (tp != nil || !u.Update.OnDemandThroughput.given()) && billing == "PAY_PER_REQUEST" && !wasProvisioned {
				return validation("One or more parameter values were invalid: The only Updates for index: " + *u.Update.IndexName + " when TableThroughputMode is PAY_PER_REQUEST can be to OnDemandThroughput, WarmThroughput")
			}
			r, w, err := validateThroughput(u.Update.ProvisionedThroughput, billing, *u.Update.IndexName)
			if err != nil {
				return err
			}
			if g := m.GSIs[i]; billing == "PROVISIONED" && wasProvisioned && r == g.Read && w == g.Write {
				return validation(fmt.Sprintf("The provisioned throughput for the index %s will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for index %s: %d. Requested ReadCapacityUnits: %d. Current WriteCapacityUnits provisioned for index %s: %d. Requested WriteCapacityUnits: %d. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.", g.IndexName, g.IndexName, g.Read, r, g.IndexName, g.Write, w))
			}
			if billing == "PROVISIONED" && wasProvisioned {
				m.GSIs[i].capacityHistory.record(m.GSIs[i].Read, m.GSIs[i].Write, r, w, now)
			}
			m.GSIs[i].Read, m.GSIs[i].Write = r, w
			if !m.GSIs[i].Backfilling {
				// A backfilling index takes a new throughput and goes on
				// backfilling.
				m.GSIs[i].IndexStatus = "UPDATING"
			}
			if u.Update.ProvisionedThroughput != nil {
				unpriced = slices.DeleteFunc(unpriced, func(n string) bool { return n == *u.Update.IndexName })
			}
		}
	}
	if len(unpriced) > 0 {
		return validation("One or more parameter values were invalid: ProvisionedThroughput must be specified for index: " + strings.Join(unpriced, ","))
	}
	keepUsedDefinitions(m)
	return nil
}

// keyAttributes is the set of attributes the key schemas name.
func keyAttributes(schemas ...[]keySchemaElement) map[string]bool {
	used := map[string]bool{}
	for _, ks := range schemas {
		for _, k := range ks {
			used[k.AttributeName] = true
		}
	}
	return used
}

// keepUsedDefinitions drops the attribute definitions that no key schema
// uses, the table's or an index's: DynamoDB keeps exactly those, so an
// unused definition given to UpdateTable, and a deleted index's keys once
// the index is gone, are not described.
func keepUsedDefinitions(m *tableMeta) {
	schemas := [][]keySchemaElement{m.KeySchema}
	for _, group := range [][]indexMeta{m.GSIs, m.LSIs} {
		for _, ix := range group {
			schemas = append(schemas, ix.KeySchema)
		}
	}
	used := keyAttributes(schemas...)
	// A new slice: requests in flight hold copies of the meta that share
	// the old one.
	var kept []attributeDefinition
	for _, d := range m.AttributeDefinitions {
		if used[d.AttributeName] {
			kept = append(kept, d)
		}
	}
	m.AttributeDefinitions = kept
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

// checkTableLimits refuses a table's or an index's throughput, or a
// table's on-demand cap, above the per-table maximum DescribeLimits gives,
// in DynamoDB's words.
func checkTableLimits(tp *throughput, od *onDemandInput, indexes []*indexInput, region string) error {
	const refer = " Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits."
	over := func(tp *throughput, what string) error {
		if tp == nil {
			return nil
		}
		per := "table"
		if what != "" {
			per = "index"
		}
		for _, u := range []struct {
			name string
			v    *int64
		}{{"ReadCapacityUnits", tp.ReadCapacityUnits}, {"WriteCapacityUnits", tp.WriteCapacityUnits}} {
			if u.v != nil && *u.v > tableMaxCapacity {
				return &apiError{Type: "LimitExceededException", Msg: fmt.Sprintf("The requested %s%s, %d, is above the per %s maximum for the account in %s. Per table maximum: %d.%s",
					u.name, what, *u.v, per, region, tableMaxCapacity, refer)}
			}
		}
		return nil
	}
	if err := over(tp, ""); err != nil {
		return err
	}
	for _, ix := range indexes {
		if ix != nil && ix.IndexName != nil {
			if err := over(ix.ProvisionedThroughput, " for index "+*ix.IndexName); err != nil {
				return err
			}
		}
	}
	return checkOnDemandLimit(od, region)
}

func deref64(v *int64) int64 {
	if v == nil {
		return 0
	}
	return *v
}

// definedInRequest refuses a new index whose key attributes the UpdateTable
// request does not define, in the words CreateTable uses.
func definedInRequest(ix *indexInput, defs []attributeDefinition) error {
	var missing []string
	for _, k := range ix.KeySchema {
		if !slices.ContainsFunc(defs, func(d attributeDefinition) bool { return d.AttributeName == k.AttributeName }) {
			missing = append(missing, k.AttributeName)
		}
	}
	switch {
	case len(missing) == 0:
		return nil
	case len(defs) == 0:
		return validation("One or more parameter values were invalid: AttributeDefinitions is not specified for index: " + deref(ix.IndexName))
	}
	return validation("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [" +
		strings.Join(missing, ", ") + "], AttributeDefinitions: [" + strings.Join(definitionOrder(defs), ", ") + "]")
}
