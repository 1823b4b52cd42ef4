// Walks the DynamoDB and DynamoDB Streams operations spk local serves with
// the AWS SDK for JavaScript v3 at its defaults, as a user's own Node code
// would: the low-level client with its waiters and paginators, the document
// client (lib-dynamodb) with JavaScript numbers, sets, binary and nested
// values, PartiQL, transactions, the errors the SDK turns into named
// exceptions, a Kinesis streaming destination, and the table's stream read
// back through the Streams client. Only the endpoint and dummy credentials
// are set. Any error or unexpected answer fails the walk (exit 1), naming
// the operation.
//
//   SPK_ENDPOINT=http://127.0.0.1:4566 node dynamodb-walk.mjs
import * as d from "@aws-sdk/client-dynamodb";
import * as ds from "@aws-sdk/client-dynamodb-streams";
import * as k from "@aws-sdk/client-kinesis";
import * as lib from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { credentials, expect, until } from "./walk-lib.mjs";

const endpoint = process.env.SPK_ENDPOINT;
if (!endpoint) {
  console.error("dynamodb-walk: set SPK_ENDPOINT to spk local's URL");
  process.exit(2);
}
const config = {
  endpoint,
  region: "us-east-1",
  credentials,
};
const client = new d.DynamoDBClient(config);
const doc = lib.DynamoDBDocumentClient.from(client);
const streams = new ds.DynamoDBStreamsClient(config);
const kinesis = new k.KinesisClient(config);

const called = new Set();
async function send(c, command) {
  const op = command.constructor.name.replace(/Command$/, "");
  try {
    const out = await c.send(command);
    called.add(op);
    return out;
  } catch (err) {
    throw new Error(`${op}: ${err.name}: ${err.message}`);
  }
}
const call = (Command, input) => send(client, new Command(input));
const docCall = (Command, input) => send(doc, new Command(input));

// refused sends a command that must fail and returns the SDK's error, which
// must be the named exception.
async function refused(c, command, name) {
  const op = command.constructor.name.replace(/Command$/, "");
  try {
    await c.send(command);
  } catch (err) {
    if (err.name !== name) throw new Error(`${op}: wanted ${name}, got ${err.name}: ${err.message}`);
    if (err.$metadata?.httpStatusCode !== 400) throw new Error(`${op}: ${name} with HTTP status ${err.$metadata?.httpStatusCode}`);
    called.add(op);
    return err;
  }
  throw new Error(`${op}: answered where ${name} was wanted`);
}

async function tableActive(TableName) {
  await until(`${TableName} ACTIVE`, async () => {
    const t = await call(d.DescribeTableCommand, { TableName });
    return t.Table.TableStatus === "ACTIVE" && (t.Table.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === "ACTIVE");
  });
}

const table = `walk-${process.pid}`;
const bytes = (...b) => new Uint8Array(b);
// canon is a value in a canonical form: object keys sorted, sets as sorted
// arrays, binary as arrays of bytes, so two values compare by their text.
function canon(v) {
  if (v instanceof Set) return { set: [...v].map((x) => JSON.stringify(canon(x))).sort() };
  if (v instanceof Uint8Array) return { bytes: [...v] };
  if (typeof v === "bigint") return { bigint: v.toString() };
  if (Array.isArray(v)) return v.map(canon);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((key) => [key, canon(v[key])]));
  return v;
}
const same = (a, b) => JSON.stringify(canon(a)) === JSON.stringify(canon(b));
const show = (v) => JSON.stringify(canon(v));

