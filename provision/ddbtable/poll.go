package ddbtable

import (
	"net"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// pollDelays is how often a table being created or deleted is read again:
// first, then twice the last delay up to max.
type pollDelays struct{ first, max time.Duration }

func (p pollDelays) next(d time.Duration) time.Duration { return min(2*d, p.max) }

// PollDelays are the first and the longest delay between two reads of a
// resource that is being created or deleted, for a client of endpoint (nil:
// AWS's own). On a loopback endpoint (spk local, another emulator) a read
// costs a millisecond and CREATING lasts a few hundred, so it is read every
// 20 ms: the wait ends within 20 ms of the table being ready. Another
// endpoint of its own is read from 50 ms, AWS from 250 ms, backing off.
func PollDelays(endpoint *string) (first, max time.Duration) {
	switch {
	case endpoint == nil:
		return 250 * time.Millisecond, 5 * time.Second
	case loopback(*endpoint):
		return 20 * time.Millisecond, 20 * time.Millisecond
	default:
		return 50 * time.Millisecond, time.Second
	}
}

// pollFor reads the endpoint of an SDK client; a client it cannot read (a
// wrapper in tests) is polled as an endpoint of its own.
func pollFor(db DynamoDB) pollDelays {
	if c, ok := db.(interface{ Options() dynamodb.Options }); ok {
		first, max := PollDelays(c.Options().BaseEndpoint)
		return pollDelays{first, max}
	}
	return pollDelays{50 * time.Millisecond, time.Second}
}

func loopback(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}
