package kinesis_test

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/spk-cli/spk/provision/local/localtest"
)

func TestAWSCLI(t *testing.T) {
	bin := localtest.AWSCLI(t)
	tg := newTarget(t)
	tg.skipOn(t, "W3")
	for _, key := range []string{"AKIAFAKE", "AK+/=!@#$%^&*()key"} {
		t.Run(key, func(t *testing.T) {
			home := t.TempDir()
			name := uniqueName("cli")
			run := func(args ...string) map[string]any {
				t.Helper()
				cmd := exec.Command(bin, append([]string{"--endpoint-url", tg.url, "--output", "json", "kinesis"}, args...)...)
				cmd.Env = []string{
					"HOME=" + home, "PATH=" + os.Getenv("PATH"),
					"AWS_ACCESS_KEY_ID=" + key, "AWS_SECRET_ACCESS_KEY=secret", "AWS_DEFAULT_REGION=us-east-1",
					"AWS_CONFIG_FILE=" + home + "/config", "AWS_SHARED_CREDENTIALS_FILE=" + home + "/credentials",
					"AWS_PAGER=", "AWS_MAX_ATTEMPTS=1",
				}
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("aws kinesis %s: %v\n%s", strings.Join(args, " "), err, out)
				}
				var v map[string]any
				if len(strings.TrimSpace(string(out))) > 0 {
					if err := json.Unmarshal(out, &v); err != nil {
						t.Fatalf("aws kinesis %s printed %q: %v", args[0], out, err)
					}
				}
				return v
			}
			run("create-stream", "--stream-name", name, "--shard-count", "1")
			t.Cleanup(func() {
				exec.Command(bin, "--endpoint-url", tg.url, "kinesis", "delete-stream", "--stream-name", name).Run()
			})
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
