package cmd

import (
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spk-cli/spk/internal/peertest"
	"github.com/spk-cli/spk/provision"
)

// TestAnEndpointThatDoesNotAnswer: an endpoint that takes connections but
// never answers (a stopped spk local) is told by spk status, spk doctor and
// spk show within their bound, with the fix, where they took minutes and
// advised about permissions.
func TestAnEndpointThatDoesNotAnswer(t *testing.T) {
	t.Parallel() // waits on processes, not the CPU
	if testing.Short() {
		t.Skip("waits for the status bound")
	}
	bin := buildSpk(t)
	url := peertest.Silent(t)
	var wg sync.WaitGroup
	for _, verb := range []string{"status", "doctor", "show"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(bin, "--endpoint-url", url, verb)
			cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=y", "XDG_CONFIG_HOME="+t.TempDir(), "AWS_PROFILE=", "SPK_AWS_PROFILE=")
			start := time.Now()
			out, err := cmd.CombinedOutput()
			took := time.Since(start)
			if err == nil || took > provision.StatusReadTimeout+15*time.Second || !strings.Contains(string(out), provision.NoAnswerHint) || strings.Contains(string(out), "grant ") {
				t.Errorf("spk %s: %v after %v:\n%s", verb, err, took, out)
			}
		}()
	}
	wg.Wait()
}
