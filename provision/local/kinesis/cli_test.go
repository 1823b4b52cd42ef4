package kinesis_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/spk-cli/spk/provision/local/localtest"
)

func TestAWSCLI(t *testing.T) {
	t.Parallel() // bound by the CLI's Python start-up, not by the endpoint: runs alongside the other CLI tests
	bin := localtest.AWSCLI(t)
	tg := newTarget(t)
	tg.skipOn(t, "W3")
	for _, key := range []string{"AKIAFAKE", "AK+/=!@#$%^&*()key"} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			name := uniqueName("cli")
			run := func(args ...string) map[string]any { t.Helper(); return runCLI(t, bin, tg.url, home, key, args...) }
			run("create-stream", "--stream-name", name, "--shard-count", "1")
			t.Cleanup(func() {
				tg.deleteQuietly(name) // gone already unless the test failed
			})
			if key != "AKIAFAKE" {
				// A key with the characters SigV4 must carry verbatim signs a
				// write and a read like any other: every call of the full
				// walk below is signed the same way, and each CLI start
				// costs a second of CPU.
				tg.waitStatus(t, name, types.StreamStatusActive)
				if got := run("list-shards", "--stream-name", name)["Shards"].([]any); len(got) != 1 {
					t.Fatalf("%d shards", len(got))
				}
				run("put-record", "--stream-name", name, "--partition-key", "p", "--data", base64.StdEncoding.EncodeToString([]byte("one")))
				return
			}
			run("wait", "stream-exists", "--stream-name", name)
			desc := run("describe-stream", "--stream-name", name)["StreamDescription"].(map[string]any)
			if desc["StreamStatus"] != "ACTIVE" {
				t.Fatalf("status %v after wait stream-exists", desc["StreamStatus"])
			}
			shards := run("list-shards", "--stream-name", name)["Shards"].([]any)
			if len(shards) != 1 {
				t.Fatalf("%d shards", len(shards))
			}
			put := run("put-record", "--stream-name", name, "--partition-key", "p", "--data", base64.StdEncoding.EncodeToString([]byte("one")))
			puts := run("put-records", "--stream-name", name, "--records",
				`[{"PartitionKey":"a","Data":"`+base64.StdEncoding.EncodeToString([]byte("two"))+`"},{"PartitionKey":"b","Data":"`+base64.StdEncoding.EncodeToString([]byte("three"))+`"}]`)
			if puts["FailedRecordCount"].(float64) != 0 {
				t.Fatalf("put-records failed %v", puts["FailedRecordCount"])
			}
			it := run("get-shard-iterator", "--stream-name", name, "--shard-id", "shardId-000000000000", "--shard-iterator-type", "TRIM_HORIZON")["ShardIterator"].(string)
			recs := run("get-records", "--shard-iterator", it)["Records"].([]any)
			var got []string
			for _, r := range recs {
				d, _ := base64.StdEncoding.DecodeString(r.(map[string]any)["Data"].(string))
				got = append(got, string(d))
			}
			if strings.Join(got, ",") != "one,two,three" {
				t.Fatalf("get-records = %v", got)
			}
			if recs[0].(map[string]any)["SequenceNumber"] != put["SequenceNumber"] {
				t.Fatal("first record's sequence number differs from put-record's")
			}
			run("split-shard", "--stream-name", name, "--shard-to-split", "shardId-000000000000", "--new-starting-hash-key", quarter)
			run("wait", "stream-exists", "--stream-name", name)
			run("delete-stream", "--stream-name", name)
		})
	}
}

// runCLI runs `aws kinesis ARGS` against url, signed with the access key
// key, and decodes its JSON output.
func runCLI(t *testing.T, bin, url, home, key string, args ...string) map[string]any {
	t.Helper()
	v, known := runCLIIfKnown(t, bin, url, home, key, args...)
	if !known {
		t.Fatalf("this AWS CLI has no kinesis %s", args[0])
	}
	return v
}

