package local

import (
	"net/http"
	"strings"
	"time"

	"github.com/spk-cli/spk/provision/local/dynamodb"
	"github.com/spk-cli/spk/provision/local/kinesis"
	"github.com/spk-cli/spk/provision/local/sigv4"
)

// signing is how requests to a target prefix are signed: the credential
// scope's service name, and how far the request date may be from the
// server's clock. AWS allows Kinesis five minutes and DynamoDB fifteen, as
// their "Signature expired: ... (... - 5 min.)" and "(... - 15 min.)"
// messages say. DynamoDB Streams is signed as "dynamodb".
type signing struct {
	service string
	skew    time.Duration
}

var signings = map[string]signing{
	kinesis.TargetPrefix:         {"kinesis", 5 * time.Minute},
	dynamodb.TargetPrefix:        {"dynamodb", 15 * time.Minute},
	dynamodb.StreamsTargetPrefix: {"dynamodb", 15 * time.Minute},
}

// checkAuth decides from the headers alone whether the request may go on
// to have its body read. With keys it returns the signature check that
// remains once the body's hash is known; without keys any signature will
// do, but one must be present: SDKs always sign, and AWS refuses unsigned
// requests.
func (s *Server) checkAuth(r *http.Request, prefix string) (*sigv4.Pending, *sigv4.Error) {
	if s.opts.AccessKey == "" {
		if r.Header.Get("Authorization") == "" && r.URL.Query().Get("X-Amz-Algorithm") == "" {
			return nil, sigv4.ErrMissing
		}
		return nil, nil
	}
	if r.Header.Get("Authorization") == "" && r.URL.Query().Get("X-Amz-Algorithm") != "" {
		return nil, errPresigned
	}
	sg := signings[prefix]
	return sigv4.Check(r, sigv4.Expect{
		AccessKey: s.opts.AccessKey, SecretKey: s.opts.SecretKey,
		Region: s.opts.Region, Service: sg.service,
		Now: s.opts.Now(), Skew: sg.skew,
	})
}

// errPresigned refuses a query-string (presigned) signature, which spk
// local with keys does not check: in AWS's type for a request without an
// Authorization header, in words that say why.
var errPresigned = &sigv4.Error{Code: sigv4.ErrMissing.Code, Message: "Query-string (presigned) signatures are not supported by spk local: sign the request with an Authorization header, as the AWS SDKs and CLI do."}

// authStatus is the HTTP status AWS answers a refused signature with.
func authStatus(err *sigv4.Error) int {
	if err == sigv4.ErrMissing || err == errPresigned {
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

// isLongLived reports whether an operation's response can stay open for
// minutes (Kinesis's SubscribeToShard event stream). Such a request holds a
// request slot only while its request is read: its small body is all it
// costs, and a consumer holds one per shard.
func isLongLived(prefix, op string) bool {
	return prefix == kinesis.TargetPrefix && strings.EqualFold(op, "SubscribeToShard")
}
