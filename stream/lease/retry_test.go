package lease_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/spk-cli/spk/internal/retry"
	"github.com/spk-cli/spk/provision/ddbtable"
	"github.com/spk-cli/spk/stream/lease"
)

// lostAnswers applies every UpdateItem to the real endpoint and then, for
// the first `lose` of them, answers a 500 as if the response had been lost
// after the write: the ambiguous failure a retry must not mistake for a
// lost lease.
type lostAnswers struct {
	lease.DynamoDB
	mu   sync.Mutex
	lose int
	lost int
}

func (d *lostAnswers) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	out, err := d.DynamoDB.UpdateItem(ctx, in, o...)
	d.mu.Lock()
	defer d.mu.Unlock()
	if err == nil && d.lost < d.lose {
		d.lost++
		return nil, &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "UpdateItem", Err: &awshttp.ResponseError{
			ResponseError: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 500}}, Err: &smithy.GenericAPIError{Code: "InternalServerError", Message: "answer lost"}},
		}}
	}
	return out, err
}

func TestRetriedWriteWhoseFirstAttemptWasAppliedIsNotALostLease(t *testing.T) {
	tbl := newTable(t, 1)
	ctx := context.Background()
	flaky := &lostAnswers{DynamoDB: tbl.DB, lose: 1 << 30}
	ftbl := &lease.Table{DB: flaky, Name: tbl.Name}
	w := newWorker(ftbl, "worker-a", &fakeClock{t: time.Unix(1000, 0)})
	if err := w.TakeOnce(ctx); err != nil {
		t.Fatal(err)
	}
	held := w.Held()
	if len(held) != 1 {
		t.Fatalf("held %d leases after a take whose answer was lost; want 1", len(held))
	}
	w.RenewOnce(ctx)
	if err := held[0].Checkpoint(ctx, "49590338271490256608559692538361571095921575989136588898", 3); err != nil {
		t.Fatalf("checkpoint whose answer was lost: %v", err)
	}
	if len(w.lost) != 0 || held[0].Context().Err() != nil {
		t.Fatalf("lease lost (%v) after writes whose answers were lost", w.lost)
	}
	l, _, err := tbl.Get(ctx, "shardId-000000000000")
	if err != nil {
		t.Fatal(err)
	}
	// take, renew, checkpoint: three writes, each applied once.
	if l.Owner != "worker-a" || l.Counter != 3 || l.Checkpoint != "49590338271490256608559692538361571095921575989136588898" || l.SubSequence != 3 {
		t.Fatalf("lease = %+v; want worker-a at counter 3 with the checkpoint", l)
	}
	if err := held[0].Release(ctx); err != nil {
		t.Fatalf("release whose answer was lost: %v", err)
	}
	if l, _, _ := tbl.Get(ctx, "shardId-000000000000"); l.Owner != "" || l.Counter != 4 {
		t.Fatalf("lease after release = %+v; want free at counter 4", l)
	}
	if flaky.lost != 4 {
		t.Fatalf("%d answers lost, want 4 (every write)", flaky.lost)
	}
}

func TestRetriedWriteStillFencesAnotherWorker(t *testing.T) {
	tbl := newTable(t, 1)
	ctx := context.Background()
	clock := &fakeClock{t: time.Unix(1000, 0)}
	a := newWorker(tbl, "worker-a", clock)
	if err := a.TakeOnce(ctx); err != nil {
		t.Fatal(err)
	}
	h := a.Held()[0]
	// worker-b takes the lease; a's checkpoint, refused, must not pass for
	// a write of its own.
	l, _, _ := tbl.Get(ctx, "shardId-000000000000")
	if _, err := tbl.Take(ctx, l.Key, l.Counter, "worker-b"); err != nil {
		t.Fatal(err)
	}
	if err := h.Checkpoint(ctx, "123", 0); !errors.Is(err, lease.ErrLeaseLost) {
		t.Fatalf("checkpoint after a steal = %v; want ErrLeaseLost", err)
	}
}

func TestEnsureRefusesATableWithOtherKeys(t *testing.T) {
	tbl := newTable(t, 0)
	ctx := context.Background()
	name := tbl.Name + "-other"
	_, err := tbl.DB.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeN}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = ddbtable.Ensure(ctx, tbl.DB, []ddbtable.Spec{lease.TableSpec(name)}, ddbtable.Options{})
	want := `create lease table "` + name + `": table "` + name + `" exists with another key schema: hash key is id (N), spk needs leaseKey (S)`
	if err == nil || err.Error() != want {
		t.Fatalf("Ensure = %v\nwant %s", err, want)
	}
	var hint interface{ HintText() string }
	if !errors.As(err, &hint) || hint.HintText() != "choose another app name (--app), or delete that table first if it is not needed" {
		t.Fatalf("hint of %v", err)
	}
	if !retry.Permanent(err) || time.Since(start) > 10*time.Second {
		t.Fatalf("a schema mismatch must be permanent and quick (took %v)", time.Since(start))
	}
	if strings.Contains(err.Error(), "\n") {
		t.Fatal("the message must be one line")
	}
}
