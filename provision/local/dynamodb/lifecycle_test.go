package dynamodb

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spk-cli/spk/provision/local/service"
	"github.com/spk-cli/spk/provision/local/store"
)

// TestTransitionsRefuseChanges holds tables in CREATING, UPDATING and
// DELETING (hour-long delays) and checks what each state refuses, then that
// a restart on the same store settles them.
func TestTransitionsRefuseChanges(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	env := &service.Env{DB: db, Region: "us-east-1", AccountID: "000000000000", CreateDelay: time.Hour, UpdateDelay: time.Hour, DeleteDelay: time.Hour, Now: time.Now}
	s, err := New(env)
	if err != nil {
		t.Fatal(err)
	}
	call := func(op, body string) (int, map[string]any) {
		w := httptest.NewRecorder()
		s.ServeOp(w, httptest.NewRequest("POST", "/", nil), op, []byte(body))
		var m map[string]any
		json.Unmarshal(w.Body.Bytes(), &m)
		return w.Code, m
	}
	create := `{"TableName":"NAME","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`
	if code, m := call("CreateTable", strings.ReplaceAll(create, "NAME", "creating")); code != 200 {
		t.Fatalf("create: %v", m)
	}
	cases := []struct {
		name, op, body, typ, msg string
	}{
		{"put into CREATING", "PutItem", `{"TableName":"creating","Item":{"pk":{"S":"a"}}}`, "ResourceNotFoundException", "Requested resource not found"},
		{"delete CREATING", "DeleteTable", `{"TableName":"creating"}`, "ResourceInUseException", "Attempt to change a resource which is still in use: Table is being created: creating"},
		{"update CREATING", "UpdateTable", `{"TableName":"creating","BillingMode":"PROVISIONED","ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}`, "ResourceInUseException", "Table is being created: creating"},
		// DynamoDB says the table is being created, not that it exists.
		{"describe TTL of CREATING", "DescribeTimeToLive", `{"TableName":"creating"}`, "ValidationException", "Cannot describe time to live while table is in CREATING state: Current table state is CREATING"},
		{"create again", "CreateTable", strings.ReplaceAll(create, "NAME", "creating"), "ResourceInUseException", "Attempt to change a resource which is still in use: Table is being created: creating"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, m := call(tc.op, tc.body)
			if code != 400 || !strings.HasSuffix(m["__type"].(string), "#"+tc.typ) || !strings.Contains(m["message"].(string), tc.msg) {
				t.Fatalf("got %d %v, want %s %q", code, m, tc.typ, tc.msg)
			}
		})
	}
	if _, m := call("DescribeTable", `{"TableName":"creating"}`); m["Table"].(map[string]any)["TableStatus"] != "CREATING" {
		t.Fatalf("status %v", m)
	}
	// A restart finishes the transition.
	s.Close()
	db.Close()
	db, err = store.Open(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	env.DB = db
	s, err = New(env)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, m := call("DescribeTable", `{"TableName":"creating"}`); m["Table"].(map[string]any)["TableStatus"] != "ACTIVE" {
		t.Fatalf("after restart: %v", m)
	}
	if code, m := call("PutItem", `{"TableName":"creating","Item":{"pk":{"S":"a"}}}`); code != 200 {
		t.Fatalf("put after restart: %v", m)
	}
	if code, m := call("DeleteTable", `{"TableName":"creating"}`); code != 200 || m["TableDescription"].(map[string]any)["TableStatus"] != "DELETING" {
		t.Fatalf("delete: %d %v", code, m)
	}
	if code, m := call("PutItem", `{"TableName":"creating","Item":{"pk":{"S":"a"}}}`); code != 400 || m["message"] != "Requested resource not found" {
		t.Fatalf("put into DELETING: %d %v", code, m)
	}
	if code, m := call("CreateTable", strings.ReplaceAll(create, "NAME", "creating")); code != 400 || !strings.Contains(m["message"].(string), "Table already exists") {
		t.Fatalf("create while DELETING: %d %v", code, m)
	}
}

