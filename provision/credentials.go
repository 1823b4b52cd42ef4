package provision

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go"

	"github.com/spk-cli/spk/provision/profile"
)

// Where the credentials of an endpoint without a profile come from.
const (
	CredsFromProfile        = "profile"
	CredsFromEnvironment    = "environment"
	CredsFromDefaultProfile = "default profile"
	CredsDummy              = "dummy"
)

// endpointCredentials picks the credentials for an endpoint without a
// profile, as the SDK's default chain would but with no network at all:
// the environment's keys, then the static keys of the shared files' default
// profile, and dummy keys when there are none. The chain itself is never
// run, since with an endpoint on loopback it must not reach for EC2 IMDS or
// SSO; a default profile that needs them is passed over (use --profile).
// where names the file the keys came from, for doctor.
// envKeys are the keys the environment gives, under the SDK's names and
// its older aliases; half a pair is ignored, as the SDK does.
func envKeys(lookupEnv func(string) (string, bool)) (aws.Credentials, bool) {
	env := func(names ...string) string {
		for _, n := range names {
			if v, ok := lookupEnv(n); ok && v != "" {
				return v
			}
		}
		return ""
	}
	id, secret := env("AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY"), env("AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY")
	if id == "" || secret == "" {
		return aws.Credentials{}, false
	}
	return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: env("AWS_SESSION_TOKEN"), Source: "EnvironmentVariables"}, true
}

func endpointCredentials(ctx context.Context, lookupEnv func(string) (string, bool)) (creds aws.Credentials, source, where string) {
	if c, ok := envKeys(lookupEnv); ok {
		return c, CredsFromEnvironment, ""
	}
	if files, err := profile.DefaultFiles(lookupEnv); err == nil {
		// A file that cannot be read or parsed is passed over: a broken
		// ~/.aws must not stop a local run.
		sc, err := awsconfig.LoadSharedConfigProfile(ctx, "default", func(o *awsconfig.LoadSharedConfigOptions) {
			o.CredentialsFiles = []string{files.Credentials}
			o.ConfigFiles = []string{files.Config}
		})
		if err == nil && sc.Credentials.HasKeys() {
			c := sc.Credentials
			c.Source = "SharedConfigCredentials"
			return c, CredsFromDefaultProfile, files.Credentials
		}
	}
	return aws.Credentials{AccessKeyID: dummyAccessKeyID, SecretAccessKey: dummySecretAccessKey, Source: "spk dummy"}, CredsDummy, ""
}

// MaskedKeyID shows the last four characters of an access key id, as
// `aws configure list` does.
func MaskedKeyID(id string) string {
	if len(id) <= 4 {
		return "****"
	}
	return "****" + id[len(id)-4:]
}

// credentialCodes are the error codes AWS (and spk local with keys) answer
// when the credentials themselves are wrong, as opposed to lacking a
// permission (AccessDenied).
var credentialCodes = map[string]bool{
	"UnrecognizedClientException":         true,
	"InvalidSignatureException":           true,
	"IncompleteSignatureException":        true,
	"MissingAuthenticationToken":          true,
	"MissingAuthenticationTokenException": true,
	"InvalidClientTokenId":                true,
	"SignatureDoesNotMatch":               true,
	"ExpiredToken":                        true,
	"ExpiredTokenException":               true,
}

// IsCredentialsError reports whether err means the credentials are wrong,
// expired or missing, rather than short of a permission.
func IsCredentialsError(err error) bool {
	var api smithy.APIError
	if errors.As(err, &api) {
		return credentialCodes[api.ErrorCode()]
	}
	// The SDK found no credentials to sign with (no keys, no usable
	// profile): it says so in a SigningError or, before signing, with
	// its "get identity" prefix, which has no type of its own.
	var signing *v4.SigningError
	return errors.As(err, &signing) || strings.Contains(err.Error(), "get identity: ")
}
