package results

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/provision/sdkhttp"
)

// startDynamoDB starts spk's embedded endpoint in memory on a free loopback
// port and returns a client for it.
func startDynamoDB(t *testing.T) *dynamodb.Client {
	t.Helper()
	ctx := context.Background()
	srv, err := local.Start(ctx, local.Options{Addr: "127.0.0.1:0", InMemory: true, CreateDelay: -1, DeleteDelay: -1, UpdateDelay: -1})
	if err != nil {
		t.Fatalf("start endpoint: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return dynamodb.New(dynamodb.Options{
		BaseEndpoint: aws.String(srv.URL()),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("spk", "spk", ""),
		HTTPClient:   sdkhttp.New(nil),
	})
}

// createTable creates an aggregate table shaped like the tutorial's and
// waits until it is ACTIVE.
func createTable(t *testing.T, db *dynamodb.Client, name string) {
	t.Helper()
	ctx := context.Background()
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(AttrBucketStart), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(AttrEventType), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(AttrBucketStart), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(AttrEventType), KeyType: types.KeyTypeRange},
		},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("create table: %v", err)
	}
	w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay = 10 * time.Millisecond })
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 30*time.Second); err != nil {
		t.Fatalf("wait for table: %v", err)
	}
}

func putItem(t *testing.T, db *dynamodb.Client, table string, item map[string]types.AttributeValue) {
	t.Helper()
	if _, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatalf("put item: %v", err)
	}
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

// rowItem is an item as the consumer writes it, watermarks and all.
func rowItem(r Row) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrBucketStart: s(r.BucketStart), AttrEventType: s(r.EventType),
		AttrCount: n(fmt.Sprint(r.Count)), AttrCreatedAt: s(r.CreatedAt), AttrUpdatedAt: s(r.UpdatedAt),
		"spk_wm_shardId-000000000000": s("49551350243544458458477304430170758137221526998466166786"),
		"Note":                        s("someone else's attribute"),
	}
}

// fixture is three minutes of the tutorial's counts, written in no order.
var fixture = []Row{
	{"2015-06-05T12:55:00.000", "Red", 7, "2015-06-05T12:55:01.120Z", "2015-06-05T12:55:58.004Z"},
	{"2015-06-05T12:54:00.000", "Green", 12, "2015-06-05T12:54:43.100Z", "2015-06-05T12:54:59.870Z"},
	{"2015-06-05T12:56:00.000", "Blue", 1, "2015-06-05T12:56:00.300Z", "2015-06-05T12:56:00.300Z"},
	{"2015-06-05T12:54:00.000", "Red", 9, "2015-06-05T12:54:43.800Z", "2015-06-05T12:54:58.010Z"},
	{"2015-06-05T12:55:00.000", "Yellow", 3, "2015-06-05T12:55:02.000Z", "2015-06-05T12:55:40.500Z"},
	{"2015-06-05T12:54:00.000", "Yellow", 4, "2015-06-05T12:54:44.300Z", "2015-06-05T12:54:51.000Z"},
	{"2015-06-05T12:56:00.000", "Green", 2, "2015-06-05T12:56:00.900Z", "2015-06-05T12:56:01.000Z"},
}

func sorted(rows []Row) []Row {
	out := append([]Row(nil), rows...)
	Sort(out)
	return out
}

func TestRead(t *testing.T) {
	db := startDynamoDB(t)
	createTable(t, db, "my-table")
	for _, r := range fixture {
		putItem(t, db, "my-table", rowItem(r))
	}
	all := sorted(fixture)
	at := func(s string) time.Time {
		v, err := time.Parse("2006-01-02T15:04:05", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	pick := func(idx ...int) []Row {
		var out []Row
		for _, i := range idx {
			out = append(out, all[i])
		}
		return out
	}
	// all, sorted: 0 12:54 Green, 1 12:54 Red, 2 12:54 Yellow, 3 12:55 Red,
	// 4 12:55 Yellow, 5 12:56 Blue, 6 12:56 Green
	tests := []struct {
		name string
		q    Query
		want []Row
	}{
		{"everything sorted by bucket then type", Query{}, all},
		{"since is inclusive", Query{Since: at("2015-06-05T12:55:00")}, pick(3, 4, 5, 6)},
		{"since inside a bucket leaves that bucket out", Query{Since: at("2015-06-05T12:54:30")}, pick(3, 4, 5, 6)},
		{"until is exclusive", Query{Until: at("2015-06-05T12:55:00")}, pick(0, 1, 2)},
		{"since and until", Query{Since: at("2015-06-05T12:55:00"), Until: at("2015-06-05T12:56:00")}, pick(3, 4)},
		{"one type", Query{Types: []string{"Red"}}, pick(1, 3)},
		{"two types", Query{Types: []string{"Green", "Blue"}}, pick(0, 5, 6)},
		{"type that never occurs", Query{Types: []string{"Purple"}}, nil},
		{"types are case sensitive", Query{Types: []string{"red"}}, nil},
		{"newest two buckets", Query{Buckets: 2}, pick(3, 4, 5, 6)},
		{"more buckets than there are", Query{Buckets: 10}, all},
		{"limit keeps the newest rows", Query{Limit: 3}, pick(4, 5, 6)},
		{"buckets then limit", Query{Buckets: 2, Limit: 3}, pick(4, 5, 6)},
		{"filters combine", Query{Types: []string{"Red", "Yellow"}, Since: at("2015-06-05T12:54:00"), Buckets: 1}, pick(3, 4)},
		{"consistent read", Query{Consistent: true}, all},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			q.Table = "my-table"
			got, err := Read(context.Background(), db, q)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Read(%+v):\n got %v\nwant %v", tt.q, got, tt.want)
			}
		})
	}
}

// pager makes every Scan page hold at most limit items, and counts pages.
type pager struct {
	api   ScanAPI
	limit int32
	pages atomic.Int32
}

func (p *pager) Scan(ctx context.Context, in *dynamodb.ScanInput, opts ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	p.pages.Add(1)
	in.Limit = aws.Int32(p.limit)
	return p.api.Scan(ctx, in, opts...)
}

func TestReadFollowsPages(t *testing.T) {
	db := startDynamoDB(t)
	createTable(t, db, "my-table")
	var want []Row
	start := time.Date(2015, 6, 5, 12, 0, 0, 0, time.UTC)
	for i := range 40 {
		r := Row{
			BucketStart: start.Add(time.Duration(i/5) * time.Minute).Format("2006-01-02T15:04:05.000"),
			EventType:   []string{"Red", "Orange", "Yellow", "Green", "Blue"}[i%5],
			Count:       int64(i + 1), CreatedAt: "2015-06-05T12:00:00.000Z", UpdatedAt: "2015-06-05T12:00:00.000Z",
		}
		want = append(want, r)
		putItem(t, db, "my-table", rowItem(r))
	}
	Sort(want)
	p := &pager{api: db, limit: 7}
	got, err := Read(context.Background(), p, Query{Table: "my-table"})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Read across pages returned %d rows, want %d:\n got %v\nwant %v", len(got), len(want), got, want)
	}
	// 40 items, 7 a page: 6 pages, and a 7th that may come back empty.
	if n := p.pages.Load(); n < 6 {
		t.Errorf("Read made %d Scan calls, want at least 6 pages of 7", n)
	}
}

func TestReadErrors(t *testing.T) {
	db := startDynamoDB(t)
	createTable(t, db, "my-table")
	putItem(t, db, "my-table", map[string]types.AttributeValue{
		AttrBucketStart: s("2015-06-05T12:54:00.000"), AttrEventType: s("Red"), AttrCount: n("1.5"),
	})
	since := time.Date(2015, 6, 5, 12, 55, 0, 0, time.UTC)
	tests := []struct {
		name string
		q    Query
		want []string
	}{
		{"no table name", Query{}, []string{"no table name given", "set table.name"}},
		{"missing table", Query{Table: "nope"}, []string{"read aggregate table nope", "ResourceNotFoundException"}},
		{"count that is not whole", Query{Table: "my-table"}, []string{"row 2015-06-05T12:54:00.000/Red", `Count "1.5" is not a whole number`}},
		{"until before since", Query{Table: "my-table", Since: since, Until: since.Add(-time.Minute)},
			[]string{"until (2015-06-05T12:54:00.000) is not after since (2015-06-05T12:55:00.000)"}},
		{"too many types", Query{Table: "my-table", Types: make([]string, 101)}, []string{"101 event types given, at most 100"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := Read(context.Background(), db, tt.q)
			if err == nil {
				t.Fatalf("Read(%+v) = %v, want an error", tt.q, rows)
			}
			if rows != nil {
				t.Errorf("Read returned rows %v with its error", rows)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestTrim(t *testing.T) {
	all := sorted(fixture)
	tests := []struct {
		name           string
		buckets, limit int
		want           int // rows kept, from the end
	}{
		{"no bounds", 0, 0, 7},
		{"one bucket", 1, 0, 2},
		{"three buckets is all", 3, 0, 7},
		{"limit of one", 0, 1, 1},
		{"limit above length", 0, 100, 7},
		{"bucket then limit", 1, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Trim(append([]Row(nil), all...), tt.buckets, tt.limit)
			if !reflect.DeepEqual(got, all[len(all)-tt.want:]) {
				t.Errorf("Trim(buckets %d, limit %d) = %v, want the last %d rows", tt.buckets, tt.limit, got, tt.want)
			}
		})
	}
	if got := Trim(nil, 2, 2); got != nil {
		t.Errorf("Trim(nil) = %v", got)
	}
}

func TestPoll(t *testing.T) {
	db := startDynamoDB(t)
	createTable(t, db, "my-table")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := Poll(ctx, db, Query{Table: "my-table"}, 10*time.Millisecond)
	first := <-ch
	if first.Err != nil || len(first.Rows) != 0 || first.At.IsZero() {
		t.Fatalf("first poll of an empty table = %+v, want no rows, no error and a time", first)
	}
	putItem(t, db, "my-table", rowItem(fixture[0]))
	deadline := time.After(10 * time.Second)
	for {
		select {
		case r := <-ch:
			if r.Err != nil {
				t.Fatalf("poll: %v", r.Err)
			}
			if len(r.Rows) == 1 && r.Rows[0] == fixture[0] {
				cancel()
				for range ch { // the channel closes once ctx ends
				}
				return
			}
		case <-deadline:
			t.Fatal("no poll saw the new row within 10s")
		}
	}
}

func TestPollReportsErrors(t *testing.T) {
	db := startDynamoDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := <-Poll(ctx, db, Query{Table: "missing"}, time.Hour)
	if r.Err == nil || !strings.Contains(r.Err.Error(), "read aggregate table missing") {
		t.Fatalf("poll of a missing table = %+v, want its error", r)
	}
}

func TestParseBound(t *testing.T) {
	now := time.Date(2015, 6, 5, 12, 54, 43, 0, time.UTC)
	tests := []struct {
		in      string
		want    time.Time
		wantErr string
	}{
		{"", time.Time{}, ""},
		{"15m", now.Add(-15 * time.Minute), ""},
		{"1h30m", now.Add(-90 * time.Minute), ""},
		{"2015-06-05T12:54", time.Date(2015, 6, 5, 12, 54, 0, 0, time.UTC), ""},
		{"2015-06-05T12:54:00.000", time.Date(2015, 6, 5, 12, 54, 0, 0, time.UTC), ""},
		{"2015-06-05T14:54:00+02:00", time.Date(2015, 6, 5, 12, 54, 0, 0, time.UTC), ""},
		{"2015-06-05T12:54:00Z", time.Date(2015, 6, 5, 12, 54, 0, 0, time.UTC), ""},
		{"2015-06-05", time.Date(2015, 6, 5, 0, 0, 0, 0, time.UTC), ""},
		{"-5m", time.Time{}, `time "-5m" is negative`},
		{"yesterday", time.Time{}, `time "yesterday" is neither a duration nor a date-time`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseBound(tt.in, now)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseBound(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || !got.Equal(tt.want) {
				t.Errorf("ParseBound(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestReadRecent(t *testing.T) {
	db := startDynamoDB(t)
	createTable(t, db, "my-table")
	now := time.Now().UTC()
	old := Row{BucketStart: now.Add(-2 * time.Hour).Truncate(time.Minute).Format("2006-01-02T15:04:05.000"), EventType: "Red", Count: 1}
	fresh := Row{BucketStart: now.Truncate(time.Minute).Format("2006-01-02T15:04:05.000"), EventType: "Red", Count: 2}
	putItem(t, db, "my-table", rowItem(old))
	putItem(t, db, "my-table", rowItem(fresh))
	tests := []struct {
		name string
		q    Query
		want []Row
	}{
		{"recent leaves old buckets out", Query{Recent: time.Hour}, []Row{fresh}},
		{"a later since wins over recent", Query{Recent: 3 * time.Hour, Since: now.Add(-30 * time.Minute)}, []Row{fresh}},
		{"a later recent wins over since", Query{Recent: time.Hour, Since: now.Add(-3 * time.Hour)}, []Row{fresh}},
		{"recent reaching back far enough", Query{Recent: 3 * time.Hour}, []Row{old, fresh}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			q.Table = "my-table"
			got, err := Read(context.Background(), db, q)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// hungScan takes the request and never answers, as an endpoint behind a
// dropped connection does.
type hungScan struct{}

func (hungScan) Scan(ctx context.Context, _ *dynamodb.ScanInput, _ ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestPollGivesUpOnAReadThatNeverAnswers: each read has a deadline, so a
// dashboard learns that the endpoint stopped answering.
func TestPollGivesUpOnAReadThatNeverAnswers(t *testing.T) {
	defer func(d time.Duration) { PollReadTimeout = d }(PollReadTimeout)
	PollReadTimeout = 50 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	select {
	case res := <-Poll(ctx, hungScan{}, Query{Table: "t"}, time.Hour):
		if !errors.Is(res.Err, context.DeadlineExceeded) {
			t.Fatalf("the hung read gave %v, want a deadline", res.Err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a read that never answers gave no result")
	}
}
