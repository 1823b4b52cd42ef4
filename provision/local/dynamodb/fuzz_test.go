package dynamodb

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/spk-cli/spk/provision/local/service"
	"github.com/spk-cli/spk/provision/local/store"
)

// FuzzRequests feeds arbitrary bodies to every operation: none may panic,
// and every answer is a 200 or a 4xx, never a 500.
func FuzzRequests(f *testing.F) {
	db, err := store.Open("", true)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	s, err := New(&service.Env{DB: db, Region: "us-east-1", AccountID: "000000000000", CreateDelay: -1, UpdateDelay: -1, DeleteDelay: -1, Now: time.Now})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	serve := func(op string, body []byte) int {
		w := httptest.NewRecorder()
		s.ServeOp(w, httptest.NewRequest("POST", "/", nil), op, body)
		return w.Code
	}
	w := httptest.NewRecorder()
	s.ServeOp(w, httptest.NewRequest("POST", "/", nil), "CreateTable", []byte(`{"TableName":"fuzz","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]}`))
	if w.Code != 200 {
		f.Fatalf("create table: %d %s", w.Code, w.Body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.mu.RLock()
		st := s.tables["fuzz"].meta.TableStatus
		s.mu.RUnlock()
		if st == "ACTIVE" || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond) // polling interval
	}
	ops := []string{"PutItem", "GetItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchWriteItem", "BatchGetItem", "TransactWriteItems", "TransactGetItems", "CreateTable", "UpdateTable", "DescribeTable", "ListTables", "UpdateTimeToLive", "TagResource",
		"ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction",
		"UpdateContinuousBackups", "DescribeContinuousBackups", "UpdateContributorInsights", "DescribeContributorInsights", "ListContributorInsights"}
	seeds := []string{
		`{"TableName":"fuzz","Item":{"pk":{"S":"a"},"sk":{"N":"1"},"x":{"M":{"l":{"L":[{"NS":["1"]}]}}}}}`,
		`{"TableName":"fuzz","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"UpdateExpression":"SET #a = if_not_exists(#a, :z) + :o","ExpressionAttributeNames":{"#a":"a"},"ExpressionAttributeValues":{":z":{"N":"0"},":o":{"N":"1"}}}`,
		`{"TableName":"fuzz","KeyConditionExpression":"pk = :p AND sk BETWEEN :a AND :b","ExpressionAttributeValues":{":p":{"S":"a"},":a":{"N":"0"},":b":{"N":"9"}},"Limit":1,"ExclusiveStartKey":{"pk":{"S":"a"},"sk":{"N":"0"}}}`,
		`{"TableName":"fuzz","ScanFilter":{"x":{"ComparisonOperator":"NOT_NULL"}},"Segment":0,"TotalSegments":2}`,
		`{"RequestItems":{"fuzz":[{"PutRequest":{"Item":{"pk":{"S":"b"},"sk":{"N":"2"}}}}]}}`,
		`{"TransactItems":[{"Update":{"TableName":"fuzz","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"UpdateExpression":"ADD c :o","ExpressionAttributeValues":{":o":{"N":"1"}}}}],"ClientRequestToken":"t"}`,
		`{"TableName":"fuzz","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"Expected":{"a":{"ComparisonOperator":"IN","AttributeValueList":[{"N":"1"}]}},"AttributeUpdates":{"b":{"Action":"ADD","Value":{"L":[]}}}}`,
		``, `{`, `[]`, `null`, `{"TableName":5}`,
	}
	for i, sd := range seeds {
		f.Add(uint8(i), []byte(sd))
	}
	for _, sd := range []struct {
		op   uint8
		body string
	}{
		{16, `{"Statement":"UPDATE fuzz SET a = list_append(a, [?]) WHERE pk = 'a' AND sk = 1 AND size(b) > 1 RETURNING ALL NEW *","Parameters":[{"S":"x"}]}`},
		{16, `{"Statement":"SELECT a.b[1], c FROM fuzz WHERE pk = ? AND (sk BETWEEN 1 AND 9 OR c IS MISSING)","Parameters":[{"S":"a"}],"Limit":1}`},
		{17, `{"Statements":[{"Statement":"INSERT INTO fuzz VALUE {'pk': 'a', 'sk': 2, 's': <<1, 2>>}"}]}`},
		{18, `{"TransactStatements":[{"Statement":"DELETE FROM fuzz WHERE pk = 'a' AND sk = 1 AND n = ?","Parameters":[{"N":"1"}]}],"ClientRequestToken":"p"}`},
		{19, `{"TableName":"fuzz","PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true,"RecoveryPeriodInDays":7}}`},
		{21, `{"TableName":"fuzz","ContributorInsightsAction":"ENABLE","ContributorInsightsMode":"THROTTLED_KEYS"}`},
		{23, `{"TableName":"fuzz","MaxResults":1,"NextToken":"0"}`},
	} {
		f.Add(sd.op, []byte(sd.body))
	}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		if code := serve(ops[int(op)%len(ops)], body); code >= 500 {
			t.Fatalf("%s %s answered %d", ops[int(op)%len(ops)], body, code)
		}
	})
}
