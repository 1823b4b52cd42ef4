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

	"github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/stream/ddbtable"
)

func spec(name string) ddbtable.Spec {
	return ddbtable.Spec{Kind: "test table", Fix: "pick another name", Create: &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("k"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("k"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	}}
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
	for _, name := range []string{"table-a", "table-b", "table-c"} {
		if err := ddbtable.Check(ctx, db, spec(name), nil); err != nil {
			t.Fatalf("Check of missing table %s: %v", name, err)
		}
		if err := ddbtable.Ensure(ctx, db, spec(name), nil); err != nil {
			t.Fatalf("Ensure %s under faults: %v", name, err)
		}
		if err := ddbtable.Ensure(ctx, db, spec(name), nil); err != nil {
			t.Fatalf("Ensure of existing %s under faults: %v", name, err)
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
