package tasks

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/stream/lease"
	"github.com/spk-cli/spk/stream/sink"
)

// TestRunSetupMissingStreamCreatesNothing: a missing stream fails step 3
// with how to create it, before any table is made.
func TestRunSetupMissingStreamCreatesNothing(t *testing.T) {
	k, db, url := endpointAt(t)
	c := &provision.Clients{Target: provision.Target{Region: "us-east-1", KinesisEndpoint: url, DynamoDBEndpoint: url}, Kinesis: k, DynamoDB: db}
	specs := []provision.TableSpec{sink.TableSpec("counts", "SetupApp", "", nil), lease.TableSpec("SetupApp")}
	var r recorder
	err := Runner{OnEvent: r.on}.Run(context.Background(), RunSetup(c, "nowhere", specs))
	want := `step 3 (require stream nowhere): read stream "nowhere": the stream does not exist`
	var se *StepError
	if err == nil || !errors.As(err, &se) || se.Step != StepStream || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	if names := tableNames(t, db); len(names) != 0 {
		t.Fatalf("tables left behind: %v", names)
	}
}

// TestRunSetupCreatesEveryTable: with the stream there, step 4 makes every
// table, and a second run finds them ready.
func TestRunSetupCreatesEveryTable(t *testing.T) {
	k, db, url := endpointAt(t)
	c := &provision.Clients{Target: provision.Target{Region: "us-east-1", KinesisEndpoint: url, DynamoDBEndpoint: url}, Kinesis: k, DynamoDB: db}
	streamWith(t, k, "events", 1)
	specs := []provision.TableSpec{sink.TableSpec("counts", "SetupApp", "", nil), sink.TableSpec("counts-errors", "SetupApp", "", nil), lease.TableSpec("SetupApp")}
	for range 2 {
		if err := (Runner{}).Run(context.Background(), RunSetup(c, "events", specs)); err != nil {
			t.Fatal(err)
		}
	}
	if names := tableNames(t, db); len(names) != 3 {
		t.Fatalf("tables %v, want counts, counts-errors and SetupApp", names)
	}
}

func tableNames(t *testing.T, db *dynamodb.Client) []string {
	t.Helper()
	out, err := db.ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	return out.TableNames
}
