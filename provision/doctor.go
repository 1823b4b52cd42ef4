package provision

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/spk-cli/spk/internal/errtext"
	"github.com/spk-cli/spk/internal/retry"
)

// Check is one finding of `spk doctor`.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// maxSkew is how far the clocks may drift before AWS refuses signatures
// (SigV4 allows 5 minutes); warn well before.
const maxSkew = 2 * time.Minute

// Doctor checks the target: credentials, reachability and latency, Kinesis
// and DynamoDB access, and clock skew. It never stops at the first problem.
func Doctor(ctx context.Context, c *Clients, stream, table string) []Check {
	// Bounded as spk status's reads are: an endpoint that takes connections
	// but does not answer held doctor for minutes.
	ctx, cancel := context.WithTimeout(ctx, StatusReadTimeout)
	defer cancel()
	var checks []Check
	add := func(ch Check) { checks = append(checks, ch) }

	// Reachability first: nothing else can work without it.
	if !c.Target.AWS {
		for _, e := range uniq(c.Target.KinesisEndpoint, c.Target.DynamoDBEndpoint) {
			d, err := Ping(ctx, e)
			if err != nil {
				fix := "start the endpoint, or fix --endpoint-url / AWS_ENDPOINT_URL"
				if c.Target.Embedded {
					fix = "start it with: spk local (in another terminal), or run spk up"
				}
				detail := err.Error()
				var ue *errtext.UnreachableError
				if errors.As(err, &ue) { // the check's name has the address
					detail = "unreachable: " + ue.Reason()
				}
				add(Check{Name: "endpoint " + e, Detail: detail, Fix: fix})
				return checks
			}
			add(Check{Name: "endpoint " + e, OK: true, Detail: fmt.Sprintf("reachable, TCP connect %.1f ms", ms(d))})
			// spk local tells whether its store still takes writes.
			if store, ok := SpkLocalStore(ctx, e); ok && store != "ok" {
				add(Check{Name: "spk local's store", Detail: store, Fix: "stop spk local and start it again (fix the disk first if it is full); the writes it acknowledged are kept"})
			}
		}
		add(endpointCredentialsCheck(c))
	} else {
		start := time.Now()
		id, err := c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			fix := networkFix(err)
			if fix == "" {
				fix = fmt.Sprintf("check profile %q: run spk create-profile %s, or aws sso login --profile %s", c.Target.Profile, c.Target.Profile, c.Target.Profile)
			}
			add(Check{Name: "credentials", Detail: errtext.Concise(err), Fix: fix})
		} else {
			add(Check{Name: "credentials", OK: true, Detail: fmt.Sprintf("account %s as %s (%.0f ms)", aws.ToString(id.Account), aws.ToString(id.Arn), ms(time.Since(start)))})
		}
	}

	// Kinesis: list (permission + latency + the Date header for skew), then the stream.
	start := time.Now()
	ls, err := c.Kinesis.ListStreams(ctx, &kinesis.ListStreamsInput{Limit: aws.Int32(1)})
	if err != nil {
		add(Check{Name: "kinesis access", Detail: errtext.Concise(err), Fix: accessFix(c, err, "grant kinesis:ListStreams, kinesis:DescribeStreamSummary and the stream permissions to these credentials")})
	} else {
		add(Check{Name: "kinesis access", OK: true, Detail: fmt.Sprintf("ListStreams answered in %.1f ms", ms(time.Since(start)))})
		checks = append(checks, skewCheck(ls.ResultMetadata, start))
		if _, err := describeStreamSummary(ctx, c.Kinesis, stream); err != nil {
			if isNotFound(err) {
				add(Check{Name: "stream " + stream, OK: true, Detail: "not created yet", Fix: "spk create-stream creates it"})
			} else {
				add(Check{Name: "stream " + stream, Detail: errtext.Concise(err), Fix: "grant kinesis:DescribeStreamSummary on the stream"})
			}
		} else {
			add(Check{Name: "stream " + stream, OK: true, Detail: "exists and can be described"})
		}
	}

	start = time.Now()
	if _, err := c.DynamoDB.ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(1)}); err != nil {
		add(Check{Name: "dynamodb access", Detail: errtext.Concise(err), Fix: accessFix(c, err, "grant dynamodb:ListTables, dynamodb:DescribeTable and the table permissions to these credentials")})
	} else {
		add(Check{Name: "dynamodb access", OK: true, Detail: fmt.Sprintf("ListTables answered in %.1f ms", ms(time.Since(start)))})
		if _, err := c.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}); err != nil {
			if isNotFound(err) {
				add(Check{Name: "table " + table, OK: true, Detail: "not created yet", Fix: "spk create-table creates it"})
			} else {
				add(Check{Name: "table " + table, Detail: errtext.Concise(err), Fix: "grant dynamodb:DescribeTable on the table"})
			}
		} else {
			add(Check{Name: "table " + table, OK: true, Detail: "exists and can be described"})
		}
	}
	return checks
}

