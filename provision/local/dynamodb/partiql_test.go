package dynamodb_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// PartiQL: ExecuteStatement, BatchExecuteStatement and ExecuteTransaction,
// as exact requests and DynamoDB's answers. dynalite has no PartiQL.

func TestPartiQLSmoke(t *testing.T) {
	skipOn(t, "no PartiQL", "dynalite")
	c := newClient(t)
	tbl := makeTable(t, c, keyAttr{"pk", types.ScalarAttributeTypeS}, &keyAttr{"sk", types.ScalarAttributeTypeN})
	runExchanges(t, []exchange{
		{name: "insert", op: "ExecuteStatement", body: `{"Statement":"INSERT INTO \"` + tbl + `\" VALUE {'pk':'a','sk':1,'n':5,'tags':<<'x','y'>>,'m':{'b':[1,'two',TRUE,NULL]}}"}`,
			want: `{"Items":[]}`},
		{name: "select", op: "ExecuteStatement", body: `{"Statement":"SELECT * FROM \"` + tbl + `\" WHERE pk = ? AND sk = ?","Parameters":[{"S":"a"},{"N":"1"}]}`,
			want: `{"Items":[{"pk":{"S":"a"},"sk":{"N":"1"},"n":{"N":"5"},"tags":{"SS":["x","y"]},"m":{"M":{"b":{"L":[{"N":"1"},{"S":"two"},{"BOOL":true},{"NULL":true}]}}}}]}`},
	})
}
