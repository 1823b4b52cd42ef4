package dynamodb

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spk-cli/spk/provision/local/service"
	"github.com/spk-cli/spk/provision/local/store"
)

// TestContributorInsights: Contributor Insights of a table and its indexes
// are enabled, described, listed and disabled as DynamoDB was recorded
// doing it, and refused in its words. With no update delay, ENABLING and
// DISABLING show only in the update's own answer.
func TestContributorInsights(t *testing.T) {
	at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	s, err := New(&service.Env{DB: mustOpenMemory(t), Region: "us-east-1", AccountID: "000000000000", Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	expect := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Fatalf("%s:\n got %s\nwant %s", what, got, want)
		}
	}
	op(t, s, "CreateTable", `{"TableName":"events","BillingMode":"PAY_PER_REQUEST",`+
		`"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"},{"AttributeName":"l","AttributeType":"S"}],`+
		`"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],`+
		`"GlobalSecondaryIndexes":[{"IndexName":"by-g","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}],`+
		`"LocalSecondaryIndexes":[{"IndexName":"by-l","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"l","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}]}`)
	stamp := strconv.FormatInt(at.UnixMilli(), 10)
	when := strconv.FormatFloat(epochSeconds(at), 'f', -1, 64)

	expect("a new table", opText(t, s, "DescribeContributorInsights", `{"TableName":"events"}`), `{"ContributorInsightsStatus":"DISABLED","TableName":"events"}`)
	expect("a new table's list", opText(t, s, "ListContributorInsights", `{"TableName":"events"}`), `{"ContributorInsightsSummaries":[]}`)

	expect("enable", opText(t, s, "UpdateContributorInsights", `{"TableName":"events","ContributorInsightsAction":"ENABLE"}`),
		`{"ContributorInsightsMode":"ACCESSED_AND_THROTTLED_KEYS","ContributorInsightsStatus":"ENABLING","TableName":"events"}`)
	expect("enabled", opText(t, s, "DescribeContributorInsights", `{"TableName":"events"}`),
		`{"ContributorInsightsMode":"ACCESSED_AND_THROTTLED_KEYS","ContributorInsightsRuleList":["DynamoDBContributorInsights-PKC-events-`+stamp+`","DynamoDBContributorInsights-PKT-events-`+stamp+
			`","DynamoDBContributorInsights-SKC-events-`+stamp+`","DynamoDBContributorInsights-SKT-events-`+stamp+`"],"ContributorInsightsStatus":"ENABLED","LastUpdateDateTime":`+when+`,"TableName":"events"}`)
	// Enabling what is enabled answers at once.
	expect("enable again", opText(t, s, "UpdateContributorInsights", `{"TableName":"events","ContributorInsightsAction":"ENABLE"}`),
		`{"ContributorInsightsMode":"ACCESSED_AND_THROTTLED_KEYS","ContributorInsightsStatus":"ENABLED","TableName":"events"}`)
	expect("the index", opText(t, s, "UpdateContributorInsights", `{"TableName":"events","IndexName":"by-g","ContributorInsightsAction":"ENABLE","ContributorInsightsMode":"THROTTLED_KEYS"}`),
		`{"ContributorInsightsMode":"THROTTLED_KEYS","ContributorInsightsStatus":"ENABLING","IndexName":"by-g","TableName":"events"}`)
	expect("the index enabled", opText(t, s, "DescribeContributorInsights", `{"TableName":"events","IndexName":"by-g"}`),
		`{"ContributorInsightsMode":"THROTTLED_KEYS","ContributorInsightsRuleList":["DynamoDBContributorInsights-PKT-events-by-g-`+stamp+`"],"ContributorInsightsStatus":"ENABLED","IndexName":"by-g","LastUpdateDateTime":`+when+`,"TableName":"events"}`)

	// Listed a page at a time, the table before its index.
	expect("page 1", opText(t, s, "ListContributorInsights", `{"TableName":"events","MaxResults":1}`),
		`{"ContributorInsightsSummaries":[{"ContributorInsightsMode":"ACCESSED_AND_THROTTLED_KEYS","ContributorInsightsStatus":"ENABLED","TableName":"events"}],"NextToken":"1"}`)
	expect("page 2", opText(t, s, "ListContributorInsights", `{"TableName":"events","MaxResults":1,"NextToken":"1"}`),
		`{"ContributorInsightsSummaries":[{"ContributorInsightsMode":"THROTTLED_KEYS","ContributorInsightsStatus":"ENABLED","IndexName":"by-g","TableName":"events"}]}`)

	// Disabled: described with its last mode and time, no longer listed.
	expect("disable", opText(t, s, "UpdateContributorInsights", `{"TableName":"events","ContributorInsightsAction":"DISABLE"}`),
		`{"ContributorInsightsMode":"ACCESSED_AND_THROTTLED_KEYS","ContributorInsightsStatus":"DISABLING","TableName":"events"}`)
	expect("disabled", opText(t, s, "DescribeContributorInsights", `{"TableName":"events"}`),
		`{"ContributorInsightsMode":"ACCESSED_AND_THROTTLED_KEYS","ContributorInsightsStatus":"DISABLED","LastUpdateDateTime":`+when+`,"TableName":"events"}`)
	expect("the list without it", opText(t, s, "ListContributorInsights", `{}`),
		`{"ContributorInsightsSummaries":[{"ContributorInsightsMode":"THROTTLED_KEYS","ContributorInsightsStatus":"ENABLED","IndexName":"by-g","TableName":"events"}]}`)

	refusedWith(t, s, "DescribeContributorInsights", `{"TableName":"events","IndexName":"by-l"}`, "ResourceNotFoundException", "Requested resource not found: Index: by-l not found for table: events")
	refusedWith(t, s, "UpdateContributorInsights", `{"TableName":"events","IndexName":"ghost","ContributorInsightsAction":"ENABLE"}`, "ResourceNotFoundException", "Requested resource not found: Index: ghost not found for table: events")
	refusedWith(t, s, "DescribeContributorInsights", `{"TableName":"missing"}`, "ResourceNotFoundException", "Requested resource not found: Table: missing not found")
	refusedWith(t, s, "UpdateContributorInsights", `{"TableName":"events","ContributorInsightsAction":"PAUSE"}`, "ValidationException",
		"1 validation error detected: Value 'PAUSE' at 'contributorInsightsAction' failed to satisfy constraint: Member must satisfy enum value set: [ENABLE, DISABLE]")

	// A deleted index's insights go with it.
	op(t, s, "UpdateTable", `{"TableName":"events","GlobalSecondaryIndexUpdates":[{"Delete":{"IndexName":"by-g"}}]}`)
	refusedWith(t, s, "DescribeContributorInsights", `{"TableName":"events","IndexName":"by-g"}`, "ResourceNotFoundException", "Requested resource not found: Index: by-g not found for table: events")
	expect("the list after the index went", opText(t, s, "ListContributorInsights", `{}`), `{"ContributorInsightsSummaries":[]}`)
}

