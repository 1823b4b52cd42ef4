package dynamodb

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strconv"
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
	// A TTL change of a table being deleted is refused, as a tag change is
	// (it was taken, and rewrote the table's stored settings).
	if code, m := call("UpdateTimeToLive", `{"TableName":"creating","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"ttl"}}`); code != 400 ||
		m["message"] != "Attempt to change a resource which is still in use: Table is being deleted: creating" || !strings.HasSuffix(m["__type"].(string), "#ResourceInUseException") {
		t.Fatalf("TTL change while DELETING: %d %v", code, m)
	}
	// "If table is already in the DELETING state, no error is returned."
	if code, m := call("DeleteTable", `{"TableName":"creating"}`); code != 200 || m["TableDescription"].(map[string]any)["TableStatus"] != "DELETING" {
		t.Fatalf("delete again while DELETING: %d %v", code, m)
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
		return `"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"GlobalSecondaryIndexUpdates":[{"Create":{"IndexName":"` + index + `","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"},"ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}}]`
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

	// A backfilling index does not hold the table: once a billing switch
	// admitted during the backfill runs, it is what a drop waits for.
	addIndex("switched")
	endAllocation("switched")
	op(t, s, "UpdateTable", update("switched", `"BillingMode":"PROVISIONED","ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1},`+
		`"GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"by-g","ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}},{"Update":{"IndexName":"by-h","ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}}]`))
	refusedWith(t, s, "UpdateTable", update("switched", `"GlobalSecondaryIndexUpdates":[{"Delete":{"IndexName":"by-h"}}]`), "ResourceInUseException",
		busy+"Can't create or delete indexes while table IOPS are being updated. Table: switched")

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

// TestTagsWhileDeleting: a table being deleted still lists its tags but
// refuses changes to them, as DynamoDB does in the first moments of a
// delete.
func TestTagsWhileDeleting(t *testing.T) {
	s, err := New(&service.Env{DB: mustOpenMemory(t), Region: "us-east-1", AccountID: "000000000000", CreateDelay: 0, UpdateDelay: 0, DeleteDelay: time.Hour, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := op(t, s, "CreateTable", `{"TableName":"going","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"Tags":[{"Key":"k","Value":"v"}]}`)
	arn := d["TableDescription"].(map[string]any)["TableArn"].(string)
	op(t, s, "DeleteTable", `{"TableName":"going"}`)
	refusedWith(t, s, "TagResource", `{"ResourceArn":"`+arn+`","Tags":[{"Key":"b","Value":"2"}]}`, "ResourceInUseException", "Attempt to change a resource which is still in use: Table is being deleted: going")
	refusedWith(t, s, "UntagResource", `{"ResourceArn":"`+arn+`","TagKeys":["k"]}`, "ResourceInUseException", "Attempt to change a resource which is still in use: Table is being deleted: going")
	tags := op(t, s, "ListTagsOfResource", `{"ResourceArn":"`+arn+`"}`)["Tags"].([]any)
	if len(tags) != 1 || tags[0].(map[string]any)["Key"] != "k" {
		t.Fatalf("tags of a table being deleted: %v", tags)
	}
}

// TestEncryptionResends: re-sending encryption settings is what DynamoDB
// was recorded making of it. Only the key in use named by its ARN is a
// refused no-op; no key, an alias or a key id encrypt the table again.
// While an update runs, the same update is taken and any other refused.
func TestEncryptionResends(t *testing.T) {
	s, err := New(&service.Env{DB: mustOpenMemory(t), Region: "us-east-1", AccountID: "000000000000", CreateDelay: 0, UpdateDelay: time.Hour, DeleteDelay: time.Hour, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const key = "arn:aws:kms:us-east-1:000000000000:key/8963cda5-0fac-4af1-8635-0af67d16fe14"
	create := func(name, sse string) {
		op(t, s, "CreateTable", `{"TableName":"`+name+`","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]`+sse+`}`)
	}
	sseStatus := func(out map[string]any) string {
		d := out["TableDescription"].(map[string]any)
		return d["TableStatus"].(string) + " " + d["SSEDescription"].(map[string]any)["Status"].(string)
	}
	update := func(name, spec string) map[string]any {
		return op(t, s, "UpdateTable", `{"TableName":"`+name+`","SSESpecification":`+spec+`}`)
	}
	const again = "One or more parameter values were invalid: Table is already encrypted with given KMSMasterKeyId. Use KMSMasterKeyId parameter if you want to change Master Key"
	// The AWS-managed key, named in every way but its ARN.
	for i, spec := range []string{`{"Enabled":true}`, `{"Enabled":true,"SSEType":"KMS"}`, `{"Enabled":true,"SSEType":"KMS","KMSMasterKeyId":"alias/aws/dynamodb"}`} {
		name := "managed" + strconv.Itoa(i)
		create(name, `,"SSESpecification":{"Enabled":true}`)
		if got := sseStatus(update(name, spec)); got != "ACTIVE UPDATING" {
			t.Fatalf("%s again: %s", spec, got)
		}
	}
	create("managed", `,"SSESpecification":{"Enabled":true}`)
	arn := op(t, s, "DescribeTable", `{"TableName":"managed"}`)["Table"].(map[string]any)["SSEDescription"].(map[string]any)["KMSMasterKeyArn"].(string)
	refusedWith(t, s, "UpdateTable", `{"TableName":"managed","SSESpecification":{"Enabled":true,"SSEType":"KMS","KMSMasterKeyId":"`+arn+`"}}`, "ValidationException", again)
	// A customer key: by its id again, then by its ARN.
	create("customer", `,"SSESpecification":{"Enabled":true,"SSEType":"KMS","KMSMasterKeyId":"`+key+`"}`)
	refusedWith(t, s, "UpdateTable", `{"TableName":"customer","SSESpecification":{"Enabled":true,"SSEType":"KMS","KMSMasterKeyId":"`+key+`"}}`, "ValidationException", again)
	if got := sseStatus(update("customer", `{"Enabled":true,"SSEType":"KMS","KMSMasterKeyId":"8963cda5-0fac-4af1-8635-0af67d16fe14"}`)); got != "ACTIVE UPDATING" {
		t.Fatalf("the key by its id: %s", got)
	}
	// While it is under way: the same again is taken, anything else waits.
	create("plain", "")
	update("plain", `{"Enabled":true,"SSEType":"KMS"}`)
	if got := sseStatus(update("plain", `{"Enabled":true,"SSEType":"KMS"}`)); got != "ACTIVE UPDATING" {
		t.Fatalf("the same update again: %s", got)
	}
	refusedWith(t, s, "UpdateTable", `{"TableName":"plain","SSESpecification":{"Enabled":false}}`, "ResourceInUseException",
		"Attempt to change a resource which is still in use: Server-Side Encryption is still being updated")
}

// TestUpdatesDuringStreamAndBillingChanges: what DynamoDB answers an
// on-demand cap while a stream or the billing mode changes, and that asking
// an on-demand table to be on-demand leaves it ACTIVE.
func TestUpdatesDuringStreamAndBillingChanges(t *testing.T) {
	s, err := New(&service.Env{DB: mustOpenMemory(t), Region: "us-east-1", AccountID: "000000000000", CreateDelay: 0, UpdateDelay: time.Hour, DeleteDelay: time.Hour, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	create := func(name, billing string) {
		op(t, s, "CreateTable", `{"TableName":"`+name+`",`+billing+`,"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`)
	}
	const onDemand = `"BillingMode":"PAY_PER_REQUEST"`
	const provisioned = `"BillingMode":"PROVISIONED","ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}`
	const cap = `"OnDemandThroughput":{"MaxReadRequestUnits":100,"MaxWriteRequestUnits":100}`
	const busy = "Attempt to change a resource which is still in use: "

	create("again", onDemand)
	out := op(t, s, "UpdateTable", `{"TableName":"again",`+onDemand+`}`)
	if got := out["TableDescription"].(map[string]any)["TableStatus"]; got != "UPDATING" {
		t.Fatalf("the answer to on-demand again: %v", got)
	}
	if got := op(t, s, "DescribeTable", `{"TableName":"again"}`)["Table"].(map[string]any)["TableStatus"]; got != "ACTIVE" {
		t.Fatalf("the table after on-demand again: %v", got)
	}
	op(t, s, "UpdateTable", `{"TableName":"again","StreamSpecification":{"StreamEnabled":true,"StreamViewType":"KEYS_ONLY"}}`)
	refusedWith(t, s, "UpdateTable", `{"TableName":"again",`+cap+`}`, "ResourceInUseException", busy+"OnDemandThroughput cannot be updated while stream status update is in progress")

	create("to-provisioned", onDemand)
	op(t, s, "UpdateTable", `{"TableName":"to-provisioned",`+provisioned+`}`)
	refusedWith(t, s, "UpdateTable", `{"TableName":"to-provisioned",`+cap+`}`, "ResourceInUseException", busy+"OnDemandThroughput cannot be updated while BillingMode update is in progress")

	create("to-on-demand", provisioned)
	op(t, s, "UpdateTable", `{"TableName":"to-on-demand",`+onDemand+`}`)
	// The time the table became on-demand is described once it has.
	if sum := op(t, s, "DescribeTable", `{"TableName":"to-on-demand"}`)["Table"].(map[string]any)["BillingModeSummary"].(map[string]any); len(sum) != 1 || sum["BillingMode"] != "PAY_PER_REQUEST" {
		t.Fatalf("the billing summary during the switch: %v", sum)
	}
	refusedWith(t, s, "UpdateTable", `{"TableName":"to-on-demand",`+cap+`}`, "ValidationException",
		"One or more parameter values were invalid: MaxReadRequestUnits for OnDemandThroughput cannot be specified when the table BillingMode is PROVISIONED")

	// A throughput change is described with the old units until it is done.
	create("grow", provisioned)
	op(t, s, "UpdateTable", `{"TableName":"grow","ProvisionedThroughput":{"ReadCapacityUnits":2,"WriteCapacityUnits":2}}`)
	units := func() any {
		return op(t, s, "DescribeTable", `{"TableName":"grow"}`)["Table"].(map[string]any)["ProvisionedThroughput"].(map[string]any)["ReadCapacityUnits"]
	}
	if got := units(); got != 1.0 {
		t.Fatalf("read units while the change is under way: %v", got)
	}
	s.mu.RLock()
	gen := s.tables["grow"].generation
	s.mu.RUnlock()
	s.settleTable("grow", gen)
	if got := units(); got != 2.0 {
		t.Fatalf("read units once the change is done: %v", got)
	}
}

// TestTagsAndTTLWhileCreating: a table being created refuses tag and TTL
// changes in DynamoDB's words and lists none of its tags yet.
func TestTagsAndTTLWhileCreating(t *testing.T) {
	s, err := New(&service.Env{DB: mustOpenMemory(t), Region: "us-east-1", AccountID: "000000000000", CreateDelay: time.Hour, UpdateDelay: time.Hour, DeleteDelay: time.Hour, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := op(t, s, "CreateTable", `{"TableName":"coming","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"Tags":[{"Key":"c","Value":"1"}]}`)
	arn := d["TableDescription"].(map[string]any)["TableArn"].(string)
	refusedWith(t, s, "TagResource", `{"ResourceArn":"`+arn+`","Tags":[{"Key":"b","Value":"2"}]}`, "ResourceInUseException", "Attempt to change a resource which is still in use: Table is being created: coming")
	if tags := op(t, s, "ListTagsOfResource", `{"ResourceArn":"`+arn+`"}`)["Tags"].([]any); len(tags) != 0 {
		t.Fatalf("tags of a table being created: %v", tags)
	}
	refusedWith(t, s, "UpdateTimeToLive", `{"TableName":"coming","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"t"}}`, "ResourceInUseException",
		"Attempt to change a resource which is still in use: Table coming is being created")
}

// TestTableARNsOfElsewhere: the describing operations refuse a table ARN
// of another partition, region or account as DynamoDB was recorded doing;
// tags are listed for no stream and no backup.
func TestTableARNsOfElsewhere(t *testing.T) {
	s, err := New(&service.Env{DB: mustOpenMemory(t), Region: "us-east-1", AccountID: "000000000000", Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := op(t, s, "CreateTable", `{"TableName":"here","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"StreamSpecification":{"StreamEnabled":true,"StreamViewType":"KEYS_ONLY"},"Tags":[{"Key":"k","Value":"v"}]}`)["TableDescription"].(map[string]any)
	arn, stream := d["TableArn"].(string), d["LatestStreamArn"].(string)
	for _, name := range []string{"DescribeTable", "DescribeTimeToLive", "DescribeContinuousBackups", "DescribeContributorInsights"} {
		other := strings.Replace(arn, "us-east-1", "us-west-2", 1)
		refusedWith(t, s, name, `{"TableName":"`+other+`"}`, "ValidationException", "1 validation error detected: Invalid AWS region in '"+other+"'")
		other = strings.Replace(arn, "arn:aws:", "arn:aws-cn:", 1)
		refusedWith(t, s, name, `{"TableName":"`+other+`"}`, "ValidationException", "1 validation error detected: Invalid AWS partition in '"+other+"'")
		other = strings.Replace(arn, "000000000000", "111122223333", 1)
		w := httptest.NewRecorder()
		s.ServeOp(w, httptest.NewRequest("POST", "/", nil), name, []byte(`{"TableName":"`+other+`"}`))
		if w.Code != 400 || !strings.Contains(w.Body.String(), `#AccessDeniedException","message":"Access is denied"`) {
			t.Fatalf("%s of another account's table: %d %s", name, w.Code, w.Body)
		}
	}
	other := strings.Replace(arn, "000000000000", "111122223333", 1)
	w := httptest.NewRecorder()
	s.ServeOp(w, httptest.NewRequest("POST", "/", nil), "ListTagsOfResource", []byte(`{"ResourceArn":"`+other+`"}`))
	if w.Code != 400 || !strings.Contains(w.Body.String(), `#AccessDeniedException","message":"Access is denied"`) {
		t.Fatalf("tags of another account's table: %d %s", w.Code, w.Body)
	}
	// A stream's ARN lists no tags and tags nothing; a backup's is not one
	// tags are kept for.
	if tags := op(t, s, "ListTagsOfResource", `{"ResourceArn":"`+stream+`"}`)["Tags"].([]any); len(tags) != 0 {
		t.Fatalf("tags of the stream: %v", tags)
	}
	op(t, s, "TagResource", `{"ResourceArn":"`+stream+`","Tags":[{"Key":"s","Value":"1"}]}`)
	if tags := op(t, s, "ListTagsOfResource", `{"ResourceArn":"`+arn+`"}`)["Tags"].([]any); len(tags) != 1 {
		t.Fatalf("the table's tags after tagging its stream: %v", tags)
	}
	backup := arn + "/backup/01700000000000-abcdef12"
	refusedWith(t, s, "ListTagsOfResource", `{"ResourceArn":"`+backup+`"}`, "ValidationException", "One or more parameter values were invalid: Provided Arn is not a DynamoDB resource arn: "+backup)
}

// TestThroughputChangeAnswers: UpdateTable's answers to throughput and
// billing changes, as DynamoDB was recorded giving them: the old units and
// the old count of decreases with the new change time, a switch to
// on-demand as 0/0 decreased now, and UpdateTable's own refusals.
func TestThroughputChangeAnswers(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	s, err := New(&service.Env{DB: mustOpenMemory(t), Region: "us-east-1", AccountID: "000000000000", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	op(t, s, "CreateTable", `{"TableName":"tpx","BillingMode":"PROVISIONED","ProvisionedThroughput":{"ReadCapacityUnits":10,"WriteCapacityUnits":10},"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`)
	throughput := func(out map[string]any) map[string]any {
		return out["TableDescription"].(map[string]any)["ProvisionedThroughput"].(map[string]any)
	}
	at := epochSeconds(now)
	got := throughput(op(t, s, "UpdateTable", `{"TableName":"tpx","ProvisionedThroughput":{"ReadCapacityUnits":9,"WriteCapacityUnits":9}}`))
	if got["ReadCapacityUnits"] != 10.0 || got["NumberOfDecreasesToday"] != 0.0 || got["LastDecreaseDateTime"] != at {
		t.Fatalf("the first decrease answered %v", got)
	}
	got = throughput(op(t, s, "UpdateTable", `{"TableName":"tpx","ProvisionedThroughput":{"ReadCapacityUnits":9,"WriteCapacityUnits":8}}`))
	if got["WriteCapacityUnits"] != 9.0 || got["NumberOfDecreasesToday"] != 1.0 {
		t.Fatalf("the second decrease answered %v", got)
	}
	if got := op(t, s, "DescribeTable", `{"TableName":"tpx"}`)["Table"].(map[string]any)["ProvisionedThroughput"].(map[string]any); got["NumberOfDecreasesToday"] != 2.0 {
		t.Fatalf("described after two decreases: %v", got)
	}
	refusedWith(t, s, "UpdateTable", `{"TableName":"tpx","OnDemandThroughput":{"MaxReadRequestUnits":10}}`, "ValidationException",
		"One or more parameter values were invalid: MaxReadRequestUnits for OnDemandThroughput cannot be specified when the table BillingMode is PROVISIONED")
	refusedWith(t, s, "UpdateTable", `{"TableName":"tpx","BillingMode":"PAY_PER_REQUEST","ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}`, "ValidationException",
		"One or more parameter values were invalid: ProvisionedThroughput cannot be specified when BillingMode is PAY_PER_REQUEST")
	refusedWith(t, s, "UpdateTable", `{"TableName":"tpx","ProvisionedThroughput":{"ReadCapacityUnits":40001,"WriteCapacityUnits":1}}`, "LimitExceededException",
		"The requested ReadCapacityUnits, 40001, is above the per table maximum for the account in us-east-1. Per table maximum: 40000. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.")
	now = now.Add(time.Minute)
	got = throughput(op(t, s, "UpdateTable", `{"TableName":"tpx","BillingMode":"PAY_PER_REQUEST"}`))
	if got["ReadCapacityUnits"] != 0.0 || got["WriteCapacityUnits"] != 0.0 || got["LastDecreaseDateTime"] != epochSeconds(now) || got["NumberOfDecreasesToday"] != 2.0 {
		t.Fatalf("the switch to on-demand answered %v", got)
	}
}

// TestIndexUpdateAndKeyRefusals: UpdateTable's and CreateTable's refusals
// of an on-demand index update that changes nothing, an index on an
// undefined attribute without definitions, and an empty key id.
func TestIndexUpdateAndKeyRefusals(t *testing.T) {
	s, err := New(&service.Env{DB: mustOpenMemory(t), Region: "us-east-1", AccountID: "000000000000", Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	op(t, s, "CreateTable", `{"TableName":"ondemand","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],`+
		`"GlobalSecondaryIndexes":[{"IndexName":"by-g","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]}`)
	const onlyUpdates = "One or more parameter values were invalid: The only Updates for index: by-g when TableThroughputMode is PAY_PER_REQUEST can be to OnDemandThroughput, WarmThroughput"
	refusedWith(t, s, "UpdateTable", `{"TableName":"ondemand","GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"by-g","OnDemandThroughput":{}}}]}`, "ValidationException", onlyUpdates)
	refusedWith(t, s, "UpdateTable", `{"TableName":"ondemand","GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"by-g"}}]}`, "ValidationException", onlyUpdates)
	refusedWith(t, s, "UpdateTable", `{"TableName":"ondemand","GlobalSecondaryIndexUpdates":[{"Create":{"IndexName":"by-z","KeySchema":[{"AttributeName":"z","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}}]}`,
		"ValidationException", "One or more parameter values were invalid: AttributeDefinitions is not specified for index: by-z")
	refusedWith(t, s, "CreateTable", `{"TableName":"keyless","BillingMode":"PAY_PER_REQUEST","SSESpecification":{"Enabled":true,"SSEType":"KMS","KMSMasterKeyId":""},"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`,
		"ValidationException", "1 validation error detected: Value '' at 'sSESpecification.kMSMasterKeyId' failed to satisfy constraint: Member must have length greater than or equal to 1")
	if d := op(t, s, "DescribeTable", `{"TableName":"ondemand"}`)["Table"].(map[string]any); d["TableStatus"] != "ACTIVE" || len(d["GlobalSecondaryIndexes"].([]any)) != 1 {
		t.Fatalf("after the refusals: %v", d)
	}
	refusedWith(t, s, "DescribeTable", `{"TableName":"keyless"}`, "ResourceNotFoundException", "Requested resource not found: Table: keyless not found")
}

// TestIndexChangesAsRecorded: index refusals and counts as DynamoDB was
// recorded giving them while indexes change, and member errors with the
// index's place in the request.
func TestIndexChangesAsRecorded(t *testing.T) {
	s, err := New(&service.Env{DB: mustOpenMemory(t), Region: "us-east-1", AccountID: "000000000000", CreateDelay: 0, UpdateDelay: time.Hour, DeleteDelay: time.Hour, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const busy = "Attempt to change a resource which is still in use: "
	withIndex := func(name, billing, indexPT string) {
		op(t, s, "CreateTable", `{"TableName":"`+name+`",`+billing+`,"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],`+
			`"GlobalSecondaryIndexes":[{"IndexName":"gsi1","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}`+indexPT+`}]}`)
	}
	const provisioned = `"BillingMode":"PROVISIONED","ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}`
	const onDemand = `"BillingMode":"PAY_PER_REQUEST"`
	const indexPT = `,"ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}`

	// While gsi1 is dropped, a request naming it is told so first, and
	// on-demand asked again of an on-demand table is taken.
	withIndex("dropping", onDemand, "")
	op(t, s, "UpdateTable", `{"TableName":"dropping","GlobalSecondaryIndexUpdates":[{"Delete":{"IndexName":"gsi1"}}]}`)
	refusedWith(t, s, "UpdateTable", `{"TableName":"dropping",`+provisioned+`,"GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"gsi1","ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}}]}`,
		"ResourceInUseException", busy+"Index is being deleted. Table: dropping Index: gsi1")
	if out := op(t, s, "UpdateTable", `{"TableName":"dropping",`+onDemand+`}`); out["TableDescription"].(map[string]any)["TableStatus"] != "UPDATING" {
		t.Fatalf("on-demand again while an index is dropped: %v", out)
	}

	// A second change of an index's cap waits for the first.
	withIndex("capped", onDemand, "")
	op(t, s, "UpdateTable", `{"TableName":"capped","GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"gsi1","OnDemandThroughput":{"MaxReadRequestUnits":100}}}]}`)
	refusedWith(t, s, "UpdateTable", `{"TableName":"capped","GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"gsi1","OnDemandThroughput":{"MaxReadRequestUnits":200}}}]}`,
		"ResourceInUseException", busy+"Index is being updated. Table: capped Index: gsi1")

	// UpdateTable's words for an index cap on a PROVISIONED table; a switch
	// to on-demand counts as a decrease of each index, not of the table.
	withIndex("prov", provisioned, indexPT)
	refusedWith(t, s, "UpdateTable", `{"TableName":"prov","GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"gsi1","OnDemandThroughput":{"MaxReadRequestUnits":100}}}]}`,
		"ValidationException", "One or more parameter values were invalid: MaxReadRequestUnits for OnDemandThroughput for index : gsi1 cannot be specified when the table BillingMode is PROVISIONED")
	refusedWith(t, s, "UpdateTable", `{"TableName":"prov","GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"gsi1","ProvisionedThroughput":{"ReadCapacityUnits":40001,"WriteCapacityUnits":1}}}]}`,
		"LimitExceededException", "The requested ReadCapacityUnits for index gsi1, 40001, is above the per index maximum for the account in us-east-1. Per table maximum: 40000. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.")
	op(t, s, "UpdateTable", `{"TableName":"prov",`+onDemand+`}`)
	s.mu.RLock()
	gen := s.tables["prov"].generation
	s.mu.RUnlock()
	s.settleTable("prov", gen)
	d := op(t, s, "DescribeTable", `{"TableName":"prov"}`)["Table"].(map[string]any)
	table := d["ProvisionedThroughput"].(map[string]any)["NumberOfDecreasesToday"]
	index := d["GlobalSecondaryIndexes"].([]any)[0].(map[string]any)["ProvisionedThroughput"].(map[string]any)["NumberOfDecreasesToday"]
	if table != 0.0 || index != 1.0 {
		t.Fatalf("decreases after the switch to on-demand: table %v, index %v", table, index)
	}

	// Member errors name the index's place.
	refusedWith(t, s, "CreateTable", `{"TableName":"zero",`+onDemand+`,"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],`+
		`"GlobalSecondaryIndexes":[{"IndexName":"gsi1","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"},"ProvisionedThroughput":{"ReadCapacityUnits":0,"WriteCapacityUnits":1}}]}`,
		"ValidationException", "1 validation error detected: Value '0' at 'globalSecondaryIndexes.1.member.provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1")
	refusedWith(t, s, "CreateTable", `{"TableName":"wide",`+onDemand+`,"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"S"},{"AttributeName":"x","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],`+
		`"LocalSecondaryIndexes":[{"IndexName":"lsi1","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"x","KeyType":"RANGE"},{"AttributeName":"sk","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}]}`,
		"ValidationException", "1 validation error detected: Value '[KeySchemaElement(attributeName=pk, keyType=HASH), KeySchemaElement(attributeName=x, keyType=RANGE), KeySchemaElement(attributeName=sk, keyType=RANGE)]' at 'localSecondaryIndexes.1.member.keySchema' failed to satisfy constraint: Member must have length less than or equal to 2")
	refusedWith(t, s, "CreateTable", `{"TableName":"lower",`+onDemand+`,"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],`+
		`"GlobalSecondaryIndexes":[{"IndexName":"gsi1","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"all"}}]}`,
		"ValidationException", "1 validation error detected: Value 'all' at 'globalSecondaryIndexes.1.member.projection.projectionType' failed to satisfy constraint: Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]")
	// An index update's throughput members are named where they are, as
	// CreateTable's indexes' are, before the table is looked up.
	refusedWith(t, s, "UpdateTable", `{"TableName":"absent","GlobalSecondaryIndexUpdates":[{"Update":{"IndexName":"gsi1","ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":0}}}]}`,
		"ValidationException", "1 validation error detected: Value '0' at 'globalSecondaryIndexUpdates.1.member.update.provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1")
	refusedWith(t, s, "UpdateTable", `{"TableName":"absent","GlobalSecondaryIndexUpdates":[{"Create":{"IndexName":"gsi1","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"},"ProvisionedThroughput":{"ReadCapacityUnits":0,"WriteCapacityUnits":1}}}]}`,
		"ValidationException", "1 validation error detected: Value '0' at 'globalSecondaryIndexUpdates.1.member.create.provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1")
	// One attribute named twice against its one definition has "no
	// definition" (as DynamoDB answers it), before the same-name rule.
	refusedWith(t, s, "CreateTable", `{"TableName":"twice",`+onDemand+`,"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"pk","KeyType":"RANGE"}]}`,
		"ValidationException", "Invalid KeySchema: Some index key attribute have no definition")
	refusedWith(t, s, "CreateTable", `{"TableName":"twice",`+onDemand+`,"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"x","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"pk","KeyType":"RANGE"}]}`,
		"ValidationException", "Both the Hash Key and the Range Key element in the KeySchema have the same name")
	// Definitions are listed as the request gives them.
	refusedWith(t, s, "CreateTable", `{"TableName":"undefined",`+onDemand+`,"AttributeDefinitions":[{"AttributeName":"sk","AttributeType":"S"},{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],`+
		`"GlobalSecondaryIndexes":[{"IndexName":"gsi1","KeySchema":[{"AttributeName":"q","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]}`,
		"ValidationException", "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [q], AttributeDefinitions: [sk, pk]")
}

// TestThroughputChangeDuringBackfillSettles: a throughput change admitted
// while an index backfills settles in its own time even when the backfill
// ends first; before, the backfill's end made the change's timer stale and
// the table stayed UPDATING for good.
func TestThroughputChangeDuringBackfillSettles(t *testing.T) {
	s, err := New(&service.Env{DB: mustOpenMemory(t), Region: "us-east-1", AccountID: "000000000000", CreateDelay: 0, UpdateDelay: time.Hour, DeleteDelay: time.Hour, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	op(t, s, "CreateTable", `{"TableName":"busy","BillingMode":"PROVISIONED","ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":5},"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`)
	op(t, s, "UpdateTable", `{"TableName":"busy","AttributeDefinitions":[{"AttributeName":"h","AttributeType":"S"}],"GlobalSecondaryIndexUpdates":[{"Create":{"IndexName":"gsi4","KeySchema":[{"AttributeName":"h","KeyType":"HASH"}],"Projection":{"ProjectionType":"KEYS_ONLY"},"ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":5}}}]}`)
	generation := func() int {
		s.mu.RLock()
		defer s.mu.RUnlock()
		return s.tables["busy"].generation
	}
	s.settleTable("busy", generation()) // the allocation ends
	op(t, s, "UpdateTable", `{"TableName":"busy","ProvisionedThroughput":{"ReadCapacityUnits":7,"WriteCapacityUnits":7}}`)
	change := generation()
	s.mu.RLock()
	tbl := s.tables["busy"]
	s.mu.RUnlock()
	s.finishBackfill("busy", tbl) // the backfill ends first
	s.settleTable("busy", change) // then the throughput change's timer
	d := op(t, s, "DescribeTable", `{"TableName":"busy"}`)["Table"].(map[string]any)
	if d["TableStatus"] != "ACTIVE" || d["ProvisionedThroughput"].(map[string]any)["ReadCapacityUnits"] != 7.0 ||
		d["GlobalSecondaryIndexes"].([]any)[0].(map[string]any)["IndexStatus"] != "ACTIVE" {
		t.Fatalf("after the backfill and the change: %s, %v, %v", d["TableStatus"], d["ProvisionedThroughput"], d["GlobalSecondaryIndexes"])
	}
}

// TestTableClassDescribed: a table's class is kept and described as
// DynamoDB was recorded describing it, changed alone with the table
// UPDATING, and refused in its words.
func TestTableClassDescribed(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	s, err := New(&service.Env{DB: mustOpenMemory(t), Region: "us-east-1", AccountID: "000000000000", CreateDelay: 0, UpdateDelay: time.Hour, DeleteDelay: time.Hour, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	create := func(name, extra string) {
		op(t, s, "CreateTable", `{"TableName":"`+name+`","BillingMode":"PAY_PER_REQUEST",`+extra+`"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`)
	}
	table := func(name string) map[string]any {
		return op(t, s, "DescribeTable", `{"TableName":"`+name+`"}`)["Table"].(map[string]any)
	}
	create("infrequent", `"TableClass":"STANDARD_INFREQUENT_ACCESS",`)
	if got := table("infrequent")["TableClassSummary"]; fmt.Sprint(got) != "map[TableClass:STANDARD_INFREQUENT_ACCESS]" {
		t.Fatalf("a table created infrequent: %v", got)
	}
	create("plain", "")
	if got, ok := table("plain")["TableClassSummary"]; ok {
		t.Fatalf("a table created without a class: %v", got)
	}
	out := op(t, s, "UpdateTable", `{"TableName":"plain","TableClass":"STANDARD_INFREQUENT_ACCESS"}`)["TableDescription"].(map[string]any)
	if _, ok := out["TableClassSummary"]; out["TableStatus"] != "UPDATING" || ok {
		t.Fatalf("the change answered %v", out)
	}
	if d := table("plain"); d["TableStatus"] != "UPDATING" || d["TableClassSummary"] != nil {
		t.Fatalf("during the change: %v %v", d["TableStatus"], d["TableClassSummary"])
	}
	refusedWith(t, s, "UpdateTable", `{"TableName":"plain","AttributeDefinitions":[{"AttributeName":"g","AttributeType":"S"}],"GlobalSecondaryIndexUpdates":[{"Create":{"IndexName":"by-g","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}}]}`,
		"ResourceInUseException", "Attempt to change a resource which is still in use: Can't create or delete an index when a table class update is in progress.")
	s.mu.RLock()
	gen := s.tables["plain"].generation
	s.mu.RUnlock()
	s.settleTable("plain", gen)
	changed := fmt.Sprintf("map[LastUpdateDateTime:%v TableClass:STANDARD_INFREQUENT_ACCESS]", epochSeconds(now))
	if d := table("plain"); d["TableStatus"] != "ACTIVE" || fmt.Sprint(d["TableClassSummary"]) != changed {
		t.Fatalf("after the change: %v %v", d["TableStatus"], d["TableClassSummary"])
	}
	// The class the table has again: UPDATING answered, nothing changed.
	out = op(t, s, "UpdateTable", `{"TableName":"plain","TableClass":"STANDARD_INFREQUENT_ACCESS"}`)["TableDescription"].(map[string]any)
	if out["TableStatus"] != "UPDATING" || fmt.Sprint(out["TableClassSummary"]) != changed || table("plain")["TableStatus"] != "ACTIVE" {
		t.Fatalf("the same class again answered %v", out)
	}
	refusedWith(t, s, "UpdateTable", `{"TableName":"plain","TableClass":"STANDARD","DeletionProtectionEnabled":true}`, "ValidationException",
		"One or more parameter values were invalid: TableClass modification must be the only operation in the request")
	refusedWith(t, s, "UpdateTable", `{"TableName":"plain","TableClass":"STANDARD","SSESpecification":{"Enabled":true}}`, "ValidationException",
		"One or more parameter values were invalid: Server-Side Encryption modification must be the only operation in the request")
	refusedWith(t, s, "UpdateTable", `{"TableName":"plain","TableClass":"COLD"}`, "ValidationException",
		"1 validation error detected: Value 'COLD' at 'tableClass' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, STANDARD_INFREQUENT_ACCESS]")
}

// TestNewIndexKeysDefinedInRequest: UpdateTable's new index has its keys
// defined in the request, even those the table defines already (its table
// or local index key); a migration that leaves them out fails on AWS.
func TestNewIndexKeysDefinedInRequest(t *testing.T) {
	env := &service.Env{DB: mustOpenMemory(t), Region: "us-east-1", AccountID: "000000000000", CreateDelay: 0, UpdateDelay: 0, DeleteDelay: 0, Now: time.Now}
	s, err := New(env)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	op(t, s, "CreateTable", `{"TableName":"tab","BillingMode":"PAY_PER_REQUEST",`+
		`"AttributeDefinitions":[{"AttributeName":"p","AttributeType":"S"},{"AttributeName":"c","AttributeType":"S"},{"AttributeName":"x","AttributeType":"N"}],`+
		`"KeySchema":[{"AttributeName":"p","KeyType":"HASH"},{"AttributeName":"c","KeyType":"RANGE"}],`+
		`"LocalSecondaryIndexes":[{"IndexName":"by-x","KeySchema":[{"AttributeName":"p","KeyType":"HASH"},{"AttributeName":"x","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}]}`)
	create := func(defs string, keys ...string) string {
		schema := `[{"AttributeName":"` + keys[0] + `","KeyType":"HASH"}`
		if len(keys) > 1 {
			schema += `,{"AttributeName":"` + keys[1] + `","KeyType":"RANGE"}`
		}
		return `{"TableName":"tab",` + defs + `"GlobalSecondaryIndexUpdates":[{"Create":{"IndexName":"gsi","KeySchema":` + schema + `],"Projection":{"ProjectionType":"ALL"}}}]}`
	}
	refusedWith(t, s, "UpdateTable", create("", "c", "p"), "ValidationException",
		"One or more parameter values were invalid: AttributeDefinitions is not specified for index: gsi")
	refusedWith(t, s, "UpdateTable", create(`"AttributeDefinitions":[{"AttributeName":"y","AttributeType":"S"},{"AttributeName":"c","AttributeType":"S"}],`, "c", "x"), "ValidationException",
		"One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [x], AttributeDefinitions: [y, c]")
	if m := op(t, s, "DescribeTable", `{"TableName":"tab"}`); m["Table"].(map[string]any)["GlobalSecondaryIndexes"] != nil {
		t.Fatalf("a refused index was made: %v", m)
	}
	op(t, s, "UpdateTable", create(`"AttributeDefinitions":[{"AttributeName":"c","AttributeType":"S"},{"AttributeName":"x","AttributeType":"N"}],`, "c", "x"))
}

// TestWarmThroughputAloneIsTaken: an UpdateTable of warm throughput alone
// is taken and changes nothing (spk local has none to set); it was refused
// with a list of required members that named WarmThroughput.
func TestWarmThroughputAloneIsTaken(t *testing.T) {
	env := &service.Env{DB: mustOpenMemory(t), Region: "us-east-1", AccountID: "000000000000", CreateDelay: 0, UpdateDelay: time.Hour, DeleteDelay: 0, Now: time.Now}
	s, err := New(env)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	op(t, s, "CreateTable", `{"TableName":"warm","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`)
	m := op(t, s, "UpdateTable", `{"TableName":"warm","WarmThroughput":{"ReadUnitsPerSecond":13000,"WriteUnitsPerSecond":5000}}`)
	if st := m["TableDescription"].(map[string]any)["TableStatus"]; st != "ACTIVE" {
		t.Fatalf("UpdateTable of warm throughput answered %v", m)
	}
	if st := op(t, s, "DescribeTable", `{"TableName":"warm"}`)["Table"].(map[string]any)["TableStatus"]; st != "ACTIVE" {
		t.Fatalf("after it the table is %v", st)
	}
	// A value of another type is refused as any member's is.
	w := httptest.NewRecorder()
	s.ServeOp(w, httptest.NewRequest("POST", "/", nil), "UpdateTable", []byte(`{"TableName":"warm","WarmThroughput":"abc"}`))
	if w.Code != 400 || !strings.Contains(w.Body.String(), `"Message":"Unexpected value type in payload for field WarmThroughput"`) {
		t.Fatalf("a string for WarmThroughput: %d %s", w.Code, w.Body)
	}
	refusedWith(t, s, "UpdateTable", `{"TableName":"warm","WarmThroughput":null}`, "ValidationException",
		"At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is required")
}
