// Walks every Kinesis operation spk local serves with the AWS SDK for
// JavaScript v3 at its defaults: its Kinesis client speaks cleartext HTTP/2
// with prior knowledge, and SubscribeToShard reads an event stream. Only the
// endpoint and dummy credentials are set. Any error fails the walk (exit 1),
// naming the operation.
//
//   SPK_ENDPOINT=http://127.0.0.1:4566 node kinesis-walk.mjs
import * as k from "@aws-sdk/client-kinesis";
import { credentials, expect, until } from "./walk-lib.mjs";

const endpoint = process.env.SPK_ENDPOINT;
if (!endpoint) {
  console.error("kinesis-walk: set SPK_ENDPOINT to spk local's URL");
  process.exit(2);
}
const client = new k.KinesisClient({
  endpoint,
  region: "us-east-1",
  credentials,
});

const called = new Set();
async function call(Command, input) {
  const op = Command.name.replace(/Command$/, "");
  try {
    const out = await client.send(new Command(input));
    called.add(op);
    return out;
  } catch (err) {
    throw new Error(`${op}: ${err.name}: ${err.message}`);
  }
}

async function streamActive(name) {
  await until(`${name} ACTIVE`, async () => {
    const s = await call(k.DescribeStreamSummaryCommand, { StreamName: name });
    return s.StreamDescriptionSummary.StreamStatus === "ACTIVE";
  });
}

async function consumerActive(ConsumerARN) {
  await until(`consumer ACTIVE`, async () => {
    const c = await call(k.DescribeStreamConsumerCommand, { ConsumerARN });
    return c.ConsumerDescription.ConsumerStatus === "ACTIVE";
  });
}

const name = `walk-${process.pid}`;
const shard0 = "shardId-000000000000";