// With no delays, each transition is over before the request that started
// it answers, so the very next request sees the table ACTIVE, then gone,
// however late a busy machine would have run a timer.
func TestNoDelayTransitionsAreDoneAtOnce(t *testing.T) {
	s := newService(t, mustOpenMemory(t), time.Now)
	defer s.Close()
	status := func() string {
		s.mu.RLock()
		defer s.mu.RUnlock()
		if tb, ok := s.tables["quick"]; ok {
			return tb.meta.TableStatus
		}
		return "gone"
	}
	op(t, s, "CreateTable", `{"TableName":"quick","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`)
	if got := status(); got != "ACTIVE" {
		t.Fatalf("right after CreateTable the table is %s, want ACTIVE", got)
	}
	op(t, s, "PutItem", `{"TableName":"quick","Item":{"pk":{"S":"a"}}}`)
	op(t, s, "UpdateTable", `{"TableName":"quick","BillingMode":"PROVISIONED","ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}`)
	if got := status(); got != "ACTIVE" {
		t.Fatalf("right after UpdateTable the table is %s, want ACTIVE", got)
	}
	op(t, s, "DeleteTable", `{"TableName":"quick"}`)
	if got := status(); got != "gone" {
		t.Fatalf("right after DeleteTable the table is %s, want gone", got)
	}
}

// TestDeleteRefusalsNameTheChange: DeleteTable refuses a table that is
// changing in the words DynamoDB uses for what is changing.
func TestDeleteRefusalsNameTheChange(t *testing.T) {
	env := &service.Env{DB: mustOpenMemory(t), Region: "us-east-1", AccountID: "000000000000", CreateDelay: 0, UpdateDelay: time.Hour, DeleteDelay: time.Hour, Now: time.Now}
	s, err := New(env)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	create := func(name string) {
		op(t, s, "CreateTable", `{"TableName":"`+name+`","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],`+
			`"GlobalSecondaryIndexes":[{"IndexName":"by-g","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]}`)
	}
	for _, tc := range []struct{ name, update, want string }{
		{"stream", `"StreamSpecification":{"StreamEnabled":true,"StreamViewType":"KEYS_ONLY"}`, "Cannot delete table while stream is being enabled/disabled."},
		{"index", `"GlobalSecondaryIndexUpdates":[{"Delete":{"IndexName":"by-g"}}]`, "Cannot delete table while indexes are being created, updated, or deleted."},
		{"protection", `"DeletionProtectionEnabled":false`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			create(tc.name)
			op(t, s, "UpdateTable", `{"TableName":"`+tc.name+`",`+tc.update+`}`)
			w := httptest.NewRecorder()
			s.ServeOp(w, httptest.NewRequest("POST", "/", nil), "DeleteTable", []byte(`{"TableName":"`+tc.name+`"}`))
			if tc.want == "" {
				if w.Code != 200 {
					t.Fatalf("DeleteTable after a deletion protection change: %d %s", w.Code, w.Body)
				}
				return
			}
			var m map[string]any
			json.Unmarshal(w.Body.Bytes(), &m)
			if w.Code != 400 || m["message"] != "Attempt to change a resource which is still in use: "+tc.want {
				t.Fatalf("DeleteTable: %d %v, want %q", w.Code, m, tc.want)
			}
		})
	}
	// A throughput change alone: the table is in the process of being updated.
	op(t, s, "CreateTable", `{"TableName":"iops","BillingMode":"PROVISIONED","ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1},"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`)
	op(t, s, "UpdateTable", `{"TableName":"iops","ProvisionedThroughput":{"ReadCapacityUnits":2,"WriteCapacityUnits":2}}`)
	w := httptest.NewRecorder()
	s.ServeOp(w, httptest.NewRequest("POST", "/", nil), "DeleteTable", []byte(`{"TableName":"iops"}`))
	if !strings.Contains(w.Body.String(), "Attempt to change a resource which is still in use: Table: iops is in the process of being updated.") {
		t.Fatalf("DeleteTable during a throughput change: %d %s", w.Code, w.Body)
	}
}

