package cmd

import (
	"strings"
	"testing"

	"github.com/spk-cli/spk/internal/peertest"
)

// TestVerbsAgainstPeers runs the set-up and tear-down verbs against
// kinesalite and dynalite, to show they work on any compatible endpoint.
func TestVerbsAgainstPeers(t *testing.T) {
	peertest.Enabled(t)
	env := map[string]string{
		"AWS_ENDPOINT_URL_KINESIS":  peertest.Kinesalite(t),
		"AWS_ENDPOINT_URL_DYNAMODB": peertest.Dynalite(t),
	}
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"create-stream", "--shards", "2"}, "created and ACTIVE"},
		{[]string{"create-stream"}, "already exists and is ACTIVE with 2 open shards"},
		{[]string{"create-table", "--provisioned", "20,20"}, "created and ACTIVE"},
		{[]string{"create-table"}, "already exists with the right key schema"},
		{[]string{"describe-stream"}, `"StreamStatus": "ACTIVE"`},
		{[]string{"status"}, "my-table"},
		{[]string{"doctor"}, "kinesis access"},
		{[]string{"teardown", "--yes"}, "deleted"},
		{[]string{"teardown", "--yes"}, "missing"},
	}
	for _, s := range steps {
		r := run(t, env, s.args...)
		if r.code != 0 || !strings.Contains(r.stdout+r.stderr, s.want) {
			t.Fatalf("spk %v: code %d, want %q\n%s\n%s", s.args, r.code, s.want, r.stdout, r.stderr)
		}
	}
}
