package ddbtable_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/spk-cli/spk/provision/ddbtable"
	"github.com/spk-cli/spk/provision/local"
)

func spec(name string) ddbtable.Spec {
	return ddbtable.Spec{Name: name, Kind: "test table", Fix: "pick another name", App: "app",
		Hash: ddbtable.KeyAttr{Name: "k", Type: types.ScalarAttributeTypeS}}
}

// TestEnsureUnderFaults creates tables through an endpoint that fails half
// of all requests, with the SDK's retryer at its defaults (3 attempts, the
// retry quota) but for shorter waits between attempts: every Ensure succeeds
// and leaves an ACTIVE table.
func TestEnsureUnderFaults(t *testing.T) {
	srv, err := local.Start(context.Background(), local.Options{Addr: "127.0.0.1:0", InMemory: true, FaultRate: 0.5, FaultSeed: 3, CreateDelay: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	db := dynamodb.NewFromConfig(aws.Config{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()),
		Credentials: credentials.NewStaticCredentialsProvider("spklocal", "spklocal", ""),
		Retryer: func() aws.Retryer {
			return awsretry.NewStandard(func(o *awsretry.StandardOptions) {
				o.Backoff = quickBackoff{awsretry.NewExponentialJitterBackoff(o.MaxBackoff)}
			})
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	specs := []ddbtable.Spec{spec("table-a"), spec("table-b"), spec("table-c")}
	outs, err := ddbtable.Ensure(ctx, db, specs, ddbtable.Options{})
	if err != nil {
		t.Fatalf("Ensure under faults: %v", err)
	}
	for i, o := range outs {
		if !o.Created {
			t.Errorf("%s: %+v, want created", specs[i].Name, o)
		}
	}
	outs, err = ddbtable.Ensure(ctx, db, specs, ddbtable.Options{})
	if err != nil {
		t.Fatalf("Ensure of existing tables under faults: %v", err)
	}
	for i, o := range outs {
		if o.Created || o.Note != "already exists with the right key schema and is ACTIVE" {
			t.Errorf("%s again: %+v", specs[i].Name, o)
		}
		desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(specs[i].Name)})
		for err != nil { // the endpoint still fails half of all requests
			desc, err = db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(specs[i].Name)})
		}
		if desc.Table.TableStatus != types.TableStatusActive {
			t.Errorf("%s is %s", specs[i].Name, desc.Table.TableStatus)
		}
	}
}

// quickBackoff is the SDK's jitter backoff divided by 20 (50 ms base instead
// of 1 s): the same attempts and quota without seconds of idle waiting.
type quickBackoff struct{ sdk awsretry.BackoffDelayer }

func (b quickBackoff) BackoffDelay(attempt int, err error) (time.Duration, error) {
	d, err := b.sdk.BackoffDelay(attempt, err)
	return d / 20, err
}