// TestContributorInsightsTransitions: ENABLING and DISABLING last the
// update delay and are listed; a table being created refuses insights.
func TestContributorInsightsTransitions(t *testing.T) {
	s, err := New(&service.Env{DB: mustOpenMemory(t), Region: "us-east-1", AccountID: "000000000000", CreateDelay: 0, UpdateDelay: time.Hour, DeleteDelay: time.Hour, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	create := `{"TableName":"NAME","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`
	op(t, s, "CreateTable", `{"TableName":"events","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`)
	op(t, s, "UpdateContributorInsights", `{"TableName":"events","ContributorInsightsAction":"ENABLE"}`)
	status := func() string {
		return op(t, s, "DescribeContributorInsights", `{"TableName":"events"}`)["ContributorInsightsStatus"].(string)
	}
	if got := status(); got != "ENABLING" {
		t.Fatalf("during the update delay: %s", got)
	}
	if got := op(t, s, "ListContributorInsights", `{}`)["ContributorInsightsSummaries"].([]any); len(got) != 1 {
		t.Fatalf("ENABLING is listed: %v", got)
	}
	// The timer's end, as if the hour passed.
	s.mu.RLock()
	tbl := s.tables["events"]
	began := tbl.meta.Insights[""].LastUpdate
	s.mu.RUnlock()
	s.settleInsights(tbl, "", began)
	if got := status(); got != "ENABLED" {
		t.Fatalf("after the update delay: %s", got)
	}
	op(t, s, "UpdateContributorInsights", `{"TableName":"events","ContributorInsightsAction":"DISABLE"}`)
	if got := op(t, s, "ListContributorInsights", `{"TableName":"events"}`)["ContributorInsightsSummaries"].([]any); len(got) != 1 || got[0].(map[string]any)["ContributorInsightsStatus"] != "DISABLING" {
		t.Fatalf("DISABLING is listed: %v", got)
	}

	s2, err := New(&service.Env{DB: mustOpenMemory(t), Region: "us-east-1", AccountID: "000000000000", CreateDelay: time.Hour, UpdateDelay: time.Hour, DeleteDelay: time.Hour, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	op(t, s2, "CreateTable", strings.ReplaceAll(create, "NAME", "creating"))
	refusedWith(t, s2, "UpdateContributorInsights", `{"TableName":"creating","ContributorInsightsAction":"ENABLE"}`, "ValidationException",
		"Table or Index is not in a valid state to update Key Access Insights: TableStatus must be ACTIVE to enable ContributorInsights.")
}

// TestContributorInsightsAfterRestart: a restart finishes an ENABLING or
// DISABLING whose timer it lost, as it finishes every transition.
func TestContributorInsightsAfterRestart(t *testing.T) {
	dir := t.TempDir()
	open := func() (*Service, *store.DB) {
		db, err := store.Open(dir, false)
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(&service.Env{DB: db, Region: "us-east-1", AccountID: "000000000000", CreateDelay: 0, UpdateDelay: time.Hour, DeleteDelay: time.Hour, Now: time.Now})
		if err != nil {
			t.Fatal(err)
		}
		return s, db
	}
	s, db := open()
	op(t, s, "CreateTable", `{"TableName":"events","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`)
	op(t, s, "UpdateContributorInsights", `{"TableName":"events","ContributorInsightsAction":"ENABLE"}`)
	s.Close()
	db.Close()
	s, db = open()
	defer func() { s.Close(); db.Close() }()
	if got := op(t, s, "DescribeContributorInsights", `{"TableName":"events"}`)["ContributorInsightsStatus"]; got != "ENABLED" {
		t.Fatalf("after a restart during ENABLING: %v", got)
	}
}
