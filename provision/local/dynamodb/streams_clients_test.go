package dynamodb_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/spk-cli/spk/provision/local/localtest"
)

// TestStreamsAWSCLI walks a stream with the AWS CLI's dynamodbstreams
// commands, as a user following the docs would.
func TestStreamsAWSCLI(t *testing.T) {
	t.Parallel() // bound by the CLI's Python start-up, not by the endpoint: runs alongside the other CLI tests
	skipOn(t, noStreams, "dynalite")
	run := awsCLI(t, "dynamodbstreams")
	c := newClient(t)
	table, arn := streamTable(t, c, types.StreamViewTypeNewAndOldImages)
	put(t, c, table, item{"pk": s("cli"), "sk": s("1"), "v": n("7")})
	out := run("list-streams", "--table-name", table)
	streams := out["Streams"].([]any)
	if len(streams) != 1 || streams[0].(map[string]any)["StreamArn"] != arn {
		t.Fatalf("list-streams %v", out)
	}
	out = run("describe-stream", "--stream-arn", arn)
	desc := out["StreamDescription"].(map[string]any)
	shard := desc["Shards"].([]any)[0].(map[string]any)["ShardId"].(string)
	if desc["StreamStatus"] != "ENABLED" || desc["TableName"] != table {
		t.Fatalf("describe-stream %v", out)
	}
	out = run("get-shard-iterator", "--stream-arn", arn, "--shard-id", shard, "--shard-iterator-type", "TRIM_HORIZON")
	out = run("get-records", "--shard-iterator", out["ShardIterator"].(string))
	recs := out["Records"].([]any)
	if len(recs) != 1 || out["NextShardIterator"] == nil {
		t.Fatalf("get-records %v", out)
	}
	r := recs[0].(map[string]any)
	img := r["dynamodb"].(map[string]any)["NewImage"].(map[string]any)
	if r["eventName"] != "INSERT" || img["v"].(map[string]any)["N"] != "7" {
		t.Fatalf("record %v", r)
	}
}

// TestStreamsBoto3 walks a stream with boto3's dynamodbstreams client.
func TestStreamsBoto3(t *testing.T) {
	skipOn(t, noStreams, "dynalite")
	py := localtest.Boto3(t)
	c := newClient(t)
	table, arn := streamTable(t, c, types.StreamViewTypeKeysOnly)
	put(t, c, table, item{"pk": s("py"), "sk": s("1")})
	put(t, c, table, item{"pk": s("py"), "sk": s("2")})
	script := `
import json, sys
import boto3
endpoint, table, arn = sys.argv[1:4]
ds = boto3.client("dynamodbstreams", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id="AKIAFAKE", aws_secret_access_key="secret")
streams = ds.list_streams(TableName=table)["Streams"]
assert [s["StreamArn"] for s in streams] == [arn], streams
desc = ds.describe_stream(StreamArn=arn)["StreamDescription"]
assert desc["StreamViewType"] == "KEYS_ONLY", desc
keys = []
for shard in desc["Shards"]:
    it = ds.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    while it:
        out = ds.get_records(ShardIterator=it, Limit=1)
        if not out["Records"]:
            break
        for r in out["Records"]:
            keys.append(r["dynamodb"]["Keys"]["sk"]["S"])
            assert r["eventName"] == "INSERT" and "NewImage" not in r["dynamodb"], r
        it = out.get("NextShardIterator")
missing = arn.split("/stream/")[0] + "/stream/2000-01-01T00:00:00.000"
try:
    ds.describe_stream(StreamArn=missing)
    raise SystemExit("describe_stream of a missing stream succeeded")
except ds.exceptions.ResourceNotFoundException as e:
    assert e.response["Error"]["Message"] == "Requested resource not found: Stream: " + missing + " not found", e.response
try:
    ds.describe_stream(StreamArn=arn.split("/stream/")[0])
    raise SystemExit("describe_stream of a table's ARN succeeded")
except ds.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "ValidationException" and e.response["Error"]["Message"] == "Invalid StreamArn", e.response
print(json.dumps(keys))
`
	cmd := exec.Command(py, "-c", script, endpoint, table, arn)
	cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("boto3 walk: %v\n%s", err, out)
	}
	if strings.TrimSpace(string(out)) != `["1", "2"]` {
		t.Fatalf("boto3 read %s", out)
	}
}
