package provision

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
)

func TestIsCredentialsError(t *testing.T) {
	api := func(code string) error {
		return &smithy.OperationError{ServiceID: "Kinesis", OperationName: "ListStreams",
			Err: fmt.Errorf("https response error StatusCode: 400, %w", &smithy.GenericAPIError{Code: code, Message: "m"})}
	}
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"unknown key", api("UnrecognizedClientException"), true},
		{"wrong secret", api("InvalidSignatureException"), true},
		{"STS unknown key", api("InvalidClientTokenId"), true},
		{"expired", api("ExpiredTokenException"), true},
		{"no credentials", &smithy.OperationError{ServiceID: "STS", OperationName: "GetCallerIdentity", Err: &v4.SigningError{Err: errors.New("failed to retrieve credentials")}}, true},
		{"no identity", fmt.Errorf("create stream: %w", &smithy.OperationError{ServiceID: "Kinesis", OperationName: "CreateStream", Err: errors.New("get identity: get credentials: failed to refresh cached credentials")}), true},
		{"a missing permission", api("AccessDeniedException"), false},
		{"not found", api("ResourceNotFoundException"), false},
		{"plain", errors.New("disk full"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := IsCredentialsError(c.err); got != c.want {
				t.Fatalf("IsCredentialsError(%v) = %v, want %v", c.err, got, c.want)
			}
		})
	}
}

func TestEndpointCredentialsOrder(t *testing.T) {
	dir := t.TempDir()
	creds, conf := filepath.Join(dir, "credentials"), filepath.Join(dir, "config")
	if err := os.WriteFile(creds, []byte("[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = filesecret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"AWS_SHARED_CREDENTIALS_FILE": creds, "AWS_CONFIG_FILE": conf}
	env := func(kv map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) {
			if v, ok := kv[k]; ok {
				return v, true
			}
			v, ok := files[k]
			return v, ok
		}
	}
	for _, c := range []struct {
		name           string
		env            map[string]string
		id, src, where string
	}{
		{"environment first", map[string]string{"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "envsecret"}, "AKIDENV", CredsFromEnvironment, ""},
		{"half a pair is ignored", map[string]string{"AWS_ACCESS_KEY_ID": "AKIDENV"}, "AKIDFILE", CredsFromDefaultProfile, creds},
		{"default profile", nil, "AKIDFILE", CredsFromDefaultProfile, creds},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, src, where := endpointCredentials(context.Background(), env(c.env))
			if got.AccessKeyID != c.id || src != c.src || where != c.where {
				t.Fatalf("got %s from %s (%s), want %s from %s (%s)", got.AccessKeyID, src, where, c.id, c.src, c.where)
			}
		})
	}
	files["AWS_SHARED_CREDENTIALS_FILE"] = filepath.Join(dir, "missing")
	if got, src, _ := endpointCredentials(context.Background(), env(nil)); src != CredsDummy || got.AccessKeyID != dummyAccessKeyID {
		t.Fatalf("no keys anywhere: got %s from %s, want dummy keys", got.AccessKeyID, src)
	}
}
