package dynamodb_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestValidationMessages sends raw requests and checks DynamoDB's error type
// and message for each validation spk implements.
func TestValidationMessages(t *testing.T) {
	c := newClient(t)
	tbl := countsTable(t, c)
	gsiTable := makeTable(t, c, keyAttr{"pk", "S"}, nil)
	key := `"Key":{"pk":{"S":"k"},"minute":{"S":"m"}}`
	cases := []struct {
		name, op, body, typ, msg string
		dynaliteDiffers          bool
	}{
		{"table name null", "DescribeTable", `{}`, "ValidationException", "Value null at 'tableName' failed to satisfy constraint: Member must not be null", true},
		{"list tables limit", "ListTables", `{"Limit":0}`, "ValidationException", "Member must have value greater than or equal to 1", false},
		{"list tables limit high", "ListTables", `{"Limit":101}`, "ValidationException", "Member must have value less than or equal to 100", false},
		{"billing mode enum", "CreateTable", `{"TableName":"vbill","BillingMode":"FREE","AttributeDefinitions":[{"AttributeName":"a","AttributeType":"S"}],"KeySchema":[{"AttributeName":"a","KeyType":"HASH"}]}`, "ValidationException", "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]", false},
		{"pay per request with throughput", "CreateTable", `{"TableName":"vppr","BillingMode":"PAY_PER_REQUEST","ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1},"AttributeDefinitions":[{"AttributeName":"a","AttributeType":"S"}],"KeySchema":[{"AttributeName":"a","KeyType":"HASH"}]}`, "ValidationException", "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST", false},
		{"key type enum", "CreateTable", `{"TableName":"vkt","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"a","AttributeType":"S"}],"KeySchema":[{"AttributeName":"a","KeyType":"SIDEWAYS"}]}`, "ValidationException", "Member must satisfy enum value set: [HASH, RANGE]", false},
		{"three keys", "CreateTable", `{"TableName":"v3k","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"a","AttributeType":"S"}],"KeySchema":[{"AttributeName":"a","KeyType":"HASH"},{"AttributeName":"b","KeyType":"RANGE"},{"AttributeName":"c","KeyType":"RANGE"}]}`, "ValidationException", "Member must have length less than or equal to 2", false},
		{"projection include without attributes", "CreateTable", `{"TableName":"vproj","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"a","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],"KeySchema":[{"AttributeName":"a","KeyType":"HASH"}],"GlobalSecondaryIndexes":[{"IndexName":"gidx","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"INCLUDE"}}]}`, "ValidationException", "ProjectionType is INCLUDE, but NonKeyAttributes is not specified", true},
		{"duplicate index", "CreateTable", `{"TableName":"vdup","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"a","AttributeType":"S"},{"AttributeName":"g","AttributeType":"S"}],"KeySchema":[{"AttributeName":"a","KeyType":"HASH"}],"GlobalSecondaryIndexes":[{"IndexName":"gidx","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}},{"IndexName":"gidx","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]}`, "ValidationException", "Duplicate index name: gidx", true},
		{"update table nothing", "UpdateTable", `{"TableName":"` + gsiTable + `"}`, "ValidationException", "At least one of", true},
		{"update table missing", "UpdateTable", `{"TableName":"nope","BillingMode":"PAY_PER_REQUEST"}`, "ResourceNotFoundException", "Requested resource not found: Table: nope not found", true},
		{"put item null", "PutItem", `{"TableName":"` + tbl + `"}`, "ValidationException", "Value null at 'item' failed to satisfy constraint: Member must not be null", false},
		{"get key null", "GetItem", `{"TableName":"` + tbl + `"}`, "ValidationException", "Value null at 'key' failed to satisfy constraint: Member must not be null", false},
		{"empty attribute value", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"k"},"minute":{"S":"m"},"x":{}}}`, "ValidationException", "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes", false},
		{"two data types", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"k"},"minute":{"S":"m"},"x":{"S":"a","N":"1"}}}`, "ValidationException", "Supplied AttributeValue has more than one datatypes set", false},
		{"null false", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"k"},"minute":{"S":"m"},"x":{"NULL":false}}}`, "ValidationException", "Null attribute value types must have the value of true", false},
		{"key type mismatch in item", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"N":"1"},"minute":{"S":"m"}}}`, "ValidationException", "Type mismatch for key pk expected: S actual: N", true},
		{"return values enum", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"k"},"minute":{"S":"m"}},"ReturnValues":"SOME"}`, "ValidationException", "Member must satisfy enum value set", false},
		{"on failure enum", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"k"},"minute":{"S":"m"}},"ReturnValuesOnConditionCheckFailure":"ALL_NEW"}`, "ValidationException", "returnValuesOnConditionCheckFailure", true},
		{"values without expression", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"k"},"minute":{"S":"m"}},"ExpressionAttributeValues":{":a":{"S":"x"}}}`, "ValidationException", "1 validation error detected: ExpressionAttributeValues can only be specified when using expressions", true},
		{"names without expression", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"k"},"minute":{"S":"m"}},"ExpressionAttributeNames":{"#a":"x"}}`, "ValidationException", "ExpressionAttributeNames can only be specified when using expressions", false},
		{"empty values", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"k"},"minute":{"S":"m"}},"ConditionExpression":"attribute_exists(x)","ExpressionAttributeValues":{}}`, "ValidationException", "ExpressionAttributeValues must not be empty", false},
		{"bad value key", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"k"},"minute":{"S":"m"}},"ConditionExpression":"x = :a","ExpressionAttributeValues":{"a":{"S":"x"}}}`, "ValidationException", `ExpressionAttributeValues contains invalid key: Syntax error; key: "a"`, false},
		{"invalid expression value", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"k"},"minute":{"S":"m"}},"ConditionExpression":"x = :a","ExpressionAttributeValues":{":a":{"N":"x"}}}`, "ValidationException", "ExpressionAttributeValues contains invalid value: The parameter cannot be converted to a numeric value", false},
		{"mixed legacy and expression", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"k"},"minute":{"S":"m"}},"ConditionExpression":"attribute_exists(x)","Expected":{"x":{"Exists":false}}}`, "ValidationException", "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}", false},
		{"expected exists without value", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"k"},"minute":{"S":"m"}},"Expected":{"x":{"Exists":true}}}`, "ValidationException", "Value must be provided when Exists is true for Attribute: x", true},
		{"legacy operand count", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"k"},"minute":{"S":"m"}},"Expected":{"x":{"ComparisonOperator":"EQ","AttributeValueList":[]}}}`, "ValidationException", "Invalid number of argument(s) for the EQ ComparisonOperator", false},
		{"legacy between order", "Scan", `{"TableName":"` + tbl + `","ScanFilter":{"x":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"N":"9"},{"N":"1"}]}}}`, "ValidationException", "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound", false},
		{"attribute updates on key", "UpdateItem", `{"TableName":"` + tbl + `",` + key + `,"AttributeUpdates":{"pk":{"Action":"PUT","Value":{"S":"x"}}}}`, "ValidationException", "Cannot update attribute pk. This attribute is part of the key", false},
		{"update return values", "UpdateItem", `{"TableName":"` + tbl + `",` + key + `,"ReturnValues":"EVERYTHING"}`, "ValidationException", "Member must satisfy enum value set", false},
		{"delete return values", "DeleteItem", `{"TableName":"` + tbl + `",` + key + `,"ReturnValues":"ALL_NEW"}`, "ValidationException", "ReturnValues can only be ALL_OLD or NONE", true},
		{"query without key condition", "Query", `{"TableName":"` + tbl + `"}`, "ValidationException", "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.", false},
		{"query limit", "Query", `{"TableName":"` + tbl + `","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}},"Limit":0}`, "ValidationException", "Member must have value greater than or equal to 1", false},
		{"query select enum", "Query", `{"TableName":"` + tbl + `","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}},"Select":"SOME"}`, "ValidationException", "Member must satisfy enum value set", false},
		{"count with projection", "Query", `{"TableName":"` + tbl + `","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}},"Select":"COUNT","ProjectionExpression":"x"}`, "ValidationException", "1 validation error detected: Cannot specify the ProjectionExpression when choosing to get only the Count", true},
		{"scan count with projection", "Scan", `{"TableName":"` + tbl + `","Select":"COUNT","ProjectionExpression":"x"}`, "ValidationException", "Cannot specify the ProjectionExpression when choosing to get only the Count", true},
		{"count with attributes to get", "Scan", `{"TableName":"` + tbl + `","Select":"COUNT","AttributesToGet":["x"]}`, "ValidationException", "Cannot specify the AttributesToGet when choosing to get only the Count", true},
		{"key condition on nested", "Query", `{"TableName":"` + tbl + `","KeyConditionExpression":"pk.x = :p","ExpressionAttributeValues":{":p":{"S":"a"}}}`, "ValidationException", "KeyConditionExpressions cannot have conditions on nested attributes", false},
		{"key condition IN", "Query", `{"TableName":"` + tbl + `","KeyConditionExpression":"pk IN (:p)","ExpressionAttributeValues":{":p":{"S":"a"}}}`, "ValidationException", "Invalid operator used in KeyConditionExpression: IN", false},
		{"key condition contains", "Query", `{"TableName":"` + tbl + `","KeyConditionExpression":"contains(pk, :p)","ExpressionAttributeValues":{":p":{"S":"a"}}}`, "ValidationException", "Invalid operator used in KeyConditionExpression: contains", false},
		{"start key in other partition", "Query", `{"TableName":"` + tbl + `","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"}},"ExclusiveStartKey":{"pk":{"S":"b"},"minute":{"S":"m"}}}`, "ValidationException", "The provided starting key is outside query boundaries based on provided conditions", true},
		{"segment without total", "Scan", `{"TableName":"` + tbl + `","Segment":0}`, "ValidationException", "TotalSegments", true},
		{"batch write empty", "BatchWriteItem", `{"RequestItems":{}}`, "ValidationException", "Member must have length greater than or equal to 1", false},
		{"batch write missing table", "BatchWriteItem", `{"RequestItems":{"nope":[{"PutRequest":{"Item":{"pk":{"S":"a"}}}}]}}`, "ResourceNotFoundException", "Requested resource not found", false},
		{"batch get empty", "BatchGetItem", `{"RequestItems":{}}`, "ValidationException", "Member must have length greater than or equal to 1", false},
		{"transact empty", "TransactWriteItems", `{"TransactItems":[]}`, "ValidationException", "Member must have length greater than or equal to 1", true},
		{"transact two actions", "TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"` + tbl + `","Item":{"pk":{"S":"a"},"minute":{"S":"b"}}},"Delete":{"TableName":"` + tbl + `",` + key + `}}]}`, "ValidationException", "TransactItems can only contain one of Check, Put, Update or Delete", true},
		{"ttl already disabled", "UpdateTimeToLive", `{"TableName":"` + tbl + `","TimeToLiveSpecification":{"Enabled":false,"AttributeName":"x"}}`, "ValidationException", "TimeToLive is already disabled", true},
		{"ttl missing table", "DescribeTimeToLive", `{"TableName":"nope"}`, "ResourceNotFoundException", "Requested resource not found: Table: nope not found", true},
		{"tag bad arn", "ListTagsOfResource", `{"ResourceArn":"nope"}`, "ValidationException", "One or more parameter values were invalid: ARNs must start with 'arn:': nope", true},
		{"wrong json type", "GetItem", `{"TableName":["x"]}`, "SerializationException", "", false},
		// A value of another JSON type where a string must be, in the
		// service's words: a JavaScript number in {"N": n} is the common one.
		{"number as a JSON number", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"wt"},"minute":{"S":"wt"},"n":{"N":5}}}`, "SerializationException", "NUMBER_VALUE cannot be converted to String", false},
		{"decimal as a JSON number", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"wt"},"minute":{"S":"wt"},"n":{"N":1.5}}}`, "SerializationException", "DECIMAL_VALUE cannot be converted to String", false},
		{"boolean for a string", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":true},"minute":{"S":"wt"}}}`, "SerializationException", "TRUE_VALUE cannot be converted to String", false},
		{"object for a string", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":{}},"minute":{"S":"wt"}}}`, "SerializationException", "Start of structure or map found where not expected", false},
		{"array for a string", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":["k"]},"minute":{"S":"wt"}}}`, "SerializationException", "Unrecognized collection type class java.lang.String", false},
		{"number in a number set", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"wt"},"minute":{"S":"wt"},"n":{"NS":["1",2]}}}`, "SerializationException", "NUMBER_VALUE cannot be converted to String", false},
		{"number for a binary", "PutItem", `{"TableName":"` + tbl + `","Item":{"pk":{"S":"wt"},"minute":{"S":"wt"},"b":{"B":5}}}`, "SerializationException", "only base-64-encoded strings are convertible to bytes", false},
		{"number in a key", "GetItem", `{"TableName":"` + tbl + `","Key":{"pk":{"S":"k"},"minute":{"N":1}}}`, "SerializationException", "NUMBER_VALUE cannot be converted to String", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.dynaliteDiffers {
				skipOn(t, "different message or unsupported operation", "dynalite")
			}
			resp, body := rawCall(t, "DynamoDB_20120810."+tc.op, tc.body)
			if resp.StatusCode != 400 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			if ty, _ := m["__type"].(string); !strings.HasSuffix(ty, "#"+tc.typ) {
				t.Fatalf("__type %q, want #%s (%s)", ty, tc.typ, body)
			}
			msg, _ := m["message"].(string)
			if msg == "" {
				msg, _ = m["Message"].(string)
			}
			if !strings.Contains(msg, tc.msg) {
				t.Errorf("message %q, want it to contain %q", msg, tc.msg)
			}
		})
	}
	// The refused writes of mistyped values stored nothing.
	if resp, body := rawCall(t, "DynamoDB_20120810.GetItem", `{"TableName":"`+tbl+`","Key":{"pk":{"S":"wt"},"minute":{"S":"wt"}}}`); resp.StatusCode != 200 || string(body) != "{}" {
		t.Errorf("after the refused writes, GetItem answered %d %s; want 200 {}", resp.StatusCode, body)
	}
}

// TestLegacyExpectedValue checks Expected conditions that give Value with a
// ComparisonOperator, which DynamoDB takes as a one-element
// AttributeValueList: exact status, __type and message for each request.
func TestLegacyExpectedValue(t *testing.T) {
	c := newClient(t)
	tbl := countsTable(t, c)
	put(t, c, tbl, item{"pk": s("k"), "minute": s("m"), "x": s("a"), "n": n("5")})
	putWith := func(expected string) string {
		return `{"TableName":"` + tbl + `","Item":{"pk":{"S":"k"},"minute":{"S":"m"},"x":{"S":"a"},"n":{"N":"5"}},"Expected":` + expected + `}`
	}
	const (
		validate = "com.amazon.coral.validate#ValidationException"
		failed   = "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"
	)
	cases := []struct {
		name, body string
		status     int
		typ, msg   string
		skip       string // why dynalite differs, if it does
	}{
		{"EQ with Value holds", putWith(`{"x":{"ComparisonOperator":"EQ","Value":{"S":"a"}}}`), 200, "", "", ""},
		{"EQ with Value fails", putWith(`{"x":{"ComparisonOperator":"EQ","Value":{"S":"b"}}}`), 400, failed, "The conditional request failed", ""},
		{"NE with Value holds", putWith(`{"x":{"ComparisonOperator":"NE","Value":{"S":"b"}}}`), 200, "", "", ""},
		{"GT with Value holds", putWith(`{"n":{"ComparisonOperator":"GT","Value":{"N":"4"}}}`), 200, "", "", ""},
		{"BEGINS_WITH with Value fails", putWith(`{"x":{"ComparisonOperator":"BEGINS_WITH","Value":{"S":"z"}}}`), 400, failed, "The conditional request failed", ""},
		{"Value and AttributeValueList", putWith(`{"x":{"ComparisonOperator":"EQ","Value":{"S":"a"},"AttributeValueList":[{"S":"a"}]}}`), 400, validate,
			"1 validation error detected: One or more parameter values were invalid: Value and AttributeValueList cannot be used together for Attribute: x", "answers without the envelope DynamoDB now puts PutItem's and DeleteItem's request validation in"},
		{"Value and AttributeValueList without operator", putWith(`{"x":{"Value":{"S":"a"},"AttributeValueList":[{"S":"a"}]}}`), 400, validate,
			"1 validation error detected: One or more parameter values were invalid: Value and AttributeValueList cannot be used together for Attribute: x", "answers without the envelope DynamoDB now puts PutItem's and DeleteItem's request validation in"},
		{"operator without values", putWith(`{"x":{"ComparisonOperator":"EQ"}}`), 400, validate,
			"1 validation error detected: One or more parameter values were invalid: Value or AttributeValueList must be used with ComparisonOperator: EQ for Attribute: x", "answers without the envelope DynamoDB now puts PutItem's and DeleteItem's request validation in"},
		{"NULL with Value", putWith(`{"x":{"ComparisonOperator":"NULL","Value":{"S":"a"}}}`), 400, validate,
			"1 validation error detected: One or more parameter values were invalid: Invalid number of argument(s) for the NULL ComparisonOperator", "answers without the envelope DynamoDB now puts PutItem's and DeleteItem's request validation in"},
		{"BETWEEN with Value", putWith(`{"n":{"ComparisonOperator":"BETWEEN","Value":{"N":"1"}}}`), 400, validate,
			"1 validation error detected: One or more parameter values were invalid: Invalid number of argument(s) for the BETWEEN ComparisonOperator", "answers without the envelope DynamoDB now puts PutItem's and DeleteItem's request validation in"},
		{"NOT_NULL without values holds", putWith(`{"x":{"ComparisonOperator":"NOT_NULL"}}`), 200, "", "", ""},
		{"Exists absent without Value", putWith(`{"x":{}}`), 400, validate,
			"1 validation error detected: One or more parameter values were invalid: Value must be provided when Exists is null for Attribute: x", "answers without the envelope DynamoDB now puts PutItem's and DeleteItem's request validation in"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip != "" {
				skipOn(t, tc.skip, "dynalite")
			}
			resp, body := rawCall(t, "DynamoDB_20120810.PutItem", tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.status == 200 {
				return
			}
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			if m["__type"] != tc.typ {
				t.Errorf("__type %v, want %s", m["__type"], tc.typ)
			}
			if m["message"] != tc.msg {
				t.Errorf("message %v, want %q", m["message"], tc.msg)
			}
		})
	}
}

// nested returns the JSON of a value with depth maps (or lists) one inside
// another around a string.
func nested(depth int, list bool) string {
	v := `{"S":"x"}`
	for i := 0; i < depth; i++ {
		if list {
			v = `{"L":[` + v + `]}`
		} else {
			v = `{"M":{"a":` + v + `}}`
		}
	}
	return v
}

// TestNestingLimit checks that every write path refuses a map or list
// nested more than 31 deep (32 levels with the scalar) as DynamoDB does,
// and stores one 31 deep.
func TestNestingLimit(t *testing.T) {
	c := newClient(t)
	tbl := countsTable(t, c)
	const (
		validate = "com.amazon.coral.validate#ValidationException"
		tooDeep  = "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit"
		noCheck  = "does not limit nesting"
	)
	key := `"Key":{"pk":{"S":"k"},"minute":{"S":"m"}}`
	putItem := func(v string) string {
		return `{"TableName":"` + tbl + `","Item":{"pk":{"S":"k"},"minute":{"S":"m"},"doc":` + v + `}}`
	}
	cases := []struct {
		name, op, body string
		status         int
		typ, msg       string
		skip           string
	}{
		{"put 31 maps", "PutItem", putItem(nested(31, false)), 200, "", "", ""},
		{"put 31 lists", "PutItem", putItem(nested(31, true)), 200, "", "", ""},
		{"put 32 maps", "PutItem", putItem(nested(32, false)), 400, validate, tooDeep, noCheck},
		{"put 32 lists", "PutItem", putItem(nested(32, true)), 400, validate, tooDeep, noCheck},
		{"put 100 maps", "PutItem", putItem(nested(100, false)), 400, validate, tooDeep, noCheck},
		{"put deep inside a wide map", "PutItem", putItem(`{"M":{"s":{"S":"x"},"l":{"L":[{"N":"1"},` + nested(31, false) + `]}}}`), 400, validate, tooDeep, noCheck},
		{"update SET value", "UpdateItem", `{"TableName":"` + tbl + `",` + key + `,"UpdateExpression":"SET doc = :v","ExpressionAttributeValues":{":v":` + nested(32, false) + `}}`, 400, validate, tooDeep, noCheck},
		{"update SET 31 deep", "UpdateItem", `{"TableName":"` + tbl + `",` + key + `,"UpdateExpression":"SET doc = :v","ExpressionAttributeValues":{":v":` + nested(31, false) + `}}`, 200, "", "", ""},
		{"update AttributeUpdates", "UpdateItem", `{"TableName":"` + tbl + `",` + key + `,"AttributeUpdates":{"doc":{"Action":"PUT","Value":` + nested(32, true) + `}}}`, 400, validate, tooDeep, noCheck},
		{"batch put", "BatchWriteItem", `{"RequestItems":{"` + tbl + `":[{"PutRequest":{"Item":{"pk":{"S":"b"},"minute":{"S":"m"},"doc":` + nested(32, false) + `}}}]}}`, 400, validate, tooDeep, noCheck},
		{"transaction put", "TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"` + tbl + `","Item":{"pk":{"S":"t"},"minute":{"S":"m"},"doc":` + nested(32, false) + `}}}]}`, 400, validate, tooDeep, "no transactions"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip != "" {
				skipOn(t, tc.skip, "dynalite")
			}
			resp, body := rawCall(t, "DynamoDB_20120810."+tc.op, tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, tc.status, body)
			}
			if tc.status == 200 {
				return
			}
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatalf("body %s: %v", body, err)
			}
			if m["__type"] != tc.typ {
				t.Errorf("__type %v, want %s", m["__type"], tc.typ)
			}
			if m["message"] != tc.msg {
				t.Errorf("message %v, want %q", m["message"], tc.msg)
			}
		})
	}
	t.Run("transaction update", func(t *testing.T) {
		skipOn(t, "no transactions", "dynalite")
		resp, body := rawCall(t, "DynamoDB_20120810.TransactWriteItems", `{"TransactItems":[{"Update":{"TableName":"`+tbl+`",`+key+`,"UpdateExpression":"SET doc = :v","ExpressionAttributeValues":{":v":`+nested(32, false)+`}}}]}`)
		if resp.StatusCode != 400 {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		var m struct {
			Type    string `json:"__type"`
			Message string
			Reasons []struct{ Code, Message string } `json:"CancellationReasons"`
		}
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("body %s: %v", body, err)
		}
		if m.Type != "com.amazonaws.dynamodb.v20120810#TransactionCanceledException" ||
			m.Message != "Transaction cancelled, please refer cancellation reasons for specific reasons [ValidationError]" {
			t.Errorf("__type %q, Message %q", m.Type, m.Message)
		}
		if len(m.Reasons) != 1 || m.Reasons[0].Code != "ValidationError" || m.Reasons[0].Message != tooDeep {
			t.Errorf("CancellationReasons %+v", m.Reasons)
		}
	})
}
