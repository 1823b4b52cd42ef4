// Package provision resolves where spk's requests go (the embedded endpoint,
// another endpoint, or AWS through a profile), builds the Kinesis, DynamoDB
// and STS clients in one place, and manages the lifecycle of the tutorial's
// resources: the stream, the aggregate table and the lease table.
package provision

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/spk-cli/spk/config"
	"github.com/spk-cli/spk/internal/errtext"
	"github.com/spk-cli/spk/internal/retry"
	"github.com/spk-cli/spk/provision/ddbtable"
	"github.com/spk-cli/spk/provision/profile"
	"github.com/spk-cli/spk/provision/sdkhttp"
)

// EmbeddedEndpoint is where spk's embedded endpoint listens by default.
const EmbeddedEndpoint = "http://127.0.0.1:4566"

// Dummy credentials for endpoints that accept any signature, used when the
// environment and the default profile have none. They are not secrets:
// spk local ignores them unless started with its own keys.
const (
	dummyAccessKeyID     = "spk"
	dummySecretAccessKey = "spk"
)

// Target says where requests go.
type Target struct {
	// AWS is true when requests go to AWS's own endpoints through a profile.
	AWS     bool   `json:"aws"`
	Profile string `json:"profile,omitempty"`
	Region  string `json:"region"`
	// KinesisEndpoint and DynamoDBEndpoint are "" when AWS resolves them.
	KinesisEndpoint  string `json:"kinesis_endpoint,omitempty"`
	DynamoDBEndpoint string `json:"dynamodb_endpoint,omitempty"`
	// Embedded is true when the endpoint is spk's default embedded one.
	Embedded bool `json:"embedded"`
}

// TargetFor derives the target from the configuration.
func TargetFor(cfg *config.Config) Target {
	t := Target{
		AWS:              cfg.UsesAWS(),
		Profile:          cfg.AWS.Profile,
		Region:           cfg.AWS.Region,
		KinesisEndpoint:  cfg.EndpointFor("kinesis"),
		DynamoDBEndpoint: cfg.EndpointFor("dynamodb"),
	}
	// The embedded endpoint is wherever spk local is configured to listen.
	embedded := "http://" + cfg.Local.Addr
	t.Embedded = !t.AWS && t.KinesisEndpoint == embedded && t.DynamoDBEndpoint == embedded
	return t
}

// String describes the target for people.
func (t Target) String() string {
	switch {
	case t.AWS:
		return fmt.Sprintf("AWS (profile %s, region %s)", t.Profile, t.Region)
	case t.KinesisEndpoint == t.DynamoDBEndpoint && t.Embedded:
		return "the embedded endpoint at " + t.KinesisEndpoint
	case t.KinesisEndpoint == t.DynamoDBEndpoint:
		return "the endpoint at " + t.KinesisEndpoint
	}
	return fmt.Sprintf("Kinesis at %s, DynamoDB at %s", orAWS(t.KinesisEndpoint), orAWS(t.DynamoDBEndpoint))
}

func orAWS(s string) string {
	if s == "" {
		return "AWS"
	}
	return s
}

// Clients are the AWS service clients every spk verb uses.
type Clients struct {
	Target Target
	// Credentials says where the keys come from: CredsFromProfile, or for an
	// endpoint without a profile CredsFromEnvironment,
	// CredsFromDefaultProfile (CredentialsFile) or CredsDummy.
	Credentials     string
	CredentialsFile string
	// AccessKeyID is the key id of an endpoint's credentials (not a secret).
	AccessKeyID string
	// ProfileUsed is whether the configuration came from the target's
	// profile: false when spk passed over a missing one for an endpoint.
	ProfileUsed bool
	Config      aws.Config
	Kinesis     *kinesis.Client
	DynamoDB    *dynamodb.Client
	STS         *sts.Client
}

