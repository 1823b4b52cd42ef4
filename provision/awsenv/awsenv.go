// Package awsenv says what other AWS tools need in their environment, or on
// their command line, to reach what spk reaches: the endpoint URLs, the
// region, and dummy keys when spk itself signs with dummy keys. spk env
// prints it as shell lines; spk aws hands it to the AWS CLI it runs.
package awsenv

import (
	"context"
	"slices"
	"strings"

	"github.com/spk-cli/spk/config"
	"github.com/spk-cli/spk/provision"
)

// The variables the SDKs and the AWS CLI (v1 from 1.29, v2 from 2.13) read
// for endpoints: the general one and the per-service ones, named after the
// service ids Kinesis, DynamoDB and DynamoDB Streams.
const (
	EndpointURL                = "AWS_ENDPOINT_URL"
	EndpointURLKinesis         = "AWS_ENDPOINT_URL_KINESIS"
	EndpointURLDynamoDB        = "AWS_ENDPOINT_URL_DYNAMODB"
	EndpointURLDynamoDBStreams = "AWS_ENDPOINT_URL_DYNAMODB_STREAMS"
	// Region is read by the SDKs and the AWS CLI v2; DefaultRegion by both
	// AWS CLIs, and it is the only one the AWS CLI v1 reads.
	Region          = "AWS_REGION"
	DefaultRegion   = "AWS_DEFAULT_REGION"
	AccessKeyID     = "AWS_ACCESS_KEY_ID"
	SecretAccessKey = "AWS_SECRET_ACCESS_KEY"
	SessionToken    = "AWS_SESSION_TOKEN"
)

// Dummy keys are spk's (provision's): any endpoint that does not check
// signatures takes them. Not secrets.
const (
	DummyAccessKeyID     = "spk"
	DummySecretAccessKey = "spk"
)

// Settable lists every variable Plan.Vars may set except the keys, in the
// order spk env prints them; --unset removes them all.
var Settable = []string{EndpointURL, EndpointURLKinesis, EndpointURLDynamoDB, EndpointURLDynamoDBStreams, Region, DefaultRegion}

// Var is one environment variable.
type Var struct{ Name, Value string }

// Plan is where spk's requests go, in the terms other AWS tools read.
type Plan struct {
	Target provision.Target
	// General is the endpoint for every service ("" for AWS's own): the
	// one endpoint when Kinesis and DynamoDB share it, else the configured
	// aws.endpoint_url.
	General string
	// Credentials is provision's source name: CredsDummy, CredsFromEnvironment,
	// CredsFromDefaultProfile or CredsFromProfile.
	Credentials     string
	CredentialsFile string
	// keys are the endpoint's keys when they are not a profile's; only the
	// child environment of spk aws carries them, never printed output
	// unless they are the dummy ones.
	keys Keys
	// profileBesideKeys: spk reads its profile (AWS_PROFILE) but signs
	// with the environment's keys, which outrank it.
	profileBesideKeys bool
}

// Keys are static credentials.
type Keys struct{ AccessKeyID, SecretAccessKey, SessionToken string }

// Dummy reports whether spk signs with the dummy keys, its own or the same
// pair exported by an earlier spk env.
func (p Plan) Dummy() bool {
	return p.Credentials == provision.CredsDummy ||
		(p.Credentials == provision.CredsFromEnvironment && p.keys.AccessKeyID == DummyAccessKeyID && p.keys.SecretAccessKey == DummySecretAccessKey && p.keys.SessionToken == "")
}

// For derives the plan from the loaded configuration and the clients built
// for it. The keys are read from the clients' static provider, which makes
// no request.
func For(ctx context.Context, l *config.Loaded, c *provision.Clients) (Plan, error) {
	t := c.Target
	p := Plan{Target: t, Credentials: c.Credentials, CredentialsFile: c.CredentialsFile,
		profileBesideKeys: c.ProfileUsed && c.Credentials == provision.CredsFromEnvironment}
	switch {
	case t.KinesisEndpoint == t.DynamoDBEndpoint:
		p.General = t.KinesisEndpoint
	case !l.UsesAWS():
		p.General = l.AWS.EndpointURL
	}
	if c.Credentials != provision.CredsFromProfile {
		creds, err := c.Config.Credentials.Retrieve(ctx)
		if err != nil {
			return Plan{}, err
		}
		p.keys = Keys{creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken}
	}
	return p, nil
}