// runCLIIfKnown is runCLI for a command the installed CLI may lack: it
// reports false, having run nothing, when the CLI refuses the command as an
// invalid choice. Asking the command itself spares a `help` probe, which
// costs a CLI start of its own.
func runCLIIfKnown(t *testing.T, bin, url, home, key string, args ...string) (map[string]any, bool) {
	t.Helper()
	env := []string{
		"HOME=" + home, "PATH=" + os.Getenv("PATH"),
		"AWS_ACCESS_KEY_ID=" + key, "AWS_SECRET_ACCESS_KEY=secret", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + home + "/config", "AWS_SHARED_CREDENTIALS_FILE=" + home + "/credentials",
		"AWS_PAGER=", "AWS_MAX_ATTEMPTS=1",
	}
	stdout, stderr, err := localtest.RunAWSCLI(bin, env, append([]string{"--endpoint-url", url, "--output", "json", "kinesis"}, args...))
	out := append(stdout, stderr...)
	if err != nil && strings.Contains(string(out), "argument operation: Invalid choice") {
		return nil, false
	}
	if err != nil {
		t.Fatalf("aws kinesis %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	var v map[string]any
	if len(strings.TrimSpace(string(out))) > 0 {
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("aws kinesis %s printed %q: %v", args[0], out, err)
		}
	}
	return v, true
}

// TestAWSCLIStreamSettings drives the stream settings, limits, tag and
// resource policy commands through the AWS CLI. Commands the installed CLI
// does not know (tag-resource and the resource policy commands came after
// the CLI of some distributions) are left out. Between commands it waits for
// ACTIVE with the SDK: each CLI start costs a second, and TestAWSCLI checks
// the CLI's own waiter.
func TestAWSCLIStreamSettings(t *testing.T) {
	t.Parallel() // bound by the CLI's Python start-up, not by the endpoint: runs alongside the other CLI tests
	bin := localtest.AWSCLI(t)
	tg := newTarget(t)
	tg.skipOn(t, "W3")
	for _, id := range []string{"stream-mode", "limits", "encryption", "enhanced-monitoring"} {
		tg.skipOn(t, id)
	}
	home := t.TempDir()
	run := func(args ...string) map[string]any {
		t.Helper()
		return runCLI(t, bin, tg.url, home, "AKIAFAKE", args...)
	}
	// first runs the first command of a group the installed CLI may lack.
	first := func(args ...string) bool {
		t.Helper()
		if _, known := runCLIIfKnown(t, bin, tg.url, home, "AKIAFAKE", args...); !known {
			t.Logf("this AWS CLI has no kinesis %s; not checking it", args[0])
			return false
		}
		return true
	}
	name := uniqueName("cli-settings")
	arn := tg.arn(name)
	run("create-stream", "--stream-name", name, "--shard-count", "2")
	t.Cleanup(func() {
		tg.deleteQuietly(name)
	})
	tg.waitStatus(t, name, types.StreamStatusActive)

	limits := run("describe-limits")
	if _, ok := limits["OpenShardCount"].(float64); !ok || limits["ShardLimit"] == nil || limits["OnDemandStreamCountLimit"] == nil {
		t.Fatalf("describe-limits printed %v", limits)
	}

	run("update-stream-mode", "--stream-arn", arn, "--stream-mode-details", "StreamMode=ON_DEMAND")
	tg.waitStatus(t, name, types.StreamStatusActive)
	sum := run("describe-stream-summary", "--stream-name", name)["StreamDescriptionSummary"].(map[string]any)
	if fmt.Sprint(sum["StreamModeDetails"]) != "map[StreamMode:ON_DEMAND]" {
		t.Fatalf("mode after update-stream-mode: %v", sum["StreamModeDetails"])
	}

	run("start-stream-encryption", "--stream-name", name, "--encryption-type", "KMS", "--key-id", "alias/aws/kinesis")
	tg.waitStatus(t, name, types.StreamStatusActive)
	sum = run("describe-stream-summary", "--stream-name", name)["StreamDescriptionSummary"].(map[string]any)
	if sum["EncryptionType"] != "KMS" || sum["KeyId"] != "alias/aws/kinesis" {
		t.Fatalf("after start-stream-encryption: %v %v", sum["EncryptionType"], sum["KeyId"])
	}
	put := run("put-record", "--stream-name", name, "--partition-key", "p", "--data", base64.StdEncoding.EncodeToString([]byte("x")))
	if put["EncryptionType"] != "KMS" {
		t.Fatalf("put-record on an encrypted stream printed %v", put)
	}
	run("stop-stream-encryption", "--stream-name", name, "--encryption-type", "KMS", "--key-id", "alias/aws/kinesis")
	tg.waitStatus(t, name, types.StreamStatusActive)

	mon := run("enable-enhanced-monitoring", "--stream-name", name, "--shard-level-metrics", "IncomingBytes", "OutgoingBytes")
	if fmt.Sprint(mon["DesiredShardLevelMetrics"]) != "[IncomingBytes OutgoingBytes]" || mon["StreamName"] != name {
		t.Fatalf("enable-enhanced-monitoring printed %v", mon)
	}
	mon = run("disable-enhanced-monitoring", "--stream-name", name, "--shard-level-metrics", "ALL")
	if fmt.Sprint(mon["CurrentShardLevelMetrics"]) != "[IncomingBytes OutgoingBytes]" || fmt.Sprint(mon["DesiredShardLevelMetrics"]) != "[]" {
		t.Fatalf("disable-enhanced-monitoring printed %v", mon)
	}

	if tg.peer == "" && first("tag-resource", "--resource-arn", arn, "--tags", "team=data") {
		tags := run("list-tags-for-resource", "--resource-arn", arn)
		if fmt.Sprint(tags["Tags"]) != "[map[Key:team Value:data]]" {
			t.Fatalf("list-tags-for-resource printed %v", tags)
		}
		run("untag-resource", "--resource-arn", arn, "--tag-keys", "team")
	}
	policy := `{"Version":"2012-10-17","Statement":[]}`
	if tg.peer == "" && first("put-resource-policy", "--resource-arn", arn, "--policy", policy) {
		if got := run("get-resource-policy", "--resource-arn", arn); got["Policy"] != policy {
			t.Fatalf("get-resource-policy printed %v", got)
		}
		run("delete-resource-policy", "--resource-arn", arn)
		if got := run("get-resource-policy", "--resource-arn", arn); got["Policy"] != "{}" {
			t.Fatalf("get-resource-policy after delete printed %v", got)
		}
	}
}

// TestAWSCLIStreamConsumers drives the enhanced fan-out consumer commands
// (the AWS CLI has no SubscribeToShard: it cannot read event streams).
func TestAWSCLIStreamConsumers(t *testing.T) {
	t.Parallel() // bound by the CLI's Python start-up, not by the endpoint: runs alongside the other CLI tests
	bin := localtest.AWSCLI(t)
	tg := newTarget(t)
	tg.skipOn(t, "W3")
	tg.skipOn(t, "efo")
	home := t.TempDir()
	run := func(args ...string) map[string]any {
		t.Helper()
		return runCLI(t, bin, tg.url, home, "AKIAFAKE", args...)
	}
	name := uniqueName("cli-efo")
	arn := tg.arn(name)
	run("create-stream", "--stream-name", name, "--shard-count", "1")
	t.Cleanup(func() {
		tg.deleteQuietly(name)
	})
	tg.waitStatus(t, name, types.StreamStatusActive)

	reg := run("register-stream-consumer", "--stream-arn", arn, "--consumer-name", "cli-reader")["Consumer"].(map[string]any)
	consumerARN, _ := reg["ConsumerARN"].(string)
	if reg["ConsumerName"] != "cli-reader" || reg["ConsumerStatus"] != "CREATING" || !strings.HasPrefix(consumerARN, arn+"/consumer/cli-reader:") {
		t.Fatalf("register-stream-consumer printed %v", reg)
	}
	eventually(t, 20*time.Second, "the consumer to be ACTIVE", func() bool {
		d := run("describe-stream-consumer", "--consumer-arn", consumerARN)["ConsumerDescription"].(map[string]any)
		return d["ConsumerStatus"] == "ACTIVE"
	})
	byName := run("describe-stream-consumer", "--stream-arn", arn, "--consumer-name", "cli-reader")["ConsumerDescription"].(map[string]any)
	if byName["ConsumerARN"] != consumerARN || byName["StreamARN"] != arn {
		t.Fatalf("describe-stream-consumer by name printed %v", byName)
	}
	list := run("list-stream-consumers", "--stream-arn", arn)["Consumers"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["ConsumerARN"] != consumerARN {
		t.Fatalf("list-stream-consumers printed %v", list)
	}
	run("deregister-stream-consumer", "--consumer-arn", consumerARN)
	eventually(t, 20*time.Second, "the consumer to go", func() bool {
		return len(run("list-stream-consumers", "--stream-arn", arn)["Consumers"].([]any)) == 0
	})
}

// deleteQuietly deletes a stream and its consumers, if any, for a test's
// clean-up: through the SDK, as a CLI start costs a second.
func (tg *target) deleteQuietly(name string) {
	tg.client.DeleteStream(context.Background(), &kinesis.DeleteStreamInput{StreamName: &name, EnforceConsumerDeletion: aws.Bool(true)})
}
