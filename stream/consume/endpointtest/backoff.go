package endpointtest

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
)

// backoffScale is how much shorter the SDK's waits between attempts are in
// QuickBackoffConfig: its 1 s base doubling to 20 s becomes 50 ms to 1 s.
const backoffScale = 20

// scaledBackoff is the SDK's own exponential jitter backoff, divided.
type scaledBackoff struct{ sdk retry.BackoffDelayer }

func (b scaledBackoff) BackoffDelay(attempt int, err error) (time.Duration, error) {
	d, err := b.sdk.BackoffDelay(attempt, err)
	return d / backoffScale, err
}

// QuickBackoffConfig is DefaultConfig (3 attempts, the client-side retry
// quota, the same retryable errors) with the waits between attempts scaled
// down: a test under heavy faults checks the same retries and quota without
// sleeping through seconds of backoff in every call.
func QuickBackoffConfig(url string) aws.Config {
	cfg := Config(url)
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = scaledBackoff{retry.NewExponentialJitterBackoff(o.MaxBackoff)}
		})
	}
	return cfg
}

// QuickSetUpClients are Clients (8 attempts, no quota) with the waits
// between attempts scaled down, for a test's own puts, drains and scans under
// heavy faults: set-up, not the behaviour checked.
func (e Endpoints) QuickSetUpClients() (*kinesis.Client, *dynamodb.Client) {
	quick := func(url string) aws.Config {
		cfg := Config(url)
		cfg.Retryer = func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 8
				o.RateLimiter = ratelimit.None
				o.Backoff = scaledBackoff{retry.NewExponentialJitterBackoff(20 * time.Second)}
			})
		}
		return cfg
	}
	return kinesis.NewFromConfig(quick(e.KinesisURL)), dynamodb.NewFromConfig(quick(e.DynamoDBURL))
}

// QuickBackoffClients returns SDK clients for the endpoints with
// QuickBackoffConfig.
func (e Endpoints) QuickBackoffClients() (*kinesis.Client, *dynamodb.Client) {
	return kinesis.NewFromConfig(QuickBackoffConfig(e.KinesisURL)), dynamodb.NewFromConfig(QuickBackoffConfig(e.DynamoDBURL))
}
