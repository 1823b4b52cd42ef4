package dynamodb

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/spk-cli/spk/provision/local/service"
	"github.com/spk-cli/spk/provision/local/store"
)

// TestContinuousBackups: point-in-time recovery is set and described as
// DynamoDB was recorded answering, kept across a restart, and refused in
// its words.
func TestContinuousBackups(t *testing.T) {
	dir := t.TempDir()
	var mu sync.Mutex
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	open := func() (*Service, *store.DB) {
		db, err := store.Open(dir, false)
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(&service.Env{DB: db, Region: "us-east-1", AccountID: "000000000000", CreateDelay: 0, UpdateDelay: 0, DeleteDelay: time.Hour, Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		return s, db
	}
	s, db := open()
	op(t, s, "CreateTable", `{"TableName":"orders","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`)
	const disabled = `{"ContinuousBackupsDescription":{"ContinuousBackupsStatus":"ENABLED","PointInTimeRecoveryDescription":{"PointInTimeRecoveryStatus":"DISABLED"}}}`
	enabled := func(days int, earliest, latest time.Time) string {
		d, _ := json.Marshal(map[string]any{"ContinuousBackupsDescription": map[string]any{"ContinuousBackupsStatus": "ENABLED",
			"PointInTimeRecoveryDescription": map[string]any{"PointInTimeRecoveryStatus": "ENABLED", "RecoveryPeriodInDays": days,
				"EarliestRestorableDateTime": epochSeconds(earliest), "LatestRestorableDateTime": epochSeconds(latest)}}})
		return string(d)
	}
	if got := opText(t, s, "DescribeContinuousBackups", `{"TableName":"orders"}`); got != disabled {
		t.Fatalf("a new table: %s", got)
	}

	// Enabled: 35 days, restorable from now.
	enabledAt := clock()
	if got := opText(t, s, "UpdateContinuousBackups", `{"TableName":"orders","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true}}`); got != enabled(35, enabledAt, enabledAt) {
		t.Fatalf("enable: %s", got)
	}
	// The latest restorable time trails the present by five minutes, never
	// before the enable; the period changes in place.
	advance(10 * time.Minute)
	if got := opText(t, s, "UpdateContinuousBackups", `{"TableName":"orders","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true,"RecoveryPeriodInDays":7}}`); got != enabled(7, enabledAt, clock().Add(-5*time.Minute)) {
		t.Fatalf("a period of 7 days: %s", got)
	}
	arn := op(t, s, "DescribeTable", `{"TableName":"orders"}`)["Table"].(map[string]any)["TableArn"].(string)
	if got := opText(t, s, "DescribeContinuousBackups", `{"TableName":"`+arn+`"}`); got != enabled(7, enabledAt, clock().Add(-5*time.Minute)) {
		t.Fatalf("described by ARN: %s", got)
	}

	// Refusals change nothing.
	const invalid = "1 validation error detected: "
	refusedWith(t, s, "UpdateContinuousBackups", `{"TableName":"orders","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":false,"RecoveryPeriodInDays":35}}`,
		"ValidationException", "Invalid Request: Cannot specify RecoveryPeriodInDays when disabling point-in-time recovery.")
	refusedWith(t, s, "UpdateContinuousBackups", `{"TableName":"orders","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true,"RecoveryPeriodInDays":36}}`,
		"ValidationException", invalid+"Value '36' at 'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy constraint: Member must have value less than or equal to 35")
	refusedWith(t, s, "UpdateContinuousBackups", `{"TableName":"orders","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true,"RecoveryPeriodInDays":0}}`,
		"ValidationException", invalid+"Value '0' at 'pointInTimeRecoverySpecification.recoveryPeriodInDays' failed to satisfy constraint: Member must have value greater than or equal to 1")
	refusedWith(t, s, "UpdateContinuousBackups", `{"TableName":"orders"}`,
		"ValidationException", invalid+"Value null at 'pointInTimeRecoverySpecification' failed to satisfy constraint: Member must not be null")
	refusedWith(t, s, "UpdateContinuousBackups", `{"TableName":"orders","PointInTimeRecoverySpecification":{}}`,
		"ValidationException", invalid+"Value null at 'pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled' failed to satisfy constraint: Member must not be null")
	refusedWith(t, s, "DescribeContinuousBackups", `{"TableName":"missing"}`, "TableNotFoundException", "Table not found: missing")
	refusedWith(t, s, "UpdateContinuousBackups", `{"TableName":"missing","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true}}`,
		"TableNotFoundException", "Table not found: missing")
	if got := opText(t, s, "DescribeContinuousBackups", `{"TableName":"orders"}`); got != enabled(7, enabledAt, clock().Add(-5*time.Minute)) {
		t.Fatalf("after the refusals: %s", got)
	}

	// Kept across a restart.
	s.Close()
	db.Close()
	s, db = open()
	defer func() { s.Close(); db.Close() }()
	if got := opText(t, s, "DescribeContinuousBackups", `{"TableName":"orders"}`); got != enabled(7, enabledAt, clock().Add(-5*time.Minute)) {
		t.Fatalf("after a restart: %s", got)
	}

	// Disabled, then enabled anew: a new window of the default period.
	if got := opText(t, s, "UpdateContinuousBackups", `{"TableName":"orders","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":false}}`); got != disabled {
		t.Fatalf("disable: %s", got)
	}
	advance(time.Minute)
	again := clock()
	if got := opText(t, s, "UpdateContinuousBackups", `{"TableName":"orders","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true}}`); got != enabled(35, again, again) {
		t.Fatalf("enabled again: %s", got)
	}

	// A table being deleted has no backups to describe.
	op(t, s, "DeleteTable", `{"TableName":"orders"}`)
	refusedWith(t, s, "DescribeContinuousBackups", `{"TableName":"orders"}`, "TableNotFoundException", "Table not found: orders")
	refusedWith(t, s, "UpdateContinuousBackups", `{"TableName":"orders","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":false}}`,
		"TableNotFoundException", "Table not found: orders")
}

// TestContinuousBackupsWhileCreating: a table being created has its
// backups being enabled, as DynamoDB says.
func TestContinuousBackupsWhileCreating(t *testing.T) {
	s, err := New(&service.Env{DB: mustOpenMemory(t), Region: "us-east-1", AccountID: "000000000000", CreateDelay: time.Hour, UpdateDelay: time.Hour, DeleteDelay: time.Hour, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	op(t, s, "CreateTable", `{"TableName":"orders","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`)
	refusedWith(t, s, "UpdateContinuousBackups", `{"TableName":"orders","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true}}`,
		"ContinuousBackupsUnavailableException", "Backups are being enabled for the table: orders. Please retry later")
	refusedWith(t, s, "DescribeContinuousBackups", `{"TableName":"orders"}`, "TableNotFoundException", "Table not found: orders")
}