// NewClients builds the clients for cfg. A profile goes through the SDK's
// default chain (shared files, environment, SSO, IMDS). An endpoint without a
// profile takes the keys of the environment or of the shared files' default
// profile when there are any, and dummy keys otherwise, never the network
// parts of the chain (see endpointCredentials); a broken ~/.aws cannot stop a
// local run. The SDK's standard retryer is used throughout.
//
// lookupEnv locates the shared files (AWS_CONFIG_FILE,
// AWS_SHARED_CREDENTIALS_FILE) the same way create-profile writes them.
func NewClients(ctx context.Context, l *config.Loaded, lookupEnv func(string) (string, bool)) (*Clients, error) {
	t := TargetFor(&l.Config)
	var opts []func(*awsconfig.LoadOptions) error
	useProfile := l.AWS.Profile != ""
	if useProfile && !t.AWS {
		// An explicit endpoint with a profile that does not exist (the
		// tutorial's HOCON names "default") needs no real credentials.
		if files, err := profile.DefaultFiles(lookupEnv); err == nil {
			if exists, err := profile.Exists(files, l.AWS.Profile); err == nil && !exists {
				useProfile = false
			}
		}
	}
	if useProfile {
		opts = append(opts, awsconfig.WithSharedConfigProfile(l.AWS.Profile))
		if files, err := profile.DefaultFiles(lookupEnv); err == nil {
			opts = append(opts, awsconfig.WithSharedConfigFiles([]string{files.Config}), awsconfig.WithSharedCredentialsFiles([]string{files.Credentials}))
		}
		// The tutorial's default region must not hide the profile's own.
		if l.Sources["aws.region"].Kind != config.FromDefault {
			opts = append(opts, awsconfig.WithRegion(l.AWS.Region))
		}
	}
	source, credsFile, keyID := CredsFromProfile, "", ""
	// A profile named by AWS_PROFILE gives way to keys in the environment,
	// as in the AWS CLI and the SDKs (only --profile outranks them), so
	// spk, spk aws and aws sign alike; its other settings still apply.
	if src := l.Sources["aws.profile"]; useProfile && src.Kind == config.FromEnv && src.Detail == "AWS_PROFILE" {
		if creds, ok := envKeys(lookupEnv); ok {
			opts = append(opts, awsconfig.WithCredentialsProvider(credentials.StaticCredentialsProvider{Value: creds}))
			source, keyID = CredsFromEnvironment, creds.AccessKeyID
		}
	}
	var awsCfg aws.Config
	if useProfile {
		// The variables the SDK's loader reads besides the profile, checked
		// as for an endpoint: a bad one is the user's setting to fix (exit
		// 2), where the loader's failure blamed the profile.
		if err := endpointSettings(&aws.Config{}, lookupEnv); err != nil {
			return nil, err
		}
		var err error
		if awsCfg, err = awsconfig.LoadDefaultConfig(ctx, opts...); err != nil {
			e := &Error{Op: "load AWS configuration", Err: err, Hint: profileHint(l.AWS.Profile, lookupEnv)}
			if _, missing := errors.AsType[awsconfig.SharedConfigProfileNotExistError](err); missing {
				return nil, &UsageError{e} // a profile the user named that is not there
			}
			return nil, e
		}
	} else {
		// An endpoint without a profile: the region and keys are spk's.
		// Not LoadDefaultConfig, which reads AWS_PROFILE from the process
		// environment by itself and fails on a profile spk does not use.
		var creds aws.Credentials
		creds, source, credsFile = endpointCredentials(ctx, lookupEnv)
		keyID = creds.AccessKeyID
		awsCfg = aws.Config{Region: l.AWS.Region, Credentials: credentials.StaticCredentialsProvider{Value: creds}}
		if err := endpointSettings(&awsCfg, lookupEnv); err != nil {
			return nil, err
		}
	}
	if awsCfg.Region == "" {
		awsCfg.Region = l.AWS.Region
	}
	t.Region = awsCfg.Region
	// A profile may name its own endpoint (endpoint_url), as the one
	// `spk create-profile --local` writes does: then it is not AWS.
	if t.AWS && awsCfg.BaseEndpoint != nil {
		t.AWS = false
		t.KinesisEndpoint, t.DynamoDBEndpoint = *awsCfg.BaseEndpoint, *awsCfg.BaseEndpoint
		t.Embedded = *awsCfg.BaseEndpoint == "http://"+l.Local.Addr
	}
	// The resolved client (CA bundles, timeouts) behind spk's body fix.
	var base sdkhttp.Doer
	if awsCfg.HTTPClient != nil {
		base = awsCfg.HTTPClient
	}
	awsCfg.HTTPClient = sdkhttp.New(base)
	c := &Clients{Target: t, Credentials: source, CredentialsFile: credsFile, AccessKeyID: keyID, ProfileUsed: useProfile, Config: awsCfg}
	c.Kinesis = kinesis.NewFromConfig(awsCfg, func(o *kinesis.Options) {
		if t.KinesisEndpoint != "" {
			o.BaseEndpoint = aws.String(t.KinesisEndpoint)
		}
		o.Retryer = noTLSRetry(o.Retryer)
	})
	c.DynamoDB = dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		if t.DynamoDBEndpoint != "" {
			o.BaseEndpoint = aws.String(t.DynamoDBEndpoint)
		}
		o.Retryer = noTLSRetry(o.Retryer)
	})
	c.STS = sts.NewFromConfig(awsCfg, func(o *sts.Options) { o.Retryer = noTLSRetry(o.Retryer) })
	return c, nil
}

