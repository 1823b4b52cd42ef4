package cmd

import (
	"context"
	"encoding/json"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/spk-cli/spk/internal/iostreams"
	"github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/stream/consume/endpointtest"
)

// TestFailureToldOnce: a failed step's line says it failed, and the error
// with its hint is spk's last line, once, without the step name repeating
// the task's own words.
func TestFailureToldOnce(t *testing.T) {
	srv, err := local.Start(context.Background(), local.Options{Addr: "127.0.0.1:0", InMemory: true, ShardLimit: 1, CreateDelay: -1, DeleteDelay: -1, UpdateDelay: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	r := run(t, endpointEnv(srv.URL()), "create-stream", "big", "--shards", "2")
	want := "… step 3: create stream big\n" +
		"✗ step 3: create stream big: failed\n" +
		`spk: create stream "big": LimitExceededException: This request would exceed the shard limit for the account`
	if r.code != ExitFailure || !strings.HasPrefix(r.stderr, want) || strings.Count(r.stderr, "LimitExceededException") != 1 {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
	if !strings.HasSuffix(r.stderr, "\nhint: the account's shard limit is reached: ask for fewer shards with --shards, or delete unused streams\n") || r.stdout != "" {
		t.Fatalf("no hint, or data on stdout:\n%s\n%s", r.stdout, r.stderr)
	}
	if streams, _ := resourcesOn(t, srv.URL()); len(streams) != 0 {
		t.Fatalf("a refused create left %v", streams)
	}
}

// TestInterruptedWhileWaiting: Ctrl-C while create-stream waits for ACTIVE
// prints "spk: interrupted" and exits 130, no SDK text.
func TestInterruptedWhileWaiting(t *testing.T) {
	srv, err := local.Start(context.Background(), local.Options{Addr: "127.0.0.1:0", InMemory: true, CreateDelay: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	env := endpointEnv(srv.URL())
	ios, _, out, errOut := iostreams.Test()
	f := &Factory{IO: ios, LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }, WorkDir: t.TempDir(), UserConfigDir: t.TempDir()}
	ctx, interrupt := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- Execute(ctx, f, []string{"create-stream", "slow"}) }()
	kc := kinesis.NewFromConfig(endpointtest.Config(srv.URL()))
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := kc.DescribeStreamSummary(context.Background(), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("slow")}); err == nil {
			break // CREATING: spk is waiting
		}
		if time.Now().After(deadline) {
			t.Fatal("the stream never appeared")
		}
		time.Sleep(20 * time.Millisecond)
	}
	interrupt()
	code := <-done
	if code != ExitInterrupted || !strings.HasSuffix(errOut.String(), "✗ step 3: create stream slow: interrupted\nspk: interrupted\n") || out.Len() != 0 {
		t.Fatalf("code %d\nstdout %q\nstderr:\n%s", code, out, errOut)
	}
	if strings.Contains(errOut.String(), "context canceled") {
		t.Fatalf("the SDK's words reached the user:\n%s", errOut)
	}
}

// TestStatusUnreachable: status with the endpoint down shows a short cell,
// the resources as unknown, and exits 1 with one error line.
func TestStatusUnreachable(t *testing.T) {
	url := "http://" + refusingAddr(t)
	r := run(t, endpointEnv(url), "status")
	if r.code != ExitFailure || !hasRow(r.stdout, "endpoint", url, "unreachable", "connection refused") || !hasRow(r.stdout, "stream", "my-stream", "unknown: the endpoint is unreachable", "-") {
		t.Fatalf("code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	want := "spk: cannot reach the endpoint at " + url + ": connection refused\nhint: start the endpoint, or fix --endpoint-url / AWS_ENDPOINT_URL\n"
	if r.stderr != want || strings.Contains(r.stdout, "operation error") {
		t.Fatalf("stderr %q\nwant   %q", r.stderr, want)
	}
	r = run(t, endpointEnv(url), "status", "-o", "json")
	var st struct {
		Endpoint struct {
			Reachable bool   `json:"reachable"`
			Error     string `json:"error"`
		} `json:"endpoint"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || r.code != ExitFailure || st.Endpoint.Reachable || st.Endpoint.Error != "connection refused" {
		t.Fatalf("json: code %d err %v\n%s", r.code, err, r.stdout)
	}
}

// TestShowRefusesOtherTables: a table keyed otherwise, or holding another
// view's rows, is refused with one line and exit 2, before any row prints.
func TestShowRefusesOtherTables(t *testing.T) {
	t.Parallel() // waits on a verb or a process, not the CPU; changes no process-wide state
	srv := startLocal(t)
	env := endpointEnv(srv.URL())
	db := dynamoClient(srv.URL())
	ctx := context.Background()
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("orders"),
		AttributeDefinitions: []dtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: dtypes.ScalarAttributeTypeS}},
		KeySchema:            []dtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: dtypes.KeyTypeHash}},
		BillingMode:          dtypes.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := dynamodb.NewTableExistsWaiter(db).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("orders")}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("orders"), Item: map[string]dtypes.AttributeValue{"id": &dtypes.AttributeValueMemberS{Value: "o-1"}}}); err != nil {
		t.Fatal(err)
	}
	seedCounts(t, srv.URL()) // my-table, the tutorial's counts
	bytes := weblogDef(t, "weblog-bytes")
	seedView(t, srv.URL(), bytes, accessLines())
	bytes.Table = "wrong-weblog-paths" // weblog-bytes's rows where weblog-paths's belong
	seedView(t, srv.URL(), bytes, accessLines())

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"show", "--table", "orders"}, "spk: show: table orders is not an aggregate table: its key is id (S) hash, and spk show reads tables keyed by BucketStart (S) and EventType (S)\n" +
			"hint: name an aggregate table with --table, or a view with --view; spk status lists the app's tables\n"},
		{[]string{"show", "--table", "my-table-weblog-bytes"}, "spk: show: table my-table-weblog-bytes does not hold the tutorial's counts: its rows have bytes_avg_count, bytes_avg_sum, bytes_max, bytes_min, bytes_sum, which the tutorial's counts does not write\n" +
			"hint: name the view that wrote it with --view (Tab completes the names), or another table with --table; a view spk run made from its flags (--group-by, --metric, …) is shown when spk show has the same settings, as run.* in spk.yaml or SPK_RUN_*\n"},
		{[]string{"show", "--table", "wrong", "--view", "weblog-paths"}, "spk: show: table wrong-weblog-paths does not hold view weblog-paths: its rows have bytes_avg_count, bytes_avg_sum, bytes_max, bytes_min, bytes_sum, which view weblog-paths does not write\n" +
			"hint: name the view that wrote it with --view (Tab completes the names), or another table with --table\n"},
	} {
		r := run(t, env, c.args...)
		if r.code != ExitUsage || r.stderr != c.want || r.stdout != "" {
			t.Errorf("%v: code %d, stdout %q\nstderr %q\nwant   %q", c.args, r.code, r.stdout, r.stderr, c.want)
		}
	}
	// What spk show can read still reads.
	if r := run(t, env, "show"); r.code != 0 || !strings.Contains(r.stdout, "Red") {
		t.Fatalf("show: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, env, "show", "--view", "weblog-bytes"); r.code != 0 {
		t.Fatalf("show --view: code %d\n%s", r.code, r.stderr)
	}
}

// TestDoctorUnreachable: doctor says in a few words why the endpoint does
// not answer, and stops there.
func TestDoctorUnreachable(t *testing.T) {
	url := "http://" + refusingAddr(t)
	r := run(t, endpointEnv(url), "doctor")
	if r.code != ExitFailure || !hasRow(r.stdout, "FAIL", "endpoint "+url, "unreachable: connection refused") || strings.Contains(r.stdout, "kinesis access") {
		t.Fatalf("code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r.stderr != "spk: doctor: found problems; each one above says how to fix it\n" {
		t.Fatalf("stderr %q", r.stderr)
	}
}

// refusingAWS is AWS as a loopback server that refuses every call with code
// and message, as AWS answers them; the profile "scoped" in the returned
// environment points the SDK at it through its services section, so spk
// takes its AWS path (a profile, no endpoint) without leaving the machine.
func refusingAWS(t *testing.T, code, message string) map[string]string {
	t.Helper()
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := `{"__type":"` + code + `","message":"` + message + `"}`
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("x-amzn-ErrorType", code)
		w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 10)) // DynamoDB's client checks it
		w.WriteHeader(400)
		io.WriteString(w, body)
	}))
	t.Cleanup(fake.Close)
	env, creds, conf := awsFiles(t)
	if err := os.MkdirAll(filepath.Dir(conf), 0o700); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		creds: "[scoped]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
		conf:  "[profile scoped]\nregion = eu-west-1\nservices = fake\n\n[services fake]\nkinesis =\n  endpoint_url = " + fake.URL + "\ndynamodb =\n  endpoint_url = " + fake.URL + "\n",
	}
	for p, body := range files {
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env["AWS_MAX_ATTEMPTS"] = "1"
	return env
}

// TestStatusOnAWSReachedButRefused: AWS that answers ListStreams with
// AccessDenied (a policy scoped to the app's own resources) was reached:
// status says so, and that the rows could not be read, not "cannot reach
// AWS, check the network".
func TestStatusOnAWSReachedButRefused(t *testing.T) {
	env := refusingAWS(t, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/u is not authorized to perform this action")
	r := run(t, env, "status", "--profile", "scoped")
	if r.code != ExitFailure || !hasRow(r.stdout, "endpoint", "AWS", "eu-west-1", "reachable") ||
		strings.Contains(r.stderr, "cannot reach") || !strings.Contains(r.stderr, "spk: status: could not read the stream my-stream") {
		t.Fatalf("code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestAWSRefusalsHaveHints: a missing permission and expired credentials
// each end in one line with the fix that fits: a grant, or renewing.
func TestAWSRefusalsHaveHints(t *testing.T) {
	for _, c := range []struct{ code, hint string }{
		{"AccessDeniedException", "hint: the credentials lack a permission this needs"},
		{"ExpiredTokenException", "hint: the credentials expired: renew them"},
	} {
		r := run(t, refusingAWS(t, c.code, "refused"), "create-stream", "--profile", "scoped")
		if r.code != ExitFailure || !strings.Contains(r.stderr, c.code) || !strings.Contains(r.stderr, c.hint) || strings.Count(r.stderr, "hint:") != 1 {
			t.Errorf("%s: code %d\n%s", c.code, r.code, r.stderr)
		}
	}
}

// TestAnEndpointAnsweringEmptyIsRefusedInWords: an endpoint that answers
// 200 with an empty object (not a Kinesis API) makes spk fail with one
// line, not a nil dereference.
func TestAnEndpointAnsweringEmptyIsRefusedInWords(t *testing.T) {
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		io.WriteString(w, `{}`)
	}))
	defer fake.Close()
	for _, args := range [][]string{{"describe-stream"}, {"create-stream"}} {
		r := run(t, endpointEnv(fake.URL), args...)
		if r.code != ExitFailure || !strings.Contains(r.stderr, "without a StreamDescription") || strings.Contains(r.stderr, "panic") {
			t.Errorf("%v: code %d\n%s", args, r.code, r.stderr)
		}
	}
}

// TestShowTableNotActive: spk show on a table still being created or being
// deleted says so, where DynamoDB's "not found" for its Scan would send the
// user to create a table that exists.
func TestShowTableNotActive(t *testing.T) {
	for _, c := range []struct {
		name, want string
		opts       local.Options
		delete     bool
	}{
		{"creating", "spk: show: table my-table is still being created (CREATING), and nothing can be read from it until it is ACTIVE\n" +
			"hint: run spk show again in a moment; spk create-table waits until the table is ACTIVE\n",
			local.Options{CreateDelay: time.Minute}, false},
		{"deleting", "spk: show: table my-table is being deleted (DELETING)\n" +
			"hint: create it again with spk create-table, or run spk up, once it is gone\n",
			local.Options{CreateDelay: -1, DeleteDelay: time.Minute}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.opts.Addr, c.opts.InMemory = "127.0.0.1:0", true
			srv, err := local.Start(context.Background(), c.opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			db := dynamodb.NewFromConfig(endpointtest.Config(srv.URL()))
			_, err = db.CreateTable(context.Background(), &dynamodb.CreateTableInput{
				TableName: aws.String("my-table"), BillingMode: dtypes.BillingModePayPerRequest,
				AttributeDefinitions: []dtypes.AttributeDefinition{
					{AttributeName: aws.String("BucketStart"), AttributeType: dtypes.ScalarAttributeTypeS},
					{AttributeName: aws.String("EventType"), AttributeType: dtypes.ScalarAttributeTypeS}},
				KeySchema: []dtypes.KeySchemaElement{
					{AttributeName: aws.String("BucketStart"), KeyType: dtypes.KeyTypeHash},
					{AttributeName: aws.String("EventType"), KeyType: dtypes.KeyTypeRange}},
			})
			if err != nil {
				t.Fatal(err)
			}
			if c.delete {
				if _, err := db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String("my-table")}); err != nil {
					t.Fatal(err)
				}
			}
			r := run(t, endpointEnv(srv.URL()), "show")
			if r.code != ExitFailure || r.stderr != c.want || r.stdout != "" {
				t.Fatalf("code %d\nstdout %q\nstderr %q\nwant   %q", r.code, r.stdout, r.stderr, c.want)
			}
		})
	}
}

// TestBadAWSVariablesAreSettingErrors: AWS_MAX_ATTEMPTS, AWS_RETRY_MODE and
// AWS_CA_BUNDLE with values spk cannot use are settings the user gave:
// refused in one line with the fix and exit 2, as a bad spk setting is
// (they exited 1, as if something had failed).
func TestBadAWSVariablesAreSettingErrors(t *testing.T) {
	for _, c := range []struct{ name, value, want string }{
		{"AWS_MAX_ATTEMPTS", "abc", "spk: read AWS_MAX_ATTEMPTS: \"abc\" is not a whole number of attempts\nhint: set it to 1 or more, or unset it\n"},
		{"AWS_RETRY_MODE", "weird", "hint: use standard or adaptive, or unset it\n"},
		{"AWS_CA_BUNDLE", filepath.Join(t.TempDir(), "none.pem"), "hint: point AWS_CA_BUNDLE at a PEM file of certificates, or unset it\n"},
	} {
		// As much with a profile, where the SDK's loader reads them and
		// its failure blamed the profile (exit 1).
		dir := t.TempDir()
		creds, conf := filepath.Join(dir, "credentials"), filepath.Join(dir, "config")
		os.WriteFile(creds, []byte("[p]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\n"), 0o600)
		os.WriteFile(conf, []byte("[profile p]\nregion = eu-west-1\n"), 0o600)
		for _, env := range []map[string]string{
			{c.name: c.value},
			{c.name: c.value, "AWS_SHARED_CREDENTIALS_FILE": creds, "AWS_CONFIG_FILE": conf, "AWS_PROFILE": "p"},
		} {
			r := run(t, env, "describe-stream")
			if r.code != ExitUsage || !strings.HasPrefix(r.stderr, "spk: read "+c.name+": ") || !strings.HasSuffix(r.stderr, c.want) || strings.Count(r.stderr, "\n") != 2 {
				t.Errorf("%v: code %d, stderr %q; want exit %d ending %q", env, r.code, r.stderr, ExitUsage, c.want)
			}
		}
	}
}
