package kinesis_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"testing"
	"time"

	local "github.com/spk-cli/spk/provision/local"
)

// serverDirEnv makes the test binary run as a durable endpoint instead of
// running tests, so a test can kill -9 a real separate process.
const serverDirEnv = "SPK_TEST_KINESIS_SERVER_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(serverDirEnv); dir != "" {
		os.Exit(serve(dir))
	}
	os.Exit(m.Run())
}

// serve runs a durable endpoint on dir and prints its URL on stdout.
func serve(dir string) int {
	opts := local.DefaultOptions()
	opts.Addr = "127.0.0.1:0"
	opts.DataDir = dir
	opts.CreateDelay = 10 * time.Millisecond
	srv, err := local.Start(context.Background(), opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(srv.URL())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	<-stop
	srv.Shutdown(context.Background())
	return 0
}