// endpointSettings gives an endpoint's configuration, made without the
// SDK's loader, what the loader reads from the environment besides
// profiles and keys: a CA bundle (AWS_CA_BUNDLE) for an https endpoint
// with its own authority, and the retryer's mode and attempts
// (AWS_RETRY_MODE, AWS_MAX_ATTEMPTS).
func endpointSettings(cfg *aws.Config, lookupEnv func(string) (string, bool)) error {
	if path, ok := lookupEnv("AWS_CA_BUNDLE"); ok && path != "" {
		pem, err := os.ReadFile(path)
		if err != nil {
			return envError{&Error{Op: "read AWS_CA_BUNDLE", Err: err, Hint: "point AWS_CA_BUNDLE at a PEM file of certificates, or unset it"}}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return envError{&Error{Op: "read AWS_CA_BUNDLE", Err: fmt.Errorf("%s holds no PEM certificate", path), Hint: "point AWS_CA_BUNDLE at a PEM file of certificates, or unset it"}}
		}
		cfg.HTTPClient = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
			if tr.TLSClientConfig == nil {
				tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
			}
			tr.TLSClientConfig.RootCAs = pool
		})
	}
	if v, ok := lookupEnv("AWS_RETRY_MODE"); ok && v != "" {
		mode, err := aws.ParseRetryMode(v)
		if err != nil {
			return envError{&Error{Op: "read AWS_RETRY_MODE", Err: err, Hint: "use standard or adaptive, or unset it"}}
		}
		cfg.RetryMode = mode
	}
	if v, ok := lookupEnv("AWS_MAX_ATTEMPTS"); ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return envError{&Error{Op: "read AWS_MAX_ATTEMPTS", Err: fmt.Errorf("%q is not a whole number of attempts", v), Hint: "set it to 1 or more, or unset it"}}
		}
		cfg.RetryMaxAttempts = n
	}
	return nil
}

// tlsRetryer is the SDK's retryer, except for a TLS connection that cannot
// succeed (https:// to spk local's plain HTTP, a certificate not trusted),
// which the SDK's checks take for a passing connection error: retried, the
// user waited seconds for the same answer.
type tlsRetryer struct{ aws.RetryerV2 }

func (r tlsRetryer) IsErrorRetryable(err error) bool {
	return !retry.TLSMismatch(err) && r.RetryerV2.IsErrorRetryable(err)
}

func noTLSRetry(r aws.Retryer) aws.Retryer {
	if v2, ok := r.(aws.RetryerV2); ok {
		return tlsRetryer{v2}
	}
	return r
}

// envError is a bad AWS_* variable: a setting the user gave, to fix as a
// bad spk setting is (exit 2).
type envError struct{ err *Error }

func (e envError) Error() string    { return e.err.Error() }
func (e envError) Unwrap() error    { return e.err }
func (e envError) HintText() string { return e.err.Hint }
func (envError) ExitCode() int      { return 2 }