// TestBusyUpdatesNameWhatIsUnderWay: an UpdateTable of a table being
// updated is refused in the words DynamoDB uses for what is under way and
// what the request asks.
func TestBusyUpdatesNameWhatIsUnderWay(t *testing.T) {
	env := &service.Env{DB: mustOpenMemory(t), Region: "us-east-1", AccountID: "000000000000", CreateDelay: 0, UpdateDelay: time.Hour, DeleteDelay: time.Hour, Now: time.Now}
	s, err := New(env)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const pt = `"ProvisionedThroughput":{"ReadCapacityUnits":2,"WriteCapacityUnits":2}`
	for _, name := range []string{"iops", "building", "dropping", "streaming"} {
		op(t, s, "CreateTable", `{"TableName":"`+name+`","BillingMode":"PROVISIONED","ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1},`+
			`"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],`+
			`"GlobalSecondaryIndexes":[{"IndexName":"by-g","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"},"ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}]}`)
	}
	create := func(index string) string {
		return `"GlobalSecondaryIndexUpdates":[{"Create":{"IndexName":"` + index + `","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"},"ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}}]`
	}
	const stream = `"StreamSpecification":{"StreamEnabled":true,"StreamViewType":"KEYS_ONLY"}`
	op(t, s, "UpdateTable", `{"TableName":"iops",`+pt+`}`)
	op(t, s, "UpdateTable", `{"TableName":"building",`+create("by-pk")+`}`)
	op(t, s, "UpdateTable", `{"TableName":"dropping","GlobalSecondaryIndexUpdates":[{"Delete":{"IndexName":"by-g"}}]}`)
	op(t, s, "UpdateTable", `{"TableName":"streaming",`+stream+`}`)
	const busy = "Attempt to change a resource which is still in use: "
	for _, tc := range []struct{ table, update, typ, want string }{
		{"iops", pt, "ResourceInUseException", busy + "Table IOPS are currently being updated. Table: iops"},
		{"iops", stream, "ResourceInUseException", busy + "Can't enable or disable stream while table IOPS are being updated. Table: iops"},
		{"iops", create("by-pk"), "ResourceInUseException", busy + "Can't create or delete indexes while table IOPS are being updated. Table: iops"},
		{"building", pt, "ResourceInUseException", busy + "Can't change table IOPS when an index is being created. Table: building Indexes: [by-pk]"},
		{"building", stream, "ResourceInUseException", busy + "Can't change stream status when an index is being created"},
		{"building", create("by-pk2"), "LimitExceededException", "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"},
		{"dropping", pt, "ResourceInUseException", busy + "Can't change table IOPS when an index is being deleted. Table: dropping Indexes: [by-g]"},
		{"dropping", create("by-g"), "ResourceInUseException", busy + "Index is being deleted. Table: dropping Index: by-g"},
		{"streaming", create("by-pk"), "ResourceInUseException", busy + "Can't create or delete an index when stream status is being updated."},
	} {
		t.Run(tc.table+" "+tc.want, func(t *testing.T) {
			w := httptest.NewRecorder()
			s.ServeOp(w, httptest.NewRequest("POST", "/", nil), "UpdateTable", []byte(`{"TableName":"`+tc.table+`",`+tc.update+`}`))
			var m map[string]any
			json.Unmarshal(w.Body.Bytes(), &m)
			if w.Code != 400 || !strings.HasSuffix(m["__type"].(string), "#"+tc.typ) || m["message"] != tc.want {
				t.Fatalf("%d %v, want %s %q", w.Code, m, tc.typ, tc.want)
			}
		})
	}
}

// refusedWith asserts that the operation is refused with the error type and
// the whole message.
func refusedWith(t *testing.T, s *Service, name, body, typ, msg string) {
	t.Helper()
	w := httptest.NewRecorder()
	s.ServeOp(w, httptest.NewRequest("POST", "/", nil), name, []byte(body))
	var m map[string]any
	json.Unmarshal(w.Body.Bytes(), &m)
	if w.Code != 400 || !strings.HasSuffix(m["__type"].(string), "#"+typ) || m["message"] != msg {
		t.Fatalf("%s %s: %d %v, want %s %q", name, body, w.Code, m, typ, msg)
	}
}