async function walk() {
  await call(k.CreateStreamCommand, { StreamName: name, ShardCount: 2, Tags: { team: "spk" } });
  await streamActive(name);
  const { StreamDescription: desc } = await call(k.DescribeStreamCommand, { StreamName: name });
  const arn = desc.StreamARN;
  expect(desc.Shards.length === 2, `DescribeStream shards ${desc.Shards.length}`);
  const list = await call(k.ListStreamsCommand, {});
  expect(list.StreamNames.includes(name), "ListStreams lacks the stream");
  expect(list.StreamSummaries.some((s) => s.StreamARN === arn), "ListStreams StreamSummaries lacks the stream");
  await call(k.DescribeLimitsCommand, {});
  await call(k.DescribeAccountSettingsCommand, {});

  // Data: put, read back by polling, then by enhanced fan-out.
  const put = await call(k.PutRecordCommand, { StreamARN: arn, PartitionKey: "a", Data: new TextEncoder().encode("one"), ExplicitHashKey: "0" });
  expect(put.ShardId === shard0, `PutRecord shard ${put.ShardId}`);
  const puts = await call(k.PutRecordsCommand, {
    StreamName: name,
    Records: [1, 2, 3].map((i) => ({ PartitionKey: `k${i}`, Data: new TextEncoder().encode(`r${i}`), ExplicitHashKey: "0" })),
  });
  expect(puts.FailedRecordCount === 0, `PutRecords failed ${puts.FailedRecordCount}`);
  const shards = await call(k.ListShardsCommand, { StreamName: name });
  expect(shards.Shards.length === 2, "ListShards");
  const it = await call(k.GetShardIteratorCommand, { StreamName: name, ShardId: shard0, ShardIteratorType: "TRIM_HORIZON" });
  const got = await call(k.GetRecordsCommand, { ShardIterator: it.ShardIterator });
  expect(got.Records.length === 4, `GetRecords returned ${got.Records.length} records`);

  const reg = await call(k.RegisterStreamConsumerCommand, { StreamARN: arn, ConsumerName: "walker" });
  const consumerARN = reg.Consumer.ConsumerARN;
  await consumerActive(consumerARN);
  const consumers = await call(k.ListStreamConsumersCommand, { StreamARN: arn });
  expect(consumers.Consumers.some((c) => c.ConsumerARN === consumerARN), "ListStreamConsumers lacks the consumer");
  const sub = await call(k.SubscribeToShardCommand, {
    ConsumerARN: consumerARN,
    ShardId: shard0,
    StartingPosition: { Type: "TRIM_HORIZON" },
  });
  let seen = 0;
  for await (const ev of sub.EventStream) {
    if (ev.SubscribeToShardEvent) {
      seen += ev.SubscribeToShardEvent.Records.length;
      expect(ev.SubscribeToShardEvent.ContinuationSequenceNumber, "event without ContinuationSequenceNumber");
      if (seen >= 4) break;
    } else {
      throw new Error(`SubscribeToShard: unexpected event ${JSON.stringify(Object.keys(ev))}`);
    }
  }
  expect(seen === 4, `SubscribeToShard delivered ${seen} records`);

  // Tags, by name and by ARN, on the stream and on the consumer.
  await call(k.AddTagsToStreamCommand, { StreamName: name, Tags: { env: "test" } });
  await call(k.RemoveTagsFromStreamCommand, { StreamName: name, TagKeys: ["env"] });
  const tags = await call(k.ListTagsForStreamCommand, { StreamName: name });
  expect(tags.Tags.length === 1 && tags.Tags[0].Key === "team", `ListTagsForStream ${JSON.stringify(tags.Tags)}`);
  await call(k.TagResourceCommand, { ResourceARN: consumerARN, Tags: { role: "reader" } });
  const ctags = await call(k.ListTagsForResourceCommand, { ResourceARN: consumerARN });
  expect(ctags.Tags.some((t) => t.Key === "role"), "consumer tags");
  await call(k.UntagResourceCommand, { ResourceARN: consumerARN, TagKeys: ["role"] });
  await call(k.TagResourceCommand, { ResourceARN: arn, Tags: { owner: "walk" } });
  await call(k.ListTagsForResourceCommand, { ResourceARN: arn });

  // Policies.
  const policy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::000000000000:root" }, Action: "kinesis:GetRecords", Resource: arn }],
  });
  await call(k.PutResourcePolicyCommand, { ResourceARN: arn, Policy: policy });
  const pol = await call(k.GetResourcePolicyCommand, { ResourceARN: arn });
  expect(JSON.parse(pol.Policy).Statement.length === 1, "GetResourcePolicy");
  await call(k.DeleteResourcePolicyCommand, { ResourceARN: arn });

  // Settings that take the stream through UPDATING.
  await call(k.IncreaseStreamRetentionPeriodCommand, { StreamName: name, RetentionPeriodHours: 48 });
  await streamActive(name);
  await call(k.DecreaseStreamRetentionPeriodCommand, { StreamName: name, RetentionPeriodHours: 24 });
  await streamActive(name);
  await call(k.EnableEnhancedMonitoringCommand, { StreamName: name, ShardLevelMetrics: ["IncomingBytes"] });
  await call(k.DisableEnhancedMonitoringCommand, { StreamName: name, ShardLevelMetrics: ["IncomingBytes"] });
  await call(k.StartStreamEncryptionCommand, { StreamName: name, EncryptionType: "KMS", KeyId: "alias/aws/kinesis" });
  await streamActive(name);
  await call(k.StopStreamEncryptionCommand, { StreamName: name, EncryptionType: "KMS", KeyId: "alias/aws/kinesis" });
  await streamActive(name);
  await call(k.UpdateMaxRecordSizeCommand, { StreamARN: arn, MaxRecordSizeInKiB: 2048 });
  await streamActive(name);

  // On-demand: account settings, warm throughput, record distribution, channels.
  await call(k.UpdateStreamModeCommand, { StreamARN: arn, StreamModeDetails: { StreamMode: "ON_DEMAND" } });
  await streamActive(name);
  await call(k.UpdateAccountSettingsCommand, { MinimumThroughputBillingCommitment: { Status: "ENABLED" } });
  await call(k.UpdateStreamWarmThroughputCommand, { StreamARN: arn, WarmThroughputMiBps: 10 });
  await streamActive(name);
  await call(k.UpdateStreamRecordDistributionStrategyCommand, { StreamARN: arn, RecordDistributionStrategy: "USER_PARTITION_KEY" });
  const channel = await call(k.CreateChannelCommand, {
    ChannelName: `walk-channel-${process.pid}`,
    ServiceExecutionRoleARN: "arn:aws:iam::000000000000:role/deliver",
    StreamConfigurationList: [{ StreamARN: arn, RecordConfiguration: { RecordFormatType: "JSON" } }],
    S3DestinationConfiguration: {
      StorageConfiguration: { BucketARN: "arn:aws:s3:::bucket", ExpectedBucketOwner: "000000000000", CompressionType: "GZIP" },
    },
  });
  const channelARN = channel.ChannelDescription.ChannelARN;
  await until("channel ACTIVE", async () => {
    const c = await call(k.DescribeChannelCommand, { ChannelARN: channelARN });
    return c.ChannelDescription.ChannelStatus === "ACTIVE";
  });
  const channels = await call(k.ListChannelsCommand, {});
  expect(channels.ChannelSummaries.some((c) => c.ChannelARN === channelARN), "ListChannels lacks the channel");
  await call(k.UpdateChannelCommand, { ChannelARN: channelARN, S3DestinationConfiguration: { DataFreshnessInSeconds: 60 } });
  await until("channel ACTIVE after the update", async () => {
    const c = await call(k.DescribeChannelCommand, { ChannelARN: channelARN });
    return c.ChannelDescription.ChannelStatus === "ACTIVE";
  });
  await call(k.DeleteChannelCommand, { ChannelARN: channelARN });
  await until("channel gone", async () => {
    const c = await call(k.ListChannelsCommand, {});
    return !c.ChannelSummaries.some((x) => x.ChannelARN === channelARN);
  });
  await call(k.UpdateStreamModeCommand, { StreamARN: arn, StreamModeDetails: { StreamMode: "PROVISIONED" } });
  await streamActive(name);

  // Resharding.
  await call(k.SplitShardCommand, { StreamName: name, ShardToSplit: shard0, NewStartingHashKey: "85070591730234615865843651857942052864" });
  await streamActive(name);
  await call(k.MergeShardsCommand, { StreamName: name, ShardToMerge: "shardId-000000000002", AdjacentShardToMerge: "shardId-000000000003" });
  await streamActive(name);
  await call(k.UpdateShardCountCommand, { StreamName: name, TargetShardCount: 4, ScalingType: "UNIFORM_SCALING" });
  await streamActive(name);

  await call(k.DeregisterStreamConsumerCommand, { ConsumerARN: consumerARN });
  await call(k.DeleteStreamCommand, { StreamName: name, EnforceConsumerDeletion: true });
  const missing = Object.keys(k)
    .filter((n) => /^[A-Z][A-Za-z]+Command$/.test(n))
    .map((n) => n.replace(/Command$/, ""))
    .filter((op) => !called.has(op));
  if (missing.length > 0) throw new Error(`the walk called no ${missing.join(", ")}`);
  console.log(`kinesis-walk: all ${called.size} operations answered: ${[...called].sort().join(" ")}`);
}

walk().then(
  () => client.destroy(),
  (err) => {
    console.error(`kinesis-walk: ${err.message}`);
    process.exit(1);
  },
);