// ProfileSettings are what the target's profile sets that spk's own
// configuration does not show: its endpoint_url (when the SDK does not
// ignore it) and its region, where spk's is the default (as NewClients
// takes them). Empty when spk targets no profile or cannot read it; the
// commands that use the profile say what is wrong with it.
type ProfileSettings struct {
	Endpoint string
	Region   string
}

// ProfileSettingsOf reads the target profile's settings for l.
func ProfileSettingsOf(ctx context.Context, l *config.Loaded, lookupEnv func(string) (string, bool)) ProfileSettings {
	if !l.UsesAWS() {
		return ProfileSettings{}
	}
	var opts []func(*awsconfig.LoadSharedConfigOptions)
	if files, err := profile.DefaultFiles(lookupEnv); err == nil {
		opts = append(opts, func(o *awsconfig.LoadSharedConfigOptions) {
			o.ConfigFiles, o.CredentialsFiles = []string{files.Config}, []string{files.Credentials}
		})
	}
	shared, err := awsconfig.LoadSharedConfigProfile(ctx, l.AWS.Profile, opts...)
	if err != nil {
		return ProfileSettings{}
	}
	var ps ProfileSettings
	if l.Sources["aws.region"].Kind == config.FromDefault {
		ps.Region = shared.Region
	}
	// The SDK drops a configured endpoint when told to ignore them.
	if v, ok := lookupEnv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"); ok && strings.EqualFold(v, "true") ||
		shared.IgnoreConfiguredEndpoints != nil && *shared.IgnoreConfiguredEndpoints {
		return ps
	}
	ps.Endpoint = shared.BaseEndpoint
	return ps
}

func profileHint(name string, lookupEnv func(string) (string, bool)) string {
	if name == "" {
		return ""
	}
	config, creds := "~/.aws/config", "~/.aws/credentials"
	if files, err := profile.DefaultFiles(lookupEnv); err == nil {
		config, creds = files.Config, files.Credentials
	}
	return fmt.Sprintf("check that profile %q exists in %s or %s (spk create-profile %s writes one)", name, config, creds, name)
}

// CheckReachable fails fast, with a useful message, when nothing listens at
// a non-AWS endpoint; the SDK would otherwise retry and report a raw
// connection error.
func (c *Clients) CheckReachable(ctx context.Context) error {
	if c.Target.AWS {
		return nil
	}
	seen := map[string]bool{}
	var endpoints []string
	for _, e := range []string{c.Target.KinesisEndpoint, c.Target.DynamoDBEndpoint} {
		if e != "" && !seen[e] {
			seen[e] = true
			endpoints = append(endpoints, e)
		}
	}
	sort.Strings(endpoints)
	for _, e := range endpoints {
		if _, err := Ping(ctx, e); err != nil {
			if c.Target.Embedded {
				return &Error{Op: "reach the embedded endpoint", Err: fmt.Errorf("nothing is listening at %s", e),
					Hint: "start it in another terminal with: spk local (or run spk up, which starts it for you)"}
			}
			return &Error{Err: err, Hint: "start the endpoint, or fix --endpoint-url / AWS_ENDPOINT_URL"}
		}
	}
	return nil
}

// Ping opens a TCP connection to the endpoint's host and reports how long it took.
func Ping(ctx context.Context, endpoint string) (time.Duration, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return 0, fmt.Errorf("invalid endpoint URL %q", endpoint)
	}
	host := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	d := net.Dialer{Timeout: 2 * time.Second}
	start := time.Now()
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) {
			return 0, &errtext.UnreachableError{URL: endpoint, Err: err}
		}
		return 0, err
	}
	conn.Close()
	return time.Since(start), nil
}

// Error is a provisioning failure with what was being done and a hint: the
// same type as a table's (ddbtable, a leaf package that cannot import this
// one), so every provisioning failure reads alike.
type Error = ddbtable.Error

// UsageError is an Error in what the user gave (a profile that does not
// exist), which spk answers with its usage exit code, 2.
type UsageError struct{ err *Error }

func (e *UsageError) Error() string    { return e.err.Error() }
func (e *UsageError) Unwrap() error    { return e.err }
func (e *UsageError) HintText() string { return e.err.Hint }

// ExitCode is spk's usage exit code.
func (e *UsageError) ExitCode() int { return 2 }