// TestIndexBuiltInTwoPhases: an index UpdateTable adds is built as
// DynamoDB builds it, resource allocation with the table UPDATING, then a
// backfill with the table ACTIVE and the index CREATING, each phase
// admitting and refusing what DynamoDB does. The update delay is an hour;
// the test ends each phase itself, as its timer would.
func TestIndexBuiltInTwoPhases(t *testing.T) {
	env := &service.Env{DB: mustOpenMemory(t), Region: "us-east-1", AccountID: "000000000000", CreateDelay: 0, UpdateDelay: time.Hour, DeleteDelay: time.Hour, Now: time.Now}
	s, err := New(env)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const busy = "Attempt to change a resource which is still in use: "
	const oneOnline = "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"
	index := func(name, attr string) string {
		return `{"IndexName":"` + name + `","KeySchema":[{"AttributeName":"` + attr + `","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}`
	}
	update := func(table, members string) string { return `{"TableName":"` + table + `",` + members + `}` }
	addIndex := func(table string) {
		op(t, s, "CreateTable", `{"TableName":"`+table+`","BillingMode":"PAY_PER_REQUEST",`+
			`"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],`+
			`"GlobalSecondaryIndexes":[`+index("by-g", "g")+`]}`)
		op(t, s, "PutItem", `{"TableName":"`+table+`","Item":{"pk":{"S":"a"},"g":{"S":"x"},"h":{"S":"y"}}}`)
		op(t, s, "UpdateTable", update(table, `"AttributeDefinitions":[{"AttributeName":"h","AttributeType":"S"}],"GlobalSecondaryIndexUpdates":[{"Create":`+index("by-h", "h")+`}]`))
	}
	// phase is the table's status and by-h's, with its Backfilling.
	phase := func(table string) string {
		d := op(t, s, "DescribeTable", `{"TableName":"`+table+`"}`)["Table"].(map[string]any)
		got := d["TableStatus"].(string)
		for _, g := range d["GlobalSecondaryIndexes"].([]any) {
			g := g.(map[string]any)
			if g["IndexName"] == "by-h" {
				got += fmt.Sprintf(" %s %v", g["IndexStatus"], g["Backfilling"])
			}
		}
		return got
	}
	// endAllocation runs the timer UpdateTable set, as if the hour passed.
	endAllocation := func(table string) {
		s.mu.Lock()
		gen := s.tables[table].generation
		s.mu.Unlock()
		s.settleTable(table, gen)
	}

	addIndex("building")
	if got := phase("building"); got != "UPDATING CREATING false" {
		t.Fatalf("in resource allocation: %s", got)
	}
	// Resource allocation: the new index cannot be dropped yet, nor the
	// on-demand cap changed.
	refusedWith(t, s, "UpdateTable", update("building", `"GlobalSecondaryIndexUpdates":[{"Delete":{"IndexName":"by-h"}}]`), "ResourceInUseException",
		busy+"Index creation is in resource allocation phase. Retry deletion during backfilling phase or when the index is active. Table: building Index: by-h")
	refusedWith(t, s, "UpdateTable", update("building", `"OnDemandThroughput":{"MaxReadRequestUnits":100}`), "ResourceInUseException",
		busy+"OnDemandThroughput cannot be updated while index creation is in progress for indexes: [by-h]")
	refusedWith(t, s, "UpdateTable", update("building", `"GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"by-h","OnDemandThroughput":{"MaxReadRequestUnits":100}}}]`),
		"ResourceInUseException", busy+"Index is being created but is not backfilling yet. Table: building Index: by-h")
	// Another index's throughput changes meanwhile.
	out := op(t, s, "UpdateTable", update("building", `"GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"by-g","OnDemandThroughput":{"MaxReadRequestUnits":100}}}]`))
	if d := out["TableDescription"].(map[string]any); d["TableStatus"] != "UPDATING" {
		t.Fatalf("another index's throughput during allocation: %v", d)
	}
	if got := phase("building"); got != "UPDATING CREATING false" {
		t.Fatalf("after another index's throughput: %s", got)
	}

	endAllocation("building")
	if got := phase("building"); got != "ACTIVE CREATING true" {
		t.Fatalf("backfilling: %s", got)
	}
	// The backfill: the index is not read, the table not deleted, no other
	// index built or dropped, no stream or on-demand cap changed.
	refusedWith(t, s, "Query", `{"TableName":"building","IndexName":"by-h","KeyConditionExpression":"h = :h","ExpressionAttributeValues":{":h":{"S":"y"}}}`,
		"ValidationException", "Cannot read from backfilling global secondary index: by-h")
	refusedWith(t, s, "DeleteTable", `{"TableName":"building"}`, "ResourceInUseException", busy+"Cannot delete table while indexes are being created, updated, or deleted.")
	refusedWith(t, s, "UpdateTable", update("building", `"AttributeDefinitions":[{"AttributeName":"i","AttributeType":"S"}],"GlobalSecondaryIndexUpdates":[{"Create":`+index("by-i", "i")+`}]`),
		"LimitExceededException", oneOnline)
	refusedWith(t, s, "UpdateTable", update("building", `"GlobalSecondaryIndexUpdates":[{"Delete":{"IndexName":"by-g"}}]`), "LimitExceededException", oneOnline)
	refusedWith(t, s, "UpdateTable", update("building", `"StreamSpecification":{"StreamEnabled":true,"StreamViewType":"KEYS_ONLY"}`), "ResourceInUseException",
		busy+"Can't change stream status when an index is being created")
	refusedWith(t, s, "UpdateTable", update("building", `"OnDemandThroughput":{"MaxReadRequestUnits":100}`), "ResourceInUseException",
		busy+"OnDemandThroughput cannot be updated while index creation is in progress for indexes: [by-h]")
	if got := phase("building"); got != "ACTIVE CREATING true" {
		t.Fatalf("after the refusals: %s", got)
	}
	// What DynamoDB admits while an index backfills: the index's own
	// throughput, deletion protection, tags, TTL, writes (which the index
	// takes), and dropping the index.
	op(t, s, "UpdateTable", update("building", `"GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"by-h","OnDemandThroughput":{"MaxReadRequestUnits":200}}}]`))
	if got := phase("building"); got != "ACTIVE CREATING true" {
		t.Fatalf("after the index's own throughput: %s", got)
	}
	op(t, s, "UpdateTable", update("building", `"DeletionProtectionEnabled":true`))
	op(t, s, "UpdateTable", update("building", `"DeletionProtectionEnabled":false`))
	arn := op(t, s, "DescribeTable", `{"TableName":"building"}`)["Table"].(map[string]any)["TableArn"].(string)
	op(t, s, "TagResource", `{"ResourceArn":"`+arn+`","Tags":[{"Key":"k","Value":"v"}]}`)
	op(t, s, "UpdateTimeToLive", `{"TableName":"building","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"ttl"}}`)
	op(t, s, "PutItem", `{"TableName":"building","Item":{"pk":{"S":"b"},"h":{"S":"y"}}}`)
	if got := phase("building"); got != "ACTIVE CREATING true" {
		t.Fatalf("after the admitted changes: %s", got)
	}
	out = op(t, s, "UpdateTable", update("building", `"GlobalSecondaryIndexUpdates":[{"Delete":{"IndexName":"by-h"}}]`))
	if got := phase("building"); got != "UPDATING DELETING <nil>" || out["TableDescription"].(map[string]any)["TableStatus"] != "UPDATING" {
		t.Fatalf("dropping the backfilling index: %s", got)
	}
	// While it is dropped, another index's throughput changes, its own not.
	op(t, s, "UpdateTable", update("building", `"GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"by-g","OnDemandThroughput":{"MaxReadRequestUnits":300}}}]`))
	refusedWith(t, s, "UpdateTable", update("building", `"GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"by-h","OnDemandThroughput":{"MaxReadRequestUnits":300}}}]`),
		"ResourceInUseException", busy+"Index is being deleted. Table: building Index: by-h")

	// The backfill ends: the index is ACTIVE and holds every item.
	addIndex("built")
	endAllocation("built")
	s.finishBackfill("built", s.tables["built"])
	if got := phase("built"); got != "ACTIVE ACTIVE <nil>" {
		t.Fatalf("after the backfill: %s", got)
	}
	op(t, s, "PutItem", `{"TableName":"built","Item":{"pk":{"S":"b"},"h":{"S":"y"}}}`)
	q := op(t, s, "Query", `{"TableName":"built","IndexName":"by-h","KeyConditionExpression":"h = :h","ExpressionAttributeValues":{":h":{"S":"y"}}}`)
	if q["Count"] != 2.0 {
		t.Fatalf("the built index answered %v", q)
	}
	op(t, s, "DeleteTable", `{"TableName":"built"}`)
}
