package dynamodb_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// exactError sends a raw request and checks the error type and the whole
// message.
func exactError(t *testing.T, op, body, typ, msg string) {
	t.Helper()
	resp, b := rawCall(t, "DynamoDB_20120810."+op, body)
	if resp.StatusCode != 400 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("body %s: %v", b, err)
	}
	if ty, _ := m["__type"].(string); !strings.HasSuffix(ty, "#"+typ) {
		t.Fatalf("__type %q, want #%s (%s)", ty, typ, b)
	}
	got, _ := m["message"].(string)
	if got == "" {
		got, _ = m["Message"].(string)
	}
	if got != msg {
		t.Errorf("message\n got %q\nwant %q", got, msg)
	}
}

const (
	notNull     = "failed to satisfy constraint: Member must not be null"
	returnEnum  = "failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]"
	capacityRCE = "failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"
	limitMin    = "failed to satisfy constraint: Member must have value greater than or equal to 1"
)

// TestValidationBeforeTable checks that DynamoDB's request validation runs
// in full before any table is looked up: a bad request naming a table that
// does not exist is a ValidationException listing every bad member, in the
// service's order.
func TestValidationBeforeTable(t *testing.T) {
	const missing = "spk_no_such_table"
	keyCond := `"KeyConditionExpression":"a = :a","ExpressionAttributeValues":{":a":{"S":"x"}}`
	cases := []struct {
		name, op, body, msg string
		dynaliteDiffers     string
	}{
		{"put without anything", "PutItem", `{}`,
			"2 validation errors detected: Value null at 'tableName' " + notNull + "; Value null at 'item' " + notNull, ""},
		{"put without item", "PutItem", `{"TableName":"` + missing + `"}`,
			"1 validation error detected: Value null at 'item' " + notNull, ""},
		{"put bad return values", "PutItem", `{"TableName":"` + missing + `","Item":{"a":{"S":"x"}},"ReturnValues":"SOME"}`,
			"1 validation error detected: Value 'SOME' at 'returnValues' " + returnEnum, ""},
		{"put enums in order", "PutItem", `{"TableName":"` + missing + `","Item":{"a":{"S":"x"}},"ReturnValues":"SOME","ReturnConsumedCapacity":"ALL","ReturnItemCollectionMetrics":"ALL"}`,
			"3 validation errors detected: Value 'ALL' at 'returnConsumedCapacity' " + capacityRCE + "; Value 'SOME' at 'returnValues' " + returnEnum + "; Value 'ALL' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]", ""},
		{"put short table name", "PutItem", `{"TableName":"ab","Item":{"a":{"S":"x"}}}`,
			"1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3", ""},
		{"put bad table name", "PutItem", `{"TableName":"a!"}`,
			"3 validation errors detected: Value 'a!' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value 'a!' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3; Value null at 'item' " + notNull, ""},
		{"put only ALL_OLD", "PutItem", `{"TableName":"` + missing + `","Item":{"a":{"S":"x"}},"ReturnValues":"ALL_NEW"}`,
			"1 validation error detected: ReturnValues can only be ALL_OLD or NONE", "answers without the envelope DynamoDB now puts PutItem's and DeleteItem's request validation in"},
		{"put empty attribute value", "PutItem", `{"TableName":"` + missing + `","Item":{"a":{}}}`,
			"1 validation error detected: Supplied AttributeValue is empty, must contain exactly one of the supported datatypes", "answers without the envelope DynamoDB now puts PutItem's and DeleteItem's request validation in"},
		{"put unused value", "PutItem", `{"TableName":"` + missing + `","Item":{"a":{"S":"x"}},"ConditionExpression":"attribute_exists(a)","ExpressionAttributeValues":{":v":{"S":"x"}}}`,
			"Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}", ""},
		{"get everything missing", "GetItem", `{"AttributesToGet":[]}`,
			"3 validation errors detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: Member must have length greater than or equal to 1; Value null at 'tableName' " + notNull + "; Value null at 'key' " + notNull, ""},
		{"batch get duplicate keys", "BatchGetItem", `{"RequestItems":{"` + missing + `":{"Keys":[{"a":{"S":"k"}},{"a":{"S":"k"}}]}}}`,
			"Provided list of item keys contains duplicates", ""},
		{"get bad projection", "GetItem", `{"TableName":"` + missing + `","Key":{"a":{"S":"x"}},"ProjectionExpression":"a,"}`,
			"Invalid ProjectionExpression: Syntax error; token: \"<EOF>\", near: \",\"", "dynalite's parser words this differently"},
		{"delete without key", "DeleteItem", `{"TableName":"` + missing + `","ReturnValues":"EVERYTHING"}`,
			"2 validation errors detected: Value 'EVERYTHING' at 'returnValues' " + returnEnum + "; Value null at 'key' " + notNull, ""},
		{"delete only ALL_OLD", "DeleteItem", `{"TableName":"` + missing + `","Key":{"a":{"S":"x"}},"ReturnValues":"ALL_NEW"}`,
			"1 validation error detected: ReturnValues can only be ALL_OLD or NONE", "dynalite looks the table up first; answers without the envelope DynamoDB now puts PutItem's and DeleteItem's request validation in"},
		{"update without key", "UpdateItem", `{"TableName":"` + missing + `","ReturnItemCollectionMetrics":"MAYBE","ReturnValues":"EVERYTHING"}`,
			"3 validation errors detected: Value 'MAYBE' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]; Value 'EVERYTHING' at 'returnValues' " + returnEnum + "; Value null at 'key' " + notNull, ""},
		{"update unused name", "UpdateItem", `{"TableName":"` + missing + `","Key":{"a":{"S":"x"}},"UpdateExpression":"SET b = :v","ExpressionAttributeValues":{":v":{"S":"x"}},"ExpressionAttributeNames":{"#n":"c"}}`,
			"Value provided in ExpressionAttributeNames unused in expressions: keys: {#n}", ""},
		{"query limit 0 on a missing table", "Query", `{"TableName":"` + missing + `",` + keyCond + `,"Limit":0}`,
			"1 validation error detected: Value '0' at 'limit' " + limitMin, ""},
		{"query without table and limit", "Query", `{"Limit":0}`,
			"2 validation errors detected: Value null at 'tableName' " + notNull + "; Value '0' at 'limit' " + limitMin, ""},
		{"query members in order", "Query", `{"TableName":"` + missing + `",` + keyCond + `,"Limit":-5,"Select":"SOME","IndexName":"ix","ConditionalOperator":"XOR"}`,
			"4 validation errors detected: Value 'SOME' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]; Value 'ix' at 'indexName' failed to satisfy constraint: Member must have length greater than or equal to 3; Value 'XOR' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]; Value '-5' at 'limit' " + limitMin, ""},
		{"query without key condition", "Query", `{"TableName":"` + missing + `"}`,
			"Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.", ""},
		{"scan members in order", "Scan", `{"TableName":"ab","Limit":0,"Select":"NOPE","Segment":-1,"TotalSegments":0,"ReturnConsumedCapacity":"ALL"}`,
			"6 validation errors detected: Value 'NOPE' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]; Value '0' at 'totalSegments' failed to satisfy constraint: Member must have value greater than or equal to 1; Value 'ALL' at 'returnConsumedCapacity' " + capacityRCE + "; Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3; Value '-1' at 'segment' failed to satisfy constraint: Member must have value greater than or equal to 0; Value '0' at 'limit' " + limitMin, ""},
		{"scan limit 0 on a missing table", "Scan", `{"TableName":"` + missing + `","Limit":0}`,
			"1 validation error detected: Value '0' at 'limit' " + limitMin, ""},
		{"scan segment past total", "Scan", `{"TableName":"` + missing + `","Segment":3,"TotalSegments":2}`,
			"The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 3 is not less than TotalSegments: 2", ""},
		{"batch write capacity and items", "BatchWriteItem", `{"ReturnConsumedCapacity":"ALL"}`,
			"2 validation errors detected: Value 'ALL' at 'returnConsumedCapacity' " + capacityRCE + "; Value null at 'requestItems' " + notNull, ""},
		{"batch write empty value on a missing table", "BatchWriteItem", `{"RequestItems":{"` + missing + `":[{"PutRequest":{"Item":{"a":{}}}}]}}`,
			"Supplied AttributeValue is empty, must contain exactly one of the supported datatypes", ""},
		{"batch get bad projection on a missing table", "BatchGetItem", `{"RequestItems":{"` + missing + `":{"Keys":[{"a":{"S":"x"}}],"ProjectionExpression":"a","ExpressionAttributeNames":{"#b":"b"}}}}`,
			"Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}", ""},
		{"transact members", "TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"` + missing + `"}},{"Update":{"Key":{"a":{"S":"x"}}}}],"ReturnConsumedCapacity":"ALL"}`,
			"4 validation errors detected: Value null at 'transactItems.1.member.put.item' " + notNull + "; Value null at 'transactItems.2.member.update.tableName' " + notNull + "; Value null at 'transactItems.2.member.update.updateExpression' " + notNull + "; Value 'ALL' at 'returnConsumedCapacity' " + capacityRCE, "dynalite has no transactions"},
		{"transact token too long", "TransactWriteItems", `{"TransactItems":[{"Delete":{"TableName":"` + missing + `","Key":{"a":{"S":"x"}}}}],"ClientRequestToken":"` + strings.Repeat("t", 37) + `"}`,
			"1 validation error detected: Value '" + strings.Repeat("t", 37) + "' at 'clientRequestToken' failed to satisfy constraint: Member must have length less than or equal to 36", "dynalite has no transactions"},
		{"transact bad condition on a missing table", "TransactWriteItems", `{"TransactItems":[{"ConditionCheck":{"TableName":"` + missing + `","Key":{"a":{"S":"x"}},"ConditionExpression":"attribute_exists(a)","ExpressionAttributeValues":{":v":{"S":"x"}}}}]}`,
			"Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}", "dynalite has no transactions"},
		{"update legacy action", "UpdateItem", `{"TableName":"` + missing + `","Key":{"a":{"S":"x"}},"AttributeUpdates":{"b":{"Action":"MOVE","Value":{"S":"v"}}},"ReturnValues":"ALL"}`,
			"2 validation errors detected: Value 'ALL' at 'returnValues' " + returnEnum + "; Value 'MOVE' at 'attributeUpdates.b.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]", "dynalite does not check the action's value set"},
		{"query legacy operator missing", "Query", `{"TableName":"` + missing + `","KeyConditions":{"a":{"AttributeValueList":[{"S":"x"}]}}}`,
			"1 validation error detected: Value null at 'keyConditions.a.member.comparisonOperator' " + notNull, ""},
		{"scan legacy operator bad", "Scan", `{"TableName":"` + missing + `","ScanFilter":{"a":{"ComparisonOperator":"LIKE","AttributeValueList":[{"S":"x"}]}},"Limit":0}`,
			"2 validation errors detected: Value 'LIKE' at 'scanFilter.a.member.comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]; Value '0' at 'limit' " + limitMin, ""},
		{"update table members on a missing table", "UpdateTable", `{"TableName":"` + missing + `","BillingMode":"FREE","ProvisionedThroughput":{"ReadCapacityUnits":0}}`,
			"3 validation errors detected: Value null at 'provisionedThroughput.writeCapacityUnits' " + notNull + "; Value '0' at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1; Value 'FREE' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]", ""},
		{"transact get members", "TransactGetItems", `{"TransactItems":[{"Get":{"Key":{"a":{"S":"x"}}}},{}],"ReturnConsumedCapacity":"ALL"}`,
			"3 validation errors detected: Value null at 'transactItems.1.member.get.tableName' " + notNull + "; Value null at 'transactItems.2.member.get' " + notNull + "; Value 'ALL' at 'returnConsumedCapacity' " + capacityRCE, "dynalite has no transactions"},
		{"transact get unused name on a missing table", "TransactGetItems", `{"TransactItems":[{"Get":{"TableName":"` + missing + `","Key":{"a":{"S":"x"}},"ProjectionExpression":"a","ExpressionAttributeNames":{"#b":"b"}}}]}`,
			"Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}", "dynalite has no transactions"},
		{"ttl specification members", "UpdateTimeToLive", `{"TableName":"` + missing + `","TimeToLiveSpecification":{}}`,
			"2 validation errors detected: Value null at 'timeToLiveSpecification.attributeName' " + notNull + "; Value null at 'timeToLiveSpecification.enabled' " + notNull, "dynalite does not validate UpdateTimeToLive's members"},
		{"tag without anything", "TagResource", `{}`,
			"2 validation errors detected: Value null at 'resourceArn' " + notNull + "; Value null at 'tags' " + notNull, "dynalite answers Invalid TableArn"},
		{"create table members", "CreateTable", `{"TableName":"ab","BillingMode":"FREE"}`,
			"4 validation errors detected: Value null at 'attributeDefinitions' " + notNull + "; Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3; Value 'FREE' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]; Value null at 'keySchema' " + notNull, "dynalite checks the table name's length on its own first"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.dynaliteDiffers != "" {
				skipOn(t, tc.dynaliteDiffers, "dynalite")
			}
			exactError(t, tc.op, tc.body, "ValidationException", tc.msg)
		})
	}
}
