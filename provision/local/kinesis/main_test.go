package kinesis_test

import (
	"os"
	"testing"

	"github.com/spk-cli/spk/provision/local/localtest"
)

func TestMain(m *testing.M) {
	localtest.ServeIfChild()
	os.Exit(m.Run())
}
