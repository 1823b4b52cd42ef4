// Package endpointtest starts Kinesis and DynamoDB endpoints on loopback ports
// for tests of the consumer: spk's embedded endpoint by default, or the npm
// emulators kinesalite and dynalite when SPK_CONSUMER_PEERS=1. A service the
// embedded endpoint does not serve yet is taken from the emulators instead.
package endpointtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/spk-cli/spk/internal/childproc"
	"github.com/spk-cli/spk/provision/sdkhttp"
)

// Endpoints are the URLs of a Kinesis and a DynamoDB endpoint.
type Endpoints struct {
	KinesisURL, DynamoDBURL string
	Kind                    string // "spk", "peers" or a mix such as "spk+dynalite"
}

// T is the part of testing.TB the helpers use; Main provides it for TestMain.
type T interface {
	Helper()
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
	Cleanup(func())
}

// Main lets TestMain start endpoints shared by every test of a package:
// Fatalf and Skipf panic with the message, and Close runs the cleanups.
type Main struct{ cleanups []func() }

// Helper does nothing.
func (m *Main) Helper() {}

// Fatalf stops the program with the message.
func (m *Main) Fatalf(format string, args ...any) {
	m.Close()
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

// Skipf is reported like Fatalf: a shared endpoint is required.
func (m *Main) Skipf(format string, args ...any) { m.Fatalf(format, args...) }

// Cleanup registers f to run at Close.
func (m *Main) Cleanup(f func()) { m.cleanups = append(m.cleanups, f) }

// Close runs the cleanups, last registered first.
func (m *Main) Close() {
	for i := len(m.cleanups) - 1; i >= 0; i-- {
		m.cleanups[i]()
	}
	m.cleanups = nil
}

// Options tune the embedded endpoint.
type Options struct {
	EnforceLimits bool
	FaultRate     float64
	FaultSeed     int64
	// SubscriptionLifetime shortens SubscribeToShard subscriptions from five
	// minutes, so consumers renew them often.
	SubscriptionLifetime time.Duration
}

// Start starts the endpoints for the test and stops them when it ends.
func Start(t T, opts Options) Endpoints {
	t.Helper()
	if os.Getenv("SPK_CONSUMER_PEERS") == "1" {
		return Endpoints{KinesisURL: startPeer(t, "kinesalite"), DynamoDBURL: startPeer(t, "dynalite"), Kind: "kinesalite+dynalite"}
	}
	if startLocal == nil {
		return Endpoints{KinesisURL: startPeer(t, "kinesalite"), DynamoDBURL: startPeer(t, "dynalite"), Kind: "kinesalite+dynalite"}
	}
	url := startLocal(t, opts)
	e := Endpoints{KinesisURL: url, DynamoDBURL: url, Kind: "spk"}
	if !serves(url, "kinesis") {
		e.KinesisURL, e.Kind = startPeer(t, "kinesalite"), e.Kind+"+kinesalite"
	}
	if !serves(url, "dynamodb") {
		e.DynamoDBURL, e.Kind = startPeer(t, "dynalite"), e.Kind+"+dynalite"
	}
	return e
}

// serves reports whether the endpoint answers an operation of a service.
func serves(url, service string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var err error
	if service == "kinesis" {
		_, err = kinesis.NewFromConfig(Config(url)).ListStreams(ctx, &kinesis.ListStreamsInput{})
	} else {
		_, err = dynamodb.NewFromConfig(Config(url)).ListTables(ctx, &dynamodb.ListTablesInput{})
	}
	return err == nil
}

// PeersDir is where the npm emulators are installed.
func PeersDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "test", "peers", "node_modules", ".bin")
}

func startPeer(t T, name string) string {
	t.Helper()
	bin := filepath.Join(PeersDir(), name)
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (%v): run npm install in test/peers", name, err)
		}
		t.Skipf("%s is not installed: run npm install in test/peers", name)
	}
	port, err := freePort()
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	args := []string{"--port", fmt.Sprint(port)}
	if name == "kinesalite" {
		args = append(args, "--createStreamMs", "20", "--deleteStreamMs", "20", "--updateStreamMs", "20", "--shardLimit", "100")
	} else {
		args = append(args, "--createTableMs", "20", "--deleteTableMs", "20", "--updateTableMs", "20")
	}
	cmd := exec.Command(bin, args...)
	// No output pipes (go test would wait for them), and the peer dies with
	// the test process even if that is killed.
	childproc.DieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return "http://" + addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not listen on %s: %v", name, addr, err)
		}
		time.Sleep(20 * time.Millisecond) // polling a port with a deadline
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Config returns an AWS configuration for a local endpoint: fixed dummy
// credentials, and retries without the client-side retry quota, which fault
// injection would otherwise exhaust.
func Config(url string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("spklocal", "spklocal", ""),
		BaseEndpoint: aws.String(url),
		HTTPClient:   sdkhttp.New(nil),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 8
				o.RateLimiter = ratelimit.None
				o.MaxBackoff = 2 * time.Second
			})
		},
	}
}

// Clients returns SDK clients for the endpoints.
func (e Endpoints) Clients() (*kinesis.Client, *dynamodb.Client) {
	return kinesis.NewFromConfig(Config(e.KinesisURL)), dynamodb.NewFromConfig(Config(e.DynamoDBURL))
}

// ClientsDB returns a DynamoDB client for the endpoints.
func (e Endpoints) ClientsDB() *dynamodb.Client { return dynamodb.NewFromConfig(Config(e.DynamoDBURL)) }

// DefaultConfig is like Config but with the SDK's standard retryer at its
// defaults (3 attempts, the client-side retry quota), as spk's own clients
// have: what a consumer meets when the SDK's own retries run out.
func DefaultConfig(url string) aws.Config {
	cfg := Config(url)
	cfg.Retryer = func() aws.Retryer { return retry.NewStandard() }
	return cfg
}

// DefaultClients returns SDK clients for the endpoints with DefaultConfig.
func (e Endpoints) DefaultClients() (*kinesis.Client, *dynamodb.Client) {
	return kinesis.NewFromConfig(DefaultConfig(e.KinesisURL)), dynamodb.NewFromConfig(DefaultConfig(e.DynamoDBURL))
}
