package provision_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/stream/consume/endpointtest"
	"github.com/spk-cli/spk/stream/sink"
)

// denyingClients are clients whose endpoint answers DescribeTable of the
// named tables as AWS does under a policy that does not allow it, and
// passes every other request to a real spk local.
func denyingClients(t *testing.T, denied ...string) *provision.Clients {
	t.Helper()
	c := clients(t)
	upstream, err := url.Parse(c.Target.DynamoDBEndpoint)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(upstream)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if r.Header.Get("X-Amz-Target") == "DynamoDB_20120810.DescribeTable" {
			for _, name := range denied {
				if strings.Contains(string(body), `"TableName":"`+name+`"`) {
					w.Header().Set("Content-Type", "application/x-amz-json-1.0")
					w.WriteHeader(http.StatusBadRequest)
					io.WriteString(w, `{"__type":"com.amazon.coral.service#AccessDeniedException","Message":"User: arn:aws:iam::123456789012:user/me is not authorized to perform: dynamodb:DescribeTable on resource: arn:aws:dynamodb:us-east-1:123456789012:table/`+name+`"}`)
					return
				}
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	cfg := endpointtest.Config(srv.URL)
	c.Target.KinesisEndpoint, c.Target.DynamoDBEndpoint = srv.URL, srv.URL
	c.Config, c.Kinesis, c.DynamoDB = cfg, kinesis.NewFromConfig(cfg), dynamodb.NewFromConfig(cfg)
	return c
}

// A built-in example's view table that the caller may not describe is
// none of the app's: status and teardown leave it out. A configured view's
// table that cannot be read is an error in both.
func TestViewTablesTheCallerMayNotRead(t *testing.T) {
	c := denyingClients(t, "my-table-weblog-ips", "mine")
	ctx := context.Background()
	if _, err := provision.CreateTable(ctx, c.DynamoDB, sink.TableSpec("theirs", "App", "", nil), nil); err != nil {
		t.Fatal(err)
	}
	views := []provision.ViewTable{
		{View: "weblog-ips", Table: "my-table-weblog-ips", IfPresent: true},
		{View: "weblog-paths", Table: "my-table-weblog-paths", IfPresent: true},
		{View: "mine", Table: "mine"},
		{View: "theirs", Table: "theirs"},
	}
	st := provision.GetStatus(ctx, c, "my-stream", "my-table", "App", views)
	if len(st.Views) != 2 || st.Views[0].Name != "mine" || !strings.Contains(st.Views[0].Error, "AccessDeniedException") ||
		st.Views[1].Name != "theirs" || !st.Views[1].Exists || st.Views[1].Error != "" {
		t.Fatalf("status of the views' tables: %+v", st.Views)
	}

	var resources []provision.Resource
	for _, v := range views {
		resources = append(resources, provision.Resource{Kind: provision.KindAggregate, Name: v.Table, IfPresent: v.IfPresent})
	}
	plan := provision.PlanTeardown(ctx, c, resources, false)
	var got []string
	for _, p := range plan {
		got = append(got, p.Name+" "+string(p.Fate))
	}
	if strings.Join(got, ", ") != "mine failed, theirs will be deleted" {
		t.Fatalf("teardown plan: %s", strings.Join(got, ", "))
	}
}