// Vars are the variables that point the AWS CLI and the SDKs where spk
// points, in a stable order: the endpoints, the region, and the dummy keys
// when spk uses them. For AWS itself there are none: a profile is enough.
func (p Plan) Vars() []Var {
	if p.AllAWS() {
		return nil
	}
	var vs []Var
	if p.General != "" {
		vs = append(vs, Var{EndpointURL, p.General})
	}
	if e := p.Target.KinesisEndpoint; e != "" {
		vs = append(vs, Var{EndpointURLKinesis, e})
	}
	if e := p.Target.DynamoDBEndpoint; e != "" {
		vs = append(vs, Var{EndpointURLDynamoDB, e}, Var{EndpointURLDynamoDBStreams, e})
	}
	vs = append(vs, Var{Region, p.Target.Region}, Var{DefaultRegion, p.Target.Region})
	if p.Dummy() {
		vs = append(vs, Var{AccessKeyID, DummyAccessKeyID}, Var{SecretAccessKey, DummySecretAccessKey})
	}
	return vs
}

// AllAWS reports whether both services are AWS's own, through a profile.
func (p Plan) AllAWS() bool {
	return p.Target.KinesisEndpoint == "" && p.Target.DynamoDBEndpoint == ""
}

// EndpointFor is the --endpoint-url for an AWS CLI command of service
// ("kinesis", "dynamodb", "dynamodbstreams", or any other), "" for AWS's own.
func (p Plan) EndpointFor(service string) string {
	switch service {
	case "kinesis":
		return p.Target.KinesisEndpoint
	case "dynamodb", "dynamodbstreams":
		return p.Target.DynamoDBEndpoint
	}
	return p.General
}

// ChildEnv returns base (KEY=value entries, as os.Environ gives them) with
// what an AWS CLI child of spk needs to sign and route as spk does: the
// region; the profile when spk uses one; otherwise no profile (spk passed
// over a missing one) and the endpoint's keys under their canonical names,
// or none when they are the default profile's, which the CLI reads itself.
func (p Plan) ChildEnv(base []string) []string {
	drop := []string{Region, DefaultRegion}
	var add []Var
	add = append(add, Var{Region, p.Target.Region}, Var{DefaultRegion, p.Target.Region})
	if p.Credentials == provision.CredsFromProfile {
		// spk signs with the profile (--profile, SPK_AWS_PROFILE or the
		// configuration file): keys in the environment would outrank it
		// in the CLI, so they go.
		drop = append(drop, "AWS_PROFILE", "AWS_DEFAULT_PROFILE", AccessKeyID, SecretAccessKey, SessionToken, "AWS_SECURITY_TOKEN", "AWS_ACCESS_KEY", "AWS_SECRET_KEY")
		add = append(add, Var{"AWS_PROFILE", p.Target.Profile})
	} else {
		// Half a pair, or an alias the CLI does not read, must not
		// leave the CLI with other keys than spk's.
		drop = append(drop, "AWS_PROFILE", "AWS_DEFAULT_PROFILE", AccessKeyID, SecretAccessKey, SessionToken, "AWS_SECURITY_TOKEN", "AWS_ACCESS_KEY", "AWS_SECRET_KEY")
		if p.profileBesideKeys {
			// AWS_PROFILE with keys beside it: the keys sign, the
			// profile gives the rest, for the CLI as for spk.
			add = append(add, Var{"AWS_PROFILE", p.Target.Profile})
		}
		if p.Credentials != provision.CredsFromDefaultProfile {
			add = append(add, Var{AccessKeyID, p.keys.AccessKeyID}, Var{SecretAccessKey, p.keys.SecretAccessKey})
			if p.keys.SessionToken != "" {
				add = append(add, Var{SessionToken, p.keys.SessionToken})
			}
		}
	}
	out := make([]string, 0, len(base)+len(add))
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(drop, name) {
			out = append(out, kv)
		}
	}
	for _, v := range add {
		out = append(out, v.Name+"="+v.Value)
	}
	return out
}