async function walk() {
  // Tables: create with both kinds of index and a stream, the SDK's waiter.
  await call(d.CreateTableCommand, {
    TableName: table,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "sk", AttributeType: "N" },
      { AttributeName: "gpk", AttributeType: "S" },
      { AttributeName: "lsk", AttributeType: "S" },
    ],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }],
    GlobalSecondaryIndexes: [{ IndexName: "by-gpk", KeySchema: [{ AttributeName: "gpk", KeyType: "HASH" }], Projection: { ProjectionType: "ALL" } }],
    LocalSecondaryIndexes: [{
      IndexName: "by-lsk",
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "lsk", KeyType: "RANGE" }],
      Projection: { ProjectionType: "KEYS_ONLY" },
    }],
    StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
    TableClass: "STANDARD_INFREQUENT_ACCESS",
  });
  const waited = await d.waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName: table });
  expect(waited.state === "SUCCESS", `waitUntilTableExists: ${waited.state}`);
  await tableActive(table);
  const described = await call(d.DescribeTableCommand, { TableName: table });
  expect(described.Table.LatestStreamArn, "DescribeTable has no LatestStreamArn");
  expect(described.Table.TableClassSummary?.TableClass === "STANDARD_INFREQUENT_ACCESS", "DescribeTable's TableClassSummary");
  const tableArn = described.Table.TableArn;
  let listed = [];
  for await (const page of d.paginateListTables({ client, pageSize: 1 }, {})) listed.push(...page.TableNames);
  called.add("ListTables");
  expect(listed.includes(table), `ListTables lacks ${table}: ${listed}`);
  await call(d.DescribeLimitsCommand, {});
  await call(d.DescribeEndpointsCommand, {});

  // The document client: JavaScript values in, the same values out.
  const item = {
    pk: "a", sk: 1, gpk: "g1", lsk: "l1",
    text: "hello", int: 42, float: 3.25, neg: -7, yes: true, nothing: null,
    list: [1, "two", false, { three: 3 }], map: { nested: { deep: ["x"] } },
    tags: new Set(["red", "blue"]), nums: new Set([1, 2.5]), blob: bytes(0, 1, 255), blobs: new Set([bytes(1), bytes(2, 3)]),
    big: lib.NumberValue.from("12345678901234567890123456789012345678"),
  };
  await docCall(lib.PutCommand, { TableName: table, Item: item });
  const got = await docCall(lib.GetCommand, { TableName: table, Key: { pk: "a", sk: 1 }, ConsistentRead: true });
  const { big, ...plain } = item;
  const { big: gotBig, ...gotPlain } = got.Item;
  expect(same(gotPlain, plain), `GetItem gave ${show(gotPlain)}`);
  expect(gotBig.toString() === big.toString(), `a 38-digit number came back as ${gotBig}`);

  const updated = await docCall(lib.UpdateCommand, {
    TableName: table,
    Key: { pk: "a", sk: 1 },
    UpdateExpression: "SET #t = :t, #l = list_append(#l, :more), fresh = if_not_exists(fresh, :zero) ADD #i :one, tags :green REMOVE nothing DELETE nums :gone",
    ExpressionAttributeNames: { "#t": "text", "#l": "list", "#i": "int" },
    ExpressionAttributeValues: { ":t": "bye", ":more": ["five"], ":zero": 0, ":one": 1, ":green": new Set(["green"]), ":gone": new Set([1]) },
    ReturnValues: "ALL_NEW",
  });
  const u = updated.Attributes;
  expect(u.text === "bye" && u.int === 43 && u.fresh === 0 && u.list.length === 5 && !("nothing" in u), `UpdateItem gave ${show(u)}`);
  expect(same(u.tags, new Set(["red", "blue", "green"])) && same(u.nums, new Set([2.5])), "UpdateItem's sets");

  const failed = await refused(doc, new lib.PutCommand({
    TableName: table, Item: { pk: "a", sk: 1 }, ConditionExpression: "attribute_not_exists(pk)", ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  }), "ConditionalCheckFailedException");
  expect(failed.Item?.text?.S === "bye", `ConditionalCheckFailedException's item ${show(failed.Item)}`);
  expect(failed.message === "The conditional request failed", `ConditionalCheckFailedException: ${failed.message}`);
  const invalid = await refused(client, new d.GetItemCommand({ TableName: table, Key: { pk: { S: "a" } } }), "ValidationException");
  expect(/key element does not match the schema/.test(invalid.message), `ValidationException: ${invalid.message}`);
  await refused(client, new d.DescribeTableCommand({ TableName: "no-such-table" }), "ResourceNotFoundException");
  await refused(client, new d.CreateBackupCommand({ TableName: table, BackupName: "b" }), "UnknownOperationException");

  // Batches, and a Query and a Scan read back through the paginators.
  const batch = [];
  for (let i = 2; i <= 26; i++) batch.push({ PutRequest: { Item: { pk: "a", sk: i, gpk: i % 2 ? "odd" : "even", lsk: `l${100 - i}` } } });
  const written = await docCall(lib.BatchWriteCommand, { RequestItems: { [table]: batch } });
  expect(Object.keys(written.UnprocessedItems ?? {}).length === 0, "BatchWriteItem left items unprocessed");
  const read = await docCall(lib.BatchGetCommand, { RequestItems: { [table]: { Keys: [{ pk: "a", sk: 2 }, { pk: "a", sk: 3 }, { pk: "a", sk: 99 }] } } });
  expect(read.Responses[table].length === 2, `BatchGetItem gave ${read.Responses[table].length} items`);

  let sks = [];
  for await (const page of lib.paginateQuery({ client: doc, pageSize: 7 }, {
    TableName: table, KeyConditionExpression: "pk = :a AND sk > :s", ExpressionAttributeValues: { ":a": "a", ":s": 0 }, ScanIndexForward: false,
  })) sks.push(...page.Items.map((i) => i.sk));
  called.add("Query");
  expect(same(sks, Array.from({ length: 26 }, (_, i) => 26 - i)), `Query newest first gave ${sks}`);
  const odd = await docCall(lib.QueryCommand, { TableName: table, IndexName: "by-gpk", KeyConditionExpression: "gpk = :g", ExpressionAttributeValues: { ":g": "odd" } });
  expect(odd.Count === 12, `Query of the global index counted ${odd.Count}`);
  const local = await docCall(lib.QueryCommand, {
    TableName: table, IndexName: "by-lsk", KeyConditionExpression: "pk = :a AND begins_with(lsk, :l)", ExpressionAttributeValues: { ":a": "a", ":l": "l9" }, Select: "COUNT",
  });
  expect(local.Count === 9, `Query of the local index counted ${local.Count}`);
  let scanned = 0;
  for (const Segment of [0, 1]) {
    for await (const page of lib.paginateScan({ client: doc, pageSize: 5 }, { TableName: table, Segment, TotalSegments: 2 })) scanned += page.Count;
  }
  called.add("Scan");
  expect(scanned === 26, `two Scan segments found ${scanned} items`);

  // Transactions.
  await docCall(lib.TransactWriteCommand, {
    TransactItems: [
      { ConditionCheck: { TableName: table, Key: { pk: "a", sk: 2 }, ConditionExpression: "attribute_exists(pk)" } },
      { Put: { TableName: table, Item: { pk: "t", sk: 1, v: 1 } } },
      { Update: { TableName: table, Key: { pk: "a", sk: 3 }, UpdateExpression: "SET v = :v", ExpressionAttributeValues: { ":v": 3 } } },
      { Delete: { TableName: table, Key: { pk: "a", sk: 4 } } },
    ],
  });
  const tget = await docCall(lib.TransactGetCommand, { TransactItems: [{ Get: { TableName: table, Key: { pk: "t", sk: 1 } } }, { Get: { TableName: table, Key: { pk: "a", sk: 4 } } }] });
  expect(tget.Responses[0].Item.v === 1 && tget.Responses[1].Item === undefined, `TransactGetItems gave ${JSON.stringify(tget.Responses)}`);
  const cancelled = await refused(doc, new lib.TransactWriteCommand({
    TransactItems: [
      { Put: { TableName: table, Item: { pk: "t", sk: 2 } } },
      { ConditionCheck: { TableName: table, Key: { pk: "a", sk: 4 }, ConditionExpression: "attribute_exists(pk)" } },
    ],
  }), "TransactionCanceledException");
  expect(cancelled.CancellationReasons?.map((r) => r.Code).join() === "None,ConditionalCheckFailed", `CancellationReasons ${JSON.stringify(cancelled.CancellationReasons)}`);
  expect(cancelled.message === "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]",
    `TransactionCanceledException: ${cancelled.message}`);

  // PartiQL, through the document client's statements.
  await docCall(lib.ExecuteStatementCommand, { Statement: `INSERT INTO "${table}" VALUE {'pk': ?, 'sk': ?, 'n': ?}`, Parameters: ["p", 1, 10] });
  const sel = await docCall(lib.ExecuteStatementCommand, { Statement: `SELECT n FROM "${table}" WHERE pk = ? AND sk = ?`, Parameters: ["p", 1] });
  expect(sel.Items.length === 1 && sel.Items[0].n === 10, `SELECT gave ${JSON.stringify(sel.Items)}`);
  const many = await docCall(lib.BatchExecuteStatementCommand, {
    Statements: [
      { Statement: `UPDATE "${table}" SET n = n + ? WHERE pk = ? AND sk = ?`, Parameters: [5, "p", 1] },
      { Statement: `INSERT INTO "${table}" VALUE {'pk': ?, 'sk': ?}`, Parameters: ["p", 2] },
    ],
  });
  expect(many.Responses.every((r) => !r.Error), `BatchExecuteStatement: ${JSON.stringify(many.Responses)}`);
  await docCall(lib.ExecuteTransactionCommand, {
    TransactStatements: [{ Statement: `UPDATE "${table}" SET n = n + ? WHERE pk = ? AND sk = ?`, Parameters: [1, "p", 1] }],
  });
  const n = await docCall(lib.GetCommand, { TableName: table, Key: { pk: "p", sk: 1 } });
  expect(n.Item.n === 16, `PartiQL's updates left n = ${n.Item.n}`);

  // Table settings: TTL, tags, an index added, the billing mode switched.
  await call(d.UpdateTimeToLiveCommand, { TableName: table, TimeToLiveSpecification: { Enabled: true, AttributeName: "expires" } });
  const pitr = await call(d.UpdateContinuousBackupsCommand, { TableName: table, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
  const window = pitr.ContinuousBackupsDescription.PointInTimeRecoveryDescription;
  expect(window.PointInTimeRecoveryStatus === "ENABLED" && window.RecoveryPeriodInDays === 35 && window.EarliestRestorableDateTime instanceof Date,
    `UpdateContinuousBackups gave ${JSON.stringify(pitr.ContinuousBackupsDescription)}`);
  const backups = await call(d.DescribeContinuousBackupsCommand, { TableName: table });
  expect(backups.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus === "ENABLED", "DescribeContinuousBackups");
  const insights = await call(d.UpdateContributorInsightsCommand, { TableName: table, ContributorInsightsAction: "ENABLE" });
  expect(insights.ContributorInsightsStatus === "ENABLING", `UpdateContributorInsights gave ${insights.ContributorInsightsStatus}`);
  await until("insights ENABLED", async () =>
    (await call(d.DescribeContributorInsightsCommand, { TableName: table })).ContributorInsightsStatus === "ENABLED");
  const listedInsights = await call(d.ListContributorInsightsCommand, { TableName: table });
  expect(listedInsights.ContributorInsightsSummaries.length === 1, "ListContributorInsights");
  const ttl = await call(d.DescribeTimeToLiveCommand, { TableName: table });
  expect(ttl.TimeToLiveDescription.AttributeName === "expires", "DescribeTimeToLive");
  await call(d.TagResourceCommand, { ResourceArn: tableArn, Tags: [{ Key: "team", Value: "spk" }] });
  const tags = await call(d.ListTagsOfResourceCommand, { ResourceArn: tableArn });
  expect(tags.Tags.some((t) => t.Key === "team" && t.Value === "spk"), "ListTagsOfResource lacks the tag");
  await call(d.UntagResourceCommand, { ResourceArn: tableArn, TagKeys: ["team"] });
  await call(d.UpdateTableCommand, {
    TableName: table,
    AttributeDefinitions: [{ AttributeName: "v", AttributeType: "N" }],
    GlobalSecondaryIndexUpdates: [{ Create: { IndexName: "by-v", KeySchema: [{ AttributeName: "v", KeyType: "HASH" }], Projection: { ProjectionType: "KEYS_ONLY" } } }],
  });
  await tableActive(table);
  const byV = await docCall(lib.QueryCommand, { TableName: table, IndexName: "by-v", KeyConditionExpression: "v = :v", ExpressionAttributeValues: { ":v": 3 } });
  expect(byV.Count === 1, `the added index holds ${byV.Count} items with v = 3`);
  await call(d.UpdateTableCommand, { TableName: table, BillingMode: "PROVISIONED", ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
    GlobalSecondaryIndexUpdates: [
      { Update: { IndexName: "by-gpk", ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } } },
      { Update: { IndexName: "by-v", ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } } },
    ] });
  await tableActive(table);

  // A Kinesis streaming destination.
  const dest = `walk-dest-${process.pid}`;
  await send(kinesis, new k.CreateStreamCommand({ StreamName: dest, ShardCount: 1 }));
  await until(`${dest} ACTIVE`, async () => {
    const s = await send(kinesis, new k.DescribeStreamSummaryCommand({ StreamName: dest }));
    return s.StreamDescriptionSummary.StreamStatus === "ACTIVE";
  });
  const destArn = (await send(kinesis, new k.DescribeStreamSummaryCommand({ StreamName: dest }))).StreamDescriptionSummary.StreamARN;
  await call(d.EnableKinesisStreamingDestinationCommand, { TableName: table, StreamArn: destArn });
  await until("the destination ACTIVE", async () => {
    const out = await call(d.DescribeKinesisStreamingDestinationCommand, { TableName: table });
    return out.KinesisDataStreamDestinations?.[0]?.DestinationStatus === "ACTIVE";
  });
  await call(d.UpdateKinesisStreamingDestinationCommand, {
    TableName: table, StreamArn: destArn, UpdateKinesisStreamingConfiguration: { ApproximateCreationDateTimePrecision: "MICROSECOND" },
  });
  await until("the destination ACTIVE after its update", async () => {
    const out = await call(d.DescribeKinesisStreamingDestinationCommand, { TableName: table });
    return out.KinesisDataStreamDestinations?.[0]?.DestinationStatus === "ACTIVE";
  });
  await call(d.DisableKinesisStreamingDestinationCommand, { TableName: table, StreamArn: destArn });

  // The table's stream, read back with the Streams client.
  const ls = await send(streams, new ds.ListStreamsCommand({ TableName: table }));
  expect(ls.Streams.length === 1, `ListStreams gave ${ls.Streams.length} streams`);
  const desc = await send(streams, new ds.DescribeStreamCommand({ StreamArn: ls.Streams[0].StreamArn }));
  expect(desc.StreamDescription.StreamViewType === "NEW_AND_OLD_IMAGES", "DescribeStream's view type");
  const events = {};
  let first;
  for (const shard of desc.StreamDescription.Shards) {
    let it = (await send(streams, new ds.GetShardIteratorCommand({ StreamArn: ls.Streams[0].StreamArn, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
    while (it) {
      const page = await send(streams, new ds.GetRecordsCommand({ ShardIterator: it }));
      for (const r of page.Records) {
        events[r.eventName] = (events[r.eventName] ?? 0) + 1;
        first ??= r;
      }
      if (page.Records.length === 0) break;
      it = page.NextShardIterator;
    }
  }
  expect(events.INSERT >= 28 && events.MODIFY >= 3 && events.REMOVE >= 1, `stream events ${JSON.stringify(events)}`);
  const image = unmarshall(first.dynamodb.NewImage);
  expect(image.pk === "a" && image.sk === 1 && image.tags instanceof Set, `the first stream record's image ${show(image)}`);

  // Items removed, then the table, with the SDK's waiter.
  await docCall(lib.DeleteCommand, { TableName: table, Key: { pk: "t", sk: 1 }, ReturnValues: "ALL_OLD" });
  await call(d.DeleteTableCommand, { TableName: table });
  const gone = await d.waitUntilTableNotExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName: table });
  expect(gone.state === "SUCCESS", `waitUntilTableNotExists: ${gone.state}`);
  await send(kinesis, new k.DeleteStreamCommand({ StreamName: dest }));

  // Every operation spk serves was called (DescribeEndpoints' answer is fixed).
  const served = [
    "CreateTable", "DescribeTable", "ListTables", "UpdateTable", "DeleteTable", "PutItem", "GetItem", "UpdateItem", "DeleteItem",
    "BatchWriteItem", "BatchGetItem", "TransactWriteItems", "TransactGetItems", "Query", "Scan", "TagResource", "UntagResource",
    "ListTagsOfResource", "UpdateTimeToLive", "DescribeTimeToLive", "UpdateContinuousBackups", "DescribeContinuousBackups",
    "UpdateContributorInsights", "DescribeContributorInsights", "ListContributorInsights", "DescribeEndpoints", "DescribeLimits", "ExecuteStatement",
    "BatchExecuteStatement", "ExecuteTransaction", "EnableKinesisStreamingDestination", "DescribeKinesisStreamingDestination",
    "UpdateKinesisStreamingDestination", "DisableKinesisStreamingDestination", "ListStreams", "DescribeStream", "GetShardIterator", "GetRecords",
  ];
  const docOps = { Put: "PutItem", Get: "GetItem", Update: "UpdateItem", Delete: "DeleteItem", BatchWrite: "BatchWriteItem", BatchGet: "BatchGetItem",
    TransactWrite: "TransactWriteItems", TransactGet: "TransactGetItems" };
  for (const [docOp, op] of Object.entries(docOps)) if (called.has(docOp)) called.add(op);
  const missing = served.filter((op) => !called.has(op));
  if (missing.length > 0) throw new Error(`the walk called no ${missing.join(", ")}`);
  console.log(`dynamodb-walk: all ${served.length} operations answered`);
}

walk().then(
  () => [client, streams, kinesis].forEach((c) => c.destroy()),
  (err) => {
    console.error(`dynamodb-walk: ${err.message}`);
    if (process.env.WALK_DEBUG) console.error(err.stack);
    process.exit(1);
  },
);
