package dynamodb_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/spk-cli/spk/provision/local/localtest"
)

// TestPartiQLAWSCLI runs PartiQL through the AWS CLI v2's execute-statement,
// batch-execute-statement and execute-transaction.
func TestPartiQLAWSCLI(t *testing.T) {
	t.Parallel() // bound by the CLI's Python start-up, not by the endpoint: runs alongside the other CLI tests
	skipOn(t, "no PartiQL", "dynalite")
	run := awsCLI(t, "dynamodb")
	tbl := makeTable(t, newClient(t), keyAttr{"pk", types.ScalarAttributeTypeS}, &keyAttr{"sk", types.ScalarAttributeTypeN})
	q := `"` + tbl + `"`
	run("execute-statement", "--statement", `INSERT INTO `+q+` VALUE {'pk': ?, 'sk': 1, 'n': 1}`, "--parameters", `[{"S":"a"}]`)
	run("batch-execute-statement", "--statements",
		`[{"Statement":"INSERT INTO \"`+tbl+`\" VALUE {'pk': 'a', 'sk': 2}"},{"Statement":"INSERT INTO \"`+tbl+`\" VALUE {'pk': 'a', 'sk': 3}"}]`)
	run("execute-transaction", "--transact-statements",
		`[{"Statement":"UPDATE \"`+tbl+`\" SET n = n + 1 WHERE pk = 'a' AND sk = 1"},{"Statement":"DELETE FROM \"`+tbl+`\" WHERE pk = 'a' AND sk = 3"}]`)
	out := run("execute-statement", "--statement", `SELECT sk, n FROM `+q+` WHERE pk = ?`, "--parameters", `[{"S":"a"}]`)
	b, _ := json.Marshal(out["Items"])
	if want := `[{"n":{"N":"2"},"sk":{"N":"1"}},{"sk":{"N":"2"}}]`; string(b) != want {
		t.Errorf("select gave %s, want %s", b, want)
	}
	out = run("batch-execute-statement", "--statements",
		`[{"Statement":"SELECT n FROM \"`+tbl+`\" WHERE pk = 'a' AND sk = 1"},{"Statement":"SELECT * FROM \"`+tbl+`\" WHERE pk = 'a' AND sk = 3"}]`)
	b, _ = json.Marshal(out["Responses"])
	if want := `[{"Item":{"n":{"N":"2"}},"TableName":"` + tbl + `"},{"TableName":"` + tbl + `"}]`; string(b) != want {
		t.Errorf("batch select gave %s, want %s", b, want)
	}
}

// TestPartiQLBoto3 runs PartiQL through boto3, as a Python user would.
func TestPartiQLBoto3(t *testing.T) {
	skipOn(t, "no PartiQL", "dynalite")
	py := localtest.Boto3(t)
	tbl := makeTable(t, newClient(t), keyAttr{"pk", types.ScalarAttributeTypeS}, &keyAttr{"sk", types.ScalarAttributeTypeN})
	script := `
import sys, boto3
from botocore.exceptions import ClientError
endpoint, table = sys.argv[1], sys.argv[2]
c = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                 aws_access_key_id="AKIAFAKE", aws_secret_access_key="secret")
q = '"%s"' % table
c.execute_statement(Statement="INSERT INTO %s VALUE {'pk': ?, 'sk': ?, 'tags': <<'a'>>}" % q,
                    Parameters=[{"S": "k"}, {"N": "1"}])
try:
    c.execute_statement(Statement="INSERT INTO %s VALUE {'pk': 'k', 'sk': 1}" % q)
    sys.exit("a duplicate INSERT succeeded")
except ClientError as e:
    assert e.response["Error"]["Code"] == "DuplicateItemException", e.response
    assert e.response["Error"]["Message"] == "Duplicate primary key exists in table", e.response
r = c.batch_execute_statement(Statements=[
    {"Statement": "INSERT INTO %s VALUE {'pk': 'k', 'sk': %d}" % (q, i)} for i in range(2, 6)])
assert [x.get("Error") for x in r["Responses"]] == [None] * 4, r
c.execute_transaction(TransactStatements=[
    {"Statement": "UPDATE %s SET tags = set_add(tags, <<'b'>>) WHERE pk = 'k' AND sk = 1" % q},
    {"Statement": "DELETE FROM %s WHERE pk = 'k' AND sk = 5" % q}])
try:
    c.execute_transaction(TransactStatements=[
        {"Statement": "UPDATE %s SET n = 1 WHERE pk = 'k' AND sk = 99" % q}])
    sys.exit("an UPDATE of a missing item succeeded")
except ClientError as e:
    assert e.response["Error"]["Code"] == "TransactionCanceledException", e.response
    assert [x["Code"] for x in e.response["CancellationReasons"]] == ["ConditionalCheckFailed"], e.response
pages, sks = 0, []
kwargs = {"Statement": "SELECT sk, tags FROM %s WHERE pk = 'k'" % q, "Limit": 2}
while True:
    r = c.execute_statement(**kwargs)
    pages += 1
    sks += [int(i["sk"]["N"]) for i in r["Items"]]
    if "NextToken" not in r:
        break
    kwargs["NextToken"] = r["NextToken"]
assert sks == [1, 2, 3, 4], sks
assert pages == 3, pages
r = c.execute_statement(Statement="SELECT tags FROM %s WHERE pk = 'k' AND sk = 1" % q)
assert sorted(r["Items"][0]["tags"]["SS"]) == ["a", "b"], r
print("ok")
`
	out, err := exec.Command(py, "-c", script, endpoint, tbl).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("boto3 walk: %v\n%s", err, out)
	}
}