// endpointCredentialsCheck says which keys go to an endpoint without a
// profile; whether the endpoint accepts them shows in the access checks.
func endpointCredentialsCheck(c *Clients) Check {
	ch := Check{Name: "credentials", OK: true}
	switch c.Credentials {
	case CredsFromEnvironment:
		ch.Detail = fmt.Sprintf("access key %s from the environment (AWS_ACCESS_KEY_ID)", MaskedKeyID(c.AccessKeyID))
	case CredsFromDefaultProfile:
		ch.Detail = fmt.Sprintf("access key %s from the default profile of %s", MaskedKeyID(c.AccessKeyID), c.CredentialsFile)
	case CredsFromProfile:
		ch.Detail = fmt.Sprintf("profile %s", c.Target.Profile)
	default:
		ch.Detail = "dummy keys: none in the environment or the default profile (enough for an endpoint that checks no signatures)"
	}
	return ch
}

// accessFix tells wrong or missing credentials, which no permission can
// fix, from credentials that lack a permission.
func accessFix(c *Clients, err error, grant string) string {
	if !c.Target.AWS {
		if fix := endpointNetworkFix(c, err); fix != "" {
			return fix
		}
	} else if fix := networkFix(err); fix != "" {
		return fix
	}
	if retry.NotAnEndpoint(err) {
		return retry.NotAnEndpointHint
	}
	if !IsCredentialsError(err) {
		return grant
	}
	return CredentialsFix(c)
}

// networkFix is the fix for a request that never reached the service (no
// such host, refused, timed out): no permission or profile helps then.
func networkFix(err error) string {
	var send *smithyhttp.RequestSendError
	if !errors.As(err, &send) {
		return ""
	}
	return "the request did not reach AWS (" + errtext.Transport(err) + "): check the network, a proxy (HTTPS_PROXY) and the region"
}

// endpointNetworkFix is networkFix for an endpoint: the request reached
// its address (the TCP check said so) but got no answer.
func endpointNetworkFix(c *Clients, err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return NoAnswerHint
	}
	var send *smithyhttp.RequestSendError
	if !errors.As(err, &send) {
		return ""
	}
	why := errtext.Transport(err)
	if strings.Contains(why, "does not speak TLS") {
		return "the endpoint does not speak TLS: use http:// in --endpoint-url or AWS_ENDPOINT_URL (spk local serves plain HTTP)"
	}
	if strings.Contains(why, "TLS") {
		return "the endpoint's TLS was refused (" + why + "): give its certificate authority with AWS_CA_BUNDLE, or check the address (http:// for spk local)"
	}
	return "the request did not get through to the endpoint (" + why + "): check that it is running and not stopped or overloaded (spk status, spk local)"
}

// CredentialsFix says how to give spk the credentials its target expects.
func CredentialsFix(c *Clients) string {
	if c.Target.AWS || c.Credentials == CredsFromProfile {
		p := c.Target.Profile
		return fmt.Sprintf("the credentials of profile %q are wrong, expired or missing: run spk create-profile %s --force, or aws sso login --profile %s", p, p, p)
	}
	return "the endpoint refused these credentials: export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY with the keys it was started with (spk local --access-key), or select a profile with --profile"
}

// skewCheck compares the endpoint's Date header with the local clock at
// the middle of the request.
func skewCheck(md middleware.Metadata, start time.Time) Check {
	ch := Check{Name: "clock skew"}
	raw, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response)
	if !ok || raw.Header.Get("Date") == "" {
		ch.OK, ch.Detail = true, "the endpoint sends no Date header; skew not measured"
		return ch
	}
	server, err := http.ParseTime(raw.Header.Get("Date"))
	if err != nil {
		ch.OK, ch.Detail = true, "unreadable Date header; skew not measured"
		return ch
	}
	local := start.Add(time.Since(start) / 2)
	skew := local.Sub(server).Round(time.Second)
	ch.Detail = fmt.Sprintf("local clock is %s from the endpoint's (Date header, 1 s resolution)", skew)
	ch.OK = skew <= maxSkew && skew >= -maxSkew
	if !ch.OK {
		ch.Fix = "synchronise this machine's clock (e.g. enable NTP); AWS rejects signatures more than 5 minutes off"
	}
	return ch
}

func uniq(ss ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ss {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
