package dynamodb_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/spk-cli/spk/provision/local/localtest"
)

// TestAWSCLI drives the endpoint with the AWS CLI, as a user of the
// tutorial would.
func TestAWSCLI(t *testing.T) {
	t.Parallel() // bound by the CLI's Python start-up, not by the endpoint: runs alongside the other CLI tests
	run := awsCLI(t, "dynamodb")
	table := uniqueName("cli")
	out := run("create-table", "--table-name", table, "--billing-mode", "PAY_PER_REQUEST",
		"--attribute-definitions", "AttributeName=BucketStart,AttributeType=S", "AttributeName=EventType,AttributeType=S",
		"--key-schema", "AttributeName=BucketStart,KeyType=HASH", "AttributeName=EventType,KeyType=RANGE")
	if out["TableDescription"].(map[string]any)["TableName"] != table {
		t.Fatalf("create-table output %v", out)
	}
	run("wait", "table-exists", "--table-name", table)
	out = run("describe-table", "--table-name", table)
	if out["Table"].(map[string]any)["TableStatus"] != "ACTIVE" {
		t.Fatalf("describe-table %v", out)
	}
	for _, ev := range []string{"click", "view", "buy"} {
		run("put-item", "--table-name", table, "--item", `{"BucketStart":{"S":"2026-01-01T10:05"},"EventType":{"S":"`+ev+`"},"n":{"N":"1"}}`)
	}
	out = run("get-item", "--table-name", table, "--key", `{"BucketStart":{"S":"2026-01-01T10:05"},"EventType":{"S":"click"}}`)
	if out["Item"].(map[string]any)["n"].(map[string]any)["N"] != "1" {
		t.Fatalf("get-item %v", out)
	}
	out = run("update-item", "--table-name", table, "--key", `{"BucketStart":{"S":"2026-01-01T10:05"},"EventType":{"S":"click"}}`,
		"--update-expression", "ADD #c :one", "--expression-attribute-names", `{"#c":"count"}`,
		"--expression-attribute-values", `{":one":{"N":"5"}}`, "--return-values", "UPDATED_NEW")
	if out["Attributes"].(map[string]any)["count"].(map[string]any)["N"] != "5" {
		t.Fatalf("update-item %v", out)
	}
	out = run("query", "--table-name", table, "--key-condition-expression", "BucketStart = :b AND begins_with(EventType, :p)",
		"--expression-attribute-values", `{":b":{"S":"2026-01-01T10:05"},":p":{"S":"v"}}`)
	if out["Count"].(float64) != 1 {
		t.Fatalf("query %v", out)
	}
	// --page-size 1 makes the CLI follow LastEvaluatedKey page by page.
	out = run("scan", "--table-name", table, "--page-size", "1")
	if out["Count"].(float64) != 3 || len(out["Items"].([]any)) != 3 {
		t.Fatalf("paginated scan %v", out)
	}
	out = run("scan", "--table-name", table, "--max-items", "2")
	if len(out["Items"].([]any)) != 2 || out["NextToken"] == nil {
		t.Fatalf("scan --max-items 2 %v", out)
	}
	if peer != "dynalite" { // dynalite has no transactions
		run("transact-write-items", "--transact-items", `[{"Put":{"TableName":"`+table+`","Item":{"BucketStart":{"S":"t"},"EventType":{"S":"x"}}}},`+
			`{"Update":{"TableName":"`+table+`","Key":{"BucketStart":{"S":"2026-01-01T10:05"},"EventType":{"S":"view"}},"UpdateExpression":"SET n = n + :one","ExpressionAttributeValues":{":one":{"N":"1"}}}}]`)
		out = run("get-item", "--table-name", table, "--key", `{"BucketStart":{"S":"2026-01-01T10:05"},"EventType":{"S":"view"}}`)
		if out["Item"].(map[string]any)["n"].(map[string]any)["N"] != "2" {
			t.Fatalf("after transact-write-items %v", out)
		}
	}
	run("delete-table", "--table-name", table)
	run("wait", "table-not-exists", "--table-name", table)
}

// awsCLI returns a runner of `aws SERVICE ARGS` against the endpoint, with
// dummy keys and a home of its own, that fails the test on a non-zero exit
// and returns the JSON the command printed (an empty map for none). It
// skips the test without the AWS CLI, except in CI.
func awsCLI(t *testing.T, service string) func(args ...string) map[string]any {
	t.Helper()
	bin := localtest.AWSCLI(t)
	home := t.TempDir()
	env := append(os.Environ(), "AWS_ACCESS_KEY_ID=AKIAFAKE", "AWS_SECRET_ACCESS_KEY=secret", "AWS_CONFIG_FILE="+home+"/config",
		"AWS_SHARED_CREDENTIALS_FILE="+home+"/credentials", "AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true")
	return func(args ...string) map[string]any {
		t.Helper()
		out, stderr, err := localtest.RunAWSCLI(bin, env, append([]string{"--endpoint-url", endpoint, "--region", "us-east-1", "--output", "json", service}, args...))
		if err != nil {
			t.Fatalf("aws %s %s: %v\n%s", service, strings.Join(args, " "), err, stderr)
		}
		m := map[string]any{}
		if len(strings.TrimSpace(string(out))) > 0 {
			if err := json.Unmarshal(out, &m); err != nil {
				t.Fatalf("aws %s %s: output %q: %v", service, args[0], out, err)
			}
		}
		return m
	}
}
