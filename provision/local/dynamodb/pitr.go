package dynamodb

import (
	"time"

	"github.com/spk-cli/spk/provision/local/store"
)

// Point-in-time recovery is described, not performed, as server-side
// encryption is: spk keeps no history to restore from, but tools that set
// and read it (Terraform's point_in_time_recovery, CDK, the AWS CLI) find
// it as they set it. The answers follow what DynamoDB was recorded
// answering (docs/local-dynamodb.md): continuous backups ENABLED, the
// recovery window from the moment PITR was last enabled, 35 days unless
// another period is given.

// defaultRecoveryDays is the recovery period DynamoDB gives when none is
// asked for, and gives again when PITR is enabled anew.
const defaultRecoveryDays = 35

// pitrLag is how far LatestRestorableDateTime trails the present.
const pitrLag = 5 * time.Minute

// pitrState is a table's point-in-time recovery, when enabled.
type pitrState struct {
	EnabledAt    float64 // epoch seconds
	RecoveryDays int
}

type pitrSpec struct {
	PointInTimeRecoveryEnabled *bool `json:"PointInTimeRecoveryEnabled"`
	RecoveryPeriodInDays       *int  `json:"RecoveryPeriodInDays"`
}

type updateContinuousBackupsInput struct {
	TableName                        *string   `json:"TableName"`
	PointInTimeRecoverySpecification *pitrSpec `json:"PointInTimeRecoverySpecification"`
}

// tableNotFound is the continuous backups operations' own answer for a
// table that does not exist, or not yet or no longer.
func tableNotFound(name string) error {
	return &apiError{Type: "TableNotFoundException", Msg: "Table not found: " + name}
}

func (s *Service) describeContinuousBackups(body []byte) (any, error) {
	return s.readTable(body, tableNotFound, func(t *table) (any, error) {
		if st := t.meta.TableStatus; st == "CREATING" || st == "DELETING" {
			return nil, tableNotFound(t.meta.TableName)
		}
		return s.continuousBackups(&t.meta), nil
	})
}

func (s *Service) updateContinuousBackups(body []byte) (any, error) {
	var in updateContinuousBackupsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	spec := in.PointInTimeRecoverySpecification
	var c constraints
	c.tableRef("tableName", in.TableName)
	c.notNull("pointInTimeRecoverySpecification", spec != nil)
	if spec != nil {
		c.notNull("pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled", spec.PointInTimeRecoveryEnabled != nil)
		c.atLeast("pointInTimeRecoverySpecification.recoveryPeriodInDays", spec.RecoveryPeriodInDays, 1)
		c.atMost("pointInTimeRecoverySpecification.recoveryPeriodInDays", spec.RecoveryPeriodInDays, defaultRecoveryDays)
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	enable := *spec.PointInTimeRecoveryEnabled
	if !enable && spec.RecoveryPeriodInDays != nil {
		return nil, validation("Invalid Request: Cannot specify RecoveryPeriodInDays when disabling point-in-time recovery.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	name := s.tableName(*in.TableName)
	t, ok := s.tables[name]
	switch {
	case !ok || t.meta.TableStatus == "DELETING":
		return nil, tableNotFound(arnTableName(*in.TableName))
	case t.meta.TableStatus == "CREATING":
		return nil, &apiError{Type: "ContinuousBackupsUnavailableException", Msg: "Backups are being enabled for the table: " + name + ". Please retry later"}
	}
	m := t.meta
	switch {
	case !enable:
		m.PITR = nil
	case m.PITR == nil:
		// Enabled anew: a new window, and the default period unless one
		// is given.
		m.PITR = &pitrState{EnabledAt: epochSeconds(s.env.Now()), RecoveryDays: defaultRecoveryDays}
	default:
		p := *m.PITR
		m.PITR = &p
	}
	if enable && spec.RecoveryPeriodInDays != nil {
		m.PITR.RecoveryDays = *spec.RecoveryPeriodInDays
	}
	if err := s.env.DB.Update(func(tx *store.Tx) error { return s.saveMeta(tx, &m) }); err != nil {
		return nil, err
	}
	t.meta = m
	return s.continuousBackups(&m), nil
}

// continuousBackups is the ContinuousBackupsDescription both operations
// answer. The caller holds s.mu.
func (s *Service) continuousBackups(m *tableMeta) map[string]any {
	pitr := map[string]any{"PointInTimeRecoveryStatus": "DISABLED"}
	if p := m.PITR; p != nil {
		latest := max(p.EnabledAt, epochSeconds(s.env.Now().Add(-pitrLag)))
		pitr = map[string]any{
			"PointInTimeRecoveryStatus":  "ENABLED",
			"RecoveryPeriodInDays":       p.RecoveryDays,
			"EarliestRestorableDateTime": p.EnabledAt,
			"LatestRestorableDateTime":   latest,
		}
	}
	return map[string]any{"ContinuousBackupsDescription": map[string]any{
		"ContinuousBackupsStatus":        "ENABLED",
		"PointInTimeRecoveryDescription": pitr,
	}}
}

// epochSeconds is t as DynamoDB's timestamps are: seconds, to the
// millisecond.
func epochSeconds(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }
