package provision

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/smithy-go"

	"github.com/spk-cli/spk/internal/errtext"
	"github.com/spk-cli/spk/internal/retry"
	"github.com/spk-cli/spk/stream/lease"
)

// Status is every resource of the configured app, as `spk status` shows it.
type Status struct {
	Target     Target         `json:"target"`
	Endpoint   EndpointStatus `json:"endpoint"`
	Stream     StreamStatus   `json:"stream"`
	Table      TableStatus    `json:"table"`
	Views      []ViewStatus   `json:"views"`
	LeaseTable LeaseStatus    `json:"lease_table"`
	// NotAnEndpoint: a read was answered as no Kinesis or DynamoDB API
	// answers (a web server on the port).
	NotAnEndpoint bool `json:"-"`
	// NoAnswer: a read got no answer within StatusReadTimeout.
	NoAnswer bool `json:"-"`
}

// NoAnswerHint is the fix for an endpoint that took the connection but did
// not answer within StatusReadTimeout.
const NoAnswerHint = "the endpoint takes connections but does not answer: check that it is running and not stopped (a stopped spk local does this) or overloaded"

// StatusReadTimeout bounds all of spk status's reads together: an endpoint
// that takes connections but does not answer (a stopped spk local) held
// status for minutes, a minute an attempt for each resource in turn.
const StatusReadTimeout = 20 * time.Second

// ViewTable is a view whose rows go to a table of its own.
type ViewTable struct {
	View, Table string
	// IfPresent leaves the table out of a status while it does not exist:
	// a built-in example's, which only `spk up --example` makes.
	IfPresent bool
}

// ViewStatus is the state of a view's own table.
type ViewStatus struct {
	View string `json:"view"`
	// Removed: the view is no longer configured, and its table, tagged as
	// the app's, is left for spk teardown to delete.
	Removed bool `json:"removed,omitempty"`
	TableStatus
}

// EndpointStatus says whether the endpoint answers.
type EndpointStatus struct {
	URL       string  `json:"url"`
	Reachable bool    `json:"reachable"`
	LatencyMS float64 `json:"latency_ms,omitempty"`
	Error     string  `json:"error,omitempty"`
	// Store is spk local's "refusing writes: …" when its store refuses
	// them until a restart; empty otherwise.
	Store string `json:"store,omitempty"`
}

// StreamStatus is the Kinesis stream's state.
type StreamStatus struct {
	Name           string `json:"name"`
	Exists         bool   `json:"exists"`
	Status         string `json:"status,omitempty"`
	Mode           string `json:"mode,omitempty"`
	OpenShards     int32  `json:"open_shards,omitempty"`
	RetentionHours int32  `json:"retention_hours,omitempty"`
	Error          string `json:"error,omitempty"`
}

// TableStatus is the aggregate table's state.
type TableStatus struct {
	Name      string `json:"name"`
	Exists    bool   `json:"exists"`
	Status    string `json:"status,omitempty"`
	Billing   string `json:"billing,omitempty"`
	ItemCount int64  `json:"item_count"`
	Error     string `json:"error,omitempty"`
}

// LeaseStatus is the lease table and its leases.
type LeaseStatus struct {
	TableStatus
	Leases []Lease `json:"leases"`
}

// Lease is one shard's lease, in the Kinesis Client Library's terms.
type Lease struct {
	Key        string `json:"lease_key"`
	Owner      string `json:"owner"`
	Counter    string `json:"counter"`
	Checkpoint string `json:"checkpoint"`
	// SubSequence is the user record of a KPL aggregate at Checkpoint
	// that was the last one processed; 0 when the record is not one.
	SubSequence int64 `json:"checkpoint_sub_sequence"`
}

// GetStatus reads every resource; a missing one is reported as missing, and
// an error on one does not hide the others.
func GetStatus(ctx context.Context, c *Clients, stream, table, app string, views []ViewTable) Status {
	s := Status{Target: c.Target, Views: []ViewStatus{}}
	s.Endpoint = endpointStatus(ctx, c)
	ctx, cancel := context.WithTimeout(ctx, StatusReadTimeout)
	defer cancel()
	note := func(err error) {
		if retry.NotAnEndpoint(err) {
			s.NotAnEndpoint = true
		}
		if errors.Is(err, context.DeadlineExceeded) {
			s.NoAnswer = true
		}
	}
	var err error
	s.Stream, err = streamStatus(ctx, c, stream)
	note(err)
	s.Table, err = describeTableStatus(ctx, c, table)
	note(err)
	for _, v := range views {
		ts, err := describeTableStatus(ctx, c, v.Table)
		note(err)
		if v.IfPresent && !ts.Exists && (err == nil || retry.Denied(err)) {
			// Never made, or not the caller's to read (a policy that
			// allows only the app's own tables): not the app's.
			continue
		}
		s.Views = append(s.Views, ViewStatus{View: v.View, TableStatus: ts})
	}
	// The tables of views since removed from spk.yaml, which teardown
	// deletes with the rest: listed so that they are not billed unseen.
	named := map[string]bool{table: true, app: true}
	for _, v := range views {
		named[v.Table] = true
	}
	for _, l := range FindLeftViewTables(ctx, c, table, app, stream, named) {
		ts := TableStatus{Name: l.Table, Error: errtext.Concise(l.Err)}
		if l.Err == nil {
			ts, l.Err = describeTableStatus(ctx, c, l.Table)
			if !ts.Exists && l.Err == nil {
				continue // deleted since it was listed
			}
		}
		note(l.Err)
		s.Views = append(s.Views, ViewStatus{View: l.View, Removed: true, TableStatus: ts})
	}
	lease, err := describeTableStatus(ctx, c, app)
	note(err)
	s.LeaseTable = LeaseStatus{TableStatus: lease, Leases: []Lease{}}
	if s.LeaseTable.Exists && s.LeaseTable.Status == string(dtypes.TableStatusActive) {
		leases, err := scanLeases(ctx, c, app)
		if err != nil {
			s.LeaseTable.Error = errtext.Concise(err)
		}
		s.LeaseTable.Leases = leases
	}
	return s
}

func endpointStatus(ctx context.Context, c *Clients) EndpointStatus {
	e := EndpointStatus{URL: c.Target.KinesisEndpoint}
	if c.Target.AWS {
		e.URL = "AWS " + c.Config.Region
		start := time.Now()
		// Any answer means AWS was reached: a policy that allows the app's
		// own resources but not ListStreams refuses it, and the rows below
		// say what can be read.
		var answered smithy.APIError
		if _, err := c.Kinesis.ListStreams(ctx, &kinesis.ListStreamsInput{Limit: aws.Int32(1)}); err != nil && !errors.As(err, &answered) {
			e.Error = errtext.Concise(err)
			return e
		}
		e.Reachable, e.LatencyMS = true, ms(time.Since(start))
		return e
	}
	d, err := Ping(ctx, c.Target.KinesisEndpoint)
	if err != nil {
		e.Error = errtext.Concise(err)
		return e
	}
	e.Reachable, e.LatencyMS = true, ms(d)
	if store, ok := SpkLocalStore(ctx, c.Target.KinesisEndpoint); ok && store != "ok" {
		e.Store = store
	}
	return e
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func streamStatus(ctx context.Context, c *Clients, name string) (StreamStatus, error) {
	s := StreamStatus{Name: name}
	sum, err := describeStreamSummary(ctx, c.Kinesis, name)
	switch {
	case isNotFound(err):
		err = nil
	case err != nil:
		s.Error = errtext.Concise(err)
	default:
		s.Exists = true
		s.Status = string(sum.StreamStatus)
		s.OpenShards = aws.ToInt32(sum.OpenShardCount)
		s.RetentionHours = aws.ToInt32(sum.RetentionPeriodHours)
		s.Mode = "PROVISIONED"
		if sum.StreamModeDetails != nil && sum.StreamModeDetails.StreamMode != "" {
			s.Mode = string(sum.StreamModeDetails.StreamMode)
		}
	}
	return s, err
}

// describeTableStatus is tableStatus with the error that made t.Error.
func describeTableStatus(ctx context.Context, c *Clients, name string) (TableStatus, error) {
	t := TableStatus{Name: name}
	out, err := c.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	switch {
	case isNotFound(err):
		err = nil
	case err != nil:
		t.Error = errtext.Concise(err)
	default:
		t.Exists = true
		t.Status = string(out.Table.TableStatus)
		t.ItemCount = aws.ToInt64(out.Table.ItemCount)
		t.Billing = "PROVISIONED"
		if out.Table.BillingModeSummary != nil && out.Table.BillingModeSummary.BillingMode != "" {
			t.Billing = string(out.Table.BillingModeSummary.BillingMode)
		}
	}
	return t, err
}

func scanLeases(ctx context.Context, c *Clients, app string) ([]Lease, error) {
	leases := []Lease{}
	p := dynamodb.NewScanPaginator(c.DynamoDB, &dynamodb.ScanInput{TableName: aws.String(app), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return leases, err
		}
		for _, item := range page.Items {
			l := lease.Decode(item)
			leases = append(leases, Lease{Key: l.Key, Owner: l.Owner, Counter: strconv.FormatInt(l.Counter, 10), Checkpoint: l.Checkpoint, SubSequence: l.SubSequence})
		}
	}
	return leases, nil
}
