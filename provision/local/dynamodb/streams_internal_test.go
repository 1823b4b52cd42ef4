package dynamodb

import (
	"encoding/json"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/service"
	"github.com/spk-cli/spk/provision/local/store"
)

// A table stored by an spk without streams kept the StreamSpecification it
// was created with; loading it gives the table the stream it asked for.
func TestStoredStreamSpecificationAdopted(t *testing.T) {
	db, err := store.Open(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := tableMeta{TableName: "legacy", TableID: "id-1", TableArn: "arn:aws:dynamodb:us-east-1:000000000000:table/legacy", TableStatus: "ACTIVE",
		AttributeDefinitions: []attributeDefinition{{"pk", "S"}}, KeySchema: []keySchemaElement{{"pk", "HASH"}}, BillingMode: "PAY_PER_REQUEST",
		StreamSpecification: json.RawMessage(`{"StreamEnabled":true,"StreamViewType":"KEYS_ONLY"}`)}
	off := m
	off.TableName, off.TableID, off.StreamSpecification = "legacy-off", "id-2", json.RawMessage(`{"StreamEnabled":false}`)
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(tablesBucket)
		if err != nil {
			return err
		}
		for _, m := range []tableMeta{m, off} {
			v, _ := json.Marshal(m)
			if err := b.Put([]byte(m.TableName), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(&service.Env{DB: db, Region: "us-east-1", AccountID: "000000000000"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	legacy, plain := s.tables["legacy"], s.tables["legacy-off"]
	if legacy.meta.LatestStreamArn == "" || string(legacy.meta.StreamSpecification) != `{"StreamEnabled":true,"StreamViewType":"KEYS_ONLY"}` {
		t.Fatalf("adopted meta %+v", legacy.meta)
	}
	if plain.meta.LatestStreamArn != "" || plain.meta.StreamSpecification != nil {
		t.Fatalf("a disabled specification made a stream: %+v", plain.meta)
	}
	it := attr.Item{"pk": attr.StrValue("k")}
	err = s.commit(func(tx *bolt.Tx) error { return s.recordChange(tx, legacy, nil, it, false) })
	if err != nil {
		t.Fatal(err)
	}
	s.env.DB.View(func(tx *bolt.Tx) error {
		if n := openStream(tx, legacy.meta.LatestStreamArn).records.Stats().KeyN; n != 1 {
			t.Errorf("%d records, want 1", n)
		}
		return nil
	})
}
